/* enomem: out-of-memory walks over the public API. For every N, the Nth
 * allocation through the ctx allocator fails (tests/support/fail_alloc);
 * each run must either return MAILAUTH_ENOMEM from some call or complete,
 * must leak nothing, and when it completes its results must be the ones
 * of a run without failures (an allocation failure that was absorbed may
 * not change a verdict or a signature). N grows until a run completes
 * without reaching its failure.
 *
 * Walks: a full evaluation (SPF with include/a/mx, two DKIM signatures,
 * RSA and Ed25519, and the DMARC record and ARC set those methods read
 * when they run) over the zone driver, blocking with the whole message and
 * asynchronously with the raw bytes fed in pieces; DKIM signing
 * (mailauth_dkim_signer_*) with an RSA and an Ed25519 key, end_message()
 * retried after ENOMEM as sign.h allows; ARC sealing
 * (mailauth_arc_sealer_*) with the chain status given and with the
 * sealer's own validation over a resolver. The blocking evaluation is
 * walked again in RFC 9989 mode (DMARC tree walks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/authres_of.h"
#include "support/arc_keys.h"
#include "support/dkim_harness.h"
#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define WALK_MAX 20000ul /* a walk longer than this is a runaway */

static uint64_t
clock_fn(void *ud, mailauth_clock_kind_t kind)
{
    const harness_t *h = ud;
    struct timespec  ts;
    if (kind == MAILAUTH_CLOCK_WALL)
        return (uint64_t)NOW_S * 1000u;
    if (h->async)
        return h->now;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Fail if a walk step gave anything but OK or ENOMEM. */
static void
expect_ok_or_enomem(mailauth_status_t st, const char *what, unsigned long n)
{
    if (st != MAILAUTH_OK && st != MAILAUTH_ENOMEM)
        fail_msg("allocation %lu failed: %s returned %s", n, what, mailauth_status_name(st));
}

/* ---- the evaluation -------------------------------------------------------------------------- */

static struct {
    char  *zone;
    char  *msg;
    size_t len;
} ev_in;

/* The first line of `text` that starts with `prefix` (asserted), appended to *zone. */
static void
copy_line(char **zone, const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    char        line[4096];
    size_t      n;
    assert_non_null(p);
    n = strcspn(p, "\n");
    assert_true(n < sizeof(line));
    memcpy(line, p, n);
    line[n] = '\0';
    tsig_zone_add(zone, line);
}

static void
eval_input(void)
{
    static const char *const lines[] = {
        "spf.example.com TXT \"v=spf1 a:mx.example.com mx include:inc.example.com -all\"",
        "spf.example.com MX 10 mx.example.com",
        "mx.example.com A 192.0.2.9",
        "inc.example.com TXT \"v=spf1 ip4:192.0.2.0/28 -all\"",
        "_dmarc.example.com TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"",
    };
    tsig_spec_t rsa = {"rsa2048.pem",
                       "rsa-sha256",
                       "relaxed/relaxed",
                       "example.com",
                       "rsa",
                       NULL,
                       H_STD,
                       NOW_S,
                       -1,
                       -1};
    tsig_spec_t ed = {
        "ed25519.pem", "ed25519-sha256", NULL, "example.com", "ed", NULL, H_STD, NOW_S, -1, -1};
    char    *sigs[2];
    dk_msg_t m;
    unsigned inst = 0;
    if (ev_in.zone != NULL)
        return;
    sigs[0] = dk_sign(&rsa);
    sigs[1] = dk_sign(&ed);
    m = dk_message((const char *const *)sigs, 2, M_NONE);
    ev_in.zone = strdup(dk_zone());
    assert_non_null(ev_in.zone);
    for (size_t i = 0; i < ARRAY_LEN(lines); i++)
        tsig_zone_add(&ev_in.zone, lines[i]);
    copy_line(&ev_in.zone, arc_test_zone(), "arc._domainkey.hop1.example ");
    ev_in.msg =
        arc_test_seal(ARC_KEY_RSA, "hop1.example", "arc", m.p, MAILAUTH_VERDICT_NONE, NOW_S, &inst);
    ev_in.len = strlen(ev_in.msg);
    assert_int_equal(inst, 1);
    free(sigs[0]);
    free(sigs[1]);
    free(m.p);
}

static mailauth_status_t
eval_setup(harness_t *h, bool async, mailauth_dmarc_mode_t mode, const mailauth_allocator_t *al)
{
    mailauth_status_t st;
    memset(h, 0, sizeof(*h));
    h->async = async;
    h->now = 1000000;
    st = mailauth_ctx_new(al, &h->ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(h->ctx, "mx.example.net");
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_clock(h->ctx, clock_fn, h);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_dmarc_mode(h->ctx, mode);
    if (st == MAILAUTH_OK)
        st = mailauth_resolver_new_zone(h->ctx, ev_in.zone, strlen(ev_in.zone), NULL, &h->r);
    if (st == MAILAUTH_OK && async)
        st = mailauth_resolver_zone_set_delay(h->r, ASYNC_DELAY);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_new(h->ctx, h->r, &h->ev);
    return st;
}

/* The raw message in pieces of 97 bytes (fields and CRLFs cut anywhere). */
static mailauth_status_t
eval_feed(harness_t *h)
{
    mailauth_status_t st = MAILAUTH_OK;
    for (size_t off = 0; off < ev_in.len && st == MAILAUTH_OK; off += 97)
        st =
            mailauth_eval_feed(h->ev, ev_in.msg + off, ev_in.len - off < 97 ? ev_in.len - off : 97);
    return st == MAILAUTH_OK ? mailauth_eval_end_message(h->ev) : st;
}

static mailauth_status_t
eval_finish(harness_t *h)
{
    mailauth_status_t st;
    if (!h->async)
        return mailauth_eval_finish_sync(h->ev, -1);
    st = mailauth_eval_finish(h->ev, harness_done_cb, h);
    if (st != MAILAUTH_OK)
        return st; /* no callback will come */
    harness_drive(h, 60000);
    assert_int_equal(h->calls, 1);
    return h->cb_st;
}

/* The verdicts of a completed run: those of a run without failures, or a
 * temporary error. The resolver reads an answer it cannot copy as TEMPFAIL
 * (lib/dns/dns_int.h, mailauth__dns_complete()), so a failed allocation
 * there gives temperror; it may never give a definite wrong verdict. */
static bool strict; /* the run reached no failure: only the expected verdicts */

static void
want_verdict(const char *what, mailauth_verdict_t got, mailauth_verdict_t want, unsigned long n)
{
    if (got != want && (strict || got != MAILAUTH_VERDICT_TEMPERROR))
        fail_msg("allocation %lu: %s %s, want %s", n, what, mailauth_verdict_name(got),
                 mailauth_verdict_name(want));
}

static void
eval_check(mailauth_eval_t *ev, unsigned long n)
{
    const mailauth_spf_result_t   *spf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    const mailauth_dmarc_result_t *dmarc = mailauth_eval_dmarc(ev);
    const mailauth_arc_result_t   *arc = mailauth_eval_arc(ev);
    assert_non_null(spf);
    want_verdict("spf", mailauth_spf_result_verdict(spf), MAILAUTH_VERDICT_PASS, n);
    assert_int_equal(mailauth_eval_dkim_count(ev), 2);
    for (size_t i = 0; i < 2; i++)
        want_verdict("dkim", mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, i)),
                     MAILAUTH_VERDICT_PASS, n);
    assert_non_null(dmarc);
    want_verdict("dmarc", mailauth_dmarc_result_verdict(dmarc), MAILAUTH_VERDICT_PASS, n);
    assert_non_null(arc);
    /* RFC 8617 has no temporary result: a key not fetched is fail with this reason. */
    if (mailauth_arc_result_verdict(arc) != MAILAUTH_VERDICT_PASS &&
        (strict || mailauth_arc_result_reason(arc) != MAILAUTH_REASON_ARC_DNS_TEMPFAIL))
        fail_msg("allocation %lu: arc %s (%s)", n,
                 mailauth_verdict_name(mailauth_arc_result_verdict(arc)),
                 mailauth_reason_name(mailauth_arc_result_reason(arc)));
}

