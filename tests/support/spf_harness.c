/* Run one SPF check over a zone resolver (see spf_harness.h). */
#include "support/drive.h"
#include "support/spf_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx_int.h"
#include "dns/dns.h"
#include "spf/spf.h"
#include "support/case_file.h"
#include "util/arena.h"
#include "util/ip.h"

typedef struct run {
    uint64_t mono_ms; /* simulated monotonic clock */
    int64_t  wall_s;
    bool     woken;
} run_t;

static uint64_t
clock_fn(void *ud, mailauth_clock_kind_t kind)
{
    run_t *r = ud;
    return kind == MAILAUTH_CLOCK_WALL ? (uint64_t)r->wall_s * 1000u : r->mono_ms;
}

static void
wake_fn(void *ud)
{
    ((run_t *)ud)->woken = true;
}

static void
copy_str(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s != NULL ? s : "");
}

/* The <sender> and <domain> of check_host() as the core builds them (RFC 7208 §2.4, §4.3). */
static void
identity(const spf_harness_case_t *c, char *sender, char *domain, size_t cap)
{
    const char *helo = c->helo != NULL ? c->helo : "";
    const char *mf = c->mailfrom != NULL ? c->mailfrom : "";
    const char *at = strrchr(mf, '@');
    if (c->helo_identity || mf[0] == '\0') {
        snprintf(sender, cap, "postmaster@%s", helo);
        snprintf(domain, cap, "%s", helo);
    } else if (at == NULL) {
        snprintf(sender, cap, "postmaster@%s", mf);
        snprintf(domain, cap, "%s", mf);
    } else {
        snprintf(sender, cap, "%s", mf);
        snprintf(domain, cap, "%s", at + 1);
    }
    for (char *p = domain; *p != '\0'; p++) { /* A-label, lower case, as the core passes it */
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
}

static int
setup_ctx(const spf_harness_case_t *c, run_t *rs, mailauth_ctx_t **ctx, spf_harness_out_t *out)
{
    if (mailauth_ctx_new(NULL, ctx) != MAILAUTH_OK ||
        mailauth_ctx_set_clock(*ctx, clock_fn, rs) != MAILAUTH_OK ||
        (c->default_exp != NULL &&
         mailauth_ctx_set_spf_default_explanation(*ctx, c->default_exp) != MAILAUTH_OK) ||
        (c->authserv_id != NULL &&
         mailauth_ctx_set_authserv_id(*ctx, c->authserv_id) != MAILAUTH_OK)) {
        copy_str(out->error, sizeof(out->error), "ctx setup failed");
        return -1;
    }
    for (unsigned i = 0; i < MAILAUTH__LIMIT_COUNT; i++) {
        if (c->limits[i] != 0 &&
            mailauth_ctx_set_limit(*ctx, (mailauth_limit_t)i, c->limits[i]) != MAILAUTH_OK) {
            copy_str(out->error, sizeof(out->error), "bad limit");
            return -1;
        }
    }
    return 0;
}

/* Drive the resolver until the client is woken. */
static int
drive(const spf_harness_case_t *c, mailauth_resolver_t *r, run_t *rs, spf_harness_out_t *out)
{
    return drive_until_woken(r, c->async, &rs->mono_ms, &rs->woken, out->error,
                             sizeof(out->error));
}

static void
collect(const mailauth_spf_result_t *res, spf_harness_out_t *out)
{
    size_t need = 0;
    out->verdict = mailauth_spf_result_verdict(res);
    out->reason = mailauth_spf_result_reason(res);
    out->has_explanation = mailauth_spf_result_explanation(res) != NULL;
    copy_str(out->explanation, sizeof(out->explanation), mailauth_spf_result_explanation(res));
    copy_str(out->mechanism, sizeof(out->mechanism), mailauth_spf_result_mechanism(res));
    copy_str(out->problem, sizeof(out->problem), mailauth_spf_result_problem(res));
    out->dns_terms = mailauth_spf_result_dns_terms(res);
    if (mailauth_spf_result_format_received_spf(res, out->received_spf, sizeof(out->received_spf),
                                         &need) != MAILAUTH_OK)
        copy_str(out->error, sizeof(out->error), "Received-SPF did not fit");
}

static int
check(const spf_harness_case_t *c, mailauth_ctx_t *ctx, mailauth_resolver_t *r, run_t *rs,
      spf_harness_out_t *out)
{
    mailauth__dnsc_t      dns;
    mailauth__arena_t     a;
    mailauth__spf_input_t in;
    mailauth__spf_t      *s = NULL;
    char                  sender[600], domain[600];
    mailauth_status_t     st;
    int                   rc = -1;
    memset(&in, 0, sizeof(in));
    if (!mailauth__ip_parse(c->ip, strlen(c->ip), &in.ip)) {
        copy_str(out->error, sizeof(out->error), "bad client address");
        return -1;
    }
    mailauth__ip_unmap_v4(&in.ip);
    identity(c, sender, domain, sizeof(sender));
    in.sender = sender;
    in.domain = domain;
    in.helo = c->helo;
    in.identity = c->helo_identity ? MAILAUTH_SPF_HELO : MAILAUTH_SPF_MAILFROM;
    mailauth__dnsc_init(&dns, r, wake_fn, rs);
    mailauth__dnsc_set_timeout(&dns, mailauth_ctx_limit(ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    mailauth__arena_init(&a, c->arena_al);
    st = mailauth__spf_start(&a, mailauth__ctx_env(ctx), &dns, &in, &s);
    while (st == MAILAUTH_OK) {
        rs->woken = false;
        out->steps++;
        st = mailauth__spf_step(s);
        if (st != MAILAUTH_EAGAIN)
            break;
        if (drive(c, r, rs, out) != 0)
            goto done;
        st = MAILAUTH_OK;
    }
    if (st != MAILAUTH_OK) {
        snprintf(out->error, sizeof(out->error), "spf failed: %s", mailauth_strerror(st));
        out->status = st;
        goto done;
    }
    collect(mailauth__spf_result(s), out);
    rc = out->error[0] == '\0' ? 0 : -1;
done:
    mailauth__dnsc_clear(&dns);
    mailauth__arena_clear(&a);
    return rc;
}

/* The same check once more over the same resolver: its cache is warm now,
 * and the records come parsed with the cached answers (spf_lookup.c). The
 * result must not change. */
static int
check_again(const spf_harness_case_t *c, mailauth_ctx_t *ctx, mailauth_resolver_t *r, run_t *rs,
            spf_harness_out_t *out)
{
    static spf_harness_out_t again; /* large; tests run one at a time */
    memset(&again, 0, sizeof(again));
    if (check(c, ctx, r, rs, &again) != 0 || again.verdict != out->verdict ||
        again.reason != out->reason || again.has_explanation != out->has_explanation ||
        again.dns_terms != out->dns_terms || strcmp(again.explanation, out->explanation) != 0 ||
        strcmp(again.mechanism, out->mechanism) != 0 || strcmp(again.problem, out->problem) != 0 ||
        strcmp(again.received_spf, out->received_spf) != 0) {
        snprintf(out->error, sizeof(out->error),
                 "a second check over the warm cache differs: %s (%.40s) %.60s%.40s",
                 mailauth_verdict_name(again.verdict), again.mechanism, again.problem, again.error);
        return -1;
    }
    return 0;
}

int
spf_harness_run(const spf_harness_case_t *c, spf_harness_out_t *out)
{
    run_t                rs = {.mono_ms = 1000000, .wall_s = c->now, .woken = false};
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    size_t               errline = 0;
    int                  rc = -1;
    memset(out, 0, sizeof(*out));
    if (setup_ctx(c, &rs, &ctx, out) != 0)
        goto done;
    if (mailauth_resolver_new_zone(ctx, c->zone, c->zone_len, &errline, &r) != MAILAUTH_OK) {
        snprintf(out->error, sizeof(out->error), "zone syntax error at line %zu", errline);
        goto done;
    }
    if (c->async)
        (void)mailauth_resolver_zone_set_delay(r, c->delay_ms != 0 ? c->delay_ms : 1);
    rc = check(c, ctx, r, &rs, out);
    out->stats.version = MAILAUTH_RESOLVER_STATS_VERSION;
    (void)mailauth_resolver_stats(r, &out->stats);
    if (rc == 0 && c->arena_al == NULL)
        rc = check_again(c, ctx, r, &rs, out);
done:
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    return rc;
}

/* ---- key/value blocks ---- */

static bool
word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p != '\0';) {
        const char *e = p;
        while (*e != '\0' && *e != ' ' && *e != ',')
            e++;
        if ((size_t)(e - p) == n && strncmp(p, word, n) == 0)
            return true;
        p = *e != '\0' ? e + 1 : e;
    }
    return false;
}

static bool
eq_nocase(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

static int
parse_limits(const char *spec, spf_harness_case_t *c)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *tok = buf; tok != NULL && *tok != '\0';) {
        char *comma = strchr(tok, ',');
        char *eq;
        int   found = 0;
        if (comma != NULL)
            *comma = '\0';
        eq = strchr(tok, '=');
        if (eq == NULL)
            return -1;
        *eq = '\0';
        for (unsigned i = 0; i < MAILAUTH__LIMIT_COUNT; i++) {
            if (strcmp(mailauth_limit_name((mailauth_limit_t)i), tok) == 0) {
                c->limits[i] = (uint32_t)strtoul(eq + 1, NULL, 10);
                found = 1;
            }
        }
        if (!found)
            return -1;
        tok = comma != NULL ? comma + 1 : NULL;
    }
    return 0;
}

