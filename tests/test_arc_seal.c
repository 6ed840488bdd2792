/* ARC sealing (include/mailauth/sign.h, lib/arc/arc_seal*.c):
 *
 *   - the ValiMail signing suite (17 tests, read in place, converted by
 *     tests/tools/arcsuite2case.py): our AAR, AMS and AS compared with the
 *     expected ones under the suite's convention (each field a set of
 *     ';'-separated parts, whitespace removed), b= included: the sealer
 *     writes the suite's layout (mailauth__arc_sealer_suite_format) and
 *     RSA PKCS#1 v1.5 is deterministic, so equal b= means equal signed
 *     bytes; the conformance group (support/testdata.h);
 *   - chains of 1-3 hops sealed here (RSA and Ed25519, default layout)
 *     validated by our validator, blocking and async; tampering after a
 *     seal fails the chain; a failed chain sealed cv=fail covers only its
 *     own set (RFC 8617 §5.1.2);
 *   - the chain status sources (caller, own validation over a resolver,
 *     this host's Authentication-Results) and the API contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "arc/arc.h"
#include "arc/arc_seal.h"
#include "support/arc_harness.h"
#include "support/arc_keys.h"
#include "support/arc_suite.h"
#include "support/testdata.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CASE_FILE MAILAUTH_BUILD_DIR "/tests/arc_suite/arc.case"
#define SIGNING_TESTS 17
#define NOW 1700000000

typedef struct hop {
    const char        *key;    /* file under tests/data/keys */
    const char        *domain; /* d= and the authserv-id's domain */
    mailauth_verdict_t cv;     /* given with set_chain() */
} hop_t;

static uint64_t
wall_clock(void *ud, mailauth_clock_kind_t kind)
{
    const int64_t *now = ud;
    return kind == MAILAUTH_CLOCK_WALL ? (uint64_t)*now * 1000u : 1000000u;
}

static char *
seal_once(const char *keyfile, const char *domain, const char *id, const char *msg, int cv,
          int64_t *now, unsigned *instance)
{
    (void)id; /* "mx." domain */
    return arc_test_seal(keyfile, domain, "arc", msg, cv, *now, instance);
}

/* ---------------------------------------------------------------- signing suite */

/* The upstream runner's comparison: the ';'-separated parts of a value,
 * all whitespace removed, compared as sets. */
static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t
parts(const char *value, char *buf, size_t cap, char **v, size_t vcap)
{
    size_t n = 0, k = 0;
    for (const char *p = value; *p != '\0' && k + 1 < cap; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            buf[k++] = *p;
    }
    buf[k] = '\0';
    for (char *tok = strtok(buf, ";"); tok != NULL && n < vcap; tok = strtok(NULL, ";"))
        v[n++] = tok;
    qsort(v, n, sizeof(*v), cmp_str);
    return n;
}

static void
same_parts(const char *name, const char *what, const char *got, const char *want)
{
    static char gb[8192], wb[8192];
    char       *gv[64] = {NULL}, *wv[64] = {NULL};
    size_t      gn = parts(got, gb, sizeof(gb), gv, 64), wn = parts(want, wb, sizeof(wb), wv, 64);
    bool        same = gn == wn;
    for (size_t i = 0; same && i < gn; i++)
        same = strcmp(gv[i], wv[i]) == 0;
    if (!same)
        fail_msg("%s: %s differs\n got:  %s\n want: %s", name, what, got, want);
}

/* The value of our field ("Name: value"). */
static const char *
field_value(const mailauth_arc_sealer_t *s, mailauth_arc_field_t which, char *buf, size_t cap)
{
    size_t      need = 0;
    const char *colon = NULL;
    assert_int_equal(mailauth_arc_sealer_format_field(s, which, buf, cap, &need), MAILAUTH_OK);
    colon = strchr(buf, ':');
    return colon != NULL ? colon + 1 : buf;
}

