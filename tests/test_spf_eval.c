/* spf/eval: check_host() over zone data, every case blocking and async. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/case_file.h"
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

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every tests/data/spf/ case file, in name order. */
static size_t
load_all(case_file_t *files, size_t max)
{
    char          *names[MAX_FILES];
    size_t         n = 0, loaded = 0;
    DIR           *d = opendir(MAILAUTH_TEST_DATA "/spf");
    struct dirent *e;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL && n < MAX_FILES) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".case") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/spf/%s", MAILAUTH_TEST_DATA, names[i]);
        if (loaded < max && case_file_load(path, &files[loaded]) == 0)
            loaded++;
        else
            fprintf(stderr, "cannot load %s\n", path);
        free(names[i]);
    }
    return loaded;
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
    if (refs == NULL || tests == NULL)
        return 1;
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
    rc = _cmocka_run_group_tests("spf_eval", tests, k, NULL, NULL);
    for (size_t f = 0; f < nfiles; f++)
        case_file_free(&files[f]);
    free(refs);
    free(tests);
    return rc;
}
