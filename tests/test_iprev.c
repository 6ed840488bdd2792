/* iprev (RFC 8601 §3): the check over zone data, every case blocking and
 * async; names a zone cannot hold over a custom driver; answer timing;
 * hostile PTR answers, the deadline, out-of-memory paths, API edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/ctx_int.h"
#include "iprev/iprev.h"
#include "support/case_file.h"
#include "support/fail_alloc.h"
#include "support/iprev_harness.h"
#include "util/ip.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FILES 16

/* ---- the case files of tests/data/iprev/ -------------------------------- */

typedef struct block_ref {
    case_section_t *s;
    case_block_t   *b;
    char            name[240];
} block_ref_t;

static void
test_iprev_case(void **state)
{
    const block_ref_t *r = *state;
    char               why[1600];
    if (iprev_harness_run_block(r->s, r->b, why, sizeof(why)) != 0)
        fail_msg("%s: %s", r->name, why);
}

static size_t
load_all(case_file_t *files, size_t max)
{
    long n = case_file_load_dir("iprev", files, max);
    if (n <= 0) /* the project's own case files must all load (why: on stderr) */
        exit(1);
    return (size_t)n;
}

/* ---- generated zones ---------------------------------------------------- */

/* `count` PTR records for 192.0.2.1 (h1 .. h<count>.example.org), every
 * name with an address; only h<confirm> has the client's (0: none). */
static char *
ptr_zone(unsigned count, unsigned confirm, size_t *len)
{
    size_t cap = 128u * (count + 1u), n = 0;
    char  *z = malloc(cap);
    assert_non_null(z);
    for (unsigned i = 1; i <= count; i++)
        n += (size_t)snprintf(z + n, cap - n, "1.2.0.192.in-addr.arpa PTR h%u.example.org\n", i);
    for (unsigned i = 1; i <= count; i++)
        n += (size_t)snprintf(z + n, cap - n, "h%u.example.org A %s\n", i,
                              i == confirm ? "192.0.2.1" : "198.51.100.1");
    assert_true(n < cap);
    *len = n;
    return z;
}

static void
run_zone(const char *zone, size_t len, bool async, uint32_t delay_ms, iprev_harness_out_t *o)
{
    iprev_harness_case_t c;
    memset(&c, 0, sizeof(c));
    c.zone = zone;
    c.zone_len = len;
    c.ip = "192.0.2.1";
    c.async = async;
    c.delay_ms = delay_ms;
    if (iprev_harness_run(&c, o) != 0)
        fail_msg("%s", o->error);
}

/* Thousands of PTR records: one PTR question and 10 address questions,
 * whatever the answer holds (RFC 8601 §3: the names evaluated are bounded). */
static void
test_iprev_hostile_ptr_answer(void **state)
{
    size_t              len = 0;
    char               *zone = ptr_zone(2000, 2000, &len);
    iprev_harness_out_t o;
    (void)state;
    for (int async = 0; async < 2; async++) {
        run_zone(zone, len, async != 0, 10, &o);
        assert_int_equal(o.verdict, MAILAUTH_VERDICT_FAIL);
        assert_int_equal(o.reason, MAILAUTH_REASON_IPREV_NO_MATCH);
        assert_string_equal(o.problem,
                            "none of the first 10 of 2000 PTR names resolves to 192.0.2.1");
        assert_int_equal(o.stats.questions, 1 + MAILAUTH__IPREV_NAMES_MAX);
        assert_int_equal(o.stats.queries, 1 + MAILAUTH__IPREV_NAMES_MAX);
        assert_int_equal(o.stats.round_trips, 2);
        assert_true(o.steps <= 1 + 1 + MAILAUTH__IPREV_NAMES_MAX);
    }
    free(zone);
}

/* The address questions of every name go out together: one round trip of
 * the delayed zone for all of them, not one per name. */
