/* hostile_dmarc: hostile DMARC input (From fields, policy records, report
 * URIs, deep names) through the public evaluation API must end in its
 * expected DMARC verdict and reason, within a peak-memory bound (ctx
 * allocator), without a leak, and with a bounded number of DNS questions. Same shape as test_hostile_dkim.c.
 *
 * The baseline: MAIL FROM alice@example.com from 192.0.2.1 passes SPF, so
 * a message whose author is in example.com passes DMARC by aligned SPF
 * when its policy record can be read.
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

#include "support/hostile.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ANY_R ((mailauth_reason_t)-1)

#define SPF_ZONE "example.com TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
#define DMARC_ZONE "_dmarc.example.com TXT \"v=DMARC1; p=reject\"\n"
#define REST "To: bob@example.net\r\nSubject: hostile DMARC\r\n\r\nbody\r\n"

typedef struct dinput {
    gbuf_t   zone, msg;
    uint32_t limits[4];
    size_t   nlimits;
    int      mode; /* mailauth_dmarc_mode_t, -1: default */
} dinput_t;

/* ---- rows ------------------------------------------------------------------------------------ */

static void
b_1000_from(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE DMARC_ZONE);
    for (int i = 0; i < 1000; i++)
        gprintf(&in->msg, "From: a%d@example.com\r\n", i);
    gprintf(&in->msg, REST);
    in->limits[in->nlimits++] = MAILAUTH_LIMIT_HEADER_MAX_COUNT;
    in->limits[in->nlimits++] = 2000; /* every one is seen */
}

/* With the default limit the fields past 1,000 are refused: still no single author. */
static void
b_1000_from_default(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE DMARC_ZONE);
    for (int i = 0; i < 1000; i++)
        gprintf(&in->msg, "From: a%d@example.com\r\n", i);
    gprintf(&in->msg, REST);
}

/* RFC 7489 §6.6.1: several authors in one domain are evaluated with that
 * domain, but more than MAILAUTH__DMARC_FROM_MAX (32) are not read. */
static void
b_1000_addresses(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE DMARC_ZONE);
    gprintf(&in->msg, "From: a0@example.com");
    for (int i = 1; i < 1000; i++)
        gprintf(&in->msg, ",\r\n a%d@example.com", i);
    gprintf(&in->msg, "\r\n" REST);
}

static void
b_1000_addresses_domains(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE DMARC_ZONE);
    gprintf(&in->msg, "From: \"First\" <a@example.com>");
    for (int i = 1; i < 1000; i++)
        gprintf(&in->msg, ", \"Author %d\" <a@d%d.example>", i, i);
    gprintf(&in->msg, "\r\n" REST);
}

/* A record as long as one TXT record can be (64 KiB of rdata): v=DMARC1,
 * 64 KiB of unknown tags (ignored, RFC 7489 §6.3), then p=reject. */
static void
b_record_64k(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE "_dmarc.example.com TXT \"v=DMARC1;\"");
    for (int s = 0; s < 268; s++) { /* 268 strings of 240 octets: 64,320 octets of rdata */
        gprintf(&in->zone, " \"");
        for (int k = 0; k < 16; k++)
            gprintf(&in->zone, "x%03d%02d=yyyyyy; ", s, k);
        gprintf(&in->zone, "\"");
    }
    gprintf(&in->zone, " \"p=reject\"\n");
    gprintf(&in->msg, "From: alice@example.com\r\n" REST);
}

static void
c_record_64k(const mailauth_dmarc_result_t *r)
{
    assert_int_equal(mailauth_dmarc_result_policy(r), MAILAUTH_DMARC_POLICY_REJECT);
    assert_true(strlen(mailauth_dmarc_result_record(r)) > 64000);
}

/* rua= of 10 KiB: 400 URIs (16 are kept), and one URI of 10 KiB. */
static void
b_rua_many(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE "_dmarc.example.com TXT \"v=DMARC1; p=quarantine; rua=\"");
    for (int s = 0; s < 40; s++) {
        gprintf(&in->zone, " \"");
        for (int k = 0; k < 10; k++)
            gprintf(&in->zone, "mailto:r%03d@example.com%s", s * 10 + k,
                    s == 39 && k == 9 ? "" : ",");
        gprintf(&in->zone, "\"");
    }
    gprintf(&in->zone, "\n");
    gprintf(&in->msg, "From: alice@example.com\r\n" REST);
}

