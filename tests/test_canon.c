/* canon: DKIM body canonicalization (lib/canon/canon_body.c, canon_set.c)
 * and the hashes under it (lib/crypto/hash.c).
 *
 * tests/data/canon/body.case gives bodies and their expected canonical
 * forms; every case runs in both modes, with both hashes, with several
 * l= limits, fed whole, at every split point, one byte at a time and in
 * 7-byte pieces, and through a body set. Random bodies are checked against
 * a naive transcription of RFC 6376 §3.4.3/§3.4.4. Header cases are in
 * test_canon_header.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canon/canon.h"
#include "crypto/crypto.h"
#include "support/canon_cases.h"
#include "support/fail_alloc.h"
#include "util/base64.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CASES 128
#define NLIMITS 6

static const char *const canon_names[2] = {"simple", "relaxed"};
static const char *const alg_names[2] = {"sha256", "sha1"};

typedef struct body_case {
    char          name[200];
    char          set_name[210];
    canon_bytes_t body;
    canon_bytes_t want[2];  /* [canon] */
    const char   *bh[2][2]; /* [canon][alg], base64, or NULL */
} body_case_t;

/* ---- helpers ---- */

/* Feed one piece from a heap copy of exactly its size, so ASan sees any
 * read past the end of a chunk. */
static void
feed_exact(mailauth__body_canon_t *bc, const uint8_t *p, size_t n)
{
    uint8_t *copy = malloc(n);
    assert_non_null(copy);
    memcpy(copy, p, n);
    assert_int_equal(mailauth__body_canon_feed(bc, copy, n), MAILAUTH_OK);
    free(copy);
}

/* Digest of body fed in pieces: first `split` bytes, then `step`-sized pieces. */
static void
digest_pieces(mailauth__canon_t canon, mailauth__hash_alg_t alg, uint64_t limit, const uint8_t *p,
              size_t n, size_t split, size_t step, uint8_t *out, uint64_t *len)
{
    mailauth__body_canon_t *bc = NULL;
    size_t                  i = 0;
    assert_int_equal(mailauth__body_canon_new(NULL, canon, alg, limit, &bc), MAILAUTH_OK);
    if (split > 0)
        feed_exact(bc, p, split);
    for (i = split; i < n; i += step) {
        size_t k = n - i < step ? n - i : step;
        feed_exact(bc, p + i, k);
    }
    assert_int_equal(mailauth__body_canon_end(bc, out, len), MAILAUTH_OK);
    mailauth__body_canon_free(bc);
}

static void
expect_digest(mailauth__hash_alg_t alg, const canon_bytes_t *want, uint64_t limit, uint8_t *out)
{
    size_t n = limit < want->n ? (size_t)limit : want->n;
    assert_int_equal(mailauth__hash_once(alg, want->p, n, out), MAILAUTH_OK);
}

static void
check_way(const body_case_t *c, int canon, int alg, uint64_t limit, size_t split, size_t step,
          const uint8_t *want)
{
    uint8_t  got[MAILAUTH__HASH_MAX];
    uint64_t len = 0;
    digest_pieces((mailauth__canon_t)canon, (mailauth__hash_alg_t)alg, limit, c->body.p, c->body.n,
                  split, step, got, &len);
    if (len != c->want[canon].n ||
        memcmp(got, want, mailauth__hash_len((mailauth__hash_alg_t)alg)) != 0)
        fail_msg("%s: %s/%s l=%llu split %zu step %zu: canon_len %llu (want %zu) or digest differs",
                 c->name, canon_names[canon], alg_names[alg], (unsigned long long)limit, split,
                 step, (unsigned long long)len, c->want[canon].n);
}

static void
limits_for(size_t n, uint64_t *l)
{
    l[0] = MAILAUTH__BODY_NO_LIMIT;
    l[1] = 0;
    l[2] = 1;
    l[3] = n / 2;
    l[4] = n;
    l[5] = (uint64_t)n + 10;
}

/* ---- case-file bodies ---- */

static void
check_bh(const body_case_t *c, int canon, int alg)
{
    uint8_t d[MAILAUTH__HASH_MAX];
    char    b64[64];
    if (c->bh[canon][alg] == NULL)
        return;
    digest_pieces((mailauth__canon_t)canon, (mailauth__hash_alg_t)alg, MAILAUTH__BODY_NO_LIMIT,
                  c->body.p, c->body.n, 0, c->body.n + 1, d, NULL);
    mailauth__b64_encode(d, mailauth__hash_len((mailauth__hash_alg_t)alg), b64);
    if (strcmp(b64, c->bh[canon][alg]) != 0)
        fail_msg("%s: bh-%s-%s %s, want %s", c->name, canon_names[canon], alg_names[alg], b64,
                 c->bh[canon][alg]);
}

