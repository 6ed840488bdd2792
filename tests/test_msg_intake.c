/* The message intake and the header picker (lib/msg): field names as a
 * set, RFC 6376 §5.4.2 picking, and the intake every consumer is fed
 * through (fields kept or refused under the limits, the phase rules, the
 * same result from header()/body(), message() and feed() in any chunks,
 * body bytes as CRLF, out of memory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "support/fail_alloc.h"
#include "util/arena.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- name set */

static void
test_msg_intake_name_set(void **state)
{
    mailauth__arena_t    a;
    mailauth__name_set_t ns;
    (void)state;
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__name_set_init(&ns, &a, 3), MAILAUTH_OK);
    assert_int_equal(mailauth__name_set_find(&ns, "from", 4), MAILAUTH__NAME_NONE);
    assert_int_equal(mailauth__name_set_add(&ns, "From", 4), 0);
    assert_int_equal(mailauth__name_set_add(&ns, "Subject", 7), 1);
    assert_int_equal(mailauth__name_set_add(&ns, "FROM", 4), 0); /* RFC 5322 §1.2.2 */
    assert_int_equal(mailauth__name_set_find(&ns, "fRoM", 4), 0);
    assert_int_equal(mailauth__name_set_find(&ns, "Subjec", 6), MAILAUTH__NAME_NONE);
    assert_int_equal(mailauth__name_set_add(&ns, "To", 2), 2);
    assert_int_equal(mailauth__name_set_add(&ns, "Cc", 2), MAILAUTH__NAME_NONE); /* full */
    assert_int_equal(mailauth__name_set_find(&ns, "to", 2), 2);
    mailauth__arena_clear(&a);
}

/* ---------------------------------------------------------------- picker */

struct pick_case {
    const char *name;
    const char *fields[8];  /* the header, top to bottom */
    const char *list[10];   /* h= entries */
    const char *picked[10]; /* what each entry hashes ("" for nothing) */
};

static const struct pick_case pick_cases[] = {
    {"pick: bottom-up, one instance each",
     {"From: a", "To: 1", "to: 2", "Subject: s", "TO: 3"},
     {"to", "to", "from", "from", "to", "to", "x-none"},
     {"TO: 3", "to: 2", "From: a", "", "To: 1", "", ""}},
    {"pick: names in any case",
     {"Subject: s", "SUBJECT: t"},
     {"subject", "SuBjEcT"},
     {"SUBJECT: t", "Subject: s"}},
    {"pick: empty header", {NULL}, {"from", "from"}, {"", ""}},
    {"pick: interleaved names",
     {"A: 1", "B: 1", "A: 2", "B: 2", "A: 3"},
     {"b", "a", "a", "b", "a", "a", "b"},
     {"B: 2", "A: 3", "A: 2", "B: 1", "A: 1", "", ""}},
};

static void
build_index(mailauth__arena_t *a, mailauth__hdr_index_t *idx, const char *const *fields)
{
    mailauth__hdr_index_init(idx, a, 0, 0);
    for (size_t i = 0; i < 8 && fields[i] != NULL; i++)
        assert_int_equal(mailauth__hdr_index_add(idx, fields[i], strlen(fields[i])), MAILAUTH_OK);
}

static void
test_msg_intake_pick(void **state)
{
    const struct pick_case *c = *state;
    mailauth__arena_t       a;
    mailauth__hdr_index_t   idx;
    mailauth__hdr_pick_t   *p = NULL;
    mailauth__arena_init(&a, NULL);
    build_index(&a, &idx, c->fields);
    assert_int_equal(mailauth__hdr_pick_new(&a, &idx, &p), MAILAUTH_OK);
    for (int round = 0; round < 2; round++) { /* begin() makes every instance unused again */
        mailauth__hdr_pick_begin(p);
        for (size_t k = 0; k < 10 && c->list[k] != NULL; k++) {
            const mailauth__hdr_t *f = mailauth__hdr_pick_next(p, c->list[k], strlen(c->list[k]));
            assert_string_equal(f != NULL ? f->raw : "", c->picked[k]);
        }
    }
    mailauth__arena_clear(&a);
}

