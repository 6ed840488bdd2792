/* Records parsed from zone text, hashed by owner, and the answer to a
 * question from them (CNAME chains followed, RFC 1034 §3.6.2). */
#include <string.h>

#include "dns/dns_int.h"
#include "util/alloc.h"

#define CNAME_HOPS 8     /* longer chains (or loops) answer TEMPFAIL */
#define STACK_RECORDS 32 /* records answered without a heap array */

struct zrr {
    uint16_t type;
    bool     tempfail;
    uint8_t  neg; /* recorded negative answer: MAILAUTH_DNS_NXDOMAIN or _NODATA, else 0 */
    uint16_t pref;
    uint32_t ttl;
    size_t   len;
    uint8_t *data;
};

struct znode {
    struct znode *hnext;
    uint32_t      hash;
    size_t        namelen;
    struct zrr   *rr; /* in zone order */
    size_t        nrr, caprr;
    char          name[MAILAUTH__DNS_NAME_MAX + 1];
};

struct mailauth__dns_zone {
    const mailauth_allocator_t *al;
    struct znode              **buckets;
    size_t                      nbuckets, nnodes;
};

mailauth__dns_zone_t *
mailauth__dns_zone_new(const mailauth_allocator_t *al)
{
    mailauth__dns_zone_t *z = mailauth__calloc(al, 1, sizeof(*z));
    if (z == NULL)
        return NULL;
    z->al = al;
    z->nbuckets = 64;
    z->buckets = mailauth__calloc(al, z->nbuckets, sizeof(*z->buckets));
    if (z->buckets == NULL) {
        mailauth__free(al, z);
        return NULL;
    }
    return z;
}

void
mailauth__dns_zone_free(mailauth__dns_zone_t *z)
{
    if (z == NULL)
        return;
    for (size_t i = 0; i < z->nbuckets; i++) {
        struct znode *n = z->buckets[i];
        while (n != NULL) {
            struct znode *next = n->hnext;
            for (size_t k = 0; k < n->nrr; k++)
                mailauth__free(z->al, n->rr[k].data);
            mailauth__free(z->al, n->rr);
            mailauth__free(z->al, n);
            n = next;
        }
    }
    mailauth__free(z->al, z->buckets);
    mailauth__free(z->al, z);
}

static const struct znode *
find(const mailauth__dns_zone_t *z, const char *name, size_t len)
{
    uint32_t            h = mailauth__dns_hash(name, len, 0);
    const struct znode *n = z->buckets[h & (z->nbuckets - 1)];
    for (; n != NULL; n = n->hnext) {
        if (n->hash == h && n->namelen == len && memcmp(n->name, name, len) == 0)
            return n;
    }
    return NULL;
}

static void
grow(mailauth__dns_zone_t *z)
{
    size_t         nb = z->nbuckets * 2;
    struct znode **b = mailauth__calloc(z->al, nb, sizeof(*b));
    if (b == NULL)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < z->nbuckets; i++) {
        struct znode *n = z->buckets[i];
        while (n != NULL) {
            struct znode *next = n->hnext;
            n->hnext = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
            n = next;
        }
    }
    mailauth__free(z->al, z->buckets);
    z->buckets = b;
    z->nbuckets = nb;
}

static struct znode *
node_get(mailauth__dns_zone_t *z, const char *name, size_t len)
{
    struct znode *n = (struct znode *)find(z, name, len);
    size_t        b;
    if (n != NULL)
        return n;
    n = mailauth__calloc(z->al, 1, sizeof(*n));
    if (n == NULL)
        return NULL;
    memcpy(n->name, name, len);
    n->namelen = len;
    n->hash = mailauth__dns_hash(name, len, 0);
    b = n->hash & (z->nbuckets - 1);
    n->hnext = z->buckets[b];
    z->buckets[b] = n;
    if (++z->nnodes > z->nbuckets)
        grow(z);
    return n;
}

mailauth_status_t
mailauth__dns_zone_insert(void *zone, const mailauth__dns_zrec_t *rec)
{
    mailauth__dns_zone_t *z = zone;
    struct znode         *n = node_get(z, rec->owner, rec->ownerlen);
    struct zrr           *rr;
    if (n == NULL)
        return MAILAUTH_ENOMEM;
    if (n->nrr == n->caprr) {
        size_t cap = n->caprr != 0 ? n->caprr * 2 : 2;
        rr = mailauth__realloc(z->al, n->rr, cap * sizeof(*rr));
        if (rr == NULL)
            return MAILAUTH_ENOMEM;
        n->rr = rr;
        n->caprr = cap;
    }
    rr = &n->rr[n->nrr];
    *rr = (struct zrr){.type = rec->type,
                       .tempfail = rec->tempfail,
                       .neg = rec->neg,
                       .pref = rec->pref,
                       .ttl = rec->ttl,
                       .len = rec->len};
    rr->data = mailauth__malloc(z->al, rec->len + 1);
    if (rr->data == NULL)
        return MAILAUTH_ENOMEM;
    if (rec->len > 0)
        memcpy(rr->data, rec->data, rec->len);
    rr->data[rec->len] = 0;
    n->nrr++;
    return MAILAUTH_OK;
}

