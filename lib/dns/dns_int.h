/* Internal to lib/dns: the resolver structure, questions, the driver
 * interface and the helpers the files of the module share.
 *
 * A question (mailauth__dns_q_t) is keyed by (lower-cased name without
 * trailing dot, type). It lives in the resolver's hash table while it may
 * be shared: while pending (in flight in the driver) and, once done, while
 * cached. A done question leaves the table when its TTL runs out, when the
 * LRU bound evicts it, or at once when it is not cacheable (TEMPFAIL, TTL
 * 0); clients that still hold it keep reading it until they clear. It is
 * freed when it is neither in the table nor held. Cached questions (done,
 * in the table, TTL running) form the LRU list.
 */
#ifndef MAILAUTH__DNS_INT_H
#define MAILAUTH__DNS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/dns.h>

#include "dns/dns.h"
#include "util/env.h"

#define MAILAUTH__DNS_NAME_MAX 253 /* RFC 1035 §2.3.4, text form without trailing dot */
#define MAILAUTH__DNS_NEG_TTL 300  /* NXDOMAIN/NODATA TTL when no SOA says otherwise */
#define MAILAUTH__DNS_ZONE_TTL 300 /* default TTL of zone records */

/* One client waiting on a pending question (node of the question's list). */
struct mailauth__dns_waiter {
    mailauth__dnsc_t            *c;
    size_t                       idx; /* c->held[idx] is the question */
    struct mailauth__dns_waiter *prev, *next;
};

struct mailauth__dns_q {
    mailauth__dns_q_t         *hnext; /* hash chain */
    uint32_t                   hash;
    uint16_t                   type;
    uint8_t                    namelen;
    bool                       in_table;
    bool                       cached; /* in the LRU list */
    bool                       done;
    uint32_t                   refs; /* clients holding it */
    mailauth__dns_result_t     res;
    void                      *block; /* rr array and record bytes of res (NULL if none) */
    void                      *memo;  /* derived from res (mailauth__dnsc_set_memo), or NULL */
    mailauth__dns_memo_free_fn memo_free;
    uint64_t                   sent_ms;    /* pending: when it went to the driver */
    uint64_t                   done_ms;    /* done: when the answer came */
    uint32_t                   ttl;        /* done: the answer's TTL, uncapped (0: TEMPFAIL) */
    uint64_t                   expires_ms; /* done and cached: end of its TTL */
    /* pending: in-flight list (send order); done and cached: LRU list */
    mailauth__dns_q_t           *prev, *next;
    struct mailauth__dns_waiter *whead;
    /* driver's per-query state */
    void              *drv;
    mailauth__dns_q_t *dprev, *dnext;
    uint64_t           due_ms;
    char               name[MAILAUTH__DNS_NAME_MAX + 1]; /* lower-cased, NUL-terminated */
};

/* What a driver provides. Every function but send may be NULL. A driver
 * completes a question with mailauth__dns_complete(), possibly from inside
 * send; it never calls back into clients. */
typedef struct mailauth__dns_drv {
    /* Start a query for q (name, type). An error makes q TEMPFAIL. */
    mailauth_status_t (*send)(mailauth_resolver_t *r, mailauth__dns_q_t *q);
    /* Forget a started query: it must not complete q afterwards. */
    void (*cancel)(mailauth_resolver_t *r, mailauth__dns_q_t *q);
    void (*process_fd)(mailauth_resolver_t *r, int fd, int readable, int writable);
    /* Handle the driver's expired timers. */
    void (*process_timers)(mailauth_resolver_t *r, uint64_t now);
    /* Milliseconds until the driver's next timer; -1 none. */
    int64_t (*next_ms)(mailauth_resolver_t *r, uint64_t now);
    /* Block up to timeout_ms (-1: until activity) on the driver's sockets
     * and process what is ready. NULL: nothing to wait on, just sleep. */
    mailauth_status_t (*wait)(mailauth_resolver_t *r, int timeout_ms);
    /* A socket callback was (re)registered. */
    void (*sock_changed)(mailauth_resolver_t *r);
    void (*destroy)(mailauth_resolver_t *r);
} mailauth__dns_drv_t;

/* A FIFO of clients through one of their links (wake_link or done_link). */
typedef struct mailauth__dnsc_queue {
    mailauth__dnsc_t *head, *tail;
    size_t            n;
    size_t            link; /* offsetof(mailauth__dnsc_t, the link) */
} mailauth__dnsc_queue_t;

