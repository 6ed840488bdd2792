/* eval: the evaluation engine through the public API over a zone resolver.
 * Every SPF case runs twice: finish_sync() on the system clock, and async
 * finish() driven by process_timeouts() on a hand-moved clock with a zone
 * delay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "core/eval_int.h"
#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NOT_RUN ((mailauth_verdict_t)-1) /* mailauth_eval_spf() gives NULL */
#define ASYNC_DELAY 30u

static const char zone_text[] =
    "example.org            TXT  \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all\"\n"
    "mail.example.org       TXT  \"v=spf1 a -all\"\n"
    "mail.example.org       A    192.0.2.10\n"
    "soft.example.org       TXT  \"v=spf1 ~all\"\n"
    "xn--bcher-kva.example  TXT  \"v=spf1 +all\"\n"
    "temp.example.org       TXT  TIMEOUT\n"
    "nospf.example.org      TXT  \"just text\"\n"
    "nospf.example.org      A    192.0.2.99\n";

/* ---- harness ------------------------------------------------------------------ */

typedef struct harness {
    bool                 async;
    uint64_t             now; /* fake monotonic ms (async runs) */
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
    mailauth_eval_t     *ev;
    int                  calls;     /* callbacks */
    bool                 in_finish; /* inside mailauth_eval_finish() */
    bool                 free_in_cb;
    mailauth_status_t    cb_st;
} harness_t;

static uint64_t
fake_clock(void *ud, mailauth_clock_kind_t kind)
{
    const harness_t *h = ud;
    return kind == MAILAUTH_CLOCK_WALL ? 1700000000000u + h->now : h->now;
}

