/* Test support for the DKIM verifier tests (test_dkim_verify*.c): a zone
 * publishing the keys of tests/data/dkim_verify/ under example.com, a
 * context + zone resolver + eval with the wall clock pinned (blocking or
 * async, like eval_harness), a test message signed at test time and
 * mutated after signing, and result checks that look at the detail view
 * and at the Authentication-Results together. */
#ifndef MAILAUTH_TEST_DKIM_HARNESS_H
#define MAILAUTH_TEST_DKIM_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/mailauth.h>

#include "support/eval_harness.h"
#include "support/testsig.h"

#define NOW_S 1700000000LL /* wall clock of every DKIM eval test... */
extern int64_t dk_wall_s;  /* ...unless a test moves this (and puts it back) */
#define H_STD "from:to:subject:date:message-id"

/* Selectors of the zone (all under example.com):
 *   rsa, k1..k9   2048-bit RSA     strict   the same, t=s
 *   testing       the same, t=y    sha256   the same, h=sha256
 *   svc           the same, s=tlsrpt        multi  two records
 *   ed            Ed25519          kmis     Ed25519 (for an RSA signature)
 *   small         512-bit RSA      revoked  empty p=
 *   bad           p= not base64    temp     TIMEOUT
 *   nokey         nothing (NXDOMAIN) */
const char *dk_zone(void);
/* Free the zone (group teardown). */
void dk_zone_free(void);

enum dk_opt {
    OPT_SHA1 = 1,      /* MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1 */
    OPT_FULL_BODY = 2, /* MAILAUTH_FLAG_DKIM_REQUIRE_FULL_BODY */
    OPT_MAX1024 = 4,   /* MAILAUTH_LIMIT_RSA_MAX_BITS 1024 */
    OPT_DKIM_ONLY = 8, /* methods: DKIM only */
    OPT_SPF_DKIM = 16, /* methods: SPF and DKIM (no DMARC or ARC questions) */
};

/* ctx (options, limits as (limit, value) pairs, allocator or NULL), zone
 * resolver (async: ASYNC_DELAY ms per answer), eval. Returns the first
 * failing status (out-of-memory walks); h is teardown-safe either way. */
mailauth_status_t dk_setup_al(harness_t *h, bool async, unsigned opts, const uint32_t *limits,
                              size_t nlimits, const mailauth_allocator_t *al);
/* Same, asserting success, default allocator. */
void dk_setup(harness_t *h, bool async, unsigned opts, const uint32_t *limits, size_t nlimits);

/* The test message: its header section and body before signing. */
extern const char dk_headers[];
extern const char dk_body[];
/* Its body, simple-canonicalized, is this long; M_BODY_APPEND adds APPENDED. */
#define BODY_CANON_LEN 39
#define APPENDED "P.S. see you there.\r\n"

enum mutation {
    M_NONE = 0,
    M_BODY,        /* one body byte changed */
    M_HEADER,      /* Subject changed */
    M_ADD_FROM,    /* a second From field added at the top */
    M_REFOLD,      /* Subject folded differently (same relaxed form) */
    M_BODY_APPEND, /* a line appended to the body */
};

typedef struct dk_msg {
    char  *p;
    size_t n;
} dk_msg_t;

/* A signature field over the test message (asserts). free() it. */
char *dk_sign(const tsig_spec_t *spec);
/* The signature fields on top, then the mutated message. free(m.p). */
dk_msg_t dk_message(const char *const *sigs, size_t nsigs, enum mutation mut);

/* Signature i has this verdict and reason (detail view and its dkim entry
 * in the Authentication-Results agree); a problem text unless it passed. */
void dk_check(mailauth_eval_t *ev, size_t i, mailauth_verdict_t v, mailauth_reason_t r);
/* The dkim entries of the Authentication-Results, in order; returns their count. */
size_t dk_ar_entries(mailauth_eval_t *ev, const mailauth_resinfo_t **out, size_t max);

#endif
