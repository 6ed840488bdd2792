/* msg_stream: the incremental splitter (lib/msg/msg_stream.c) gives the
 * events of the whole-buffer split however a message is cut, in bounded
 * memory. The split table with every cut is in tests/test_msg.c. The
 * messages of the shared test data are the conformance group
 * (support/testdata.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "support/fail_alloc.h"
#include "support/msg_events.h"
#include "support/testdata.h"
#include "util/arena.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- stream: the same events however the bytes are cut ----------------------
 * Messages from tests/data, the fuzz seeds, the shared DKIM vectors, and
 * hostile ones, each split whole and then fed to a stream in two pieces at
 * every point (on messages over 6000 bytes: near both ends and at a
 * stride, or it would take minutes), one byte at a time, and in
 * pseudo-random pieces; each with a small and the default max_field. The
 * whole split is also checked against msg_events_reference() (the rules as
 * first written), except where the window rule (msg.h) decides otherwise. */

#define PROP_SMALL 64u

typedef struct mbuf {
    char  *p;
    size_t n, cap;
} mbuf_t;

static void
mb_put(mbuf_t *b, const char *p, size_t n)
{
    if (b->p == NULL || b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void
mb_str(mbuf_t *b, const char *s)
{
    mb_put(b, s, strlen(s));
}

/* `pat` repeated (the last copy cut) to add exactly `total` bytes. */
static void
mb_fill(mbuf_t *b, const char *pat, size_t total)
{
    size_t k = strlen(pat);
    for (size_t done = 0; done < total; done += k)
        mb_put(b, pat, total - done < k ? total - done : k);
}

static void
gen_many_fields(mbuf_t *b)
{
    char f[48];
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(f, sizeof(f), "X-Field-%d: value %d\r\n", i, i * 7);
        mb_put(b, f, (size_t)n);
    }
    mb_str(b, "\r\nbody\r\n");
}

/* Fields of PROP_SMALL and PROP_SMALL + 1 bytes, raw and after bare LF
 * became CRLF; then an over-long folded one. */
static void
gen_at_limit(mbuf_t *b)
{
    mb_str(b, "Subject: ");
    mb_fill(b, "a", PROP_SMALL - 9);
    mb_str(b, "\r\nSubject: ");
    mb_fill(b, "b", PROP_SMALL + 1 - 9);
    mb_str(b, "\r\nX: ");
    mb_fill(b, "c", 20);
    mb_str(b, "\n ");
    mb_fill(b, "d", PROP_SMALL - 26); /* raw 63, normalized 64 */
    mb_str(b, "\nX: ");
    mb_fill(b, "c", 20);
    mb_str(b, "\n ");
    mb_fill(b, "d", PROP_SMALL - 25); /* raw 64, normalized 65 */
    mb_str(b, "\nY: ");
    mb_fill(b, "long line\r\n ", 3 * PROP_SMALL);
    mb_str(b, "\r\nZ: 1\r\n\r\nbody\n");
}

static void
gen_name_under_window(mbuf_t *b)
{
    mb_str(b, "A: 1\r\n");
    mb_fill(b, "N", PROP_SMALL + 2);
    mb_str(b, "\r\nB: 2\r\n\r\nx");
}

static void
gen_name_at_window(mbuf_t *b)
{
    mb_str(b, "A: 1\r\n");
    mb_fill(b, "N", PROP_SMALL + 3);
    mb_str(b, "\r\nB: 2\r\n\r\nx");
}

static void
gen_long_name_colon(mbuf_t *b)
{
    mb_fill(b, "N", 2 * PROP_SMALL);
    mb_str(b, " : v\r\nB: 2\r\n\r\nx");
}

static void
gen_long_body_lines(mbuf_t *b)
{
    mb_str(b, "A: 1\n\n");
    mb_fill(b, "0123456789abcdef\n", 3000);
    mb_fill(b, "x\r", 3000);
}

#define SRC_DIR MAILAUTH_SOURCE_DIR "/"
#define DATA_DIR MAILAUTH_TEST_DATA "/"
#define SHARED_DIR MAILAUTH_TESTDATA_DIR "/"

struct prop_case {
    const char *name;
    const char *lit; /* message, or NULL */
    size_t      len; /* 0: strlen(lit) */
    const char *file;
    void (*gen)(mbuf_t *);
    bool diverges_small; /* the window rule applies at PROP_SMALL */
};
static const struct prop_case prop_cases[] = {
    {"stream: empty message", "", 0, NULL, NULL, false},
    {"stream: only CRLF", "\r\n", 0, NULL, NULL, false},
    {"stream: no separator", "A: 1\r\nB: 2\r\n folded\r\n", 0, NULL, NULL, false},
    {"stream: bare CR", "A: x\ry\r\nB:\r\r\n\r\nb\rc\r\r", 0, NULL, NULL, false},
    {"stream: bare LF", "A: 1\nB: 2\n folded\n\nbody\nline\n\n", 0, NULL, NULL, false},
    {"stream: mixed", "A: 1\r\nB: 2\n\tc\r\n\r\nx\ny\r\nz\r\r\n\n\r", 0, NULL, NULL, false},
    {"stream: NUL bytes", "A: x\0y\r\nB: \0\r\n\0C: 1\r\n\r\nb\0c\0", 27, NULL, NULL, false},
    {"stream: folded fields",
     " orphan\r\n\tmore\r\nDKIM-Signature: v=1; a=rsa-sha256;\r\n\td=example.org; s=s1;\r\n"
     "\th=from:to; bh=abc=;\r\n\tb=def\r\n  ghi\r\nSubject : x\r\n \r\n\r\nbody",
     0, NULL, NULL, false},
    {"stream: mbox From line", "From sender@example.org Mon Jan  1 00:00:00 2024\nA: 1\n\nb\n", 0,
     NULL, NULL, false},
    {"stream: body without final CRLF", "A: 1\r\n\r\nline\r\nlast", 0, NULL, NULL, false},
    {"stream: not a field starts the body", "A: 1\nHello: world\nBad Name: x\n\nmore", 0, NULL,
     NULL, false},
    {"stream: CR and LF runs", "\r\r\n\n\r\r\r\n\n\n", 0, NULL, NULL, false},
    {"stream: fields at the size limit", NULL, 0, NULL, gen_at_limit, false},
    {"stream: 10000 fields", NULL, 0, NULL, gen_many_fields, false},
    {"stream: name just under the window", NULL, 0, NULL, gen_name_under_window, false},
    {"stream: name at the window", NULL, 0, NULL, gen_name_at_window, true},
    {"stream: long name with colon", NULL, 0, NULL, gen_long_name_colon, false},
    {"stream: long LF body", NULL, 0, NULL, gen_long_body_lines, false},
    {"stream: tests/data/cli/message.eml", NULL, 0, DATA_DIR "cli/message.eml", NULL, false},
    {"stream: seed bare-cr", NULL, 0, SRC_DIR "fuzz/corpus/header/bare-cr", NULL, false},
    {"stream: seed bare-lf", NULL, 0, SRC_DIR "fuzz/corpus/header/bare-lf", NULL, false},
    {"stream: seed body-without-blank", NULL, 0, SRC_DIR "fuzz/corpus/header/body-without-blank",
     NULL, false},
    {"stream: seed dkim-folded", NULL, 0, SRC_DIR "fuzz/corpus/header/dkim-folded", NULL, false},
    {"stream: seed eight-bit", NULL, 0, SRC_DIR "fuzz/corpus/header/eight-bit", NULL, false},
    {"stream: seed leading-continuation", NULL, 0,
     SRC_DIR "fuzz/corpus/header/leading-continuation", NULL, false},
    {"stream: seed mbox-line", NULL, 0, SRC_DIR "fuzz/corpus/header/mbox-line", NULL, false},
    {"stream: seed no-separator", NULL, 0, SRC_DIR "fuzz/corpus/header/no-separator", NULL, false},
    {"stream: seed nul-bytes", NULL, 0, SRC_DIR "fuzz/corpus/header/nul-bytes", NULL, false},
    {"stream: seed received-ar", NULL, 0, SRC_DIR "fuzz/corpus/header/received-ar", NULL, false},
    {"stream: seed simple-crlf", NULL, 0, SRC_DIR "fuzz/corpus/header/simple-crlf", NULL, false},
    {"stream: RFC 6376 A.2 (errata)", NULL, 0,
     SHARED_DIR "dkim/rfc6376-appendix-a/a2-signed-errata.eml", NULL, false},
    {"stream: RFC 8463 A.3", NULL, 0, SHARED_DIR "dkim/rfc8463-appendix-a/a3-signed.eml", NULL,
     false},
    {"stream: dkimpy message.mbox", NULL, 0, SHARED_DIR "dkim/dkimpy/message.mbox", NULL, false},
    {"stream: stalwart 003", NULL, 0, SHARED_DIR "dkim/stalwart-mail-auth/003.txt", NULL, false},
    {"stream: stalwart 006", NULL, 0, SHARED_DIR "dkim/stalwart-mail-auth/006.txt", NULL, false},
};

static void
events_split(msg_events_t *e, const char *m, size_t len, size_t maxf, bool fold)
{
    mailauth__msg_sink_t sink;
    msg_events_init(e, maxf, fold);
    sink = msg_events_sink(e);
    e->result = mailauth__msg_split(NULL, m, len, maxf, &sink);
}

static bool
same_or_say(const msg_events_t *want, const msg_events_t *got, const char *what, size_t a, size_t b)
{
    if (msg_events_same(want, got))
        return true;
    print_message("%s (%zu, %zu) differs:\n", what, a, b);
    msg_events_print(want, stderr, 2000);
    msg_events_print(got, stderr, 2000);
    return false;
}

static bool
stream_same(const msg_events_t *want, const char *m, size_t len, size_t maxf, msg_plan_t pl)
{
    msg_events_t         e;
    mailauth__msg_sink_t sink;
    bool                 ok;
    msg_events_init(&e, maxf, false);
    sink = msg_events_sink(&e);
    e.result = msg_stream_run(NULL, m, len, maxf, &sink, pl);
    ok = same_or_say(want, &e, pl.seed != 0 ? "random pieces" : "pieces (first, step)", pl.first,
                     pl.seed != 0 ? pl.seed : pl.step);
    msg_events_clear(&e);
    return ok;
}

static void
prop_check(const struct prop_case *c, const char *m, size_t len, size_t maxf)
{
    msg_events_t whole, ref, fold;
    size_t       edge = len > 65536 ? 64 : 1024, stride = len > 65536 ? 16411 : 127;
    unsigned     seeds = len > 65536 ? 2 : 8;
    events_split(&whole, m, len, maxf, false);
    assert_false(whole.misuse);
    assert_int_equal(whole.ended, 1);
    if (!(c->diverges_small && maxf == PROP_SMALL)) {
        events_split(&fold, m, len, maxf, true);
        msg_events_init(&ref, maxf, true);
        msg_events_reference(&ref, m, len);
        assert_true(same_or_say(&ref, &fold, "reference vs split, max_field", maxf, 0));
        msg_events_clear(&ref);
        msg_events_clear(&fold);
    }
    for (size_t k = 0; k <= len; k++) {
        if (len <= 6000 || k < edge || len - k < edge || k % stride == 0)
            assert_true(stream_same(&whole, m, len, maxf, (msg_plan_t){k, 0, 0}));
    }
    assert_true(stream_same(&whole, m, len, maxf, (msg_plan_t){1, 1, 0}));
    for (unsigned seed = 1; seed <= seeds; seed++)
        assert_true(stream_same(&whole, m, len, maxf, (msg_plan_t){seed, 0, seed}));
    msg_events_clear(&whole);
}

static void
test_msg_stream_property(void **state)
{
    const struct prop_case *c = *state;
    mbuf_t                  b = {NULL, 0, 0};
    if (c->lit != NULL) {
        mb_put(&b, c->lit, c->len != 0 ? c->len : strlen(c->lit));
    } else if (c->gen != NULL) {
        c->gen(&b);
    } else {
        b.p = msg_events_read_file(c->file, &b.n);
        if (b.p == NULL)
            fail_msg("%s cannot be read", c->file);
    }
    prop_check(c, b.p != NULL ? b.p : "", b.n, PROP_SMALL);
    prop_check(c, b.p != NULL ? b.p : "", b.n, 65536);
    free(b.p);
}

/* ---- stream: bounded memory -------------------------------------------------
 * 1 MiB of one kind of line fed in 4 KiB pieces (and whole) with a counting
 * allocator: the stream never holds more than max_field + 3 bytes, and the
 * events are those of the whole split. */

typedef struct peak_alloc {
    fail_alloc_t         fa;
    mailauth_allocator_t al;
    size_t               peak;
} peak_alloc_t;

static void
peak_note(peak_alloc_t *pa)
{
    if (pa->fa.live_bytes > pa->peak)
        pa->peak = pa->fa.live_bytes;
}

static void *
peak_malloc(void *ud, size_t n)
{
    peak_alloc_t *pa = ud;
    void         *p = pa->fa.al.malloc(pa->fa.al.ud, n);
    peak_note(pa);
    return p;
}

static void *
peak_realloc(void *ud, void *old, size_t n)
{
    peak_alloc_t *pa = ud;
    void         *p = pa->fa.al.realloc(pa->fa.al.ud, old, n);
    peak_note(pa);
    return p;
}

static void
peak_free(void *ud, void *p)
{
    peak_alloc_t *pa = ud;
    pa->fa.al.free(pa->fa.al.ud, p);
}

static void
peak_init(peak_alloc_t *pa)
{
    memset(pa, 0, sizeof(*pa));
    fail_alloc_init(&pa->fa, 0);
    pa->al = (mailauth_allocator_t){MAILAUTH_ALLOCATOR_VERSION, pa, peak_malloc, peak_realloc,
                                    peak_free};
}

struct big_case {
    const char *name, *head, *pattern, *tail;
    size_t      fields; /* header() calls expected */
};
static const struct big_case big_cases[] = {
    {"bounded: 1 MiB field value", "Subject: ", "x", "\r\nB: 1\r\n\r\nbody", 2},
    {"bounded: 1 MiB folded field", "Subject: x", "\r\n folded", "\r\nB: 1\r\n\r\nbody", 2},
    {"bounded: 1 MiB field name", "", "N", ": v\r\nB: 1\r\n\r\nbody", 2},
    {"bounded: 1 MiB field name, no colon", "", "N", "\r\nB: 1\r\n\r\nbody", 2},
    {"bounded: 1 MiB mbox line", "From ", "m", "\r\nB: 1\r\n\r\nbody", 1},
    {"bounded: 1 MiB orphan continuation", " ", "c", "\r\nB: 1\r\n\r\nbody", 1},
    {"bounded: 1 MiB LF body", "B: 1\n\n", "line\n", "", 1},
};

static void
test_msg_stream_bounded(void **state)
{
    const struct big_case *c = *state;
    const size_t           maxf = 65536;
    mbuf_t                 b = {NULL, 0, 0};
    msg_events_t           whole, got;
    mailauth__msg_sink_t   sink;
    peak_alloc_t           pa;
    mb_str(&b, c->head);
    mb_fill(&b, c->pattern, (size_t)1 << 20);
    mb_str(&b, c->tail);
    /* Whole. */
    peak_init(&pa);
    msg_events_init(&whole, maxf, false);
    sink = msg_events_sink(&whole);
    whole.result = mailauth__msg_split(&pa.al, b.p, b.n, maxf, &sink);
    assert_true(pa.peak <= maxf + 3);
    assert_int_equal(pa.fa.live, 0);
    assert_int_equal(whole.fields, c->fields);
    assert_int_equal(whole.result, c->fields == 2 ? MAILAUTH_ELIMIT : MAILAUTH_OK);
    /* 4 KiB pieces. */
    peak_init(&pa);
    msg_events_init(&got, maxf, false);
    sink = msg_events_sink(&got);
    got.result = msg_stream_run(&pa.al, b.p, b.n, maxf, &sink, (msg_plan_t){4096, 4096, 0});
    assert_true(pa.peak <= maxf + 3);
    assert_int_equal(pa.fa.live, 0);
    assert_true(same_or_say(&whole, &got, "4 KiB pieces", 4096, 4096));
    msg_events_clear(&whole);
    msg_events_clear(&got);
    free(b.p);
}

/* The over-long field is reported once, by its first max_field + 3 bytes,
 * and the header index refuses it (ELIMIT, counted) even though those
 * bytes may end in CRLF. */
static mailauth_status_t
index_header(void *ud, const char *f, size_t n)
{
    return mailauth__hdr_index_add(ud, f, n);
}

static mailauth_status_t
no_end(void *ud)
{
    (void)ud;
    return MAILAUTH_OK;
}

static mailauth_status_t
no_body(void *ud, const void *p, size_t n)
{
    (void)ud;
    (void)p;
    (void)n;
    return MAILAUTH_OK;
}

static void
test_msg_stream_over_long_refused(void **state)
{
    static const char     msg[] = "A: 123\r\n 5\r\n 8\r\nB: 1\r\n\r\n";
    mailauth__arena_t     a;
    mailauth__hdr_index_t idx;
    mailauth__msg_sink_t  sink = {.header = index_header, .end_headers = no_end, .body = no_body};
    (void)state;
    /* "A: 123\r\n 5\r\n 8" is 15 bytes; with max_field 4 the first 7 are
     * "A: 123\r", with 5 the first 8 are "A: 123\r\n". */
    for (size_t maxf = 4; maxf <= 6; maxf++) {
        mailauth__arena_init(&a, NULL);
        mailauth__hdr_index_init(&idx, &a, 10, maxf);
        sink.ud = &idx;
        assert_int_equal(mailauth__msg_split(NULL, msg, sizeof(msg) - 1, maxf, &sink),
                         MAILAUTH_ELIMIT);
        assert_int_equal(mailauth__hdr_index_count(&idx), 1);
        assert_int_equal(idx.refused, 1);
        assert_memory_equal(mailauth__hdr_index_get(&idx, 0)->raw, "B: 1", 4);
        mailauth__arena_clear(&a);
    }
}

/* ---- stream: calls and errors ------------------------------------------------ */

static mailauth_status_t
enomem_header(void *ud, const char *f, size_t n)
{
    (void)f;
    (void)n;
    ++*(int *)ud;
    return MAILAUTH_ENOMEM;
}

static void
test_msg_stream_api(void **state)
{
    mailauth__msg_stream_t s;
    msg_events_t           e;
    mailauth__msg_sink_t   sink, bad;
    int                    calls = 0;
    (void)state;
    msg_events_init(&e, 3, false); /* "A: 1" is over 3: the recorder answers ELIMIT */
    sink = msg_events_sink(&e);
    bad = sink;
    bad.body = NULL;
    assert_int_equal(mailauth__msg_stream_init(NULL, NULL, 10, &sink), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__msg_stream_init(&s, NULL, 10, NULL), MAILAUTH_EINVAL);
    mailauth__msg_stream_clear(&s);
    assert_int_equal(mailauth__msg_stream_init(&s, NULL, 10, &bad), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__msg_stream_feed(&s, "x", 1), MAILAUTH_ESTATE);
    mailauth__msg_stream_clear(&s);
    assert_int_equal(mailauth__msg_split(NULL, "A: 1", 4, 10, &bad), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__msg_split(NULL, NULL, 1, 10, &sink), MAILAUTH_EINVAL);
    /* Events come as soon as the bytes decide them; a refusal waits for end(). */
    assert_int_equal(mailauth__msg_stream_init(&s, NULL, 3, &sink), MAILAUTH_OK);
    assert_int_equal(mailauth__msg_stream_feed(&s, NULL, 1), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__msg_stream_feed(NULL, "x", 1), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__msg_stream_feed(&s, "A: 1\r", 5), MAILAUTH_OK);
    assert_int_equal(e.fields, 0);
    assert_int_equal(mailauth__msg_stream_feed(&s, "\n\r", 2), MAILAUTH_OK);
    assert_int_equal(e.fields, 1); /* sent once the next line is not a continuation */
    assert_int_equal(e.ended, 0);
    assert_int_equal(mailauth__msg_stream_feed(&s, "\nbody", 5), MAILAUTH_OK);
    assert_int_equal(e.ended, 1);
    assert_int_equal(e.blen, 4); /* body bytes are not held back */
    assert_int_equal(mailauth__msg_stream_end(&s), MAILAUTH_ELIMIT);
    assert_int_equal(mailauth__msg_stream_end(&s), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__msg_stream_feed(&s, "x", 1), MAILAUTH_ESTATE);
    mailauth__msg_stream_clear(&s);
    mailauth__msg_stream_clear(&s);
    assert_int_equal(mailauth__msg_stream_end(NULL), MAILAUTH_EINVAL);
    mailauth__msg_stream_clear(NULL);
    assert_false(e.misuse);
    msg_events_clear(&e);
    /* Any other error stops the stream for good. */
    sink.header = enomem_header;
    sink.ud = &calls;
    assert_int_equal(mailauth__msg_stream_init(&s, NULL, 100, &sink), MAILAUTH_OK);
    assert_int_equal(mailauth__msg_stream_feed(&s, "A: 1\nB", 6), MAILAUTH_ENOMEM);
    assert_int_equal(mailauth__msg_stream_feed(&s, ": 2\n", 4), MAILAUTH_ENOMEM);
    assert_int_equal(mailauth__msg_stream_end(&s), MAILAUTH_ENOMEM);
    assert_int_equal(calls, 1);
    mailauth__msg_stream_clear(&s);
}

/* Every allocation of a growing field buffer may fail; nothing leaks and the
 * stream answers ENOMEM from then on. */
static void
test_msg_stream_enomem(void **state)
{
    mbuf_t b = {NULL, 0, 0};
    (void)state;
    mb_str(&b, "Subject: ");
    mb_fill(&b, "0123456789\r\n ", 3000);
    mb_str(&b, "\r\nB: 1\r\n\r\nbody\n");
    for (unsigned long n = 1;; n++) {
        fail_alloc_t         fa;
        msg_events_t         e;
        mailauth__msg_sink_t sink;
        mailauth_status_t    st;
        fail_alloc_init(&fa, n);
        msg_events_init(&e, 2048, false);
        sink = msg_events_sink(&e);
        st = msg_stream_run(&fa.al, b.p, b.n, 2048, &sink, (msg_plan_t){7, 7, 0});
        assert_int_equal(fa.live, 0);
        msg_events_clear(&e);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_ELIMIT);
            assert_true(n > 3); /* the buffer grew a few times */
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
    }
    free(b.p);
}

