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
 *                   checked and the signatures verified;
 *   end of message  mailauth__dkim_verify_end_body(): body hashes compared.
 *
 * step() returns MAILAUTH_OK once every signature has its verdict. All
 * memory comes from the eval's arena except the body set and the key
 * references, released by mailauth__dkim_verify_free().
 *
 * The header-hash helpers are shared with ARC (the ARC-Message-Signature
 * selects and hashes header fields the same way, RFC 8617 §4.1.2).
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
mailauth_status_t mailauth__dkim_verify_start(mailauth__arena_t *a, const mailauth_ctx_t *ctx,
                                              mailauth__dnsc_t            *dns,
                                              const mailauth__hdr_index_t *hdrs,
                                              mailauth__dkim_verify_t    **out);

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

/* The header fields grouped by name (case-insensitive), so that h= lists
 * of any length select their fields in constant time per name. Built once
 * per message over a header index that no longer changes. */
typedef struct mailauth__hdr_groups mailauth__hdr_groups_t;

/* MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__hdr_groups_build(mailauth__arena_t *a, const mailauth__hdr_index_t *idx,
                                             mailauth__hdr_groups_t **out);

/* Hash of the header data a signature covers (RFC 6376 §3.7, §5.4.2): for
 * each h= name the next instance of that name from the bottom not yet used
 * (a name with no instance left contributes nothing), canonicalized by
 * sig->c_header, then the signature field itself without its b= value and
 * without a trailing CRLF. `field` is the signature field; sig->b_off is
 * relative to field->value. digest gets mailauth__hash_len(sig->hash) bytes.
 * kit: the ctx's digests (NULL: fetched).
 * Not reentrant on one `g` (it holds the per-name cursors).
 * MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
mailauth_status_t mailauth__dkim_header_digest(const mailauth_allocator_t *al,
                                               const mailauth__hash_kit_t *kit,
                                               mailauth__hdr_groups_t     *g,
                                               const mailauth__sig_t      *sig,
                                               const mailauth__hdr_t *field, uint8_t *digest);

#endif
