/* Internal: DKIM canonicalization (RFC 6376 §3.4), fused with hashing.
 *
 * Body: a streaming canonicalizer that feeds a hash directly. Its output
 * (and so the digest) is the same for every way the body bytes are cut
 * into chunks. It scans for the few bytes that change (WSP runs, CR LF,
 * trailing empty lines) and hands the hash large unchanged runs, holding
 * back only what it cannot decide yet: pending CRLFs (trailing empty lines
 * are dropped at the end, §3.4.3/§3.4.4) and, in relaxed mode, a pending
 * WSP run. Input is CRLF-normalized message body (the msg layer turns bare
 * LF into CRLF); a bare CR is an ordinary byte.
 *
 * Body hashes are shared: a message carries one body set, and each
 * signature asks it for the hash of (canonicalization, algorithm, l=);
 * equal requests get the same hasher, so the body is canonicalized and
 * hashed once per distinct triple however many signatures use it.
 *
 * Header: canonicalize one field (as received, folding kept, without the
 * trailing CRLF) into a hash, with the CRLF that ends it (§3.4.1/§3.4.2),
 * or the signature field itself with its b= value removed and no CRLF
 * (§3.7).
 */
#ifndef MAILAUTH__CANON_H
#define MAILAUTH__CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/status.h>

#include "crypto/crypto.h"

typedef enum mailauth__canon {
    MAILAUTH__CANON_SIMPLE = 0,
    MAILAUTH__CANON_RELAXED = 1,
} mailauth__canon_t;

#define MAILAUTH__BODY_NO_LIMIT UINT64_MAX

/* ---- body ---- */

typedef struct mailauth__body_set mailauth__body_set_t;

mailauth_status_t mailauth__body_set_new(const mailauth_allocator_t *al,
                                         mailauth__body_set_t **out);
/* Take the hash algorithms from `kit` (the ctx's, see crypto.h) instead of
 * fetching them for every hasher. Before the first want(); kit must
 * outlive the set. */
void mailauth__body_set_use_kit(mailauth__body_set_t *bs, const mailauth__hash_kit_t *kit);
void mailauth__body_set_free(mailauth__body_set_t *bs);

/* Ask for the body hash of (canon, alg, limit); limit is l= or
 * MAILAUTH__BODY_NO_LIMIT. Returns a handle (index) in *id; equal triples
 * share one. Only before the first body byte. At most 32 distinct triples
 * (MAILAUTH_ELIMIT beyond: the signature is then not verified).
 * MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ELIMIT, MAILAUTH_ESTATE. */
mailauth_status_t mailauth__body_set_want(mailauth__body_set_t *bs, mailauth__canon_t canon,
                                          mailauth__hash_alg_t alg, uint64_t limit, size_t *id);
/* Feed body bytes (any chunking) to every wanted hasher. */
mailauth_status_t mailauth__body_set_feed(mailauth__body_set_t *bs, const void *p, size_t n);
/* End of body: finish every hasher. Then the results below may be read. */
mailauth_status_t mailauth__body_set_end(mailauth__body_set_t *bs);
/* Digest of hasher `id` (after end). *len gets its length. */
const uint8_t *mailauth__body_set_digest(const mailauth__body_set_t *bs, size_t id, size_t *len);
/* Length of the whole canonicalized body (not cut by l=) for hasher `id`,
 * so a verifier can tell whether l= exceeds the body (§3.5: then the
 * signature fails) or leaves bytes unsigned. */
uint64_t mailauth__body_set_canon_len(const mailauth__body_set_t *bs, size_t id);

/* ---- one body canonicalizer, for signers and tests ---- */

typedef struct mailauth__body_canon mailauth__body_canon_t;

mailauth_status_t mailauth__body_canon_new(const mailauth_allocator_t *al,
                                           mailauth__canon_t canon, mailauth__hash_alg_t alg,
                                           uint64_t limit, mailauth__body_canon_t **out);