static int
block_case(const struct case_section *s, const struct case_block *b, spf_harness_case_t *c,
           char *why, size_t cap)
{
    const char *v;
    memset(c, 0, sizeof(*c));
    c->zone = s->zone;
    c->zone_len = s->zone_len;
    c->ip = case_block_get(b, "ip");
    c->helo = case_block_get(b, "helo");
    c->mailfrom = case_block_get(b, "mailfrom");
    c->default_exp = case_block_get(b, "default-exp");
    c->authserv_id = case_block_get(b, "authserv-id");
    c->now = (v = case_block_get(b, "now")) != NULL ? strtoll(v, NULL, 10) : 1400000000;
    c->helo_identity = (v = case_block_get(b, "identity")) != NULL && strcmp(v, "helo") == 0;
    if (c->ip == NULL || case_block_get(b, "result") == NULL) {
        snprintf(why, cap, "block without ip or result");
        return -1;
    }
    if ((v = case_block_get(b, "limits")) != NULL && parse_limits(v, c) != 0) {
        snprintf(why, cap, "bad limits: %s", v);
        return -1;
    }
    return 0;
}

static int
expect(const struct case_block *b, const spf_harness_out_t *o, unsigned flags, const char *mode,
       char *why, size_t cap)
{
    const char *v;
    const char *got = mailauth_verdict_name(o->verdict);
    if (o->error[0] != '\0')
        return snprintf(why, cap, "%s: %s", mode, o->error), -1;
    if (!word_in(case_block_get(b, "result"), got))
        return snprintf(why, cap, "%s: result %s, want %s (problem: %s)", mode, got,
                        case_block_get(b, "result"), o->problem),
               -1;
    if ((v = case_block_get(b, "explanation")) != NULL) {
        bool want_none = strcmp(v, "(none)") == 0;
        bool ok = want_none ? !o->has_explanation
                            : o->has_explanation && ((flags & SPF_HARNESS_EXP_NOCASE)
                                                         ? eq_nocase(v, o->explanation)
                                                         : strcmp(v, o->explanation) == 0);
        if (!ok)
            return snprintf(why, cap, "%s: explanation \"%s\"%s, want \"%s\"", mode, o->explanation,
                            o->has_explanation ? "" : " (none)", v),
                   -1;
    }
    if ((v = case_block_get(b, "mechanism")) != NULL && strcmp(v, o->mechanism) != 0)
        return snprintf(why, cap, "%s: mechanism \"%s\", want \"%s\"", mode, o->mechanism, v), -1;
    if ((v = case_block_get(b, "problem")) != NULL && strstr(o->problem, v) == NULL)
        return snprintf(why, cap, "%s: problem \"%s\", want \"%s\" in it", mode, o->problem, v), -1;
    if ((v = case_block_get(b, "reason")) != NULL &&
        strcmp(v, mailauth_reason_name(o->reason)) != 0)
        return snprintf(why, cap, "%s: reason %s, want %s", mode, mailauth_reason_name(o->reason),
                        v),
               -1;
    if ((v = case_block_get(b, "dns-terms")) != NULL && strtoul(v, NULL, 10) != o->dns_terms)
        return snprintf(why, cap, "%s: %u DNS terms, want %s", mode, o->dns_terms, v), -1;
    return 0;
}

