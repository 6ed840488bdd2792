/* dmarc: the record parser (table) and whole evaluations over zone data
 * (tests/data/dmarc/ case files, every block blocking and async, in each of its
 * modes), plus out-of-memory walks over an evaluation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmarc/dmarc.h"
#include "support/case_file.h"
#include "support/dmarc_harness.h"
#include "support/fail_alloc.h"
#include "util/arena.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FILES 32
#define MAX_BLOCKS 512

/* ---- record parser ---------------------------------------------------- */

enum { B = 1, S = 2 }; /* modes: 7489 (B for "base"), 9989 (S for "bis") */

struct rec_case {
    const char *name;
    unsigned    modes;
    const char *txt;
    int         status;           /* mailauth__dmarc_rec_status_t */
    const char *p, *sp, *np;      /* policy names; NULL: not checked */
    int         pct;              /* -1: not checked */
    const char *adkim, *aspf;     /* "relaxed"/"strict"; NULL: not checked */
    const char *fo, *rf;          /* NULL: not checked */
    long        ri;               /* -1: not checked */
    const char *rua, *ruf;        /* joined by ","; NULL: not checked */
    char        psd;              /* 0: not checked */
    int         testing, as_none; /* -1: not checked */
};

#define OK MAILAUTH__DMARC_REC_OK
#define NOTD MAILAUTH__DMARC_REC_NOT_DMARC
#define INV MAILAUTH__DMARC_REC_INVALID
#define ANY NULL, NULL, NULL, -1, NULL, NULL, NULL, NULL, -1, NULL, NULL, 0, -1, -1

