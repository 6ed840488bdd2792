/* dkim_verify: DKIM verdicts through the public API (RFC 6376 §6, RFC 8301,
 * RFC 8463): one signature per case, signed at test time over the message
 * of tests/support/dkim_harness.c and mutated after signing, against the
 * keys its zone publishes; the RFC 6376 and RFC 8463 example messages and
 * the Stalwart mail-auth vectors (real mail: IETF, Facebook, GitHub), read
 * from the shared test data as the conformance group (support/testdata.h);
 * the Authentication-Results entries. Every message runs twice: finish_sync()
 * and async finish() over the zone resolver with a delay. Scheduling,
 * limits and memory are in test_dkim_verify_eval.c. */
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
#include "support/testdata.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define RSA "rsa2048.pem"
#define RR "relaxed/relaxed"

/* key, a=, c=, d=, s=, i=, h=, t=, x=, l= */
#define SIGN(key, a, c, s, i, h, t, x, l)                                                          \
    {                                                                                              \
        key, a, c, "example.com", s, i, h, t, x, l                                                 \
    }
#define RSA_SIG(s) SIGN(RSA, "rsa-sha256", RR, s, NULL, H_STD, NOW_S - 60, -1, -1)

struct dk_case {
    const char        *name;
    tsig_spec_t        spec;
    const char        *raw_sig; /* a field used as is instead of signing */
    enum mutation      mutate;
    unsigned           opts;
    mailauth_verdict_t verdict;
    mailauth_reason_t  reason;
    unsigned           key_bits;
    int64_t            unsigned_bytes; /* -1: not checked */
};

#define PASS MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE
#define FAIL(r) MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_DKIM_##r
#define PERM(r) MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_DKIM_##r
#define POLICY(r) MAILAUTH_VERDICT_POLICY, MAILAUTH_REASON_DKIM_##r
#define NEUTRAL(r) MAILAUTH_VERDICT_NEUTRAL, MAILAUTH_REASON_DKIM_##r

