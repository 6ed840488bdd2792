/* dns resolver: question validation, asynchronous answers, coalescing, the
 * cache (hits, TTL with a fake clock, LRU bound, TEMPFAIL never cached), the
 * query limit, zone delays and round trips, out-of-memory walk. */
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
#include "support/fail_alloc.h"
#include "util/alloc.h"

/* ---- tests -------------------------------------------------------------- */

static void
test_dns_names(void **state)
{
    (void)state;
    assert_string_equal(mailauth_dns_type_name(MAILAUTH_DNS_TXT), "TXT");
    assert_string_equal(mailauth_dns_type_name(MAILAUTH_DNS_AAAA), "AAAA");
    assert_string_equal(mailauth_dns_type_name((mailauth_dns_type_t)99), "unknown");
    assert_string_equal(mailauth_dns_rcode_name(MAILAUTH_DNS_RECORDS), "records");
    assert_string_equal(mailauth_dns_rcode_name(MAILAUTH_DNS_NODATA), "nodata");
    assert_string_equal(mailauth_dns_rcode_name(MAILAUTH_DNS_NXDOMAIN), "nxdomain");
    assert_string_equal(mailauth_dns_rcode_name(MAILAUTH_DNS_TEMPFAIL), "tempfail");
    assert_string_equal(mailauth_dns_rcode_name((mailauth_dns_rcode_t)9), "unknown");
}

static void
test_dns_ask_args(void **state)
{
    char               name[300];
    struct env         e;
    struct tc          t;
    mailauth__dns_q_t *q = (mailauth__dns_q_t *)1, *q2;
    (void)state;
    env_ctx(&e, NULL);
    env_zone(&e);
    tc_init(&t, e.r);
    assert_int_equal(mailauth__dnsc_ask(&t.c, "", 0, MAILAUTH_DNS_TXT, &q), MAILAUTH_EINVAL);
    assert_null(q);
    assert_int_equal(mailauth__dnsc_ask(&t.c, ".", 1, MAILAUTH_DNS_TXT, &q), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__dnsc_ask(&t.c, "a..b", 4, MAILAUTH_DNS_TXT, &q), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__dnsc_ask(&t.c, "a\0b", 3, MAILAUTH_DNS_TXT, &q), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__dnsc_ask(&t.c, "a.b", 3, (mailauth_dns_type_t)5, &q),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__dnsc_ask(NULL, "a.b", 3, MAILAUTH_DNS_TXT, &q), MAILAUTH_EINVAL);
    memset(name, 'a', sizeof(name));
    assert_int_equal(mailauth__dnsc_ask(&t.c, name, 64, MAILAUTH_DNS_TXT, &q), MAILAUTH_EINVAL);
    for (size_t i = 63; i < 253; i += 64)
        name[i] = '.';
    assert_int_equal(mailauth__dnsc_ask(&t.c, name, 254, MAILAUTH_DNS_TXT, &q), MAILAUTH_EINVAL);
    name[253] = '.'; /* 253 octets plus the root dot */
    assert_int_equal(mailauth__dnsc_ask(&t.c, name, 254, MAILAUTH_DNS_TXT, &q), MAILAUTH_OK);
    /* same question (case, trailing dot): same pointer, not counted twice */
    q = ask(&t, "A.Example.", MAILAUTH_DNS_TXT);
    q2 = ask(&t, "a.example", MAILAUTH_DNS_TXT);
    assert_ptr_equal(q, q2);
    assert_int_equal(t.c.asked, 2);
    assert_int_equal(stats(e.r).questions, 2);
    assert_null(mailauth__dnsc_result(&t.c, NULL));
    assert_int_equal(mailauth__dnsc_poke(NULL), MAILAUTH_EINVAL);
    mailauth__dnsc_clear(&t.c);
    mailauth__dnsc_clear(&t.c); /* safe twice */
    env_free(&e);
}

