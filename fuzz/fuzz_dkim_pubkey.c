/* Fuzz target: DKIM public key decoding (lib/crypto/pubkey.c), the p= data
 * of a key record after base64, which comes straight from DNS.
 *
 * The input is decoded as k=rsa and as k=ed25519. When a key decodes, the
 * RFC 8463 Appendix A signatures (fixed digest and signature of each type)
 * and a signature of the key's own size made of input bytes are verified
 * against it. Invariants (abort() on violation):
 *  - decode returns OK or EINVAL (ENOMEM aside), and a refusal leaves no key,
 *    zero bits and an empty OpenSSL error queue;
 *  - an RSA key has 1..16384 bits; an Ed25519 key comes only from 32 bytes;
 *  - verification returns OK or ECRYPTO, never touches more than it is given;
 *  - differential: OpenSSL's own DER reader (d2i_PUBKEY for SPKI,
 *    d2i_PublicKey for a bare RSAPublicKey) accepts every RSA key we accept,
 *    with the same size, and verifies exactly what we verify. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SIG_MAX 2048 /* 16384 bits */

static void
check(int ok)
{
    if (!ok)
        abort();
}

/* RFC 8463 A.3: SHA-256 of the canonical header data each signature covers,
 * and the two published b= values (test data under
 * shared/testdata/dkim/rfc8463-appendix-a). */
static const uint8_t ed_digest[32] = {
    0x48, 0xce, 0x9a, 0x2c, 0x71, 0x0e, 0xce, 0x17, 0x10, 0xff, 0x15, 0x69, 0x96, 0xb8, 0x36, 0xa7,
    0xf4, 0x54, 0x70, 0xe4, 0x3e, 0xfe, 0x56, 0x43, 0x07, 0x4d, 0x6e, 0x16, 0x90, 0xed, 0x62, 0xe7};
static const uint8_t ed_sig[64] = {
    0xfe, 0x00, 0xab, 0x8a, 0x7a, 0x5c, 0x40, 0xea, 0x08, 0x7e, 0xe1, 0xcd, 0x40, 0x86, 0xea, 0xe2,
    0x98, 0x21, 0xf6, 0x4c, 0x88, 0x2b, 0x70, 0x10, 0x51, 0xdb, 0x7d, 0x39, 0xda, 0x90, 0x7a, 0x14,
    0xb0, 0x84, 0x42, 0x2e, 0x83, 0x80, 0xf5, 0xd4, 0x1b, 0xac, 0x15, 0xad, 0xdb, 0x4f, 0x71, 0x58,
    0xe4, 0xeb, 0x14, 0xed, 0x96, 0xe7, 0x28, 0x42, 0xea, 0xf9, 0xe5, 0xdd, 0xa7, 0x54, 0x35, 0x0f};
static const uint8_t rsa_digest[32] = {
    0xfe, 0xd7, 0x1e, 0x6d, 0x70, 0xfb, 0x12, 0x3b, 0xb5, 0xc3, 0x53, 0xad, 0xc4, 0x28, 0x21, 0xb3,
    0x04, 0xb6, 0xb9, 0xd5, 0x4f, 0xc8, 0x67, 0xf3, 0x04, 0xf7, 0xc6, 0x1d, 0xaa, 0xaa, 0x11, 0x11};
static const uint8_t rsa_sig[128] = {
    0x17, 0x8e, 0x5d, 0x55, 0x60, 0xdf, 0x31, 0xb4, 0x03, 0x18, 0x72, 0x45, 0x95, 0x75, 0x0d, 0x07,
    0x61, 0xca, 0x7d, 0xb0, 0x9e, 0x2d, 0x1c, 0xa1, 0x0d, 0x78, 0x05, 0xa4, 0x42, 0xfc, 0x1b, 0x0a,
    0x6c, 0x45, 0xed, 0x08, 0x78, 0x88, 0xb1, 0x35, 0x37, 0xb7, 0x0e, 0x10, 0x95, 0x95, 0x4a, 0xd2,
    0x8d, 0x5e, 0x01, 0xc1, 0xc5, 0x5c, 0x38, 0x5e, 0xbe, 0x14, 0x5d, 0xd9, 0xa3, 0xd4, 0x69, 0xa3,
    0x5b, 0x45, 0x39, 0xe4, 0xbd, 0x98, 0xf6, 0x10, 0x4e, 0x71, 0x9d, 0x69, 0x21, 0xac, 0x81, 0xe7,
    0x9f, 0x3a, 0xc9, 0x36, 0x27, 0x37, 0x40, 0xf8, 0xbd, 0x74, 0x4d, 0xe6, 0x2d, 0xf4, 0x18, 0x03,
    0x7d, 0x03, 0x59, 0xb4, 0xa7, 0x4d, 0xd5, 0x63, 0xbf, 0xfc, 0xa8, 0x08, 0xa9, 0x73, 0xfb, 0x39,
    0xd1, 0x05, 0x13, 0x82, 0xe3, 0x15, 0x83, 0x5c, 0x53, 0x16, 0x50, 0xe0, 0x50, 0x03, 0x63, 0xef};