static void
test_canon_body_case(void **state)
{
    const body_case_t *c = *state;
    for (int canon = 0; canon < 2; canon++) {
        for (int alg = 0; alg < 2; alg++) {
            uint64_t lim[NLIMITS];
            limits_for(c->want[canon].n, lim);
            for (size_t k = 0; k < NLIMITS; k++) {
                uint8_t want[MAILAUTH__HASH_MAX];
                expect_digest((mailauth__hash_alg_t)alg, &c->want[canon], lim[k], want);
                check_way(c, canon, alg, lim[k], 0, c->body.n + 1, want); /* one call */
                check_way(c, canon, alg, lim[k], 0, 1, want);             /* byte by byte */
                check_way(c, canon, alg, lim[k], 0, 7, want);
                if (k != 0 && k != 3)
                    continue;
                for (size_t split = 1; split < c->body.n; split++) /* every cut in two */
                    check_way(c, canon, alg, lim[k], split, c->body.n, want);
            }
            check_bh(c, canon, alg);
        }
    }
}

/* The same case through one body set holding every triple (equal ones shared). */
static void
test_canon_body_set_case(void **state)
{
    const body_case_t    *c = *state;
    mailauth__body_set_t *bs = NULL;
    size_t                ids[2][2][NLIMITS];
    uint64_t              lim[2][NLIMITS];
    size_t                third = c->body.n / 3;
    assert_int_equal(mailauth__body_set_new(NULL, &bs), MAILAUTH_OK);
    for (int canon = 0; canon < 2; canon++) {
        limits_for(c->want[canon].n, lim[canon]);
        for (int alg = 0; alg < 2; alg++)
            for (size_t k = 0; k < NLIMITS; k++)
                assert_int_equal(mailauth__body_set_want(bs, (mailauth__canon_t)canon,
                                                         (mailauth__hash_alg_t)alg, lim[canon][k],
                                                         &ids[canon][alg][k]),
                                 MAILAUTH_OK);
    }
    assert_int_equal(mailauth__body_set_feed(bs, c->body.p, third), MAILAUTH_OK);
    assert_int_equal(mailauth__body_set_feed(bs, c->body.p + third, c->body.n - third),
                     MAILAUTH_OK);
    assert_int_equal(mailauth__body_set_end(bs), MAILAUTH_OK);
    for (int canon = 0; canon < 2; canon++)
        for (int alg = 0; alg < 2; alg++)
            for (size_t k = 0; k < NLIMITS; k++) {
                uint8_t        want[MAILAUTH__HASH_MAX];
                size_t         dlen = 0, id = ids[canon][alg][k];
                const uint8_t *d = mailauth__body_set_digest(bs, id, &dlen);
                expect_digest((mailauth__hash_alg_t)alg, &c->want[canon], lim[canon][k], want);
                assert_non_null(d);
                assert_int_equal(dlen, mailauth__hash_len((mailauth__hash_alg_t)alg));
                assert_memory_equal(d, want, dlen);
                assert_int_equal(mailauth__body_set_canon_len(bs, id), c->want[canon].n);
            }
    mailauth__body_set_free(bs);
}

/* ---- random bodies against a naive reading of the RFC ---- */

