/* Run one DMARC evaluation over a zone resolver (see dmarc_harness.h). */
#include "support/drive.h"
#include "support/dmarc_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx_int.h"
#include "dns/dns.h"
#include "dns/dns_int.h"
#include "msg/msg.h"
#include "support/case_file.h"
#include "util/arena.h"

typedef struct run {
    uint64_t mono_ms;
    bool     woken;
    uint32_t random;
    unsigned random_calls;
} run_t;

static uint64_t
clock_fn(void *ud, mailauth_clock_kind_t kind)
{
    run_t *r = ud;
    return kind == MAILAUTH_CLOCK_WALL ? 1700000000000ull : r->mono_ms;
}

static uint32_t
random_fn(void *ud)
{
    run_t *r = ud;
    r->random_calls++;
    return r->random;
}

static void
wake_fn(void *ud)
{
    ((run_t *)ud)->woken = true;
}

static void
copy_str(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s != NULL ? s : "(null)");
}

static int
setup_ctx(const dmarc_harness_case_t *c, run_t *rs, mailauth_ctx_t **ctx, dmarc_harness_out_t *out)
{
    if (mailauth_ctx_new(NULL, ctx) != MAILAUTH_OK ||
        mailauth_ctx_set_clock(*ctx, clock_fn, rs) != MAILAUTH_OK ||
        mailauth_ctx_set_dmarc_mode(*ctx, c->mode) != MAILAUTH_OK ||
        mailauth_ctx_set_random(*ctx, random_fn, rs) != MAILAUTH_OK ||
        (c->treewalk != 0 && mailauth_ctx_set_limit(*ctx, MAILAUTH_LIMIT_DMARC_TREEWALK_QUERIES,
                                                    c->treewalk) != MAILAUTH_OK) ||
        (c->max_queries != 0 &&
         mailauth_ctx_set_limit(*ctx, MAILAUTH_LIMIT_DNS_QUERIES, c->max_queries) != MAILAUTH_OK)) {
        copy_str(out->error, sizeof(out->error), "ctx setup failed");
        return -1;
    }
    return 0;
}

/* Drive the resolver until the client is woken. */
static int
drive(const dmarc_harness_case_t *c, mailauth_resolver_t *r, run_t *rs, dmarc_harness_out_t *out)
{
    return drive_until_woken(r, c->async, &rs->mono_ms, &rs->woken, out->error,
                             sizeof(out->error));
}

/* Step until st is not EAGAIN. */
static mailauth_status_t
settle(const dmarc_harness_case_t *c, mailauth__dmarc_t *d, mailauth_status_t st,
       mailauth_resolver_t *r, run_t *rs, dmarc_harness_out_t *out)
{
    while (st == MAILAUTH_EAGAIN) {
        if (drive(c, r, rs, out) != 0)
            return MAILAUTH_EINTERNAL;
        rs->woken = false;
        st = mailauth__dmarc_step(d);
    }
    return st;
}

static void
join_uris(char *dst, size_t cap, size_t n,
          const char *(*get)(const mailauth_dmarc_result_t *, size_t),
          const mailauth_dmarc_result_t *res)
{
    size_t k = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(dst + k, cap - k, "%s%s", i > 0 ? "," : "", get(res, i));
}

static void
collect(const mailauth_dmarc_result_t *res, dmarc_harness_out_t *o)
{
    o->verdict = mailauth_dmarc_result_verdict(res);
    o->reason = mailauth_dmarc_result_reason(res);
    o->policy = mailauth_dmarc_result_policy(res);
    o->disposition = mailauth_dmarc_result_disposition(res);
    o->discovery = mailauth_dmarc_result_discovery(res);
    o->spf_aligned = mailauth_dmarc_result_spf_aligned(res);
    o->dkim_aligned = mailauth_dmarc_result_dkim_aligned(res);
    o->sampled_out = mailauth_dmarc_result_sampled_out(res);
    o->testing = mailauth_dmarc_result_testing(res);
    o->pct = mailauth_dmarc_result_pct(res);
    o->adkim = mailauth_dmarc_result_adkim(res);
    o->aspf = mailauth_dmarc_result_aspf(res);
    o->ri = mailauth_dmarc_result_ri(res);
    o->psd = mailauth_dmarc_psd_name(mailauth_dmarc_result_psd(res))[0];
    copy_str(o->problem, sizeof(o->problem), mailauth_dmarc_result_problem(res));
    copy_str(o->header_from, sizeof(o->header_from), mailauth_dmarc_result_header_from(res));
    copy_str(o->org_domain, sizeof(o->org_domain), mailauth_dmarc_result_org_domain(res));
    copy_str(o->policy_domain, sizeof(o->policy_domain), mailauth_dmarc_result_policy_domain(res));
    copy_str(o->policy_tag, sizeof(o->policy_tag), mailauth_dmarc_result_policy_tag(res));
    copy_str(o->dkim_domain, sizeof(o->dkim_domain), mailauth_dmarc_result_dkim_domain(res));
    copy_str(o->fo, sizeof(o->fo), mailauth_dmarc_result_fo(res));
    copy_str(o->rf, sizeof(o->rf), mailauth_dmarc_result_rf(res));
    copy_str(o->record, sizeof(o->record), mailauth_dmarc_result_record(res));
    join_uris(o->rua, sizeof(o->rua), mailauth_dmarc_result_rua_count(res),
              mailauth_dmarc_result_rua, res);
    join_uris(o->ruf, sizeof(o->ruf), mailauth_dmarc_result_ruf_count(res),
              mailauth_dmarc_result_ruf, res);
}

