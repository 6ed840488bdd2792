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
 * Both libraries must give the expected verdict for every case on every
 * evaluation; the run aborts loudly otherwise. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include <mailauth/mailauth.h>

#define N_RECORDS 7
#define N_RANGES 8
#define TXT_MAX 512
#define ZONE_MAX 8192
#define SENDER "bench@example.com"
#define HELO "mail.example.com"

/* ------------------------------------------------------------------ errors */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_spf: FATAL: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

static void check_ma(mailauth_status_t st, const char *what)
{
    if (st != MAILAUTH_OK)
        die("%s: %s", what, mailauth_strerror(st));
}

/* ------------------------------------------------------------------ policy */

/* Record 0 is the sender domain; 1..3 chain A, 4..6 chain B. */
static const char *const owners[N_RECORDS] = {
    "example.com",         "_spf-a1.example.net", "_spf-a2.example.net", "_spf-a3.example.net",
    "_spf-b1.example.org", "_spf-b2.example.org", "_spf-b3.example.org",
};
/* The record each one includes (-1: none); record 0 also includes record 4. */
static const int include_next[N_RECORDS] = { 1, 2, 3, -1, 5, 6, -1 };
#define TOP_SECOND_INCLUDE 4

/* Range i of every record: family and prefix length (a mix as in real policies). */
static const struct {
    bool v6;
    unsigned prefix;
} range_shape[N_RANGES] = {
    { false, 24 }, { true, 48 }, { false, 25 }, { true, 56 },
    { false, 26 }, { true, 64 }, { false, 27 }, { false, 24 },
};

struct policy {
    char txt[N_RECORDS][TXT_MAX];
    char zone[ZONE_MAX]; /* mailauth zone text of all records */
    size_t zone_len;
};

/* Ranges live in 198.18.0.0/15 (RFC 2544 benchmarking) and 2001:db8::/32 (RFC 3849). */
static size_t append_range(char *p, size_t cap, int rec, int i)
{
    unsigned n = (unsigned)(rec * N_RANGES + i);
    int w;
    if (range_shape[i].v6)
        w = snprintf(p, cap, "ip6:2001:db8:%x::/%u ", n, range_shape[i].prefix);
    else
        w = snprintf(p, cap, "ip4:198.18.%u.0/%u ", n, range_shape[i].prefix);
    if (w < 0 || (size_t)w >= cap)
        die("policy record %d too long", rec);
    return (size_t)w;
}

static void build_record(struct policy *pol, int rec)
{
    char *p = pol->txt[rec];
    size_t len = (size_t)snprintf(p, TXT_MAX, "v=spf1 ");
    for (int i = 0; i < N_RANGES; i++)
        len += append_range(p + len, TXT_MAX - len, rec, i);
    if (include_next[rec] >= 0)
        len += (size_t)snprintf(p + len, TXT_MAX - len, "include:%s ", owners[include_next[rec]]);
    if (rec == 0)
        len += (size_t)snprintf(p + len, TXT_MAX - len, "include:%s ", owners[TOP_SECOND_INCLUDE]);
    if (len + 5 >= TXT_MAX)
        die("policy record %d too long", rec);
    snprintf(p + len, TXT_MAX - len, "%s", rec == 0 ? "-all" : "~all");
}

/* One zone line per record; the TXT split into strings of at most 200 octets
 * (RFC 7208 §3.3: they are concatenated without spaces). */
static void append_zone_line(struct policy *pol, int rec)
{
    const char *t = pol->txt[rec];
    size_t left = strlen(t);
    int w = snprintf(pol->zone + pol->zone_len, ZONE_MAX - pol->zone_len, "%s. TXT", owners[rec]);
    if (w < 0 || (size_t)w >= ZONE_MAX - pol->zone_len)
        die("zone text too long");
    pol->zone_len += (size_t)w;
    while (left > 0) {
        size_t n = left > 200 ? 200 : left;
        w = snprintf(pol->zone + pol->zone_len, ZONE_MAX - pol->zone_len, " \"%.*s\"", (int)n, t);
        if (w < 0 || (size_t)w >= ZONE_MAX - pol->zone_len)
            die("zone text too long");
        pol->zone_len += (size_t)w;
        t += n;
        left -= n;
    }
    if (pol->zone_len + 2 >= ZONE_MAX)
        die("zone text too long");
    pol->zone[pol->zone_len++] = '\n';
    pol->zone[pol->zone_len] = '\0';
}

