/* libmailauth-report, history store: the history of a period grouped for
 * aggregate reports (RFC 9990 §2.1: a report per policy domain, one
 * `record` per set of messages that share every reported value). The
 * database groups; the order is made here, in byte order, so that SQLite
 * and PostgreSQL (whose text order follows the collation) agree. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define AGG_NCOLS (STORE_POLICY_NCOLS + STORE_RECORD_NCOLS)

struct agg_group {
    const char **cols; /* policy columns, then record columns (pool memory) */
    uint64_t     count;
};

struct agg_run {
    mailauth_report__store_pool_t pool;
    struct agg_group             *g;
    size_t                        n, cap;
    bool                          failed; /* out of memory or a malformed row */
};

static int
collect(void *arg, const char *const *c, size_t nc)
{
    struct agg_run *run = arg;
    int64_t         count = 0;
    const char    **cols;
    if (nc != AGG_NCOLS + 1 || !mailauth_report__store_parse_i64(c[AGG_NCOLS], &count) ||
        count < 1) {
        run->failed = true;
        return 1;
    }
    if (run->n == run->cap) {
        size_t            cap = run->cap == 0 ? 64 : run->cap * 2;
        struct agg_group *g =
            cap < SIZE_MAX / sizeof(*g) ? realloc(run->g, cap * sizeof(*g)) : NULL;
        if (g == NULL) {
            run->failed = true;
            return 1;
        }
        run->g = g;
        run->cap = cap;
    }
    cols = mailauth_report__store_pool_alloc(&run->pool, AGG_NCOLS * sizeof(*cols));
    if (cols == NULL) {
        run->failed = true;
        return 1;
    }
    for (size_t i = 0; i < AGG_NCOLS; i++) {
        cols[i] = mailauth_report__store_pool_strdup(&run->pool, c[i]);
        if (c[i] != NULL && cols[i] == NULL) {
            run->failed = true;
            return 1;
        }
    }
    run->g[run->n++] = (struct agg_group){cols, (uint64_t)count};
    return 0;
}

/* NULL first, then byte order. */
static int
cmp_text(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int
cmp_cols(const char *const *a, const char *const *b, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        int c = cmp_text(a[i], b[i]);
        if (c != 0)
            return c;
    }
    return 0;
}

/* Policy, then count (highest first), then the record's fields. */
static int
cmp_group(const void *pa, const void *pb)
{
    const struct agg_group *a = pa, *b = pb;
    int                     c = cmp_cols(a->cols, b->cols, 0, STORE_POLICY_NCOLS);
    if (c != 0)
        return c;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return cmp_cols(a->cols, b->cols, STORE_POLICY_NCOLS, AGG_NCOLS);
}

/* Groups [from, to) share one policy: decode and hand them over. */
static mailauth_status_t
emit(mailauth_report_store_t *s, struct agg_run *run, size_t from, size_t to,
     mailauth_report_aggregate_fn fn, void *arg)
{
    mailauth_report__store_pool_t   pl = {0};
    const mailauth_report_policy_t *pol = NULL;
    mailauth_report_record_t       *recs;
    mailauth_status_t               st = MAILAUTH_OK;
    recs = mailauth_report__store_pool_alloc(&pl, (to - from) * sizeof(*recs));
    if (recs == NULL || !mailauth_report__store_policy_cols(&pl, run->g[from].cols, &pol) ||
        pol == NULL)
        st = MAILAUTH_ENOMEM;
    for (size_t i = from; i < to && st == MAILAUTH_OK; i++) {
        mailauth_report_record_t *r = &recs[i - from];
        if (!mailauth_report__store_record_cols(&pl, run->g[i].cols + STORE_POLICY_NCOLS, r)) {
            st = MAILAUTH_EINTERNAL;
            break;
        }
        r->time = 0;
        r->count = run->g[i].count;
        r->policy = pol;
    }
    if (st == MAILAUTH_OK && fn(arg, pol, recs, to - from) != 0) {
        mailauth_report__store_seterr(s, "stopped by the callback");
        st = MAILAUTH_ECANCELED;
    } else if (st != MAILAUTH_OK) {
        mailauth_report__store_seterr(s, "a history row cannot be read (out of memory, or "
                                         "written by something else)");
    }
    mailauth_report__store_pool_free(&pl);
    return st;
}

mailauth_status_t
mailauth_report_store_aggregate(mailauth_report_store_t *store, int64_t begin, int64_t end,
                                mailauth_report_aggregate_fn fn, void *arg)
{
    static const char sql[] = "SELECT " STORE_POLICY_COLS ", " STORE_RECORD_COLS ", COUNT(*)"
                              " FROM history WHERE eval_time >= $1 AND eval_time < $2"
                              " AND policy_domain IS NOT NULL"
                              " GROUP BY " STORE_POLICY_COLS ", " STORE_RECORD_COLS;
    mailauth_report__store_param_t p[2] = {{.kind = STORE_P_INT, .i = begin},
                                           {.kind = STORE_P_INT, .i = end}};
    struct agg_run                 run = {{0}, NULL, 0, 0, false};
    mailauth_status_t              st;
    if (store == NULL || fn == NULL)
        return MAILAUTH_EINVAL;
    st = store->ops->query(store, sql, p, 2, collect, &run, NULL);
    if (run.failed) {
        mailauth_report__store_seterr(store, "out of memory while grouping the history");
        st = MAILAUTH_ENOMEM;
    }
    if (st == MAILAUTH_OK && run.n > 0)
        qsort(run.g, run.n, sizeof(*run.g), cmp_group);
    for (size_t from = 0, to; st == MAILAUTH_OK && from < run.n; from = to) {
        for (to = from + 1;
             to < run.n && cmp_cols(run.g[from].cols, run.g[to].cols, 0, STORE_POLICY_NCOLS) == 0;
             to++)
            ;
        st = emit(store, &run, from, to, fn, arg);
    }
    free(run.g);
    mailauth_report__store_pool_free(&run.pool);
    return st;
}
