/* One blocking call: envelope, whole message, finish_sync(). */
#include <mailauth/verify.h>

static mailauth_status_t
feed_envelope(mailauth_eval_t *ev, const mailauth_envelope_t *env)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (env == NULL)
        return MAILAUTH_OK;
    /* HELO before MAIL FROM, as SMTP gives them (the null sender needs HELO). */
    if (env->client_ip != NULL)
        st = mailauth_eval_set_client_ip(ev, env->client_ip);
    if (st == MAILAUTH_OK && env->helo != NULL)
        st = mailauth_eval_set_helo(ev, env->helo);
    if (st == MAILAUTH_OK && env->mail_from != NULL)
        st = mailauth_eval_set_mail_from(ev, env->mail_from);
    return st;
}

mailauth_status_t
mailauth_verify(mailauth_ctx_t *ctx, mailauth_resolver_t *r, const mailauth_envelope_t *env,
                const void *msg, size_t len, mailauth_eval_t **out)
{
    mailauth_eval_t  *ev = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || r == NULL || out == NULL || (msg == NULL && len != 0) ||
        (env != NULL && env->version != MAILAUTH_ENVELOPE_VERSION))
        return MAILAUTH_EINVAL;
    st = mailauth_eval_new(ctx, r, &ev);
    if (st == MAILAUTH_OK)
        st = feed_envelope(ev, env);
    if (st == MAILAUTH_OK && msg != NULL) {
        st = mailauth_eval_message(ev, msg, len);
        if (st == MAILAUTH_ELIMIT) /* a refused field: the verdicts go on without it */
            st = MAILAUTH_OK;
    }
    if (st == MAILAUTH_OK)
        st = mailauth_eval_finish_sync(ev, -1);
    if (st != MAILAUTH_OK) {
        mailauth_eval_free(ev);
        return st;
    }
    *out = ev;
    return MAILAUTH_OK;
}
