/* Internal: the resolver as evaluators see it.
 *
 * An evaluator never talks to a driver. It owns a mailauth__dnsc_t (a DNS
 * client: one per evaluation), asks questions through it and reads answers
 * when they are ready. Questions are shared: the resolver keeps one
 * question per (lower-cased name, type), answers it from the cache or one
 * driver query, and wakes every client waiting on it. A client's wake hook
 * is only ever called from the resolver's run loop (never from inside
 * mailauth__dnsc_ask() or a driver callback), so the evaluator can step its
 * state machines from there.
 */
#ifndef MAILAUTH__DNS_H
#define MAILAUTH__DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/dns.h>

typedef struct mailauth__dns_q mailauth__dns_q_t;

/* One answer record; data is owned by the question. For TXT the strings of
 * one record are concatenated (RFC 7208 §3.3, RFC 6376 §3.6.2.2) and a NUL
 * follows data[len] (not counted) so it may be used as a C string when it
 * has no NUL inside. MX/PTR: the name, without trailing dot, NUL-terminated. */
typedef struct mailauth__dns_rr {
    const uint8_t *data;
    size_t         len;
    uint16_t       pref;
    uint32_t       ttl;
} mailauth__dns_rr_t;

typedef struct mailauth__dns_result {
    mailauth_dns_rcode_t      rcode;
    size_t                    count; /* > 0 only for MAILAUTH_DNS_RECORDS */
    const mailauth__dns_rr_t *rr;    /* in answer order */
} mailauth__dns_result_t;

#define MAILAUTH__DNSC_INLINE 8

struct mailauth__dnsc;
/* A client's place in one of the resolver's client queues. */
typedef struct mailauth__dnsc_link {
    struct mailauth__dnsc *prev, *next;
    bool                   on; /* in the queue */
} mailauth__dnsc_link_t;

/* Per-evaluation DNS client. Embedded in the evaluation; init/clear. */
typedef struct mailauth__dnsc {
    mailauth_resolver_t *r;
    void (*wake)(void *ud); /* called from the resolver run loop when an answer arrives */
    void    *wake_ud;
    uint64_t deadline_ms; /* monotonic; 0: none */
    uint32_t asked;       /* questions asked, for MAILAUTH_LIMIT_DNS_QUERIES */
    uint32_t max_asked;
    /* held questions (released by clear); waiters[i] is the resolver's
     * wait-list node for held[i] while that question is pending, else NULL.
     * The first MAILAUTH__DNSC_INLINE live in the client itself (an SPF check
     * of a common policy asks fewer), so a client must not be moved once it
     * has asked. */
    mailauth__dns_q_t           **held;
    struct mailauth__dns_waiter **waiters;
    size_t                        nheld, capheld;
    mailauth__dns_q_t            *held_in[MAILAUTH__DNSC_INLINE];
    struct mailauth__dns_waiter  *waiters_in[MAILAUTH__DNSC_INLINE];
    /* links owned by the resolver (pending-wake, done and deadline lists) */
    mailauth__dnsc_link_t  wake_link, done_link;
    mailauth_status_t      done_status; /* while in the done queue */
    bool                   expired;     /* deadline passed: pending questions read as TEMPFAIL */
    struct mailauth__dnsc *dl_prev, *dl_next;
} mailauth__dnsc_t;

void mailauth__dnsc_init(mailauth__dnsc_t *c, mailauth_resolver_t *r, void (*wake)(void *ud),
                         void *ud);
/* Release every held question; unlink from the resolver. Safe twice. */
void mailauth__dnsc_clear(mailauth__dnsc_t *c);
/* Put the client at the end of its resolver's done queue with the final
 * status of its owner (an evaluation finished without a callback); taken
 * out by mailauth__dns_done_pop() or by clear. */
void mailauth__dnsc_done_push(mailauth__dnsc_t *c, mailauth_status_t st);
/* The oldest client in r's done queue, taken out, and its status; NULL when
 * the queue is empty. */
mailauth__dnsc_t *mailauth__dns_done_pop(mailauth_resolver_t *r, mailauth_status_t *st);
/* Set the deadline relative to now (ms); at the deadline the client is woken
 * and every unanswered question it holds reads as TEMPFAIL. */
void mailauth__dnsc_set_timeout(mailauth__dnsc_t *c, uint32_t ms);

