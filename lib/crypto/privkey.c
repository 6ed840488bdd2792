/* Private keys for signing (DKIM signatures, ARC seals): PEM loading, the
 * public half as a DKIM p= value, and signing a digest (see crypto.h).
 *
 * A loaded key is immutable; OpenSSL allows one EVP_PKEY to sign from
 * several threads at once (RSA blinding is kept per thread inside it).
 * Like pubkey.c, every function leaves OpenSSL's error queue as it found it. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/alloc.h"
#include "util/buf.h"

struct mailauth__privkey {
    mailauth_allocator_t al; /* what the key is freed with */
    mailauth__key_type_t type;
    unsigned             bits;
    size_t               sig_len;
    EVP_PKEY            *pkey;
};

enum { ED25519_KEY_LEN = 32, ED25519_SIG_LEN = 64 }; /* RFC 8032 §5.1.5, §5.1.6 */

/* Password callback that refuses: an encrypted key fails to load instead
 * of OpenSSL prompting on the terminal (its default with a NULL callback). */
static int
no_password(char *buf, int size, int rwflag, void *ud)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)ud;
    return -1;
}

/* Fill k from a freshly read key; EINVAL for a type DKIM cannot use. */
static mailauth_status_t
describe(EVP_PKEY *pkey, mailauth__privkey_t *k)
{
    int bits = EVP_PKEY_get_bits(pkey), size = EVP_PKEY_get_size(pkey);
    /* "RSA" only: an RSA-PSS key (id-RSASSA-PSS) cannot make PKCS#1 v1.5
     * signatures, which is what rsa-sha256 is (RFC 6376 §3.3.1). */
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        if (bits <= 0 || bits > MAILAUTH__RSA_MAX_BITS || size <= 0)
            return MAILAUTH_EINVAL;
        k->type = MAILAUTH__KEY_RSA;
        k->bits = (unsigned)bits;
        k->sig_len = (size_t)size;
    } else if (EVP_PKEY_is_a(pkey, "ED25519")) {
        k->type = MAILAUTH__KEY_ED25519;
        k->bits = 256; /* OpenSSL says 253, the curve's order; DKIM speaks of 256-bit keys */
        k->sig_len = ED25519_SIG_LEN;
    } else {
        return MAILAUTH_EINVAL;
    }
    k->pkey = pkey;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__privkey_load_pem(const mailauth_allocator_t *al, const char *pem, size_t len,
                           mailauth__privkey_t **out)
{
    BIO                 *bio = NULL;
    EVP_PKEY            *pkey = NULL;
    mailauth__privkey_t *k = NULL;
    mailauth_status_t    st = MAILAUTH_ENOMEM;
    if (out != NULL)
        *out = NULL;
    if (pem == NULL || len == 0 || len > INT_MAX || out == NULL)
        return MAILAUTH_EINVAL;
    ERR_set_mark();
    /* A read-only memory BIO: reads the caller's bytes in place, never writes them. */
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        goto done;
    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
    if (pkey == NULL) {
        st = MAILAUTH_EINVAL; /* not PEM, not a private key, or encrypted */
        goto done;
    }
    k = mailauth__calloc(al, 1, sizeof(*k));
    if (k == NULL)
        goto done;
    k->al = al != NULL ? *al : mailauth__default_allocator;
    st = describe(pkey, k);
    if (st == MAILAUTH_OK) {
        *out = k;
        k = NULL;
        pkey = NULL;
    }
done:
    mailauth__free(al, k);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    ERR_pop_to_mark();
    return st;
}

mailauth_status_t
mailauth__privkey_generate(const mailauth_allocator_t *al, mailauth__key_type_t type, unsigned bits,
                           mailauth__privkey_t **out)
{
    EVP_PKEY            *pkey = NULL;
    mailauth__privkey_t *k = NULL;
    mailauth_status_t    st = MAILAUTH_ECRYPTO;
    if (out == NULL)
        return MAILAUTH_EINVAL;
    *out = NULL;
    if (type == MAILAUTH__KEY_RSA && (bits < 1024 || bits > MAILAUTH__RSA_MAX_BITS))
        return MAILAUTH_EINVAL;
    ERR_set_mark();
    pkey = type == MAILAUTH__KEY_RSA ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits)
                                     : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (pkey == NULL)
        goto done;
    k = mailauth__calloc(al, 1, sizeof(*k));
    if (k == NULL) {
        st = MAILAUTH_ENOMEM;
        goto done;
    }
    k->al = al != NULL ? *al : mailauth__default_allocator;
    st = describe(pkey, k);
    if (st == MAILAUTH_OK) {
        *out = k;
        k = NULL;
        pkey = NULL;
    } else {
        st = MAILAUTH_ECRYPTO; /* OpenSSL made a key we cannot describe */
    }
done:
    mailauth__free(al, k);
    EVP_PKEY_free(pkey);
    ERR_pop_to_mark();
    return st;
}

mailauth_status_t
mailauth__privkey_pem(const mailauth__privkey_t *k, char *buf, size_t cap, size_t *need)
{
    BIO              *bio = NULL;
    char             *data = NULL;
    long              n;
    mailauth_status_t st = MAILAUTH_ECRYPTO;
    if (need != NULL)
        *need = 0;
    if (k == NULL || (buf == NULL && cap != 0))
        return MAILAUTH_EINVAL;
    ERR_set_mark();
    /* Secure memory BIO: the private key's text is wiped when it is freed. */
    bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) {
        st = MAILAUTH_ENOMEM;
        goto done;
    }
    /* PKCS#8, no cipher: the same form `openssl genpkey` writes. */
    if (PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1)
        goto done;
    n = BIO_get_mem_data(bio, &data);
    if (n > 0 && data != NULL)
        st = mailauth__copy_out(data, (size_t)n, buf, cap, need);
