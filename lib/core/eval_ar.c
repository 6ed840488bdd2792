/* Result assembly: Authentication-Results and the per-method views of a
 * finished evaluation. */
#include "core/eval_int.h"

#include "core/ctx_int.h"

/* RFC 8617 §4.1.1 / RFC 8601: arc=<result> header.oldest-pass=<n>
 * smtp.remote-ip=<the SMTP client, as received>. */
static mailauth_status_t
add_arc(const mailauth_eval_t *ev, mailauth_authres_t *ar)
{
    char ip[48]; /* mailauth__ip_format: 46 at most */
    if (!ev->have_ip)
        return mailauth__arc_add_authres(ev->arc, ar, NULL);
    mailauth__ip_format(&ev->ip, ip, sizeof(ip));
    return mailauth__arc_add_authres(ev->arc, ar, ip);
}

mailauth_status_t
mailauth__eval_build_authres(mailauth_eval_t *ev)
{
    mailauth_authres_t *ar = NULL;
    mailauth_status_t   st = mailauth_authres_new(&ev->ctx->env.al, ev->ctx->authserv_id, &ar);
    /* RFC 8601 §2.7.2: one spf entry per identity checked, MAIL FROM first. */
    for (int i = 0; i < EVAL_SPF_N && st == MAILAUTH_OK; i++) {
        if (ev->spf[i] != NULL && ev->spf_done[i])
            st = mailauth__spf_add_authres(mailauth__spf_result(ev->spf[i]), ar);
    }
    /* DKIM: one entry per signature in header order, or dkim=none. */
    if (st == MAILAUTH_OK && ev->dkim != NULL && ev->dkim_done)
        st = mailauth__dkim_add_authres(ev->dkim, ar);
    if (st == MAILAUTH_OK && ev->dmarc != NULL && ev->dmarc_done)
        st = mailauth__dmarc_add_authres(mailauth__dmarc_result(ev->dmarc), ar);
    if (st == MAILAUTH_OK && ev->arc != NULL && ev->arc_done)
        st = add_arc(ev, ar);
    if (st != MAILAUTH_OK) {
        mailauth_authres_free(ar);
        return st == MAILAUTH_ENOMEM ? st : MAILAUTH_EINTERNAL;
    }
    ev->ar = ar;
    return MAILAUTH_OK;
}

/* Results are shown only once the evaluation finished normally. */
static bool
results_ready(const mailauth_eval_t *ev)
{
    return ev != NULL && ev->fin == EVAL_DONE && ev->results;
}

const mailauth_authres_t *
mailauth_eval_authres(const mailauth_eval_t *ev)
{
    if (!results_ready(ev))
        return NULL;
    /* Built on the first call and cached: ev->ar is a cache of what the
     * verdicts say, so filling it does not change the evaluation the const
     * promises to leave alone (ev itself was allocated writable). On ENOMEM
     * NULL now, and another try on the next call. */
    if (ev->ar == NULL)
        (void)mailauth__eval_build_authres((mailauth_eval_t *)ev);
    return ev->ar;
}

const mailauth_spf_result_t *
mailauth_eval_spf(const mailauth_eval_t *ev, mailauth_spf_identity_t id)
{
    int which = id == MAILAUTH_SPF_HELO ? EVAL_SPF_HELO : EVAL_SPF_MAILFROM;
    if (!results_ready(ev) || (id != MAILAUTH_SPF_MAILFROM && id != MAILAUTH_SPF_HELO))
        return NULL;
    if (ev->spf[which] == NULL || !ev->spf_done[which])
        return NULL;
    return mailauth__spf_result(ev->spf[which]);
}

size_t
mailauth_eval_dkim_count(const mailauth_eval_t *ev)
{
    if (!results_ready(ev) || ev->dkim == NULL || !ev->dkim_done)
        return 0;
    return mailauth__dkim_verify_count(ev->dkim);
}

const mailauth_dkim_result_t *
mailauth_eval_dkim(const mailauth_eval_t *ev, size_t i)
{
    if (!results_ready(ev) || ev->dkim == NULL || !ev->dkim_done)
        return NULL;
    return mailauth__dkim_verify_result(ev->dkim, i);
}

const mailauth_dmarc_result_t *
mailauth_eval_dmarc(const mailauth_eval_t *ev)
{
    if (!results_ready(ev) || ev->dmarc == NULL || !ev->dmarc_done)
        return NULL;
    return mailauth__dmarc_result(ev->dmarc);
}

const mailauth_arc_result_t *
mailauth_eval_arc(const mailauth_eval_t *ev)
{
    if (!results_ready(ev) || ev->arc == NULL || !ev->arc_done)
        return NULL;
    return mailauth__arc_result(ev->arc);
}
