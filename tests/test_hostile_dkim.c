/* hostile_dkim: hostile DKIM input (signature fields, key records, h=
 * lists, bodies) through the public evaluation API must end in its
 * expected status and verdicts, within a peak-memory bound, without a
 * leak. Same shape as test_hostile.c: each row builds its input outside
 * the measurement (signatures made at test time with tests/support/testsig),
 * then runs it with a ctx whose allocator records its peak of live bytes
 * (tests/support/hostile.h); the work is counted, never timed.
 *
 * The 16,384-bit key is tests/data/hostile/rsa16384.spki.b64 (public half
 * only; tests/data/hostile/README.md says how it was made): generating one
 * takes minutes. The signatures that name it are made with a 2048-bit key,
 * so a verification that ran would say `fail`, not `policy`.
 */
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
#include "support/dkim_harness.h"
#include "support/hostile.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ANY_ST ((mailauth_status_t)-1)
#define RR "relaxed/relaxed"

/* What a row runs: a zone, a message, ctx limits, and how the message is fed. */
typedef struct dinput {
    gbuf_t   zone, msg; /* msg: the whole message, or the header section when body_crlfs > 0 */
    uint32_t limits[6]; /* (limit, value) pairs */
    size_t   nlimits;
    size_t   chunk;      /* feed() in pieces of this size; 0: message() */
    uint64_t body_crlfs; /* then a body of this many CRLFs, made while feeding */
} dinput_t;

static void
limit(dinput_t *in, mailauth_limit_t l, uint32_t v)
{
    assert_true(in->nlimits + 2 <= ARRAY_LEN(in->limits));
    in->limits[in->nlimits++] = (uint32_t)l;
    in->limits[in->nlimits++] = v;
}

static tsig_spec_t
spec(const char *s, const char *h)
{
    tsig_spec_t sp = {"rsa2048.pem", "rsa-sha256", RR, "example.com", s, NULL, h, -1, -1, -1};
    return sp;
}

/* The harness zone (keys under example.com, see dkim_harness.h) and SPF. */
static void
base_zone(dinput_t *in)
{
    gprintf(&in->zone, "%s", dk_zone());
}

/* Signature fields on top of the harness test message. */
static void
signed_message(dinput_t *in, const char *const *sigs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gprintf(&in->msg, "%s", sigs[i]);
    gprintf(&in->msg, "%s\r\n%s", dk_headers, dk_body);
}

static void
one_signed(dinput_t *in, tsig_spec_t sp)
{
    char *sig = dk_sign(&sp);
    base_zone(in);
    signed_message(in, (const char *const *)&sig, 1);
    free(sig);
}

/* ---- rows ------------------------------------------------------------------------------------ */

/* 8 real signatures (k1..k8), then 992 copies naming selectors that do
 * not exist: only MAILAUTH_LIMIT_DKIM_SIGNATURES are worked on, so the
 * copies get no key question (they would be permerror no-key). */
static void
b_1000_sigs(dinput_t *in)
{
    char *sigs[8];
    base_zone(in);
    for (int i = 0; i < 8; i++) {
        char sel[8];
        (void)snprintf(sel, sizeof(sel), "k%d", i + 1);
        sigs[i] = dk_sign(&(tsig_spec_t){"rsa2048.pem", "rsa-sha256", RR, "example.com", sel, NULL,
                                         H_STD, -1, -1, -1});
        gprintf(&in->msg, "%s", sigs[i]);
    }
    for (int i = 8; i < 1000; i++) {
        const char *sel = strstr(sigs[i % 8], "; s=k"), *rest;
        assert_non_null(sel);
        rest = strchr(sel + 4, ';');
        assert_non_null(rest);
        gput(&in->msg, sigs[i % 8], (size_t)(sel - sigs[i % 8]) + 4);
        gprintf(&in->msg, "nokey%d%s", i, rest);
    }
    gprintf(&in->msg, "%s\r\n%s", dk_headers, dk_body);
    for (int i = 0; i < 8; i++)
        free(sigs[i]);
    limit(in, MAILAUTH_LIMIT_HEADER_MAX_COUNT, 2000); /* all 1,000 fields are seen */
}