static void
test_msg_intake_pick_count(void **state)
{
    static const char *const fields[8] = {"From: a", "To: 1", "to: 2", "Subject: s", "TO: 3"};
    mailauth__arena_t        a;
    mailauth__hdr_index_t    idx;
    mailauth__hdr_pick_t    *p = NULL;
    (void)state;
    mailauth__arena_init(&a, NULL);
    build_index(&a, &idx, fields);
    assert_int_equal(mailauth__hdr_pick_new(&a, &idx, &p), MAILAUTH_OK);
    assert_int_equal(mailauth__hdr_pick_count(p, "to", 2), 3);
    assert_int_equal(mailauth__hdr_pick_count(p, "FROM", 4), 1);
    assert_int_equal(mailauth__hdr_pick_count(p, "cc", 2), 0);
    assert_non_null(mailauth__hdr_pick_next(p, "to", 2)); /* picking leaves counts alone */
    assert_int_equal(mailauth__hdr_pick_count(p, "to", 2), 3);
    mailauth__arena_clear(&a);
}

/* 10,000 fields of distinct names and 100,000 entries naming them, or
 * none of them: each entry is one probe (the old per-name scan would walk
 * the header for every entry). The answers show the grouping is right. */
static void
test_msg_intake_pick_many(void **state)
{
    enum { FIELDS = 10000 };
    mailauth__arena_t     a;
    mailauth__hdr_index_t idx;
    mailauth__hdr_pick_t *p = NULL;
    char                  buf[32];
    size_t                found = 0;
    (void)state;
    mailauth__arena_init(&a, NULL);
    mailauth__hdr_index_init(&idx, &a, 0, 0);
    for (int i = 0; i < FIELDS; i++) {
        int n = snprintf(buf, sizeof(buf), "X-%d: v", i % (FIELDS / 2));
        assert_int_equal(mailauth__hdr_index_add(&idx, buf, (size_t)n), MAILAUTH_OK);
    }
    assert_int_equal(mailauth__hdr_pick_new(&a, &idx, &p), MAILAUTH_OK);
    mailauth__hdr_pick_begin(p);
    for (int k = 0; k < 100000; k++) {
        int n = snprintf(buf, sizeof(buf), "x-%d", k % FIELDS);
        found += mailauth__hdr_pick_next(p, buf, (size_t)n) != NULL;
    }
    assert_int_equal(found, FIELDS); /* two instances of each of the FIELDS / 2 names */
    mailauth__arena_clear(&a);
}

/* ---------------------------------------------------------------- intake: a consumer */

/* What a consumer saw. */
typedef struct seen {
    const char *keep_prefix; /* keep only names starting with it; NULL: all */
    char        refused[256];
    int         end_headers;
    int         fail_end_headers; /* fail this many end_headers() calls first */
    char        body[1024];
    size_t      nbody;
} seen_t;

static bool
seen_keep(void *ud, const char *name, size_t len)
{
    const seen_t *s = ud;
    size_t        n = strlen(s->keep_prefix);
    return len >= n && strncmp(name, s->keep_prefix, n) == 0;
}

static void
seen_refused(void *ud, const char *name, size_t len, bool whole)
{
    seen_t *s = ud;
    size_t  at = strlen(s->refused);
    snprintf(s->refused + at, sizeof(s->refused) - at, "%.*s%s;", (int)(len < 40 ? len : 40), name,
             whole ? "" : "...");
}

static mailauth_status_t
seen_end_headers(void *ud)
{
    seen_t *s = ud;
    if (s->fail_end_headers > 0) {
        s->fail_end_headers--;
        return MAILAUTH_ENOMEM;
    }
    s->end_headers++;
    return MAILAUTH_OK;
}

static mailauth_status_t
seen_body(void *ud, const void *p, size_t n)
{
    seen_t *s = ud;
    assert_true(n > 0);
    assert_true(s->nbody + n <= sizeof(s->body));
    memcpy(s->body + s->nbody, p, n);
    s->nbody += n;
    return MAILAUTH_OK;
}

static const mailauth__intake_ops_t seen_ops = {
    .refused = seen_refused, .end_headers = seen_end_headers, .body = seen_body};
static const mailauth__intake_ops_t seen_keep_ops = {
    .keep = seen_keep, .refused = seen_refused, .end_headers = seen_end_headers, .body = seen_body};

typedef struct rig {
    mailauth__arena_t  a;
    mailauth__intake_t in;
    seen_t             seen;
} rig_t;

