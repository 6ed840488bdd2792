/* DKIM public keys: decode the p= data of a key record and verify
 * signatures over a digest (see crypto.h for the digest convention).
 *
 * RSA keys are read by a small bounded DER walk that extracts only n and
 * e, and the EVP_PKEY is built from them with EVP_PKEY_fromdata: about 30
 * times cheaper than d2i_PUBKEY and its generic ASN.1 machinery, and the
 * input is hostile (it comes from DNS), so the less code touches it the
 * better.
 *
 * Every function that calls OpenSSL leaves the thread's error queue as it
 * found it (ERR_set_mark / ERR_pop_to_mark): a failed verification is an
 * expected outcome here, and errors must not pile up per thread. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/alloc.h"
#include "util/spares.h"

/* Verification contexts kept with an RSA key, ready for EVP_PKEY_verify():
 * setting one up (provider fetch, padding, digest) costs about a tenth of
 * an RSA-2048 verification, so a key seen again reuses one. Each spare is
 * taken and given back with an atomic exchange: a thread that finds every
 * spare taken builds its own. */
#define VERIFY_SPARES 2

struct mailauth__pubkey {
    atomic_uint          refs;
    mailauth_allocator_t al; /* the last unref frees the key with it */
    mailauth__key_type_t type;
    unsigned             bits;
    size_t               sig_len;                 /* RSA: modulus bytes; Ed25519: 64 */
    EVP_PKEY            *pkey;                    /* never modified once built: shared by threads */
    mailauth__spare_t    spare[VERIFY_SPARES];    /* EVP_PKEY_CTX: RSA with SHA-256, idle */
    mailauth__spare_t    ed_spare[VERIFY_SPARES]; /* EVP_MD_CTX: Ed25519, set up for this key */
};

enum {
    RSA_MAX_BYTES = MAILAUTH__RSA_MAX_BITS / 8,
    RSA_E_MAX_BYTES = 8,  /* e up to 64 bits, see rsa_check() */
    ED25519_KEY_LEN = 32, /* RFC 8032 §5.1.5 */
    ED25519_SIG_LEN = 64, /* RFC 8032 §5.1.6 */
};

/* X.690 identifier octets (universal class) of the types a key uses. */
enum {
    TAG_INTEGER = 0x02,
    TAG_BIT_STRING = 0x03,
    TAG_NULL = 0x05,
    TAG_OID = 0x06,
    TAG_SEQUENCE = 0x30, /* constructed */
};

/* rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017 Appendix C, RFC 3279 §2.3.1). */
static const uint8_t rsa_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};

/* ---------------------------------------------------------------- digests */

const EVP_MD *
mailauth__crypto_md(mailauth__hash_alg_t alg, size_t dlen)
{
    switch (alg) {
    case MAILAUTH__HASH_SHA256:
        return dlen == 32 ? EVP_sha256() : NULL;
    case MAILAUTH__HASH_SHA1:
        return dlen == 20 ? EVP_sha1() : NULL;
    }
    return NULL;
}

/* ---------------------------------------------------------------- DER walk */

/* A window of input bytes; elements are taken off its front. */
typedef struct der {
    const uint8_t *p;
    size_t         n;
} der_t;

/* Take the next element, which must have identifier `tag` (one octet: the
 * low-tag-number form of X.690 §8.1.2 is all a key uses), and give its
 * contents in *out. Lengths (X.690 §8.1.3): short form, or long form with
 * 1..4 length octets (more than a DNS record can hold); non-minimal long
 * forms are tolerated as BER readers (and d2i) do, the indefinite form
 * (0x80) is refused. The contents must lie within `d`. */
