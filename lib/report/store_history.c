/* libmailauth-report, history store: history rows in (add, add_batch) and
 * out (rows, count). One row per evaluated message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define HISTORY_NPARAMS (1 + STORE_RECORD_NCOLS + STORE_POLICY_NCOLS)

/* Rows per INSERT statement: one statement for many rows saves a round
 * trip (PostgreSQL) and a parse per row; 64 rows are 1,536 parameters,
 * far below both databases' limits. */
#define HISTORY_CHUNK 64

struct chunk {
    mailauth_report__store_param_t p[HISTORY_CHUNK * HISTORY_NPARAMS];
    mailauth_report__store_str_t   enc[HISTORY_CHUNK * 3]; /* reused from chunk to chunk */
    mailauth_report__store_str_t   sql;
};

/* An import keeps its transaction open on the handle: nothing else may
 * write through it until import_end(). */
static mailauth_status_t
check_idle(mailauth_report_store_t *s)
{
    if (s->import_state != STORE_IMPORT_NONE || s->in_tx) {
        mailauth_report__store_seterr(s, "an import is open on this handle");
        return MAILAUTH_ESTATE;
    }
    return MAILAUTH_OK;
}

/* "INSERT INTO history (...) VALUES ($1, ..., $24), ($25, ...), ..." */
static void
chunk_sql(size_t rows, mailauth_report__store_str_t *sql)
{
    static const char head[] =
        "INSERT INTO history (eval_time, " STORE_RECORD_COLS ", " STORE_POLICY_COLS ") VALUES ";
    sql->len = 0;
    mailauth_report__store_str_add(sql, head, sizeof(head) - 1);
    for (size_t r = 0; r < rows; r++) {
        for (size_t i = 0; i < HISTORY_NPARAMS; i++) {
            char num[32];
            int  n = snprintf(num, sizeof(num), "%s$%zu%s", i == 0 ? (r == 0 ? "(" : ", (") : ", ",
                              r * HISTORY_NPARAMS + i + 1, i + 1 == HISTORY_NPARAMS ? ")" : "");
            mailauth_report__store_str_add(sql, num, (size_t)n);
        }
    }
}

static mailauth_status_t
insert_chunk(mailauth_report_store_t *s, const mailauth_report_record_t *recs, size_t rows,
             struct chunk *c)
{
    mailauth_status_t st = MAILAUTH_OK;
    for (size_t r = 0; r < rows && st == MAILAUTH_OK; r++) {
        mailauth_report__store_param_t *p = &c->p[r * HISTORY_NPARAMS];
        p[0] = (mailauth_report__store_param_t){.kind = STORE_P_INT, .i = recs[r].time};
        st = mailauth_report__store_record_params(s, &recs[r], &p[1], &c->enc[r * 3]);
        if (st == MAILAUTH_OK)
            st =
                mailauth_report__store_policy_params(s, recs[r].policy, &p[1 + STORE_RECORD_NCOLS]);
    }
    if (st != MAILAUTH_OK)
        return st;
    chunk_sql(rows, &c->sql);
    if (c->sql.failed) {
        mailauth_report__store_seterr(s, "out of memory");
        return MAILAUTH_ENOMEM;
    }
    return s->ops->query(s, c->sql.p, c->p, rows * HISTORY_NPARAMS, NULL, NULL, NULL);
}

static void
chunk_free(struct chunk *c)
{
    for (size_t i = 0; i < STORE_LEN(c->enc); i++)
        mailauth_report__store_str_free(&c->enc[i]);
    mailauth_report__store_str_free(&c->sql);
    free(c);
}

