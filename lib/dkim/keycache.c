/* The ctx key cache: decoded DKIM/ARC keys (and refused records) by owner
 * name, shared by every thread that uses the ctx. A chained hash table
 * plus a list in insertion order (oldest evicted first), behind one mutex.
 * Keys are reference-counted, so a reader keeps its copy after the entry
 * is replaced or evicted; entries leave the table under the lock and are
 * freed after it is released. Limits and the clock are read from the
 * environment the cache was made with (the ctx's, embedded in it: the
 * values its setters give are seen, however late). */
#include "dkim/dkim.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"
#include "util/env.h"
#include "util/str.h"

#define OWNER_MAX 255u    /* a DNS name in text form, without the trailing dot */
#define BUCKETS_FIRST 64u /* grows by doubling while entries outnumber buckets */

typedef struct kc_entry kc_entry_t;
struct kc_entry {
    kc_entry_t       *chain;        /* next in the bucket (or in a list of dropped entries) */
    kc_entry_t       *older, *newer; /* insertion order */
    uint64_t          expires_ms;   /* on the monotonic clock */
    uint32_t          hash;
    mailauth__key_t   key;          /* holds one reference to key.pub */
    mailauth_reason_t reason;
    size_t            owner_len;
    char              owner[];      /* lower case, NUL-terminated */
};

struct mailauth__keycache {
    const mailauth__env_t *env;
    mailauth_allocator_t   al;
    pthread_mutex_t        lock;
    kc_entry_t           **buckets;
    size_t                 nbuckets; /* a power of two */
    size_t                 count;
    kc_entry_t            *oldest, *newest;
    uint32_t               seed;
};

/* Lower case, one trailing dot dropped; false if it cannot be a name. */
static bool
normalize(const char *owner, char *buf, size_t *n)
{
    size_t len = 0;
    if (owner == NULL)
        return false;
    while (len < OWNER_MAX + 2 && owner[len] != '\0')
        len++; /* stops past OWNER_MAX + a dot: too long either way */
    if (len > 0 && owner[len - 1] == '.')
        len--;
    if (len == 0 || len > OWNER_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)mailauth__to_lower((unsigned char)owner[i]);
    buf[len] = '\0';
    *n = len;
    return true;
}

