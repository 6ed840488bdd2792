/* eval_feed: feeding an evaluation: call order (ESTATE), bad arguments,
 * header limits, whole-message splitting, mailauth_verify(), and an
 * out-of-memory walk over a full SPF evaluation (blocking and async). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/authres_of.h"
#include "core/eval_int.h"
#include "support/eval_harness.h"
#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct order_case {
    const char *name;
    const char *ops;  /* i ip, h helo, m mail from, n null sender, H header, E end_headers,
                         B body, M end_message, W whole message, F finish, S finish_sync,
                         C cancel, V set_envelope */
    const char *want; /* per op: 0 OK, S ESTATE */
};
static const struct order_case order_cases[] = {
    {"order: SPF-only finish", "F", "0"},
    {"order: SPF-only finish_sync", "ihmS", "0000"},
    {"order: full message", "ihmHEBMF", "00000000"},
    {"order: header then finish", "HF", "0S"},
    {"order: end_headers then finish", "HES", "00S"},
    {"order: header after end_headers", "EH", "0S"},
    {"order: end_headers twice", "EE", "0S"},
    {"order: body before end_headers", "B", "S"},
    {"order: end_message before end_headers", "HM", "0S"},
    {"order: body after end_message", "EMB", "00S"},
    {"order: message after header", "HW", "0S"},
    {"order: header after message", "WH", "0S"},
    {"order: message twice", "WW", "0S"},
    {"order: envelope after end_headers", "Ei", "0S"},
    {"order: helo after end_headers", "Eh", "0S"},
    {"order: envelope between headers", "Hih", "0SS"},
    {"order: finish twice", "SS", "0S"},
    {"order: finish_sync after finish", "FS", "0S"},
    {"order: finish after finish_sync", "SF", "0S"},
    {"order: header after finish", "SH", "0S"},
    {"order: setter after finish", "Fi", "0S"},
    {"order: setters replace until the envelope closes", "imimhh", "000000"},
    {"order: null sender, then helo", "ihnh", "0000"},
    {"order: setter after the first header", "imHh", "000S"},
    {"order: setter after message()", "imWh", "000S"},
    {"order: whole envelope", "VHEBMS", "000000"},
    {"order: whole envelope twice", "VV", "0S"},
    {"order: whole envelope after setters", "ihV", "000"},
    {"order: setter after whole envelope", "Vm", "0S"},
    {"order: whole envelope after the first header", "HV", "0S"},
    {"order: whole envelope after finish", "SV", "0S"},
    {"order: finish after cancel", "CF", "0S"},
    {"order: setter after cancel", "Cm", "0S"},
    {"order: cancel after finish", "SC", "00"},
};

static mailauth_status_t
do_op(harness_t *h, char op)
{
    static const char msg[] = "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n";
    switch (op) {
    case 'i':
        return mailauth_eval_set_client_ip(h->ev, "192.0.2.1");
    case 'h':
        return mailauth_eval_set_helo(h->ev, "mail.example.org");
    case 'm':
        return mailauth_eval_set_mail_from(h->ev, "u@example.org");
    case 'n':
        return mailauth_eval_set_mail_from(h->ev, "");
    case 'H':
        return mailauth_eval_header(h->ev, "Subject: x\r\n", 12);
    case 'E':
        return mailauth_eval_end_headers(h->ev);
    case 'B':
        return mailauth_eval_body(h->ev, "hi\r\n", 4);
    case 'M':
        return mailauth_eval_end_message(h->ev);
    case 'W':
        return mailauth_eval_message(h->ev, msg, sizeof(msg) - 1);
    case 'F':
        return mailauth_eval_finish(h->ev, harness_done_cb, h);
    case 'S':
        return mailauth_eval_finish_sync(h->ev, -1);
    case 'C':
        return mailauth_eval_cancel(h->ev);
    case 'V': {
        const mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                         .client_ip = "192.0.2.1",
                                         .helo = "mail.example.org",
                                         .mail_from = "u@example.org"};
        return mailauth_eval_set_envelope(h->ev, &env);
    }
    default:
        fail();
    }
    return MAILAUTH_EINTERNAL;
}

static void
test_eval_order(void **state)
{
    const struct order_case *c = *state;
    harness_t                h;
    bool                     async_pending = false;
    harness_setup(&h, true, NULL, 0, 0);
    assert_int_equal(strlen(c->ops), strlen(c->want));
    for (size_t i = 0; c->ops[i] != '\0'; i++) {
        mailauth_status_t want = c->want[i] == 'S' ? MAILAUTH_ESTATE : MAILAUTH_OK;
        mailauth_status_t st = do_op(&h, c->ops[i]);
        if (st != want)
            fail_msg("op %zu '%c': got %s, want %s", i, c->ops[i], mailauth_status_name(st),
                     mailauth_status_name(want));
        if (c->ops[i] == 'F' && st == MAILAUTH_OK) /* the callback will come */
            async_pending = true;
    }
    harness_drive(&h, 60000);
    assert_int_equal(h.calls, async_pending ? 1 : 0);
    harness_teardown(&h);
}