static mailauth_status_t
eval_run(fail_alloc_t *fa, bool async, mailauth_dmarc_mode_t mode, unsigned long n)
{
    harness_t         h;
    mailauth_status_t st = eval_setup(&h, async, mode, &fa->al);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_client_ip(h.ev, "192.0.2.1");
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_helo(h.ev, "mail.example.com");
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_mail_from(h.ev, "bounce@spf.example.com");
    expect_ok_or_enomem(st, "setup", n);
    if (st == MAILAUTH_OK) {
        st = async ? eval_feed(&h) : mailauth_eval_message(h.ev, ev_in.msg, ev_in.len);
        expect_ok_or_enomem(st, "feeding", n);
    }
    if (st == MAILAUTH_OK) {
        st = eval_finish(&h);
        expect_ok_or_enomem(st, "finish", n);
    }
    if (st == MAILAUTH_OK && authres_of(h.ev) == NULL)
        st = MAILAUTH_ENOMEM; /* eval.h: NULL when building them ran out of memory */
    strict = !fail_alloc_reached(fa);
    if (st == MAILAUTH_OK)
        eval_check(h.ev, n);
    harness_teardown(&h);
    return st;
}

static void
walk_eval(bool async, mailauth_dmarc_mode_t mode)
{
    unsigned long n;
    eval_input();
    for (n = 1; n < WALK_MAX; n++) {
        fail_alloc_t      fa;
        mailauth_status_t st;
        fail_alloc_init(&fa, n);
        st = eval_run(&fa, async, mode, n);
        if (fa.live != 0)
            fail_msg("allocation %lu failed: %ld blocks leaked", n, fa.live);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
    }
    if (getenv("ENOMEM_VERBOSE") != NULL)
        print_message("eval %s, DMARC %s: %lu allocations\n", async ? "async" : "blocking",
                      mailauth_dmarc_mode_name(mode), n - 1);
    assert_true(n < WALK_MAX);
}