static void
rig_open(rig_t *r, const mailauth_allocator_t *al, size_t max_count, size_t max_bytes,
         const char *keep_prefix)
{
    memset(r, 0, sizeof(*r));
    mailauth__arena_init(&r->a, al);
    r->seen.keep_prefix = keep_prefix;
    mailauth__intake_init(&r->in, &r->a, al, max_count, max_bytes,
                          keep_prefix != NULL ? &seen_keep_ops : &seen_ops, &r->seen);
}

static void
rig_close(rig_t *r)
{
    mailauth__intake_clear(&r->in);
    mailauth__arena_clear(&r->a);
}

/* The index as "raw|raw|...", the body as given. */
static void
expect(const rig_t *r, const char *fields, const char *refused, const char *body)
{
    const mailauth__hdr_index_t *idx = mailauth__intake_fields(&r->in);
    char                         got[1024] = "";
    for (size_t i = 0; i < mailauth__hdr_index_count(idx); i++) {
        size_t at = strlen(got);
        snprintf(got + at, sizeof(got) - at, "%s%s", i > 0 ? "|" : "",
                 mailauth__hdr_index_get(idx, i)->raw);
    }
    assert_string_equal(got, fields);
    assert_string_equal(r->seen.refused, refused);
    assert_int_equal(r->seen.end_headers, 1);
    assert_int_equal(r->seen.nbody, strlen(body));
    assert_memory_equal(r->seen.body, body, strlen(body));
    assert_int_equal(mailauth__intake_phase(&r->in), MAILAUTH__INTAKE_ENDED);
}

/* ---------------------------------------------------------------- intake: three ways in */

struct way_case {
    const char *name;
    size_t      max_count, max_bytes;
    const char *keep;      /* keep filter prefix, or NULL */
    const char *message;   /* as the splitter reads it */
    const char *fields[6]; /* the same, field by field for header() */
    const char *body;      /* the body for body() */
    const char *want_fields, *want_refused, *want_body;
};

static const struct way_case way_cases[] = {
    {"ways: plain",
     0,
     0,
     NULL,
     "From: a\r\nSubject: s\r\n\r\nbody\r\n",
     {"From: a\r\n", "Subject: s\r\n"},
     "body\r\n",
     "From: a|Subject: s",
     "",
     "body\r\n"},
    {"ways: bare LF everywhere",
     0,
     0,
     NULL,
     "From: a\n\tb\nTo: c\n\none\ntwo\n",
     {"From: a\n\tb\n", "To: c\n"},
     "one\ntwo\n",
     "From: a\r\n\tb|To: c",
     "",
     "one\r\ntwo\r\n"},
    {"ways: over max_bytes is refused",
     0,
     20,
     NULL,
     "From: a\r\nSubject: 0123456789012345678901234567\r\nTo: b\r\n\r\nx\r\n",
     {"From: a", "Subject: 0123456789012345678901234567", "To: b"},
     "x\r\n",
     "From: a|To: b",
     "Subject;",
     "x\r\n"},
    {"ways: max_bytes counts the CRLF a bare LF becomes",
     0,
     11,
     NULL,
     "From: a\r\nX: 12345\n 7\r\n\r\n",
     {"From: a", "X: 12345\n 7"},
     "",
     "From: a",
     "X;",
     ""},
    {"ways: beyond max_count is refused",
     2,
     0,
     NULL,
     "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
     {"A: 1", "B: 2", "C: 3", "D: 4"},
     "",
     "A: 1|B: 2",
     "C;D;",
     ""},
    {"ways: fields not kept still count",
     3,
     0,
     "X-",
     "A: 1\r\nX-B: 2\r\nC: 3\r\nX-D: 4\r\n\r\n",
     {"A: 1", "X-B: 2", "C: 3", "X-D: 4"},
     "",
     "X-B: 2",
     "X-D;",
     ""},
    {"ways: WSP before the colon of an over-long field",
     0,
     16,
     NULL,
     "Subject                 : s\r\nFrom: a\r\n\r\n",
     {"Subject                 : s", "From: a"},
     "",
     "From: a",
     "Subject;",
     ""},
};

typedef enum { WAY_FIELDS, WAY_MESSAGE, WAY_FEED } way_t;

static size_t
count_refused(const char *want)
{
    size_t n = 0;
    for (; *want != '\0'; want++)
        n += *want == ';';
    return n;
}

