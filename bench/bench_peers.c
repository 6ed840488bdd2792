/* bench_peers: the complete evaluation of one message -- SPF (MAIL FROM
 * and HELO), DKIM, DMARC, and ARC when the message has it -- by mailauth,
 * against what a C MTA uses for the same job today: libspf2, libopendkim
 * and libopendmarc (bench_peers_c.c), on the same messages and the same
 * records, in one process.
 *
 *   bench_peers [-m compare|speed|threads|all] [-r ROUNDS] [-t SEC]
 *               [-T SEC] [-j 1,2,4] [-C] [-a]
 *
 * The messages (bench_peers_corpus.c) are nine classes, 2 KiB to 200 KiB,
 * one to three DKIM signatures, RSA-2048 and Ed25519; three of them were
 * forwarded or went through a mailing list and carry ARC sets. The peers
 * have no ARC verifier: on those three mailauth also validates the ARC
 * chain and the peers do not, so mailauth does more work there; their
 * totals are shown apart.
 *
 * compare: every message once through both sides, every verdict compared
 *          (SPF MAIL FROM, SPF HELO, each DKIM signature by d= and s=,
 *          DMARC, DMARC's SPF and DKIM alignment); a difference is printed
 *          with both answers and makes the exit status 1.
 * speed:   CPU time (CLOCK_PROCESS_CPUTIME_ID; the process runs one
 *          thread here) per message of mailauth, libspf2, libopendkim and
 *          libopendmarc, each timed alone in batches of about SEC seconds
 *          (default 0.2), ROUNDS rounds (default 5) interleaved, medians.
 *          The peers' cost is the sum of their three times.
 * threads: N threads (-j, default 1,2,4) share one mailauth ctx, each with
 *          its own zone resolver, and evaluate the whole mix round robin
 *          for -T seconds (default 3): messages per wall second and per
 *          CPU second.
 *
 * -C: cold -- mailauth's records published with TTL 0, so neither its
 * DNS cache nor its key cache keeps anything: every record is fetched from
 * the zone and parsed, every key decoded, for every message (the peers
 * always work that way). -a: mailauth does not format its
 * Authentication-Results field (by default it does, as an MTA must). */
#include "bench_peers.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N_MSGS 16
enum impl { I_MA, I_SPF2, I_ODKIM, I_ODMARC, I_N };
static const char *const impl_name[I_N] = {"mailauth", "libspf2", "libopendkim", "libopendmarc"};

struct opts {
    bool     compare, speed, threads, cold;
    unsigned rounds;
    double   batch_s, thread_s;
    unsigned jobs[8], njobs;
};

struct rig {
    struct opts          o;
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
    struct bp_peers     *peers;
    struct bp_zone       zone;
    struct bp_msg        msg[N_MSGS];
    size_t               nmsg;
    struct bp_verdicts   ref[N_MSGS][2]; /* compare phase: mailauth, peers */
};

static double
clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static _Noreturn void
fatal(const char *what)
{
    fprintf(stderr, "bench_peers: %s\n", what);
    exit(2);
}

/* ------------------------------------------------------------ one message */

/* The peers in the order an MTA runs them: SPF at MAIL FROM, DKIM at end
 * of message, DMARC from both. */
static int
peers_all(struct rig *g, const struct bp_msg *m, struct bp_verdicts *v)
{
    memset(v, 0, sizeof(*v));
    v->arc = MAILAUTH_VERDICT_POLICY; /* not evaluated */
    return bp_spf2_run(g->peers, m, v) | bp_odkim_run(g->peers, m, v) |
           bp_odmarc_run(g->peers, m, v, v);
}

/* One evaluation by one implementation; the peers' DMARC step gets the
 * SPF and DKIM results of the compare phase as its input. Returns 0 if the
 * verdicts are those of the compare phase. */
