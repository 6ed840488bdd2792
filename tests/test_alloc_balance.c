/* alloc_balance: every allocation the library makes goes through the
 * caller's allocator (include/mailauth/ctx.h, docs/allocator.md).
 *
 * Two checks, over the whole public life cycle: ctx, zone, custom and
 * c-ares resolvers, evaluations (SPF, DKIM, DMARC, ARC) finished blocking
 * and asynchronously, Authentication-Results, DKIM signing and ARC sealing.
 *
 * 1. Balance: a counting allocator (a header with a magic word in front of
 *    each block) sees as many frees as allocations, nothing live at the
 *    end, and every block freed is one it handed out.
 * 2. No C library allocation by mailauth code: this binary replaces
 *    malloc/calloc/realloc/free (forwarding to the sanitizer's allocator,
 *    or glibc's) and, while `watching` is set, counts the allocation calls
 *    whose return address lies in this executable's code. The library is
 *    linked statically into the executable, and the test code itself does
 *    not allocate while watching, so such a call can only be mailauth's
 *    (the default allocator of lib/util/alloc.c, or a stray malloc).
 *    Calls from OpenSSL, c-ares, libidn2 and libpsl come from their shared
 *    objects and are their own business (docs/allocator.md). Frees are not
 *    judged this way: a chain of tail calls (EVP_PKEY_free → CRYPTO_free →
 *    free) can leave a return address in the caller's code; a library free
 *    of a counting block is caught by the magic word and by ASan instead.
 *
 * The build-time half (tests/alloc.cmake): no object of the library but
 * lib/util/alloc.c refers to malloc, calloc, realloc, free, strdup, ... */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/authres_of.h"

/* ---- the C library allocator, replaced ------------------------------------------ */

/* Not instrumented: called before the sanitizer runtime is set up. */
#define NO_SAN __attribute__((no_sanitize("address", "thread", "undefined"), noinline))

extern char __executable_start, etext; /* this executable's code (GNU ld) */
/* The sanitizer runtime's allocator when there is one, else glibc's. */
extern void *__interceptor_malloc(size_t) __attribute__((weak));
extern void *__interceptor_calloc(size_t, size_t) __attribute__((weak));
extern void *__interceptor_realloc(void *, size_t) __attribute__((weak));
extern void  __interceptor_free(void *) __attribute__((weak));
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void  __libc_free(void *);

static volatile int           watching;
static volatile unsigned long libc_allocs_by_us; /* while watching, from this executable */

NO_SAN static void
note(const void *ret)
{
    if (watching && (const char *)ret >= &__executable_start && (const char *)ret < &etext)
        libc_allocs_by_us++;
}

NO_SAN static void *
real_malloc(size_t n)
{
    return __interceptor_malloc != NULL ? __interceptor_malloc(n) : __libc_malloc(n);
}

NO_SAN static void *
real_realloc(void *p, size_t n)
{
    return __interceptor_realloc != NULL ? __interceptor_realloc(p, n) : __libc_realloc(p, n);
}

NO_SAN static void
real_free(void *p)
{
    if (__interceptor_free != NULL)
        __interceptor_free(p);
    else
        __libc_free(p);
}

NO_SAN void *
malloc(size_t n)
{
    note(__builtin_return_address(0));
    return real_malloc(n);
}

NO_SAN void *
calloc(size_t count, size_t size)
{
    note(__builtin_return_address(0));
    return __interceptor_calloc != NULL ? __interceptor_calloc(count, size)
                                        : __libc_calloc(count, size);
}

NO_SAN void *
realloc(void *p, size_t n)
{
    note(__builtin_return_address(0));
    return real_realloc(p, n);
}

NO_SAN void
free(void *p)
{
    real_free(p);
}

/* ---- the counting allocator ------------------------------------------------------- */

#define MAGIC 0x6d61696c61757468ull /* "mailauth" */
#define HDR 16u                     /* keeps the caller's block 16-byte aligned */

