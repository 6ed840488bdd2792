/* Test support for the eval tests: a zone of SPF records, a context +
 * zone resolver + eval set up for a blocking run (system clock) or an
 * asynchronous one (hand-moved clock, zone delay), the completion callback
 * that checks it is never called from inside finish(), and an SPF result
 * check that also looks at the Authentication-Results. */
#ifndef MAILAUTH_TEST_EVAL_HARNESS_H
#define MAILAUTH_TEST_EVAL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/mailauth.h>

#define NOT_RUN ((mailauth_verdict_t)-1) /* mailauth_eval_spf() gives NULL */
#define ASYNC_DELAY 30u                  /* zone delay of async runs, ms */

extern const char harness_zone_text[];

typedef struct harness {
    bool                 async;
    uint64_t             now; /* fake monotonic ms (async runs) */
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
    mailauth_eval_t     *ev;
    int                  calls;     /* callbacks */
    bool                 in_finish; /* inside mailauth_eval_finish() */
    bool                 free_in_cb;
    mailauth_status_t    cb_st;
} harness_t;

/* Context (limits as (limit, value) pairs), zone resolver, eval; methods 0: default. */
void harness_setup(harness_t *h, bool async, const uint32_t *limits, size_t nlimits,
                   unsigned methods);
void harness_teardown(harness_t *h);
/* Completion callback: counts, records the status, frees the eval if free_in_cb. */
void harness_done_cb(void *ud, mailauth_eval_t *ev, mailauth_status_t st);
/* Move the fake clock and process timers until the callback came (or max_ms),
 * then a few more turns to see it never comes twice. */
void harness_drive(harness_t *h, uint64_t max_ms);
/* finish_sync(), or finish() + harness_drive() checking exactly one callback. */
mailauth_status_t harness_finish(harness_t *h);
/* The SPF result of an identity and its Authentication-Results entry. */
void harness_check_spf(mailauth_eval_t *ev, mailauth_spf_identity_t id,
                       mailauth_verdict_t want, const char *domain, const char *sender);

#endif
