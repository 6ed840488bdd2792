/* dns lookup: questions outside an evaluation (mailauth_resolver_lookup and
 * its blocking form) and the observer, over the zone driver through the
 * public API only: every outcome, TTLs, the cache, sharing a question with
 * an evaluation, callbacks only from the run loop, time-outs, and lookups
 * still pending when the resolver is freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

static const char ZONE[] = "example.org.      TXT   \"v=spf1 \" \"-all\"\n"
                           "example.org.      TXT   \"second\"\n"
                           "example.org.      A     192.0.2.1\n"
                           "mx.example.org.   MX    10 mail.example.org\n"
                           "slow.example.org. TXT   TIMEOUT\n";

#define MAX_SEEN 16

/* What callbacks received, copied out of the call. */
struct seen {
    int                  n;
    char                 name[MAX_SEEN][256];
    mailauth_dns_type_t  type[MAX_SEEN];
    mailauth_dns_rcode_t rcode[MAX_SEEN];
    size_t               count[MAX_SEEN];
    char                 first[MAX_SEEN][64]; /* first record's data, as text */
    uint32_t             ttl[MAX_SEEN];
    int                  from_cache[MAX_SEEN];
    int                  inside; /* set while mailauth_resolver_lookup() runs */
    int                  reentered;
};

static void
on_answer(void *ud, const mailauth_dns_answer_t *a)
{
    struct seen *s = ud;
    int          i = s->n;
    if (s->inside)
        s->reentered++;
    assert_true(i < MAX_SEEN);
    assert_int_equal(a->version, MAILAUTH_DNS_ANSWER_VERSION);
    snprintf(s->name[i], sizeof(s->name[i]), "%s", a->name);
    s->type[i] = a->type;
    s->rcode[i] = a->rcode;
    s->count[i] = a->count;
    s->ttl[i] = a->ttl;
    s->from_cache[i] = a->from_cache;
    s->first[i][0] = '\0';
    if (a->count > 0 && a->type != MAILAUTH_DNS_A) {
        size_t len = a->records[0].len < 63 ? a->records[0].len : 63;
        memcpy(s->first[i], a->records[0].data, len);
        s->first[i][len] = '\0';
    }
    s->n++;
}

struct fix {
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
};

static int
setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    size_t      errline = 0;
    assert_non_null(f);
    assert_int_equal(mailauth_ctx_new(NULL, &f->ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(f->ctx, ZONE, strlen(ZONE), &errline, &f->r),
                     MAILAUTH_OK);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fix *f = *state;
    mailauth_resolver_free(f->r);
    mailauth_ctx_free(f->ctx);
    free(f);
    return 0;
}

static void
drain(mailauth_resolver_t *r)
{
    for (int i = 0; i < 100 && mailauth_resolver_timeout_ms(r) == 0; i++)
        assert_int_equal(mailauth_resolver_process_timeouts(r), MAILAUTH_OK);
}