struct counting {
    mailauth_allocator_t al;
    unsigned long        allocs, frees, bad_frees;
    long                 live;
    size_t               live_bytes, peak_bytes;
};

static void *
c_malloc(void *ud, size_t n)
{
    struct counting *c = ud;
    uint64_t        *h = n < SIZE_MAX - HDR ? real_malloc(n + HDR) : NULL;
    if (h == NULL)
        return NULL;
    h[0] = MAGIC;
    h[1] = n;
    c->allocs++;
    c->live++;
    c->live_bytes += n;
    if (c->live_bytes > c->peak_bytes)
        c->peak_bytes = c->live_bytes;
    return (char *)h + HDR;
}

static void
c_free(void *ud, void *p)
{
    struct counting *c = ud;
    uint64_t        *h;
    if (p == NULL)
        return;
    h = (uint64_t *)(void *)((char *)p - HDR);
    if (h[0] != MAGIC) {
        c->bad_frees++; /* not ours: leave it alone */
        return;
    }
    h[0] = 0;
    c->frees++;
    c->live--;
    c->live_bytes -= h[1];
    real_free(h);
}

static void *
c_realloc(void *ud, void *p, size_t n)
{
    struct counting *c = ud;
    uint64_t        *h, *nh;
    if (p == NULL)
        return c_malloc(ud, n);
    h = (uint64_t *)(void *)((char *)p - HDR);
    if (h[0] != MAGIC || n >= SIZE_MAX - HDR) {
        c->bad_frees += h[0] != MAGIC;
        return NULL;
    }
    nh = real_realloc(h, n + HDR);
    if (nh == NULL)
        return NULL;
    c->live_bytes = c->live_bytes - nh[1] + n;
    if (c->live_bytes > c->peak_bytes)
        c->peak_bytes = c->live_bytes;
    nh[1] = n;
    return (char *)nh + HDR;
}

static void
counting_init(struct counting *c)
{
    memset(c, 0, sizeof(*c));
    c->al = (mailauth_allocator_t){.version = MAILAUTH_ALLOCATOR_VERSION,
                                   .ud = c,
                                   .malloc = c_malloc,
                                   .realloc = c_realloc,
                                   .free = c_free};
}

/* Start watching: the test code allocates nothing until stop(). */
static void
start(struct counting *c)
{
    counting_init(c);
    libc_allocs_by_us = 0;
    watching = 1;
}

static void
stop_and_check(const struct counting *c)
{
    unsigned long by_us;
    watching = 0;
    by_us = libc_allocs_by_us;
    assert_int_equal(by_us, 0);
    assert_true(c->allocs > 0);
    assert_int_equal(c->bad_frees, 0);
    assert_int_equal(c->live, 0);
    assert_int_equal(c->live_bytes, 0);
    assert_int_equal(c->frees, c->allocs);
}

/* ---- shared material (read before watching) ------------------------------------- */

static char   rsa_pem[8192], ed_pem[1024];
static size_t rsa_pem_len, ed_pem_len;

static size_t
read_key(const char *file, char *buf, size_t cap)
{
    char   path[512];
    FILE  *f;
    size_t n;
    snprintf(path, sizeof(path), "%s/keys/%s", MAILAUTH_TEST_DATA, file);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(buf, 1, cap - 1, f);
    fclose(f);
    assert_true(n > 0 && n < cap - 1);
    return n;
}

static int
setup(void **state)
{
    (void)state;
    rsa_pem_len = read_key("rsa2048.pkcs8.pem", rsa_pem, sizeof(rsa_pem));
    ed_pem_len = read_key("ed25519.pkcs8.pem", ed_pem, sizeof(ed_pem));
    return 0;
}

static const char spf_zone[] = "example.org      TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
                               "_dmarc.example.org TXT \"v=DMARC1; p=reject\"\n"
                               "temp.example.org TXT TIMEOUT\n"
                               "mail.example.org A   192.0.2.10\n";

