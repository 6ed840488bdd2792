/* mailauth-report summary [--html FILE] FILE...
 * mailauth-report summary --store URI [--period YYYY-MM-DD[..YYYY-MM-DD]] [--html FILE]
 *
 * Per policy domain and source IP over the received reports: messages,
 * SPF-aligned pass and fail, DKIM-aligned pass and fail, DMARC pass (either
 * aligned pass) and fail, as in each record's policy_evaluated. A report
 * counts only once it was read whole (its rows are kept apart until then).
 * With --store, the reports `import` kept (those whose date range overlaps
 * the period, with --period). The same table and page either way.
 * Text by default; --html FILE also writes a page with charts. */
#include <stdlib.h>
#include <string.h>

#include "gen_common.h"
#include "report_tool.h"
#include "summary.h"

struct run {
    struct sum_table  total, pending; /* pending: the report being read */
    struct sum_report cur;
    bool              failed, oom;
};

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static size_t
hash2(const char *a, const char *b)
{
    size_t h = 14695981039346656037u;
    for (; *a != '\0'; a++)
        h = (h ^ (unsigned char)*a) * 1099511628211u;
    h = (h ^ 0xffu) * 1099511628211u;
    for (; *b != '\0'; b++)
        h = (h ^ (unsigned char)*b) * 1099511628211u;
    return h;
}

static bool
rehash(struct sum_table *t)
{
    size_t  n = t->nslots ? t->nslots * 2 : 64;
    size_t *s = calloc(n, sizeof(*s));
    if (s == NULL)
        return false;
    free(t->slots);
    t->slots = s;
    t->nslots = n;
    for (size_t i = 0; i < t->nrows; i++) {
        size_t h = hash2(t->rows[i].domain, t->rows[i].ip) & (n - 1);
        while (s[h] != 0)
            h = (h + 1) & (n - 1);
        s[h] = i + 1;
    }
    return true;
}

static struct sum_row *
row_of(struct sum_table *t, const char *domain, const char *ip)
{
    size_t h;
    if ((t->nrows + 1) * 2 > t->nslots && !rehash(t))
        return NULL;
    h = hash2(domain, ip) & (t->nslots - 1);
    for (; t->slots[h] != 0; h = (h + 1) & (t->nslots - 1)) {
        struct sum_row *r = &t->rows[t->slots[h] - 1];
        if (strcmp(r->domain, domain) == 0 && strcmp(r->ip, ip) == 0)
            return r;
    }
    if (t->nrows == t->caprows) {
        size_t          cap = t->caprows ? t->caprows * 2 : 64;
        struct sum_row *nr = realloc(t->rows, cap * sizeof(*nr));
        if (nr == NULL)
            return NULL;
        t->rows = nr;
        t->caprows = cap;
    }
    struct sum_row *r = &t->rows[t->nrows];
    memset(r, 0, sizeof(*r));
    r->domain = strdup(domain);
    r->ip = strdup(ip);
    if (r->domain == NULL || r->ip == NULL) {
        free(r->domain);
        free(r->ip);
        return NULL;
    }
    t->slots[h] = ++t->nrows;
    return r;
}

static void
row_add(struct sum_row *to, const struct sum_row *from)
{
    to->msgs = sat_add(to->msgs, from->msgs);
    to->spf_pass = sat_add(to->spf_pass, from->spf_pass);
    to->spf_fail = sat_add(to->spf_fail, from->spf_fail);
    to->dkim_pass = sat_add(to->dkim_pass, from->dkim_pass);
    to->dkim_fail = sat_add(to->dkim_fail, from->dkim_fail);
    to->dmarc_pass = sat_add(to->dmarc_pass, from->dmarc_pass);
    to->dmarc_fail = sat_add(to->dmarc_fail, from->dmarc_fail);
}

static bool
add_day(struct sum_table *t, int64_t day, uint64_t pass, uint64_t fail)
{
    for (size_t i = 0; i < t->ndays; i++)
        if (t->days[i].day == day) {
            t->days[i].pass = sat_add(t->days[i].pass, pass);
            t->days[i].fail = sat_add(t->days[i].fail, fail);
            return true;
        }
    if (t->ndays == t->capdays) {
        size_t          cap = t->capdays ? t->capdays * 2 : 32;
        struct sum_day *nd = realloc(t->days, cap * sizeof(*nd));
        if (nd == NULL)
            return false;
        t->days = nd;
        t->capdays = cap;
    }
    t->days[t->ndays++] = (struct sum_day){day, pass, fail};
    return true;
}

static void
table_free(struct sum_table *t)
{
    for (size_t i = 0; i < t->nrows; i++) {
        free(t->rows[i].domain);
        free(t->rows[i].ip);
    }
    for (size_t i = 0; i < t->nreps; i++) {
        free(t->reps[i].org);
        free(t->reps[i].id);
        free(t->reps[i].domain);
    }
    free(t->rows);
    free(t->slots);
    free(t->days);
    free(t->reps);
    memset(t, 0, sizeof(*t));
}

