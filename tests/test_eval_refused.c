/* eval_refused: a header field refused by a limit (here one of 70,000
 * bytes, over MAILAUTH_LIMIT_HEADER_MAX_BYTES) is no error: every feeding
 * call returns MAILAUTH_OK, mailauth_eval_refused() counts it, and exactly
 * the verdicts that needed it say so with MAILAUTH_REASON_LIMIT_FIELD:
 * DMARC when it may be a From, DKIM when it may be a signed field or a
 * DKIM-Signature (reported, never "no signature"), ARC when it may be a
 * field of a set. An unrelated field changes nothing. Each case runs
 * blocking and async, fed whole and as a raw stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/all_harness.h"
#include "support/authres_of.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define HUGE_VALUE 70000 /* over the default 65,536-byte field limit */
#define V(x) MAILAUTH_VERDICT_##x
#define R(x) MAILAUTH_REASON_##x

typedef struct verdict {
    mailauth_verdict_t v;
    mailauth_reason_t  r;
} verdict_t;

typedef struct refused_case {
    const char *name;
    const char *field; /* name of the huge field */
    int         where; /* 0: at the top, 1: last before the empty line */
    size_t      ndkim; /* DKIM results */
    verdict_t   dkim0; /* the message's own signature */
    verdict_t   dkimN; /* the last result (ndkim > 1) */
    verdict_t   dmarc;
    verdict_t   arc;
} refused_case_t;

#define PASS                                                                                       \
    {                                                                                              \
        V(PASS), R(NONE)                                                                           \
    }
#define LIMIT(v)                                                                                   \
    {                                                                                              \
        V(v), R(LIMIT_FIELD)                                                                       \
    }

static const refused_case_t cases[] = {
    {"an unrelated field changes nothing",
     "X-Junk",
     0,
     1,
     PASS,
     PASS,
     {V(PASS), R(DMARC_ALIGNED)},
     PASS},
    {"this host's Authentication-Results changes nothing",
     "Authentication-Results",
     0,
     1,
     PASS,
     PASS,
     {V(PASS), R(DMARC_ALIGNED)},
     PASS},
    {"a second From: no single author", "From", 1, 1, LIMIT(PERMERROR), LIMIT(PERMERROR),
     LIMIT(PERMERROR), PASS},
    {"a signed Subject below the kept one",
     "Subject",
     1,
     1,
     LIMIT(PERMERROR),
     LIMIT(PERMERROR),
     {V(PASS), R(DMARC_ALIGNED)},
     PASS},
    {"a DKIM-Signature is reported, not dropped",
     "DKIM-Signature",
     0,
     2,
     PASS,
     LIMIT(PERMERROR),
     {V(PASS), R(DMARC_ALIGNED)},
     PASS},
    {"an ARC-Seal: the chain cannot pass",
     "ARC-Seal",
     0,
     1,
     PASS,
     PASS,
     {V(PASS), R(DMARC_ALIGNED)},
     LIMIT(FAIL)},
};

/* The sealed, signed message with the huge field put in. */
static char *
build(const refused_case_t *c, size_t *len)
{
    const msg_spec_t spec = {.from = "example.com", .dkim = true, .seal = {"hop1.example", NULL}};
    char            *msg = all_message(&spec);
    size_t           mlen = strlen(msg), flen = strlen(c->field);
    size_t           at = 0, n = 0;
    char            *out = NULL;
    if (c->where == 1)
        at = (size_t)(strstr(msg, "\r\n\r\n") - msg) + 2;
    out = malloc(mlen + flen + HUGE_VALUE + 8);
    assert_non_null(out);
    memcpy(out, msg, at);
    n = at;
    memcpy(out + n, c->field, flen);
    n += flen;
    memcpy(out + n, ": ", 2);
    n += 2;
    memset(out + n, 'x', HUGE_VALUE);
    n += HUGE_VALUE;
    memcpy(out + n, "\r\n", 2);
    n += 2;
    memcpy(out + n, msg + at, mlen - at);
    n += mlen - at;
    free(msg);
    *len = n;
    return out;
}

static void
check_verdict(const char *what, mailauth_verdict_t v, mailauth_reason_t r, const verdict_t *want)
{
    if (v != want->v || r != want->r)
        fail_msg("%s: %s (%s), want %s (%s)", what, mailauth_verdict_name(v),
                 mailauth_reason_name(r), mailauth_verdict_name(want->v),
                 mailauth_reason_name(want->r));
}

static void
run(const refused_case_t *c, bool async, bool stream)
{
    const mailauth_envelope_t     env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                         .client_ip = "192.0.2.1",
                                         .helo = "mail.example.com",
                                         .mail_from = "alice@example.com"};
    const setup_t                 s = {0};
    harness_t                     h;
    size_t                        len = 0;
    char                         *msg = build(c, &len);
    const mailauth_dkim_result_t *d0 = NULL, *dn = NULL;
    assert_int_equal(all_setup(&h, async, &s, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_envelope(h.ev, &env), MAILAUTH_OK);
    if (stream) {
        for (size_t off = 0; off < len; off += 4093) /* cut anywhere */
            assert_int_equal(
                mailauth_eval_feed(h.ev, msg + off, len - off < 4093 ? len - off : 4093),
                MAILAUTH_OK);
        assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
    } else {
        assert_int_equal(mailauth_eval_message(h.ev, msg, len), MAILAUTH_OK);
    }
    assert_int_equal(mailauth_eval_refused(h.ev), 1);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_dkim_count(h.ev), c->ndkim);
    d0 = mailauth_eval_dkim(h.ev, 0);
    dn = mailauth_eval_dkim(h.ev, c->ndkim - 1);
    check_verdict("dkim[0]", mailauth_dkim_result_verdict(d0), mailauth_dkim_result_reason(d0),
                  &c->dkim0);
    check_verdict("dkim[last]", mailauth_dkim_result_verdict(dn), mailauth_dkim_result_reason(dn),
                  &c->dkimN);
    check_verdict("dmarc", mailauth_dmarc_result_verdict(mailauth_eval_dmarc(h.ev)),
                  mailauth_dmarc_result_reason(mailauth_eval_dmarc(h.ev)), &c->dmarc);
    check_verdict("arc", mailauth_arc_result_verdict(mailauth_eval_arc(h.ev)),
                  mailauth_arc_result_reason(mailauth_eval_arc(h.ev)), &c->arc);
    /* every verdict is in the field, and a refused DKIM-Signature is a dkim entry */
    assert_non_null(authres_of(h.ev));
    assert_int_equal(mailauth_authres_resinfo_count(authres_of(h.ev)), 2 + c->ndkim + 3);
    harness_teardown(&h);
    free(msg);
}

static void
test_eval_refused(void **state)
{
    const refused_case_t *c = *state;
    for (int mode = 0; mode < 4; mode++)
        run(c, (mode & 1) != 0, (mode & 2) != 0);
}

static int
teardown_zone(void **state)
{
    (void)state;
    all_zone_free();
    return 0;
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases)];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[i] = (struct CMUnitTest){.name = cases[i].name,
                                       .test_func = test_eval_refused,
                                       .initial_state = (void *)&cases[i]};
    return cmocka_run_group_tests_name("eval_refused", tests, NULL, teardown_zone);
}
