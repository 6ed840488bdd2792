/* Internal: the only door to OpenSSL. Hashes, DKIM public keys, signature
 * verification, private keys and signing.
 *
 * No other file includes OpenSSL headers. Keys are reference-counted so
 * that a decoded key can sit in the ctx key cache and be used by several
 * threads at once (verification does not modify a key).
 *
 * Allocators: the structures of this layer (hash state, keys) come from
 * the allocator passed in (the ctx allocator; NULL means the C library's),
 * and a key keeps a copy of it to free itself. The OpenSSL objects inside
 * them (EVP_MD_CTX, EVP_PKEY, BIO) come from OpenSSL's own allocator,
 * which is process-wide (CRYPTO_set_mem_functions) and not ours to set:
 * see docs/allocator.md.
 *
 * DKIM hashes the canonicalized header data once (SHA-256 or SHA-1), and
 * the signature is checked against that digest:
 *   rsa-*:   RSASSA-PKCS1-v1_5 over the digest (RFC 6376 §3.3.1, §3.3.2);
 *   ed25519: PureEdDSA over the 32-byte SHA-256 digest itself (RFC 8463 §3).
 * So every verify/sign call takes the digest, never the data.
 */
#ifndef MAILAUTH__CRYPTO_H
#define MAILAUTH__CRYPTO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/status.h>

#include "util/spares.h"

typedef enum mailauth__hash_alg {
    MAILAUTH__HASH_SHA256 = 0,
    MAILAUTH__HASH_SHA1 = 1,
} mailauth__hash_alg_t;

enum { MAILAUTH__HASH_MAX = 32 }; /* largest digest in bytes (SHA-256) */

/* Digest length of an algorithm (32 or 20). */
size_t mailauth__hash_len(mailauth__hash_alg_t alg);

/* Incremental hash. Opaque; allocated with the given allocator. */
typedef struct mailauth__hash mailauth__hash_t;

/* The digest algorithms fetched once (OpenSSL 3 looks a fetched algorithm
 * up in its provider store, about a microsecond, every time it is fetched
 * again). Kept in the ctx, shared by its threads: the objects are
 * immutable and reference-counted. Opaque pointers (EVP_MD), indexed by
 * mailauth__hash_alg_t; NULL where a fetch failed (hashes then fetch for
 * themselves).
 *
 * It also keeps a few finished hash objects of each algorithm (an
 * EVP_MD_CTX with its digest state allocated, initialized again in place
 * on reuse): a hash made with the kit and freed goes back to it while a
 * place is free, so a message's header and body hashes cost no
 * allocation and no OpenSSL context creation once the ctx has seen one.
 * Lent and returned by atomic exchange; freed by kit_clear(). */
#define MAILAUTH__HASH_SPARES 4
typedef struct mailauth__hash_kit {
    void             *md[2];
    mailauth__spare_t spare[2][MAILAUTH__HASH_SPARES]; /* struct mailauth__hash */
} mailauth__hash_kit_t;

void mailauth__hash_kit_init(mailauth__hash_kit_t *kit);
void mailauth__hash_kit_clear(mailauth__hash_kit_t *kit);

/* MAILAUTH_OK, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
mailauth_status_t mailauth__hash_new(const mailauth_allocator_t *al, mailauth__hash_alg_t alg,
                                     mailauth__hash_t **out);
/* The same with the algorithm taken from `kit` (may be NULL: fetched). */
mailauth_status_t mailauth__hash_new_kit(const mailauth_allocator_t *al,
                                         const mailauth__hash_kit_t *kit, mailauth__hash_alg_t alg,
                                         mailauth__hash_t **out);
/* Feed bytes. Cheap for large blocks; callers batch small pieces. */
void mailauth__hash_update(mailauth__hash_t *h, const void *p, size_t n);
/* Write the digest (mailauth__hash_len bytes) and reset for reuse. */
mailauth_status_t mailauth__hash_final(mailauth__hash_t *h, uint8_t *out);
void              mailauth__hash_free(mailauth__hash_t *h);
/* One-shot digest. */
mailauth_status_t mailauth__hash_once(mailauth__hash_alg_t alg, const void *p, size_t n,
                                      uint8_t *out);

typedef enum mailauth__key_type {
    MAILAUTH__KEY_RSA = 0,
    MAILAUTH__KEY_ED25519 = 1,
} mailauth__key_type_t;

/* A public key (shared, reference-counted, immutable). */
typedef struct mailauth__pubkey mailauth__pubkey_t;

/* Decode the p= data of a DKIM key record (already base64-decoded).
 *   RSA: DER SubjectPublicKeyInfo (RFC 6376 §3.6.1); a bare RSAPublicKey
 *        (PKCS#1) is accepted too, as deployed keys sometimes are.
 *        Built from (n, e) with EVP_PKEY_fromdata: far cheaper than d2i.
 *   Ed25519: exactly 32 raw bytes (RFC 8463 §4).
 * *bits gets the modulus size (RSA) or 256 (Ed25519); bits may be NULL.
 * Refused as EINVAL: anything but one DER SEQUENCE with nothing after it,
 * an OID other than rsaEncryption, non-minimal or negative INTEGERs, an
 * even n, e even or < 3 or >= n or over 64 bits, n over 16384 bits. The
 * key size policy (RFC 8301 minimum, ctx maximum) is the caller's.
 * Leaves OpenSSL's per-thread error queue as it found it (so do all below).
 * MAILAUTH_OK, MAILAUTH_EINVAL (not such a key), MAILAUTH_ENOMEM. */