/* Ask (name, type). The name is matched case-insensitively, trailing dot
 * ignored. The question is held by the client until clear. If the same
 * question is already held, the same pointer is returned (not counted twice).
 * The client is woken when the answer arrives; if it is known already
 * (cache) or the client is past its deadline, a wake is queued at once, so
 * the news always comes from the run loop, never from inside this call.
 * Returns MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ELIMIT (per-message query
 * limit reached: *out is NULL, treat as TEMPFAIL), MAILAUTH_EINVAL (name
 * empty, longer than 253 octets, or a label over 63: treat as no answer). */
mailauth_status_t mailauth__dnsc_ask(mailauth__dnsc_t *c, const char *name, size_t len,
                                     mailauth_dns_type_t type, mailauth__dns_q_t **out);
/* The answer, or NULL while pending. After the deadline, a pending question
 * yields a TEMPFAIL result. The result stays valid until clear. */
const mailauth__dns_result_t *mailauth__dnsc_result(mailauth__dnsc_t *c, mailauth__dns_q_t *q);
/* The name asked (lower case, without a trailing dot), valid as long as q. */
const char *mailauth__dnsc_qname(const mailauth__dns_q_t *q);
/* A form derived from an answer (a parsed SPF record, say), kept with the
 * question and freed with it, so that every evaluation reading the same
 * cached answer derives it once. A memo is allocated with the resolver's
 * allocator (mailauth__dnsc_allocator()) and may point into the answer's
 * records, which live exactly as long. It is seen only by code passing the
 * free function it was stored with, so two kinds of memo never mix up. */
typedef void (*mailauth__dns_memo_free_fn)(const mailauth_allocator_t *al, void *memo);
const mailauth_allocator_t *mailauth__dnsc_allocator(const mailauth__dnsc_t *c);
/* The memo stored with q's answer by free_fn's owner, or NULL. */
void *mailauth__dnsc_memo(const mailauth__dnsc_t *c, const mailauth__dns_q_t *q,
                          mailauth__dns_memo_free_fn free_fn);
/* Store memo with q's answer. false when q has no answer yet or has a memo
 * already: the caller keeps memo then. */
bool mailauth__dnsc_set_memo(mailauth__dnsc_t *c, mailauth__dns_q_t *q, void *memo,
                             mailauth__dns_memo_free_fn free_fn);

/* Queue a wake of this client at the next run of the resolver loop (so a
 * finish() whose verdicts are already known still calls back later, never
 * from inside itself). mailauth_resolver_timeout_ms() returns 0 meanwhile. */
mailauth_status_t mailauth__dnsc_poke(mailauth__dnsc_t *c);

/* For the core: wake callbacks pending? Run them (the resolver's run loop
 * calls this; exposed so a blocking driver loop can drain it). */
void mailauth__resolver_run_wakes(mailauth_resolver_t *r);

/* The environment (util/env.h) a resolver was made in; NULL for NULL. */
const struct mailauth__env *mailauth__resolver_env(const mailauth_resolver_t *r);

/* mailauth_resolver_lookup() with a handle, for a caller that may give up
 * waiting (the blocking form in lib/core): *out is valid until fn has been
 * called or the lookup is canceled, whichever comes first. out may be NULL. */
typedef struct mailauth__dns_lookup mailauth__dns_lookup_t;
mailauth_status_t mailauth__dns_lookup_start(mailauth_resolver_t *r, const char *name,
                                             mailauth_dns_type_t type, mailauth_dns_answer_fn fn,
                                             void *ud, mailauth__dns_lookup_t **out);
/* Forget a lookup not answered yet: fn will not be called. */
void mailauth__dns_lookup_cancel(mailauth_resolver_t *r, mailauth__dns_lookup_t *l);

/* The constructors behind the public ones of include/mailauth/dns.h, with
 * their arguments, statuses and ownership, in an environment instead of a
 * ctx: lib/core defines the public functions, freezes the ctx and hands its
 * environment over. The resolver keeps env, which must outlive it (the ctx
 * embeds it). The c-ares channel constructor is in dns/dns_ares.h. */
mailauth_status_t mailauth__resolver_new_ares(const struct mailauth__env *env, const char *servers,
                                              mailauth_resolver_t **out);
mailauth_status_t mailauth__resolver_new_zone(const struct mailauth__env *env, const char *text,
                                              size_t len, size_t *errline,
                                              mailauth_resolver_t **out);
mailauth_status_t mailauth__resolver_new_custom(const struct mailauth__env *env,
                                                const mailauth_dns_ops_t   *ops,
                                                mailauth_resolver_t       **out);

#endif
