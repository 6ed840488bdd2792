/* canon_header: DKIM header field canonicalization (lib/canon/canon_header.c),
 * RFC 6376 §3.4.1, §3.4.2 and the signature field of §3.7, from
 * tests/data/canon/header.case: the text form, the hashed form, and the
 * signature field with its b= value cut out. */
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

#define MAX_CASES 128

static const char *const canon_names[2] = {"simple", "relaxed"};

typedef struct hdr_case {
    char          name[200];
    canon_bytes_t raw; /* markers removed */
    bool          sig; /* raw[b_off, b_off + b_len) is the b= value */
    size_t        b_off, b_len;
    canon_bytes_t want[2]; /* [canon], without the CRLF */
} hdr_case_t;

/* Digest of want[canon] with or without a CRLF after it. */
static void
want_digest(const hdr_case_t *c, int canon, bool crlf, uint8_t *out)
{
    mailauth__hash_t *h = NULL;
    assert_int_equal(mailauth__hash_new(NULL, MAILAUTH__HASH_SHA256, &h), MAILAUTH_OK);
    mailauth__hash_update(h, c->want[canon].p, c->want[canon].n);
    if (crlf)
        mailauth__hash_update(h, "\r\n", 2);
    assert_int_equal(mailauth__hash_final(h, out), MAILAUTH_OK);
    mailauth__hash_free(h);
}

static void
check_text(const hdr_case_t *c, int canon)
{
    size_t need = 0, n = c->want[canon].n;
    char  *buf = malloc(n + 3), small[4];
    assert_non_null(buf);
    assert_int_equal(mailauth__canon_header_text((mailauth__canon_t)canon, (const char *)c->raw.p,
                                                 c->raw.n, buf, n + 3, &need),
                     MAILAUTH_OK);
    if (need != n + 2 || memcmp(buf, c->want[canon].p, n) != 0 || memcmp(buf + n, "\r\n", 3) != 0)
        fail_msg("%s (%s): got \"%.*s\"", c->name, canon_names[canon], (int)need, buf);
    /* snprintf-like: short buffers are cut and NUL-terminated. */
    assert_int_equal(mailauth__canon_header_text((mailauth__canon_t)canon, (const char *)c->raw.p,
                                                 c->raw.n, buf, n + 2, &need),
                     MAILAUTH_ENOSPC);
    assert_int_equal(need, n + 2);
    assert_int_equal(buf[n + 1], '\0');
    assert_int_equal(mailauth__canon_header_text((mailauth__canon_t)canon, (const char *)c->raw.p,
                                                 c->raw.n, small, 1, &need),
                     MAILAUTH_ENOSPC);
    assert_int_equal(small[0], '\0');
    assert_int_equal(mailauth__canon_header_text((mailauth__canon_t)canon, (const char *)c->raw.p,
                                                 c->raw.n, NULL, 0, &need),
                     MAILAUTH_ENOSPC);
    assert_int_equal(need, n + 2);
    free(buf);
}

static void
test_canon_header_case(void **state)
{
    const hdr_case_t *c = *state;
    for (int canon = 0; canon < 2; canon++) {
        mailauth__hash_t *h = NULL;
        uint8_t           got[32], want[32];
        assert_int_equal(mailauth__hash_new(NULL, MAILAUTH__HASH_SHA256, &h), MAILAUTH_OK);
        if (c->sig) {
            assert_int_equal(mailauth__canon_header_sig(h, (mailauth__canon_t)canon,
                                                        (const char *)c->raw.p, c->raw.n, c->b_off,
                                                        c->b_len),
                             MAILAUTH_OK);
        } else {
            check_text(c, canon);
            assert_int_equal(mailauth__canon_header(h, (mailauth__canon_t)canon,
                                                    (const char *)c->raw.p, c->raw.n),
                             MAILAUTH_OK);
        }
        assert_int_equal(mailauth__hash_final(h, got), MAILAUTH_OK);
        mailauth__hash_free(h);
        want_digest(c, canon, !c->sig, want);
        if (memcmp(got, want, sizeof(got)) != 0)
            fail_msg("%s (%s): hashed bytes differ from the expected text", c->name,
                     canon_names[canon]);
    }
}

/* Fields longer than the staging buffer, and a field hashed in the middle
 * of other data: the hash sees exactly the canonical bytes in order. */
static void
test_canon_header_long(void **state)
{
    enum { N = 3000 };
    char             *raw = malloc(N + 8), *want = malloc(N + 8), *text = malloc(N + 8);
    mailauth__hash_t *h = NULL;
    uint8_t           d1[32], d2[32];
    size_t            need = 0, wn = 0;
    (void)state;
    assert_non_null(raw);
    assert_non_null(want);
    assert_non_null(text);
    memcpy(raw, "X-Long:", 7);
    memcpy(want, "x-long:", 7);
    wn = 7;
    for (size_t i = 7; i < N; i++) {
        raw[i] = (i % 10 == 0) ? ' ' : (char)('A' + (int)(i % 26));
        want[wn++] = raw[i]; /* single SPs between letters: relaxed keeps them */
    }
    memcpy(want + wn, "\r\n", 2);
    wn += 2;
    for (int canon = 0; canon < 2; canon++) {
        assert_int_equal(
            mailauth__canon_header_text((mailauth__canon_t)canon, raw, N, text, N + 8, &need),
            MAILAUTH_OK);
        if (canon == 1) {
            assert_int_equal(need, wn);
            assert_memory_equal(text, want, wn);
        }
        assert_int_equal(mailauth__hash_new(NULL, MAILAUTH__HASH_SHA1, &h), MAILAUTH_OK);
        mailauth__hash_update(h, "pre", 3);
        assert_int_equal(mailauth__canon_header(h, (mailauth__canon_t)canon, raw, N), MAILAUTH_OK);
        mailauth__hash_update(h, "post", 4);
        assert_int_equal(mailauth__hash_final(h, d1), MAILAUTH_OK);
        mailauth__hash_update(h, "pre", 3);
        mailauth__hash_update(h, text, need);
        mailauth__hash_update(h, "post", 4);
        assert_int_equal(mailauth__hash_final(h, d2), MAILAUTH_OK);
        assert_memory_equal(d1, d2, 20);
        mailauth__hash_free(h);
    }
    free(raw);
    free(want);
    free(text);
}

