/* eval: the evaluation engine through the public API over a zone resolver:
 * SPF verdicts, callback rules, cancel, deadlines. Every SPF case runs
 * twice: finish_sync() on the system clock, and async finish() driven by
 * process_timeouts() on a hand-moved clock with a zone delay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/authres_of.h"
#include "core/eval_int.h"
#include "support/eval_harness.h"
#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

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
run_spf_case(const struct spf_case *c, bool async)
{
    harness_t h;
    harness_setup(&h, async, NULL, 0, c->methods);
    if (c->ip != NULL)
        assert_int_equal(mailauth_eval_set_client_ip(h.ev, c->ip), MAILAUTH_OK);
    if (c->helo != NULL)
        assert_int_equal(mailauth_eval_set_helo(h.ev, c->helo), MAILAUTH_OK);
    if (c->mail_from != NULL)
        assert_int_equal(mailauth_eval_set_mail_from(h.ev, c->mail_from), MAILAUTH_OK);
    assert_null(authres_of(h.ev));
    assert_null(mailauth_eval_spf(h.ev, MAILAUTH_SPF_MAILFROM));
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_non_null(authres_of(h.ev));
    /* built once, on the first call, then the same object */
    assert_ptr_equal(authres_of(h.ev), authres_of(h.ev));
    assert_string_equal(mailauth_authres_authserv_id(authres_of(h.ev)),
                        "mx.example.net");
    harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, c->mf, c->mf_domain, c->mf_sender);
    harness_check_spf(h.ev, MAILAUTH_SPF_HELO, c->helo_v, NULL, NULL);
    harness_teardown(&h);
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

/* The envelope given piece by piece: every order of the three setters gives
 * the same verdicts, because nothing is asked before the envelope closes
 * (here at finish). The policy depends on the HELO name (%{h}), so a check
 * started before HELO would fail. */
static mailauth_resolver_stats_t
stats(mailauth_resolver_t *r)
{
    mailauth_resolver_stats_t s = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    assert_int_equal(mailauth_resolver_stats(r, &s), MAILAUTH_OK);
    return s;
}

static const int setter_orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                        {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

static void
set_one(mailauth_eval_t *ev, int which)
{
    if (which == 0)
        assert_int_equal(mailauth_eval_set_client_ip(ev, "192.0.2.10"), MAILAUTH_OK);
    else if (which == 1)
        assert_int_equal(mailauth_eval_set_helo(ev, "mail.example.org"), MAILAUTH_OK);
    else
        assert_int_equal(mailauth_eval_set_mail_from(ev, "u@h.example.org"), MAILAUTH_OK);
}

static void
test_eval_envelope_every_order(void **state)
{
    (void)state;
    for (int async = 0; async < 2; async++) {
        for (int o = 0; o < 6; o++) {
            harness_t h;
            harness_setup(&h, async != 0, NULL, 0, 0);
            for (int k = 0; k < 3; k++)
                set_one(h.ev, setter_orders[o][k]);
            assert_int_equal(harness_finish(&h), MAILAUTH_OK);
            harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "h.example.org",
                              "u@h.example.org");
            harness_check_spf(h.ev, MAILAUTH_SPF_HELO, MAILAUTH_VERDICT_PASS, "mail.example.org",
                              NULL);
            harness_teardown(&h);
        }
    }
}

/* The same through one call, which starts the checks at once, and with the
 * message fed after every order of the setters. */
static void
test_eval_envelope_whole(void **state)
{
    static const char         msg[] = "From: u@h.example.org\r\nSubject: x\r\n\r\nbody\r\n";
    const mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                     .client_ip = "192.0.2.10",
                                     .helo = "mail.example.org",
                                     .mail_from = "u@h.example.org"};
    (void)state;
    for (int o = 0; o <= 6; o++) {
        harness_t h;
        harness_setup(&h, true, NULL, 0, MAILAUTH_METHOD_SPF);
        if (o == 6) {
            assert_int_equal(mailauth_eval_set_envelope(h.ev, &env), MAILAUTH_OK);
            /* started: the first questions are out already */
            assert_true(stats(h.r).questions > 0);
        } else {
            for (int k = 0; k < 3; k++)
                set_one(h.ev, setter_orders[o][k]);
            assert_int_equal(stats(h.r).questions, 0); /* nothing asked yet */
        }
        assert_int_equal(mailauth_eval_message(h.ev, msg, sizeof(msg) - 1), MAILAUTH_OK);
        assert_int_equal(harness_finish(&h), MAILAUTH_OK);
        harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "h.example.org",
                          "u@h.example.org");
        harness_teardown(&h);
    }
}