static const struct dk_case dk_cases[] = {
    /* passes */
    {"pass rsa-sha256 relaxed/relaxed", RSA_SIG("rsa"), NULL, M_NONE, 0, PASS, 2048, 0},
    {"pass rsa-sha256 simple/simple",
     SIGN(RSA, "rsa-sha256", NULL, "rsa", NULL, H_STD, NOW_S, -1, -1), NULL, M_NONE, 0, PASS, 2048,
     0},
    {"pass ed25519-sha256",
     SIGN("ed25519.pem", "ed25519-sha256", "relaxed/simple", "ed", NULL, H_STD, -1, -1, -1), NULL,
     M_NONE, 0, PASS, 256, 0},
    {"relaxed header survives refolding", RSA_SIG("rsa"), NULL, M_REFOLD, 0, PASS, 2048, 0},
    {"h= names in any case",
     SIGN(RSA, "rsa-sha256", RR, "rsa", NULL, "FROM:To:sUbJeCt", -1, -1, -1), NULL, M_NONE, 0, PASS,
     2048, 0},
    {"over-signed From, untouched",
     SIGN(RSA, "rsa-sha256", RR, "rsa", NULL, "from:from:subject:subject", -1, -1, -1), NULL,
     M_NONE, 0, PASS, 2048, 0},
    {"h= names the Received field",
     SIGN(RSA, "rsa-sha256", RR, "rsa", NULL, "received:from", -1, -1, -1), NULL, M_NONE, 0, PASS,
     2048, 0},
    {"key in test mode (t=y)", RSA_SIG("testing"), NULL, M_NONE, 0, PASS, 2048, 0},
    {"t=s with i= at d=",
     SIGN(RSA, "rsa-sha256", RR, "strict", "joe@example.com", H_STD, -1, -1, -1), NULL, M_NONE, 0,
     PASS, 2048, 0},
    {"i= in a subdomain of d=",
     SIGN(RSA, "rsa-sha256", RR, "rsa", "@mail.example.com", H_STD, -1, -1, -1), NULL, M_NONE, 0,
     PASS, 2048, 0},
    {"expired within the clock skew",
     SIGN(RSA, "rsa-sha256", RR, "rsa", NULL, H_STD, NOW_S - 1000, NOW_S - 100, -1), NULL, M_NONE,
     0, PASS, 2048, 0},
    {"t= ahead within the clock skew",
     SIGN(RSA, "rsa-sha256", RR, "rsa", NULL, H_STD, NOW_S + 100, -1, -1), NULL, M_NONE, 0, PASS,
     2048, 0},
    {"rsa-sha1 accepted by the flag", SIGN(RSA, "rsa-sha1", RR, "rsa", NULL, H_STD, -1, -1, -1),
     NULL, M_NONE, OPT_SHA1, PASS, 2048, 0},
    /* l= (RFC 6376 §3.5, §8.2) */
    {"l= leaves appended bytes unsigned",
     SIGN(RSA, "rsa-sha256", "relaxed/simple", "rsa", NULL, H_STD, -1, -1, BODY_CANON_LEN), NULL,
     M_BODY_APPEND, 0, PASS, 2048, (int64_t)sizeof(APPENDED) - 1},
    {"l= partial body refused by the flag",
     SIGN(RSA, "rsa-sha256", "relaxed/simple", "rsa", NULL, H_STD, -1, -1, BODY_CANON_LEN), NULL,
     M_BODY_APPEND, OPT_FULL_BODY, POLICY(PARTIAL_BODY), 2048, (int64_t)sizeof(APPENDED) - 1},
    {"l= covering the whole body, flag on",
     SIGN(RSA, "rsa-sha256", "relaxed/simple", "rsa", NULL, H_STD, -1, -1, BODY_CANON_LEN), NULL,
     M_NONE, OPT_FULL_BODY, PASS, 2048, 0},
    {"l= beyond the body",
     SIGN(RSA, "rsa-sha256", "relaxed/simple", "rsa", NULL, H_STD, -1, -1, 100000), NULL, M_NONE, 0,
     FAIL(BODY_LENGTH), 2048, -1},
    /* the message does not match (§6.1.3) */
    {"body tampered", RSA_SIG("rsa"), NULL, M_BODY, 0, FAIL(BODY_HASH), 2048, -1},
    {"header tampered", RSA_SIG("rsa"), NULL, M_HEADER, 0, FAIL(SIGNATURE), 2048, -1},
    {"simple header refolded",
     SIGN(RSA, "rsa-sha256", "simple/relaxed", "rsa", NULL, H_STD, -1, -1, -1), NULL, M_REFOLD, 0,
     FAIL(SIGNATURE), 2048, -1},
    {"over-signed From, From added",
     SIGN(RSA, "rsa-sha256", RR, "rsa", NULL, "from:from:subject:subject", -1, -1, -1), NULL,
     M_ADD_FROM, 0, FAIL(SIGNATURE), 2048, -1},
    {"ed25519 body tampered",
     SIGN("ed25519.pem", "ed25519-sha256", RR, "ed", NULL, H_STD, -1, -1, -1), NULL, M_BODY, 0,
     FAIL(BODY_HASH), 256, -1},
    {"ed25519 header tampered",
     SIGN("ed25519.pem", "ed25519-sha256", RR, "ed", NULL, H_STD, -1, -1, -1), NULL, M_HEADER, 0,
     FAIL(SIGNATURE), 256, -1},
    /* keys (§6.1.2, §3.6.1, RFC 8301 §3.2) */
    {"no key record", RSA_SIG("nokey"), NULL, M_NONE, 0, PERM(NO_KEY), 0, -1},
    {"revoked key", RSA_SIG("revoked"), NULL, M_NONE, 0, PERM(KEY_REVOKED), 0, -1},
    {"key lookup fails temporarily", RSA_SIG("temp"), NULL, M_NONE, 0, MAILAUTH_VERDICT_TEMPERROR,
     MAILAUTH_REASON_DKIM_DNS_TEMPFAIL, 0, -1},
    {"key record malformed", RSA_SIG("bad"), NULL, M_NONE, 0, PERM(KEY_SYNTAX), 0, -1},
    {"key p= with non-zero pad bits",
     SIGN("ed25519.pem", "ed25519-sha256", RR, "padbits", NULL, H_STD, -1, -1, -1), NULL, M_NONE, 0,
     PERM(KEY_SYNTAX), 0, -1},
    {"several key records", RSA_SIG("multi"), NULL, M_NONE, 0, PERM(KEY_MULTIPLE), 0, -1},
    {"t=s with i= in a subdomain",
     SIGN(RSA, "rsa-sha256", RR, "strict", "joe@sub.example.com", H_STD, -1, -1, -1), NULL, M_NONE,
     0, PERM(KEY_STRICT), 2048, -1},
    {"key k= does not match a=", RSA_SIG("kmis"), NULL, M_NONE, 0, PERM(KEY_MISMATCH), 256, -1},
    {"key h= does not allow sha1", SIGN(RSA, "rsa-sha1", RR, "sha256", NULL, H_STD, -1, -1, -1),
     NULL, M_NONE, OPT_SHA1, PERM(KEY_MISMATCH), 2048, -1},
    {"key s= excludes email", RSA_SIG("svc"), NULL, M_NONE, 0, PERM(KEY_SERVICE), 2048, -1},
    {"512-bit key", SIGN("rsa512.pem", "rsa-sha256", RR, "small", NULL, H_STD, -1, -1, -1), NULL,
     M_NONE, 0, POLICY(KEY_TOO_SMALL), 512, -1},
    {"key over the configured maximum", RSA_SIG("rsa"), NULL, M_NONE, OPT_MAX1024,
     POLICY(KEY_TOO_LARGE), 2048, -1},
    /* the signature field (§6.1.1, RFC 8301 §3.1) */
    {"rsa-sha1 refused", SIGN(RSA, "rsa-sha1", RR, "rsa", NULL, H_STD, -1, -1, -1), NULL, M_NONE, 0,
     PERM(SHA1), 0, -1},
    {"expired", SIGN(RSA, "rsa-sha256", RR, "rsa", NULL, H_STD, NOW_S - 1000, NOW_S - 400, -1),
     NULL, M_NONE, 0, PERM(EXPIRED), 0, -1},
    {"timestamp in the future",
     SIGN(RSA, "rsa-sha256", RR, "rsa", NULL, H_STD, NOW_S + 400, -1, -1), NULL, M_NONE, 0,
     PERM(FUTURE), 0, -1},
    {"From not signed", SIGN(RSA, "rsa-sha256", RR, "rsa", NULL, "to:subject", -1, -1, -1), NULL,
     M_NONE, 0, PERM(FROM_NOT_SIGNED), 0, -1},
    {"i= outside d=", SIGN(RSA, "rsa-sha256", RR, "rsa", "joe@example.net", H_STD, -1, -1, -1),
     NULL, M_NONE, 0, PERM(AUID_MISMATCH), 0, -1},
    /* A field that cannot be read or processed is neutral (RFC 8601 §2.7.1);
     * one that reads well but breaks §6.1.1 (the two above) is permerror. */
    {"bh= missing", RSA_SIG("rsa"),
     "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; b=dGVzdA==\r\n", M_NONE, 0,
     NEUTRAL(SYNTAX), 0, -1},
    {"a tag twice", RSA_SIG("rsa"),
     "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; s=rsa; h=from; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=dGVzdA==\r\n",
     M_NONE, 0, NEUTRAL(DUPLICATE_TAG), 0, -1},
    {"unknown version", RSA_SIG("rsa"),
     "DKIM-Signature: v=2; a=rsa-sha256; d=example.com; s=rsa; h=from; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=dGVzdA==\r\n",
     M_NONE, 0, NEUTRAL(VERSION), 0, -1},
    {"unknown query method", RSA_SIG("rsa"),
     "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; q=https/json; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=dGVzdA==\r\n",
     M_NONE, 0, NEUTRAL(QUERY_METHOD), 0, -1},
    {"b= with non-zero pad bits", RSA_SIG("rsa"),
     "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=dGVzdB==\r\n",
     M_NONE, 0, NEUTRAL(SYNTAX), 0, -1},
    {"bh= with non-zero pad bits", RSA_SIG("rsa"),
     "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; "
     "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv9=; b=dGVzdA==\r\n",
     M_NONE, 0, NEUTRAL(SYNTAX), 0, -1},
    {"unknown algorithm", RSA_SIG("rsa"),
     "DKIM-Signature: v=1; a=rsa-md5; d=example.com; s=rsa; h=from; bh=dGVzdA==; b=dGVzdA==\r\n",
     M_NONE, 0, NEUTRAL(ALGORITHM), 0, -1},
};