static void build_policy(struct policy *pol)
{
    memset(pol, 0, sizeof(*pol));
    for (int rec = 0; rec < N_RECORDS; rec++) {
        build_record(pol, rec);
        append_zone_line(pol, rec);
    }
}

/* ------------------------------------------------------------------- cases */

struct bench_case {
    const char *name;
    char ip[64];
    mailauth_verdict_t expect;
    unsigned depth; /* include depth reached: DNS round trips if asked in parallel = depth + 1 */
    unsigned lookups;
};

static void build_cases(struct bench_case cases[3])
{
    int last = N_RECORDS - 1; /* deepest record of the last chain */
    cases[0] = (struct bench_case){ .name = "best", .ip = "198.18.0.5",
                                    .expect = MAILAUTH_VERDICT_PASS, .depth = 0, .lookups = 1 };
    cases[1] = (struct bench_case){ .name = "worst", .expect = MAILAUTH_VERDICT_PASS,
                                    .depth = 3, .lookups = N_RECORDS };
    snprintf(cases[1].ip, sizeof(cases[1].ip), "198.18.%d.5", last * N_RANGES + N_RANGES - 1);
    if (range_shape[N_RANGES - 1].v6)
        die("the worst case needs an ip4 last range");
    cases[2] = (struct bench_case){ .name = "fail", .ip = "192.0.2.1",
                                    .expect = MAILAUTH_VERDICT_FAIL, .depth = 3,
                                    .lookups = N_RECORDS };
}

/* ------------------------------------------------------------------- clock */

static uint64_t now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die("clock_gettime: %s", strerror(errno));
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ----------------------------------------------------------------- libspf2 */

/* A libspf2 DNS layer that sleeps before passing each lookup down (latency mode). */
struct spf2_delay {
    unsigned ms;
    uint64_t lookups;
};

struct spf2 {
    SPF_server_t *server;
    SPF_dns_server_t *dns; /* top layer: the zone, or the delay layer over it */
    struct spf2_delay delay;
};

static SPF_dns_rr_t *delay_lookup(SPF_dns_server_t *s, const char *domain, ns_type type,
                                  int should_cache)
{
    struct spf2_delay *d = s->hook;
    d->lookups++;
    if (d->ms > 0)
        sleep_ms(d->ms);
    return SPF_dns_lookup(s->layer_below, domain, type, should_cache);
}

static void delay_destroy(SPF_dns_server_t *s)
{
    free(s);
}

static SPF_dns_server_t *delay_layer_new(SPF_dns_server_t *below, struct spf2_delay *d)
{
    SPF_dns_server_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        die("out of memory");
    s->destroy = delay_destroy;
    s->lookup = delay_lookup;
    s->layer_below = below;
    s->name = "bench-delay";
    s->hook = d;
    return s;
}

/* delay_ms < 0: the zone alone; otherwise the counting (and sleeping) layer over it. */
static void spf2_open(struct spf2 *s, const struct policy *pol, int delay_ms)
{
    SPF_dns_server_t *zone = SPF_dns_zone_new(NULL, "bench-zone", 0);
    memset(s, 0, sizeof(*s));
    if (zone == NULL)
        die("SPF_dns_zone_new failed");
    for (int rec = 0; rec < N_RECORDS; rec++) {
        SPF_errcode_t err = SPF_dns_zone_add_str(zone, owners[rec], ns_t_txt, NETDB_SUCCESS,
                                                 pol->txt[rec]);
        if (err != SPF_E_SUCCESS)
            die("SPF_dns_zone_add_str(%s): %s", owners[rec], SPF_strerror(err));
    }
    s->dns = zone;
    if (delay_ms >= 0) {
        s->delay.ms = (unsigned)delay_ms;
        s->dns = delay_layer_new(zone, &s->delay);
    }
    s->server = SPF_server_new_dns(s->dns, 0);
    if (s->server == NULL)
        die("SPF_server_new_dns failed");
}

