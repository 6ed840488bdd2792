/* ARC chain validation against the shared suites, read in place from
 * MAILAUTH_TESTDATA_DIR/arc/ and converted at test time by
 * tests/tools/arcsuite2case.py (the arc_suite_convert fixture of
 * tests/arc_suite.cmake):
 *
 *   - the ValiMail validation suite (171 tests, draft 18 of ARC), every
 *     test run blocking and async over the zone resolver;
 *   - the Stalwart ARC messages (2);
 *   - known-issues.yml: every contested test must be in the table below
 *     with our answer and the RFC 8617 argument, and our answer must be one
 *     the list allows.
 *
 * Nothing is skipped: a test whose expectation we believe contradicts
 * RFC 8617 is listed in `contested` and checked against our answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "arc/arc.h"
#include "support/arc_harness.h"
#include "support/arc_suite.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SUITE_DIR MAILAUTH_TESTDATA_DIR "/arc/valimail-arc-test-suite"
#define CASE_FILE MAILAUTH_BUILD_DIR "/tests/arc_suite/arc.case"
#define VALIDATION_TESTS 171
#define STALWART_NOW 1700000000 /* after every t= of the Stalwart messages */

/* Validation tests where we answer differently from the suite file, with
 * the RFC argument. docs/arc.md discusses each. */
static const struct contested {
    const char *test;
    const char *upstream; /* the suite's cv */
    const char *ours;
    const char *why;
} contested[] = {
    {"cv_fail_i1_as_cv_fail", "", "fail",
     "The newest (only) ARC-Seal has cv=fail. RFC 8617 5.2 step 2: if the newest set's status is "
     "fail, the Chain Validation Status is fail. The suite (since its draft-05 update) expects no "
     "result at all."},
    {"cv_fail_i2_as2_fail", "", "fail",
     "ARC-Seal i=2 (the newest) has cv=fail: RFC 8617 5.2 step 2 makes the chain fail; the "
     "suite expects no result."},
    {"cv_fail_i2_as1_fail", "", "fail",
     "ARC-Seal i=1 has cv=fail: RFC 8617 5.2 step 3.3 (cv is never fail, and is none for i=1) "
     "makes the chain fail; the suite expects no result."},
    {"ams_fields_h_empty", "pass", "fail",
     "The AMS has h= with no field name. RFC 8617 4.1.2 makes the AMS a DKIM-Signature in "
     "syntax and semantics; RFC 6376 3.5 gives h= as hdr-name *(\":\" hdr-name) with hdr-name "
     "1*ftext, and 5.4 / 6.1.1 require From to be signed (a signature without it is a "
     "PERMFAIL). The newest AMS is then invalid and 5.2 step 4 fails the chain."},
    {"ams_fields_h_mis_hdr", "pass", "fail",
     "h=from:to::date:... has an empty name between two colons. RFC 6376 3.5: hdr-name is "
     "1*ftext, so the tag value is not an h= list and the signature field is malformed "
     "(6.1.1 PERMFAIL); the newest AMS is invalid, RFC 8617 5.2 step 4 fails the chain. "
     "dkimpy and Mail::DKIM skip the empty name."},
};

typedef struct ref {
    const arc_case_t *c;
    char              name[200];
    bool              async;
} ref_t;

static const struct contested *
find_contested(const char *test)
{
    for (size_t i = 0; i < ARRAY_LEN(contested); i++) {
        if (strcmp(contested[i].test, test) == 0)
            return &contested[i];
    }
    return NULL;
}

/* The outcome is coherent whatever the verdict: reasons and texts agree. */
static void
check_coherent(const arc_outcome_t *o, const char *name)
{
    if (o->verdict == MAILAUTH_VERDICT_NONE) {
        assert_int_equal(o->reason, MAILAUTH_REASON_ARC_NO_SETS);
        assert_int_equal(o->instances, 0);
    } else if (o->verdict == MAILAUTH_VERDICT_PASS) {
        assert_int_equal(o->reason, MAILAUTH_REASON_NONE);
        assert_string_equal(o->problem, "");
        assert_true(o->oldest_pass >= 0 && (unsigned)o->oldest_pass <= o->instances);
    } else {
        if (o->verdict != MAILAUTH_VERDICT_FAIL || o->problem[0] == '\0')
            fail_msg("%s: verdict %d without a problem text", name, (int)o->verdict);
        assert_true(o->reason >= MAILAUTH_REASON_ARC_NO_SETS);
        assert_int_equal(o->oldest_pass, -1);
    }
}

static void
test_arc_suite_validation(void **state)
{
    const ref_t            *r = *state;
    const struct contested *k = find_contested(r->c->name);
    const char             *want = k != NULL ? k->ours : arc_case_get(r->c, "cv", NULL);
    size_t                  len = 0;
    const char             *msg = arc_case_get(r->c, "message", &len);
    const arc_opts_t        o = {
               .now_s = ARC_SUITE_NOW, .async = r->async, .options = MAILAUTH__ARC_OLDEST_PASS};
    arc_outcome_t out;
    arc_validate_ok(arc_case_get(r->c, "zone", NULL), msg, len, &o, &out);
    if (strcmp(arc_word(out.verdict), want) != 0)
        fail_msg("%s: got arc=%s (%s), want %s", r->name, arc_word(out.verdict), out.problem, want);
    check_coherent(&out, r->name);
}