static void
c_rua_many(const mailauth_dmarc_result_t *r)
{
    assert_int_equal(mailauth_dmarc_result_policy(r), MAILAUTH_DMARC_POLICY_QUARANTINE);
    assert_int_equal(mailauth_dmarc_result_rua_count(r), 16);
    assert_string_equal(mailauth_dmarc_result_rua(r, 0), "mailto:r000@example.com");
    assert_null(mailauth_dmarc_result_rua(r, 16));
}

static void
b_rua_long(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE "_dmarc.example.com TXT \"v=DMARC1; p=quarantine; rua=mailto:\"");
    for (int s = 0; s < 40; s++) {
        gprintf(&in->zone, " \"");
        grepeat(&in->zone, 'r', 256 - 2);
        gprintf(&in->zone, "\"");
    }
    gprintf(&in->zone, " \"@example.com\"\n");
    gprintf(&in->msg, "From: alice@example.com\r\n" REST);
}

static void
c_rua_long(const mailauth_dmarc_result_t *r)
{
    assert_int_equal(mailauth_dmarc_result_policy(r), MAILAUTH_DMARC_POLICY_QUARANTINE);
    assert_true(mailauth_dmarc_result_rua_count(r) <= 1);
}

/* 1,000 TXT records at _dmarc: 999 that are not DMARC records (RFC 7489
 * §6.6.3 step 3: discarded) and one that is. */
static void
b_1000_txt(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE);
    for (int i = 0; i < 1000; i++) {
        if (i == 500)
            gprintf(&in->zone, DMARC_ZONE);
        else
            gprintf(&in->zone, "_dmarc.example.com TXT \"v=DMARC2; p=none; n=%d\"\n", i);
    }
    gprintf(&in->msg, "From: alice@example.com\r\n" REST);
}

/* 1,000 DMARC records at one name: RFC 7489 mode reads none (several records). */
static void
b_1000_records(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE);
    for (int i = 0; i < 1000; i++)
        gprintf(&in->zone, "_dmarc.example.com TXT \"v=DMARC1; p=reject; ri=%d\"\n", i + 1);
    gprintf(&in->msg, "From: alice@example.com\r\n" REST);
}

/* RFC 9989 tree walk from a 127-label author domain: capped at
 * MAILAUTH_LIMIT_DMARC_TREEWALK_QUERIES names (8), not one query per label. */
static void
b_walk_127(dinput_t *in)
{
    gprintf(&in->zone, SPF_ZONE "_dmarc.a TXT \"v=DMARC1; p=reject\"\n");
    gprintf(&in->msg, "From: u@");
    for (int i = 0; i < 126; i++)
        gprintf(&in->msg, "a.");
    gprintf(&in->msg, "a\r\n" REST);
    in->mode = MAILAUTH_DMARC_RFC9989;
}

static void
c_walk_127(const mailauth_dmarc_result_t *r)
{
    assert_int_equal(mailauth_dmarc_result_discovery(r), MAILAUTH_DMARC_DISCOVERY_TREEWALK);
    assert_string_equal(mailauth_dmarc_result_policy_domain(r), "a");
}

/* ---- the table ------------------------------------------------------------------------------- */

typedef struct dcase {
    const char *name;
    void (*build)(dinput_t *in);
    void (*check)(const mailauth_dmarc_result_t *r);
    size_t             max_peak;
    mailauth_verdict_t v;
    mailauth_reason_t  r;
    unsigned           max_questions; /* DNS questions of the whole eval */
} dcase_t;

#define ROW(nm, fn, v_, r_, chk, q, peak)                                                          \
    {                                                                                              \
        .name = (nm), .build = (fn), .v = (v_), .r = (r_), .check = (chk), .max_questions = (q),   \
        .max_peak = (peak)                                                         \
    }
#define PERM MAILAUTH_VERDICT_PERMERROR
#define PASS MAILAUTH_VERDICT_PASS