/* The signature field itself was refused by the parser (§6.1.1): only d= is sure to be read. */
static bool
refused_field(mailauth_reason_t r)
{
    return r == MAILAUTH_REASON_DKIM_SYNTAX || r == MAILAUTH_REASON_DKIM_FROM_NOT_SIGNED ||
           r == MAILAUTH_REASON_DKIM_AUID_MISMATCH || r == MAILAUTH_REASON_DKIM_ALGORITHM ||
           r == MAILAUTH_REASON_DKIM_DUPLICATE_TAG || r == MAILAUTH_REASON_DKIM_VERSION ||
           r == MAILAUTH_REASON_DKIM_QUERY_METHOD;
}

static void
run_case(const struct dk_case *c, bool async)
{
    harness_t                     h;
    char                         *sig = c->raw_sig != NULL ? strdup(c->raw_sig) : dk_sign(&c->spec);
    const char *const             sigs[] = {sig};
    dk_msg_t                      m = dk_message(sigs, 1, c->mutate);
    const mailauth_dkim_result_t *res = NULL;
    dk_setup(&h, async, c->opts, NULL, 0);
    assert_int_equal(mailauth_eval_message(h.ev, m.p, m.n), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_dkim_count(h.ev), 1);
    dk_check(h.ev, 0, c->verdict, c->reason);
    res = mailauth_eval_dkim(h.ev, 0);
    assert_int_equal(mailauth_dkim_result_key_bits(res), c->key_bits);
    if (c->unsigned_bytes >= 0)
        assert_int_equal(mailauth_dkim_result_unsigned_bytes(res), (uint64_t)c->unsigned_bytes);
    if (c->raw_sig == NULL) /* d= and s= are read first, even from a field refused later */
        assert_string_equal(mailauth_dkim_result_domain(res), "example.com");
    if (c->raw_sig == NULL && !refused_field(c->reason)) {
        assert_string_equal(mailauth_dkim_result_selector(res), c->spec.s);
        assert_string_equal(mailauth_dkim_result_algorithm(res), c->spec.a);
        assert_string_equal(mailauth_dkim_result_auid(res),
                            c->spec.i != NULL ? c->spec.i : "@example.com");
        assert_int_equal(mailauth_dkim_result_timestamp(res), c->spec.t >= 0 ? c->spec.t : -1);
        assert_int_equal(mailauth_dkim_result_expiry(res), c->spec.x >= 0 ? c->spec.x : -1);
        assert_int_equal(mailauth_dkim_result_body_length(res), c->spec.l >= 0 ? c->spec.l : -1);
        assert_int_equal(mailauth_dkim_result_testing(res), strcmp(c->spec.s, "testing") == 0);
        assert_non_null(mailauth_dkim_result_signature(res));
    }
    assert_null(mailauth_eval_dkim(h.ev, 1));
    harness_teardown(&h);
    free(m.p);
    free(sig);
}

