/* The history record of a finished evaluation (mailauth_report_record_from_eval):
 * real evaluations over a zone resolver, in both DMARC modes, and the
 * record compared field by field; then stored and read back on SQLite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>
#include <mailauth/report.h>

#include <cmocka.h>

#include "store_check.h"
#include "store_fixture.h"

static const char zone[] =
    "_dmarc.fail.example. TXT \"v=DMARC1; p=Reject; sp=quarantine; np=reject; adkim=s; "
    "aspf=r ; pct=0; t=y; fo=1:d; rua=mailto:a@fail.example,mailto:b@x.example; "
    "ruf=mailto:f@fail.example\"\n"
    "fail.example. TXT \"v=spf1 -all\"\n"
    "fail.example. A 192.0.2.99\n"
    "_dmarc.plain.example. TXT \"v=DMARC1; p=none\"\n"
    "plain.example. TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
    "plain.example. A 192.0.2.1\n";

static const char msg_fail[] = "From: Someone <x@fail.example>\r\n"
                               "To: y@example.net\r\n"
                               "Subject: test\r\n"
                               "\r\n"
                               "body\r\n";

static const char msg_plain[] = "From: x@plain.example\r\n"
                                "To: y@example.net\r\n"
                                "DKIM-Signature: v=1; a=rsa-sha256; d=signer.example; s=k1;"
                                " h=from; bh=AAAA; b=AAAA\r\n"
                                "\r\n"
                                "body\r\n";

/* Evaluate msg from ip / mail_from in the given DMARC mode. */
static mailauth_eval_t *
evaluate(mailauth_ctx_t **ctx, mailauth_resolver_t **r, mailauth_dmarc_mode_t mode, const char *ip,
         const char *mail_from, const char *msg)
{
    mailauth_eval_t    *ev = NULL;
    mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                               .client_ip = ip,
                               .helo = "mx.sender.example",
                               .mail_from = mail_from};
    assert_int_equal(mailauth_ctx_new(NULL, ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(*ctx, "mx.example.net"), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_dmarc_mode(*ctx, mode), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(*ctx, zone, strlen(zone), NULL, r), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(*ctx, *r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_envelope(ev, &env), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(ev, msg, strlen(msg)), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(ev, -1), MAILAUTH_OK);
    return ev;
}

static void
done(mailauth_eval_t *ev, mailauth_resolver_t *r, mailauth_ctx_t *ctx)
{
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

static void
check_published(const mailauth_report_policy_t *p, const char *discovery)
{
    assert_non_null(p);
    assert_string_equal(p->domain, "fail.example");
    assert_string_equal(p->p, "reject"); /* lower case, as the tag values are compared */
    assert_string_equal(p->sp, "quarantine");
    assert_string_equal(p->np, "reject");
    assert_string_equal(p->adkim, "s");
    assert_string_equal(p->aspf, "r"); /* "aspf=r " */
    assert_string_equal(p->pct, "0");
    assert_string_equal(p->testing, "y");
    assert_string_equal(p->fo, "1:d");
    assert_string_equal(p->rua, "mailto:a@fail.example,mailto:b@x.example");
    assert_string_equal(p->ruf, "mailto:f@fail.example");
    assert_string_equal(p->discovery_method, discovery);
}

/* RFC 7489: pct=0 samples the failing message out; t=y means nothing. */
static void
test_report_store_eval_7489(void **state)
{
    mailauth_ctx_t                 *ctx;
    mailauth_resolver_t            *r;
    mailauth_report_row_t          *row = NULL;
    mailauth_report_eval_info_t     info = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                            .time = 1700000000,
                                            .source_ip = "192.0.2.50",
                                            .envelope_to = "Bob@Example.NET"};
    const mailauth_report_record_t *rec;
    mailauth_eval_t                *ev =
        evaluate(&ctx, &r, MAILAUTH_DMARC_RFC7489, "192.0.2.50", "bounce@fail.example", msg_fail);
    (void)state;
    assert_int_equal(mailauth_report_record_from_eval(ev, &info, &row), MAILAUTH_OK);
    done(ev, r, ctx); /* the row owns what it holds */
    rec = mailauth_report_row_record(row);
    assert_int_equal(rec->time, 1700000000);
    assert_int_equal(rec->count, 1);
    assert_string_equal(rec->source_ip, "192.0.2.50");
    assert_string_equal(rec->header_from, "fail.example");
    assert_string_equal(rec->envelope_from, "fail.example");
    assert_string_equal(rec->envelope_to, "example.net");
    assert_string_equal(rec->dmarc, "fail");
    assert_string_equal(rec->dkim_aligned, "fail");
    assert_string_equal(rec->spf_aligned, "fail");
    assert_string_equal(rec->disposition, "quarantine"); /* reject, lowered by pct=0 */
    assert_int_equal(rec->reason_count, 1);
    assert_string_equal(rec->reasons[0].type, "sampled_out");
    assert_int_equal(rec->dkim_count, 0);
    assert_int_equal(rec->spf_count, 2);
    assert_string_equal(rec->spf[0].scope, "mfrom");
    assert_string_equal(rec->spf[0].domain, "fail.example");
    assert_string_equal(rec->spf[0].result, "fail");
    assert_string_equal(rec->spf[1].scope, "helo");
    assert_string_equal(rec->spf[1].domain, "mx.sender.example");
    check_published(rec->policy, "psl");
    mailauth_report_row_free(row);
}

/* RFC 9989: t=y asks for testing (policy_test_mode); pct is not applied. */
static void
test_report_store_eval_9989(void **state)
{
    mailauth_ctx_t                 *ctx;
    mailauth_resolver_t            *r;
    mailauth_report_row_t          *row = NULL;
    mailauth_report_eval_info_t     info = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                            .time = 5,
                                            .envelope_from = "other@envelope.example",
                                            .disposition = "none"};
    const mailauth_report_record_t *rec;
    mailauth_eval_t                *ev =
        evaluate(&ctx, &r, MAILAUTH_DMARC_RFC9989, "192.0.2.50", "bounce@fail.example", msg_fail);
    (void)state;
    assert_int_equal(mailauth_report_record_from_eval(ev, &info, &row), MAILAUTH_OK);
    rec = mailauth_report_row_record(row);
    assert_null(rec->source_ip);
    assert_null(rec->envelope_to);
    assert_string_equal(rec->envelope_from, "envelope.example"); /* the caller's */
    assert_string_equal(rec->disposition, "none");               /* the caller's */
    assert_int_equal(rec->reason_count, 1);
    assert_string_equal(rec->reasons[0].type, "policy_test_mode");
    check_published(rec->policy, "treewalk");
    mailauth_report_row_free(row);
    done(ev, r, ctx);
}

