/* lib/crypto public and private keys: PEM loading, DKIM p= decoding (SPKI,
 * bare PKCS#1, raw Ed25519), sign/verify round trips and their failures,
 * signatures made by `openssl pkeyutl`, the RFC 6376 and RFC 8463 example
 * keys and signatures (read from the shared test data: the conformance
 * group, support/testdata.h), sharing a key between threads, OpenSSL's
 * error queue.
 * Hostile DER is in tests/test_crypto_der.c. Digests are computed with
 * OpenSSL's EVP_Digest directly, so this test needs nothing of lib/crypto
 * but the key code. Tables: tests/test_crypto_cases.h; keys: tests/data/keys/. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "support/crypto_fixture.h"
#include "support/fail_alloc.h"
#include "support/testdata.h"
#include "test_crypto_cases.h"
#include "util/alloc.h"
#include "util/base64.h"

#define RFC6376 MAILAUTH_TESTDATA_DIR "/dkim/rfc6376-appendix-a/"
#define RFC8463 MAILAUTH_TESTDATA_DIR "/dkim/rfc8463-appendix-a/"
#define STALWART MAILAUTH_TESTDATA_DIR "/dkim/stalwart-mail-auth/"
#define SIG_MAX FX_SIG_MAX

/* ---------------------------------------------------------------- RFC file helpers */

/* The p= value of a record in a mailauth zone file: the quoted strings of
 * the line that starts with `owner`, joined, then the text after "p=" up to ';'. */
static blob_t
zone_p(const char *path, const char *owner)
{
    blob_t      z = fx_slurp_testdata(path), out;
    const char *line = (const char *)z.p, *p, *end;
    char        joined[2048];
    size_t      n = 0;
    while (line != NULL && strncmp(line, owner, strlen(owner)) != 0)
        line = (line = strchr(line, '\n')) != NULL ? line + 1 : NULL;
    assert_non_null(line);
    for (p = line; *p != '\0' && *p != '\n'; p++) {
        if (*p != '"')
            continue;
        for (p++; *p != '"' && *p != '\0' && n + 1 < sizeof(joined); p++)
            joined[n++] = *p;
    }
    joined[n] = '\0';
    p = strstr(joined, "p=");
    assert_non_null(p);
    p += 2;
    end = strchr(p, ';');
    out = fx_unbase64(p, end != NULL ? (size_t)(end - p) : strlen(p));
    free(z.p);
    return out;
}

/* The decoded b= of the index-th DKIM-Signature field of a message. */
static blob_t
eml_b(const char *path, int index)
{
    blob_t      m = fx_slurp_testdata(path), out;
    const char *f = (const char *)m.p, *b, *end;
    for (int i = 0; i <= index; i++) {
        f = strstr(i == 0 ? f : f + 1, "DKIM-Signature:");
        assert_non_null(f);
    }
    /* the field ends at a CRLF not followed by white space */
    for (end = f; (end = strstr(end, "\r\n")) != NULL && (end[2] == ' ' || end[2] == '\t');)
        end += 2;
    assert_non_null(end);
    for (b = f; b < end; b++)
        if ((b[0] == ';' || b[0] == ' ') && b[1] == 'b' && b[2] == '=')
            break;
    assert_true(b < end);
    b += 3;
    out = fx_unbase64(b, (size_t)(end - b));
    free(m.p);
    return out;
}

/* ---------------------------------------------------------------- private keys */