static void
test_arc_seal_suite(void **state)
{
    const arc_case_t      *c = *state;
    int64_t                now = strtoll(arc_case_get(c, "t", NULL), NULL, 10);
    size_t                 klen = 0, mlen = 0;
    const char            *pem = arc_case_get(c, "privatekey", &klen);
    const char            *msg = arc_case_get(c, "message", &mlen);
    const char            *want_as = arc_case_get(c, "AS", NULL);
    mailauth_ctx_t        *ctx = NULL;
    mailauth_key_t        *key = NULL;
    mailauth_arc_sealer_t *s = NULL;
    static char            buf[8192];
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_clock(ctx, wall_clock, &now), MAILAUTH_OK);
    assert_int_equal(mailauth_key_load_pem(ctx, pem, klen, &key), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_new(ctx, key, arc_case_get(c, "domain", NULL),
                                             arc_case_get(c, "selector", NULL),
                                             arc_case_get(c, "srv-id", NULL), &s),
                     MAILAUTH_OK);
    mailauth__arc_sealer_suite_format(s, true);
    assert_int_equal(mailauth_arc_sealer_set_headers(s, arc_case_get(c, "sig-headers", NULL)),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_message(s, msg, mlen), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_end_message(s), MAILAUTH_OK);
    if (want_as[0] == '\0') { /* §5.1 step 2: no set after a cv=fail seal */
        assert_int_equal(mailauth_arc_sealer_instance(s), 0);
        assert_int_equal(mailauth_arc_sealer_format(s, buf, sizeof(buf), NULL), MAILAUTH_OK);
        assert_string_equal(buf, "");
    } else {
        same_parts(c->name, "AAR", field_value(s, MAILAUTH_ARC_FIELD_AAR, buf, sizeof(buf)),
                   arc_case_get(c, "AAR", NULL));
        same_parts(c->name, "AMS", field_value(s, MAILAUTH_ARC_FIELD_AMS, buf, sizeof(buf)),
                   arc_case_get(c, "AMS", NULL));
        same_parts(c->name, "AS", field_value(s, MAILAUTH_ARC_FIELD_AS, buf, sizeof(buf)), want_as);
    }
    mailauth_arc_sealer_free(s);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
}

/* ---------------------------------------------------------------- round trips */

static const hop_t hops[] = {
    {"rsa2048.pkcs8.pem", "hop1.example", MAILAUTH_VERDICT_NONE},
    {"ed25519.pkcs8.pem", "hop2.example", MAILAUTH_VERDICT_PASS},
    {"rsa2048.pkcs8.pem", "hop3.example", MAILAUTH_VERDICT_PASS},
};

/* Seal BASE_MSG through the first n hops, each giving the status it found. */
static char *
chain_of(size_t n)
{
    char   *msg = strdup(ARC_BASE_MSG);
    int64_t now = NOW;
    assert_non_null(msg);
    for (size_t i = 0; i < n; i++) {
        char     id[64];
        unsigned inst = 0;
        char    *next = NULL;
        snprintf(id, sizeof(id), "mx.%s", hops[i].domain);
        next = seal_once(hops[i].key, hops[i].domain, id, msg, (int)hops[i].cv, &now, &inst);
        assert_int_equal(inst, i + 1);
        free(msg);
        msg = next;
        now += 60;
    }
    return msg;
}

static void
validate(const char *msg, bool async, arc_outcome_t *out)
{
    const arc_opts_t o = {
        .now_s = NOW + 3600, .async = async, .options = MAILAUTH__ARC_OLDEST_PASS};
    arc_validate_ok(arc_test_zone(), msg, strlen(msg), &o, out);
}

static void
test_arc_seal_round_trip(void **state)
{
    (void)state;
    for (size_t n = 1; n <= ARRAY_LEN(hops); n++) {
        char         *msg = chain_of(n);
        arc_outcome_t out;
        for (int async = 0; async < 2; async++) {
            validate(msg, async != 0, &out);
            if (out.verdict != MAILAUTH_VERDICT_PASS)
                fail_msg("%zu hops: arc=%s (%s)", n, arc_word(out.verdict), out.problem);
            assert_int_equal(out.instances, n);
            assert_int_equal(out.oldest_pass, 0);
            for (size_t i = 0; i < n; i++) {
                if (strcmp(out.sealers[i], hops[i].domain) != 0)
                    fail_msg("sealer %zu: %s\n%s", i + 1, out.sealers[i], msg);
            }
        }
        free(msg);
    }
}

/* Changes after the last seal: body, a signed header, an ARC field. */
static void
test_arc_seal_tamper(void **state)
{
    static const struct {
        const char       *from, *to;
        mailauth_reason_t reason;
    } edits[] = {
        {"the  meeting is at  10.", "the meeting is at 11.", MAILAUTH_REASON_ARC_AMS},
        {"Subject: ARC round trip", "Subject: ARC round trap", MAILAUTH_REASON_ARC_AMS},
        {"i=1; mx.hop1.example", "i=1; mx.hop1.example.evil", MAILAUTH_REASON_ARC_SEAL},
    };
    (void)state;
    for (size_t e = 0; e < ARRAY_LEN(edits); e++) {
        char         *msg = chain_of(2);
        char         *at = strstr(msg, edits[e].from);
        char         *bad = NULL;
        arc_outcome_t out;
        assert_non_null(at);
        bad = malloc(strlen(msg) + strlen(edits[e].to) + 1);
        assert_non_null(bad);
        snprintf(bad, strlen(msg) + strlen(edits[e].to) + 1, "%.*s%s%s", (int)(at - msg), msg,
                 edits[e].to, at + strlen(edits[e].from));
        validate(bad, false, &out);
        assert_int_equal(out.verdict, MAILAUTH_VERDICT_FAIL);
        assert_int_equal(out.reason, edits[e].reason);
        free(bad);
        free(msg);
    }
}