done:
    BIO_free(bio);
    ERR_pop_to_mark();
    return st;
}

void
mailauth__privkey_free(mailauth__privkey_t *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey); /* OpenSSL clears the private numbers */
    mailauth__free(&k->al, k);
}

mailauth__key_type_t
mailauth__privkey_type(const mailauth__privkey_t *k)
{
    return k != NULL ? k->type : MAILAUTH__KEY_RSA;
}

unsigned
mailauth__privkey_bits(const mailauth__privkey_t *k)
{
    return k != NULL ? k->bits : 0;
}

size_t
mailauth__privkey_sig_len(const mailauth__privkey_t *k)
{
    return k != NULL ? k->sig_len : 0;
}

/* RFC 6376 §3.6.1: SubjectPublicKeyInfo DER for k=rsa. */
static mailauth_status_t
rsa_spki(EVP_PKEY *pkey, const mailauth_allocator_t *al, uint8_t **der, size_t *len)
{
    int            n = i2d_PUBKEY(pkey, NULL);
    unsigned char *p;
    if (n <= 0)
        return MAILAUTH_ECRYPTO;
    *der = mailauth__malloc(al, (size_t)n);
    if (*der == NULL)
        return MAILAUTH_ENOMEM;
    p = *der;
    if (i2d_PUBKEY(pkey, &p) != n) {
        mailauth__free(al, *der);
        *der = NULL;
        return MAILAUTH_ECRYPTO;
    }
    *len = (size_t)n;
    return MAILAUTH_OK;
}

/* RFC 8463 §4.2: the raw 32-octet public key for k=ed25519. */
static mailauth_status_t
ed25519_raw(EVP_PKEY *pkey, const mailauth_allocator_t *al, uint8_t **der, size_t *len)
{
    size_t n = ED25519_KEY_LEN;
    *der = mailauth__malloc(al, n);
    if (*der == NULL)
        return MAILAUTH_ENOMEM;
    if (EVP_PKEY_get_raw_public_key(pkey, *der, &n) != 1 || n != ED25519_KEY_LEN) {
        mailauth__free(al, *der);
        *der = NULL;
        return MAILAUTH_ECRYPTO;
    }
    *len = n;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__privkey_public_der(const mailauth__privkey_t *k, const mailauth_allocator_t *al,
                             uint8_t **der, size_t *len)
{
    mailauth_status_t st;
    if (der != NULL)
        *der = NULL;
    if (len != NULL)
        *len = 0;
    if (k == NULL || der == NULL || len == NULL)
        return MAILAUTH_EINVAL;
    ERR_set_mark();
    if (k->type == MAILAUTH__KEY_RSA)
        st = rsa_spki(k->pkey, al, der, len);
    else
        st = ed25519_raw(k->pkey, al, der, len);
    ERR_pop_to_mark();
    return st;
}

/* RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.1) over the digest (RFC 6376 §3.3). */
static mailauth_status_t
sign_rsa(const mailauth__privkey_t *k, const EVP_MD *md, const uint8_t *digest, size_t dlen,
         uint8_t *sig, size_t *slen)
{
    EVP_PKEY_CTX     *pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
    mailauth_status_t st = MAILAUTH_ECRYPTO;
    size_t            n = *slen;
    if (pc == NULL)
        return MAILAUTH_ENOMEM;
    if (EVP_PKEY_sign_init(pc) == 1 && EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
        EVP_PKEY_CTX_set_signature_md(pc, md) == 1 &&
        EVP_PKEY_sign(pc, sig, &n, digest, dlen) == 1) {
        *slen = n;
        st = MAILAUTH_OK;
    }
    EVP_PKEY_CTX_free(pc);
    return st;
}

/* RFC 8463 §3: PureEdDSA with the SHA-256 digest as the message. */
static mailauth_status_t
sign_ed25519(const mailauth__privkey_t *k, mailauth__hash_alg_t alg, const uint8_t *digest,
             size_t dlen, uint8_t *sig, size_t *slen)
{
    EVP_MD_CTX       *mc;
    mailauth_status_t st = MAILAUTH_ECRYPTO;
    size_t            n = *slen;
    if (alg != MAILAUTH__HASH_SHA256)
        return MAILAUTH_ECRYPTO; /* ed25519-sha256 is the only Ed25519 algorithm */
    mc = EVP_MD_CTX_new();
    if (mc == NULL)
        return MAILAUTH_ENOMEM;
    if (EVP_DigestSignInit_ex(mc, NULL, NULL, NULL, NULL, k->pkey, NULL) == 1 &&
        EVP_DigestSign(mc, sig, &n, digest, dlen) == 1 && n == ED25519_SIG_LEN) {
        *slen = n;
        st = MAILAUTH_OK;
    }
    EVP_MD_CTX_free(mc);
    return st;
}

mailauth_status_t
mailauth__privkey_sign(const mailauth__privkey_t *k, mailauth__hash_alg_t alg,
                       const uint8_t *digest, size_t dlen, uint8_t *sig, size_t *slen)
{
    const EVP_MD     *md = mailauth__crypto_md(alg, dlen);
    mailauth_status_t st;
    if (k == NULL || digest == NULL || md == NULL || slen == NULL)
        return MAILAUTH_EINVAL;
    if (sig == NULL || *slen < k->sig_len) {
        *slen = k->sig_len;
        return MAILAUTH_ENOSPC;
    }
    ERR_set_mark();
    if (k->type == MAILAUTH__KEY_RSA)
        st = sign_rsa(k, md, digest, dlen, sig, slen);
    else
        st = sign_ed25519(k, alg, digest, dlen, sig, slen);
    ERR_pop_to_mark();
    return st;
}