static void spf2_close(struct spf2 *s)
{
    SPF_server_free(s->server);
    SPF_dns_free(s->dns); /* frees the layers below too */
}

static mailauth_verdict_t verdict_of_spf2(SPF_result_t r)
{
    switch (r) {
    case SPF_RESULT_PASS: return MAILAUTH_VERDICT_PASS;
    case SPF_RESULT_FAIL: return MAILAUTH_VERDICT_FAIL;
    case SPF_RESULT_SOFTFAIL: return MAILAUTH_VERDICT_SOFTFAIL;
    case SPF_RESULT_NEUTRAL: return MAILAUTH_VERDICT_NEUTRAL;
    case SPF_RESULT_NONE: return MAILAUTH_VERDICT_NONE;
    case SPF_RESULT_TEMPERROR: return MAILAUTH_VERDICT_TEMPERROR;
    case SPF_RESULT_PERMERROR: return MAILAUTH_VERDICT_PERMERROR;
    default: return MAILAUTH_VERDICT_POLICY; /* SPF_RESULT_INVALID: never a valid answer */
    }
}

static mailauth_verdict_t spf2_eval(void *impl, const struct bench_case *c)
{
    struct spf2 *s = impl;
    SPF_response_t *resp = NULL;
    SPF_request_t *req = SPF_request_new(s->server);
    mailauth_verdict_t v;
    if (req == NULL)
        die("SPF_request_new failed");
    if (SPF_request_set_ipv4_str(req, c->ip) != SPF_E_SUCCESS)
        die("libspf2: bad client ip %s", c->ip);
    if (SPF_request_set_helo_dom(req, HELO) != SPF_E_SUCCESS ||
        SPF_request_set_env_from(req, SENDER) != 0)
        die("libspf2: bad helo or sender");
    SPF_request_query_mailfrom(req, &resp); /* an SPF error is a verdict in resp */
    if (resp == NULL)
        die("libspf2: no response");
    v = verdict_of_spf2(SPF_response_result(resp));
    SPF_response_free(resp);
    SPF_request_free(req);
    return v;
}

/* ---------------------------------------------------------------- mailauth */

struct ma {
    mailauth_ctx_t *ctx;
    mailauth_resolver_t *r;
};

static void ma_open(struct ma *m, const struct policy *pol, unsigned delay_ms)
{
    size_t errline = 0;
    mailauth_status_t st;
    memset(m, 0, sizeof(*m));
    check_ma(mailauth_ctx_new(NULL, &m->ctx), "mailauth_ctx_new");
    check_ma(mailauth_ctx_set_methods(m->ctx, MAILAUTH_METHOD_SPF), "mailauth_ctx_set_methods");
    st = mailauth_resolver_new_zone(m->ctx, pol->zone, pol->zone_len, &errline, &m->r);
    if (st != MAILAUTH_OK)
        die("mailauth_resolver_new_zone: %s (zone line %zu)", mailauth_strerror(st), errline);
    if (delay_ms > 0)
        check_ma(mailauth_resolver_zone_set_delay(m->r, delay_ms), "zone_set_delay");
}

static void ma_close(struct ma *m)
{
    mailauth_resolver_free(m->r);
    mailauth_ctx_free(m->ctx);
}