/* A body change between hops: the newest AMS still passes (hop 3 signed
 * the changed body), AMS(1) and AMS(2) do not: oldest-pass is 3. */
static void
test_arc_seal_oldest_pass(void **state)
{
    char         *msg = chain_of(2), *changed = NULL, *sealed = NULL;
    char         *at = strstr(msg, "the  meeting");
    int64_t       now = NOW + 120;
    unsigned      inst = 0;
    arc_outcome_t out;
    (void)state;
    assert_non_null(at);
    at[4] = '_'; /* "the _meeting": a list footer, say */
    changed = msg;
    sealed = seal_once(hops[2].key, hops[2].domain, "mx.hop3.example", changed,
                       MAILAUTH_VERDICT_PASS, &now, &inst);
    assert_int_equal(inst, 3);
    validate(sealed, false, &out);
    assert_int_equal(out.verdict, MAILAUTH_VERDICT_PASS);
    assert_int_equal(out.oldest_pass, 3);
    free(sealed);
    free(changed);
}

/* RFC 8617 §5.1.2: a failed chain is sealed cv=fail over the new set only;
 * a validator then fails the chain at §5.2 step 2, and a next sealer adds
 * nothing (§5.1 step 2). */
static void
test_arc_seal_failed_chain(void **state)
{
    char         *msg = chain_of(1), *failed = NULL, *again = NULL;
    char         *at = strstr(msg, "the  meeting");
    int64_t       now = NOW + 60;
    unsigned      inst = 0;
    arc_outcome_t out;
    (void)state;
    at[0] = 'T';
    validate(msg, false, &out);
    assert_int_equal(out.verdict, MAILAUTH_VERDICT_FAIL);
    failed = seal_once(hops[1].key, hops[1].domain, "mx.hop2.example", msg, MAILAUTH_VERDICT_FAIL,
                       &now, &inst);
    assert_int_equal(inst, 2);
    assert_non_null(strstr(failed, "cv=fail"));
    validate(failed, false, &out);
    assert_int_equal(out.verdict, MAILAUTH_VERDICT_FAIL);
    assert_int_equal(out.reason, MAILAUTH_REASON_ARC_CV);
    assert_int_equal(out.failed, 2);
    again = seal_once(hops[2].key, hops[2].domain, "mx.hop3.example", failed, -1, &now, &inst);
    assert_int_equal(inst, 0);
    assert_string_equal(again, failed); /* nothing prepended */
    free(again);
    free(failed);
    free(msg);
}

int
main(int argc, char **argv)
{
    static arc_cases_t             cs;
    static const struct CMUnitTest own[] = {
        cmocka_unit_test(test_arc_seal_round_trip),
        cmocka_unit_test(test_arc_seal_tamper),
        cmocka_unit_test(test_arc_seal_oldest_pass),
        cmocka_unit_test(test_arc_seal_failed_chain),
    };
    struct CMUnitTest tests[64];
    size_t            k = 0;
    bool              conformance = false;
    int               rc = testdata_select(argc, argv, &conformance);
    if (rc >= 0)
        return rc;
    if (!conformance)
        return cmocka_run_group_tests_name("arc_seal", own, NULL, NULL);
    if (arc_cases_load(CASE_FILE, &cs) != 0) {
        fprintf(stderr, "%s missing: the arc_suite_convert test converts the suites first\n",
                CASE_FILE);
        return 1;
    }
    for (size_t i = 0; i < cs.n && k < ARRAY_LEN(tests); i++) {
        if (strcmp(cs.v[i].kind, "sign") == 0)
            tests[k++] = (struct CMUnitTest){.name = cs.v[i].name,
                                             .test_func = test_arc_seal_suite,
                                             .initial_state = (void *)&cs.v[i]};
    }
    if (k != SIGNING_TESTS) {
        fprintf(stderr, "expected %d signing tests\n", SIGNING_TESTS);
        arc_cases_free(&cs);
        return 1;
    }
    rc = _cmocka_run_group_tests("arc_seal_conformance", tests, k, NULL, NULL);
    arc_cases_free(&cs);
    return rc;
}