/* §3.4.4 a on one line: WSP runs become one SP, then WSP at the end goes. */
static size_t
ref_line(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t o = 0;
    bool   prev = false;
    for (size_t i = 0; i < n; i++) {
        bool wsp = in[i] == ' ' || in[i] == '\t';
        if (!(wsp && prev))
            out[o++] = wsp ? ' ' : in[i];
        prev = wsp;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    return o;
}

/* The canonical body, into out (capacity n + 2). */
static size_t
ref_canon(int canon, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t o = 0, i = 0;
    if (canon == MAILAUTH__CANON_SIMPLE) {
        memcpy(out, in, n);
        o = n;
    }
    while (canon == MAILAUTH__CANON_RELAXED && i < n) {
        size_t eol = i;
        while (eol < n && !(in[eol] == '\r' && eol + 1 < n && in[eol + 1] == '\n'))
            eol++;
        o += ref_line(in + i, eol - i, out + o);
        if (eol < n) {
            out[o++] = '\r';
            out[o++] = '\n';
            eol += 2;
        }
        i = eol;
    }
    /* §3.4.3/§3.4.4 b: trailing empty lines go; a CRLF ends a non-empty body
     * (and, in simple, an empty one). */
    while (o >= 2 && out[o - 2] == '\r' && out[o - 1] == '\n')
        o -= 2;
    if (canon == MAILAUTH__CANON_SIMPLE || o > 0) {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    return o;
}

static uint64_t
next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void
test_canon_body_random(void **state)
{
    static const char dense[] = "ab  \t\r\n\r\n\r\n\r";
    static const char sparse[] = "abcdefgh ijklmnopq rstuvw.\t\r\nxyz  \x01";
    uint64_t          seed = 0x9e3779b97f4a7c15u;
    (void)state;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t body[320], ref[322];
        /* Short bodies reach every path of the byte-wise head and tail;
         * longer ones the block scanner (runs across blocks, several runs
         * in a block, runs at a block's end). */
        size_t      n = (size_t)(next_rand(&seed) % (iter % 2 ? 48 : 320));
        const char *alpha = iter % 4 < 2 ? dense : sparse;
        size_t      na = iter % 4 < 2 ? sizeof(dense) - 1 : sizeof(sparse) - 1;
        for (size_t i = 0; i < n; i++)
            body[i] = (uint8_t)alpha[next_rand(&seed) % na];
        for (int canon = 0; canon < 2; canon++) {
            body_case_t c;
            uint8_t     want[MAILAUTH__HASH_MAX];
            uint64_t    limit = iter % 3 == 0 ? MAILAUTH__BODY_NO_LIMIT : next_rand(&seed) % 330;
            size_t      split = n > 0 ? (size_t)(next_rand(&seed) % n) : 0;
            memset(&c, 0, sizeof(c));
            snprintf(c.name, sizeof(c.name), "random body %d", iter);
            c.body.p = body;
            c.body.n = n;
            c.want[canon].p = ref;
            c.want[canon].n = ref_canon(canon, body, n, ref);
            expect_digest(MAILAUTH__HASH_SHA256, &c.want[canon], limit, want);
            check_way(&c, canon, 0, limit, 0, n + 1, want);
            check_way(&c, canon, 0, limit, 0, 1, want);
            check_way(&c, canon, 0, limit, split, 1 + (size_t)(next_rand(&seed) % 5), want);
        }
    }
}

/* Large chunks: the staging buffer's direct and copied paths, and l= cut
 * inside a big run. 100 KiB of lines, fed in 64 KiB chunks. */
static void
test_canon_body_large(void **state)
{
    const size_t n = 100 * 1024;
    uint8_t     *body = malloc(n), *ref = malloc(n + 2);
    uint64_t     seed = 42;
    (void)state;
    assert_non_null(body);
    assert_non_null(ref);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = next_rand(&seed) % 100;
        body[i] = (uint8_t)(r < 2 ? '\t' : r < 17 ? ' ' : 'a' + (int)(r % 26));
        if (i % 73 == 71)
            body[i] = '\r';
        if (i % 73 == 72)
            body[i] = '\n';
    }
    for (int canon = 0; canon < 2; canon++) {
        body_case_t c;
        uint64_t    lims[] = {MAILAUTH__BODY_NO_LIMIT, 20000, 70000};
        memset(&c, 0, sizeof(c));
        snprintf(c.name, sizeof(c.name), "large body");
        c.body.p = body;
        c.body.n = n;
        c.want[canon].p = ref;
        c.want[canon].n = ref_canon(canon, body, n, ref);
        for (size_t k = 0; k < ARRAY_LEN(lims); k++) {
            uint8_t want[MAILAUTH__HASH_MAX];
            expect_digest(MAILAUTH__HASH_SHA256, &c.want[canon], lims[k], want);
            check_way(&c, canon, 0, lims[k], 0, 65536, want);
            check_way(&c, canon, 0, lims[k], 0, n, want);
            check_way(&c, canon, 0, lims[k], 30001, 4099, want);
        }
    }
    free(body);
    free(ref);
}

/* Bodies longer than the relaxed scanner's window (4 KiB, canon_body.c):
 * clean stretches ending in a WSP run on either side of a window's end,
 * and WSP runs longer than a window, fed whole and in odd chunks. */
