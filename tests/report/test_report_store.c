/* The history store on one back end (argv[1]: sqlite or postgresql): rows
 * round trip with every field, NULLs, UTF-8 and 100 DKIM results; bad
 * rows are refused whole; the schema is created, re-opened and a newer one
 * refused; aggregate grouping and counts on a known set. Received reports
 * and the generator's bookkeeping: test_report_store_books.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_check.h"
#include "store_fixture.h"

#define T0 1700000000

/* ---- round trip ----------------------------------------------------------- */

struct collected {
    size_t                   n;
    mailauth_report_record_t want[4];
    bool                     same[4];
    int64_t                  time[4];
    bool                     policy_same[4];
};

static int
compare_row(void *arg, const mailauth_report_record_t *r)
{
    struct collected *c = arg;
    if (c->n < 4) {
        c->same[c->n] = same_record_fields(r, &c->want[c->n]) && r->count == 1;
        c->policy_same[c->n] = same_policy(r->policy, c->want[c->n].policy);
        c->time[c->n] = r->time;
    }
    c->n++;
    return 0;
}

static void
test_report_store_round_trip(void **state)
{
    struct fixture_rec       full, nulls;
    mailauth_report_dkim_t   many[100];
    char                     names[100][32];
    mailauth_report_record_t big;
    struct collected         c = {0};
    mailauth_report_store_t *s = fixture_open(fixture_new_uri());
    (void)state;
    fixture_record(&full, 1, T0);
    full.rec.header_from = "bücher.example"; /* UTF-8, 2 bytes */
    full.dkim[1].human_result =
        "clé \xe2\x82\xac ; 3:x - \xf0\x9f\x99\x82"; /* and the codec's bytes */
    full.reasons[1].comment = "";                    /* empty is not NULL */
    memset(&nulls, 0, sizeof(nulls));
    nulls.rec = (mailauth_report_record_t){.version = MAILAUTH_REPORT_STRUCT_VERSION, .time = -5};
    for (size_t i = 0; i < 100; i++) {
        snprintf(names[i], sizeof(names[i]), "d%zu.example", i);
        many[i] =
            (mailauth_report_dkim_t){names[i], i % 3 == 0 ? NULL : "sel",
                                     i % 2 == 0 ? "pass" : "fail", i % 5 == 0 ? "1:-;" : NULL};
    }
    big = full.rec;
    big.time = T0 + 10;
    big.dkim = many;
    big.dkim_count = 100;
    big.policy = NULL;
    assert_int_equal(mailauth_report_store_add(s, &full.rec), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_add(s, &nulls.rec), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_add(s, &big), MAILAUTH_OK);
    c.want[0] = nulls.rec;
    c.want[1] = full.rec;
    c.want[2] = big;
    assert_int_equal(mailauth_report_store_rows(s, -10, T0 + 11, compare_row, &c), MAILAUTH_OK);
    assert_int_equal(c.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(c.same[i]);
        assert_true(c.policy_same[i]);
    }
    assert_int_equal(c.time[0], -5);
    assert_int_equal(c.time[1], T0);
    assert_int_equal(c.time[2], T0 + 10);
    c.n = 0; /* [begin, end): the row at end is out */
    assert_int_equal(mailauth_report_store_rows(s, T0, T0 + 10, compare_row, &c), MAILAUTH_OK);
    assert_int_equal(c.n, 1);
    mailauth_report_store_close(s);
    fixture_drop();
}

