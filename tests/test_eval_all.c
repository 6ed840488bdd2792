/* Tests: SPF, DKIM, DMARC and ARC together in one evaluation, through the
 * public API (mailauth_eval_dmarc(), mailauth_eval_arc(), the
 * Authentication-Results): DMARC's SPF and DKIM inputs, policies and
 * modes, ARC pass and fail, the trusted-sealer override, method subsets.
 * Messages and zone: tests/support/all_harness.h. Every case runs
 * blocking (finish_sync) and asynchronously (finish() over a zone
 * resolver that delays each answer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/authres_of.h"
#include "support/all_harness.h"
#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DIRECT "192.0.2.1"  /* example.com's own outbound server */
#define LIST "198.51.100.7" /* the mailing list's server */

/* ---------------------------------------------------------------- cases */

typedef struct dmarc_want {
    mailauth_verdict_t        verdict; /* NOT_RUN: not evaluated (no result, no entry) */
    mailauth_reason_t         reason;
    mailauth_dmarc_policy_t   policy, disposition;
    int                       spf_aligned, dkim_aligned;
    mailauth_dmarc_override_t override;
    const char               *ar; /* the dmarc entry of the field, exactly */
} dmarc_want_t;

typedef struct arc_want {
    mailauth_verdict_t verdict; /* NOT_RUN: not evaluated */
    mailauth_reason_t  reason;
    unsigned           instances;
    int                oldest_pass;
    const char        *ar; /* the arc entry of the field, exactly; NULL: "arc=fail (...)" */
} arc_want_t;

typedef struct all_case {
    const char  *name;
    msg_spec_t   msg;
    const char  *ip, *helo, *mail_from;
    setup_t      setup;
    dmarc_want_t dmarc;
    arc_want_t   arc;
} all_case_t;

/* The case table: one case per block of lines. */
/* clang-format off */
#define V(x) MAILAUTH_VERDICT_##x
#define R(x) MAILAUTH_REASON_##x
#define P(x) MAILAUTH_DMARC_POLICY_##x
#define OV_ARC MAILAUTH_DMARC_OVERRIDE_ARC
#define OV_NO MAILAUTH_DMARC_OVERRIDE_NONE
#define SIGNED {.from = "example.com", .dkim = true}
#define LISTED {.from = "example.com", .dkim = true, .list_change = true, .seal = {"hop1.example"}}
#define LISTED2 {.from = "example.com", .dkim = true, .list_change = true, \
                 .seal = {"hop1.example", "hop2.example"}}
#define FROM_LIST LIST, "mx.list.example", "bounce@list.example"
#define FROM_DIRECT DIRECT, "mail.example.com", "bounce@example.com"
#define PASS_AR "dmarc=pass (p=reject dis=none) header.from=example.com policy.dmarc=reject"
#define FAIL_AR "dmarc=fail (p=reject dis=reject) header.from=example.com policy.dmarc=reject"
#define OVERRIDE_AR "dmarc=fail (p=reject dis=reject, override=local_policy arc=pass) " \
                    "header.from=example.com policy.dmarc=reject"
#define DMARC_PASS(spf, dkim) {V(PASS), R(DMARC_ALIGNED), P(REJECT), P(NONE), spf, dkim, OV_NO, PASS_AR}
#define DMARC_FAIL(ov, ar) {V(FAIL), R(DMARC_NOT_ALIGNED), P(REJECT), P(REJECT), 0, 0, ov, ar}
#define DMARC_NOT_RUN {NOT_RUN, R(NONE), P(UNSPECIFIED), P(NONE), 0, 0, OV_NO, NULL}
#define ARC_NONE(ip) {V(NONE), R(ARC_NO_SETS), 0, -1, "arc=none smtp.remote-ip=" ip}
#define ARC_PASS(n) {V(PASS), R(NONE), n, 0, "arc=pass header.oldest-pass=0 smtp.remote-ip=" LIST}
#define ARC_NOT_RUN {NOT_RUN, R(NONE), 0, -1, NULL}
#define ALL_BUT_ARC (MAILAUTH_METHOD_SPF | MAILAUTH_METHOD_DKIM | MAILAUTH_METHOD_DMARC)

