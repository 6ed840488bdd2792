/* Row of the check table: iprev (RFC 8601 §3), forward-confirmed reverse
 * DNS of the SMTP client address, started when the envelope closes, its
 * questions in parallel with SPF's. */
#include <mailauth/iprev.h>

#include "core/ctx_int.h"
#include "core/eval_int.h"
#include "iprev/iprev.h"

/* The row's state: the check in the row's arena while it runs, then only
 * its result, copied into the eval's arena when the verdict is final. */
typedef struct iprev_row {
    mailauth__iprev_t             *it;  /* NULL once settled */
    const mailauth_iprev_result_t *res; /* set once settled */
} iprev_row_t;

static const mailauth_iprev_result_t *
row_result(const iprev_row_t *row)
{
    return row->res != NULL ? row->res : mailauth__iprev_result(row->it);
}

static mailauth_status_t
start(check_t *c, mailauth_eval_t *ev)
{
    iprev_row_t      *row = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    if (!ev->have_ip)
        return MAILAUTH_OK; /* not evaluated */
    row = mailauth__arena_calloc(&ev->arena, 1, sizeof(*row));
    if (row == NULL || mailauth__check_arena(c, ev) == NULL)
        return MAILAUTH_ENOMEM;
    st = mailauth__iprev_start(c->arena, mailauth__ctx_env(ev->ctx), &ev->dns, &ev->ip, &row->it);
    if (row->it != NULL)
        c->state = row;
    return st;
}

static mailauth_status_t
step(check_t *c)
{
    iprev_row_t *row = c->state;
    return row->it != NULL ? mailauth__iprev_step(row->it) : MAILAUTH_OK;
}

static mailauth_status_t
emit_ar(const check_t *c, const mailauth_eval_t *ev, mailauth_authres_t *ar)
{
    (void)ev;
    return mailauth__iprev_add_authres(row_result(c->state), ar);
}

/* The verdict is final: keep the result, let the check's arena go. */
static mailauth_status_t
settle(check_t *c, mailauth_eval_t *ev)
{
    iprev_row_t      *row = c->state;
    mailauth_status_t st = MAILAUTH_OK;
    if (row->it == NULL)
        return MAILAUTH_OK;
    st = mailauth__iprev_result_copy(&ev->arena, mailauth__iprev_result(row->it), &row->res);
    if (st == MAILAUTH_OK)
        row->it = NULL;
    return st;
}

const check_ops_t mailauth__check_iprev = {.name = "iprev",
                                           .method = MAILAUTH_METHOD_IPREV,
                                           .when = CHECK_AT_ENVELOPE,
                                           .start = start,
                                           .step = step,
                                           .emit_ar = emit_ar,
                                           .settle = settle};

const mailauth_iprev_result_t *
mailauth_eval_iprev(const mailauth_eval_t *ev)
{
    const iprev_row_t *row = mailauth__eval_final(ev, CHECK_IPREV);
    return row != NULL ? row_result(row) : NULL;
}
