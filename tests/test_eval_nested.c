/* Blocking calls made from inside a completion callback on the same
 * resolver: mailauth_eval_finish_sync(), mailauth_resolver_run_once() and
 * mailauth_resolver_lookup_sync() nest a run loop inside the one that
 * called back. Each evaluation must still complete exactly once, with its
 * verdicts, whichever loop completes it, and an evaluation freed inside a
 * nested loop must not be touched again by the outer one (ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

static const char zone[] = "example.org      TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
                           "_dmarc.example.org TXT \"v=DMARC1; p=reject\"\n"
                           "other.example    TXT \"v=spf1 -all\"\n"
                           "mail.example.org A   192.0.2.10\n";

static const char message[] = "From: Alice <alice@example.org>\r\n"
                              "To: bob@example.net\r\n"
                              "Subject: nested loops\r\n"
                              "\r\n"
                              "Hello\r\n";

#define N_EVALS 4

struct world {
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
    mailauth_eval_t     *ev[N_EVALS];
    int                  done[N_EVALS];    /* completion callbacks seen */
    mailauth_status_t    done_st[N_EVALS]; /* their status */
    mailauth_status_t    nested_st;        /* what the nested call returned */
    int                  depth, max_depth; /* callbacks running at once */
    int                  lookups;          /* lookup_sync answers */
    mailauth_dns_rcode_t lookup_rcode;
};

struct slot {
    struct world *w;
    int           i;
};

static struct slot slots[N_EVALS];

