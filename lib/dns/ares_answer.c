/* Turn a c-ares 1.18 answer into our records: ares_parse_*_reply for the
 * rdata, dns_wire.c for the TTLs c-ares does not report. */
#include <netdb.h>
#include <stdbool.h>
#include <string.h>
#include <sys/select.h> /* ares.h needs fd_set and struct timeval */
#include <sys/socket.h>
#include <sys/time.h>

#include <ares.h>

#include "dns/dns_int.h"
#include "dns/dns_wire.h"
#include "util/alloc.h"

/* Answer count from the header: an upper bound of the records we get. A
 * record takes at least 11 bytes, so a lying header cannot make us
 * allocate more than the message could hold. */
static size_t
ancount(const uint8_t *abuf, size_t alen)
{
    size_t n = alen >= 12 ? (size_t)((abuf[6] << 8) | abuf[7]) : 0;
    if (n > alen / 11)
        n = alen / 11;
    return n > 0 ? n : 1;
}

static void
finish(mailauth_resolver_t *r, mailauth__dns_q_t *q, const mailauth_dns_record_t *recs, size_t n,
       const uint8_t *abuf, size_t alen)
{
    if (n == 0) /* e.g. only a CNAME: the final name has no record of this type */
        (void)mailauth__dns_complete(r, q, MAILAUTH_DNS_NODATA, NULL, 0,
                                     mailauth__dns_wire_negative_ttl(abuf, alen));
    else if (mailauth__dns_records_check(q->type, recs, n) != MAILAUTH_OK)
        (void)mailauth__dns_complete(r, q, MAILAUTH_DNS_TEMPFAIL, NULL, 0, 0);
    else
        (void)mailauth__dns_complete(r, q, MAILAUTH_DNS_RECORDS, recs, n, 0);
}

static void
tempfail(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    (void)mailauth__dns_complete(r, q, MAILAUTH_DNS_TEMPFAIL, NULL, 0, 0);
}

/* The record of address i of an A (v6 false) or AAAA (v6 true) parse result. */
static mailauth_dns_record_t
addr_record(const void *t, int i, bool v6)
{
    if (v6) {
        const struct ares_addr6ttl *e = (const struct ares_addr6ttl *)t + i;
        return (mailauth_dns_record_t){.version = MAILAUTH_DNS_RECORD_VERSION, 
            .data = &e->ip6addr, .len = 16, .ttl = e->ttl > 0 ? (uint32_t)e->ttl : 0};
    }
    const struct ares_addrttl *e = (const struct ares_addrttl *)t + i;
    return (mailauth_dns_record_t){.version = MAILAUTH_DNS_RECORD_VERSION, 
        .data = &e->ipaddr, .len = 4, .ttl = e->ttl > 0 ? (uint32_t)e->ttl : 0};
}

/* A and AAAA: c-ares gives addresses with their TTLs. */
static void
answer_addr(mailauth_resolver_t *r, mailauth__dns_q_t *q, const uint8_t *abuf, size_t alen,
            bool v6)
{
    size_t                 cap = ancount(abuf, alen);
    void                  *t = mailauth__calloc(
        r->al, cap, v6 ? sizeof(struct ares_addr6ttl) : sizeof(struct ares_addrttl));
    mailauth_dns_record_t *recs = mailauth__calloc(r->al, cap, sizeof(*recs));
    int                    n = (int)cap;
    int                    st = ARES_ENOMEM;
    if (t != NULL && recs != NULL)
        st = v6 ? ares_parse_aaaa_reply(abuf, (int)alen, NULL, t, &n)
                : ares_parse_a_reply(abuf, (int)alen, NULL, t, &n);
    if (st == ARES_SUCCESS || st == ARES_ENODATA) {
        for (int i = 0; i < n && st == ARES_SUCCESS; i++)
            recs[i] = addr_record(t, i, v6);
        finish(r, q, recs, st == ARES_SUCCESS ? (size_t)n : 0, abuf, alen);
    } else {
        tempfail(r, q);
    }
    mailauth__free(r->al, t);
    mailauth__free(r->al, recs);
}

/* TXT: the character-strings of one record concatenated (RFC 7208 §3.3,
 * RFC 6376 §3.6.2.2); record_start marks where a record begins. */
static void
txt_records(mailauth_resolver_t *r, mailauth__dns_q_t *q, const struct ares_txt_ext *list,
            const uint8_t *abuf, size_t alen)
{
    size_t                 nrec = 0, off = 0, k = 0;
    uint32_t               ttl = mailauth__dns_wire_answer_ttl(abuf, alen);
    mailauth_dns_record_t *recs;
    uint8_t               *bytes;
    for (const struct ares_txt_ext *t = list; t != NULL; t = t->next)
        nrec += (t == list || t->record_start) ? 1 : 0;
    recs = mailauth__calloc(r->al, nrec != 0 ? nrec : 1, sizeof(*recs));
    bytes = mailauth__malloc(r->al, alen); /* the strings fit in the message */
    if (recs == NULL || bytes == NULL) {
        tempfail(r, q);
    } else {
        for (const struct ares_txt_ext *t = list; t != NULL && off + t->length <= alen;
             t = t->next) {
            if (t == list || t->record_start)
                recs[k++] = (mailauth_dns_record_t){.version = MAILAUTH_DNS_RECORD_VERSION, .data = bytes + off, .ttl = ttl};
            if (t->length > 0)
                memcpy(bytes + off, t->txt, t->length);
            off += t->length;
            recs[k - 1].len += t->length;
        }
        finish(r, q, recs, k, abuf, alen);
    }
    mailauth__free(r->al, recs);
    mailauth__free(r->al, bytes);
}