static char *
dup_or_empty(const char *s)
{
    return strdup(s != NULL ? s : "");
}

static mailauth_status_t
on_begin(void *user, const mailauth_report_read_where_t *where, const mailauth_report_meta_t *meta,
         const mailauth_report_policy_t *policy)
{
    struct run *run = user;
    (void)where;
    table_free(&run->pending);
    run->cur = (struct sum_report){dup_or_empty(meta->org_name),
                                   dup_or_empty(meta->report_id),
                                   dup_or_empty(policy->domain),
                                   meta->begin,
                                   meta->end,
                                   0};
    if (run->cur.org == NULL || run->cur.id == NULL || run->cur.domain == NULL)
        return MAILAUTH_ENOMEM;
    return MAILAUTH_OK;
}

static bool
is_pass(const char *v)
{
    return v != NULL && strcmp(v, "pass") == 0;
}

static mailauth_status_t
on_record(void *user, const mailauth_report_record_t *rec)
{
    struct run     *run = user;
    struct sum_row  add = {0};
    struct sum_row *r =
        row_of(&run->pending, run->cur.domain, rec->source_ip != NULL ? rec->source_ip : "");
    if (r == NULL)
        return MAILAUTH_ENOMEM;
    add.msgs = rec->count;
    if (rec->spf_aligned != NULL)
        *(is_pass(rec->spf_aligned) ? &add.spf_pass : &add.spf_fail) = rec->count;
    if (rec->dkim_aligned != NULL)
        *(is_pass(rec->dkim_aligned) ? &add.dkim_pass : &add.dkim_fail) = rec->count;
    if (is_pass(rec->spf_aligned) || is_pass(rec->dkim_aligned))
        add.dmarc_pass = rec->count;
    else
        add.dmarc_fail = rec->count;
    row_add(r, &add);
    run->cur.msgs = sat_add(run->cur.msgs, rec->count);
    return MAILAUTH_OK;
}

/* The report was read whole: its rows, its day and itself join the total. */
static bool
commit(struct run *run)
{
    struct sum_table *t = &run->total;
    uint64_t          pass = 0, fail = 0;
    for (size_t i = 0; i < run->pending.nrows; i++) {
        const struct sum_row *p = &run->pending.rows[i];
        struct sum_row       *r = row_of(t, p->domain, p->ip);
        if (r == NULL)
            return false;
        row_add(r, p);
        pass = sat_add(pass, p->dmarc_pass);
        fail = sat_add(fail, p->dmarc_fail);
    }
    if (!add_day(t, run->cur.begin / 86400, pass, fail))
        return false;
    if (t->nreps == t->capreps) {
        size_t             cap = t->capreps ? t->capreps * 2 : 32;
        struct sum_report *nr = realloc(t->reps, cap * sizeof(*nr));
        if (nr == NULL)
            return false;
        t->reps = nr;
        t->capreps = cap;
    }
    t->reps[t->nreps++] = run->cur;
    memset(&run->cur, 0, sizeof(run->cur));
    return true;
}

static void
on_end(void *user, const mailauth_report_read_where_t *where, mailauth_status_t st, const char *why)
{
    struct run *run = user;
    if (st == MAILAUTH_OK && run->cur.id != NULL && !commit(run))
        run->oom = true;
    if (st != MAILAUTH_OK) {
        tool_report_error(where, why);
        run->failed = true;
    }
    free(run->cur.org);
    free(run->cur.id);
    free(run->cur.domain);
    memset(&run->cur, 0, sizeof(run->cur));
    table_free(&run->pending);
}

static int
row_cmp(const void *a, const void *b)
{
    const struct sum_row *x = a, *y = b;
    int                   c = strcmp(x->domain, y->domain);
    if (c != 0)
        return c;
    if (x->msgs != y->msgs)
        return x->msgs > y->msgs ? -1 : 1;
    return strcmp(x->ip, y->ip);
}

static int
day_cmp(const void *a, const void *b)
{
    const struct sum_day *x = a, *y = b;
    return x->day < y->day ? -1 : x->day > y->day;
}

void
summary_sort(struct sum_table *t)
{
    if (t->nrows > 0)
        qsort(t->rows, t->nrows, sizeof(*t->rows), row_cmp);
    if (t->ndays > 0)
        qsort(t->days, t->ndays, sizeof(*t->days), day_cmp);
    free(t->slots); /* the order changed: the index is no longer valid */
    t->slots = NULL;
    t->nslots = 0;
}

static void
print_text(const struct sum_table *t)
{
    printf("%-30s %-39s %10s %9s %9s %9s %9s %10s %10s\n", "policy_domain", "source_ip", "messages",
           "spf_pass", "spf_fail", "dkim_pass", "dkim_fail", "dmarc_pass", "dmarc_fail");
    for (size_t i = 0; i < t->nrows; i++) {
        const struct sum_row *r = &t->rows[i];
        printf("%-30s %-39s %10llu %9llu %9llu %9llu %9llu %10llu %10llu\n", r->domain,
               r->ip[0] != '\0' ? r->ip : "-", (unsigned long long)r->msgs,
               (unsigned long long)r->spf_pass, (unsigned long long)r->spf_fail,
               (unsigned long long)r->dkim_pass, (unsigned long long)r->dkim_fail,
               (unsigned long long)r->dmarc_pass, (unsigned long long)r->dmarc_fail);
    }
}

