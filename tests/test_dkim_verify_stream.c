/* dkim_verify_stream: DKIM over messages fed as they arrive: raw bytes
 * through mailauth_eval_feed() cut anywhere (1 byte up, CRLF or bare LF),
 * the rules that make feed() exclusive, and bounded memory for a 2 MiB body
 * in 64 KiB chunks (header()/body() and feed(), sync and async). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "core/eval_int.h"
#include "support/dkim_harness.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define RR "relaxed/relaxed"

static tsig_spec_t
spec_for(const char *key, const char *a, const char *c, const char *s)
{
    tsig_spec_t sp = {key, a, c, "example.com", s, NULL, H_STD, NOW_S, -1, -1};
    return sp;
}

static tsig_spec_t
rsa_spec(const char *s)
{
    return spec_for("rsa2048.pem", "rsa-sha256", RR, s);
}

/* ---- raw bytes: mailauth_eval_feed() ------------------------------------------------- */

/* The message cut into pieces of every size from 1 byte, CRLF or bare LF: same verdicts. */
static void
test_dkim_verify_stream_feed(void **state)
{
    static const size_t sizes[] = {1, 2, 3, 7, 64, 1000, 1 << 20};
    tsig_spec_t specs[] = {rsa_spec("rsa"), spec_for("ed25519.pem", "ed25519-sha256", NULL, "ed")};
    char       *sigs[2] = {dk_sign(&specs[0]), dk_sign(&specs[1])};
    dk_msg_t    m = dk_message((const char *const *)sigs, 2, M_NONE);
    char       *lf = malloc(m.n + 1);
    size_t      nlf = 0;
    (void)state;
    assert_non_null(lf);
    for (size_t i = 0; i < m.n; i++) { /* every CRLF as a bare LF */
        if (!(m.p[i] == '\r' && m.p[i + 1] == '\n'))
            lf[nlf++] = m.p[i];
    }
    for (size_t k = 0; k < 2 * ARRAY_LEN(sizes); k++) {
        const char *msg = k % 2 == 0 ? m.p : lf;
        size_t      n = k % 2 == 0 ? m.n : nlf, step = sizes[k / 2];
        harness_t   h;
        dk_setup(&h, k % 4 < 2, 0, NULL, 0);
        assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_mail_from(h.ev, "alice@example.com"), MAILAUTH_OK);
        for (size_t off = 0; off < n; off += step)
            assert_int_equal(mailauth_eval_feed(h.ev, msg + off, n - off < step ? n - off : step),
                             MAILAUTH_OK);
        assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
        assert_int_equal(harness_finish(&h), MAILAUTH_OK);
        dk_check(h.ev, 0, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
        dk_check(h.ev, 1, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
        harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "example.com", NULL);
        harness_teardown(&h);
    }
    free(lf);
    free(m.p);
    free(sigs[0]);
    free(sigs[1]);
}

/* feed() excludes the other ways of feeding; a refused field is reported at the end. */
static void
test_dkim_verify_stream_feed_rules(void **state)
{
    static const char     msg[] = "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
    static const uint32_t small[] = {MAILAUTH_LIMIT_HEADER_MAX_BYTES, 64};
    char                  big[200];
    harness_t             h;
    (void)state;
    dk_setup(&h, false, 0, NULL, 0);
    assert_int_equal(mailauth_eval_feed(NULL, msg, 4), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_feed(h.ev, NULL, 4), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_feed(h.ev, msg, 10), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "To: b@example.com", 17), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_end_headers(h.ev), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_body(h.ev, "x", 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_message(h.ev, msg, sizeof(msg) - 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_ESTATE); /* fed in part */
    assert_int_equal(mailauth_eval_feed(h.ev, msg + 10, sizeof(msg) - 11), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_eval_feed(h.ev, msg, 1), MAILAUTH_ESTATE);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth__eval_body_bytes(h.ev), 6);
    harness_teardown(&h);
    /* not after header() */
    dk_setup(&h, false, 0, NULL, 0);
    assert_int_equal(mailauth_eval_header(h.ev, "To: b@example.com", 17), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_feed(h.ev, msg, 4), MAILAUTH_ESTATE);
    harness_teardown(&h);
    /* nothing fed at all: an empty message */
    dk_setup(&h, false, 0, NULL, 0);
    assert_int_equal(mailauth_eval_feed(h.ev, NULL, 0), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_dkim_count(h.ev), 0);
    harness_teardown(&h);
    /* a field over the limit: counted, the eval goes on without it */
    dk_setup(&h, false, 0, small, ARRAY_LEN(small));
    memset(big, 'x', sizeof(big));
    memcpy(big, "X-Big: ", 7);
    assert_int_equal(mailauth_eval_feed(h.ev, big, sizeof(big)), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_feed(h.ev, "\r\n", 2), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_feed(h.ev, msg, sizeof(msg) - 1), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_refused(h.ev), 1);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth__hdr_index_count(mailauth__eval_headers(h.ev)), 2);
    harness_teardown(&h);
}

/* ---- memory ----------------------------------------------------------------------------- */

/* An allocator that tracks the bytes live at its peak. */
typedef struct peak_alloc {
    mailauth_allocator_t al;
    size_t               live, peak;
} peak_alloc_t;

