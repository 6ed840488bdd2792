/* Internal: making signatures. The DKIM signer, and what the ARC sealer
 * reuses of it for ARC-Message-Signature and ARC-Seal: the field
 * formatter, signing keys, h= lists.
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
#include "util/env.h"

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

/* ---------------------------------------------------------------- signing keys */

/* Load a private key handle (signing_key.c) whose memory comes from `al`,
 * which must outlive it (the ctx allocator, through the environment).
 * mailauth_key_load_pem() is this with the ctx's environment. */
mailauth_status_t mailauth__signing_key_load(const mailauth_allocator_t *al, const char *pem,
                                             size_t len, mailauth_key_t **out);
/* A new key handle (mailauth_key_generate() with the ctx's allocator). */
mailauth_status_t mailauth__signing_key_generate(const mailauth_allocator_t *al,
                                                 mailauth_key_type_t type, unsigned bits,
                                                 mailauth_key_t **out);
/* The OpenSSL key inside a key handle. */
const mailauth__privkey_t *mailauth__dkim_privkey(const mailauth_key_t *key);

/* ---------------------------------------------------------------- h= lists */

/* The h= list of a signature being made (dkim_hlist.c), for the DKIM
 * signer and the ARC sealer's ARC-Message-Signature:
 *
 *  - a default list (From oversigned, then each name as often as the
 *    message has it) or a caller's list (written to h= as given);
 *  - has(): the names whose fields a signer must keep;
 *  - refuse(): a field of that name was refused by a header limit. Every
 *    entry of a refused name is left out of h=, whatever the instances
 *    kept: a verifier picks from the bottom up, and with its own limits
 *    it could pick the refused field, which the signature did not cover.
 *    A refused From means no signature (RFC 6376 §5.4: From MUST be
 *    signed): the signer checks refused(hl, "from");
 *  - make(): the entries of h=.
 * Names are compared ASCII case-insensitively (RFC 5322 §1.2.2). */
typedef struct mailauth__hlist {
    mailauth__arena_t    arena; /* a caller's list, the name set, the marks */
    const char *const   *names; /* the entries: a caller's list, or a default one */
    size_t               n;
    bool                 given;   /* a caller's list */
    mailauth__name_set_t set;     /* the distinct names of `names` */
    bool                *refused; /* per distinct name */
} mailauth__hlist_t;

/* The default names: the DKIM signer's list is the first
 * MAILAUTH__HLIST_DKIM_N (sign.h), the AMS's all MAILAUTH__HLIST_AMS_N
 * (DKIM-Signature too, RFC 8617 §4.1.2). "from" is the first. */
enum { MAILAUTH__HLIST_DKIM_N = 12, MAILAUTH__HLIST_AMS_N = 13 };
extern const char *const mailauth__hlist_defaults[MAILAUTH__HLIST_AMS_N];

/* mailauth__hlist_set() flags: an AMS list (RFC 8617 §4.1.2: no ARC-* and
 * no Authentication-Results; names written in lower case). */
enum { MAILAUTH__HLIST_AMS = 1u << 0 };

/* Start with a default list (static names, "from" first); memory from
 * `al`. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__hlist_init(mailauth__hlist_t *hl, const mailauth_allocator_t *al,
                                       const char *const *defaults, size_t n);
void              mailauth__hlist_clear(mailauth__hlist_t *hl);
/* Use a caller's colon-separated list instead (blanks around names
 * dropped; From required; at most 1024 names). On failure the list in use
 * stays. MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__hlist_set(mailauth__hlist_t *hl, const char *list, unsigned flags);
/* Whether name[0..len) is listed. */
bool mailauth__hlist_has(const mailauth__hlist_t *hl, const char *name, size_t len);
/* A field named name[0..len) was refused by a limit; `whole` false: only
 * the beginning of its name is known (msg.h intake ops). */
void mailauth__hlist_refuse(mailauth__hlist_t *hl, const char *name, size_t len, bool whole);
/* Whether a field of the listed name `name` was refused. */
bool mailauth__hlist_refused(const mailauth__hlist_t *hl, const char *name);
/* The h= entries, in `a`: the caller's list without refused names, or the
 * default list expanded by the fields the picker has (From once more
 * than it occurs, the others as often as they occur) without refused
 * names. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__hlist_make(const mailauth__hlist_t *hl, mailauth__arena_t *a,
                                       const mailauth__hdr_pick_t *p, const char ***items,
                                       size_t *n);

/* ---------------------------------------------------------------- signer */

/* The signer object (dkim_signer.c: setup, setters, feeding, end;
 * dkim_sign_compose.c: the field). */
struct mailauth_dkim_signer {
    const mailauth__env_t  *env;
    const mailauth_key_t   *key;
    mailauth__arena_t       arena; /* d=, s=, the kept header fields, the h= made */
    mailauth__intake_t      in;    /* the message: only fields of listed names are kept */
    mailauth__hlist_t       hl;
    const char             *domain, *selector;
    char                   *auid; /* i= as written (dkim-quoted-printable), or NULL */
    mailauth_canon_t        c_header, c_body;
    bool                    body_length;
    uint32_t                expiry;
    bool                    done;  /* the field is made */
    mailauth__hdr_pick_t   *picks; /* over the kept fields, made at the end */
    mailauth__body_canon_t *body;
    bool                    bh_done;
    uint8_t                 bh[MAILAUTH__HASH_MAX];
    uint64_t                body_len; /* canonicalized body length (l=) */
    mailauth__sigfmt_t      fmt;      /* the finished field */
};

/* d= and s= of a signature being made (RFC 6376 §3.5): d= a domain name
 * of two or more labels, converted to A-labels; s= dot-separated LDH
 * labels. Copies in `a`. MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__sign_names(mailauth__arena_t *a, const char *domain,
                                       const char *selector, char **d, const char **s);

/* Make a signer in `env` (which must outlive it); the checks of
 * mailauth_dkim_signer_new(), which is this with the ctx's environment. */
mailauth_status_t mailauth__dkim_signer_new(const mailauth__env_t *env, const mailauth_key_t *key,
                                            const char *domain, const char *selector,
                                            mailauth_dkim_signer_t **out);

/* Write, hash and sign the DKIM-Signature field (dkim_sign_compose.c)
 * once the body hash is known: the h= entries picked from the kept
 * fields, t= now. MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
mailauth_status_t mailauth__dkim_sign_compose(mailauth_dkim_signer_t *s);

#endif
