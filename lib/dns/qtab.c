/* The question table: one question per (name, type), shared by every
 * client asking it, kept as a TTL-bounded, LRU-bounded answer cache once
 * done. Completion copies the answer and queues wakes; it never calls a
 * client. */
#include <string.h>

#include "dns/dns_int.h"
#include "util/alloc.h"

#define INITIAL_BUCKETS 64u

/* --- intrusive lists (in flight: pending questions; LRU: cached ones) --- */

static void
list_unlink(mailauth__dns_q_t **head, mailauth__dns_q_t **tail, mailauth__dns_q_t *q)
{
    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        *head = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    else
        *tail = q->prev;
    q->prev = q->next = NULL;
}

static void
list_append(mailauth__dns_q_t **head, mailauth__dns_q_t **tail, mailauth__dns_q_t *q)
{
    q->next = NULL;
    q->prev = *tail;
    if (*tail != NULL)
        (*tail)->next = q;
    else
        *head = q;
    *tail = q;
}

static void
q_free(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    if (q->memo != NULL)
        q->memo_free(r->al, q->memo);
    mailauth__free(r->al, q->block);
    mailauth__free(r->al, q);
}

static void
maybe_free(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    /* A pending question is always in the table, so this frees only done ones. */
    if (!q->in_table && q->refs == 0)
        q_free(r, q);
}

static void
unhash(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    mailauth__dns_q_t **pp = &r->buckets[q->hash & (r->nbuckets - 1)];
    while (*pp != NULL && *pp != q)
        pp = &(*pp)->hnext;
    if (*pp == q)
        *pp = q->hnext;
    q->hnext = NULL;
    q->in_table = false;
    r->nq--;
    if (q->cached) {
        list_unlink(&r->lru_head, &r->lru_tail, q);
        q->cached = false;
        r->ncached--;
    }
}

mailauth_status_t
mailauth__dns_qtab_init(mailauth_resolver_t *r)
{
    r->buckets = mailauth__calloc(r->al, INITIAL_BUCKETS, sizeof(*r->buckets));
    if (r->buckets == NULL)
        return MAILAUTH_ENOMEM;
    r->nbuckets = INITIAL_BUCKETS;
    return MAILAUTH_OK;
}

void
mailauth__dns_qtab_free(mailauth_resolver_t *r)
{
    for (size_t i = 0; r->buckets != NULL && i < r->nbuckets; i++) {
        mailauth__dns_q_t *q = r->buckets[i];
        while (q != NULL) {
            mailauth__dns_q_t *next = q->hnext;
            if (!q->done && r->drv->cancel != NULL)
                r->drv->cancel(r, q);
            while (q->whead != NULL) { /* clients should be gone; drop their nodes */
                struct mailauth__dns_waiter *w = q->whead;
                q->whead = w->next;
                w->c->waiters[w->idx] = NULL;
                mailauth__free(r->al, w);
            }
            q_free(r, q);
            q = next;
        }
    }
    mailauth__free(r->al, r->buckets);
    r->buckets = NULL;
    r->nbuckets = r->nq = r->ncached = r->inflight = 0;
    r->lru_head = r->lru_tail = r->fl_head = r->fl_tail = NULL;
}

/* Double the bucket array; on ENOMEM the chains just get longer. */
static void
grow(mailauth_resolver_t *r)
{
    size_t              n = r->nbuckets * 2;
    mailauth__dns_q_t **nb = NULL;
    if (n < r->nbuckets || (nb = mailauth__calloc(r->al, n, sizeof(*nb))) == NULL)
        return;
    for (size_t i = 0; i < r->nbuckets; i++) {
        mailauth__dns_q_t *q = r->buckets[i];
        while (q != NULL) {
            mailauth__dns_q_t *next = q->hnext;
            q->hnext = nb[q->hash & (n - 1)];
            nb[q->hash & (n - 1)] = q;
            q = next;
        }
    }
    mailauth__free(r->al, r->buckets);
    r->buckets = nb;
    r->nbuckets = n;
}

