/* Tests of the history store: one fresh, empty store per test, on the
 * back end named by the binary's argument ("sqlite": a file in a new
 * temporary folder; "postgresql": a new database on the server that
 * tests/report/pg_run.sh started, found through MAILAUTH_TEST_PG_SOCKDIR,
 * MAILAUTH_TEST_PG_PORT and MAILAUTH_TEST_PG_USER), and record builders. */
#ifndef MAILAUTH_TEST_STORE_FIXTURE_H
#define MAILAUTH_TEST_STORE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/report.h>

#define FIXTURE_SKIP 77

/* Pick the back end from argv[1]; false (after a message) on a bad argument. */
bool fixture_init(int argc, char **argv);
bool fixture_is_pg(void);

/* A fresh store's URI (a new file or database), valid until fixture_drop(). */
const char *fixture_new_uri(void);
/* Remove what fixture_new_uri() made; also a cmocka teardown
 * (fixture_teardown), so a failed test leaves nothing behind. */
void fixture_drop(void);
int  fixture_teardown(void **state);

/* Run one SQL statement straight on the current store's database (not
 * through the library), e.g. to fake a newer schema; *value gets the first
 * column of the first row when not NULL. Returns false on error. */
bool fixture_sql(const char *sql, char *value, size_t cap);

/* A record with every field set, numbered n (source 10.<n>), owned by the
 * struct below. */
struct fixture_rec {
    mailauth_report_record_t rec;
    mailauth_report_policy_t pol;
    mailauth_report_reason_t reasons[2];
    mailauth_report_dkim_t   dkim[2];
    mailauth_report_spf_t    spf[2];
    char                     ip[48];
};
void fixture_record(struct fixture_rec *f, unsigned n, int64_t time);

/* Open the store at uri or fail the test. */
mailauth_report_store_t *fixture_open(const char *uri);

#endif
