/* keycache: the cache of decoded DKIM/ARC keys (lib/dkim/keycache.c):
 * hits, misses, expiry on a pinned clock, TTL cap, oldest-first eviction,
 * negative entries, out of memory, and threads sharing one cache. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "core/ctx_int.h"
#include "dkim/dkim.h"
#include "support/fail_alloc.h"
#include "util/alloc.h"
#include "util/base64.h"

struct fixture {
    mailauth__env_t       env; /* the cache's environment: limits, the pinned clock */
    mailauth__keycache_t *kc;
    uint64_t              now_ms; /* the pinned monotonic clock */
    mailauth__key_t       key;    /* an Ed25519 key (RFC 8463 A.2) */
};

static uint64_t
pinned_clock(void *ud, mailauth_clock_kind_t kind)
{
    const struct fixture *f = ud;
    return kind == MAILAUTH_CLOCK_MONOTONIC ? f->now_ms : 1700000000000ull + f->now_ms;
}

static void
make_key(mailauth__key_t *k)
{
    static const char b64[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    uint8_t           raw[48];
    size_t            n = 0;
    memset(k, 0, sizeof(*k));
    assert_int_equal(mailauth__b64_decode(b64, sizeof(b64) - 1, raw, &n), MAILAUTH_OK);
    assert_int_equal(
        mailauth__pubkey_decode(NULL, MAILAUTH__KEY_ED25519, raw, n, &k->pub, &k->bits),
        MAILAUTH_OK);
    k->type = MAILAUTH__KEY_ED25519;
    k->sha256_ok = k->email_ok = true;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->env.al = mailauth__default_allocator;
    memcpy(f->env.limits, mailauth__env_default_limits, sizeof(f->env.limits));
    f->env.clock = pinned_clock;
    f->env.clock_ud = f;
    if (mailauth__keycache_new(&f->env, &f->kc) != MAILAUTH_OK)
        return -1;
    f->now_ms = 1000;
    make_key(&f->key);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    mailauth__keycache_free(f->kc);
    mailauth__key_clear(&f->key);
    free(f);
    return 0;
}

/* Hit or miss for owner; on a hit the copy is checked and cleared. */
static bool
lookup(struct fixture *f, const char *owner, mailauth_reason_t *reason)
{
    mailauth__key_t k;
    bool            hit = mailauth__keycache_get(f->kc, owner, &k, reason);
    if (!hit) {
        assert_null(k.pub);
        assert_int_equal(*reason, MAILAUTH_REASON_NONE);
    }
    mailauth__key_clear(&k);
    return hit;
}

static void
test_keycache_hit_and_miss(void **state)
{
    struct fixture   *f = *state;
    mailauth__key_t   k;
    mailauth_reason_t reason;
    assert_false(lookup(f, "s1._domainkey.example.com", &reason));
    mailauth__keycache_put(f->kc, "s1._domainkey.example.com", &f->key, MAILAUTH_REASON_NONE, 300);
    assert_true(mailauth__keycache_get(f->kc, "s1._domainkey.example.com", &k, &reason));
    assert_int_equal(reason, MAILAUTH_REASON_NONE);
    assert_ptr_equal(k.pub, f->key.pub); /* shared, with its own reference */
    assert_int_equal(k.type, MAILAUTH__KEY_ED25519);
    assert_int_equal(k.bits, 256);
    assert_true(k.sha256_ok && k.email_ok && !k.sha1_ok);
    mailauth__key_clear(&k);
    /* Owner names are compared without case and without one trailing dot. */
    assert_true(lookup(f, "S1._DomainKey.Example.COM.", &reason));
    assert_false(lookup(f, "s2._domainkey.example.com", &reason));
    assert_false(lookup(f, "s1._domainkey.example.co", &reason));
    assert_false(lookup(f, "", &reason));
    assert_false(lookup(f, ".", &reason));
    /* The caller's key may go; the cache keeps its reference. */
    mailauth__key_clear(&f->key);
    assert_true(mailauth__keycache_get(f->kc, "s1._domainkey.example.com", &k, &reason));
    assert_non_null(k.pub);
    assert_int_equal(mailauth__pubkey_bits(k.pub), 256);
    mailauth__key_clear(&k);
}

static void
test_keycache_negative(void **state)
{
    struct fixture   *f = *state;
    mailauth__key_t   broken = {.type = MAILAUTH__KEY_RSA};
    mailauth_reason_t reason;
    mailauth__key_t   k;
    mailauth__keycache_put(f->kc, "bad._domainkey.example.com", &broken,
                           MAILAUTH_REASON_DKIM_KEY_SYNTAX, 60);
    mailauth__keycache_put(f->kc, "gone._domainkey.example.com", NULL,
                           MAILAUTH_REASON_DKIM_KEY_REVOKED, 60);
    assert_true(mailauth__keycache_get(f->kc, "bad._domainkey.example.com", &k, &reason));
    assert_int_equal(reason, MAILAUTH_REASON_DKIM_KEY_SYNTAX);
    assert_null(k.pub);
    assert_true(mailauth__keycache_get(f->kc, "gone._domainkey.example.com", &k, &reason));
    assert_int_equal(reason, MAILAUTH_REASON_DKIM_KEY_REVOKED);
    assert_null(k.pub);
    /* A later good key replaces the negative entry. */
    mailauth__keycache_put(f->kc, "BAD._domainkey.example.com", &f->key, MAILAUTH_REASON_NONE, 60);
    assert_true(mailauth__keycache_get(f->kc, "bad._domainkey.example.com", &k, &reason));
    assert_int_equal(reason, MAILAUTH_REASON_NONE);
    assert_non_null(k.pub);
    mailauth__key_clear(&k);
}

static void
test_keycache_expiry(void **state)
{
    struct fixture   *f = *state;
    mailauth_reason_t reason;
    mailauth__keycache_put(f->kc, "a._domainkey.example.com", &f->key, MAILAUTH_REASON_NONE, 10);
    f->now_ms += 9999;
    assert_true(lookup(f, "a._domainkey.example.com", &reason));
    f->now_ms += 1;
    assert_false(lookup(f, "a._domainkey.example.com", &reason));
    f->now_ms -= 1; /* expired entries are dropped, not hidden */
    assert_false(lookup(f, "a._domainkey.example.com", &reason));
    /* TTL 0: not cached, and an older entry goes. */
    mailauth__keycache_put(f->kc, "b._domainkey.example.com", &f->key, MAILAUTH_REASON_NONE, 100);
    mailauth__keycache_put(f->kc, "b._domainkey.example.com", &f->key, MAILAUTH_REASON_NONE, 0);
    assert_false(lookup(f, "b._domainkey.example.com", &reason));
}

/* A second cache in the fixture's environment with one limit changed. */
static mailauth__keycache_t *
cache_with(const struct fixture *f, mailauth__env_t *env, mailauth_limit_t l, uint32_t value)
{
    mailauth__keycache_t *kc = NULL;
    *env = f->env;
    env->limits[l] = value;
    assert_int_equal(mailauth__keycache_new(env, &kc), MAILAUTH_OK);
    return kc;
}

static void
test_keycache_ttl_cap(void **state)
{
    struct fixture       *f = *state;
    mailauth__env_t       env;
    mailauth__keycache_t *kc = cache_with(f, &env, MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX, 5);
    mailauth_reason_t     reason;
    mailauth__key_t       k;
    mailauth__keycache_put(kc, "a._domainkey.example.com", &f->key, MAILAUTH_REASON_NONE, 86400);
    f->now_ms += 4999;
    assert_true(mailauth__keycache_get(kc, "a._domainkey.example.com", &k, &reason));
    mailauth__key_clear(&k);
    f->now_ms += 1;
    assert_false(mailauth__keycache_get(kc, "a._domainkey.example.com", &k, &reason));
    /* A clock near its end saturates rather than wrapping into the past. */
    f->now_ms = UINT64_MAX - 10;
    mailauth__keycache_put(kc, "a._domainkey.example.com", &f->key, MAILAUTH_REASON_NONE, 5);
    assert_true(mailauth__keycache_get(kc, "a._domainkey.example.com", &k, &reason));
    mailauth__key_clear(&k);
    mailauth__keycache_free(kc);
}

static void
put_name(const struct fixture *f, mailauth__keycache_t *kc, unsigned i)
{
    char owner[64];
    snprintf(owner, sizeof(owner), "s%u._domainkey.example.com", i);
    mailauth__keycache_put(kc, owner, &f->key, MAILAUTH_REASON_NONE, 3600);
}

static bool
has_name(mailauth__keycache_t *kc, unsigned i)
{
    char              owner[64];
    mailauth__key_t   k;
    mailauth_reason_t reason;
    bool              hit;
    snprintf(owner, sizeof(owner), "s%u._domainkey.example.com", i);
    hit = mailauth__keycache_get(kc, owner, &k, &reason);
    mailauth__key_clear(&k);
    return hit;
}

static void
test_keycache_eviction(void **state)
{
    struct fixture       *f = *state;
    mailauth__env_t       env;
    mailauth__keycache_t *kc = cache_with(f, &env, MAILAUTH_LIMIT_DKIM_KEY_CACHE_ENTRIES, 3);
    for (unsigned i = 0; i < 4; i++)
        put_name(f, kc, i);
    assert_false(has_name(kc, 0)); /* the oldest went */
    assert_true(has_name(kc, 1) && has_name(kc, 2) && has_name(kc, 3));
    put_name(f, kc, 1); /* replaced: now the newest */
    put_name(f, kc, 4);
    assert_false(has_name(kc, 2));
    assert_true(has_name(kc, 1) && has_name(kc, 3) && has_name(kc, 4));
    mailauth__keycache_free(kc);
}

/* The table grows past its first buckets and keeps every entry findable;
 * the default capacity (1024) is enforced. */
static void
test_keycache_growth(void **state)
{
    struct fixture *f = *state;
    for (unsigned i = 0; i < 1024; i++)
        put_name(f, f->kc, i);
    for (unsigned i = 0; i < 1024; i++)
        assert_true(has_name(f->kc, i));
    put_name(f, f->kc, 1024);
    assert_false(has_name(f->kc, 0));
    assert_true(has_name(f->kc, 1) && has_name(f->kc, 1024));
}

static void
test_keycache_odd_names(void **state)
{
    struct fixture   *f = *state;
    char              longname[300];
    mailauth_reason_t reason;
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    mailauth__keycache_put(f->kc, longname, &f->key, MAILAUTH_REASON_NONE, 60);
    assert_false(lookup(f, longname, &reason));
    longname[255] = '\0'; /* 255 octets: cached, also with a trailing dot */
    mailauth__keycache_put(f->kc, longname, &f->key, MAILAUTH_REASON_NONE, 60);
    longname[255] = '.';
    longname[256] = '\0';
    assert_true(lookup(f, longname, &reason));
    mailauth__keycache_put(f->kc, NULL, &f->key, MAILAUTH_REASON_NONE, 60);
    mailauth__keycache_put(NULL, "x", &f->key, MAILAUTH_REASON_NONE, 60);
    assert_false(mailauth__keycache_get(NULL, "x", &(mailauth__key_t){0}, &reason));
    assert_false(lookup(f, NULL, &reason));
    mailauth__keycache_free(NULL);
}

/* Out of memory: creating fails cleanly, storing only loses the entry. */
static void
test_keycache_oom(void **state)
{
    struct fixture *f = *state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t          fa;
        mailauth__env_t       env = f->env;
        mailauth__keycache_t *kc = NULL;
        mailauth_status_t     st;
        fail_alloc_init(&fa, n);
        env.al = fa.al;
        st = mailauth__keycache_new(&env, &kc);
        if (st == MAILAUTH_OK) {
            for (unsigned i = 0; i < 100; i++) /* grows the buckets */
                put_name(f, kc, i);
            for (unsigned i = 0; i < 100; i++)
                (void)has_name(kc, i);
            mailauth__keycache_free(kc);
        } else {
            assert_int_equal(st, MAILAUTH_ENOMEM);
            assert_null(kc);
        }
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa))
            break;
    }
}

