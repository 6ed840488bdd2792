/* bench_report: libmailauth-report's history store, generator and reader
 * at scale (docs/performance.md, "DMARC reports"). */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdint.h>

#include <mailauth/report.h>

/* One synthetic history row and the storage its strings point into. */
struct bench_row {
    mailauth_report_record_t rec;
    mailauth_report_policy_t policy;
    mailauth_report_dkim_t   dkim[3];
    mailauth_report_spf_t    spf[2];
    mailauth_report_reason_t reasons[2];
    char                     pol_domain[32], rua[64], ip[48], helo[48], mfrom[48];
    char                     dkim_dom[3][32], dkim_sel[3][8];
};

/* The policy domain number d publishes. */
void bench_report_policy(unsigned d, struct bench_row *b);

/* The next row of a stream seeded by *s, at time t, over `domains` domains. */
void bench_report_row(uint64_t *s, unsigned domains, int64_t t, struct bench_row *b);

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
double bench_report_now(void);

/* Peak resident set of this process, KiB. */
long bench_report_maxrss(void);

int bench_report_store_main(int argc, char **argv);
int bench_report_read_main(int argc, char **argv);

#endif
