/* Helpers of the lib/crypto tests: see crypto_fixture.h. */
#include "support/crypto_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "util/base64.h"

bool
fx_slurp_opt(const char *path, blob_t *b)
{
    FILE *f = fopen(path, "rb");
    long  size;
    b->p = NULL;
    b->n = 0;
    if (f == NULL)
        return false;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return false;
    }
    b->p = malloc((size_t)size + 1);
    assert_non_null(b->p);
    b->n = fread(b->p, 1, (size_t)size, f);
    b->p[b->n] = '\0';
    fclose(f);
    return b->n == (size_t)size;
}

blob_t
fx_slurp_key(const char *file)
{
    char   path[512];
    blob_t b;
    snprintf(path, sizeof(path), "%s%s", MAILAUTH_TEST_DATA "/keys/", file);
    if (!fx_slurp_opt(path, &b))
        fail_msg("cannot read %s", path);
    return b;
}

blob_t
fx_slurp_testdata(const char *path)
{
    blob_t b;
    if (!fx_slurp_opt(path, &b)) {
        free(b.p);
        fail_msg("cannot read %s", path);
    }
    return b;
}

void
fx_digest(mailauth__hash_alg_t alg, const void *p, size_t n, uint8_t *out, size_t *dlen)
{
    unsigned int len = 0;
    assert_int_equal(
        EVP_Digest(p, n, out, &len, alg == MAILAUTH__HASH_SHA1 ? EVP_sha1() : EVP_sha256(), NULL),
        1);
    *dlen = len;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Hex with optional spaces, into an exactly-sized heap copy (ASan sees any overread). */
blob_t
fx_unhex(const char *hex)
{
    blob_t b = {malloc(strlen(hex) / 2 + 1), 0};
    assert_non_null(b.p);
    for (const char *s = hex; *s != '\0'; s++) {
        int hi, lo;
        if (*s == ' ')
            continue;
        hi = hexval(s[0]);
        lo = hexval(s[1]);
        assert_true(hi >= 0 && lo >= 0);
        b.p[b.n++] = (uint8_t)(hi << 4 | lo);
        s++;
    }
    return b;
}

blob_t
fx_unbase64(const char *text, size_t n)
{
    blob_t b = {malloc(mailauth__b64_decoded_max(n) + 1), 0};
    assert_non_null(b.p);
    assert_int_equal(mailauth__b64_decode(text, n, b.p, &b.n), MAILAUTH_OK);
    return b;
}

mailauth__privkey_t *
fx_load_key(const char *file)
{
    blob_t               pem = fx_slurp_key(file);
    mailauth__privkey_t *k = NULL;
    assert_int_equal(mailauth__privkey_load_pem(NULL, (const char *)pem.p, pem.n, &k), MAILAUTH_OK);
    free(pem.p);
    return k;
}

mailauth__pubkey_t *
fx_decode_file(const char *file, mailauth__key_type_t type)
{
    blob_t              der = fx_slurp_key(file);
    mailauth__pubkey_t *k = NULL;
    unsigned            bits = 0;
    assert_int_equal(mailauth__pubkey_decode(NULL, type, der.p, der.n, &k, &bits), MAILAUTH_OK);
    assert_int_equal(bits, mailauth__pubkey_bits(k));
    free(der.p);
    return k;
}

void
fx_expect_verify(const mailauth__pubkey_t *pub, mailauth__hash_alg_t alg, const uint8_t *d,
                 size_t dlen, const uint8_t *sig, size_t slen, mailauth_status_t want)
{
    /* an exact-size heap copy, so a read past slen is caught */
    uint8_t *copy = malloc(slen + 1);
    assert_non_null(copy);
    if (slen > 0)
        memcpy(copy, sig, slen);
    assert_int_equal(mailauth__pubkey_verify(pub, alg, d, dlen, copy, slen), want);
    free(copy);
}