static void
test_iprev_parallel_round_trips(void **state)
{
    static const unsigned counts[] = {1, 3, 10};
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(counts); i++) {
        size_t              len = 0;
        char               *zone = ptr_zone(counts[i], counts[i], &len);
        iprev_harness_out_t o;
        run_zone(zone, len, true, 200, &o);
        assert_int_equal(o.verdict, MAILAUTH_VERDICT_PASS);
        assert_int_equal(o.stats.queries, 1 + counts[i]);
        assert_int_equal(o.stats.round_trips, 2);
        assert_int_equal(o.steps, 3); /* PTR pending, the PTR answer, every address answer */
        free(zone);
    }
}

/* Answers slower than the evaluation deadline: temperror, reason deadline. */
static void
test_iprev_deadline(void **state)
{
    static const char    zone[] = "1.2.0.192.in-addr.arpa PTR mail.example.org\n"
                                  "mail.example.org A 192.0.2.1\n";
    iprev_harness_case_t c;
    iprev_harness_out_t  o;
    (void)state;
    memset(&c, 0, sizeof(c));
    c.zone = zone;
    c.zone_len = sizeof(zone) - 1;
    c.ip = "192.0.2.1";
    c.async = true;
    c.delay_ms = 60000;
    c.eval_timeout_ms = 5000;
    c.once = true; /* a second check would find the late answers */
    assert_int_equal(iprev_harness_run(&c, &o), 0);
    assert_int_equal(o.verdict, MAILAUTH_VERDICT_TEMPERROR);
    assert_int_equal(o.reason, MAILAUTH_REASON_DEADLINE);
    assert_string_equal(o.problem, "PTR lookup not answered before the evaluation deadline");
    /* the PTR answer in time, the address answer too late */
    c.delay_ms = 3000;
    assert_int_equal(iprev_harness_run(&c, &o), 0);
    assert_int_equal(o.verdict, MAILAUTH_VERDICT_TEMPERROR);
    assert_int_equal(o.reason, MAILAUTH_REASON_DEADLINE);
    assert_string_equal(o.problem, "address lookup of mail.example.org not answered before the "
                                   "evaluation deadline");
}

/* ---- a custom driver: PTR data a zone cannot hold, answer timing -------- */

#define FAKE_PTR_MAX 4
#define FAKE_PENDING_MAX 16

typedef struct fake_rec {
    const char *data;
    size_t      len;
} fake_rec_t;

typedef struct fake {
    fake_rec_t            ptr[FAKE_PTR_MAX]; /* the PTR answer of every reverse name */
    size_t                nptr;
    const char           *confirm; /* the name (any case) whose A is 192.0.2.1; others NXDOMAIN */
    bool                  hold;    /* keep questions for the test to answer */
    mailauth_dns_query_t *pending[FAKE_PENDING_MAX];
    char                  pname[FAKE_PENDING_MAX][300];
    size_t                npending;
    unsigned              queries;
} fake_t;

static const mailauth_dns_record_t client_a = {.version = MAILAUTH_DNS_RECORD_VERSION, .data = "\xc0\x00\x02\x01", .len = 4, .ttl = 60};

static mailauth_status_t
fake_answer(fake_t *f, mailauth_dns_query_t *q, const char *name, mailauth_dns_type_t type)
{
    mailauth_dns_record_t recs[FAKE_PTR_MAX];
    if (type == MAILAUTH_DNS_PTR) {
        for (size_t i = 0; i < f->nptr; i++)
            recs[i] =
                (mailauth_dns_record_t){.version = MAILAUTH_DNS_RECORD_VERSION, .data = f->ptr[i].data, .len = f->ptr[i].len, .ttl = 60};
        return mailauth_dns_query_answer(q, MAILAUTH_DNS_RECORDS, recs, f->nptr);
    }
    if (type == MAILAUTH_DNS_A && f->confirm != NULL && strcasecmp(name, f->confirm) == 0)
        return mailauth_dns_query_answer(q, MAILAUTH_DNS_RECORDS, &client_a, 1);
    return mailauth_dns_query_answer(q, MAILAUTH_DNS_NXDOMAIN, NULL, 0);
}

