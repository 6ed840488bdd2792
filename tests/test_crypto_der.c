/* lib/crypto DKIM public key decoding (mailauth__pubkey_decode) on hostile
 * and edge-case DER: a table of hand-made encodings (each differs from a
 * valid key in one thing), moduli around OpenSSL's 16384-bit ceiling, and
 * valid keys truncated at every length. Every input sits in an exact-size
 * heap buffer so ASan sees any read past it; every accepted key is then
 * used for a verification; leaks are LSan's to report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>

#include "crypto/crypto.h"
#include "support/crypto_fixture.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define RSA MAILAUTH__KEY_RSA
#define ED MAILAUTH__KEY_ED25519
#define SHA256 MAILAUTH__HASH_SHA256
#define SIG_MAX FX_SIG_MAX

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
    {"der e of 8 octets", RSA, "3016020a7fffffffffffffffffff02080100000000000001", MAILAUTH_OK, 79},
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
    {"der BIT STRING holds an OCTET STRING", RSA,
     "301c" ALG "030b00"
     "0408020300c5f1020103",
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
    {"der inner SEQUENCE past the BIT STRING", RSA,
     "301c" ALG "030b00"
     "3009020300c5f1020103",
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
    {"der ed25519 as spki (RFC 8463 wants raw)", ED, "302a300506032b6570032100" ED0,
     MAILAUTH_EINVAL, 0},
};

/* Moduli built at run time: n = 0x7f ff .. ff with this many bits (odd,
 * positive, e = 65537). OpenSSL's ceiling is 16384 bits. */
struct big_case {
    const char       *name;
    unsigned          bits;
    mailauth_status_t want;
};

static const struct big_case big_cases[] = {
    {"modulus 4095 bits", 4095, MAILAUTH_OK},       {"modulus 16384 bits", 16384, MAILAUTH_OK},
    {"modulus 16385 bits", 16385, MAILAUTH_EINVAL}, {"modulus 20000 bits", 20000, MAILAUTH_EINVAL},
    {"modulus 65536 bits", 65536, MAILAUTH_EINVAL},
};

/* Valid encodings truncated at every length must all be refused. */
struct trunc_case {
    const char          *file;
    mailauth__key_type_t type;
};

static const struct trunc_case trunc_cases[] = {
    {"rsa1024.spki.der", RSA}, {"rsa2048.spki.der", RSA}, {"rsa2048.pkcs1pub.der", RSA},
    {"rsa4096.spki.der", RSA}, {"ed25519.raw", ED},
};

/* ---------------------------------------------------------------- tests */

static void
check_decode(mailauth__key_type_t type, const blob_t *der, mailauth_status_t want,
             unsigned want_bits)
{
    static char         sentinel;
    mailauth__pubkey_t *pub = (mailauth__pubkey_t *)&sentinel; /* must be cleared */
    unsigned            bits = 12345;
    uint8_t             d[32] = {0}, sig[SIG_MAX];
    assert_int_equal(mailauth__pubkey_decode(NULL, type, der->p, der->n, &pub, &bits), want);
    assert_int_equal(ERR_peek_error(), 0);
    if (want != MAILAUTH_OK) {
        assert_null(pub);
        assert_int_equal(bits, 0);
        return;
    }
    assert_int_equal(bits, want_bits);
    assert_int_equal(mailauth__pubkey_type(pub), type);
    /* an accepted key of any size verifies junk without trouble */
    memset(sig, 0x5a, sizeof(sig));
    fx_expect_verify(pub, SHA256, d, sizeof(d), sig, type == RSA ? (bits + 7) / 8 : 64,
                     MAILAUTH_ECRYPTO);
    mailauth__pubkey_unref(pub);
}

static void
test_crypto_der(void **state)
{
    const struct der_case *c = *state;
    blob_t                 der = fx_unhex(c->hex);
    check_decode(c->type, &der, c->want, c->bits);
    free(der.p);
}

/* SEQUENCE { INTEGER n, INTEGER 65537 } with an n of `bits` bits. */
static void
test_crypto_big_modulus(void **state)
{
    const struct big_case *c = *state;
    size_t                 nlen = (c->bits + 7) / 8 + ((c->bits % 8) == 0), n = 0;
    size_t                 seq = 4 + nlen + 5;
    blob_t                 der = {malloc(seq + 4), 0};
    assert_non_null(der.p);
    der.p[n++] = 0x30;
    der.p[n++] = 0x82;
    der.p[n++] = (uint8_t)(seq >> 8);
    der.p[n++] = (uint8_t)seq;
    der.p[n++] = 0x02;
    der.p[n++] = 0x82;
    der.p[n++] = (uint8_t)(nlen >> 8);
    der.p[n++] = (uint8_t)nlen;
    memset(der.p + n, 0xff, nlen);
    /* the top octet holds bits % 8 bits, or is the sign octet 0x00 before a full 0xff */
    der.p[n] = (uint8_t)((c->bits % 8) == 0 ? 0u : (1u << (c->bits % 8)) - 1);
    n += nlen;
    memcpy(der.p + n, "\x02\x03\x01\x00\x01", 5);
    der.n = n + 5;
    check_decode(RSA, &der, c->want, c->bits);
    free(der.p);
}

/* A valid encoding cut at every length, each in an exact-size buffer. */
static void
test_crypto_der_truncated(void **state)
{
    const struct trunc_case *c = *state;
    blob_t                   full = fx_slurp_key(c->file);
    for (size_t len = 0; len < full.n; len++) {
        blob_t              cut = {malloc(len + 1), len};
        mailauth__pubkey_t *pub = NULL;
        assert_non_null(cut.p);
        memcpy(cut.p, full.p, len);
        assert_int_equal(mailauth__pubkey_decode(NULL, c->type, cut.p, len, &pub, NULL),
                         MAILAUTH_EINVAL);
        assert_null(pub);
        free(cut.p);
    }
    /* and one octet more is trailing garbage (slurp left room for it) */
    full.p[full.n++] = 0;
    check_decode(c->type, &full, MAILAUTH_EINVAL, 0);
    assert_int_equal(ERR_peek_error(), 0);
    free(full.p);
}

int
main(void)
{
    static struct CMUnitTest
           tests[ARRAY_LEN(der_cases) + ARRAY_LEN(big_cases) + ARRAY_LEN(trunc_cases)];
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_LEN(der_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = der_cases[i].name,
                                         .test_func = test_crypto_der,
                                         .initial_state = (void *)&der_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(big_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = big_cases[i].name,
                                         .test_func = test_crypto_big_modulus,
                                         .initial_state = (void *)&big_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(trunc_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = trunc_cases[i].file,
                                         .test_func = test_crypto_der_truncated,
                                         .initial_state = (void *)&trunc_cases[i]};
    return _cmocka_run_group_tests("crypto_der", tests, n, NULL, NULL);
}