static const struct rec_case rec_cases[] = {
    {"minimal", B | S, "v=DMARC1; p=none", OK, "none", "unspecified", "unspecified", 100, "relaxed",
     "relaxed", "0", "afrf", 86400, "", "", 'u', 0, 0},
    {"every RFC 7489 tag", B | S,
     "v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=s; pct=20; fo=1:d; rf=afrf; ri=3600; "
     "rua=mailto:a@example.com,mailto:b@example.net!10m; ruf=mailto:f@example.com",
     OK, "quarantine", "reject", "unspecified", 20, "strict", "strict", "1:d", "afrf", 3600,
     "mailto:a@example.com,mailto:b@example.net!10m", "mailto:f@example.com", 'u', 0, 0},
    {"RFC 9989 tags", S, "v=DMARC1; p=reject; np=quarantine; psd=n; t=y", OK, "reject",
     "unspecified", "quarantine", -1, NULL, NULL, NULL, NULL, -1, NULL, NULL, 'n', 1, 0},
    {"np is not an RFC 7489 tag", B, "v=DMARC1; p=reject; np=quarantine; np=junk", OK, "reject",
     NULL, "unspecified", -1, NULL, NULL, NULL, NULL, -1, NULL, NULL, 0, -1, -1},
    {"uppercase tags and values (RFC 5234 §2.3)", B | S,
     "V=DMARC1; P=REJECT; SP=Quarantine; ADKIM=S; ASPF=R; PCT=50", OK, "reject", "quarantine", NULL,
     50, "strict", "relaxed", NULL, NULL, -1, NULL, NULL, 0, -1, 0},
    {"DMARC1 is case-sensitive", B | S, "v=dmarc1; p=reject", NOTD, ANY},
    {"v must be first", B | S, "p=reject; v=DMARC1", NOTD, ANY},
    {"v=DMARC10 is another version", B | S, "v=DMARC10; p=reject", NOTD, ANY},
    {"v alone: RFC 7489 needs p", B, "v=DMARC1", INV, ANY},
    {"v alone: RFC 9989 reads p=none", S, "v=DMARC1", OK, "none", NULL, NULL, -1, NULL, NULL, NULL,
     NULL, -1, NULL, NULL, 0, -1, 0},
    {"spaces everywhere", B | S, "  v = DMARC1 ;  p = reject ;; sp=none ;", OK, "reject", "none",
     NULL, -1, NULL, NULL, NULL, NULL, -1, NULL, NULL, 0, -1, 0},
    {"invalid p without rua", B | S, "v=DMARC1; p=bogus", INV, ANY},
    {"invalid p with a valid rua reads p=none (§6.6.3)", B | S,
     "v=DMARC1; p=bogus; sp=reject; rua=mailto:x@example.com", OK, "none", "unspecified", NULL, -1,
     NULL, NULL, NULL, NULL, -1, "mailto:x@example.com", NULL, 0, -1, 1},
    {"invalid p with only an invalid rua", B | S, "v=DMARC1; p=bogus; rua=not a uri", INV, ANY},
    {"invalid sp invalidates (§6.6.3 step 6)", B | S, "v=DMARC1; p=reject; sp=maybe", INV, ANY},
    {"invalid np invalidates in 9989", S, "v=DMARC1; p=reject; np=maybe", INV, ANY},
    {"missing p with rua in 7489 reads p=none", B, "v=DMARC1; rua=mailto:x@example.com", OK, "none",
     NULL, NULL, -1, NULL, NULL, NULL, NULL, -1, NULL, NULL, 0, -1, 1},
    {"bad values fall back to defaults", B | S,
     "v=DMARC1; p=reject; adkim=x; aspf=; pct=101; ri=-1; fo=2; rf=a b; psd=maybe; t=sure", OK,
     "reject", NULL, NULL, 100, "relaxed", "relaxed", "0", "afrf", 86400, NULL, NULL, 'u', 0, 0},
    {"pct bounds", B | S, "v=DMARC1; p=reject; pct=0", OK, "reject", NULL, NULL, 0, NULL, NULL,
     NULL, NULL, -1, NULL, NULL, 0, -1, 0},
    {"pct with four digits is invalid", B | S, "v=DMARC1; p=reject; pct=0050", OK, NULL, NULL, NULL,
     100, NULL, NULL, NULL, NULL, -1, NULL, NULL, 0, -1, 0},
    {"repeated tag: the first counts", B | S, "v=DMARC1; p=none; p=reject; pct=10; PCT=90", OK,
     "none", NULL, NULL, 10, NULL, NULL, NULL, NULL, -1, NULL, NULL, 0, -1, 0},
    {"unknown tags and broken specs are ignored", B | S,
     "v=DMARC1; x-future=1; p=quarantine; what; =; 9z=1; foo bar", OK, "quarantine", NULL, NULL, -1,
     NULL, NULL, NULL, NULL, -1, NULL, NULL, 0, -1, 0},
    {"rua list: spaces trimmed, bad URIs dropped", B | S,
     "v=DMARC1; p=none; rua= mailto:a@x.example , nope ,https://r.example/x, mailto:b@y!k", OK,
     NULL, NULL, NULL, -1, NULL, NULL, NULL, NULL, -1, "mailto:a@x.example,https://r.example/x",
     NULL, 0, -1, 0},
    {"fo lists", B | S, "v=DMARC1; p=none; fo=0:1:d:s", OK, NULL, NULL, NULL, -1, NULL, NULL,
     "0:1:d:s", NULL, -1, NULL, NULL, 0, -1, 0},
    {"NUL inside a tag-spec only loses that spec", B | S, "v=DMARC1; p=reject; rf=a\x01z", OK,
     "reject", NULL, NULL, -1, NULL, NULL, NULL, "afrf", -1, NULL, NULL, 0, -1, 0},
};

static void
check_str(const char *what, const char *got, const char *want)
{
    if (want != NULL && strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, got, want);
}

static void
join(char *dst, size_t cap, const char *const *v, size_t n)
{
    size_t k = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(dst + k, cap - k, "%s%s", i > 0 ? "," : "", v[i]);
}

