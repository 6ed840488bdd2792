/* libmailauth-report, history store: open, close, errors, transactions and
 * the versioned schema (docs/reports.md, "History store"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- the schema, one step per version ---------------------------------- */

/* "@ID@" stands for the back end's numbered primary key. */
static const char *const schema_v1[] = {
    "CREATE TABLE history ("
    " id @ID@,"
    " eval_time BIGINT NOT NULL,"
    " source_ip TEXT, disposition TEXT, dkim_aligned TEXT, spf_aligned TEXT, dmarc TEXT,"
    " reasons TEXT NOT NULL, header_from TEXT, envelope_from TEXT, envelope_to TEXT,"
    " dkim TEXT NOT NULL, spf TEXT NOT NULL,"
    " policy_domain TEXT, p TEXT, sp TEXT, np TEXT, adkim TEXT, aspf TEXT, pct TEXT,"
    " testing TEXT, discovery_method TEXT, fo TEXT, rua TEXT, ruf TEXT)",
    "CREATE INDEX history_time ON history (eval_time)",
    "CREATE TABLE report_generated ("
    " policy_domain TEXT NOT NULL, begin_time BIGINT NOT NULL, end_time BIGINT NOT NULL,"
    " report_id TEXT NOT NULL UNIQUE, file TEXT, destinations TEXT,"
    " created BIGINT NOT NULL, state TEXT NOT NULL, sent BIGINT NOT NULL, error TEXT,"
    " PRIMARY KEY (policy_domain, begin_time, end_time))",
    "CREATE TABLE report_received ("
    " id @ID@,"
    " org_name TEXT NOT NULL, report_id TEXT NOT NULL, report_schema TEXT, email TEXT,"
    " extra_contact_info TEXT, begin_time BIGINT NOT NULL, end_time BIGINT NOT NULL,"
    " generator TEXT, errors TEXT NOT NULL,"
    " policy_domain TEXT, p TEXT, sp TEXT, np TEXT, adkim TEXT, aspf TEXT, pct TEXT,"
    " testing TEXT, discovery_method TEXT, fo TEXT, rua TEXT, ruf TEXT,"
    " UNIQUE (org_name, report_id))",
    "CREATE INDEX report_received_time ON report_received (begin_time)",
    "CREATE TABLE report_received_record ("
    " report BIGINT NOT NULL REFERENCES report_received (id) ON DELETE CASCADE,"
    " seq BIGINT NOT NULL, msg_count BIGINT NOT NULL,"
    " source_ip TEXT, disposition TEXT, dkim_aligned TEXT, spf_aligned TEXT, dmarc TEXT,"
    " reasons TEXT NOT NULL, header_from TEXT, envelope_from TEXT, envelope_to TEXT,"
    " dkim TEXT NOT NULL, spf TEXT NOT NULL,"
    " PRIMARY KEY (report, seq))",
};

static const struct schema_step {
    int                version;
    const char *const *stmts;
    size_t             n;
} schema_steps[] = {
    {1, schema_v1, STORE_LEN(schema_v1)},
};

_Static_assert(STORE_LEN(schema_steps) == MAILAUTH_REPORT_STORE_SCHEMA,
               "one schema step per version");

/* ---- errors and statements ---------------------------------------------- */

void
mailauth_report__store_seterr(mailauth_report_store_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
}

mailauth_status_t
mailauth_report__store_exec(mailauth_report_store_t *s, const char *sql)
{
    return s->ops->query(s, sql, NULL, 0, NULL, NULL, NULL);
}

mailauth_status_t
mailauth_report__store_begin(mailauth_report_store_t *s)
{
    mailauth_status_t st = mailauth_report__store_exec(s, s->ops->begin_write);
    s->in_tx = st == MAILAUTH_OK;
    return st;
}

mailauth_status_t
mailauth_report__store_commit(mailauth_report_store_t *s)
{
    mailauth_status_t st = mailauth_report__store_exec(s, "COMMIT");
    if (st != MAILAUTH_OK)
        mailauth_report__store_rollback(s);
    s->in_tx = false;
    return st;
}

/* Keeps the message of the error that led here. */
void
mailauth_report__store_rollback(mailauth_report_store_t *s)
{
    char saved[sizeof(s->err)];
    memcpy(saved, s->err, sizeof(saved));
    (void)mailauth_report__store_exec(s, "ROLLBACK");
    memcpy(s->err, saved, sizeof(saved));
    s->in_tx = false;
}

bool
mailauth_report__store_parse_i64(const char *s, int64_t *out)
{
    uint64_t v = 0;
    bool     neg = false;
    if (s == NULL || *s == '\0')
        return false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_C(1) << 63) / 10)
            return false;
        v = v * 10u + (uint64_t)(*s - '0');
    }
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return false;
    *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

/* ---- migrations ---------------------------------------------------------- */

static int
read_version(void *arg, const char *const *cols, size_t ncols)
{
    int64_t *v = arg;
    if (ncols == 1 && cols[0] != NULL && !mailauth_report__store_parse_i64(cols[0], v))
        *v = -1;
    return 0;
}

/* One DDL statement with "@ID@" replaced. */
static mailauth_status_t
run_ddl(mailauth_report_store_t *s, const char *ddl)
{
    mailauth_report__store_str_t b = {0};
    const char                  *at;
    mailauth_status_t            st;
    while ((at = strstr(ddl, "@ID@")) != NULL) {
        mailauth_report__store_str_add(&b, ddl, (size_t)(at - ddl));
        mailauth_report__store_str_add(&b, s->ops->ddl_id, strlen(s->ops->ddl_id));
        ddl = at + 4;
    }
    mailauth_report__store_str_add(&b, ddl, strlen(ddl) + 1);
    st = b.failed ? MAILAUTH_ENOMEM : mailauth_report__store_exec(s, b.p);
    mailauth_report__store_str_free(&b);
    return st;
}

