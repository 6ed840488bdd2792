/* Tables of tests/test_crypto.c (lib/crypto): key files, round trips, PEM
 * refusals, openssl pkeyutl fixtures and the DER decoding table. Kept apart
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
    {"rt rsa1024 pkcs1 sha256", "rsa1024.pkcs1.pem", SHA256, "rsa1024.pkcs1pub.der", "ed25519.raw", ED},
    {"rt rsa1024 pkcs8 sha1", "rsa1024.pkcs8.pem", SHA1, "rsa1024.pkcs1pub.der", "ed25519.raw", ED},
    {"rt rsa2048 pkcs1 sha256", "rsa2048.pkcs1.pem", SHA256, "rsa2048.pkcs1pub.der", "ed25519.raw", ED},
    {"rt rsa2048 pkcs8 sha256", "rsa2048.pkcs8.pem", SHA256, "rsa2048.pkcs1pub.der", "ed25519.raw", ED},
    {"rt rsa2048 pkcs1 sha1", "rsa2048.pkcs1.pem", SHA1, "rsa2048.pkcs1pub.der", "ed25519.raw", ED},
    {"rt rsa4096 pkcs8 sha256", "rsa4096.pkcs8.pem", SHA256, "rsa4096.pkcs1pub.der", "ed25519.raw", ED},
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
    {"pem empty body", NULL, "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n",
     0},
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

/* ---- DER decoding -------------------------------------------------------------------------- */

/* A tiny valid RSA key (n = 0xc5f1, e = 3) and its wrappings, the base of
 * the hostile variants: each differs from a valid form in one thing. */
#define ALG "300d06092a864886f70d0101010500" /* AlgorithmIdentifier rsaEncryption, NULL */
#define PUB "3008020300c5f1020103"           /* RSAPublicKey */
#define SPKI "301c" ALG "030b00" PUB
#define ED0 "0000000000000000000000000000000000000000000000000000000000000000"

struct der_case {
    const char          *name;
    mailauth__key_type_t type;
    const char          *hex;
    mailauth_status_t    want;
    unsigned             bits;
};