/* OpenSSL's reading of the same bytes: SPKI, else a bare RSAPublicKey. */
static EVP_PKEY *
openssl_rsa(const uint8_t *data, size_t size)
{
    const unsigned char *p = data;
    EVP_PKEY            *k = d2i_PUBKEY(NULL, &p, (long)size);
    if (k == NULL || p != data + size) {
        EVP_PKEY_free(k);
        p = data;
        k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)size);
    }
    ERR_clear_error();
    return k;
}

static int
openssl_verify(EVP_PKEY *k, const uint8_t *d, const uint8_t *sig, size_t slen)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    int           ok = pc != NULL && EVP_PKEY_verify_init(pc) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
             EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
             EVP_PKEY_verify(pc, sig, slen, d, 32) == 1;
    EVP_PKEY_CTX_free(pc);
    ERR_clear_error();
    return ok;
}

/* Verify, and return 1 for a valid signature; anything but OK/ECRYPTO aborts. */
static int
verify(const mailauth__pubkey_t *k, const uint8_t *d, const uint8_t *sig, size_t slen)
{
    mailauth_status_t st = mailauth__pubkey_verify(k, MAILAUTH__HASH_SHA256, d, 32, sig, slen);
    check(st == MAILAUTH_OK || st == MAILAUTH_ECRYPTO || st == MAILAUTH_ENOMEM);
    check(ERR_peek_error() == 0);
    return st == MAILAUTH_OK;
}

/* A signature as long as the key's own, made of the input (or zeros). */
static size_t
own_size_sig(const uint8_t *data, size_t size, unsigned bits, uint8_t *sig)
{
    size_t n = (bits + 7) / 8;
    for (size_t i = 0; i < n; i++)
        sig[i] = size > 0 ? data[i % size] : 0;
    return n;
}

static void
one_rsa(const uint8_t *data, size_t size, const mailauth__pubkey_t *k, unsigned bits)
{
    static uint8_t sig[SIG_MAX];
    size_t         n = own_size_sig(data, size, bits, sig);
    EVP_PKEY      *ref = openssl_rsa(data, size);
    int            ok1 = verify(k, rsa_digest, rsa_sig, sizeof(rsa_sig));
    int            ok2 = verify(k, rsa_digest, sig, n);
    check(bits >= 1 && bits <= 16384);
    (void)verify(k, ed_digest, ed_sig, sizeof(ed_sig));
    check(ref != NULL);
    check(EVP_PKEY_get_bits(ref) == (int)bits);
    check(openssl_verify(ref, rsa_digest, rsa_sig, sizeof(rsa_sig)) == ok1);
    check(openssl_verify(ref, rsa_digest, sig, n) == ok2);
    EVP_PKEY_free(ref);
}

static void
one(mailauth__key_type_t type, const uint8_t *data, size_t size)
{
    mailauth__pubkey_t *k = NULL;
    unsigned            bits = 99;
    mailauth_status_t   st = mailauth__pubkey_decode(NULL, type, data, size, &k, &bits);
    check(ERR_peek_error() == 0);
    if (st != MAILAUTH_OK) {
        check(st == MAILAUTH_EINVAL || st == MAILAUTH_ENOMEM);
        check(k == NULL && bits == 0);
        return;
    }
    check(k != NULL && mailauth__pubkey_type(k) == type && mailauth__pubkey_bits(k) == bits);
    check(mailauth__pubkey_ref(k) == k);
    mailauth__pubkey_unref(k);
    if (type == MAILAUTH__KEY_ED25519) {
        check(size == 32 && bits == 256);
        (void)verify(k, ed_digest, ed_sig, sizeof(ed_sig));
        check(verify(k, rsa_digest, rsa_sig, sizeof(rsa_sig)) == 0); /* wrong length */
    } else {
        one_rsa(data, size, k, bits);
    }
    mailauth__pubkey_unref(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(MAILAUTH__KEY_RSA, data, size);
    one(MAILAUTH__KEY_ED25519, data, size);
    return 0;
}
