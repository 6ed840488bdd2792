/* Internal: the ARC sealer (include/mailauth/sign.h, RFC 8617 §5.1).
 *
 * arc_sealer.c     the sealer object: setup, setters, the feeding of the
 *                  message through the intake (every header field kept,
 *                  the body hashed as it streams; with a resolver, the
 *                  incoming chain validated on the way: keys asked at end
 *                  of headers), the end of the message, the results;
 * arc_seal_set.c   what the new set says: the instance, the chain status
 *                  (cv=) and the ARC-Authentication-Results;
 * arc_seal_sign.c  the two signatures of the set: ARC-Message-Signature
 *                  and ARC-Seal, made and signed;
 * arc_aar.c        the results of this host's Authentication-Results fields,
 *                  which the AAR carries (RFC 8617 §4.1.1).
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

/* The three fields, in the order RFC 8617 §5.1 step 4 creates them. */
enum { MAILAUTH__SEAL_AAR = 0, MAILAUTH__SEAL_AMS, MAILAUTH__SEAL_AS, MAILAUTH__SEAL_N };

/* Phases: the intake's (fields, body), then validating (the message
 * ended, the chain's keys may still be awaited), then done. */
struct mailauth_arc_sealer {
    const mailauth__env_t *env;
    const mailauth_key_t  *key;
    mailauth__arena_t      arena; /* names, kept fields, the validator */
    mailauth__intake_t     in;    /* every header field kept */
    mailauth__hlist_t      hl;    /* the AMS h= */
    const char            *domain, *selector, *authserv_id;
    bool                   chain_set; /* the caller gave the chain status */
    mailauth_verdict_t     chain;
    mailauth_resolver_t   *r; /* validate the incoming chain with it */
    mailauth__dnsc_t       dns;
    bool                   dns_ready;
    mailauth__arc_t       *v;
    mailauth__body_set_t  *bs;
    size_t                 bh_id; /* our relaxed/sha256 body hash in bs */
    bool                   body_ended;
    bool                   refused_arc; /* an ARC or Authentication-Results field was refused */
    bool                   done;
    bool                   suite; /* the ValiMail suite's field layout (tests) */
    /* results */
    uint32_t           instance; /* 0: no set added (§5.1 step 2) */
    mailauth_verdict_t cv;
    mailauth__sb_t     out[MAILAUTH__SEAL_N]; /* the fields, "Name: value", no CRLF */
};

/* Make a sealer in `env` (which must outlive it); the checks of
 * mailauth_arc_sealer_new(), which is this with the ctx's environment. */
mailauth_status_t mailauth__arc_sealer_new(const mailauth__env_t *env, const mailauth_key_t *key,
                                           const char *domain, const char *selector,
                                           const char *authserv_id, mailauth_arc_sealer_t **out);

/* Write the AMS and AS in the ValiMail suite's layout (tags in
 * alphabetical order, "; " between them, b= in its place, no folding), so
 * that the suite's expected signatures can be reproduced byte for byte.
 * Tests only; before end_message(). */
void mailauth__arc_sealer_suite_format(mailauth_arc_sealer_t *s, bool on);

/* End of message (arc_seal_set.c), once the chain status is known: the
 * instance, cv=, and the three fields. MAILAUTH_OK, MAILAUTH_EINVAL,
 * MAILAUTH_ELIMIT, MAILAUTH_EDNS, MAILAUTH_ECRYPTO, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_seal_make(mailauth_arc_sealer_t *s);

/* The AMS of the new set (arc_seal_sign.c, RFC 8617 §4.1.2): a DKIM
 * signature over the body and the h= fields, relaxed/relaxed. `inst` and
 * `t` are i= and t= as written. */
mailauth_status_t mailauth__arc_seal_ams(mailauth_arc_sealer_t *s, const char *inst, const char *t);
/* The AS of the new set (§4.1.3, §5.1.1): over the sets of `c` (unless
 * cv=fail) and the new AAR and AMS, which must be made first. */
mailauth_status_t mailauth__arc_seal_as(mailauth_arc_sealer_t *s, const mailauth__arc_chain_t *c,
                                        const char *inst, const char *t);

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
