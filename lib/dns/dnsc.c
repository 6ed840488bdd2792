/* The per-evaluation DNS client: asks shared questions, holds them until
 * cleared, and is woken from the resolver's run loop when they complete. */
#include <string.h>

#include "dns/dns_int.h"
#include "util/alloc.h"

/* What a pending question reads as once the client's deadline has passed. */
static const mailauth__dns_result_t expired_result = {
    .rcode = MAILAUTH_DNS_TEMPFAIL, .count = 0, .rr = NULL};

void
mailauth__dnsc_init(mailauth__dnsc_t *c, mailauth_resolver_t *r, void (*wake)(void *ud), void *ud)
{
    if (c == NULL)
        return;
    memset(c, 0, sizeof(*c));
    c->r = r;
    c->wake = wake;
    c->wake_ud = ud;
    c->max_asked = r != NULL ? mailauth__env_limit(r->env, MAILAUTH_LIMIT_DNS_QUERIES) : 0;
}

static void
unwait(mailauth_resolver_t *r, mailauth__dns_q_t *q, struct mailauth__dns_waiter *w)
{
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        q->whead = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    mailauth__free(r->al, w);
}

void
mailauth__dnsc_clear(mailauth__dnsc_t *c)
{
    mailauth_resolver_t *r;
    if (c == NULL || c->r == NULL)
        return;
    r = c->r;
    for (size_t i = 0; i < c->nheld; i++) {
        if (c->waiters[i] != NULL)
            unwait(r, c->held[i], c->waiters[i]);
        mailauth__dns_q_release(r, c->held[i]);
    }
    if (c->held != c->held_in)
        mailauth__free(r->al, c->held);
    if (c->waiters != c->waiters_in)
        mailauth__free(r->al, c->waiters);
    c->held = NULL;
    c->waiters = NULL;
    c->nheld = c->capheld = 0;
    mailauth__dns_wake_unlink(r, c);
    mailauth__dns_done_unlink(r, c);
    mailauth__dns_deadline_unlink(r, c);
    c->deadline_ms = 0;
    c->expired = false;
    c->asked = 0;
}

void
mailauth__dnsc_set_timeout(mailauth__dnsc_t *c, uint32_t ms)
{
    if (c == NULL || c->r == NULL)
        return;
    mailauth__dns_deadline_unlink(c->r, c);
    c->expired = false;
    c->deadline_ms = mailauth__dns_now(c->r) + ms;
    if (c->deadline_ms == 0) /* 0 means "no deadline" */
        c->deadline_ms = 1;
    mailauth__dns_deadline_insert(c->r, c);
}

static bool
known_type(mailauth_dns_type_t t)
{
    return t == MAILAUTH_DNS_A || t == MAILAUTH_DNS_AAAA || t == MAILAUTH_DNS_TXT ||
           t == MAILAUTH_DNS_MX || t == MAILAUTH_DNS_PTR;
}

/* An array grown to bytes (used bytes kept): out of the inline storage, or realloc. */
static void *
grow(const mailauth_allocator_t *al, void *cur, const void *in, size_t used, size_t bytes)
{
    void *p;
    if (cur != in)
        return mailauth__realloc(al, cur, bytes);
    p = mailauth__malloc(al, bytes);
    if (p != NULL)
        memcpy(p, cur, used);
    return p;
}

/* Room for one more held question in both arrays. */
static mailauth_status_t
reserve(mailauth__dnsc_t *c)
{
    size_t cap = c->capheld * 2;
    size_t bytes = 0;
    void  *p;
    if (c->nheld < c->capheld)
        return MAILAUTH_OK;
    if (c->capheld == 0) { /* the first questions need no allocation */
        c->held = c->held_in;
        c->waiters = c->waiters_in;
        c->capheld = MAILAUTH__DNSC_INLINE;
        return MAILAUTH_OK;
    }
    if (!mailauth__size_mul(cap, sizeof(*c->held), &bytes))
        return MAILAUTH_ENOMEM;
    p = grow(c->r->al, c->held, c->held_in, c->nheld * sizeof(*c->held), bytes);
    if (p == NULL)
        return MAILAUTH_ENOMEM;
    c->held = p;
    p = grow(c->r->al, c->waiters, c->waiters_in, c->nheld * sizeof(*c->waiters),
             cap * sizeof(*c->waiters));
    if (p == NULL)
        return MAILAUTH_ENOMEM; /* held is bigger than capheld says: harmless */
    c->waiters = p;
    c->capheld = cap;
    return MAILAUTH_OK;
}