static void
start_world(struct world *w)
{
    memset(w, 0, sizeof(*w));
    assert_int_equal(mailauth_ctx_new(NULL, &w->ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(w->ctx, "mx.example.net"), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(w->ctx, zone, sizeof(zone) - 1, NULL, &w->r),
                     MAILAUTH_OK);
    /* every answer a turn of the loop later, so finishing takes turns */
    assert_int_equal(mailauth_resolver_zone_set_delay(w->r, 1), MAILAUTH_OK);
    for (int i = 0; i < N_EVALS; i++) {
        slots[i] = (struct slot){w, i};
        assert_int_equal(mailauth_eval_new(w->ctx, w->r, &w->ev[i]), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_client_ip(w->ev[i], "192.0.2.1"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_helo(w->ev[i], "mail.example.org"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_set_mail_from(w->ev[i], "alice@example.org"), MAILAUTH_OK);
        assert_int_equal(mailauth_eval_message(w->ev[i], message, sizeof(message) - 1),
                         MAILAUTH_OK);
    }
}

static void
end_world(struct world *w)
{
    for (int i = 0; i < N_EVALS; i++)
        mailauth_eval_free(w->ev[i]);
    mailauth_resolver_free(w->r);
    mailauth_ctx_free(w->ctx);
}

static void
assert_verdicts(const mailauth_eval_t *ev)
{
    assert_int_equal(mailauth_spf_result_verdict(mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM)),
                     MAILAUTH_VERDICT_PASS);
    assert_int_equal(mailauth_dmarc_result_verdict(mailauth_eval_dmarc(ev)), MAILAUTH_VERDICT_PASS);
}

static void
run_until(struct world *w, const int *flag, int want)
{
    for (int turns = 0; *flag < want; turns++) {
        assert_true(turns < 1000);
        assert_int_equal(mailauth_resolver_run_once(w->r, 100), MAILAUTH_OK);
    }
}

static void
record(struct slot *s, mailauth_status_t st)
{
    struct world *w = s->w;
    w->done[s->i]++;
    w->done_st[s->i] = st;
}

/* ---- finish_sync of evaluation 1 from evaluation 0's callback ------------------------ */

static void
on_done_finish_other(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    struct slot  *s = ud;
    struct world *w = s->w;
    (void)ev;
    record(s, st);
    if (++w->depth > w->max_depth)
        w->max_depth = w->depth;
    if (s->i == 0)
        w->nested_st = mailauth_eval_finish_sync(w->ev[1], -1);
    w->depth--;
}

static void
test_nested_finish_sync(void **state)
{
    struct world w;
    (void)state;
    start_world(&w);
    /* 0 and 2 asynchronous; 1 finished, blocking, inside 0's callback */
    assert_int_equal(mailauth_eval_finish(w.ev[0], on_done_finish_other, &slots[0]), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(w.ev[2], on_done_finish_other, &slots[2]), MAILAUTH_OK);
    run_until(&w, &w.done[0], 1);
    assert_int_equal(w.nested_st, MAILAUTH_OK);
    assert_verdicts(w.ev[1]);
    run_until(&w, &w.done[2], 1);
    assert_int_equal(w.done[0], 1);
    assert_int_equal(w.done[1], 0); /* finished blocking: no callback */
    assert_int_equal(w.done[2], 1);
    assert_int_equal(w.done_st[0], MAILAUTH_OK);
    assert_int_equal(w.done_st[2], MAILAUTH_OK);
    assert_verdicts(w.ev[0]);
    assert_verdicts(w.ev[2]);
    /* nothing left to run: another turn calls nobody back */
    assert_int_equal(mailauth_resolver_run_once(w.r, 0), MAILAUTH_OK);
    assert_int_equal(w.done[0] + w.done[2], 2);
    end_world(&w);
}

/* ---- a nested run loop that completes, and frees, the other evaluations -------------- */

static void
on_done_free(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    struct slot  *s = ud;
    struct world *w = s->w;
    record(s, st);
    if (++w->depth > w->max_depth)
        w->max_depth = w->depth;
    assert_verdicts(ev);
    mailauth_eval_free(ev); /* allowed inside the callback */
    w->ev[s->i] = NULL;
    if (s->i == 0) { /* the first one finishes the others and turns the loop for them */
        for (int j = 1; j < N_EVALS; j++)
            assert_int_equal(mailauth_eval_finish(w->ev[j], on_done_free, &slots[j]), MAILAUTH_OK);
        while (w->done[1] + w->done[2] + w->done[3] < 3)
            assert_int_equal(mailauth_resolver_run_once(w->r, 100), MAILAUTH_OK);
    }
    w->depth--;
}

static void
test_nested_run_once_frees(void **state)
{
    struct world w;
    (void)state;
    start_world(&w);
    assert_int_equal(mailauth_eval_finish(w.ev[0], on_done_free, &slots[0]), MAILAUTH_OK);
    run_until(&w, &w.done[0], 1);
    assert_int_equal(w.max_depth, 2); /* the others were called back inside 0's callback */
    for (int i = 0; i < N_EVALS; i++) {
        assert_int_equal(w.done[i], 1);
        assert_int_equal(w.done_st[i], MAILAUTH_OK);
        assert_null(w.ev[i]);
    }
    assert_int_equal(mailauth_resolver_run_once(w.r, 0), MAILAUTH_OK);
    for (int i = 0; i < N_EVALS; i++)
        assert_int_equal(w.done[i], 1); /* exactly once each */
    end_world(&w);
}

/* ---- a blocking lookup from a callback ------------------------------------------------ */

static void
on_answer(void *ud, const mailauth_dns_answer_t *a)
{
    struct world *w = ud;
    w->lookups++;
    w->lookup_rcode = a->rcode;
}

static void
on_done_lookup(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    struct slot  *s = ud;
    struct world *w = s->w;
    (void)ev;
    record(s, st);
    w->nested_st =
        mailauth_resolver_lookup_sync(w->r, "other.example", MAILAUTH_DNS_TXT, 1000, on_answer, w);
}

static void
test_nested_lookup_sync(void **state)
{
    struct world w;
    (void)state;
    start_world(&w);
    assert_int_equal(mailauth_eval_finish(w.ev[0], on_done_lookup, &slots[0]), MAILAUTH_OK);
    run_until(&w, &w.done[0], 1);
    assert_int_equal(w.nested_st, MAILAUTH_OK);
    assert_int_equal(w.lookups, 1);
    assert_int_equal(w.lookup_rcode, MAILAUTH_DNS_RECORDS);
    assert_verdicts(w.ev[0]);
    end_world(&w);
}

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_finish_sync),
        cmocka_unit_test(test_nested_run_once_frees),
        cmocka_unit_test(test_nested_lookup_sync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
