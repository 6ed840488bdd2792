/* spf/eval: check_host() over zone data, every case blocking and async. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ctx_int.h"
#include "spf/spf.h"
#include "support/case_file.h"
#include "support/fail_alloc.h"
#include "support/spf_harness.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FILES 64

typedef struct block_ref {
    case_section_t *s;
    case_block_t   *b;
    char            name[200];
} block_ref_t;

static void
test_spf_eval_case(void **state)
{
    const block_ref_t *r = *state;
    char               why[1200];
    if (spf_harness_run_block(r->s, r->b, 0, why, sizeof(why)) != 0)
        fail_msg("%s: %s", r->name, why);
}

static size_t
load_all(case_file_t *files, size_t max)
{
    long n = case_file_load_dir("spf", files, max);
    if (n <= 0) /* the project's own case files must all load (why: on stderr) */
        exit(1);
    return (size_t)n;
}

/* ---- latency: prefetch keeps round trips at the include depth ---------- */

static const char prefetch_zone[] =
    "top.example TXT \"v=spf1 include:a.example include:b.example include:c.example -all\"\n"
    "a.example TXT \"v=spf1 include:a1.example include:a2.example\"\n"
    "b.example TXT \"v=spf1 include:b1.example include:b2.example\"\n"
    "c.example TXT \"v=spf1 include:c1.example mx\"\n"
    "a1.example TXT \"v=spf1 ip4:198.51.100.1\"\n"
    "a2.example TXT \"v=spf1 ip4:198.51.100.2\"\n"
    "b1.example TXT \"v=spf1 ip4:198.51.100.3\"\n"
    "b2.example TXT \"v=spf1 ip4:198.51.100.4\"\n"
    "c1.example TXT \"v=spf1 ip4:198.51.100.5\"\n"
    "c.example MX 10 mx.c.example\n"
    "mx.c.example A 198.51.100.8\n";

static void
run_prefetch(const char *ip, spf_harness_out_t *o)
{
    spf_harness_case_t c;
    memset(&c, 0, sizeof(c));
    c.zone = prefetch_zone;
    c.zone_len = sizeof(prefetch_zone) - 1;
    c.ip = ip;
    c.helo = "mail.example";
    c.mailfrom = "user@top.example";
    c.async = true;
    c.delay_ms = 50;
    assert_int_equal(spf_harness_run(&c, o), 0);
}

/* 3 includes, two with 2 nested ones, the last with one and an mx: 10
 * lookups sequentially, but only as many round trips as the tree is deep
 * (+ the MX hosts' addresses, which depend on the MX answer). */
static void
test_spf_eval_prefetch_round_trips(void **state)
{
    spf_harness_out_t o;
    (void)state;
    run_prefetch("198.51.100.5", &o); /* matched by ip4 in c1, the last record */
    assert_int_equal(o.verdict, MAILAUTH_VERDICT_PASS);
    assert_int_equal(o.dns_terms, 8);
    assert_int_equal(o.stats.round_trips, 3);
    run_prefetch("198.51.100.8", &o); /* matched by mx in c: one more for the host address */
    assert_int_equal(o.verdict, MAILAUTH_VERDICT_PASS);
    assert_int_equal(o.dns_terms, 9);
    assert_int_equal(o.stats.round_trips, 4);
    run_prefetch("192.0.2.1", &o); /* no match: every lookup, still 4 round trips */
    assert_int_equal(o.verdict, MAILAUTH_VERDICT_FAIL);
    assert_int_equal(o.stats.round_trips, 4);
}

/* A sequential walk asks 1 + 10 TXT and stops at the 11th include: the
 * planner must not ask for the ones past the budget either. */