/* The key is allocated with `al` (NULL: the C library's) and keeps a copy
 * of it: the last unref frees the key with it, on whichever thread that
 * happens, so the allocator must stay usable (and be thread-safe if the
 * key is shared) until every reference is gone. */
mailauth_status_t mailauth__pubkey_decode(const mailauth_allocator_t *al, mailauth__key_type_t type,
                                          const uint8_t *der, size_t n, mailauth__pubkey_t **out,
                                          unsigned *bits);
mailauth__pubkey_t *mailauth__pubkey_ref(mailauth__pubkey_t *k); /* +1, thread-safe */
void mailauth__pubkey_unref(mailauth__pubkey_t *k); /* -1, frees at 0 with its allocator; NULL ok */
mailauth__key_type_t mailauth__pubkey_type(const mailauth__pubkey_t *k);
unsigned             mailauth__pubkey_bits(const mailauth__pubkey_t *k);

/* Verify `sig` over `digest` (see the top of this file). Thread-safe on a
 * shared key. dlen must be the digest length of alg; Ed25519 takes SHA-256
 * only (ed25519-sha256 is the only Ed25519 algorithm, RFC 8463 §3).
 * MAILAUTH_OK (valid), MAILAUTH_ECRYPTO (does not verify, malformed or
 * wrong-length signature, Ed25519 with SHA-1), MAILAUTH_ENOMEM,
 * MAILAUTH_EINVAL (NULL key or digest, unknown alg, wrong dlen). */
mailauth_status_t mailauth__pubkey_verify(const mailauth__pubkey_t *k, mailauth__hash_alg_t alg,
                                          const uint8_t *digest, size_t dlen, const uint8_t *sig,
                                          size_t slen);

/* A private key for signing (RSA or Ed25519). */
typedef struct mailauth__privkey mailauth__privkey_t;

/* Load a PEM private key: RSA as PKCS#1 ("BEGIN RSA PRIVATE KEY") or
 * PKCS#8 ("BEGIN PRIVATE KEY"), Ed25519 as PKCS#8. Unencrypted only: an
 * encrypted key is refused without prompting. No size policy here (RSA up
 * to 16384 bits); the public mailauth_key_load_pem() applies its minimum.
 * The key is allocated with `al` (NULL: the C library's), which it keeps
 * (a copy) for mailauth__privkey_free().
 * MAILAUTH_OK, MAILAUTH_EINVAL (not a supported key), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__privkey_load_pem(const mailauth_allocator_t *al, const char *pem,
                                             size_t len, mailauth__privkey_t **out);
/* Make a new key: RSA of `bits` (1024..MAILAUTH__RSA_MAX_BITS; public
 * exponent 65537) or Ed25519 (bits ignored), from OpenSSL's default random
 * source. MAILAUTH_OK, MAILAUTH_EINVAL (bits out of range), MAILAUTH_ENOMEM,
 * MAILAUTH_ECRYPTO (OpenSSL could not make it). */
mailauth_status_t mailauth__privkey_generate(const mailauth_allocator_t *al,
                                             mailauth__key_type_t type, unsigned bits,
                                             mailauth__privkey_t **out);
/* The key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY", which
 * mailauth__privkey_load_pem() reads back) into buf, snprintf-like
 * (mailauth__copy_out(): *need is the size with the NUL). MAILAUTH_OK,
 * MAILAUTH_ENOSPC, MAILAUTH_EINVAL, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
mailauth_status_t    mailauth__privkey_pem(const mailauth__privkey_t *k, char *buf, size_t cap,
                                           size_t *need);
void                 mailauth__privkey_free(mailauth__privkey_t *k);
mailauth__key_type_t mailauth__privkey_type(const mailauth__privkey_t *k);
unsigned             mailauth__privkey_bits(const mailauth__privkey_t *k);
/* Size in bytes of a signature this key makes (RSA: modulus bytes; Ed25519: 64). */
size_t mailauth__privkey_sig_len(const mailauth__privkey_t *k);
/* The public half as a DKIM p= value (DER SPKI for RSA, 32 raw bytes for
 * Ed25519), allocated with `al`; for tests and for printing DNS records. */
mailauth_status_t mailauth__privkey_public_der(const mailauth__privkey_t  *k,
                                               const mailauth_allocator_t *al, uint8_t **der,
                                               size_t *len);
/* Sign `digest` into sig (capacity *slen; set to the length written).
 * On MAILAUTH_ENOSPC nothing is written and *slen is set to the length
 * needed (mailauth__privkey_sig_len). Ed25519 signs SHA-256 digests only.
 * MAILAUTH_OK, MAILAUTH_ENOSPC, MAILAUTH_ECRYPTO, MAILAUTH_ENOMEM,
 * MAILAUTH_EINVAL (NULL key/digest/slen, unknown alg, wrong dlen). */
mailauth_status_t mailauth__privkey_sign(const mailauth__privkey_t *k, mailauth__hash_alg_t alg,
                                         const uint8_t *digest, size_t dlen, uint8_t *sig,
                                         size_t *slen);

#endif
