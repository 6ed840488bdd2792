/* The resolver constructors that take a ctx (include/mailauth/dns.h and
 * ares.h): lib/dns works in the ctx's environment and never sees the ctx,
 * so the ctx is frozen here, once the resolver exists (a failed call
 * leaves it as it was). */
#include <mailauth/cares.h>
#include <mailauth/dns.h>

#include <stdbool.h>
#include <stdint.h>

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

/* --- the blocking lookup: the asynchronous one, run until answered --- */

struct sync_lookup {
    mailauth_dns_answer_fn fn;
    void                  *ud;
    bool                   done;
};

static void
sync_answer(void *ud, const mailauth_dns_answer_t *answer)
{
    struct sync_lookup *s = ud;
    s->done = true;
    s->fn(s->ud, answer);
}

mailauth_status_t
mailauth_resolver_lookup_sync(mailauth_resolver_t *r, const char *name, mailauth_dns_type_t type,
                              int timeout_ms, mailauth_dns_answer_fn fn, void *ud)
{
    struct sync_lookup      s = {.fn = fn, .ud = ud, .done = false};
    mailauth__dns_lookup_t *l = NULL;
    mailauth_status_t       st;
    uint64_t                end = 0;
    const mailauth__env_t  *env = mailauth__resolver_env(r);
    if (fn == NULL)
        return MAILAUTH_EINVAL;
    st = mailauth__dns_lookup_start(r, name, type, sync_answer, &s, &l);
    if (st != MAILAUTH_OK)
        return st;
    if (timeout_ms >= 0)
        end = mailauth__env_mono_ms(env) + (uint64_t)timeout_ms;
    while (!s.done) {
        int wait = -1;
        if (timeout_ms >= 0) {
            uint64_t now = mailauth__env_mono_ms(env);
            if (now >= end) {
                mailauth__dns_lookup_cancel(r, l);
                return MAILAUTH_ETIMEOUT;
            }
            wait = (int)(end - now);
        }
        st = mailauth_resolver_run_once(r, wait);
        if (st != MAILAUTH_OK && !s.done) {
            mailauth__dns_lookup_cancel(r, l);
            return st;
        }
    }
    return MAILAUTH_OK;
}
