/* Internal to lib/crypto: helpers shared by pubkey.c and privkey.c. This
 * header includes OpenSSL, so only files of lib/crypto include it. */
#ifndef MAILAUTH__CRYPTO_INT_H
#define MAILAUTH__CRYPTO_INT_H

#include <stddef.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"

/* Largest RSA modulus accepted anywhere, in bits (OpenSSL's own ceiling for
 * RSA operations, OPENSSL_RSA_MAX_MODULUS_BITS). Policy limits are lower
 * and belong to the callers; this one only bounds the work a key can cause. */
enum { MAILAUTH__RSA_MAX_BITS = 16384 };

/* The OpenSSL digest of `alg` (a static object, nothing to free), or NULL
 * if `alg` is not a known value or `dlen` is not its digest length. */
const EVP_MD *mailauth__crypto_md(mailauth__hash_alg_t alg, size_t dlen);

#endif