static mailauth_status_t
fake_query(void *ud, mailauth_dns_query_t *q, const char *name, mailauth_dns_type_t type)
{
    fake_t *f = ud;
    f->queries++;
    if (!f->hold || type == MAILAUTH_DNS_PTR)
        return fake_answer(f, q, name, type);
    assert_true(f->npending < FAKE_PENDING_MAX);
    snprintf(f->pname[f->npending], sizeof(f->pname[0]), "%s", name);
    f->pending[f->npending++] = q;
    return MAILAUTH_OK;
}

static mailauth_dns_ops_t
fake_ops(fake_t *f)
{
    return (mailauth_dns_ops_t){.version = MAILAUTH_DNS_OPS_VERSION, .ud = f, .query = fake_query};
}

/* Names a PTR answer off the wire may hold but a zone file cannot. */
enum gen { G_AS_IS, G_LABEL64, G_LONG254, G_LONG253 };

struct name_case {
    const char        *title;
    const char        *ptr[2]; /* the PTR answer; a NULL second entry: one record */
    enum gen           gen;    /* a generated first record instead of ptr[0] */
    const char        *confirm;
    mailauth_verdict_t verdict;
    const char        *name;      /* confirmed name, or NULL */
    unsigned           questions; /* PTR + address questions */
};

static const struct name_case name_cases[] = {
    {"empty name skipped",
     {"", "ok.example.org"},
     G_AS_IS,
     "ok.example.org",
     MAILAUTH_VERDICT_PASS,
     "ok.example.org",
     2},
    {"root name skipped", {".", NULL}, G_AS_IS, NULL, MAILAUTH_VERDICT_FAIL, NULL, 1},
    {"empty label skipped",
     {"a..example.org", NULL},
     G_AS_IS,
     "a..example.org",
     MAILAUTH_VERDICT_FAIL,
     NULL,
     1},
    {"label over 63 octets skipped",
     {NULL, "ok.example.org"},
     G_LABEL64,
     NULL,
     MAILAUTH_VERDICT_FAIL,
     NULL,
     2},
    {"name over 253 octets skipped", {NULL, NULL}, G_LONG254, NULL, MAILAUTH_VERDICT_FAIL, NULL, 1},
    {"name of 253 octets looked up", {NULL, NULL}, G_LONG253, NULL, MAILAUTH_VERDICT_FAIL, NULL, 2},
    {"non-ASCII byte skipped",
     {"h\xc3\xa9.example.org", NULL},
     G_AS_IS,
     "h\xc3\xa9.example.org",
     MAILAUTH_VERDICT_FAIL,
     NULL,
     1},
    {"control byte skipped",
     {"a\tb.example.org", NULL},
     G_AS_IS,
     "a\tb.example.org",
     MAILAUTH_VERDICT_FAIL,
     NULL,
     1},
    {"trailing hyphen skipped",
     {"ok-.example.org", NULL},
     G_AS_IS,
     "ok-.example.org",
     MAILAUTH_VERDICT_FAIL,
     NULL,
     1},
    {"upper case reported in lower case",
     {"MAIL.Example.ORG", NULL},
     G_AS_IS,
     "mail.example.org",
     MAILAUTH_VERDICT_PASS,
     "mail.example.org",
     2},
    {"digits, hyphens inside, trailing dot",
     {"0-9.a-b.example.org.", NULL},
     G_AS_IS,
     "0-9.a-b.example.org",
     MAILAUTH_VERDICT_PASS,
     "0-9.a-b.example.org",
     2},
};

static void
gen_name(enum gen g, char *buf, size_t cap)
{
    static const size_t labels[][4] = {{64, 7, 3, 0}, {63, 63, 63, 62}, {63, 63, 63, 61}};
    const size_t       *l = labels[g - G_LABEL64];
    size_t              n = 0;
    for (size_t i = 0; i < 4 && l[i] != 0; i++) {
        if (i > 0)
            buf[n++] = '.';
        for (size_t k = 0; k < l[i] && n + 1 < cap; k++)
            buf[n++] = (char)('a' + (i % 26));
    }
    buf[n] = '\0';
}