static const all_case_t cases[] = {
    {"dmarc pass through SPF only", {.from = "example.com"}, FROM_DIRECT, {0},
     DMARC_PASS(1, 0), ARC_NONE(DIRECT)},
    {"dmarc pass through DKIM only", SIGNED, FROM_LIST, {0},
     DMARC_PASS(0, 1), ARC_NONE(LIST)},
    {"dmarc fail: p=reject disposition", {.from = "example.com"}, FROM_LIST, {0},
     DMARC_FAIL(OV_NO, FAIL_AR), ARC_NONE(LIST)},
    /* RFC 7489 §4.1: SPF of the MAIL FROM identity only; the HELO check
     * passes for mail.example.com here and must not count. */
    {"dmarc fail: a HELO pass is not used", {.from = "example.com"},
     DIRECT, "mail.example.com", "bounce@list.example", {0},
     DMARC_FAIL(OV_NO, FAIL_AR), ARC_NONE(DIRECT)},
    /* RFC 7489 §4.1 -> RFC 7208 §2.4: the null sender's MAIL FROM identity
     * is postmaster@HELO, so its pass aligns through the HELO domain. */
    {"dmarc pass: null sender through the HELO domain", {.from = "example.com"},
     DIRECT, "mail.example.com", "", {0},
     DMARC_PASS(1, 0), ARC_NONE(DIRECT)},
    {"dmarc none without a record", {.from = "norecord.example"},
     DIRECT, "mail.example.com", "bounce@norecord.example", {0},
     {V(NONE), R(DMARC_NO_RECORD), P(UNSPECIFIED), P(NONE), 0, 0, OV_NO,
      "dmarc=none (no DMARC record for norecord.example) header.from=norecord.example"},
     ARC_NONE(DIRECT)},
    {"dmarc temperror", {.from = "temp.example"},
     DIRECT, "mail.example.com", "a@temp.example", {0},
     {V(TEMPERROR), R(DMARC_DNS_TEMPFAIL), P(UNSPECIFIED), P(NONE), 0, 0, OV_NO,
      "dmarc=temperror (DMARC policy lookup for temp.example failed) header.from=temp.example"},
     ARC_NONE(DIRECT)},
    /* A subdomain that does not exist: sp= in RFC 7489 mode, np= in RFC
     * 9989 mode (chosen through the ctx). */
    {"dmarc 7489: sp= for a missing subdomain", {.from = "ghost.example.com"}, FROM_LIST, {0},
     {V(FAIL), R(DMARC_NOT_ALIGNED), P(QUARANTINE), P(QUARANTINE), 0, 0, OV_NO,
      "dmarc=fail (sp=quarantine dis=quarantine) header.from=ghost.example.com "
      "policy.dmarc=quarantine"},
     ARC_NONE(LIST)},
    {"dmarc 9989 through the ctx: np= for a missing subdomain", {.from = "ghost.example.com"},
     FROM_LIST, {.mode = MAILAUTH_DMARC_RFC9989},
     {V(FAIL), R(DMARC_NOT_ALIGNED), P(REJECT), P(REJECT), 0, 0, OV_NO,
      "dmarc=fail (np=reject dis=reject) header.from=ghost.example.com policy.dmarc=reject"},
     ARC_NONE(LIST)},
    {"dmarc 9989: pass through DKIM", SIGNED, FROM_LIST, {.mode = MAILAUTH_DMARC_RFC9989},
     DMARC_PASS(0, 1), ARC_NONE(LIST)},
    {"arc pass on a sealed message",
     {.from = "example.com", .dkim = true, .seal = {"hop1.example"}}, FROM_LIST, {0},
     DMARC_PASS(0, 1), ARC_PASS(1)},
    {"arc pass over two hops",
     {.from = "example.com", .dkim = true, .seal = {"hop1.example", "hop2.example"}},
     FROM_LIST, {0},
     DMARC_PASS(0, 1), ARC_PASS(2)},
    {"arc fail after tampering",
     {.from = "example.com", .dkim = true, .seal = {"hop1.example"}, .tamper = true},
     FROM_LIST, {.trusted = {"hop1.example"}},
     DMARC_FAIL(OV_NO, FAIL_AR), {V(FAIL), R(ARC_AMS), 1, -1, NULL}},
    {"override: dmarc fail, arc pass, trusted sealer", LISTED, FROM_LIST,
     {.trusted = {"other.example", "HOP1.example."}},
     DMARC_FAIL(OV_ARC, OVERRIDE_AR), ARC_PASS(1)},
    {"no override: the sealer is not trusted", LISTED, FROM_LIST,
     {.trusted = {"other.example"}},
     DMARC_FAIL(OV_NO, FAIL_AR), ARC_PASS(1)},
    {"override: two hops, both sealers trusted", LISTED2, FROM_LIST,
     {.trusted = {"hop1.example", "hop2.example"}},
     DMARC_FAIL(OV_ARC, OVERRIDE_AR), ARC_PASS(2)},
    {"no override: two hops, the newest sealer untrusted", LISTED2, FROM_LIST,
     {.trusted = {"hop1.example"}},
     DMARC_FAIL(OV_NO, FAIL_AR), ARC_PASS(2)},
    {"no override: ARC not evaluated", LISTED, FROM_LIST,
     {.methods = ALL_BUT_ARC, .trusted = {"hop1.example"}},
     DMARC_FAIL(OV_NO, FAIL_AR), ARC_NOT_RUN},
    {"methods: DMARC without DKIM aligns SPF only", SIGNED, FROM_DIRECT,
     {.methods = MAILAUTH_METHOD_SPF | MAILAUTH_METHOD_DMARC},
     DMARC_PASS(1, 0), ARC_NOT_RUN},
    {"methods: DMARC alone has nothing to align", SIGNED, FROM_DIRECT,
     {.methods = MAILAUTH_METHOD_DMARC},
     DMARC_FAIL(OV_NO, FAIL_AR), ARC_NOT_RUN},
    {"methods: ARC alone, its own body hashes",
     {.from = "example.com", .dkim = true, .seal = {"hop1.example", "hop2.example"}},
     FROM_LIST, {.methods = MAILAUTH_METHOD_ARC},
     DMARC_NOT_RUN, ARC_PASS(2)},
};
/* clang-format on */
/* clang-format on */

