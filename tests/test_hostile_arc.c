/* hostile_arc: hostile ARC header sections (instance numbers out of range,
 * duplicated sets, floods, the longest chain allowed and one set more)
 * through the public evaluation API must end in their expected ARC verdict
 * and reason, within a peak-memory bound (ctx allocator), without a leak,
 * and with a bounded number of DNS questions.
 * Same shape as test_hostile_dkim.c.
 *
 * Chains are sealed at test time (tests/support/arc_keys: RSA keys
 * published under many.example, selectors s1..s50, and hop1.example) with
 * the wall clock pinned at NOW, the evaluation's clock too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/arc_keys.h"
#include "support/hostile.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1700000000LL

typedef struct ainput {
    gbuf_t   zone, msg;
    uint32_t limits[2];
    size_t   nlimits;
} ainput_t;

/* ---- chains ---------------------------------------------------------------------------------- */

/* The chain of 50 sets sealed by many.example (s1..s50), built once. */
static char *fifty;

static char *
seal_chain(const char *msg, unsigned from, unsigned to, const char *domain)
{
    char *cur = strdup(msg);
    assert_non_null(cur);
    for (unsigned i = from; i <= to; i++) {
        char     sel[16];
        unsigned inst = 0;
        char    *next;
        (void)snprintf(sel, sizeof(sel), strcmp(domain, "many.example") == 0 ? "s%u" : "arc", i);
        next = arc_test_seal(ARC_KEY_RSA, domain, sel, cur,
                             i == 1 ? MAILAUTH_VERDICT_NONE : MAILAUTH_VERDICT_PASS, NOW, &inst);
        assert_int_equal(inst, i);
        free(cur);
        cur = next;
    }
    return cur;
}

static const char *
chain50(void)
{
    if (fifty == NULL)
        fifty = seal_chain(ARC_BASE_MSG, 1, 50, "many.example");
    return fifty;
}

static void
base_zone(ainput_t *in)
{
    gprintf(&in->zone, "%sexample.com TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n", arc_test_zone());
}

/* The three fields of instance `i` of msg, each ending in CRLF (folded
 * fields kept whole), in the order they appear. */
static void
copy_set(gbuf_t *out, const char *msg, unsigned i)
{
    char        tag[16];
    const char *p = msg;
    (void)snprintf(tag, sizeof(tag), "i=%u;", i);
    while (*p != '\0' && !(p[0] == '\r' && p[1] == '\n')) {
        const char *end = strstr(p, "\r\n");
        while (end != NULL && (end[2] == ' ' || end[2] == '\t'))
            end = strstr(end + 2, "\r\n");
        if (end == NULL) { /* (a return the analyzer sees: cmocka's assert is not noreturn) */
            fail_msg("unterminated header field");
            return;
        }
        if (strncmp(p, "ARC-", 4) == 0 && strchr(p, ':') != NULL) {
            const char *t = strstr(strchr(p, ':'), tag);
            if (t != NULL && t < end && (t[-1] == ' ' || t[-1] == ':' || t[-1] == ';'))
                gput(out, p, (size_t)(end - p) + 2);
        }
        p = end + 2;
    }
}

/* Replace the first `from` at or after `at` in b by `to` (same length or not). */
static void
replace(gbuf_t *b, size_t at, const char *from, const char *to)
{
    char  *hit = b->p != NULL ? strstr(b->p + at, from) : NULL;
    gbuf_t out = {0};
    if (hit == NULL) {
        fail_msg("'%s' not found", from);
        return;
    }
    gput(&out, b->p, (size_t)(hit - b->p));
    gprintf(&out, "%s%s", to, hit + strlen(from));
    gfree(b);
    *b = out;
}

/* ---- rows ------------------------------------------------------------------------------------ */

