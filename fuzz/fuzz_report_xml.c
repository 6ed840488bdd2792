/* Fuzz target: the aggregate report XML reader (lib/report/read_xml.c) on
 * raw bytes, as a document straight from a file.
 *
 * Invariants (abort() on violation):
 *  - `end` is called exactly once; `begin` at most once, before any record;
 *  - a report read whole had `begin` (its report_id and policy domain set);
 *  - every string handed out is NUL-terminated, without surrounding white
 *    space, and the words (disposition, results) are lower case;
 *  - a count never exceeds 2^63 - 1; begin and end are not negative;
 *  - the same input gives the same answer twice (no hidden state). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    unsigned          begins, ends;
    size_t            records;
    mailauth_status_t status;
};

static void
check(int ok)
{
    if (!ok)
        abort();
}

static void
check_str(const char *s, int folded)
{
    size_t n;
    if (s == NULL)
        return;
    n = strlen(s);
    check(n > 0);
    check(s[0] != ' ' && s[0] != '\n' && s[n - 1] != ' ' && s[n - 1] != '\n');
    if (folded)
        for (size_t i = 0; i < n; i++)
            check(s[i] < 'A' || s[i] > 'Z');
}

static mailauth_status_t
on_begin(void *user, const mailauth_report_read_where_t *w, const mailauth_report_meta_t *m,
         const mailauth_report_policy_t *p)
{
    struct seen *s = user;
    (void)w;
    check(s->begins == 0 && s->records == 0 && s->ends == 0);
    s->begins++;
    check(m->report_id != NULL && p->domain != NULL);
    check(m->begin >= 0 && m->end >= 0);
    check_str(m->org_name, 0);
    check_str(m->report_id, 0);
    check_str(p->p, 1);
    check_str(p->adkim, 1);
    check(m->schema != NULL && (strcmp(m->schema, "2.0") == 0 || strcmp(m->schema, "0.1") == 0));
    return MAILAUTH_OK;
}

static mailauth_status_t
on_record(void *user, const mailauth_report_record_t *r)
{
    struct seen *s = user;
    check(s->begins == 1 && s->ends == 0);
    s->records++;
    check(r->count <= (uint64_t)INT64_MAX);
    check_str(r->source_ip, 0);
    check_str(r->disposition, 1);
    check_str(r->dkim_aligned, 1);
    check_str(r->spf_aligned, 1);
    for (size_t i = 0; i < r->dkim_count; i++)
        check_str(r->dkim[i].result, 1);
    for (size_t i = 0; i < r->spf_count; i++)
        check_str(r->spf[i].result, 1);
    check(r->policy != NULL);
    return MAILAUTH_OK;
}

static void
on_end(void *user, const mailauth_report_read_where_t *w, mailauth_status_t st, const char *why)
{
    struct seen *s = user;
    (void)w;
    s->ends++;
    s->status = st;
    check(st == MAILAUTH_OK ? s->begins == 1 : why != NULL && why[0] != '\0');
}

static struct seen
run(const uint8_t *data, size_t size)
{
    mailauth_report_read_cbs_t cbs = { MAILAUTH_REPORT_STRUCT_VERSION, on_begin, on_record,
                                       on_end };
    mailauth_report_read_limits_t lim;
    mailauth_report_reader_t     *rd = NULL;
    mailauth_report__job_t        job;
    mailauth_report__src_t        src;
    void                         *space[4];
    struct seen                   s = { 0 };
    mailauth_report_read_limits_init(&lim);
    lim.max_elements = 100000; /* keep an input's run short */
    check(mailauth_report_reader_new(&lim, &cbs, &s, &rd) == MAILAUTH_OK);
    memset(&job, 0, sizeof(job));
    job.rd = rd;
    job.where.file = "fuzz";
    mailauth_report__src_mem(&src, &job, data, size, space);
    mailauth_report__read_xml(&job, &src);
    mailauth_report_reader_free(rd);
    check(s.ends == 1);
    return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen a, b;
    if (size > ((size_t)1 << 20))
        return 0;
    a = run(data, size);
    b = run(data, size);
    check(a.status == b.status && a.records == b.records && a.begins == b.begins);
    return 0;
}