static void
c_1000_sigs(mailauth_eval_t *ev)
{
    for (size_t i = 0; i < 1000; i++) {
        const mailauth_dkim_result_t *r = mailauth_eval_dkim(ev, i);
        if (i < 8) {
            assert_int_equal(mailauth_dkim_result_verdict(r), MAILAUTH_VERDICT_PASS);
            continue;
        }
        assert_int_equal(mailauth_dkim_result_verdict(r), MAILAUTH_VERDICT_NEUTRAL);
        assert_int_equal(mailauth_dkim_result_reason(r), MAILAUTH_REASON_DKIM_TOO_MANY);
    }
}

/* RFC 6376 §3.2: a tag appears twice. Every tag of §3.5, each twice. */
static void
b_dup_tags(dinput_t *in)
{
    static const char *const tags[] = {
        "v=1",
        "a=rsa-sha256",
        "c=relaxed/relaxed",
        "d=example.com",
        "s=rsa",
        "h=from:to:subject",
        "i=@example.com",
        "l=10",
        "q=dns/txt",
        "t=1700000000",
        "x=1800000000",
        "z=From:a@example.com",
        "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "b=dGVzdA==",
    };
    base_zone(in);
    gprintf(&in->msg, "DKIM-Signature:");
    for (size_t i = 0; i < ARRAY_LEN(tags); i++)
        gprintf(&in->msg, " %s; %s;", tags[i], tags[i]);
    gprintf(&in->msg, "\r\n%s\r\n%s", dk_headers, dk_body);
}

/* A signature whose b= is 1 MiB of base64: with the default field limit
 * (64 KiB) the field is refused without a copy and no signature is seen. */
static void
b_huge_b(dinput_t *in)
{
    char  *sig = dk_sign(&(tsig_spec_t){"rsa2048.pem", "rsa-sha256", RR, "example.com", "rsa", NULL,
                                        H_STD, -1, -1, -1});
    char  *b = strstr(sig, "\tb=");
    size_t head;
    assert_non_null(b);
    head = (size_t)(b - sig) + 3;
    base_zone(in);
    gput(&in->msg, sig, head);
    for (size_t i = 0; i < MIB / 64; i++) {
        grepeat(&in->msg, 'A', 63);
        gprintf(&in->msg, "%s", i + 1 < MIB / 64 ? "A\r\n\t" : "A\r\n");
    }
    gprintf(&in->msg, "%s\r\n%s", dk_headers, dk_body);
    free(sig);
}

/* The same with the field limit raised over it: the field is kept and
 * parsed, and the 768 KiB signature is longer than the key's modulus. */
static void
b_huge_b_kept(dinput_t *in)
{
    b_huge_b(in);
    limit(in, MAILAUTH_LIMIT_HEADER_MAX_BYTES, (uint32_t)(2 * MIB));
}

/* The 16,384-bit key as a zone line, TXT strings of 200 octets. */
static void
zone_big_key(dinput_t *in)
{
    size_t len = 0;
    char   path[512];
    char  *b64;
    gbuf_t rec = {0};
    (void)snprintf(path, sizeof(path), "%s/hostile/rsa16384.spki.b64", MAILAUTH_TEST_DATA);
    b64 = tsig_read_file(path, &len);
    assert_non_null(b64);
    while (len > 0 && (b64[len - 1] == '\n' || b64[len - 1] == '\r'))
        len--;
    gprintf(&rec, "v=DKIM1; k=rsa; p=");
    gput(&rec, b64, len);
    gprintf(&in->zone, "big._domainkey.example.com TXT");
    for (size_t i = 0; i < rec.n; i += 200)
        gprintf(&in->zone, " \"%.*s\"", (int)(rec.n - i < 200 ? rec.n - i : 200), rec.p + i);
    gprintf(&in->zone, "\n");
    gfree(&rec);
    free(b64);
}

static void
b_16k_key(dinput_t *in)
{
    one_signed(in, spec("big", H_STD));
    zone_big_key(in);
}

/* Raising the maximum lets the verification run: it fails, which shows
 * the default row's `policy` came before any RSA operation. */
static void
b_16k_key_allowed(dinput_t *in)
{
    b_16k_key(in);
    limit(in, MAILAUTH_LIMIT_RSA_MAX_BITS, 16384);
}

static void
c_16k_key(mailauth_eval_t *ev)
{
    assert_int_equal(mailauth_dkim_result_key_bits(mailauth_eval_dkim(ev, 0)), 16384);
}

