/* mailauth-report summary: the tallies (summary.c) and their HTML page
 * (summary_html.c). */
#ifndef MAILAUTH_REPORT_SUMMARY_H
#define MAILAUTH_REPORT_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

struct sum_row {
    char    *domain, *ip;
    uint64_t msgs, spf_pass, spf_fail, dkim_pass, dkim_fail, dmarc_pass, dmarc_fail;
};

struct sum_day {
    int64_t  day; /* days since 1970-01-01 (the report's begin) */
    uint64_t pass, fail;
};

struct sum_report {
    char    *org, *id, *domain;
    int64_t  begin, end;
    uint64_t msgs;
};

struct sum_table {
    struct sum_row    *rows;
    size_t             nrows, caprows;
    size_t            *slots; /* hash index into rows, +1; 0 empty */
    size_t             nslots;
    struct sum_day    *days;
    size_t             ndays, capdays;
    struct sum_report *reps;
    size_t             nreps, capreps;
};

/* Writes the page; 0 on success. */
int summary_html(FILE *f, const struct sum_table *t);
/* Rows in the order of the page and the text: domain, then most messages. */
void summary_sort(struct sum_table *t);

#endif