static void
test_lookup_outcomes(void **state)
{
    struct fix *f = *state;
    struct seen s = {0};
    s.inside = 1;
    assert_int_equal(
        mailauth_resolver_lookup(f->r, "Example.ORG.", MAILAUTH_DNS_TXT, on_answer, &s),
        MAILAUTH_OK);
    assert_int_equal(
        mailauth_resolver_lookup(f->r, "nx.example.org", MAILAUTH_DNS_TXT, on_answer, &s),
        MAILAUTH_OK);
    assert_int_equal(
        mailauth_resolver_lookup(f->r, "mx.example.org", MAILAUTH_DNS_TXT, on_answer, &s),
        MAILAUTH_OK);
    assert_int_equal(
        mailauth_resolver_lookup(f->r, "slow.example.org", MAILAUTH_DNS_TXT, on_answer, &s),
        MAILAUTH_OK);
    assert_int_equal(
        mailauth_resolver_lookup(f->r, "mx.example.org", MAILAUTH_DNS_MX, on_answer, &s),
        MAILAUTH_OK);
    s.inside = 0;
    assert_int_equal(s.n, 0); /* never from inside the call */
    drain(f->r);
    assert_int_equal(s.reentered, 0);
    assert_int_equal(s.n, 5);
    /* every lookup answered once, in the order asked (one run of the loop) */
    assert_string_equal(s.name[0], "example.org");
    assert_int_equal(s.type[0], MAILAUTH_DNS_TXT);
    assert_int_equal(s.rcode[0], MAILAUTH_DNS_RECORDS);
    assert_int_equal(s.count[0], 2);
    assert_string_equal(s.first[0], "v=spf1 -all"); /* strings concatenated */
    assert_int_equal(s.ttl[0], 300);                /* the zone's default TTL */
    assert_int_equal(s.from_cache[0], 0);
    assert_int_equal(s.rcode[1], MAILAUTH_DNS_NXDOMAIN);
    assert_int_equal(s.count[1], 0);
    assert_int_equal(s.rcode[2], MAILAUTH_DNS_NODATA);
    assert_int_equal(s.rcode[3], MAILAUTH_DNS_TEMPFAIL);
    assert_int_equal(s.ttl[3], 0);
    assert_int_equal(s.rcode[4], MAILAUTH_DNS_RECORDS);
    assert_string_equal(s.first[4], "mail.example.org");
}

static void
test_lookup_cache(void **state)
{
    struct fix               *f = *state;
    struct seen               s = {0};
    mailauth_resolver_stats_t st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    assert_int_equal(mailauth_resolver_lookup(f->r, "example.org", MAILAUTH_DNS_A, on_answer, &s),
                     MAILAUTH_OK);
    drain(f->r);
    assert_int_equal(mailauth_resolver_lookup(f->r, "EXAMPLE.org", MAILAUTH_DNS_A, on_answer, &s),
                     MAILAUTH_OK);
    assert_int_equal(s.n, 1); /* a cached answer still comes from the run loop */
    drain(f->r);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.from_cache[0], 0);
    assert_int_equal(s.from_cache[1], 1);
    assert_int_equal(s.count[1], 1);
    assert_true(s.ttl[1] > 0 && s.ttl[1] <= 300);
    assert_int_equal(mailauth_resolver_stats(f->r, &st), MAILAUTH_OK);
    assert_int_equal(st.queries, 1);
    assert_int_equal(st.cache_hits, 1);
}

/* A callback that asks again: allowed, answered at a later turn. */
struct chain {
    mailauth_resolver_t *r;
    struct seen          s;
};

static void
ask_again(void *ud, const mailauth_dns_answer_t *a)
{
    struct chain *c = ud;
    on_answer(&c->s, a);
    if (c->s.n == 1)
        assert_int_equal(
            mailauth_resolver_lookup(c->r, "mx.example.org", MAILAUTH_DNS_MX, ask_again, c),
            MAILAUTH_OK);
}

static void
test_lookup_from_callback(void **state)
{
    struct fix  *f = *state;
    struct chain c = {.r = f->r};
    assert_int_equal(mailauth_resolver_lookup(f->r, "example.org", MAILAUTH_DNS_TXT, ask_again, &c),
                     MAILAUTH_OK);
    drain(f->r);
    assert_int_equal(c.s.n, 2);
    assert_int_equal(c.s.type[1], MAILAUTH_DNS_MX);
}