/* Zone answers come from the loop, never from inside ask. */
static void
test_dns_async_and_timeout_ms(void **state)
{
    struct env         e;
    struct tc          t;
    mailauth__dns_q_t *q;
    (void)state;
    env_ctx(&e, NULL);
    env_zone(&e);
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), -1);
    assert_int_equal(mailauth_resolver_timeout_ms(NULL), -1);
    tc_init(&t, e.r);
    q = ask(&t, "a.example", MAILAUTH_DNS_TXT);
    assert_null(mailauth__dnsc_result(&t.c, q));
    assert_int_equal(t.wakes, 0);
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), 0);
    run(&e);
    assert_int_equal(t.wakes, 1);
    assert_int_equal(mailauth__dnsc_result(&t.c, q)->rcode, MAILAUTH_DNS_RECORDS);
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), -1);
    assert_int_equal(mailauth__dnsc_poke(&t.c), MAILAUTH_OK);
    assert_int_equal(mailauth__dnsc_poke(&t.c), MAILAUTH_OK); /* queued once */
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), 0);
    assert_int_equal(t.wakes, 1);
    assert_int_equal(mailauth_resolver_run_once(e.r, 1000), MAILAUTH_OK);
    assert_int_equal(t.wakes, 2);
    mailauth__dnsc_set_timeout(&t.c, 250);
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), 250);
    mailauth__dnsc_clear(&t.c);
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), -1);
    assert_int_equal(mailauth_resolver_run_once(e.r, -1), MAILAUTH_OK); /* nothing to wait for */
    assert_int_equal(mailauth_resolver_process_fd(e.r, -1, 1, 0), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_process_fd(e.r, 0, 1, 0), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_set_sock_callback(e.r, NULL, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_set_sock_callback(NULL, NULL, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_process_timeouts(NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_run_once(NULL, 0), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_flush_cache(NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_stats(NULL, NULL), MAILAUTH_EINVAL);
    env_free(&e);
}

static void
test_dns_coalesce(void **state)
{
    struct env                e;
    struct tc                 t1, t2;
    mailauth__dns_q_t        *q1, *q2;
    mailauth_resolver_stats_t s = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    (void)state;
    env_ctx(&e, NULL);
    env_zone(&e);
    tc_init(&t1, e.r);
    tc_init(&t2, e.r);
    q1 = ask(&t1, "a.example", MAILAUTH_DNS_TXT);
    q2 = ask(&t2, "A.EXAMPLE.", MAILAUTH_DNS_TXT);
    assert_ptr_equal(q1, q2);
    s = stats(e.r);
    assert_int_equal(s.questions, 2);
    assert_int_equal(s.queries, 1);
    assert_int_equal(s.coalesced, 1);
    run(&e);
    assert_int_equal(t1.wakes, 1);
    assert_int_equal(t2.wakes, 1);
    assert_non_null(mailauth__dnsc_result(&t2.c, q2));
    /* one client leaving does not disturb the other */
    mailauth__dnsc_clear(&t1.c);
    assert_string_equal((const char *)mailauth__dnsc_result(&t2.c, q2)->rr[0].data, "a");
    mailauth__dnsc_clear(&t2.c);
    env_free(&e);
}

static void
test_dns_cache_hit(void **state)
{
    struct env         e;
    struct tc          t1, t2;
    mailauth__dns_q_t *q;
    (void)state;
    env_ctx(&e, NULL);
    env_zone(&e);
    tc_init(&t1, e.r);
    tc_init(&t2, e.r);
    ask(&t1, "a.example", MAILAUTH_DNS_TXT);
    ask(&t1, "nx.example", MAILAUTH_DNS_TXT);
    run(&e);
    mailauth__dnsc_clear(&t1.c);
    q = ask(&t2, "a.example", MAILAUTH_DNS_TXT);
    ask(&t2, "nx.example", MAILAUTH_DNS_TXT); /* NXDOMAIN is cached too */
    assert_int_equal(stats(e.r).cache_hits, 2);
    assert_int_equal(stats(e.r).queries, 2);
    assert_non_null(mailauth__dnsc_result(&t2.c, q)); /* readable at once... */
    assert_int_equal(t2.wakes, 0);                    /* ...but the wake comes from the loop */
    run(&e);
    assert_int_equal(t2.wakes, 1);
    mailauth__dnsc_clear(&t2.c);
    assert_int_equal(mailauth_resolver_flush_cache(e.r), MAILAUTH_OK);
    ask(&t2, "a.example", MAILAUTH_DNS_TXT);
    assert_int_equal(stats(e.r).queries, 3);
    mailauth__dnsc_clear(&t2.c);
    env_free(&e);
}

/* Answer, clear, advance the clock by ms, ask again: was it a new query? */
static bool
requeried_after(struct env *e, const char *name, uint64_t ms)
{
    struct tc t;
    uint64_t  before;
    tc_init(&t, e->r);
    ask(&t, name, MAILAUTH_DNS_TXT);
    run(e);
    mailauth__dnsc_clear(&t.c);
    e->clk.mono += ms;
    before = stats(e->r).queries;
    ask(&t, name, MAILAUTH_DNS_TXT);
    run(e);
    mailauth__dnsc_clear(&t.c);
    assert_int_equal(mailauth_resolver_flush_cache(e->r), MAILAUTH_OK);
    return stats(e->r).queries != before;
}

static void
test_dns_ttl(void **state)
{
    struct env e;
    (void)state;
    env_ctx(&e, NULL);
    assert_int_equal(mailauth_ctx_set_limit(e.ctx, MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX, 100),
                     MAILAUTH_OK);
    env_zone(&e);
    assert_false(requeried_after(&e, "short.example", 4999));
    assert_true(requeried_after(&e, "short.example", 5000));
    assert_false(requeried_after(&e, "a.example", 99999)); /* ttl 300 capped at 100 s */
    assert_true(requeried_after(&e, "a.example", 100000));
    assert_false(requeried_after(&e, "nx.example", 99999));
    assert_true(requeried_after(&e, "zero.example", 0));
    assert_true(requeried_after(&e, "slow.example", 0)); /* TEMPFAIL never cached */
    env_free(&e);
}

/* A TEMPFAIL held by one client does not stop another from asking anew. */
static void
test_dns_tempfail_held(void **state)
{
    struct env         e;
    struct tc          t1, t2;
    mailauth__dns_q_t *q1, *q2;
    (void)state;
    env_ctx(&e, NULL);
    env_zone(&e);
    tc_init(&t1, e.r);
    tc_init(&t2, e.r);
    ask(&t2, "a.example", MAILAUTH_DNS_TXT);
    ask(&t2, "b.example", MAILAUTH_DNS_TXT);
    run(&e); /* two answers cached */
    q1 = ask(&t1, "slow.example", MAILAUTH_DNS_TXT);
    run(&e);
    assert_int_equal(mailauth__dnsc_result(&t1.c, q1)->rcode, MAILAUTH_DNS_TEMPFAIL);
    mailauth__dnsc_clear(&t2.c);
    q2 = ask(&t2, "slow.example", MAILAUTH_DNS_TXT);
    assert_ptr_not_equal(q1, q2);
    assert_ptr_equal(ask(&t1, "slow.example", MAILAUTH_DNS_TXT), q1); /* still its own */
    assert_int_equal(stats(e.r).queries, 4);
    /* the dropped TEMPFAIL left the cache intact: hits, then a full flush */
    ask(&t2, "a.example", MAILAUTH_DNS_TXT);
    ask(&t2, "b.example", MAILAUTH_DNS_TXT);
    assert_int_equal(stats(e.r).cache_hits, 2);
    mailauth__dnsc_clear(&t2.c);
    assert_int_equal(mailauth_resolver_flush_cache(e.r), MAILAUTH_OK);
    ask(&t2, "a.example", MAILAUTH_DNS_TXT);
    ask(&t2, "b.example", MAILAUTH_DNS_TXT);
    assert_int_equal(stats(e.r).queries, 6);
    run(&e);
    mailauth__dnsc_clear(&t1.c);
    mailauth__dnsc_clear(&t2.c);
    env_free(&e);
}

static void
test_dns_cache_bound(void **state)
{
    struct env         e;
    struct tc          t;
    static const char *names[] = {"a.example", "b.example", "a.example", "c.example"};
    (void)state;
    env_ctx(&e, NULL);
    assert_int_equal(mailauth_ctx_set_limit(e.ctx, MAILAUTH_LIMIT_DNS_CACHE_ENTRIES, 2),
                     MAILAUTH_OK);
    env_zone(&e);
    tc_init(&t, e.r);
    for (size_t i = 0; i < 4; i++) { /* a, b, a (hit: most recent), c evicts b */
        ask(&t, names[i], MAILAUTH_DNS_TXT);
        run(&e);
        mailauth__dnsc_clear(&t.c);
    }
    assert_int_equal(stats(e.r).queries, 3);
    ask(&t, "a.example", MAILAUTH_DNS_TXT);
    ask(&t, "c.example", MAILAUTH_DNS_TXT);
    assert_int_equal(stats(e.r).queries, 3);
    ask(&t, "b.example", MAILAUTH_DNS_TXT);
    assert_int_equal(stats(e.r).queries, 4);
    run(&e);
    mailauth__dnsc_clear(&t.c);
    env_free(&e);
}

static void
test_dns_query_limit(void **state)
{
    struct env         e;
    struct tc          t;
    mailauth__dns_q_t *q = NULL;
    (void)state;
    env_ctx(&e, NULL);
    assert_int_equal(mailauth_ctx_set_limit(e.ctx, MAILAUTH_LIMIT_DNS_QUERIES, 2), MAILAUTH_OK);
    env_zone(&e);
    tc_init(&t, e.r);
    ask(&t, "a.example", MAILAUTH_DNS_TXT);
    ask(&t, "b.example", MAILAUTH_DNS_TXT);
    assert_int_equal(mailauth__dnsc_ask(&t.c, "c.example", 9, MAILAUTH_DNS_TXT, &q),
                     MAILAUTH_ELIMIT);
    assert_null(q);
    ask(&t, "a.example", MAILAUTH_DNS_TXT); /* already held: fine */
    mailauth__dnsc_clear(&t.c);
    env_free(&e);
}

static void
test_dns_custom_args(void **state)
{
    struct env           e;
    struct mock          m;
    mailauth_resolver_t *r = (mailauth_resolver_t *)1;
    mailauth_dns_ops_t   ops = {.version = 2, .ud = &m, .query = mock_query};
    (void)state;
    env_ctx(&e, NULL);
    assert_int_equal(mailauth_resolver_new_custom(e.ctx, &ops, &r), MAILAUTH_EINVAL);
    assert_null(r);
    ops.version = MAILAUTH_DNS_OPS_VERSION;
    ops.query = NULL;
    assert_int_equal(mailauth_resolver_new_custom(e.ctx, &ops, &r), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_new_custom(e.ctx, NULL, &r), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_new_ares(e.ctx, "", &r), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_new_ares(e.ctx, "not an address", &r), MAILAUTH_EINVAL);
    mailauth_resolver_free(NULL);
    env_free(&e);
}

static bool
hook_chain(struct tc *t)
{
    if (t->wakes == 1)
        ask(t, "d.example", MAILAUTH_DNS_TXT);
    return false;
}

/* Questions sent in the same step are one round trip; a question asked
 * after the answers came back is another. */
static void
test_dns_round_trips(void **state)
{
    struct env         e;
    struct tc          t;
    mailauth__dns_q_t *q;
    (void)state;
    env_ctx(&e, NULL);
    env_zone(&e);
    assert_int_equal(mailauth_resolver_zone_set_delay(e.r, 10), MAILAUTH_OK);
    tc_init(&t, e.r);
    t.hook = hook_chain;
    ask(&t, "a.example", MAILAUTH_DNS_TXT);
    ask(&t, "b.example", MAILAUTH_DNS_TXT);
    q = ask(&t, "c.example", MAILAUTH_DNS_TXT);
    assert_int_equal(stats(e.r).round_trips, 1);
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), 10);
    e.clk.mono += 5;
    run(&e);
    assert_null(mailauth__dnsc_result(&t.c, q));
    assert_int_equal(mailauth_resolver_timeout_ms(e.r), 5);
    e.clk.mono += 5;
    run(&e);
    assert_non_null(mailauth__dnsc_result(&t.c, q));
    assert_int_equal(t.wakes, 1);
    assert_int_equal(stats(e.r).round_trips, 2); /* d.example went out from the wake */
    e.clk.mono += 10;
    run(&e);
    assert_int_equal(t.wakes, 2);
    assert_int_equal(stats(e.r).round_trips, 2);
    assert_int_equal(stats(e.r).queries, 4);
    mailauth__dnsc_clear(&t.c);
    env_free(&e);
}

/* Every allocation failure is survivable and leaks nothing. */
static void
test_dns_oom(void **state)
{
    (void)state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t       fa;
        struct env         e;
        struct tc          t1, t2;
        mailauth__dns_q_t *q = NULL;
        fail_alloc_init(&fa, n);
        memset(&e, 0, sizeof(e));
        if (mailauth_ctx_new(&fa.al, &e.ctx) == MAILAUTH_OK &&
            mailauth_resolver_new_zone(e.ctx, zone, strlen(zone), NULL, &e.r) == MAILAUTH_OK) {
            tc_init(&t1, e.r);
            tc_init(&t2, e.r);
            (void)mailauth__dnsc_ask(&t1.c, "a.example", 9, MAILAUTH_DNS_TXT, &q);
            (void)mailauth__dnsc_ask(&t2.c, "a.example", 9, MAILAUTH_DNS_TXT, &q);
            (void)mailauth__dnsc_ask(&t1.c, "b.example", 9, MAILAUTH_DNS_TXT, &q);
            for (int i = 0; i < 9; i++)
                (void)mailauth__dnsc_ask(&t2.c, "slow.example", 12,
                                         (mailauth_dns_type_t)(i % 2 ? 1 : 16), &q);
            run(&e);
            mailauth__dnsc_clear(&t1.c);
            (void)mailauth__dnsc_ask(&t1.c, "a.example", 9, MAILAUTH_DNS_TXT, &q);
            run(&e);
            mailauth__dnsc_clear(&t1.c);
            mailauth__dnsc_clear(&t2.c);
        }
        env_free(&e);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa))
            break;
    }
}

