/* Internal: the DKIM verifier of one message (RFC 6376 §6, RFC 8301,
 * RFC 8463), driven by the evaluation like the SPF check:
 *
 *   end of headers  mailauth__dkim_verify_start(): every DKIM-Signature
 *                   field is parsed, its header hash computed, its body
 *                   hash registered in the body set (shared by equal
 *                   (canonicalization, hash, l=) triples) and its key asked
 *                   for, all keys at once;
 *   body chunks     mailauth__dkim_verify_body(): fed to the body set, never kept;
 *   DNS wakes       mailauth__dkim_verify_step(): keys that arrived are
 *                   checked against their signatures and held;
 *   end of message  mailauth__dkim_verify_end_body(): body hashes compared,
 *                   and only where one matches the signature is verified
 *                   over the header hash (RFC 6376 §6.1.3).
 *
 * step() returns MAILAUTH_OK once every signature has its verdict. All
 * memory comes from the eval's arena except the body set and the key
 * references, released by mailauth__dkim_verify_free() (a key as soon as
 * its verdict is known), and the header picker, which comes from the
 * header index's own arena: after start() the verifier reads no header
 * field, only the index's refused names, so the caller may release the
 * fields (mailauth__hdr_index_release()). Configuration
 * (limits, clock, flags, key cache, digests) comes from the environment.
 *
 * The header-hash helpers and the body hashes of a verifier are shared
 * with ARC (the ARC-Message-Signature selects and hashes header fields and
 * the body the same way, RFC 8617 §4.1.2) and with the signers.
 */
#ifndef MAILAUTH__DKIM_VERIFY_H
#define MAILAUTH__DKIM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/authres.h>
#include <mailauth/dkim.h>

#include "dkim/dkim.h"
#include "dns/dns.h"
#include "msg/msg.h"
#include "util/arena.h"
#include "util/env.h"

/* The public view of one signature's verdict (include/mailauth/dkim.h). */
struct mailauth_dkim_result {
    mailauth_verdict_t verdict;
    mailauth_reason_t  reason;
    const char        *problem;   /* static text or arena; NULL on pass */
    const char        *domain;    /* d=, lower case */
    const char        *selector;  /* s= */
    const char        *auid;      /* i= or "@" d= */
    const char        *algorithm; /* a= as written */
    const char        *signature; /* b= without FWS */
    unsigned           key_bits;
    bool               testing;     /* key t=y */
    int64_t            timestamp;   /* t=, -1 absent */
    int64_t            expiry;      /* x=, -1 absent */
    int64_t            body_length; /* l=, -1 absent */
    uint64_t           unsigned_bytes;
};

/* ---------------------------------------------------------------- verifier */

typedef struct mailauth__dkim_verify mailauth__dkim_verify_t;

/* Start verifying the DKIM-Signature fields of `hdrs` (which must not
 * change afterwards). Questions go through `dns`; memory from `a`.
 * Returns MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO (the hash library
 * failed). On error *out may still hold a verifier: free it. */
mailauth_status_t mailauth__dkim_verify_start(mailauth__arena_t *a, const mailauth__env_t *env,
                                              mailauth__dnsc_t            *dns,
                                              const mailauth__hdr_index_t *hdrs,
                                              mailauth__dkim_verify_t    **out);

/* Every verdict is final: complete the results for reading (the b= text
 * of header.b, encoded again from the bytes kept while the body
 * streamed). Call before the results are read. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dkim_verify_settle(mailauth__dkim_verify_t *v);

/* Body bytes (CRLF-normalized, any chunking). MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dkim_verify_body(mailauth__dkim_verify_t *v, const void *p, size_t n);

/* End of the body: body hashes are final. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dkim_verify_end_body(mailauth__dkim_verify_t *v);

/* Take in the key answers at hand. MAILAUTH_OK: every verdict is known
 * (only after end_body); MAILAUTH_EAGAIN: waiting for DNS or the body;
 * MAILAUTH_ENOMEM. Idempotent once finished. */
mailauth_status_t mailauth__dkim_verify_step(mailauth__dkim_verify_t *v);

/* Release the body set and the key references. NULL is a no-op. The DNS
 * questions are the client's: clear it first or after, never needed here. */
void mailauth__dkim_verify_free(mailauth__dkim_verify_t *v);

