/* mailauth-milter: a pool of resolvers, each lent to one message at a time.
 *
 * A resolver belongs to one thread at a time, and libmilter may run the
 * callbacks of one connection on different threads; so a message borrows
 * a resolver from MAIL FROM to the end of the message (or abort) and gives
 * it back. The pool's mutex orders the hand-over. Resolvers keep their
 * caches between messages. The pool grows when every resolver is lent out:
 * no message ever waits for another's. */
#include <stdlib.h>
#include <string.h>

#include "milter.h"

struct ma_pool_entry {
    mailauth_resolver_t      *r;
    bool                      lent;
    mailauth_resolver_stats_t last; /* counters as of the last return */
    struct ma_pool_entry     *next;
};

void
ma_pool_init(struct ma_pool *p, mailauth_ctx_t *ctx, const struct ma_config *cfg)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    p->ctx = ctx;
    p->cfg = cfg;
}

static mailauth_resolver_t *
make_resolver(struct ma_pool *p)
{
    mailauth_resolver_t *r = NULL;
    mailauth_status_t    st = MAILAUTH_EINVAL;
    switch (p->cfg->dns) {
    case MA_DNS_SYSTEM:
        st = mailauth_resolver_new_ares(p->ctx, NULL, &r);
        break;
    case MA_DNS_SERVERS:
        st = mailauth_resolver_new_ares(p->ctx, p->cfg->dns_servers, &r);
        break;
    case MA_DNS_ZONE:
        st = mailauth_resolver_new_zone(p->ctx, p->cfg->zone_text, p->cfg->zone_len, NULL, &r);
        break;
    }
    if (st != MAILAUTH_OK) {
        ma_log(MA_LOG_ERR, "cannot create a resolver: %s", mailauth_strerror(st));
        return NULL;
    }
    return r;
}

struct ma_pool_entry *
ma_pool_borrow(struct ma_pool *p)
{
    struct ma_pool_entry *e;
    pthread_mutex_lock(&p->mu);
    for (e = p->all; e != NULL; e = e->next)
        if (!e->lent)
            break;
    if (e != NULL)
        e->lent = true;
    pthread_mutex_unlock(&p->mu);
    if (e != NULL)
        return e;
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->r = make_resolver(p);
    if (e->r == NULL) {
        free(e);
        return NULL;
    }
    e->last.version = MAILAUTH_RESOLVER_STATS_VERSION;
    e->lent = true;
    pthread_mutex_lock(&p->mu);
    e->next = p->all;
    p->all = e;
    pthread_mutex_unlock(&p->mu);
    return e;
}

mailauth_resolver_t *
ma_pool_resolver(struct ma_pool_entry *e)
{
    return e->r;
}

void
ma_pool_return(struct ma_pool *p, struct ma_pool_entry *e)
{
    mailauth_resolver_stats_t s = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    if (e == NULL)
        return;
    /* still the borrower's: reading the counters is safe here */
    if (mailauth_resolver_stats(e->r, &s) != MAILAUTH_OK)
        s = e->last;
    pthread_mutex_lock(&p->mu);
    e->last = s;
    e->lent = false;
    pthread_mutex_unlock(&p->mu);
}

static void
add_stats(mailauth_resolver_stats_t *sum, const mailauth_resolver_stats_t *s)
{
    sum->questions += s->questions;
    sum->queries += s->queries;
    sum->coalesced += s->coalesced;
    sum->cache_hits += s->cache_hits;
    sum->round_trips += s->round_trips;
}

void
ma_pool_stats(struct ma_pool *p, mailauth_resolver_stats_t *sum)
{
    pthread_mutex_lock(&p->mu);
    for (struct ma_pool_entry *e = p->all; e != NULL; e = e->next)
        add_stats(sum, &e->last);
    pthread_mutex_unlock(&p->mu);
}

void
ma_pool_clear(struct ma_pool *p)
{
    mailauth_resolver_stats_t sum = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    struct ma_pool_entry     *e = p->all, *next;
    ma_pool_stats(p, &sum);
    ma_stats_retire(&sum);
    for (; e != NULL; e = next) {
        next = e->next;
        mailauth_resolver_free(e->r);
        free(e);
    }
    p->all = NULL;
    pthread_mutex_destroy(&p->mu);
}