static void
test_spf_eval_prefetch_within_budget(void **state)
{
    char               zone[4096];
    size_t             n = 0;
    spf_harness_case_t c;
    spf_harness_out_t  o;
    (void)state;
    n += (size_t)snprintf(zone + n, sizeof(zone) - n, "top.example TXT \"v=spf1");
    for (int i = 1; i <= 15; i++)
        n += (size_t)snprintf(zone + n, sizeof(zone) - n, " include:i%d.example", i);
    n += (size_t)snprintf(zone + n, sizeof(zone) - n, " -all\"\n");
    for (int i = 1; i <= 15; i++)
        n += (size_t)snprintf(zone + n, sizeof(zone) - n, "i%d.example TXT \"v=spf1 -all\"\n", i);
    memset(&c, 0, sizeof(c));
    c.zone = zone;
    c.zone_len = n;
    c.ip = "192.0.2.1";
    c.mailfrom = "u@top.example";
    c.async = true;
    assert_int_equal(spf_harness_run(&c, &o), 0);
    assert_int_equal(o.verdict, MAILAUTH_VERDICT_PERMERROR);
    assert_int_equal(o.reason, MAILAUTH_REASON_SPF_DNS_LIMIT);
    assert_string_equal(o.problem, "too many DNS lookups at include:i11.example");
    assert_int_equal(o.dns_terms, 10);
    assert_int_equal(o.stats.queries, 11);
    assert_int_equal(o.stats.round_trips, 2);
}

/* The per-message DNS question limit: a temperror, never a crash or a hang. */
static void
test_spf_eval_query_limit(void **state)
{
    static const char  zone[] = "top.example TXT \"v=spf1 a:a.example a:b.example a:c.example "
                                "a:d.example -all\"\n";
    spf_harness_case_t c;
    spf_harness_out_t  o;
    (void)state;
    memset(&c, 0, sizeof(c));
    c.zone = zone;
    c.zone_len = sizeof(zone) - 1;
    c.ip = "192.0.2.1";
    c.mailfrom = "u@top.example";
    c.limits[MAILAUTH_LIMIT_DNS_QUERIES] = 3;
    c.limits[MAILAUTH_LIMIT_SPF_VOID_LOOKUPS] = 10;
    for (int async = 0; async < 2; async++) {
        c.async = async != 0;
        assert_int_equal(spf_harness_run(&c, &o), 0);
        assert_int_equal(o.verdict, MAILAUTH_VERDICT_TEMPERROR);
        assert_int_equal(o.reason, MAILAUTH_REASON_SPF_DNS_TEMPFAIL);
        assert_non_null(strstr(o.problem, "query limit"));
        assert_true(o.stats.questions <= 3);
    }
}

/* Answers slower than the evaluation deadline: temperror, reason deadline. */
static void
test_spf_eval_deadline(void **state)
{
    static const char  zone[] = "top.example TXT \"v=spf1 -all\"\n";
    spf_harness_case_t c;
    spf_harness_out_t  o;
    (void)state;
    memset(&c, 0, sizeof(c));
    c.zone = zone;
    c.zone_len = sizeof(zone) - 1;
    c.ip = "192.0.2.1";
    c.mailfrom = "u@top.example";
    c.async = true;
    c.delay_ms = 60000;
    c.limits[MAILAUTH_LIMIT_EVAL_TIMEOUT_MS] = 5000;
    assert_int_equal(spf_harness_run(&c, &o), 0);
    assert_int_equal(o.verdict, MAILAUTH_VERDICT_TEMPERROR);
    assert_int_equal(o.reason, MAILAUTH_REASON_DEADLINE);
}

/* Every allocation of the check's arena fails in turn: ENOMEM, nothing leaks. */
static void
test_spf_eval_oom(void **state)
{
    static const char zone[] =
        "top.example TXT \"v=spf1 include:i.example mx ptr -all exp=e.example\"\n"
        "i.example TXT \"v=spf1 a:%{l}.i.example ~all\"\n"
        "top.example MX 10 mx.top.example\n"
        "mx.top.example A 192.0.2.7\n"
        "9.2.0.192.in-addr.arpa PTR h.example\n"
        "h.example A 192.0.2.9\n"
        "e.example TXT \"%{i} via %{p} is not %{d}\"\n";
    unsigned long k;
    (void)state;
    for (k = 1; k < 10000; k++) {
        fail_alloc_t       fa;
        spf_harness_case_t c;
        spf_harness_out_t  o;
        int                rc;
        fail_alloc_init(&fa, k);
        memset(&c, 0, sizeof(c));
        c.zone = zone;
        c.zone_len = sizeof(zone) - 1;
        c.ip = "192.0.2.9";
        c.mailfrom = "user@top.example";
        c.arena_al = &fa.al;
        c.async = (k % 2) == 0;
        rc = spf_harness_run(&c, &o);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(rc, 0);
            assert_int_equal(o.verdict, MAILAUTH_VERDICT_FAIL);
            assert_string_equal(o.explanation, "192.0.2.9 via h.example is not top.example");
            break;
        }
        assert_int_equal(rc, -1);
        assert_int_equal(o.status, MAILAUTH_ENOMEM);
    }
    assert_true(k > 1 && k < 10000);
}