/* bad._domainkey.example.com: "v=DKIM1; p=!!not-base64" (dkim_harness). */
static void
b_key_not_b64(dinput_t *in)
{
    one_signed(in, spec("bad", H_STD));
}

/* The same, with p= of 60 KiB (as much as a TXT record holds) that is not
 * base64 either. */
static void
b_key_junk_60k(dinput_t *in)
{
    one_signed(in, spec("junk", H_STD));
    gprintf(&in->zone, "junk._domainkey.example.com TXT \"v=DKIM1; k=rsa; p=\"");
    for (int i = 0; i < 240; i++) {
        gprintf(&in->zone, " \"");
        grepeat(&in->zone, i % 2 ? '*' : 'Q', 255);
        gprintf(&in->zone, "\"");
    }
    gprintf(&in->zone, "\n");
}

/* p= of 60 KiB of base64 (a key past any we take, not junk): still the
 * receiver's bound, not a broken record. */
static void
b_key_b64_60k(dinput_t *in)
{
    one_signed(in, spec("huge", H_STD));
    gprintf(&in->zone, "huge._domainkey.example.com TXT \"v=DKIM1; k=rsa; p=\"");
    for (int i = 0; i < 240; i++) {
        gprintf(&in->zone, " \"");
        grepeat(&in->zone, 'Q', 252);
        gprintf(&in->zone, "\"");
    }
    gprintf(&in->zone, "\n");
}

/* l= far larger than the body (RFC 6376 §3.5 l=: a verifier may treat a
 * signature whose l= exceeds the body as invalid). */
static void
b_l_too_long(dinput_t *in)
{
    tsig_spec_t sp = spec("rsa", H_STD);
    sp.l = 1000000;
    one_signed(in, sp);
}

/* h= naming From 10,000 times (RFC 6376 §5.4.2: instances beyond the
 * field's one contribute nothing): the signer and the verifier agree. */
static void
b_h_10000(dinput_t *in)
{
    gbuf_t h = {0};
    grepeat_str(&h, "from:", 9999);
    gprintf(&h, "from");
    one_signed(in, spec("rsa", h.p));
    gfree(&h);
}

/* RFC 6376 §3.4.4: a body of empty lines canonicalizes (relaxed) to
 * nothing, whose SHA-256 is this. The signature is made over a body of one
 * CRLF, and its bh= is checked against the reference before the 100 MiB
 * body is verified. (Simple canonicalization goes through the same
 * held-back line count; one signature keeps the row within its budget
 * under ASan at -O0, where every body byte costs.) */
#define BH_EMPTY "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

static void
b_body_100m(dinput_t *in)
{
    tsig_spec_t sp = spec("rsa", H_STD);
    char       *sig = tsig_sign(&sp, dk_headers, "\r\n", 2);
    assert_non_null(sig);
    assert_non_null(strstr(sig, "bh=" BH_EMPTY));
    base_zone(in);
    gprintf(&in->msg, "%s%s\r\n", sig, dk_headers);
    free(sig);
    in->body_crlfs = 50 * MIB; /* 100 MiB */
    in->chunk = 65537;         /* odd: half the pieces end between CR and LF */
}

/* ---- the table ------------------------------------------------------------------------------- */

typedef struct dcase {
    const char *name;
    void (*build)(dinput_t *in);
    void (*check)(mailauth_eval_t *ev);
    size_t             count;    /* mailauth_eval_dkim_count() */
    size_t             max_peak; /* bytes live at once through the ctx allocator */
    mailauth_status_t  st;       /* of message() or end_message() */
    mailauth_verdict_t v;        /* verdict of signature 0 (when count > 0) */
    mailauth_reason_t  r;        /* its reason */
} dcase_t;

#define P MAILAUTH_VERDICT_PASS
#define ROW(nm, fn, st_, n, v_, r_, chk, peak)                                                 \
    {                                                                                              \
        .name = (nm), .build = (fn), .st = (st_), .count = (n), .v = (v_), .r = (r_),              \
        .check = (chk), .max_peak = (peak)                                         \
    }