int
spf_harness_run_block(const struct case_section *s, const struct case_block *b, unsigned flags,
                      char *why, size_t cap)
{
    spf_harness_case_t c;
    spf_harness_out_t *o = calloc(2, sizeof(*o));
    int                rc = -1;
    if (o == NULL)
        return snprintf(why, cap, "out of memory"), -1;
    if (block_case(s, b, &c, why, cap) != 0)
        goto done;
    (void)spf_harness_run(&c, &o[0]);
    if (expect(b, &o[0], flags, "blocking", why, cap) != 0)
        goto done;
    c.async = true;
    (void)spf_harness_run(&c, &o[1]);
    if (expect(b, &o[1], flags, "async", why, cap) != 0)
        goto done;
    /* The verdict must not depend on when answers arrive. */
    if (o[0].verdict != o[1].verdict || o[0].reason != o[1].reason ||
        o[0].dns_terms != o[1].dns_terms || strcmp(o[0].explanation, o[1].explanation) != 0 ||
        strcmp(o[0].mechanism, o[1].mechanism) != 0 || strcmp(o[0].problem, o[1].problem) != 0) {
        snprintf(why, cap, "blocking and async runs differ: %s/%u/%s vs %s/%u/%s",
                 mailauth_verdict_name(o[0].verdict), o[0].dns_terms, o[0].problem,
                 mailauth_verdict_name(o[1].verdict), o[1].dns_terms, o[1].problem);
        goto done;
    }
    rc = 0;
done:
    free(o);
    return rc;
}
