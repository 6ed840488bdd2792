/* tests/report/store_fixture.h */
#include "store_fixture.h"

#include <libpq-fe.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static bool     use_pg;
static char     dir[4096]; /* sqlite: the temporary folder */
static char     uri[8192];
static char     dbname[64]; /* postgresql: the database */
static unsigned serial;

bool
fixture_is_pg(void)
{
    return use_pg;
}

bool
fixture_init(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "sqlite") == 0)
        return true;
    if (argc == 2 && strcmp(argv[1], "postgresql") == 0) {
        if (getenv("MAILAUTH_TEST_PG_SOCKDIR") == NULL || getenv("MAILAUTH_TEST_PG_PORT") == NULL ||
            getenv("MAILAUTH_TEST_PG_USER") == NULL) {
            fprintf(stderr, "postgresql: run through tests/report/pg_run.sh\n");
            return false;
        }
        use_pg = true;
        return true;
    }
    fprintf(stderr, "usage: %s sqlite|postgresql\n", argc > 0 ? argv[0] : "test");
    return false;
}

/* A connection to database `db` on the test server. */
static PGconn *
pg_connect(const char *db)
{
    const char *keys[] = {"host", "port", "user", "dbname", NULL};
    const char *vals[] = {getenv("MAILAUTH_TEST_PG_SOCKDIR"), getenv("MAILAUTH_TEST_PG_PORT"),
                          getenv("MAILAUTH_TEST_PG_USER"), db, NULL};
    PGconn     *c = PQconnectdbParams(keys, vals, 0);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "postgresql: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

static bool
pg_admin(const char *fmt, ...)
{
    char      sql[256];
    va_list   ap;
    PGconn   *c = pg_connect("postgres");
    PGresult *r;
    bool      ok;
    if (c == NULL)
        return false;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    r = PQexec(c, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "postgresql: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok;
}

const char *
fixture_new_uri(void)
{
    serial++;
    if (use_pg) {
        snprintf(dbname, sizeof(dbname), "store_%u_%ld", serial, (long)getpid());
        assert_true(pg_admin("CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0", dbname));
        snprintf(uri, sizeof(uri), "postgresql:///%s?host=%s&port=%s&user=%s", dbname,
                 getenv("MAILAUTH_TEST_PG_SOCKDIR"), getenv("MAILAUTH_TEST_PG_PORT"),
                 getenv("MAILAUTH_TEST_PG_USER"));
        return uri;
    }
    {
        const char *tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
        snprintf(dir, sizeof(dir), "%s/mailauth-store-XXXXXX", tmp);
        assert_non_null(mkdtemp(dir));
        snprintf(uri, sizeof(uri), "sqlite:%s/history.db", dir);
    }
    return uri;
}

void
fixture_drop(void)
{
    if (use_pg) {
        if (dbname[0] != '\0')
            (void)pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
        dbname[0] = '\0';
        return;
    }
    if (dir[0] != '\0') {
        static const char *const files[] = {"history.db", "history.db-wal", "history.db-shm",
                                            "history.db-journal"};
        char                     path[4200];
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
            (void)unlink(path);
        }
        (void)rmdir(dir);
        dir[0] = '\0';
    }
}

int
fixture_teardown(void **state)
{
    (void)state;
    fixture_drop();
    return 0;
}

static bool
sqlite_sql(const char *sql, char *value, size_t cap)
{
    char          path[4200];
    sqlite3      *db = NULL;
    sqlite3_stmt *st = NULL;
    int           rc;
    bool          ok;
    snprintf(path, sizeof(path), "%s/history.db", dir);
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        sqlite3_close(db);
        return false;
    }
    sqlite3_busy_timeout(db, 10000);
    ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
    rc = ok ? sqlite3_step(st) : SQLITE_ERROR;
    ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    if (rc == SQLITE_ROW && value != NULL && cap > 0)
        snprintf(value, cap, "%s",
                 sqlite3_column_text(st, 0) != NULL ? (const char *)sqlite3_column_text(st, 0)
                                                    : "");
    if (!ok)
        fprintf(stderr, "sqlite: %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok;
}

bool
fixture_sql(const char *sql, char *value, size_t cap)
{
    PGconn   *c;
    PGresult *r;
    bool      ok;
    if (!use_pg)
        return sqlite_sql(sql, value, cap);
    c = pg_connect(dbname);
    if (c == NULL)
        return false;
    r = PQexec(c, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (ok && value != NULL && cap > 0 && PQntuples(r) > 0 && PQnfields(r) > 0)
        snprintf(value, cap, "%s", PQgetvalue(r, 0, 0));
    if (!ok)
        fprintf(stderr, "postgresql: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok;
}

void
fixture_record(struct fixture_rec *f, unsigned n, int64_t time)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->ip, sizeof(f->ip), "10.%u.%u.%u", (n >> 16) & 255u, (n >> 8) & 255u, n & 255u);
    f->pol = (mailauth_report_policy_t){.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                        .domain = "example.org",
                                        .p = "reject",
                                        .sp = "quarantine",
                                        .np = "reject",
                                        .adkim = "r",
                                        .aspf = "s",
                                        .pct = "100",
                                        .testing = "n",
                                        .discovery_method = "psl",
                                        .fo = "1:d",
                                        .rua = "mailto:rua@example.org",
                                        .ruf = "mailto:ruf@example.org"};
    f->reasons[0] = (mailauth_report_reason_t){"local_policy", "arc=pass as[1].d=lists.example"};
    f->reasons[1] = (mailauth_report_reason_t){"sampled_out", NULL};
    f->dkim[0] = (mailauth_report_dkim_t){"example.org", "s1", "pass", NULL};
    f->dkim[1] = (mailauth_report_dkim_t){"esp.example", "k2", "fail", "body hash mismatch"};
    f->spf[0] = (mailauth_report_spf_t){"bounce.example.org", "mfrom", "pass", NULL};
    f->spf[1] = (mailauth_report_spf_t){"mx.example.org", "helo", "none", NULL};
    f->rec = (mailauth_report_record_t){.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                        .time = time,
                                        .source_ip = f->ip,
                                        .count = 1,
                                        .disposition = "none",
                                        .dkim_aligned = "pass",
                                        .spf_aligned = "fail",
                                        .dmarc = "pass",
                                        .reasons = f->reasons,
                                        .reason_count = 2,
                                        .header_from = "example.org",
                                        .envelope_from = "bounce.example.org",
                                        .envelope_to = "example.net",
                                        .dkim = f->dkim,
                                        .dkim_count = 2,
                                        .spf = f->spf,
                                        .spf_count = 2,
                                        .policy = &f->pol};
}

mailauth_report_store_t *
fixture_open(const char *u)
{
    mailauth_report_store_t *s = NULL;
    char                     err[512] = "";
    mailauth_status_t        st = mailauth_report_store_open(u, 0, &s, err, sizeof(err));
    if (st != MAILAUTH_OK)
        fprintf(stderr, "open %s: %s (%s)\n", u, mailauth_status_name(st), err);
    assert_int_equal(st, MAILAUTH_OK);
    assert_non_null(s);
    return s;
}
