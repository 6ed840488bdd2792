/* Internal: DKIM signatures, key records, the key cache, and the
 * per-message verifier (RFC 6376, RFC 8463, RFC 8301). ARC (lib/arc)
 * reuses the signature parser, the key code and the canonicalization.
 *
 * Parsing never copies the field: a parsed signature points into the
 * header index's copy (or the caller's buffer) and into arena memory.
 */
#ifndef MAILAUTH__DKIM_H
#define MAILAUTH__DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/status.h>

#include "canon/canon.h"
#include "crypto/crypto.h"
#include "util/arena.h"
#include "util/env.h"

/* ---------------------------------------------------------------- signature */

typedef enum mailauth__sig_kind {
    MAILAUTH__SIG_DKIM = 0, /* DKIM-Signature (RFC 6376 §3.5) */
    MAILAUTH__SIG_AMS,      /* ARC-Message-Signature (RFC 8617 §4.1.2): no v=, i= is the instance */
    MAILAUTH__SIG_AS,       /* ARC-Seal (RFC 8617 §4.1.3): i=, cv=, a=, b=, d=, s=, t=; no h=/bh= */
} mailauth__sig_kind_t;

typedef enum mailauth__sig_alg {
    MAILAUTH__ALG_RSA_SHA256 = 0,
    MAILAUTH__ALG_RSA_SHA1,
    MAILAUTH__ALG_ED25519_SHA256,
} mailauth__sig_alg_t;

typedef enum mailauth__arc_cv {
    MAILAUTH__CV_NONE = 0,
    MAILAUTH__CV_PASS,
    MAILAUTH__CV_FAIL,
} mailauth__arc_cv_t;

typedef struct mailauth__sig {
    mailauth__sig_kind_t kind;
    mailauth__sig_alg_t  alg;
    mailauth__hash_alg_t hash;     /* from alg */
    mailauth__key_type_t key_type; /* from alg */
    const char          *a;        /* a= as written (for header.a), NUL-terminated */
    uint8_t             *b;        /* decoded b= */
    size_t               b_len;
    const char          *b_text;   /* b= without FWS, NUL-terminated (header.b) */
    size_t               b_off, b_area; /* b= value area in the field, for canon_header_sig */
    uint8_t             *bh;       /* decoded bh= (not for AS) */
    size_t               bh_len;
    mailauth__canon_t    c_header, c_body; /* c=, default simple/simple (§3.5) */
    const char          *d;        /* d=, lower case, NUL-terminated */
    const char          *s;        /* s=, as written (selectors are case-insensitive in DNS) */
    const char          *i;        /* DKIM: i= or "@" d= when absent (§3.5); NULL for ARC */
    bool                 i_given;
    const char         **h;        /* h= names in order (AS: none) */
    size_t               h_count;
    bool                 has_l;
    uint64_t             l;
    bool                 has_t, has_x;
    int64_t              t, x;
    uint32_t             instance; /* ARC i= (1..) */
    mailauth__arc_cv_t   cv;       /* ARC-Seal cv= */
} mailauth__sig_t;

/* What made a signature unusable, as a public reason plus a short text. */
typedef struct mailauth__sig_err {
    mailauth_reason_t reason; /* MAILAUTH_REASON_NONE if the signature parsed */
    const char       *what;   /* static text naming the problem ("missing bh=") */
} mailauth__sig_err_t;

/* Parse the value of a signature field (the bytes after "Name:"); offsets
 * (b_off) are relative to `field_value`, and callers add the name length.
 * Checks of §3.5 / RFC 8617 §4.1 that need no DNS and no clock: required
 * tags, v=1, a= known, c= known, d= a domain, i= ending in d= or a
 * subdomain (§3.5), h= containing From (§5.4, DKIM and AMS), q= dns/txt,
 * l=/t=/x= numbers (x >= t), ARC i= in 1..1024, cv= known.
 * err->reason is a DKIM_* reason for DKIM-Signature and
 * MAILAUTH_REASON_ARC_SYNTAX for both ARC kinds (err->what says which tag).
 * A refused field keeps what was parsed before the problem (d= and s= come
 * first, for results); an ARC-Seal gets c_header = c_body = relaxed
 * (RFC 8617 §5.1.1). The field's value is passed without the CRLF that
 * ends it (see tagval.h for FWS).
 * Returns MAILAUTH_OK (check err->reason), MAILAUTH_ENOMEM, MAILAUTH_EINVAL
 * (NULL arguments). */
