/* Run one iprev check through the internal mailauth__iprev_* API over a
 * zone resolver (or a custom driver), blocking (mailauth_resolver_run_once)
 * or asynchronously (answers delayed, mailauth_resolver_process_timeouts on
 * a simulated monotonic clock, so no real time passes), like spf_harness.h.
 * Used by tests/test_iprev.c. */
#ifndef MAILAUTH_TEST_IPREV_HARNESS_H
#define MAILAUTH_TEST_IPREV_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/iprev.h>
#include <mailauth/mailauth.h>

#define IPREV_HARNESS_AUTHSERV "mx.example.net"

typedef struct iprev_harness_case {
    const char                 *zone; /* zone text (ignored with ops) */
    size_t                      zone_len;
    const mailauth_dns_ops_t   *ops; /* a custom driver instead of the zone; NULL: zone */
    const char                 *ip;  /* client address */
    bool                        async;
    uint32_t                    delay_ms;        /* async zone answer delay (0: 1 ms) */
    uint32_t                    max_queries;     /* MAILAUTH_LIMIT_DNS_QUERIES; 0: default */
    uint32_t                    eval_timeout_ms; /* MAILAUTH_LIMIT_EVAL_TIMEOUT_MS; 0: default */
    const mailauth_allocator_t *arena_al;        /* the check's arena; NULL: the C library's */
    bool                        once;            /* no second check over the warm cache */
} iprev_harness_case_t;

typedef struct iprev_harness_out {
    mailauth_verdict_t verdict;
    mailauth_reason_t  reason;
    /* strings; "(none)" for NULL */
    char                      ip[64], name[300], problem[600];
    char                      authres[1200]; /* mailauth_authres_format(), authserv-id above */
    mailauth_resolver_stats_t stats;         /* of the first check (the cache was cold) */
    unsigned                  steps;         /* mailauth__iprev_step() calls */
    bool                      done_at_start; /* the first step finished it */
    mailauth_status_t         status;        /* what start/step failed with; MAILAUTH_OK if none */
    char                      error[300];    /* harness failure (not a verdict); "" if none */
} iprev_harness_out_t;

/* Run the check; then, unless arena_al, ops or once is given, once more
 * over the warm cache, which must give the same result. Returns 0, or -1 with
 * out->error set (setup failed, the check failed or stalled). */
int iprev_harness_run(const iprev_harness_case_t *c, iprev_harness_out_t *out);

/* ---- key/value case blocks (tests/data/iprev/ case files) ----
 *
 * Input keys: name, ip, max-queries. Expectation keys (checked when
 * present): result (verdict word), reason (mailauth_reason_name),
 * confirmed (the confirmed name, "(none)" for none), problem (exact,
 * "(none)" for none), authres (the whole formatted field, with the escapes
 * \r \n \t \\), questions, queries, round-trips (resolver stats of the
 * check).
 * Every block runs twice, blocking and async (answers delayed 50 ms); both
 * runs must meet the expectations. */

struct case_section;
struct case_block;

/* 0 if the block's expectations hold, else -1 with a message in why. */
int iprev_harness_run_block(const struct case_section *s, const struct case_block *b, char *why,
                            size_t cap);

#endif
