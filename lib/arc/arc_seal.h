/* Internal: the ARC sealer (include/mailauth/sign.h, RFC 8617 §5.1).
 *
 * arc_seal.c      setup, setters, feeding (header fields kept, the body
 *                 hashed as it streams; with a resolver, the incoming
 *                 chain is validated on the way: keys asked at end of
 *                 headers);
 * arc_seal_make.c end of message: the chain status, the instance, and the
 *                 three fields AAR, AMS, AS;
 * arc_aar.c       the results of this host's Authentication-Results fields,
 *                 which the AAR carries (RFC 8617 §4.1.1).
 */
#ifndef MAILAUTH__ARC_SEAL_H
#define MAILAUTH__ARC_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/sign.h>

#include "arc/arc.h"
#include "dkim/dkim_sign.h"
#include "dns/dns.h"
#include "msg/msg.h"
#include "util/arena.h"
#include "util/buf.h"

typedef enum mailauth__sealer_phase {
    MAILAUTH__SEALER_NEW = 0, /* no header yet: every setter works */
    MAILAUTH__SEALER_HEADERS,
    MAILAUTH__SEALER_BODY,
    MAILAUTH__SEALER_VALIDATING, /* body ended, waiting for the chain's keys */
    MAILAUTH__SEALER_DONE
} mailauth__sealer_phase_t;

/* The three fields, in the order RFC 8617 §5.1 step 4 creates them. */
enum { MAILAUTH__SEAL_AAR = 0, MAILAUTH__SEAL_AMS, MAILAUTH__SEAL_AS, MAILAUTH__SEAL_N };

struct mailauth_arc_sealer {
    mailauth_ctx_t          *ctx;
    const mailauth_key_t    *key;
    mailauth__arena_t        arena; /* names, kept fields, the validator */
    mailauth__hdr_index_t    hdrs;  /* every header field, in order */
    const char              *domain, *selector, *authserv_id;
    const char             **names; /* h= list given, or NULL: the default list */
    size_t                   nnames;
    bool                     chain_set; /* the caller gave the chain status */
    mailauth_verdict_t       chain;
    mailauth_resolver_t     *r; /* validate the incoming chain with it */
    mailauth__dnsc_t         dns;
    bool                     dns_ready;
    mailauth__arc_t         *v;
    mailauth__body_set_t    *bs;
    size_t                   bh_id; /* our relaxed/sha256 body hash in bs */
    bool                     body_ended;
    mailauth__sealer_phase_t phase;
    bool                     last_cr; /* the last body byte fed was CR */
    bool                     refused; /* a header field was refused by a limit */
    bool                     suite;   /* the ValiMail suite's field layout (tests) */
    /* results */
    uint32_t           instance; /* 0: no set added (§5.1 step 2) */
    mailauth_verdict_t cv;
    mailauth__sb_t     out[MAILAUTH__SEAL_N]; /* the fields, "Name: value", no CRLF */
};

/* Write the AMS and AS in the ValiMail suite's layout (tags in
 * alphabetical order, "; " between them, b= in its place, no folding), so
 * that the suite's expected signatures can be reproduced byte for byte.
 * Tests only; before end_message(). */
void mailauth__arc_sealer_suite_format(mailauth_arc_sealer_t *s, bool on);

/* End of message (arc_seal_make.c), once the chain status is known.
 * MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ELIMIT, MAILAUTH_EDNS,
 * MAILAUTH_ECRYPTO, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_seal_make(mailauth_arc_sealer_t *s);

/* ---- Authentication-Results of this host (arc_aar.c) ---- */

/* One result ("spf=pass smtp.mailfrom=a@b.example") as written. */
typedef struct mailauth__arc_piece {
    const char *p;
    size_t      n;
} mailauth__arc_piece_t;

/* The results of every Authentication-Results field of `hdrs` whose
 * authserv-id is `authserv_id` (ASCII case-insensitive), top to bottom,
 * each trimmed; "none" (RFC 8601 no-result) is left out. The pieces point
 * into the fields. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_ar_results(mailauth__arena_t *a, const mailauth__hdr_index_t *hdrs,
                                           const char *authserv_id, mailauth__arc_piece_t **out,
                                           size_t *n);

/* The method of a result piece is `method` (case-insensitive); *result
 * gets its result word. */
bool mailauth__arc_piece_is(const mailauth__arc_piece_t *piece, const char *method,
                            const char **result, size_t *rlen);

#endif