enum { PA_HDR = 16 };

static void *
pa_malloc(void *ud, size_t n)
{
    peak_alloc_t  *pa = ud;
    unsigned char *p = malloc(n + PA_HDR);
    if (p == NULL)
        return NULL;
    memcpy(p, &n, sizeof(n));
    pa->live += n;
    if (pa->live > pa->peak)
        pa->peak = pa->live;
    return p + PA_HDR;
}

static void
pa_free(void *ud, void *ptr)
{
    peak_alloc_t  *pa = ud;
    unsigned char *p = ptr;
    size_t         n = 0;
    if (p == NULL)
        return;
    memcpy(&n, p - PA_HDR, sizeof(n));
    pa->live -= n;
    free(p - PA_HDR);
}

static void *
pa_realloc(void *ud, void *ptr, size_t n)
{
    size_t old = 0;
    void  *q = NULL;
    if (ptr == NULL)
        return pa_malloc(ud, n);
    memcpy(&old, (unsigned char *)ptr - PA_HDR, sizeof(old));
    q = pa_malloc(ud, n);
    if (q == NULL)
        return NULL;
    memcpy(q, ptr, old < n ? old : n);
    pa_free(ud, ptr);
    return q;
}

/* Feed a header section field by field (folded fields kept whole). */
static void
feed_fields(mailauth_eval_t *ev, const char *text)
{
    while (*text != '\0') {
        const char *end = strstr(text, "\r\n");
        while (end != NULL && (end[2] == ' ' || end[2] == '\t'))
            end = strstr(end + 2, "\r\n");
        assert_non_null(end);
        assert_int_equal(mailauth_eval_header(ev, text, (size_t)(end - text)), MAILAUTH_OK);
        text = end + 2;
    }
}

#define BIG_BODY ((size_t)2 << 20)
#define CHUNK ((size_t)64 << 10)

/* A 2 MiB body in 64 KiB chunks: verified with bounded memory (the body is never kept). */
static void
test_dkim_verify_stream_big_body(void **state)
{
    tsig_spec_t specs[] = {rsa_spec("rsa"),
                           spec_for("ed25519.pem", "ed25519-sha256", "relaxed/simple", "ed")};
    char       *body = malloc(BIG_BODY + 64), *sigs[2];
    size_t      len = 0;
    (void)state;
    assert_non_null(body);
    for (unsigned i = 0; len + 64 < BIG_BODY; i++)
        len += (size_t)snprintf(body + len, 64, "line %07u of a  streamed body \t\r\n", i);
    for (size_t i = 0; i < ARRAY_LEN(specs); i++)
        sigs[i] = tsig_sign(&specs[i], dk_headers, body, len);
    /* mode 0: header() / body(), sync; 1: the same, async; 2: raw bytes through feed() */
    for (int mode = 0; mode < 3; mode++) {
        peak_alloc_t pa = {
            {MAILAUTH_ALLOCATOR_VERSION, NULL, pa_malloc, pa_realloc, pa_free}, 0, 0};
        harness_t h;
        pa.al.ud = &pa;
        assert_int_equal(dk_setup_al(&h, mode == 1, OPT_DKIM_ONLY, NULL, 0, &pa.al), MAILAUTH_OK);
        if (mode < 2) {
            for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
                feed_fields(h.ev, sigs[i]);
            feed_fields(h.ev, dk_headers);
            assert_int_equal(mailauth_eval_end_headers(h.ev), MAILAUTH_OK);
        } else {
            for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
                assert_int_equal(mailauth_eval_feed(h.ev, sigs[i], strlen(sigs[i])), MAILAUTH_OK);
            assert_int_equal(mailauth_eval_feed(h.ev, dk_headers, strlen(dk_headers)), MAILAUTH_OK);
            assert_int_equal(mailauth_eval_feed(h.ev, "\r\n", 2), MAILAUTH_OK);
        }
        for (size_t off = 0; off < len; off += CHUNK) {
            size_t take = len - off < CHUNK ? len - off : CHUNK;
            assert_int_equal(mode < 2 ? mailauth_eval_body(h.ev, body + off, take)
                                      : mailauth_eval_feed(h.ev, body + off, take),
                             MAILAUTH_OK);
        }
        assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
        assert_int_equal(harness_finish(&h), MAILAUTH_OK);
        dk_check(h.ev, 0, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
        dk_check(h.ev, 1, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE);
        harness_teardown(&h);
        assert_int_equal(pa.live, 0);
        print_message("mode %d: peak %zu bytes allocated for a %zu-byte body\n", mode, pa.peak,
                      len);
        /* ctx, zone, resolver, eval and two body hashes: far below the body size */
        if (pa.peak > BIG_BODY / 8)
            fail_msg("peak %zu bytes for a %zu-byte body", pa.peak, len);
    }
    for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
        free(sigs[i]);
    free(body);
}

static int
group_teardown(void **state)
{
    (void)state;
    dk_zone_free();
    return 0;
}

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkim_verify_stream_feed),
        cmocka_unit_test(test_dkim_verify_stream_feed_rules),
        cmocka_unit_test(test_dkim_verify_stream_big_body),
    };
    return cmocka_run_group_tests_name("dkim_verify_stream", tests, NULL, group_teardown);
}