/* The entry of `method` in the one-line field value is exactly `want`
 * (up to the next "; " or the end). */
static void
check_entry(const char *value, const char *method, const char *want)
{
    char        key[16];
    const char *p = NULL, *end = NULL;
    snprintf(key, sizeof(key), "; %s=", method);
    p = strstr(value, key);
    if (want == NULL) {
        assert_null(p);
        return;
    }
    if (p == NULL)
        fail_msg("no %s entry in: %s", method, value);
    p += 2;
    end = strstr(p, "; ");
    if (end == NULL)
        end = p + strlen(p);
    if ((size_t)(end - p) != strlen(want) || strncmp(p, want, strlen(want)) != 0)
        fail_msg("%s entry:\n  got  %.*s\n  want %s", method, (int)(end - p), p, want);
}

static void
check_authres(mailauth_eval_t *ev, const all_case_t *c)
{
    char   value[4096];
    size_t need = 0;
    assert_int_equal(
        mailauth_authres_format_value(authres_of(ev), value, sizeof(value), &need),
        MAILAUTH_OK);
    check_entry(value, "dmarc", c->dmarc.verdict == NOT_RUN ? NULL : c->dmarc.ar);
    if (c->arc.verdict == NOT_RUN)
        check_entry(value, "arc", NULL);
    else if (c->arc.ar != NULL)
        check_entry(value, "arc", c->arc.ar);
    else
        assert_non_null(strstr(value, "; arc=fail ("));
}

static void
check_dmarc(mailauth_eval_t *ev, const all_case_t *c)
{
    const mailauth_dmarc_result_t *d = mailauth_eval_dmarc(ev);
    if (c->dmarc.verdict == NOT_RUN) {
        assert_null(d);
        return;
    }
    assert_non_null(d);
    assert_string_equal(mailauth_verdict_name(mailauth_dmarc_result_verdict(d)),
                        mailauth_verdict_name(c->dmarc.verdict));
    assert_string_equal(mailauth_reason_name(mailauth_dmarc_result_reason(d)),
                        mailauth_reason_name(c->dmarc.reason));
    assert_int_equal(mailauth_dmarc_result_policy(d), c->dmarc.policy);
    assert_int_equal(mailauth_dmarc_result_disposition(d), c->dmarc.disposition);
    assert_int_equal(mailauth_dmarc_result_spf_aligned(d), c->dmarc.spf_aligned);
    assert_int_equal(mailauth_dmarc_result_dkim_aligned(d), c->dmarc.dkim_aligned);
    assert_string_equal(mailauth_dmarc_override_name(mailauth_dmarc_result_override(d)),
                        mailauth_dmarc_override_name(c->dmarc.override));
    assert_int_equal(mailauth_dmarc_result_mode(d), c->setup.mode);
    assert_string_equal(mailauth_dmarc_discovery_name(mailauth_dmarc_result_discovery(d)),
                        c->setup.mode == MAILAUTH_DMARC_RFC9989 ? "treewalk" : "psl");
    assert_string_equal(mailauth_dmarc_result_header_from(d), c->msg.from);
}

