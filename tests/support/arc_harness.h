/* Test support for ARC: run the internal chain validator (lib/arc/arc.h)
 * over a message and a zone, blocking (system monotonic clock, c-ares-like
 * run loop over the zone driver) or asynchronously (hand-moved clock, zone
 * answers delayed), and seal messages through the public sealer API. Used
 * by test_arc.c (suites, own cases) and test_arc_seal.c. */
#ifndef MAILAUTH_TEST_ARC_HARNESS_H
#define MAILAUTH_TEST_ARC_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/arc.h>
#include <mailauth/mailauth.h>

#define ARC_SUITE_NOW 12345 /* the ValiMail suite's t= (shared/testdata README) */

typedef struct arc_opts {
    int64_t                     now_s;   /* wall clock, seconds */
    bool                        async;   /* zone answers delayed, clock moved by hand */
    unsigned                    options; /* MAILAUTH__ARC_* of lib/arc/arc.h */
    const uint32_t             *limits;  /* (limit, value) pairs */
    size_t                      nlimits;
    bool                        sha1;   /* MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1 */
    bool                        shared; /* pass a body set the harness owns, as DKIM would */
    const mailauth_allocator_t *al;     /* NULL: the C library's */
} arc_opts_t;

typedef struct arc_outcome {
    mailauth_verdict_t verdict;
    mailauth_reason_t  reason;
    char               problem[256]; /* "" when none */
    unsigned           instances, failed;
    int                oldest_pass;
    char               sealers[8][64]; /* of instances 1..8, "" when NULL */
    bool               done_at_start;  /* the structure decided it */
    size_t             next_body_id;   /* shared: the id a new triple got after start */
    char               authres[512];   /* the "arc" entry, remote-ip 192.0.2.1, formatted */
} arc_outcome_t;

/* Validate one message (CRLF) with the keys of `zone` (zone text format).
 * Returns the first failing status (out-of-memory walks); MAILAUTH_OK with
 * *out filled otherwise. Nothing leaks on any path. */
mailauth_status_t arc_validate(const char *zone, const void *msg, size_t len, const arc_opts_t *o,
                               arc_outcome_t *out);

/* Same, asserting success. */
void arc_validate_ok(const char *zone, const void *msg, size_t len, const arc_opts_t *o,
                     arc_outcome_t *out);

/* Verdict words as in the suites ("pass", "fail", "none"). */
const char *arc_word(mailauth_verdict_t v);

#endif
