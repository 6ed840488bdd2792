/* Evaluation engine: starting checks, stepping them on DNS wakes, finishing
 * (async callback or blocking driver). One engine for both paths. */
#include "core/eval_int.h"

#include <stddef.h>
#include <string.h>

#include "core/ctx_int.h"
#include "domain/domain.h"
#include "util/alloc.h"

/* Consecutive blocking-loop turns in which neither the clock moved nor the
 * eval was woken: first end the deadline now, then give up. Only a clock
 * that does not advance (or a broken driver) gets there. */
#define STALL_FORCE 64u
#define STALL_GIVEUP 1024u
#define WAIT_MAX_MS 1000

bool
mailauth__eval_spf_started(const mailauth_eval_t *ev, int which)
{
    return ev->spf[which] != NULL;
}

/* RFC 5321 §4.1.3: "[...]" is an address literal, not a domain to check. */
static bool
helo_is_literal(const char *helo)
{
    return helo[0] == '[';
}

/* The check_host() <domain>: A-label, lower case (RFC 7208 §4.3). A name
 * IDNA refuses is passed as given: the SPF check then finds it malformed. */
static mailauth_status_t
identity_domain(mailauth_eval_t *ev, const char *dom, size_t n, char **out)
{
    mailauth_status_t st = mailauth__domain_to_alabel(&ev->arena, dom, n, out);
    if (st == MAILAUTH_EINVAL) {
        *out = mailauth__arena_strndup(&ev->arena, dom, n);
        st = *out != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
    }
    return st;
}

/* "local@domain" in the arena. */
static char *
join_sender(mailauth_eval_t *ev, const char *local, size_t llen, const char *domain)
{
    size_t dlen = strlen(domain), total = 0;
    char  *s = NULL;
    if (!mailauth__size_add(llen, dlen, &total) || !mailauth__size_add(total, 2, &total))
        return NULL;
    s = mailauth__arena_alloc(&ev->arena, total);
    if (s == NULL)
        return NULL;
    memcpy(s, local, llen);
    s[llen] = '@';
    memcpy(s + llen + 1, domain, dlen + 1);
    return s;
}

static mailauth_status_t
start_one(mailauth_eval_t *ev, int which, const char *local, size_t llen, const char *dom,
          size_t dlen)
{
    mailauth__spf_input_t in;
    char                 *domain = NULL;
    mailauth_status_t     st = identity_domain(ev, dom, dlen, &domain);
    if (st != MAILAUTH_OK)
        return st;
    memset(&in, 0, sizeof(in));
    in.ip = ev->ip;
    in.domain = domain;
    in.helo = ev->helo;
    in.identity = which == EVAL_SPF_HELO ? MAILAUTH_SPF_HELO : MAILAUTH_SPF_MAILFROM;
    in.sender = join_sender(ev, local, llen, domain);
    if (in.sender == NULL)
        return MAILAUTH_ENOMEM;
    st =
        mailauth__spf_start(&ev->arena, mailauth__ctx_env(ev->ctx), &ev->dns, &in, &ev->spf[which]);
    if (st != MAILAUTH_OK) {
        ev->spf[which] = NULL;
        return st;
    }
    /* Send the first questions now: they go out as early as the data allows. */
    st = mailauth__spf_step(ev->spf[which]);
    if (st == MAILAUTH_OK)
        ev->spf_done[which] = true;
    return st == MAILAUTH_EAGAIN ? MAILAUTH_OK : st;
}

static mailauth_status_t
start_mailfrom(mailauth_eval_t *ev)
{
    static const char pm[] = "postmaster";
    const char       *mf = ev->mail_from;
    const char       *at = strrchr(mf, '@');
    if (mf[0] == '\0') { /* RFC 7208 §2.4: null sender is postmaster@HELO */
        const char *helo = ev->helo != NULL ? ev->helo : "";
        return start_one(ev, EVAL_SPF_MAILFROM, pm, sizeof(pm) - 1, helo, strlen(helo));
    }
    if (at == NULL) /* RFC 7208 §4.3: no local-part: "postmaster" */
        return start_one(ev, EVAL_SPF_MAILFROM, pm, sizeof(pm) - 1, mf, strlen(mf));
    if (at == mf)
        return start_one(ev, EVAL_SPF_MAILFROM, pm, sizeof(pm) - 1, at + 1, strlen(at + 1));
    /* The domain follows the last '@' (a quoted local-part may hold one). */
    return start_one(ev, EVAL_SPF_MAILFROM, mf, (size_t)(at - mf), at + 1, strlen(at + 1));
}

