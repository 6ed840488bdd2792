/* The history store on one back end (argv[1]: sqlite or postgresql): the
 * imported reports (kept once per org_name + report_id, whole or not at
 * all, read back in order) and the generator's bookkeeping (one report
 * per domain and period, a report claimed by one sender only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_check.h"
#include "store_fixture.h"

#define T0 1700000000

/* ---- imported reports ------------------------------------------------------ */

static mailauth_report_meta_t
meta(const char *org, const char *id, int64_t begin)
{
    static const char *const errors[] = {"first error", "zweiter Fehler é"};
    return (mailauth_report_meta_t){.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                    .schema = "2.0",
                                    .org_name = org,
                                    .email = "noreply-dmarc@example.com",
                                    .extra_contact_info = NULL,
                                    .report_id = id,
                                    .begin = begin,
                                    .end = begin + 86399,
                                    .generator = "test 1.0",
                                    .errors = errors,
                                    .error_count = 2};
}

struct imp_seen {
    size_t                          reports;
    char                            what[8][128]; /* "org/id:records:count,count,...;errors" */
    bool                            fields_ok;
    const mailauth_report_record_t *want;
    const mailauth_report_policy_t *want_policy;
};

static int
imp_collect(void *arg, const mailauth_report_meta_t *m, const mailauth_report_policy_t *pol,
            const mailauth_report_record_t *r, size_t n)
{
    struct imp_seen *s = arg;
    char            *w;
    if (s->reports >= 8)
        return 1;
    w = s->what[s->reports++];
    snprintf(w, 128, "%s/%s:%zu:", m->org_name, m->report_id, n);
    for (size_t i = 0; i < n; i++)
        snprintf(w + strlen(w), 128 - strlen(w), "%llu,", (unsigned long long)r[i].count);
    snprintf(w + strlen(w), 128 - strlen(w), ";%zu", m->error_count);
    if (n > 0 && (!same_record_fields(&r[0], s->want) || !same_policy(pol, s->want_policy) ||
                  r[0].policy != pol || m->error_count != 2 ||
                  strcmp(m->errors[1], "zweiter Fehler é") != 0 || m->begin < T0 ||
                  m->end != m->begin + 86399 || strcmp(m->schema, "2.0") != 0 ||
                  m->extra_contact_info != NULL))
        s->fields_ok = false;
    return 0;
}

static void
import_one(mailauth_report_store_t *s, const mailauth_report_meta_t *m,
           const mailauth_report_record_t *r, int want_dup)
{
    int                      dup = -1;
    mailauth_report_record_t rec = *r;
    assert_int_equal(mailauth_report_store_import_begin(s, m, r->policy, &dup), MAILAUTH_OK);
    assert_int_equal(dup, want_dup);
    for (uint64_t c = 5; c <= 7; c++) {
        rec.count = c;
        assert_int_equal(mailauth_report_store_import_record(s, &rec), MAILAUTH_OK);
    }
    assert_int_equal(mailauth_report_store_import_end(s, 1), MAILAUTH_OK);
}