/* Context (limits tweaked by the caller through `limits` pairs), resolver, eval. */
static void
setup(harness_t *h, bool async, const uint32_t *limits, size_t nlimits, unsigned methods)
{
    memset(h, 0, sizeof(*h));
    h->async = async;
    h->now = 1000000;
    assert_int_equal(mailauth_ctx_new(NULL, &h->ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(h->ctx, "mx.example.net"), MAILAUTH_OK);
    if (async)
        assert_int_equal(mailauth_ctx_set_clock(h->ctx, fake_clock, h), MAILAUTH_OK);
    for (size_t i = 0; i + 1 < nlimits; i += 2)
        assert_int_equal(mailauth_ctx_set_limit(h->ctx, (mailauth_limit_t)limits[i], limits[i + 1]),
                         MAILAUTH_OK);
    if (methods != 0)
        assert_int_equal(mailauth_ctx_set_methods(h->ctx, methods), MAILAUTH_OK);
    assert_int_equal(
        mailauth_resolver_new_zone(h->ctx, zone_text, sizeof(zone_text) - 1, NULL, &h->r),
        MAILAUTH_OK);
    if (async)
        assert_int_equal(mailauth_resolver_zone_set_delay(h->r, ASYNC_DELAY), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(h->ctx, h->r, &h->ev), MAILAUTH_OK);
}

static void
teardown(harness_t *h)
{
    mailauth_eval_free(h->ev);
    mailauth_resolver_free(h->r);
    mailauth_ctx_free(h->ctx);
}

static void
done_cb(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    harness_t *h = ud;
    assert_false(h->in_finish); /* never from inside finish() */
    assert_ptr_equal(ev, h->ev);
    h->calls++;
    h->cb_st = st;
    if (h->free_in_cb) {
        mailauth_eval_free(ev);
        h->ev = NULL;
    }
}

/* Move the fake clock and process timers until the callback came (or a
 * bound), then a few more turns to see it never comes twice. */
static void
drive_async(harness_t *h, uint64_t max_ms)
{
    for (uint64_t t = 0; t <= max_ms && h->calls == 0; t += 5) {
        assert_int_equal(mailauth_resolver_process_timeouts(h->r), MAILAUTH_OK);
        h->now += 5;
    }
    for (int i = 0; i < 5; i++) {
        h->now += 1000;
        assert_int_equal(mailauth_resolver_process_timeouts(h->r), MAILAUTH_OK);
    }
}

static mailauth_status_t
finish(harness_t *h)
{
    mailauth_status_t st;
    if (!h->async)
        return mailauth_eval_finish_sync(h->ev, -1);
    h->in_finish = true;
    st = mailauth_eval_finish(h->ev, done_cb, h);
    h->in_finish = false;
    assert_int_equal(st, MAILAUTH_EAGAIN);
    assert_int_equal(h->calls, 0);
    drive_async(h, 60000);
    assert_int_equal(h->calls, 1);
    return h->cb_st;
}

/* ---- SPF cases ------------------------------------------------------------------- */

struct spf_case {
    const char        *name;
    const char        *ip, *helo, *mail_from; /* NULL: not set */
    mailauth_verdict_t mf, helo_v;            /* NOT_RUN: no result */
    const char        *mf_domain, *mf_sender;
    unsigned           methods; /* 0: default */
};
static const struct spf_case spf_cases[] = {
    {"pass ip4", "192.0.2.1", "mail.example.org", "user@example.org", MAILAUTH_VERDICT_PASS,
     MAILAUTH_VERDICT_FAIL, "example.org", "user@example.org", 0},
    {"fail", "198.51.100.1", "mail.example.org", "user@example.org", MAILAUTH_VERDICT_FAIL,
     MAILAUTH_VERDICT_FAIL, "example.org", "user@example.org", 0},
    {"pass ip6", "2001:db8::5", NULL, "user@example.org", MAILAUTH_VERDICT_PASS, NOT_RUN,
     "example.org", "user@example.org", 0},
    {"v4-mapped address is IPv4", "::ffff:192.0.2.10", "mail.example.org", "user@example.org",
     MAILAUTH_VERDICT_PASS, MAILAUTH_VERDICT_PASS, "example.org", "user@example.org", 0},
    {"null sender is postmaster@helo", "192.0.2.10", "mail.example.org", "", MAILAUTH_VERDICT_PASS,
     MAILAUTH_VERDICT_PASS, "mail.example.org", "postmaster@mail.example.org", 0},
    {"null sender, helo fails", "192.0.2.11", "mail.example.org", "", MAILAUTH_VERDICT_FAIL,
     MAILAUTH_VERDICT_FAIL, "mail.example.org", "postmaster@mail.example.org", 0},
    {"IDN domain checked as A-label", "203.0.113.7", NULL,
     "user@b\xc3\xbc"
     "cher.example",
     MAILAUTH_VERDICT_PASS, NOT_RUN, "xn--bcher-kva.example", "user@xn--bcher-kva.example", 0},
    {"domain after the last @", "192.0.2.1", NULL, "\"a@b\"@example.org", MAILAUTH_VERDICT_PASS,
     NOT_RUN, "example.org", "\"a@b\"@example.org", 0},
    {"angle brackets removed", "192.0.2.1", NULL, "<user@example.org>", MAILAUTH_VERDICT_PASS,
     NOT_RUN, "example.org", "user@example.org", 0},
    {"no local-part is postmaster", "192.0.2.1", NULL, "example.org", MAILAUTH_VERDICT_PASS,
     NOT_RUN, "example.org", "postmaster@example.org", 0},
    {"upper-case domain", "192.0.2.1", NULL, "User@EXAMPLE.Org", MAILAUTH_VERDICT_PASS, NOT_RUN,
     "example.org", "User@example.org", 0},
    {"softfail", "192.0.2.1", NULL, "a@soft.example.org", MAILAUTH_VERDICT_SOFTFAIL, NOT_RUN,
     "soft.example.org", "a@soft.example.org", 0},
    {"no record", "192.0.2.1", NULL, "a@nospf.example.org", MAILAUTH_VERDICT_NONE, NOT_RUN,
     "nospf.example.org", "a@nospf.example.org", 0},
    {"DNS failure is temperror", "192.0.2.1", NULL, "a@temp.example.org",
     MAILAUTH_VERDICT_TEMPERROR, NOT_RUN, "temp.example.org", "a@temp.example.org", 0},
    {"helo address literal not checked", "192.0.2.1", "[192.0.2.1]", "user@example.org",
     MAILAUTH_VERDICT_PASS, NOT_RUN, "example.org", "user@example.org", 0},
    {"no client ip: no SPF", NULL, "mail.example.org", "user@example.org", NOT_RUN, NOT_RUN, NULL,
     NULL, 0},
    {"helo only: checked at finish", "192.0.2.10", "mail.example.org", NULL, NOT_RUN,
     MAILAUTH_VERDICT_PASS, NULL, NULL, 0},
    {"SPF disabled", "192.0.2.1", "mail.example.org", "user@example.org", NOT_RUN, NOT_RUN, NULL,
     NULL, MAILAUTH_METHOD_DKIM},
};

static void
check_spf(const mailauth_eval_t *ev, mailauth_spf_identity_t id, mailauth_verdict_t want,
          const char *domain, const char *sender)
{
    const mailauth_spf_result_t *res = mailauth_eval_spf(ev, id);
    const mailauth_authres_t    *ar = mailauth_eval_authres(ev);
    const char                  *prop = id == MAILAUTH_SPF_HELO ? "helo" : "mailfrom";
    bool                         found = false;
    if (want == NOT_RUN) {
        assert_null(res);
    } else {
        assert_non_null(res);
        assert_string_equal(mailauth_verdict_name(mailauth_spf_result_verdict(res)),
                            mailauth_verdict_name(want));
        if (domain != NULL)
            assert_string_equal(mailauth_spf_result_domain(res), domain);
        if (sender != NULL)
            assert_string_equal(mailauth_spf_result_sender(res), sender);
    }
    /* The Authentication-Results has one spf entry per identity checked. */
    for (size_t i = 0; i < mailauth_authres_count(ar); i++) {
        const mailauth_resinfo_t *ri = mailauth_authres_get(ar, i);
        if (strcmp(mailauth_resinfo_method(ri), "spf") != 0 ||
            mailauth_resinfo_find_prop(ri, "smtp", prop) == NULL)
            continue;
        assert_false(found);
        found = true;
        assert_string_equal(mailauth_resinfo_result(ri), mailauth_verdict_name(want));
    }
    assert_int_equal(found, want != NOT_RUN);
}

static void
run_spf_case(const struct spf_case *c, bool async)
{
    harness_t h;
    setup(&h, async, NULL, 0, c->methods);
    if (c->ip != NULL)
        assert_int_equal(mailauth_eval_set_client_ip(h.ev, c->ip), MAILAUTH_OK);
    if (c->helo != NULL)
        assert_int_equal(mailauth_eval_set_helo(h.ev, c->helo), MAILAUTH_OK);
    if (c->mail_from != NULL)
        assert_int_equal(mailauth_eval_set_mail_from(h.ev, c->mail_from), MAILAUTH_OK);
    assert_null(mailauth_eval_authres(h.ev));
    assert_null(mailauth_eval_spf(h.ev, MAILAUTH_SPF_MAILFROM));
    assert_int_equal(finish(&h), MAILAUTH_OK);
    assert_non_null(mailauth_eval_authres(h.ev));
    assert_string_equal(mailauth_authres_authserv_id(mailauth_eval_authres(h.ev)),
                        "mx.example.net");
    check_spf(h.ev, MAILAUTH_SPF_MAILFROM, c->mf, c->mf_domain, c->mf_sender);
    check_spf(h.ev, MAILAUTH_SPF_HELO, c->helo_v, NULL, NULL);
    teardown(&h);
}

static void
test_eval_spf_sync(void **state)
{
    run_spf_case(*state, false);
}

static void
test_eval_spf_async(void **state)
{
    run_spf_case(*state, true);
}

/* Client IP set last: the checks start then. */
static void
test_eval_ip_last(void **state)
{
    for (int async = 0; async < 2; async++) {
        harness_t h;
        (void)state;
        setup(&h, async != 0, NULL, 0, 0);
        assert_int_equal(mailauth_eval_set_helo(h.ev, "mail.example.org"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
        assert_null(h.ev->spf[EVAL_SPF_MAILFROM]);
        assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.10"), MAILAUTH_OK);
        assert_non_null(h.ev->spf[EVAL_SPF_MAILFROM]);
        assert_non_null(h.ev->spf[EVAL_SPF_HELO]);
        assert_int_equal(finish(&h), MAILAUTH_OK);
        check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "example.org", NULL);
        check_spf(h.ev, MAILAUTH_SPF_HELO, MAILAUTH_VERDICT_PASS, "mail.example.org", NULL);
        teardown(&h);
    }
}

/* Null sender before HELO: the MAIL FROM check waits for the HELO name. */
static void
test_eval_null_sender_waits_for_helo(void **state)
{
    harness_t h;
    (void)state;
    setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.10"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, ""), MAILAUTH_OK);
    assert_null(h.ev->spf[EVAL_SPF_MAILFROM]);
    assert_int_equal(mailauth_eval_set_helo(h.ev, "mail.example.org"), MAILAUTH_OK);
    assert_non_null(h.ev->spf[EVAL_SPF_MAILFROM]);
    assert_int_equal(mailauth_eval_set_helo(h.ev, "other.example.org"), MAILAUTH_ESTATE);
    assert_int_equal(finish(&h), MAILAUTH_OK);
    check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "mail.example.org",
              "postmaster@mail.example.org");
    teardown(&h);
}

/* ---- callback rules ------------------------------------------------------------------ */

/* Even with every verdict known before finish(), the callback comes later,
 * from the next processing call, exactly once. */
static void
test_eval_callback_later(void **state)
{
    harness_t h;
    (void)state;
    setup(&h, true, NULL, 0, 0);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    h.now += 1000; /* the answers are in */
    assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
    assert_true(h.ev->spf_done[EVAL_SPF_MAILFROM]);
    h.in_finish = true;
    assert_int_equal(mailauth_eval_finish(h.ev, done_cb, &h), MAILAUTH_EAGAIN);
    h.in_finish = false;
    assert_int_equal(h.calls, 0);
    assert_int_equal(mailauth_resolver_timeout_ms(h.r), 0);
    assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.cb_st, MAILAUTH_OK);
    drive_async(&h, 100);
    assert_int_equal(h.calls, 1);
    teardown(&h);
}