static bool
der_take(der_t *d, uint8_t tag, der_t *out)
{
    size_t len, hdr = 2;
    if (d->n < 2 || d->p[0] != tag)
        return false;
    len = d->p[1];
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        if (nb == 0 || nb > 4 || d->n - 2 < nb)
            return false;
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = (len << 8) | d->p[2 + i];
        hdr += nb;
    }
    if (len > d->n - hdr)
        return false;
    out->p = d->p + hdr;
    out->n = len;
    d->p += hdr + len;
    d->n -= hdr + len;
    return true;
}

/* Make an INTEGER's contents the magnitude of a positive number: no sign,
 * no leading zero. X.690 §8.3.2: the first nine bits are never all equal,
 * so a 0x00 octet is there only to keep a high bit from reading as a sign;
 * any other leading zero is garbage and the key is refused. */
static bool
der_positive(der_t *v)
{
    if (v->n == 0 || (v->p[0] & 0x80) != 0)
        return false; /* empty, or negative */
    if (v->p[0] == 0) {
        if (v->n == 1 || (v->p[1] & 0x80) == 0)
            return false; /* zero, or a padding octet not needed */
        v->p++;
        v->n--;
    }
    return true;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
 * (RFC 8017 Appendix A.1.1): the contents of the SEQUENCE. */
static bool
rsa_public_key(der_t seq, der_t *n, der_t *e)
{
    return der_take(&seq, TAG_INTEGER, n) && der_take(&seq, TAG_INTEGER, e) && seq.n == 0 &&
           der_positive(n) && der_positive(e);
}

/* SubjectPublicKeyInfo (RFC 5280 §4.1.1.2) contents: an AlgorithmIdentifier
 * that must be rsaEncryption with NULL parameters (RFC 3279 §2.3.1; absent
 * parameters are tolerated), then a BIT STRING holding an RSAPublicKey. */
static bool
rsa_spki(der_t seq, der_t *n, der_t *e)
{
    der_t alg, oid, par, bits, inner;
    if (!der_take(&seq, TAG_SEQUENCE, &alg) || !der_take(&seq, TAG_BIT_STRING, &bits) || seq.n != 0)
        return false;
    if (!der_take(&alg, TAG_OID, &oid) || oid.n != sizeof(rsa_oid) ||
        memcmp(oid.p, rsa_oid, sizeof(rsa_oid)) != 0)
        return false;
    if (alg.n != 0 && (!der_take(&alg, TAG_NULL, &par) || par.n != 0 || alg.n != 0))
        return false;
    /* X.690 §8.6.2.2: the first contents octet counts unused bits; a key has none. */
    if (bits.n < 1 || bits.p[0] != 0)
        return false;
    bits.p++;
    bits.n--;
    if (!der_take(&bits, TAG_SEQUENCE, &inner) || bits.n != 0)
        return false;
    return rsa_public_key(inner, n, e);
}

/* The whole p= data: one SEQUENCE and nothing after it. RFC 6376 §3.6.1
 * specifies SubjectPublicKeyInfo; a bare RSAPublicKey is accepted too, as
 * some deployed records carry one. The two differ in their first element. */
static bool
rsa_parse(const uint8_t *p, size_t len, der_t *n, der_t *e)
{
    der_t all = {p, len}, seq;
    if (!der_take(&all, TAG_SEQUENCE, &seq) || all.n != 0)
        return false;
    if (seq.n > 0 && seq.p[0] == TAG_SEQUENCE)
        return rsa_spki(seq, n, e);
    return rsa_public_key(seq, n, e);
}

static unsigned
bit_length(const der_t *v) /* v: a positive magnitude, first octet non-zero */
{
    unsigned bits = (unsigned)(v->n - 1) * 8;
    for (uint8_t top = v->p[0]; top != 0; top >>= 1)
        bits++;
    return bits;
}

/* Sanity of (n, e) beyond syntax: an RSA modulus is odd (a product of odd
 * primes), e is odd and at least 3 (RFC 8017 §3.1) and below n. e is also
 * held to 64 bits: deployed keys use 65537, OpenSSL refuses longer ones for
 * moduli over 3072 bits anyway, and a long e would make every verification
 * with that key as slow as a private-key operation. */
static bool
rsa_check(const der_t *n, const der_t *e, unsigned *bits)
{
    if (n->n > RSA_MAX_BYTES || (n->p[n->n - 1] & 1) == 0)
        return false;
    *bits = bit_length(n);
    if (*bits > MAILAUTH__RSA_MAX_BITS)
        return false;
    if (e->n > RSA_E_MAX_BYTES || (e->p[e->n - 1] & 1) == 0 || (e->n == 1 && e->p[0] < 3))
        return false;
    return e->n < n->n || (e->n == n->n && memcmp(e->p, n->p, n->n) < 0);
}

/* ---------------------------------------------------------------- key building */

/* OSSL_PARAM big numbers are unsigned in native byte order; DER is big-endian. */
static void
to_native(uint8_t *dst, const der_t *v)
{
    const uint16_t one = 1;
    uint8_t        low;
    memcpy(&low, &one, 1);
    if (low == 0) {
        memcpy(dst, v->p, v->n);
        return;
    }
    for (size_t i = 0; i < v->n; i++)
        dst[i] = v->p[v->n - 1 - i];
}

static mailauth_status_t
rsa_build(const der_t *n, const der_t *e, EVP_PKEY **out)
{
    uint8_t           nb[RSA_MAX_BYTES], eb[RSA_E_MAX_BYTES];
    OSSL_PARAM        par[3];
    EVP_PKEY_CTX     *pc;
    mailauth_status_t st = MAILAUTH_ENOMEM;
    to_native(nb, n);
    to_native(eb, e);
    par[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, nb, n->n);
    par[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, eb, e->n);
    par[2] = OSSL_PARAM_construct_end();
    pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (pc != NULL) {
        if (EVP_PKEY_fromdata_init(pc) == 1 &&
            EVP_PKEY_fromdata(pc, out, EVP_PKEY_PUBLIC_KEY, par) == 1)
            st = MAILAUTH_OK;
        else
            st = MAILAUTH_EINVAL; /* OpenSSL refused the numbers we checked */
    }
    EVP_PKEY_CTX_free(pc);
    return st;
}

static mailauth_status_t
rsa_decode(const uint8_t *der, size_t len, EVP_PKEY **pkey, unsigned *bits)
{
    der_t n, e;
    if (!rsa_parse(der, len, &n, &e) || !rsa_check(&n, &e, bits))
        return MAILAUTH_EINVAL;
    return rsa_build(&n, &e, pkey);
}

/* RFC 8463 §4.2: the p= of k=ed25519 is the raw 32-octet public key
 * (RFC 8032 §5.1.5), not a SubjectPublicKeyInfo. */
static mailauth_status_t
ed25519_decode(const uint8_t *raw, size_t len, EVP_PKEY **pkey, unsigned *bits)
{
    if (len != ED25519_KEY_LEN)
        return MAILAUTH_EINVAL;
    *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, len);
    *bits = 256;
    return *pkey != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
}

