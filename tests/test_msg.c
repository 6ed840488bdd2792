/* msg: header field index and the splitter (whole buffer, and the same table
 * through the stream at every cut); tests/test_msg_stream.c has the rest. */
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
#include "util/arena.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- splitter ----------------------------------------------------------------
 * The sink writes a transcript: H{field} per header, E at end of headers,
 * B{body} with every body chunk joined. CR, LF and NUL are shown as \r \n \0. */

typedef struct transcript {
    char              text[8192];
    size_t            len;
    size_t            body_calls;
    bool              in_body;
    mailauth_status_t header_st; /* what header() answers */
} transcript_t;

static void
put(transcript_t *t, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = NULL;
        char        one[2] = {p[i], '\0'};
        switch (p[i]) {
        case '\r':
            s = "\\r";
            break;
        case '\n':
            s = "\\n";
            break;
        case '\0':
            s = "\\0";
            break;
        default:
            s = one;
            break;
        }
        assert_true(t->len + strlen(s) < sizeof(t->text));
        memcpy(t->text + t->len, s, strlen(s));
        t->len += strlen(s);
    }
    t->text[t->len] = '\0';
}

static void
close_body(transcript_t *t)
{
    if (t->in_body)
        put(t, "}", 1);
    t->in_body = false;
}

static mailauth_status_t
sink_header(void *ud, const char *field, size_t len)
{
    transcript_t *t = ud;
    put(t, "H{", 2);
    put(t, field, len);
    put(t, "}", 1);
    return t->header_st;
}

static mailauth_status_t
sink_end(void *ud)
{
    put(ud, "E", 1);
    return MAILAUTH_OK;
}

static mailauth_status_t
sink_body(void *ud, const void *p, size_t n)
{
    transcript_t *t = ud;
    assert_true(n > 0);
    if (!t->in_body)
        put(t, "B{", 2);
    t->in_body = true;
    t->body_calls++;
    put(t, p, n);
    return MAILAUTH_OK;
}