/* mailauth_ctx_new() creates the cache; every allocation failure is clean. */
static void
test_keycache_ctx_oom(void **state)
{
    (void)state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t      fa;
        mailauth_ctx_t   *ctx = NULL;
        mailauth_status_t st;
        fail_alloc_init(&fa, n);
        st = mailauth_ctx_new(&fa.al, &ctx);
        if (st == MAILAUTH_OK)
            assert_non_null(ctx->env.keys);
        else
            assert_int_equal(st, MAILAUTH_ENOMEM);
        mailauth_ctx_free(ctx);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa))
            break;
    }
}

/* ---- threads ------------------------------------------------------------- */

enum { THREADS = 4, ROUNDS = 4000, NAMES = 48 };

struct worker {
    struct fixture       *f;
    mailauth__keycache_t *kc;
    unsigned              seed;
    unsigned              hits;
};

static void *
hammer(void *arg)
{
    struct worker *w = arg;
    for (unsigned r = 0; r < ROUNDS; r++) {
        char              owner[64];
        mailauth__key_t   k;
        mailauth_reason_t reason;
        unsigned          x;
        w->seed = w->seed * 1103515245u + 12345u;
        x = w->seed >> 8;
        snprintf(owner, sizeof(owner), "s%u._domainkey.example.com", x % NAMES);
        if ((x >> 12) % 3 == 0) {
            mailauth__keycache_put(w->kc, owner, (x & 8) ? &w->f->key : NULL,
                                   (x & 8) ? MAILAUTH_REASON_NONE : MAILAUTH_REASON_DKIM_KEY_SYNTAX,
                                   (x >> 4) % 3);
        } else if (mailauth__keycache_get(w->kc, owner, &k, &reason)) {
            w->hits++;
            /* Use the copy after the lock is gone: the reference keeps it alive. */
            if (k.pub != NULL && mailauth__pubkey_bits(k.pub) != 256)
                abort();
            mailauth__key_clear(&k);
        }
    }
    return NULL;
}