/* The questions the client holds, in the order asked. */
static void
collect_asked(const mailauth__dnsc_t *dns, dmarc_harness_out_t *o)
{
    size_t k = 0;
    o->asked[0] = '\0';
    for (size_t i = 0; i < dns->nheld && k < sizeof(o->asked); i++) {
        const mailauth__dns_q_t *q = dns->held[i];
        k += (size_t)snprintf(o->asked + k, sizeof(o->asked) - k, "%s%s%s", i > 0 ? " " : "",
                              q->name, q->type == MAILAUTH_DNS_TXT ? "" : "/A");
    }
}

static int
evaluate(const dmarc_harness_case_t *c, mailauth_ctx_t *ctx, mailauth_resolver_t *r, run_t *rs,
         dmarc_harness_out_t *out)
{
    mailauth__dnsc_t         dns;
    mailauth__arena_t        a, ha;
    mailauth__hdr_index_t    idx;
    mailauth__dmarc_t       *d = NULL;
    mailauth__dmarc_inputs_t in = {c->spf_verdict, c->spf_domain, c->dkim, c->ndkim};
    mailauth_status_t        st = MAILAUTH_OK;
    int                      rc = -1;
    mailauth__arena_init(&a, c->arena_al);
    mailauth__arena_init(&ha, NULL);
    mailauth__hdr_index_init(&idx, &ha, 1000, 65536);
    for (size_t i = 0; i < c->nfields; i++)
        (void)mailauth__hdr_index_add(&idx, c->fields[i], strlen(c->fields[i]));
    mailauth__dnsc_init(&dns, r, wake_fn, rs);
    mailauth__dnsc_set_timeout(&dns, mailauth_ctx_limit(ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    st = mailauth__dmarc_start(&a, mailauth__ctx_env(ctx), &dns, &idx, &d);
    for (size_t i = 0; st == MAILAUTH_OK && c->prefetch && i <= c->ndkim; i++)
        st = mailauth__dmarc_prefetch(d, i < c->ndkim            ? c->dkim[i].domain
                                         : c->spf_domain != NULL ? c->spf_domain
                                                                 : "");
    if (st == MAILAUTH_OK)
        st = settle(c, d, mailauth__dmarc_step(d), r, rs, out);
    if (st == MAILAUTH_OK)
        st = settle(c, d, mailauth__dmarc_finish(d, &in), r, rs, out);
    if (st == MAILAUTH_OK && !mailauth__dmarc_done(d))
        st = MAILAUTH_EINTERNAL;
    if (st != MAILAUTH_OK) {
        if (out->error[0] == '\0')
            snprintf(out->error, sizeof(out->error), "dmarc failed: %s", mailauth_strerror(st));
        goto done;
    }
    collect(mailauth__dmarc_result(d), out);
    collect_asked(&dns, out);
    rc = 0;
done:
    mailauth__dnsc_clear(&dns);
    mailauth__arena_clear(&a);
    mailauth__arena_clear(&ha);
    return rc;
}

int
dmarc_harness_run(const dmarc_harness_case_t *c, dmarc_harness_out_t *out)
{
    run_t                rs = {.mono_ms = 1000000, .woken = false, .random = c->random};
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
        (void)mailauth_resolver_zone_set_delay(r, 1);
    rc = evaluate(c, ctx, r, &rs, out);
    out->random_calls = rs.random_calls;
done:
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    return rc;
}

/* ---- key/value blocks ---- */

static int
parse_verdict(const char *w, size_t n, mailauth_verdict_t *v)
{
    char buf[32];
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, w, n);
    buf[n] = '\0';
    return mailauth_verdict_from_name(buf, v) == MAILAUTH_OK ? 0 : -1;
}

/* "pass a.example, fail b.example" into c->dkim (domains point into the block). */
static int
parse_dkim(const char *spec, dmarc_harness_case_t *c, char *store, size_t cap)
{
    char *p;
    snprintf(store, cap, "%s", spec);
    for (p = store; *p != '\0' && c->ndkim < DMARC_HARNESS_DKIM_MAX;) {
        char *comma = strchr(p, ',');
        char *sp;
        if (comma != NULL)
            *comma = '\0';
        while (*p == ' ')
            p++;
        sp = strchr(p, ' ');
        if (sp == NULL || parse_verdict(p, (size_t)(sp - p), &c->dkim[c->ndkim].verdict) != 0)
            return -1;
        c->dkim[c->ndkim++].domain = sp + 1;
        p = comma != NULL ? comma + 1 : p + strlen(p);
    }
    return 0;
}

/* Per-case storage the case points into (one per thread of use; tests are sequential). */
static char field_store[DMARC_HARNESS_FIELDS_MAX][4096];
static char dkim_store[1024];

static int
block_fields(const struct case_block *b, dmarc_harness_case_t *c)
{
    for (size_t i = 0; i < b->nkv; i++) {
        const char *k = b->kv[i].key;
        if (strcmp(k, "from") != 0 && strcmp(k, "header") != 0)
            continue;
        if (c->nfields == DMARC_HARNESS_FIELDS_MAX)
            return -1;
        snprintf(field_store[c->nfields], sizeof(field_store[0]), "%s%s",
                 strcmp(k, "from") == 0 ? "From: " : "", b->kv[i].value);
        c->fields[c->nfields] = field_store[c->nfields];
        c->nfields++;
    }
    return 0;
}

unsigned
dmarc_harness_block_modes(const struct case_block *b)
{
    const char *v = case_block_get(b, "mode");
    unsigned    m = 0;
    if (v == NULL)
        return 1;
    m |= strstr(v, "7489") != NULL ? 1u : 0u;
    m |= strstr(v, "9989") != NULL ? 2u : 0u;
    return m;
}

int
dmarc_harness_block_case(const struct case_section *s, const struct case_block *b,
                         mailauth_dmarc_mode_t mode, dmarc_harness_case_t *c, char *why, size_t cap)
{
    const char *v;
    memset(c, 0, sizeof(*c));
    c->zone = s->zone;
    c->zone_len = s->zone_len;
    c->mode = mode;
    c->spf_verdict = MAILAUTH_VERDICT_NONE;
    if (block_fields(b, c) != 0)
        return snprintf(why, cap, "too many header fields"), -1;
    if ((v = case_block_get(b, "spf")) != NULL) {
        const char *sp = strchr(v, ' ');
        if (parse_verdict(v, sp != NULL ? (size_t)(sp - v) : strlen(v), &c->spf_verdict) != 0)
            return snprintf(why, cap, "bad spf: %s", v), -1;
        c->spf_domain = sp != NULL ? sp + 1 : NULL;
    }
    if ((v = case_block_get(b, "dkim")) != NULL && parse_dkim(v, c, dkim_store, sizeof(dkim_store)))
        return snprintf(why, cap, "bad dkim: %s", v), -1;
    if ((v = case_block_get(b, "random")) != NULL)
        c->random = (uint32_t)strtoul(v, NULL, 10);
    if ((v = case_block_get(b, "treewalk")) != NULL)
        c->treewalk = (uint32_t)strtoul(v, NULL, 10);
    if ((v = case_block_get(b, "max-queries")) != NULL)
        c->max_queries = (uint32_t)strtoul(v, NULL, 10);
    c->prefetch = (v = case_block_get(b, "prefetch")) != NULL && strcmp(v, "yes") == 0;
    return 0;
}

/* The expected value of key in this mode ("9989.key" beats "key"). */
static const char *
want(const struct case_block *b, const char *key, mailauth_dmarc_mode_t mode)
{
    char        k[64];
    const char *v;
    snprintf(k, sizeof(k), "%s.%s", mode == MAILAUTH_DMARC_RFC9989 ? "9989" : "7489", key);
    v = case_block_get(b, k);
    return v != NULL ? v : case_block_get(b, key);
}

static const char *
yn(int v)
{
    return v ? "yes" : "no";
}

typedef struct check {
    const char *key;
    const char *got;
    bool        substring;
} check_t;

static int
expect(const struct case_block *b, const dmarc_harness_out_t *o, mailauth_dmarc_mode_t mode,
       const char *drive_name, char *why, size_t cap)
{
    char          num[4][24], psd[2] = {o->psd, '\0'};
    unsigned long nasked = o->asked[0] != '\0' ? 1 : 0;
    for (const char *p = o->asked; *p != '\0'; p++)
        nasked += *p == ' ';
    snprintf(num[0], sizeof(num[0]), "%u", o->pct);
    snprintf(num[1], sizeof(num[1]), "%u", (unsigned)o->ri);
    snprintf(num[2], sizeof(num[2]), "%lu", nasked);
    snprintf(num[3], sizeof(num[3]), "%u", o->random_calls);
    const check_t checks[] = {
        {"result", mailauth_verdict_name(o->verdict), false},
        {"reason", mailauth_reason_name(o->reason), false},
        {"policy", mailauth_dmarc_policy_name(o->policy), false},
        {"policy-tag", o->policy_tag, false},
        {"disposition", mailauth_dmarc_policy_name(o->disposition), false},
        {"header-from", o->header_from, false},
        {"org-domain", o->org_domain, false},
        {"policy-domain", o->policy_domain, false},
        {"discovery", mailauth_dmarc_discovery_name(o->discovery), false},
        {"spf-aligned", yn(o->spf_aligned), false},
        {"dkim-aligned", yn(o->dkim_aligned), false},
        {"dkim-domain", o->dkim_domain, false},
        {"sampled-out", yn(o->sampled_out), false},
        {"testing", yn(o->testing), false},
        {"pct", num[0], false},
        {"adkim", mailauth_dmarc_align_name(o->adkim), false},
        {"aspf", mailauth_dmarc_align_name(o->aspf), false},
        {"ri", num[1], false},
        {"psd", psd, false},
        {"rua", o->rua, false},
        {"ruf", o->ruf, false},
        {"fo", o->fo, false},
        {"rf", o->rf, false},
        {"record", o->record, false},
        {"problem", o->problem, true},
        {"asked", o->asked, false},
        {"asked-count", num[2], false},
        {"random-calls", num[3], false},
    };
    const char *mname = mode == MAILAUTH_DMARC_RFC9989 ? "9989" : "7489";
    if (o->error[0] != '\0')
        return snprintf(why, cap, "%s/%s: %s", mname, drive_name, o->error), -1;
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        const char *w = want(b, checks[i].key, mode);
        bool        ok = w == NULL || (checks[i].substring ? strstr(checks[i].got, w) != NULL
                                                           : strcmp(checks[i].got, w) == 0);
        if (!ok)
            return snprintf(why, cap, "%s/%s: %s is \"%s\", want \"%s\" (result %s, problem: %s)",
                            mname, drive_name, checks[i].key, checks[i].got, w,
                            mailauth_verdict_name(o->verdict), o->problem),
                   -1;
    }
    return 0;
}

int
dmarc_harness_run_block(const struct case_section *s, const struct case_block *b, char *why,
                        size_t cap)
{
    dmarc_harness_case_t c;
    dmarc_harness_out_t *o = calloc(1, sizeof(*o));
    unsigned             modes = dmarc_harness_block_modes(b);
    int                  rc = -1;
    if (o == NULL)
        return snprintf(why, cap, "out of memory"), -1;
    for (int m = 0; m < 2; m++) {
        mailauth_dmarc_mode_t mode = m == 0 ? MAILAUTH_DMARC_RFC7489 : MAILAUTH_DMARC_RFC9989;
        if ((modes & (1u << m)) == 0)
            continue;
        if (want(b, "result", mode) == NULL) {
            snprintf(why, cap, "block without result");
            goto done;
        }
        for (int async = 0; async < 2; async++) {
            if (dmarc_harness_block_case(s, b, mode, &c, why, cap) != 0)
                goto done;
            c.async = async != 0;
            (void)dmarc_harness_run(&c, o);
            if (expect(b, o, mode, async ? "async" : "blocking", why, cap) != 0)
                goto done;
        }
    }
    rc = 0;
done:
    free(o);
    return rc;
}
