/* mailauth-report parse [--format json|ndjson|csv] FILE...
 *
 * json and ndjson are one shape: one JSON object per report, one per line.
 * csv: a header line, then one line per record. A report is written only
 * once it was read whole (it is spooled to a temporary file meanwhile, so
 * memory stays that of one record); a file, member or message that fails
 * gets one line on stderr and the exit status 1. */
#include <stdlib.h>
#include <string.h>

#include "report_tool.h"

enum format { FMT_JSON, FMT_CSV };

struct run {
    enum format                   fmt;
    FILE                         *spool; /* the report being read; NULL between reports */
    size_t                        records;
    bool                          failed, write_error;
    const char                   *file;
    const mailauth_report_meta_t *meta; /* valid during a report (csv lines) */
};

static void
json_pct(FILE *f, const char *pct)
{
    size_t n = pct != NULL ? strspn(pct, "0123456789") : 0;
    if (pct == NULL || n == 0 || pct[n] != '\0' || n > 3)
        fputs("null", f); /* RFC 7489 pct is 0..100; anything else is not a number */
    else
        fputs(pct, f);
}

static void
json_begin(FILE *f, const mailauth_report_read_where_t *w, const mailauth_report_meta_t *m,
           const mailauth_report_policy_t *p)
{
    fputs("{\"file\": ", f);
    tool_json_str(f, w->file);
    fputs(", \"schema\": ", f);
    tool_json_str(f, m->schema);
    fputs(", \"org_name\": ", f);
    tool_json_str(f, m->org_name);
    fputs(", \"email\": ", f);
    tool_json_str(f, m->email);
    fputs(", \"report_id\": ", f);
    tool_json_str(f, m->report_id);
    fprintf(f, ", \"begin\": %lld, \"end\": %lld, \"policy_domain\": ", (long long)m->begin,
            (long long)m->end);
    tool_json_str(f, p->domain);
    fputs(", \"policy_published\": {\"p\": ", f);
    tool_json_str(f, p->p);
    fputs(", \"sp\": ", f);
    tool_json_str(f, p->sp);
    fputs(", \"np\": ", f);
    tool_json_str(f, p->np);
    fputs(", \"adkim\": ", f);
    tool_json_str(f, p->adkim);
    fputs(", \"aspf\": ", f);
    tool_json_str(f, p->aspf);
    fputs(", \"pct\": ", f);
    json_pct(f, p->pct);
    fputs(", \"testing\": ", f);
    tool_json_str(f, p->testing);
    fputs(", \"discovery_method\": ", f);
    tool_json_str(f, p->discovery_method);
    fputs("}, \"records\": [", f);
}

static void
json_auth(FILE *f, const mailauth_report_record_t *r)
{
    fputs(", \"auth_dkim\": [", f);
    for (size_t i = 0; i < r->dkim_count; i++) {
        fputs(i > 0 ? ", {\"domain\": " : "{\"domain\": ", f);
        tool_json_str(f, r->dkim[i].domain);
        fputs(", \"selector\": ", f);
        tool_json_str(f, r->dkim[i].selector);
        fputs(", \"result\": ", f);
        tool_json_str(f, r->dkim[i].result);
        fputc('}', f);
    }
    fputs("], \"auth_spf\": [", f);
    for (size_t i = 0; i < r->spf_count; i++) {
        fputs(i > 0 ? ", {\"domain\": " : "{\"domain\": ", f);
        tool_json_str(f, r->spf[i].domain);
        fputs(", \"scope\": ", f);
        tool_json_str(f, r->spf[i].scope);
        fputs(", \"result\": ", f);
        tool_json_str(f, r->spf[i].result);
        fputc('}', f);
    }
    fputs("]}", f);
}

static void
json_record(FILE *f, const mailauth_report_record_t *r, bool first)
{
    fputs(first ? "{\"source_ip\": " : ", {\"source_ip\": ", f);
    tool_json_str(f, r->source_ip);
    fprintf(f, ", \"count\": %llu, \"disposition\": ", (unsigned long long)r->count);
    tool_json_str(f, r->disposition);
    fputs(", \"dkim\": ", f);
    tool_json_str(f, r->dkim_aligned);
    fputs(", \"spf\": ", f);
    tool_json_str(f, r->spf_aligned);
    fputs(", \"reasons\": [", f);
    for (size_t i = 0; i < r->reason_count; i++) {
        fputs(i > 0 ? ", {\"type\": " : "{\"type\": ", f);
        tool_json_str(f, r->reasons[i].type);
        fputs(", \"comment\": ", f);
        tool_json_str(f, r->reasons[i].comment);
        fputc('}', f);
    }
    fputs("], \"header_from\": ", f);
    tool_json_str(f, r->header_from);
    fputs(", \"envelope_from\": ", f);
    tool_json_str(f, r->envelope_from);
    json_auth(f, r);
}

static const char csv_header[] = "file,org_name,report_id,begin,end,policy_domain,source_ip,count,"
                                 "disposition,dkim,spf,header_from,envelope_from,auth_dkim,"
                                 "auth_spf\n";

