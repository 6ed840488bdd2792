/* Internal to lib/core: the context structure. Protocol modules never see
 * it: they get the environment it embeds (util/env.h). */
#ifndef MAILAUTH__CTX_INT_H
#define MAILAUTH__CTX_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <mailauth/ctx.h>

#include "crypto/crypto.h"
#include "util/env.h"

/* The method bits this version knows (mailauth_method_t). */
#define MAILAUTH__METHODS_KNOWN                                                                   \
    ((unsigned)(MAILAUTH_METHOD_SPF | MAILAUTH_METHOD_DKIM | MAILAUTH_METHOD_DMARC |              \
                MAILAUTH_METHOD_ARC | MAILAUTH_METHOD_IPREV))

struct mailauth_ctx {
    mailauth__env_t env;      /* what protocol modules see; read-only once frozen */
    atomic_bool     frozen;   /* set when first used (by any thread): setters then return ESTATE */
    unsigned        methods;  /* MAILAUTH_METHOD_* bits */
    char           *authserv_id;     /* env.authserv_id points here */
    char           *spf_default_exp; /* env.spf_default_exp points here; NULL: none */
    struct mailauth__psl *psl;        /* NULL: the default list, opened on first use */
    bool                  psl_failed; /* the default list could not be opened */
    pthread_mutex_t       lock;       /* guards the lazy psl; the key cache has its own */
    char                **sealers;    /* trusted ARC sealer domains, lower case */
    size_t                nsealers;
    mailauth__hash_kit_t  hashes; /* digests fetched once, shared by threads (env.hashes) */
};

/* The environment handed to protocol modules. */
static inline const mailauth__env_t *
mailauth__ctx_env(const mailauth_ctx_t *ctx)
{
    return &ctx->env;
}

/* True if `domain` (any case, no trailing dot) is a trusted ARC sealer. */
bool mailauth__ctx_sealer_trusted(const mailauth_ctx_t *ctx, const char *domain, size_t len);

/* Mark the ctx as in use (read-only from now on). */
void mailauth__ctx_freeze(mailauth_ctx_t *ctx);

/* Shorthands over the environment, for lib/core. */
#define mailauth__ctx_mono_ms(ctx)   mailauth__env_mono_ms(&(ctx)->env)
#define mailauth__ctx_wall_s(ctx)    mailauth__env_wall_s(&(ctx)->env)
#define mailauth__ctx_limit(ctx, l)  mailauth__env_limit(&(ctx)->env, (l))
#define mailauth__ctx_flag(ctx, f)   mailauth__env_flag(&(ctx)->env, (f))
#define mailauth__ctx_random(ctx)    mailauth__env_random(&(ctx)->env)
#define mailauth__ctx_psl(ctx)       mailauth__env_psl(&(ctx)->env)
#define mailauth__log(ctx, ...)      mailauth__env_log(&(ctx)->env, __VA_ARGS__)

#endif
