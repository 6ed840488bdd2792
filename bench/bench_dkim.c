/* bench_dkim: DKIM verification speed of mailauth against the OpenSSL floor
 * and against libopendkim, on the same signed messages, in one process.
 *
 *   bench_dkim [-m speed|memory] [-r ROUNDS] [-t SEC] [-n ITER] [-s SIZES]
 *              [-a ALGS] [-c CANONS] [-w] [-b BODIES]
 *
 * Messages (bench_dkim_corpus.c): 2 KiB, 20 KiB, 200 KiB, 2 MiB (-s
 * 2k,20k,200k,2m), eleven header fields, prose body of 70-80 columns with
 * some trailing blanks; signed by mailauth's signer with RSA-2048 and with
 * Ed25519 (-a rsa,ed25519), c=relaxed/relaxed and simple/simple (-c
 * relaxed,simple). Every message is verified by:
 *
 *   floor    OpenSSL alone: SHA-256 over the raw body (one EVP_Digest),
 *            SHA-256 over the canonical header input, and the signature
 *            check with a key decoded beforehand (RSA: EVP_PKEY_verify on
 *            a context set up once; Ed25519: EVP_DigestVerify);
 *   warm     mailauth_eval (ctx methods: DKIM only) over a zone resolver;
 *            the ctx key cache holds the decoded key (a sender seen before);
 *   cold     the same, with the key record published with TTL 0, so that
 *            neither the resolver's cache nor the ctx key cache keeps it
 *            (RFC 1035 §3.2.1): every message asks the zone and decodes
 *            the key (a sender seen for the first time); the run checks
 *            that the resolver answered no question from its cache;
 *   odkim    libopendkim, key record text from a callback (it decodes the
 *            key every time; it has no decoded-key cache).
 * -b picks the kinds of body (bench_dkim_text.c; default classic, the one
 * above; all: classic,prose,lf,long,b64,utf8), and the measured statistics
 * of each generated kind are printed before the table.
 * mailauth and libopendkim get header fields one by one and the body in
 * 64 KiB chunks (-w: mailauth gets the whole buffer, mailauth_eval_message).
 *
 * Timing: thread CPU time (CLOCK_THREAD_CPUTIME_ID) of batches of about
 * SEC seconds (default 0.1; -n: fixed ITER per batch), ROUNDS rounds
 * (default 7) with the four verifiers interleaved; min and median of the
 * per-message times are shown, and ratios of each to the floor's min and
 * median. Every verification's verdict is checked (exit 2 on a failure).
 *
 * -m memory: peak bytes through the ctx allocator and OpenSSL's allocator
 * while verifying 200 KiB, 2 MiB and 20 MiB messages fed with
 * mailauth_eval_feed() in 64 KiB pieces (bench_dkim_mem.c). */
#include "bench_dkim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum impl { I_FLOOR, I_WARM, I_COLD, I_CFLOOR, I_ODKIM, I_N };
static const char *const impl_name[I_N] = {"floor", "warm", "cold", "cfloor", "odkim"};

struct opts {
    int      memory;
    unsigned rounds;
    double   batch_s;
    unsigned iters;
    unsigned sizes, algs, canons, impls, bodies; /* bit sets */
    int      whole;
};

struct rig {
    const struct opts   *o;
    mailauth_ctx_t      *ctx[2]; /* warm, cold */
    mailauth_resolver_t *r[2];
    struct bd_odkim     *odkim;
    struct bd_floor     *floor;
};

static const size_t      size_val[] = {2048, 20480, 204800, 2097152};
static const char *const size_name[] = {"2k", "20k", "200k", "2m"};

static double
now_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
bd_mailauth_run(mailauth_ctx_t *ctx, mailauth_resolver_t *r, const struct bd_msg *m)
{
    mailauth_eval_t *ev = NULL;
    int              ok = 0;
    if (mailauth_eval_new(ctx, r, &ev) != MAILAUTH_OK)
        return 0;
    for (size_t i = 0; i < m->nfields; i++) {
        if (mailauth_eval_header(ev, m->field[i], m->field_len[i]) != MAILAUTH_OK)
            goto out;
    }
    if (mailauth_eval_end_headers(ev) != MAILAUTH_OK)
        goto out;
    for (size_t off = 0; off < m->body_len; off += BD_CHUNK) {
        size_t n = m->body_len - off < BD_CHUNK ? m->body_len - off : BD_CHUNK;
        if (mailauth_eval_body(ev, m->body + off, n) != MAILAUTH_OK)
            goto out;
    }
    if (mailauth_eval_end_message(ev) == MAILAUTH_OK &&
        mailauth_eval_finish_sync(ev, -1) == MAILAUTH_OK && mailauth_eval_dkim_count(ev) == 1)
        ok = mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, 0)) == MAILAUTH_VERDICT_PASS;
