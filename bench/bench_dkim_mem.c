/* bench_dkim -m memory: does verifying a message take memory in proportion
 * to its size? Peak bytes held through the ctx allocator (everything
 * mailauth allocates, docs/allocator.md) and through OpenSSL's allocator
 * (hooked process-wide with CRYPTO_set_mem_functions: hash and verify
 * contexts, decoded keys), above what was held before the evaluation,
 * while the message is fed with mailauth_eval_feed() in 64 KiB pieces and
 * verified. Sizes 200 KiB, 2 MiB, 20 MiB; first evaluation of a fresh ctx
 * (cold: key fetched, decoded, cached) and the next one (warm). */
#include "bench_count.h"
#include "bench_dkim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void
bd_memory_hook_openssl(void)
{
    if (bench_count_openssl_hook() != 0)
        fprintf(stderr, "bench_dkim: OpenSSL allocated before its hooks: its column is partial\n");
}

struct peak {
    size_t ma, ossl, ma_left, ossl_left, ma_calls;
};

/* One evaluation fed in 64 KiB pieces of the raw message; 0 if it passed. */
static int
feed_eval(mailauth_ctx_t *ctx, mailauth_resolver_t *r, struct bench_counter *c,
          const struct bd_msg *m, struct peak *pk)
{
    mailauth_eval_t *ev = NULL;
    size_t           base = c->cur, obase = bench_count_ossl.cur, calls = c->calls;
    int              ok = 0;
    c->peak = c->cur;
    bench_count_ossl.peak = bench_count_ossl.cur;
    if (mailauth_eval_new(ctx, r, &ev) != MAILAUTH_OK)
        return -1;
    for (size_t off = 0; off < m->raw_len; off += BD_CHUNK) {
        size_t n = m->raw_len - off < BD_CHUNK ? m->raw_len - off : BD_CHUNK;
        if (mailauth_eval_feed(ev, m->raw + off, n) != MAILAUTH_OK)
            goto out;
    }
    if (mailauth_eval_end_message(ev) == MAILAUTH_OK &&
        mailauth_eval_finish_sync(ev, -1) == MAILAUTH_OK && mailauth_eval_dkim_count(ev) == 1)
        ok = mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, 0)) == MAILAUTH_VERDICT_PASS;
out:
    mailauth_eval_free(ev);
    pk->ma = c->peak - base;
    pk->ossl = bench_count_ossl.peak - obase;
    pk->ma_left = c->cur - base;
    pk->ossl_left = bench_count_ossl.cur > obase ? bench_count_ossl.cur - obase : 0;
    pk->ma_calls = c->calls - calls;
    return ok ? 0 : -1;
}

static int
one_size(const struct bd_keys *k, mailauth_ctx_t *sctx, enum bd_alg a, mailauth_canon_t cn,
         size_t size)
{
    struct bench_counter c = {0, 0, 0};
    mailauth_allocator_t al = bench_count_allocator(&c);
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    struct bd_msg        m;
    struct peak          cold, warm;
    char                *zone = bd_zone_text(k, 3600);
    int                  rc = -1;
    if (zone == NULL || bd_msg_make(sctx, k, a, cn, size, &m) != 0) {
        free(zone);
        return -1;
    }
    if (mailauth_ctx_new(&al, &ctx) == MAILAUTH_OK &&
        mailauth_ctx_set_methods(ctx, MAILAUTH_METHOD_DKIM) == MAILAUTH_OK &&
        mailauth_resolver_new_zone(ctx, zone, strlen(zone), NULL, &r) == MAILAUTH_OK &&
        feed_eval(ctx, r, &c, &m, &cold) == 0 && feed_eval(ctx, r, &c, &m, &warm) == 0) {
        printf("%-6zu %-8s %-8s %9zu %9zu %9zu %9zu %6zu %9zu %9zu %9zu %6zu\n", size / 1024,
               a == BD_RSA ? "rsa" : "ed25519", mailauth_canon_name(cn), cold.ma, cold.ossl,
               cold.ma_left, cold.ossl_left, cold.ma_calls, warm.ma, warm.ossl, warm.ma_left,
               warm.ma_calls);
        rc = 0;
    }
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    if (rc == 0 && c.cur != 0) {
        fprintf(stderr, "bench_dkim: %zu bytes still held after mailauth_ctx_free\n", c.cur);
        rc = -1;
    }
    bd_msg_free(&m);
    free(zone);
    return rc;
}

int
bd_memory_report(const struct bd_keys *k, mailauth_ctx_t *sctx)
{
    static const size_t sizes[] = {200u * 1024, 2u * 1024 * 1024, 20u * 1024 * 1024};
    printf("# bytes above what was held before the evaluation; fed in %u KiB pieces\n"
           "# (mailauth_eval_feed). peak: through the ctx allocator; ossl: through\n"
           "# OpenSSL's; left: still held after mailauth_eval_free (on a cold run the\n"
           "# key cache entry, and in OpenSSL the key with its spare verify context);\n"
           "# allocs: calls to the ctx allocator.\n",
           BD_CHUNK / 1024);
    printf("%-6s %-8s %-8s %9s %9s %9s %9s %6s %9s %9s %9s %6s\n", "KiB", "alg", "canon",
           "cold peak", "ossl", "left", "ossl left", "allocs", "warm peak", "ossl", "left",
           "allocs");
    for (int a = 0; a < 2; a++) {
        for (int cn = 1; cn >= 0; cn--) {
            for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                if (one_size(k, sctx, (enum bd_alg)a, (mailauth_canon_t)cn, sizes[i]) != 0) {
                    fprintf(stderr, "bench_dkim: memory run failed\n");
                    return 2;
                }
            }
        }
    }
    return 0;
}