static void
test_canon_header_args(void **state)
{
    mailauth__hash_t *h = NULL;
    char              buf[16];
    size_t            need = 7;
    (void)state;
    assert_int_equal(mailauth__hash_new(NULL, MAILAUTH__HASH_SHA256, &h), MAILAUTH_OK);
    assert_int_equal(mailauth__canon_header(NULL, MAILAUTH__CANON_SIMPLE, "a:b", 3),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__canon_header(h, (mailauth__canon_t)2, "a:b", 3), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__canon_header(h, MAILAUTH__CANON_RELAXED, NULL, 3), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__canon_header(h, MAILAUTH__CANON_RELAXED, NULL, 0), MAILAUTH_OK);
    /* The b= range must lie inside the field. */
    assert_int_equal(mailauth__canon_header_sig(h, MAILAUTH__CANON_RELAXED, "a:b=c", 5, 6, 0),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__canon_header_sig(h, MAILAUTH__CANON_RELAXED, "a:b=c", 5, 4, 2),
                     MAILAUTH_EINVAL);
    assert_int_equal(
        mailauth__canon_header_sig(h, MAILAUTH__CANON_RELAXED, "a:b=c", 5, 4, SIZE_MAX),
        MAILAUTH_EINVAL);
    assert_int_equal(mailauth__canon_header_sig(h, MAILAUTH__CANON_RELAXED, "a:b=c", 5, 5, 0),
                     MAILAUTH_OK);
    assert_int_equal(mailauth__canon_header_text(MAILAUTH__CANON_SIMPLE, "a:b", 3, NULL, 4, &need),
                     MAILAUTH_EINVAL);
    assert_int_equal(need, 0);
    assert_int_equal(mailauth__canon_header_text((mailauth__canon_t)9, "a:b", 3, buf, 16, &need),
                     MAILAUTH_EINVAL);
    assert_int_equal(
        mailauth__canon_header_text(MAILAUTH__CANON_RELAXED, "A : b", 5, buf, 16, NULL),
        MAILAUTH_OK);
    assert_string_equal(buf, "a:b\r\n");
    mailauth__hash_free(h);
}

/* ---- loading ---- */

/* Cut the [[...]] marker out of a sig value; its inside is the b= value. */
static int
unmark(hdr_case_t *c)
{
    uint8_t *open = NULL, *close = NULL;
    for (size_t i = 0; i + 1 < c->raw.n; i++) {
        if (open == NULL && c->raw.p[i] == '[' && c->raw.p[i + 1] == '[')
            open = c->raw.p + i;
        else if (open != NULL && c->raw.p[i] == ']' && c->raw.p[i + 1] == ']')
            close = c->raw.p + i;
    }
    if (open == NULL || close == NULL)
        return -1;
    c->b_off = (size_t)(open - c->raw.p);
    c->b_len = (size_t)(close - open) - 2;
    memmove(open, open + 2, c->b_len);
    memmove(close - 2, close + 2, c->raw.n - (size_t)(close + 2 - c->raw.p));
    c->raw.n -= 4;
    c->sig = true;
    return 0;
}

static int
load_case(const case_block_t *b, hdr_case_t *c)
{
    const char *name = case_block_get(b, "name"), *field = case_block_get(b, "field");
    const char *sig = case_block_get(b, "sig");
    const char *want[2] = {case_block_get(b, "simple"), case_block_get(b, "relaxed")};
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "header.case:%zu %s", b->line, name != NULL ? name : "?");
    if (name == NULL || (field == NULL) == (sig == NULL) || want[0] == NULL || want[1] == NULL ||
        canon_unescape(field != NULL ? field : sig, &c->raw) != 0 ||
        canon_unescape(want[0], &c->want[0]) != 0 || canon_unescape(want[1], &c->want[1]) != 0 ||
        (sig != NULL && unmark(c) != 0)) {
        fprintf(stderr, "%s: needs name, field or sig ([[b value]]), simple, relaxed\n", c->name);
        return -1;
    }
    return 0;
}

int
main(void)
{
    static hdr_case_t cases[MAX_CASES];
    struct CMUnitTest tests[MAX_CASES + 4];
    case_file_t       cf;
    case_section_t   *s = NULL;
    size_t            n = 0, k = 0;
    int               rc;
    if (canon_cases_load("header.case", &cf, &s) != 0)
        return 1;
    for (size_t i = 0; i < s->nblocks && n < MAX_CASES; i++)
        if (load_case(&s->blocks[i], &cases[n++]) != 0)
            return 1;
    for (size_t i = 0; i < n; i++)
        tests[k++] = (struct CMUnitTest){
            .name = cases[i].name, .test_func = test_canon_header_case, .initial_state = &cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_header_long);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_header_args);
    rc = _cmocka_run_group_tests("canon_header", tests, k, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        free(cases[i].raw.p);
        free(cases[i].want[0].p);
        free(cases[i].want[1].p);
    }
    case_file_free(&cf);
    return rc;
}
