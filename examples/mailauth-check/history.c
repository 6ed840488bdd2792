/* mailauth-check --history URI: the evaluation as one DMARC history row
 * (libmailauth-report's history store; docs/reports.md). Built without
 * that library, the option is refused as a usage error. */
#include <stdio.h>
#include <time.h>

#include "check.h"

#ifdef MAILAUTH_CHECK_HAVE_REPORT
#include <mailauth/report.h>

bool
check_history_built(void)
{
    return true;
}

static int
store_row(const char *uri, const mailauth_report_record_t *rec)
{
    mailauth_report_store_t *store = NULL;
    char                     err[512] = "";
    mailauth_status_t        st = mailauth_report_store_open(uri, 0, &store, err, sizeof(err));
    if (st == MAILAUTH_OK) {
        st = mailauth_report_store_add(store, rec);
        if (st != MAILAUTH_OK)
            (void)snprintf(err, sizeof(err), "%s", mailauth_report_store_error(store));
        mailauth_report_store_close(store);
    }
    if (st == MAILAUTH_OK)
        return CHECK_EXIT_OK;
    fprintf(stderr, "%s: --history %s: %s\n", CHECK_PROG, uri, err);
    return st == MAILAUTH_EINVAL ? CHECK_EXIT_USAGE : CHECK_EXIT_SOFTWARE;
}

int
check_record_history(const struct check_opts *o, const mailauth_eval_t *ev)
{
    mailauth_report_eval_info_t info = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                        .time = o->have_now ? (int64_t)o->now : (int64_t)time(NULL),
                                        .source_ip = o->ip,
                                        .envelope_from = o->mail_from};
    mailauth_report_row_t      *row = NULL;
    mailauth_status_t           st = mailauth_report_record_from_eval(ev, &info, &row);
    int                         rc;
    if (st == MAILAUTH_ESTATE) {
        fprintf(stderr, "%s: --history: DMARC was not evaluated, nothing recorded\n", CHECK_PROG);
        return CHECK_EXIT_USAGE;
    }
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "%s: --history: %s\n", CHECK_PROG, mailauth_strerror(st));
        return CHECK_EXIT_SOFTWARE;
    }
    rc = store_row(o->history, mailauth_report_row_record(row));
    mailauth_report_row_free(row);
    return rc;
}

#else

bool
check_history_built(void)
{
    return false;
}

int
check_record_history(const struct check_opts *o, const mailauth_eval_t *ev)
{
    (void)o;
    (void)ev;
    fprintf(stderr, "%s: --history: this build has no libmailauth-report\n", CHECK_PROG);
    return CHECK_EXIT_USAGE;
}

#endif