static void
run_way(const struct way_case *c, way_t way, size_t chunk)
{
    rig_t  r;
    size_t len = strlen(c->message);
    rig_open(&r, NULL, c->max_count, c->max_bytes, c->keep);
    if (way == WAY_FIELDS) {
        for (size_t i = 0; i < 6 && c->fields[i] != NULL; i++)
            assert_int_equal(mailauth__intake_header(&r.in, c->fields[i], strlen(c->fields[i])),
                             MAILAUTH_OK); /* refused or not: the call took it */
        assert_int_equal(mailauth__intake_end_headers(&r.in), MAILAUTH_OK);
        size_t blen = strlen(c->body);
        for (size_t i = 0; i < blen; i += chunk) /* a bare LF cut from its line, too */
            assert_int_equal(
                mailauth__intake_body(&r.in, c->body + i, blen - i < chunk ? blen - i : chunk),
                MAILAUTH_OK);
    } else if (way == WAY_MESSAGE) {
        assert_int_equal(mailauth__intake_message(&r.in, c->message, len), MAILAUTH_OK);
    } else {
        for (size_t i = 0; i < len; i += chunk)
            assert_int_equal(
                mailauth__intake_feed(&r.in, c->message + i, len - i < chunk ? len - i : chunk),
                MAILAUTH_OK);
    }
    assert_int_equal(mailauth__intake_end(&r.in), MAILAUTH_OK);
    expect(&r, c->want_fields, c->want_refused, c->want_body);
    assert_int_equal(mailauth__intake_refused(&r.in), count_refused(c->want_refused));
    rig_close(&r);
}

static void
test_msg_intake_ways(void **state)
{
    const struct way_case *c = *state;
    for (size_t chunk = 1; chunk <= 8; chunk++) {
        run_way(c, WAY_FIELDS, chunk);
        run_way(c, WAY_FEED, chunk);
    }
    run_way(c, WAY_FIELDS, 1 << 20);
    run_way(c, WAY_MESSAGE, 0);
    run_way(c, WAY_FEED, 1 << 20);
}

/* ---------------------------------------------------------------- intake: names of refused fields
 */

/* The splitter keeps max_bytes + 3 bytes of a field: a name longer than
 * that is reported by its beginning, and a name followed by WSP past that
 * point is whole. Through header() the whole field is there to read. */
static void
test_msg_intake_refused_names(void **state)
{
    char  longname[200], spaced[200];
    rig_t r;
    (void)state;
    memset(longname, 'N', sizeof(longname));
    memcpy(longname + 150, ": v\r\n\r\n", 8);
    memset(spaced, ' ', sizeof(spaced));
    memcpy(spaced, "Subject", 7);
    memcpy(spaced + 150, ": v\r\n\r\n", 8);
    rig_open(&r, NULL, 0, 16, NULL);
    assert_int_equal(mailauth__intake_message(&r.in, longname, 158), MAILAUTH_OK);
    assert_string_equal(r.seen.refused, "NNNNNNNNNNNNNNNNNNN...;"); /* 16 + 3 bytes */
    rig_close(&r);
    rig_open(&r, NULL, 0, 16, NULL);
    for (size_t i = 0; i < 158; i += 5)
        assert_int_equal(mailauth__intake_feed(&r.in, spaced + i, 158 - i < 5 ? 158 - i : 5),
                         MAILAUTH_OK);
    assert_int_equal(mailauth__intake_end(&r.in), MAILAUTH_OK);
    assert_string_equal(r.seen.refused, "Subject;");
    rig_close(&r);
    rig_open(&r, NULL, 0, 16, NULL);
    assert_int_equal(mailauth__intake_header(&r.in, longname, 153), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_header(&r.in, spaced, 153), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_header(&r.in, longname, 150), MAILAUTH_EINVAL); /* no ':' */
    assert_int_equal(mailauth__intake_refused(&r.in), 2);
    assert_true(strncmp(r.seen.refused, "NNNN", 4) == 0);
    assert_non_null(strstr(r.seen.refused, ";Subject;"));
    rig_close(&r);
}

/* ---------------------------------------------------------------- intake: phases */