static void
test_eval_bad_args(void **state)
{
    harness_t        h;
    mailauth_eval_t *ev = (mailauth_eval_t *)&h;
    (void)state;
    harness_setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_eval_new(NULL, h.r, &ev), MAILAUTH_EINVAL);
    assert_null(ev);
    assert_int_equal(mailauth_eval_new(h.ctx, NULL, &ev), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_new(h.ctx, h.r, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.256"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "[192.0.2.1]"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_helo(h.ev, ""), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_helo(h.ev, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_header(h.ev, NULL, 3), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_header(h.ev, "no colon", 8), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_message(h.ev, NULL, 3), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_finish(NULL, NULL, NULL),
                     MAILAUTH_EINVAL); /* NULL cb: the done queue */
    assert_int_equal(mailauth_eval_set_client_ip(NULL, "192.0.2.1"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_end_headers(NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_body(NULL, "x", 1), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_end_message(NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_eval_finish_sync(NULL, -1), MAILAUTH_EINVAL);
    assert_null(authres_of(NULL));
    assert_null(mailauth_eval_spf(NULL, MAILAUTH_SPF_HELO));
    /* a rejected header does not start the header section */
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    assert_null(mailauth_eval_spf(h.ev, (mailauth_spf_identity_t)7));
    mailauth_eval_free(NULL);
    harness_teardown(&h);
}

/* ---- header limits and message splitting ------------------------------------------------ */

static void
test_eval_header_limits(void **state)
{
    static const uint32_t limits[] = {MAILAUTH_LIMIT_HEADER_MAX_COUNT, 3,
                                      MAILAUTH_LIMIT_HEADER_MAX_BYTES, 20};
    harness_t             h;
    (void)state;
    harness_setup(&h, false, limits, ARRAY_LEN(limits), 0);
    assert_int_equal(mailauth_eval_header(h.ev, "A: 1\r\n", 6), MAILAUTH_OK);
    /* a refused field is counted, not an error: the call took what it was given */
    assert_int_equal(mailauth_eval_header(h.ev, "B: 012345678901234567890\r\n", 27),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "C: 01234567890123456\r\n", 22), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "D: 1", 4), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "E: 1", 4), MAILAUTH_OK);
    assert_int_equal(mailauth__hdr_index_count(mailauth__eval_headers(h.ev)), 3);
    assert_int_equal(mailauth_eval_refused(h.ev), 2);
    /* the eval goes on */
    assert_int_equal(mailauth_eval_end_headers(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_body(h.ev, "x\r\n", 3), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    harness_teardown(&h);
    /* through message(): the same, and the message is complete */
    harness_setup(&h, false, limits, ARRAY_LEN(limits), 0);
    assert_int_equal(mailauth_eval_message(h.ev, "A: 1\nB: 2\nC: 3\nD: 4\n\nbody\n", 26),
                     MAILAUTH_OK);
    assert_int_equal(mailauth__hdr_index_count(mailauth__eval_headers(h.ev)), 3);
    assert_int_equal(mailauth_eval_refused(h.ev), 1);
    assert_int_equal(mailauth__eval_body_bytes(h.ev), 6);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    harness_teardown(&h);
}

/* The header fields' bytes go at the end of the header section (the rows
 * have read them then); the count and the refused names stay. */
static void
test_eval_header_release(void **state)
{
    static const uint32_t        limits[] = {MAILAUTH_LIMIT_HEADER_MAX_BYTES, 24};
    const mailauth__hdr_index_t *idx = NULL;
    size_t                       pos = 0;
    harness_t                    h;
    (void)state;
    harness_setup(&h, false, limits, ARRAY_LEN(limits), 0);
    idx = mailauth__eval_headers(h.ev);
    assert_int_equal(mailauth_eval_header(h.ev, "From: a@example.org\r\n", 21), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_header(h.ev, "X-Big: 0123456789012345678\r\n", 29),
                     MAILAUTH_OK);
    assert_non_null(mailauth__hdr_index_get(idx, 0));
    assert_true(h.ev->harena.used > 0);
    assert_int_equal(mailauth_eval_end_headers(h.ev), MAILAUTH_OK);
    assert_int_equal(h.ev->harena.used, 0);
    assert_int_equal(mailauth__hdr_index_count(idx), 1);
    assert_null(mailauth__hdr_index_get(idx, 0));
    assert_null(mailauth__hdr_index_next(idx, "From", &pos));
    pos = 1;
    assert_null(mailauth__hdr_index_prev(idx, "From", &pos));
    assert_true(mailauth__hdr_index_may_be_refused(idx, "X-Big"));
    assert_false(mailauth__hdr_index_may_be_refused(idx, "From"));
    assert_int_equal(mailauth_eval_refused(h.ev), 1);
    assert_int_equal(mailauth_eval_body(h.ev, "x\r\n", 3), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_message(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    harness_teardown(&h);
}

struct message_case {
    const char *name;
    const char *msg;
    size_t      len; /* 0: strlen */
    size_t      nhdrs;
    const char *first; /* raw first field, NULL: none */
    uint64_t    body;  /* body bytes after normalization */
};
static const struct message_case message_cases[] = {
    {"message: CRLF", "A: 1\r\nB: 2\r\n\r\nxy\r\n", 0, 2, "A: 1", 4},
    {"message: bare LF", "A: 1\nB: 2\n\nxy\n", 0, 2, "A: 1", 4},
    {"message: folding with LF", "A: 1\n 2\n\n", 0, 1, "A: 1\r\n 2", 0},
    {"message: missing separator", "A: 1\r\nB: 2\r\n", 0, 2, "A: 1", 0},
    {"message: body without separator", "A: 1\nbody line\n", 0, 1, "A: 1", 11},
    {"message: NUL bytes", "A: x\0y\r\n\r\nb\0c", 13, 1, "A: x\0y", 3},
    {"message: bare CR", "A: x\ry\r\n\r\nb\rc", 0, 1, "A: x\ry", 3},
    {"message: empty", "", 0, 0, NULL, 0},
    {"message: mbox line", "From x@y Thu\nA: 1\n\nb", 0, 1, "A: 1", 1},
};

static void
test_eval_message(void **state)
{
    const struct message_case *c = *state;
    size_t                     len = c->len != 0 ? c->len : strlen(c->msg);
    harness_t                  h;
    harness_setup(&h, false, NULL, 0, 0);
    /* The fields are read here after the message: keep them. */
    mailauth__eval_keep_headers(h.ev);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(h.ev, c->msg, len), MAILAUTH_OK);
    assert_int_equal(mailauth__hdr_index_count(mailauth__eval_headers(h.ev)), c->nhdrs);
    if (c->first != NULL) {
        const mailauth__hdr_t *f = mailauth__hdr_index_get(mailauth__eval_headers(h.ev), 0);
        size_t                 flen = c->len != 0 ? 6 : strlen(c->first);
        assert_int_equal(f->len, flen);
        assert_memory_equal(f->raw, c->first, flen);
    }
    assert_int_equal(mailauth__eval_body_bytes(h.ev), c->body);
    assert_int_equal(mailauth_eval_finish_sync(h.ev, -1), MAILAUTH_OK);
    harness_teardown(&h);
}

/* ---- mailauth_verify ---------------------------------------------------------------------- */

static void
test_eval_verify(void **state)
{
    static const char   msg[] = "From: a@example.org\nSubject: hi\n\nbody\n";
    mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                               .client_ip = "192.0.2.10",
                               .helo = "mail.example.org",
                               .mail_from = ""};
    harness_t           h;
    mailauth_eval_t    *ev = NULL;
    (void)state;
    harness_setup(&h, false, NULL, 0, 0);
    assert_int_equal(mailauth_verify(h.ctx, h.r, &env, msg, sizeof(msg) - 1, &ev), MAILAUTH_OK);
    harness_check_spf(ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "mail.example.org",
                      "postmaster@mail.example.org");
    harness_check_spf(ev, MAILAUTH_SPF_HELO, MAILAUTH_VERDICT_PASS, "mail.example.org", NULL);
    assert_int_equal(mailauth__hdr_index_count(mailauth__eval_headers(ev)), 2);
    mailauth_eval_free(ev);
    /* SPF only */
    env.mail_from = "u@example.org";
    env.client_ip = "198.51.100.1";
    assert_int_equal(mailauth_verify(h.ctx, h.r, &env, NULL, 0, &ev), MAILAUTH_OK);
    harness_check_spf(ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_FAIL, "example.org", NULL);
    mailauth_eval_free(ev);
    /* no envelope */
    assert_int_equal(mailauth_verify(h.ctx, h.r, NULL, msg, sizeof(msg) - 1, &ev), MAILAUTH_OK);
    harness_check_spf(ev, MAILAUTH_SPF_MAILFROM, NOT_RUN, NULL, NULL);
    mailauth_eval_free(ev);
    /* bad arguments */
    env.version = 2;
    ev = (mailauth_eval_t *)&h;
    assert_int_equal(mailauth_verify(h.ctx, h.r, &env, NULL, 0, &ev), MAILAUTH_EINVAL);
    assert_null(ev);
    env.version = MAILAUTH_ENVELOPE_VERSION;
    env.client_ip = "not an address";
    assert_int_equal(mailauth_verify(h.ctx, h.r, &env, NULL, 0, &ev), MAILAUTH_EINVAL);
    assert_null(ev);
    assert_int_equal(mailauth_verify(h.ctx, h.r, NULL, NULL, 5, &ev), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_verify(NULL, h.r, NULL, NULL, 0, &ev), MAILAUTH_EINVAL);
    harness_teardown(&h);
}

/* ---- out of memory --------------------------------------------------------------------- */

/* Run a whole SPF eval on allocator fa. An allocation refused inside the
 * resolver's answer path is a TEMPFAIL answer, hence a temperror verdict
 * with MAILAUTH_OK: verdicts are checked only on the run with no failure. */
static mailauth_status_t
full_eval(fail_alloc_t *fa, bool async)
{
    const mailauth_allocator_t *al = &fa->al;
    static const char           msg[] = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
    mailauth_envelope_t         env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                       .client_ip = "192.0.2.10",
                                       .helo = "mail.example.org",
                                       .mail_from = "u@example.org"};
    harness_t                   h;
    mailauth_status_t           st;
    memset(&h, 0, sizeof(h));
    h.async = async;
    st = mailauth_ctx_new(al, &h.ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(h.ctx, "mx.example.net");
    if (st == MAILAUTH_OK)
        st = mailauth_resolver_new_zone(h.ctx, harness_zone_text, strlen(harness_zone_text), NULL,
                                        &h.r);
    if (st == MAILAUTH_OK && !async)
        st = mailauth_verify(h.ctx, h.r, &env, msg, sizeof(msg) - 1, &h.ev);
    if (st == MAILAUTH_OK && async) {
        st = mailauth_eval_new(h.ctx, h.r, &h.ev);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_set_client_ip(h.ev, env.client_ip);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_set_helo(h.ev, env.helo);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_set_mail_from(h.ev, env.mail_from);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_message(h.ev, msg, sizeof(msg) - 1);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_finish(h.ev, harness_done_cb, &h);
        if (st == MAILAUTH_OK) { /* the callback will come */
            for (int i = 0; i < 100 && h.calls == 0; i++)
                (void)mailauth_resolver_process_timeouts(h.r);
            assert_int_equal(h.calls, 1);
            st = h.cb_st;
        }
    }
    /* The Authentication-Results are built on first use: their allocations come here. */
    if (st == MAILAUTH_OK && authres_of(h.ev) == NULL)
        st = MAILAUTH_ENOMEM;
    if (st == MAILAUTH_OK && !fail_alloc_reached(fa)) {
        harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "example.org", NULL);
        harness_check_spf(h.ev, MAILAUTH_SPF_HELO, MAILAUTH_VERDICT_PASS, "mail.example.org", NULL);
    }
    harness_teardown(&h);
    return st;
}

static void
test_eval_enomem(void **state)
{
    (void)state;
    for (int async = 0; async < 2; async++) {
        for (unsigned long n = 1;; n++) {
            fail_alloc_t      fa;
            mailauth_status_t st;
            fail_alloc_init(&fa, n);
            st = full_eval(&fa, async != 0);
            if (fa.live != 0)
                fail_msg("allocation %lu (%s): %ld blocks leaked", n, async ? "async" : "sync",
                         fa.live);
            if (!fail_alloc_reached(&fa)) {
                assert_int_equal(st, MAILAUTH_OK);
                break;
            }
            /* ENOMEM, or success when the failure hit a DNS answer (temperror) */
            if (st != MAILAUTH_ENOMEM && st != MAILAUTH_OK)
                fail_msg("allocation %lu (%s): got %s", n, async ? "async" : "sync",
                         mailauth_status_name(st));
        }
    }
}

int
main(void)
{
    static const struct CMUnitTest single[] = {
        cmocka_unit_test(test_eval_bad_args),
        cmocka_unit_test(test_eval_header_limits),
        cmocka_unit_test(test_eval_header_release),
        cmocka_unit_test(test_eval_verify),
        cmocka_unit_test(test_eval_enomem),
    };
    struct CMUnitTest tests[ARRAY_LEN(single) + ARRAY_LEN(order_cases) + ARRAY_LEN(message_cases)];
    size_t            n = 0;
    for (size_t i = 0; i < ARRAY_LEN(single); i++)
        tests[n++] = single[i];
    for (size_t i = 0; i < ARRAY_LEN(order_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = order_cases[i].name,
                                         .test_func = test_eval_order,
                                         .initial_state = (void *)&order_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(message_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = message_cases[i].name,
                                         .test_func = test_eval_message,
                                         .initial_state = (void *)&message_cases[i]};
    return _cmocka_run_group_tests("eval_feed", tests, n, NULL, NULL);
}
