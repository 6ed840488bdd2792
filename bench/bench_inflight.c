/* bench_inflight: memory per message in flight. N evaluations over one
 * zone resolver are each given the envelope, the header section and the
 * first body chunk, and their DNS answers; then all N are held, as an MTA
 * holds messages whose bodies are still arriving. Reported: the bytes held
 * through the ctx allocator (everything mailauth allocates,
 * docs/allocator.md) and through OpenSSL's (hooked process-wide with
 * CRYPTO_set_mem_functions: hash contexts, keys) above what was held
 * before the first evaluation, divided by N; and the peak RSS of the
 * process. Then every message is finished and its verdicts checked: SPF,
 * both DKIM signatures (RSA and Ed25519), DMARC, iprev pass, and ARC pass
 * on the sealed ones (every fourth). Each N runs in its own process so
 * that its peak RSS is its own.
 *
 *   bench_inflight [N...]        default: 10000 100000
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <mailauth/mailauth.h>

#include "bench_arrival.h"
#include "bench_count.h"

#define DOMAIN "bench.example"
#define FIRST_CHUNK 4096u /* body bytes fed before the messages are held */

/* ------------------------------------------------------------ counting */

static struct bench_counter ma; /* the ctx allocator's; OpenSSL's: bench_count_ossl */

/* ------------------------------------------------------------ corpus */

struct keys {
    mailauth_key_t *rsa, *ed;
    char           *rsa_rec, *ed_rec;
};

/* A message: header section (CRLF-terminated fields) and body. */
struct msg {
    char  *hdr;
    size_t hdr_len;
    char  *body;
    size_t body_len;
};

static mailauth_key_t *
make_key(mailauth_ctx_t *ctx, const char *type)
{
    EVP_PKEY *pk = strcmp(type, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
                                            : EVP_PKEY_Q_keygen(NULL, NULL, type);
    BIO      *bio = BIO_new(BIO_s_mem());
    char     *pem = NULL;
    long      n = 0;
    mailauth_key_t *key = NULL;
    if (pk != NULL && bio != NULL &&
        PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) == 1) {
        n = BIO_get_mem_data(bio, &pem);
        if (n <= 0 || mailauth_key_load_pem(ctx, pem, (size_t)n, &key) != MAILAUTH_OK)
            key = NULL;
    }
    BIO_free(bio);
    EVP_PKEY_free(pk);
    return key;
}