static void
test_crypto_key_loads(void **state)
{
    const struct key_case *c = *state;
    mailauth__privkey_t   *k = fx_load_key(c->file);
    blob_t                 want = fx_slurp_key(c->pub);
    uint8_t               *der = NULL;
    size_t                 len = 0;
    mailauth__pubkey_t    *pub = NULL;
    unsigned               bits = 0;
    assert_int_equal(mailauth__privkey_type(k), c->type);
    assert_int_equal(mailauth__privkey_bits(k), c->bits);
    assert_int_equal(mailauth__privkey_sig_len(k), c->type == RSA ? c->bits / 8 : 64);
    /* the p= value equals what the openssl CLI writes */
    assert_int_equal(mailauth__privkey_public_der(k, NULL, &der, &len), MAILAUTH_OK);
    assert_int_equal(len, want.n);
    assert_memory_equal(der, want.p, len);
    assert_int_equal(mailauth__pubkey_decode(NULL, c->type, der, len, &pub, &bits), MAILAUTH_OK);
    assert_int_equal(bits, c->bits);
    assert_int_equal(mailauth__pubkey_type(pub), c->type);
    mailauth__pubkey_unref(pub);
    mailauth__free(NULL, der);
    /* every allocation of public_der may fail, and nothing leaks when it does */
    for (unsigned long at = 1;; at++) {
        fail_alloc_t fa;
        fail_alloc_init(&fa, at);
        mailauth_status_t st = mailauth__privkey_public_der(k, &fa.al, &der, &len);
        if (st == MAILAUTH_OK)
            mailauth__free(&fa.al, der);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
        assert_null(der);
    }
    mailauth__privkey_free(k);
    free(want.p);
    assert_int_equal(ERR_peek_error(), 0);
}

static void
test_crypto_pem_refused(void **state)
{
    const struct bad_pem *c = *state;
    blob_t                b = {NULL, 0};
    const char           *text = c->text;
    size_t                n = text != NULL ? strlen(text) : 0;
    mailauth__privkey_t  *k = (mailauth__privkey_t *)&b; /* must be cleared */
    if (c->file != NULL) {
        b = fx_slurp_key(c->file);
        text = (const char *)b.p;
        n = c->keep != 0 && c->keep < b.n ? c->keep : b.n;
    }
    assert_int_equal(mailauth__privkey_load_pem(NULL, text, n, &k), MAILAUTH_EINVAL);
    assert_null(k);
    assert_int_equal(ERR_peek_error(), 0);
    free(b.p);
}

/* ---------------------------------------------------------------- sign, verify */

/* Every way of breaking a good signature is MAILAUTH_ECRYPTO. */
static void
break_signature(const struct rt_case *c, const mailauth__pubkey_t *pub, const uint8_t *d,
                size_t dlen, const uint8_t *sig, size_t slen)
{
    uint8_t             bad[SIG_MAX + 1], dbad[MAILAUTH__HASH_MAX];
    mailauth__pubkey_t *other = fx_decode_file(c->other, c->other_type);
    const size_t        at[] = {0, slen / 2, slen - 1};
    for (size_t i = 0; i < ARRAY_LEN(at); i++) {
        memcpy(bad, sig, slen);
        bad[at[i]] ^= 0x10;
        fx_expect_verify(pub, c->alg, d, dlen, bad, slen, MAILAUTH_ECRYPTO);
    }
    memcpy(dbad, d, dlen);
    dbad[dlen - 1] ^= 0x01;
    fx_expect_verify(pub, c->alg, dbad, dlen, sig, slen, MAILAUTH_ECRYPTO);
    memcpy(bad, sig, slen);
    bad[slen] = 0;
    fx_expect_verify(pub, c->alg, d, dlen, bad, slen + 1, MAILAUTH_ECRYPTO);
    fx_expect_verify(pub, c->alg, d, dlen, sig, slen - 1, MAILAUTH_ECRYPTO);
    fx_expect_verify(pub, c->alg, d, dlen, sig, 1, MAILAUTH_ECRYPTO);
    fx_expect_verify(pub, c->alg, d, dlen, sig, 0, MAILAUTH_ECRYPTO);
    /* the other hash over the same bytes (first 20 of a SHA-256 digest, or SHA-1 padded) */
    memset(dbad, 0, sizeof(dbad));
    memcpy(dbad, d, dlen);
    fx_expect_verify(pub, c->alg == SHA1 ? SHA256 : SHA1, dbad, c->alg == SHA1 ? 32 : 20, sig, slen,
                     MAILAUTH_ECRYPTO);
    /* the key of the other type */
    fx_expect_verify(other, c->alg, d, dlen, sig, slen, MAILAUTH_ECRYPTO);
    /* a digest of the wrong length is the caller's error */
    fx_expect_verify(pub, c->alg, d, dlen - 1, sig, slen, MAILAUTH_EINVAL);
    mailauth__pubkey_unref(other);
}