static mailauth_status_t
start_helo(mailauth_eval_t *ev)
{
    static const char pm[] = "postmaster";
    /* RFC 7208 §2.3: the HELO identity's <sender> is postmaster@HELO. */
    return start_one(ev, EVAL_SPF_HELO, pm, sizeof(pm) - 1, ev->helo, strlen(ev->helo));
}

mailauth_status_t
mailauth__eval_start_checks(mailauth_eval_t *ev, bool at_finish)
{
    mailauth_status_t st = MAILAUTH_OK;
    /* Wakes are queued, never run from inside a call: the checks this
     * call starts are in place before any step sees the flag. */
    if (at_finish)
        ev->envelope_final = true;
    if (ev->canceled || ev->err != MAILAUTH_OK)
        return ev->err;
    if ((ev->ctx->methods & MAILAUTH_METHOD_SPF) == 0 || !ev->have_ip)
        return MAILAUTH_OK;
    /* The null sender waits for HELO, unless nothing more will come. */
    if (ev->spf[EVAL_SPF_MAILFROM] == NULL && ev->mail_from != NULL &&
        (ev->mail_from[0] != '\0' || ev->helo != NULL || at_finish))
        st = start_mailfrom(ev);
    if (st == MAILAUTH_OK && ev->spf[EVAL_SPF_HELO] == NULL && ev->helo != NULL &&
        !helo_is_literal(ev->helo) && (ev->mail_from != NULL || at_finish))
        st = start_helo(ev);
    if (st != MAILAUTH_OK)
        ev->err = st;
    return st;
}

static void
step_checks(mailauth_eval_t *ev)
{
    if (ev->canceled || ev->err != MAILAUTH_OK)
        return;
    for (int i = 0; i < EVAL_SPF_N && ev->err == MAILAUTH_OK; i++) {
        mailauth_status_t st = MAILAUTH_OK;
        if (ev->spf[i] == NULL || ev->spf_done[i])
            continue;
        st = mailauth__spf_step(ev->spf[i]);
        if (st == MAILAUTH_OK)
            ev->spf_done[i] = true;
        else if (st != MAILAUTH_EAGAIN)
            ev->err = st;
    }
    if (ev->dkim != NULL && !ev->dkim_done && ev->err == MAILAUTH_OK) {
        mailauth_status_t st = mailauth__dkim_verify_step(ev->dkim);
        if (st == MAILAUTH_OK)
            ev->dkim_done = true;
        else if (st != MAILAUTH_EAGAIN)
            ev->err = st;
    }
    /* Last: DMARC takes the SPF and DKIM verdicts of this very step. */
    mailauth__eval_step_arc_dmarc(ev);
}

static bool
all_done(const mailauth_eval_t *ev)
{
    for (int i = 0; i < EVAL_SPF_N; i++) {
        if (ev->spf[i] != NULL && !ev->spf_done[i])
            return false;
    }
    if (ev->dkim != NULL && !ev->dkim_done)
        return false;
    return mailauth__eval_arc_dmarc_done(ev);
}

/* If finishing can end now, build the results and return true with the
 * final status in *out; ev->fin is then EVAL_DONE. */
static bool
try_complete(mailauth_eval_t *ev, mailauth_status_t *out)
{
    if (ev->canceled)
        *out = MAILAUTH_ECANCELED;
    else if (ev->err != MAILAUTH_OK)
        *out = ev->err;
    else if (!all_done(ev))
        return false;
    else
        *out = MAILAUTH_OK;
    if (*out == MAILAUTH_OK)
        mailauth__eval_dmarc_override(ev);
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

/* finish() and finish_sync() may be called on an envelope-only eval (SPF
 * only) or after end_message(); never in the middle of a message. */
static mailauth_status_t
may_finish(const mailauth_eval_t *ev)
{
    if (ev->fin != EVAL_RUNNING || ev->canceled)
        return MAILAUTH_ESTATE;
    if (ev->phase != EVAL_ENVELOPE && ev->phase != EVAL_COMPLETE)
        return MAILAUTH_ESTATE;
    if (ev->streaming && ev->phase != EVAL_COMPLETE) /* raw bytes fed, no field out yet */
        return MAILAUTH_ESTATE;
    return MAILAUTH_OK;
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
    (void)mailauth__eval_start_checks(ev, true); /* a failure is reported by the callback */
    return MAILAUTH_EAGAIN;
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
    if (timeout_ms >= 0) {
        uint64_t now = mailauth__ctx_mono_ms(ev->ctx);
        uint64_t end = now + (uint64_t)timeout_ms;
        if (ev->dns.deadline_ms == 0 || end < ev->dns.deadline_ms)
            mailauth__dnsc_set_timeout(&ev->dns, (uint32_t)timeout_ms);
    }
    (void)mailauth__eval_start_checks(ev, true); /* a failure is returned by drive_sync */
    return drive_sync(ev);
}