mailauth_status_t
mailauth__pubkey_decode(const mailauth_allocator_t *al, mailauth__key_type_t type,
                        const uint8_t *der, size_t n, mailauth__pubkey_t **out, unsigned *bits)
{
    mailauth__pubkey_t *k = NULL;
    EVP_PKEY           *pkey = NULL;
    unsigned            kbits = 0;
    mailauth_status_t   st = MAILAUTH_EINVAL;
    if (out != NULL)
        *out = NULL;
    if (bits != NULL)
        *bits = 0;
    if (der == NULL || n == 0 || out == NULL)
        return MAILAUTH_EINVAL;
    ERR_set_mark();
    if (type == MAILAUTH__KEY_RSA)
        st = rsa_decode(der, n, &pkey, &kbits);
    else if (type == MAILAUTH__KEY_ED25519)
        st = ed25519_decode(der, n, &pkey, &kbits);
    if (st == MAILAUTH_OK) {
        k = mailauth__calloc(al, 1, sizeof(*k));
        st = k != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
    }
    if (st == MAILAUTH_OK) {
        atomic_init(&k->refs, 1);
        mailauth__spares_init(k->spare, VERIFY_SPARES);
        mailauth__spares_init(k->ed_spare, VERIFY_SPARES);
        k->al = al != NULL ? *al : mailauth__default_allocator;
        k->type = type;
        k->bits = kbits;
        k->sig_len = type == MAILAUTH__KEY_RSA ? (kbits + 7) / 8 : ED25519_SIG_LEN;
        k->pkey = pkey;
        *out = k;
        if (bits != NULL)
            *bits = kbits;
    } else {
        EVP_PKEY_free(pkey);
    }
    ERR_pop_to_mark();
    return st;
}

