/* Row of the check table: DKIM (RFC 6376, RFC 8463), started at the end of
 * the header section (every key asked at once), body hashes computed as
 * the body streams. The body set is shared with the ARC row. */
#include <mailauth/dkim.h>

#include "core/ctx_int.h"
#include "core/eval_int.h"
#include "dkim/dkim_verify.h"

static mailauth_status_t
start(check_t *c, mailauth_eval_t *ev)
{
    mailauth__dkim_verify_t *v = NULL;
    mailauth_status_t st = mailauth__dkim_verify_start(&ev->arena, mailauth__ctx_env(ev->ctx),
                                                       &ev->dns, mailauth__eval_headers(ev), &v);
    c->state = v; /* also after a failure: release() frees what it holds */
    return st;
}

static mailauth_status_t
body(check_t *c, const void *p, size_t n)
{
    return mailauth__dkim_verify_body(c->state, p, n);
}

static mailauth_status_t
end_body(check_t *c)
{
    return mailauth__dkim_verify_end_body(c->state);
}

static mailauth_status_t
step(check_t *c)
{
    return mailauth__dkim_verify_step(c->state);
}

/* RFC 8601 §2.7.1: one entry per signature in header order, or dkim=none. */
static mailauth_status_t
emit_ar(const check_t *c, const mailauth_eval_t *ev, mailauth_authres_t *ar)
{
    (void)ev;
    return mailauth__dkim_add_authres(c->state, ar);
}

/* The verdicts are final: the results are made whole for reading. */
static mailauth_status_t
settle(check_t *c, mailauth_eval_t *ev)
{
    (void)ev;
    return mailauth__dkim_verify_settle(c->state);
}

static void
release(check_t *c)
{
    mailauth__dkim_verify_free(c->state);
    c->state = NULL;
}

const check_ops_t mailauth__check_dkim = {.name = "dkim",
                                          .method = MAILAUTH_METHOD_DKIM,
                                          .when = CHECK_AT_HEADERS,
                                          .start = start,
                                          .body = body,
                                          .end_body = end_body,
                                          .step = step,
                                          .emit_ar = emit_ar,
                                          .release = release,
                                          .settle = settle};

mailauth__dkim_verify_t *
mailauth__eval_dkim(const mailauth_eval_t *ev)
{
    return ev->checks[CHECK_DKIM].state;
}

size_t
mailauth_eval_dkim_count(const mailauth_eval_t *ev)
{
    const mailauth__dkim_verify_t *v = mailauth__eval_final(ev, CHECK_DKIM);
    return v != NULL ? mailauth__dkim_verify_count(v) : 0;
}

const mailauth_dkim_result_t *
mailauth_eval_dkim(const mailauth_eval_t *ev, size_t i)
{
    const mailauth__dkim_verify_t *v = mailauth__eval_final(ev, CHECK_DKIM);
    return v != NULL ? mailauth__dkim_verify_result(v, i) : NULL;
}