/* A memo counts its frees in its first int. */
static void
memo_free(const mailauth_allocator_t *al, void *memo)
{
    (*(int **)memo)[0]++;
    mailauth__free(al, memo);
}

static void
other_free(const mailauth_allocator_t *al, void *memo)
{
    mailauth__free(al, memo);
}

/* A memo kept with an answer: only on an answered question, only once, seen
 * only through its own free function, shared by every client reading the
 * cached answer, and freed with the question (ASan would see a leak). */
static void
test_dns_memo(void **state)
{
    struct env                  e;
    struct tc                   t1, t2;
    mailauth__dns_q_t          *q;
    const mailauth_allocator_t *al;
    int                         frees = 0;
    int                       **memo, **other;
    (void)state;
    env_ctx(&e, NULL);
    env_zone(&e);
    tc_init(&t1, e.r);
    tc_init(&t2, e.r);
    al = mailauth__dnsc_allocator(&t1.c);
    assert_null(mailauth__dnsc_allocator(NULL));
    memo = mailauth__malloc(al, sizeof(*memo));
    other = mailauth__malloc(al, sizeof(*other));
    assert_non_null(memo);
    assert_non_null(other);
    *memo = *other = &frees;
    q = ask(&t1, "a.example", MAILAUTH_DNS_TXT);
    assert_false(mailauth__dnsc_set_memo(&t1.c, q, memo, memo_free)); /* no answer yet */
    assert_null(mailauth__dnsc_memo(&t1.c, q, memo_free));
    run(&e);
    assert_false(mailauth__dnsc_set_memo(&t1.c, q, NULL, memo_free));
    assert_false(mailauth__dnsc_set_memo(&t1.c, q, memo, NULL));
    assert_true(mailauth__dnsc_set_memo(&t1.c, q, memo, memo_free));
    assert_false(mailauth__dnsc_set_memo(&t1.c, q, other, other_free)); /* one memo */
    other_free(al, other);
    assert_ptr_equal(mailauth__dnsc_memo(&t1.c, q, memo_free), memo);
    assert_null(mailauth__dnsc_memo(&t1.c, q, other_free));
    assert_null(mailauth__dnsc_memo(NULL, q, memo_free));
    mailauth__dnsc_clear(&t1.c);
    /* the cached answer keeps it for the next client */
    assert_ptr_equal(ask(&t2, "a.example", MAILAUTH_DNS_TXT), q);
    assert_ptr_equal(mailauth__dnsc_memo(&t2.c, q, memo_free), memo);
    assert_int_equal(mailauth_resolver_flush_cache(e.r), MAILAUTH_OK);
    assert_int_equal(frees, 0); /* still held by t2 */
    mailauth__dnsc_clear(&t2.c);
    assert_int_equal(frees, 1);
    env_free(&e);
}

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_names),
        cmocka_unit_test(test_dns_ask_args),
        cmocka_unit_test(test_dns_async_and_timeout_ms),
        cmocka_unit_test(test_dns_coalesce),
        cmocka_unit_test(test_dns_cache_hit),
        cmocka_unit_test(test_dns_ttl),
        cmocka_unit_test(test_dns_tempfail_held),
        cmocka_unit_test(test_dns_cache_bound),
        cmocka_unit_test(test_dns_query_limit),
        cmocka_unit_test(test_dns_custom_args),
        cmocka_unit_test(test_dns_round_trips),
        cmocka_unit_test(test_dns_oom),
        cmocka_unit_test(test_dns_memo),
    };
    return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