/* The same with the hash algorithm from `kit` (NULL: fetched). */
mailauth_status_t mailauth__body_canon_new_kit(const mailauth_allocator_t *al,
                                               const mailauth__hash_kit_t *kit,
                                               mailauth__canon_t canon, mailauth__hash_alg_t alg,
                                               uint64_t limit, mailauth__body_canon_t **out);
mailauth_status_t mailauth__body_canon_feed(mailauth__body_canon_t *bc, const void *p, size_t n);
/* Finish: digest into out (mailauth__hash_len bytes); *canon_len the
 * length of the whole canonicalized body. */
mailauth_status_t mailauth__body_canon_end(mailauth__body_canon_t *bc, uint8_t *out,
                                           uint64_t *canon_len);
void mailauth__body_canon_free(mailauth__body_canon_t *bc);

/* ---- header ---- */

/* Hash one header field canonicalized, followed by CRLF. `raw` is the
 * field as received ("Name: value", folding kept), without trailing CRLF. */
mailauth_status_t mailauth__canon_header(mailauth__hash_t *h, mailauth__canon_t canon,
                                         const char *raw, size_t len);

/* Hash the signature field itself (DKIM-Signature, ARC-Message-Signature,
 * ARC-Seal) canonicalized with the value of its b= tag deleted, and
 * without a trailing CRLF (RFC 6376 §3.7). raw[b_off, b_off + b_len) is the
 * whole tag value, surrounding whitespace included: from just after the
 * '=' to the ';' that ends the tag (or the end of the field). Those bytes
 * are skipped before canonicalizing; "b=" itself stays. */
mailauth_status_t mailauth__canon_header_sig(mailauth__hash_t *h, mailauth__canon_t canon,
                                             const char *raw, size_t len, size_t b_off,
                                             size_t b_len);

/* Several fields into one hash through one staging buffer: the header
 * data of a signature (RFC 6376 §3.7) is one stream, so its fields go to
 * the hash in as few updates as the stage allows (a hash update costs a
 * call chain and a partial-block copy whatever its size). Begin, then
 * fields and at most one signature field, in hash order, then end (the
 * last update). The bytes hashed are those of mailauth__canon_header()
 * and mailauth__canon_header_sig() called in the same order. Fields
 * private; an object on the stack (1.5 KiB). */
#define MAILAUTH__CANON_STAGE 1536u
typedef struct mailauth__canon_sink {
    mailauth__hash_t *h;   /* NULL: buffer mode (mailauth__canon_header_text) */
    char             *buf; /* buffer mode: where the bytes go */
    size_t            cap;
    size_t            len; /* bytes produced (buffer mode: may exceed cap) */
    size_t            stage_len;
    uint8_t           stage[MAILAUTH__CANON_STAGE];
} mailauth__canon_sink_t;

void mailauth__canon_sink_begin(mailauth__canon_sink_t *s, mailauth__hash_t *h);
/* One field, then CRLF (as mailauth__canon_header()). MAILAUTH_OK, MAILAUTH_EINVAL. */
mailauth_status_t mailauth__canon_sink_field(mailauth__canon_sink_t *s, mailauth__canon_t canon,
                                             const char *raw, size_t len);
/* The signature field (as mailauth__canon_header_sig()). MAILAUTH_OK, MAILAUTH_EINVAL. */
mailauth_status_t mailauth__canon_sink_sig(mailauth__canon_sink_t *s, mailauth__canon_t canon,
                                           const char *raw, size_t len, size_t b_off, size_t b_len);
void              mailauth__canon_sink_end(mailauth__canon_sink_t *s);

/* Canonicalized form of a field into a caller buffer (tests, signer
 * debugging): exactly the bytes mailauth__canon_header() hashes, its final
 * CRLF included. Like snprintf: *need gets the full length without the
 * NUL; buf is NUL-terminated when cap > 0; MAILAUTH_ENOSPC if cap <= *need
 * (retry with *need + 1), MAILAUTH_EINVAL on bad arguments. */
mailauth_status_t mailauth__canon_header_text(mailauth__canon_t canon, const char *raw, size_t len,
                                              char *buf, size_t cap, size_t *need);

#endif