static char *
key_record(const mailauth_key_t *key)
{
    size_t need = 0;
    char  *buf = NULL;
    if (key == NULL || mailauth_key_format_dns_record(key, NULL, 0, &need) != MAILAUTH_ENOSPC)
        return NULL;
    buf = malloc(need + 1);
    if (buf != NULL && mailauth_key_format_dns_record(key, buf, need + 1, &need) != MAILAUTH_OK) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

/* About 20 KiB of text lines: a body that is still streaming when held. */
static char *
make_body(size_t *len)
{
    static const char line[] =
        "Please review the attached report before the meeting on Monday.\r\n";
    size_t n = 320, ll = sizeof(line) - 1;
    char  *b = malloc(n * ll);
    if (b == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        memcpy(b + i * ll, line, ll);
    *len = n * ll;
    return b;
}

/* Prepend "field\r\n" to m->hdr. */
static int
prepend(struct msg *m, const char *field, size_t flen)
{
    char *h = malloc(flen + 2 + m->hdr_len + 1);
    if (h == NULL)
        return -1;
    memcpy(h, field, flen);
    memcpy(h + flen, "\r\n", 2);
    memcpy(h + flen + 2, m->hdr, m->hdr_len + 1);
    free(m->hdr);
    m->hdr = h;
    m->hdr_len += flen + 2;
    return 0;
}

static char *
whole(const struct msg *m, size_t *len)
{
    char *w = malloc(m->hdr_len + 2 + m->body_len);
    if (w == NULL)
        return NULL;
    memcpy(w, m->hdr, m->hdr_len);
    memcpy(w + m->hdr_len, "\r\n", 2);
    memcpy(w + m->hdr_len + 2, m->body, m->body_len);
    *len = m->hdr_len + 2 + m->body_len;
    return w;
}

/* Add a DKIM-Signature made with `key` (selector `sel`). */
static int
dkim_sign(mailauth_ctx_t *ctx, mailauth_key_t *key, const char *sel, struct msg *m)
{
    mailauth_dkim_signer_t *s = NULL;
    size_t                  len = 0, need = 0;
    char                   *w = whole(m, &len), *f = NULL;
    int                     rc = -1;
    if (w != NULL && mailauth_dkim_signer_new(ctx, key, DOMAIN, sel, &s) == MAILAUTH_OK &&
        mailauth_dkim_signer_message(s, w, len) == MAILAUTH_OK &&
        mailauth_dkim_signer_end_message(s) == MAILAUTH_OK &&
        mailauth_dkim_signer_format(s, NULL, 0, &need) == MAILAUTH_ENOSPC &&
        (f = malloc(need + 1)) != NULL &&
        mailauth_dkim_signer_format(s, f, need + 1, &need) == MAILAUTH_OK)
        rc = prepend(m, f, need);
    free(f);
    free(w);
    mailauth_dkim_signer_free(s);
    return rc;
}

/* Add an ARC set (instance 1, cv=none) sealed with the RSA key. */
static int
arc_seal(mailauth_ctx_t *ctx, mailauth_key_t *key, struct msg *m)
{
    mailauth_arc_sealer_t *s = NULL;
    size_t                 len = 0, need = 0;
    char                  *w = NULL, *f = NULL;
    int                    rc = -1;
    if (prepend(m, "Authentication-Results: fwd.bench.example; dkim=pass header.d=" DOMAIN,
                strlen("Authentication-Results: fwd.bench.example; dkim=pass header.d=" DOMAIN)) !=
        0)
        return -1;
    w = whole(m, &len);
    if (w != NULL &&
        mailauth_arc_sealer_new(ctx, key, DOMAIN, "arc", "fwd.bench.example", &s) == MAILAUTH_OK &&
        mailauth_arc_sealer_message(s, w, len) == MAILAUTH_OK &&
        mailauth_arc_sealer_end_message(s) == MAILAUTH_OK &&
        mailauth_arc_sealer_format(s, NULL, 0, &need) == MAILAUTH_ENOSPC &&
        (f = malloc(need + 1)) != NULL &&
        mailauth_arc_sealer_format(s, f, need + 1, &need) == MAILAUTH_OK)
        rc = prepend(m, f, need);
    free(f);
    free(w);
    mailauth_arc_sealer_free(s);
    return rc;
}

static size_t
put_txt(char *out, const char *owner, const char *rec)
{
    size_t n = (size_t)sprintf(out, "%s TXT", owner), len = strlen(rec);
    for (size_t i = 0; i < len; i += 200) {
        size_t k = len - i < 200 ? len - i : 200;
        n += (size_t)sprintf(out + n, " \"%.*s\"", (int)k, rec + i);
    }
    out[n++] = '\n';
    out[n] = '\0';
    return n;
}

static char *
zone_text(const struct keys *k)
{
    char  *z = malloc(strlen(k->rsa_rec) * 2 + strlen(k->ed_rec) + 2048);
    size_t n = 0;
    if (z == NULL)
        return NULL;
    n += put_txt(z + n, "rsa._domainkey." DOMAIN, k->rsa_rec);
    n += put_txt(z + n, "arc._domainkey." DOMAIN, k->rsa_rec);
    n += put_txt(z + n, "ed._domainkey." DOMAIN, k->ed_rec);
    n += put_txt(z + n, "_dmarc." DOMAIN, "v=DMARC1; p=reject; rua=mailto:dmarc@" DOMAIN);
    n += put_txt(z + n, DOMAIN, "v=spf1 ip4:192.0.2.0/24 -all");
    sprintf(z + n, "mail." DOMAIN " A 192.0.2.25\n"
                   "25.2.0.192.in-addr.arpa PTR mail." DOMAIN "\n");
    return z;
}

/* ------------------------------------------------------------ the run */

struct slot {
    mailauth_eval_t *ev;
    int              msg; /* 0 plain, 1 ARC-sealed */
};

static const mailauth_envelope_t envelope = {MAILAUTH_ENVELOPE_VERSION, "192.0.2.25",
                                             "mail." DOMAIN, "alice@" DOMAIN};

/* Envelope, every header field, end of headers, the first body chunk. */
static int
start_one(mailauth_ctx_t *ctx, mailauth_resolver_t *r, const struct msg *m, struct slot *s)
{
    const char *p = m->hdr, *end = m->hdr + m->hdr_len;
    if (mailauth_eval_new(ctx, r, &s->ev) != MAILAUTH_OK ||
        mailauth_eval_set_envelope(s->ev, &envelope) != MAILAUTH_OK)
        return -1;
    while (p < end) { /* one field: up to a CRLF not followed by WSP */
        const char *q = p;
        for (;;) {
            q = memchr(q, '\n', (size_t)(end - q));
            if (q == NULL || q + 1 == end || (q[1] != ' ' && q[1] != '\t'))
                break;
            q++;
        }
        q = q == NULL ? end : q + 1;
        if (mailauth_eval_header(s->ev, p, (size_t)(q - p)) != MAILAUTH_OK)
            return -1;
        p = q;
    }
    if (mailauth_eval_end_headers(s->ev) != MAILAUTH_OK ||
        mailauth_eval_body(s->ev, m->body, FIRST_CHUNK) != MAILAUTH_OK)
        return -1;
    return 0;
}

static int
verdicts_pass(const mailauth_eval_t *ev, int sealed)
{
    const mailauth_dmarc_result_t *d = mailauth_eval_dmarc(ev);
    const mailauth_arc_result_t   *a = mailauth_eval_arc(ev);
    size_t                         nd = mailauth_eval_dkim_count(ev);
    if (nd != 2 || d == NULL || a == NULL ||
        mailauth_spf_result_verdict(mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM)) !=
            MAILAUTH_VERDICT_PASS ||
        mailauth_dmarc_result_verdict(d) != MAILAUTH_VERDICT_PASS ||
        mailauth_arc_result_verdict(a) != (sealed ? MAILAUTH_VERDICT_PASS : MAILAUTH_VERDICT_NONE))
        return 0;
    for (size_t i = 0; i < nd; i++) {
        if (mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, i)) != MAILAUTH_VERDICT_PASS)
            return 0;
    }
    return 1;
}