struct split_case {
    const char *name;
    const char *in;
    size_t      len; /* 0: strlen(in) */
    const char *want;
    size_t      max_field; /* 0: 65536 */
};
static const struct split_case split_cases[] = {
    {"split: CRLF", "A: 1\r\nB: 2\r\n\r\nbody\r\n", 0, "H{A: 1}H{B: 2}EB{body\\r\\n}", 0},
    {"split: bare LF", "A: 1\nB: 2\n\nbody\nline2\n", 0, "H{A: 1}H{B: 2}EB{body\\r\\nline2\\r\\n}",
     0},
    {"split: folded CRLF", "Subject: a\r\n b\r\n\tc\r\nX: y\r\n\r\n", 0,
     "H{Subject: a\\r\\n b\\r\\n\tc}H{X: y}E", 0},
    {"split: folded LF", "Subject: a\n b\n\nx", 0, "H{Subject: a\\r\\n b}EB{x}", 0},
    {"split: no separator", "A: 1\r\nB: 2\r\n", 0, "H{A: 1}H{B: 2}E", 0},
    {"split: no separator, no final line end", "A: 1\r\nB: 2", 0, "H{A: 1}H{B: 2}E", 0},
    {"split: non-field line starts the body", "A: 1\nHello world\nmore\n", 0,
     "H{A: 1}EB{Hello world\\r\\nmore\\r\\n}", 0},
    {"split: bad field name starts the body", "A: 1\r\nBad Name: x\r\n\r\n", 0,
     "H{A: 1}EB{Bad Name: x\\r\\n\\r\\n}", 0},
    {"split: NUL kept", "A: x\0y\r\n\r\nb\0c", 13, "H{A: x\\0y}EB{b\\0c}", 0},
    {"split: bare CR kept", "A: x\ry\r\n\r\nb\rc\r\n", 0, "H{A: x\\ry}EB{b\\rc\\r\\n}", 0},
    {"split: CR CR LF line starts the body", "A: 1\r\n\r\r\nbody", 0, "H{A: 1}EB{\\r\\r\\nbody}",
     0},
    {"split: mbox From line skipped", "From sender@example.org Mon Jan 1\nA: 1\n\nb", 0,
     "H{A: 1}EB{b}", 0},
    {"split: From: is a field", "From: a@example.org\r\n\r\n", 0, "H{From: a@example.org}E", 0},
    {"split: empty message", "", 0, "E", 0},
    {"split: empty header section", "\r\nbody", 0, "EB{body}", 0},
    {"split: empty header section, LF", "\nbody\n", 0, "EB{body\\r\\n}", 0},
    {"split: continuation before any field dropped", " orphan\r\nA: 1\r\n\r\n", 0, "H{A: 1}E", 0},
    {"split: WSP before colon", "Subject : x\r\n\r\n", 0, "H{Subject : x}E", 0},
    {"split: whitespace-only line continues", "A: 1\r\n \r\nB: 2\r\n\r\n", 0,
     "H{A: 1\\r\\n }H{B: 2}E", 0},
    {"split: mixed body line ends", "A: 1\r\n\r\na\nb\r\nc", 0, "H{A: 1}EB{a\\r\\nb\\r\\nc}", 0},
    {"split: body starting with empty LF line", "A: 1\n\n\nx", 0, "H{A: 1}EB{\\r\\nx}", 0},
    {"split: separator is the last line", "A: 1\r\n\r\n", 0, "H{A: 1}E", 0},
    {"split: empty value", "A:\r\n\r\n", 0, "H{A:}E", 0},
    {"split: mixed field line ends", "A: 1\n\tx\r\n\ty\n\n", 0, "H{A: 1\\r\\n\tx\\r\\n\ty}E", 0},
    /* Edges of the line and mbox rules. */
    {"split: only CRLF", "\r\n", 0, "E", 0},
    {"split: only LF", "\n", 0, "E", 0},
    {"split: only CR", "\r", 0, "EB{\\r}", 0},
    {"split: CR CR", "\r\r", 0, "EB{\\r\\r}", 0},
    {"split: field ending in CR at the end", "A: 1\r", 0, "H{A: 1\\r}E", 0},
    {"split: CR after the separator", "A: 1\r\n\r", 0, "H{A: 1}EB{\\r}", 0},
    {"split: CR line after a field", "A: 1\r\n\rx\r\n", 0, "H{A: 1}EB{\\rx\\r\\n}", 0},
    {"split: name without colon at the end", "A", 0, "EB{A}", 0},
    {"split: name and WSP without colon at the end", "A: 1\nB \t", 0, "H{A: 1}EB{B \t}", 0},
    {"split: WSP then colon at the end", "A :", 0, "H{A :}E", 0},
    {"split: line starting with colon", ": x\r\n", 0, "EB{: x\\r\\n}", 0},
    {"split: 8-bit name starts the body", "\xff: x\n\nb", 0, "EB{\xff: x\\r\\n\\r\\nb}", 0},
    {"split: orphan continuation only", " \r\n", 0, "E", 0},
    {"split: continuation at the end", "A: 1\n\t", 0, "H{A: 1\\r\\n\t}E", 0},
    {"split: CR LF split in the body", "A:1\n\nx\r\ny\n", 0, "H{A:1}EB{x\\r\\ny\\r\\n}", 0},
    {"split: LF LF in the body", "A:1\n\n\n\n", 0, "H{A:1}EB{\\r\\n\\r\\n}", 0},
    {"split: mbox line only", "From ", 0, "E", 0},
    {"split: From without space", "From", 0, "EB{From}", 0},
    {"split: mbox line, CRLF", "From x\r\nA: 1", 0, "H{A: 1}E", 0},
    {"split: From: first", "From:x\n", 0, "H{From:x}E", 0},
    {"split: mbox line then continuation", "From x\n y\nA: 1\n", 0, "H{A: 1}E", 0},
    /* max_field: a field over it is reported once by its first max_field + 3 bytes. */
    {"limit: field exactly at max_field", "Subject: 1234567\r\n\r\n", 0, "H{Subject: 1234567}E",
     16},
    {"limit: one over, whole", "Subject: 12345678\r\n\r\n", 0, "H{Subject: 12345678}E", 16},
    {"limit: long field cut at max_field + 3", "Subject: 0123456789abcdefghij\r\nB: 1\r\n\r\nx", 0,
     "H{Subject: 0123456789}H{B: 1}EB{x}", 16},
    {"limit: cut inside a folded line end", "Subject: a\n b\n\n", 0, "H{Subject: a\\r}E", 8},
    {"limit: bare LF counts as CRLF", "A: 1\n 2\n 3\n\n", 0, "H{A: 1\\r\\n 2\\r\\n }E", 8},
    {"limit: name without colon past the window is a field", "ABCDEFGHIJKLM\r\nB: 1\r\n\r\n", 0,
     "H{ABCDEFGHIJK}H{B: 1}E", 8},
    {"limit: name without colon inside the window starts the body", "ABCDEFGHIJ\r\nB: 1\r\n", 0,
     "EB{ABCDEFGHIJ\\r\\nB: 1\\r\\n}", 8},
    {"limit: long name with colon", "ABCDEFGHIJKLM: v\r\n\r\n", 0, "H{ABCDEFGHIJK}E", 8},
    {"limit: over-long field then a fold", "A: 123456789\r\n 2\r\nB: 1\r\n", 0,
     "H{A: 1234}H{B: 1}E", 4},
};