static const struct der_case der_cases[] = {
    /* accepted */
    {"der spki", RSA, SPKI, MAILAUTH_OK, 16},
    {"der bare pkcs1", RSA, PUB, MAILAUTH_OK, 16},
    {"der spki without NULL parameters", RSA, "301a300b06092a864886f70d010101030b00" PUB,
     MAILAUTH_OK, 16},
    {"der long-form lengths (BER, as d2i reads them)", RSA, "30811d" ALG "03810b00" PUB,
     MAILAUTH_OK, 16},
    {"der e 65537", RSA, "300d020600c5f12345670203010001", MAILAUTH_OK, 40},
    {"der n of 9 bits", RSA, "30070202010b020103", MAILAUTH_OK, 9},
    {"der e of 8 octets", RSA, "3016020a7fffffffffffffffffff02080100000000000001", MAILAUTH_OK,
     79},
    {"der ed25519 32 octets", ED, ED0, MAILAUTH_OK, 256},
    /* algorithm */
    {"der OID RSASSA-PSS", RSA, "301c300d06092a864886f70d01010a0500030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der OID id-Ed25519", RSA, "3014300506032b6570030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der OID cut short", RSA, "301b300c06082a864886f70d01010500030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der OID longer", RSA, "301d300e060a2a864886f70d010101010500030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der parameters NULL with contents", RSA, "301d300e06092a864886f70d010101050100030b00" PUB,
     MAILAUTH_EINVAL, 0},
    {"der parameters an INTEGER", RSA, "301d300e06092a864886f70d010101020100030b00" PUB,
     MAILAUTH_EINVAL, 0},
    {"der AlgorithmIdentifier empty", RSA, "300f3000030b00" PUB, MAILAUTH_EINVAL, 0},
    /* structure and trailing bytes */
    {"der trailing octet after spki", RSA, SPKI "00", MAILAUTH_EINVAL, 0},
    {"der trailing octet after pkcs1", RSA, PUB "00", MAILAUTH_EINVAL, 0},
    {"der extra element in spki", RSA, "301e" ALG "030b00" PUB "0500", MAILAUTH_EINVAL, 0},
    {"der extra element in RSAPublicKey", RSA, "300b020300c5f1020103020101", MAILAUTH_EINVAL, 0},
    {"der garbage inside BIT STRING", RSA, "301d" ALG "030c00" PUB "00", MAILAUTH_EINVAL, 0},
    {"der BIT STRING with unused bits", RSA, "301c" ALG "030b01" PUB, MAILAUTH_EINVAL, 0},
    {"der BIT STRING empty", RSA, "3011" ALG "0300", MAILAUTH_EINVAL, 0},
    {"der BIT STRING holds an OCTET STRING", RSA, "301c" ALG "030b00" "0408020300c5f1020103",
     MAILAUTH_EINVAL, 0},
    {"der spki without BIT STRING", RSA, "300f" ALG, MAILAUTH_EINVAL, 0},
    {"der outer SET", RSA, "311c" ALG "030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der outer primitive SEQUENCE", RSA, "101c" ALG "030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der high-tag-number form", RSA, "3f1c" ALG "030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der empty SEQUENCE", RSA, "3000", MAILAUTH_EINVAL, 0},
    {"der one octet", RSA, "30", MAILAUTH_EINVAL, 0},
    {"der a lone INTEGER", RSA, "020300c5f1", MAILAUTH_EINVAL, 0},
    /* lengths */
    {"der outer length past the end", RSA, "301d" ALG "030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der outer length short", RSA, "301b" ALG "030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der outer length 2^32-1", RSA, "3084ffffffff" ALG "030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der outer length 2^31", RSA, "308480000000" ALG "030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der five length octets", RSA, "3085000000001c" ALG "030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der nine length octets", RSA, "3089ffffffffffffffffff" ALG "030b00" PUB, MAILAUTH_EINVAL, 0},
    {"der long form without its octets", RSA, "3082", MAILAUTH_EINVAL, 0},
    {"der indefinite length", RSA, "3080" ALG "030b00" PUB "0000", MAILAUTH_EINVAL, 0},
    {"der inner SEQUENCE past the BIT STRING", RSA, "301c" ALG "030b00" "3009020300c5f1020103",
     MAILAUTH_EINVAL, 0},
    {"der BIT STRING past the outer SEQUENCE", RSA, "301c" ALG "030c00" PUB, MAILAUTH_EINVAL, 0},
    {"der AlgorithmIdentifier past the outer", RSA, "301c301e06092a864886f70d0101010500030b00" PUB,
     MAILAUTH_EINVAL, 0},
    {"der INTEGER past its SEQUENCE", RSA, "3008020900c5f1020103", MAILAUTH_EINVAL, 0},
    {"der INTEGER length 2^32-1", RSA, "300c0284ffffffff00c5f1020103", MAILAUTH_EINVAL, 0},
    /* the numbers */
    {"der n negative", RSA, "30070202c5f1020103", MAILAUTH_EINVAL, 0},
    {"der n leading zero garbage", RSA, "30080203004571020103", MAILAUTH_EINVAL, 0},
    {"der n two leading zeros", RSA, "300902040000c5f1020103", MAILAUTH_EINVAL, 0},
    {"der n zero", RSA, "3006020100020103", MAILAUTH_EINVAL, 0},
    {"der n empty", RSA, "30050200020103", MAILAUTH_EINVAL, 0},
    {"der n even", RSA, "3008020300c5f0020103", MAILAUTH_EINVAL, 0},
    {"der e missing", RSA, "3005020300c5f1", MAILAUTH_EINVAL, 0},
    {"der e one", RSA, "3008020300c5f1020101", MAILAUTH_EINVAL, 0},
    {"der e two", RSA, "3008020300c5f1020102", MAILAUTH_EINVAL, 0},
    {"der e 65536", RSA, "300d020600c5f12345670203010000", MAILAUTH_EINVAL, 0},
    {"der e zero", RSA, "3008020300c5f1020100", MAILAUTH_EINVAL, 0},
    {"der e negative", RSA, "3008020300c5f1020181", MAILAUTH_EINVAL, 0},
    {"der e leading zero garbage", RSA, "3009020300c5f102020003", MAILAUTH_EINVAL, 0},
    {"der e equal to n", RSA, "300a020300c5f1020300c5f1", MAILAUTH_EINVAL, 0},
    {"der e above n", RSA, "300a020300c5f1020300c5f3", MAILAUTH_EINVAL, 0},
    {"der e of 9 octets", RSA, "3017020a7fffffffffffffffffff0209010000000000000001",
     MAILAUTH_EINVAL, 0},
    {"der n and e swapped types", RSA, "30080403 00c5f1020103", MAILAUTH_EINVAL, 0},
    /* the other key type's data */
    {"der ed25519 key given as rsa", RSA, ED0, MAILAUTH_EINVAL, 0},
    {"der rsa spki given as ed25519", ED, SPKI, MAILAUTH_EINVAL, 0},
    {"der ed25519 31 octets", ED, "00000000000000000000000000000000000000000000000000000000000000",
     MAILAUTH_EINVAL, 0},
    {"der ed25519 33 octets", ED, ED0 "00", MAILAUTH_EINVAL, 0},
    {"der ed25519 as spki (RFC 8463 wants raw)", ED, "302a300506032b6570032100" ED0, MAILAUTH_EINVAL,
     0},
};

/* Moduli built at run time: n = 0x7f ff .. ff with this many bits (odd,
 * positive, e = 65537). OpenSSL's ceiling is 16384 bits. */
struct big_case {
    const char       *name;
    unsigned          bits;
    mailauth_status_t want;
};

static const struct big_case big_cases[] = {
    {"modulus 4095 bits", 4095, MAILAUTH_OK},
    {"modulus 16384 bits", 16384, MAILAUTH_OK},
    {"modulus 16385 bits", 16385, MAILAUTH_EINVAL},
    {"modulus 20000 bits", 20000, MAILAUTH_EINVAL},
    {"modulus 65536 bits", 65536, MAILAUTH_EINVAL},
};

/* Valid encodings truncated at every length must all be refused. */
struct trunc_case {
    const char          *file;
    mailauth__key_type_t type;
};

static const struct trunc_case trunc_cases[] = {
    {"rsa1024.spki.der", RSA},     {"rsa2048.spki.der", RSA}, {"rsa2048.pkcs1pub.der", RSA},
    {"rsa4096.spki.der", RSA},     {"ed25519.raw", ED},
};

#endif