/* ---------------------------------------------------------------- references */

mailauth__pubkey_t *
mailauth__pubkey_ref(mailauth__pubkey_t *k)
{
    if (k != NULL)
        atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
    return k;
}

void
mailauth__pubkey_unref(mailauth__pubkey_t *k)
{
    /* acq_rel: the thread that frees sees every other thread's last use. */
    if (k == NULL || atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < VERIFY_SPARES; i++) {
        EVP_PKEY_CTX_free(mailauth__spares_drain(k->spare, i));
        EVP_MD_CTX_free(mailauth__spares_drain(k->ed_spare, i));
    }
    EVP_PKEY_free(k->pkey);
    mailauth__free(&k->al, k); /* reads k->al before the block goes */
}

mailauth__key_type_t
mailauth__pubkey_type(const mailauth__pubkey_t *k)
{
    return k != NULL ? k->type : MAILAUTH__KEY_RSA;
}

unsigned
mailauth__pubkey_bits(const mailauth__pubkey_t *k)
{
    return k != NULL ? k->bits : 0;
}

/* ---------------------------------------------------------------- verification */

/* A context set up for RSASSA-PKCS1-v1_5 verification with `md`, or NULL. */
static EVP_PKEY_CTX *
rsa_verify_ctx(const mailauth__pubkey_t *k, const EVP_MD *md)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
    if (pc != NULL && (EVP_PKEY_verify_init(pc) != 1 ||
                       EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
                       EVP_PKEY_CTX_set_signature_md(pc, md) != 1)) {
        EVP_PKEY_CTX_free(pc);
        pc = NULL;
    }
    return pc;
}

/* The spares are a cache beside the key, not part of its value: a const
 * key may lend and take them back. */
static EVP_PKEY_CTX *
spare_take(const mailauth__pubkey_t *k)
{
    mailauth__pubkey_t *mk = (mailauth__pubkey_t *)(uintptr_t)k;
    return mailauth__spares_take(mk->spare, VERIFY_SPARES);
}

static void
spare_give(const mailauth__pubkey_t *k, EVP_PKEY_CTX *pc)
{
    mailauth__pubkey_t *mk = (mailauth__pubkey_t *)(uintptr_t)k;
    if (!mailauth__spares_give(mk->spare, VERIFY_SPARES, pc))
        EVP_PKEY_CTX_free(pc);
}

/* RFC 6376 §3.3.1/§3.3.2: RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2) over the
 * digest. A signature shorter than the modulus is left to OpenSSL, which
 * reads it as the same number with its leading zero octets dropped; a
 * longer one cannot be valid. Only SHA-256 contexts are kept as spares
 * (rsa-sha1 is refused by default, RFC 8301). */