static void
run_split(const char *in, size_t len, size_t max_field, transcript_t *t, mailauth_status_t want)
{
    mailauth__msg_sink_t sink = {
        .ud = t, .header = sink_header, .end_headers = sink_end, .body = sink_body};
    assert_int_equal(mailauth__msg_split(NULL, in, len, max_field, &sink), want);
    close_body(t);
}

static void
test_msg_split(void **state)
{
    const struct split_case *c = *state;
    transcript_t             t;
    size_t                   len = c->len != 0 ? c->len : strlen(c->in);
    size_t                   maxf = c->max_field != 0 ? c->max_field : 65536;
    mailauth__msg_sink_t     sink = {
            .ud = &t, .header = sink_header, .end_headers = sink_end, .body = sink_body};
    memset(&t, 0, sizeof(t));
    run_split(c->in, len, maxf, &t, MAILAUTH_OK);
    assert_string_equal(t.text, c->want);
    /* The same transcript however the bytes are cut: two pieces at every
     * point, and one byte at a time. */
    for (size_t k = 0; k <= len + 1; k++) {
        msg_plan_t pl = {k <= len ? k : 1, k <= len ? 0 : 1, 0};
        memset(&t, 0, sizeof(t));
        assert_int_equal(msg_stream_run(NULL, c->in, len, maxf, &sink, pl), MAILAUTH_OK);
        close_body(&t);
        assert_string_equal(t.text, c->want);
    }
}

typedef struct counter {
    size_t            bytes, calls, crlf;
    char              last;
    mailauth_status_t body_st;
} counter_t;

static mailauth_status_t
count_header(void *ud, const char *f, size_t n)
{
    (void)ud;
    (void)f;
    (void)n;
    return MAILAUTH_OK;
}

static mailauth_status_t
count_end(void *ud)
{
    (void)ud;
    return MAILAUTH_OK;
}

static mailauth_status_t
count_body(void *ud, const void *p, size_t n)
{
    counter_t  *c = ud;
    const char *s = p;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            assert_int_equal(c->last, '\r'); /* every LF is preceded by CR, across chunks */
            c->crlf++;
        }
        c->last = s[i];
    }
    c->bytes += n;
    c->calls++;
    return c->body_st;
}

