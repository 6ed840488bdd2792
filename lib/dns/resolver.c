/* The resolver object and its run loop: wakes, timers (driver, question
 * timeouts, client deadlines), blocking wait, statistics. Wake callbacks run
 * only from here. The question table (qtab.c) and the lists of clients
 * (client_lists.c) are below it; drivers are reached through r->drv. */
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>

#include "dns/dns_int.h"
#include "util/alloc.h"

#define WAKE_PASSES 4 /* wakes queued by wakes run in the same call, this many rounds */

mailauth_status_t
mailauth__dns_resolver_new(const mailauth__env_t *env, const mailauth__dns_drv_t *drv,
                           mailauth_resolver_t **out)
{
    mailauth_resolver_t *r;
    *out = NULL;
    r = mailauth__calloc(&env->al, 1, sizeof(*r));
    if (r == NULL)
        return MAILAUTH_ENOMEM;
    r->env = env;
    r->al = &env->al;
    r->drv = drv;
    r->wakeq.link = offsetof(mailauth__dnsc_t, wake_link);
    r->doneq.link = offsetof(mailauth__dnsc_t, done_link);
    r->q_timeout_ms = mailauth__env_limit(env, MAILAUTH_LIMIT_DNS_TIMEOUT_MS);
    r->cache_max = mailauth__env_limit(env, MAILAUTH_LIMIT_DNS_CACHE_ENTRIES);
    r->ttl_max_s = mailauth__env_limit(env, MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX);
    if (mailauth__dns_qtab_init(r) != MAILAUTH_OK) {
        mailauth__free(r->al, r);
        return MAILAUTH_ENOMEM;
    }
    *out = r;
    return MAILAUTH_OK;
}

void
mailauth_resolver_free(mailauth_resolver_t *r)
{
    if (r == NULL)
        return;
    /* Lookups hold questions: they go first. Pending questions are
     * canceled in the driver before it goes away. */
    mailauth__dns_lookups_free(r);
    mailauth__dns_qtab_free(r);
    if (r->drv->destroy != NULL)
        r->drv->destroy(r);
    mailauth__free(r->al, r);
}

const struct mailauth__env *
mailauth__resolver_env(const mailauth_resolver_t *r)
{
    return r != NULL ? r->env : NULL;
}

void
mailauth__resolver_run_wakes(mailauth_resolver_t *r)
{
    if (r == NULL)
        return;
    /* Each round runs only the clients queued when it began, so a client
     * that keeps poking itself cannot hold the loop; the rest waits for the
     * next call (mailauth_resolver_timeout_ms() says 0 meanwhile). */
    for (int pass = 0; pass < WAKE_PASSES && r->wakeq.n > 0; pass++) {
        size_t n = r->wakeq.n;
        while (n-- > 0 && r->wakeq.head != NULL) {
            mailauth__dnsc_t *c = r->wakeq.head;
            mailauth__dns_wake_unlink(r, c);
            /* c may be cleared or freed by its wake: not touched afterwards. */
            if (c->wake != NULL)
                c->wake(c->wake_ud);
        }
    }
}

/* --- loop --- */

/* One clock read for the three timer lists: a clock read is not free (a
 * vDSO call, slower in a VM) and this runs on every turn of the loop. */
static void
run_timers(mailauth_resolver_t *r)
{
    uint64_t now = mailauth__dns_now(r);
    if (r->drv->process_timers != NULL)
        r->drv->process_timers(r, now);
    mailauth__dns_qtab_timeouts(r, now);
    mailauth__dns_deadlines_expire(r, now);
}

static int64_t
ms_until(uint64_t when, uint64_t now)
{
    return when > now ? (int64_t)(when - now) : 0;
}

static int64_t
earliest(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int
mailauth_resolver_timeout_ms(mailauth_resolver_t *r)
{
    uint64_t now;
    int64_t  t = -1;
    if (r == NULL)
        return -1;
    if (r->wakeq.n > 0)
        return 0;
    now = mailauth__dns_now(r);
    if (r->drv->next_ms != NULL)
        t = r->drv->next_ms(r, now);
    if (r->fl_head != NULL)
        t = earliest(t, ms_until(r->fl_head->sent_ms + r->q_timeout_ms, now));
    if (r->dl_head != NULL)
        t = earliest(t, ms_until(r->dl_head->deadline_ms, now));
    return t > INT_MAX ? INT_MAX : (int)t;
}

mailauth_status_t
mailauth_resolver_process_timeouts(mailauth_resolver_t *r)
{
    if (r == NULL)
        return MAILAUTH_EINVAL;
    run_timers(r);
    mailauth__resolver_run_wakes(r);
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_resolver_process_fd(mailauth_resolver_t *r, int fd, int readable, int writable)
{
    if (r == NULL || fd < 0)
        return MAILAUTH_EINVAL;
    if (r->drv->process_fd != NULL)
        r->drv->process_fd(r, fd, readable, writable);
    run_timers(r);
    mailauth__resolver_run_wakes(r);
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_resolver_run_once(mailauth_resolver_t *r, int timeout_ms)
{
    mailauth_status_t st = MAILAUTH_OK;
    int               t;
    if (r == NULL)
        return MAILAUTH_EINVAL;
    t = mailauth_resolver_timeout_ms(r);
    if (timeout_ms >= 0 && (t < 0 || timeout_ms < t))
        t = timeout_ms;
    if (t != 0) {
        if (r->drv->wait != NULL)
            st = r->drv->wait(r, t);
        else if (t > 0)
            (void)poll(NULL, 0, t); /* nothing to watch: only time can bring answers */
    }
    run_timers(r);
    mailauth__resolver_run_wakes(r);
    return st;
}

mailauth_status_t
mailauth_resolver_set_sock_callback(mailauth_resolver_t *r, mailauth_sock_fn fn, void *ud)
{
    if (r == NULL)
        return MAILAUTH_EINVAL;
    r->sock_fn = fn;
    r->sock_ud = ud;
    if (fn != NULL && r->drv->sock_changed != NULL)
        r->drv->sock_changed(r);
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_resolver_stats(const mailauth_resolver_t *r, mailauth_resolver_stats_t *out)
{
    int version = 0;
    if (r == NULL || out == NULL || out->version != MAILAUTH_RESOLVER_STATS_VERSION) {
        if (out != NULL) {
            version = out->version;
            memset(out, 0, sizeof(*out));
            out->version = version;
        }
        return MAILAUTH_EINVAL;
    }
    *out = r->stats;
    out->version = MAILAUTH_RESOLVER_STATS_VERSION;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_resolver_set_observer(mailauth_resolver_t *r, mailauth_dns_answer_fn fn, void *ud)
{
    if (r == NULL)
        return MAILAUTH_EINVAL;
    r->observer = fn;
    r->observer_ud = fn != NULL ? ud : NULL;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_resolver_flush_cache(mailauth_resolver_t *r)
{
    if (r == NULL)
        return MAILAUTH_EINVAL;
    mailauth__dns_qtab_flush(r);
    return MAILAUTH_OK;
}