static void
test_enomem_eval_blocking(void **state)
{
    (void)state;
    walk_eval(false, MAILAUTH_DMARC_RFC7489);
}

static void
test_enomem_eval_async(void **state)
{
    (void)state;
    walk_eval(true, MAILAUTH_DMARC_RFC7489);
}

/* RFC 9989 mode: tree walks for the author and the aligned identifiers. */
static void
test_enomem_eval_treewalk(void **state)
{
    (void)state;
    walk_eval(false, MAILAUTH_DMARC_RFC9989);
}

/* ---- DKIM signing ---------------------------------------------------------------------------- */

/* What a signer or sealer run produced: its status and output text. */
typedef struct product {
    mailauth_status_t st;
    char              text[8192];
} product_t;

static mailauth_status_t
load_key(mailauth_ctx_t *ctx, const char *name, mailauth_key_t **key)
{
    const char *pem = tsig_key(name);
    return mailauth_key_load_pem(ctx, pem, strlen(pem), key);
}

static mailauth_status_t
ctx_for(const mailauth_allocator_t *al, harness_t *h)
{
    mailauth_status_t st;
    memset(h, 0, sizeof(*h));
    st = mailauth_ctx_new(al, &h->ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_clock(h->ctx, clock_fn, h);
    return st;
}

static mailauth_status_t
sign_steps(mailauth_dkim_signer_t *s, const char *msg, size_t len, unsigned long n)
{
    mailauth_status_t st = mailauth_dkim_signer_set_headers(s, "from:to:subject:date:from");
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_set_auid(s, "alice@example.com");
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_set_expiry(s, 86400);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_message(s, msg, len);
    expect_ok_or_enomem(st, "signer setup", n);
    if (st == MAILAUTH_OK) {
        st = mailauth_dkim_signer_end_message(s);
        expect_ok_or_enomem(st, "end_message", n);
        if (st == MAILAUTH_ENOMEM) /* sign.h: after ENOMEM it may be called again */
            st = mailauth_dkim_signer_end_message(s);
        expect_ok_or_enomem(st, "end_message again", n);
    }
    return st;
}

static void
sign_run(const mailauth_allocator_t *al, const char *keyname, unsigned long n, product_t *out)
{
    harness_t               h;
    mailauth_key_t         *key = NULL;
    mailauth_dkim_signer_t *s = NULL;
    dk_msg_t                m = dk_message(NULL, 0, M_NONE);
    mailauth_status_t       st = ctx_for(al, &h);
    if (st == MAILAUTH_OK)
        st = load_key(h.ctx, keyname, &key);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_new(h.ctx, key, "example.com", "sel", &s);
    expect_ok_or_enomem(st, "key and signer", n);
    if (st == MAILAUTH_OK)
        st = sign_steps(s, m.p, m.n, n);
    if (st == MAILAUTH_OK)
        assert_int_equal(mailauth_dkim_signer_format(s, out->text, sizeof(out->text), NULL),
                         MAILAUTH_OK);
    out->st = st;
    mailauth_dkim_signer_free(s);
    mailauth_key_free(key);
    mailauth_ctx_free(h.ctx);
    free(m.p);
}

typedef void (*runner_fn)(const mailauth_allocator_t *al, const char *arg, unsigned long n,
                          product_t *out);

/* The walk: every completed run gives the product of the run without failures. */
static void
walk(runner_fn run, const char *arg, const char *what)
{
    product_t    *want = calloc(1, sizeof(*want)), *got = calloc(1, sizeof(*got));
    fail_alloc_t  fa;
    unsigned long n;
    assert_non_null(want);
    assert_non_null(got);
    fail_alloc_init(&fa, 0);
    run(&fa.al, arg, 0, want);
    assert_int_equal(want->st, MAILAUTH_OK);
    assert_int_equal(fa.live, 0);
    for (n = 1; n < WALK_MAX; n++) {
        fail_alloc_init(&fa, n);
        memset(got, 0, sizeof(*got));
        run(&fa.al, arg, n, got);
        if (fa.live != 0)
            fail_msg("%s: allocation %lu failed: %ld blocks leaked", what, n, fa.live);
        if (got->st == MAILAUTH_OK && strcmp(got->text, want->text) != 0)
            fail_msg("%s: allocation %lu failed: output differs:\n%s\n%s", what, n, got->text,
                     want->text);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(got->st, MAILAUTH_OK);
            break;
        }
    }
    if (getenv("ENOMEM_VERBOSE") != NULL)
        print_message("%s: %lu allocations\n", what, n - 1);
    assert_true(n < WALK_MAX);
    free(want);
    free(got);
}