struct mailauth_resolver {
    const mailauth__env_t      *env; /* embedded in the ctx, which outlives the resolver */
    const mailauth_allocator_t *al;  /* env's */
    const mailauth__dns_drv_t  *drv;
    void                       *drv_state;
    /* question table */
    mailauth__dns_q_t **buckets;
    size_t              nbuckets, nq;
    /* done questions in the table, least recently used first */
    mailauth__dns_q_t *lru_head, *lru_tail;
    size_t             ncached;
    /* pending questions, oldest first (per-query timeouts) */
    mailauth__dns_q_t *fl_head, *fl_tail;
    size_t             inflight;
    /* clients to wake, and clients whose evaluation finished without a
     * callback (mailauth_resolver_next_done()); both FIFO */
    mailauth__dnsc_queue_t wakeq, doneq;
    /* clients with a deadline, earliest first */
    mailauth__dnsc_t         *dl_head, *dl_tail;
    mailauth_resolver_stats_t stats;
    mailauth_sock_fn          sock_fn;
    void                     *sock_ud;
    /* mailauth_resolver_set_observer(), and lookups not answered yet (lookup.c) */
    mailauth_dns_answer_fn     observer;
    void                      *observer_ud;
    struct mailauth__dns_lookup *lookups;
    /* limits, read once from the environment */
    uint32_t q_timeout_ms, cache_max, ttl_max_s;
};

/* The files of the module and what they call. Calls go one way, down the
 * list: drivers reach resolver.c only through its constructor and
 * mailauth_resolver_free(); resolver.c and qtab.c reach the drivers only
 * through the operations in r->drv (the deps test checks for cycles).
 *
 *   drv_ares.c      c-ares driver: resolver.c, qtab.c, ares_answer.c
 *   drv_custom.c    the caller's driver: resolver.c, qtab.c
 *   drv_zone.c      zone driver: resolver.c, qtab.c, zone_parse.c, zone_store.c
 *   ares_answer.c   c-ares answers as records: qtab.c, dns_wire.c
 *   zone_store.c    zone records, answers from them: qtab.c, names.c
 *   zone_parse.c    zone text: names.c
 *   lookup.c        questions outside an evaluation: dnsc.c, answer_view.c
 *   dnsc.c          the client of one evaluation: qtab.c, client_lists.c, names.c,
 *                   answer_view.c
 *   resolver.c      the object and its run loop: lookup.c, qtab.c, client_lists.c
 *   qtab.c          question table, cache, completion: client_lists.c, answer_view.c
 *   answer_view.c   a question's answer as the public mailauth_dns_answer_t
 *   client_lists.c  the resolver's wake, done and deadline lists of clients
 *   names.c         name normal form and hash, enum names
 *   dns_wire.c      TTLs read from responses in wire format
 */

/* The resolver's monotonic clock (the environment's), in milliseconds. */
static inline uint64_t
mailauth__dns_now(const mailauth_resolver_t *r)
{
    return mailauth__env_mono_ms(r->env);
}

/* resolver.c */
/* A resolver over drv with no driver state yet (the driver's constructor
 * sets r->drv_state). MAILAUTH_OK or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dns_resolver_new(const mailauth__env_t     *env,
                                             const mailauth__dns_drv_t *drv,
                                             mailauth_resolver_t      **out);

/* client_lists.c: the wake and done queues (FIFO; pushing a client already
 * queued, or unlinking one that is not, does nothing) and the deadline list
 * (clients with a deadline not yet passed, earliest first). */
void mailauth__dns_wake_queue(mailauth_resolver_t *r, mailauth__dnsc_t *c);
void mailauth__dns_wake_unlink(mailauth_resolver_t *r, mailauth__dnsc_t *c);
void mailauth__dns_done_unlink(mailauth_resolver_t *r, mailauth__dnsc_t *c);
void mailauth__dns_deadline_unlink(mailauth_resolver_t *r, mailauth__dnsc_t *c);
void mailauth__dns_deadline_insert(mailauth_resolver_t *r, mailauth__dnsc_t *c);
/* Mark every client whose deadline is at or before now expired, take it
 * off the list and queue its wake. */
void mailauth__dns_deadlines_expire(mailauth_resolver_t *r, uint64_t now);

/* qtab.c: question table, cache and completion */
mailauth_status_t mailauth__dns_qtab_init(mailauth_resolver_t *r);
void              mailauth__dns_qtab_free(mailauth_resolver_t *r);
/* Find the live question for a normalized key (expired cache entries are
 * dropped on the way); NULL if none. Refreshes the LRU position on a hit. */
mailauth__dns_q_t *mailauth__dns_qtab_find(mailauth_resolver_t *r, const char *name, size_t len,
                                           uint32_t hash, uint16_t type);
/* Create a question held once by the caller and send it to the driver. It
 * may already be done on return (the driver answered at once or failed). */
mailauth_status_t mailauth__dns_qtab_create(mailauth_resolver_t *r, const char *name, size_t len,
                                            uint32_t hash, uint16_t type, mailauth__dns_q_t **out);