static void
check_record(const struct rec_case *c, mailauth_dmarc_mode_t mode)
{
    mailauth__arena_t            a;
    mailauth__dmarc_record_t     r;
    mailauth__dmarc_rec_status_t st = OK;
    char                         buf[512];
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__dmarc_record_parse(&a, mode, c->txt, strlen(c->txt), &r, &st, NULL),
                     MAILAUTH_OK);
    assert_int_equal(st, c->status);
    if (st == OK) {
        check_str("p", mailauth_dmarc_policy_name(r.p), c->p);
        check_str("sp", mailauth_dmarc_policy_name(r.sp), c->sp);
        check_str("np", mailauth_dmarc_policy_name(r.np), c->np);
        check_str("adkim", mailauth_dmarc_align_name(r.adkim), c->adkim);
        check_str("aspf", mailauth_dmarc_align_name(r.aspf), c->aspf);
        check_str("fo", r.fo, c->fo);
        check_str("rf", r.rf, c->rf);
        join(buf, sizeof(buf), r.rua, r.nrua);
        check_str("rua", buf, c->rua);
        join(buf, sizeof(buf), r.ruf, r.nruf);
        check_str("ruf", buf, c->ruf);
        if (c->pct >= 0)
            assert_int_equal(r.pct, c->pct);
        if (c->ri >= 0)
            assert_int_equal(r.ri, c->ri);
        if (c->psd != 0)
            assert_int_equal(r.psd, c->psd);
        if (c->testing >= 0)
            assert_int_equal(r.testing, c->testing);
        if (c->as_none >= 0)
            assert_int_equal(r.as_none, c->as_none);
    }
    mailauth__arena_clear(&a);
}

static void
test_dmarc_record(void **state)
{
    const struct rec_case *c = *state;
    if (c->modes & B)
        check_record(c, MAILAUTH_DMARC_RFC7489);
    if (c->modes & S)
        check_record(c, MAILAUTH_DMARC_RFC9989);
}

/* ---- evaluation cases ------------------------------------------------- */

typedef struct block_ref {
    case_section_t *s;
    case_block_t   *b;
    char            name[200];
} block_ref_t;

static void
test_dmarc_case(void **state)
{
    const block_ref_t *r = *state;
    char               why[1500];
    if (dmarc_harness_run_block(r->s, r->b, why, sizeof(why)) != 0)
        fail_msg("%s: %s", r->name, why);
}

static size_t
load_all(case_file_t *files, size_t max)
{
    long n = case_file_load_dir("dmarc", files, max);
    if (n <= 0) /* the project's own case files must all load (why: on stderr) */
        exit(1);
    return (size_t)n;
}

/* ---- out of memory: every allocation of an evaluation fails in turn ---- */

static void
test_dmarc_oom(void **state)
{
    static const char zone[] =
        "_dmarc.example.com TXT \"v=DMARC1; p=reject; rua=mailto:a@x.example\"\n";
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        for (unsigned long n = 1;; n++) {
            dmarc_harness_case_t c;
            dmarc_harness_out_t  o;
            fail_alloc_t         fa;
            memset(&c, 0, sizeof(c));
            c.zone = zone;
            c.zone_len = sizeof(zone) - 1;
            c.fields[0] = "From: A <a@sub.example.com>";
            c.nfields = 1;
            c.mode = mode == 0 ? MAILAUTH_DMARC_RFC7489 : MAILAUTH_DMARC_RFC9989;
            c.spf_verdict = MAILAUTH_VERDICT_PASS;
            c.spf_domain = "bounce.example.com";
            c.dkim[0].verdict = MAILAUTH_VERDICT_PASS;
            c.dkim[0].domain = "other.example.com";
            c.ndkim = 1;
            fail_alloc_init(&fa, n);
            c.arena_al = &fa.al;
            (void)dmarc_harness_run(&c, &o);
            assert_int_equal(fa.live, 0);
            if (!fail_alloc_reached(&fa)) {
                assert_string_equal(o.error, "");
                assert_int_equal(o.verdict, MAILAUTH_VERDICT_PASS);
                break;
            }
            if (strstr(o.error, "out of memory") == NULL)
                fail_msg("allocation %lu failed, error \"%s\"", n, o.error);
        }
    }
}

/* ---- hostile records: 50 KiB of tags and URIs stay linear and bounded ---- */