static void
test_enomem_dkim_sign(void **state)
{
    (void)state;
    walk(sign_run, "rsa2048.pem", "dkim signer, RSA");
    walk(sign_run, "ed25519.pem", "dkim signer, Ed25519");
}

/* ---- ARC sealing ----------------------------------------------------------------------------- */

static struct {
    char *zone; /* hop1's key */
    char *msg;  /* one set by hop1, and this host's A-R */
} seal_in;

static void
seal_input(void)
{
    unsigned inst = 0;
    char    *chain;
    if (seal_in.msg != NULL)
        return;
    copy_line(&seal_in.zone, arc_test_zone(), "arc._domainkey.hop1.example ");
    chain = arc_test_seal(ARC_KEY_RSA, "hop1.example", "arc", ARC_BASE_MSG, MAILAUTH_VERDICT_NONE,
                          NOW_S, &inst);
    seal_in.msg = malloc(strlen(chain) + 128);
    assert_non_null(seal_in.msg);
    (void)sprintf(seal_in.msg,
                  "Authentication-Results: mx.hop2.example; spf=pass "
                  "smtp.mailfrom=a@example.com\r\n%s",
                  chain);
    free(chain);
}

static mailauth_status_t
seal_steps(harness_t *h, mailauth_arc_sealer_t *s, bool own, unsigned long n)
{
    mailauth_status_t st = MAILAUTH_OK;
    unsigned          turns = 0;
    if (own)
        st = mailauth_arc_sealer_set_resolver(s, h->r);
    else
        st = mailauth_arc_sealer_set_chain(s, MAILAUTH_VERDICT_PASS);
    if (st == MAILAUTH_OK)
        st = mailauth_arc_sealer_message(s, seal_in.msg, strlen(seal_in.msg));
    expect_ok_or_enomem(st, "sealer setup", n);
    if (st != MAILAUTH_OK)
        return st;
    /* sign.h: end_message() may be called again after EAGAIN or ENOMEM. */
    for (int tries = 0; tries < 2; tries++) {
        while ((st = mailauth_arc_sealer_end_message(s)) == MAILAUTH_EAGAIN && turns++ < 1000)
            assert_int_equal(mailauth_resolver_run_once(h->r, 10), MAILAUTH_OK);
        /* A key answer the resolver could not copy reads as TEMPFAIL, and
         * the sealer then refuses to guess: EDNS, documented for that. */
        if (own && st == MAILAUTH_EDNS)
            st = MAILAUTH_ENOMEM;
        expect_ok_or_enomem(st, "end_message", n);
        if (st != MAILAUTH_ENOMEM)
            break;
    }
    return st;
}