static void
test_report_store_import(void **state)
{
    struct fixture_rec       f;
    mailauth_report_meta_t   m1 = meta("google.com", "123", T0 + 86400);
    mailauth_report_meta_t   m2 = meta("yahoo.com", "123", T0);
    mailauth_report_meta_t   m3 = meta("google.com", "456", T0);
    mailauth_report_meta_t   m4 = meta("", "789", T0);
    struct imp_seen          seen = {0};
    int                      dup = -1;
    mailauth_report_store_t *s = fixture_open(fixture_new_uri());
    (void)state;
    fixture_record(&f, 1, 0);
    seen.want = &f.rec;
    seen.want_policy = &f.pol;
    seen.fields_ok = true;
    import_one(s, &m1, &f.rec, 0);
    import_one(s, &m1, &f.rec, 1); /* same org and id: kept once */
    import_one(s, &m2, &f.rec, 0); /* same id, another org: another report */
    /* rolled back: nothing of it stays */
    assert_int_equal(mailauth_report_store_import_begin(s, &m3, &f.pol, &dup), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_import_record(s, &f.rec), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_add(s, &f.rec), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_report_store_import_begin(s, &m3, &f.pol, &dup), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_report_store_import_end(s, 0), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_import_end(s, 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_report_store_import_record(s, &f.rec), MAILAUTH_ESTATE);
    /* no report_id: refused, and no import is open afterwards */
    m3.report_id = NULL;
    assert_int_equal(mailauth_report_store_import_begin(s, &m3, &f.pol, &dup), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_report_store_import_end(s, 1), MAILAUTH_ESTATE);
    m3.report_id = "456";
    /* no org_name (an empty <org_name/>): kept under "", once */
    m4.org_name = NULL;
    import_one(s, &m4, &f.rec, 0);
    import_one(s, &m4, &f.rec, 1);
    /* a bad record is refused, the import goes on */
    assert_int_equal(mailauth_report_store_import_begin(s, &m3, &f.pol, &dup), MAILAUTH_OK);
    assert_int_equal(dup, 0);
    f.rec.source_ip = "\xff";
    assert_int_equal(mailauth_report_store_import_record(s, &f.rec), MAILAUTH_EINVAL);
    f.rec.source_ip = f.ip;
    assert_int_equal(mailauth_report_store_import_record(s, &f.rec), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_import_end(s, 1), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_imported(s, 0, INT64_MAX, imp_collect, &seen),
                     MAILAUTH_OK);
    assert_int_equal(seen.reports, 4);
    assert_true(seen.fields_ok);
    assert_string_equal(seen.what[0], "/789:3:5,6,7,;2"); /* by begin, then org */
    assert_string_equal(seen.what[1], "google.com/456:1:1,;2");
    assert_string_equal(seen.what[2], "yahoo.com/123:3:5,6,7,;2");
    assert_string_equal(seen.what[3], "google.com/123:3:5,6,7,;2");
    memset(&seen, 0, sizeof(seen));
    seen.want = &f.rec;
    seen.want_policy = &f.pol;
    seen.fields_ok = true;
    assert_int_equal(mailauth_report_store_imported(s, T0 + 86400, T0 + 86401, imp_collect, &seen),
                     MAILAUTH_OK);
    assert_int_equal(seen.reports, 1);
    assert_string_equal(seen.what[0], "google.com/123:3:5,6,7,;2");
    mailauth_report_store_close(s);
    fixture_drop();
}

/* ---- generated reports and their sending ----------------------------------- */

struct gen_seen {
    size_t  n;
    char    ids[4][128];
    char    state[4][16];
    char    error[4][64];
    int64_t sent[4];
};

static int
gen_collect(void *arg, const mailauth_report_generated_t *g)
{
    struct gen_seen *s = arg;
    if (s->n < 4) {
        snprintf(s->ids[s->n], 128, "%s %s %s", g->report_id, g->file != NULL ? g->file : "-",
                 g->destinations != NULL ? g->destinations : "-");
        snprintf(s->state[s->n], 16, "%s", g->state);
        snprintf(s->error[s->n], 64, "%s", g->error != NULL ? g->error : "-");
        s->sent[s->n] = g->sent;
    }
    s->n++;
    return 0;
}

/* r2 (h) through its states, with two senders. */
static void
check_sending(mailauth_report_store_t *s, mailauth_report_store_t *other,
              const mailauth_report_generated_t *h)
{
    struct gen_seen seen = {0};
    int             found = -1, claimed = -1;
    /* one sender gets it */
    assert_int_equal(mailauth_report_store_send_claim(s, "r2", &claimed), MAILAUTH_OK);
    assert_int_equal(claimed, 1);
    assert_int_equal(mailauth_report_store_send_claim(other, "r2", &claimed), MAILAUTH_OK);
    assert_int_equal(claimed, 0);
    assert_int_equal(mailauth_report_store_send_done(s, "r2", 0, "550 no such user"), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_send_done(s, "r2", T0, NULL), MAILAUTH_ESTATE);
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(mailauth_report_store_unsent(other, gen_collect, &seen), MAILAUTH_OK);
    assert_int_equal(seen.n, 2); /* oldest first; a failed one may be tried again */
    assert_string_equal(seen.state[0], "pending");
    assert_string_equal(seen.state[1], "failed");
    assert_string_equal(seen.error[1], "550 no such user");
    assert_string_equal(seen.ids[1], "r2 - mailto:rua@example.org");
    assert_int_equal(mailauth_report_store_send_claim(other, "r2", &claimed), MAILAUTH_OK);
    assert_int_equal(claimed, 1);
    assert_int_equal(mailauth_report_store_send_done(other, "r2", T0 + 200000, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_send_claim(s, "r2", &claimed), MAILAUTH_OK);
    assert_int_equal(claimed, 0); /* sent: never again */
    assert_int_equal(mailauth_report_store_send_claim(s, "no-such-id", &claimed), MAILAUTH_OK);
    assert_int_equal(claimed, 0);
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(mailauth_report_store_generated_find(s, "example.org", h->begin, h->end,
                                                          gen_collect, &seen, &found),
                     MAILAUTH_OK);
    assert_string_equal(seen.state[0], "sent");
    assert_string_equal(seen.error[0], "-");
    assert_int_equal(seen.sent[0], T0 + 200000);
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(mailauth_report_store_unsent(s, gen_collect, &seen), MAILAUTH_OK);
    assert_int_equal(seen.n, 1);
}

static void
test_report_store_generated(void **state)
{
    mailauth_report_generated_t g = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                     .policy_domain = "example.org",
                                     .begin = T0,
                                     .end = T0 + 86399,
                                     .report_id = "example.net!example.org!1700000000",
                                     .file = "/var/spool/r1.xml.gz",
                                     .destinations = "mailto:rua@example.org",
                                     .created = T0 + 90000};
    mailauth_report_generated_t h = g;
    struct gen_seen             seen = {0};
    int                         existed = -1, found = -1;
    const char                 *uri = fixture_new_uri();
    mailauth_report_store_t    *s = fixture_open(uri);
    mailauth_report_store_t    *other = fixture_open(uri); /* a second sender */
    (void)state;
    assert_int_equal(mailauth_report_store_generated_add(s, &g, &existed), MAILAUTH_OK);
    assert_int_equal(existed, 0);
    h.report_id = "another-id"; /* generated again: the first one stays */
    h.file = "/elsewhere";
    assert_int_equal(mailauth_report_store_generated_add(other, &h, &existed), MAILAUTH_OK);
    assert_int_equal(existed, 1);
    h.begin = T0 + 86400; /* a report id is used once */
    h.end = T0 + 2 * 86400 - 1;
    h.report_id = g.report_id;
    assert_int_equal(mailauth_report_store_generated_add(s, &h, &existed), MAILAUTH_EINVAL);
    h.report_id = "r2";
    h.file = NULL;
    h.created = T0 + 180000;
    assert_int_equal(mailauth_report_store_generated_add(s, &h, &existed), MAILAUTH_OK);
    assert_int_equal(existed, 0);
    assert_int_equal(mailauth_report_store_generated_find(s, "example.org", T0, T0 + 86399,
                                                          gen_collect, &seen, &found),
                     MAILAUTH_OK);
    assert_int_equal(found, 1);
    assert_string_equal(seen.ids[0], "example.net!example.org!1700000000 /var/spool/r1.xml.gz "
                                     "mailto:rua@example.org");
    assert_string_equal(seen.state[0], "pending");
    assert_int_equal(mailauth_report_store_generated_find(s, "example.org", T0, T0 + 1, gen_collect,
                                                          &seen, &found),
                     MAILAUTH_OK);
    assert_int_equal(found, 0);
    check_sending(s, other, &h);
    g.report_id = NULL;
    assert_int_equal(mailauth_report_store_generated_add(s, &g, &existed), MAILAUTH_EINVAL);
    mailauth_report_store_close(other);
    mailauth_report_store_close(s);
    fixture_drop();
}

/* 4 processes claim the same 40 reports at once: each is claimed once. */
#define RACE_REPORTS 40
#define RACE_SENDERS 4

static void
race_sender(const char *uri, unsigned k, int fd)
{
    mailauth_report_store_t *s = NULL;
    char                     err[256], id[32];
    if (mailauth_report_store_open(uri, 0, &s, err, sizeof(err)) != MAILAUTH_OK)
        _exit(1);
    for (unsigned j = 0; j < RACE_REPORTS; j++) {
        unsigned char i = (unsigned char)((j * (2 * k + 1) + k) % RACE_REPORTS);
        int           claimed = 0;
        snprintf(id, sizeof(id), "race-%u", i);
        if (mailauth_report_store_send_claim(s, id, &claimed) != MAILAUTH_OK ||
            (claimed && write(fd, &i, 1) != 1))
            _exit(1);
    }
    mailauth_report_store_close(s);
    _exit(0);
}

static void
test_report_store_claim_race(void **state)
{
    const char                 *uri = fixture_new_uri();
    mailauth_report_store_t    *s = fixture_open(uri);
    mailauth_report_generated_t g = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                     .policy_domain = "example.org"};
    unsigned char               got[RACE_REPORTS] = {0}, i;
    char                        id[32];
    int                         fds[2], existed;
    pid_t                       pid[RACE_SENDERS];
    (void)state;
    for (unsigned j = 0; j < RACE_REPORTS; j++) {
        snprintf(id, sizeof(id), "race-%u", j);
        g.report_id = id;
        g.begin = T0 + 86400 * (int64_t)j;
        g.end = g.begin + 86399;
        assert_int_equal(mailauth_report_store_generated_add(s, &g, &existed), MAILAUTH_OK);
    }
    mailauth_report_store_close(s);
    assert_int_equal(pipe(fds), 0);
    for (unsigned k = 0; k < RACE_SENDERS; k++) {
        pid[k] = fork();
        assert_true(pid[k] >= 0);
        if (pid[k] == 0) {
            close(fds[0]);
            race_sender(uri, k, fds[1]);
        }
    }
    close(fds[1]);
    while (read(fds[0], &i, 1) == 1) {
        assert_true(i < RACE_REPORTS);
        got[i]++;
    }
    close(fds[0]);
    for (unsigned k = 0; k < RACE_SENDERS; k++) {
        int status = 0;
        assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    for (unsigned j = 0; j < RACE_REPORTS; j++)
        assert_int_equal(got[j], 1);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_report_store_import, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_generated, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_claim_race, fixture_teardown),
    };
    if (!fixture_init(argc, argv))
        return 2;
    return cmocka_run_group_tests_name(fixture_is_pg() ? "report_store_books_postgresql"
                                                       : "report_store_books_sqlite",
                                       tests, NULL, NULL);
}