static void
test_crypto_roundtrip(void **state)
{
    const struct rt_case *c = *state;
    mailauth__privkey_t  *k = fx_load_key(c->key);
    mailauth__pubkey_t   *pub = NULL, *pub2 = fx_decode_file(c->pub2, mailauth__privkey_type(k));
    uint8_t               d[MAILAUTH__HASH_MAX], sig[SIG_MAX], *der = NULL;
    size_t                dlen = 0, slen = 1, len = 0;
    fx_digest(c->alg, c->name, strlen(c->name), d, &dlen);
    /* too small a buffer says how much is needed, writes nothing */
    assert_int_equal(mailauth__privkey_sign(k, c->alg, d, dlen, sig, &slen), MAILAUTH_ENOSPC);
    assert_int_equal(slen, mailauth__privkey_sig_len(k));
    slen = sizeof(sig);
    assert_int_equal(mailauth__privkey_sign(k, c->alg, d, dlen, sig, &slen), MAILAUTH_OK);
    assert_int_equal(slen, mailauth__privkey_sig_len(k));
    assert_int_equal(mailauth__privkey_public_der(k, NULL, &der, &len), MAILAUTH_OK);
    assert_int_equal(mailauth__pubkey_decode(NULL, mailauth__privkey_type(k), der, len, &pub, NULL),
                     MAILAUTH_OK);
    fx_expect_verify(pub, c->alg, d, dlen, sig, slen, MAILAUTH_OK);
    fx_expect_verify(pub2, c->alg, d, dlen, sig, slen, MAILAUTH_OK);
    break_signature(c, pub, d, dlen, sig, slen);
    assert_int_equal(ERR_peek_error(), 0); /* expected failures leave no OpenSSL errors */
    mailauth__pubkey_unref(pub);
    mailauth__pubkey_unref(pub2);
    mailauth__free(NULL, der);
    mailauth__privkey_free(k);
}

/* RFC 8463 §3: Ed25519 exists only as ed25519-sha256. */
static void
test_crypto_ed25519_sha1_refused(void **state)
{
    mailauth__privkey_t *k = fx_load_key("ed25519.pkcs8.pem");
    mailauth__pubkey_t  *pub = fx_decode_file("ed25519.raw", ED);
    uint8_t              d[20] = {1}, sig[64] = {0};
    size_t               slen = sizeof(sig);
    (void)state;
    assert_int_equal(mailauth__privkey_sign(k, SHA1, d, sizeof(d), sig, &slen), MAILAUTH_ECRYPTO);
    assert_int_equal(mailauth__pubkey_verify(pub, SHA1, d, sizeof(d), sig, 64), MAILAUTH_ECRYPTO);
    mailauth__pubkey_unref(pub);
    mailauth__privkey_free(k);
}

/* Signatures made by `openssl pkeyutl` verify here, and ours are the same
 * bytes (PKCS#1 v1.5 and Ed25519 are deterministic). */
static void
test_crypto_pkeyutl(void **state)
{
    const struct xc_case *c = *state;
    blob_t                msg = fx_slurp_key("crosscheck.msg"), want = fx_slurp_key(c->sig);
    mailauth__privkey_t  *k = fx_load_key(c->key);
    mailauth__pubkey_t   *pub = fx_decode_file(c->pub, mailauth__privkey_type(k));
    uint8_t               d[MAILAUTH__HASH_MAX], sig[SIG_MAX];
    size_t                dlen = 0, slen = sizeof(sig);
    fx_digest(c->alg, msg.p, msg.n, d, &dlen);
    fx_expect_verify(pub, c->alg, d, dlen, want.p, want.n, MAILAUTH_OK);
    assert_int_equal(mailauth__privkey_sign(k, c->alg, d, dlen, sig, &slen), MAILAUTH_OK);
    assert_int_equal(slen, want.n);
    assert_memory_equal(sig, want.p, slen);
    mailauth__pubkey_unref(pub);
    mailauth__privkey_free(k);
    free(msg.p);
    free(want.p);
}

/* ---------------------------------------------------------------- RFC examples */

