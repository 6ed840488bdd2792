/* The evaluation driver: starting the rows of the check table, stepping
 * them on DNS wakes to a fixpoint, finishing (async callback, done queue or
 * the blocking loop). One engine for every path; no method is named here. */
#include "core/eval_int.h"

#include <stddef.h>

#include "core/ctx_int.h"

/* Consecutive blocking-loop turns in which neither the clock moved nor the
 * eval was woken: first end the deadline now, then give up. Only a clock
 * that does not advance (or a broken driver) gets there. */
#define STALL_FORCE 64u
#define STALL_GIVEUP 1024u
#define WAIT_MAX_MS 1000

static void
record(mailauth_eval_t *ev, mailauth_status_t st)
{
    if (st != MAILAUTH_OK && st != MAILAUTH_EAGAIN && ev->err == MAILAUTH_OK)
        ev->err = st;
}

/* Start every row of one trigger. A row whose method is off, or whose
 * start() finds nothing to check, is started without state: settled, not
 * evaluated. */
static mailauth_status_t
start_rows(mailauth_eval_t *ev, check_when_t when)
{
    unsigned methods = ev->ctx->methods;
    for (size_t i = 0; i < CHECK_N && ev->err == MAILAUTH_OK; i++) {
        check_t           *c = &ev->checks[i];
        const check_ops_t *ops = ev->ops[i];
        if (c->started || ops->when != when)
            continue;
        c->started = true;
        c->fed = ops->inputs == NULL; /* nothing to wait for but its own work */
        if ((methods & (unsigned)ops->method) != 0)
            record(ev, ops->start(c, ev));
    }
    return ev->err;
}

/* A row that starts when the envelope closes has its method on. */
static bool
envelope_rows_on(const mailauth_eval_t *ev)
{
    for (size_t i = 0; i < CHECK_N; i++) {
        const check_ops_t *ops = ev->ops[i];
        if (ops->when == CHECK_AT_ENVELOPE && (ev->ctx->methods & (unsigned)ops->method) != 0)
            return true;
    }
    return false;
}

