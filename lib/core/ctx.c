/* Configuration context: defaults, setters (until first use), clocks, logging. */
#include "core/ctx_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sys/random.h>

#include "dkim/dkim.h"
#include "domain/domain.h"
#include "domain/psl.h"
#include "util/alloc.h"
#include "util/str.h"

/* Defaults documented next to each limit in include/mailauth/ctx.h. */
static const uint32_t default_limits[MAILAUTH_LIMIT__COUNT] = {
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

static const char default_authserv_id[] = "localhost";

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
    ctx->al = *al; /* copied: the caller's struct may go away */
    atomic_init(&ctx->frozen, false);
    ctx->log_level = MAILAUTH_LOG_ERROR;
    memcpy(ctx->limits, default_limits, sizeof(ctx->limits));
    ctx->methods = MAILAUTH_METHOD_ALL;
    ctx->dmarc_mode = MAILAUTH_DMARC_RFC7489;
    if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
        mailauth__free(al, ctx);
        return MAILAUTH_ENOMEM;
    }
    mailauth__hash_kit_init(&ctx->hashes);
    ctx->authserv_id = mailauth__strdup(&ctx->al, default_authserv_id);
    if (ctx->authserv_id == NULL || mailauth__keycache_new(&ctx->al, &ctx->keys) != MAILAUTH_OK) {
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
    al = ctx->al; /* the ctx itself is freed with its own allocator */
    mailauth__free(&al, ctx->authserv_id);
    mailauth__free(&al, ctx->spf_default_exp);
    mailauth__psl_close(&al, ctx->psl);
    mailauth__keycache_free(ctx->keys);
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
    copy = mailauth__strdup(&ctx->al, id);
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__free(&ctx->al, ctx->authserv_id);
    ctx->authserv_id = copy;
    return MAILAUTH_OK;
}

const char *
mailauth_ctx_get_authserv_id(const mailauth_ctx_t *ctx)
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
    ctx->clock = fn;
    ctx->clock_ud = fn != NULL ? ud : NULL;
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
    ctx->log = fn;
    ctx->log_ud = fn != NULL ? ud : NULL;
    ctx->log_level = max_level;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_ctx_set_limit(mailauth_ctx_t *ctx, mailauth_limit_t limit, uint32_t value)
{
    if (ctx == NULL || (unsigned)limit >= (unsigned)MAILAUTH_LIMIT__COUNT || value == 0)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->limits[limit] = value;
    return MAILAUTH_OK;
}

uint32_t
mailauth_ctx_get_limit(const mailauth_ctx_t *ctx, mailauth_limit_t limit)
{
    if (ctx == NULL || (unsigned)limit >= (unsigned)MAILAUTH_LIMIT__COUNT)
        return 0;
    return ctx->limits[limit];
}

mailauth_status_t
mailauth_ctx_set_methods(mailauth_ctx_t *ctx, unsigned methods)
{
    if (ctx == NULL || (methods & (unsigned)MAILAUTH_METHOD_ALL) == 0)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->methods = methods & (unsigned)MAILAUTH_METHOD_ALL;
    return MAILAUTH_OK;
}

unsigned
mailauth_ctx_get_methods(const mailauth_ctx_t *ctx)
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
        copy = mailauth__strdup(&ctx->al, text);
        if (copy == NULL)
            return MAILAUTH_ENOMEM;
    }
    mailauth__free(&ctx->al, ctx->spf_default_exp);
    ctx->spf_default_exp = copy;
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