static void
test_msg_split_body_normalized(void **state)
{
    static char          in[100006];
    counter_t            c;
    mailauth__msg_sink_t sink = {
        .ud = &c, .header = count_header, .end_headers = count_end, .body = count_body};
    size_t n = 6, lines = 0;
    (void)state;
    memcpy(in, "A: 1\n\n", 6);
    while (n + 4 <= sizeof(in)) {
        memcpy(in + n, "abc\n", 4);
        n += 4;
        lines++;
    }
    memset(&c, 0, sizeof(c));
    assert_int_equal(mailauth__msg_split(NULL, in, n, 65536, &sink), MAILAUTH_OK);
    assert_int_equal(c.crlf, lines);
    assert_int_equal(c.bytes, lines * 5);
    /* Nothing is copied: each bare LF costs a "\r" piece and a new run. */
    assert_true(c.calls <= 2 * lines + 1);
    /* A CRLF body is passed through uncopied, in pieces of 64 KiB at most
     * (each hashed while what the LF scan read is still in the cache). */
    n = 6;
    memcpy(in, "A: 1\n\n", 6);
    while (n + 5 <= sizeof(in)) {
        memcpy(in + n, "abc\r\n", 5);
        n += 5;
    }
    memset(&c, 0, sizeof(c));
    assert_int_equal(mailauth__msg_split(NULL, in, n, 65536, &sink), MAILAUTH_OK);
    assert_int_equal(c.calls, (n - 6 + 65535) / 65536);
    assert_int_equal(c.bytes, n - 6);
}

/* ELIMIT/EINVAL from the sink do not stop the split; other errors do. */
static void
test_msg_split_sink_errors(void **state)
{
    transcript_t         t;
    counter_t            c;
    mailauth__msg_sink_t sink = {
        .ud = &c, .header = count_header, .end_headers = count_end, .body = count_body};
    (void)state;
    memset(&t, 0, sizeof(t));
    t.header_st = MAILAUTH_ELIMIT;
    run_split("A: 1\r\nB: 2\r\n\r\nx", 15, 65536, &t, MAILAUTH_ELIMIT);
    assert_string_equal(t.text, "H{A: 1}H{B: 2}EB{x}");
    memset(&t, 0, sizeof(t));
    t.header_st = MAILAUTH_ENOMEM;
    run_split("A: 1\r\nB: 2\r\n\r\nx", 15, 65536, &t, MAILAUTH_ENOMEM);
    assert_string_equal(t.text, "H{A: 1}");
    memset(&c, 0, sizeof(c));
    c.body_st = MAILAUTH_ESTATE;
    assert_int_equal(mailauth__msg_split(NULL, "A: 1\n\nx\ny\n", 10, 65536, &sink),
                     MAILAUTH_ESTATE);
    assert_int_equal(mailauth__msg_split(NULL, NULL, 1, 65536, &sink), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__msg_split(NULL, "x", 1, 65536, NULL), MAILAUTH_EINVAL);
}

static void
test_msg_split_enomem(void **state)
{
    (void)state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t         fa;
        transcript_t         t;
        mailauth__msg_sink_t sink = {
            .ud = &t, .header = sink_header, .end_headers = sink_end, .body = sink_body};
        mailauth_status_t st;
        memset(&t, 0, sizeof(t));
        fail_alloc_init(&fa, n);
        st = mailauth__msg_split(&fa.al, "A: 1\n b\nB: 2\n\nx\n", 16, 65536, &sink);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
    }
}

/* ---- header index ------------------------------------------------------------ */