static const char message[] = "From: Alice <alice@example.org>\r\n"
                              "To: bob@example.net\r\n"
                              "Subject: allocation test\r\n"
                              "Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n"
                              "Message-ID: <alloc.1@example.org>\r\n"
                              "\r\n"
                              "Hello Bob,\r\n"
                              "\r\n"
                              "every byte of this goes through the counting allocator.\r\n";

static void
envelope(mailauth_eval_t *ev, const char *ip, const char *mail_from)
{
    assert_int_equal(mailauth_eval_set_client_ip(ev, ip), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_helo(ev, "mail.example.org"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(ev, mail_from), MAILAUTH_OK);
}

static mailauth_verdict_t
spf_verdict(mailauth_eval_t *ev)
{
    return mailauth_spf_result_verdict(mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM));
}

static void
on_done(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    int *calls = ud;
    (void)ev;
    *calls += st == MAILAUTH_OK ? 1 : 100;
}

/* ---- SPF: ctx, zone resolver, evaluations blocking and asynchronous --------------- */

static void
test_alloc_balance_spf(void **state)
{
    struct counting      c;
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev[3] = {NULL, NULL, NULL};
    char                 text[2048];
    int                  calls = 0;
    (void)state;
    start(&c);
    assert_int_equal(mailauth_ctx_new(&c.al, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(ctx, "mx.example.net"), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_spf_default_explanation(ctx, "see %{d}"), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_add_trusted_sealer(ctx, "sealer.example"), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(ctx, spf_zone, sizeof(spf_zone) - 1, NULL, &r),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_zone_set_delay(r, 1), MAILAUTH_OK);
    /* pass, blocking */
    assert_int_equal(mailauth_eval_new(ctx, r, &ev[0]), MAILAUTH_OK);
    envelope(ev[0], "192.0.2.1", "alice@example.org");
    assert_int_equal(mailauth_eval_message(ev[0], message, sizeof(message) - 1), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(ev[0], -1), MAILAUTH_OK);
    assert_int_equal(spf_verdict(ev[0]), MAILAUTH_VERDICT_PASS);
    assert_int_equal(
        mailauth_authres_format(authres_of(ev[0]), text, sizeof(text), NULL),
        MAILAUTH_OK);
    /* fail and temperror, asynchronous, in flight together */
    assert_int_equal(mailauth_eval_new(ctx, r, &ev[1]), MAILAUTH_OK);
    envelope(ev[1], "198.51.100.1", "alice@example.org");
    assert_int_equal(mailauth_eval_new(ctx, r, &ev[2]), MAILAUTH_OK);
    envelope(ev[2], "192.0.2.1", "x@temp.example.org");
    assert_int_equal(mailauth_eval_finish(ev[1], on_done, &calls), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(ev[2], on_done, &calls), MAILAUTH_OK);
    while (calls < 2)
        assert_int_equal(mailauth_resolver_run_once(r, 100), MAILAUTH_OK);
    assert_int_equal(calls, 2);
    assert_int_equal(spf_verdict(ev[1]), MAILAUTH_VERDICT_FAIL);
    assert_int_equal(spf_verdict(ev[2]), MAILAUTH_VERDICT_TEMPERROR);
    assert_non_null(authres_of(ev[1]));
    for (size_t i = 0; i < 3; i++)
        mailauth_eval_free(ev[i]);
    assert_int_equal(mailauth_resolver_flush_cache(r), MAILAUTH_OK);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    stop_and_check(&c);
}

/* ---- signing, then verifying what was signed ---------------------------------------- */

/* Append "<sel>._domainkey.example.org TXT "..."" to zone (strings of <= 200 bytes). */
static void
zone_key(char *zone, size_t cap, const char *sel, const mailauth_key_t *key)
{
    char   rec[1024];
    size_t need = 0, n = strlen(zone);
    assert_int_equal(mailauth_key_format_dns_record(key, rec, sizeof(rec), &need), MAILAUTH_OK);
    n += (size_t)snprintf(zone + n, cap - n, "%s._domainkey.example.org TXT", sel);
    for (size_t off = 0; off < need; off += 200)
        n += (size_t)snprintf(zone + n, cap - n, " \"%.200s\"", rec + off);
    n += (size_t)snprintf(zone + n, cap - n, "\n");
    assert_true(n < cap);
}

/* Sign `in` with a DKIM signer and put the signature on top into out. */
static size_t
dkim_sign(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *sel, const char *in,
          size_t in_len, char *out, size_t cap)
{
    mailauth_dkim_signer_t *s = NULL;
    size_t                  need = 0;
    assert_int_equal(mailauth_dkim_signer_new(ctx, key, "example.org", sel, &s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_message(s, in, in_len), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_format(s, out, cap, &need), MAILAUTH_OK);
    mailauth_dkim_signer_free(s);
    assert_true(need + 2 + in_len < cap);
    memcpy(out + need, "\r\n", 2);
    memcpy(out + need + 2, in, in_len);
    return need + 2 + in_len;
}

/* Seal `in` (no chain yet) and put the ARC set on top into out. */
static size_t
arc_seal(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *in, size_t in_len, char *out,
         size_t cap)
{
    mailauth_arc_sealer_t *s = NULL;
    size_t                 need = 0;
    assert_int_equal(mailauth_arc_sealer_new(ctx, key, "example.org", "ed", "mx.example.net", &s),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_set_chain(s, MAILAUTH_VERDICT_NONE), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_message(s, in, in_len), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_end_message(s), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_format(s, out, cap, &need), MAILAUTH_OK);
    mailauth_arc_sealer_free(s);
    assert_true(need + 2 + in_len < cap);
    memcpy(out + need, "\r\n", 2);
    memcpy(out + need + 2, in, in_len);
    return need + 2 + in_len;
}

static char signed_msg[16384], sealed_msg[32768], zone[8192];

static void
test_alloc_balance_sign_and_verify(void **state)
{
    struct counting      c;
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev = NULL;
    mailauth_key_t      *rsa = NULL, *ed = NULL;
    mailauth_envelope_t  env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                .client_ip = "192.0.2.1",
                                .helo = "mail.example.org",
                                .mail_from = "alice@example.org"};
    size_t               len;
    (void)state;
    start(&c);
    assert_int_equal(mailauth_ctx_new(&c.al, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(ctx, "mx.example.net"), MAILAUTH_OK);
    assert_int_equal(mailauth_key_load_pem(ctx, rsa_pem, rsa_pem_len, &rsa), MAILAUTH_OK);
    assert_int_equal(mailauth_key_load_pem(ctx, ed_pem, ed_pem_len, &ed), MAILAUTH_OK);
    memcpy(zone, spf_zone, sizeof(spf_zone));
    zone_key(zone, sizeof(zone), "rsa", rsa);
    zone_key(zone, sizeof(zone), "ed", ed);
    len = dkim_sign(ctx, rsa, "rsa", message, sizeof(message) - 1, signed_msg, sizeof(signed_msg));
    len = arc_seal(ctx, ed, signed_msg, len, sealed_msg, sizeof(sealed_msg));
    assert_int_equal(mailauth_resolver_new_zone(ctx, zone, strlen(zone), NULL, &r), MAILAUTH_OK);
    /* Every method: SPF, DKIM (key decoded into the ctx key cache), DMARC
     * (the Public Suffix List opened by the ctx), ARC. Twice: the second
     * run takes the key from the cache. */
    for (int round = 0; round < 2; round++) {
        assert_int_equal(mailauth_verify(ctx, r, &env, sealed_msg, len, &ev), MAILAUTH_OK);
        assert_int_equal(spf_verdict(ev), MAILAUTH_VERDICT_PASS);
        assert_int_equal(mailauth_eval_dkim_count(ev), 1);
        assert_int_equal(mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, 0)),
                         MAILAUTH_VERDICT_PASS);
        assert_int_equal(mailauth_dmarc_result_verdict(mailauth_eval_dmarc(ev)),
                         MAILAUTH_VERDICT_PASS);
        assert_int_equal(mailauth_arc_result_verdict(mailauth_eval_arc(ev)),
                         MAILAUTH_VERDICT_PASS);
        assert_non_null(authres_of(ev));
        mailauth_eval_free(ev);
    }
    mailauth_resolver_free(r);
    mailauth_key_free(rsa);
    mailauth_key_free(ed);
    mailauth_ctx_free(ctx);
    stop_and_check(&c);
}

