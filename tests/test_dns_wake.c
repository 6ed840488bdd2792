/* dns wakes and timers: deadlines, per-query timeouts, wakes only from the
 * run loop and never re-entrant, clients freed inside wakes, custom drivers
 * answering synchronously, later, wrongly or not at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "dns/dns.h"
#include "support/dns_fixture.h"

static void
test_dns_deadline(void **state)
{
    struct env                    e;
    struct mock                   m = {.mode = MOCK_ASYNC};
    struct tc                     t;
    mailauth__dns_q_t            *q;
    const mailauth__dns_result_t *res;
    (void)state;
    env_ctx(&e, NULL);
    env_custom(&e, &m, true);
    tc_init(&t, e.r);
    mailauth__dnsc_set_timeout(&t.c, 100);
    q = ask(&t, "a.example", MAILAUTH_DNS_A);
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), 100);
    e.clk.mono += 99;
    run(&e);
    assert_int_equal(t.wakes, 0);
    assert_null(mailauth__dnsc_result(&t.c, q));
    e.clk.mono += 1;
    run(&e);
    assert_int_equal(t.wakes, 1);
    assert_true(t.c.expired);
    res = mailauth__dnsc_result(&t.c, q);
    assert_non_null(res);
    assert_int_equal(res->rcode, MAILAUTH_DNS_TEMPFAIL);
    /* a late answer is still delivered to whoever reads it */
    assert_int_equal(mailauth_dns_query_answer(m.pending[0], MAILAUTH_DNS_RECORDS, &rec_a, 1),
                     MAILAUTH_OK);
    run(&e);
    assert_int_equal(mailauth__dnsc_result(&t.c, q)->rcode, MAILAUTH_DNS_RECORDS);
    /* past the deadline, a new question reads TEMPFAIL and still wakes */
    q = ask(&t, "b.example", MAILAUTH_DNS_A);
    assert_int_equal(mailauth__dnsc_result(&t.c, q)->rcode, MAILAUTH_DNS_TEMPFAIL);
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), 0);
    run(&e);
    assert_int_equal(t.wakes, 3);
    mailauth__dnsc_clear(&t.c);
    env_free(&e);
}

static void
query_timeout_case(bool with_cancel)
{
    struct env         e;
    struct mock        m = {.mode = MOCK_ASYNC};
    struct tc          t;
    mailauth__dns_q_t *q;
    env_ctx(&e, NULL);
    env_custom(&e, &m, with_cancel);
    tc_init(&t, e.r);
    q = ask(&t, "a.example", MAILAUTH_DNS_A);
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), 5000);
    e.clk.mono += 5000;
    run(&e);
    assert_int_equal(t.wakes, 1);
    assert_int_equal(mailauth__dnsc_result(&t.c, q)->rcode, MAILAUTH_DNS_TEMPFAIL);
    assert_int_equal(m.cancels, with_cancel ? 1 : 0);
    if (!with_cancel) /* the handle stays valid: answering it is harmless */
        assert_int_equal(mailauth_dns_query_answer(m.pending[0], MAILAUTH_DNS_NXDOMAIN, NULL, 0),
                         MAILAUTH_OK);
    mailauth__dnsc_clear(&t.c);
    env_free(&e);
    assert_int_equal(m.destroys, 1);
}

static void
test_dns_query_timeout(void **state)
{
    (void)state;
    query_timeout_case(true);
    query_timeout_case(false);
}

static bool
hook_ask_cached(struct tc *t)
{
    if (t->wakes == 1) {
        mailauth__dns_q_t *q = ask(t, "a.example", MAILAUTH_DNS_TXT); /* cached now */
        assert_non_null(mailauth__dnsc_result(&t->c, q));
        assert_int_equal(mailauth__dnsc_poke(&t->c), MAILAUTH_OK);
    }
    return false;
}

static void
test_dns_wake_not_reentrant(void **state)
{
    struct env e;
    struct tc  t1, t2;
    (void)state;
    env_ctx(&e, NULL);
    env_zone(&e);
    tc_init(&t1, e.r);
    tc_init(&t2, e.r);
    ask(&t1, "a.example", MAILAUTH_DNS_TXT);
    run(&e);
    t2.hook = hook_ask_cached;
    ask(&t2, "b.example", MAILAUTH_DNS_TXT);
    run(&e);
    assert_int_equal(t2.max_depth, 1);
    assert_true(t2.wakes >= 2); /* the cached answer woke it again, later */
    run(&e);
    assert_int_equal(t2.max_depth, 1);
    mailauth__dnsc_clear(&t1.c);
    mailauth__dnsc_clear(&t2.c);
    env_free(&e);
}

