/* Internal: the environment a protocol module works in.
 *
 * Protocol modules (dns, spf, dkim, arc, dmarc, iprev, ...) never see the
 * configuration context: they are handed this environment, which the ctx
 * embeds and fills through its setters. Once the ctx is in use it is
 * read-only, so a `const mailauth__env_t *` is a stable snapshot that any
 * number of threads may read. The services it points to (key cache, digest
 * kit, Public Suffix List) are locked inside where they change.
 */
#ifndef MAILAUTH__ENV_H
#define MAILAUTH__ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <mailauth/ctx.h>

/* Counts of the public enums, kept out of the public headers (not ABI). */
#define MAILAUTH__LIMIT_COUNT 18u
#define MAILAUTH__FLAG_COUNT 2u

struct mailauth__keycache; /* lib/dkim: decoded DKIM/ARC keys */
struct mailauth__hash_kit; /* lib/crypto: digests fetched once */
struct mailauth__psl;      /* lib/domain: the Public Suffix List */

typedef struct mailauth__env {
    mailauth_allocator_t  al;
    mailauth_clock_fn     clock; /* NULL: the system clocks */
    void                 *clock_ud;
    mailauth_log_fn       log; /* NULL: no logging */
    void                 *log_ud;
    mailauth_log_level_t  log_level;
    uint32_t              limits[MAILAUTH__LIMIT_COUNT];
    bool                  flags[MAILAUTH__FLAG_COUNT];
    mailauth_dmarc_mode_t dmarc_mode;
    mailauth_random_fn    random; /* NULL: the operating system's */
    void                 *random_ud;
    const char           *authserv_id;     /* never NULL */
    const char           *spf_default_exp; /* NULL: none */
    /* Services owned by the ctx. */
    struct mailauth__keycache       *keys;
    const struct mailauth__hash_kit *hashes;
    /* The Public Suffix List, opened on first use (thread-safe); NULL when
     * no list can be had. */
    const struct mailauth__psl *(*psl)(void *ud);
    void *psl_ud;
} mailauth__env_t;

/* The defaults of every limit (documented in include/mailauth/ctx.h). */
extern const uint32_t mailauth__env_default_limits[MAILAUTH__LIMIT_COUNT];

/* Monotonic milliseconds (deadlines, TTLs). */
uint64_t mailauth__env_mono_ms(const mailauth__env_t *env);
/* Wall clock, seconds since the epoch (signature times, SPF %{t}). */
int64_t mailauth__env_wall_s(const mailauth__env_t *env);
/* A limit's value; 0 for an unknown limit. */
uint32_t mailauth__env_limit(const mailauth__env_t *env, mailauth_limit_t l);
/* A flag's value; false for an unknown flag. */
bool mailauth__env_flag(const mailauth__env_t *env, mailauth_flag_t f);
/* A uniformly distributed 32-bit value from the random source. */
uint32_t mailauth__env_random(const mailauth__env_t *env);
/* The Public Suffix List, or NULL. */
const struct mailauth__psl *mailauth__env_psl(const mailauth__env_t *env);
/* printf-style logging; a cheap no-op when the level is off. */
void mailauth__env_log(const mailauth__env_t *env, mailauth_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