/* Contract edges of the internal API. */
static void
test_spf_eval_api(void **state)
{
    mailauth__arena_t     a;
    mailauth__spf_input_t in;
    mailauth__spf_t      *s = (mailauth__spf_t *)&a;
    mailauth__dnsc_t      dns;
    mailauth_ctx_t       *ctx = NULL;
    (void)state;
    mailauth__arena_init(&a, NULL);
    memset(&in, 0, sizeof(in));
    memset(&dns, 0, sizeof(dns));
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth__spf_start(NULL, mailauth__ctx_env(ctx), &dns, &in, &s),
                     MAILAUTH_EINVAL);
    assert_null(s);
    assert_int_equal(mailauth__spf_start(&a, mailauth__ctx_env(ctx), &dns, NULL, &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__spf_start(&a, NULL, &dns, &in, &s), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__spf_step(NULL), MAILAUTH_EINVAL);
    assert_null(mailauth__spf_result(NULL));
    /* no client address, no domain: finished at once with none, idempotent */
    assert_int_equal(mailauth__spf_start(&a, mailauth__ctx_env(ctx), &dns, &in, &s), MAILAUTH_OK);
    assert_int_equal(mailauth__spf_step(s), MAILAUTH_OK);
    assert_int_equal(mailauth__spf_step(s), MAILAUTH_OK);
    assert_int_equal(mailauth_spf_result_verdict(mailauth__spf_result(s)), MAILAUTH_VERDICT_NONE);
    assert_int_equal(mailauth_spf_result_reason(mailauth__spf_result(s)),
                     MAILAUTH_REASON_SPF_BAD_DOMAIN);
    assert_string_equal(mailauth_spf_result_sender(mailauth__spf_result(s)), "postmaster@");
    mailauth__arena_clear(&a);
    mailauth_ctx_free(ctx);
}

int
main(void)
{
    static case_file_t files[MAX_FILES];
    size_t             nfiles = load_all(files, MAX_FILES);
    size_t             n = 0, k = 0;
    block_ref_t       *refs;
    struct CMUnitTest *tests;
    int                rc;
    for (size_t f = 0; f < nfiles; f++) {
        for (size_t i = 0; i < files[f].nsections; i++) {
            if (case_section_blocks(&files[f], &files[f].sections[i]) != 0)
                return 1;
            n += files[f].sections[i].nblocks;
        }
    }
    refs = calloc(n + 1, sizeof(*refs));
    tests = calloc(n + 8, sizeof(*tests));
    if (refs == NULL || tests == NULL) {
        free(refs);
        free(tests);
        return 1;
    }
    for (size_t f = 0; f < nfiles; f++) {
        for (size_t i = 0; i < files[f].nsections; i++) {
            case_section_t *s = &files[f].sections[i];
            for (size_t j = 0; j < s->nblocks; j++, k++) {
                const char *name = case_block_get(&s->blocks[j], "name");
                const char *base = strrchr(files[f].path, '/');
                refs[k].s = s;
                refs[k].b = &s->blocks[j];
                snprintf(refs[k].name, sizeof(refs[k].name), "%s:%zu %s", base + 1,
                         s->blocks[j].line, name != NULL ? name : "");
                tests[k] = (struct CMUnitTest){.name = refs[k].name,
                                               .test_func = test_spf_eval_case,
                                               .initial_state = &refs[k]};
            }
        }
    }
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_eval_prefetch_round_trips);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_eval_prefetch_within_budget);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_eval_query_limit);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_eval_deadline);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_eval_oom);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_eval_api);
    rc = _cmocka_run_group_tests("spf_eval", tests, k, NULL, NULL);
    for (size_t f = 0; f < nfiles; f++)
        case_file_free(&files[f]);
    free(refs);
    free(tests);
    return rc;
}
