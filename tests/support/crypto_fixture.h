/* Helpers of the lib/crypto tests (tests/test_crypto*.c): files, hex and
 * base64, digests computed with OpenSSL directly, keys from tests/data/keys/.
 * Every helper fails the running cmocka test on error. */
#ifndef MAILAUTH_TEST_CRYPTO_FIXTURE_H
#define MAILAUTH_TEST_CRYPTO_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/status.h>

#include "crypto/crypto.h"

#define FX_SIG_MAX 2048 /* a 16384-bit RSA signature */

/* Heap bytes; p holds n + 1 bytes with a NUL after the data for files. */
typedef struct blob {
    uint8_t *p;
    size_t   n;
} blob_t;

/* Read a whole file; false if it cannot be read (b->p may still need free()). */
bool fx_slurp_opt(const char *path, blob_t *b);
/* A file of tests/data/keys/ (fails the test if missing). */
blob_t fx_slurp_key(const char *file);
/* A file of the shared testdata (fails the test if missing): only in the
 * conformance group of a test (support/testdata.h). */
blob_t fx_slurp_testdata(const char *path);
/* Digest with OpenSSL's EVP_Digest (independent of lib/crypto/hash.c). */
void fx_digest(mailauth__hash_alg_t alg, const void *p, size_t n, uint8_t *out, size_t *dlen);
/* Lower-case hex, spaces ignored, into an exactly-sized heap buffer. */
blob_t fx_unhex(const char *hex);
/* base64 through lib/util/base64 (whitespace ignored). */
blob_t fx_unbase64(const char *text, size_t n);
/* A private key of tests/data/keys/ (must load). */
mailauth__privkey_t *fx_load_key(const char *file);
/* A public key file of tests/data/keys/ (must decode). */
mailauth__pubkey_t *fx_decode_file(const char *file, mailauth__key_type_t type);
/* mailauth__pubkey_verify() on an exact-size heap copy of sig must return want. */
void fx_expect_verify(const mailauth__pubkey_t *pub, mailauth__hash_alg_t alg, const uint8_t *d,
                      size_t dlen, const uint8_t *sig, size_t slen, mailauth_status_t want);

#endif