static void
check_long(const char *name, uint8_t *body, size_t n, uint8_t *ref)
{
    for (int canon = 0; canon < 2; canon++) {
        body_case_t c;
        uint8_t     want[MAILAUTH__HASH_MAX];
        memset(&c, 0, sizeof(c));
        snprintf(c.name, sizeof(c.name), "%s", name);
        c.body.p = body;
        c.body.n = n;
        c.want[canon].p = ref;
        c.want[canon].n = ref_canon(canon, body, n, ref);
        expect_digest(MAILAUTH__HASH_SHA256, &c.want[canon], MAILAUTH__BODY_NO_LIMIT, want);
        check_way(&c, canon, 0, MAILAUTH__BODY_NO_LIMIT, 0, n, want);
        check_way(&c, canon, 0, MAILAUTH__BODY_NO_LIMIT, 0, 4099, want);
        check_way(&c, canon, 0, MAILAUTH__BODY_NO_LIMIT, 17, 1021, want);
    }
}

static void
test_canon_body_windows(void **state)
{
    static const char *const runs[] = {"  ", "\t", " \r\n", "\t \t", "  \r\n\r\n", " \x01"};
    const size_t             n_max = 3 * 4200;
    uint8_t                 *body = malloc(n_max), *ref = malloc(n_max + 2);
    char                     name[64];
    (void)state;
    assert_non_null(body);
    assert_non_null(ref);
    for (size_t d = 4060; d < 4130; d++) {
        for (size_t r = 0; r < ARRAY_LEN(runs); r++) {
            size_t k = strlen(runs[r]), n = 3 * d;
            memset(body, 'x', n);
            memcpy(body + d, runs[r], k);
            memcpy(body + 2 * d + r, runs[r], k);
            snprintf(name, sizeof(name), "run %zu at %zu", r, d);
            check_long(name, body, n, ref);
        }
    }
    memset(body, ' ', n_max); /* WSP runs of 5000 and 7000 bytes */
    memset(body + 5000, '\t', 7000);
    body[4999] = 'a';
    memcpy(body + n_max - 3, "\r\nb", 3);
    check_long("runs longer than a window", body, n_max, ref);
    free(body);
    free(ref);
}

/* ---- body set and canonicalizer API ---- */