mailauth__dns_q_t *
mailauth__dns_qtab_find(mailauth_resolver_t *r, const char *name, size_t len, uint32_t hash,
                        uint16_t type)
{
    mailauth__dns_q_t *q = r->buckets[hash & (r->nbuckets - 1)];
    for (; q != NULL; q = q->hnext) {
        if (q->hash == hash && q->type == type && q->namelen == len &&
            memcmp(q->name, name, len) == 0)
            break;
    }
    if (q == NULL || !q->done)
        return q;
    if (mailauth__dns_now(r) >= q->expires_ms) {
        unhash(r, q);
        maybe_free(r, q);
        return NULL;
    }
    list_unlink(&r->lru_head, &r->lru_tail, q);
    list_append(&r->lru_head, &r->lru_tail, q);
    return q;
}

mailauth_status_t
mailauth__dns_qtab_create(mailauth_resolver_t *r, const char *name, size_t len, uint32_t hash,
                          uint16_t type, mailauth__dns_q_t **out)
{
    mailauth__dns_q_t *q = mailauth__calloc(r->al, 1, sizeof(*q));
    size_t             b = hash & (r->nbuckets - 1);
    *out = NULL;
    if (q == NULL)
        return MAILAUTH_ENOMEM;
    memcpy(q->name, name, len);
    q->name[len] = '\0';
    q->namelen = (uint8_t)len;
    q->hash = hash;
    q->type = type;
    q->refs = 1;
    q->in_table = true;
    q->hnext = r->buckets[b];
    r->buckets[b] = q;
    if (++r->nq > r->nbuckets)
        grow(r);
    q->sent_ms = mailauth__dns_now(r);
    list_append(&r->fl_head, &r->fl_tail, q);
    if (r->inflight++ == 0)
        r->stats.round_trips++;
    r->stats.queries++;
    if (r->drv->send(r, q) != MAILAUTH_OK && !q->done)
        (void)mailauth__dns_complete(r, q, MAILAUTH_DNS_TEMPFAIL, NULL, 0, 0);
    *out = q; /* held (refs 1), so completion did not free it */
    return MAILAUTH_OK;
}

void
mailauth__dns_q_release(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    if (q->refs > 0)
        q->refs--;
    maybe_free(r, q);
}

void
mailauth__dns_qtab_timeouts(mailauth_resolver_t *r, uint64_t now)
{
    mailauth__dns_q_t *q;
    while ((q = r->fl_head) != NULL && now >= q->sent_ms + r->q_timeout_ms) {
        if (r->drv->cancel != NULL)
            r->drv->cancel(r, q);
        (void)mailauth__dns_complete(r, q, MAILAUTH_DNS_TEMPFAIL, NULL, 0, 0);
    }
}

void
mailauth__dns_qtab_flush(mailauth_resolver_t *r)
{
    while (r->lru_head != NULL) {
        mailauth__dns_q_t *q = r->lru_head;
        unhash(r, q);
        maybe_free(r, q);
    }
}

mailauth_status_t
mailauth__dns_records_check(uint16_t type, const mailauth_dns_record_t *recs, size_t n)
{
    if (n > 0 && recs == NULL)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        const mailauth_dns_record_t *rec = &recs[i];
        if (rec->data == NULL && rec->len > 0)
            return MAILAUTH_EINVAL;
        switch (type) {
        case MAILAUTH_DNS_A:
            if (rec->len != 4)
                return MAILAUTH_EINVAL;
            break;
        case MAILAUTH_DNS_AAAA:
            if (rec->len != 16)
                return MAILAUTH_EINVAL;
            break;
        case MAILAUTH_DNS_MX:
        case MAILAUTH_DNS_PTR:
            /* a name in text form: at most 253 octets plus the root dot */
            if (rec->len > MAILAUTH__DNS_NAME_MAX + 1 ||
                (rec->len > 0 && memchr(rec->data, 0, rec->len) != NULL))
                return MAILAUTH_EINVAL;
            break;
        default:
            if (rec->len > 65535) /* RFC 1035 §3.2.1: RDLENGTH is 16 bits */
                return MAILAUTH_EINVAL;
            break;
        }
    }
    return MAILAUTH_OK;
}