/* SPF-only finish with nothing to check still calls back once. */
static void
test_eval_callback_nothing_to_do(void **state)
{
    harness_t h;
    (void)state;
    setup(&h, true, NULL, 0, 0);
    assert_int_equal(finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_authres_count(mailauth_eval_authres(h.ev)), 0);
    teardown(&h);
}

static void
test_eval_free_in_callback(void **state)
{
    harness_t h;
    (void)state;
    setup(&h, true, NULL, 0, 0);
    h.free_in_cb = true;
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_helo(h.ev, "mail.example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(finish(&h), MAILAUTH_OK);
    assert_null(h.ev);
    teardown(&h);
}

/* Two evals on one resolver; the first one's callback frees the second. */
static harness_t       *other_h;
static mailauth_eval_t *other_ev;
static void
free_other_cb(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    (void)ev;
    (void)st;
    other_h = ud;
    mailauth_eval_free(other_ev);
    other_ev = NULL;
    other_h->calls++;
}

static void
never_cb(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    (void)ud;
    (void)ev;
    (void)st;
    fail();
}

static void
test_eval_free_other_in_callback(void **state)
{
    harness_t h;
    (void)state;
    setup(&h, true, NULL, 0, 0);
    assert_int_equal(mailauth_eval_new(h.ctx, h.r, &other_ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(h.ev, free_other_cb, &h), MAILAUTH_EAGAIN);
    assert_int_equal(mailauth_eval_finish(other_ev, never_cb, NULL), MAILAUTH_EAGAIN);
    assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
    assert_int_equal(h.calls, 1);
    assert_null(other_ev);
    drive_async(&h, 100);
    teardown(&h);
}

static void
test_eval_cancel(void **state)
{
    harness_t h;
    (void)state;
    /* cancel while the callback is pending: ECANCELED, once, from processing */
    setup(&h, true, NULL, 0, 0);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(h.ev, done_cb, &h), MAILAUTH_EAGAIN);
    assert_int_equal(mailauth_eval_cancel(h.ev), MAILAUTH_OK);
    assert_int_equal(h.calls, 0);
    assert_int_equal(mailauth_eval_cancel(h.ev), MAILAUTH_OK);
    drive_async(&h, 1000);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.cb_st, MAILAUTH_ECANCELED);
    assert_null(mailauth_eval_authres(h.ev));
    assert_null(mailauth_eval_spf(h.ev, MAILAUTH_SPF_MAILFROM));
    teardown(&h);
    /* cancel before finish: feeding and finishing are refused */
    setup(&h, true, NULL, 0, 0);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_cancel(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "A: b", 4), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_finish(h.ev, done_cb, &h), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_ESTATE);
    drive_async(&h, 200);
    assert_int_equal(h.calls, 0);
    teardown(&h);
    assert_int_equal(mailauth_eval_cancel(NULL), MAILAUTH_EINVAL);
}