static int
run_one(struct rig *g, enum impl im, size_t k, struct bp_verdicts *v)
{
    const struct bp_msg *m = &g->msg[k];
    switch (im) {
    case I_MA:
        return bp_ma_run(g->ctx, g->r, m, v) != 0 || v->dmarc != g->ref[k][0].dmarc ||
               v->ndkim != g->ref[k][0].ndkim;
    case I_SPF2:
        return bp_spf2_run(g->peers, m, v) != 0 || v->spf_mfrom != g->ref[k][1].spf_mfrom;
    case I_ODKIM:
        return bp_odkim_run(g->peers, m, v) != 0 || v->ndkim != g->ref[k][1].ndkim;
    default:
        return bp_odmarc_run(g->peers, m, &g->ref[k][1], v) != 0 || v->dmarc != g->ref[k][1].dmarc;
    }
}

/* ---------------------------------------------------------------- compare */

static const char *
vn(mailauth_verdict_t v)
{
    return mailauth_verdict_name(v);
}

/* One item: a difference is printed with both answers and counted; it
 * makes the exit status 1 (none is expected: the messages hold nothing
 * the two sides are known to read differently). */
static unsigned
diff(const struct bp_msg *m, const char *item, const char *ma, const char *peer, bool show)
{
    if (strcmp(ma, peer) == 0)
        return 0;
    if (show)
        printf("  DIFFERENT  %-10s %-22s mailauth %-9s peers %s\n", m->cls, item, ma, peer);
    return 1;
}

/* Compare item by item; returns the number of items compared, *ndiff the differing ones. */
static unsigned
compare_msg(const struct bp_msg *m, const struct bp_verdicts *a, const struct bp_verdicts *b,
            unsigned *ndiff, bool show)
{
    unsigned n = 6;
    *ndiff += diff(m, "spf mailfrom", vn(a->spf_mfrom), vn(b->spf_mfrom), show);
    *ndiff += diff(m, "spf helo", vn(a->spf_helo), vn(b->spf_helo), show);
    *ndiff += diff(m, "dmarc", vn(a->dmarc), vn(b->dmarc), show);
    *ndiff += diff(m, "dmarc spf aligned", a->spf_aligned ? "yes" : "no",
                   b->spf_aligned ? "yes" : "no", show);
    *ndiff += diff(m, "dmarc dkim aligned", a->dkim_aligned ? "yes" : "no",
                   b->dkim_aligned ? "yes" : "no", show);
    *ndiff += diff(m, "dkim signatures", a->ndkim == b->ndkim ? "same" : "count",
                   a->ndkim == b->ndkim ? "same" : "differs", show);
    for (size_t i = 0; i < a->ndkim; i++) {
        char        item[128];
        const char *peer = "missing";
        for (size_t j = 0; j < b->ndkim; j++)
            if (strcmp(a->dkim[i].domain, b->dkim[j].domain) == 0 &&
                strcmp(a->dkim[i].selector, b->dkim[j].selector) == 0)
                peer = vn(b->dkim[j].v);
        snprintf(item, sizeof(item), "dkim %s/%s", a->dkim[i].domain, a->dkim[i].selector);
        *ndiff += diff(m, item, vn(a->dkim[i].v), peer, show);
        n++;
    }
    return n;
}

static void
print_dkim(const struct bp_verdicts *v)
{
    for (size_t i = 0; i < v->ndkim; i++)
        printf("%s%s/%s=%s", i > 0 ? " " : "", v->dkim[i].domain, v->dkim[i].selector,
               vn(v->dkim[i].v));
}

static int
run_compare(struct rig *g)
{
    unsigned items = 0, ndiff = 0, agree_msgs = 0;
    printf("\nverdicts, message by message (mailauth | peers: libspf2, libopendkim, "
           "libopendmarc)\n");
    for (size_t k = 0; k < g->nmsg; k++) {
        const struct bp_msg *m = &g->msg[k];
        struct bp_verdicts  *a = &g->ref[k][0], *b = &g->ref[k][1];
        unsigned             before = ndiff, n;
        if (bp_ma_run(g->ctx, g->r, m, a) != 0 || peers_all(g, m, b) != 0)
            fatal("an evaluation failed in the compare phase");
        printf("%-10s %6zu B  spf %s/%s  dmarc %s (aligned: spf %s, dkim %s)  arc %s  dkim ",
               m->cls, m->raw_len, vn(a->spf_mfrom), vn(a->spf_helo), vn(a->dmarc),
               a->spf_aligned ? "yes" : "no", a->dkim_aligned ? "yes" : "no", vn(a->arc));
        print_dkim(a);
        n = compare_msg(m, a, b, &ndiff, false);
        printf("  [%u/%u agree]\n", n - (ndiff - before), n);
        agree_msgs += ndiff == before;
        if (ndiff != before) { /* again, to show them */
            unsigned again = 0;
            compare_msg(m, a, b, &again, true);
        }
        items += n;
    }
    printf("compared: %zu messages, %u verdicts; messages in full agreement: %u; "
           "differences: %u; ARC: mailauth only (the peers have no ARC verifier)\n",
           g->nmsg, items, agree_msgs, ndiff);
    return ndiff > 0;
}

