/* Test support for ARC (see arc_harness.h). */
#include "support/arc_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "arc/arc.h"
#include "canon/canon.h"
#include "core/ctx_int.h"
#include "dns/dns.h"
#include "msg/msg.h"
#include "util/arena.h"

typedef struct run {
    const arc_opts_t     *o;
    uint64_t              mono; /* hand-moved monotonic ms (async) */
    mailauth_ctx_t       *ctx;
    mailauth_resolver_t  *r;
    mailauth__arena_t     arena;
    mailauth__hdr_index_t hdrs;
    mailauth__dnsc_t      dns;
    bool                  dns_ready;
    mailauth__arc_t      *v;
    mailauth__body_set_t *bs; /* shared runs */
    size_t                dkim_id, next_id;
    mailauth_status_t     start_st;
    unsigned              wakes;
} run_t;

static uint64_t
run_clock(void *ud, mailauth_clock_kind_t kind)
{
    const run_t    *r = ud;
    struct timespec ts;
    if (kind == MAILAUTH_CLOCK_WALL)
        return (uint64_t)r->o->now_s * 1000u;
    if (r->o->async)
        return r->mono;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
run_wake(void *ud)
{
    ((run_t *)ud)->wakes++;
}

static mailauth_status_t
sink_header(void *ud, const char *field, size_t len)
{
    run_t *r = ud;
    return mailauth__hdr_index_add(&r->hdrs, field, len);
}

/* Shared runs: the harness owns the body set like the DKIM verifier would,
 * asks for the relaxed/SHA-256 full-body hash first, and after start asks
 * for one more triple to see which id it gets. */
static mailauth_status_t
sink_end_headers(void *ud)
{
    run_t            *r = ud;
    mailauth_status_t st = MAILAUTH_OK;
    if (r->o->shared) {
        st = mailauth__body_set_new(r->o->al, &r->bs);
        if (st == MAILAUTH_OK)
            st = mailauth__body_set_want(r->bs, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256,
                                         MAILAUTH__BODY_NO_LIMIT, &r->dkim_id);
        if (st != MAILAUTH_OK)
            return r->start_st = st;
    }
    r->start_st = mailauth__arc_start(&r->arena, mailauth__ctx_env(r->ctx), &r->dns, &r->hdrs,
                                      r->bs, r->o->options, &r->v);
    if (r->start_st == MAILAUTH_OK && r->bs != NULL)
        r->start_st = mailauth__body_set_want(r->bs, MAILAUTH__CANON_SIMPLE, MAILAUTH__HASH_SHA1, 7,
                                              &r->next_id);
    return r->start_st;
}

static mailauth_status_t
sink_body(void *ud, const void *p, size_t n)
{
    run_t *r = ud;
    if (r->bs != NULL)
        return mailauth__body_set_feed(r->bs, p, n);
    return r->v != NULL ? mailauth__arc_body(r->v, p, n) : MAILAUTH_OK;
}

static mailauth_status_t
setup(run_t *r, const char *zone)
{
    const arc_opts_t *o = r->o;
    size_t            errline = 0;
    mailauth_status_t st = mailauth_ctx_new(o->al, &r->ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_clock(r->ctx, run_clock, r);
    if (st == MAILAUTH_OK && o->sha1)
        st = mailauth_ctx_set_flag(r->ctx, MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1, 1);
    for (size_t i = 0; i + 1 < o->nlimits && st == MAILAUTH_OK; i += 2)
        st = mailauth_ctx_set_limit(r->ctx, (mailauth_limit_t)o->limits[i], o->limits[i + 1]);
    if (st == MAILAUTH_OK)
        st = mailauth_resolver_new_zone(r->ctx, zone, strlen(zone), &errline, &r->r);
    if (st == MAILAUTH_OK && o->async)
        st = mailauth_resolver_zone_set_delay(r->r, 30);
    if (st != MAILAUTH_OK)
        return st;
    mailauth__arena_init(&r->arena, o->al);
    mailauth__hdr_index_init(&r->hdrs, &r->arena,
                             mailauth_ctx_limit(r->ctx, MAILAUTH_LIMIT_HEADER_MAX_COUNT),
                             mailauth_ctx_limit(r->ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES));
    mailauth__dnsc_init(&r->dns, r->r, run_wake, r);
    r->dns_ready = true;
    mailauth__dnsc_set_timeout(&r->dns,
                               mailauth_ctx_limit(r->ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    return MAILAUTH_OK;
}

static mailauth_status_t
drive(run_t *r)
{
    mailauth_status_t st = mailauth__arc_step(r->v);
    for (int turns = 0; st == MAILAUTH_EAGAIN && turns < 100000; turns++) {
        if (r->o->async) {
            r->mono += 5;
            st = mailauth_resolver_process_timeouts(r->r);
        } else {
            st = mailauth_resolver_run_once(r->r, 50);
        }
        if (st == MAILAUTH_OK)
            st = mailauth__arc_step(r->v);
    }
    return st;
}

static mailauth_status_t
copy_out(const run_t *r, arc_outcome_t *out)
{
    mailauth_authres_t          *ar = NULL;
    size_t                       need = 0;
    mailauth_status_t            st = MAILAUTH_OK;
    const mailauth_arc_result_t *res = mailauth__arc_result(r->v);
    const char                  *p = mailauth_arc_result_problem(res);
    out->verdict = mailauth_arc_result_verdict(res);
    out->reason = mailauth_arc_result_reason(res);
    snprintf(out->problem, sizeof(out->problem), "%s", p != NULL ? p : "");
    out->instances = mailauth_arc_result_instances(res);
    out->failed = mailauth_arc_result_failed_instance(res);
    out->oldest_pass = mailauth_arc_result_oldest_pass(res);
    for (unsigned i = 0; i < 8; i++) {
        const char *s = mailauth_arc_result_sealer(res, i + 1);
        snprintf(out->sealers[i], sizeof(out->sealers[i]), "%s", s != NULL ? s : "");
    }
    st = mailauth_authres_new(r->o->al, "mx.example.net", &ar);
    if (st == MAILAUTH_OK)
        st = mailauth__arc_add_authres(r->v, ar, "192.0.2.1");
    if (st == MAILAUTH_OK)
        st = mailauth_authres_format_value(ar, out->authres, sizeof(out->authres), &need);
    mailauth_authres_free(ar);
    return st == MAILAUTH_ENOSPC ? MAILAUTH_OK : st;
}

static void
teardown(run_t *r)
{
    mailauth__arc_free(r->v);
    mailauth__body_set_free(r->bs);
    if (r->dns_ready)
        mailauth__dnsc_clear(&r->dns);
    mailauth__arena_clear(&r->arena);
    mailauth_resolver_free(r->r);
    mailauth_ctx_free(r->ctx);
}

mailauth_status_t
arc_validate(const char *zone, const void *msg, size_t len, const arc_opts_t *o, arc_outcome_t *out)
{
    run_t                r;
    mailauth__msg_sink_t sink = {
        .header = sink_header, .end_headers = sink_end_headers, .body = sink_body};
    mailauth_status_t st = MAILAUTH_OK;
    memset(&r, 0, sizeof(r));
    memset(out, 0, sizeof(*out));
    r.o = o;
    r.mono = 1000000;
    sink.ud = &r;
    st = setup(&r, zone);
    if (st == MAILAUTH_OK) {
        st = mailauth__msg_split(
            o->al, msg, len, mailauth_ctx_limit(r.ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES), &sink);
        if (st == MAILAUTH_ELIMIT || st == MAILAUTH_EINVAL)
            st = r.start_st; /* refused fields are the validator's business */
    }
    if (st == MAILAUTH_OK && r.v == NULL)
        st = MAILAUTH_EINTERNAL;
    if (st == MAILAUTH_OK && r.bs != NULL)
        st = mailauth__body_set_end(r.bs);
    if (st == MAILAUTH_OK) {
        out->done_at_start = mailauth__arc_done(r.v);
        out->next_body_id = r.next_id;
        st = mailauth__arc_end_body(r.v);
    }
    if (st == MAILAUTH_OK)
        st = drive(&r);
    if (st == MAILAUTH_OK)
        st = copy_out(&r, out);
    teardown(&r);
    return st;
}

void
arc_validate_ok(const char *zone, const void *msg, size_t len, const arc_opts_t *o,
                arc_outcome_t *out)
{
    assert_int_equal(arc_validate(zone, msg, len, o, out), MAILAUTH_OK);
}

const char *
arc_word(mailauth_verdict_t v)
{
    return mailauth_verdict_name(v);
}
