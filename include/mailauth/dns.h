/* mailauth: DNS resolver abstraction. */
#ifndef MAILAUTH_DNS_H
#define MAILAUTH_DNS_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! A resolver: one DNS driver (c-ares, zone text or caller-supplied), a
 *  table that turns identical questions from many evaluations into one
 *  query, a TTL-bounded answer cache, and the queue of evaluations to wake.
 *  A resolver and every evaluation using it belong to one thread: each
 *  thread that evaluates messages makes its own resolver from the shared
 *  ctx (the caches are per resolver). Every call on a resolver, on its
 *  evaluations and on its custom-driver queries happens on that thread,
 *  and so do the callbacks it makes (socket callback, custom DNS ops,
 *  completion callbacks). Handing a resolver with all its evaluations to
 *  another thread between calls is allowed, with the caller's own
 *  synchronization; using it from two threads at once is not
 *  (docs/threading.md). */
typedef struct mailauth_resolver mailauth_resolver_t;

/*! Record types mailauth asks for. */
typedef enum mailauth_dns_type {
    MAILAUTH_DNS_A = 1,
    MAILAUTH_DNS_PTR = 12,
    MAILAUTH_DNS_MX = 15,
    MAILAUTH_DNS_TXT = 16,
    MAILAUTH_DNS_AAAA = 28
} mailauth_dns_type_t;

/*! Name of a record type ("TXT"); "unknown" otherwise. */
MAILAUTH_API const char *mailauth_dns_type_name(mailauth_dns_type_t t);

/*! The four outcomes of a question, kept distinct. */
typedef enum mailauth_dns_rcode {
    MAILAUTH_DNS_RECORDS = 0,  /*!< one or more records */
    MAILAUTH_DNS_NODATA = 1,   /*!< the name exists, no record of this type */
    MAILAUTH_DNS_NXDOMAIN = 2, /*!< the name does not exist */
    MAILAUTH_DNS_TEMPFAIL = 3  /*!< timeout, SERVFAIL, refused, network error */
} mailauth_dns_rcode_t;

/*! Name of an outcome ("nxdomain"); "unknown" otherwise. */
MAILAUTH_API const char *mailauth_dns_rcode_name(mailauth_dns_rcode_t rc);

/*! Resolver using c-ares (system resolv.conf servers, or `servers`). Uses
 *  EDNS0, retries over TCP on truncation, never applies search domains or
 *  the hosts file.
 *  \param[in]  ctx      Context; must outlive the resolver.
 *  \param[in]  servers  NULL for resolv.conf, or a comma-separated list of
 *                       "ADDR", "ADDR:PORT", "[V6ADDR]:PORT".
 *  \param[out] out      New resolver, freed with mailauth_resolver_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (bad server list), MAILAUTH_EDNS, MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_resolver_new_ares(mailauth_ctx_t *ctx, const char *servers, mailauth_resolver_t **out);

/*! Resolver answering only from zone text (format: docs/zone-format.md).
 *  \param[in]  text     Zone text; copied.
 *  \param[in]  len      Its length in bytes.
 *  \param[out] errline  If not NULL, receives the 1-based line of a syntax error (0 otherwise).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (syntax error), MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_resolver_new_zone(
    mailauth_ctx_t *ctx, const char *text, size_t len, size_t *errline, mailauth_resolver_t **out);

/*! Add more zone text to a zone resolver (e.g. a second --zone file).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (not a zone resolver, syntax error), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_resolver_zone_add(mailauth_resolver_t *r, const char *text,
                                                          size_t len, size_t *errline);

/*! Test hook, not for production: delay every answer of a zone resolver by
 *  `ms` milliseconds of the ctx monotonic clock, so that tests and
 *  benchmarks can exercise the asynchronous paths and count DNS round
 *  trips. 0 turns the delay off.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL, or not a zone resolver). */
MAILAUTH_API mailauth_status_t mailauth_resolver_zone_set_delay(mailauth_resolver_t *r,
                                                                uint32_t             ms);

/*! A question handed to a custom driver. Opaque; valid until answered or canceled. */
typedef struct mailauth_dns_query mailauth_dns_query_t;

/*! Caller-supplied DNS driver. `version` must be MAILAUTH_DNS_OPS_VERSION. */
typedef struct mailauth_dns_ops {
    int   version;
    void *ud;
    /*! Start a query. Answer it later (or right away) with
     *  mailauth_dns_query_answer(). Return MAILAUTH_OK, or any error to
     *  make the question TEMPFAIL at once. */
    mailauth_status_t (*query)(void *ud, mailauth_dns_query_t *q, const char *name,
                               mailauth_dns_type_t type);
    /*! Forget a started query that will never be needed (may be NULL). After
     *  this returns, the query must not be answered. */
    void (*cancel)(void *ud, mailauth_dns_query_t *q);
    /*! Called once from mailauth_resolver_free() (may be NULL). */
    void (*destroy)(void *ud);
} mailauth_dns_ops_t;
#define MAILAUTH_DNS_OPS_VERSION 1

