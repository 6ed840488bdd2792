/* mailauth-milter: ARC sets on mail relayed onwards (RFC 8617 §5.1).
 *
 * Which mail: from internal_hosts or an SMTP-authenticated client (the
 * outbound side), when the `seal` key is configured and the message
 * carries an Authentication-Results field with our authserv-id, i.e. it
 * was verified when it entered this ADMD (by this instance, or by an
 * inbound instance with the same authserv_id) and is now leaving it again
 * through a list manager or forwarder. Mail written here has no such field
 * and is only signed.
 *
 * Where the verdicts come from: the ARC-Authentication-Results repeats
 * those Authentication-Results fields of ours (the library picks them by
 * authserv-id). The chain status cv= is the arc= result of the newest of
 * them, handed over with mailauth_arc_sealer_set_chain(): the chain as it
 * arrived, before a list footer or subject tag broke the newest
 * ARC-Message-Signature. Only when our field has no arc= result does the
 * sealer validate the chain itself over the message's borrowed resolver. */
#include <stdlib.h>
#include <string.h>

#include "milter.h"

struct ma_sealing {
    mailauth_arc_sealer_t *s;
    mailauth_resolver_t   *r;
    bool                   leadspc;
};

/* The arc= result of the newest Authentication-Results field of ours. */
static bool
our_arc_result(const struct ma_msg *m, mailauth_verdict_t *cv)
{
    for (size_t i = 0; i < m->n_hdrs; i++) {
        mailauth_authres_t *ar = NULL;
        const char         *f = m->hdrs[i].field;
        bool                found = false;
        if (!ma_strneq_ci(f, "Authentication-Results:", 23) ||
            mailauth_authres_parse(NULL, f, m->hdrs[i].len, NULL, &ar) != MAILAUTH_OK)
            continue;
        if (ma_streq_ci(mailauth_authres_authserv_id(ar), m->gen->cfg->authserv_id)) {
            for (size_t j = 0; j < mailauth_authres_resinfo_count(ar) && !found; j++) {
                const mailauth_resinfo_t *ri = mailauth_authres_resinfo(ar, j);
                const char               *res = mailauth_resinfo_result(ri);
                if (strcmp(mailauth_resinfo_method(ri), "arc") != 0)
                    continue;
                found = true;
                *cv = strcmp(res, "pass") == 0   ? MAILAUTH_VERDICT_PASS
                      : strcmp(res, "none") == 0 ? MAILAUTH_VERDICT_NONE
                                                 : MAILAUTH_VERDICT_FAIL;
            }
        }
        mailauth_authres_free(ar);
        if (found)
            return true; /* the topmost field is the newest */
    }
    return false;
}

bool
ma_sealing_start(struct ma_msg *m, bool leadspc)
{
    const struct ma_keyspec *k = m->gen->cfg->seal;
    struct ma_sealing       *sl;
    mailauth_verdict_t       cv = MAILAUTH_VERDICT_NONE;
    mailauth_status_t        st;
    if (m->hdr_overflow)
        return true; /* fields were not kept: no set rather than a wrong one */
    if ((sl = calloc(1, sizeof(*sl))) == NULL)
        return false;
    m->sealing = sl;
    sl->leadspc = leadspc;
    st = mailauth_arc_sealer_new(m->gen->ctx, k->key, k->domain, k->selector,
                                 m->gen->cfg->authserv_id, &sl->s);
    if (st != MAILAUTH_OK)
        return false;
    if (our_arc_result(m, &cv)) {
        st = mailauth_arc_sealer_set_chain(sl->s, cv);
    } else {
        sl->r = ma_pool_resolver(m->res);
        st = mailauth_arc_sealer_set_resolver(sl->s, sl->r);
    }
    for (size_t i = 0; st == MAILAUTH_OK && i < m->n_hdrs; i++)
        st = mailauth_arc_sealer_header(sl->s, m->hdrs[i].field, m->hdrs[i].len);
    if (st == MAILAUTH_OK)
        st = mailauth_arc_sealer_end_headers(sl->s);
    return st == MAILAUTH_OK;
}

bool
ma_sealing_body(struct ma_sealing *sl, const unsigned char *chunk, size_t len)
{
    return mailauth_arc_sealer_body(sl->s, chunk, len) == MAILAUTH_OK;
}

static bool
insert_field(SMFICTX *ctx, struct ma_sealing *sl, mailauth_arc_field_t which)
{
    const char *name = mailauth_arc_field_name(which);
    size_t      need = 0;
    char       *buf, *value;
    int         rc;
    if (mailauth_arc_sealer_format_field(sl->s, which, NULL, 0, &need) != MAILAUTH_ENOSPC &&
        need == 0)
        return false;
    if ((buf = malloc(need + 1)) == NULL)
        return false;
    if (mailauth_arc_sealer_format_field(sl->s, which, buf, need + 1, &need) != MAILAUTH_OK) {
        free(buf);
        return false;
    }
    value = ma_mta_value(buf, strlen(name), sl->leadspc);
    free(buf);
    if (value == NULL)
        return false;
    rc = smfi_insheader(ctx, 0, (char *)name, value);
    free(value);
    return rc == MI_SUCCESS;
}

/* end_message(), waiting for the chain's keys when the sealer validates
 * the chain itself (bounded by the ctx evaluation deadline). */
static mailauth_status_t
end_message(struct ma_sealing *sl)
{
    mailauth_status_t st = mailauth_arc_sealer_end_message(sl->s);
    for (unsigned i = 0; st == MAILAUTH_EAGAIN && sl->r != NULL && i < 600; i++) {
        if (mailauth_resolver_run_once(sl->r, 100) != MAILAUTH_OK)
            break;
        st = mailauth_arc_sealer_end_message(sl->s);
    }
    return st;
}

bool
ma_sealing_finish(SMFICTX *ctx, struct ma_sealing *sl, const char **cv)
{
    mailauth_status_t st = end_message(sl);
    *cv = "";
    if (st == MAILAUTH_EINVAL || st == MAILAUTH_ELIMIT) {
        /* nothing to seal consistently (a chain status the message
         * contradicts, a refused field, a full chain): relay it unsealed */
        ma_log(MA_LOG_WARNING, "no ARC set added: %s", mailauth_strerror(st));
        return true;
    }
    if (st != MAILAUTH_OK) {
        ma_log(MA_LOG_ERR, "ARC sealing failed: %s", mailauth_strerror(st));
        return false;
    }
    if (mailauth_arc_sealer_instance(sl->s) == 0)
        return true; /* the newest seal already says cv=fail: no set (§5.1) */
    /* each on top: AAR, then AMS above it, then AS above both */
    if (!insert_field(ctx, sl, MAILAUTH_ARC_FIELD_AAR) ||
        !insert_field(ctx, sl, MAILAUTH_ARC_FIELD_AMS) ||
        !insert_field(ctx, sl, MAILAUTH_ARC_FIELD_AS))
        return false;
    *cv = mailauth_verdict_name(mailauth_arc_sealer_chain(sl->s));
    return true;
}

void
ma_sealing_free(struct ma_sealing *sl)
{
    if (sl == NULL)
        return;
    mailauth_arc_sealer_free(sl->s);
    free(sl);
}
