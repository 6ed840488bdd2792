/* Configuration context: defaults, setters (until first use), clocks, logging. */
#include "core/ctx_int.h"

#include <string.h>

#include "dkim/dkim.h"
#include "domain/domain.h"
#include "domain/psl.h"
#include "util/alloc.h"
#include "util/str.h"

static const char default_authserv_id[] = "localhost";

static const struct mailauth__psl *open_psl(void *ud);

static bool
allocator_ok(const mailauth_allocator_t *al)
{
    return al->version == MAILAUTH_ALLOCATOR_VERSION && al->malloc != NULL && al->realloc != NULL &&
           al->free != NULL;
}

mailauth_status_t
mailauth_ctx_new(const mailauth_allocator_t *alloc, mailauth_ctx_t **out)
{
    const mailauth_allocator_t *al = alloc != NULL ? alloc : &mailauth__default_allocator;
    mailauth_ctx_t             *ctx = NULL;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || !allocator_ok(al))
        return MAILAUTH_EINVAL;
    ctx = mailauth__calloc(al, 1, sizeof(*ctx));
    if (ctx == NULL)
        return MAILAUTH_ENOMEM;
    ctx->env.al = *al; /* copied: the caller's struct may go away */
    atomic_init(&ctx->frozen, false);
    ctx->env.log_level = MAILAUTH_LOG_ERROR;
    memcpy(ctx->env.limits, mailauth__env_default_limits, sizeof(ctx->env.limits));
    ctx->methods = MAILAUTH__METHODS_KNOWN;
    ctx->env.dmarc_mode = MAILAUTH_DMARC_RFC7489;
    if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
        mailauth__free(al, ctx);
        return MAILAUTH_ENOMEM;
    }
    mailauth__hash_kit_init(&ctx->hashes);
    ctx->env.hashes = &ctx->hashes;
    ctx->env.psl = open_psl;
    ctx->env.psl_ud = ctx;
    ctx->authserv_id = mailauth__strdup(&ctx->env.al, default_authserv_id);
    ctx->env.authserv_id = ctx->authserv_id;
    if (ctx->authserv_id == NULL ||
        mailauth__keycache_new(&ctx->env, &ctx->env.keys) != MAILAUTH_OK) {
        mailauth_ctx_free(ctx);
        return MAILAUTH_ENOMEM;
    }
    *out = ctx;
    return MAILAUTH_OK;
}

void
mailauth_ctx_free(mailauth_ctx_t *ctx)
{
    mailauth_allocator_t al;
    if (ctx == NULL)
        return;
    al = ctx->env.al; /* the ctx itself is freed with its own allocator */
    mailauth__free(&al, ctx->authserv_id);
    mailauth__free(&al, ctx->spf_default_exp);
    mailauth__psl_close(&al, ctx->psl);
    mailauth__keycache_free(ctx->env.keys);
    mailauth__hash_kit_clear(&ctx->hashes);
    for (size_t i = 0; i < ctx->nsealers; i++)
        mailauth__free(&al, ctx->sealers[i]);
    mailauth__free(&al, ctx->sealers);
    pthread_mutex_destroy(&ctx->lock);
    mailauth__free(&al, ctx);
}

/* RFC 8601 §2.5: authserv-id is a value (token or quoted-string); we accept
 * only what can be emitted bare: printable ASCII without the specials that
 * would end or confuse the field. */
static bool
authserv_id_ok(const char *id)
{
    if (id == NULL || id[0] == '\0')
        return false;
    for (const char *p = id; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x21 || c > 0x7e || c == ';' || c == '(' || c == ')' || c == '"')
            return false;
    }
    return true;
}

mailauth_status_t
mailauth_ctx_set_authserv_id(mailauth_ctx_t *ctx, const char *id)
{
    char *copy = NULL;
    if (ctx == NULL || !authserv_id_ok(id))
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    copy = mailauth__strdup(&ctx->env.al, id);
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__free(&ctx->env.al, ctx->authserv_id);
    ctx->authserv_id = copy;
    ctx->env.authserv_id = copy;
    return MAILAUTH_OK;
}

const char *
mailauth_ctx_authserv_id(const mailauth_ctx_t *ctx)
{
    return ctx != NULL ? ctx->authserv_id : NULL;
}

