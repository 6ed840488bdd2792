/* libmailauth-report, history store: reading the imported reports back
 * (mailauth-report summary). Reports are sorted here, in byte order, so
 * both databases give the same order. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define RECV_NCOLS (1 + 9 + STORE_POLICY_NCOLS) /* id, meta, policy */

struct recv_report {
    int64_t                         id;
    mailauth_report_meta_t          meta;
    const mailauth_report_policy_t *policy;
};

struct recv_run {
    mailauth_report__store_pool_t pool;
    struct recv_report           *r;
    size_t                        n, cap;
    bool                          failed;
};

static bool
fill_meta(mailauth_report__store_pool_t *pl, const char *const *c, mailauth_report_meta_t *m)
{
    const char **errors = NULL;
    memset(m, 0, sizeof(*m));
    m->version = MAILAUTH_REPORT_STRUCT_VERSION;
    m->org_name = mailauth_report__store_pool_strdup(pl, c[0]);
    m->report_id = mailauth_report__store_pool_strdup(pl, c[1]);
    m->schema = mailauth_report__store_pool_strdup(pl, c[2]);
    m->email = mailauth_report__store_pool_strdup(pl, c[3]);
    m->extra_contact_info = mailauth_report__store_pool_strdup(pl, c[4]);
    m->generator = mailauth_report__store_pool_strdup(pl, c[7]);
    if (!mailauth_report__store_parse_i64(c[5], &m->begin) ||
        !mailauth_report__store_parse_i64(c[6], &m->end) ||
        !mailauth_report__store_decode_strings(pl, c[8], &errors, &m->error_count))
        return false;
    m->errors = errors;
    for (size_t i = 0; i < 8; i++) {
        const char *got[8] = {m->org_name,           m->report_id, m->schema, m->email,
                              m->extra_contact_info, "",           "",        m->generator};
        if (c[i] != NULL && got[i] == NULL)
            return false;
    }
    return true;
}

static int
collect_report(void *arg, const char *const *c, size_t nc)
{
    struct recv_run    *run = arg;
    struct recv_report *r;
    if (nc != RECV_NCOLS) {
        run->failed = true;
        return 1;
    }
    if (run->n == run->cap) {
        size_t              cap = run->cap == 0 ? 16 : run->cap * 2;
        struct recv_report *g =
            cap < SIZE_MAX / sizeof(*g) ? realloc(run->r, cap * sizeof(*g)) : NULL;
        if (g == NULL) {
            run->failed = true;
            return 1;
        }
        run->r = g;
        run->cap = cap;
    }
    r = &run->r[run->n];
    if (!mailauth_report__store_parse_i64(c[0], &r->id) ||
        !fill_meta(&run->pool, c + 1, &r->meta) ||
        !mailauth_report__store_policy_cols(&run->pool, c + 10, &r->policy)) {
        run->failed = true;
        return 1;
    }
    run->n++;
    return 0;
}

static int
cmp_str(const char *a, const char *b)
{
    return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
cmp_report(const void *pa, const void *pb)
{
    const struct recv_report *a = pa, *b = pb;
    int                       c;
    if (a->meta.begin != b->meta.begin)
        return a->meta.begin < b->meta.begin ? -1 : 1;
    c = cmp_str(a->meta.org_name, b->meta.org_name);
    return c != 0 ? c : cmp_str(a->meta.report_id, b->meta.report_id);
}

struct rec_run {
    mailauth_report__store_pool_t   pool;
    mailauth_report_record_t       *r;
    size_t                          n, cap;
    const mailauth_report_policy_t *policy;
    bool                            failed;
};

static int
collect_record(void *arg, const char *const *c, size_t nc)
{
    struct rec_run *run = arg;
    int64_t         count = 0;
    if (nc != 1 + STORE_RECORD_NCOLS || !mailauth_report__store_parse_i64(c[0], &count) ||
        count < 0) {
        run->failed = true;
        return 1;
    }
    if (run->n == run->cap) {
        size_t                    cap = run->cap == 0 ? 64 : run->cap * 2;
        mailauth_report_record_t *g =
            cap < SIZE_MAX / sizeof(*g) ? realloc(run->r, cap * sizeof(*g)) : NULL;
        if (g == NULL) {
            run->failed = true;
            return 1;
        }
        run->r = g;
        run->cap = cap;
    }
    if (!mailauth_report__store_record_cols(&run->pool, c + 1, &run->r[run->n])) {
        run->failed = true;
        return 1;
    }
    run->r[run->n].count = (uint64_t)count;
    run->r[run->n].time = 0;
    run->r[run->n].policy = run->policy;
    run->n++;
    return 0;
}

/* One report's records, then the callback. */
static mailauth_status_t
emit_report(mailauth_report_store_t *s, const struct recv_report *rep,
            mailauth_report_imported_fn fn, void *arg)
{
    static const char sql[] = "SELECT msg_count, " STORE_RECORD_COLS
                              " FROM report_received_record WHERE report = $1 ORDER BY seq";
    mailauth_report__store_param_t p[1] = {{.kind = STORE_P_INT, .i = rep->id}};
    struct rec_run                 run = {{0}, NULL, 0, 0, rep->policy, false};
    mailauth_status_t              st = s->ops->query(s, sql, p, 1, collect_record, &run, NULL);
    if (run.failed) {
        mailauth_report__store_seterr(s, "an imported record cannot be read");
        st = MAILAUTH_EINTERNAL;
    }
    if (st == MAILAUTH_OK && fn(arg, &rep->meta, rep->policy, run.r, run.n) != 0) {
        mailauth_report__store_seterr(s, "stopped by the callback");
        st = MAILAUTH_ECANCELED;
    }
    free(run.r);
    mailauth_report__store_pool_free(&run.pool);
    return st;
}

mailauth_status_t
mailauth_report_store_imported(mailauth_report_store_t *store, int64_t begin, int64_t end,
                               mailauth_report_imported_fn fn, void *arg)
{
    static const char sql[] =
        "SELECT id, org_name, report_id, report_schema, email, extra_contact_info, begin_time,"
        " end_time, generator, errors, " STORE_POLICY_COLS " FROM report_received"
        " WHERE begin_time < $2 AND end_time >= $1";
    mailauth_report__store_param_t p[2] = {{.kind = STORE_P_INT, .i = begin},
                                           {.kind = STORE_P_INT, .i = end}};
    struct recv_run                run = {{0}, NULL, 0, 0, false};
    mailauth_status_t              st;
    if (store == NULL || fn == NULL)
        return MAILAUTH_EINVAL;
    if (store->import_state != STORE_IMPORT_NONE) {
        mailauth_report__store_seterr(store, "an import is open on this handle");
        return MAILAUTH_ESTATE;
    }
    st = store->ops->query(store, sql, p, 2, collect_report, &run, NULL);
    if (run.failed) {
        mailauth_report__store_seterr(store, "an imported report cannot be read");
        st = MAILAUTH_EINTERNAL;
    }
    if (st == MAILAUTH_OK && run.n > 0)
        qsort(run.r, run.n, sizeof(*run.r), cmp_report);
    for (size_t i = 0; i < run.n && st == MAILAUTH_OK; i++)
        st = emit_report(store, &run.r[i], fn, arg);
    free(run.r);
    mailauth_report__store_pool_free(&run.pool);
    return st;
}