mailauth_status_t
mailauth__eval_close_envelope(mailauth_eval_t *ev)
{
    if (ev->envelope_closed)
        return ev->err;
    ev->envelope_closed = true;
    if (ev->canceled)
        return MAILAUTH_OK;
    /* The deadline bounds DNS work, not the client: it runs from the
     * envelope's questions (and again from the message's, set at the end
     * of the header section: with no envelope row on, nothing can ask
     * before then, and the clock is not read here). */
    if (envelope_rows_on(ev))
        mailauth__dnsc_set_timeout(&ev->dns,
                                   mailauth__ctx_limit(ev->ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    /* Wakes are queued, never run from inside a call: the rows started
     * here send their first questions now and are stepped later. */
    return start_rows(ev, CHECK_AT_ENVELOPE);
}

mailauth_status_t
mailauth__eval_start_headers(mailauth_eval_t *ev)
{
    if (ev->err != MAILAUTH_OK || ev->canceled)
        return ev->err;
    return start_rows(ev, CHECK_AT_HEADERS);
}

mailauth_status_t
mailauth__eval_body(mailauth_eval_t *ev, const void *p, size_t n)
{
    /* The body fan-out: each chunk goes to every row that hashes bodies,
     * in table order, and is not kept. */
    ev->body_bytes += n;
    for (size_t i = 0; i < CHECK_N && ev->err == MAILAUTH_OK; i++) {
        check_t *c = &ev->checks[i];
        if (c->state != NULL && mailauth__check_ops(ev, c)->body != NULL)
            record(ev, mailauth__check_ops(ev, c)->body(c, p, n));
    }
    return ev->err;
}

mailauth_status_t
mailauth__eval_end_body(mailauth_eval_t *ev)
{
    /* In table order: a body set shared by two rows is ended by its owner first. */
    for (size_t i = 0; i < CHECK_N && ev->err == MAILAUTH_OK; i++) {
        check_t *c = &ev->checks[i];
        if (c->state != NULL && mailauth__check_ops(ev, c)->end_body != NULL)
            record(ev, mailauth__check_ops(ev, c)->end_body(c));
    }
    return ev->err;
}

/* A row no other row need wait for: started, and final or not evaluated. */
static bool
settled(const check_t *c)
{
    return c->started && (c->state == NULL || c->final);
}

static bool
after_settled(const mailauth_eval_t *ev, const check_t *c)
{
    for (size_t i = 0; i < CHECK_N; i++) {
        if ((mailauth__check_ops(ev, c)->after & CHECK_BIT(i)) != 0 && !settled(&ev->checks[i]))
            return false;
    }
    return true;
}

mailauth__arena_t *
mailauth__check_arena(check_t *c, const mailauth_eval_t *ev)
{
    /* Deleted when the row settles: 1 KiB blocks with the chunk header,
     * the C library's fast sizes. */
    if (c->arena == NULL)
        c->arena = mailauth__arena_new(&ev->ctx->env.al, 984);
    return c->arena;
}

/* The row's verdict is final: it keeps a copy of what is read from now on
 * and lets its own arena go. */
static void
make_final(mailauth_eval_t *ev, check_t *c)
{
    mailauth_status_t st = MAILAUTH_OK;
    c->final = true;
    if (mailauth__check_ops(ev, c)->settle == NULL)
        return;
    st = mailauth__check_ops(ev, c)->settle(c, ev);
    record(ev, st);
    if (st == MAILAUTH_OK) {
        mailauth__arena_delete(c->arena);
        c->arena = NULL;
    }
}

static void
step_once(mailauth_eval_t *ev, check_t *c)
{
    mailauth_status_t st = mailauth__check_ops(ev, c)->step(c);
    c->idle = st == MAILAUTH_OK;
    record(ev, st);
}

/* One row: a step; its inputs once the rows it needs are settled (a row
 * may want its own work done first: inputs() then says EAGAIN), and a step
 * after them. True when something changed that may let another row on. */
static bool
step_row(mailauth_eval_t *ev, check_t *c)
{
    mailauth_status_t st = MAILAUTH_OK;
    step_once(ev, c);
    if (!c->fed && ev->err == MAILAUTH_OK && after_settled(ev, c)) {
        st = mailauth__check_ops(ev, c)->inputs(c, ev); /* !fed: the row has inputs */
        record(ev, st);
        if (st != MAILAUTH_OK)
            return false; /* not yet (EAGAIN), or the evaluation stops */
        c->fed = true;
        step_once(ev, c);
        if (c->idle && ev->err == MAILAUTH_OK)
            make_final(ev, c);
        return true;
    }
    if (c->fed && c->idle && ev->err == MAILAUTH_OK) {
        make_final(ev, c);
        return true;
    }
    return false;
}

/* Step every started row until nothing changes: a row that becomes final
 * may feed another in the same wake. */
static void
step_checks(mailauth_eval_t *ev)
{
    bool changed = true;
    while (changed && !ev->canceled && ev->err == MAILAUTH_OK) {
        changed = false;
        for (size_t i = 0; i < CHECK_N && ev->err == MAILAUTH_OK; i++) {
            check_t *c = &ev->checks[i];
            if (c->state != NULL && !c->final && step_row(ev, c))
                changed = true;
        }
    }
}

static bool
all_settled(const mailauth_eval_t *ev)
{
    for (size_t i = 0; i < CHECK_N; i++) {
        if (!settled(&ev->checks[i]))
            return false;
    }
    return true;
}

void *
mailauth__eval_row_final(const mailauth_eval_t *ev, check_id_t id)
{
    const check_t *c = &ev->checks[id];
    return c->final ? c->state : NULL;
}

void *
mailauth__eval_final(const mailauth_eval_t *ev, check_id_t id)
{
    if (ev == NULL || ev->fin != EVAL_DONE || !ev->results)
        return NULL;
    return mailauth__eval_row_final(ev, id);
}

/* If finishing can end now, return true with the final status in *out;
 * ev->fin is then EVAL_DONE. */
static bool
try_complete(mailauth_eval_t *ev, mailauth_status_t *out)
{
    if (ev->canceled)
        *out = MAILAUTH_ECANCELED;
    else if (ev->err != MAILAUTH_OK)
        *out = ev->err;
    else if (!all_settled(ev))
        return false;
    else
        *out = MAILAUTH_OK;
    /* The Authentication-Results are built on first use (eval_ar.c): a
     * caller reading only verdicts never pays for them. */
    ev->results = *out == MAILAUTH_OK;
    ev->fin = EVAL_DONE;
    return true;
}

void
mailauth__eval_wake(void *ud)
{
    mailauth_eval_t      *ev = ud;
    mailauth_status_t     st = MAILAUTH_OK;
    mailauth_eval_done_fn cb = NULL;
    ev->wakes++;
    if (ev->fin == EVAL_DONE || ev->stepping)
        return;
    ev->stepping = true;
    step_checks(ev);
    ev->stepping = false;
    if (ev->fin != EVAL_FINISH_ASYNC || !try_complete(ev, &st))
        return;
    cb = ev->cb;
    ev->cb = NULL;
    if (cb == NULL) { /* finish(ev, NULL, ud): the caller collects it */
        mailauth__dnsc_done_push(&ev->dns, st);
        return;
    }
    /* Last use of ev: the callback may free it. */
    cb(ev->cb_ud, ev, st);
}

mailauth_status_t
mailauth_resolver_next_done(mailauth_resolver_t *r, mailauth_eval_t **ev, mailauth_status_t *st,
                            void **ud)
{
    mailauth__dnsc_t *c = NULL;
    mailauth_status_t fin = MAILAUTH_OK;
    if (ev != NULL)
        *ev = NULL;
    if (r == NULL || ev == NULL)
        return MAILAUTH_EINVAL;
    c = mailauth__dns_done_pop(r, &fin);
    if (c == NULL)
        return MAILAUTH_EAGAIN;
    /* Only evaluations enter the done queue: c is the client inside one. */
    *ev = (mailauth_eval_t *)(void *)((char *)c - offsetof(mailauth_eval_t, dns));
    if (st != NULL)
        *st = fin;
    if (ud != NULL)
        *ud = (*ev)->cb_ud;
    return MAILAUTH_OK;
}

/* finish() and finish_sync() may be called on an envelope-only eval or
 * after end_message(); never in the middle of a message. */
static mailauth_status_t
may_finish(const mailauth_eval_t *ev)
{
    if (ev->fin != EVAL_RUNNING || ev->canceled)
        return MAILAUTH_ESTATE;
    /* envelope only, or the whole message */
    if (mailauth__intake_started(&ev->in) &&
        mailauth__intake_phase(&ev->in) != MAILAUTH__INTAKE_ENDED)
        return MAILAUTH_ESTATE;
    return MAILAUTH_OK;
}

/* Finishing closes the envelope; without a message the rows that wait for
 * one will never start: they are settled, not evaluated. */
static void
begin_finish(mailauth_eval_t *ev)
{
    (void)mailauth__eval_close_envelope(ev); /* a failure stays in ev->err */
    if (!mailauth__intake_started(&ev->in)) {
        for (size_t i = 0; i < CHECK_N; i++)
            ev->checks[i].started = true;
    }
}

mailauth_status_t
mailauth_eval_finish(mailauth_eval_t *ev, mailauth_eval_done_fn cb, void *ud)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL)
        return MAILAUTH_EINVAL;
    st = may_finish(ev);
    if (st != MAILAUTH_OK)
        return st;
    /* The callback comes from the next processing call even if every
     * verdict is known already: never from inside finish(). */
    st = mailauth__dnsc_poke(&ev->dns);
    if (st != MAILAUTH_OK)
        return st;
    ev->cb = cb;
    ev->cb_ud = ud;
    ev->fin = EVAL_FINISH_ASYNC;
    begin_finish(ev); /* a failure is reported by the callback */
    return MAILAUTH_OK;
}