struct add_case {
    const char       *name;
    const char       *field;
    mailauth_status_t want;
    const char       *raw; /* stored field */
    size_t            name_len;
    const char       *value;
};
static const struct add_case add_cases[] = {
    {"add: plain", "Subject: hi", MAILAUTH_OK, "Subject: hi", 7, " hi"},
    {"add: trailing CRLF removed", "Subject: hi\r\n", MAILAUTH_OK, "Subject: hi", 7, " hi"},
    {"add: trailing LF removed", "Subject: hi\n", MAILAUTH_OK, "Subject: hi", 7, " hi"},
    {"add: folding kept", "Subject: a\r\n b\r\n", MAILAUTH_OK, "Subject: a\r\n b", 7, " a\r\n b"},
    {"add: WSP before colon", "Subject \t: hi", MAILAUTH_OK, "Subject \t: hi", 7, " hi"},
    {"add: empty value", "X:", MAILAUTH_OK, "X:", 1, ""},
    {"add: no colon", "Subject hi", MAILAUTH_EINVAL, NULL, 0, NULL},
    {"add: empty name", ": hi", MAILAUTH_EINVAL, NULL, 0, NULL},
    {"add: leading space", " Subject: hi", MAILAUTH_EINVAL, NULL, 0, NULL},
    {"add: control in name", "Sub\x01ject: hi", MAILAUTH_EINVAL, NULL, 0, NULL},
    {"add: empty", "", MAILAUTH_EINVAL, NULL, 0, NULL},
    {"add: over max bytes", "Subject: 0123456789012345678901234567890123456789", MAILAUTH_ELIMIT,
     NULL, 0, NULL},
};

static void
test_msg_hdr_add(void **state)
{
    const struct add_case *c = *state;
    mailauth__arena_t      a;
    mailauth__hdr_index_t  idx;
    const mailauth__hdr_t *h = NULL;
    mailauth__arena_init(&a, NULL);
    mailauth__hdr_index_init(&idx, &a, 10, 40);
    assert_int_equal(mailauth__hdr_index_add(&idx, c->field, strlen(c->field)), c->want);
    if (c->want == MAILAUTH_OK) {
        assert_int_equal(mailauth__hdr_index_count(&idx), 1);
        h = mailauth__hdr_index_get(&idx, 0);
        assert_non_null(h);
        assert_int_equal(h->len, strlen(c->raw));
        assert_memory_equal(h->raw, c->raw, h->len);
        assert_int_equal(h->raw[h->len], '\0');
        assert_int_equal(h->name_len, c->name_len);
        assert_int_equal(h->value_len, strlen(c->value));
        assert_memory_equal(h->value, c->value, h->value_len);
    } else {
        assert_int_equal(mailauth__hdr_index_count(&idx), 0);
        assert_int_equal(idx.refused, c->want == MAILAUTH_ELIMIT ? 1 : 0);
    }
    assert_null(mailauth__hdr_index_get(&idx, 1));
    mailauth__arena_clear(&a);
}

static void
test_msg_hdr_count_limit(void **state)
{
    mailauth__arena_t     a;
    mailauth__hdr_index_t idx;
    char                  f[32];
    (void)state;
    mailauth__arena_init(&a, NULL);
    mailauth__hdr_index_init(&idx, &a, 100, 1000);
    for (int i = 0; i < 105; i++) {
        int n = snprintf(f, sizeof(f), "X-%d: v", i);
        assert_int_equal(mailauth__hdr_index_add(&idx, f, (size_t)n),
                         i < 100 ? MAILAUTH_OK : MAILAUTH_ELIMIT);
    }
    assert_int_equal(mailauth__hdr_index_count(&idx), 100);
    assert_int_equal(idx.refused, 5);
    assert_memory_equal(mailauth__hdr_index_get(&idx, 99)->raw, "X-99: v", 7);
    mailauth__arena_clear(&a);
}