/* A clock every thread moves: each reading is one millisecond later. */
static uint64_t
racing_clock(void *ud, mailauth_clock_kind_t kind)
{
    (void)kind;
    return __atomic_fetch_add((uint64_t *)ud, 1, __ATOMIC_RELAXED);
}

static void
test_keycache_threads(void **state)
{
    struct fixture       *f = *state;
    mailauth__env_t       env;
    mailauth__keycache_t *kc = NULL;
    pthread_t             t[THREADS];
    struct worker         w[THREADS];
    unsigned              hits = 0;
    uint64_t              clock_ms = 0;
    /* Few entries, TTLs of 0-2 s and a clock that runs with the calls:
     * eviction, replacement and expiry all race with readers. */
    kc = cache_with(f, &env, MAILAUTH_LIMIT_DKIM_KEY_CACHE_ENTRIES, 16);
    env.clock = racing_clock;
    env.clock_ud = &clock_ms;
    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.f = f, .kc = kc, .seed = 7919u * (i + 1)};
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        hits += w[i].hits;
    }
    assert_true(hits > 0);
    mailauth__keycache_free(kc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keycache_hit_and_miss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keycache_negative, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keycache_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keycache_ttl_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keycache_eviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keycache_growth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keycache_odd_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keycache_oom, setup, teardown),
        cmocka_unit_test(test_keycache_ctx_oom),
        cmocka_unit_test_setup_teardown(test_keycache_threads, setup, teardown),
    };
    return cmocka_run_group_tests_name("keycache", tests, NULL, NULL);
}