/* The verifier's body set, to be shared with the ARC verifier (its
 * ARC-Message-Signatures hash the body like DKIM, RFC 8617 §4.1.2): from
 * this call on, mailauth__dkim_verify_body() feeds the set even when no
 * DKIM signature wants a hash, and mailauth__dkim_verify_end_body() ends
 * it for both. Call before the first body byte. */
mailauth__body_set_t *mailauth__dkim_verify_share_body(mailauth__dkim_verify_t *v);

/* Signatures reported (every DKIM-Signature field, top to bottom). */
size_t mailauth__dkim_verify_count(const mailauth__dkim_verify_t *v);
/* Result i, or NULL out of range. */
const mailauth_dkim_result_t *mailauth__dkim_verify_result(const mailauth__dkim_verify_t *v,
                                                           size_t                         i);
/* Distinct body hashes computed (tests: equal triples are hashed once). */
size_t mailauth__dkim_verify_body_hashes(const mailauth__dkim_verify_t *v);

/* Append the dkim entries to an Authentication-Results field: one per
 * signature, or "dkim=none" when there is none (RFC 8601 §2.7.1).
 * MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dkim_add_authres(const mailauth__dkim_verify_t *v,
                                             mailauth_authres_t            *ar);

/* ---------------------------------------------------------------- header hash */

/* Hash the fields the entries names[0..n) pick (RFC 6376 §5.4.2: each the
 * next unused instance of its name from the bottom; one with none left
 * contributes nothing), each canonicalized with its CRLF (§3.7). The
 * picker is begun anew. MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
mailauth_status_t mailauth__dkim_hash_fields(mailauth__hash_t *h, mailauth__canon_t canon,
                                             mailauth__hdr_pick_t *p, const char *const *names,
                                             size_t n);

/* Hash of the header data a signature covers (RFC 6376 §3.7): the fields
 * its h= picks canonicalized by sig->c_header, then the signature field
 * itself without its b= value and without a trailing CRLF. `field` is the
 * signature field; sig->b_off is relative to field->value. digest gets
 * mailauth__hash_len(sig->hash) bytes. Not reentrant on one picker.
 * MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
mailauth_status_t mailauth__dkim_header_digest(const mailauth__env_t *env, mailauth__hdr_pick_t *p,
                                               const mailauth__sig_t *sig,
                                               const mailauth__hdr_t *field, uint8_t *digest);

/* ---------------------------------------------------------------- body hashes */

/* A verifier's hold on a body set (dkim_body.c): its own set (made with
 * the environment's digests, fed and ended by the verifier), or one shared
 * by the set's owner (which feeds and ends it; the verifier only asks for
 * hashes and reads them). An owned set is fed only once a hash was asked
 * for or the set was shared out: a message nobody hashes the body of is
 * not even looked at. A zeroed struct holds nothing. */
typedef struct mailauth__body_use {
    mailauth__body_set_t *bs;
    bool                  owned;
    bool                  wanted; /* feed it */
    bool                  ended;
} mailauth__body_use_t;

/* Hold `shared`, or (NULL) a new set of one's own. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__body_use_open(mailauth__body_use_t *u, const mailauth__env_t *env,
                                          mailauth__body_set_t *shared);
/* mailauth__body_set_want() on the set, which is then fed. */
mailauth_status_t mailauth__body_use_want(mailauth__body_use_t *u, mailauth__canon_t canon,
                                          mailauth__hash_alg_t alg, uint64_t limit, size_t *id);
/* The set, to be shared with another verifier (it is fed from now on). */
mailauth__body_set_t *mailauth__body_use_share(mailauth__body_use_t *u);
/* Body bytes (CRLF-normalized, any chunking): fed to an owned set that is
 * wanted and not ended. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__body_use_feed(mailauth__body_use_t *u, const void *p, size_t n);
/* End of the body: an owned set is ended (a shared one must have been by
 * its owner). True the first time it succeeds (then finish what waited
 * for the body hashes); false when ended before, or on failure (*st). */
bool mailauth__body_use_end(mailauth__body_use_t *u, mailauth_status_t *st);
/* Free an owned set; the hold is zeroed. */
void mailauth__body_use_close(mailauth__body_use_t *u);

#endif