static void
test_dkim_verify_case_sync(void **state)
{
    run_case(*state, false);
}

static void
test_dkim_verify_case_async(void **state)
{
    run_case(*state, true);
}

/* ---- published examples ----------------------------------------------------------------- */

struct fixture {
    const char        *name, *dir, *zone, *eml;
    size_t             n;
    mailauth_verdict_t v[2];
    mailauth_reason_t  r[2];
    unsigned           bits[2];
    const char        *sel[2];
};
static const struct fixture fixtures[] = {
    {"RFC 6376 A.2 with errata 3192/4926",
     "rfc6376-appendix-a",
     "rfc6376.zone",
     "a2-signed-errata.eml",
     1,
     {MAILAUTH_VERDICT_PASS},
     {MAILAUTH_REASON_NONE},
     {1024},
     {"brisbane"}},
    {"RFC 6376 A.2 as printed",
     "rfc6376-appendix-a",
     "rfc6376.zone",
     "a2-signed-as-printed.eml",
     1,
     {MAILAUTH_VERDICT_FAIL},
     {MAILAUTH_REASON_DKIM_BODY_HASH},
     {1024},
     {"brisbane"}},
    {"RFC 8463 A.3 ed25519 + rsa",
     "rfc8463-appendix-a",
     "rfc8463.zone",
     "a3-signed.eml",
     2,
     {MAILAUTH_VERDICT_PASS, MAILAUTH_VERDICT_PASS},
     {MAILAUTH_REASON_NONE, MAILAUTH_REASON_NONE},
     {256, 1024},
     {"brisbane", "test"}},
};