mailauth_status_t
mailauth_ctx_set_clock(mailauth_ctx_t *ctx, mailauth_clock_fn fn, void *ud)
{
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->env.clock = fn;
    ctx->env.clock_ud = fn != NULL ? ud : NULL;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_ctx_set_logger(mailauth_ctx_t *ctx, mailauth_log_fn fn, void *ud,
                        mailauth_log_level_t max_level)
{
    if (ctx == NULL || (unsigned)max_level > (unsigned)MAILAUTH_LOG_DEBUG)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->env.log = fn;
    ctx->env.log_ud = fn != NULL ? ud : NULL;
    ctx->env.log_level = max_level;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_ctx_set_limit(mailauth_ctx_t *ctx, mailauth_limit_t limit, uint32_t value)
{
    if (ctx == NULL || (unsigned)limit >= MAILAUTH__LIMIT_COUNT || value == 0)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->env.limits[limit] = value;
    return MAILAUTH_OK;
}

uint32_t
mailauth_ctx_limit(const mailauth_ctx_t *ctx, mailauth_limit_t limit)
{
    if (ctx == NULL)
        return 0;
    return mailauth__env_limit(&ctx->env, limit);
}

mailauth_status_t
mailauth_ctx_set_methods(mailauth_ctx_t *ctx, unsigned methods)
{
    if (ctx == NULL || (methods & MAILAUTH__METHODS_KNOWN) == 0)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->methods = methods & MAILAUTH__METHODS_KNOWN;
    return MAILAUTH_OK;
}

unsigned
mailauth_ctx_methods(const mailauth_ctx_t *ctx)
{
    return ctx != NULL ? ctx->methods : 0;
}

mailauth_status_t
mailauth_ctx_set_spf_default_explanation(mailauth_ctx_t *ctx, const char *text)
{
    char *copy = NULL;
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    if (text != NULL) {
        copy = mailauth__strdup(&ctx->env.al, text);
        if (copy == NULL)
            return MAILAUTH_ENOMEM;
    }
    mailauth__free(&ctx->env.al, ctx->spf_default_exp);
    ctx->spf_default_exp = copy;
    ctx->env.spf_default_exp = copy;
    return MAILAUTH_OK;
}

void
mailauth__ctx_freeze(mailauth_ctx_t *ctx)
{
    /* Atomic: threads sharing a ctx not used yet may all make their first
     * resolver or eval at once. Written only once, then only read. Relaxed:
     * the flag publishes nothing; the caller's hand-over of the ctx to its
     * threads (pthread_create, a queue) orders the setters before any use. */
    if (ctx != NULL && !atomic_load_explicit(&ctx->frozen, memory_order_relaxed))
        atomic_store_explicit(&ctx->frozen, true, memory_order_relaxed);
}






mailauth_status_t
mailauth_ctx_set_flag(mailauth_ctx_t *ctx, mailauth_flag_t flag, int on)
{
    if (ctx == NULL || (unsigned)flag >= MAILAUTH__FLAG_COUNT)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->env.flags[flag] = on != 0;
    return MAILAUTH_OK;
}

int
mailauth_ctx_flag(const mailauth_ctx_t *ctx, mailauth_flag_t flag)
{
    return ctx != NULL && mailauth__env_flag(&ctx->env, flag) ? 1 : 0;
}


mailauth_status_t
mailauth_ctx_set_dmarc_mode(mailauth_ctx_t *ctx, mailauth_dmarc_mode_t mode)
{
    if (ctx == NULL || (mode != MAILAUTH_DMARC_RFC7489 && mode != MAILAUTH_DMARC_RFC9989))
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->env.dmarc_mode = mode;
    return MAILAUTH_OK;
}

mailauth_dmarc_mode_t
mailauth_ctx_dmarc_mode(const mailauth_ctx_t *ctx)
{
    return ctx != NULL ? ctx->env.dmarc_mode : MAILAUTH_DMARC_RFC7489;
}

mailauth_status_t
mailauth_ctx_set_psl_file(mailauth_ctx_t *ctx, const char *path)
{
    mailauth__psl_t  *psl = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    if (path != NULL) {
        st = mailauth__psl_open(&ctx->env.al, path, &psl);
        if (st != MAILAUTH_OK)
            return st;
    }
    mailauth__psl_close(&ctx->env.al, ctx->psl);
    ctx->psl = psl; /* NULL: the default, opened on first use */
    ctx->psl_failed = false;
    return MAILAUTH_OK;
}

/* env.psl: the list, opened on first use. */
static const struct mailauth__psl *
open_psl(void *ud)
{
    mailauth_ctx_t             *ctx = ud;
    const struct mailauth__psl *psl = NULL;
    /* Opened lazily (most ctx never run DMARC); threads may race here. */
    pthread_mutex_lock(&ctx->lock);
    if (ctx->psl == NULL && !ctx->psl_failed &&
        mailauth__psl_open(&ctx->env.al, NULL, &ctx->psl) != MAILAUTH_OK)
        ctx->psl_failed = true;
    psl = ctx->psl;
    pthread_mutex_unlock(&ctx->lock);
    return psl;
}

mailauth_status_t
mailauth_ctx_set_random(mailauth_ctx_t *ctx, mailauth_random_fn fn, void *ud)
{
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->env.random = fn;
    ctx->env.random_ud = fn != NULL ? ud : NULL;
    return MAILAUTH_OK;
}


mailauth_status_t
mailauth_ctx_add_trusted_sealer(mailauth_ctx_t *ctx, const char *domain)
{
    size_t n = 0;
    char  *copy = NULL;
    char **grown = NULL;
    if (ctx == NULL || domain == NULL)
        return MAILAUTH_EINVAL;
    n = strlen(domain);
    if (n > 0 && domain[n - 1] == '.')
        n--;
    if (n == 0 || !mailauth__domain_check(domain, n, MAILAUTH__DOMAIN_LDH))
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    copy = mailauth__strndup(&ctx->env.al, domain, n);
    grown = mailauth__realloc(&ctx->env.al, ctx->sealers, (ctx->nsealers + 1) * sizeof(*grown));
    if (copy == NULL || grown == NULL) {
        mailauth__free(&ctx->env.al, copy);
        if (grown != NULL)
            ctx->sealers = grown;
        return MAILAUTH_ENOMEM;
    }
    mailauth__lower_inplace(copy, n);
    ctx->sealers = grown;
    ctx->sealers[ctx->nsealers++] = copy;
    return MAILAUTH_OK;
}

bool
mailauth__ctx_sealer_trusted(const mailauth_ctx_t *ctx, const char *domain, size_t len)
{
    if (len > 0 && domain[len - 1] == '.')
        len--;
    for (size_t i = 0; i < ctx->nsealers; i++)
        if (strlen(ctx->sealers[i]) == len && mailauth__eq_ci_n(ctx->sealers[i], domain, len))
            return true;
    return false;
}