static mailauth_verdict_t ma_eval(void *impl, const struct bench_case *c)
{
    struct ma *m = impl;
    mailauth_eval_t *ev = NULL;
    const mailauth_spf_result_t *res;
    mailauth_verdict_t v;
    check_ma(mailauth_eval_new(m->ctx, m->r, &ev), "mailauth_eval_new");
    check_ma(mailauth_eval_set_client_ip(ev, c->ip), "mailauth_eval_set_client_ip");
    check_ma(mailauth_eval_set_helo(ev, HELO), "mailauth_eval_set_helo");
    check_ma(mailauth_eval_set_mail_from(ev, SENDER), "mailauth_eval_set_mail_from");
    check_ma(mailauth_eval_finish_sync(ev, -1), "mailauth_eval_finish_sync");
    res = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    if (res == NULL)
        die("mailauth: no SPF result for mailfrom");
    v = mailauth_spf_result_verdict(res);
    mailauth_eval_free(ev);
    return v;
}

/* ------------------------------------------------------------------ driver */

struct opts {
    uint64_t iterations; /* 0: run each case for `seconds` */
    double seconds;
    unsigned rounds;     /* throughput: rounds per case, median reported */
    unsigned delay_ms;   /* latency mode */
    unsigned reps;       /* latency mode evaluations per case */
    bool throughput, latency, use_ma, use_spf2, print_zone;
};

typedef mailauth_verdict_t (*eval_fn)(void *impl, const struct bench_case *c);

struct impl {
    const char *name;
    eval_fn eval;
    void *state;
};

static void expect(const struct impl *im, const struct bench_case *c, mailauth_verdict_t got)
{
    if (got != c->expect)
        die("%s gave %s for case %s (client %s), expected %s: the libraries disagree, "
            "results are meaningless", im->name, mailauth_verdict_name(got), c->name, c->ip,
            mailauth_verdict_name(c->expect));
}