static bool
hook_free_both(struct tc *t)
{
    struct tc *other = t->ud;
    mailauth__dnsc_clear(&other->c);
    free(other);
    mailauth__dnsc_clear(&t->c);
    free(t);
    return true;
}

static void
test_dns_free_in_wake(void **state)
{
    struct env e;
    struct tc *t1 = malloc(sizeof(*t1)), *t2 = malloc(sizeof(*t2)), *t3 = malloc(sizeof(*t3));
    (void)state;
    env_ctx(&e, NULL);
    env_zone(&e);
    tc_init(t1, e.r);
    tc_init(t2, e.r);
    tc_init(t3, e.r);
    ask(t1, "a.example", MAILAUTH_DNS_TXT);
    ask(t2, "a.example", MAILAUTH_DNS_TXT);
    ask(t3, "b.example", MAILAUTH_DNS_TXT);
    ask(t3, "slow.example", MAILAUTH_DNS_TXT);
    /* whichever of t1/t2 wakes first frees both */
    t1->hook = hook_free_both;
    t1->ud = t2;
    t2->hook = hook_free_both;
    t2->ud = t1;
    run(&e);
    assert_int_equal(t3->wakes, 1);
    /* a client freed while queued is never called */
    assert_int_equal(mailauth__dnsc_poke(&t3->c), MAILAUTH_OK);
    mailauth__dnsc_clear(&t3->c);
    free(t3);
    run(&e);
    env_free(&e);
}

static void
test_dns_custom(void **state)
{
    struct env            e;
    struct mock           m = {.mode = MOCK_SYNC};
    struct tc             t;
    mailauth__dns_q_t    *q1, *q2, *q3, *q4;
    mailauth_dns_record_t bad = {.version = MAILAUTH_DNS_RECORD_VERSION, .data = "\1\2\3", .len = 3};
    (void)state;
    env_ctx(&e, NULL);
    env_custom(&e, &m, true);
    tc_init(&t, e.r);
    q1 = ask(&t, "sync.example", MAILAUTH_DNS_A); /* answered inside query() */
    assert_int_equal(mailauth__dnsc_result(&t.c, q1)->rcode, MAILAUTH_DNS_RECORDS);
    assert_int_equal(t.wakes, 0);
    m.mode = MOCK_FAIL;
    q2 = ask(&t, "fail.example", MAILAUTH_DNS_A);
    assert_int_equal(mailauth__dnsc_result(&t.c, q2)->rcode, MAILAUTH_DNS_TEMPFAIL);
    m.mode = MOCK_SYNC_BAD; /* a rejected answer leaves the query pending */
    q3 = ask(&t, "bad.example", MAILAUTH_DNS_A);
    assert_null(mailauth__dnsc_result(&t.c, q3));
    assert_int_equal(mailauth_dns_query_answer(m.pending[0], MAILAUTH_DNS_RECORDS, &bad, 1),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_dns_query_answer(m.pending[0], (mailauth_dns_rcode_t)7, NULL, 0),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_dns_query_answer(NULL, MAILAUTH_DNS_NODATA, NULL, 0),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_dns_query_answer(m.pending[0], MAILAUTH_DNS_NODATA, &bad, 1),
                     MAILAUTH_OK); /* records ignored unless RECORDS */
    assert_int_equal(mailauth__dnsc_result(&t.c, q3)->rcode, MAILAUTH_DNS_NODATA);
    m.mode = MOCK_ASYNC;
    q4 = ask(&t, "later.example", MAILAUTH_DNS_A);
    run(&e);
    assert_int_equal(t.wakes, 1);
    assert_null(mailauth__dnsc_result(&t.c, q4));
    mailauth__dnsc_clear(&t.c); /* q4 stays in flight, unheld */
    env_free(&e);               /* ...and is canceled here */
    assert_int_equal(m.queries, 4);
    assert_int_equal(m.cancels, 1);
    assert_int_equal(m.destroys, 1);
}

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_deadline),
        cmocka_unit_test(test_dns_query_timeout),
        cmocka_unit_test(test_dns_wake_not_reentrant),
        cmocka_unit_test(test_dns_free_in_wake),
        cmocka_unit_test(test_dns_custom),
    };
    return cmocka_run_group_tests_name("dns_wake", tests, NULL, NULL);
}