static void
answer_txt(mailauth_resolver_t *r, mailauth__dns_q_t *q, const uint8_t *abuf, size_t alen)
{
    struct ares_txt_ext *list = NULL;
    int                  st = ares_parse_txt_reply_ext(abuf, (int)alen, &list);
    if (st == ARES_SUCCESS || st == ARES_ENODATA)
        txt_records(r, q, st == ARES_SUCCESS ? list : NULL, abuf, alen);
    else
        tempfail(r, q);
    if (list != NULL)
        ares_free_data(list);
}

static void
answer_mx(mailauth_resolver_t *r, mailauth__dns_q_t *q, const uint8_t *abuf, size_t alen)
{
    struct ares_mx_reply  *list = NULL;
    mailauth_dns_record_t *recs = NULL;
    uint32_t               ttl = mailauth__dns_wire_answer_ttl(abuf, alen);
    size_t                 n = 0;
    int                    st = ares_parse_mx_reply(abuf, (int)alen, &list);
    if (st == ARES_SUCCESS || st == ARES_ENODATA) {
        recs = mailauth__calloc(r->al, ancount(abuf, alen), sizeof(*recs));
        for (const struct ares_mx_reply *m = list; recs != NULL && m != NULL; m = m->next) {
            if (n < ancount(abuf, alen))
                recs[n++] = (mailauth_dns_record_t){.version = MAILAUTH_DNS_RECORD_VERSION, 
                    .data = m->host, .len = strlen(m->host), .preference = m->priority, .ttl = ttl};
        }
    }
    if (recs != NULL)
        finish(r, q, recs, n, abuf, alen);
    else
        tempfail(r, q);
    mailauth__free(r->al, recs);
    if (list != NULL)
        ares_free_data(list);
}

static void
answer_ptr(mailauth_resolver_t *r, mailauth__dns_q_t *q, const uint8_t *abuf, size_t alen)
{
    static const uint8_t   any_addr[4] = {0, 0, 0, 0}; /* only copied into the hostent */
    struct hostent        *h = NULL;
    mailauth_dns_record_t *recs = NULL;
    uint32_t               ttl = mailauth__dns_wire_answer_ttl(abuf, alen);
    size_t                 n = 0;
    int                    st = ares_parse_ptr_reply(abuf, (int)alen, any_addr, 4, AF_INET, &h);
    if (st == ARES_SUCCESS || st == ARES_ENODATA) {
        recs = mailauth__calloc(r->al, ancount(abuf, alen), sizeof(*recs));
        /* every PTR target is in h_aliases, in answer order */
        for (size_t i = 0; recs != NULL && h != NULL && h->h_aliases != NULL &&
                           h->h_aliases[i] != NULL && n < ancount(abuf, alen);
             i++)
            recs[n++] = (mailauth_dns_record_t){.version = MAILAUTH_DNS_RECORD_VERSION, 
                .data = h->h_aliases[i], .len = strlen(h->h_aliases[i]), .ttl = ttl};
    }
    if (recs != NULL)
        finish(r, q, recs, n, abuf, alen);
    else
        tempfail(r, q);
    mailauth__free(r->al, recs);
    if (h != NULL)
        ares_free_hostent(h);
}

void
mailauth__dns_ares_deliver(mailauth_resolver_t *r, mailauth__dns_q_t *q, int status,
                           const uint8_t *abuf, size_t alen)
{
    if (status == ARES_SUCCESS && abuf != NULL) {
        switch (q->type) {
        case MAILAUTH_DNS_A:
            answer_addr(r, q, abuf, alen, false);
            return;
        case MAILAUTH_DNS_AAAA:
            answer_addr(r, q, abuf, alen, true);
            return;
        case MAILAUTH_DNS_TXT:
            answer_txt(r, q, abuf, alen);
            return;
        case MAILAUTH_DNS_MX:
            answer_mx(r, q, abuf, alen);
            return;
        default:
            answer_ptr(r, q, abuf, alen);
            return;
        }
    }
    if (status == ARES_ENODATA) /* NOERROR, no answer: RFC 2308 §2.2 */
        (void)mailauth__dns_complete(r, q, MAILAUTH_DNS_NODATA, NULL, 0,
                                     mailauth__dns_wire_negative_ttl(abuf, alen));
    else if (status == ARES_ENOTFOUND) /* RCODE 3, RFC 2308 §2.1 */
        (void)mailauth__dns_complete(r, q, MAILAUTH_DNS_NXDOMAIN, NULL, 0,
                                     mailauth__dns_wire_negative_ttl(abuf, alen));
    else /* timeout, SERVFAIL, REFUSED, connection errors */
        tempfail(r, q);
}
