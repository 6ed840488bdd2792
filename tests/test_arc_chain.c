/* ARC chain validation, our own cases (the suites are in test_arc.c):
 *
 *   - the AAR instance reader (RFC 8617 §4.1.1) and the structural checks
 *     of §5.2 steps 1-3 (arc_collect.c), table-driven over synthetic sets;
 *   - chains sealed here: 50 sets, the instance limit, keys missing or
 *     timing out, timestamps in the future, oldest-pass off, a body set
 *     shared with DKIM, the Authentication-Results entry;
 *   - hostile header sections (thousands of ARC fields, huge values);
 *   - an out-of-memory walk over a whole validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arc/arc.h"
#include "msg/msg.h"
#include "support/arc_harness.h"
#include "support/arc_keys.h"
#include "support/fail_alloc.h"
#include "util/arena.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1700000000

/* ---------------------------------------------------------------- AAR instance */

static const struct aar_case {
    const char *value;
    uint32_t    want;
} aar_cases[] = {
    {" i=1; mx.example.org; spf=pass", 1},
    {"i=12;mx", 12},
    {" i = 3 ; mx", 3},
    {"\r\n\ti=4\r\n ;mx", 4},
    {" (comment) i=5 (another; with semicolon) ; mx", 5},
    {" i=007; mx", 7},
    {" i=99999999999999999999; mx", 1025}, /* saturates past any limit */
    {" I=1; mx", 0},                       /* %s"i": lower case only */
    {" i=1 mx;", 0},                       /* no ';' after the instance */
    {" mx.example.org; i=1;", 0},          /* not first */
    {" i=; mx", 0},
    {" i=0; mx", 0},
    {" i=-1; mx", 0},
    {" i=1", 0},
    {"", 0},
    {" (unclosed i=1;", 0},
};

static void
test_arc_chain_aar_instance(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(aar_cases); i++) {
        const struct aar_case *c = &aar_cases[i];
        uint32_t               got = mailauth__arc_aar_instance(c->value, strlen(c->value));
        if (got != c->want)
            fail_msg("\"%s\": got %u, want %u", c->value, (unsigned)got, (unsigned)c->want);
    }
}

/* ---------------------------------------------------------------- structure */

/* Fields from a spec, top to bottom: "S2p" ARC-Seal i=2 cv=pass (n none, f
 * fail, x unknown), "M2" ARC-Message-Signature i=2, "A2" AAR i=2; "S?",
 * "M?", "A?": without a readable instance. */
static void
add_spec_fields(mailauth__hdr_index_t *idx, const char *spec)
{
    char buf[512];
    for (const char *p = spec; *p != '\0';) {
        char        kind = *p++;
        char        inst[16] = "";
        const char *cv = "none";
        size_t      k = 0;
        while (*p >= '0' && *p <= '9' && k + 1 < sizeof(inst))
            inst[k++] = *p++;
        inst[k] = '\0';
        if (*p == '?')
            p++;
        if (kind == 'S' && *p != ' ' && *p != '\0') {
            cv = *p == 'p' ? "pass" : *p == 'f' ? "fail" : *p == 'n' ? "none" : "maybe";
            p++;
        }
        if (kind == 'A')
            snprintf(buf, sizeof(buf), "ARC-Authentication-Results: %s%s%s mx.example; none",
                     k > 0 ? "i=" : "", inst, k > 0 ? ";" : "");
        else if (kind == 'M')
            snprintf(buf, sizeof(buf),
                     "ARC-Message-Signature: %s%s%sa=rsa-sha256; d=example.org; s=s; h=from; "
                     "bh=AAAA; b=AAAA",
                     k > 0 ? "i=" : "", inst, k > 0 ? "; " : "");
        else
            snprintf(buf, sizeof(buf),
                     "ARC-Seal: %s%s%sa=rsa-sha256; cv=%s; d=Sealer%s.Example; "
                     "s=s; b=AAAA",
                     k > 0 ? "i=" : "", inst, k > 0 ? "; " : "", cv, inst);
        assert_int_equal(mailauth__hdr_index_add(idx, buf, strlen(buf)), MAILAUTH_OK);
        while (*p == ' ')
            p++;
    }
}