static mailauth__dns_q_t *
find_held(const mailauth__dnsc_t *c, const char *key, size_t n, uint32_t h, uint16_t type)
{
    for (size_t i = 0; i < c->nheld; i++) {
        mailauth__dns_q_t *q = c->held[i];
        if (q->hash == h && q->type == type && q->namelen == n && memcmp(q->name, key, n) == 0)
            return q;
    }
    return NULL;
}

/* Find or start the shared question, held once more for this client. */
static mailauth_status_t
acquire(mailauth_resolver_t *r, const char *key, size_t n, uint32_t h, uint16_t type,
        mailauth__dns_q_t **out)
{
    mailauth__dns_q_t *q = mailauth__dns_qtab_find(r, key, n, h, type);
    r->stats.questions++;
    if (q == NULL)
        return mailauth__dns_qtab_create(r, key, n, h, type, out);
    q->refs++;
    if (q->done) {
        r->stats.cache_hits++;
        mailauth__dns_observe(r, q, true);
    } else
        r->stats.coalesced++;
    *out = q;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__dnsc_ask(mailauth__dnsc_t *c, const char *name, size_t len, mailauth_dns_type_t type,
                   mailauth__dns_q_t **out)
{
    char               key[MAILAUTH__DNS_NAME_MAX + 1];
    mailauth__dns_q_t *q = NULL;
    mailauth_status_t  st;
    size_t             n, idx;
    uint32_t           h;
    if (out != NULL)
        *out = NULL;
    if (c == NULL || c->r == NULL || out == NULL || !known_type(type))
        return MAILAUTH_EINVAL;
    n = mailauth__dns_name_norm(name, len, key);
    if (n == 0)
        return MAILAUTH_EINVAL;
    h = mailauth__dns_hash(key, n, (uint16_t)type);
    if ((*out = find_held(c, key, n, h, (uint16_t)type)) != NULL)
        return MAILAUTH_OK;
    if (c->asked >= c->max_asked)
        return MAILAUTH_ELIMIT;
    if ((st = reserve(c)) != MAILAUTH_OK ||
        (st = acquire(c->r, key, n, h, (uint16_t)type, &q)) != MAILAUTH_OK)
        return st;
    idx = c->nheld;
    c->held[idx] = q;
    c->waiters[idx] = NULL;
    if (q->done || c->expired) {
        /* An answer already known (or the TEMPFAIL of a client past its
         * deadline) still arrives through the run loop. */
        mailauth__dns_wake_queue(c->r, c);
    }
    if (!q->done) {
        struct mailauth__dns_waiter *w = mailauth__calloc(c->r->al, 1, sizeof(*w));
        if (w == NULL) {
            mailauth__dns_q_release(c->r, q);
            return MAILAUTH_ENOMEM;
        }
        *w = (struct mailauth__dns_waiter){.c = c, .idx = idx, .next = q->whead};
        if (q->whead != NULL)
            q->whead->prev = w;
        q->whead = w;
        c->waiters[idx] = w;
    }
    c->nheld++;
    c->asked++;
    *out = q;
    return MAILAUTH_OK;
}

const char *
mailauth__dnsc_qname(const mailauth__dns_q_t *q)
{
    return q->name;
}

const mailauth__dns_result_t *
mailauth__dnsc_result(mailauth__dnsc_t *c, mailauth__dns_q_t *q)
{
    if (c == NULL || q == NULL)
        return NULL;
    if (q->done)
        return &q->res;
    if (c->expired)
        return &expired_result;
    return NULL;
}

mailauth_status_t
mailauth__dnsc_poke(mailauth__dnsc_t *c)
{
    if (c == NULL || c->r == NULL)
        return MAILAUTH_EINVAL;
    mailauth__dns_wake_queue(c->r, c);
    return MAILAUTH_OK;
}

const mailauth_allocator_t *
mailauth__dnsc_allocator(const mailauth__dnsc_t *c)
{
    return c != NULL && c->r != NULL ? c->r->al : NULL;
}

void *
mailauth__dnsc_memo(const mailauth__dnsc_t *c, const mailauth__dns_q_t *q,
                    mailauth__dns_memo_free_fn free_fn)
{
    if (c == NULL || q == NULL || !q->done || q->memo_free != free_fn)
        return NULL;
    return q->memo;
}

bool
mailauth__dnsc_set_memo(mailauth__dnsc_t *c, mailauth__dns_q_t *q, void *memo,
                        mailauth__dns_memo_free_fn free_fn)
{
    /* Only a done question: its answer no longer changes. */
    if (c == NULL || q == NULL || memo == NULL || free_fn == NULL || !q->done || q->memo != NULL)
        return false;
    q->memo = memo;
    q->memo_free = free_fn;
    return true;
}