/* Once the envelope is closed (set_envelope(), the first part of the
 * message, finish), every envelope call is refused: nothing can change a
 * check that started; a refused value changes nothing. */
static void
test_eval_envelope_closed(void **state)
{
    const mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                     .client_ip = "192.0.2.10",
                                     .mail_from = "u@h.example.org"};
    mailauth_envelope_t       bad = env;
    harness_t                 h;
    (void)state;
    harness_setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_eval_set_envelope(NULL, &env), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_envelope(h.ev, NULL), MAILAUTH_EINVAL);
    bad.version = 2;
    assert_int_equal(mailauth_eval_set_envelope(h.ev, &bad), MAILAUTH_EINVAL);
    bad.version = MAILAUTH_ENVELOPE_VERSION;
    bad.client_ip = "192.0.2.300";
    assert_int_equal(mailauth_eval_set_envelope(h.ev, &bad), MAILAUTH_EINVAL);
    bad.client_ip = "192.0.2.10";
    bad.helo = "";
    assert_int_equal(mailauth_eval_set_envelope(h.ev, &bad), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "not an address"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_helo(h.ev, ""), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_envelope(h.ev, &env), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_envelope(h.ev, &env), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_set_helo(h.ev, "mail.example.org"), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "x@example.org"), MAILAUTH_ESTATE);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    /* No HELO was given: %{h} does not name mail.example.org. */
    harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_FAIL, "h.example.org", NULL);
    harness_check_spf(h.ev, MAILAUTH_SPF_HELO, NOT_RUN, NULL, NULL);
    harness_teardown(&h);
    /* the first header field closes it */
    harness_setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@h.example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.10"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "From: u@h.example.org", 21), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_helo(h.ev, "mail.example.org"), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_set_envelope(h.ev, &env), MAILAUTH_ESTATE);
    harness_teardown(&h);
    /* finish closes it */
    harness_setup(&h, false, NULL, 0, 0);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_ESTATE);
    harness_teardown(&h);
}

/* The null sender is postmaster@HELO whichever comes first. */
static void
test_eval_null_sender_any_order(void **state)
{
    (void)state;
    for (int first_helo = 0; first_helo < 2; first_helo++) {
        harness_t h;
        harness_setup(&h, false, NULL, 0, 0);
        assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.10"), MAILAUTH_OK);
        if (first_helo)
            assert_int_equal(mailauth_eval_set_helo(h.ev, "mail.example.org"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_mail_from(h.ev, ""), MAILAUTH_OK);
        if (!first_helo)
            assert_int_equal(mailauth_eval_set_helo(h.ev, "mail.example.org"), MAILAUTH_OK);
        assert_int_equal(harness_finish(&h), MAILAUTH_OK);
        harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "mail.example.org",
                          "postmaster@mail.example.org");
        harness_teardown(&h);
    }
}

/* ---- callback rules ------------------------------------------------------------------ */

/* Even with every verdict known before harness_finish(), the callback comes later,
 * from the next processing call, exactly once. */
static void
test_eval_callback_later(void **state)
{
    harness_t h;
    (void)state;
    const mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                     .client_ip = "192.0.2.1",
                                     .mail_from = "u@example.org"};
    harness_setup(&h, true, NULL, 0, MAILAUTH_METHOD_SPF);
    assert_int_equal(mailauth_eval_set_envelope(h.ev, &env), MAILAUTH_OK);
    h.now += 1000; /* the answers are in */
    assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
    assert_non_null(mailauth__eval_row_final(h.ev, CHECK_SPF_MAILFROM));
    h.in_finish = true;
    assert_int_equal(mailauth_eval_finish(h.ev, harness_done_cb, &h), MAILAUTH_OK);
    h.in_finish = false;
    assert_int_equal(h.calls, 0);
    assert_int_equal(mailauth_resolver_timeout_ms(h.r), 0);
    assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.cb_st, MAILAUTH_OK);
    harness_drive(&h, 100);
    assert_int_equal(h.calls, 1);
    harness_teardown(&h);
}