static const dcase_t cases[] = {
    ROW("dkim: 1,000 DKIM-Signature fields", b_1000_sigs, MAILAUTH_OK, 1000, P,
        MAILAUTH_REASON_NONE, c_1000_sigs, 4 * MIB),
    ROW("dkim: every tag duplicated", b_dup_tags, MAILAUTH_OK, 1, MAILAUTH_VERDICT_NEUTRAL,
        MAILAUTH_REASON_DKIM_DUPLICATE_TAG, NULL, 512 * KIB),
    ROW("dkim: b= of 1 MiB (the field is refused: reported, not none)", b_huge_b, MAILAUTH_OK, 1,
        MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_LIMIT_FIELD, NULL, 512 * KIB),
    ROW("dkim: b= of 1 MiB, field limit 2 MiB", b_huge_b_kept, MAILAUTH_OK, 1,
        MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_DKIM_SIGNATURE, NULL, 8 * MIB),
    ROW("dkim: 16,384-bit RSA key", b_16k_key, MAILAUTH_OK, 1, MAILAUTH_VERDICT_POLICY,
        MAILAUTH_REASON_DKIM_KEY_TOO_LARGE, c_16k_key, 512 * KIB),
    ROW("dkim: 16,384-bit RSA key, maximum raised", b_16k_key_allowed, MAILAUTH_OK, 1,
        MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_DKIM_SIGNATURE, c_16k_key, 512 * KIB),
    ROW("dkim: key record not base64", b_key_not_b64, MAILAUTH_OK, 1, MAILAUTH_VERDICT_PERMERROR,
        MAILAUTH_REASON_DKIM_KEY_SYNTAX, NULL, 512 * KIB),
    /* RFC 6376 §6.1.2 step 5: not the defined format, though longer than any key we take. */
    ROW("dkim: key p= of 60 KiB junk", b_key_junk_60k, MAILAUTH_OK, 1, MAILAUTH_VERDICT_PERMERROR,
        MAILAUTH_REASON_DKIM_KEY_SYNTAX, NULL, 1 * MIB),
    ROW("dkim: key p= of 60 KiB base64", b_key_b64_60k, MAILAUTH_OK, 1, MAILAUTH_VERDICT_POLICY,
        MAILAUTH_REASON_DKIM_KEY_TOO_LARGE, NULL, 1 * MIB),
    ROW("dkim: l= larger than the body", b_l_too_long, MAILAUTH_OK, 1, MAILAUTH_VERDICT_FAIL,
        MAILAUTH_REASON_DKIM_BODY_LENGTH, NULL, 512 * KIB),
    ROW("dkim: h= names From 10,000 times", b_h_10000, MAILAUTH_OK, 1, P, MAILAUTH_REASON_NONE,
        NULL, 1 * MIB),
    ROW("dkim: body of 100 MiB of CRLFs, fed in pieces", b_body_100m, MAILAUTH_OK, 1, P,
        MAILAUTH_REASON_NONE, NULL, 512 * KIB),
};

/* ---- running a row --------------------------------------------------------------------------- */

/* feed() the header section, then body_crlfs CRLFs, in pieces of in->chunk. */
static mailauth_status_t
feed_pieces(mailauth_eval_t *ev, const dinput_t *in)
{
    static char pattern[2 * 65600];
    uint64_t    body = in->body_crlfs * 2;
    for (size_t i = 0; i < sizeof(pattern); i += 2) {
        pattern[i] = '\r';
        pattern[i + 1] = '\n';
    }
    assert_true(in->chunk > 0 && in->chunk + 1 < sizeof(pattern));
    for (size_t off = 0; off < in->msg.n; off += in->chunk) {
        size_t k = in->msg.n - off < in->chunk ? in->msg.n - off : in->chunk;
        assert_int_equal(mailauth_eval_feed(ev, in->msg.p + off, k), MAILAUTH_OK);
    }
    for (uint64_t off = 0; off < body; off += in->chunk) {
        size_t k = body - off < in->chunk ? (size_t)(body - off) : in->chunk;
        assert_int_equal(mailauth_eval_feed(ev, pattern + off % 2, k), MAILAUTH_OK);
    }
    return mailauth_eval_end_message(ev);
}

