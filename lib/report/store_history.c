/* libmailauth-report, history store: history rows in (add, add_batch) and
 * out (rows, count). One row per evaluated message. */
#include <string.h>

#include "store_int.h"

#define HISTORY_NPARAMS (1 + STORE_RECORD_NCOLS + STORE_POLICY_NCOLS)

static const char insert_sql[] =
    "INSERT INTO history (eval_time, " STORE_RECORD_COLS ", " STORE_POLICY_COLS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
    "$20, $21, $22, $23, $24)";

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

static mailauth_status_t
insert_one(mailauth_report_store_t *s, const mailauth_report_record_t *r)
{
    mailauth_report__store_param_t p[HISTORY_NPARAMS];
    mailauth_report__store_str_t   enc[3] = {{0}};
    mailauth_status_t              st;
    p[0] = (mailauth_report__store_param_t){.kind = STORE_P_INT, .i = r != NULL ? r->time : 0};
    st = mailauth_report__store_record_params(s, r, &p[1], enc);
    if (st == MAILAUTH_OK)
        st = mailauth_report__store_policy_params(s, r->policy, &p[1 + STORE_RECORD_NCOLS]);
    if (st == MAILAUTH_OK)
        st = s->ops->query(s, insert_sql, p, HISTORY_NPARAMS, NULL, NULL, NULL);
    for (size_t i = 0; i < STORE_LEN(enc); i++)
        mailauth_report__store_str_free(&enc[i]);
    return st;
}

mailauth_status_t
mailauth_report_store_add_batch(mailauth_report_store_t        *store,
                                const mailauth_report_record_t *recs, size_t n)
{
    mailauth_status_t st;
    if (store == NULL || (recs == NULL && n > 0)) {
        if (store != NULL)
            mailauth_report__store_seterr(store, "no records");
        return MAILAUTH_EINVAL;
    }
    st = check_idle(store);
    if (st == MAILAUTH_OK)
        st = mailauth_report__store_begin(store);
    for (size_t i = 0; i < n && st == MAILAUTH_OK; i++)
        st = insert_one(store, &recs[i]);
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