static void
test_canon_body_set_api(void **state)
{
    mailauth__body_set_t *bs = NULL;
    size_t                a = 99, b = 99, id = 99, len = 99;
    (void)state;
    assert_int_equal(mailauth__body_set_new(NULL, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__body_set_new(NULL, &bs), MAILAUTH_OK);
    assert_int_equal(mailauth__body_set_want(bs, (mailauth__canon_t)2, MAILAUTH__HASH_SHA256,
                                             MAILAUTH__BODY_NO_LIMIT, &id),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__body_set_want(bs, MAILAUTH__CANON_SIMPLE, (mailauth__hash_alg_t)7,
                                             MAILAUTH__BODY_NO_LIMIT, &id),
                     MAILAUTH_EINVAL);
    /* Equal triples share a hasher; different ones do not. */
    assert_int_equal(mailauth__body_set_want(bs, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256,
                                             MAILAUTH__BODY_NO_LIMIT, &a),
                     MAILAUTH_OK);
    assert_int_equal(mailauth__body_set_want(bs, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256,
                                             MAILAUTH__BODY_NO_LIMIT, &b),
                     MAILAUTH_OK);
    assert_int_equal(a, b);
    assert_int_equal(
        mailauth__body_set_want(bs, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256, 5, &b),
        MAILAUTH_OK);
    assert_int_not_equal(a, b);
    /* Up to 32 distinct triples, then ELIMIT; known ones still resolve. */
    for (uint64_t l = 100; l < 130; l++)
        assert_int_equal(
            mailauth__body_set_want(bs, MAILAUTH__CANON_SIMPLE, MAILAUTH__HASH_SHA1, l, &id),
            MAILAUTH_OK);
    assert_int_equal(id, 31);
    assert_int_equal(
        mailauth__body_set_want(bs, MAILAUTH__CANON_SIMPLE, MAILAUTH__HASH_SHA1, 7, &id),
        MAILAUTH_ELIMIT);
    assert_int_equal(
        mailauth__body_set_want(bs, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256, 5, &id),
        MAILAUTH_OK);
    assert_int_equal(id, b);
    /* Results only after end; an empty feed does not start the body. */
    assert_null(mailauth__body_set_digest(bs, a, &len));
    assert_int_equal(len, 0);
    assert_int_equal(mailauth__body_set_feed(bs, NULL, 0), MAILAUTH_OK);
    assert_int_equal(mailauth__body_set_feed(bs, "x", 1), MAILAUTH_OK);
    assert_int_equal(mailauth__body_set_want(bs, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256,
                                             MAILAUTH__BODY_NO_LIMIT, &id),
                     MAILAUTH_ESTATE);
    assert_int_equal(mailauth__body_set_end(bs), MAILAUTH_OK);
    assert_int_equal(mailauth__body_set_end(bs), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__body_set_feed(bs, "x", 1), MAILAUTH_ESTATE);
    assert_non_null(mailauth__body_set_digest(bs, a, &len));
    assert_int_equal(len, 32);
    assert_int_equal(mailauth__body_set_canon_len(bs, a), 3); /* "x\r\n" */
    assert_int_equal(mailauth__body_set_canon_len(bs, b), 3); /* whole length, not l= */
    assert_null(mailauth__body_set_digest(bs, 32, &len));
    assert_int_equal(mailauth__body_set_canon_len(bs, 32), 0);
    mailauth__body_set_free(bs);
    mailauth__body_set_free(NULL);
}

static void
test_canon_body_canon_api(void **state)
{
    mailauth__body_canon_t *bc = NULL;
    uint8_t                 d[MAILAUTH__HASH_MAX];
    uint64_t                len = 9;
    (void)state;
    assert_int_equal(
        mailauth__body_canon_new(NULL, (mailauth__canon_t)5, MAILAUTH__HASH_SHA256, 0, &bc),
        MAILAUTH_EINVAL);
    assert_null(bc);
    assert_int_equal(
        mailauth__body_canon_new(NULL, MAILAUTH__CANON_SIMPLE, (mailauth__hash_alg_t)5, 0, &bc),
        MAILAUTH_EINVAL);
    assert_int_equal(mailauth__body_canon_new(NULL, MAILAUTH__CANON_SIMPLE, MAILAUTH__HASH_SHA1,
                                              MAILAUTH__BODY_NO_LIMIT, &bc),
                     MAILAUTH_OK);
    assert_int_equal(mailauth__body_canon_feed(bc, NULL, 3), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__body_canon_end(bc, NULL, &len), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__body_canon_end(bc, d, &len), MAILAUTH_OK);
    assert_int_equal(len, 2);
    assert_int_equal(mailauth__body_canon_end(bc, d, &len), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__body_canon_feed(bc, "a", 1), MAILAUTH_ESTATE);
    mailauth__body_canon_free(bc);
    mailauth__body_canon_free(NULL);
}

/* Every allocation of a body set with three hashers can fail cleanly. */
static void
test_canon_body_set_oom(void **state)
{
    (void)state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t          fa;
        mailauth__body_set_t *bs = NULL;
        mailauth_status_t     st;
        size_t                id = 0;
        fail_alloc_init(&fa, n);
        st = mailauth__body_set_new(&fa.al, &bs);
        for (int k = 0; k < 3 && st == MAILAUTH_OK; k++)
            st = mailauth__body_set_want(bs, (mailauth__canon_t)(k & 1),
                                         (mailauth__hash_alg_t)(k >> 1), MAILAUTH__BODY_NO_LIMIT,
                                         &id);
        if (st == MAILAUTH_OK)
            st = mailauth__body_set_feed(bs, "a  b\r\n", 6);
        if (st == MAILAUTH_OK)
            st = mailauth__body_set_end(bs);
        mailauth__body_set_free(bs);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
    }
}

/* ---- hashes ---- */