/* Evaluations per second of one case: warm up, then N iterations or `seconds`. */
static double measure(const struct impl *im, const struct bench_case *c, const struct opts *o)
{
    uint64_t n = 0, t0, t1, warm = o->iterations > 0 ? o->iterations / 10 + 1 : 0;
    uint64_t budget = (uint64_t)(o->seconds * 1e9);
    t0 = now_ns();
    while (warm > 0 ? n < warm : now_ns() - t0 < budget / 10) {
        for (int k = 0; k < 16 && (warm == 0 || n < warm); k++, n++)
            expect(im, c, im->eval(im->state, c));
    }
    n = 0;
    t0 = now_ns();
    t1 = t0;
    if (o->iterations > 0) {
        for (; n < o->iterations; n++)
            expect(im, c, im->eval(im->state, c));
        t1 = now_ns();
    } else {
        while (t1 - t0 < budget) {
            for (int k = 0; k < 16; k++, n++)
                expect(im, c, im->eval(im->state, c));
            t1 = now_ns();
        }
    }
    return (double)n / ((double)(t1 - t0) / 1e9);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median over rounds, alternating the libraries so that drift hits both alike. */
static void measure_case(const struct impl im[2], const bool on[2], const struct bench_case *c,
                         const struct opts *o, double rate[2])
{
    double r[2][32];
    unsigned rounds = o->rounds > 32 ? 32 : o->rounds;
    for (unsigned k = 0; k < rounds; k++)
        for (int i = 0; i < 2; i++)
            if (on[i])
                r[i][k] = measure(&im[i], c, o);
    for (int i = 0; i < 2; i++) {
        rate[i] = 0;
        if (on[i]) {
            qsort(r[i], rounds, sizeof(r[i][0]), cmp_double);
            rate[i] = r[i][rounds / 2];
        }
    }
}

static void print_rate(double rate)
{
    if (rate > 0)
        printf("  %12.0f %8.2f", rate, 1e6 / rate);
    else
        printf("  %12s %8s", "-", "-");
}

static void run_throughput(const struct policy *pol, const struct bench_case cases[3],
                           const struct opts *o)
{
    struct ma m;
    struct spf2 s;
    struct impl im[2] = { { "mailauth", ma_eval, &m }, { "libspf2", spf2_eval, &s } };
    bool on[2] = { o->use_ma, o->use_spf2 };
    if (on[0])
        ma_open(&m, pol, 0);
    if (on[1])
        spf2_open(&s, pol, -1);
    printf("\nthroughput: answers from memory (mailauth: zone resolver, cache warm; libspf2: "
           "SPF_dns_zone)\n");
    if (o->iterations > 0)
        printf("%llu timed iterations per case per round", (unsigned long long)o->iterations);
    else
        printf("~%.1f s per case per round", o->seconds);
    printf(", median of %u rounds\n\n", o->rounds);
    printf("%-6s %-7s  %12s %8s  %12s %8s  %14s\n", "case", "result", "mailauth/s", "us/eval",
           "libspf2/s", "us/eval", "ratio ma/spf2");
    for (int k = 0; k < 3; k++) {
        double rate[2];
        measure_case(im, on, &cases[k], o, rate);
        printf("%-6s %-7s", cases[k].name, mailauth_verdict_name(cases[k].expect));
        print_rate(rate[0]);
        print_rate(rate[1]);
        if (rate[0] > 0 && rate[1] > 0)
            printf("  %14.2f\n", rate[0] / rate[1]);
        else
            printf("  %14s\n", "-");
        fflush(stdout);
    }
    if (on[0])
        ma_close(&m);
    if (on[1])
        spf2_close(&s);
}

/* Latency of one case on mailauth: wall ms and round trips per evaluation, cache flushed. */
static void latency_ma(struct ma *m, const struct bench_case *c, const struct opts *o,
                       double *ms, double *trips, double *queries)
{
    mailauth_resolver_stats_t a, b;
    uint64_t t = 0;
    struct impl im = { "mailauth", ma_eval, m };
    check_ma(mailauth_resolver_get_stats(m->r, &a), "mailauth_resolver_get_stats");
    for (unsigned i = 0; i < o->reps; i++) {
        uint64_t t0;
        check_ma(mailauth_resolver_flush_cache(m->r), "mailauth_resolver_flush_cache");
        t0 = now_ns();
        expect(&im, c, ma_eval(m, c));
        t += now_ns() - t0;
    }
    check_ma(mailauth_resolver_get_stats(m->r, &b), "mailauth_resolver_get_stats");
    *ms = (double)t / 1e6 / o->reps;
    *trips = (double)(b.round_trips - a.round_trips) / o->reps;
    *queries = (double)(b.queries - a.queries) / o->reps;
}

/* The same on libspf2: its lookups are sequential, so round trips = lookups. */
static void latency_spf2(struct spf2 *s, const struct bench_case *c, const struct opts *o,
                         double *ms, double *lookups)
{
    uint64_t t = 0, before = s->delay.lookups;
    struct impl im = { "libspf2", spf2_eval, s };
    for (unsigned i = 0; i < o->reps; i++) {
        uint64_t t0 = now_ns();
        expect(&im, c, spf2_eval(s, c));
        t += now_ns() - t0;
    }
    *ms = (double)t / 1e6 / o->reps;
    *lookups = (double)(s->delay.lookups - before) / o->reps;
}

static void run_latency(const struct policy *pol, const struct bench_case cases[3],
                        const struct opts *o)
{
    struct ma m;
    struct spf2 s;
    if (o->use_ma)
        ma_open(&m, pol, o->delay_ms);
    if (o->use_spf2)
        spf2_open(&s, pol, (int)o->delay_ms);
    printf("\nlatency: every DNS answer delayed %u ms, mailauth cache flushed before each "
           "evaluation, %u evaluations per case\n\n", o->delay_ms, o->reps);
    printf("%-6s %5s %7s  %9s %11s %8s  %9s %11s\n", "case", "depth", "records", "ma ms/ev",
           "round trips", "queries", "spf2 ms/ev", "lookups");
    for (int k = 0; k < 3; k++) {
        const struct bench_case *c = &cases[k];
        double mms = 0, trips = 0, queries = 0, sms = 0, lookups = 0;
        if (o->use_ma)
            latency_ma(&m, c, o, &mms, &trips, &queries);
        if (o->use_spf2)
            latency_spf2(&s, c, o, &sms, &lookups);
        printf("%-6s %5u %7u  %9.2f %11.2f %8.2f  %9.2f %11.2f\n", c->name, c->depth, c->lookups,
               mms, trips, queries, sms, lookups);
        fflush(stdout);
    }
    if (o->use_ma)
        ma_close(&m);
    if (o->use_spf2)
        spf2_close(&s);
}

/* ----------------------------------------------------------------- options */

static void usage(FILE *f)
{
    fputs("usage: bench_spf [-n ITER] [-t SEC] [-k ROUNDS] [-m throughput|latency|all]\n"
          "                 [-d MS] [-r REPS] [-i both|mailauth|libspf2] [-z]\n"
          "  -n ITER   timed evaluations per case and round (default: run for -t seconds)\n"
          "  -t SEC    seconds per case and round when -n is not given (default 1)\n"
          "  -k ROUNDS rounds per case, the median is shown (default 3)\n"
          "  -m MODE   which measurements to run (default all)\n"
          "  -d MS     latency mode: delay of every DNS answer (default 5)\n"
          "  -r REPS   latency mode: evaluations per case (default 20)\n"
          "  -i IMPL   run one library only (e.g. under callgrind)\n"
          "  -z        print the policy as zone text and exit\n", f);
}

static unsigned long num_arg(const char *s, unsigned long max)
{
    char *end = NULL;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max) {
        usage(stderr);
        exit(64);
    }
    return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
    int ch;
    bool bad = false;
    *o = (struct opts){ .seconds = 1.0, .rounds = 3, .delay_ms = 5, .reps = 20,
                        .throughput = true, .latency = true, .use_ma = true, .use_spf2 = true };
    while ((ch = getopt(argc, argv, "n:t:k:m:d:r:i:zh")) != -1) {
        switch (ch) {
        case 'n': o->iterations = num_arg(optarg, 1000000000ul); break;
        case 't': o->seconds = (double)num_arg(optarg, 3600); break;
        case 'k': o->rounds = (unsigned)num_arg(optarg, 32); break;
        case 'd': o->delay_ms = (unsigned)num_arg(optarg, 10000); break;
        case 'r': o->reps = (unsigned)num_arg(optarg, 100000); break;
        case 'z': o->print_zone = true; break;
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
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(64);
        }
    }
    if (bad || optind != argc || o->rounds == 0 || o->reps == 0 || o->seconds <= 0) {
        usage(stderr);
        exit(64);
    }
}

