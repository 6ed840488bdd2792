/* bench_report xml / parse: large RFC 9990 aggregate reports made by the
 * library's generator, read back by the streaming reader (the same calls
 * as `mailauth-report parse`, output replaced by counting). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_report.h"

/* n records of a report from the row stream of `seed`. */
static struct bench_row *
make_rows(uint64_t seed, size_t n, mailauth_report_record_t *recs,
          const mailauth_report_policy_t *pol)
{
    struct bench_row *b = calloc(n, sizeof(*b));
    uint64_t          s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; b != NULL && i < n; i++) {
        bench_report_row(&s, 1000, 0, &b[i]);
        recs[i] = b[i].rec;
        recs[i].time = 0;
        recs[i].count = 1 + (s >> 40) % 500u;
        recs[i].policy = pol;
    }
    return b;
}

static mailauth_report_aggregate_t *
make_report(uint64_t seed, size_t n)
{
    mailauth_report_gen_t        gen = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                        .org_name = "Bench Receiver",
                                        .email = "dmarc-reports@receiver.example"};
    struct bench_row             pb;
    mailauth_report_record_t    *recs = calloc(n, sizeof(*recs));
    struct bench_row            *rows;
    mailauth_report_aggregate_t *rep = NULL;
    bench_report_policy((unsigned)(seed % 1000u), &pb);
    rows = recs != NULL ? make_rows(seed, n, recs, &pb.policy) : NULL;
    if (rows == NULL || mailauth_report_aggregate_new(&gen, &pb.policy, recs, n, 1796515200,
                                                      1796601599, &rep) != MAILAUTH_OK)
        rep = NULL;
    free(rows);
    free(recs);
    return rep;
}

static int
cmd_xml(const char *out, double mb, uint64_t seed, int gz)
{
    mailauth_report_aggregate_t *rep = make_report(seed, 1000);
    size_t                       len = 0, n, xlen = 0;
    const uint8_t               *p;
    FILE                        *f;
    int                          ok;
    if (rep == NULL)
        return 1;
    (void)mailauth_report_aggregate_xml(rep, &len);
    n = (size_t)(mb * 1e6 / ((double)len / 1000.0));
    mailauth_report_aggregate_free(rep);
    rep = make_report(seed, n > 0 ? n : 1);
    if (rep == NULL)
        return 1;
    p = gz ? mailauth_report_aggregate_gzip(rep, &len) : mailauth_report_aggregate_xml(rep, &len);
    f = fopen(out, "wb");
    ok = f != NULL && fwrite(p, 1, len, f) == len;
    ok = f != NULL && fclose(f) == 0 && ok;
    (void)mailauth_report_aggregate_xml(rep, &xlen);
    printf("%s: %zu records, xml %zu B, file %zu B\n", out, n > 0 ? n : 1, xlen, len);
    mailauth_report_aggregate_free(rep);
    return ok ? 0 : 1;
}

struct read_count {
    unsigned long long reports, records, failed;
};

static mailauth_status_t
on_record(void *user, const mailauth_report_record_t *record)
{
    struct read_count *c = user;
    c->records += record->count > 0;
    return MAILAUTH_OK;
}

static void
on_end(void *user, const mailauth_report_read_where_t *where, mailauth_status_t status,
       const char *why)
{
    struct read_count *c = user;
    if (status != MAILAUTH_OK) {
        fprintf(stderr, "bench_report: %s: %s\n", where->file, why);
        c->failed++;
    } else
        c->reports++;
}

static int
cmd_parse(int nfiles, char **files, int big)
{
    mailauth_report_read_limits_t lim;
    mailauth_report_read_cbs_t    cbs = {
           .version = MAILAUTH_REPORT_STRUCT_VERSION, .record = on_record, .end = on_end};
    struct read_count         c = {0};
    mailauth_report_reader_t *rd = NULL;
    unsigned long long        bytes = 0;
    double                    t0, dt;
    mailauth_report_read_limits_init(&lim);
    if (big) {
        /* A single report past the default caps (16 M elements, 256 MiB
         * out of one gzip stream): only counts change, not memory. */
        lim.max_elements = (uint64_t)1 << 40;
        lim.max_decompressed = (uint64_t)1 << 40;
    }
    if (mailauth_report_reader_new(&lim, &cbs, &c, &rd) != MAILAUTH_OK)
        return 1;
    t0 = bench_report_now();
    for (int i = 0; i < nfiles; i++) {
        struct stat st;
        if (stat(files[i], &st) == 0)
            bytes += (unsigned long long)st.st_size;
        (void)mailauth_report_read_path(rd, files[i]);
    }
    dt = bench_report_now() - t0;
    mailauth_report_reader_free(rd);
    printf("parse: %d files, %llu B, %llu reports (%llu failed), %llu records; %.2f s, %.1f MB/s,"
           " %.0f records/s, peak RSS %ld KiB\n",
           nfiles, bytes, c.reports, c.failed, c.records, dt, (double)bytes / 1e6 / dt,
           (double)c.records / dt, bench_report_maxrss());
    return c.failed > 0 ? 1 : 0;
}

int
bench_report_read_main(int argc, char **argv)
{
    if (strcmp(argv[1], "xml") == 0 && argc >= 5)
        return cmd_xml(argv[2], strtod(argv[3], NULL), strtoull(argv[4], NULL, 10),
                       argc > 5 && strcmp(argv[5], "gz") == 0);
    if (strcmp(argv[1], "parse") == 0 && argc >= 4 && strcmp(argv[2], "--big") == 0)
        return cmd_parse(argc - 3, argv + 3, 1);
    if (strcmp(argv[1], "parse") == 0 && argc >= 3)
        return cmd_parse(argc - 2, argv + 2, 0);
    return 2;
}
