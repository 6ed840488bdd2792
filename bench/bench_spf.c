/* bench_spf: SPF evaluation speed, mailauth against libspf2, on one realistic policy.
 *
 * The policy (built below, printed by -z): the sender domain's record has 8
 * ip4/ip6 ranges and two includes; each include starts a chain three deep
 * (include -> include -> include), every record with its own 8 ranges. Seven
 * records, 56 ranges, six includes (RFC 7208 §4.6.4 allows ten). The top
 * record ends in -all, the included ones in ~all.
 *
 * Cases: best (client in the first range of the top record), worst (client in
 * the last range of the deepest record of the last chain: everything else is
 * looked at first) and fail (client in no range: top -all).
 *
 * Throughput mode: both libraries answer from memory (mailauth: zone resolver
 * with its cache warm after the first evaluation; libspf2: SPF_dns_zone), and
 * each case is timed on each library in turn, in the same process.
 * Latency mode: every answer is delayed (mailauth_resolver_zone_set_delay; a
 * sleeping DNS layer over libspf2's zone), mailauth's cache is flushed before
 * each evaluation, and wall time and DNS round trips per evaluation are shown:
 * mailauth asks independent questions in parallel, libspf2 one at a time.
 *
 * Like for like: by default mailauth checks MAIL FROM and HELO (it does
 * whenever it is given a HELO name) and libspf2 MAIL FROM only; -M (mailauth
 * without the HELO name) or -H (libspf2 checks HELO too) make them check the
 * same identities. libspf2 writes its Received-SPF and comment text in every
 * response; -A makes mailauth format its Authentication-Results field too.
 * -C empties mailauth's DNS cache before every evaluation, so it fetches and
 * parses every record each time, as libspf2 does.
 *
 * Both libraries must give the expected verdict for every case on every
 * evaluation; the run aborts loudly otherwise. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_spf.h"

/* ------------------------------------------------------------------ driver */

struct opts {
    uint64_t iterations; /* 0: run each case for `seconds` */
    double   seconds;
    unsigned rounds;   /* throughput: rounds per case, median reported */
    unsigned delay_ms; /* latency mode */
    unsigned reps;     /* latency mode evaluations per case */
    unsigned cases;    /* bit k: run case k */
    bool throughput, latency, use_ma, use_spf2, spf2_helo, ma_helo, ma_authres, ma_cold, print_zone;
};

typedef mailauth_verdict_t (*eval_fn)(void *impl, const struct bench_case *c);

struct impl {
    const char *name;
    eval_fn     eval;
    void       *state;
};

static void
expect(const struct impl *im, const struct bench_case *c, mailauth_verdict_t got)
{
    if (got != c->expect)
        die("%s gave %s for case %s (client %s), expected %s: the libraries disagree, "
            "results are meaningless",
            im->name, mailauth_verdict_name(got), c->name, c->ip, mailauth_verdict_name(c->expect));
}

/* Run `limit` evaluations (0: for `budget` ns); returns how many ran, the clock in *t1. */
static uint64_t
eval_loop(const struct impl *im, const struct bench_case *c, uint64_t limit, uint64_t budget,
          uint64_t t0, uint64_t *t1)
{
    uint64_t n = 0;
    *t1 = t0;
    while (limit > 0 ? n < limit : *t1 - t0 < budget) {
        for (int k = 0; k < 16 && (limit == 0 || n < limit); k++, n++)
            expect(im, c, im->eval(im->state, c));
        *t1 = now_ns();
    }
    return n;
}

/* One timed run of one case: evaluations per wall second, CPU microseconds per
 * evaluation, and the CPU share (thread CPU time over wall time; below 1, the
 * machine was busy and the wall rate is low). */
struct sample {
    double rate, cpu_us, share;
};

