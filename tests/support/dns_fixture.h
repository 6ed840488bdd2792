/* Test fixtures shared by the dns tests: a fake clock, a counting DNS
 * client, a small zone, and a custom-driver mock. Header-only (static
 * inline) so each test binary takes what it uses. */
#ifndef MAILAUTH_TEST_DNS_FIXTURE_H
#define MAILAUTH_TEST_DNS_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "dns/dns.h"

/* ---- fixtures ----------------------------------------------------------- */

struct fclock {
    uint64_t mono;
};

static inline uint64_t
fclock_fn(void *ud, mailauth_clock_kind_t kind)
{
    const struct fclock *f = ud;
    return kind == MAILAUTH_CLOCK_MONOTONIC ? f->mono : 1700000000000ull + f->mono;
}

/* A client that counts its wakes and the deepest nesting of its wake. */
struct tc {
    mailauth__dnsc_t c;
    int              wakes, depth, max_depth;
    bool (*hook)(struct tc *t); /* returns true if it freed t */
    void *ud;
};

static inline void
tc_wake(void *ud)
{
    struct tc *t = ud;
    t->wakes++;
    if (++t->depth > t->max_depth)
        t->max_depth = t->depth;
    if (t->hook != NULL && t->hook(t))
        return;
    t->depth--;
}

static inline void
tc_init(struct tc *t, mailauth_resolver_t *r)
{
    memset(t, 0, sizeof(*t));
    mailauth__dnsc_init(&t->c, r, tc_wake, t);
}

struct env {
    struct fclock        clk;
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
};

/* unused in some binaries */
__attribute__((unused)) static const char zone[] = "a.example TXT \"a\"\n"
                                                   "b.example TXT \"b\"\n"
                                                   "c.example TXT \"c\"\n"
                                                   "d.example TXT \"d\"\n"
                                                   "short.example 5 TXT \"five seconds\"\n"
                                                   "zero.example 0 TXT \"not cached\"\n"
                                                   "slow.example TXT TIMEOUT\n";

static inline void
env_ctx(struct env *e, const mailauth_allocator_t *al)
{
    memset(e, 0, sizeof(*e));
    e->clk.mono = 1000;
    assert_int_equal(mailauth_ctx_new(al, &e->ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_clock(e->ctx, fclock_fn, &e->clk), MAILAUTH_OK);
}

static inline void
env_zone(struct env *e)
{
    assert_int_equal(mailauth_resolver_new_zone(e->ctx, zone, strlen(zone), NULL, &e->r),
                     MAILAUTH_OK);
}

static inline void
env_free(struct env *e)
{
    mailauth_resolver_free(e->r);
    mailauth_ctx_free(e->ctx);
}

static inline mailauth__dns_q_t *
ask(struct tc *t, const char *name, mailauth_dns_type_t type)
{
    mailauth__dns_q_t *q = NULL;
    assert_int_equal(mailauth__dnsc_ask(&t->c, name, strlen(name), type, &q), MAILAUTH_OK);
    assert_non_null(q);
    return q;
}

static inline mailauth_resolver_stats_t
stats(mailauth_resolver_t *r)
{
    mailauth_resolver_stats_t s = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    assert_int_equal(mailauth_resolver_stats(r, &s), MAILAUTH_OK);
    return s;
}

static inline void
run(struct env *e)
{
    assert_int_equal(mailauth_resolver_process_timeouts(e->r), MAILAUTH_OK);
}

/* ---- custom driver mock ------------------------------------------------- */

enum mock_mode { MOCK_ASYNC, MOCK_SYNC, MOCK_FAIL, MOCK_SYNC_BAD };

struct mock {
    enum mock_mode        mode;
    int                   queries, cancels, destroys;
    mailauth_dns_query_t *pending[8];
    size_t                npending;
};

__attribute__((unused)) static const mailauth_dns_record_t rec_a = {.version = MAILAUTH_DNS_RECORD_VERSION,
    .data = "\xc0\x00\x02\x01", .len = 4, .ttl = 60};

static inline mailauth_status_t
mock_query(void *ud, mailauth_dns_query_t *q, const char *name, mailauth_dns_type_t type)
{
    struct mock *m = ud;
    (void)name;
    (void)type;
    m->queries++;
    switch (m->mode) {
    case MOCK_SYNC:
        return mailauth_dns_query_answer(q, MAILAUTH_DNS_RECORDS, &rec_a, 1);
    case MOCK_FAIL:
        return MAILAUTH_EDNS;
    case MOCK_SYNC_BAD:
        assert_int_equal(mailauth_dns_query_answer(q, MAILAUTH_DNS_RECORDS, NULL, 0),
                         MAILAUTH_EINVAL);
        break;
    case MOCK_ASYNC:
        break;
    }
    if (m->npending < 8)
        m->pending[m->npending++] = q;
    return MAILAUTH_OK;
}

static inline void
mock_cancel(void *ud, mailauth_dns_query_t *q)
{
    struct mock *m = ud;
    m->cancels++;
    for (size_t i = 0; i < m->npending; i++)
        if (m->pending[i] == q)
            m->pending[i] = NULL;
}

static inline void
mock_destroy(void *ud)
{
    ((struct mock *)ud)->destroys++;
}

static inline void
env_custom(struct env *e, struct mock *m, bool with_cancel)
{
    mailauth_dns_ops_t ops = {.version = MAILAUTH_DNS_OPS_VERSION,
                              .ud = m,
                              .query = mock_query,
                              .cancel = with_cancel ? mock_cancel : NULL,
                              .destroy = mock_destroy};
    assert_int_equal(mailauth_resolver_new_custom(e->ctx, &ops, &e->r), MAILAUTH_OK);
}

#endif