mailauth_status_t mailauth__sig_parse(mailauth__arena_t *a, mailauth__sig_kind_t kind,
                                      const char *field_value, size_t len, mailauth__sig_t *out,
                                      mailauth__sig_err_t *err);

/* Name of an algorithm ("rsa-sha256"). */
const char *mailauth__sig_alg_name(mailauth__sig_alg_t alg);

/* ---------------------------------------------------------------- key record */

typedef struct mailauth__key {
    mailauth__key_type_t type;
    mailauth__pubkey_t  *pub;      /* NULL when revoked (empty p=) */
    unsigned             bits;
    bool                 revoked;  /* p= empty (§3.6.1) */
    bool                 testing;  /* t=y */
    bool                 strict;   /* t=s: i= domain must equal d= */
    bool                 sha1_ok, sha256_ok; /* h= (absent: both) */
    bool                 email_ok; /* s= * or email (absent: yes) */
} mailauth__key_t;

/* Parse one key record (the TXT strings already joined). Checks §3.6.1:
 * v= first if present and DKIM1, k= rsa/ed25519 (default rsa), p= base64
 * decoding to a key of type k. Unknown tags and unknown t= flags ignored.
 * The key is decoded (mailauth__pubkey_decode) here, allocated with `al`
 * (the ctx allocator; NULL: the C library's), which the key keeps.
 * Returns MAILAUTH_OK (check *reason: NONE, DKIM_KEY_SYNTAX, DKIM_KEY_REVOKED
 * — a revoked key is a parsed key too —, DKIM_KEY_TOO_LARGE when p= holds
 * more than 4 KiB, past any key the ctx limits allow), MAILAUTH_ENOMEM,
 * MAILAUTH_EINVAL (NULL arguments). out->pub is set only with NONE.
 * Allocates nothing but the key (the parse works on the stack). Empty
 * tag-specs (";;") are tolerated in key records.
 * `out` owns a reference to out->pub: release with mailauth__key_clear(). */
mailauth_status_t mailauth__key_parse(const mailauth_allocator_t *al, const char *txt, size_t len,
                                      mailauth__key_t *out, mailauth_reason_t *reason);
void mailauth__key_clear(mailauth__key_t *k);

/* ---------------------------------------------------------------- key cache */

/* Decoded keys by (selector, domain), in the ctx, shared by threads
 * (a mutex guards it). Entries live min(DNS TTL, MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX)
 * seconds on the monotonic clock; at most MAILAUTH_LIMIT_DKIM_KEY_CACHE_ENTRIES
 * (oldest evicted first). A cached negative result (bad record) is kept
 * too so a hostile record is not decoded again for each message. */
typedef struct mailauth__keycache mailauth__keycache_t;

/* A cache working in `env` (its allocator, clock and limits, read on
 * every call), which must outlive it. MAILAUTH_OK, MAILAUTH_EINVAL,
 * MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__keycache_new(const mailauth__env_t *env, mailauth__keycache_t **out);
void              mailauth__keycache_free(mailauth__keycache_t *kc);
/* Look up the key for the owner name "<s>._domainkey.<d>" (any case, one
 * trailing dot ignored; names over 255 octets are never cached).
 * On a hit, *out is a copy whose pub holds a new reference (clear it) and
 * *reason is the cached parse outcome. Returns true on a hit. An expired
 * entry is dropped and is a miss. */
bool mailauth__keycache_get(mailauth__keycache_t *kc, const char *owner, mailauth__key_t *out,
                            mailauth_reason_t *reason);
/* Store a parse outcome (the cache takes its own reference to k->pub; k
 * may be NULL for a negative result without a key), replacing any entry
 * of that owner. ttl is capped by MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX; 0 only
 * drops the old entry. Out of memory only loses the caching. */
void mailauth__keycache_put(mailauth__keycache_t *kc, const char *owner, const mailauth__key_t *k,
                            mailauth_reason_t reason, uint32_t ttl);

#endif