static const dcase_t cases[] = {
    ROW("dmarc: 1,000 From fields", b_1000_from, PERM, MAILAUTH_REASON_DMARC_MULTIPLE_FROM, NULL, 8,
        2 * MIB),
    ROW("dmarc: 1,000 From fields, default field limit", b_1000_from_default, PERM, ANY_R, NULL, 8,
        2 * MIB),
    ROW("dmarc: a From with 1,000 addresses", b_1000_addresses, PERM,
        MAILAUTH_REASON_DMARC_MULTIPLE_FROM, NULL, 8, 1 * MIB),
    ROW("dmarc: a From with 1,000 authors in 1,000 domains", b_1000_addresses_domains, PERM,
        MAILAUTH_REASON_DMARC_MULTIPLE_FROM, NULL, 8, 1 * MIB),
    ROW("dmarc: a record of 64 KiB", b_record_64k, PASS, MAILAUTH_REASON_DMARC_ALIGNED,
        c_record_64k, 8, 1 * MIB),
    ROW("dmarc: rua= of 10 KiB, 400 URIs", b_rua_many, PASS, MAILAUTH_REASON_DMARC_ALIGNED,
        c_rua_many, 8, 1 * MIB),
    ROW("dmarc: rua= of 10 KiB, one URI", b_rua_long, PASS, MAILAUTH_REASON_DMARC_ALIGNED,
        c_rua_long, 8, 1 * MIB),
    ROW("dmarc: 1,000 TXT records at _dmarc", b_1000_txt, PASS, MAILAUTH_REASON_DMARC_ALIGNED, NULL,
        8, 1 * MIB),
    ROW("dmarc: 1,000 DMARC records at _dmarc", b_1000_records, MAILAUTH_VERDICT_NONE,
        MAILAUTH_REASON_DMARC_MULTIPLE_RECORDS, NULL, 8, 1 * MIB),
    /* The author (under the record at "a") is not aligned with MAIL FROM. */
    ROW("dmarc: tree walk from a 127-label name", b_walk_127, MAILAUTH_VERDICT_FAIL,
        MAILAUTH_REASON_DMARC_NOT_ALIGNED, c_walk_127, 16, 1 * MIB),
};

/* ---- running a row --------------------------------------------------------------------------- */

static void
check_row(const void *row, mailauth_eval_t *ev, mailauth_status_t fed,
          const mailauth_resolver_stats_t *dns)
{
    const dcase_t                 *c = row;
    const mailauth_dmarc_result_t *r = mailauth_eval_dmarc(ev);
    (void)fed;
    assert_non_null(r);
    if (getenv("HOSTILE_VERBOSE") != NULL)
        print_message("    %s %s (%s), %llu questions, A-R %zu bytes\n",
                      mailauth_verdict_name(mailauth_dmarc_result_verdict(r)),
                      mailauth_reason_name(mailauth_dmarc_result_reason(r)),
                      mailauth_dmarc_result_problem(r) ? mailauth_dmarc_result_problem(r) : "",
                      (unsigned long long)dns->questions, hostile_authres_len(ev));
    assert_string_equal(mailauth_verdict_name(mailauth_dmarc_result_verdict(r)),
                        mailauth_verdict_name(c->v));
    if (c->r != ANY_R)
        assert_string_equal(mailauth_reason_name(mailauth_dmarc_result_reason(r)),
                            mailauth_reason_name(c->r));
    if (c->check != NULL)
        c->check(r);
    assert_true(dns->questions <= c->max_questions);
    assert_true(hostile_authres_len(ev) < 2048);
}

static dinput_t row_in; /* freed by free_input() even when a row fails */

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
test_hostile_dmarc_row(void **state)
{
    const dcase_t *c = *state;
    meter_t        m;
    hostile_eval_t e;
    uint64_t       c0, ms;
    row_in.mode = -1;
    c->build(&row_in);
    e = (hostile_eval_t){.zone = row_in.zone.p,
                         .zone_len = row_in.zone.n,
                         .msg = row_in.msg.p,
                         .msg_len = row_in.msg.n,
                         .limits = row_in.limits,
                         .nlimits = row_in.nlimits,
                         .dmarc_mode = row_in.mode,
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

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases)];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[i] = (struct CMUnitTest){.name = cases[i].name,
                                       .test_func = test_hostile_dmarc_row,
                                       .teardown_func = free_input,
                                       .initial_state = (void *)&cases[i]};
    return cmocka_run_group_tests_name("hostile_dmarc", tests, NULL, NULL);
}