static void
test_lookup_bad_arguments(void **state)
{
    struct fix *f = *state;
    struct seen s = {0};
    char        long_label[80];
    memset(long_label, 'a', 64);
    memcpy(long_label + 64, ".example", 9);
    assert_int_equal(mailauth_resolver_lookup(NULL, "a.example", MAILAUTH_DNS_A, on_answer, &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_lookup(f->r, NULL, MAILAUTH_DNS_A, on_answer, &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_lookup(f->r, "a.example", MAILAUTH_DNS_A, NULL, &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_lookup(f->r, "", MAILAUTH_DNS_A, on_answer, &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_lookup(f->r, "a..example", MAILAUTH_DNS_A, on_answer, &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_lookup(f->r, long_label, MAILAUTH_DNS_A, on_answer, &s),
                     MAILAUTH_EINVAL);
    assert_int_equal(
        mailauth_resolver_lookup(f->r, "a.example", (mailauth_dns_type_t)5, on_answer, &s),
        MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_lookup_sync(f->r, "a.example", MAILAUTH_DNS_A, 10, NULL, &s),
                     MAILAUTH_EINVAL);
    drain(f->r);
    assert_int_equal(s.n, 0);
}

static void
test_lookup_sync(void **state)
{
    struct fix *f = *state;
    struct seen s = {0};
    assert_int_equal(
        mailauth_resolver_lookup_sync(f->r, "example.org", MAILAUTH_DNS_TXT, 1000, on_answer, &s),
        MAILAUTH_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.count[0], 2);
    /* an answer later than the caller will wait: ETIMEOUT, never called */
    assert_int_equal(mailauth_resolver_zone_set_delay(f->r, 300), MAILAUTH_OK);
    assert_int_equal(
        mailauth_resolver_lookup_sync(f->r, "mx.example.org", MAILAUTH_DNS_MX, 20, on_answer, &s),
        MAILAUTH_ETIMEOUT);
    assert_int_equal(
        mailauth_resolver_lookup_sync(f->r, "mx.example.org", MAILAUTH_DNS_MX, -1, on_answer, &s),
        MAILAUTH_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rcode[1], MAILAUTH_DNS_RECORDS);
}

/* Pending lookups die with the resolver, uncalled (ASan checks the memory). */
static void
test_lookup_pending_at_free(void **state)
{
    struct fix *f = *state;
    struct seen s = {0};
    assert_int_equal(mailauth_resolver_zone_set_delay(f->r, 1000), MAILAUTH_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(
            mailauth_resolver_lookup(f->r, "example.org", MAILAUTH_DNS_TXT, on_answer, &s),
            MAILAUTH_OK);
    assert_int_equal(
        mailauth_resolver_lookup(f->r, "mx.example.org", MAILAUTH_DNS_MX, on_answer, &s),
        MAILAUTH_OK);
    mailauth_resolver_free(f->r);
    f->r = NULL;
    assert_int_equal(s.n, 0);
}

/* The observer sees what an evaluation asks, once per answer, and cache
 * hits marked; a lookup asked while the evaluation's question is in flight
 * shares it. */
static void
test_observer(void **state)
{
    struct fix               *f = *state;
    struct seen               obs = {0}, s = {0};
    mailauth_eval_t          *ev = NULL;
    mailauth_envelope_t       env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                     .client_ip = "192.0.2.1",
                                     .helo = "helo.example",
                                     .mail_from = "a@example.org"};
    mailauth_resolver_stats_t st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    assert_int_equal(mailauth_resolver_set_observer(NULL, on_answer, &obs), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_set_observer(f->r, on_answer, &obs), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(f->ctx, f->r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_envelope(ev, &env), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(ev, 5000), MAILAUTH_OK);
    mailauth_eval_free(ev);
    assert_true(obs.n >= 1);
    assert_string_equal(obs.name[0], "example.org");
    assert_int_equal(obs.type[0], MAILAUTH_DNS_TXT);
    assert_int_equal(obs.from_cache[0], 0);
    int before = obs.n;
    assert_int_equal(mailauth_resolver_lookup(f->r, "example.org", MAILAUTH_DNS_TXT, on_answer, &s),
                     MAILAUTH_OK);
    drain(f->r);
    assert_int_equal(obs.n, before + 1);
    assert_int_equal(obs.from_cache[before], 1);
    /* removed: no more calls */
    assert_int_equal(mailauth_resolver_set_observer(f->r, NULL, NULL), MAILAUTH_OK);
    assert_int_equal(
        mailauth_resolver_lookup(f->r, "mx.example.org", MAILAUTH_DNS_MX, on_answer, &s),
        MAILAUTH_OK);
    drain(f->r);
    assert_int_equal(obs.n, before + 1);
    assert_int_equal(mailauth_resolver_stats(f->r, &st), MAILAUTH_OK);
    assert_true(st.cache_hits >= 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookup_outcomes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_from_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_pending_at_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
