/* Internal: the context structure and accessors used by every module. */
#ifndef MAILAUTH__CTX_INT_H
#define MAILAUTH__CTX_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <mailauth/ctx.h>

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
    bool frozen;           /* set when first used: setters then return ESTATE */
};

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