/* RFC 6376 Appendix C: the record's key is the public half of the printed private key. */
static void
test_crypto_rfc6376_key(void **state)
{
    blob_t               p = zone_p(RFC6376 "rfc6376.zone", "brisbane._domainkey.example.com");
    blob_t               pem = fx_slurp_testdata(RFC6376 "appendix-c-private-key.pem");
    mailauth__pubkey_t  *pub = NULL;
    mailauth__privkey_t *k = NULL;
    unsigned             bits = 0;
    uint8_t             *der = NULL;
    size_t               len = 0;
    (void)state;
    assert_int_equal(mailauth__pubkey_decode(NULL, RSA, p.p, p.n, &pub, &bits), MAILAUTH_OK);
    assert_int_equal(bits, 1024);
    assert_int_equal(mailauth__privkey_load_pem(NULL, (const char *)pem.p, pem.n, &k), MAILAUTH_OK);
    assert_int_equal(mailauth__privkey_public_der(k, NULL, &der, &len), MAILAUTH_OK);
    assert_int_equal(len, p.n);
    assert_memory_equal(der, p.p, len);
    mailauth__free(NULL, der);
    mailauth__privkey_free(k);
    mailauth__pubkey_unref(pub);
    free(p.p);
    free(pem.p);
}

/* Stalwart 002: a k=rsa record whose p= is a bare PKCS#1 RSAPublicKey. */
static void
test_crypto_bare_pkcs1_record(void **state)
{
    blob_t              m = fx_slurp_testdata(STALWART "002.txt"), p;
    const char         *s = strstr((const char *)m.p, "p="), *end;
    mailauth__pubkey_t *pub = NULL;
    unsigned            bits = 0;
    (void)state;
    assert_non_null(s);
    s += 2;
    end = strchr(s, '\n');
    p = fx_unbase64(s, (size_t)(end - s));
    assert_int_equal(p.p[0], 0x30);
    assert_int_equal(p.p[p.p[1] == 0x81 ? 3 : 4], 0x02); /* the SEQUENCE starts with n */
    assert_int_equal(mailauth__pubkey_decode(NULL, RSA, p.p, p.n, &pub, &bits), MAILAUTH_OK);
    assert_int_equal(bits, 1024);
    mailauth__pubkey_unref(pub);
    free(p.p);
    free(m.p);
}

struct rfc8463_case {
    const char          *name;
    mailauth__key_type_t type;
    const char          *owner, *header;
    int                  sig_index;
};

static const struct rfc8463_case rfc8463_cases[] = {
    {"rfc8463 ed25519-sha256", ED, "brisbane._domainkey", "a3-canonical-header-data-ed25519.txt",
     0},
    {"rfc8463 rsa-sha256", RSA, "test._domainkey", "a3-canonical-header-data-rsa.txt", 1},
};

/* The private key of RFC 8463 A.1 as PEM: RSA as printed; Ed25519 from its
 * 32-octet seed, wrapped in PKCS#8 (RFC 8410 §7: OneAsymmetricKey with
 * id-Ed25519 and the seed in an OCTET STRING). */
static mailauth__privkey_t *
rfc8463_private(mailauth__key_type_t type)
{
    static const uint8_t prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                     0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    blob_t               text, seed;
    mailauth__privkey_t *k = NULL;
    uint8_t              der[sizeof(prefix) + 32];
    char                 pem[256], b64[128];
    if (type == RSA) {
        text = fx_slurp_testdata(RFC8463 "a1-rsa-private.pem");
        assert_int_equal(mailauth__privkey_load_pem(NULL, (const char *)text.p, text.n, &k),
                         MAILAUTH_OK);
        free(text.p);
        return k;
    }
    text = fx_slurp_testdata(RFC8463 "a1-ed25519-private.b64");
    seed = fx_unbase64((const char *)text.p, text.n);
    assert_int_equal(seed.n, 32);
    memcpy(der, prefix, sizeof(prefix));
    memcpy(der + sizeof(prefix), seed.p, 32);
    mailauth__b64_encode(der, sizeof(der), b64);
    snprintf(pem, sizeof(pem), "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n", b64);
    assert_int_equal(mailauth__privkey_load_pem(NULL, pem, strlen(pem), &k), MAILAUTH_OK);
    free(seed.p);
    free(text.p);
    return k;
}

/* RFC 8463 Appendix A: both published signatures verify over the SHA-256 of
 * the documented canonical header data, and signing it again with the A.1
 * keys gives the published b= exactly. */