/* Warm up, then N iterations or `seconds`. */
static struct sample
measure(const struct impl *im, const struct bench_case *c, const struct opts *o)
{
    uint64_t      t0, t1, c0, n, budget = (uint64_t)(o->seconds * 1e9);
    struct sample out;
    eval_loop(im, c, o->iterations > 0 ? o->iterations / 10 + 1 : 0, budget / 10, now_ns(), &t1);
    c0 = cpu_ns();
    t0 = now_ns();
    n = eval_loop(im, c, o->iterations, budget, t0, &t1);
    out.cpu_us = (double)(cpu_ns() - c0) / 1e3 / (double)n;
    out.share = (double)n * out.cpu_us * 1e3 / (double)(t1 - t0);
    out.rate = (double)n / ((double)(t1 - t0) / 1e9);
    return out;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
median(double *v, unsigned n)
{
    qsort(v, n, sizeof(v[0]), cmp_double);
    return v[n / 2];
}

/* Medians over rounds, alternating the libraries so that drift hits both alike. */
static void
measure_case(const struct impl im[2], const bool on[2], const struct bench_case *c,
             const struct opts *o, struct sample res[2], double *min_share)
{
    double   rate[2][32], cpu[2][32];
    unsigned rounds = o->rounds > 32 ? 32 : o->rounds;
    for (unsigned k = 0; k < rounds; k++)
        for (int i = 0; i < 2; i++)
            if (on[i]) {
                struct sample x = measure(&im[i], c, o);
                rate[i][k] = x.rate;
                cpu[i][k] = x.cpu_us;
                *min_share = x.share < *min_share ? x.share : *min_share;
            }
    for (int i = 0; i < 2; i++) {
        res[i] = (struct sample){0, 0, 0};
        if (on[i])
            res[i] = (struct sample){median(rate[i], rounds), median(cpu[i], rounds), 0};
    }
}

static void
print_sample(const struct sample *x)
{
    if (x->rate > 0)
        printf("  %10.0f %7.2f %7.2f", x->rate, 1e6 / x->rate, x->cpu_us);
    else
        printf("  %10s %7s %7s", "-", "-", "-");
}

static void
print_throughput_head(const struct opts *o)
{
    printf("\nthroughput: answers from memory (mailauth: zone resolver, cache warm; libspf2: "
           "SPF_dns_zone)\n");
    if (o->iterations > 0)
        printf("%llu timed iterations per case per round", (unsigned long long)o->iterations);
    else
        printf("~%.1f s per case per round", o->seconds);
    printf(", median of %u rounds; us = microseconds per evaluation, wall and CPU;\n"
           "ratio = mailauth speed / libspf2 speed (above 1: mailauth is faster)\n\n",
           o->rounds);
    printf("%-6s %-7s  %10s %7s %7s  %10s %7s %7s  %6s %6s\n", "", "", "mailauth", "", "",
           "libspf2", "", "", "ratio", "ratio");
    printf("%-6s %-7s  %10s %7s %7s  %10s %7s %7s  %6s %6s\n", "case", "result", "eval/s",
           "us wall", "us cpu", "eval/s", "us wall", "us cpu", "wall", "cpu");
}

static void
run_throughput(const struct policy *pol, const struct bench_case cases[3], const struct opts *o)
{
    struct ma    m;
    struct spf2 *s = o->use_spf2 ? spf2_new(pol, -1, o->spf2_helo) : NULL;
    struct impl  im[2] = {{"mailauth", ma_eval, &m}, {"libspf2", spf2_eval, s}};
    bool         on[2] = {o->use_ma, o->use_spf2};
    double       min_share = 1.0;
    if (on[0]) {
        ma_open(&m, pol, 0, o->ma_helo, o->ma_authres);
        m.cold = o->ma_cold;
    }
    print_throughput_head(o);
    for (int k = 0; k < 3; k++) {
        struct sample x[2];
        if (!(o->cases & (1u << k)))
            continue;
        measure_case(im, on, &cases[k], o, x, &min_share);
        printf("%-6s %-7s", cases[k].name, mailauth_verdict_name(cases[k].expect));
        print_sample(&x[0]);
        print_sample(&x[1]);
        if (on[0] && on[1])
            printf("  %6.2f %6.2f\n", x[0].rate / x[1].rate, x[1].cpu_us / x[0].cpu_us);
        else
            printf("  %6s %6s\n", "-", "-");
        fflush(stdout);
    }
    printf("\nCPU share of the timed loops: at least %.0f%%%s\n", min_share * 100,
           min_share < 0.9 ? " -- the machine was busy: trust the CPU columns more" : "");
    if (on[0])
        ma_close(&m);
    if (on[1])
        spf2_free(s);
}

/* Latency of one case on mailauth: wall ms and round trips per evaluation, cache flushed. */
static void
latency_ma(struct ma *m, const struct bench_case *c, const struct opts *o, double *ms,
           double *trips, double *queries)
{
    mailauth_resolver_stats_t a = {.version = MAILAUTH_RESOLVER_STATS_VERSION}, b = a;
    uint64_t                  t = 0;
    struct impl               im = {"mailauth", ma_eval, m};
    check_ma(mailauth_resolver_stats(m->r, &a), "mailauth_resolver_stats");
    for (unsigned i = 0; i < o->reps; i++) {
        uint64_t t0;
        check_ma(mailauth_resolver_flush_cache(m->r), "mailauth_resolver_flush_cache");
        t0 = now_ns();
        expect(&im, c, ma_eval(m, c));
        t += now_ns() - t0;
    }
    check_ma(mailauth_resolver_stats(m->r, &b), "mailauth_resolver_stats");
    *ms = (double)t / 1e6 / o->reps;
    *trips = (double)(b.round_trips - a.round_trips) / o->reps;
    *queries = (double)(b.queries - a.queries) / o->reps;
}

/* The same on libspf2: its lookups are sequential, so round trips = lookups. */
static void
latency_spf2(struct spf2 *s, const struct bench_case *c, const struct opts *o, double *ms,
             double *lookups)
{
    uint64_t    t = 0, before = spf2_lookups(s);
    struct impl im = {"libspf2", spf2_eval, s};
    for (unsigned i = 0; i < o->reps; i++) {
        uint64_t t0 = now_ns();
        expect(&im, c, spf2_eval(s, c));
        t += now_ns() - t0;
    }
    *ms = (double)t / 1e6 / o->reps;
    *lookups = (double)(spf2_lookups(s) - before) / o->reps;
}

static void
run_latency(const struct policy *pol, const struct bench_case cases[3], const struct opts *o)
{
    struct ma    m;
    struct spf2 *s = o->use_spf2 ? spf2_new(pol, (int)o->delay_ms, o->spf2_helo) : NULL;
    if (o->use_ma)
        ma_open(&m, pol, o->delay_ms, o->ma_helo, o->ma_authres);
    printf("\nlatency: every DNS answer delayed %u ms, mailauth cache flushed before each "
           "evaluation, %u evaluations per case\n\n",
           o->delay_ms, o->reps);
    printf("%-6s %5s %7s  %9s %11s %8s  %9s %11s\n", "case", "depth", "records", "ma ms/ev",
           "round trips", "queries", "spf2 ms/ev", "lookups");
    for (int k = 0; k < 3; k++) {
        const struct bench_case *c = &cases[k];
        double                   mms = 0, trips = 0, queries = 0, sms = 0, lookups = 0;
        if (!(o->cases & (1u << k)))
            continue;
        if (o->use_ma)
            latency_ma(&m, c, o, &mms, &trips, &queries);
        if (o->use_spf2)
            latency_spf2(s, c, o, &sms, &lookups);
        printf("%-6s %5u %7u  %9.2f %11.2f %8.2f  %9.2f %11.2f\n", c->name, c->depth, c->lookups,
               mms, trips, queries, sms, lookups);
        fflush(stdout);
    }
    if (o->use_ma)
        ma_close(&m);
    if (o->use_spf2)
        spf2_free(s);
}

/* ----------------------------------------------------------------- options */

static void
usage(FILE *f)
{
    fputs("usage: bench_spf [-n ITER] [-t SEC] [-k ROUNDS] [-m throughput|latency|all]\n"
          "                 [-d MS] [-r REPS] [-i both|mailauth|libspf2] [-c CASES]\n"
          "                 [-H] [-M] [-A] [-C] [-z]\n"
          "  -n ITER   timed evaluations per case and round (default: run for -t seconds)\n"
          "  -t SEC    seconds per case and round when -n is not given (default 1)\n"
          "  -k ROUNDS rounds per case, the median is shown (default 3)\n"
          "  -m MODE   which measurements to run (default all)\n"
          "  -d MS     latency mode: delay of every DNS answer (default 5)\n"
          "  -r REPS   latency mode: evaluations per case (default 20)\n"
          "  -i IMPL   run one library only (e.g. under callgrind)\n"
          "  -c CASES  comma-separated subset of best,worst,fail (default all)\n"
          "  -H        libspf2 also checks HELO, as mailauth does (default: MAIL FROM only)\n"
          "  -M        mailauth checks MAIL FROM only: the HELO name is not given (default:\n"
          "            MAIL FROM and HELO). Same identities: -M, or -H\n"
          "  -A        mailauth also formats its Authentication-Results field every time\n"
          "            (libspf2 always builds its Received-SPF text)\n"
          "  -C        throughput: mailauth empties its DNS cache before every evaluation,\n"
          "            so every record is fetched and parsed again (libspf2 always parses)\n"
          "  -z        print the policy as zone text and exit\n",
          f);
}

static unsigned long
num_arg(const char *s, unsigned long max)
{
    char         *end = NULL;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max) {
        usage(stderr);
        exit(64);
    }
    return v;
}

