/* Run one iprev check over a zone resolver (see iprev_harness.h). */
#include "support/drive.h"
#include "support/iprev_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx_int.h"
#include "dns/dns.h"
#include "iprev/iprev.h"
#include "support/case_file.h"
#include "util/arena.h"
#include "util/ip.h"

#define ASYNC_DELAY_MS 50u

typedef struct run {
    uint64_t mono_ms; /* simulated monotonic clock */
    bool     woken;
} run_t;

static uint64_t
clock_fn(void *ud, mailauth_clock_kind_t kind)
{
    const run_t *r = ud;
    return kind == MAILAUTH_CLOCK_WALL ? 1700000000000ull + r->mono_ms : r->mono_ms;
}

static void
wake_fn(void *ud)
{
    ((run_t *)ud)->woken = true;
}

static void
copy_str(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s != NULL ? s : "(none)");
}

static int
setup(const iprev_harness_case_t *c, run_t *rs, mailauth_ctx_t **ctx, mailauth_resolver_t **r,
      iprev_harness_out_t *out)
{
    size_t errline = 0;
    if (mailauth_ctx_new(NULL, ctx) != MAILAUTH_OK ||
        mailauth_ctx_set_clock(*ctx, clock_fn, rs) != MAILAUTH_OK ||
        (c->max_queries != 0 &&
         mailauth_ctx_set_limit(*ctx, MAILAUTH_LIMIT_DNS_QUERIES, c->max_queries) != MAILAUTH_OK) ||
        (c->eval_timeout_ms != 0 && mailauth_ctx_set_limit(*ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS,
                                                           c->eval_timeout_ms) != MAILAUTH_OK)) {
        copy_str(out->error, sizeof(out->error), "ctx setup failed");
        return -1;
    }
    if (c->ops != NULL) {
        if (mailauth_resolver_new_custom(*ctx, c->ops, r) != MAILAUTH_OK) {
            copy_str(out->error, sizeof(out->error), "custom resolver setup failed");
            return -1;
        }
        return 0;
    }
    if (mailauth_resolver_new_zone(*ctx, c->zone, c->zone_len, &errline, r) != MAILAUTH_OK) {
        snprintf(out->error, sizeof(out->error), "zone syntax error at line %zu", errline);
        return -1;
    }
    if (c->async)
        (void)mailauth_resolver_zone_set_delay(*r, c->delay_ms != 0 ? c->delay_ms : 1);
    return 0;
}

/* Drive the resolver until the client is woken. */
static int
drive(const iprev_harness_case_t *c, mailauth_resolver_t *r, run_t *rs, iprev_harness_out_t *out)
{
    return drive_until_woken(r, c->async, &rs->mono_ms, &rs->woken, out->error,
                             sizeof(out->error));
}

static int
collect(const mailauth_iprev_result_t *res, iprev_harness_out_t *out)
{
    mailauth_authres_t *ar = NULL;
    size_t              need = 0;
    mailauth_status_t   st;
    out->verdict = mailauth_iprev_result_verdict(res);
    out->reason = mailauth_iprev_result_reason(res);
    copy_str(out->ip, sizeof(out->ip), mailauth_iprev_result_ip(res));
    copy_str(out->name, sizeof(out->name), mailauth_iprev_result_name(res));
    copy_str(out->problem, sizeof(out->problem), mailauth_iprev_result_problem(res));
    st = mailauth_authres_new(NULL, IPREV_HARNESS_AUTHSERV, &ar);
    if (st == MAILAUTH_OK)
        st = mailauth__iprev_add_authres(res, ar);
    if (st == MAILAUTH_OK)
        st = mailauth_authres_format(ar, out->authres, sizeof(out->authres), &need);
    mailauth_authres_free(ar);
    if (st != MAILAUTH_OK) {
        snprintf(out->error, sizeof(out->error), "A-R: %s", mailauth_strerror(st));
        out->status = st;
        return -1;
    }
    return 0;
}