/* ------------------------------------------------------------------ speed */

/* CPU seconds per evaluation over a batch of about o.batch_s seconds. */
static double
batch(struct rig *g, enum impl im, size_t k)
{
    struct bp_verdicts v;
    double             c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), c1 = c0;
    unsigned           n = 0;
    while (c1 - c0 < g->o.batch_s) {
        for (int i = 0; i < 8; i++, n++)
            if (run_one(g, im, k, &v) != 0) {
                fprintf(stderr, "bench_peers: %s: %s gave other verdicts than before\n",
                        g->msg[k].cls, impl_name[im]);
                exit(2);
            }
        c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    }
    return (c1 - c0) / n;
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
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
print_row(const char *name, const char *size, unsigned sigs, const double t[I_N])
{
    double peers = t[I_SPF2] + t[I_ODKIM] + t[I_ODMARC];
    printf("%-11s %7s %4u  %8.1f %9.0f  %8.1f %9.0f  %3.0f%% %3.0f%% %3.0f%%  %6.2f\n", name, size,
           sigs, t[I_MA] * 1e6, 1.0 / t[I_MA], peers * 1e6, 1.0 / peers, 100 * t[I_SPF2] / peers,
           100 * t[I_ODKIM] / peers, 100 * t[I_ODMARC] / peers, peers / t[I_MA]);
}

/* The mix: every class once; its rate is messages over the summed times. */
static void
print_total(const char *name, double t[I_N][N_MSGS], const struct rig *g, int arc)
{
    double   sum[I_N] = {0};
    unsigned n = 0;
    for (size_t k = 0; k < g->nmsg; k++) {
        if (arc >= 0 && g->msg[k].arc != (arc == 1))
            continue;
        for (int i = 0; i < I_N; i++)
            sum[i] += t[i][k];
        n++;
    }
    for (int i = 0; i < I_N; i++)
        sum[i] /= n;
    print_row(name, "mix", n, sum);
}

static void
run_speed(struct rig *g)
{
    static double s[I_N][N_MSGS][32];
    double        t[I_N][N_MSGS];
    for (unsigned r = 0; r < g->o.rounds; r++)
        for (size_t k = 0; k < g->nmsg; k++)
            for (int i = 0; i < I_N; i++)
                s[i][k][r] = batch(g, (enum impl)i, k);
    for (size_t k = 0; k < g->nmsg; k++)
        for (int i = 0; i < I_N; i++)
            t[i][k] = median(s[i][k], g->o.rounds);
    printf("\nspeed: CPU time per message, median of %u rounds of ~%.2f s batches; mailauth "
           "%s, %s%s\n",
           g->o.rounds, g->o.batch_s, g->o.cold ? "cold (TTL 0)" : "warm (cached records and keys)",
           bp_ma_authres ? "A-R formatted" : "A-R not formatted",
           "; ratio = peers' CPU time / mailauth's (above 1: mailauth faster)");
    printf("%-11s %7s %4s  %8s %9s  %8s %9s  %4s %4s %4s  %6s\n", "", "", "", "mailauth", "",
           "peers", "", "spf2", "dkim", "dmarc", "");
    printf("%-11s %7s %4s  %8s %9s  %8s %9s  %4s %4s %4s  %6s\n", "class", "size", "sigs", "us/msg",
           "msg/cpu-s", "us/msg", "msg/cpu-s", "%", "%", "%", "ratio");
    for (size_t k = 0; k < g->nmsg; k++) {
        double row[I_N];
        char   size[32];
        for (int i = 0; i < I_N; i++)
            row[i] = t[i][k];
        snprintf(size, sizeof(size), "%zuK", (g->msg[k].raw_len + 512) / 1024);
        print_row(g->msg[k].cls, size, g->msg[k].nsigs, row);
    }
    print_total("no ARC", t, g, 0);
    print_total("ARC (*)", t, g, 1);
    print_total("all", t, g, -1);
    printf("(*) mailauth also validates the ARC chain; the peers cannot\n");
}