/* "best,fail" -> bits 0 and 2; 0 if a name is unknown. */
static unsigned
case_mask(const char *list)
{
    static const char *const names[3] = {"best", "worst", "fail"};
    unsigned                 mask = 0;
    while (*list != '\0') {
        size_t   n = strcspn(list, ",");
        unsigned bit = 0;
        for (int k = 0; k < 3; k++)
            if (strlen(names[k]) == n && strncmp(list, names[k], n) == 0)
                bit = 1u << k;
        if (bit == 0)
            return 0;
        mask |= bit;
        list += n + (list[n] == ',');
    }
    return mask;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
    int  ch;
    bool bad = false;
    *o = (struct opts){.seconds = 1.0,
                       .rounds = 3,
                       .delay_ms = 5,
                       .reps = 20,
                       .cases = 7u,
                       .throughput = true,
                       .latency = true,
                       .use_ma = true,
                       .use_spf2 = true,
                       .ma_helo = true};
    while ((ch = getopt(argc, argv, "n:t:k:m:d:r:i:c:HMACzh")) != -1) {
        switch (ch) {
        case 'n':
            o->iterations = num_arg(optarg, 1000000000ul);
            break;
        case 't':
            o->seconds = (double)num_arg(optarg, 3600);
            break;
        case 'k':
            o->rounds = (unsigned)num_arg(optarg, 32);
            break;
        case 'd':
            o->delay_ms = (unsigned)num_arg(optarg, 10000);
            break;
        case 'r':
            o->reps = (unsigned)num_arg(optarg, 100000);
            break;
        case 'z':
            o->print_zone = true;
            break;
        case 'H':
            o->spf2_helo = true;
            break;
        case 'M':
            o->ma_helo = false;
            break;
        case 'A':
            o->ma_authres = true;
            break;
        case 'C':
            o->ma_cold = true;
            break;
        case 'c':
            o->cases = case_mask(optarg);
            bad |= o->cases == 0;
            break;
        case 'm':
            o->throughput = strcmp(optarg, "latency") != 0;
            o->latency = strcmp(optarg, "throughput") != 0;
            bad |= o->throughput && o->latency && strcmp(optarg, "all") != 0;
            break;
        case 'i':
            o->use_ma = strcmp(optarg, "libspf2") != 0;
            o->use_spf2 = strcmp(optarg, "mailauth") != 0;
            bad |= o->use_ma && o->use_spf2 && strcmp(optarg, "both") != 0;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(64);
        }
    }
    if (bad || optind != argc || o->rounds == 0 || o->reps == 0 || o->seconds <= 0) {
        usage(stderr);
        exit(64);
    }
}