/* ---- the other resolvers and the Authentication-Results parser --------------------- */

static mailauth_status_t
answer_now(void *ud, mailauth_dns_query_t *q, const char *name, mailauth_dns_type_t type)
{
    static const char           spf[] = "v=spf1 ip4:192.0.2.0/24 -all";
    const mailauth_dns_record_t rec = {.version = MAILAUTH_DNS_RECORD_VERSION, .data = spf, .len = sizeof(spf) - 1, .ttl = 60};
    (void)ud;
    if (type == MAILAUTH_DNS_TXT && strcmp(name, "example.org") == 0)
        return mailauth_dns_query_answer(q, MAILAUTH_DNS_RECORDS, &rec, 1);
    return mailauth_dns_query_answer(q, MAILAUTH_DNS_NXDOMAIN, NULL, 0);
}

static void
test_alloc_balance_resolvers(void **state)
{
    static const char        field[] = "Authentication-Results: mx.example.net; spf=pass "
                                       "smtp.mailfrom=example.org; dkim=fail (bad) header.d=x";
    const mailauth_dns_ops_t ops = {.version = MAILAUTH_DNS_OPS_VERSION, .query = answer_now};
    struct counting          c;
    mailauth_ctx_t          *ctx = NULL;
    mailauth_resolver_t     *r = NULL, *ares = NULL;
    mailauth_eval_t         *ev = NULL;
    mailauth_authres_t      *ar = NULL;
    (void)state;
    start(&c);
    assert_int_equal(mailauth_ctx_new(&c.al, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_custom(ctx, &ops, &r), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(ctx, r, &ev), MAILAUTH_OK);
    envelope(ev, "192.0.2.1", "alice@example.org");
    assert_int_equal(mailauth_eval_finish_sync(ev, -1), MAILAUTH_OK);
    assert_int_equal(spf_verdict(ev), MAILAUTH_VERDICT_PASS);
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    /* c-ares allocates the channel itself; the driver state is ours. */
    assert_int_equal(mailauth_resolver_new_ares(ctx, "127.0.0.1:9", &ares), MAILAUTH_OK);
    mailauth_resolver_free(ares);
    assert_int_equal(mailauth_authres_parse(&c.al, field, sizeof(field) - 1, NULL, &ar),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_authres_resinfo_count(ar), 2);
    mailauth_authres_free(ar);
    mailauth_ctx_free(ctx);
    stop_and_check(&c);
}

/* The check itself: a C library allocation from this executable is seen. */
static void *volatile sink; /* keeps the compiler from dropping the malloc/free pair */

static void
test_alloc_balance_detects_malloc(void **state)
{
    (void)state;
    libc_allocs_by_us = 0;
    watching = 1;
    sink = malloc(16);
    watching = 0;
    free(sink);
    assert_int_equal(libc_allocs_by_us, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_balance_detects_malloc),
        cmocka_unit_test(test_alloc_balance_spf),
        cmocka_unit_test(test_alloc_balance_sign_and_verify),
        cmocka_unit_test(test_alloc_balance_resolvers),
    };
    return cmocka_run_group_tests_name("alloc_balance", tests, setup, NULL);
}