/* Drive the resolver until every question asked so far is answered. */
static void
settle(mailauth_resolver_t *r)
{
    for (int i = 0; i < 8; i++)
        (void)mailauth_resolver_run_once(r, 0);
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
finish_all(mailauth_resolver_t *r, const struct msg *m, struct slot *s, size_t n)
{
    size_t done = 0, pass = 0;
    for (size_t i = 0; i < n; i++) {
        const struct msg *mm = &m[s[i].msg];
        if (mailauth_eval_body(s[i].ev, mm->body + FIRST_CHUNK, mm->body_len - FIRST_CHUNK) !=
                MAILAUTH_OK ||
            mailauth_eval_end_message(s[i].ev) != MAILAUTH_OK ||
            mailauth_eval_finish(s[i].ev, NULL, &s[i]) != MAILAUTH_OK)
            return -1;
    }
    while (done < n) {
        mailauth_eval_t  *ev = NULL;
        mailauth_status_t st = MAILAUTH_OK;
        void             *ud = NULL;
        (void)mailauth_resolver_run_once(r, 100);
        while (mailauth_resolver_next_done(r, &ev, &st, &ud) == MAILAUTH_OK) {
            struct slot *sl = ud;
            done++;
            if (st == MAILAUTH_OK && verdicts_pass(ev, sl->msg))
                pass++;
            mailauth_eval_free(ev);
            sl->ev = NULL;
        }
    }
    if (pass != n)
        fprintf(stderr, "bench_inflight: %zu of %zu messages did not pass\n", n - pass, n);
    return pass == n ? 0 : -1;
}

static int
run_n(size_t n, const struct msg *m, const char *zone)
{
    mailauth_allocator_t al = bench_count_allocator(&ma);
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    struct slot         *s = calloc(n, sizeof(*s));
    size_t               base = 0, obase = 0;
    struct rusage        ru;
    double               t0 = 0;
    int                  rc = -1;
    size_t               errline = 0;
    if (s == NULL || mailauth_ctx_new(&al, &ctx) != MAILAUTH_OK ||
        mailauth_resolver_new_zone(ctx, zone, strlen(zone), &errline, &r) != MAILAUTH_OK) {
        fprintf(stderr, "bench_inflight: no resolver (zone line %zu)\n", errline);
        goto out;
    }
    base = ma.cur;
    obase = bench_count_ossl.cur;
    t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        s[i].msg = i % 4 == 3;
        if (start_one(ctx, r, &m[s[i].msg], &s[i]) != 0) {
            fprintf(stderr, "bench_inflight: message %zu refused\n", i);
            goto out;
        }
    }
    settle(r);
    {
        size_t held = ma.cur - base,
               oheld = bench_count_ossl.cur > obase ? bench_count_ossl.cur - obase : 0;
        getrusage(RUSAGE_SELF, &ru);
        printf("%8zu %12zu %10.0f %10.0f %10.0f %10ld %8.2f", n, held + oheld,
               (double)held / (double)n, (double)oheld / (double)n,
               (double)(held + oheld) / (double)n, ru.ru_maxrss / 1024, now_s() - t0);
    }
    rc = finish_all(r, m, s, n);
    getrusage(RUSAGE_SELF, &ru);
    printf(" %10ld %8.2f %s\n", ru.ru_maxrss / 1024, now_s() - t0, rc == 0 ? "pass" : "FAIL");
out:
    if (rc != 0 && s != NULL)
        for (size_t i = 0; i < n; i++)
            mailauth_eval_free(s[i].ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    free(s);
    return rc;
}

static int
make_corpus(struct keys *k, struct msg m[2], char **zone)
{
    mailauth_ctx_t *ctx = NULL;
    int             rc = -1;
    memset(k, 0, sizeof(*k));
    if (mailauth_ctx_new(NULL, &ctx) != MAILAUTH_OK)
        return -1;
    k->rsa = make_key(ctx, "RSA");
    k->ed = make_key(ctx, "ED25519");
    k->rsa_rec = key_record(k->rsa);
    k->ed_rec = key_record(k->ed);
    if (k->rsa_rec == NULL || k->ed_rec == NULL)
        goto out;
    for (int i = 0; i < 2; i++) {
        m[i].hdr = strdup(bench_arrival_header);
        m[i].hdr_len = strlen(bench_arrival_header);
        m[i].body = make_body(&m[i].body_len);
        if (m[i].hdr == NULL || m[i].body == NULL || dkim_sign(ctx, k->rsa, "rsa", &m[i]) != 0 ||
            dkim_sign(ctx, k->ed, "ed", &m[i]) != 0)
            goto out;
    }
    if (arc_seal(ctx, k->rsa, &m[1]) != 0)
        goto out;
    *zone = zone_text(k);
    rc = *zone != NULL ? 0 : -1;
out:
    mailauth_ctx_free(ctx);
    return rc;
}

int
main(int argc, char **argv)
{
    static const size_t defaults[] = {10000, 100000};
    struct keys         k;
    struct msg          m[2];
    char               *zone = NULL;
    int                 rc = 0;
    size_t              count = argc > 1 ? (size_t)(argc - 1) : 2;
    if (bench_count_openssl_hook() != 0)
        fprintf(stderr, "bench_inflight: OpenSSL allocated before its hooks\n");
    memset(m, 0, sizeof(m));
    if (make_corpus(&k, m, &zone) != 0) {
        fprintf(stderr, "bench_inflight: could not build the signed messages\n");
        return 2;
    }
    printf("# messages held after their header section and first %u body bytes, DNS\n"
           "# answered; bytes per message through the ctx allocator (mailauth) and\n"
           "# OpenSSL's; RSS: process peak (MiB); then all finished and checked.\n"
           "# header section: plain %zu bytes, ARC-sealed %zu bytes (every fourth).\n",
           FIRST_CHUNK, m[0].hdr_len, m[1].hdr_len);
    printf("%8s %12s %10s %10s %10s %10s %8s %10s %8s\n", "N", "held", "mailauth/N", "openssl/N",
           "total/N", "RSS held", "s", "RSS end", "s total");
    fflush(stdout);
    for (size_t i = 0; i < count; i++) {
        size_t n = argc > 1 ? strtoul(argv[i + 1], NULL, 10) : defaults[i];
        pid_t  pid = fork();
        int    status = 0;
        if (pid == 0) {
            int ok = run_n(n, m, zone) == 0;
            fflush(stdout);
            _exit(ok ? 0 : 1);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            rc = 1;
    }
    for (int i = 0; i < 2; i++) {
        free(m[i].hdr);
        free(m[i].body);
    }
    mailauth_key_free(k.rsa);
    mailauth_key_free(k.ed);
    free(k.rsa_rec);
    free(k.ed_rec);
    free(zone);
    return rc;
}
