/* ARC sealer API contract (include/mailauth/sign.h): arguments, call order,
 * the three sources of the chain status and their consistency checks, the
 * AAR consolidation of this host's Authentication-Results, the default
 * and given AMS header lists, line ends and chunking, header limits, the
 * own validation over a resolver (blocking loop and EAGAIN), and
 * out-of-memory walks. Signatures are checked by validating the output
 * (test_arc_seal.c has the suites and round trips). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "arc/arc.h"
#include "support/arc_harness.h"
#include "support/arc_keys.h"
#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1700000000

static int64_t now_s = NOW;

static uint64_t
clock_fn(void *ud, mailauth_clock_kind_t kind)
{
    static uint64_t mono = 1000000;
    (void)ud;
    return kind == MAILAUTH_CLOCK_WALL ? (uint64_t)now_s * 1000u : (mono += 7);
}

typedef struct fx {
    mailauth_ctx_t        *ctx;
    mailauth_key_t        *key;
    mailauth_arc_sealer_t *s;
    mailauth_resolver_t   *r;
} fx_t;

static mailauth_status_t
fx_open_al(fx_t *f, const char *keyfile, const mailauth_allocator_t *al, bool resolver)
{
    const char       *zone = arc_test_zone();
    mailauth_status_t st = MAILAUTH_OK;
    memset(f, 0, sizeof(*f));
    st = mailauth_ctx_new(al, &f->ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_clock(f->ctx, clock_fn, NULL);
    if (st == MAILAUTH_OK && resolver)
        st = mailauth_resolver_new_zone(f->ctx, zone, strlen(zone), NULL, &f->r);
    if (st == MAILAUTH_OK)
        st = arc_try_load_key(f->ctx, keyfile, &f->key);
    if (st == MAILAUTH_OK)
        st = mailauth_arc_sealer_new(f->ctx, f->key, "hop3.example", "arc", "mx.hop3.example",
                                     &f->s);
    return st;
}

static void
fx_open(fx_t *f, bool resolver)
{
    assert_int_equal(fx_open_al(f, ARC_KEY_RSA, NULL, resolver), MAILAUTH_OK);
}

static void
fx_close(fx_t *f)
{
    mailauth_arc_sealer_free(f->s);
    mailauth_key_free(f->key);
    mailauth_resolver_free(f->r);
    mailauth_ctx_free(f->ctx);
}

/* A field of the finished sealer (static buffer). */
static const char *
field(const fx_t *f, mailauth_arc_field_t which)
{
    static char buf[3][8192];
    size_t      need = 0;
    assert_int_equal(mailauth_arc_sealer_format_field(f->s, which, buf[which], sizeof(buf[which]), &need),
                     MAILAUTH_OK);
    return buf[which];
}

/* The sealed message (malloc): result + CRLF + msg. */
static char *
sealed(const fx_t *f, const char *msg)
{
    size_t need = 0;
    char  *out = NULL;
    assert_int_equal(mailauth_arc_sealer_format(f->s, NULL, 0, &need), MAILAUTH_ENOSPC);
    out = malloc(need + 3 + strlen(msg));
    assert_non_null(out);
    assert_int_equal(mailauth_arc_sealer_format(f->s, out, need + 1, &need), MAILAUTH_OK);
    strcpy(out + need, need > 0 ? "\r\n" : "");
    strcat(out, msg);
    return out;
}

static void
expect_valid(const char *msg, unsigned instances)
{
    const arc_opts_t o = {.now_s = NOW + 60, .options = MAILAUTH__ARC_OLDEST_PASS};
    arc_outcome_t    out;
    arc_validate_ok(arc_test_zone(), msg, strlen(msg), &o, &out);
    if (out.verdict != MAILAUTH_VERDICT_PASS || out.instances != instances)
        fail_msg("arc=%s (%s), %u sets", arc_word(out.verdict), out.problem, out.instances);
}

/* ---------------------------------------------------------------- arguments */

