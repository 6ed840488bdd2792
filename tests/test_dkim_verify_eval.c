/* dkim_verify_eval: DKIM inside the evaluation: key lookups asked at once
 * (round trips counted by the zone driver), beside SPF; body hashes shared
 * by equal (canonicalization, hash, l=); the signature limit; the
 * deadline; dkim=none and a DKIM not evaluated; cancel and free with keys
 * pending; hostile h= lists; out-of-memory paths. Verdict-by-verdict cases
 * are in test_dkim_verify.c, raw-byte feeding and streaming memory in
 * test_dkim_verify_stream.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/authres_of.h"
#include "core/ctx_int.h"
#include "core/eval_int.h"
#include "dkim/dkim_verify.h"
#include "support/dkim_harness.h"
#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define RR "relaxed/relaxed"

static tsig_spec_t
spec_for(const char *key, const char *a, const char *c, const char *s)
{
    tsig_spec_t sp = {key, a, c, "example.com", s, NULL, H_STD, NOW_S, -1, -1};
    return sp;
}

static tsig_spec_t
rsa_spec(const char *s)
{
    return spec_for("rsa2048.pem", "rsa-sha256", RR, s);
}

/* Sign n specs, build the message, run it; sigs freed. */
static void
run_signed(harness_t *h, const tsig_spec_t *specs, size_t n, bool with_spf)
{
    char    *sigs[16];
    dk_msg_t m;
    assert_true(n <= ARRAY_LEN(sigs));
    for (size_t i = 0; i < n; i++)
        sigs[i] = dk_sign(&specs[i]);
    m = dk_message((const char *const *)sigs, n, M_NONE);
    if (with_spf) {
        assert_int_equal(mailauth_eval_set_client_ip(h->ev, "192.0.2.1"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_mail_from(h->ev, "alice@example.com"), MAILAUTH_OK);
    }
    assert_int_equal(mailauth_eval_message(h->ev, m.p, m.n), MAILAUTH_OK);
    assert_int_equal(harness_finish(h), MAILAUTH_OK);
    for (size_t i = 0; i < n; i++)
        free(sigs[i]);
    free(m.p);
}

/* ---- none / not evaluated ------------------------------------------------------------ */

static void
test_dkim_verify_eval_none(void **state)
{
    (void)state;
    for (int async = 0; async < 2; async++) {
        harness_t                 h;
        const mailauth_resinfo_t *ri[4];
        dk_setup(&h, async != 0, 0, NULL, 0);
        run_signed(&h, NULL, 0, true);
        harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "example.com", NULL);
        assert_int_equal(dk_ar_entries(h.ev, ri, ARRAY_LEN(ri)), 1);
        assert_string_equal(mailauth_resinfo_result(ri[0]), "none");
        assert_int_equal(mailauth_eval_dkim_count(h.ev), 0);
        harness_teardown(&h);
    }
}

/* A method not evaluated is absent, not none. */
static void
test_dkim_verify_eval_not_evaluated(void **state)
{
    harness_t                 h;
    const mailauth_resinfo_t *ri[4];
    tsig_spec_t               sp = rsa_spec("rsa");
    (void)state;
    memset(&h, 0, sizeof(h));
    assert_int_equal(mailauth_ctx_new(NULL, &h.ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_methods(h.ctx, MAILAUTH_METHOD_SPF), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(h.ctx, dk_zone(), strlen(dk_zone()), NULL, &h.r),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(h.ctx, h.r, &h.ev), MAILAUTH_OK);
    run_signed(&h, &sp, 1, true);
    harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "example.com", NULL);
    assert_int_equal(dk_ar_entries(h.ev, ri, ARRAY_LEN(ri)), 0);
    assert_int_equal(mailauth_eval_dkim_count(h.ev), 0);
    assert_null(mailauth_eval_dkim(h.ev, 0));
    assert_int_equal(mailauth_eval_methods(h.ev) & MAILAUTH_METHOD_DKIM, 0);
    harness_teardown(&h);
}

/* ---- scheduling --------------------------------------------------------------------- */

/* Three keys and the SPF record: one round trip, asked before finish. */
static void
test_dkim_verify_eval_parallel(void **state)
{
    tsig_spec_t specs[] = {rsa_spec("rsa"), spec_for("ed25519.pem", "ed25519-sha256", RR, "ed"),
                           rsa_spec("testing")};
    harness_t   h;
    mailauth_resolver_stats_t st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    (void)state;
    dk_setup(&h, true, OPT_SPF_DKIM, NULL, 0);
    run_signed(&h, specs, ARRAY_LEN(specs), true);
    for (size_t i = 0; i < ARRAY_LEN(specs); i++)
        dk_check(h.ev, i, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
    harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "example.com", NULL);
    assert_int_equal(mailauth_resolver_stats(h.r, &st), MAILAUTH_OK);
    assert_int_equal(st.questions, 4);
    assert_int_equal(st.round_trips, 1);
    harness_teardown(&h);
}