out:
    mailauth_eval_free(ev);
    return ok;
}

int
bd_mailauth_whole(mailauth_ctx_t *ctx, mailauth_resolver_t *r, const struct bd_msg *m)
{
    mailauth_eval_t *ev = NULL;
    int              ok = 0;
    if (mailauth_eval_new(ctx, r, &ev) != MAILAUTH_OK)
        return 0;
    if (mailauth_eval_message(ev, m->raw, m->raw_len) == MAILAUTH_OK &&
        mailauth_eval_finish_sync(ev, -1) == MAILAUTH_OK && mailauth_eval_dkim_count(ev) == 1)
        ok = mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, 0)) == MAILAUTH_VERDICT_PASS;
    mailauth_eval_free(ev);
    return ok;
}

static int
run_one(struct rig *g, enum impl im, const struct bd_msg *m)
{
    const char *why = NULL;
    int         c = im == I_COLD;
    switch (im) {
    case I_FLOOR:
        return bd_floor_run(g->floor, m);
    case I_CFLOOR:
        return bd_floor_cold_run(g->floor, m);
    case I_WARM:
    case I_COLD:
        return g->o->whole ? bd_mailauth_whole(g->ctx[c], g->r[c], m)
                           : bd_mailauth_run(g->ctx[c], g->r[c], m);
    default:
        if (bd_odkim_run(g->odkim, m, &why))
            return 1;
        fprintf(stderr, "libopendkim: %s\n", why != NULL ? why : "?");
        return 0;
    }
}