/* The eval deadline turns unanswered questions into temperror; the call succeeds. */
static void
test_eval_deadline(void **state)
{
    static const uint32_t limits[] = {MAILAUTH_LIMIT_EVAL_TIMEOUT_MS, 100};
    (void)state;
    for (int async = 0; async < 2; async++) {
        harness_t h;
        setup(&h, async != 0, limits, ARRAY_LEN(limits), 0);
        assert_int_equal(mailauth_resolver_zone_set_delay(h.r, 3000), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
        assert_int_equal(finish(&h), MAILAUTH_OK);
        check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_TEMPERROR, "example.org", NULL);
        teardown(&h);
    }
}

/* finish_sync's own timeout is a shorter deadline. */
static void
test_eval_finish_sync_timeout(void **state)
{
    harness_t h;
    (void)state;
    setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_resolver_zone_set_delay(h.r, 3000), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -2), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, 50), MAILAUTH_OK);
    check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_TEMPERROR, NULL, NULL);
    teardown(&h);
}

/* A clock that never moves cannot hang finish_sync(). */
static void
test_eval_frozen_clock(void **state)
{
    harness_t h;
    (void)state;
    setup(&h, true, NULL, 0, 0); /* fake clock, never advanced here */
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_TEMPERROR, NULL, NULL);
    teardown(&h);
}