static void
test_iprev_names(void **state)
{
    const struct name_case *nc = *state;
    char                    long_name[300];
    fake_t                  f;
    mailauth_dns_ops_t      ops = fake_ops(&f);
    iprev_harness_case_t    c;
    iprev_harness_out_t     o;
    memset(&f, 0, sizeof(f));
    for (size_t i = 0; i < 2; i++) {
        const char *p = nc->ptr[i];
        if (i == 0 && nc->gen != G_AS_IS) {
            gen_name(nc->gen, long_name, sizeof(long_name));
            p = long_name;
        }
        if (p != NULL)
            f.ptr[f.nptr++] = (fake_rec_t){p, strlen(p)};
    }
    f.confirm = nc->confirm;
    if (nc->gen == G_LONG253)
        assert_int_equal(strlen(long_name), 253);
    if (nc->gen == G_LONG254)
        assert_int_equal(strlen(long_name), 254);
    memset(&c, 0, sizeof(c));
    c.ops = &ops;
    c.ip = "192.0.2.1";
    for (int async = 0; async < 2; async++) {
        c.async = async != 0;
        f.queries = 0;
        if (iprev_harness_run(&c, &o) != 0)
            fail_msg("%s: %s", nc->title, o.error);
        assert_int_equal(o.verdict, nc->verdict);
        assert_string_equal(o.name, nc->name != NULL ? nc->name : "(none)");
        assert_int_equal(o.stats.questions, nc->questions);
        assert_int_equal(f.queries, nc->questions);
    }
}

/* The driver answers the address questions one at a time, as the test says. */
static void
answer_pending(fake_t *f, mailauth_resolver_t *r, size_t i)
{
    assert_true(i < f->npending && f->pending[i] != NULL);
    assert_int_equal(fake_answer(f, f->pending[i], f->pname[i], MAILAUTH_DNS_A), MAILAUTH_OK);
    f->pending[i] = NULL;
    assert_int_equal(mailauth_resolver_process_timeouts(r), MAILAUTH_OK);
}

struct order_case {
    const char *title;
    const char *confirm;  /* which of first.example / second.example confirms */
    size_t      order[2]; /* answer order of the two address questions */
    bool        wait;     /* still waiting after the first answer */
    const char *name;     /* the name reported */
};

static const struct order_case order_cases[] = {
    /* the second name confirms first: the first may confirm too, so wait */
    {"later name confirms first, earlier does not",
     "second.example",
     {1, 0},
     true,
     "second.example"},
    {"earlier name confirms first: decided at once",
     "first.example",
     {0, 1},
     false,
     "first.example"},
    {"earlier name answers last and confirms", "first.example", {1, 0}, true, "first.example"},
};

/* The verdict and the name never depend on the order answers arrive in:
 * of the names that confirm, the first of the PTR answer is reported. */
static void
test_iprev_answer_order(void **state)
{
    const struct order_case *oc = *state;
    fake_t                   f;
    mailauth_dns_ops_t       ops = fake_ops(&f);
    mailauth_ctx_t          *ctx = NULL;
    mailauth_resolver_t     *r = NULL;
    mailauth__dnsc_t         dns;
    mailauth__arena_t        a;
    mailauth__ip_t           ip;
    mailauth__iprev_t       *it = NULL;
    memset(&f, 0, sizeof(f));
    f.ptr[0] = (fake_rec_t){"first.example", 13};
    f.ptr[1] = (fake_rec_t){"second.example", 14};
    f.nptr = 2;
    f.confirm = oc->confirm;
    f.hold = true;
    assert_true(mailauth__ip_parse("192.0.2.1", 9, &ip));
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_custom(ctx, &ops, &r), MAILAUTH_OK);
    mailauth__dnsc_init(&dns, r, NULL, NULL);
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__iprev_start(&a, mailauth__ctx_env(ctx), &dns, &ip, &it),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_process_timeouts(r), MAILAUTH_OK); /* the PTR answer */
    assert_int_equal(mailauth__iprev_step(it), MAILAUTH_EAGAIN);
    assert_int_equal(f.npending, 2); /* both address questions out at once */
    assert_null(mailauth__iprev_result(it));
    answer_pending(&f, r, oc->order[0]);
    assert_int_equal(mailauth__iprev_step(it), oc->wait ? MAILAUTH_EAGAIN : MAILAUTH_OK);
    if (oc->wait) {
        answer_pending(&f, r, oc->order[1]);
        assert_int_equal(mailauth__iprev_step(it), MAILAUTH_OK);
    }
    assert_int_equal(mailauth_iprev_result_verdict(mailauth__iprev_result(it)),
                     MAILAUTH_VERDICT_PASS);
    assert_string_equal(mailauth_iprev_result_name(mailauth__iprev_result(it)), oc->name);
    mailauth__dnsc_clear(&dns); /* the question still out is dropped */
    mailauth__arena_clear(&a);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