/* Drop one hold; frees the question when nothing needs it any more. */
void mailauth__dns_q_release(mailauth_resolver_t *r, mailauth__dns_q_t *q);
/* Expire pending questions older than the per-query timeout. */
void mailauth__dns_qtab_timeouts(mailauth_resolver_t *r, uint64_t now);
void mailauth__dns_qtab_flush(mailauth_resolver_t *r);
/* Check records a driver hands over for type (A: 4 bytes, AAAA: 16,
 * names without NUL). MAILAUTH_EINVAL if one is malformed. */
mailauth_status_t mailauth__dns_records_check(uint16_t type, const mailauth_dns_record_t *recs,
                                              size_t n);
/* Complete a pending question: copy the records (checked by the caller),
 * cache the answer (TTL: smallest record TTL, or neg_ttl for NXDOMAIN and
 * NODATA) and queue a wake for every waiting client. Ignored if q is done.
 * MAILAUTH_ENOMEM if the copy failed (q is then TEMPFAIL). */
mailauth_status_t mailauth__dns_complete(mailauth_resolver_t *r, mailauth__dns_q_t *q,
                                         mailauth_dns_rcode_t         rcode,
                                         const mailauth_dns_record_t *recs, size_t n,
                                         uint32_t neg_ttl);

/* answer_view.c: q's answer (done) as a mailauth_dns_answer_t handed to
 * fn. from_cache: given out of the cache now (ttl then says what is left).
 * If the record array cannot be allocated the answer reads TEMPFAIL. */
void mailauth__dns_answer_give(mailauth_resolver_t *r, const mailauth__dns_q_t *q, bool from_cache,
                               mailauth_dns_answer_fn fn, void *ud);
/* The observer, if any, sees q's answer. */
static inline void
mailauth__dns_observe(mailauth_resolver_t *r, const mailauth__dns_q_t *q, bool from_cache)
{
    if (r->observer != NULL)
        mailauth__dns_answer_give(r, q, from_cache, r->observer, r->observer_ud);
}

/* lookup.c: drop every pending lookup, without calling it (resolver free). */
void mailauth__dns_lookups_free(mailauth_resolver_t *r);

/* names.c */
/* Lower-case name into out (>= MAILAUTH__DNS_NAME_MAX + 1 bytes), drop one
 * trailing dot, check the RFC 1035 §2.3.4 lengths (name 1..253, labels
 * 1..63) and refuse NUL bytes. Returns the length, or 0 if invalid. */
size_t   mailauth__dns_name_norm(const char *name, size_t len, char *out);
uint32_t mailauth__dns_hash(const char *name, size_t len, uint16_t type);

/* Zone text (zone_parse.c) */
typedef struct mailauth__dns_zrec {
    const char    *owner; /* normalized */
    size_t         ownerlen;
    uint16_t       type;     /* DNS type code; 0 for a type name we do not know */
    bool           tempfail; /* rdata TIMEOUT or SERVFAIL */
    uint8_t        neg;      /* rdata NXDOMAIN or NODATA: MAILAUTH_DNS_NXDOMAIN / _NODATA; 0 */
    uint16_t       pref;     /* MX */
    uint32_t       ttl;
    const uint8_t *data; /* A/AAAA: address; TXT: strings concatenated; MX/PTR/CNAME: name */
    size_t         len;
} mailauth__dns_zrec_t;

#define MAILAUTH__DNS_CNAME 5

/* Parse zone text, calling fn for each record (fn NULL: check only). Stops
 * at the first syntax error (MAILAUTH_EINVAL, *errline set to its 1-based
 * line) or the first error fn returns. */
mailauth_status_t mailauth__dns_zone_parse(
    const mailauth_allocator_t *al, const char *text, size_t len, size_t *errline,
    mailauth_status_t (*fn)(void *ud, const mailauth__dns_zrec_t *rec), void *ud);

/* Zone store (zone_store.c) */
typedef struct mailauth__dns_zone mailauth__dns_zone_t;
mailauth__dns_zone_t             *mailauth__dns_zone_new(const mailauth_allocator_t *al);
void                              mailauth__dns_zone_free(mailauth__dns_zone_t *z);
mailauth_status_t mailauth__dns_zone_insert(void *zone, const mailauth__dns_zrec_t *rec);
/* Answer (name, type) from the zone, following CNAMEs, and complete q. */
mailauth_status_t mailauth__dns_zone_answer(mailauth_resolver_t *r, const mailauth__dns_zone_t *z,
                                            mailauth__dns_q_t *q);

/* c-ares answers (ares_answer.c): complete q from an ares_query callback. */
void mailauth__dns_ares_deliver(mailauth_resolver_t *r, mailauth__dns_q_t *q, int status,
                                const uint8_t *abuf, size_t alen);

#endif