static void
test_msg_hdr_lookup(void **state)
{
    static const char *const fields[] = {"From: a",     "Received: 1", "to: b",
                                         "received: 2", "Subject: s",  "RECEIVED: 3"};
    mailauth__arena_t        a;
    mailauth__hdr_index_t    idx;
    const mailauth__hdr_t   *h = NULL;
    size_t                   pos = 0;
    (void)state;
    mailauth__arena_init(&a, NULL);
    mailauth__hdr_index_init(&idx, &a, 0, 0);
    for (size_t i = 0; i < ARRAY_LEN(fields); i++)
        assert_int_equal(mailauth__hdr_index_add(&idx, fields[i], strlen(fields[i])), MAILAUTH_OK);
    /* top-down */
    h = mailauth__hdr_index_next(&idx, "received", &pos);
    assert_memory_equal(h->raw, "Received: 1", 11);
    h = mailauth__hdr_index_next(&idx, "Received", &pos);
    assert_memory_equal(h->raw, "received: 2", 11);
    h = mailauth__hdr_index_next(&idx, "RECEIVED", &pos);
    assert_memory_equal(h->raw, "RECEIVED: 3", 11);
    assert_null(mailauth__hdr_index_next(&idx, "received", &pos));
    pos = 0;
    assert_null(mailauth__hdr_index_next(&idx, "Receive", &pos));
    /* bottom-up (RFC 6376 §5.4.2) */
    pos = mailauth__hdr_index_count(&idx);
    h = mailauth__hdr_index_prev(&idx, "received", &pos);
    assert_memory_equal(h->raw, "RECEIVED: 3", 11);
    h = mailauth__hdr_index_prev(&idx, "received", &pos);
    assert_memory_equal(h->raw, "received: 2", 11);
    h = mailauth__hdr_index_prev(&idx, "received", &pos);
    assert_memory_equal(h->raw, "Received: 1", 11);
    assert_null(mailauth__hdr_index_prev(&idx, "received", &pos));
    pos = 1000; /* past the end is clamped */
    h = mailauth__hdr_index_prev(&idx, "from", &pos);
    assert_memory_equal(h->raw, "From: a", 7);
    assert_int_equal(pos, 0);
    mailauth__arena_clear(&a);
}

/* A signer's own fields: bare LFs inside become CRLF, the trailing line end
 * goes, the limit counts the converted length. */
static void
test_msg_hdr_add_crlf(void **state)
{
    static const struct {
        const char       *in, *raw, *value;
        mailauth_status_t want;
    } cases[] = {
        {"Subject: a\n b\n", "Subject: a\r\n b", " a\r\n b", MAILAUTH_OK},
        {"Subject: a\r\n b\n\tc\r\n", "Subject: a\r\n b\r\n\tc", " a\r\n b\r\n\tc", MAILAUTH_OK},
        {"X:\n\n\n", "X:\r\n\r\n", "\r\n\r\n", MAILAUTH_OK},
        {"X: no line end", "X: no line end", " no line end", MAILAUTH_OK},
        {"X: 0123456789\n 012345678", NULL, NULL, MAILAUTH_OK},      /* 24 bytes, 25 with CRLF */
        {"X: 0123456789\n 0123456789", NULL, NULL, MAILAUTH_ELIMIT}, /* 25, 26 with CRLF: over */
        {"\nX: y", NULL, NULL, MAILAUTH_EINVAL},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        mailauth__arena_t      a;
        mailauth__hdr_index_t  idx;
        const mailauth__hdr_t *h = NULL;
        mailauth__arena_init(&a, NULL);
        mailauth__hdr_index_init(&idx, &a, 10, 25);
        assert_int_equal(mailauth__hdr_index_add_crlf(&idx, cases[i].in, strlen(cases[i].in)),
                         cases[i].want);
        h = mailauth__hdr_index_get(&idx, 0);
        assert_true((h != NULL) == (cases[i].want == MAILAUTH_OK));
        if (cases[i].raw != NULL) {
            assert_int_equal(h->len, strlen(cases[i].raw));
            assert_memory_equal(h->raw, cases[i].raw, h->len + 1);
            assert_int_equal(h->value_len, strlen(cases[i].value));
            assert_memory_equal(h->value, cases[i].value, h->value_len);
        }
        mailauth__arena_clear(&a);
    }
}

