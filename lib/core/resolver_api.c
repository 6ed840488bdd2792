/* The resolver constructors that take a ctx (include/mailauth/dns.h and
 * ares.h): lib/dns works in the ctx's environment and never sees the ctx,
 * so the ctx is frozen here, once the resolver exists (a failed call
 * leaves it as it was). */
#include <mailauth/cares.h>
#include <mailauth/dns.h>

#include "core/ctx_int.h"
#include "dns/dns.h"
#include "dns/dns_ares.h"

/* The status of a constructor; on success the ctx is in use from now on. */
static mailauth_status_t
made(mailauth_ctx_t *ctx, mailauth_status_t st)
{
    if (st == MAILAUTH_OK)
        mailauth__ctx_freeze(ctx);
    return st;
}

mailauth_status_t
mailauth_resolver_new_ares(mailauth_ctx_t *ctx, const char *servers, mailauth_resolver_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    return made(ctx, mailauth__resolver_new_ares(mailauth__ctx_env(ctx), servers, out));
}

mailauth_status_t
mailauth_resolver_new_ares_channel(mailauth_ctx_t *ctx, ares_channel channel,
                                   mailauth_resolver_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    return made(ctx, mailauth__resolver_new_ares_channel(mailauth__ctx_env(ctx), channel, out));
}

mailauth_status_t
mailauth_resolver_new_zone(mailauth_ctx_t *ctx, const char *text, size_t len, size_t *errline,
                           mailauth_resolver_t **out)
{
    if (errline != NULL)
        *errline = 0;
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    return made(ctx, mailauth__resolver_new_zone(mailauth__ctx_env(ctx), text, len, errline, out));
}

mailauth_status_t
mailauth_resolver_new_custom(mailauth_ctx_t *ctx, const mailauth_dns_ops_t *ops,
                             mailauth_resolver_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    return made(ctx, mailauth__resolver_new_custom(mailauth__ctx_env(ctx), ops, out));
}