/* A pass with a DKIM signature that fails, stored and read back. */
static void
test_report_store_eval_stored(void **state)
{
    mailauth_ctx_t             *ctx;
    mailauth_resolver_t        *r;
    mailauth_report_row_t      *row = NULL;
    mailauth_report_eval_info_t info = {
        .version = MAILAUTH_REPORT_STRUCT_VERSION, .time = 1700000100, .source_ip = "192.0.2.1"};
    const mailauth_report_record_t *rec;
    mailauth_report_store_t        *s;
    uint64_t                        n = 0;
    mailauth_eval_t                *ev =
        evaluate(&ctx, &r, MAILAUTH_DMARC_RFC7489, "192.0.2.1", "bounce@plain.example", msg_plain);
    (void)state;
    assert_int_equal(mailauth_report_record_from_eval(ev, &info, &row), MAILAUTH_OK);
    rec = mailauth_report_row_record(row);
    assert_string_equal(rec->dmarc, "pass");
    assert_string_equal(rec->spf_aligned, "pass");
    assert_string_equal(rec->disposition, "none");
    assert_int_equal(rec->dkim_count, 1);
    assert_string_equal(rec->dkim[0].domain, "signer.example");
    assert_string_equal(rec->dkim[0].selector, "k1");
    assert_string_not_equal(rec->dkim[0].result, "pass");
    assert_string_equal(rec->policy->p, "none");
    assert_null(rec->policy->sp);
    assert_null(rec->policy->rua);
    s = fixture_open(fixture_new_uri());
    assert_int_equal(mailauth_report_store_add(s, rec), MAILAUTH_OK);
    assert_int_equal(mailauth_report_store_count(s, 1700000100, 1700000101, &n), MAILAUTH_OK);
    assert_int_equal(n, 1);
    mailauth_report_store_close(s);
    mailauth_report_row_free(row);
    done(ev, r, ctx);
}

static void
test_report_store_eval_refused(void **state)
{
    mailauth_ctx_t             *ctx;
    mailauth_resolver_t        *r;
    mailauth_eval_t            *ev = NULL;
    mailauth_report_row_t      *row = (mailauth_report_row_t *)1;
    mailauth_report_eval_info_t info = {.version = MAILAUTH_REPORT_STRUCT_VERSION};
    mailauth_envelope_t         env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                       .client_ip = "192.0.2.1",
                                       .mail_from = "a@plain.example"};
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(ctx, zone, strlen(zone), NULL, &r), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(ctx, r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_envelope(ev, &env), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(ev, -1), MAILAUTH_OK); /* envelope only */
    assert_int_equal(mailauth_report_record_from_eval(ev, &info, &row), MAILAUTH_ESTATE);
    assert_null(row);
    info.version = 0;
    assert_int_equal(mailauth_report_record_from_eval(ev, &info, &row), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_report_record_from_eval(NULL, &info, &row), MAILAUTH_EINVAL);
    assert_null(mailauth_report_row_record(NULL));
    mailauth_report_row_free(NULL);
    done(ev, r, ctx);
}

int
main(void)
{
    char                   *argv[] = {"test", "sqlite", NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_store_eval_7489),
        cmocka_unit_test(test_report_store_eval_9989),
        cmocka_unit_test_teardown(test_report_store_eval_stored, fixture_teardown),
        cmocka_unit_test(test_report_store_eval_refused),
    };
    if (!fixture_init(2, argv))
        return 2;
    return cmocka_run_group_tests_name("report_store_eval", tests, NULL, NULL);
}