/* "a:b:c a:b:c": the auth results of one kind in one CSV field. */
static void
csv_auth(FILE *f, const mailauth_report_record_t *r, bool dkim)
{
    char   buf[4096];
    size_t o = 0, n = dkim ? r->dkim_count : r->spf_count;
    buf[0] = '\0';
    for (size_t i = 0; i < n && o < sizeof(buf); i++) {
        const char *d = dkim ? r->dkim[i].domain : r->spf[i].domain;
        const char *s = dkim ? r->dkim[i].selector : r->spf[i].scope;
        const char *x = dkim ? r->dkim[i].result : r->spf[i].result;
        int         k = snprintf(buf + o, sizeof(buf) - o, "%s%s:%s:%s", i > 0 ? " " : "",
                         d != NULL ? d : "", s != NULL ? s : "", x != NULL ? x : "");
        if (k < 0)
            break;
        o += (size_t)k;
    }
    tool_csv_str(f, buf[0] != '\0' ? buf : NULL);
}

static void
csv_record(FILE *f, const struct run *run, const mailauth_report_record_t *r)
{
    const mailauth_report_meta_t *m = run->meta;
    tool_csv_str(f, run->file);
    fputc(',', f);
    tool_csv_str(f, m->org_name);
    fputc(',', f);
    tool_csv_str(f, m->report_id);
    fprintf(f, ",%lld,%lld,", (long long)m->begin, (long long)m->end);
    tool_csv_str(f, r->policy != NULL ? r->policy->domain : NULL);
    fputc(',', f);
    tool_csv_str(f, r->source_ip);
    fprintf(f, ",%llu,", (unsigned long long)r->count);
    tool_csv_str(f, r->disposition);
    fputc(',', f);
    tool_csv_str(f, r->dkim_aligned);
    fputc(',', f);
    tool_csv_str(f, r->spf_aligned);
    fputc(',', f);
    tool_csv_str(f, r->header_from);
    fputc(',', f);
    tool_csv_str(f, r->envelope_from);
    fputc(',', f);
    csv_auth(f, r, true);
    fputc(',', f);
    csv_auth(f, r, false);
    fputc('\n', f);
}

static mailauth_status_t
on_begin(void *user, const mailauth_report_read_where_t *where, const mailauth_report_meta_t *meta,
         const mailauth_report_policy_t *policy)
{
    struct run *run = user;
    run->spool = tmpfile();
    if (run->spool == NULL)
        return MAILAUTH_ENOMEM;
    run->records = 0;
    run->file = where->file;
    run->meta = meta;
    if (run->fmt == FMT_JSON)
        json_begin(run->spool, where, meta, policy);
    return MAILAUTH_OK;
}

static mailauth_status_t
on_record(void *user, const mailauth_report_record_t *rec)
{
    struct run *run = user;
    if (run->fmt == FMT_JSON)
        json_record(run->spool, rec, run->records == 0);
    else
        csv_record(run->spool, run, rec);
    run->records++;
    return ferror(run->spool) ? MAILAUTH_ENOSPC : MAILAUTH_OK;
}

static void
on_end(void *user, const mailauth_report_read_where_t *where, mailauth_status_t st, const char *why)
{
    struct run *run = user;
    if (st == MAILAUTH_OK && run->spool != NULL) {
        if (run->fmt == FMT_JSON)
            fputs("]}\n", run->spool);
        if (fflush(run->spool) != 0 || !tool_copy(run->spool, stdout))
            run->write_error = true;
    } else if (st != MAILAUTH_OK) {
        tool_report_error(where, why);
        run->failed = true;
    }
    if (run->spool != NULL)
        fclose(run->spool);
    run->spool = NULL;
}

int
cmd_parse(int argc, char **argv)
{
    struct run                 run = {.fmt = FMT_JSON};
    mailauth_report_read_cbs_t cbs = {MAILAUTH_REPORT_STRUCT_VERSION, on_begin, on_record, on_end};
    mailauth_report_reader_t  *rd = NULL;
    int                        i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--format") != 0 || i + 1 >= argc)
            return TOOL_EXIT_USAGE;
        i++;
        if (strcmp(argv[i], "json") == 0 || strcmp(argv[i], "ndjson") == 0)
            run.fmt = FMT_JSON;
        else if (strcmp(argv[i], "csv") == 0)
            run.fmt = FMT_CSV;
        else
            return TOOL_EXIT_USAGE;
    }
    if (i >= argc)
        return TOOL_EXIT_USAGE;
    if (mailauth_report_reader_new(NULL, &cbs, &run, &rd) != MAILAUTH_OK)
        return TOOL_EXIT_SOFTWARE;
    if (run.fmt == FMT_CSV)
        fputs(csv_header, stdout);
    for (; i < argc; i++)
        (void)mailauth_report_read_path(rd, argv[i]);
    mailauth_report_reader_free(rd);
    if (fflush(stdout) != 0 || run.write_error) {
        fprintf(stderr, "mailauth-report: cannot write the output\n");
        return TOOL_EXIT_SOFTWARE;
    }
    return run.failed ? TOOL_EXIT_FAILED : TOOL_EXIT_OK;
}