/* Before timing anything: both libraries give the expected verdict on every case. */
static void
cross_check(const struct policy *pol, const struct bench_case cases[3], const struct opts *o)
{
    struct ma    m;
    struct spf2 *s;
    for (int k = 0; k < 3; k++) {
        mailauth_verdict_t vm = cases[k].expect, vs = cases[k].expect;
        if (o->use_ma) {
            ma_open(&m, pol, 0, o->ma_helo, o->ma_authres);
            vm = ma_eval(&m, &cases[k]);
            ma_close(&m);
        }
        if (o->use_spf2) {
            s = spf2_new(pol, -1, o->spf2_helo);
            vs = spf2_eval(s, &cases[k]);
            spf2_free(s);
        }
        if (vm != vs || vm != cases[k].expect)
            die("case %s (client %s): mailauth says %s, libspf2 says %s, expected %s",
                cases[k].name, cases[k].ip, mailauth_verdict_name(vm), mailauth_verdict_name(vs),
                mailauth_verdict_name(cases[k].expect));
    }
}

int
main(int argc, char **argv)
{
    struct opts          o;
    static struct policy pol;
    struct bench_case    cases[3];
    char                 spf2v[32];
    parse_opts(argc, argv, &o);
    build_policy(&pol);
    build_cases(cases);
    if (o.print_zone) {
        fputs(pol.zone, stdout);
        return 0;
    }
    spf2_version(spf2v, sizeof(spf2v));
    printf("bench_spf: mailauth %s, libspf2 %s\n", mailauth_version(), spf2v);
    printf("policy: %d records (sender + 2 include chains 3 deep), %d ip4/ip6 ranges each, "
           "sender %s, helo %s\n",
           N_RECORDS, N_RANGES, SENDER, HELO);
    printf("checks per evaluation: mailauth %s%s%s, libspf2 %s%s\n",
           o.ma_helo ? "MAIL FROM + HELO (HELO: none)" : "MAIL FROM only (-M)",
           o.ma_authres ? " + A-R text (-A)" : "", o.ma_cold ? ", cache emptied (-C)" : "",
           o.spf2_helo ? "MAIL FROM + HELO (-H)" : "MAIL FROM only",
           o.ma_helo == o.spf2_helo ? " -- same identities" : " -- NOT the same identities");
    for (int k = 0; k < 3; k++)
        printf("  %-5s client %-12s -> %s\n", cases[k].name, cases[k].ip,
               mailauth_verdict_name(cases[k].expect));
    cross_check(&pol, cases, &o);
    printf("cross-check: both libraries agree on every case\n");
    if (o.throughput)
        run_throughput(&pol, cases, &o);
    if (o.latency && o.delay_ms > 0)
        run_latency(&pol, cases, &o);
    return 0;
}
