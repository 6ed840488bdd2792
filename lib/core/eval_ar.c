/* Results of a finished evaluation: the methods evaluated and the
 * Authentication-Results, both read from the check table. */
#include "core/eval_int.h"

#include "core/ctx_int.h"

static mailauth_status_t
build_authres(const mailauth_eval_t *ev, mailauth_authres_t **out)
{
    mailauth_authres_t *ar = NULL;
    mailauth_status_t   st = mailauth_authres_new(&ev->ctx->env.al, ev->ctx->authserv_id, &ar);
    for (size_t i = 0; i < CHECK_N && st == MAILAUTH_OK; i++) {
        const check_t *c = &ev->checks[i];
        if (c->state != NULL && c->final)
            st = mailauth__check_ops(ev, c)->emit_ar(c, ev, ar);
    }
    if (st != MAILAUTH_OK) {
        mailauth_authres_free(ar);
        return st == MAILAUTH_ENOMEM ? st : MAILAUTH_EINTERNAL;
    }
    *out = ar;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_eval_authres(mailauth_eval_t *ev, const mailauth_authres_t **out)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (out != NULL)
        *out = NULL;
    if (ev == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    if (ev->fin != EVAL_DONE || !ev->results)
        return MAILAUTH_ESTATE;
    /* Built on the first call and kept; on ENOMEM a later call tries again. */
    if (ev->ar == NULL)
        st = build_authres(ev, &ev->ar);
    if (st == MAILAUTH_OK)
        *out = ev->ar;
    return st;
}

unsigned
mailauth_eval_methods(const mailauth_eval_t *ev)
{
    unsigned set = 0;
    if (ev == NULL || ev->fin != EVAL_DONE || !ev->results)
        return 0;
    for (size_t i = 0; i < CHECK_N; i++) {
        if (mailauth__eval_final(ev, (check_id_t)i) != NULL)
            set |= (unsigned)ev->ops[i]->method;
    }
    return set;
}