/*! One answer record given to mailauth_dns_query_answer(). `data` by type:
 *  A: 4 bytes; AAAA: 16 bytes; TXT: the character-strings of one record
 *  concatenated; MX: the exchange name as text; PTR: the name as text.
 *  Set `version` to MAILAUTH_DNS_RECORD_VERSION in every element. */
typedef struct mailauth_dns_record {
    int         version; /*!< MAILAUTH_DNS_RECORD_VERSION */
    const void *data;
    size_t      len;
    uint16_t    preference; /*!< MX only */
    uint32_t    ttl;        /*!< seconds */
} mailauth_dns_record_t;
#define MAILAUTH_DNS_RECORD_VERSION 1

/*! Resolver whose queries the caller answers.
 *  \param[in] ops  Copied. \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_resolver_new_custom(
    mailauth_ctx_t *ctx, const mailauth_dns_ops_t *ops, mailauth_resolver_t **out);

/*! Answer a custom-driver query. Records are copied; every element's
 *  `version` must be MAILAUTH_DNS_RECORD_VERSION. May be called from
 *  inside ops->query. Evaluations woken by the answer run at the next
 *  mailauth_resolver_process_timeouts() (or at once in a blocking call).
 *  Call it on the resolver's thread: a DNS client running on another thread
 *  hands its answer over first (examples/custom-resolver answers late and
 *  out of order from its own loop).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (rcode RECORDS with no records, a bad
 *          record: nothing is taken and the question stays open until its
 *          timeout; answer it again, e.g. with MAILAUTH_DNS_TEMPFAIL),
 *          MAILAUTH_ENOMEM (the question becomes TEMPFAIL). */
MAILAUTH_API mailauth_status_t mailauth_dns_query_answer(mailauth_dns_query_t        *q,
                                                         mailauth_dns_rcode_t         rcode,
                                                         const mailauth_dns_record_t *records,
                                                         size_t                       count);

/*! Free a resolver. NULL is a no-op. Free its evaluations first. */
MAILAUTH_API void mailauth_resolver_free(mailauth_resolver_t *r);

/*! Socket-state callback for event loops: called when the resolver wants
 *  (readable, writable) notification on `fd`; both 0 means forget `fd`. */
typedef void (*mailauth_sock_fn)(void *ud, int fd, int readable, int writable);

/*! Register the socket-state callback (c-ares resolvers; others never call it).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_resolver_set_sock_callback(mailauth_resolver_t *r,
                                                                   mailauth_sock_fn fn, void *ud);

/*! Tell the resolver `fd` is readable and/or writable; runs woken evaluations
 *  and their completion callbacks. \return MAILAUTH_OK, MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_resolver_process_fd(mailauth_resolver_t *r, int fd,
                                                            int readable, int writable);

/*! Handle expired timers (query retries, eval deadlines, delayed and custom
 *  answers); runs woken evaluations. \return MAILAUTH_OK, MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_resolver_process_timeouts(mailauth_resolver_t *r);

/*! Milliseconds until mailauth_resolver_process_timeouts() should next be
 *  called; 0 means now; -1 means no timer is pending. */
MAILAUTH_API int mailauth_resolver_timeout_ms(mailauth_resolver_t *r);

/*! Block up to `timeout_ms` for resolver activity and process it (used by
 *  the blocking API; handy for simple programs).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_EDNS (poll failed). */
MAILAUTH_API mailauth_status_t mailauth_resolver_run_once(mailauth_resolver_t *r, int timeout_ms);

/*! Counters of a resolver, for tests and monitoring. The caller sets
 *  `version` to MAILAUTH_RESOLVER_STATS_VERSION; the library fills the
 *  counters that version has. */
typedef struct mailauth_resolver_stats {
    int      version;     /*!< MAILAUTH_RESOLVER_STATS_VERSION, set by the caller */
    uint64_t questions;   /*!< questions asked by evaluations */
    uint64_t queries;     /*!< queries sent to the driver */
    uint64_t coalesced;   /*!< questions joined to a query already in flight */
    uint64_t cache_hits;  /*!< questions answered from the cache */
    uint64_t round_trips; /*!< times the driver went from no query in flight to some */
} mailauth_resolver_stats_t;
#define MAILAUTH_RESOLVER_STATS_VERSION 1