/* SPF-only finish with nothing to check still calls back once. */
static void
test_eval_callback_nothing_to_do(void **state)
{
    harness_t h;
    (void)state;
    harness_setup(&h, true, NULL, 0, 0);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_authres_resinfo_count(authres_of(h.ev)), 0);
    harness_teardown(&h);
}

static void
test_eval_free_in_callback(void **state)
{
    harness_t h;
    (void)state;
    harness_setup(&h, true, NULL, 0, 0);
    h.free_in_cb = true;
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_helo(h.ev, "mail.example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_null(h.ev);
    harness_teardown(&h);
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
    harness_setup(&h, true, NULL, 0, 0);
    assert_int_equal(mailauth_eval_new(h.ctx, h.r, &other_ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(h.ev, free_other_cb, &h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(other_ev, never_cb, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
    assert_int_equal(h.calls, 1);
    assert_null(other_ev);
    harness_drive(&h, 100);
    harness_teardown(&h);
}

static void
test_eval_cancel(void **state)
{
    harness_t h;
    (void)state;
    /* cancel while the callback is pending: ECANCELED, once, from processing */
    harness_setup(&h, true, NULL, 0, 0);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(h.ev, harness_done_cb, &h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_cancel(h.ev), MAILAUTH_OK);
    assert_int_equal(h.calls, 0);
    assert_int_equal(mailauth_eval_cancel(h.ev), MAILAUTH_OK);
    harness_drive(&h, 1000);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.cb_st, MAILAUTH_ECANCELED);
    assert_null(authres_of(h.ev));
    assert_null(mailauth_eval_spf(h.ev, MAILAUTH_SPF_MAILFROM));
    harness_teardown(&h);
    /* cancel before finish: feeding and finishing are refused */
    harness_setup(&h, true, NULL, 0, 0);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_cancel(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "A: b", 4), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_finish(h.ev, harness_done_cb, &h), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_ESTATE);
    harness_drive(&h, 200);
    assert_int_equal(h.calls, 0);
    harness_teardown(&h);
    assert_int_equal(mailauth_eval_cancel(NULL), MAILAUTH_EINVAL);
}

/* The done queue: evaluations finished without a callback are taken with
 * mailauth_resolver_next_done(), each once, in the order they finished,
 * with their ud and status; a freed one leaves the queue; a canceled one
 * comes with MAILAUTH_ECANCELED. */
static void
test_eval_done_queue(void **state)
{
    static const char *const        senders[] = {"a@example.org", "b@soft.example.org",
                                                 "c@temp.example.org", "d@example.org"};
    static const mailauth_verdict_t want[] = {MAILAUTH_VERDICT_PASS, MAILAUTH_VERDICT_SOFTFAIL,
                                              MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_VERDICT_PASS};
    harness_t                       h;
    mailauth_eval_t                *ev[4] = {NULL}, *got = NULL;
    mailauth_status_t               st = MAILAUTH_EINTERNAL;
    void                           *ud = NULL;
    int                             seen[4] = {0}, order[3] = {-1, -1, -1}, n = 0;
    (void)state;
    harness_setup(&h, true, NULL, 0, 0);
    assert_int_equal(mailauth_resolver_next_done(h.r, &got, &st, &ud), MAILAUTH_EAGAIN);
    assert_null(got);
    assert_int_equal(mailauth_resolver_next_done(NULL, &got, NULL, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_next_done(h.r, NULL, NULL, NULL), MAILAUTH_EINVAL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mailauth_eval_new(h.ctx, h.r, &ev[i]), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_client_ip(ev[i], "192.0.2.1"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_mail_from(ev[i], senders[i]), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_finish(ev[i], NULL, &seen[i]), MAILAUTH_OK);
    }
    assert_int_equal(mailauth_eval_cancel(ev[1]), MAILAUTH_OK);
    mailauth_eval_free(ev[3]); /* finishing, then gone: never in the queue */
    ev[3] = NULL;
    /* Nothing before a processing call, then the canceled one first. */
    assert_int_equal(mailauth_resolver_next_done(h.r, &got, &st, &ud), MAILAUTH_EAGAIN);
    for (int t = 0; t < 200000 && seen[0] + seen[1] + seen[2] < 3; t += 5) {
        assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
        while (mailauth_resolver_next_done(h.r, &got, &st, &ud) == MAILAUTH_OK) {
            int i = (int)((int *)ud - seen);
            assert_true(i >= 0 && i < 3);
            assert_ptr_equal(got, ev[i]);
            assert_int_equal(seen[i]++, 0);
            order[n++] = i;
            assert_int_equal(st, i == 1 ? MAILAUTH_ECANCELED : MAILAUTH_OK);
            if (i != 1)
                assert_int_equal(
                    mailauth_spf_result_verdict(mailauth_eval_spf(got, MAILAUTH_SPF_MAILFROM)),
                    want[i]);
        }
        h.now += 5;
    }
    /* Finishing order: the canceled one at the first call, then the
     * answered one, then temp.example.org at its DNS timeout. */
    assert_true(order[0] == 1 && order[1] == 0 && order[2] == 2);
    assert_int_equal(mailauth_resolver_next_done(h.r, &got, NULL, NULL), MAILAUTH_EAGAIN);
    /* One finished but never taken, freed while queued: it leaves the queue. */
    assert_int_equal(mailauth_eval_new(h.ctx, h.r, &ev[3]), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(ev[3], NULL, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
    mailauth_eval_free(ev[3]);
    ev[3] = NULL;
    assert_int_equal(mailauth_resolver_next_done(h.r, &got, NULL, NULL), MAILAUTH_EAGAIN);
    for (int i = 0; i < 4; i++)
        mailauth_eval_free(ev[i]);
    harness_teardown(&h);
}

/* The eval deadline turns unanswered questions into temperror; the call succeeds. */
static void
test_eval_deadline(void **state)
{
    static const uint32_t limits[] = {MAILAUTH_LIMIT_EVAL_TIMEOUT_MS, 100};
    (void)state;
    for (int async = 0; async < 2; async++) {
        harness_t h;
        harness_setup(&h, async != 0, limits, ARRAY_LEN(limits), 0);
        assert_int_equal(mailauth_resolver_zone_set_delay(h.r, 3000), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
        assert_int_equal(harness_finish(&h), MAILAUTH_OK);
        harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_TEMPERROR, "example.org",
                          NULL);
        harness_teardown(&h);
    }
}

/* finish_sync's own timeout is a shorter deadline. */
static void
test_eval_finish_sync_timeout(void **state)
{
    harness_t h;
    (void)state;
    harness_setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_resolver_zone_set_delay(h.r, 3000), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -2), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, 50), MAILAUTH_OK);
    harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_TEMPERROR, NULL, NULL);
    harness_teardown(&h);
}

/* A clock that never moves cannot hang finish_sync(). */
static void
test_eval_frozen_clock(void **state)
{
    harness_t h;
    (void)state;
    harness_setup(&h, true, NULL, 0, 0); /* fake clock, never advanced here */
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "u@example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_TEMPERROR, NULL, NULL);
    harness_teardown(&h);
}

/* ---- call order ------------------------------------------------------------------------ */
int
main(void)
{
    static const struct CMUnitTest single[] = {
        cmocka_unit_test(test_eval_envelope_every_order),
        cmocka_unit_test(test_eval_envelope_whole),
        cmocka_unit_test(test_eval_envelope_closed),
        cmocka_unit_test(test_eval_null_sender_any_order),
        cmocka_unit_test(test_eval_callback_later),
        cmocka_unit_test(test_eval_callback_nothing_to_do),
        cmocka_unit_test(test_eval_free_in_callback),
        cmocka_unit_test(test_eval_free_other_in_callback),
        cmocka_unit_test(test_eval_cancel),
        cmocka_unit_test(test_eval_done_queue),
        cmocka_unit_test(test_eval_deadline),
        cmocka_unit_test(test_eval_finish_sync_timeout),
        cmocka_unit_test(test_eval_frozen_clock),
    };
    static char       names[ARRAY_LEN(spf_cases)][2][96];
    struct CMUnitTest tests[ARRAY_LEN(single) + 2 * ARRAY_LEN(spf_cases)];
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
    return _cmocka_run_group_tests("eval", tests, n, NULL, NULL);
}
