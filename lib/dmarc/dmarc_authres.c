/* DMARC after the result: the local-policy override (RFC 8617 §7.2) and
 * the "dmarc" entry of Authentication-Results (RFC 7489 §11.1, RFC 8601).
 *
 * The entry:
 *
 *   dmarc=fail (p=reject dis=reject) header.from=example.com policy.dmarc=reject
 *
 * - the comment names the tag that gave the policy (p, sp or np) with its
 *   value and the disposition ("dis="), plus "sampled-out" when pct=
 *   lowered it; without a usable record it is the problem text;
 * - policy.dmarc follows the IANA Email Authentication Methods entry for
 *   (dmarc, policy, dmarc): the evaluated policy "after policy options
 *   including pct: and sp: have been processed", so for a fail the
 *   disposition and otherwise the policy that applies;
 * - an override adds ", override=local_policy arc=pass" to the comment: RFC
 *   7489 Appendix C names the override type "local_policy" and RFC 8617
 *   §7.2.2 reports it with the comment "arc=pass". No A-R property is
 *   registered for overrides, and the dmarc=fail result itself stays
 *   (the override never hides the original verdict).
 */
#include <stdbool.h>
#include <stdio.h>

#include "dmarc/dmarc_int.h"

const char *
mailauth_dmarc_override_name(mailauth_dmarc_override_t o)
{
    switch (o) {
    case MAILAUTH_DMARC_OVERRIDE_NONE:
        return "none";
    case MAILAUTH_DMARC_OVERRIDE_ARC:
        return "arc";
    }
    return "unknown";
}

const char *
mailauth_dmarc_psd_name(mailauth_dmarc_psd_t p)
{
    switch (p) {
    case MAILAUTH_DMARC_PSD_UNSPECIFIED:
        return "u";
    case MAILAUTH_DMARC_PSD_YES:
        return "y";
    case MAILAUTH_DMARC_PSD_NO:
        return "n";
    }
    return "unknown";
}

mailauth_dmarc_override_t
mailauth_dmarc_result_override(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? (mailauth_dmarc_override_t)res->override : MAILAUTH_DMARC_OVERRIDE_NONE;
}

void
mailauth__dmarc_set_override(mailauth__dmarc_t *d, mailauth_dmarc_override_t o)
{
    if (d == NULL || !d->done || d->res.verdict != MAILAUTH_VERDICT_FAIL)
        return;
    if (o == MAILAUTH_DMARC_OVERRIDE_NONE || o == MAILAUTH_DMARC_OVERRIDE_ARC)
        d->res.override = (uint8_t)o;
}

/* A result computed with a policy record: pass or fail (a temperror can
 * have a record too, when an alignment walk failed: it reports its problem). */
static bool
with_policy(const mailauth_dmarc_result_t *res)
{
    return res->rec != NULL &&
           (res->verdict == MAILAUTH_VERDICT_PASS || res->verdict == MAILAUTH_VERDICT_FAIL);
}

static void
policy_comment(const mailauth_dmarc_result_t *res, char *buf, size_t cap)
{
    const char *tag = mailauth_dmarc_result_policy_tag(res);
    int         n = snprintf(buf, cap, "%s=%s dis=%s%s", tag != NULL ? tag : "p",
                             mailauth_dmarc_policy_name(mailauth_dmarc_result_policy(res)),
                             mailauth_dmarc_policy_name(mailauth_dmarc_result_disposition(res)),
                     res->sampled_out ? " sampled-out" : "");
    if (n > 0 && (size_t)n < cap && res->override == MAILAUTH_DMARC_OVERRIDE_ARC)
        (void)snprintf(buf + n, cap - (size_t)n, ", override=local_policy arc=pass");
}

mailauth_status_t
mailauth__dmarc_add_authres(const mailauth_dmarc_result_t *res, mailauth_authres_t *ar)
{
    mailauth_resinfo_t     *ri = NULL;
    char                    comment[96];
    mailauth_dmarc_policy_t applied;
    mailauth_status_t       st = MAILAUTH_OK;
    if (res == NULL || ar == NULL)
        return MAILAUTH_EINVAL;
    /* RFC 8601 §2.7.1 result words: pass fail none temperror permerror */
    st = mailauth_authres_add(ar, "dmarc", mailauth_verdict_name(res->verdict), &ri);
    if (st != MAILAUTH_OK)
        return st;
    if (with_policy(res)) {
        policy_comment(res, comment, sizeof(comment));
        st = mailauth_resinfo_set_comment(ri, comment);
    } else if (res->problem != NULL) {
        st = mailauth_resinfo_set_comment(ri, res->problem);
    }
    if (st == MAILAUTH_ENOMEM)
        return st;                  /* a text the model refuses is left out */
    if (res->header_from != NULL) { /* RFC 7489 §11.1: header.from */
        st = mailauth_resinfo_add_prop(ri, "header", "from", res->header_from);
        if (st == MAILAUTH_ENOMEM)
            return st;
    }
    if (!with_policy(res))
        return MAILAUTH_OK;
    applied = res->verdict == MAILAUTH_VERDICT_FAIL ? mailauth_dmarc_result_disposition(res)
                                                    : mailauth_dmarc_result_policy(res);
    st = mailauth_resinfo_add_prop(ri, "policy", "dmarc", mailauth_dmarc_policy_name(applied));
    return st == MAILAUTH_ENOMEM ? st : MAILAUTH_OK;
}
