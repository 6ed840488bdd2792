/* bench_report: libmailauth-report at scale (docs/performance.md, "DMARC
 * reports"). Public API only.
 *
 *   bench_report fill URI ROWS DAY [DOMAINS]   ROWS history rows in the day
 *                                              that starts at DAY (seconds UTC)
 *   bench_report generate URI DAY              the day's reports: store
 *                                              aggregate, XML, gzip, message
 *   bench_report aggregate URI DAY             the store's grouping alone
 *   bench_report xml OUT MB SEED [gz]          an aggregate report of about MB
 *                                              MB (gz: gzip-compressed)
 *   bench_report parse [--big] FILE...         read with the streaming reader
 *                                              (--big: element and gzip-output
 *                                              caps lifted for one 1 GB report)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_report.h"

#define BATCH 10000u

double
bench_report_now(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long
bench_report_maxrss(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static mailauth_report_store_t *
open_store(const char *uri)
{
    mailauth_report_store_t *s = NULL;
    char                     err[256] = "";
    if (mailauth_report_store_open(uri, MAILAUTH_REPORT_STORE_SYNC_NORMAL, &s, err, sizeof(err)) !=
        MAILAUTH_OK) {
        fprintf(stderr, "bench_report: %s\n", err);
        return NULL;
    }
    return s;
}

static int
cmd_fill(mailauth_report_store_t *s, uint64_t rows, int64_t day, unsigned domains)
{
    struct bench_row         *b = calloc(BATCH, sizeof(*b));
    mailauth_report_record_t *recs = calloc(BATCH, sizeof(*recs));
    uint64_t                  seed = 0x9e3779b97f4a7c15ull;
    double                    t0 = bench_report_now();
    int                       rc = 0;
    for (uint64_t done = 0; b != NULL && recs != NULL && done < rows && rc == 0;) {
        size_t n = rows - done < BATCH ? (size_t)(rows - done) : BATCH;
        for (size_t i = 0; i < n; i++) {
            int64_t t = day + (int64_t)((done + i) * 86400u / rows);
            bench_report_row(&seed, domains, t, &b[i]);
            recs[i] = b[i].rec;
        }
        if (mailauth_report_store_add_batch(s, recs, n) != MAILAUTH_OK) {
            fprintf(stderr, "bench_report: %s\n", mailauth_report_store_error(s));
            rc = 1;
        }
        done += n;
    }
    if (b == NULL || recs == NULL)
        rc = 1;
    else if (rc == 0) {
        double dt = bench_report_now() - t0;
        printf("fill: %llu rows in %.1f s (%.0f rows/s)\n", (unsigned long long)rows, dt,
               (double)rows / dt);
    }
    free(b);
    free(recs);
    return rc;
}

struct gen_count {
    unsigned long long reports, records, xml, gz, msg;
    int                failed;
};

static int
on_made(void *arg, const mailauth_report_aggregate_t *rep, const mailauth_report_policy_t *policy)
{
    struct gen_count      *c = arg;
    const char            *to[1] = {"dmarc-rua@example.com"};
    mailauth_report_mail_t mail = {
        .version = MAILAUTH_REPORT_STRUCT_VERSION, .to = to, .to_count = 1, .date = 1700000000};
    char  *msg = NULL;
    size_t len = 0;
    (void)policy;
    if (mailauth_report_aggregate_message(rep, &mail, &msg, &len) != MAILAUTH_OK) {
        c->failed = 1;
        return 1;
    }
    c->msg += len;
    mailauth_report_buf_free(msg);
    (void)mailauth_report_aggregate_xml(rep, &len);
    c->xml += len;
    (void)mailauth_report_aggregate_gzip(rep, &len);
    c->gz += len;
    c->reports++;
    return 0;
}

static int
on_group(void *arg, const mailauth_report_policy_t *policy, const mailauth_report_record_t *records,
         size_t count)
{
    struct gen_count *c = arg;
    (void)policy;
    (void)records;
    c->reports++;
    c->records += count;
    return 0;
}

static int
cmd_generate(mailauth_report_store_t *s, int64_t day, int aggregate_only)
{
    mailauth_report_gen_t gen = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                 .org_name = "Bench Receiver",
                                 .email = "dmarc-reports@receiver.example"};
    struct gen_count      c = {0};
    uint64_t              rows = 0;
    mailauth_status_t     st;
    double                t0, dt;
    if (mailauth_report_store_count(s, day, day + 86400, &rows) != MAILAUTH_OK)
        return 1;
    t0 = bench_report_now();
    if (aggregate_only)
        st = mailauth_report_store_aggregate(s, day, day + 86400, on_group, &c);
    else
        st = mailauth_report_generate(s, &gen, day, day + 86400, on_made, &c);
    dt = bench_report_now() - t0;
    if (st != MAILAUTH_OK || c.failed) {
        fprintf(stderr, "bench_report: %s: %s\n", mailauth_strerror(st),
                mailauth_report_store_error(s));
        return 1;
    }
    printf("%s: %llu rows, %llu reports, %llu records; xml %llu B, gz %llu B, messages %llu B;"
           " %.2f s, %.0f rows/min, peak RSS %ld KiB\n",
           aggregate_only ? "aggregate" : "generate", (unsigned long long)rows, c.reports,
           c.records, c.xml, c.gz, c.msg, dt, (double)rows / dt * 60.0, bench_report_maxrss());
    return 0;
}

int
bench_report_store_main(int argc, char **argv)
{
    mailauth_report_store_t *s;
    int                      rc = 2;
    int64_t                  day = argc > 3 ? strtoll(argv[3], NULL, 10) : 0;
    if (argc < 4)
        return 2;
    s = open_store(argv[2]);
    if (s == NULL)
        return 1;
    if (strcmp(argv[1], "fill") == 0 && argc >= 5)
        rc = cmd_fill(s, strtoull(argv[3], NULL, 10), strtoll(argv[4], NULL, 10),
                      argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 1000u);
    else if (strcmp(argv[1], "generate") == 0)
        rc = cmd_generate(s, day, 0);
    else if (strcmp(argv[1], "aggregate") == 0)
        rc = cmd_generate(s, day, 1);
    mailauth_report_store_close(s);
    return rc;
}

int
main(int argc, char **argv)
{
    int rc = 2;
    if (argc >= 2 && (strcmp(argv[1], "xml") == 0 || strcmp(argv[1], "parse") == 0))
        rc = bench_report_read_main(argc, argv);
    else if (argc >= 2)
        rc = bench_report_store_main(argc, argv);
    if (rc == 2)
        fprintf(stderr, "usage: see the comment at the top of bench/bench_report.c\n");
    return rc;
}