/* Copy records into one block: the rr array, then each record's bytes
 * followed by a NUL. Names lose one trailing dot. */
static mailauth_status_t
build(mailauth_resolver_t *r, mailauth__dns_q_t *q, const mailauth_dns_record_t *recs, size_t n,
      uint32_t *minttl)
{
    size_t              need = 0, off = 0;
    mailauth__dns_rr_t *rr;
    uint8_t            *bytes;
    if (!mailauth__size_mul(n, sizeof(*rr), &need))
        return MAILAUTH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!mailauth__size_add(need, recs[i].len + 1, &need))
            return MAILAUTH_ENOMEM;
    }
    q->block = mailauth__malloc(r->al, need);
    if (q->block == NULL)
        return MAILAUTH_ENOMEM;
    rr = q->block;
    bytes = (uint8_t *)q->block + n * sizeof(*rr);
    *minttl = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t len = recs[i].len;
        if ((q->type == MAILAUTH_DNS_MX || q->type == MAILAUTH_DNS_PTR) && len > 0 &&
            ((const char *)recs[i].data)[len - 1] == '.')
            len--; /* RFC 7505 null MX "." becomes the empty name */
        if (len > 0)
            memcpy(bytes + off, recs[i].data, len);
        bytes[off + len] = 0;
        rr[i] = (mailauth__dns_rr_t){
            .data = bytes + off, .len = len, .pref = recs[i].preference, .ttl = recs[i].ttl};
        off += len + 1;
        if (recs[i].ttl < *minttl)
            *minttl = recs[i].ttl;
    }
    q->res.rr = rr;
    q->res.count = n;
    return MAILAUTH_OK;
}

static void
wake_waiters(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    while (q->whead != NULL) {
        struct mailauth__dns_waiter *w = q->whead;
        q->whead = w->next;
        w->c->waiters[w->idx] = NULL;
        mailauth__dns_wake_queue(r, w->c);
        mailauth__free(r->al, w);
    }
}

static void
cache_or_drop(mailauth_resolver_t *r, mailauth__dns_q_t *q, uint32_t ttl)
{
    if (q->res.rcode == MAILAUTH_DNS_TEMPFAIL || ttl == 0 || r->cache_max == 0) {
        unhash(r, q);
        maybe_free(r, q);
        return;
    }
    if (ttl > r->ttl_max_s)
        ttl = r->ttl_max_s;
    q->expires_ms = mailauth__dns_now(r) + (uint64_t)ttl * 1000u;
    list_append(&r->lru_head, &r->lru_tail, q);
    q->cached = true;
    r->ncached++;
    while (r->ncached > r->cache_max) {
        mailauth__dns_q_t *old = r->lru_head;
        unhash(r, old);
        maybe_free(r, old);
    }
}

mailauth_status_t
mailauth__dns_complete(mailauth_resolver_t *r, mailauth__dns_q_t *q, mailauth_dns_rcode_t rcode,
                       const mailauth_dns_record_t *recs, size_t n, uint32_t neg_ttl)
{
    mailauth_status_t st = MAILAUTH_OK;
    uint32_t          ttl = neg_ttl;
    if (q->done)
        return MAILAUTH_OK;
    list_unlink(&r->fl_head, &r->fl_tail, q);
    r->inflight--;
    if (rcode == MAILAUTH_DNS_RECORDS && n == 0)
        rcode = MAILAUTH_DNS_NODATA;
    if (rcode == MAILAUTH_DNS_RECORDS) {
        st = build(r, q, recs, n, &ttl);
        if (st != MAILAUTH_OK)
            rcode = MAILAUTH_DNS_TEMPFAIL;
    }
    if (rcode != MAILAUTH_DNS_RECORDS)
        q->res.count = 0;
    q->res.rcode = rcode;
    q->done = true;
    q->drv = NULL;
    q->done_ms = mailauth__dns_now(r);
    q->ttl = rcode == MAILAUTH_DNS_TEMPFAIL ? 0 : ttl;
    mailauth__dns_observe(r, q, false);
    wake_waiters(r, q);
    cache_or_drop(r, q, ttl); /* may free q */
    return st;
}
