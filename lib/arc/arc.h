/* Internal: ARC chain validation of one message (RFC 8617 §5.2), a
 * resumable state machine driven like DKIM and DMARC:
 *
 *   at end of headers   mailauth__arc_start(): collects the ARC sets from
 *                       the header index and checks their structure
 *                       (§5.2 steps 1-3, arc_collect.c); if the chain is
 *                       still alive, parses every ARC-Message-Signature and
 *                       ARC-Seal, computes their header hashes, registers
 *                       the body hashes and asks for every key at once (in
 *                       parallel with the DKIM keys: same DNS client);
 *   body chunks         mailauth__arc_body() (only when the verifier owns
 *                       its body set, see below);
 *   end of body         mailauth__arc_end_body();
 *   on every DNS wake   mailauth__arc_step(): MAILAUTH_OK once the result
 *                       is final;
 *   then                mailauth__arc_result().
 *
 * Body hashes: an ARC-Message-Signature hashes the body like a
 * DKIM-Signature (RFC 8617 §4.1.2), so the verifier can share the body set
 * of the DKIM verifier: pass it to start() and the same (canonicalization,
 * hash, l=) triple is hashed once for both. The owner of a shared set
 * feeds and ends it; mailauth__arc_body() then does nothing, and
 * mailauth__arc_end_body() must come after mailauth__body_set_end(). With
 * NULL, the verifier makes and feeds its own set.
 *
 * The result is final at start() when the structure already decides it
 * (none, or a structural fail), else after the keys and the body. The DNS
 * client's deadline turns pending keys into TEMPFAIL, so a step after the
 * deadline completes. Memory comes from the arena, except key references
 * and an owned body set, released by mailauth__arc_free().
 */
#ifndef MAILAUTH__ARC_H
#define MAILAUTH__ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/arc.h>
#include <mailauth/authres.h>
#include <mailauth/ctx.h>
#include <mailauth/status.h>

#include "canon/canon.h"
#include "dns/dns.h"
#include "msg/msg.h"
#include "util/arena.h"
#include "util/env.h"

/* The public view (include/mailauth/arc.h). */
struct mailauth_arc_result {
    mailauth_verdict_t verdict; /* NONE, PASS or FAIL */
    mailauth_reason_t  reason;
    const char        *problem;     /* static or arena text; NULL on pass */
    uint32_t           instances;   /* N, the highest instance seen */
    uint32_t           failed;      /* instance of the failed check, 0 if none */
    int                oldest_pass; /* §5.2 steps 5-7; -1 when not computed */
    const char *const *sealers;     /* [instances]: d= of AS(i) at i - 1, or NULL */
};

/* ---------------------------------------------------------------- collection */

/* The ARC header fields of one instance. Counts saturate at 255; the
 * pointers are the first field of each kind seen top-down. */
typedef struct mailauth__arc_set {
    const mailauth__hdr_t *aar, *ams, *as;
    uint8_t                naar, nams, nas;
    int8_t                 cv;     /* mailauth__arc_cv_t of the (first) AS, -1 unreadable */
    bool                   ams_c;  /* the (first) AMS has a c= tag */
    const char            *sealer; /* d= of the AS as written (lower-cased), or NULL */
} mailauth__arc_set_t;

typedef struct mailauth__arc_chain {
    uint32_t             n;      /* highest instance seen; 0 without ARC fields */
    mailauth__arc_set_t *sets;   /* [n], instance i at i - 1 (NULL when n is 0) */
    size_t               fields; /* ARC header fields seen */
    /* The structural verdict: NONE (no ARC field), FAIL (reason, problem,
     * failed set), or PASS meaning "structure sound, signatures to verify". */
    mailauth_verdict_t verdict;
    mailauth_reason_t  reason;
    const char        *problem;
    uint32_t           failed;
    bool newest_cv_fail; /* §5.2 step 2 (and §5.1 step 2 for sealers): AS(N) says cv=fail */
} mailauth__arc_chain_t;

