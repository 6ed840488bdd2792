/* libmailauth-report, history store: the SQLite back end (`sqlite:PATH`).
 *
 * WAL journal (readers never block the writer), a 60 s busy timeout so
 * that threads and processes of one host take turns, synchronous=FULL by
 * default: a commit is on disk when it returns, whatever happens next
 * (with NORMAL in WAL mode a commit survives the process being killed but
 * not a power loss; https://sqlite.org/pragma.html#pragma_synchronous).
 * Writes start with BEGIN IMMEDIATE: the write lock is taken, with the
 * busy timeout, before anything is read, so no transaction has to be
 * retried for a stale snapshot. Prepared statements are cached per handle. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

#define SQ_BUSY_MS 60000
#define SQ_CACHE 32
#define SQ_MAXCOLS 64

struct sq_cached {
    char         *sql;
    sqlite3_stmt *stmt;
    bool          in_order; /* parameter i is named "$i" */
};

struct sq_priv {
    struct sq_cached cache[SQ_CACHE];
    size_t           n;
};

static mailauth_status_t
sq_status(mailauth_report_store_t *s, int rc, const char *what)
{
    sqlite3 *db = s->db;
    mailauth_report__store_seterr(s, "sqlite: %s: %s", what,
                                  db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return MAILAUTH_EAGAIN;
    case SQLITE_NOMEM:
        return MAILAUTH_ENOMEM;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        return MAILAUTH_EINVAL;
    default:
        return MAILAUTH_EINTERNAL;
    }
}

/* SQLite numbers "$n" parameters in the order of their first use, and
 * finds a name by a linear search: whether they are in order is learnt
 * once per statement, so that binding is by number after that. */
static bool
sq_in_order(sqlite3_stmt *st)
{
    int n = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= n; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        char        want[24];
        (void)snprintf(want, sizeof(want), "$%d", i);
        if (name == NULL || strcmp(name, want) != 0)
            return false;
    }
    return true;
}

/* The cached statement for sql, prepared on first use. *cached is false
 * when the cache is full: the caller finalizes it. */
static int
sq_stmt(mailauth_report_store_t *s, const char *sql, sqlite3_stmt **out, bool *cached,
        bool *in_order)
{
    struct sq_priv *pv = s->priv;
    int             rc;
    for (size_t i = 0; i < pv->n; i++) {
        if (strcmp(pv->cache[i].sql, sql) == 0) {
            *out = pv->cache[i].stmt;
            *cached = true;
            *in_order = pv->cache[i].in_order;
            return SQLITE_OK;
        }
    }
    rc = sqlite3_prepare_v2(s->db, sql, -1, out, NULL);
    if (rc != SQLITE_OK)
        return rc;
    *cached = false;
    *in_order = sq_in_order(*out);
    if (pv->n < SQ_CACHE) {
        size_t n = strlen(sql) + 1;
        char  *copy = malloc(n);
        if (copy != NULL) {
            memcpy(copy, sql, n);
            pv->cache[pv->n++] = (struct sq_cached){copy, *out, *in_order};
            *cached = true;
        }
    }
    return SQLITE_OK;
}

static int
sq_bind(sqlite3_stmt *st, const mailauth_report__store_param_t *p, size_t np, bool in_order)
{
    int rc = SQLITE_OK;
    if ((size_t)sqlite3_bind_parameter_count(st) != np)
        return SQLITE_RANGE;
    for (size_t i = 0; i < np && rc == SQLITE_OK; i++) {
        int idx = (int)i + 1;
        if (!in_order) {
            char name[24];
            (void)snprintf(name, sizeof(name), "$%zu", i + 1);
            idx = sqlite3_bind_parameter_index(st, name);
        }
        if (idx == 0)
            return SQLITE_RANGE;
        if (p[i].kind == STORE_P_INT)
            rc = sqlite3_bind_int64(st, idx, p[i].i);
        else if (p[i].kind == STORE_P_TEXT && p[i].text != NULL)
            rc = sqlite3_bind_text(st, idx, p[i].text, -1, SQLITE_STATIC);
        else
            rc = sqlite3_bind_null(st, idx);
    }
    return rc;
}

static int
sq_rows(sqlite3_stmt *st, mailauth_report__store_row_fn fn, void *arg, bool *stopped)
{
    const char *cols[SQ_MAXCOLS];
    int         rc, nc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn == NULL)
            continue;
        nc = sqlite3_column_count(st);
        if (nc > SQ_MAXCOLS)
            return SQLITE_TOOBIG;
        for (int i = 0; i < nc; i++)
            cols[i] = (const char *)sqlite3_column_text(st, i); /* NULL for NULL */
        if (fn(arg, cols, (size_t)nc) != 0) {
            *stopped = true;
            return SQLITE_DONE;
        }
    }
    return rc;
}