/* CPU seconds per verification over a batch of n; exits on a failed one. */
static double
batch(struct rig *g, enum impl im, const struct bd_msg *m, unsigned n, double *wall)
{
    double c0 = now_s(CLOCK_THREAD_CPUTIME_ID), w0 = now_s(CLOCK_MONOTONIC);
    for (unsigned i = 0; i < n; i++) {
        if (!run_one(g, im, m)) {
            fprintf(stderr, "bench_dkim: %s did not pass %s %s %s\n", impl_name[im],
                    bd_alg_name(m->alg), mailauth_canon_name(m->canon), "message");
            exit(2);
        }
    }
    *wall += now_s(CLOCK_MONOTONIC) - w0;
    return (now_s(CLOCK_THREAD_CPUTIME_ID) - c0) / n;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct stat2 {
    double min, med;
};

static struct stat2
summarize(double *v, unsigned n)
{
    struct stat2 s;
    qsort(v, n, sizeof(*v), cmp_double);
    s.min = v[0];
    s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

/* "min/median" of one verifier, or of its ratio to another. */
static void
put_pair(const struct rig *g, int im, const struct stat2 *s, int over)
{
    if (!(g->o->impls >> im & 1) || !(g->o->impls >> over & 1) || s[im].min <= 0 ||
        s[over].min <= 0)
        printf(" %11s", "-");
    else if (over == im)
        printf(" %5.1f/%-5.1f", s[im].min * 1e6, s[im].med * 1e6);
    else
        printf(" %5.2f/%-5.2f", s[im].min / s[over].min, s[im].med / s[over].med);
}

static void
print_row(const struct rig *g, const struct bd_msg *m, const struct stat2 *s, double share)
{
    static const int cols[][2] = {{I_FLOOR, I_FLOOR}, {I_WARM, I_WARM},   {I_WARM, I_FLOOR},
                                  {I_COLD, I_COLD},   {I_COLD, I_FLOOR},  {I_CFLOOR, I_CFLOOR},
                                  {I_COLD, I_CFLOOR}, {I_ODKIM, I_ODKIM}, {I_ODKIM, I_FLOOR}};
    unsigned         si = 0;
    while (si < 3 && size_val[si] != m->target)
        si++;
    printf("%-4s %-7s %-7s %-7s", size_name[si], m->alg == BD_RSA ? "rsa" : "ed25519",
           mailauth_canon_name(m->canon), bd_body_names[m->kind]);
    for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
        put_pair(g, cols[c][0], s, cols[c][1]);
    printf(" %7.0f %3.0f%%\n", g->o->impls >> I_WARM & 1 ? 1.0 / s[I_WARM].min : 0.0, share);
    fflush(stdout);
}

static void
measure(struct rig *g, const struct bd_msg *m)
{
    unsigned     n[I_N] = {0}, rounds = g->o->rounds;
    double       t[I_N][64], wall = 0, cpu = 0;
    struct stat2 s[I_N];
    memset(s, 0, sizeof(s));
    for (int im = 0; im < I_N; im++) { /* warm up, then size the batches */
        double one;
        if (!(g->o->impls >> im & 1))
            continue;
        if (im == I_ODKIM && m->kind == BD_BODY_LF)
            continue;                               /* libopendkim takes CRLF text only */
        (void)batch(g, (enum impl)im, m, 1, &wall); /* warm-up */
        one = batch(g, (enum impl)im, m, 1, &wall);
        n[im] = g->o->iters ? g->o->iters : (unsigned)(g->o->batch_s / (one > 1e-7 ? one : 1e-7));
        if (n[im] == 0)
            n[im] = 1;
    }
    wall = 0;
    for (unsigned k = 0; k < rounds; k++) {
        for (int im = 0; im < I_N; im++) {
            if (n[im] == 0)
                continue;
            t[im][k] = batch(g, (enum impl)im, m, n[im], &wall);
            cpu += t[im][k] * n[im];
        }
    }
    for (int im = 0; im < I_N; im++) {
        if (n[im] != 0)
            s[im] = summarize(t[im], rounds);
    }
    print_row(g, m, s, wall > 0 ? 100.0 * cpu / wall : 0.0);
}

static unsigned
list_mask(const char *s, const char *const *names, unsigned count)
{
    unsigned mask = 0;
    while (*s != '\0') {
        size_t len = strcspn(s, ","), i;
        for (i = 0; i < count; i++) {
            if (strlen(names[i]) == len && strncmp(s, names[i], len) == 0)
                break;
        }
        if (i == count)
            return 0;
        mask |= 1u << i;
        s += len + (s[len] == ',');
    }
    return mask;
}

static void
usage(void)
{
    fprintf(stderr, "usage: bench_dkim [-m speed|memory] [-r ROUNDS] [-t SEC] [-n ITER]\n"
                    "                  [-s 2k,20k,200k,2m] [-a rsa,ed25519] [-c relaxed,simple]\n"
                    "                  [-i warm,cold,cfloor,odkim] [-w]\n"
                    "                  [-b classic,prose,lf,long,b64,utf8|all]\n");
    exit(64);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
    static const char *const algs[] = {"rsa", "ed25519"}, *const canons[] = {"simple", "relaxed"};
    *o = (struct opts){0, 7, 0.1, 0, 0xF, 3, 3, (1u << I_N) - 1, 1u << BD_BODY_CLASSIC, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-w") == 0) {
            o->whole = 1;
            continue;
        }
        if (v == NULL || a[0] != '-' || a[1] == '\0' || a[2] != '\0')
            usage();
        i++;
        switch (a[1]) {
        case 'm':
            o->memory = strcmp(v, "memory") == 0;
            break;
        case 'r':
            o->rounds = (unsigned)strtoul(v, NULL, 10);
            break;
        case 't':
            o->batch_s = strtod(v, NULL);
            break;
        case 'n':
            o->iters = (unsigned)strtoul(v, NULL, 10);
            break;
        case 's':
            o->sizes = list_mask(v, size_name, 4);
            break;
        case 'a':
            o->algs = list_mask(v, algs, 2);
            break;
        case 'c':
            o->canons = list_mask(v, canons, 2);
            break;
        case 'b':
            o->bodies = strcmp(v, "all") == 0 ? (1u << BD_BODY_N) - 1
                                              : list_mask(v, bd_body_names, BD_BODY_N);
            break;
        case 'i':
            o->impls = list_mask(v, impl_name, I_N) | 1u;
            break; /* the floor always */
        default:
            usage();
        }
    }
    if (o->rounds == 0 || o->rounds > 64 || o->batch_s <= 0 || !o->sizes || !o->algs ||
        !o->canons || o->impls == 0 || !o->bodies)
        usage();
}

/* A ctx verifying DKIM only, and a zone resolver publishing the keys with `ttl`. */
static int
make_verifier(const struct bd_keys *k, unsigned ttl, mailauth_ctx_t **ctx, mailauth_resolver_t **r)
{
    char *zone = bd_zone_text(k, ttl);
    int   ok = zone != NULL && mailauth_ctx_new(NULL, ctx) == MAILAUTH_OK &&
             mailauth_ctx_set_methods(*ctx, MAILAUTH_METHOD_DKIM) == MAILAUTH_OK &&
             mailauth_resolver_new_zone(*ctx, zone, strlen(zone), NULL, r) == MAILAUTH_OK;
    free(zone);
    return ok ? 0 : -1;
}

static void
print_head(const struct opts *o)
{
    printf("# DKIM verification, us per message (thread CPU): min/median of %u rounds;\n"
           "# ratios min/min and median/median. floor: OpenSSL alone, key decoded before;\n"
           "# cfloor: OpenSSL alone, key built per message; msgs/s: 1 / warm min.\n"
           "# mailauth fed %s; body in %u KiB chunks.\n",
           o->rounds, o->whole ? "the whole message" : "field by field", BD_CHUNK / 1024);
    for (int b = 0; b < BD_BODY_N; b++) { /* what each body is like, from 2 MiB of it */
        static char          sample[2097152];
        struct bd_text_stats st;
        if (!(o->bodies >> b & 1) || b == BD_BODY_CLASSIC)
            continue;
        bd_text_make((enum bd_body)b, sample, sizeof(sample), 0x9e3779b97f4a7c15u ^ sizeof(sample));
        bd_text_stats(sample, sizeof(sample), &st);
        bd_text_stats_print(bd_body_names[b], &st);
    }
    printf("%-4s %-7s %-7s %-7s %11s %11s %11s %11s %11s %11s %11s %11s %11s %7s %4s\n", "size",
           "alg", "canon", "body", "floor", "warm", "warm/floor", "cold", "cold/floor", "cfloor",
           "cold/cfloor", "odkim", "odkim/floor", "msgs/s", "cpu");
}

/* Every selected size, algorithm and canonicalization for one kind of body. */
static int
run_body(struct rig *g, enum bd_body b, const struct bd_keys *k, mailauth_ctx_t *sctx)
{
    const struct opts *o = g->o;
    for (unsigned si = 0; si < 4; si++) {
        for (unsigned a = 0; a < 2 && (o->sizes >> si & 1); a++) {
            for (int c = 1; c >= 0 && (o->algs >> a & 1); c--) {
                struct bd_msg m;
                if (!(o->canons >> c & 1))
                    continue;
                if (bd_msg_make_kind(sctx, k, (enum bd_alg)a, (mailauth_canon_t)c, b, size_val[si],
                                     &m) != 0 ||
                    (g->floor = bd_floor_new(k, &m)) == NULL) {
                    fprintf(stderr, "bench_dkim: cannot build the message\n");
                    return 1;
                }
                measure(g, &m);
                bd_floor_free(g->floor);
                bd_msg_free(&m);
            }
        }
    }
    return 0;
}

static int
run_speed(const struct opts *o, const struct bd_keys *k, mailauth_ctx_t *sctx)
{
    struct rig                g = {.o = o};
    mailauth_resolver_stats_t st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    int                       rc = 0;
    if (make_verifier(k, 3600, &g.ctx[0], &g.r[0]) != 0 ||
        make_verifier(k, 0, &g.ctx[1], &g.r[1]) != 0 || (g.odkim = bd_odkim_new(k)) == NULL) {
        fprintf(stderr, "bench_dkim: set-up failed\n");
        return 1;
    }
    print_head(o);
    for (int b = 0; b < BD_BODY_N && rc == 0; b++) {
        if (o->bodies >> b & 1)
            rc = run_body(&g, (enum bd_body)b, k, sctx);
    }
    mailauth_resolver_stats(g.r[1], &st);
    printf("# cold resolver: %llu questions, %llu queries, %llu cache hits\n",
           (unsigned long long)st.questions, (unsigned long long)st.queries,
           (unsigned long long)st.cache_hits);
    if (st.cache_hits != 0 || st.queries != st.questions)
        rc = 2; /* the cold runs were not cold */
    mailauth_resolver_stats(g.r[0], &st);
    printf("# warm resolver: %llu questions (the key cache answered the rest)\n",
           (unsigned long long)st.questions);
    bd_odkim_free(g.odkim);
    for (int i = 0; i < 2; i++) {
        mailauth_resolver_free(g.r[i]);
        mailauth_ctx_free(g.ctx[i]);
    }
    return rc;
}

int
main(int argc, char **argv)
{
    struct opts     o;
    struct bd_keys  k;
    mailauth_ctx_t *sctx = NULL;
    int             rc;
    parse_opts(argc, argv, &o);
    if (o.memory)
        bd_memory_hook_openssl();
    if (mailauth_ctx_new(NULL, &sctx) != MAILAUTH_OK || bd_keys_make(sctx, &k) != 0) {
        fprintf(stderr, "bench_dkim: key generation failed\n");
        return 1;
    }
    rc = o.memory ? bd_memory_report(&k, sctx) : run_speed(&o, &k, sctx);
    bd_keys_free(&k);
    mailauth_ctx_free(sctx);
    return rc;
}