/* ---- call order ------------------------------------------------------------------------ */

struct order_case {
    const char *name;
    const char *ops;  /* i ip, h helo, m mail from, n null sender, H header, E end_headers,
                         B body, M end_message, W whole message, F finish, S finish_sync,
                         C cancel */
    const char *want; /* per op: 0 OK, S ESTATE, A EAGAIN */
};
static const struct order_case order_cases[] = {
    {"order: SPF-only finish", "F", "A"},
    {"order: SPF-only finish_sync", "ihmS", "0000"},
    {"order: full message", "ihmHEBMF", "0000000A"},
    {"order: header then finish", "HF", "0S"},
    {"order: end_headers then finish", "HES", "00S"},
    {"order: header after end_headers", "EH", "0S"},
    {"order: end_headers twice", "EE", "0S"},
    {"order: body before end_headers", "B", "S"},
    {"order: end_message before end_headers", "HM", "0S"},
    {"order: body after end_message", "EMB", "00S"},
    {"order: message after header", "HW", "0S"},
    {"order: header after message", "WH", "0S"},
    {"order: message twice", "WW", "0S"},
    {"order: envelope after end_headers", "Ei", "0S"},
    {"order: helo after end_headers", "Eh", "0S"},
    {"order: envelope between headers", "Hih", "000"},
    {"order: finish twice", "SS", "0S"},
    {"order: finish_sync after finish", "FS", "AS"},
    {"order: finish after finish_sync", "SF", "0S"},
    {"order: header after finish", "SH", "0S"},
    {"order: setter after finish", "Fi", "AS"},
    {"order: ip after SPF started", "imi", "00S"},
    {"order: mail from after SPF started", "imm", "00S"},
    {"order: mail from before ip", "mim", "00S"},
    {"order: helo after HELO check started", "ihmh", "000S"},
    {"order: helo after null sender started", "ihnh", "000S"},
    {"order: finish after cancel", "CF", "0S"},
    {"order: setter after cancel", "Cm", "0S"},
    {"order: cancel after finish", "SC", "00"},
};

static mailauth_status_t
do_op(harness_t *h, char op)
{
    static const char msg[] = "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n";
    switch (op) {
    case 'i':
        return mailauth_eval_set_client_ip(h->ev, "192.0.2.1");
    case 'h':
        return mailauth_eval_set_helo(h->ev, "mail.example.org");
    case 'm':
        return mailauth_eval_set_mail_from(h->ev, "u@example.org");
    case 'n':
        return mailauth_eval_set_mail_from(h->ev, "");
    case 'H':
        return mailauth_eval_header(h->ev, "Subject: x\r\n", 12);
    case 'E':
        return mailauth_eval_end_headers(h->ev);
    case 'B':
        return mailauth_eval_body(h->ev, "hi\r\n", 4);
    case 'M':
        return mailauth_eval_end_message(h->ev);
    case 'W':
        return mailauth_eval_message(h->ev, msg, sizeof(msg) - 1);
    case 'F':
        return mailauth_eval_finish(h->ev, done_cb, h);
    case 'S':
        return mailauth_eval_finish_sync(h->ev, -1);
    case 'C':
        return mailauth_eval_cancel(h->ev);
    default:
        fail();
    }
    return MAILAUTH_EINTERNAL;
}