/* How long one blocking turn may wait: until the eval deadline, at most
 * WAIT_MAX_MS; 1 ms once the loop seems stalled, so a frozen clock is
 * noticed quickly. */
static int
turn_wait_ms(const mailauth_eval_t *ev, uint64_t now, unsigned stall)
{
    uint64_t left = 0;
    if (stall != 0)
        return 1;
    if (ev->dns.deadline_ms == 0)
        return WAIT_MAX_MS;
    left = ev->dns.deadline_ms > now ? ev->dns.deadline_ms - now : 0;
    return left > (uint64_t)WAIT_MAX_MS ? WAIT_MAX_MS : (int)left;
}

static mailauth_status_t
drive_sync(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK;
    unsigned          stall = 0;
    for (;;) {
        uint64_t now = 0, wakes = ev->wakes;
        step_checks(ev);
        if (try_complete(ev, &st))
            return st;
        now = mailauth__ctx_mono_ms(ev->ctx);
        /* A failed poll is retried: the deadline still ends the loop. */
        (void)mailauth_resolver_run_once(ev->r, turn_wait_ms(ev, now, stall));
        if (ev->wakes != wakes || mailauth__ctx_mono_ms(ev->ctx) != now)
            stall = 0;
        else if (++stall == STALL_FORCE)
            mailauth__dnsc_set_timeout(&ev->dns, 0);
        else if (stall >= STALL_GIVEUP) {
            ev->fin = EVAL_DONE;
            return MAILAUTH_ETIMEOUT;
        }
    }
}

mailauth_status_t
mailauth_eval_finish_sync(mailauth_eval_t *ev, int timeout_ms)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL || timeout_ms < -1)
        return MAILAUTH_EINVAL;
    st = may_finish(ev);
    if (st != MAILAUTH_OK)
        return st;
    ev->fin = EVAL_FINISH_SYNC;
    begin_finish(ev);      /* a failure is returned by drive_sync */
    if (timeout_ms >= 0) { /* after the envelope's deadline: the shorter one wins */
        uint64_t now = mailauth__ctx_mono_ms(ev->ctx);
        uint64_t end = now + (uint64_t)timeout_ms;
        if (ev->dns.deadline_ms == 0 || end < ev->dns.deadline_ms)
            mailauth__dnsc_set_timeout(&ev->dns, (uint32_t)timeout_ms);
    }
    return drive_sync(ev);
}