/*! Read the counters into `out` (its `version` set by the caller).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument or a version this
 *          library does not know). */
MAILAUTH_API mailauth_status_t mailauth_resolver_stats(const mailauth_resolver_t *r,
                                                       mailauth_resolver_stats_t *out);

/*! Drop every cached answer. \return MAILAUTH_OK, MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_resolver_flush_cache(mailauth_resolver_t *r);

/* ---- questions outside an evaluation, and watching the answers (1.1) ---- */

/*! One answer as mailauth_resolver_lookup() and the observer
 *  (mailauth_resolver_set_observer()) see it. Everything it points to is
 *  valid only during the callback. Records are as mailauth_dns_record_t
 *  describes them (TXT: the strings of one record concatenated; MX/PTR: the
 *  name without a trailing dot). */
typedef struct mailauth_dns_answer {
    int                          version; /*!< MAILAUTH_DNS_ANSWER_VERSION, set by the library */
    const char                  *name;    /*!< the question, lower case, no trailing dot */
    mailauth_dns_type_t          type;
    mailauth_dns_rcode_t         rcode;
    const mailauth_dns_record_t *records; /*!< `count` records (RECORDS only), answer order */
    size_t                       count;
    /*! Seconds the answer may be kept: the smallest record TTL, or the
     *  negative-caching TTL of an NXDOMAIN or NODATA answer (the SOA's, or
     *  300 when the driver did not say); for a cache hit, what is left of
     *  it; 0 for TEMPFAIL. Not capped by MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX. */
    uint32_t ttl;
    int      from_cache; /*!< 1: served from the resolver's cache (observer only) */
    uint32_t elapsed_ms; /*!< query sent to answer received, by the ctx clock; 0 from the cache */
} mailauth_dns_answer_t;
#define MAILAUTH_DNS_ANSWER_VERSION 1

/*! Receives an answer. `answer` is valid only during the call. */
typedef void (*mailauth_dns_answer_fn)(void *ud, const mailauth_dns_answer_t *answer);

/*! Ask one question outside any evaluation (a record check, a report
 *  destination's authorization), through the resolver's cache and its
 *  question table: an identical question in flight for an evaluation is
 *  asked once. `fn` is called exactly once, from the resolver's run loop
 *  (mailauth_resolver_process_fd(), _process_timeouts(), _run_once()),
 *  never from inside this call; an unanswered question becomes TEMPFAIL
 *  after MAILAUTH_LIMIT_DNS_TIMEOUT_MS. Freeing the resolver drops the
 *  lookups still pending without calling them. `fn` may start new lookups
 *  but must not free the resolver.
 *  \param[in] name  A domain name (text form, trailing dot optional); copied.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument, a type the resolver
 *          does not ask for, a name longer than 253 octets or with an empty
 *          or too long label), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_resolver_lookup(mailauth_resolver_t *r, const char *name,
                                                        mailauth_dns_type_t    type,
                                                        mailauth_dns_answer_fn fn, void *ud);

/*! mailauth_resolver_lookup() that blocks: runs the resolver (and any
 *  evaluation it wakes) until `fn` has been called or `timeout_ms` passed
 *  (negative: until the answer, which comes within
 *  MAILAUTH_LIMIT_DNS_TIMEOUT_MS). On MAILAUTH_ETIMEOUT `fn` is never called.
 *  \return MAILAUTH_OK (fn was called), MAILAUTH_ETIMEOUT, MAILAUTH_EDNS
 *          (waiting on the driver failed), or the errors of
 *          mailauth_resolver_lookup(). */
MAILAUTH_API mailauth_status_t mailauth_resolver_lookup_sync(mailauth_resolver_t   *r,
                                                             const char            *name,
                                                             mailauth_dns_type_t    type,
                                                             int                    timeout_ms,
                                                             mailauth_dns_answer_fn fn, void *ud);

/*! Watch every answer the resolver gives out: each answer from the driver
 *  (or a question's TEMPFAIL by timeout) once, when it arrives, and each
 *  question answered from the cache, with `from_cache` set. For logging
 *  (`mailauth-check --verbose`) and for recording the answers a run used
 *  (`--record-zone`). The observer is called from inside the resolver,
 *  possibly from a driver's callback: it must not call the resolver or an
 *  evaluation. One observer per resolver; `fn` NULL removes it.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (r NULL). */
MAILAUTH_API mailauth_status_t mailauth_resolver_set_observer(mailauth_resolver_t   *r,
                                                              mailauth_dns_answer_fn fn,
                                                              void                  *ud);

MAILAUTH_END_DECLS

#endif