/* A set whose fields all say i=<n>. */
static void
forged_set(ainput_t *in, unsigned n)
{
    base_zone(in);
    gprintf(&in->msg,
            "ARC-Seal: i=%u; cv=none; a=rsa-sha256; d=hop1.example; s=arc; t=1700000000; b=AAAA\r\n"
            "ARC-Message-Signature: i=%u; a=rsa-sha256; c=relaxed/relaxed; d=hop1.example;\r\n"
            " s=arc; h=from:to; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
            "ARC-Authentication-Results: i=%u; mx.hop1.example; spf=pass\r\n%s",
            n, n, n, ARC_BASE_MSG);
}

static void
b_i51(ainput_t *in)
{
    forged_set(in, 51);
}

static void
b_i0(ainput_t *in)
{
    forged_set(in, 0);
}

/* A sealed set, then a second copy of it: every instance-1 field twice. */
static void
b_duplicated(ainput_t *in)
{
    char *one = seal_chain(ARC_BASE_MSG, 1, 1, "hop1.example");
    base_zone(in);
    copy_set(&in->msg, one, 1);
    gprintf(&in->msg, "%s", one);
    free(one);
}

static void
b_fifty(ainput_t *in)
{
    base_zone(in);
    gprintf(&in->msg, "%s", chain50());
}

/* The 50 sets and a 51st forged from the 50th (RFC 8617 §4.2.1: at most 50). */
static void
b_fifty_one(ainput_t *in)
{
    gbuf_t set = {0};
    base_zone(in);
    copy_set(&set, chain50(), 50);
    for (int k = 0; k < 3; k++)
        replace(&set, 0, "i=50;", "i=51;");
    gprintf(&in->msg, "%s%s", set.p, chain50());
    gfree(&set);
}

/* 1,000 ARC-Seal fields, i=1..1000, on top of a sealed set. */
static void
b_1000_seals(ainput_t *in)
{
    base_zone(in);
    for (int i = 1000; i >= 1; i--)
        gprintf(&in->msg, "ARC-Seal: i=%d; cv=pass; a=rsa-sha256; d=x.example; s=s; b=AAAA\r\n", i);
    gprintf(&in->msg, "%s", ARC_BASE_MSG);
    in->limits[in->nlimits++] = MAILAUTH_LIMIT_HEADER_MAX_COUNT;
    in->limits[in->nlimits++] = 2000;
}

/* Three sealed sets, the middle seal rewritten to cv=fail (§5.2 step 3.3). */
static void
b_cv_fail_middle(ainput_t *in)
{
    char  *three = seal_chain(ARC_BASE_MSG, 1, 3, "hop1.example");
    gbuf_t m = {0};
    char  *as2;
    base_zone(in);
    gprintf(&m, "%s", three);
    as2 = strstr(m.p, "ARC-Seal: i=2;");
    assert_non_null(as2);
    replace(&m, (size_t)(as2 - m.p), "cv=pass", "cv=fail");
    gput(&in->msg, m.p, m.n);
    gfree(&m);
    free(three);
}

/* ---- the table ------------------------------------------------------------------------------- */

typedef struct acase {
    const char *name;
    void (*build)(ainput_t *in);
    mailauth_verdict_t v;
    mailauth_reason_t  r;
    unsigned           instances;     /* mailauth_arc_result_instances() */
    unsigned           max_questions; /* DNS questions of the whole eval */
    size_t             max_peak;
} acase_t;

#define FAIL MAILAUTH_VERDICT_FAIL
#define ROW(nm, fn, v_, r_, n, q, peak)                                                        \
    {                                                                                              \
        .name = (nm), .build = (fn), .v = (v_), .r = (r_), .instances = (n), .max_questions = (q), \
        .max_peak = (peak)                                                         \
    }