static mailauth_status_t
sq_query(mailauth_report_store_t *s, const char *sql, const mailauth_report__store_param_t *p,
         size_t np, mailauth_report__store_row_fn fn, void *arg, uint64_t *changes)
{
    sqlite3_stmt *st = NULL;
    bool          cached = false, stopped = false, in_order = true;
    int           rc = sq_stmt(s, sql, &st, &cached, &in_order);
    if (rc != SQLITE_OK)
        return sq_status(s, rc, "prepare");
    rc = sq_bind(st, p, np, in_order);
    if (rc == SQLITE_OK)
        rc = sq_rows(st, fn, arg, &stopped);
    if (rc == SQLITE_DONE && changes != NULL)
        *changes = (uint64_t)sqlite3_changes64(s->db);
    if (rc != SQLITE_DONE) {
        /* the statement's own error, before reset() can change it */
        mailauth_status_t err = sq_status(s, rc, "statement");
        (void)sqlite3_reset(st);
        (void)sqlite3_clear_bindings(st);
        if (!cached)
            sqlite3_finalize(st);
        return err;
    }
    (void)sqlite3_reset(st);
    (void)sqlite3_clear_bindings(st);
    if (!cached)
        sqlite3_finalize(st);
    if (stopped) {
        mailauth_report__store_seterr(s, "stopped by the callback");
        return MAILAUTH_ECANCELED;
    }
    return MAILAUTH_OK;
}

static int
wal_answer(void *arg, const char *const *cols, size_t ncols)
{
    bool *wal = arg;
    *wal = ncols == 1 && cols[0] != NULL && strcmp(cols[0], "wal") == 0;
    return 0;
}

static mailauth_status_t
sq_pragmas(mailauth_report_store_t *s, unsigned flags)
{
    bool              wal = false;
    mailauth_status_t st = MAILAUTH_EAGAIN;
    /* Switching a new database to WAL needs it to itself, and SQLite does
     * not wait for that: openers that race on a new file retry here. */
    for (int ms = 0; st == MAILAUTH_EAGAIN && ms < SQ_BUSY_MS; ms += 10) {
        const struct timespec pause = {0, 10L * 1000 * 1000};
        st = sq_query(s, "PRAGMA journal_mode=WAL", NULL, 0, wal_answer, &wal, NULL);
        if (st == MAILAUTH_EAGAIN)
            nanosleep(&pause, NULL);
    }
    if (st == MAILAUTH_OK && !wal) {
        mailauth_report__store_seterr(s, "sqlite: the database refused WAL journal mode");
        return MAILAUTH_EINTERNAL;
    }
    if (st == MAILAUTH_OK)
        st = mailauth_report__store_exec(s, (flags & MAILAUTH_REPORT_STORE_SYNC_NORMAL) != 0
                                                ? "PRAGMA synchronous=NORMAL"
                                                : "PRAGMA synchronous=FULL");
    if (st == MAILAUTH_OK)
        st = mailauth_report__store_exec(s, "PRAGMA foreign_keys=ON");
    return st;
}

static mailauth_status_t
sq_connect(mailauth_report_store_t *s, const char *path, unsigned flags)
{
    sqlite3 *db = NULL;
    int      rc;
    s->priv = calloc(1, sizeof(struct sq_priv));
    if (s->priv == NULL) {
        mailauth_report__store_seterr(s, "out of memory");
        return MAILAUTH_ENOMEM;
    }
    rc = sqlite3_open_v2(path, &db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    s->db = db;
    if (rc != SQLITE_OK) {
        mailauth_report__store_seterr(s, "sqlite: cannot open %s: %s", path,
                                      db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        return rc == SQLITE_NOMEM ? MAILAUTH_ENOMEM : MAILAUTH_EAGAIN;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, SQ_BUSY_MS);
    return sq_pragmas(s, flags);
}

static void
sq_disconnect(mailauth_report_store_t *s)
{
    struct sq_priv *pv = s->priv;
    if (pv != NULL) {
        for (size_t i = 0; i < pv->n; i++) {
            sqlite3_finalize(pv->cache[i].stmt);
            free(pv->cache[i].sql);
        }
        free(pv);
        s->priv = NULL;
    }
    if (s->db != NULL)
        sqlite3_close(s->db);
    s->db = NULL;
}

const mailauth_report__store_ops_t mailauth_report__store_sqlite_ops = {
    .name = "sqlite",
    .ddl_id = "INTEGER PRIMARY KEY",
    .begin_write = "BEGIN IMMEDIATE",
    .has_version = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
                   " AND name = 'schema_version'",
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .query = sq_query,
    .lock_schema = NULL,
};
