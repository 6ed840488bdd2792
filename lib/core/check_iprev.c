/* Row of the check table: iprev (RFC 8601 §3), forward-confirmed reverse
 * DNS of the SMTP client address, started when the envelope closes, its
 * questions in parallel with SPF's. */
#include <mailauth/iprev.h>

#include "core/ctx_int.h"
#include "core/eval_int.h"
#include "iprev/iprev.h"

static mailauth_status_t
start(check_t *c, mailauth_eval_t *ev)
{
    mailauth__iprev_t *it = NULL;
    mailauth_status_t  st = MAILAUTH_OK;
    if (!ev->have_ip)
        return MAILAUTH_OK; /* not evaluated */
    st = mailauth__iprev_start(&ev->arena, mailauth__ctx_env(ev->ctx), &ev->dns, &ev->ip, &it);
    c->state = it;
    return st;
}

static mailauth_status_t
step(check_t *c)
{
    return mailauth__iprev_step(c->state);
}

static mailauth_status_t
emit_ar(const check_t *c, const mailauth_eval_t *ev, mailauth_authres_t *ar)
{
    (void)ev;
    return mailauth__iprev_add_authres(mailauth__iprev_result(c->state), ar);
}

const check_ops_t mailauth__check_iprev = {.name = "iprev",
                                           .method = MAILAUTH_METHOD_IPREV,
                                           .when = CHECK_AT_ENVELOPE,
                                           .start = start,
                                           .step = step,
                                           .emit_ar = emit_ar};

const mailauth_iprev_result_t *
mailauth_eval_iprev(const mailauth_eval_t *ev)
{
    const mailauth__iprev_t *it = mailauth__eval_final(ev, CHECK_IPREV);
    return it != NULL ? mailauth__iprev_result(it) : NULL;
}
