/* mailauth-report import --store URI FILE...
 *
 * Reads received aggregate reports (every kind `parse` reads) and keeps
 * them in the store, each in one transaction: a report is kept whole or not
 * at all, and once per org_name + report_id (a report seen again counts as
 * a duplicate). A reason without a type (an empty <reason>) is left
 * out. One line per file on stdout: how many reports it brought
 * and how many were duplicates; one line on stderr per report that could
 * not be read whole or kept. Exit 1 when any did. */
#include <stdlib.h>
#include <string.h>

#include "report_tool.h"

struct import_run {
    mailauth_report_store_t *store;
    unsigned                 imported, duplicates; /* of the current file */
    bool                     open;                 /* an import is open in the store */
    bool                     duplicate;            /* ... and it is a duplicate */
    bool                     store_failed;         /* the store refused this report */
    char                     why[256];             /* the store's reason */
    bool                     failed;               /* some report of some file failed */
};

static void
store_failed(struct import_run *run)
{
    const char *e = mailauth_report_store_error(run->store);
    snprintf(run->why, sizeof(run->why), "cannot keep the report: %s",
             e != NULL && e[0] != '\0' ? e : "the store refused it");
    run->store_failed = true;
}

static mailauth_status_t
on_begin(void *user, const mailauth_report_read_where_t *where, const mailauth_report_meta_t *meta,
         const mailauth_report_policy_t *policy)
{
    struct import_run *run = user;
    int                dup = 0;
    mailauth_status_t  st;
    (void)where;
    run->store_failed = false;
    st = mailauth_report_store_import_begin(run->store, meta, policy, &dup);
    if (st != MAILAUTH_OK) { /* no import is open: end must not close one */
        store_failed(run);
        return st;
    }
    run->open = true;
    run->duplicate = dup != 0;
    return MAILAUTH_OK;
}

/* An empty <reason> (no type) says nothing and the store wants a type:
 * such reasons are left out, the record is kept. */
static mailauth_status_t
import_record(mailauth_report_store_t *store, const mailauth_report_record_t *rec)
{
    mailauth_report_record_t  copy = *rec;
    mailauth_report_reason_t *kept;
    size_t                    n = 0;
    mailauth_status_t         st;
    for (size_t i = 0; i < rec->reason_count; i++)
        if (rec->reasons[i].type == NULL)
            n++;
    if (n == 0)
        return mailauth_report_store_import_record(store, rec);
    kept = calloc(rec->reason_count, sizeof(*kept));
    if (kept == NULL)
        return MAILAUTH_ENOMEM;
    copy.reasons = kept;
    copy.reason_count = 0;
    for (size_t i = 0; i < rec->reason_count; i++)
        if (rec->reasons[i].type != NULL)
            kept[copy.reason_count++] = rec->reasons[i];
    st = mailauth_report_store_import_record(store, &copy);
    free(kept);
    return st;
}

static mailauth_status_t
on_record(void *user, const mailauth_report_record_t *rec)
{
    struct import_run *run = user;
    mailauth_status_t  st;
    if (run->duplicate)
        return MAILAUTH_OK;
    st = import_record(run->store, rec);
    if (st == MAILAUTH_ENOMEM) {
        snprintf(run->why, sizeof(run->why), "cannot keep the report: out of memory");
        run->store_failed = true;
    } else if (st != MAILAUTH_OK) {
        store_failed(run);
    }
    return st;
}

static void
on_end(void *user, const mailauth_report_read_where_t *where, mailauth_status_t status,
       const char *why)
{
    struct import_run *run = user;
    if (run->open) {
        /* a report not read whole is rolled back */
        mailauth_status_t st = mailauth_report_store_import_end(run->store, status == MAILAUTH_OK);
        run->open = false;
        if (status == MAILAUTH_OK && st != MAILAUTH_OK) {
            store_failed(run);
            status = st;
        }
    }
    if (status == MAILAUTH_OK) {
        if (run->duplicate)
            run->duplicates++;
        else
            run->imported++;
    } else {
        tool_report_error(where, run->store_failed ? run->why : why);
        run->failed = true;
    }
    run->duplicate = false;
    run->store_failed = false;
}

static int
parse_args(int argc, char **argv, const char **store, int *first)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--store") != 0 || i + 1 >= argc)
            return TOOL_EXIT_USAGE;
        *store = argv[++i];
    }
    if (*store == NULL || i >= argc)
        return TOOL_EXIT_USAGE;
    *first = i;
    return TOOL_EXIT_OK;
}

int
cmd_import(int argc, char **argv)
{
    struct import_run          run = {0};
    mailauth_report_read_cbs_t cbs = {MAILAUTH_REPORT_STRUCT_VERSION, on_begin, on_record, on_end};
    mailauth_report_reader_t  *rd = NULL;
    const char                *uri = NULL;
    char                       err[256] = "";
    int                        i = 0;
    mailauth_status_t          st;
    if (parse_args(argc, argv, &uri, &i) != TOOL_EXIT_OK)
        return TOOL_EXIT_USAGE;
    st = mailauth_report_store_open(uri, 0, &run.store, err, sizeof(err));
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "mailauth-report: %s: %s\n", uri, err[0] ? err : mailauth_strerror(st));
        return TOOL_EXIT_FAILED;
    }
    if (mailauth_report_reader_new(NULL, &cbs, &run, &rd) != MAILAUTH_OK) {
        mailauth_report_store_close(run.store);
        return TOOL_EXIT_SOFTWARE;
    }
    for (; i < argc; i++) {
        run.imported = run.duplicates = 0;
        (void)mailauth_report_read_path(rd, argv[i]);
        printf("%s: imported %u report%s, %u duplicate%s\n", argv[i], run.imported,
               run.imported == 1 ? "" : "s", run.duplicates, run.duplicates == 1 ? "" : "s");
    }
    mailauth_report_reader_free(rd);
    mailauth_report_store_close(run.store);
    if (fflush(stdout) != 0)
        run.failed = true;
    return run.failed ? TOOL_EXIT_FAILED : TOOL_EXIT_OK;
}