/* ---------------------------------------------------------------- threads */

struct worker {
    struct rig          *g;
    pthread_t            tid;
    mailauth_resolver_t *r;
    double               stop; /* CLOCK_MONOTONIC */
    unsigned long        done;
    int                  failed;
};

static void *
worker_main(void *arg)
{
    struct worker     *w = arg;
    struct bp_verdicts v;
    size_t             k = 0;
    while (clock_s(CLOCK_MONOTONIC) < w->stop) {
        for (int i = 0; i < 4; i++, k = (k + 1) % w->g->nmsg, w->done++)
            if (bp_ma_run(w->g->ctx, w->r, &w->g->msg[k], &v) != 0 ||
                v.dmarc != w->g->ref[k][0].dmarc)
                w->failed = 1;
    }
    return NULL;
}

static void
run_threads(struct rig *g)
{
    struct worker w[16];
    double        base = 0;
    long          cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("\nthreads: one shared mailauth ctx, a zone resolver per thread, the whole mix "
           "round robin for %.1f s; this machine has %ld online CPU(s)\n",
           g->o.thread_s, cores);
    printf("%7s %10s %10s %10s %8s\n", "threads", "msg/s", "msg/cpu-s", "cpu/wall", "speedup");
    for (unsigned j = 0; j < g->o.njobs; j++) {
        unsigned      n = g->o.jobs[j];
        unsigned long total = 0;
        double        c0, w0, c1, w1;
        for (unsigned i = 0; i < n; i++) {
            struct bp_verdicts v;
            w[i] = (struct worker){.g = g, .r = bp_ma_resolver(g->ctx, &g->zone)};
            if (w[i].r == NULL)
                fatal("no resolver");
            for (size_t k = 0; k < g->nmsg; k++) /* warm this resolver's cache */
                if (bp_ma_run(g->ctx, w[i].r, &g->msg[k], &v) != 0)
                    fatal("warm-up failed");
        }
        c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        w0 = clock_s(CLOCK_MONOTONIC);
        for (unsigned i = 0; i < n; i++) {
            w[i].stop = w0 + g->o.thread_s;
            if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0)
                fatal("pthread_create failed");
        }
        for (unsigned i = 0; i < n; i++) {
            pthread_join(w[i].tid, NULL);
            total += w[i].done;
            if (w[i].failed)
                fatal("a thread got other verdicts than the compare phase");
            mailauth_resolver_free(w[i].r);
        }
        c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        w1 = clock_s(CLOCK_MONOTONIC);
        if (j == 0)
            base = (double)total / (w1 - w0);
        printf("%7u %10.0f %10.0f %10.2f %8.2f\n", n, (double)total / (w1 - w0),
               (double)total / (c1 - c0), (c1 - c0) / (w1 - w0), (double)total / (w1 - w0) / base);
    }
}

/* ---------------------------------------------------------------- options */

static _Noreturn void
usage(int code)
{
    fputs("usage: bench_peers [-m compare|speed|threads|all] [-r ROUNDS] [-t SEC] [-T SEC]\n"
          "                   [-j N,N,...] [-C] [-a]\n",
          code == 0 ? stdout : stderr);
    exit(code);
}