/* Collect the ARC-Authentication-Results, ARC-Message-Signature and
 * ARC-Seal fields of `hdrs` by instance and check §5.2 steps 1-3: at least
 * one ARC field (else NONE); every field has a readable instance (§4.2.1;
 * ARC_SYNTAX); N <= max_instances (ARC_TOO_MANY); cv of AS(N) is not fail
 * (step 2, ARC_CV); every instance 1..N has exactly one AAR, AMS and AS
 * (step 3.1-3.2, ARC_STRUCTURE); cv of AS(1) is none and of the others pass
 * (step 3.3, ARC_CV). Memory from `a`; the chain points into `hdrs`.
 * Returns MAILAUTH_OK (see out->verdict) or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_collect(mailauth__arena_t *a, const mailauth__hdr_index_t *hdrs,
                                        uint32_t max_instances, mailauth__arc_chain_t *out);

/* RFC 8617 §4.1.1: the instance of an ARC-Authentication-Results value
 * ("i=" 1*DIGIT ";" before the authserv-id, CFWS allowed around the
 * tokens). Returns the instance, or 0 when the value does not start so
 * (values over 1024 read as 1025, past any limit). */
uint32_t mailauth__arc_aar_instance(const char *value, size_t len);

/* ---------------------------------------------------------------- verification */

typedef struct mailauth__arc mailauth__arc_t;

/* Options of mailauth__arc_start(). */
enum {
    /* Also verify the older ARC-Message-Signatures to compute oldest-pass
     * (§5.2 steps 5-7): more keys and maybe more body hashes. */
    MAILAUTH__ARC_OLDEST_PASS = 1u << 0,
};

/* Start validating the ARC chain of `hdrs` (which must not change
 * afterwards), in the environment `env`. Questions go through `dns`,
 * memory comes from `a` (the header picker from the index's own arena).
 * Every header hash is taken here: afterwards the chain's field pointers
 * are not read again, so the caller may release the fields
 * (mailauth__hdr_index_release()). Key references are dropped once their
 * signature is checked. `bs` is
 * a body set shared with its owner (see the top of this file) or NULL.
 * Returns MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO (the hash library
 * failed), MAILAUTH_EINVAL (NULL arguments). On error *out may still hold
 * a verifier: free it. */
mailauth_status_t mailauth__arc_start(mailauth__arena_t *a, const mailauth__env_t *env,
                                      mailauth__dnsc_t *dns, const mailauth__hdr_index_t *hdrs,
                                      mailauth__body_set_t *bs, unsigned options,
                                      mailauth__arc_t **out);

/* Body bytes (CRLF-normalized, any chunking), for an owned body set.
 * MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_body(mailauth__arc_t *v, const void *p, size_t n);

/* End of the body (for a shared set: after its owner ended it).
 * MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_end_body(mailauth__arc_t *v);

/* Take in the key answers at hand. MAILAUTH_OK: the result is final;
 * MAILAUTH_EAGAIN: waiting for DNS or the body; MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_step(mailauth__arc_t *v);

/* True once the result is final. */
bool mailauth__arc_done(const mailauth__arc_t *v);

/* The result (final once done; lives in the arena). */
const mailauth_arc_result_t *mailauth__arc_result(const mailauth__arc_t *v);

/* The collected chain (structure, fields by instance); valid after start. */
const mailauth__arc_chain_t *mailauth__arc_chain(const mailauth__arc_t *v);

/* Release key references and an owned body set. NULL is a no-op. */
void mailauth__arc_free(mailauth__arc_t *v);

/* Append the "arc" entry to an Authentication-Results field (RFC 8617
 * §4.1.1 / RFC 8601): arc=pass|fail|none with a comment saying why it
 * failed, header.oldest-pass when computed, and smtp.remote-ip when
 * `remote_ip` is not NULL. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__arc_add_authres(const mailauth__arc_t *v, mailauth_authres_t *ar,
                                            const char *remote_ip);

#endif