static void
test_msg_intake_phases(void **state)
{
    rig_t r;
    (void)state;
    rig_open(&r, NULL, 0, 0, NULL);
    assert_int_equal(mailauth__intake_phase(&r.in), MAILAUTH__INTAKE_NEW);
    assert_int_equal(mailauth__intake_body(&r.in, "x", 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_end(&r.in), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_header(&r.in, "no colon", 8), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__intake_header(&r.in, NULL, 1), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__intake_phase(&r.in), MAILAUTH__INTAKE_NEW); /* nothing taken */
    assert_int_equal(mailauth__intake_header(&r.in, "A: 1", 4), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_phase(&r.in), MAILAUTH__INTAKE_HEADERS);
    assert_int_equal(mailauth__intake_message(&r.in, "B: 2\r\n\r\n", 8), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_feed(&r.in, "B: 2\r\n", 6), MAILAUTH_ESTATE);
    r.seen.fail_end_headers = 1; /* a failed end of headers may be retried */
    assert_int_equal(mailauth__intake_end_headers(&r.in), MAILAUTH_ENOMEM);
    assert_int_equal(mailauth__intake_phase(&r.in), MAILAUTH__INTAKE_HEADERS);
    assert_int_equal(mailauth__intake_end_headers(&r.in), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_end_headers(&r.in), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_header(&r.in, "B: 2", 4), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_body(&r.in, NULL, 1), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__intake_body(&r.in, NULL, 0), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_end(&r.in), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_end(&r.in), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_body(&r.in, "x", 1), MAILAUTH_ESTATE);
    rig_close(&r);
    /* Once streaming, only feed() and end(). */
    rig_open(&r, NULL, 0, 0, NULL);
    assert_int_equal(mailauth__intake_feed(&r.in, "A: 1\r\n", 6), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_header(&r.in, "B: 2", 4), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_end_headers(&r.in), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_feed(&r.in, "\r\nx", 3), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_body(&r.in, "y", 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_message(&r.in, "x", 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth__intake_end(&r.in), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_feed(&r.in, "z", 1), MAILAUTH_ESTATE);
    expect(&r, "A: 1", "", "x");
    rig_close(&r);
    /* A stream that ends without an empty line: all header. */
    rig_open(&r, NULL, 0, 0, NULL);
    assert_int_equal(mailauth__intake_feed(&r.in, "A: 1", 4), MAILAUTH_OK);
    assert_int_equal(mailauth__intake_end(&r.in), MAILAUTH_OK);
    expect(&r, "A: 1", "", "");
    rig_close(&r);
}

/* ---------------------------------------------------------------- intake: out of memory */

static void
test_msg_intake_enomem(void **state)
{
    static const char msg[] = "From: a\r\nSubject: a long enough subject\r\n\r\nbody\n";
    (void)state;
    for (int way = 0; way < 2; way++) {
        for (unsigned long n = 1;; n++) {
            fail_alloc_t      fa;
            rig_t             r;
            mailauth_status_t st;
            fail_alloc_init(&fa, n);
            rig_open(&r, &fa.al, 0, 0, NULL);
            if (way == 0) {
                st = mailauth__intake_message(&r.in, msg, sizeof(msg) - 1);
            } else {
                st = MAILAUTH_OK;
                for (size_t i = 0; st == MAILAUTH_OK && i < sizeof(msg) - 1; i += 7)
                    st = mailauth__intake_feed(&r.in, msg + i,
                                               sizeof(msg) - 1 - i < 7 ? sizeof(msg) - 1 - i : 7);
            }
            if (st == MAILAUTH_OK)
                st = mailauth__intake_end(&r.in);
            rig_close(&r);
            assert_int_equal(fa.live, 0);
            if (!fail_alloc_reached(&fa)) {
                assert_int_equal(st, MAILAUTH_OK);
                break;
            }
            assert_int_equal(st, MAILAUTH_ENOMEM);
        }
    }
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(pick_cases) + ARRAY_LEN(way_cases) + 7];
    size_t            k = 0;
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_msg_intake_name_set);
    for (size_t i = 0; i < ARRAY_LEN(pick_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = pick_cases[i].name,
                                         .test_func = test_msg_intake_pick,
                                         .initial_state = (void *)&pick_cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_msg_intake_pick_count);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_msg_intake_pick_many);
    for (size_t i = 0; i < ARRAY_LEN(way_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = way_cases[i].name,
                                         .test_func = test_msg_intake_ways,
                                         .initial_state = (void *)&way_cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_msg_intake_refused_names);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_msg_intake_phases);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_msg_intake_enomem);
    return _cmocka_run_group_tests("msg_intake", tests, k, NULL, NULL);
}