/* Stalwart: both messages pass (002 has an Ed25519 seal at i=1: RFC 8463
 * keys for ARC are a reading, see docs/arc.md). */
static void
test_arc_suite_stalwart(void **state)
{
    const ref_t     *r = *state;
    size_t           len = 0;
    const char      *msg = arc_case_get(r->c, "message", &len);
    const arc_opts_t o = {
        .now_s = STALWART_NOW, .async = r->async, .options = MAILAUTH__ARC_OLDEST_PASS};
    arc_outcome_t out;
    arc_validate_ok(arc_case_get(r->c, "zone", NULL), msg, len, &o, &out);
    if (out.verdict != MAILAUTH_VERDICT_PASS)
        fail_msg("%s: got arc=%s (%s)", r->name, arc_word(out.verdict), out.problem);
    check_coherent(&out, r->name);
}

/* Every known-issues.yml test is in the table or agrees with the suite,
 * and our answer is one the list allows under RFC 8617. */
static void
test_arc_suite_known_issues(void **state)
{
    const arc_cases_t *cs = *state;
    size_t             n = 0;
    for (size_t i = 0; i < cs->n; i++) {
        const arc_case_t       *c = &cs->v[i];
        const arc_case_t       *v = NULL;
        const struct contested *k = NULL;
        const char             *ours = NULL, *allowed = NULL;
        char                    buf[64];
        if (strcmp(c->kind, "known") != 0)
            continue;
        n++;
        v = arc_cases_find(cs, "validate", c->name);
        if (v == NULL)
            fail_msg("known issue %s is not a validation test", c->name);
        k = find_contested(c->name);
        ours = k != NULL ? k->ours : arc_case_get(v, "cv", NULL);
        allowed = arc_case_get(c, "rfc8617", NULL);
        snprintf(buf, sizeof(buf), "|%s|", allowed);
        if (strstr(buf, ours) == NULL)
            fail_msg("known issue %s: our answer %s is not in %s", c->name, ours, allowed);
    }
    assert_true(n >= 10);
}

/* The table names only tests that exist, with their real upstream value. */
static void
test_arc_suite_contested_table(void **state)
{
    const arc_cases_t *cs = *state;
    for (size_t i = 0; i < ARRAY_LEN(contested); i++) {
        const arc_case_t *v = arc_cases_find(cs, "validate", contested[i].test);
        if (v == NULL)
            fail_msg("contested %s: no such test", contested[i].test);
        assert_string_equal(arc_case_get(v, "cv", NULL), contested[i].upstream);
        assert_string_not_equal(contested[i].ours, contested[i].upstream);
        assert_true(strlen(contested[i].why) > 40);
    }
}

static size_t
count_kind(const arc_cases_t *cs, const char *kind)
{
    size_t n = 0;
    for (size_t i = 0; i < cs->n; i++)
        n += strcmp(cs->v[i].kind, kind) == 0;
    return n;
}

int
main(void)
{
    static arc_cases_t cs;
    struct stat        st;
    struct CMUnitTest *tests = NULL;
    ref_t             *refs = NULL;
    size_t             n = 0, k = 0;
    int                rc = 0;
    if (stat(SUITE_DIR, &st) != 0) {
        printf("SKIP: %s not found: the ARC suite is not available\n", SUITE_DIR);
        return 77;
    }
    if (arc_cases_load(CASE_FILE, &cs) != 0) {
        fprintf(stderr, "%s missing: the arc_suite_convert test converts the suites first\n",
                CASE_FILE);
        return 1;
    }
    if (count_kind(&cs, "validate") != VALIDATION_TESTS) {
        fprintf(stderr, "expected %d validation tests, found %zu\n", VALIDATION_TESTS,
                count_kind(&cs, "validate"));
        return 1;
    }
    n = 2 * (count_kind(&cs, "validate") + count_kind(&cs, "stalwart")) + 2;
    tests = calloc(n, sizeof(*tests));
    refs = calloc(n, sizeof(*refs));
    if (tests == NULL || refs == NULL) {
        free(tests);
        free(refs);
        return 1;
    }
    for (size_t i = 0; i < cs.n; i++) {
        const arc_case_t *c = &cs.v[i];
        bool              val = strcmp(c->kind, "validate") == 0;
        if (!val && strcmp(c->kind, "stalwart") != 0)
            continue;
        for (int async = 0; async < 2; async++) {
            ref_t *r = &refs[k];
            r->c = c;
            r->async = async != 0;
            snprintf(r->name, sizeof(r->name), "%s %s (%s)", c->kind, c->name,
                     async ? "async" : "blocking");
            tests[k] = (struct CMUnitTest){.name = r->name,
                                           .test_func = val ? test_arc_suite_validation
                                                            : test_arc_suite_stalwart,
                                           .initial_state = r};
            k++;
        }
    }
    tests[k++] = (struct CMUnitTest){.name = "known-issues.yml cases are all listed",
                                     .test_func = test_arc_suite_known_issues,
                                     .initial_state = &cs};
    tests[k++] = (struct CMUnitTest){.name = "contested table matches the suite",
                                     .test_func = test_arc_suite_contested_table,
                                     .initial_state = &cs};
    rc = _cmocka_run_group_tests("arc", tests, k, NULL, NULL);
    free(tests);
    free(refs);
    arc_cases_free(&cs);
    return rc;
}
