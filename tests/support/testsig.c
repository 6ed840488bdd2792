/* Test support: DKIM signatures and key records made at test time (see testsig.h). */
#include "support/testsig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canon/canon.h"
#include "crypto/crypto.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/str.h"

#define MAX_KEYS 8
#define MAX_FIELDS 64

char *
tsig_read_file(const char *path, size_t *len)
{
    FILE  *f = fopen(path, "rb");
    char  *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb = realloc(buf, cap = cap * 2 + 8192);
            if (nb == NULL)
                break;
            buf = nb;
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

/* Keys are read once; the process ends with them (no leak report: test data). */
const char *
tsig_key(const char *name)
{
    static struct {
        char  name[64];
        char *pem;
    } keys[MAX_KEYS];
    char path[512];
    for (size_t i = 0; i < MAX_KEYS; i++) {
        if (keys[i].pem != NULL && strcmp(keys[i].name, name) == 0)
            return keys[i].pem;
        if (keys[i].pem == NULL) {
            snprintf(path, sizeof(path), "%s/dkim_verify/%s", MAILAUTH_TEST_DATA, name);
            keys[i].pem = tsig_read_file(path, NULL);
            assert_non_null(keys[i].pem);
            snprintf(keys[i].name, sizeof(keys[i].name), "%s", name);
            return keys[i].pem;
        }
    }
    fail_msg("too many test keys");
    return NULL;
}

static mailauth__privkey_t *
load_key(const char *name)
{
    const char          *pem = tsig_key(name);
    mailauth__privkey_t *k = NULL;
    assert_int_equal(mailauth__privkey_load_pem(NULL, pem, strlen(pem), &k), MAILAUTH_OK);
    return k;
}

static char *
b64(const uint8_t *p, size_t n)
{
    char *out = malloc(mailauth__b64_encoded_len(n) + 1);
    assert_non_null(out);
    mailauth__b64_encode(p, n, out);
    return out;
}

/* ---- signing ------------------------------------------------------------------- */

typedef struct field {
    const char *raw;
    size_t      len, name_len;
    bool        used;
} field_t;

/* Cut the header section into fields (continuation lines start with WSP). */
static size_t
split_fields(const char *h, field_t *f, size_t max)
{
    size_t n = 0;
    while (*h != '\0' && n < max) {
        const char *start = h, *colon = strchr(h, ':');
        const char *end = strstr(h, "\r\n");
        while (end != NULL && (end[2] == ' ' || end[2] == '\t'))
            end = strstr(end + 2, "\r\n");
        assert_non_null(end);
        assert_non_null(colon);
        f[n].raw = start;
        f[n].len = (size_t)(end - start);
        f[n].name_len = (size_t)(colon - start);
        while (f[n].name_len > 0 && mailauth__is_wsp((unsigned char)start[f[n].name_len - 1]))
            f[n].name_len--;
        f[n].used = false;
        n++;
        h = end + 2;
    }
    return n;
}

/* §5.4.2: each h= name takes the next unused instance from the bottom. */
static void
hash_headers(mailauth__hash_t *hh, mailauth__canon_t canon, const char *headers, const char *hlist)
{
    field_t     f[MAX_FIELDS];
    size_t      nf = split_fields(headers, f, MAX_FIELDS);
    const char *p = hlist;
    while (*p != '\0') {
        const char *colon = strchr(p, ':');
        size_t      n = colon != NULL ? (size_t)(colon - p) : strlen(p);
        for (size_t i = nf; i-- > 0;) {
            if (!f[i].used && f[i].name_len == n && mailauth__eq_ci_n(f[i].raw, p, n)) {
                f[i].used = true;
                assert_int_equal(mailauth__canon_header(hh, canon, f[i].raw, f[i].len),
                                 MAILAUTH_OK);
                break;
            }
        }
        p += n + (colon != NULL ? 1 : 0);
    }
}

static void
parse_c(const char *c, mailauth__canon_t *hc, mailauth__canon_t *bc)
{
    *hc = *bc = MAILAUTH__CANON_SIMPLE;
    if (c == NULL)
        return;
    if (strncmp(c, "relaxed", 7) == 0)
        *hc = MAILAUTH__CANON_RELAXED;
    c = strchr(c, '/');
    if (c != NULL && strcmp(c + 1, "relaxed") == 0)
        *bc = MAILAUTH__CANON_RELAXED;
}

static char *
body_hash(const tsig_spec_t *spec, mailauth__hash_alg_t alg, mailauth__canon_t bc, const char *body,
          size_t body_len)
{
    mailauth__body_canon_t *c = NULL;
    uint8_t                 d[MAILAUTH__HASH_MAX];
    uint64_t                total = 0;
    uint64_t                limit = spec->l >= 0 ? (uint64_t)spec->l : MAILAUTH__BODY_NO_LIMIT;
    assert_int_equal(mailauth__body_canon_new(NULL, bc, alg, limit, &c), MAILAUTH_OK);
    assert_int_equal(mailauth__body_canon_feed(c, body, body_len), MAILAUTH_OK);
    assert_int_equal(mailauth__body_canon_end(c, d, &total), MAILAUTH_OK);
    mailauth__body_canon_free(c);
    return b64(d, mailauth__hash_len(alg));
}

/* The tag list up to "b=" (empty value), folded like common signers. */
static char *
tags_text(const tsig_spec_t *spec, const char *bh)
{
    char   opt[256] = "";
    size_t n = 0;
    char  *out = NULL;
    if (spec->c != NULL)
        n += (size_t)snprintf(opt + n, sizeof(opt) - n, " c=%s;", spec->c);
    if (spec->i != NULL)
        n += (size_t)snprintf(opt + n, sizeof(opt) - n, " i=%s;", spec->i);
    if (spec->t >= 0)
        n += (size_t)snprintf(opt + n, sizeof(opt) - n, " t=%lld;", (long long)spec->t);
    if (spec->x >= 0)
        n += (size_t)snprintf(opt + n, sizeof(opt) - n, " x=%lld;", (long long)spec->x);
    if (spec->l >= 0)
        (void)snprintf(opt + n, sizeof(opt) - n, " l=%lld;", (long long)spec->l);
    n = strlen(spec->a) + strlen(spec->d) + strlen(spec->s) + strlen(spec->h) + strlen(bh) +
        strlen(opt) + 128;
    out = malloc(n);
    assert_non_null(out);
    snprintf(out, n,
             "DKIM-Signature: v=1; a=%s; d=%s; s=%s;%s\r\n\th=%s;\r\n\tbh=%s;\r\n\tb=", spec->a,
             spec->d, spec->s, opt, spec->h, bh);
    return out;
}

char *
tsig_sign(const tsig_spec_t *spec, const char *headers, const char *body, size_t body_len)
{
    mailauth__hash_alg_t alg =
        strcmp(spec->a, "rsa-sha1") == 0 ? MAILAUTH__HASH_SHA1 : MAILAUTH__HASH_SHA256;
    mailauth__canon_t    hc, bc;
    mailauth__hash_t    *hh = NULL;
    mailauth__privkey_t *k = load_key(spec->key);
    uint8_t              digest[MAILAUTH__HASH_MAX], sig[1024];
    size_t               slen = sizeof(sig), flen = 0, pos = 0;
    char                *bh = NULL, *field = NULL, *sig64 = NULL, *out = NULL;
    parse_c(spec->c, &hc, &bc);
    bh = body_hash(spec, alg, bc, body, body_len);
    field = tags_text(spec, bh);
    flen = strlen(field);
    assert_int_equal(mailauth__hash_new(NULL, alg, &hh), MAILAUTH_OK);
    hash_headers(hh, hc, headers, spec->h);
    /* §3.7: the signature field itself, b= empty, no CRLF. */
    assert_int_equal(mailauth__canon_header_sig(hh, hc, field, flen, flen, 0), MAILAUTH_OK);
    assert_int_equal(mailauth__hash_final(hh, digest), MAILAUTH_OK);
    mailauth__hash_free(hh);
    assert_int_equal(mailauth__privkey_sign(k, alg, digest, mailauth__hash_len(alg), sig, &slen),
                     MAILAUTH_OK);
    mailauth__privkey_free(k);
    sig64 = b64(sig, slen);
    out = malloc(flen + strlen(sig64) * 2 + 8);
    assert_non_null(out);
    memcpy(out, field, flen);
    /* b= folded every 60 characters: whitespace in b= is not part of it (§3.5). */
    for (size_t i = 0, n = strlen(sig64); i < n; i += 60) {
        size_t take = n - i < 60 ? n - i : 60;
        if (i > 0) {
            memcpy(out + flen + pos, "\r\n ", 3);
            pos += 3;
        }
        memcpy(out + flen + pos, sig64 + i, take);
        pos += take;
    }
    memcpy(out + flen + pos, "\r\n", 3);
    free(bh);
    free(field);
    free(sig64);
    return out;
}

/* ---- zone ---------------------------------------------------------------------- */

void
tsig_zone_add(char **zone, const char *line)
{
    size_t old = *zone != NULL ? strlen(*zone) : 0, n = strlen(line);
    char  *z = realloc(*zone, old + n + 2);
    assert_non_null(z);
    memcpy(z + old, line, n);
    z[old + n] = '\n';
    z[old + n + 1] = '\0';
    *zone = z;
}

void
tsig_zone_add_key(char **zone, const char *owner, const char *key, const char *extra)
{
    mailauth__privkey_t *k = load_key(key);
    uint8_t             *der = NULL;
    size_t               dlen = 0;
    char                 rec[4096], line[8192];
    size_t               n = 0;
    assert_int_equal(mailauth__privkey_public_der(k, NULL, &der, &dlen), MAILAUTH_OK);
    char *p64 = b64(der, dlen);
    mailauth__free(NULL, der);
    snprintf(rec, sizeof(rec), "v=DKIM1; k=%s; %sp=%s",
             mailauth__privkey_type(k) == MAILAUTH__KEY_ED25519 ? "ed25519" : "rsa", extra, p64);
    mailauth__privkey_free(k);
    free(p64);
    n = (size_t)snprintf(line, sizeof(line), "%s TXT", owner);
    /* RFC 1035 §3.3: a character-string holds at most 255 octets. */
    for (size_t i = 0, len = strlen(rec); i < len; i += 200)
        n += (size_t)snprintf(line + n, sizeof(line) - n, " \"%.*s\"",
                              (int)(len - i < 200 ? len - i : 200), rec + i);
    tsig_zone_add(zone, line);
}
