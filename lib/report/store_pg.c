/* libmailauth-report, history store: the PostgreSQL back end
 * (`postgresql://...`, a libpq connection URI): one store for several MX
 * hosts. synchronous_commit is set on, so a COMMIT that returned is on the
 * server's disk. Rows stream in single-row mode, so a large history is
 * never held whole in memory. A connection lost between transactions is
 * reopened at the next call. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define PG_MAXPARAMS 65535 /* the protocol's limit */
#define PG_MAXCOLS 64

static void
pg_ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* "relation already exists, skipping" and the like */
}

/* libpq messages end with a newline; the store's do not. */
static void
pg_seterr(mailauth_report_store_t *s, const char *what, const char *msg)
{
    size_t n = msg != NULL ? strlen(msg) : 0;
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    mailauth_report__store_seterr(s, "postgresql: %s: %.*s", what, (int)n, msg != NULL ? msg : "");
}

/* SQLSTATE classes (PostgreSQL manual, Appendix A). */
static mailauth_status_t
pg_state_status(const char *state)
{
    if (state == NULL)
        return MAILAUTH_EAGAIN; /* no server answer: the connection */
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
        strncmp(state, "57", 2) == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return MAILAUTH_EAGAIN;
    if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
        return MAILAUTH_EINVAL;
    return MAILAUTH_EINTERNAL;
}

struct pg_run {
    mailauth_report__store_row_fn fn;
    void                         *arg;
    bool                          stopped;
    mailauth_status_t             st;
    uint64_t                      changes;
};

static void
pg_result(mailauth_report_store_t *s, PGresult *res, struct pg_run *run)
{
    const char *cols[PG_MAXCOLS];
    int64_t     n = 0;
    switch (PQresultStatus(res)) {
    case PGRES_SINGLE_TUPLE:
        if (run->fn == NULL || run->stopped || run->st != MAILAUTH_OK)
            return;
        if (PQnfields(res) > PG_MAXCOLS) {
            mailauth_report__store_seterr(s, "postgresql: too many columns");
            run->st = MAILAUTH_EINTERNAL;
            return;
        }
        for (int i = 0; i < PQnfields(res); i++)
            cols[i] = PQgetisnull(res, 0, i) ? NULL : PQgetvalue(res, 0, i);
        run->stopped = run->fn(run->arg, cols, (size_t)PQnfields(res)) != 0;
        return;
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
        if (mailauth_report__store_parse_i64(PQcmdTuples(res), &n) && n > 0)
            run->changes = (uint64_t)n;
        return;
    default:
        if (run->st == MAILAUTH_OK) {
            run->st = pg_state_status(PQresultErrorField(res, PG_DIAG_SQLSTATE));
            pg_seterr(s, "statement", PQresultErrorMessage(res));
        }
        return;
    }
}

/* A connection lost outside a transaction is opened again. */
static mailauth_status_t
pg_alive(mailauth_report_store_t *s)
{
    if (PQstatus(s->db) == CONNECTION_OK)
        return MAILAUTH_OK;
    if (!s->in_tx)
        PQreset(s->db);
    if (PQstatus(s->db) == CONNECTION_OK && PQsetClientEncoding(s->db, "UTF8") == 0)
        return MAILAUTH_OK;
    pg_seterr(s, "connection lost", PQerrorMessage(s->db));
    return MAILAUTH_EAGAIN;
}

/* Send the statement; its rows come back one by one (single-row mode). */
static mailauth_status_t
pg_send(mailauth_report_store_t *s, const char *sql, size_t np, const char *const *values)
{
    if (!PQsendQueryParams(s->db, sql, (int)np, NULL, values, NULL, NULL, 0)) {
        pg_seterr(s, "send", PQerrorMessage(s->db));
        return MAILAUTH_EAGAIN;
    }
    (void)PQsetSingleRowMode(s->db);
    return MAILAUTH_OK;
}