static char *
testdata(const char *dir, const char *file, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/dkim/%s/%s", MAILAUTH_TESTDATA_DIR, dir, file);
    return tsig_read_file(path, len);
}

static void
run_fixture(const struct fixture *f, bool async)
{
    harness_t h;
    size_t    zlen = 0, mlen = 0;
    char     *zone = testdata(f->dir, f->zone, &zlen), *msg = testdata(f->dir, f->eml, &mlen);
    if (zone == NULL || msg == NULL)
        fail_msg("%s/dkim/%s: %s or %s cannot be read", MAILAUTH_TESTDATA_DIR, f->dir, f->zone,
                 f->eml);
    dk_setup(&h, async, 0, NULL, 0);
    assert_int_equal(mailauth_resolver_zone_add(h.r, zone, zlen, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(h.ev, msg, mlen), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_dkim_count(h.ev), f->n);
    for (size_t i = 0; i < f->n; i++) {
        const mailauth_dkim_result_t *res = mailauth_eval_dkim(h.ev, i);
        dk_check(h.ev, i, f->v[i], f->r[i]);
        assert_int_equal(mailauth_dkim_result_key_bits(res), f->bits[i]);
        assert_string_equal(mailauth_dkim_result_selector(res), f->sel[i]);
    }
    harness_teardown(&h);
    free(zone);
    free(msg);
}

static void
test_dkim_verify_fixture_sync(void **state)
{
    run_fixture(*state, false);
}

static void
test_dkim_verify_fixture_async(void **state)
{
    run_fixture(*state, true);
}

/* Stalwart mail-auth vectors (shared test data): "<owner> <TXT value>" lines,
 * an empty line, the message (LF line ends, fed as they are). Upstream
 * checks them at 1667843664, where every signature passes here too except
 * 004: its t=1667862801 is 5 hours ahead, which upstream does not check and
 * this library refuses beyond MAILAUTH_LIMIT_DKIM_CLOCK_SKEW_S (§6.1.1), so
 * 004 also runs just after its t=. 005 has x=1667930064. 002's key is a
 * bare PKCS#1 RSAPublicKey, which the key decoder accepts (crypto.h). */
struct stalwart {
    const char        *file;
    size_t             nsigs;
    int64_t            now;
    mailauth_verdict_t v;
    mailauth_reason_t  r;
};
#define STALWART_NOW 1667843664
static const struct stalwart stalwart[] = {
    {"001.txt", 2, STALWART_NOW, PASS},
    {"002.txt", 1, STALWART_NOW, PASS},
    {"003.txt", 2, STALWART_NOW, PASS},
    {"004.txt", 1, STALWART_NOW, PERM(FUTURE)},
    {"004.txt", 1, 1667862801 + 60, PASS},
    {"005.txt", 1, STALWART_NOW, PASS},
    {"005.txt", 1, 1667930064 + 301, PERM(EXPIRED)},
    {"006.txt", 1, STALWART_NOW, PASS},
};

/* The record lines as zone text: TXT strings of at most 200 octets, '"' and '\' escaped. */
static char *
stalwart_zone(const char *text, size_t *used)
{
    char       *zone = NULL;
    const char *p = text;
    while (*p != '\0' && *p != '\n') {
        const char *eol = strchr(p, '\n'), *sp = strchr(p, ' ');
        char        line[8192];
        size_t      n = 0, take = 0;
        assert_non_null(eol);
        assert_true(sp != NULL && sp < eol);
        n = (size_t)snprintf(line, sizeof(line), "%.*s TXT \"", (int)(sp - p), p);
        for (const char *c = sp + 1; c < eol && n + 8 < sizeof(line); c++, take++) {
            if (take == 200) {
                n += (size_t)snprintf(line + n, sizeof(line) - n, "\" \"");
                take = 0;
            }
            if (*c == '"' || *c == '\\')
                line[n++] = '\\';
            line[n++] = *c;
        }
        line[n++] = '"';
        line[n] = '\0';
        tsig_zone_add(&zone, line);
        p = eol + 1;
    }
    *used = (size_t)(p - text) + (*p == '\n' ? 1 : 0);
    return zone;
}

static void
run_stalwart(const struct stalwart *c, bool async)
{
    harness_t h;
    size_t    len = 0, used = 0;
    char     *text = testdata("stalwart-mail-auth", c->file, &len), *zone = NULL;
    if (text == NULL)
        fail_msg("%s/dkim/stalwart-mail-auth/%s cannot be read", MAILAUTH_TESTDATA_DIR, c->file);
    zone = stalwart_zone(text, &used);
    dk_wall_s = c->now;
    dk_setup(&h, async, OPT_DKIM_ONLY, NULL, 0);
    assert_int_equal(mailauth_resolver_zone_add(h.r, zone, strlen(zone), NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(h.ev, text + used, len - used), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    dk_wall_s = NOW_S;
    assert_int_equal(mailauth_eval_dkim_count(h.ev), c->nsigs);
    for (size_t i = 0; i < c->nsigs; i++)
        dk_check(h.ev, i, c->v, c->r);
    harness_teardown(&h);
    free(zone);
    free(text);
}

static void
test_dkim_verify_stalwart_sync(void **state)
{
    run_stalwart(*state, false);
}

static void
test_dkim_verify_stalwart_async(void **state)
{
    run_stalwart(*state, true);
}

/* ---- Authentication-Results ---------------------------------------------------------------- */

static const mailauth_resinfo_t *
only_entry(harness_t *h, const char *msg_sig, enum mutation mut)
{
    const char *const         sigs[] = {msg_sig};
    dk_msg_t                  m = dk_message(sigs, msg_sig != NULL ? 1 : 0, mut);
    const mailauth_resinfo_t *ri[4];
    dk_setup(h, false, OPT_DKIM_ONLY, NULL, 0);
    assert_int_equal(mailauth_eval_message(h->ev, m.p, m.n), MAILAUTH_OK);
    assert_int_equal(harness_finish(h), MAILAUTH_OK);
    free(m.p);
    assert_int_equal(mailauth_authres_resinfo_count(authres_of(h->ev)), 1);
    assert_int_equal(dk_ar_entries(h->ev, ri, ARRAY_LEN(ri)), 1);
    return ri[0];
}

/* RFC 8601 §2.7.1 properties, RFC 6008 header.b, a comment saying why. */
static void
test_dkim_verify_authres(void **state)
{
    static const tsig_spec_t spec =
        SIGN(RSA, "rsa-sha256", RR, "rsa", "joe@example.com", H_STD, -1, -1, -1);
    harness_t                 h;
    char                     *sig = dk_sign(&spec), value[1024];
    const mailauth_resinfo_t *ri = only_entry(&h, sig, M_NONE);
    const char               *b = mailauth_dkim_result_signature(mailauth_eval_dkim(h.ev, 0));
    (void)state;
    assert_string_equal(mailauth_resinfo_result(ri), "pass");
    assert_string_equal(mailauth_resinfo_comment(ri), "2048-bit key");
    assert_string_equal(mailauth_resinfo_find_prop(ri, "header", "d"), "example.com");
    assert_string_equal(mailauth_resinfo_find_prop(ri, "header", "i"), "joe@example.com");
    assert_string_equal(mailauth_resinfo_find_prop(ri, "header", "s"), "rsa");
    assert_string_equal(mailauth_resinfo_find_prop(ri, "header", "a"), "rsa-sha256");
    assert_true(strlen(b) > 300); /* 2048 bits, whitespace removed */
    assert_null(strchr(b, ' '));
    assert_memory_equal(mailauth_resinfo_find_prop(ri, "header", "b"), b, 8);
    assert_int_equal(strlen(mailauth_resinfo_find_prop(ri, "header", "b")), 8);
    assert_int_equal(
        mailauth_authres_format_value(authres_of(h.ev), value, sizeof(value), NULL),
        MAILAUTH_OK);
    assert_non_null(strstr(value, "mx.example.net; dkim=pass (2048-bit key) "
                                  "header.d=example.com header.i="));
    harness_teardown(&h);
    /* a failure says what failed */
    ri = only_entry(&h, sig, M_BODY);
    assert_string_equal(mailauth_resinfo_result(ri), "fail");
    assert_string_equal(mailauth_resinfo_comment(ri), "body hash mismatch");
    harness_teardown(&h);
    free(sig);
    /* no signature at all: dkim=none once, no properties */
    ri = only_entry(&h, NULL, M_NONE);
    assert_string_equal(mailauth_resinfo_result(ri), "none");
    assert_int_equal(mailauth_resinfo_prop_count(ri), 0);
    assert_int_equal(mailauth_eval_dkim_count(h.ev), 0);
    assert_null(mailauth_eval_dkim(h.ev, 0));
    harness_teardown(&h);
}

static int
group_teardown(void **state)
{
    (void)state;
    dk_zone_free();
    return 0;
}

int
main(int argc, char **argv)
{
    static char names[ARRAY_LEN(dk_cases) + ARRAY_LEN(fixtures) + ARRAY_LEN(stalwart)][2][96];
    struct CMUnitTest
           tests[2 * (ARRAY_LEN(dk_cases) + ARRAY_LEN(fixtures) + ARRAY_LEN(stalwart)) + 1];
    size_t n = 0;
    bool   conformance = false;
    int    rc = testdata_select(argc, argv, &conformance);
    if (rc >= 0)
        return rc;
    for (size_t i = 0; i < ARRAY_LEN(dk_cases) && !conformance; i++) {
        snprintf(names[i][0], sizeof(names[i][0]), "sync: %s", dk_cases[i].name);
        snprintf(names[i][1], sizeof(names[i][1]), "async: %s", dk_cases[i].name);
        tests[n++] = (struct CMUnitTest){.name = names[i][0],
                                         .test_func = test_dkim_verify_case_sync,
                                         .initial_state = (void *)&dk_cases[i]};
        tests[n++] = (struct CMUnitTest){.name = names[i][1],
                                         .test_func = test_dkim_verify_case_async,
                                         .initial_state = (void *)&dk_cases[i]};
    }
    for (size_t i = 0; i < ARRAY_LEN(fixtures) && conformance; i++) {
        char(*nm)[96] = names[ARRAY_LEN(dk_cases) + i];
        snprintf(nm[0], sizeof(nm[0]), "sync: %s", fixtures[i].name);
        snprintf(nm[1], sizeof(nm[1]), "async: %s", fixtures[i].name);
        tests[n++] = (struct CMUnitTest){.name = nm[0],
                                         .test_func = test_dkim_verify_fixture_sync,
                                         .initial_state = (void *)&fixtures[i]};
        tests[n++] = (struct CMUnitTest){.name = nm[1],
                                         .test_func = test_dkim_verify_fixture_async,
                                         .initial_state = (void *)&fixtures[i]};
    }
    for (size_t i = 0; i < ARRAY_LEN(stalwart) && conformance; i++) {
        char(*nm)[96] = names[ARRAY_LEN(dk_cases) + ARRAY_LEN(fixtures) + i];
        snprintf(nm[0], sizeof(nm[0]), "sync: Stalwart %s at %lld", stalwart[i].file,
                 (long long)stalwart[i].now);
        snprintf(nm[1], sizeof(nm[1]), "async: Stalwart %s at %lld", stalwart[i].file,
                 (long long)stalwart[i].now);
        tests[n++] = (struct CMUnitTest){.name = nm[0],
                                         .test_func = test_dkim_verify_stalwart_sync,
                                         .initial_state = (void *)&stalwart[i]};
        tests[n++] = (struct CMUnitTest){.name = nm[1],
                                         .test_func = test_dkim_verify_stalwart_async,
                                         .initial_state = (void *)&stalwart[i]};
    }
    if (!conformance)
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_dkim_verify_authres);
    return _cmocka_run_group_tests(conformance ? "dkim_verify_conformance" : "dkim_verify", tests,
                                   n, NULL, group_teardown);
}