static void
test_crypto_rfc8463(void **state)
{
    const struct rfc8463_case *c = *state;
    char                       path[512];
    blob_t                     p = zone_p(RFC8463 "rfc8463.zone", c->owner);
    blob_t                     b = eml_b(RFC8463 "a3-signed.eml", c->sig_index), hdr;
    mailauth__pubkey_t        *pub = NULL;
    mailauth__privkey_t       *k;
    uint8_t                    d[MAILAUTH__HASH_MAX], sig[SIG_MAX];
    size_t                     dlen = 0, slen = sizeof(sig);
    unsigned                   bits = 0;
    snprintf(path, sizeof(path), "%s%s", RFC8463, c->header);
    hdr = fx_slurp_testdata(path);
    fx_digest(SHA256, hdr.p, hdr.n, d, &dlen);
    assert_int_equal(mailauth__pubkey_decode(NULL, c->type, p.p, p.n, &pub, &bits), MAILAUTH_OK);
    assert_int_equal(bits, c->type == RSA ? 1024 : 256);
    fx_expect_verify(pub, SHA256, d, dlen, b.p, b.n, MAILAUTH_OK);
    k = rfc8463_private(c->type);
    assert_int_equal(mailauth__privkey_sign(k, SHA256, d, dlen, sig, &slen), MAILAUTH_OK);
    assert_int_equal(slen, b.n);
    assert_memory_equal(sig, b.p, slen);
    mailauth__privkey_free(k);
    mailauth__pubkey_unref(pub);
    free(p.p);
    free(b.p);
    free(hdr.p);
}

/* ---------------------------------------------------------------- sharing, errors */

struct share {
    mailauth__pubkey_t *pub;
    const uint8_t      *d, *sig;
    size_t              dlen, slen;
    int                 ok;
};

static void *
verify_loop(void *arg)
{
    struct share *s = arg;
    for (int i = 0; i < 40; i++) {
        mailauth__pubkey_t *mine = mailauth__pubkey_ref(s->pub);
        if (mailauth__pubkey_verify(mine, SHA256, s->d, s->dlen, s->sig, s->slen) == MAILAUTH_OK)
            s->ok++;
        mailauth__pubkey_unref(mine);
    }
    mailauth__pubkey_unref(s->pub); /* the reference the thread was given */
    return NULL;
}

/* One key, many threads: references and verification need no outside lock. */
static void
test_crypto_shared_key(void **state)
{
    const char *files[][2] = {{"rsa2048.pkcs8.pem", "rsa2048.spki.der"},
                              {"ed25519.pkcs8.pem", "ed25519.raw"}};
    (void)state;
    for (size_t f = 0; f < ARRAY_LEN(files); f++) {
        mailauth__privkey_t *k = fx_load_key(files[f][0]);
        uint8_t              d[32] = {7}, sig[SIG_MAX];
        size_t               slen = sizeof(sig);
        struct share         s[4];
        pthread_t            t[4];
        mailauth__pubkey_t  *pub = fx_decode_file(files[f][1], mailauth__privkey_type(k));
        assert_int_equal(mailauth__privkey_sign(k, SHA256, d, sizeof(d), sig, &slen), MAILAUTH_OK);
        for (size_t i = 0; i < ARRAY_LEN(t); i++) {
            s[i] = (struct share){mailauth__pubkey_ref(pub), d, sig, sizeof(d), slen, 0};
            assert_int_equal(pthread_create(&t[i], NULL, verify_loop, &s[i]), 0);
        }
        mailauth__pubkey_unref(pub); /* the threads' references keep it alive */
        for (size_t i = 0; i < ARRAY_LEN(t); i++) {
            assert_int_equal(pthread_join(t[i], NULL), 0);
            assert_int_equal(s[i].ok, 40);
        }
        mailauth__privkey_free(k);
    }
}