/* The message's DNS question budget is spent before iprev starts (other
 * checks used it): start succeeds with a finished temperror, asks nothing. */
static void
test_iprev_budget_spent_at_start(void **state)
{
    static const char              zone[] = "x.example TXT \"x\"\n";
    mailauth_ctx_t                *ctx = NULL;
    mailauth_resolver_t           *r = NULL;
    mailauth__dnsc_t               dns;
    mailauth__arena_t              a;
    mailauth__ip_t                 ip;
    mailauth__dns_q_t             *q = NULL;
    mailauth__iprev_t             *it = NULL;
    const mailauth_iprev_result_t *res;
    (void)state;
    assert_true(mailauth__ip_parse("2001:db8::1", 11, &ip));
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_DNS_QUERIES, 1), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(ctx, zone, sizeof(zone) - 1, NULL, &r),
                     MAILAUTH_OK);
    mailauth__dnsc_init(&dns, r, NULL, NULL);
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__dnsc_ask(&dns, "x.example", 9, MAILAUTH_DNS_TXT, &q), MAILAUTH_OK);
    assert_int_equal(mailauth__iprev_start(&a, mailauth__ctx_env(ctx), &dns, &ip, &it),
                     MAILAUTH_OK);
    res = mailauth__iprev_result(it);
    assert_non_null(res);
    assert_int_equal(mailauth__iprev_step(it), MAILAUTH_OK);
    assert_int_equal(mailauth_iprev_result_verdict(res), MAILAUTH_VERDICT_TEMPERROR);
    assert_int_equal(mailauth_iprev_result_reason(res), MAILAUTH_REASON_IPREV_DNS_TEMPFAIL);
    assert_string_equal(mailauth_iprev_result_ip(res), "2001:db8::1");
    assert_string_equal(mailauth_iprev_result_problem(res),
                        "DNS query limit of the message reached at the PTR lookup");
    assert_int_equal(dns.asked, 1);
    mailauth__dnsc_clear(&dns);
    mailauth__arena_clear(&a);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

/* ---- memory and API edges ----------------------------------------------- */

/* Every allocation of the check's arena fails in turn: ENOMEM, nothing leaks. */
static void
test_iprev_oom(void **state)
{
    static const char zone[] = "1.2.0.192.in-addr.arpa PTR n1.example.org\n"
                               "1.2.0.192.in-addr.arpa PTR n2.example.org\n"
                               "n1.example.org A 198.51.100.1\n"
                               "n2.example.org A 192.0.2.1\n";
    unsigned long     k;
    (void)state;
    for (k = 1; k < 1000; k++) {
        fail_alloc_t         fa;
        iprev_harness_case_t c;
        iprev_harness_out_t  o;
        int                  rc;
        fail_alloc_init(&fa, k);
        memset(&c, 0, sizeof(c));
        c.zone = zone;
        c.zone_len = sizeof(zone) - 1;
        c.ip = "192.0.2.1";
        c.arena_al = &fa.al;
        c.async = (k % 2) == 0;
        rc = iprev_harness_run(&c, &o);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(rc, 0);
            assert_int_equal(o.verdict, MAILAUTH_VERDICT_PASS);
            assert_string_equal(o.name, "n2.example.org");
            break;
        }
        assert_int_equal(rc, -1);
        assert_int_equal(o.status, MAILAUTH_ENOMEM);
    }
    assert_true(k > 1 && k < 1000);
}

