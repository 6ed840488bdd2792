/* Questions asked outside any evaluation (mailauth_resolver_lookup()): a
 * lookup is a DNS client of its own, holding one question, answered from
 * the run loop like an evaluation's, then freed. The resolver keeps the
 * pending ones so that freeing it frees them. */
#include <string.h>

#include "dns/dns_int.h"
#include "util/alloc.h"

struct mailauth__dns_lookup {
    mailauth__dnsc_t             c;
    mailauth__dns_q_t           *q;
    bool                         from_cache; /* the answer was known when asked */
    mailauth_dns_answer_fn       fn;
    void                        *ud;
    struct mailauth__dns_lookup *prev, *next;
};

static void
unlink_lookup(mailauth_resolver_t *r, struct mailauth__dns_lookup *l)
{
    if (l->prev != NULL)
        l->prev->next = l->next;
    else
        r->lookups = l->next;
    if (l->next != NULL)
        l->next->prev = l->prev;
    l->prev = l->next = NULL;
}

static void
drop(mailauth_resolver_t *r, struct mailauth__dns_lookup *l)
{
    unlink_lookup(r, l);
    mailauth__dnsc_clear(&l->c);
    mailauth__free(r->al, l);
}

/* Wake hook: the question is answered (or known from the start). */
static void
lookup_wake(void *ud)
{
    struct mailauth__dns_lookup *l = ud;
    mailauth_resolver_t         *r = l->c.r;
    if (mailauth__dnsc_result(&l->c, l->q) == NULL)
        return; /* not answered yet */
    /* Out of the list before the call: fn may start lookups of its own. */
    unlink_lookup(r, l);
    mailauth__dns_answer_give(r, l->q, l->from_cache, l->fn, l->ud);
    mailauth__dnsc_clear(&l->c);
    mailauth__free(r->al, l);
}

mailauth_status_t
mailauth_resolver_lookup(mailauth_resolver_t *r, const char *name, mailauth_dns_type_t type,
                         mailauth_dns_answer_fn fn, void *ud)
{
    return mailauth__dns_lookup_start(r, name, type, fn, ud, NULL);
}

mailauth_status_t
mailauth__dns_lookup_start(mailauth_resolver_t *r, const char *name, mailauth_dns_type_t type,
                           mailauth_dns_answer_fn fn, void *ud, mailauth__dns_lookup_t **out)
{
    struct mailauth__dns_lookup *l;
    mailauth_status_t            st;
    if (out != NULL)
        *out = NULL;
    if (r == NULL || name == NULL || fn == NULL)
        return MAILAUTH_EINVAL;
    l = mailauth__calloc(r->al, 1, sizeof(*l));
    if (l == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__dnsc_init(&l->c, r, lookup_wake, l);
    l->fn = fn;
    l->ud = ud;
    l->next = r->lookups;
    if (r->lookups != NULL)
        r->lookups->prev = l;
    r->lookups = l;
    st = mailauth__dnsc_ask(&l->c, name, strlen(name), type, &l->q);
    if (st != MAILAUTH_OK) {
        drop(r, l);
        return st;
    }
    /* A known answer was handed out of the cache by the ask above. */
    l->from_cache = l->q->done;
    if (out != NULL)
        *out = l;
    return MAILAUTH_OK;
}

void
mailauth__dns_lookup_cancel(mailauth_resolver_t *r, mailauth__dns_lookup_t *l)
{
    if (r != NULL && l != NULL)
        drop(r, l);
}

void
mailauth__dns_lookups_free(mailauth_resolver_t *r)
{
    while (r->lookups != NULL)
        drop(r, r->lookups);
}