static void
test_dmarc_hostile_record(void **state)
{
    static const char    head[] = "_dmarc.example.com TXT \"v=DMARC1; p=reject; rua=\"";
    size_t               cap = 64 * 1024, k = 0;
    char                *zone = malloc(cap);
    dmarc_harness_case_t c;
    dmarc_harness_out_t  o;
    (void)state;
    assert_non_null(zone);
    k += (size_t)snprintf(zone + k, cap - k, "%s", head);
    for (int i = 0; i < 100; i++) /* 100 strings of 240 octets: URIs, then junk tags */
        k += (size_t)snprintf(
            zone + k, cap - k, " \"%s\"",
            i < 50 ? "mailto:a@example.com,mailto:b@example.com,mailto:c@example.com,"
                     "mailto:d@example.com,mailto:e@example.com,mailto:f@example.com,"
                     "mailto:g@example.com,mailto:h@example.com,mailto:i@example.com,"
                     "mailto:j@example.com,"
                   : ";x=1;;y=2;p=none;sp=none;=;;;z;x=1;;y=2;p=none;sp=none;=;;;z;"
                     "x=1;;y=2;p=none;sp=none;=;;;z;x=1;;y=2;p=none;sp=none;=;;;z;"
                     "x=1;;y=2;p=none;sp=none;=;;;z;x=1;;y=2;p=none;sp=none;=;;;z;"
                     "x=1;;y=2;p=none;sp=none;=;;;z");
    k += (size_t)snprintf(zone + k, cap - k, "\n");
    memset(&c, 0, sizeof(c));
    c.zone = zone;
    c.zone_len = k;
    c.fields[0] = "From: a@sub.example.com";
    c.nfields = 1;
    for (int m = 0; m < 2; m++) {
        c.mode = m == 0 ? MAILAUTH_DMARC_RFC7489 : MAILAUTH_DMARC_RFC9989;
        assert_int_equal(dmarc_harness_run(&c, &o), 0);
        assert_int_equal(o.verdict, MAILAUTH_VERDICT_FAIL);
        assert_int_equal(o.policy, MAILAUTH_DMARC_POLICY_NONE); /* the first sp= (none) */
        assert_true(strlen(o.rua) > 0);
    }
    free(zone);
}

int
main(void)
{
    static case_file_t       files[MAX_FILES];
    static block_ref_t       refs[MAX_BLOCKS];
    static struct CMUnitTest tests[ARRAY_LEN(rec_cases) + MAX_BLOCKS + 2];
    size_t                   nfiles = load_all(files, MAX_FILES);
    size_t                   nt = 0, nrefs = 0;
    for (size_t i = 0; i < ARRAY_LEN(rec_cases); i++)
        tests[nt++] = (struct CMUnitTest){.name = rec_cases[i].name,
                                          .test_func = test_dmarc_record,
                                          .initial_state = (void *)&rec_cases[i]};
    for (size_t f = 0; f < nfiles; f++) {
        for (size_t s = 0; s < files[f].nsections; s++) {
            case_section_t *sec = &files[f].sections[s];
            if (case_section_blocks(&files[f], sec) != 0)
                return 1;
            for (size_t b = 0; b < sec->nblocks && nrefs < MAX_BLOCKS; b++) {
                block_ref_t *r = &refs[nrefs++];
                const char  *name = case_block_get(&sec->blocks[b], "name");
                const char  *base = strrchr(files[f].path, '/');
                r->s = sec;
                r->b = &sec->blocks[b];
                snprintf(r->name, sizeof(r->name), "%s:%zu %s", base != NULL ? base + 1 : "",
                         sec->blocks[b].line, name != NULL ? name : "");
                tests[nt++] = (struct CMUnitTest){
                    .name = r->name, .test_func = test_dmarc_case, .initial_state = r};
            }
        }
    }
    if (nrefs == 0) {
        fprintf(stderr, "no DMARC case files under %s/dmarc\n", MAILAUTH_TEST_DATA);
        return 1;
    }
    tests[nt++] =
        (struct CMUnitTest){.name = "out of memory everywhere", .test_func = test_dmarc_oom};
    tests[nt++] = (struct CMUnitTest){.name = "hostile 24 KiB record",
                                      .test_func = test_dmarc_hostile_record};
    return cmocka_run_group_tests_name("dmarc", tests, NULL, NULL);
}