/* Keys go out at end of headers, before the body and before finish. */
static void
test_dkim_verify_eval_asked_at_end_of_headers(void **state)
{
    tsig_spec_t               sp = rsa_spec("rsa");
    char                     *sig = dk_sign(&sp);
    harness_t                 h;
    mailauth_resolver_stats_t st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    (void)state;
    dk_setup(&h, true, OPT_DKIM_ONLY, NULL, 0);
    assert_int_equal(mailauth_eval_header(h.ev, sig, strlen(sig)), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "From: a@example.com", 19), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_stats(h.r, &st), MAILAUTH_OK);
    assert_int_equal(st.questions, 0);
    assert_int_equal(mailauth_eval_end_headers(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_stats(h.r, &st), MAILAUTH_OK);
    assert_int_equal(st.questions, 1);
    /* the answer arrives while the body is still to come */
    h.now += 1000;
    assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
    assert_null(mailauth__eval_row_final(h.ev, CHECK_DKIM));
    assert_int_equal(mailauth_eval_body(h.ev, "x\r\n", 3), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    /* From was hashed from a different field than the one signed */
    dk_check(h.ev, 0, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_DKIM_BODY_HASH);
    harness_teardown(&h);
    free(sig);
}

/* Equal (canonicalization, hash, l=) share one body hash. */
static void
test_dkim_verify_eval_shared_body_hash(void **state)
{
    tsig_spec_t specs[] = {
        rsa_spec("rsa"),
        spec_for("ed25519.pem", "ed25519-sha256", RR, "ed"),
        spec_for("rsa2048.pem", "rsa-sha256", "simple/relaxed", "k1"),
        spec_for("rsa2048.pem", "rsa-sha256", "relaxed/simple", "k2"),
        spec_for("rsa2048.pem", "rsa-sha256", NULL, "k3"),
    };
    (void)state;
    for (int async = 0; async < 2; async++) {
        harness_t h;
        dk_setup(&h, async != 0, 0, NULL, 0);
        run_signed(&h, specs, ARRAY_LEN(specs), false);
        for (size_t i = 0; i < ARRAY_LEN(specs); i++)
            dk_check(h.ev, i, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
        /* relaxed body (3 signatures) and simple body (2) */
        assert_int_equal(mailauth__dkim_verify_body_hashes(mailauth__eval_dkim(h.ev)), 2);
        harness_teardown(&h);
    }
}

/* Beyond MAILAUTH_LIMIT_DKIM_SIGNATURES: reported neutral, key not even asked. */
static void
test_dkim_verify_eval_too_many(void **state)
{
    static const uint32_t two[] = {MAILAUTH_LIMIT_DKIM_SIGNATURES, 2};
    tsig_spec_t           specs[9];
    char                  sel[9][8];
    (void)state;
    for (int i = 0; i < 9; i++) {
        snprintf(sel[i], sizeof(sel[i]), "k%d", i + 1);
        specs[i] = rsa_spec(sel[i]);
    }
    for (int async = 0; async < 2; async++) {
        for (int limited = 0; limited < 2; limited++) {
            harness_t                 h;
            mailauth_resolver_stats_t st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
            size_t                    n = limited ? 3 : 9, limit = limited ? 2 : 8;
            dk_setup(&h, async != 0, OPT_DKIM_ONLY, limited ? two : NULL, limited ? 2 : 0);
            run_signed(&h, specs, n, false);
            assert_int_equal(mailauth_eval_dkim_count(h.ev), n);
            for (size_t i = 0; i < n; i++)
                dk_check(h.ev, i, i < limit ? MAILAUTH_VERDICT_PASS : MAILAUTH_VERDICT_NEUTRAL,
                         i < limit ? MAILAUTH_REASON_NONE : MAILAUTH_REASON_DKIM_TOO_MANY);
            assert_int_equal(mailauth_resolver_stats(h.r, &st), MAILAUTH_OK);
            assert_int_equal(st.questions, limit);
            harness_teardown(&h);
        }
    }
}

/* The eval deadline turns pending key lookups into temperror. */
static void
test_dkim_verify_eval_deadline(void **state)
{
    static const uint32_t limits[] = {MAILAUTH_LIMIT_EVAL_TIMEOUT_MS, 100};
    tsig_spec_t           specs[] = {rsa_spec("rsa"), rsa_spec("k1")};
    (void)state;
    for (int async = 0; async < 2; async++) {
        harness_t h;
        dk_setup(&h, async != 0, 0, limits, ARRAY_LEN(limits));
        assert_int_equal(mailauth_resolver_zone_set_delay(h.r, 3000), MAILAUTH_OK);
        run_signed(&h, specs, ARRAY_LEN(specs), true);
        dk_check(h.ev, 0, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_DKIM_DNS_TEMPFAIL);
        dk_check(h.ev, 1, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_DKIM_DNS_TEMPFAIL);
        harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_TEMPERROR, NULL, NULL);
        harness_teardown(&h);
    }
}

/* A slow client: the envelope at t=0, the message long after the eval's
 * deadline. The deadline counts from when the message's questions go out
 * (end of the header section), so the keys and SPF are still looked up. */
static void
test_dkim_verify_eval_slow_client(void **state)
{
    static const uint32_t limits[] = {MAILAUTH_LIMIT_EVAL_TIMEOUT_MS, 1000};
    tsig_spec_t           sp = rsa_spec("rsa");
    char                 *sig = dk_sign(&sp);
    const char *const     sigs[] = {sig};
    dk_msg_t              m = dk_message(sigs, 1, M_NONE);
    harness_t             h;
    (void)state;
    dk_setup(&h, true, 0, limits, ARRAY_LEN(limits));
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "alice@example.com"), MAILAUTH_OK);
    for (int t = 0; t < 5000; t += 10) { /* DATA takes 5 s: SPF done meanwhile */
        h.now += 10;
        assert_int_equal(mailauth_resolver_process_timeouts(h.r), MAILAUTH_OK);
    }
    assert_int_equal(mailauth_eval_message(h.ev, m.p, m.n), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    dk_check(h.ev, 0, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
    harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "example.com", NULL);
    harness_teardown(&h);
    free(sig);
    free(m.p);
}