static void
test_canon_hash(void **state)
{
    static const uint8_t sha256_abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                           0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                           0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                           0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    static const uint8_t sha1_abc[20] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81,
                                         0x6a, 0xba, 0x3e, 0x25, 0x71, 0x78, 0x50,
                                         0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
    mailauth__hash_t    *h = NULL;
    uint8_t              d[MAILAUTH__HASH_MAX], e[MAILAUTH__HASH_MAX];
    (void)state;
    assert_int_equal(mailauth__hash_len(MAILAUTH__HASH_SHA256), 32);
    assert_int_equal(mailauth__hash_len(MAILAUTH__HASH_SHA1), 20);
    assert_int_equal(mailauth__hash_once(MAILAUTH__HASH_SHA256, "abc", 3, d), MAILAUTH_OK);
    assert_memory_equal(d, sha256_abc, 32);
    assert_int_equal(mailauth__hash_once(MAILAUTH__HASH_SHA1, "abc", 3, d), MAILAUTH_OK);
    assert_memory_equal(d, sha1_abc, 20);
    assert_int_equal(mailauth__hash_once((mailauth__hash_alg_t)3, "abc", 3, d), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__hash_new(NULL, (mailauth__hash_alg_t)3, &h), MAILAUTH_EINVAL);
    assert_null(h);
    /* Pieces, and reuse: final resets the object. */
    assert_int_equal(mailauth__hash_new(NULL, MAILAUTH__HASH_SHA256, &h), MAILAUTH_OK);
    for (int round = 0; round < 3; round++) {
        mailauth__hash_update(h, "a", 1);
        mailauth__hash_update(h, NULL, 0);
        mailauth__hash_update(h, "bc", 2);
        assert_int_equal(mailauth__hash_final(h, d), MAILAUTH_OK);
        assert_memory_equal(d, sha256_abc, 32);
    }
    assert_int_equal(mailauth__hash_final(h, d), MAILAUTH_OK); /* nothing fed: empty input */
    assert_int_equal(mailauth__hash_once(MAILAUTH__HASH_SHA256, NULL, 0, e), MAILAUTH_OK);
    assert_memory_equal(d, e, 32);
    assert_int_equal(mailauth__hash_final(h, NULL), MAILAUTH_EINVAL);
    mailauth__hash_free(h);
    mailauth__hash_free(NULL);
    for (unsigned long n = 1;; n++) { /* our allocator's only allocation */
        fail_alloc_t      fa;
        mailauth_status_t st;
        fail_alloc_init(&fa, n);
        h = NULL;
        st = mailauth__hash_new(&fa.al, MAILAUTH__HASH_SHA1, &h);
        mailauth__hash_free(h);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
    }
}

/* ---- loading ---- */

static int
load_case(const case_block_t *b, size_t line, body_case_t *c)
{
    const char *name = case_block_get(b, "name"), *body = case_block_get(b, "body");
    const char *want[2] = {case_block_get(b, "simple"), case_block_get(b, "relaxed")};
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "body.case:%zu %s", line, name != NULL ? name : "?");
    snprintf(c->set_name, sizeof(c->set_name), "set: %s", c->name);
    if (name == NULL || body == NULL || want[0] == NULL || want[1] == NULL ||
        canon_unescape(body, &c->body) != 0 || canon_unescape(want[0], &c->want[0]) != 0 ||
        canon_unescape(want[1], &c->want[1]) != 0) {
        fprintf(stderr, "%s: needs name, body, simple, relaxed (escaped)\n", c->name);
        return -1;
    }
    for (int canon = 0; canon < 2; canon++)
        for (int alg = 0; alg < 2; alg++) {
            char key[32];
            snprintf(key, sizeof(key), "bh-%s-%s", canon_names[canon], alg_names[alg]);
            c->bh[canon][alg] = case_block_get(b, key);
        }
    return 0;
}

int
main(void)
{
    static body_case_t cases[MAX_CASES];
    struct CMUnitTest  tests[2 * MAX_CASES + 8];
    case_file_t        cf;
    case_section_t    *s = NULL;
    size_t             n = 0, k = 0;
    int                rc;
    if (canon_cases_load("body.case", &cf, &s) != 0)
        return 1;
    for (size_t i = 0; i < s->nblocks && n < MAX_CASES; i++)
        if (load_case(&s->blocks[i], s->blocks[i].line, &cases[n++]) != 0)
            return 1;
    for (size_t i = 0; i < n; i++)
        tests[k++] = (struct CMUnitTest){
            .name = cases[i].name, .test_func = test_canon_body_case, .initial_state = &cases[i]};
    for (size_t i = 0; i < n; i++)
        tests[k++] = (struct CMUnitTest){.name = cases[i].set_name,
                                         .test_func = test_canon_body_set_case,
                                         .initial_state = &cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_body_random);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_body_large);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_body_windows);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_body_set_api);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_body_canon_api);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_body_set_oom);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_hash);
    rc = _cmocka_run_group_tests("canon", tests, k, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        free(cases[i].body.p);
        free(cases[i].want[0].p);
        free(cases[i].want[1].p);
    }
    case_file_free(&cf);
    return rc;
}