static void
test_arc_seal_api_new(void **state)
{
    fx_t                   f;
    mailauth_arc_sealer_t *s = (void *)1;
    (void)state;
    fx_open(&f, false);
    assert_int_equal(mailauth_arc_sealer_new(NULL, f.key, "a.example", "s", "mx", &s),
                     MAILAUTH_EINVAL);
    assert_null(s);
    assert_int_equal(mailauth_arc_sealer_new(f.ctx, NULL, "a.example", "s", "mx", &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_arc_sealer_new(f.ctx, f.key, "a.example", "s", "mx", NULL),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_arc_sealer_new(f.ctx, f.key, "localhost", "s", "mx", &s),
                     MAILAUTH_EINVAL); /* d= needs a dot */
    assert_int_equal(mailauth_arc_sealer_new(f.ctx, f.key, "a.example", "s s", "mx", &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_arc_sealer_new(f.ctx, f.key, "a.example", "", "mx", &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_arc_sealer_new(f.ctx, f.key, "a.example", "s", "", &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_arc_sealer_new(f.ctx, f.key, "a.example", "s", "mx;x", &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_arc_sealer_new(f.ctx, f.key,
                                             "B\xc3\xbc"
                                             "cher.Example",
                                             "s", "mx", &s),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_set_chain(s, MAILAUTH_VERDICT_NONE), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_message(s, ARC_BASE_MSG, strlen(ARC_BASE_MSG)),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_end_message(s), MAILAUTH_OK);
    mailauth_arc_sealer_free(f.s);
    f.s = s; /* d= in A-labels, lower case (RFC 6376 §3.5) */
    assert_non_null(strstr(field(&f, MAILAUTH_ARC_FIELD_AS), "d=xn--bcher-kva.example;"));
    mailauth_arc_sealer_free(NULL);
    fx_close(&f);
}

static const struct list_case {
    const char       *list;
    mailauth_status_t st;
    const char       *h; /* the h= written */
} list_cases[] = {
    {"From:To:Subject", MAILAUTH_OK, "h=from:to:subject;"},
    {" from : to ", MAILAUTH_OK, "h=from:to;"},
    {"from:from:x-missing", MAILAUTH_OK, "h=from:from:x-missing;"},
    {"to:subject", MAILAUTH_EINVAL, NULL},    /* RFC 6376 §5.4: From */
    {"from:ARC-Seal", MAILAUTH_EINVAL, NULL}, /* RFC 8617 §4.1.2 */
    {"from:arc-authentication-results", MAILAUTH_EINVAL, NULL},
    {"from:Authentication-Results", MAILAUTH_EINVAL, NULL}, /* §4.1.2 SHOULD NOT */
    {"from::to", MAILAUTH_EINVAL, NULL},
    {"from;to", MAILAUTH_EINVAL, NULL},
    {"", MAILAUTH_EINVAL, NULL},
};

static void
test_arc_seal_api_headers(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(list_cases); i++) {
        fx_t f;
        fx_open(&f, false);
        assert_int_equal(mailauth_arc_sealer_set_headers(f.s, list_cases[i].list),
                         list_cases[i].st);
        if (list_cases[i].h != NULL) {
            char *out = NULL;
            assert_int_equal(mailauth_arc_sealer_set_chain(f.s, MAILAUTH_VERDICT_NONE),
                             MAILAUTH_OK);
            assert_int_equal(mailauth_arc_sealer_message(f.s, ARC_BASE_MSG, strlen(ARC_BASE_MSG)),
                             MAILAUTH_OK);
            assert_int_equal(mailauth_arc_sealer_end_message(f.s), MAILAUTH_OK);
            if (strstr(field(&f, MAILAUTH_ARC_FIELD_AMS), list_cases[i].h) == NULL)
                fail_msg("%s: %s", list_cases[i].list, field(&f, MAILAUTH_ARC_FIELD_AMS));
            out = sealed(&f, ARC_BASE_MSG);
            expect_valid(out, 1);
            free(out);
        }
        fx_close(&f);
    }
}

/* The default list: From oversigned, each listed field as often as it
 * occurs, every DKIM-Signature (RFC 8617 §4.1.2 SHOULD); never ARC fields
 * or Authentication-Results. */
static void
test_arc_seal_api_default_list(void **state)
{
    static const char msg[] =
        "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AA; b=AA\r\n"
        "Authentication-Results: mx.hop3.example; dkim=pass\r\n"
        "From: a@example.com\r\nTo: b@example.org\r\nTo: c@example.org\r\nSubject: s\r\n"
        "X-Other: x\r\n\r\nbody\r\n";
    fx_t  f;
    char *out = NULL;
    (void)state;
    fx_open(&f, false);
    assert_int_equal(mailauth_arc_sealer_set_chain(f.s, MAILAUTH_VERDICT_NONE), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_message(f.s, msg, strlen(msg)), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_end_message(f.s), MAILAUTH_OK);
    assert_non_null(
        strstr(field(&f, MAILAUTH_ARC_FIELD_AMS), "h=from:from:to:to:subject:dkim-signature;"));
    out = sealed(&f, msg);
    expect_valid(out, 1);
    free(out);
    fx_close(&f);
}

/* ---------------------------------------------------------------- order */

static void
test_arc_seal_api_order(void **state)
{
    fx_t   f;
    char   buf[16];
    size_t need = 99;
    (void)state;
    fx_open(&f, false);
    assert_int_equal(mailauth_arc_sealer_format(f.s, buf, sizeof(buf), &need), MAILAUTH_ESTATE);
    assert_int_equal(need, 0);
    assert_int_equal(mailauth_arc_sealer_format_field(f.s, MAILAUTH_ARC_FIELD_AS, buf, sizeof(buf), NULL),
                     MAILAUTH_ESTATE);
    assert_int_equal(
        mailauth_arc_sealer_format_field(f.s, (mailauth_arc_field_t)3, buf, sizeof(buf), NULL),
        MAILAUTH_EINVAL);
    assert_int_equal(mailauth_arc_sealer_body(f.s, "x", 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_arc_sealer_end_message(f.s), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_arc_sealer_set_chain(f.s, MAILAUTH_VERDICT_SOFTFAIL),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_arc_sealer_header(f.s, "not a field", 11), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_arc_sealer_header(f.s, "From: a@example.com\r\n", 21), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_set_headers(f.s, "from"), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_arc_sealer_message(f.s, "a", 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_arc_sealer_end_headers(f.s), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_end_headers(f.s), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_arc_sealer_header(f.s, "To: b@example.org", 17), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_arc_sealer_body(f.s, "hi\n", 3), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_end_message(f.s), MAILAUTH_OK); /* from the A-R: none */
    assert_int_equal(mailauth_arc_sealer_end_message(f.s), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_arc_sealer_set_chain(f.s, MAILAUTH_VERDICT_PASS), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_arc_sealer_instance(f.s), 1);
    assert_int_equal(mailauth_arc_sealer_chain(f.s), MAILAUTH_VERDICT_NONE);
    /* snprintf-like: a prefix, NUL-terminated, and the length needed */
    assert_int_equal(mailauth_arc_sealer_format(f.s, buf, sizeof(buf), &need), MAILAUTH_ENOSPC);
    assert_string_equal(buf, "ARC-Seal: i=1; ");
    assert_true(need > 200);
    assert_string_equal(field(&f, MAILAUTH_ARC_FIELD_AAR),
                        "ARC-Authentication-Results: i=1; mx.hop3.example; none");
    fx_close(&f);
}

/* ---------------------------------------------------------------- chain status */

static char *
hop1(void)
{
    unsigned inst = 0;
    return arc_test_seal(ARC_KEY_RSA, "hop1.example", "arc", ARC_BASE_MSG, MAILAUTH_VERDICT_NONE,
                         NOW, &inst);
}

static const struct status_case {
    const char        *name;
    bool               chain; /* seal over hop1()'s message, else the bare one */
    int                given; /* set_chain(), or -1 */
    const char        *ar;    /* A-R field put on top, or NULL */
    mailauth_status_t  st;
    mailauth_verdict_t cv;
    const char        *aar; /* expected in the AAR */
} status_cases[] = {
    {"no chain, nothing said", false, -1, NULL, MAILAUTH_OK, MAILAUTH_VERDICT_NONE, "; none"},
    {"no chain, given none", false, MAILAUTH_VERDICT_NONE, NULL, MAILAUTH_OK, MAILAUTH_VERDICT_NONE,
     "arc=none"},
    {"no chain, given pass", false, MAILAUTH_VERDICT_PASS, NULL, MAILAUTH_EINVAL, 0, NULL},
    {"no chain, given fail", false, MAILAUTH_VERDICT_FAIL, NULL, MAILAUTH_EINVAL, 0, NULL},
    {"chain, given none", true, MAILAUTH_VERDICT_NONE, NULL, MAILAUTH_EINVAL, 0, NULL},
    /* found by fuzz_eval: a verifier fails these, so cv=none would be a lie */
    {"unreadable ARC field, given none", false, MAILAUTH_VERDICT_NONE,
     "ARC-Authentication-Results:\r\n", MAILAUTH_EINVAL, 0, NULL},
    {"unreadable ARC field, nothing said", false, -1, "ARC-Seal: cv=none\r\n", MAILAUTH_EINVAL, 0,
     NULL},
    {"chain, given pass", true, MAILAUTH_VERDICT_PASS, NULL, MAILAUTH_OK, MAILAUTH_VERDICT_PASS,
     "arc=pass"},
    {"chain, nothing said", true, -1, NULL, MAILAUTH_EINVAL, 0, NULL},
    {"chain, A-R arc=pass", true, -1, "Authentication-Results: mx.hop3.example; arc=pass\r\n",
     MAILAUTH_OK, MAILAUTH_VERDICT_PASS, "i=2; mx.hop3.example;\r\n\tarc=pass"},
    {"chain, A-R arc=fail", true, -1, "Authentication-Results: mx.hop3.example; arc=fail\r\n",
     MAILAUTH_OK, MAILAUTH_VERDICT_FAIL, "arc=fail"},
    {"chain, other host's arc=pass", true, -1, "Authentication-Results: mx.other; arc=pass\r\n",
     MAILAUTH_EINVAL, 0, NULL},
    {"chain, two arc results", true, -1,
     "Authentication-Results: mx.hop3.example; arc=pass; arc=fail\r\n", MAILAUTH_OK,
     MAILAUTH_VERDICT_FAIL, "arc=pass;\r\n\tarc=fail"},
    {"chain, arc=temperror", true, -1, "Authentication-Results: mx.hop3.example; arc=temperror\r\n",
     MAILAUTH_EINVAL, 0, NULL},
    {"given pass beats the A-R", true, MAILAUTH_VERDICT_PASS,
     "Authentication-Results: mx.hop3.example; spf=pass smtp.mailfrom=a@example.com\r\n",
     MAILAUTH_OK, MAILAUTH_VERDICT_PASS, "arc=pass;\r\n\tspf=pass smtp.mailfrom=a@example.com"},
};

static void
test_arc_seal_api_status(void **state)
{
    const struct status_case *c = *state;
    char                     *base = c->chain ? hop1() : strdup(ARC_BASE_MSG);
    char                     *msg = malloc(strlen(base) + 200);
    fx_t                      f;
    assert_non_null(msg);
    snprintf(msg, strlen(base) + 200, "%s%s", c->ar != NULL ? c->ar : "", base);
    fx_open(&f, false);
    if (c->given >= 0)
        assert_int_equal(mailauth_arc_sealer_set_chain(f.s, (mailauth_verdict_t)c->given),
                         MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_message(f.s, msg, strlen(msg)), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_end_message(f.s), c->st);
    if (c->st == MAILAUTH_OK) {
        char *out = sealed(&f, msg);
        assert_int_equal(mailauth_arc_sealer_chain(f.s), c->cv);
        if (strstr(field(&f, MAILAUTH_ARC_FIELD_AAR), c->aar) == NULL)
            fail_msg("%s: %s", c->name, field(&f, MAILAUTH_ARC_FIELD_AAR));
        if (c->cv != MAILAUTH_VERDICT_FAIL)
            expect_valid(out, c->chain ? 2 : 1);
        free(out);
    }
    fx_close(&f);
    free(msg);
    free(base);
}

/* RFC 8617 §4.1.1: every result of this host, from every field of its
 * authserv-id (any case, quoted, with a version), in order, as written;
 * other hosts' fields and "none" are left out. */
static void
test_arc_seal_api_aar(void **state)
{
    static const char ars[] =
        "Authentication-Results: mx.hop3.example; spf=pass smtp.mailfrom=a@example.com\r\n"
        "Authentication-Results: other.example; dkim=fail\r\n"
        "Authentication-Results: \"MX.Hop3.example\" 1; dkim=pass (key; 2048 bits)\r\n"
        "  header.d=example.com; dmarc=pass\r\n"
        "Authentication-Results: mx.hop3.example; none\r\n"
        "Authentication-Results: mx.hop3.example.evil; spf=fail\r\n"
        "Authentication-Results: (c) mx.hop3.example (c) ; ; arc=none\r\n";
    static const char want[] = "ARC-Authentication-Results: i=1; mx.hop3.example;\r\n"
                               "\tspf=pass smtp.mailfrom=a@example.com;\r\n"
                               "\tdkim=pass (key; 2048 bits)\r\n  header.d=example.com;\r\n"
                               "\tdmarc=pass;\r\n"
                               "\tarc=none";
    char             *msg = malloc(sizeof(ars) + sizeof(ARC_BASE_MSG));
    fx_t              f;
    (void)state;
    assert_non_null(msg);
    strcpy(msg, ars);
    strcat(msg, ARC_BASE_MSG);
    fx_open(&f, false);
    assert_int_equal(mailauth_arc_sealer_message(f.s, msg, strlen(msg)), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_end_message(f.s), MAILAUTH_OK);
    assert_string_equal(field(&f, MAILAUTH_ARC_FIELD_AAR), want);
    fx_close(&f);
    free(msg);
}

/* ---------------------------------------------------------------- feeding */

/* A message with LF line ends, fed whole or a byte at a time, seals like
 * its CRLF form (same t=, deterministic RSA: the same fields). */
static void
test_arc_seal_api_feeding(void **state)
{
    static const char lf[] = "From: a@example.com\nSubject: two\n\tlines\n\nbody  line\n\n\n";
    static const char crlf[] =
        "From: a@example.com\r\nSubject: two\r\n\tlines\r\n\r\nbody  line\r\n\r\n\r\n";
    char *want[3];
    (void)state;
    for (int run = 0; run < 3; run++) {
        fx_t f;
        fx_open(&f, false);
        assert_int_equal(mailauth_arc_sealer_set_chain(f.s, MAILAUTH_VERDICT_NONE), MAILAUTH_OK);
        if (run == 0) {
            assert_int_equal(mailauth_arc_sealer_message(f.s, crlf, strlen(crlf)), MAILAUTH_OK);
        } else if (run == 1) {
            assert_int_equal(mailauth_arc_sealer_message(f.s, lf, strlen(lf)), MAILAUTH_OK);
        } else {
            assert_int_equal(mailauth_arc_sealer_header(f.s, "From: a@example.com\n", 20),
                             MAILAUTH_OK);
            assert_int_equal(mailauth_arc_sealer_header(f.s, "Subject: two\n\tlines", 19),
                             MAILAUTH_OK);
            assert_int_equal(mailauth_arc_sealer_end_headers(f.s), MAILAUTH_OK);
            for (size_t i = strlen("From: a@example.com\nSubject: two\n\tlines\n\n");
                 i < strlen(lf); i++)
                assert_int_equal(mailauth_arc_sealer_body(f.s, lf + i, 1), MAILAUTH_OK);
        }
        assert_int_equal(mailauth_arc_sealer_end_message(f.s), MAILAUTH_OK);
        want[run] = sealed(&f, "");
        fx_close(&f);
    }
    assert_string_equal(want[1], want[0]);
    assert_string_equal(want[2], want[0]);
    for (int run = 0; run < 3; run++)
        free(want[run]);
}

static mailauth_status_t end_with_resolver(fx_t *f, bool run_loop, unsigned *eagains);

/* ---------------------------------------------------------------- header limits */

/* A field over a header limit is refused: counted, the feeding call still
 * took it. The AMS then signs no field of its name (the sealed message
 * validates for a validator that sees the refused field); a refused From,
 * ARC field or Authentication-Results field means no set (ELIMIT). */
struct limit_case {
    const char       *name;
    uint32_t          max_bytes, max_count; /* 0: the default */
    const char       *msg;                  /* "%s": the long field, or NULL: ARC_BASE_MSG */
    const char       *long_name;
    size_t            long_len; /* without its CRLF */
    mailauth_status_t want;
    size_t            refused;
    const char       *want_h; /* the AMS h= tag when sealed */
};

#define L_MSG_HEAD "From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n"

static const struct limit_case limit_cases[] = {
    {"limits: fields beyond the count", 0, 3, NULL, NULL, 0, MAILAUTH_OK, 3, "h=from:from:to;"},
    {"limits: a Subject over the size", 200, 0, L_MSG_HEAD "%s\r\nbody\r\n", "Subject", 300,
     MAILAUTH_OK, 1, "h=from:from:to;"},
    {"limits: an unsigned field over the size", 200, 0, L_MSG_HEAD "%s\r\nbody\r\n", "X-Other", 300,
     MAILAUTH_OK, 1, "h=from:from:to:subject;"},
    {"limits: a From over the size", 200, 0, "%s" L_MSG_HEAD "\r\nbody\r\n", "From", 300,
     MAILAUTH_ELIMIT, 1, NULL},
    {"limits: an ARC field over the size", 200, 0, L_MSG_HEAD "%s\r\nbody\r\n", "ARC-Seal", 300,
     MAILAUTH_ELIMIT, 1, NULL},
    {"limits: an Authentication-Results over the size", 200, 0, "%s" L_MSG_HEAD "\r\nbody\r\n",
     "Authentication-Results", 300, MAILAUTH_ELIMIT, 1, NULL},
    {"limits: an ARC-like name longer than the splitter keeps", 20, 0,
     "From: a@example.com\r\n%s\r\nbody\r\n", "ARC-A-Name-Longer-Than-Kept", 100, MAILAUTH_ELIMIT,
     1, NULL},
    {"limits: ARC fields beyond the count", 0, 2,
     L_MSG_HEAD "ARC-Seal: i=1; cv=none\r\n\r\nbody\r\n", NULL, 0, MAILAUTH_ELIMIT, 2, NULL},
};

static char *
limit_msg(const struct limit_case *c)
{
    const char *tmpl = c->msg != NULL ? c->msg : ARC_BASE_MSG;
    const char *at = strstr(tmpl, "%s");
    size_t      head = at != NULL ? (size_t)(at - tmpl) : strlen(tmpl);
    char       *m = malloc(strlen(tmpl) + c->long_len + 3);
    assert_non_null(m);
    memcpy(m, tmpl, head);
    m[head] = '\0';
    if (at != NULL) {
        size_t n = strlen(c->long_name);
        memcpy(m + head, c->long_name, n);
        memcpy(m + head + n, ": ", 2);
        memset(m + head + n + 2, 'x', c->long_len - n - 2);
        memcpy(m + head + c->long_len, "\r\n", 2);
        strcpy(m + head + c->long_len + 2, at + 2);
    }
    return m;
}

/* fx_open_al() with header limits (set before the sealer freezes the ctx). */
static void
fx_open_limits(fx_t *f, uint32_t max_bytes, uint32_t max_count, bool resolver)
{
    const char *zone = arc_test_zone();
    memset(f, 0, sizeof(*f));
    assert_int_equal(mailauth_ctx_new(NULL, &f->ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_clock(f->ctx, clock_fn, NULL), MAILAUTH_OK);
    if (max_bytes != 0)
        assert_int_equal(mailauth_ctx_set_limit(f->ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES, max_bytes),
                         MAILAUTH_OK);
    if (max_count != 0)
        assert_int_equal(mailauth_ctx_set_limit(f->ctx, MAILAUTH_LIMIT_HEADER_MAX_COUNT, max_count),
                         MAILAUTH_OK);
    if (resolver)
        assert_int_equal(mailauth_resolver_new_zone(f->ctx, zone, strlen(zone), NULL, &f->r),
                         MAILAUTH_OK);
    f->key = arc_load_key(f->ctx, ARC_KEY_RSA);
    assert_int_equal(
        mailauth_arc_sealer_new(f->ctx, f->key, "hop3.example", "arc", "mx.hop3.example", &f->s),
        MAILAUTH_OK);
}

static void
test_arc_seal_api_limits(void **state)
{
    const struct limit_case *c = *state;
    char                    *msg = limit_msg(c);
    fx_t                     f;
    fx_open_limits(&f, c->max_bytes, c->max_count, false);
    assert_int_equal(mailauth_arc_sealer_message(f.s, msg, strlen(msg)), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_refused(f.s), c->refused);
    assert_int_equal(mailauth_arc_sealer_end_message(f.s), c->want);
    if (c->want == MAILAUTH_OK) {
        char *out = sealed(&f, msg);
        assert_non_null(strstr(field(&f, MAILAUTH_ARC_FIELD_AMS), c->want_h));
        expect_valid(out, 1);
        free(out);
    } else {
        assert_int_equal(mailauth_arc_sealer_instance(f.s), 0);
        assert_int_equal(mailauth_arc_sealer_end_message(f.s), c->want); /* says it again */
    }
    fx_close(&f);
    free(msg);
}

/* No From at all; a refused ARC field with a resolver: no DNS is waited
 * for, the answer is at once. */
static void
test_arc_seal_api_limits_more(void **state)
{
    fx_t     f;
    char    *chain = hop1();
    unsigned eagains = 0;
    (void)state;
    fx_open(&f, false);
    assert_int_equal(mailauth_arc_sealer_message(f.s, "To: b@example.org\r\n\r\nx\r\n", 24),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_end_message(f.s), MAILAUTH_EINVAL);
    fx_close(&f);
    fx_open_limits(&f, 200, 0, true); /* the chain's AMS and AS are longer */
    assert_int_equal(mailauth_arc_sealer_set_resolver(f.s, f.r), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_message(f.s, chain, strlen(chain)), MAILAUTH_OK);
    assert_true(mailauth_arc_sealer_refused(f.s) >= 2);
    assert_int_equal(end_with_resolver(&f, true, &eagains), MAILAUTH_ELIMIT);
    assert_int_equal(eagains, 0);
    fx_close(&f);
    assert_int_equal(mailauth_arc_sealer_refused(NULL), 0);
    free(chain);
}

/* ---------------------------------------------------------------- own validation */

static mailauth_status_t
end_with_resolver(fx_t *f, bool run_loop, unsigned *eagains)
{
    mailauth_status_t st;
    *eagains = 0;
    while ((st = mailauth_arc_sealer_end_message(f->s)) == MAILAUTH_EAGAIN) {
        (*eagains)++;
        assert_true(*eagains < 100000);
        if (run_loop)
            assert_int_equal(mailauth_resolver_run_once(f->r, 10), MAILAUTH_OK);
        else
            assert_int_equal(mailauth_resolver_process_timeouts(f->r), MAILAUTH_OK);
    }
    return st;
}

static void
test_arc_seal_api_resolver(void **state)
{
    char    *chain = hop1(), *broken = strdup(chain), *slow = NULL;
    unsigned eagains = 0;
    char    *at = strstr(broken, "the  meeting");
    (void)state;
    at[0] = 'T';
    for (int loop = 0; loop < 2; loop++) {
        fx_t  f;
        char *out = NULL;
        fx_open(&f, true);
        assert_int_equal(mailauth_resolver_zone_set_delay(f.r, 20), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_set_resolver(f.s, f.r), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_message(f.s, chain, strlen(chain)), MAILAUTH_OK);
        assert_int_equal(end_with_resolver(&f, loop == 0, &eagains), MAILAUTH_OK);
        assert_true(eagains > 0);
        assert_int_equal(mailauth_arc_sealer_chain(f.s), MAILAUTH_VERDICT_PASS);
        assert_non_null(
            strstr(field(&f, MAILAUTH_ARC_FIELD_AAR), "i=2; mx.hop3.example;\r\n\tarc=pass"));
        out = sealed(&f, chain);
        expect_valid(out, 2);
        free(out);
        fx_close(&f);
    }
    { /* a broken chain: sealed cv=fail (RFC 8617 §5.1.2) */
        fx_t f;
        fx_open(&f, true);
        assert_int_equal(mailauth_arc_sealer_set_resolver(f.s, f.r), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_message(f.s, broken, strlen(broken)), MAILAUTH_OK);
        assert_int_equal(end_with_resolver(&f, true, &eagains), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_chain(f.s), MAILAUTH_VERDICT_FAIL);
        assert_non_null(strstr(field(&f, MAILAUTH_ARC_FIELD_AS), "cv=fail"));
        fx_close(&f);
    }
    { /* a key that times out: no seal, MAILAUTH_EDNS */
        unsigned inst = 0;
        fx_t     f;
        slow = arc_test_seal(ARC_KEY_RSA, "temp.example", "arc", ARC_BASE_MSG,
                             MAILAUTH_VERDICT_NONE, NOW, &inst);
        fx_open(&f, true);
        assert_int_equal(mailauth_arc_sealer_set_resolver(f.s, f.r), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_message(f.s, slow, strlen(slow)), MAILAUTH_OK);
        assert_int_equal(end_with_resolver(&f, true, &eagains), MAILAUTH_EDNS);
        assert_int_equal(mailauth_arc_sealer_instance(f.s), 0);
        /* the caller may still decide */
        fx_close(&f);
    }
    { /* set_chain() wins: no question asked */
        fx_t f;
        fx_open(&f, true);
        assert_int_equal(mailauth_arc_sealer_set_resolver(f.s, f.r), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_set_chain(f.s, MAILAUTH_VERDICT_PASS), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_message(f.s, slow, strlen(slow)), MAILAUTH_OK);
        assert_int_equal(end_with_resolver(&f, true, &eagains), MAILAUTH_OK);
        assert_int_equal(eagains, 0);
        fx_close(&f);
    }
    { /* a resolver of another ctx */
        fx_t                 f;
        mailauth_ctx_t      *other = NULL;
        mailauth_resolver_t *r = NULL;
        fx_open(&f, false);
        assert_int_equal(mailauth_ctx_new(NULL, &other), MAILAUTH_OK);
        assert_int_equal(mailauth_resolver_new_zone(other, "", 0, NULL, &r), MAILAUTH_OK);
        assert_int_equal(mailauth_arc_sealer_set_resolver(f.s, r), MAILAUTH_EINVAL);
        assert_int_equal(mailauth_arc_sealer_set_resolver(f.s, NULL), MAILAUTH_EINVAL);
        mailauth_resolver_free(r);
        mailauth_ctx_free(other);
        fx_close(&f);
    }
    free(slow);
    free(broken);
    free(chain);
}

/* ---------------------------------------------------------------- out of memory */

static mailauth_status_t
seal_walk(const mailauth_allocator_t *al, const char *msg, bool resolver)
{
    fx_t              f;
    unsigned          eagains = 0;
    mailauth_status_t st = fx_open_al(&f, ARC_KEY_RSA, al, resolver);
    if (st == MAILAUTH_OK && resolver)
        st = mailauth_arc_sealer_set_resolver(f.s, f.r);
    if (st == MAILAUTH_OK) {
        st = mailauth_arc_sealer_message(f.s, msg, strlen(msg));
    }
    if (st == MAILAUTH_OK) {
        while ((st = mailauth_arc_sealer_end_message(f.s)) == MAILAUTH_EAGAIN && eagains++ < 1000)
            (void)mailauth_resolver_run_once(f.r, 10);
    }
    fx_close(&f);
    return st;
}

static void
test_arc_seal_api_out_of_memory(void **state)
{
    char *chain = hop1();
    char *msg = malloc(strlen(chain) + 100);
    (void)state;
    assert_non_null(msg);
    sprintf(msg, "Authentication-Results: mx.hop3.example; arc=pass\r\n%s", chain);
    for (int resolver = 0; resolver < 2; resolver++) {
        for (unsigned long n = 1;; n++) {
            fail_alloc_t      fa;
            mailauth_status_t st;
            fail_alloc_init(&fa, n);
            st = seal_walk(&fa.al, msg, resolver != 0);
            assert_int_equal(fa.live, 0);
            if (!fail_alloc_reached(&fa)) {
                assert_int_equal(st, MAILAUTH_OK);
                break;
            }
            if (st != MAILAUTH_ENOMEM && st != MAILAUTH_OK && st != MAILAUTH_EDNS &&
                st != MAILAUTH_EINVAL)
                fail_msg("allocation %lu: %s", n, mailauth_status_name(st));
        }
    }
    free(msg);
    free(chain);
}

int
main(void)
{
    struct CMUnitTest tests[64];
    size_t            k = 0;
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_seal_api_new);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_seal_api_headers);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_seal_api_default_list);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_seal_api_order);
    for (size_t i = 0; i < ARRAY_LEN(status_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = status_cases[i].name,
                                         .test_func = test_arc_seal_api_status,
                                         .initial_state = (void *)&status_cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_seal_api_aar);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_seal_api_feeding);
    for (size_t i = 0; i < ARRAY_LEN(limit_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = limit_cases[i].name,
                                         .test_func = test_arc_seal_api_limits,
                                         .initial_state = (void *)&limit_cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_seal_api_limits_more);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_seal_api_resolver);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_arc_seal_api_out_of_memory);
    return _cmocka_run_group_tests("arc_seal_api", tests, k, NULL, NULL);
}