/* Contract edges of the internal API and the getters. */
static void
test_iprev_api(void **state)
{
    mailauth__arena_t   a;
    mailauth__dnsc_t    dns;
    mailauth__ip_t      ip, bad;
    mailauth__iprev_t  *it = (mailauth__iprev_t *)&a;
    mailauth_ctx_t     *ctx = NULL;
    mailauth_authres_t *ar = NULL;
    (void)state;
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    mailauth__dnsc_init(&dns, NULL, NULL, NULL);
    assert_true(mailauth__ip_parse("192.0.2.1", 9, &ip));
    memset(&bad, 0, sizeof(bad));
    assert_int_equal(mailauth__iprev_start(NULL, mailauth__ctx_env(ctx), &dns, &ip, &it),
                     MAILAUTH_EINVAL);
    assert_null(it);
    it = (mailauth__iprev_t *)&a;
    assert_int_equal(mailauth__iprev_start(&a, NULL, &dns, &ip, &it), MAILAUTH_EINVAL);
    assert_null(it);
    assert_int_equal(mailauth__iprev_start(&a, mailauth__ctx_env(ctx), NULL, &ip, &it),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__iprev_start(&a, mailauth__ctx_env(ctx), &dns, NULL, &it),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__iprev_start(&a, mailauth__ctx_env(ctx), &dns, &bad, &it),
                     MAILAUTH_EINVAL); /* family neither 4 nor 6 */
    assert_null(it);
    assert_int_equal(mailauth__iprev_start(&a, mailauth__ctx_env(ctx), &dns, &ip, NULL),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__iprev_step(NULL), MAILAUTH_EINVAL);
    assert_null(mailauth__iprev_result(NULL));
    assert_int_equal(mailauth_authres_new(NULL, "mx.example.net", &ar), MAILAUTH_OK);
    assert_int_equal(mailauth__iprev_add_authres(NULL, ar), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_authres_resinfo_count(ar), 0);
    mailauth_authres_free(ar);
    assert_int_equal(mailauth_iprev_result_verdict(NULL), MAILAUTH_VERDICT_NONE);
    assert_int_equal(mailauth_iprev_result_reason(NULL), MAILAUTH_REASON_NONE);
    assert_null(mailauth_iprev_result_ip(NULL));
    assert_null(mailauth_iprev_result_name(NULL));
    assert_null(mailauth_iprev_result_problem(NULL));
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
    size_t             extra = ARRAY_LEN(name_cases) + ARRAY_LEN(order_cases) + 8;
    int                rc;
    for (size_t f = 0; f < nfiles; f++) {
        for (size_t i = 0; i < files[f].nsections; i++) {
            if (case_section_blocks(&files[f], &files[f].sections[i]) != 0)
                return 1;
            n += files[f].sections[i].nblocks;
        }
    }
    if (n == 0) {
        fprintf(stderr, "no iprev cases in %s/iprev\n", MAILAUTH_TEST_DATA);
        return 1;
    }
    refs = calloc(n + 1, sizeof(*refs));
    tests = calloc(n + extra, sizeof(*tests));
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
                tests[k] = (struct CMUnitTest){
                    .name = refs[k].name, .test_func = test_iprev_case, .initial_state = &refs[k]};
            }
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(name_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = name_cases[i].title,
                                         .test_func = test_iprev_names,
                                         .initial_state = (void *)&name_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(order_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = order_cases[i].title,
                                         .test_func = test_iprev_answer_order,
                                         .initial_state = (void *)&order_cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_iprev_hostile_ptr_answer);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_iprev_parallel_round_trips);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_iprev_deadline);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_iprev_budget_spent_at_start);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_iprev_oom);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_iprev_api);
    rc = _cmocka_run_group_tests("iprev", tests, k, NULL, NULL);
    for (size_t f = 0; f < nfiles; f++)
        case_file_free(&files[f]);
    free(refs);
    free(tests);
    return rc;
}
