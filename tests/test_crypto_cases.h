/* Tables of tests/test_crypto.c (lib/crypto): key files, round trips, PEM
 * refusals, openssl pkeyutl fixtures. Kept apart
 * so the test logic stays readable. Included once, by tests/test_crypto.c. */
#ifndef MAILAUTH_TEST_CRYPTO_CASES_H
#define MAILAUTH_TEST_CRYPTO_CASES_H

#include <stddef.h>

#include <mailauth/status.h>

#include "crypto/crypto.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define RSA MAILAUTH__KEY_RSA
#define ED MAILAUTH__KEY_ED25519
#define SHA256 MAILAUTH__HASH_SHA256
#define SHA1 MAILAUTH__HASH_SHA1

/* ---- private keys in tests/data/keys/ (see the README there) -------------------------------- */

struct key_case {
    const char          *file;
    mailauth__key_type_t type;
    unsigned             bits;
    const char          *pub; /* the p= value openssl made: SPKI DER, or the raw Ed25519 key */
};

static const struct key_case key_cases[] = {
    {"rsa1024.pkcs1.pem", RSA, 1024, "rsa1024.spki.der"},
    {"rsa1024.pkcs8.pem", RSA, 1024, "rsa1024.spki.der"},
    {"rsa2048.pkcs1.pem", RSA, 2048, "rsa2048.spki.der"},
    {"rsa2048.pkcs8.pem", RSA, 2048, "rsa2048.spki.der"},
    {"rsa4096.pkcs1.pem", RSA, 4096, "rsa4096.spki.der"},
    {"rsa4096.pkcs8.pem", RSA, 4096, "rsa4096.spki.der"},
    {"ed25519.pkcs8.pem", ED, 256, "ed25519.raw"},
};

/* ---- sign, then verify; then break the signature in every way ------------------------------- */

struct rt_case {
    const char          *name;
    const char          *key;
    mailauth__hash_alg_t alg;
    const char          *pub2;  /* the public key in its other published form */
    const char          *other; /* a public key of the other type */
    mailauth__key_type_t other_type;
};

static const struct rt_case rt_cases[] = {
    {"rt rsa1024 pkcs1 sha256", "rsa1024.pkcs1.pem", SHA256, "rsa1024.pkcs1pub.der", "ed25519.raw",
     ED},
    {"rt rsa1024 pkcs8 sha1", "rsa1024.pkcs8.pem", SHA1, "rsa1024.pkcs1pub.der", "ed25519.raw", ED},
    {"rt rsa2048 pkcs1 sha256", "rsa2048.pkcs1.pem", SHA256, "rsa2048.pkcs1pub.der", "ed25519.raw",
     ED},
    {"rt rsa2048 pkcs8 sha256", "rsa2048.pkcs8.pem", SHA256, "rsa2048.pkcs1pub.der", "ed25519.raw",
     ED},
    {"rt rsa2048 pkcs1 sha1", "rsa2048.pkcs1.pem", SHA1, "rsa2048.pkcs1pub.der", "ed25519.raw", ED},
    {"rt rsa4096 pkcs8 sha256", "rsa4096.pkcs8.pem", SHA256, "rsa4096.pkcs1pub.der", "ed25519.raw",
     ED},
    {"rt rsa4096 pkcs1 sha1", "rsa4096.pkcs1.pem", SHA1, "rsa4096.pkcs1pub.der", "ed25519.raw", ED},
    {"rt ed25519 sha256", "ed25519.pkcs8.pem", SHA256, "ed25519.raw", "rsa2048.spki.der", RSA},
};

/* ---- PEM that must not load (MAILAUTH_EINVAL, and no password prompt) ---------------------- */

struct bad_pem {
    const char *name;
    const char *file; /* a file of tests/data/keys/, or NULL for `text` */
    const char *text;
    size_t      keep; /* 0: all of it; else only the first `keep` bytes */
};

static const struct bad_pem bad_pems[] = {
    {"pem encrypted PKCS#8", "rsa2048.encrypted-pkcs8.pem", NULL, 0},
    {"pem encrypted PKCS#1 (Proc-Type)", "rsa1024.encrypted-pkcs1.pem", NULL, 0},
    {"pem EC P-256 key", "ec-p256.pem", NULL, 0},
    {"pem RSA-PSS key", "rsa-pss1024.pem", NULL, 0},
    {"pem cut in the middle", "rsa2048.pkcs8.pem", NULL, 800},
    {"pem cut before END", "ed25519.pkcs8.pem", NULL, 94},
    {"pem public key", "ed25519.pub.pem", NULL, 0},
    {"pem not base64 inside", NULL,
     "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n", 0},
    {"pem empty body", NULL, "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n", 0},
    {"pem not PEM at all", NULL, "hello, world\n", 0},
    {"pem one byte", NULL, "-", 0},
};

/* ---- signatures made by `openssl pkeyutl` (tests/data/keys/README.md) ----------------------- */

struct xc_case {
    const char          *name;
    const char          *key, *pub, *sig;
    mailauth__hash_alg_t alg;
};

static const struct xc_case xc_cases[] = {
    {"pkeyutl rsa2048 sha256", "rsa2048.pkcs8.pem", "rsa2048.spki.der",
     "crosscheck.rsa2048-sha256.sig", SHA256},
    {"pkeyutl rsa2048 sha1", "rsa2048.pkcs1.pem", "rsa2048.pkcs1pub.der",
     "crosscheck.rsa2048-sha1.sig", SHA1},
    {"pkeyutl ed25519", "ed25519.pkcs8.pem", "ed25519.raw", "crosscheck.ed25519.sig", SHA256},
};

#endif