static int
check(const iprev_harness_case_t *c, mailauth_ctx_t *ctx, mailauth_resolver_t *r, run_t *rs,
      iprev_harness_out_t *out)
{
    mailauth__dnsc_t   dns;
    mailauth__arena_t  a;
    mailauth__ip_t     ip;
    mailauth__iprev_t *it = NULL;
    mailauth_status_t  st;
    int                rc = -1;
    if (!mailauth__ip_parse(c->ip, strlen(c->ip), &ip)) {
        copy_str(out->error, sizeof(out->error), "bad client address");
        return -1;
    }
    mailauth__dnsc_init(&dns, r, wake_fn, rs);
    mailauth__dnsc_set_timeout(&dns, mailauth_ctx_limit(ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    mailauth__arena_init(&a, c->arena_al);
    st = mailauth__iprev_start(&a, mailauth__ctx_env(ctx), &dns, &ip, &it);
    while (st == MAILAUTH_OK) {
        rs->woken = false;
        out->steps++;
        st = mailauth__iprev_step(it);
        if (out->steps == 1)
            out->done_at_start = st == MAILAUTH_OK;
        if (st != MAILAUTH_EAGAIN)
            break;
        if (drive(c, r, rs, out) != 0)
            goto done;
        st = MAILAUTH_OK;
    }
    if (st != MAILAUTH_OK) {
        snprintf(out->error, sizeof(out->error), "iprev failed: %s", mailauth_strerror(st));
        out->status = st;
        goto done;
    }
    if (mailauth__iprev_step(it) != MAILAUTH_OK) { /* idempotent once finished */
        copy_str(out->error, sizeof(out->error), "a step after the end is not MAILAUTH_OK");
        goto done;
    }
    /* The result must not point into the answers: read it after they are gone. */
    mailauth__dnsc_clear(&dns);
    rc = collect(mailauth__iprev_result(it), out);
done:
    mailauth__dnsc_clear(&dns);
    mailauth__arena_clear(&a);
    return rc;
}

/* The same check once more over the same resolver, whose cache is warm
 * now: every answer is there at once, and the result must not change. */
static int
check_again(const iprev_harness_case_t *c, mailauth_ctx_t *ctx, mailauth_resolver_t *r, run_t *rs,
            iprev_harness_out_t *out)
{
    static iprev_harness_out_t again; /* large; tests run one at a time */
    memset(&again, 0, sizeof(again));
    if (check(c, ctx, r, rs, &again) != 0 || again.verdict != out->verdict ||
        again.reason != out->reason || strcmp(again.name, out->name) != 0 ||
        strcmp(again.problem, out->problem) != 0 || strcmp(again.authres, out->authres) != 0) {
        snprintf(out->error, sizeof(out->error),
                 "a second check over the warm cache differs: %s %.60s (%.80s) %.80s",
                 mailauth_verdict_name(again.verdict), again.name, again.problem, again.error);
        return -1;
    }
    return 0;
}

int
iprev_harness_run(const iprev_harness_case_t *c, iprev_harness_out_t *out)
{
    run_t                rs = {.mono_ms = 1000000, .woken = false};
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    int                  rc = -1;
    memset(out, 0, sizeof(*out));
    if (setup(c, &rs, &ctx, &r, out) != 0)
        goto done;
    rc = check(c, ctx, r, &rs, out);
    out->stats.version = MAILAUTH_RESOLVER_STATS_VERSION;
    (void)mailauth_resolver_stats(r, &out->stats);
    if (rc == 0 && c->arena_al == NULL && c->ops == NULL && !c->once)
        rc = check_again(c, ctx, r, &rs, out);
done:
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    return rc;
}

/* ---- key/value blocks ---- */

/* Case-file escapes of an expected A-R field: "\r", "\n", "\t", "\\". */
static void
unescape(const char *s, char *out, size_t cap)
{
    static const char keys[] = "rnt\\", vals[] = "\r\n\t\\";
    size_t            n = 0;
    for (; *s != '\0' && n + 1 < cap; s++) {
        const char *esc = s[0] == '\\' && s[1] != '\0' ? strchr(keys, s[1]) : NULL;
        if (esc != NULL) {
            out[n++] = vals[esc - keys];
            s++;
        } else {
            out[n++] = *s;
        }
    }
    out[n] = '\0';
}

static bool
parse_u32(const char *s, uint32_t *out)
{
    char         *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int
expect_str(const case_block_t *b, const char *key, const char *got, const char *mode, char *why,
           size_t cap)
{
    const char *want = case_block_get(b, key);
    char        buf[1200];
    if (want == NULL)
        return 0;
    unescape(want, buf, sizeof(buf));
    if (strcmp(buf, got) == 0)
        return 0;
    snprintf(why, cap, "%s: %s is \"%s\", want \"%s\"", mode, key, got, buf);
    return -1;
}

static int
expect_num(const case_block_t *b, const char *key, uint64_t got, const char *mode, char *why,
           size_t cap)
{
    const char *want = case_block_get(b, key);
    uint32_t    v = 0;
    if (want == NULL)
        return 0;
    if (!parse_u32(want, &v)) {
        snprintf(why, cap, "bad %s: %s", key, want);
        return -1;
    }
    if (got == v)
        return 0;
    snprintf(why, cap, "%s: %s is %llu, want %u", mode, key, (unsigned long long)got, v);
    return -1;
}

static int
expect_all(const case_block_t *b, const iprev_harness_out_t *o, const char *mode, char *why,
           size_t cap)
{
    if (expect_str(b, "result", mailauth_verdict_name(o->verdict), mode, why, cap) != 0 ||
        expect_str(b, "reason", mailauth_reason_name(o->reason), mode, why, cap) != 0 ||
        expect_str(b, "confirmed", o->name, mode, why, cap) != 0 ||
        expect_str(b, "problem", o->problem, mode, why, cap) != 0 ||
        expect_str(b, "authres", o->authres, mode, why, cap) != 0 ||
        expect_num(b, "questions", o->stats.questions, mode, why, cap) != 0 ||
        expect_num(b, "queries", o->stats.queries, mode, why, cap) != 0 ||
        expect_num(b, "round-trips", o->stats.round_trips, mode, why, cap) != 0)
        return -1;
    return 0;
}

int
iprev_harness_run_block(const case_section_t *s, const case_block_t *b, char *why, size_t cap)
{
    static iprev_harness_out_t o; /* large; tests run one at a time */
    iprev_harness_case_t       c;
    const char                *mq = case_block_get(b, "max-queries");
    memset(&c, 0, sizeof(c));
    c.zone = s->zone;
    c.zone_len = s->zone_len;
    c.ip = case_block_get(b, "ip");
    if (c.ip == NULL) {
        snprintf(why, cap, "no ip");
        return -1;
    }
    if (mq != NULL && !parse_u32(mq, &c.max_queries)) {
        snprintf(why, cap, "bad max-queries: %s", mq);
        return -1;
    }
    for (int async = 0; async < 2; async++) {
        const char *mode = async ? "async" : "blocking";
        c.async = async != 0;
        c.delay_ms = ASYNC_DELAY_MS;
        if (iprev_harness_run(&c, &o) != 0) {
            snprintf(why, cap, "%s: %s", mode, o.error);
            return -1;
        }
        if (expect_all(b, &o, mode, why, cap) != 0)
            return -1;
    }
    return 0;
}