static int
write_html(const char *path, const struct sum_table *t)
{
    FILE *f = fopen(path, "w");
    int   bad;
    if (f == NULL) {
        fprintf(stderr, "mailauth-report: %s: cannot write\n", path);
        return TOOL_EXIT_FAILED;
    }
    bad = summary_html(f, t);
    if (fclose(f) != 0 || bad != 0) {
        fprintf(stderr, "mailauth-report: %s: cannot write\n", path);
        return TOOL_EXIT_FAILED;
    }
    return TOOL_EXIT_OK;
}

/* --store: the reports imported into the store, through the same
 * callbacks as a file's reports (each was kept whole). */
static int
on_imported(void *arg, const mailauth_report_meta_t *meta, const mailauth_report_policy_t *policy,
            const mailauth_report_record_t *records, size_t count)
{
    struct run                  *run = arg;
    mailauth_report_read_where_t where = {"store", NULL, 0};
    mailauth_status_t            st = on_begin(run, &where, meta, policy);
    for (size_t i = 0; i < count && st == MAILAUTH_OK; i++)
        st = on_record(run, &records[i]);
    if (st != MAILAUTH_OK) {
        run->oom = true;
        return 1;
    }
    on_end(run, &where, MAILAUTH_OK, NULL);
    return run->oom ? 1 : 0;
}

static int
summarize_store(struct run *run, const char *uri, int64_t begin, int64_t end)
{
    mailauth_report_store_t *store = NULL;
    char                     err[256] = "";
    mailauth_status_t        st = mailauth_report_store_open(uri, 0, &store, err, sizeof(err));
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "mailauth-report: %s: %s\n", uri, err[0] ? err : mailauth_strerror(st));
        return TOOL_EXIT_FAILED;
    }
    st = mailauth_report_store_imported(store, begin, end, on_imported, run);
    if (st != MAILAUTH_OK && !run->oom) {
        fprintf(stderr, "mailauth-report: %s: %s\n", uri, mailauth_report_store_error(store));
        run->failed = true;
    }
    mailauth_report_store_close(store);
    return TOOL_EXIT_OK;
}

struct sum_opts {
    const char *html, *store, *period;
    int         first; /* the first file */
};

static int
parse_args(int argc, char **argv, struct sum_opts *o)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char **slot = strcmp(argv[i], "--html") == 0     ? &o->html
                            : strcmp(argv[i], "--store") == 0  ? &o->store
                            : strcmp(argv[i], "--period") == 0 ? &o->period
                                                               : NULL;
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (slot == NULL || i + 1 >= argc)
            return TOOL_EXIT_USAGE;
        *slot = argv[++i];
    }
    o->first = i;
    /* files, or --store (with --period if wanted) */
    if (o->store != NULL ? i < argc : (i >= argc || o->period != NULL))
        return TOOL_EXIT_USAGE;
    return TOOL_EXIT_OK;
}

int
cmd_summary(int argc, char **argv)
{
    struct run                 run = {0};
    mailauth_report_read_cbs_t cbs = {MAILAUTH_REPORT_STRUCT_VERSION, on_begin, on_record, on_end};
    mailauth_report_reader_t  *rd = NULL;
    struct sum_opts            o = {0};
    int64_t                    begin = INT64_MIN, end = INT64_MAX;
    int                        rc;
    if (parse_args(argc, argv, &o) != TOOL_EXIT_OK)
        return TOOL_EXIT_USAGE;
    if (o.period != NULL && !gen_parse_period(o.period, &begin, &end)) {
        fprintf(stderr, "mailauth-report summary: --period YYYY-MM-DD[..YYYY-MM-DD]\n");
        return TOOL_EXIT_USAGE;
    }
    if (o.store != NULL) {
        if (summarize_store(&run, o.store, begin, end) != TOOL_EXIT_OK)
            return TOOL_EXIT_FAILED;
    } else {
        if (mailauth_report_reader_new(NULL, &cbs, &run, &rd) != MAILAUTH_OK)
            return TOOL_EXIT_SOFTWARE;
        for (int i = o.first; i < argc; i++)
            (void)mailauth_report_read_path(rd, argv[i]);
        mailauth_report_reader_free(rd);
    }
    summary_sort(&run.total);
    print_text(&run.total);
    rc = run.failed ? TOOL_EXIT_FAILED : TOOL_EXIT_OK;
    if (run.oom) {
        fprintf(stderr, "mailauth-report: out of memory\n");
        rc = TOOL_EXIT_SOFTWARE;
    }
    if (o.html != NULL && write_html(o.html, &run.total) != TOOL_EXIT_OK && rc == TOOL_EXIT_OK)
        rc = TOOL_EXIT_FAILED;
    table_free(&run.total);
    return rc;
}