static void
test_eval_order(void **state)
{
    const struct order_case *c = *state;
    harness_t                h;
    bool                     async_pending = false;
    setup(&h, true, NULL, 0, 0);
    assert_int_equal(strlen(c->ops), strlen(c->want));
    for (size_t i = 0; c->ops[i] != '\0'; i++) {
        mailauth_status_t want = c->want[i] == 'S'   ? MAILAUTH_ESTATE
                                 : c->want[i] == 'A' ? MAILAUTH_EAGAIN
                                                     : MAILAUTH_OK;
        mailauth_status_t st = do_op(&h, c->ops[i]);
        if (st != want)
            fail_msg("op %zu '%c': got %s, want %s", i, c->ops[i], mailauth_status_name(st),
                     mailauth_status_name(want));
        if (st == MAILAUTH_EAGAIN)
            async_pending = true;
    }
    drive_async(&h, 60000);
    assert_int_equal(h.calls, async_pending ? 1 : 0);
    teardown(&h);
}

static void
test_eval_bad_args(void **state)
{
    harness_t        h;
    mailauth_eval_t *ev = (mailauth_eval_t *)&h;
    (void)state;
    setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_eval_new(NULL, h.r, &ev), MAILAUTH_EINVAL);
    assert_null(ev);
    assert_int_equal(mailauth_eval_new(h.ctx, NULL, &ev), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_new(h.ctx, h.r, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.256"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "[192.0.2.1]"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_helo(h.ev, ""), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_helo(h.ev, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_header(h.ev, NULL, 3), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_header(h.ev, "no colon", 8), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_message(h.ev, NULL, 3), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_finish(h.ev, NULL, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_client_ip(NULL, "192.0.2.1"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_end_headers(NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_body(NULL, "x", 1), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_end_message(NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_finish_sync(NULL, -1), MAILAUTH_EINVAL);
    assert_null(mailauth_eval_authres(NULL));
    assert_null(mailauth_eval_spf(NULL, MAILAUTH_SPF_HELO));
    /* a rejected header does not start the header section */
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    assert_null(mailauth_eval_spf(h.ev, (mailauth_spf_identity_t)7));
    mailauth_eval_free(NULL);
    teardown(&h);
}

/* ---- header limits and message splitting ------------------------------------------------ */

static void
test_eval_header_limits(void **state)
{
    static const uint32_t limits[] = {MAILAUTH_LIMIT_HEADER_MAX_COUNT, 3,
                                      MAILAUTH_LIMIT_HEADER_MAX_BYTES, 20};
    harness_t             h;
    (void)state;
    setup(&h, false, limits, ARRAY_LEN(limits), 0);
    assert_int_equal(mailauth_eval_header(h.ev, "A: 1\r\n", 6), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "B: 012345678901234567890\r\n", 27),
                     MAILAUTH_ELIMIT);
    assert_int_equal(mailauth_eval_header(h.ev, "C: 01234567890123456\r\n", 22), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "D: 1", 4), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "E: 1", 4), MAILAUTH_ELIMIT);
    assert_int_equal(h.ev->hdrs.n, 3);
    assert_int_equal(h.ev->hdrs.refused, 2);
    /* the eval goes on */
    assert_int_equal(mailauth_eval_end_headers(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_body(h.ev, "x\r\n", 3), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    teardown(&h);
    /* through message(): ELIMIT reported, message still complete */
    setup(&h, false, limits, ARRAY_LEN(limits), 0);
    assert_int_equal(mailauth_eval_message(h.ev, "A: 1\nB: 2\nC: 3\nD: 4\n\nbody\n", 26),
                     MAILAUTH_ELIMIT);
    assert_int_equal(h.ev->hdrs.n, 3);
    assert_int_equal(h.ev->body_bytes, 6);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    teardown(&h);
}

struct message_case {
    const char *name;
    const char *msg;
    size_t      len; /* 0: strlen */
    size_t      nhdrs;
    const char *first; /* raw first field, NULL: none */
    uint64_t    body;  /* body bytes after normalization */
};
static const struct message_case message_cases[] = {
    {"message: CRLF", "A: 1\r\nB: 2\r\n\r\nxy\r\n", 0, 2, "A: 1", 4},
    {"message: bare LF", "A: 1\nB: 2\n\nxy\n", 0, 2, "A: 1", 4},
    {"message: folding with LF", "A: 1\n 2\n\n", 0, 1, "A: 1\r\n 2", 0},
    {"message: missing separator", "A: 1\r\nB: 2\r\n", 0, 2, "A: 1", 0},
    {"message: body without separator", "A: 1\nbody line\n", 0, 1, "A: 1", 11},
    {"message: NUL bytes", "A: x\0y\r\n\r\nb\0c", 13, 1, "A: x\0y", 3},
    {"message: bare CR", "A: x\ry\r\n\r\nb\rc", 0, 1, "A: x\ry", 3},
    {"message: empty", "", 0, 0, NULL, 0},
    {"message: mbox line", "From x@y Thu\nA: 1\n\nb", 0, 1, "A: 1", 1},
};

static void
test_eval_message(void **state)
{
    const struct message_case *c = *state;
    size_t                     len = c->len != 0 ? c->len : strlen(c->msg);
    harness_t                  h;
    setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(h.ev, c->msg, len), MAILAUTH_OK);
    assert_int_equal(h.ev->hdrs.n, c->nhdrs);
    if (c->first != NULL) {
        const mailauth__hdr_t *f = mailauth__hdr_index_get(&h.ev->hdrs, 0);
        size_t                 flen = c->len != 0 ? 6 : strlen(c->first);
        assert_int_equal(f->len, flen);
        assert_memory_equal(f->raw, c->first, flen);
    }
    assert_int_equal(h.ev->body_bytes, c->body);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    teardown(&h);
}