static const acase_t cases[] = {
    ROW("arc: i=51", b_i51, FAIL, MAILAUTH_REASON_ARC_TOO_MANY, 51, 4, 512 * KIB),
    ROW("arc: i=0", b_i0, FAIL, MAILAUTH_REASON_ARC_SYNTAX, 0, 4, 512 * KIB),
    ROW("arc: duplicated instance", b_duplicated, FAIL, MAILAUTH_REASON_ARC_STRUCTURE, 1, 4,
        512 * KIB),
    /* 50 AS keys, 50 AMS keys for oldest-pass (one per selector), SPF, DMARC */
    ROW("arc: 50 valid sets", b_fifty, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE, 50, 64, 4 * MIB),
    ROW("arc: 51 sets", b_fifty_one, FAIL, MAILAUTH_REASON_ARC_TOO_MANY, 51, 4, 4 * MIB),
    ROW("arc: 1,000 ARC-Seal fields", b_1000_seals, FAIL, MAILAUTH_REASON_ARC_TOO_MANY, 1000, 4,
        2 * MIB),
    ROW("arc: cv=fail in the middle", b_cv_fail_middle, FAIL, MAILAUTH_REASON_ARC_CV, 3, 4,
        512 * KIB),
};

/* ---- running a row --------------------------------------------------------------------------- */

static void
check_row(const void *row, mailauth_eval_t *ev, mailauth_status_t fed,
          const mailauth_resolver_stats_t *dns)
{
    const acase_t               *c = row;
    const mailauth_arc_result_t *r = mailauth_eval_arc(ev);
    assert_int_equal(fed, MAILAUTH_OK);
    assert_non_null(r);
    if (getenv("HOSTILE_VERBOSE") != NULL)
        print_message("    %s %s (%s), %u instances, %llu questions, A-R %zu bytes\n",
                      mailauth_verdict_name(mailauth_arc_result_verdict(r)),
                      mailauth_reason_name(mailauth_arc_result_reason(r)),
                      mailauth_arc_result_problem(r) ? mailauth_arc_result_problem(r) : "",
                      mailauth_arc_result_instances(r), (unsigned long long)dns->questions,
                      hostile_authres_len(ev));
    assert_string_equal(mailauth_verdict_name(mailauth_arc_result_verdict(r)),
                        mailauth_verdict_name(c->v));
    assert_string_equal(mailauth_reason_name(mailauth_arc_result_reason(r)),
                        mailauth_reason_name(c->r));
    assert_int_equal(mailauth_arc_result_instances(r), c->instances);
    if (c->v == MAILAUTH_VERDICT_PASS)
        assert_int_equal(mailauth_arc_result_oldest_pass(r), 0);
    assert_true(dns->questions <= c->max_questions);
    assert_true(hostile_authres_len(ev) < 2048);
}

static ainput_t row_in; /* freed by free_input() even when a row fails */

static int
free_input(void **state)
{
    (void)state;
    gfree(&row_in.zone);
    gfree(&row_in.msg);
    memset(&row_in, 0, sizeof(row_in));
    return 0;
}

static void
test_hostile_arc_row(void **state)
{
    const acase_t *c = *state;
    meter_t        m;
    hostile_eval_t e;
    uint64_t       c0, ms;
    c->build(&row_in);
    e = (hostile_eval_t){.zone = row_in.zone.p,
                         .zone_len = row_in.zone.n,
                         .msg = row_in.msg.p,
                         .msg_len = row_in.msg.n,
                         .limits = row_in.limits,
                         .nlimits = row_in.nlimits,
                         .dmarc_mode = -1,
                         .wall_s = NOW,
                         .mail_from = "alice@example.com"};
    meter_init(&m);
    c0 = hostile_cpu_ms();
    hostile_eval_run(&e, &m, check_row, c);
    ms = hostile_cpu_ms() - c0;
    if (getenv("HOSTILE_VERBOSE") != NULL)
        print_message("%-48s %5llu ms cpu  peak %8zu bytes\n", c->name, (unsigned long long)ms,
                      m.peak);
    assert_int_equal(m.fa.live, 0);
    assert_true(m.peak <= c->max_peak);
}

static int
teardown(void **state)
{
    (void)state;
    free(fifty);
    fifty = NULL;
    return 0;
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases)];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[i] = (struct CMUnitTest){.name = cases[i].name,
                                       .test_func = test_hostile_arc_row,
                                       .teardown_func = free_input,
                                       .initial_state = (void *)&cases[i]};
    return cmocka_run_group_tests_name("hostile_arc", tests, NULL, teardown);
}