mailauth_status_t
mailauth_report_store_add_batch(mailauth_report_store_t        *store,
                                const mailauth_report_record_t *recs, size_t n)
{
    struct chunk     *c;
    mailauth_status_t st;
    if (store == NULL || (recs == NULL && n > 0)) {
        if (store != NULL)
            mailauth_report__store_seterr(store, "no records");
        return MAILAUTH_EINVAL;
    }
    st = check_idle(store);
    if (st != MAILAUTH_OK)
        return st;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        mailauth_report__store_seterr(store, "out of memory");
        return MAILAUTH_ENOMEM;
    }
    st = mailauth_report__store_begin(store);
    for (size_t i = 0; i < n && st == MAILAUTH_OK; i += HISTORY_CHUNK)
        st = insert_chunk(store, &recs[i], n - i < HISTORY_CHUNK ? n - i : HISTORY_CHUNK, c);
    chunk_free(c);
    if (st == MAILAUTH_OK)
        return mailauth_report__store_commit(store);
    if (store->in_tx)
        mailauth_report__store_rollback(store);
    return st;
}

mailauth_status_t
mailauth_report_store_add(mailauth_report_store_t *store, const mailauth_report_record_t *rec)
{
    if (store != NULL && rec == NULL) {
        mailauth_report__store_seterr(store, "no record");
        return MAILAUTH_EINVAL;
    }
    return mailauth_report_store_add_batch(store, rec, 1);
}

struct rows_run {
    mailauth_report_row_fn fn;
    void                  *arg;
    bool                   corrupt;
};

static int
one_row(void *arg, const char *const *c, size_t nc)
{
    struct rows_run              *run = arg;
    mailauth_report__store_pool_t pl = {0};
    mailauth_report_record_t      r;
    int                           stop = 1;
    if (nc == HISTORY_NPARAMS && mailauth_report__store_parse_i64(c[0], &r.time) &&
        mailauth_report__store_record_cols(&pl, &c[1], &r) &&
        mailauth_report__store_policy_cols(&pl, &c[1 + STORE_RECORD_NCOLS], &r.policy)) {
        mailauth_report__store_parse_i64(c[0], &r.time);
        stop = run->fn(run->arg, &r);
    } else {
        run->corrupt = true;
    }
    mailauth_report__store_pool_free(&pl);
    return stop;
}

mailauth_status_t
mailauth_report_store_rows(mailauth_report_store_t *store, int64_t begin, int64_t end,
                           mailauth_report_row_fn fn, void *arg)
{
    static const char sql[] = "SELECT eval_time, " STORE_RECORD_COLS ", " STORE_POLICY_COLS
                              " FROM history WHERE eval_time >= $1 AND eval_time < $2"
                              " ORDER BY eval_time, id";
    mailauth_report__store_param_t p[2] = {{.kind = STORE_P_INT, .i = begin},
                                           {.kind = STORE_P_INT, .i = end}};
    struct rows_run                run = {fn, arg, false};
    mailauth_status_t              st;
    if (store == NULL || fn == NULL)
        return MAILAUTH_EINVAL;
    st = store->ops->query(store, sql, p, 2, one_row, &run, NULL);
    if (run.corrupt) {
        mailauth_report__store_seterr(store, "a history row cannot be read (out of memory, "
                                             "or written by something else)");
        return MAILAUTH_EINTERNAL;
    }
    return st;
}

static int
one_count(void *arg, const char *const *c, size_t nc)
{
    int64_t *n = arg;
    if (nc != 1 || !mailauth_report__store_parse_i64(c[0], n))
        *n = -1;
    return 0;
}

mailauth_status_t
mailauth_report_store_count(mailauth_report_store_t *store, int64_t begin, int64_t end,
                            uint64_t *count)
{
    mailauth_report__store_param_t p[2] = {{.kind = STORE_P_INT, .i = begin},
                                           {.kind = STORE_P_INT, .i = end}};
    int64_t                        n = -1;
    mailauth_status_t              st;
    if (count != NULL)
        *count = 0;
    if (store == NULL || count == NULL)
        return MAILAUTH_EINVAL;
    st = store->ops->query(store,
                           "SELECT COUNT(*) FROM history WHERE eval_time >= $1 AND eval_time < $2",
                           p, 2, one_count, &n, NULL);
    if (st == MAILAUTH_OK && n < 0) {
        mailauth_report__store_seterr(store, "COUNT(*) gave no number");
        return MAILAUTH_EINTERNAL;
    }
    if (st == MAILAUTH_OK)
        *count = (uint64_t)n;
    return st;
}