static mailauth_status_t
apply_steps(mailauth_report_store_t *s, int64_t from)
{
    mailauth_status_t st = MAILAUTH_OK;
    for (size_t i = 0; i < STORE_LEN(schema_steps) && st == MAILAUTH_OK; i++) {
        if (schema_steps[i].version <= from)
            continue;
        for (size_t j = 0; j < schema_steps[i].n && st == MAILAUTH_OK; j++)
            st = run_ddl(s, schema_steps[i].stmts[j]);
    }
    if (st == MAILAUTH_OK && from != MAILAUTH_REPORT_STORE_SCHEMA) {
        mailauth_report__store_param_t p = {.kind = STORE_P_INT, .i = MAILAUTH_REPORT_STORE_SCHEMA};
        st = mailauth_report__store_exec(s, "DELETE FROM schema_version");
        if (st == MAILAUTH_OK)
            st = s->ops->query(s, "INSERT INTO schema_version (version) VALUES ($1)", &p, 1, NULL,
                               NULL, NULL);
    }
    return st;
}

/* In one write transaction, serialized with every other client: read the
 * version, refuse a newer one, apply the missing steps. */
static mailauth_status_t
migrate(mailauth_report_store_t *s)
{
    int64_t           version = 0, exists = -1;
    mailauth_status_t st = mailauth_report__store_begin(s);
    if (st == MAILAUTH_OK && s->ops->lock_schema != NULL)
        st = s->ops->lock_schema(s);
    /* no DDL on a store that is up to date: a role that may only write
     * rows can open it */
    if (st == MAILAUTH_OK)
        st = s->ops->query(s, s->ops->has_version, NULL, 0, read_version, &exists, NULL);
    if (st == MAILAUTH_OK && exists == 0)
        st = mailauth_report__store_exec(s,
                                         "CREATE TABLE schema_version (version INTEGER NOT NULL)");
    if (st == MAILAUTH_OK)
        st = s->ops->query(s, "SELECT MAX(version) FROM schema_version", NULL, 0, read_version,
                           &version, NULL);
    if (st == MAILAUTH_OK && version < 0) {
        mailauth_report__store_seterr(s, "schema_version holds no version number");
        st = MAILAUTH_EINTERNAL;
    } else if (st == MAILAUTH_OK && version > MAILAUTH_REPORT_STORE_SCHEMA) {
        mailauth_report__store_seterr(s,
                                      "the store's schema version %lld is newer than this "
                                      "library's (%d): upgrade libmailauth-report",
                                      (long long)version, MAILAUTH_REPORT_STORE_SCHEMA);
        st = MAILAUTH_ENOTSUP;
    }
    if (st == MAILAUTH_OK)
        st = apply_steps(s, version);
    if (st == MAILAUTH_OK)
        return mailauth_report__store_commit(s);
    if (s->in_tx)
        mailauth_report__store_rollback(s);
    return st;
}

/* ---- public -------------------------------------------------------------- */

static const mailauth_report__store_ops_t *
pick_backend(const char *uri, const char **target)
{
    if (strncmp(uri, "sqlite:", 7) == 0) {
        *target = uri + 7;
        return &mailauth_report__store_sqlite_ops;
    }
    if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0) {
        *target = uri;
        return &mailauth_report__store_pg_ops;
    }
    return NULL;
}

static void
copy_err(char *err, size_t errcap, const char *msg)
{
    if (err != NULL && errcap > 0)
        (void)snprintf(err, errcap, "%s", msg);
}

mailauth_status_t
mailauth_report_store_open(const char *uri, unsigned flags, mailauth_report_store_t **out,
                           char *err, size_t errcap)
{
    const char              *target = NULL;
    mailauth_report_store_t *s;
    mailauth_status_t        st;
    if (out != NULL)
        *out = NULL;
    if (uri == NULL || out == NULL) {
        copy_err(err, errcap, "no store URI");
        return MAILAUTH_EINVAL;
    }
    if ((flags & ~MAILAUTH_REPORT_STORE_SYNC_NORMAL) != 0) {
        copy_err(err, errcap, "unknown flags");
        return MAILAUTH_EINVAL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        copy_err(err, errcap, "out of memory");
        return MAILAUTH_ENOMEM;
    }
    s->ops = pick_backend(uri, &target);
    if (s->ops == NULL || *target == '\0') {
        free(s);
        copy_err(err, errcap, "not a store URI (sqlite:PATH or postgresql://...)");
        return MAILAUTH_EINVAL;
    }
    st = s->ops->connect(s, target, flags);
    if (st == MAILAUTH_OK)
        st = migrate(s);
    if (st != MAILAUTH_OK) {
        copy_err(err, errcap, s->err);
        mailauth_report_store_close(s);
        return st;
    }
    s->err[0] = '\0';
    *out = s;
    return MAILAUTH_OK;
}

void
mailauth_report_store_close(mailauth_report_store_t *store)
{
    if (store == NULL)
        return;
    if (store->in_tx && store->db != NULL)
        mailauth_report__store_rollback(store);
    store->ops->disconnect(store);
    free(store);
}

const char *
mailauth_report_store_error(const mailauth_report_store_t *store)
{
    return store != NULL ? store->err : "no store";
}

const char *
mailauth_report_store_backend(const mailauth_report_store_t *store)
{
    return store != NULL ? store->ops->name : NULL;
}