static void
check_results(const dcase_t *c, mailauth_eval_t *ev, mailauth_status_t st)
{
    size_t n = mailauth_eval_dkim_count(ev), need = 0;
    if (getenv("HOSTILE_VERBOSE") != NULL && n > 0)
        print_message(
            "    st %d, %zu signatures, #0 %s %s (%s)\n", (int)st, n,
            mailauth_verdict_name(mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, 0))),
            mailauth_reason_name(mailauth_dkim_result_reason(mailauth_eval_dkim(ev, 0))),
            mailauth_dkim_result_problem(mailauth_eval_dkim(ev, 0)));
    if (c->st != ANY_ST)
        assert_int_equal(st, c->st);
    assert_int_equal(n, c->count);
    if (n > 0) {
        assert_int_equal(mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, 0)), c->v);
        assert_int_equal(mailauth_dkim_result_reason(mailauth_eval_dkim(ev, 0)), c->r);
    }
    for (size_t i = 1; i < n && c->check == NULL; i++)
        assert_int_equal(mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, i)), c->v);
    if (c->check != NULL)
        c->check(ev);
    /* One dkim entry per signature, each of bounded size whatever b= or h= held. */
    assert_int_equal(mailauth_authres_format(authres_of(ev), NULL, 0, &need),
                     MAILAUTH_ENOSPC);
    assert_true(need < 1024 + 256 * n);
}

static void
run(const dcase_t *c, const dinput_t *in, meter_t *m)
{
    mailauth_ctx_t           *ctx = NULL;
    mailauth_resolver_t      *r = NULL;
    mailauth_eval_t          *ev = NULL;
    mailauth_status_t         st;
    mailauth_resolver_stats_t dns = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    assert_int_equal(mailauth_ctx_new(&m->al, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(ctx, "mx.example.net"), MAILAUTH_OK);
    for (size_t i = 0; i + 1 < in->nlimits; i += 2)
        assert_int_equal(
            mailauth_ctx_set_limit(ctx, (mailauth_limit_t)in->limits[i], in->limits[i + 1]),
            MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(ctx, in->zone.p, in->zone.n, NULL, &r),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(ctx, r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(ev, "alice@example.com"), MAILAUTH_OK);
    if (in->chunk > 0)
        st = feed_pieces(ev, in);
    else
        st = mailauth_eval_message(ev, in->msg.p, in->msg.n);
    assert_int_equal(mailauth_eval_finish_sync(ev, 10000), MAILAUTH_OK);
    check_results(c, ev, st);
    /* At most 8 keys (MAILAUTH_LIMIT_DKIM_SIGNATURES), SPF and DMARC: the
     * signatures over the limit are never worked on, not even asked for. */
    assert_int_equal(mailauth_resolver_stats(r, &dns), MAILAUTH_OK);
    if (getenv("HOSTILE_VERBOSE") != NULL)
        print_message("    %llu DNS questions\n", (unsigned long long)dns.questions);
    assert_true(dns.questions <= 8 + 4);
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

static dinput_t row_in; /* the row's input; freed by free_input() even when a row fails */

static int
free_input(void **state)
{
    (void)state;
    gfree(&row_in.zone);
    gfree(&row_in.msg);
    memset(&row_in, 0, sizeof(row_in));
    return 0;
}

static void
test_hostile_dkim_row(void **state)
{
    const dcase_t *c = *state;
    meter_t        m;
    uint64_t       t0, c0, ms;
    c->build(&row_in);
    meter_init(&m);
    t0 = hostile_now_ms();
    c0 = hostile_cpu_ms();
    run(c, &row_in, &m);
    ms = hostile_cpu_ms() - c0;
    if (getenv("HOSTILE_VERBOSE") != NULL)
        print_message("%-48s %5llu ms cpu %5llu ms wall  peak %8zu bytes\n", c->name,
                      (unsigned long long)ms, (unsigned long long)(hostile_now_ms() - t0), m.peak);
    assert_int_equal(m.fa.live, 0); /* nothing leaked through the ctx allocator */
    assert_true(m.peak <= c->max_peak);
}

static int
teardown(void **state)
{
    (void)state;
    dk_zone_free();
    return 0;
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases)];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[i] = (struct CMUnitTest){.name = cases[i].name,
                                       .test_func = test_hostile_dkim_row,
                                       .teardown_func = free_input,
                                       .initial_state = (void *)&cases[i]};
    return cmocka_run_group_tests_name("hostile_dkim", tests, NULL, teardown);
}