static void
seal_run(const mailauth_allocator_t *al, const char *mode, unsigned long n, product_t *out)
{
    harness_t              h;
    mailauth_key_t        *key = NULL;
    mailauth_arc_sealer_t *s = NULL;
    bool                   own = strcmp(mode, "own") == 0;
    mailauth_status_t      st = ctx_for(al, &h);
    if (st == MAILAUTH_OK && own)
        st = mailauth_resolver_new_zone(h.ctx, seal_in.zone, strlen(seal_in.zone), NULL, &h.r);
    if (st == MAILAUTH_OK)
        st = arc_try_load_key(h.ctx, ARC_KEY_ED, &key);
    if (st == MAILAUTH_OK)
        st = mailauth_arc_sealer_new(h.ctx, key, "hop2.example", "arc", "mx.hop2.example", &s);
    expect_ok_or_enomem(st, "key and sealer", n);
    if (st == MAILAUTH_OK)
        st = seal_steps(&h, s, own, n);
    if (st == MAILAUTH_OK) {
        assert_int_equal(mailauth_arc_sealer_instance(s), 2);
        assert_int_equal(mailauth_arc_sealer_chain(s), MAILAUTH_VERDICT_PASS);
        assert_int_equal(mailauth_arc_sealer_format(s, out->text, sizeof(out->text), NULL),
                         MAILAUTH_OK);
    }
    out->st = st;
    mailauth_arc_sealer_free(s);
    mailauth_key_free(key);
    mailauth_resolver_free(h.r);
    mailauth_ctx_free(h.ctx);
}

static void
test_enomem_arc_seal(void **state)
{
    (void)state;
    seal_input();
    walk(seal_run, "given", "arc sealer, chain status given");
    walk(seal_run, "own", "arc sealer, own validation");
}

static int
teardown(void **state)
{
    (void)state;
    free(ev_in.zone);
    free(ev_in.msg);
    free(seal_in.zone);
    free(seal_in.msg);
    dk_zone_free();
    return 0;
}

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enomem_eval_blocking), cmocka_unit_test(test_enomem_eval_async),
        cmocka_unit_test(test_enomem_eval_treewalk), cmocka_unit_test(test_enomem_dkim_sign),
        cmocka_unit_test(test_enomem_arc_seal),
    };
    return cmocka_run_group_tests_name("enomem", tests, NULL, teardown);
}