/* ---- mailauth_verify ---------------------------------------------------------------------- */

static void
test_eval_verify(void **state)
{
    static const char   msg[] = "From: a@example.org\nSubject: hi\n\nbody\n";
    mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                               .client_ip = "192.0.2.10",
                               .helo = "mail.example.org",
                               .mail_from = ""};
    harness_t           h;
    mailauth_eval_t    *ev = NULL;
    (void)state;
    setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_verify(h.ctx, h.r, &env, msg, sizeof(msg) - 1, &ev), MAILAUTH_OK);
    check_spf(ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "mail.example.org",
              "postmaster@mail.example.org");
    check_spf(ev, MAILAUTH_SPF_HELO, MAILAUTH_VERDICT_PASS, "mail.example.org", NULL);
    assert_int_equal(ev->hdrs.n, 2);
    mailauth_eval_free(ev);
    /* SPF only */
    env.mail_from = "u@example.org";
    env.client_ip = "198.51.100.1";
    assert_int_equal(mailauth_verify(h.ctx, h.r, &env, NULL, 0, &ev), MAILAUTH_OK);
    check_spf(ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_FAIL, "example.org", NULL);
    mailauth_eval_free(ev);
    /* no envelope */
    assert_int_equal(mailauth_verify(h.ctx, h.r, NULL, msg, sizeof(msg) - 1, &ev), MAILAUTH_OK);
    check_spf(ev, MAILAUTH_SPF_MAILFROM, NOT_RUN, NULL, NULL);
    mailauth_eval_free(ev);
    /* bad arguments */
    env.version = 2;
    ev = (mailauth_eval_t *)&h;
    assert_int_equal(mailauth_verify(h.ctx, h.r, &env, NULL, 0, &ev), MAILAUTH_EINVAL);
    assert_null(ev);
    env.version = MAILAUTH_ENVELOPE_VERSION;
    env.client_ip = "not an address";
    assert_int_equal(mailauth_verify(h.ctx, h.r, &env, NULL, 0, &ev), MAILAUTH_EINVAL);
    assert_null(ev);
    assert_int_equal(mailauth_verify(h.ctx, h.r, NULL, NULL, 5, &ev), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_verify(NULL, h.r, NULL, NULL, 0, &ev), MAILAUTH_EINVAL);
    teardown(&h);
}

/* ---- out of memory --------------------------------------------------------------------- */

/* Run a whole SPF eval on allocator fa. An allocation refused inside the
 * resolver's answer path is a TEMPFAIL answer, hence a temperror verdict
 * with MAILAUTH_OK: verdicts are checked only on the run with no failure. */