static void
check_arc(mailauth_eval_t *ev, const all_case_t *c)
{
    const mailauth_arc_result_t *a = mailauth_eval_arc(ev);
    if (c->arc.verdict == NOT_RUN) {
        assert_null(a);
        return;
    }
    assert_non_null(a);
    assert_string_equal(mailauth_verdict_name(mailauth_arc_result_verdict(a)),
                        mailauth_verdict_name(c->arc.verdict));
    assert_string_equal(mailauth_reason_name(mailauth_arc_result_reason(a)),
                        mailauth_reason_name(c->arc.reason));
    assert_int_equal(mailauth_arc_result_instances(a), c->arc.instances);
    assert_int_equal(mailauth_arc_result_oldest_pass(a), c->arc.oldest_pass);
    for (unsigned i = 0; i < c->arc.instances && i < 2; i++)
        assert_string_equal(mailauth_arc_result_sealer(a, i + 1), c->msg.seal[i]);
}

static void
run_case(const all_case_t *c, bool async)
{
    harness_t h;
    char     *msg = all_message(&c->msg);
    assert_int_equal(all_setup(&h, async, &c->setup, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, c->ip), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_helo(h.ev, c->helo), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, c->mail_from), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(h.ev, msg, strlen(msg)), MAILAUTH_OK);
    /* Nothing to read before the evaluation finished. */
    assert_null(mailauth_eval_dmarc(h.ev));
    assert_null(mailauth_eval_arc(h.ev));
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    check_dmarc(h.ev, c);
    check_arc(h.ev, c);
    check_authres(h.ev, c);
    harness_teardown(&h);
    free(msg);
}

static void
test_eval_all_case_sync(void **state)
{
    run_case(*state, false);
}

static void
test_eval_all_case_async(void **state)
{
    run_case(*state, true);
}

/* ---------------------------------------------------------------- unreadable signatures */

/* RFC 8601 §2.7.1: a DKIM-Signature that cannot be read is neutral, one that
 * reads well but breaks RFC 6376 §6.1.1 is permerror (docs/errors.md).
 * Neither moves DMARC (only an aligned pass counts), and ARC keeps its own
 * verdict: an ARC-Message-Signature that cannot be read fails the chain. */
#define BH "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="
#define NO_BH "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=dGVzdA==\r\n"
#define MD5 "DKIM-Signature: v=1; a=rsa-md5; d=example.com; s=sel; h=from; " BH "; b=dGVzdA==\r\n"
#define NO_FROM                                                                                    \
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=subject; " BH "; b=dGVzdA==\r\n"

typedef struct unreadable_case {
    all_case_t         c;
    const char        *prepend;                /* a field put on top, or NULL */
    const char        *field, *old, *new_text; /* the first `old` after `field` becomes new_text */
    size_t             ndkim;
    mailauth_verdict_t dkim[2]; /* top to bottom */
    const char        *dkim_ar; /* the first dkim entry of the field, exactly */
} unreadable_case_t;