static mailauth_status_t
verify_rsa(const mailauth__pubkey_t *k, mailauth__hash_alg_t alg, const EVP_MD *md,
           const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t slen)
{
    EVP_PKEY_CTX     *pc = NULL;
    bool              keep = alg == MAILAUTH__HASH_SHA256;
    mailauth_status_t st = MAILAUTH_ECRYPTO;
    if (slen == 0 || slen > k->sig_len)
        return MAILAUTH_ECRYPTO;
    if (keep)
        pc = spare_take(k);
    if (pc == NULL)
        pc = rsa_verify_ctx(k, md);
    if (pc == NULL)
        return MAILAUTH_ENOMEM;
    if (EVP_PKEY_verify(pc, sig, slen, digest, dlen) == 1)
        st = MAILAUTH_OK;
    if (keep)
        spare_give(k, pc);
    else
        EVP_PKEY_CTX_free(pc);
    return st;
}

/* Ed25519 contexts set up for this key (EVP_DigestVerifyInit_ex: a key
 * manager and signature fetch, a few per cent of the verification), kept
 * like the RSA spares. */
static EVP_MD_CTX *
ed_take(const mailauth__pubkey_t *k)
{
    mailauth__pubkey_t *mk = (mailauth__pubkey_t *)(uintptr_t)k;
    return mailauth__spares_take(mk->ed_spare, VERIFY_SPARES);
}

static void
ed_give(const mailauth__pubkey_t *k, EVP_MD_CTX *mc)
{
    mailauth__pubkey_t *mk = (mailauth__pubkey_t *)(uintptr_t)k;
    if (!mailauth__spares_give(mk->ed_spare, VERIFY_SPARES, mc))
        EVP_MD_CTX_free(mc);
}

/* RFC 8463 §3: PureEdDSA (RFC 8032 §5.1.7) with the SHA-256 digest as the
 * message. Only ed25519-sha256 exists, so the digest must be SHA-256. A
 * context used before verifies again with the same key (the check keeps
 * no state); only its pass is taken, as some OpenSSL versions refuse a
 * second one-shot verification on a context: anything else is decided
 * by a context set up now. */
static mailauth_status_t
verify_ed25519(const mailauth__pubkey_t *k, mailauth__hash_alg_t alg, const uint8_t *digest,
               size_t dlen, const uint8_t *sig, size_t slen)
{
    EVP_MD_CTX       *mc;
    mailauth_status_t st = MAILAUTH_ECRYPTO;
    if (alg != MAILAUTH__HASH_SHA256 || slen != ED25519_SIG_LEN)
        return MAILAUTH_ECRYPTO;
    mc = ed_take(k);
    if (mc != NULL) {
        if (EVP_DigestVerify(mc, sig, slen, digest, dlen) == 1) {
            ed_give(k, mc);
            return MAILAUTH_OK;
        }
        EVP_MD_CTX_free(mc);
    }
    mc = EVP_MD_CTX_new();
    if (mc == NULL)
        return MAILAUTH_ENOMEM;
    if (EVP_DigestVerifyInit_ex(mc, NULL, NULL, NULL, NULL, k->pkey, NULL) != 1) {
        EVP_MD_CTX_free(mc);
        return MAILAUTH_ECRYPTO;
    }
    if (EVP_DigestVerify(mc, sig, slen, digest, dlen) == 1)
        st = MAILAUTH_OK;
    ed_give(k, mc);
    return st;
}

mailauth_status_t
mailauth__pubkey_verify(const mailauth__pubkey_t *k, mailauth__hash_alg_t alg,
                        const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t slen)
{
    const EVP_MD     *md = mailauth__crypto_md(alg, dlen);
    mailauth_status_t st;
    if (k == NULL || digest == NULL || md == NULL)
        return MAILAUTH_EINVAL;
    if (sig == NULL || slen == 0)
        return MAILAUTH_ECRYPTO;
    ERR_set_mark();
    if (k->type == MAILAUTH__KEY_RSA)
        st = verify_rsa(k, alg, md, digest, dlen, sig, slen);
    else
        st = verify_ed25519(k, alg, digest, dlen, sig, slen);
    ERR_pop_to_mark();
    return st;
}