/* FNV-1a, seeded per cache so that colliding names are not known in advance. */
static uint32_t
hash_name(uint32_t seed, const char *s, size_t n)
{
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

mailauth_status_t
mailauth__keycache_new(const mailauth__env_t *env, mailauth__keycache_t **out)
{
    const mailauth_allocator_t *al = NULL;
    mailauth__keycache_t       *kc = NULL;
    if (out == NULL)
        return MAILAUTH_EINVAL;
    *out = NULL;
    if (env == NULL)
        return MAILAUTH_EINVAL;
    al = &env->al;
    kc = mailauth__calloc(al, 1, sizeof(*kc));
    if (kc == NULL)
        return MAILAUTH_ENOMEM;
    kc->env = env;
    kc->al = *al;
    kc->buckets = mailauth__calloc(al, BUCKETS_FIRST, sizeof(*kc->buckets));
    if (kc->buckets == NULL || pthread_mutex_init(&kc->lock, NULL) != 0) {
        mailauth__free(al, kc->buckets);
        mailauth__free(al, kc);
        return MAILAUTH_ENOMEM;
    }
    kc->nbuckets = BUCKETS_FIRST;
    /* Address bits differ between processes (ASLR); no secrecy is needed,
     * only a table layout an attacker cannot compute in advance. */
    kc->seed = (uint32_t)((uintptr_t)kc >> 4) * 2654435761u;
    *out = kc;
    return MAILAUTH_OK;
}

static void
entry_free(const mailauth_allocator_t *al, kc_entry_t *e)
{
    while (e != NULL) {
        kc_entry_t *next = e->chain;
        mailauth__key_clear(&e->key);
        mailauth__free(al, e);
        e = next;
    }
}

void
mailauth__keycache_free(mailauth__keycache_t *kc)
{
    mailauth_allocator_t al;
    kc_entry_t          *e;
    if (kc == NULL)
        return;
    al = kc->al;
    e = kc->oldest;
    while (e != NULL) {
        kc_entry_t *next = e->newer;
        e->chain = NULL;
        entry_free(&al, e);
        e = next;
    }
    pthread_mutex_destroy(&kc->lock);
    mailauth__free(&al, kc->buckets);
    mailauth__free(&al, kc);
}

/* Take e out of the table and the order list (lock held); it goes onto *dead. */
static void
unlink_entry(mailauth__keycache_t *kc, kc_entry_t *e, kc_entry_t **dead)
{
    kc_entry_t **pp = &kc->buckets[e->hash & (kc->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        kc->oldest = e->newer;
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        kc->newest = e->older;
    kc->count--;
    e->chain = *dead;
    *dead = e;
}

static kc_entry_t *
find(const mailauth__keycache_t *kc, uint32_t h, const char *name, size_t n)
{
    kc_entry_t *e = kc->buckets[h & (kc->nbuckets - 1)];
    for (; e != NULL; e = e->chain) {
        if (e->hash == h && e->owner_len == n && memcmp(e->owner, name, n) == 0)
            return e;
    }
    return NULL;
}

bool
mailauth__keycache_get(mailauth__keycache_t *kc, const char *owner, mailauth__key_t *out,
                       mailauth_reason_t *reason)
{
    char        name[OWNER_MAX + 1];
    size_t      n = 0;
    uint32_t    h;
    uint64_t    now;
    kc_entry_t *e, *dead = NULL;
    bool        hit = false;
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (reason != NULL)
        *reason = MAILAUTH_REASON_NONE;
    if (kc == NULL || out == NULL || reason == NULL || !normalize(owner, name, &n))
        return false;
    h = hash_name(kc->seed, name, n);
    now = mailauth__env_mono_ms(kc->env);
    pthread_mutex_lock(&kc->lock);
    e = find(kc, h, name, n);
    if (e != NULL && now >= e->expires_ms) {
        unlink_entry(kc, e, &dead);
    } else if (e != NULL) {
        *out = e->key;
        if (out->pub != NULL)
            mailauth__pubkey_ref(out->pub);
        *reason = e->reason;
        hit = true;
    }
    pthread_mutex_unlock(&kc->lock);
    entry_free(&kc->al, dead);
    return hit;
}

/* Double the buckets while entries outnumber them, up to the capacity
 * (lock held). A failed allocation keeps the old table: longer chains. */
static void
maybe_grow(mailauth__keycache_t *kc, size_t cap)
{
    kc_entry_t **nb;
    size_t       nn = kc->nbuckets * 2;
    if (kc->count < kc->nbuckets || kc->nbuckets >= cap || nn < kc->nbuckets)
        return;
    nb = mailauth__calloc(&kc->al, nn, sizeof(*nb));
    if (nb == NULL)
        return;
    for (kc_entry_t *e = kc->oldest; e != NULL; e = e->newer) {
        e->chain = nb[e->hash & (nn - 1)];
        nb[e->hash & (nn - 1)] = e;
    }
    mailauth__free(&kc->al, kc->buckets);
    kc->buckets = nb;
    kc->nbuckets = nn;
}

/* A new entry, not yet in the table; NULL on ENOMEM. */
static kc_entry_t *
entry_new(mailauth__keycache_t *kc, const char *name, size_t n, const mailauth__key_t *k)
{
    kc_entry_t *e = mailauth__malloc(&kc->al, sizeof(*e) + n + 1);
    if (e == NULL)
        return NULL;
    memset(e, 0, sizeof(*e));
    memcpy(e->owner, name, n + 1);
    e->owner_len = n;
    e->hash = hash_name(kc->seed, name, n);
    if (k != NULL) {
        e->key = *k;
        if (k->pub != NULL)
            e->key.pub = mailauth__pubkey_ref(k->pub);
    }
    return e;
}

void
mailauth__keycache_put(mailauth__keycache_t *kc, const char *owner, const mailauth__key_t *k,
                       mailauth_reason_t reason, uint32_t ttl)
{
    char        name[OWNER_MAX + 1];
    size_t      n = 0;
    size_t      cap = 0;
    uint32_t    ttl_max = 0;
    kc_entry_t *e = NULL, *old, *dead = NULL;
    if (kc == NULL || !normalize(owner, name, &n))
        return;
    cap = mailauth__env_limit(kc->env, MAILAUTH_LIMIT_DKIM_KEY_CACHE_ENTRIES);
    ttl_max = mailauth__env_limit(kc->env, MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX);
    if (ttl > ttl_max)
        ttl = ttl_max;
    /* A TTL of 0 means "do not cache" (RFC 1035 §3.2.1); the old entry,
     * if any, still goes. A failed allocation only loses the caching. */
    if (ttl > 0 && cap > 0 && (e = entry_new(kc, name, n, k)) != NULL) {
        e->reason = reason;
        uint64_t now = mailauth__env_mono_ms(kc->env), life = (uint64_t)ttl * 1000u;
        e->expires_ms = now > UINT64_MAX - life ? UINT64_MAX : now + life;
    }
    pthread_mutex_lock(&kc->lock);
    old = find(kc, hash_name(kc->seed, name, n), name, n);
    if (old != NULL)
        unlink_entry(kc, old, &dead);
    if (e != NULL) {
        while (kc->count >= cap && kc->oldest != NULL)
            unlink_entry(kc, kc->oldest, &dead);
        maybe_grow(kc, cap);
        e->chain = kc->buckets[e->hash & (kc->nbuckets - 1)];
        kc->buckets[e->hash & (kc->nbuckets - 1)] = e;
        e->older = kc->newest;
        if (kc->newest != NULL)
            kc->newest->newer = e;
        else
            kc->oldest = e;
        kc->newest = e;
        kc->count++;
    }
    pthread_mutex_unlock(&kc->lock);
    entry_free(&kc->al, dead);
}
