/* One blocking call: envelope, whole message, finish_sync(). */
#include <mailauth/verify.h>

mailauth_status_t
mailauth_verify(mailauth_ctx_t *ctx, mailauth_resolver_t *r, const mailauth_envelope_t *env,
                const void *msg, size_t len, mailauth_eval_t **out)
{
    mailauth_eval_t  *ev = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || r == NULL || out == NULL || (msg == NULL && len != 0))
        return MAILAUTH_EINVAL;
    st = mailauth_eval_new(ctx, r, &ev);
    if (st == MAILAUTH_OK && env != NULL)
        st = mailauth_eval_set_envelope(ev, env);
    if (st == MAILAUTH_OK && msg != NULL)
        st = mailauth_eval_message(ev, msg, len);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_finish_sync(ev, -1);
    if (st != MAILAUTH_OK) {
        mailauth_eval_free(ev);
        return st;
    }
    *out = ev;
    return MAILAUTH_OK;
}