static bool
reads_testdata(const struct prop_case *c)
{
    return c->file != NULL && strncmp(c->file, SHARED_DIR, strlen(SHARED_DIR)) == 0;
}

int
main(int argc, char **argv)
{
    static const struct CMUnitTest single[] = {
        cmocka_unit_test(test_msg_stream_api),
        cmocka_unit_test(test_msg_stream_over_long_refused),
        cmocka_unit_test(test_msg_stream_enomem),
    };
    struct CMUnitTest tests[ARRAY_LEN(single) + ARRAY_LEN(prop_cases) + ARRAY_LEN(big_cases)];
    size_t            n = 0;
    bool              conformance = false;
    int               rc = testdata_select(argc, argv, &conformance);
    if (rc >= 0)
        return rc;
    for (size_t i = 0; i < ARRAY_LEN(single) && !conformance; i++)
        tests[n++] = single[i];
    for (size_t i = 0; i < ARRAY_LEN(prop_cases); i++) {
        if (reads_testdata(&prop_cases[i]) == conformance)
            tests[n++] = (struct CMUnitTest){.name = prop_cases[i].name,
                                             .test_func = test_msg_stream_property,
                                             .initial_state = (void *)&prop_cases[i]};
    }
    for (size_t i = 0; i < ARRAY_LEN(big_cases) && !conformance; i++)
        tests[n++] = (struct CMUnitTest){.name = big_cases[i].name,
                                         .test_func = test_msg_stream_bounded,
                                         .initial_state = (void *)&big_cases[i]};
    return _cmocka_run_group_tests(conformance ? "msg_stream_conformance" : "msg_stream", tests, n,
                                   NULL, NULL);
}