/* Failures leave the caller's OpenSSL errors in place and add none. */
static void
test_crypto_error_queue(void **state)
{
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    mailauth__pubkey_t  *pub = fx_decode_file("rsa2048.spki.der", RSA), *none = NULL;
    mailauth__privkey_t *k = NULL;
    uint8_t              d[32] = {0}, sig[256] = {0};
    (void)state;
    ERR_raise(ERR_LIB_USER, 42);
    unsigned long mine = ERR_peek_last_error();
    assert_int_equal(mailauth__pubkey_decode(NULL, RSA, junk, sizeof(junk), &none, NULL),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__pubkey_verify(pub, SHA256, d, 32, sig, sizeof(sig)),
                     MAILAUTH_ECRYPTO);
    assert_int_equal(mailauth__privkey_load_pem(NULL, "-----BEGIN PRIVATE KEY-----\n", 28, &k),
                     MAILAUTH_EINVAL);
    assert_int_equal(ERR_get_error(), mine);
    assert_int_equal(ERR_get_error(), 0);
    mailauth__pubkey_unref(pub);
}

static void
test_crypto_bad_arguments(void **state)
{
    static const uint8_t d[32] = {0};
    mailauth__pubkey_t  *pub = fx_decode_file("ed25519.raw", ED), *out = NULL;
    uint8_t             *der = NULL;
    size_t               len = 0, slen = 64;
    (void)state;
    assert_int_equal(mailauth__pubkey_decode(NULL, RSA, NULL, 10, &out, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__pubkey_decode(NULL, RSA, d, 0, &out, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__pubkey_decode(NULL, ED, d, 32, NULL, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__pubkey_decode(NULL, (mailauth__key_type_t)7, d, 32, &out, NULL),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__pubkey_verify(NULL, SHA256, d, 32, d, 32), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__pubkey_verify(pub, SHA256, NULL, 32, d, 32), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__pubkey_verify(pub, (mailauth__hash_alg_t)9, d, 32, d, 32),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__pubkey_verify(pub, SHA256, d, 32, NULL, 64), MAILAUTH_ECRYPTO);
    assert_int_equal(mailauth__privkey_load_pem(NULL, NULL, 5, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__privkey_public_der(NULL, NULL, &der, &len), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__privkey_sign(NULL, SHA256, d, 32, (uint8_t *)der, &slen),
                     MAILAUTH_EINVAL);
    assert_null(mailauth__pubkey_ref(NULL));
    mailauth__pubkey_unref(NULL);
    mailauth__privkey_free(NULL);
    assert_int_equal(mailauth__pubkey_bits(NULL), 0);
    assert_int_equal(mailauth__privkey_bits(NULL), 0);
    assert_int_equal(mailauth__privkey_sig_len(NULL), 0);
    /* references: two more, three releases */
    assert_ptr_equal(mailauth__pubkey_ref(pub), pub);
    assert_ptr_equal(mailauth__pubkey_ref(pub), pub);
    mailauth__pubkey_unref(pub);
    mailauth__pubkey_unref(pub);
    mailauth__pubkey_unref(pub);
}

/* ---------------------------------------------------------------- main */

#define ADD(fn, table, field)                                                                      \
    for (size_t i = 0; i < ARRAY_LEN(table); i++)                                                  \
        tests[n++] = (struct CMUnitTest)                                                           \
        {                                                                                          \
            .name = (table)[i].field, .test_func = (fn), .initial_state = (void *)&(table)[i]      \
        }

int
main(int argc, char **argv)
{
    static struct CMUnitTest tests[ARRAY_LEN(key_cases) + ARRAY_LEN(rt_cases) +
                                   ARRAY_LEN(bad_pems) + ARRAY_LEN(xc_cases) +
                                   ARRAY_LEN(rfc8463_cases) + 8];
    size_t                   n = 0;
    bool                     conformance = false;
    int                      rc = testdata_select(argc, argv, &conformance);
    if (rc >= 0)
        return rc;
    if (conformance) { /* the published examples and vectors */
        ADD(test_crypto_rfc8463, rfc8463_cases, name);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_crypto_rfc6376_key);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_crypto_bare_pkcs1_record);
        return _cmocka_run_group_tests("crypto_conformance", tests, n, NULL, NULL);
    }
    ADD(test_crypto_key_loads, key_cases, file);
    ADD(test_crypto_roundtrip, rt_cases, name);
    ADD(test_crypto_pem_refused, bad_pems, name);
    ADD(test_crypto_pkeyutl, xc_cases, name);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_crypto_ed25519_sha1_refused);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_crypto_shared_key);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_crypto_error_queue);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_crypto_bad_arguments);
    return _cmocka_run_group_tests("crypto", tests, n, NULL, NULL);
}
