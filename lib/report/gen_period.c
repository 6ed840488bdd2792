/* libmailauth-report: the aggregate reports of a period, from the store's
 * grouped history (mailauth_report_store_aggregate()): one report per
 * policy domain. The store hands out one group per (domain, configuration);
 * the groups are copied so that a domain with several configurations can
 * be merged under its latest one once the store's call has returned. */
#include <stdlib.h>
#include <string.h>

#include "gen_int.h"

struct group {
    const mailauth_report_policy_t *policy;
    mailauth_report_record_t       *records;
    size_t                          count;
};

struct groups {
    mailauth_report__pool_t pool;
    struct group           *g;
    size_t                  n;
    size_t                  cap;
};

static int
on_group(void *arg, const mailauth_report_policy_t *policy, const mailauth_report_record_t *records,
         size_t count)
{
    struct groups *gs = arg;
    struct group  *g;
    if (gs->n == gs->cap) {
        size_t        cap = gs->cap != 0 ? gs->cap * 2 : 16;
        struct group *p = realloc(gs->g, cap * sizeof(*p));
        if (p == NULL)
            return 1;
        gs->g = p;
        gs->cap = cap;
    }
    g = &gs->g[gs->n];
    g->policy = mailauth_report__copy_policy(&gs->pool, policy);
    g->records = mailauth_report__pool_alloc(&gs->pool, count * sizeof(*g->records));
    g->count = count;
    if (g->policy == NULL || g->records == NULL)
        return 1;
    for (size_t i = 0; i < count; i++)
        mailauth_report__copy_record(&gs->pool, &g->records[i], &records[i], g->policy);
    gs->n++;
    return gs->pool.failed ? 1 : 0;
}

/* The latest history row of each merged domain names its final configuration. */
struct latest {
    struct groups *gs;
    size_t        *final; /* per group: index of the domain's final group */
};

static int
on_row(void *arg, const mailauth_report_record_t *rec)
{
    struct latest *l = arg;
    if (rec->policy == NULL || rec->policy->domain == NULL)
        return 0;
    for (size_t i = 0; i < l->gs->n; i++) {
        if (!mailauth_report__policy_eq(l->gs->g[i].policy, rec->policy))
            continue;
        for (size_t j = 0; j < l->gs->n; j++)
            if (strcmp(l->gs->g[j].policy->domain, rec->policy->domain) == 0)
                l->final[j] = i;
        break;
    }
    return 0;
}

static mailauth_status_t
report_domain(struct groups *gs, size_t from, size_t to, size_t final,
              const mailauth_report_gen_t *gen, int64_t begin, int64_t end,
              mailauth_report_made_fn fn, void *arg)
{
    mailauth_report_aggregate_t    *rep = NULL;
    mailauth_report_record_t       *all = NULL;
    const mailauth_report_record_t *recs = gs->g[from].records;
    size_t                          n = gs->g[from].count;
    mailauth_status_t               st;
    if (to - from > 1) {
        n = 0;
        for (size_t i = from; i < to; i++)
            n += gs->g[i].count;
        all = calloc(n, sizeof(*all));
        if (all == NULL)
            return MAILAUTH_ENOMEM;
        n = 0;
        for (size_t i = from; i < to; i++) {
            memcpy(all + n, gs->g[i].records, gs->g[i].count * sizeof(*all));
            n += gs->g[i].count;
        }
        recs = all;
    }
    st = mailauth_report_aggregate_new(gen, gs->g[final].policy, recs, n, begin, end - 1, &rep);
    if (st == MAILAUTH_OK && fn(arg, rep, gs->g[final].policy) != 0)
        st = MAILAUTH_ECANCELED;
    mailauth_report_aggregate_free(rep);
    free(all);
    return st;
}

static mailauth_status_t
find_final(mailauth_report_store_t *store, struct groups *gs, int64_t begin, int64_t end,
           size_t *final)
{
    bool          merged = false;
    struct latest l = {gs, final};
    for (size_t i = 0; i < gs->n; i++) {
        final[i] = i;
        if (i > 0 && strcmp(gs->g[i].policy->domain, gs->g[i - 1].policy->domain) == 0)
            merged = true;
    }
    if (!merged)
        return MAILAUTH_OK;
    return mailauth_report_store_rows(store, begin, end, on_row, &l);
}

mailauth_status_t
mailauth_report_generate(mailauth_report_store_t *store, const mailauth_report_gen_t *gen,
                         int64_t begin, int64_t end, mailauth_report_made_fn fn, void *arg)
{
    struct groups     gs = {0};
    size_t           *final = NULL;
    mailauth_status_t st;
    if (store == NULL || gen == NULL || fn == NULL || end <= begin || begin < 0)
        return MAILAUTH_EINVAL;
    st = mailauth_report_store_aggregate(store, begin, end, on_group, &gs);
    if (st == MAILAUTH_ECANCELED)
        st = MAILAUTH_ENOMEM; /* only on_group's allocations stop it */
    if (st == MAILAUTH_OK && gs.n > 0) {
        final = calloc(gs.n, sizeof(*final));
        st = final == NULL ? MAILAUTH_ENOMEM : find_final(store, &gs, begin, end, final);
    }
    /* Groups of one domain are adjacent (the store orders by domain). */
    for (size_t i = 0; st == MAILAUTH_OK && i < gs.n;) {
        size_t j = i + 1;
        while (j < gs.n && strcmp(gs.g[j].policy->domain, gs.g[i].policy->domain) == 0)
            j++;
        st = report_domain(&gs, i, j, final[i], gen, begin, end, fn, arg);
        i = j;
    }
    free(final);
    free(gs.g);
    mailauth_report__pool_free(&gs.pool);
    return st;
}