/* clang-format off */
static const unreadable_case_t unreadable[] = {
    {{"missing bh=: neutral; DMARC fails as for an unsigned message", {.from = "example.com"},
      FROM_LIST, {0}, DMARC_FAIL(OV_NO, FAIL_AR), ARC_NONE(LIST)},
     NO_BH, NULL, NULL, NULL, 1, {V(NEUTRAL)}, "dkim=neutral (missing bh=)"},
    {{"unknown a=: neutral; DMARC fails as for an unsigned message", {.from = "example.com"},
      FROM_LIST, {0}, DMARC_FAIL(OV_NO, FAIL_AR), ARC_NONE(LIST)},
     MD5, NULL, NULL, NULL, 1, {V(NEUTRAL)}, NULL},
    {{"h= without From: permerror; DMARC fails", {.from = "example.com"},
      FROM_LIST, {0}, DMARC_FAIL(OV_NO, FAIL_AR), ARC_NONE(LIST)},
     NO_FROM, NULL, NULL, NULL, 1, {V(PERMERROR)}, NULL},
    {{"an unreadable signature next to a good one: DMARC passes on the good one", SIGNED,
      FROM_LIST, {0}, DMARC_PASS(0, 1), ARC_NONE(LIST)},
     NO_BH, NULL, NULL, NULL, 2, {V(NEUTRAL), V(PASS)}, NULL},
    {{"an unreadable ARC-Message-Signature: arc=fail, DKIM and DMARC as without it", LISTED,
      FROM_LIST, {.trusted = {"hop1.example"}}, DMARC_FAIL(OV_NO, FAIL_AR),
      {V(FAIL), R(ARC_SYNTAX), 1, -1, NULL}},
     NULL, "ARC-Message-Signature:", "bh=", "xh=", 1, {V(FAIL)}, NULL},
};
/* clang-format on */

static char *
unreadable_message(const unreadable_case_t *u)
{
    char  *msg = all_message(&u->c.msg), *out = NULL;
    size_t n = strlen(msg);
    if (u->prepend != NULL) {
        out = malloc(strlen(u->prepend) + n + 1);
        assert_non_null(out);
        memcpy(out, u->prepend, strlen(u->prepend));
        memcpy(out + strlen(u->prepend), msg, n + 1);
        free(msg);
        return out;
    }
    if (u->field != NULL) {
        char *f = strstr(msg, u->field), *at = NULL;
        assert_non_null(f);
        at = strstr(f, u->old);
        assert_non_null(at);
        assert_int_equal(strlen(u->old), strlen(u->new_text));
        memcpy(at, u->new_text, strlen(u->new_text));
    }
    return msg;
}

static void
run_unreadable(const unreadable_case_t *u, bool async)
{
    harness_t h;
    char     *msg = unreadable_message(u), value[4096];
    assert_int_equal(all_setup(&h, async, &u->c.setup, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, u->c.ip), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_helo(h.ev, u->c.helo), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, u->c.mail_from), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(h.ev, msg, strlen(msg)), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_dkim_count(h.ev), u->ndkim);
    for (size_t i = 0; i < u->ndkim; i++)
        assert_string_equal(
            mailauth_verdict_name(mailauth_dkim_result_verdict(mailauth_eval_dkim(h.ev, i))),
            mailauth_verdict_name(u->dkim[i]));
    check_dmarc(h.ev, &u->c);
    check_arc(h.ev, &u->c);
    check_authres(h.ev, &u->c);
    if (u->dkim_ar != NULL) {
        assert_int_equal(
            mailauth_authres_format_value(authres_of(h.ev), value, sizeof(value), NULL),
            MAILAUTH_OK);
        check_entry(value, "dkim", u->dkim_ar);
    }
    harness_teardown(&h);
    free(msg);
}

static void
test_eval_all_unreadable_sync(void **state)
{
    run_unreadable(*state, false);
}

static void
test_eval_all_unreadable_async(void **state)
{
    run_unreadable(*state, true);
}

/* ---------------------------------------------------------------- other tests */