static mailauth_status_t
pg_query(mailauth_report_store_t *s, const char *sql, const mailauth_report__store_param_t *p,
         size_t np, mailauth_report__store_row_fn fn, void *arg, uint64_t *changes)
{
    const char **values = NULL;
    char(*ints)[24] = NULL;
    struct pg_run     run = {fn, arg, false, MAILAUTH_OK, 0};
    PGresult         *res;
    mailauth_status_t st = pg_alive(s);
    if (st != MAILAUTH_OK)
        return st;
    if (np > PG_MAXPARAMS) {
        mailauth_report__store_seterr(s, "postgresql: too many parameters");
        return MAILAUTH_EINTERNAL;
    }
    if (np > 0) {
        values = malloc(np * sizeof(*values));
        ints = malloc(np * sizeof(*ints));
        if (values == NULL || ints == NULL) {
            free(values);
            free(ints);
            mailauth_report__store_seterr(s, "out of memory");
            return MAILAUTH_ENOMEM;
        }
    }
    for (size_t i = 0; i < np; i++) {
        values[i] = p[i].kind == STORE_P_TEXT ? p[i].text : NULL;
        if (p[i].kind == STORE_P_INT) {
            (void)snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)p[i].i);
            values[i] = ints[i];
        }
    }
    st = pg_send(s, sql, np, values);
    free(values);
    free(ints);
    if (st != MAILAUTH_OK)
        return st;
    while ((res = PQgetResult(s->db)) != NULL) { /* to the end, also after a stop */
        pg_result(s, res, &run);
        PQclear(res);
    }
    if (run.st == MAILAUTH_OK && PQstatus(s->db) != CONNECTION_OK) {
        pg_seterr(s, "connection lost", PQerrorMessage(s->db));
        run.st = MAILAUTH_EAGAIN;
    }
    if (run.st == MAILAUTH_OK && run.stopped) {
        mailauth_report__store_seterr(s, "stopped by the callback");
        run.st = MAILAUTH_ECANCELED;
    }
    if (run.st == MAILAUTH_OK && changes != NULL)
        *changes = run.changes;
    return run.st;
}

static mailauth_status_t
pg_connect(mailauth_report_store_t *s, const char *uri, unsigned flags)
{
    PGconn *c = PQconnectdb(uri);
    (void)flags;
    s->db = c;
    if (c == NULL) {
        mailauth_report__store_seterr(s, "out of memory");
        return MAILAUTH_ENOMEM;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        pg_seterr(s, "cannot connect", PQerrorMessage(c));
        return MAILAUTH_EAGAIN;
    }
    PQsetNoticeProcessor(c, pg_ignore_notice, NULL);
    if (PQsetClientEncoding(c, "UTF8") != 0) {
        pg_seterr(s, "client encoding UTF8", PQerrorMessage(c));
        return MAILAUTH_EINTERNAL;
    }
    return mailauth_report__store_exec(s, "SET synchronous_commit TO on");
}

static void
pg_disconnect(mailauth_report_store_t *s)
{
    if (s->db != NULL)
        PQfinish(s->db);
    s->db = NULL;
}

/* Clients that open the store at once wait here for each other's migration
 * (CREATE TABLE IF NOT EXISTS alone races on the catalog). The key is an
 * arbitrary constant of this library. */
static mailauth_status_t
pg_lock_schema(mailauth_report_store_t *s)
{
    return mailauth_report__store_exec(s, "SELECT pg_advisory_xact_lock(7489990)");
}

const mailauth_report__store_ops_t mailauth_report__store_pg_ops = {
    .name = "postgresql",
    .ddl_id = "BIGSERIAL PRIMARY KEY",
    .begin_write = "BEGIN",
    .has_version = "SELECT COUNT(*) FROM information_schema.tables WHERE"
                   " table_schema = current_schema() AND table_name = 'schema_version'",
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .query = pg_query,
    .lock_schema = pg_lock_schema,
};