static const struct struct_case {
    const char        *name, *spec;
    uint32_t           limit;
    mailauth_verdict_t verdict;
    mailauth_reason_t  reason;
    uint32_t           n, failed;
    bool               newest_fail;
} struct_cases[] = {
    {"no ARC field", "", 50, MAILAUTH_VERDICT_NONE, MAILAUTH_REASON_ARC_NO_SETS, 0, 0, false},
    {"one set", "S1n M1 A1", 50, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE, 1, 0, false},
    {"two sets, any order", "A1 S2p M1 A2 S1n M2", 50, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE,
     2, 0, false},
    {"no AS", "M1 A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_STRUCTURE, 1, 1, false},
    {"no AAR", "S1n M1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_STRUCTURE, 1, 1, false},
    {"two AMS", "S1n M1 M1 A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_STRUCTURE, 1, 1,
     false},
    {"gap", "S3p M3 A3 S1n M1 A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_STRUCTURE, 3, 2,
     false},
    {"instance 2 only", "S2p M2 A2", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_STRUCTURE, 2, 1,
     false},
    {"newest cv=fail (step 2)", "S1f M1 A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_CV, 1,
     1, true},
    {"newest cv=fail, i=2", "S2f M2 A2 S1n M1 A1", 50, MAILAUTH_VERDICT_FAIL,
     MAILAUTH_REASON_ARC_CV, 2, 2, true},
    {"newest cv=fail before a gap", "S3f M3 A3", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_CV,
     3, 3, true},
    {"two newest AS, one fail", "S2f S2p M2 A2 S1n M1 A1", 50, MAILAUTH_VERDICT_FAIL,
     MAILAUTH_REASON_ARC_STRUCTURE, 2, 2, false},
    {"older cv=fail", "S2p M2 A2 S1f M1 A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_CV, 2,
     1, false},
    {"i=1 cv=pass", "S1p M1 A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_CV, 1, 1, false},
    {"i=2 cv=none", "S2n M2 A2 S1n M1 A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_CV, 2, 2,
     false},
    {"cv unknown", "S1x M1 A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_SYNTAX, 1, 1, false},
    {"AS without i=", "S? M1 A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_SYNTAX, 1, 0,
     false},
    {"AMS without i=", "S1n M? A1", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_SYNTAX, 1, 0,
     false},
    {"AAR without i=", "S1n M1 A?", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_SYNTAX, 1, 0,
     false},
    {"i=51", "S51p M51 A51", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_TOO_MANY, 51, 0, false},
    {"i=2000", "S2000p", 50, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_ARC_TOO_MANY, 1025, 0, false},
    {"ctx limit 2", "S3p M3 A3 S2p M2 A2 S1n M1 A1", 2, MAILAUTH_VERDICT_FAIL,
     MAILAUTH_REASON_ARC_TOO_MANY, 3, 0, false},
};

static void
test_arc_chain_structure(void **state)
{
    const struct struct_case *c = *state;
    mailauth__arena_t         a;
    mailauth__hdr_index_t     idx;
    mailauth__arc_chain_t     chain;
    mailauth__arena_init(&a, NULL);
    mailauth__hdr_index_init(&idx, &a, 1000, 65536);
    add_spec_fields(&idx, c->spec);
    assert_int_equal(mailauth__arc_collect(&a, &idx, c->limit, &chain), MAILAUTH_OK);
    if (chain.verdict != c->verdict || chain.reason != c->reason)
        fail_msg("%s: got %s/%s (%s)", c->name, arc_word(chain.verdict),
                 mailauth_reason_name(chain.reason), chain.problem ? chain.problem : "");
    assert_int_equal(chain.n, c->n);
    assert_int_equal(chain.failed, c->failed);
    assert_int_equal(chain.newest_cv_fail, c->newest_fail);
    assert_true((chain.problem != NULL) == (c->verdict == MAILAUTH_VERDICT_FAIL));
    if (chain.verdict == MAILAUTH_VERDICT_PASS) /* sealers read lower case */
        assert_string_equal(chain.sets[0].sealer, "sealer1.example");
    mailauth__arena_clear(&a);
}

/* ---------------------------------------------------------------- hostile */

/* Thousands of ARC fields, or one enormous one: bounded work, a verdict. */
static void
test_arc_chain_hostile(void **state)
{
    static const struct {
        const char       *head, *tail; /* the field is head, a number, tail */
        bool              numbered;    /* the number is 1..1000, else always 1 */
        mailauth_reason_t reason;
    } floods[] = {
        {"ARC-Seal: i=", "; cv=pass; a=rsa-sha256; d=x.example; s=s; b=AA", true,
         MAILAUTH_REASON_ARC_TOO_MANY},
        {"ARC-Seal: i=", "; cv=none; a=rsa-sha256; d=x.example; s=s; b=AA", false,
         MAILAUTH_REASON_ARC_STRUCTURE},
        {"ARC-Authentication-Results: i=", "; x", true, MAILAUTH_REASON_ARC_TOO_MANY},
        {"ARC-Message-Signature: i=", "; x=1; y=;;;;", false, MAILAUTH_REASON_ARC_STRUCTURE},
    };
    (void)state;
    for (size_t f = 0; f < ARRAY_LEN(floods); f++) {
        mailauth__arena_t     a;
        mailauth__hdr_index_t idx;
        mailauth__arc_chain_t chain;
        char                  buf[256];
        mailauth__arena_init(&a, NULL);
        mailauth__hdr_index_init(&idx, &a, 2000, 65536);
        for (unsigned i = 1; i <= 1000; i++) {
            snprintf(buf, sizeof(buf), "%s%u%s", floods[f].head, floods[f].numbered ? i : 1,
                     floods[f].tail);
            assert_int_equal(mailauth__hdr_index_add(&idx, buf, strlen(buf)), MAILAUTH_OK);
        }
        assert_int_equal(mailauth__arc_collect(&a, &idx, 50, &chain), MAILAUTH_OK);
        assert_int_equal(chain.verdict, MAILAUTH_VERDICT_FAIL);
        assert_int_equal(chain.reason, floods[f].reason);
        mailauth__arena_clear(&a);
    }
}

/* A 60 KiB seal of tags, and a field of 1000 tags, through the whole validator. */
static void
test_arc_chain_hostile_fields(void **state)
{
    size_t           cap = 70000, at = 0;
    char            *msg = malloc(cap);
    arc_outcome_t    out;
    const arc_opts_t o = {.now_s = NOW, .options = MAILAUTH__ARC_OLDEST_PASS};
    (void)state;
    assert_non_null(msg);
    at += (size_t)snprintf(msg, cap, "ARC-Seal: i=1; cv=none; a=rsa-sha256; d=x.example; s=s");
    while (at + 16 < 60000)
        at += (size_t)snprintf(msg + at, cap - at, "; t%zu=v", at);
    at += (size_t)snprintf(msg + at, cap - at,
                           "; b=AA\r\nARC-Message-Signature: i=1\r\nARC-Authentication-Results: "
                           "i=1; x\r\nFrom: a@example.org\r\n\r\nbody\r\n");
    arc_validate_ok(arc_test_zone(), msg, at, &o, &out);
    assert_int_equal(out.verdict, MAILAUTH_VERDICT_FAIL);
    assert_int_equal(out.reason, MAILAUTH_REASON_ARC_SYNTAX);
    free(msg);
}

/* ---------------------------------------------------------------- sealed chains */

/* Sets 1..n sealed with d=<base> (or hop<i>.example when base is NULL):
 * Ed25519 for hop2, RSA otherwise; selector arc, or s<i> for many.example. */
static char *
chain(size_t n, const char *base, int64_t now)
{
    char *msg = strdup(ARC_BASE_MSG);
    assert_non_null(msg);
    for (size_t i = 1; i <= n; i++) {
        char     domain[64], sel[16];
        unsigned inst = 0;
        char    *next = NULL;
        if (base != NULL)
            snprintf(domain, sizeof(domain), "%s", base);
        else
            snprintf(domain, sizeof(domain), "hop%zu.example", i);
        if (base != NULL && strcmp(base, "many.example") == 0)
            snprintf(sel, sizeof(sel), "s%zu", i);
        else
            snprintf(sel, sizeof(sel), "arc");
        next = arc_test_seal(strstr(domain, "hop2") ? ARC_KEY_ED : ARC_KEY_RSA, domain, sel, msg,
                             i == 1 ? MAILAUTH_VERDICT_NONE : MAILAUTH_VERDICT_PASS, now, &inst);
        assert_int_equal(inst, i);
        free(msg);
        msg = next;
    }
    return msg;
}

static void
test_arc_chain_fifty(void **state)
{
    char           *msg = chain(50, "many.example", NOW);
    arc_outcome_t   out;
    const uint32_t  limit3[] = {MAILAUTH_LIMIT_ARC_INSTANCES, 3};
    arc_opts_t      o = {.now_s = NOW, .options = MAILAUTH__ARC_OLDEST_PASS};
    mailauth_ctx_t *ctx = NULL;
    (void)state;
    arc_validate_ok(arc_test_zone(), msg, strlen(msg), &o, &out);
    if (out.verdict != MAILAUTH_VERDICT_PASS)
        fail_msg("50 sets: %s (%s)", arc_word(out.verdict), out.problem);
    assert_int_equal(out.instances, 50);
    assert_int_equal(out.oldest_pass, 0);
    o.limits = limit3;
    o.nlimits = 2;
    arc_validate_ok(arc_test_zone(), msg, strlen(msg), &o, &out);
    assert_int_equal(out.reason, MAILAUTH_REASON_ARC_TOO_MANY);
    assert_true(out.done_at_start); /* no key was asked for */
    /* RFC 8617 §5.1 step 3: no 51st set. */
    {
        mailauth_key_t        *key = NULL;
        mailauth_arc_sealer_t *s = NULL;
        assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
        key = arc_load_key(ctx, ARC_KEY_RSA);
        assert_int_equal(mailauth_arc_sealer_new(ctx, key, "many.example", "s1", "mx", &s),
                         MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_set_chain(s, MAILAUTH_VERDICT_PASS), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_message(s, msg, strlen(msg)), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_end_message(s), MAILAUTH_ELIMIT);
        mailauth_arc_sealer_free(s);
        mailauth_key_free(key);
        mailauth_ctx_free(ctx);
    }
    free(msg);
}

static const struct key_case {
    const char       *name, *domain;
    int64_t           seal_now, check_now;
    mailauth_reason_t reason;
    const char       *problem;
} key_cases[] = {
    {"key lookup times out", "temp.example", NOW, NOW, MAILAUTH_REASON_ARC_DNS_TEMPFAIL,
     "key lookup failed temporarily"},
    {"no key", "nokey.example", NOW, NOW, MAILAUTH_REASON_ARC_AMS, "no key record"},
    {"sealed in the future", "hop1.example", NOW + 86400, NOW, MAILAUTH_REASON_ARC_AMS,
     "timestamp in the future"},
};

static void
test_arc_chain_keys(void **state)
{
    const struct key_case *c = *state;
    char                  *msg = chain(1, c->domain, c->seal_now);
    arc_outcome_t          out;
    for (int async = 0; async < 2; async++) {
        const arc_opts_t o = {.now_s = c->check_now, .async = async != 0};
        arc_validate_ok(arc_test_zone(), msg, strlen(msg), &o, &out);
        assert_int_equal(out.verdict, MAILAUTH_VERDICT_FAIL);
        assert_int_equal(out.reason, c->reason);
        if (strstr(out.problem, c->problem) == NULL)
            fail_msg("%s: problem \"%s\"", c->name, out.problem);
        assert_int_equal(out.failed, 1);
    }
    free(msg);
}

/* Without MAILAUTH__ARC_OLDEST_PASS no older AMS is checked: -1. The
 * shared body set: the AMS hash (relaxed, SHA-256, no l=) is the one the
 * owner asked for, so the next triple gets id 1. */
static void
test_arc_chain_options(void **state)
{
    char         *msg = chain(3, NULL, NOW);
    arc_outcome_t out;
    arc_opts_t    o = {.now_s = NOW + 60};
    (void)state;
    arc_validate_ok(arc_test_zone(), msg, strlen(msg), &o, &out);
    assert_int_equal(out.verdict, MAILAUTH_VERDICT_PASS);
    assert_int_equal(out.oldest_pass, -1);
    assert_string_equal(out.authres, "mx.example.net; arc=pass smtp.remote-ip=192.0.2.1");
    o.options = MAILAUTH__ARC_OLDEST_PASS;
    o.shared = true;
    arc_validate_ok(arc_test_zone(), msg, strlen(msg), &o, &out);
    assert_int_equal(out.verdict, MAILAUTH_VERDICT_PASS);
    assert_int_equal(out.oldest_pass, 0);
    assert_int_equal(out.next_body_id, 1);
    assert_string_equal(out.authres,
                        "mx.example.net; arc=pass header.oldest-pass=0 smtp.remote-ip=192.0.2.1");
    assert_string_equal(out.sealers[1], "hop2.example");
    msg[strlen(msg) - 3] = 'X'; /* the body */
    arc_validate_ok(arc_test_zone(), msg, strlen(msg), &o, &out);
    assert_int_equal(out.reason, MAILAUTH_REASON_ARC_AMS);
    assert_int_equal(out.failed, 3);
    if (strstr(out.authres, "; arc=fail (ARC-Message-Signature i=3: body hash mismatch)") == NULL)
        fail_msg("authres: %s", out.authres);
    free(msg);
}

/* Every allocation of a whole validation (two sets) fails in turn. */
static void
test_arc_chain_out_of_memory(void **state)
{
    char *msg = chain(2, NULL, NOW);
    (void)state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t      fa;
        arc_outcome_t     out;
        arc_opts_t        o = {.now_s = NOW, .options = MAILAUTH__ARC_OLDEST_PASS};
        mailauth_status_t st;
        fail_alloc_init(&fa, n);
        o.al = &fa.al;
        st = arc_validate(arc_test_zone(), msg, strlen(msg), &o, &out);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            assert_int_equal(out.verdict, MAILAUTH_VERDICT_PASS);
            break;
        }
        if (st != MAILAUTH_ENOMEM && st != MAILAUTH_OK)
            fail_msg("allocation %lu: %s", n, mailauth_status_name(st));
    }
    free(msg);
}

int
main(void)
{
    struct CMUnitTest tests[64];
    size_t            k = 0;
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_chain_aar_instance);
    for (size_t i = 0; i < ARRAY_LEN(struct_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = struct_cases[i].name,
                                         .test_func = test_arc_chain_structure,
                                         .initial_state = (void *)&struct_cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_chain_hostile);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_chain_hostile_fields);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_chain_fifty);
    for (size_t i = 0; i < ARRAY_LEN(key_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = key_cases[i].name,
                                         .test_func = test_arc_chain_keys,
                                         .initial_state = (void *)&key_cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_chain_options);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_chain_out_of_memory);
    return _cmocka_run_group_tests("arc_chain", tests, k, NULL, NULL);
}
