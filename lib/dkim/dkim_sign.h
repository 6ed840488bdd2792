/* Internal: making signature fields. The DKIM signer (dkim_sign.c) uses
 * it now; the ARC sealer reuses it for ARC-Message-Signature and ARC-Seal.
 *
 * A field is written tag by tag into a folding formatter: lines of at most
 * 78 columns (RFC 5322 §2.1.1), folded with CRLF + TAB, no final CRLF.
 * Short tags ("d=example.org;") are never split; a list (h=) folds after a
 * colon; base64 (bh=, b=) folds anywhere inside the value (RFC 6376 §3.5:
 * FWS is allowed there). b= is always the last tag and has no ';' after it.
 *
 * Signing (RFC 6376 §3.7): the caller feeds the canonicalized header fields
 * it signs into a hash, then mailauth__sigfmt_sign() writes " b=", hashes
 * the field as written so far (folding included) with the empty b= value,
 * canonicalized, signs the digest and appends the base64 signature. Where
 * "b=" goes never depends on the signature, so the text a verifier hashes
 * after deleting the b= value is byte for byte the text that was signed.
 */
#ifndef MAILAUTH__DKIM_SIGN_H
#define MAILAUTH__DKIM_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/sign.h>
#include <mailauth/status.h>

#include "canon/canon.h"
#include "crypto/crypto.h"
#include "msg/msg.h"
#include "util/arena.h"
#include "util/buf.h"

enum { MAILAUTH__SIGFMT_WIDTH = 78 }; /* RFC 5322 §2.1.1: SHOULD be at most 78 */

typedef struct mailauth__sigfmt {
    mailauth__sb_t sb;   /* the field so far */
    size_t         col;  /* bytes on the current line (a TAB counts as one) */
    bool           sep;  /* a tag was written: the next needs " " or a fold */
    bool           done; /* b= written: the field is complete */
} mailauth__sigfmt_t;

/* Embedded init (allocates nothing yet); al NULL: the C library's. */
void mailauth__sigfmt_init(mailauth__sigfmt_t *f, const mailauth_allocator_t *al);
/* Free the text; the formatter may be begun again. */
void mailauth__sigfmt_clear(mailauth__sigfmt_t *f);
/* Start the field "Name: " (discarding anything written before). */
mailauth_status_t mailauth__sigfmt_begin(mailauth__sigfmt_t *f, const char *name);
/* "tag=value;" on one line (value written as given: the caller makes it
 * a valid tag-value, RFC 6376 §3.2). MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ESTATE. */
mailauth_status_t mailauth__sigfmt_tag(mailauth__sigfmt_t *f, const char *tag, const char *value,
                                       size_t len);
/* "tag=<decimal>;". */
mailauth_status_t mailauth__sigfmt_tag_u64(mailauth__sigfmt_t *f, const char *tag, uint64_t v);
/* "tag=a:b:c;" folded after colons (h=, RFC 6376 §3.5). n >= 1. */
mailauth_status_t mailauth__sigfmt_tag_list(mailauth__sigfmt_t *f, const char *tag,
                                            const char *const *items, size_t n);
/* "tag=<base64 of p>;" folded inside the value (bh=). */
mailauth_status_t mailauth__sigfmt_tag_b64(mailauth__sigfmt_t *f, const char *tag, const uint8_t *p,
                                           size_t n);
/* Finish the field (see the top of this file): " b=" is written, the field
 * is hashed into `h` canonicalized with `canon` and without a final CRLF
 * (mailauth__canon_header_sig), the digest of `h` is signed with `key`,
 * and the signature is appended in base64, folded. `h` must be a `alg`
 * hash that already holds the signed header fields; it is finalized.
 * MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO, MAILAUTH_ESTATE. */
mailauth_status_t mailauth__sigfmt_sign(mailauth__sigfmt_t *f, mailauth__hash_t *h,
                                        mailauth__canon_t canon, mailauth__hash_alg_t alg,
                                        const mailauth__privkey_t *key);
/* The field written so far (NUL-terminated, "" before begin); *len its length. */
const char *mailauth__sigfmt_text(const mailauth__sigfmt_t *f, size_t *len);

/* The OpenSSL key inside a public key handle (lib/dkim/key_pub.c). */
const mailauth__privkey_t *mailauth__dkim_privkey(const mailauth_key_t *key);

/* ---------------------------------------------------------------- signer */

/* The signer object (dkim_sign.c: setup and feeding; dkim_sign_make.c:
 * signing). */
typedef enum mailauth__signer_phase {
    MAILAUTH__SIGNER_NEW = 0, /* no header yet: every setter works */
    MAILAUTH__SIGNER_HEADERS,
    MAILAUTH__SIGNER_BODY,
    MAILAUTH__SIGNER_DONE
} mailauth__signer_phase_t;

struct mailauth_dkim_signer {
    mailauth_ctx_t          *ctx;
    const mailauth_key_t    *key;
    mailauth__arena_t        arena; /* d=, s= and the kept header fields */
    mailauth__hdr_index_t    hdrs;  /* only fields whose name is in the list */
    const char              *domain, *selector;
    char                    *auid; /* i= as written (dkim-quoted-printable), or NULL */
    char                    *list; /* caller's list, split in place; NULL: the default list */
    const char             **names;
    size_t                  *slots; /* slots[j]: first k <= j with the same name as j */
    size_t                   nnames;
    mailauth_canon_t         c_header, c_body;
    bool                     body_length;
    uint32_t                 expiry;
    size_t                   fields, max_count, max_bytes;
    bool                     refused_signed; /* a field to be signed was refused by a limit */
    mailauth__signer_phase_t phase;
    bool                     last_cr; /* the last body byte fed was CR */
    mailauth__body_canon_t  *body;
    bool                     bh_done;
    uint8_t                  bh[MAILAUTH__HASH_MAX];
    uint64_t                 body_len; /* canonicalized body length (l=) */
    mailauth__sigfmt_t       fmt;      /* the finished field */
};

/* The h= entries: the caller's list as given, or the default list
 * expanded (dkim_sign.c). items/slots come from the ctx allocator (free
 * both, also on error); slots[j] is the first entry with the same name, so
 * entries sharing a slot take successive instances bottom-up. */
mailauth_status_t mailauth__dkim_signer_h(const mailauth_dkim_signer_t *s, const char ***items,
                                          size_t **slots, size_t *n);

#endif