static void
parse_jobs(struct opts *o, const char *s)
{
    char *end = NULL;
    o->njobs = 0;
    while (*s != '\0' && o->njobs < 8) {
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || v == 0 || v > 16)
            usage(64);
        o->jobs[o->njobs++] = (unsigned)v;
        s = *end == ',' ? end + 1 : end;
    }
    if (*s != '\0' || o->njobs == 0)
        usage(64);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
    int ch;
    *o = (struct opts){.compare = true,
                       .speed = true,
                       .threads = true,
                       .rounds = 5,
                       .batch_s = 0.2,
                       .thread_s = 3.0,
                       .jobs = {1, 2, 4},
                       .njobs = 3};
    while ((ch = getopt(argc, argv, "m:r:t:T:j:Cah")) != -1) {
        switch (ch) {
        case 'm':
            o->speed = strcmp(optarg, "speed") == 0 || strcmp(optarg, "all") == 0;
            o->threads = strcmp(optarg, "threads") == 0 || strcmp(optarg, "all") == 0;
            if (!o->speed && !o->threads && strcmp(optarg, "compare") != 0)
                usage(64);
            break;
        case 'r':
            o->rounds = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 't':
            o->batch_s = strtod(optarg, NULL);
            break;
        case 'T':
            o->thread_s = strtod(optarg, NULL);
            break;
        case 'j':
            parse_jobs(o, optarg);
            break;
        case 'C':
            o->cold = true;
            break;
        case 'a':
            bp_ma_authres = 0;
            break;
        case 'h':
            usage(0);
        default:
            usage(64);
        }
    }
    if (optind != argc || o->rounds == 0 || o->rounds > 32 || !(o->batch_s > 0) ||
        !(o->thread_s > 0))
        usage(64);
}

/* ------------------------------------------------------------------- main */

static void
setup(struct rig *g)
{
    static struct bd_keys keys;
    mailauth_ctx_t       *sign_ctx = NULL;
    int                   n;
    char                  v[160];
    if (mailauth_ctx_new(NULL, &sign_ctx) != MAILAUTH_OK || bd_keys_make(sign_ctx, &keys) != 0)
        fatal("cannot make the keys");
    if (bp_zone_make(&g->zone, &keys, g->o.cold ? 0 : 3600) != 0)
        fatal("cannot make the zone");
    n = bp_corpus_make(sign_ctx, &keys, g->msg, N_MSGS);
    if (n <= 0)
        fatal("cannot make the messages");
    g->nmsg = (size_t)n;
    g->ctx = bp_ma_ctx();
    g->r = g->ctx != NULL ? bp_ma_resolver(g->ctx, &g->zone) : NULL;
    g->peers = bp_peers_new(&g->zone, "/usr/share/publicsuffix/public_suffix_list.dat");
    if (g->r == NULL || g->peers == NULL)
        fatal("cannot set up mailauth or the peers");
    bp_peers_versions(v, sizeof(v));
    printf("bench_peers: mailauth %s against %s\n", mailauth_version(), v);
    printf("libopendkim Ed25519: %s; records: %zu; messages: %zu classes\n",
           bp_peers_ed25519(g->peers) ? "yes" : "NO", g->zone.n, g->nmsg);
    for (size_t k = 0; k < g->nmsg; k++)
        printf("  %-10s %6zu B, %zu fields, %u DKIM signature(s): %s; client %s, HELO %s, "
               "MAIL FROM %s\n",
               g->msg[k].cls, g->msg[k].raw_len, g->msg[k].nfields, g->msg[k].nsigs, g->msg[k].what,
               g->msg[k].ip, g->msg[k].helo, g->msg[k].mail_from);
    bd_keys_free(&keys);
    mailauth_ctx_free(sign_ctx);
}

int
main(int argc, char **argv)
{
    static struct rig g;
    int               rc;
    parse_opts(argc, argv, &g.o);
    setup(&g);
    rc = run_compare(&g); /* always: the speed and thread runs check against it */
    if (g.o.speed)
        run_speed(&g);
    if (g.o.threads)
        run_threads(&g);
    for (size_t k = 0; k < g.nmsg; k++)
        bp_msg_free(&g.msg[k]);
    mailauth_resolver_free(g.r);
    bp_peers_free(g.peers);
    mailauth_ctx_free(g.ctx);
    bp_zone_free(&g.zone);
    return rc;
}