/* No message: DKIM, DMARC and ARC are not evaluated (envelope only: SPF and iprev). */
static void
test_eval_all_envelope_only(void **state)
{
    harness_t     h;
    const setup_t s = {0};
    (void)state;
    assert_int_equal(all_setup(&h, false, &s, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, DIRECT), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(h.ev, "a@example.com"), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    harness_check_spf(h.ev, MAILAUTH_SPF_MAILFROM, MAILAUTH_VERDICT_PASS, "example.com", NULL);
    assert_null(mailauth_eval_dmarc(h.ev));
    assert_null(mailauth_eval_arc(h.ev));
    assert_int_equal(mailauth_eval_methods(h.ev), MAILAUTH_METHOD_SPF | MAILAUTH_METHOD_IPREV);
    assert_int_equal(mailauth_authres_resinfo_count(authres_of(h.ev)), 2); /* spf, iprev */
    assert_string_equal(mailauth_resinfo_method(mailauth_authres_resinfo(authres_of(h.ev), 1)),
                        "iprev");
    harness_teardown(&h);
}

/* A canceled evaluation has no results. */
static void
test_eval_all_canceled(void **state)
{
    harness_t     h;
    const setup_t s = {0};
    msg_spec_t    m = {.from = "example.com", .dkim = true, .seal = {"hop1.example"}};
    char         *msg = all_message(&m);
    (void)state;
    assert_int_equal(all_setup(&h, true, &s, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(h.ev, LIST), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(h.ev, msg, strlen(msg)), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_cancel(h.ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish(h.ev, harness_done_cb, &h), MAILAUTH_ESTATE);
    assert_null(mailauth_eval_dmarc(h.ev));
    assert_null(mailauth_eval_arc(h.ev));
    harness_teardown(&h);
    free(msg);
}

/* Out of memory anywhere: an error or the full result, never a leak. */
static void
test_eval_all_enomem(void **state)
{
    const setup_t s = {.trusted = {"hop1.example"}};
    msg_spec_t    m = LISTED;
    char         *msg = all_message(&m);
    unsigned long n = 1;
    (void)state;
    for (;; n++) {
        fail_alloc_t      fa;
        harness_t         h;
        mailauth_status_t st;
        bool              reached;
        fail_alloc_init(&fa, n);
        st = all_setup(&h, false, &s, &fa.al);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_set_client_ip(h.ev, LIST);
        if (st == MAILAUTH_OK)
            st = mailauth_eval_set_mail_from(h.ev, "bounce@list.example");
        if (st == MAILAUTH_OK)
            st = mailauth_eval_message(h.ev, msg, strlen(msg));
        if (st == MAILAUTH_OK)
            st = mailauth_eval_finish_sync(h.ev, -1);
        if (st == MAILAUTH_OK && !fail_alloc_reached(&fa)) {
            assert_int_equal(mailauth_dmarc_result_override(mailauth_eval_dmarc(h.ev)), OV_ARC);
            assert_int_equal(mailauth_arc_result_verdict(mailauth_eval_arc(h.ev)),
                             MAILAUTH_VERDICT_PASS);
        }
        harness_teardown(&h);
        reached = fail_alloc_reached(&fa);
        assert_int_equal(fa.live, 0);
        if (!reached)
            break;
        if (st != MAILAUTH_OK && st != MAILAUTH_ENOMEM)
            fail_msg("allocation %lu: %s", n, mailauth_status_name(st));
    }
    assert_true(n > 200); /* the walk went through all four methods */
    free(msg);
}

static int
group_teardown(void **state)
{
    (void)state;
    all_zone_free();
    return 0;
}

int
main(void)
{
    static char       names[ARRAY_LEN(cases) + ARRAY_LEN(unreadable)][2][160];
    struct CMUnitTest tests[(ARRAY_LEN(cases) + ARRAY_LEN(unreadable)) * 2 + 3];
    size_t            n = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        snprintf(names[i][0], sizeof(names[i][0]), "sync: %s", cases[i].name);
        snprintf(names[i][1], sizeof(names[i][1]), "async: %s", cases[i].name);
        tests[n++] = (struct CMUnitTest){.name = names[i][0],
                                         .test_func = test_eval_all_case_sync,
                                         .initial_state = (void *)&cases[i]};
        tests[n++] = (struct CMUnitTest){.name = names[i][1],
                                         .test_func = test_eval_all_case_async,
                                         .initial_state = (void *)&cases[i]};
    }
    for (size_t i = 0; i < ARRAY_LEN(unreadable); i++) {
        char(*nm)[160] = names[ARRAY_LEN(cases) + i];
        snprintf(nm[0], sizeof(nm[0]), "sync: %s", unreadable[i].c.name);
        snprintf(nm[1], sizeof(nm[1]), "async: %s", unreadable[i].c.name);
        tests[n++] = (struct CMUnitTest){.name = nm[0],
                                         .test_func = test_eval_all_unreadable_sync,
                                         .initial_state = (void *)&unreadable[i]};
        tests[n++] = (struct CMUnitTest){.name = nm[1],
                                         .test_func = test_eval_all_unreadable_async,
                                         .initial_state = (void *)&unreadable[i]};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_eval_all_envelope_only);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_eval_all_canceled);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_eval_all_enomem);
    return cmocka_run_group_tests_name("eval_all", tests, NULL, group_teardown);
}
