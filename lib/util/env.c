/* The environment of protocol modules: clocks, limits, flags, randomness, logging. */
#include "util/env.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <sys/random.h>

const uint32_t mailauth__env_default_limits[MAILAUTH__LIMIT_COUNT] = {
    [MAILAUTH_LIMIT_SPF_DNS_TERMS] = 10,   /* RFC 7208 §4.6.4 */
    [MAILAUTH_LIMIT_SPF_VOID_LOOKUPS] = 2, /* RFC 7208 §4.6.4 */
    [MAILAUTH_LIMIT_SPF_MX_NAMES] = 10,    /* RFC 7208 §4.6.4 */
    [MAILAUTH_LIMIT_SPF_PTR_NAMES] = 10,   /* RFC 7208 §4.6.4 */
    [MAILAUTH_LIMIT_DNS_QUERIES] = 64,
    [MAILAUTH_LIMIT_DNS_TIMEOUT_MS] = 5000,
    [MAILAUTH_LIMIT_EVAL_TIMEOUT_MS] = 20000,
    [MAILAUTH_LIMIT_DNS_CACHE_ENTRIES] = 4096,
    [MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX] = 3600,
    [MAILAUTH_LIMIT_HEADER_MAX_BYTES] = 65536,
    [MAILAUTH_LIMIT_HEADER_MAX_COUNT] = 1000,
    [MAILAUTH_LIMIT_DKIM_SIGNATURES] = 8,
    [MAILAUTH_LIMIT_RSA_MIN_BITS] = 1024, /* RFC 8301 §3.2 */
    [MAILAUTH_LIMIT_RSA_MAX_BITS] = 8192,
    [MAILAUTH_LIMIT_ARC_INSTANCES] = 50, /* RFC 8617 §4.2.1 */
    [MAILAUTH_LIMIT_DKIM_CLOCK_SKEW_S] = 300,
    [MAILAUTH_LIMIT_DKIM_KEY_CACHE_ENTRIES] = 1024,
    [MAILAUTH_LIMIT_DMARC_TREEWALK_QUERIES] = 8, /* RFC 9989 tree walk */
};

static uint64_t
timespec_ms(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
mailauth__env_mono_ms(const mailauth__env_t *env)
{
    if (env != NULL && env->clock != NULL)
        return env->clock(env->clock_ud, MAILAUTH_CLOCK_MONOTONIC);
    return timespec_ms(CLOCK_MONOTONIC);
}

int64_t
mailauth__env_wall_s(const mailauth__env_t *env)
{
    uint64_t ms = 0;
    if (env != NULL && env->clock != NULL)
        ms = env->clock(env->clock_ud, MAILAUTH_CLOCK_WALL);
    else
        ms = timespec_ms(CLOCK_REALTIME);
    return (int64_t)(ms / 1000u);
}

uint32_t
mailauth__env_limit(const mailauth__env_t *env, mailauth_limit_t l)
{
    if ((unsigned)l >= MAILAUTH__LIMIT_COUNT)
        return 0;
    return env != NULL ? env->limits[l] : mailauth__env_default_limits[l];
}

bool
mailauth__env_flag(const mailauth__env_t *env, mailauth_flag_t f)
{
    return env != NULL && (unsigned)f < MAILAUTH__FLAG_COUNT && env->flags[f];
}

uint32_t
mailauth__env_random(const mailauth__env_t *env)
{
    uint32_t v = 0;
    if (env->random != NULL)
        return env->random(env->random_ud);
    /* Sampling needs no secrecy, only no bias an attacker can steer. */
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        v = (uint32_t)mailauth__env_mono_ms(env) * 2654435761u;
    return v;
}

const struct mailauth__psl *
mailauth__env_psl(const mailauth__env_t *env)
{
    return env->psl != NULL ? env->psl(env->psl_ud) : NULL;
}

void
mailauth__env_log(const mailauth__env_t *env, mailauth_log_level_t level, const char *fmt, ...)
{
    char    msg[512]; /* longer messages are truncated, never allocated */
    va_list ap;
    if (env == NULL || env->log == NULL || level > env->log_level || fmt == NULL)
        return;
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    env->log(env->log_ud, level, msg);
}