/* Cancel or free with keys pending and the body half fed: nothing leaks. */
static void
test_dkim_verify_eval_cancel_and_free(void **state)
{
    tsig_spec_t       sp = rsa_spec("rsa");
    char             *sig = dk_sign(&sp);
    const char *const sigs[] = {sig};
    dk_msg_t          m = dk_message(sigs, 1, M_NONE);
    harness_t         h;
    (void)state;
    dk_setup(&h, true, 0, NULL, 0);
    assert_int_equal(mailauth_eval_message(h.ev, m.p, m.n), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(h.ev, harness_done_cb, &h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_cancel(h.ev), MAILAUTH_OK);
    harness_drive(&h, 1000);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.cb_st, MAILAUTH_ECANCELED);
    assert_int_equal(mailauth_eval_dkim_count(h.ev), 0);
    harness_teardown(&h);
    /* freed in the middle of the body, a key answer pending */
    dk_setup(&h, true, 0, NULL, 0);
    assert_int_equal(mailauth_eval_header(h.ev, sig, strlen(sig)), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_headers(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_body(h.ev, "half", 4), MAILAUTH_OK);
    harness_teardown(&h);
    free(m.p);
    free(sig);
}

/* A second message signed with the same key: the key comes from the ctx cache. */
static void
test_dkim_verify_eval_key_cache(void **state)
{
    tsig_spec_t               sp = rsa_spec("rsa");
    harness_t                 h;
    mailauth_resolver_stats_t st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    (void)state;
    dk_setup(&h, false, OPT_DKIM_ONLY, NULL, 0);
    assert_non_null(h.ctx->env.keys); /* every ctx has a key cache */
    run_signed(&h, &sp, 1, false);
    dk_check(h.ev, 0, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
    mailauth_eval_free(h.ev);
    assert_int_equal(mailauth_eval_new(h.ctx, h.r, &h.ev), MAILAUTH_OK);
    run_signed(&h, &sp, 1, false);
    dk_check(h.ev, 0, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
    assert_int_equal(mailauth_resolver_stats(h.r, &st), MAILAUTH_OK);
    assert_int_equal(st.questions, 1);
    harness_teardown(&h);
}

/* Hostile: 900 fields of one name and 8 signatures each naming it ~15,000
 * times in h= (60 KiB fields): the header hashes stay linear (one name table
 * probe per h= name) and every signature gets its verdict. */
static void
test_dkim_verify_eval_hostile_h(void **state)
{
    static const char tail[] = "; bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=; b=dGVzdA==\r\n";
    size_t            cap = (size_t)1 << 20, n = 0;
    char             *msg = malloc(cap);
    harness_t         h;
    (void)state;
    assert_non_null(msg);
    for (int k = 0; k < 8; k++) {
        n += (size_t)snprintf(msg + n, cap - n,
                              "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; "
                              "s=rsa; h=from");
        while (n < (size_t)(k + 1) * 60000)
            n += (size_t)snprintf(msg + n, cap - n, ":x-a");
        n += (size_t)snprintf(msg + n, cap - n, "%s", tail);
    }
    n += (size_t)snprintf(msg + n, cap - n, "From: a@example.com\r\n");
    for (int i = 0; i < 900; i++)
        n += (size_t)snprintf(msg + n, cap - n, "X-A: %d\r\n", i);
    n += (size_t)snprintf(msg + n, cap - n, "\r\n");
    dk_setup(&h, false, OPT_DKIM_ONLY, NULL, 0);
    assert_int_equal(mailauth_eval_message(h.ev, msg, n), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_dkim_count(h.ev), 8);
    for (size_t i = 0; i < 8; i++) {
        mailauth_verdict_t v = mailauth_dkim_result_verdict(mailauth_eval_dkim(h.ev, i));
        assert_true(v == MAILAUTH_VERDICT_FAIL || v == MAILAUTH_VERDICT_PERMERROR);
    }
    harness_teardown(&h);
    free(msg);
}

/* ---- memory ------------------------------------------------------------------------- */

/* Every allocation made for a signed message fails in turn: ENOMEM, no leak, no crash. */
static mailauth_status_t
oom_run(fail_alloc_t *fa, const dk_msg_t *m, bool async)
{
    harness_t         h;
    mailauth_status_t st = dk_setup_al(&h, async, 0, NULL, 0, &fa->al);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_client_ip(h.ev, "192.0.2.1");
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_mail_from(h.ev, "alice@example.com");
    if (st == MAILAUTH_OK)
        st = mailauth_eval_message(h.ev, m->p, m->n);
    if (st == MAILAUTH_OK && !async)
        st = mailauth_eval_finish_sync(h.ev, -1);
    if (st == MAILAUTH_OK && async) {
        st = mailauth_eval_finish(h.ev, harness_done_cb, &h);
        if (st == MAILAUTH_OK) { /* the callback will come */
            harness_drive(&h, 60000);
            assert_int_equal(h.calls, 1);
            st = h.cb_st;
        }
    }
    if (st == MAILAUTH_OK && authres_of(h.ev) == NULL)
        st = MAILAUTH_ENOMEM;
    if (st == MAILAUTH_OK && !fail_alloc_reached(fa)) {
        dk_check(h.ev, 0, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
        dk_check(h.ev, 1, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
    }
    harness_teardown(&h);
    return st;
}

static void
test_dkim_verify_eval_enomem(void **state)
{
    tsig_spec_t specs[] = {rsa_spec("rsa"), spec_for("ed25519.pem", "ed25519-sha256", NULL, "ed")};
    char       *sigs[2] = {dk_sign(&specs[0]), dk_sign(&specs[1])};
    dk_msg_t    m = dk_message((const char *const *)sigs, 2, M_NONE);
    (void)state;
    for (int async = 0; async < 2; async++) {
        for (unsigned long n = 1;; n++) {
            fail_alloc_t      fa;
            mailauth_status_t st;
            fail_alloc_init(&fa, n);
            st = oom_run(&fa, &m, async != 0);
            if (fa.live != 0)
                fail_msg("allocation %lu failed: %ld blocks leaked", n, fa.live);
            if (!fail_alloc_reached(&fa)) {
                assert_int_equal(st, MAILAUTH_OK);
                break;
            }
            if (st != MAILAUTH_ENOMEM && st != MAILAUTH_OK)
                fail_msg("allocation %lu failed: %s", n, mailauth_status_name(st));
        }
    }
    free(sigs[0]);
    free(sigs[1]);
    free(m.p);
}

static int
group_teardown(void **state)
{
    (void)state;
    dk_zone_free();
    return 0;
}

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkim_verify_eval_none),
        cmocka_unit_test(test_dkim_verify_eval_not_evaluated),
        cmocka_unit_test(test_dkim_verify_eval_parallel),
        cmocka_unit_test(test_dkim_verify_eval_asked_at_end_of_headers),
        cmocka_unit_test(test_dkim_verify_eval_shared_body_hash),
        cmocka_unit_test(test_dkim_verify_eval_too_many),
        cmocka_unit_test(test_dkim_verify_eval_deadline),
        cmocka_unit_test(test_dkim_verify_eval_slow_client),
        cmocka_unit_test(test_dkim_verify_eval_cancel_and_free),
        cmocka_unit_test(test_dkim_verify_eval_key_cache),
        cmocka_unit_test(test_dkim_verify_eval_hostile_h),
        cmocka_unit_test(test_dkim_verify_eval_enomem),
    };
    return cmocka_run_group_tests_name("dkim_verify_eval", tests, NULL, group_teardown);
}