struct collect {
    char   buf[64];
    size_t len, calls;
};

static mailauth_status_t
collect_bytes(void *ud, const void *p, size_t n)
{
    struct collect *c = ud;
    assert_true(n > 0 && c->len + n <= sizeof(c->buf));
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    c->calls++;
    return c->calls == 50 ? MAILAUTH_ENOMEM : MAILAUTH_OK;
}

/* The body's LF-to-CRLF pass gives the same bytes for every split. */
static void
test_msg_body_lf_to_crlf(void **state)
{
    static const char in[] = "a\nb\r\nc\rd\n\n\r\r\n\ne";
    static const char want[] = "a\r\nb\r\nc\rd\r\n\r\n\r\r\n\r\ne";
    (void)state;
    for (size_t cut = 0; cut <= sizeof(in) - 1; cut++) {
        struct collect c = {{0}, 0, 0};
        bool           prev_cr = false;
        assert_int_equal(mailauth__body_lf_to_crlf(&prev_cr, in, cut, collect_bytes, &c),
                         MAILAUTH_OK);
        assert_int_equal(
            mailauth__body_lf_to_crlf(&prev_cr, in + cut, sizeof(in) - 1 - cut, collect_bytes, &c),
            MAILAUTH_OK);
        assert_int_equal(c.len, sizeof(want) - 1);
        assert_memory_equal(c.buf, want, c.len);
    }
    { /* out()'s error stops the feed */
        struct collect c = {{0}, 0, 49};
        bool           prev_cr = false;
        assert_int_equal(mailauth__body_lf_to_crlf(&prev_cr, "x\ny", 3, collect_bytes, &c),
                         MAILAUTH_ENOMEM);
        assert_int_equal(c.calls, 50);
    }
}

static void
test_msg_hdr_enomem(void **state)
{
    (void)state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t          fa;
        mailauth__arena_t     a;
        mailauth__hdr_index_t idx;
        mailauth_status_t     st = MAILAUTH_OK;
        char                  f[40];
        fail_alloc_init(&fa, n);
        mailauth__arena_init(&a, &fa.al);
        mailauth__hdr_index_init(&idx, &a, 1000, 4000);
        for (int i = 0; i < 300 && st == MAILAUTH_OK; i++) {
            int k = snprintf(f, sizeof(f), "X-Header-%d: some value", i);
            st = mailauth__hdr_index_add(&idx, f, (size_t)k);
        }
        mailauth__arena_clear(&a);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
    }
}

int
main(void)
{
    static const struct CMUnitTest single[] = {
        cmocka_unit_test(test_msg_split_body_normalized),
        cmocka_unit_test(test_msg_split_sink_errors),
        cmocka_unit_test(test_msg_split_enomem),
        cmocka_unit_test(test_msg_hdr_count_limit),
        cmocka_unit_test(test_msg_hdr_lookup),
        cmocka_unit_test(test_msg_hdr_enomem),
        cmocka_unit_test(test_msg_hdr_add_crlf),
        cmocka_unit_test(test_msg_body_lf_to_crlf),
    };
    struct CMUnitTest tests[ARRAY_LEN(single) + ARRAY_LEN(split_cases) + ARRAY_LEN(add_cases)];
    size_t            n = 0;
    for (size_t i = 0; i < ARRAY_LEN(single); i++)
        tests[n++] = single[i];
    for (size_t i = 0; i < ARRAY_LEN(split_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = split_cases[i].name,
                                         .test_func = test_msg_split,
                                         .initial_state = (void *)&split_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(add_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = add_cases[i].name,
                                         .test_func = test_msg_hdr_add,
                                         .initial_state = (void *)&add_cases[i]};
    return _cmocka_run_group_tests("msg", tests, n, NULL, NULL);
}