static void
test_report_store_refuses_bad_rows(void **state)
{
    struct fixture_rec       good, bad;
    mailauth_report_record_t batch[3];
    mailauth_report_reason_t no_type = {NULL, "x"};
    uint64_t                 n = 99;
    mailauth_report_store_t *s = fixture_open(fixture_new_uri());
    (void)state;
    fixture_record(&good, 1, T0);
    fixture_record(&bad, 2, T0);
    bad.rec.header_from = "bad\xff.example";
    assert_int_equal(mailauth_report_store_add(s, &bad.rec), MAILAUTH_EINVAL);
    assert_non_null(strstr(mailauth_report_store_error(s), "UTF-8"));
    bad.rec.header_from = "ok.example";
    bad.pol.rua = "mailto:\xc0\xaf@x"; /* overlong '/' */
    assert_int_equal(mailauth_report_store_add(s, &bad.rec), MAILAUTH_EINVAL);
    bad.pol.rua = NULL;
    bad.rec.reasons = &no_type;
    bad.rec.reason_count = 1;
    assert_int_equal(mailauth_report_store_add(s, &bad.rec), MAILAUTH_EINVAL);
    bad.rec.reason_count = 0;
    bad.rec.dkim = NULL;
    assert_int_equal(mailauth_report_store_add(s, &bad.rec), MAILAUTH_EINVAL);
    bad.rec.dkim_count = 0;
    bad.rec.version = 0;
    assert_int_equal(mailauth_report_store_add(s, &bad.rec), MAILAUTH_EINVAL);
    bad.rec.version = MAILAUTH_REPORT_STRUCT_VERSION;
    bad.rec.header_from = "\xed\xa0\x80"; /* a surrogate */
    batch[0] = good.rec;
    batch[1] = bad.rec;
    batch[2] = good.rec;
    assert_int_equal(mailauth_report_store_add_batch(s, batch, 3), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_report_store_add(s, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_report_store_add(NULL, &good.rec), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_report_store_count(s, INT64_MIN, INT64_MAX, &n), MAILAUTH_OK);
    assert_int_equal(n, 0); /* nothing of the batch either */
    assert_int_equal(mailauth_report_store_add_batch(s, batch, 1), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_count(s, INT64_MIN, INT64_MAX, &n), MAILAUTH_OK);
    assert_int_equal(n, 1);
    mailauth_report_store_close(s);
    fixture_drop();
}

static int
count_rows(void *arg, const mailauth_report_record_t *r)
{
    (void)r;
    ++*(size_t *)arg;
    return 0;
}

static int
count_groups(void *arg, const mailauth_report_policy_t *p, const mailauth_report_record_t *r,
             size_t n)
{
    (void)p;
    (void)r;
    (void)n;
    ++*(size_t *)arg;
    return 0;
}

/* A list column that something else wrote wrong is an error, not a crash
 * and not a row with half its results. */
static void
test_report_store_corrupt_list(void **state)
{
    static const char *const bad[] = {
        "UPDATE history SET dkim = '5:ab;'",         /* length past the end */
        "UPDATE history SET dkim = '2:ab'",          /* no item end */
        "UPDATE history SET spf = 'x;'",             /* not a field */
        "UPDATE history SET reasons = '1:a1:b1:c;'", /* a field too many */
        "UPDATE history SET dkim = '99999999999999999999999:a;'",
    };
    struct fixture_rec       f;
    mailauth_report_store_t *s = fixture_open(fixture_new_uri());
    (void)state;
    fixture_record(&f, 1, T0);
    assert_int_equal(mailauth_report_store_add(s, &f.rec), MAILAUTH_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = 0;
        assert_true(fixture_sql(bad[i], NULL, 0));
        assert_int_equal(mailauth_report_store_rows(s, T0, T0 + 1, count_rows, &n),
                         MAILAUTH_EINTERNAL);
        assert_int_equal(n, 0);
        assert_int_equal(mailauth_report_store_aggregate(s, T0, T0 + 1, count_groups, &n),
                         MAILAUTH_EINTERNAL);
        assert_int_equal(n, 0);
        assert_non_null(strstr(mailauth_report_store_error(s), "cannot be read"));
        assert_true(fixture_sql("UPDATE history SET dkim = '', spf = '', reasons = ''", NULL, 0));
    }
    mailauth_report_store_close(s);
}

/* ---- schema ----------------------------------------------------------------- */

static void
test_report_store_schema(void **state)
{
    const char              *uri = fixture_new_uri();
    struct fixture_rec       f;
    char                     v[64] = "";
    char                     err[256] = "";
    uint64_t                 n = 0;
    mailauth_report_store_t *s = fixture_open(uri);
    (void)state;
    assert_string_equal(mailauth_report_store_backend(s),
                        fixture_is_pg() ? "postgresql" : "sqlite");
    fixture_record(&f, 1, T0);
    assert_int_equal(mailauth_report_store_add(s, &f.rec), MAILAUTH_OK);
    mailauth_report_store_close(s);
    assert_true(fixture_sql("SELECT version FROM schema_version", v, sizeof(v)));
    assert_string_equal(v, "1");
    s = fixture_open(uri); /* re-open: nothing to migrate, the row is there */
    assert_int_equal(mailauth_report_store_count(s, T0, T0 + 1, &n), MAILAUTH_OK);
    assert_int_equal(n, 1);
    mailauth_report_store_close(s);
    assert_true(fixture_sql("SELECT COUNT(*) FROM schema_version", v, sizeof(v)));
    assert_string_equal(v, "1");
    assert_true(fixture_sql("UPDATE schema_version SET version = 99", NULL, 0));
    s = (mailauth_report_store_t *)1;
    assert_int_equal(mailauth_report_store_open(uri, 0, &s, err, sizeof(err)), MAILAUTH_ENOTSUP);
    assert_null(s);
    assert_non_null(strstr(err, "newer"));
    assert_true(fixture_sql("UPDATE schema_version SET version = 1", NULL, 0));
    s = fixture_open(uri);
    mailauth_report_store_close(s);
    fixture_drop();
}

/* PostgreSQL: a role that may only read and write rows opens a store that
 * is up to date (no DDL on open) and adds to it. */
static void
test_report_store_writer_role(void **state)
{
    char                     uri[1024], sql[512], role[32];
    const char              *owner_uri;
    const char              *at;
    struct fixture_rec       f;
    mailauth_report_store_t *s;
    (void)state;
    if (!fixture_is_pg())
        skip();
    owner_uri = fixture_new_uri();
    s = fixture_open(owner_uri); /* the owner creates the schema */
    mailauth_report_store_close(s);
    snprintf(role, sizeof(role), "writer_%ld", (long)getpid());
    snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN", role);
    assert_true(fixture_sql(sql, NULL, 0));
    snprintf(sql, sizeof(sql),
             "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO %s; "
             "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO %s; "
             "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
             role, role);
    assert_true(fixture_sql(sql, NULL, 0));
    at = strstr(owner_uri, "&user=");
    assert_non_null(at);
    snprintf(uri, sizeof(uri), "%.*s&user=%s", (int)(at - owner_uri), owner_uri, role);
    s = fixture_open(uri);
    fixture_record(&f, 7, T0);
    assert_int_equal(mailauth_report_store_add(s, &f.rec), MAILAUTH_OK);
    mailauth_report_store_close(s);
}

static void
test_report_store_bad_uris(void **state)
{
    static const struct {
        const char       *uri;
        mailauth_status_t want;
    } cases[] = {
        {"mysql://localhost/x", MAILAUTH_EINVAL},
        {"sqlite:", MAILAUTH_EINVAL},
        {"/var/lib/history.db", MAILAUTH_EINVAL},
        {"sqlite:/nonexistent-folder-of-the-test/h.db", MAILAUTH_EAGAIN},
        {"postgresql:///x?host=/nonexistent-folder-of-the-test&port=1", MAILAUTH_EAGAIN},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mailauth_report_store_t *s = NULL;
        char                     err[256] = "";
        assert_int_equal(mailauth_report_store_open(cases[i].uri, 0, &s, err, sizeof(err)),
                         cases[i].want);
        assert_null(s);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(mailauth_report_store_open(NULL, 0, NULL, NULL, 0), MAILAUTH_EINVAL);
}

/* The flags: SYNC_NORMAL opens and writes (on PostgreSQL it changes
 * nothing); an unknown bit is refused before anything is opened. */
static void
test_report_store_flags(void **state)
{
    const char              *uri = fixture_new_uri();
    mailauth_report_store_t *s = NULL;
    struct fixture_rec       f;
    char                     err[128] = "";
    uint64_t                 n = 0;
    (void)state;
    assert_int_equal(mailauth_report_store_open(uri, 0x80u, &s, err, sizeof(err)), MAILAUTH_EINVAL);
    assert_null(s);
    assert_int_equal(
        mailauth_report_store_open(uri, MAILAUTH_REPORT_STORE_SYNC_NORMAL, &s, err, sizeof(err)),
        MAILAUTH_OK);
    fixture_record(&f, 3, T0);
    assert_int_equal(mailauth_report_store_add_batch(s, &f.rec, 1), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_count(s, T0, T0 + 1, &n), MAILAUTH_OK);
    assert_int_equal(n, 1);
    mailauth_report_store_close(s);
}

/* ---- aggregate ---------------------------------------------------------------- */

struct agg_seen {
    size_t calls;
    char   domain[4][32];
    char   p[4][16];
    size_t nrec[4];
    char   summary[4][256]; /* "ip:count:dkim-domains|..." */
    int    stop_after;
};

static int
agg_collect(void *arg, const mailauth_report_policy_t *pol, const mailauth_report_record_t *r,
            size_t n)
{
    struct agg_seen *a = arg;
    size_t           k = a->calls++;
    if (k >= 4)
        return 1;
    snprintf(a->domain[k], sizeof(a->domain[k]), "%s", pol->domain);
    snprintf(a->p[k], sizeof(a->p[k]), "%s", pol->p);
    a->nrec[k] = n;
    for (size_t i = 0; i < n; i++) {
        char item[64];
        snprintf(item, sizeof(item), "%s:%llu:%s%s|", r[i].source_ip,
                 (unsigned long long)r[i].count, r[i].dkim_count > 0 ? r[i].dkim[0].domain : "",
                 r[i].dkim_count > 1 ? r[i].dkim[1].domain : "");
        strncat(a->summary[k], item, sizeof(a->summary[k]) - strlen(a->summary[k]) - 1);
        if (r[i].policy != pol || r[i].time != 0)
            return 1;
    }
    return a->stop_after != 0 && (int)a->calls >= a->stop_after;
}

static void
add_n(mailauth_report_store_t *s, const mailauth_report_record_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(mailauth_report_store_add(s, r), MAILAUTH_OK);
}

/* The known set: a.example with two configurations, b.example, rows out
 * of the period and rows without a policy. */
static void
add_known_set(mailauth_report_store_t *s)
{
    struct fixture_rec       f;
    mailauth_report_record_t r;
    mailauth_report_policy_t p1, p2, p3;
    mailauth_report_dkim_t   xy[2] = {{"x.example", "s", "pass", NULL},
                                      {"y.example", "s", "fail", NULL}};
    mailauth_report_dkim_t   yx[2] = {{"y.example", "s", "fail", NULL},
                                      {"x.example", "s", "pass", NULL}};
    fixture_record(&f, 1, T0 + 100);
    p1 = f.pol;
    p1.domain = "a.example";
    p2 = p1;
    p2.p = "none";
    p3 = p1;
    p3.domain = "b.example";
    r = f.rec;
    r.policy = &p1;
    r.source_ip = "192.0.2.1";
    r.dkim_count = 0;
    add_n(s, &r, 3);
    r.time = T0 - 1; /* before the period */
    add_n(s, &r, 1);
    r.time = T0 + 86400; /* at its end: out */
    add_n(s, &r, 1);
    r.time = T0 + 100;
    r.policy = &p2;
    add_n(s, &r, 1);
    r.policy = NULL; /* no policy domain: never reported */
    add_n(s, &r, 2);
    r.policy = &p1;
    r.source_ip = "192.0.2.2";
    r.dkim = xy;
    r.dkim_count = 2;
    add_n(s, &r, 2);
    r.dkim = yx; /* the same results in another order: another record */
    add_n(s, &r, 1);
    r.policy = &p3;
    r.source_ip = "198.51.100.7";
    add_n(s, &r, 5);
}

static void
test_report_store_aggregate(void **state)
{
    struct agg_seen          a = {0};
    mailauth_report_store_t *s = fixture_open(fixture_new_uri());
    (void)state;
    add_known_set(s);
    assert_int_equal(mailauth_report_store_aggregate(s, T0, T0 + 86400, agg_collect, &a),
                     MAILAUTH_OK);
    assert_int_equal(a.calls, 3);
    assert_string_equal(a.domain[0], "a.example"); /* p=none sorts before p=reject */
    assert_string_equal(a.p[0], "none");
    assert_int_equal(a.nrec[0], 1);
    assert_string_equal(a.summary[0], "192.0.2.1:1:|");
    assert_string_equal(a.domain[1], "a.example");
    assert_string_equal(a.p[1], "reject");
    assert_int_equal(a.nrec[1], 3);
    assert_string_equal(
        a.summary[1],
        "192.0.2.1:3:|192.0.2.2:2:x.exampley.example|192.0.2.2:1:y.examplex.example|");
    assert_string_equal(a.domain[2], "b.example");
    assert_string_equal(a.summary[2], "198.51.100.7:5:y.examplex.example|");
    memset(&a, 0, sizeof(a));
    a.stop_after = 1;
    assert_int_equal(mailauth_report_store_aggregate(s, T0, T0 + 86400, agg_collect, &a),
                     MAILAUTH_ECANCELED);
    assert_int_equal(a.calls, 1);
    memset(&a, 0, sizeof(a));
    assert_int_equal(mailauth_report_store_aggregate(s, 0, 10, agg_collect, &a), MAILAUTH_OK);
    assert_int_equal(a.calls, 0);
    mailauth_report_store_close(s);
    fixture_drop();
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_report_store_round_trip, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_refuses_bad_rows, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_corrupt_list, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_schema, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_writer_role, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_bad_uris, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_flags, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_aggregate, fixture_teardown),
    };
    if (!fixture_init(argc, argv))
        return 2;
    return cmocka_run_group_tests_name(
        fixture_is_pg() ? "report_store_postgresql" : "report_store_sqlite", tests, NULL, NULL);
}
