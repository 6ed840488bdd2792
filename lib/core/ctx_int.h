/* Internal: the context structure and accessors used by every module. */
#ifndef MAILAUTH__CTX_INT_H
#define MAILAUTH__CTX_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <mailauth/ctx.h>

#include "crypto/crypto.h"

struct mailauth_ctx {
    mailauth_allocator_t al;
    mailauth_clock_fn clock;
    void *clock_ud;
    mailauth_log_fn log;
    void *log_ud;
    mailauth_log_level_t log_level;
    uint32_t limits[MAILAUTH_LIMIT__COUNT];
    unsigned methods;
    char *authserv_id;
    char *spf_default_exp; /* NULL: none */
    atomic_bool frozen;    /* set when first used (by any thread): setters then return ESTATE */
    bool flags[MAILAUTH_FLAG__COUNT];
    mailauth_dmarc_mode_t dmarc_mode;
    struct mailauth__psl *psl; /* NULL: the default list, opened on first use */
    bool psl_failed;           /* the default list could not be opened */
    pthread_mutex_t lock;      /* guards the lazy psl; the key cache has its own */
    mailauth_random_fn random;
    void *random_ud;
    char **sealers;            /* trusted ARC sealer domains, lower case */
    size_t nsealers;
    struct mailauth__keycache *keys; /* decoded DKIM/ARC keys, shared by threads (lib/dkim) */
    mailauth__hash_kit_t hashes;     /* digests fetched once, shared by threads (lib/crypto) */
};

/* The Public Suffix List (opened on first use, thread-safe); NULL only
 * when no list can be had (ENOMEM or no list at all). */
const struct mailauth__psl *mailauth__ctx_psl(mailauth_ctx_t *ctx);
/* Flag value. */
bool mailauth__ctx_flag(const mailauth_ctx_t *ctx, mailauth_flag_t f);
/* A uniformly distributed 32-bit value from the ctx random source. */
uint32_t mailauth__ctx_random(const mailauth_ctx_t *ctx);
/* True if `domain` (any case, no trailing dot) is a trusted ARC sealer. */
bool mailauth__ctx_sealer_trusted(const mailauth_ctx_t *ctx, const char *domain, size_t len);

/* Mark the ctx as in use (read-only from now on). */
void mailauth__ctx_freeze(mailauth_ctx_t *ctx);
/* Monotonic milliseconds (deadlines, TTLs). */
uint64_t mailauth__ctx_mono_ms(const mailauth_ctx_t *ctx);
/* Wall clock, seconds since the epoch (signature times, SPF %{t}). */
int64_t mailauth__ctx_wall_s(const mailauth_ctx_t *ctx);
/* Limit value (no range check needed by callers). */
uint32_t mailauth__ctx_limit(const mailauth_ctx_t *ctx, mailauth_limit_t l);
/* printf-style logging; cheap no-op when the level is off. */
void mailauth__log(const mailauth_ctx_t *ctx, mailauth_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