static mailauth_status_t
full_eval(fail_alloc_t *fa, bool async)
{
    const mailauth_allocator_t *al = &fa->al;
    static const char           msg[] = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
    mailauth_envelope_t         env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                       .client_ip = "192.0.2.10",
                                       .helo = "mail.example.org",
                                       .mail_from = "u@example.org"};
    harness_t                   h;
    mailauth_status_t           st;
    memset(&h, 0, sizeof(h));
    h.async = async;
    st = mailauth_ctx_new(al, &h.ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(h.ctx, "mx.example.net");
    if (st == MAILAUTH_OK)
        st = mailauth_resolver_new_zone(h.ctx, zone_text, sizeof(zone_text) - 1, NULL, &h.r);
    if (st == MAILAUTH_OK && !async)
        st = mailauth_verify(h.ctx, h.r, &env, msg, sizeof(msg) - 1, &h.ev);
    if (st == MAILAUTH_OK && async) {
        st = mailauth_eval_new(h.ctx, h.r, &h.ev);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_set_client_ip(h.ev, env.client_ip);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_set_helo(h.ev, env.helo);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_set_mail_from(h.ev, env.mail_from);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_message(h.ev, msg, sizeof(msg) - 1);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_finish(h.ev, done_cb, &h);
        if (st == MAILAUTH_EAGAIN) {
            for (int i = 0; i < 100 && h.calls == 0; i++)
                (void)mailauth_resolver_process_timeouts(h.r);
            assert_int_equal(h.calls, 1);
            st = h.cb_st;
        }
    }
    if (st == MAILAUTH_OK && !fail_alloc_reached(fa)) {
        check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "example.org", NULL);
        check_spf(h.ev, MAILAUTH_SPF_HELO, MAILAUTH_VERDICT_PASS, "mail.example.org", NULL);
    }
    teardown(&h);
    return st;
}

static void
test_eval_enomem(void **state)
{
    (void)state;
    for (int async = 0; async < 2; async++) {
        for (unsigned long n = 1;; n++) {
            fail_alloc_t      fa;
            mailauth_status_t st;
            fail_alloc_init(&fa, n);
            st = full_eval(&fa, async != 0);
            if (fa.live != 0)
                fail_msg("allocation %lu (%s): %ld blocks leaked", n, async ? "async" : "sync",
                         fa.live);
            if (!fail_alloc_reached(&fa)) {
                assert_int_equal(st, MAILAUTH_OK);
                break;
            }
            /* ENOMEM, or success when the failure hit a DNS answer (temperror) */
            if (st != MAILAUTH_ENOMEM && st != MAILAUTH_OK)
                fail_msg("allocation %lu (%s): got %s", n, async ? "async" : "sync",
                         mailauth_status_name(st));
        }
    }
}

int
main(void)
{
    static const struct CMUnitTest single[] = {
        cmocka_unit_test(test_eval_ip_last),
        cmocka_unit_test(test_eval_null_sender_waits_for_helo),
        cmocka_unit_test(test_eval_callback_later),
        cmocka_unit_test(test_eval_callback_nothing_to_do),
        cmocka_unit_test(test_eval_free_in_callback),
        cmocka_unit_test(test_eval_free_other_in_callback),
        cmocka_unit_test(test_eval_cancel),
        cmocka_unit_test(test_eval_deadline),
        cmocka_unit_test(test_eval_finish_sync_timeout),
        cmocka_unit_test(test_eval_frozen_clock),
        cmocka_unit_test(test_eval_bad_args),
        cmocka_unit_test(test_eval_header_limits),
        cmocka_unit_test(test_eval_verify),
        cmocka_unit_test(test_eval_enomem),
    };
    static char       names[ARRAY_LEN(spf_cases)][2][96];
    struct CMUnitTest tests[ARRAY_LEN(single) + 2 * ARRAY_LEN(spf_cases) + ARRAY_LEN(order_cases) +
                            ARRAY_LEN(message_cases)];
    size_t            n = 0;
    for (size_t i = 0; i < ARRAY_LEN(single); i++)
        tests[n++] = single[i];
    for (size_t i = 0; i < ARRAY_LEN(spf_cases); i++) {
        snprintf(names[i][0], sizeof(names[i][0]), "spf sync: %s", spf_cases[i].name);
        snprintf(names[i][1], sizeof(names[i][1]), "spf async: %s", spf_cases[i].name);
        tests[n++] = (struct CMUnitTest){.name = names[i][0],
                                         .test_func = test_eval_spf_sync,
                                         .initial_state = (void *)&spf_cases[i]};
        tests[n++] = (struct CMUnitTest){.name = names[i][1],
                                         .test_func = test_eval_spf_async,
                                         .initial_state = (void *)&spf_cases[i]};
    }
    for (size_t i = 0; i < ARRAY_LEN(order_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = order_cases[i].name,
                                         .test_func = test_eval_order,
                                         .initial_state = (void *)&order_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(message_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = message_cases[i].name,
                                         .test_func = test_eval_message,
                                         .initial_state = (void *)&message_cases[i]};
    return _cmocka_run_group_tests("eval", tests, n, NULL, NULL);
}