static uint64_t
timespec_ms(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
mailauth__ctx_mono_ms(const mailauth_ctx_t *ctx)
{
    if (ctx != NULL && ctx->clock != NULL)
        return ctx->clock(ctx->clock_ud, MAILAUTH_CLOCK_MONOTONIC);
    return timespec_ms(CLOCK_MONOTONIC);
}

int64_t
mailauth__ctx_wall_s(const mailauth_ctx_t *ctx)
{
    uint64_t ms = 0;
    if (ctx != NULL && ctx->clock != NULL)
        ms = ctx->clock(ctx->clock_ud, MAILAUTH_CLOCK_WALL);
    else
        ms = timespec_ms(CLOCK_REALTIME);
    return (int64_t)(ms / 1000u);
}

uint32_t
mailauth__ctx_limit(const mailauth_ctx_t *ctx, mailauth_limit_t l)
{
    if ((unsigned)l >= (unsigned)MAILAUTH_LIMIT__COUNT)
        return 0;
    if (ctx == NULL)
        return default_limits[l];
    return ctx->limits[l];
}

void
mailauth__log(const mailauth_ctx_t *ctx, mailauth_log_level_t level, const char *fmt, ...)
{
    char    msg[512]; /* longer messages are truncated, never allocated */
    va_list ap;
    if (ctx == NULL || ctx->log == NULL || level > ctx->log_level || fmt == NULL)
        return;
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    ctx->log(ctx->log_ud, level, msg);
}

mailauth_status_t
mailauth_ctx_set_flag(mailauth_ctx_t *ctx, mailauth_flag_t flag, int on)
{
    if (ctx == NULL || (unsigned)flag >= (unsigned)MAILAUTH_FLAG__COUNT)
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->flags[flag] = on != 0;
    return MAILAUTH_OK;
}

int
mailauth_ctx_get_flag(const mailauth_ctx_t *ctx, mailauth_flag_t flag)
{
    return mailauth__ctx_flag(ctx, flag) ? 1 : 0;
}

bool
mailauth__ctx_flag(const mailauth_ctx_t *ctx, mailauth_flag_t f)
{
    return ctx != NULL && (unsigned)f < (unsigned)MAILAUTH_FLAG__COUNT && ctx->flags[f];
}

mailauth_status_t
mailauth_ctx_set_dmarc_mode(mailauth_ctx_t *ctx, mailauth_dmarc_mode_t mode)
{
    if (ctx == NULL || (mode != MAILAUTH_DMARC_RFC7489 && mode != MAILAUTH_DMARC_RFC9989))
        return MAILAUTH_EINVAL;
    if (ctx->frozen)
        return MAILAUTH_ESTATE;
    ctx->dmarc_mode = mode;
    return MAILAUTH_OK;
}

mailauth_dmarc_mode_t
mailauth_ctx_get_dmarc_mode(const mailauth_ctx_t *ctx)
{
    return ctx != NULL ? ctx->dmarc_mode : MAILAUTH_DMARC_RFC7489;
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
        st = mailauth__psl_open(&ctx->al, path, &psl);
        if (st != MAILAUTH_OK)
            return st;
    }
    mailauth__psl_close(&ctx->al, ctx->psl);
    ctx->psl = psl; /* NULL: the default, opened on first use */
    ctx->psl_failed = false;
    return MAILAUTH_OK;
}

const struct mailauth__psl *
mailauth__ctx_psl(mailauth_ctx_t *ctx)
{
    const struct mailauth__psl *psl = NULL;
    /* Opened lazily (most ctx never run DMARC); threads may race here. */
    pthread_mutex_lock(&ctx->lock);
    if (ctx->psl == NULL && !ctx->psl_failed &&
        mailauth__psl_open(&ctx->al, NULL, &ctx->psl) != MAILAUTH_OK)
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
    ctx->random = fn;
    ctx->random_ud = fn != NULL ? ud : NULL;
    return MAILAUTH_OK;
}

uint32_t
mailauth__ctx_random(const mailauth_ctx_t *ctx)
{
    uint32_t v = 0;
    if (ctx->random != NULL)
        return ctx->random(ctx->random_ud);
    /* Sampling needs no secrecy, only no bias an attacker can steer. */
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        v = (uint32_t)mailauth__ctx_mono_ms(ctx) * 2654435761u;
    return v;
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
    copy = mailauth__strndup(&ctx->al, domain, n);
    grown = mailauth__realloc(&ctx->al, ctx->sealers, (ctx->nsealers + 1) * sizeof(*grown));
    if (copy == NULL || grown == NULL) {
        mailauth__free(&ctx->al, copy);
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