/* Before timing anything: both libraries give the expected verdict on every case. */
static void cross_check(const struct policy *pol, const struct bench_case cases[3],
                        const struct opts *o)
{
    struct ma m;
    struct spf2 s;
    for (int k = 0; k < 3; k++) {
        mailauth_verdict_t vm = cases[k].expect, vs = cases[k].expect;
        if (o->use_ma) {
            ma_open(&m, pol, 0);
            vm = ma_eval(&m, &cases[k]);
            ma_close(&m);
        }
        if (o->use_spf2) {
            spf2_open(&s, pol, -1);
            vs = spf2_eval(&s, &cases[k]);
            spf2_close(&s);
        }
        if (vm != vs || vm != cases[k].expect)
            die("case %s (client %s): mailauth says %s, libspf2 says %s, expected %s", cases[k].name,
                cases[k].ip, mailauth_verdict_name(vm), mailauth_verdict_name(vs),
                mailauth_verdict_name(cases[k].expect));
    }
}

int main(int argc, char **argv)
{
    struct opts o;
    static struct policy pol;
    struct bench_case cases[3];
    parse_opts(argc, argv, &o);
    build_policy(&pol);
    build_cases(cases);
    if (o.print_zone) {
        fputs(pol.zone, stdout);
        return 0;
    }
    printf("bench_spf: mailauth %s, libspf2 %d.%d.%d\n", mailauth_version(), SPF_LIB_VERSION_MAJOR,
           SPF_LIB_VERSION_MINOR, SPF_LIB_VERSION_PATCH);
    printf("policy: %d records (sender + 2 include chains 3 deep), %d ip4/ip6 ranges each, "
           "sender %s, helo %s\n", N_RECORDS, N_RANGES, SENDER, HELO);
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