/* Serve the records of q->type at node n (count known > 0). */
static mailauth_status_t
serve(mailauth_resolver_t *r, mailauth__dns_q_t *q, const struct znode *n, size_t count)
{
    mailauth_dns_record_t  stack[STACK_RECORDS] = {{0}};
    mailauth_dns_record_t *recs = stack;
    mailauth_status_t      st;
    size_t                 k = 0;
    if (count > STACK_RECORDS) {
        recs = mailauth__calloc(r->al, count, sizeof(*recs));
        if (recs == NULL)
            return mailauth__dns_complete(r, q, MAILAUTH_DNS_TEMPFAIL, NULL, 0, 0);
    }
    for (size_t i = 0; i < n->nrr && k < count; i++) {
        const struct zrr *rr = &n->rr[i];
        if (rr->type == q->type && rr->neg == 0)
            recs[k++] = (mailauth_dns_record_t){.version = MAILAUTH_DNS_RECORD_VERSION, 
                .data = rr->data, .len = rr->len, .preference = rr->pref, .ttl = rr->ttl};
    }
    st = mailauth__dns_complete(r, q, MAILAUTH_DNS_RECORDS, recs, k, 0);
    if (recs != stack)
        mailauth__free(r->al, recs);
    return st;
}

/* What a node holds for one type: its records, a TIMEOUT/SERVFAIL line, a
 * recorded negative answer, and the first CNAME. */
struct scan {
    size_t            count;
    bool              fail;
    const struct zrr *neg, *cname;
    bool              all_nx; /* every line of the node is an NXDOMAIN line */
};

static struct scan
scan_node(const struct znode *n, uint16_t type)
{
    struct scan sc = {.all_nx = n->nrr > 0};
    for (size_t i = 0; i < n->nrr; i++) {
        const struct zrr *rr = &n->rr[i];
        sc.all_nx &= rr->neg == MAILAUTH_DNS_NXDOMAIN;
        if (rr->type == type) {
            sc.fail |= rr->tempfail;
            if (rr->neg != 0 && sc.neg == NULL)
                sc.neg = rr;
            else if (rr->neg == 0)
                sc.count++;
        } else if (rr->type == MAILAUTH__DNS_CNAME && sc.cname == NULL && rr->neg == 0) {
            sc.cname = rr;
        }
    }
    return sc;
}

mailauth_status_t
mailauth__dns_zone_answer(mailauth_resolver_t *r, const mailauth__dns_zone_t *z,
                          mailauth__dns_q_t *q)
{
    const char *name = q->name;
    size_t      len = q->namelen;
    for (int hop = 0; hop <= CNAME_HOPS; hop++) {
        const struct znode *n = find(z, name, len);
        struct scan         sc;
        if (n == NULL) /* RFC 2308 §2.1: NXDOMAIN also ends a CNAME chain */
            return mailauth__dns_complete(r, q, MAILAUTH_DNS_NXDOMAIN, NULL, 0,
                                          MAILAUTH__DNS_NEG_TTL);
        sc = scan_node(n, q->type);
        if (sc.fail || (sc.count == 0 && sc.neg == NULL && sc.cname != NULL && sc.cname->tempfail))
            return mailauth__dns_complete(r, q, MAILAUTH_DNS_TEMPFAIL, NULL, 0, 0);
        if (sc.count > 0)
            return serve(r, q, n, sc.count);
        if (sc.neg != NULL) /* a recorded NXDOMAIN / NODATA line, with its TTL */
            return mailauth__dns_complete(r, q, (mailauth_dns_rcode_t)sc.neg->neg, NULL, 0,
                                          sc.neg->ttl);
        if (sc.all_nx) /* a name recorded as not existing has no other type either */
            return mailauth__dns_complete(r, q, MAILAUTH_DNS_NXDOMAIN, NULL, 0, n->rr[0].ttl);
        if (sc.cname == NULL) /* RFC 2308 §2.2: the name exists without this type */
            return mailauth__dns_complete(r, q, MAILAUTH_DNS_NODATA, NULL, 0,
                                          MAILAUTH__DNS_NEG_TTL);
        name = (const char *)sc.cname->data;
        len = sc.cname->len;
    }
    return mailauth__dns_complete(r, q, MAILAUTH_DNS_TEMPFAIL, NULL, 0, 0); /* loop */
}
