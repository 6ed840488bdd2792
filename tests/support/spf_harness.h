/* Run one SPF check_host() over a zone resolver through the internal
 * mailauth__spf_* API, blocking (mailauth_resolver_run_once) or
 * asynchronously (answers delayed, mailauth_resolver_process_timeouts on a
 * simulated monotonic clock, so no real time passes). */
#ifndef MAILAUTH_TEST_SPF_HARNESS_H
#define MAILAUTH_TEST_SPF_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/mailauth.h>

#include "util/env.h"

typedef struct spf_harness_case {
    const char                 *zone; /* zone text */
    size_t                      zone_len;
    const char                 *ip;            /* client address */
    const char                 *helo;          /* may be NULL */
    const char                 *mailfrom;      /* "" is the null sender: postmaster@HELO */
    bool                        helo_identity; /* check the HELO identity instead of MAIL FROM */
    const char                 *default_exp;   /* ctx default explanation, or NULL */
    const char                 *authserv_id;   /* NULL: the ctx default */
    int64_t                     now;           /* wall clock, seconds (for %{t}) */
    bool                        async;         /* delayed answers, process_timeouts loop */
    uint32_t                    delay_ms;      /* async answer delay (0: 1 ms) */
    uint32_t                    limits[MAILAUTH__LIMIT_COUNT]; /* 0: default */
    const mailauth_allocator_t *arena_al; /* allocator of the check's arena; NULL: libc */
} spf_harness_case_t;

typedef struct spf_harness_out {
    mailauth_verdict_t        verdict;
    mailauth_reason_t         reason;
    char                      explanation[600]; /* "" when none */
    bool                      has_explanation;
    char                      mechanism[300];
    char                      problem[500];
    unsigned                  dns_terms;
    char                      received_spf[2048];
    mailauth_resolver_stats_t stats;
    unsigned                  steps;      /* mailauth__spf_step() calls */
    char                      error[200]; /* harness failure (not a verdict), "" if none */
    mailauth_status_t         status;     /* what start/step failed with, MAILAUTH_OK if none */
} spf_harness_out_t;

/* Returns 0, or -1 with out->error set (setup failed, or the check stalled). */
int spf_harness_run(const spf_harness_case_t *c, spf_harness_out_t *out);

/* ---- key/value case blocks (tests/data/spf/ case files, the converted openspf suite) ----
 *
 * Keys: name, ip, helo, mailfrom, identity (mailfrom|helo), result (one or
 * more accepted words), explanation ("(none)": must have none), mechanism,
 * problem (a substring), reason (mailauth_reason_name), dns-terms,
 * default-exp, authserv-id, now, limits ("spf-void-lookups=3,...").
 * Every block runs twice, blocking and async; both runs must meet the
 * expectations and agree with each other. */

struct case_section;
struct case_block;

enum {
    SPF_HARNESS_EXP_NOCASE = 1 /* compare the explanation ignoring ASCII case */
};

/* 0 if the block's expectations hold, else -1 with a message in why. */
int spf_harness_run_block(const struct case_section *s, const struct case_block *b, unsigned flags,
                          char *why, size_t cap);

#endif
