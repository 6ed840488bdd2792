/* iprev after the check: the public getters and the "iprev" entry of
 * Authentication-Results (RFC 8601 §2.7.3).
 *
 * The entry:
 *
 *   iprev=pass (mail.example.org) policy.iprev=192.0.2.1
 *   iprev=fail (mail.example.org does not resolve to 192.0.2.1) policy.iprev=192.0.2.1
 *
 * - the result word is the verdict (§2.7.3: pass, fail, temperror,
 *   permerror);
 * - policy.iprev carries the client address that was checked: the IANA
 *   Email Authentication Methods registry lists (iprev, policy, iprev)
 *   with the value "client IP address". An IPv6 address is not an RFC 2045
 *   token (':' is a tspecial), so the formatter writes it as a
 *   quoted-string;
 * - the comment names the confirmed host for a pass, and says why for the
 *   other results. The A-R model writes a comment right after the result
 *   word (RFC 8601 §2.2 allows CFWS there), so it comes before the
 *   property; it is for humans, and readers skip it.
 */
#include <mailauth/iprev.h>

#include "ar/ar.h"
#include "iprev/iprev_int.h"

mailauth_verdict_t
mailauth_iprev_result_verdict(const mailauth_iprev_result_t *res)
{
    return res != NULL ? res->verdict : MAILAUTH_VERDICT_NONE;
}

mailauth_reason_t
mailauth_iprev_result_reason(const mailauth_iprev_result_t *res)
{
    return res != NULL ? res->reason : MAILAUTH_REASON_NONE;
}

const char *
mailauth_iprev_result_ip(const mailauth_iprev_result_t *res)
{
    return res != NULL ? res->ip : NULL;
}

const char *
mailauth_iprev_result_name(const mailauth_iprev_result_t *res)
{
    return res != NULL ? res->name : NULL;
}

const char *
mailauth_iprev_result_problem(const mailauth_iprev_result_t *res)
{
    return res != NULL ? res->problem : NULL;
}

mailauth_status_t
mailauth__iprev_add_authres(const mailauth_iprev_result_t *res, mailauth_authres_t *ar)
{
    mailauth_resinfo_t *ri = NULL;
    const char         *comment = NULL;
    mailauth_status_t   st = MAILAUTH_OK;
    if (res == NULL || ar == NULL)
        return MAILAUTH_EINVAL;
    st = mailauth_authres_add(ar, "iprev", mailauth_verdict_name(res->verdict), &ri);
    if (st != MAILAUTH_OK)
        return st;
    comment = res->verdict == MAILAUTH_VERDICT_PASS ? res->name : res->problem;
    if (comment != NULL) {
        st = mailauth_resinfo_set_comment(ri, comment);
        if (st == MAILAUTH_ENOMEM)
            return st; /* a text the model refuses is left out: it is for humans */
        /* "iprev=pass policy.iprev=192.0.2.1 (mail.example.org)", the form
         * iprev reporters use: the name stands next to the address it names. */
        mailauth__ar_comment_last(ri);
    }
    if (res->ip == NULL)
        return MAILAUTH_OK;
    st = mailauth_resinfo_add_prop(ri, "policy", "iprev", res->ip);
    return st == MAILAUTH_ENOMEM ? st : MAILAUTH_OK;
}

mailauth_status_t
mailauth__iprev_result_copy(mailauth__arena_t *a, const mailauth_iprev_result_t *res,
                            const mailauth_iprev_result_t **out)
{
    mailauth_iprev_result_t *c = mailauth__arena_alloc(a, sizeof(*c));
    *out = NULL;
    if (c == NULL)
        return MAILAUTH_ENOMEM;
    *c = *res;
    c->ip = res->ip != NULL ? mailauth__arena_strdup(a, res->ip) : NULL;
    c->name = res->name != NULL ? mailauth__arena_strdup(a, res->name) : NULL;
    c->problem = res->problem != NULL ? mailauth__arena_strdup(a, res->problem) : NULL;
    if ((res->ip != NULL && c->ip == NULL) || (res->name != NULL && c->name == NULL) ||
        (res->problem != NULL && c->problem == NULL))
        return MAILAUTH_ENOMEM;
    *out = c;
    return MAILAUTH_OK;
}
