/* libmailauth-report: failure reports (RFC 9991 over RFC 6591), their
 * fo= conditions, RFC 6590 redaction, the rate limiter, and the
 * destination checks (RFC 9990 §3) over a zone resolver.
 * `test_report_fail write DIR` writes reports for the Python checks of
 * tests/report_gen.cmake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/dkim.h>
#include <mailauth/dmarc.h>
#include <mailauth/eval.h>
#include <mailauth/report.h>

#include "fail_int.h"
#include "report_gen_support.h"

#define AUTHORIZED_IP "192.0.2.1"
#define OTHER_IP "198.51.100.7"

struct fixture {
    mailauth_ctx_t      *ctx;
    mailauth_key_t      *key;
    mailauth_resolver_t *r;
};

static const char *const domains[][2] = {
    /* domain, DMARC record */
    {"example.org", "v=DMARC1; p=reject; fo=1; ruf=mailto:ruf@example.org,"
                    "mailto:f@reports.example,mailto:f@unauth.example,mailto:small@example.org!1k"},
    {"f0.example", "v=DMARC1; p=none; ruf=mailto:ruf@f0.example"},
    {"f1.example", "v=DMARC1; p=none; fo=1; ruf=mailto:ruf@f1.example"},
    {"fd.example", "v=DMARC1; p=none; fo=d; ruf=mailto:ruf@fd.example"},
    {"fs.example", "v=DMARC1; p=none; fo=s; ruf=mailto:ruf@fs.example"},
    {"nor.example", "v=DMARC1; p=reject; fo=1"},
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char            zone[65536];
    size_t          o = 0;
    assert_non_null(f);
    assert_int_equal(mailauth_ctx_new(NULL, &f->ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(f->ctx, "mx.receiver.example"), MAILAUTH_OK);
    f->key = rg_load_key(f->ctx);
    for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
        char *k = rg_key_zone(f->key, "sel", domains[i][0]);
        o += (size_t)snprintf(zone + o, sizeof(zone) - o,
                              "_dmarc.%s TXT \"%s\"\n%s TXT \"v=spf1 ip4:" AUTHORIZED_IP
                              " -all\"\n%s",
                              domains[i][0], domains[i][1], domains[i][0], k);
        free(k);
    }
    f->r = rg_zone(f->ctx, zone);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    mailauth_resolver_free(f->r);
    mailauth_key_free(f->key);
    mailauth_ctx_free(f->ctx);
    free(f);
    return 0;
}

enum dkim_kind { NO_SIG, GOOD_SIG, BAD_SIG };

/* A message From alice@<domain>, signed by <domain> (or not), the body
 * changed after signing for BAD_SIG. Returned malloc()ed. */
static char *
message(struct fixture *f, const char *domain, enum dkim_kind kind, size_t *len)
{
    char                    body[2048];
    mailauth_dkim_signer_t *s = NULL;
    char                    sig[4096];
    size_t                  need = 0;
    char                   *out = malloc(8192);
    assert_non_null(out);
    (void)snprintf(body, sizeof(body),
                   "From: Alice Example <alice@%s>\r\nTo: bob@rcpt.example\r\n"
                   "Cc: \"Carol Q.\" <carol.q@other.example>\r\nSubject: quarterly numbers\r\n"
                   "Date: Wed, 15 Nov 2023 10:00:00 +0000\r\n"
                   "Message-ID: <m1@%s>\r\n\r\nHello Bob,\r\nthe numbers.\r\n",
                   domain, domain);
    sig[0] = '\0';
    if (kind != NO_SIG) {
        assert_int_equal(mailauth_dkim_signer_new(f->ctx, f->key, domain, "sel", &s), MAILAUTH_OK);
        assert_int_equal(mailauth_dkim_signer_message(s, body, strlen(body)), MAILAUTH_OK);
        assert_int_equal(mailauth_dkim_signer_end_message(s), MAILAUTH_OK);
        assert_int_equal(mailauth_dkim_signer_format(s, sig, sizeof(sig), &need), MAILAUTH_OK);
        mailauth_dkim_signer_free(s);
        strcat(sig, "\r\n");
    }
    *len =
        (size_t)snprintf(out, 8192, "%s%s%s", sig, body, kind == BAD_SIG ? "P.S. changed\r\n" : "");
    return out;
}

static mailauth_eval_t *
evaluate(struct fixture *f, const char *domain, const char *ip, enum dkim_kind kind, char **msg,
         size_t *len)
{
    mailauth_eval_t    *ev = NULL;
    char                from[128];
    mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                               .client_ip = ip,
                               .helo = "mail.sender.example",
                               .mail_from = from};
    (void)snprintf(from, sizeof(from), "bounce@%s", domain);
    *msg = message(f, domain, kind, len);
    assert_int_equal(mailauth_eval_new(f->ctx, f->r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_envelope(ev, &env), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(ev, *msg, *len), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(ev, 5000), MAILAUTH_OK);
    return ev;
}

struct fo_case {
    const char    *name, *domain, *ip;
    enum dkim_kind dkim;
    int            want;
};

static const struct fo_case fo_cases[] = {
    {"fo=0, SPF and DKIM fail", "f0.example", OTHER_IP, NO_SIG, 1},
    {"fo=0, SPF aligned pass", "f0.example", AUTHORIZED_IP, NO_SIG, 0},
    {"fo=1, DKIM gives no aligned pass", "f1.example", AUTHORIZED_IP, NO_SIG, 1},
    {"fo=1, both aligned pass", "f1.example", AUTHORIZED_IP, GOOD_SIG, 0},
    {"fo=d, a signature fails", "fd.example", AUTHORIZED_IP, BAD_SIG, 1},
    {"fo=d, no signature fails", "fd.example", OTHER_IP, NO_SIG, 0},
    {"fo=s, SPF fails (DMARC passes)", "fs.example", OTHER_IP, GOOD_SIG, 1},
    {"fo=s, SPF passes", "fs.example", AUTHORIZED_IP, BAD_SIG, 0},
    {"no ruf=", "nor.example", OTHER_IP, NO_SIG, 0},
};

static void
test_report_fail_fo(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < sizeof(fo_cases) / sizeof(fo_cases[0]); i++) {
        const struct fo_case *c = &fo_cases[i];
        char                 *msg = NULL;
        size_t                len = 0;
        mailauth_eval_t      *ev = evaluate(f, c->domain, c->ip, c->dkim, &msg, &len);
        print_message("%s\n", c->name);
        assert_int_equal(mailauth_report_failure_wanted(ev), c->want);
        mailauth_eval_free(ev);
        free(msg);
    }
    assert_int_equal(mailauth_report_failure_wanted(NULL), 0);
}

static char *
failure_report(struct fixture *f, int keep, size_t *out_len)
{
    static const char *const    to[] = {"ruf@example.org"};
    mailauth_report_fail_opts_t o = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                     .from = "dmarc-failures@receiver.example",
                                     .keep_local_parts = keep,
                                     .redact_secret = "s3cret",
                                     .source_ip = OTHER_IP,
                                     .source_port = "41234",
                                     .mail_from = "bounce@example.org",
                                     .envelope_id = "ENV42",
                                     .arrival = 1700042400,
                                     .spf_record = "v=spf1 ip4:" AUTHORIZED_IP " -all"};
    mailauth_report_mail_t      mail = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                        .to = to,
                                        .to_count = 1,
                                        .date = 1700042460,
                                        .ctx = f->ctx,
                                        .key = f->key,
                                        .domain = "receiver.example",
                                        .selector = "rpt"};
    char                       *msg = NULL;
    size_t                      len = 0;
    char                       *out = NULL;
    mailauth_eval_t            *ev = evaluate(f, "example.org", OTHER_IP, BAD_SIG, &msg, &len);
    assert_int_equal(mailauth_report_failure_wanted(ev), 1);
    assert_int_equal(
        mailauth_report_failure_message(ev, (const uint8_t *)msg, len, &o, &mail, &out, out_len),
        MAILAUTH_OK);
    mailauth_eval_free(ev);
    free(msg);
    return out;
}

static void
test_report_fail_message(void **state)
{
    struct fixture *f = *state;
    size_t          len = 0;
    char           *out = failure_report(f, 0, &len);
    assert_non_null(strstr(out, "Content-Type: multipart/report; report-type=feedback-report;"));
    assert_non_null(strstr(out, "\r\n\r\nFeedback-Type: auth-failure\r\nVersion: 1\r\n"
                                "User-Agent: mailauth/"));
    assert_non_null(strstr(out, "Auth-Failure: dmarc\r\n"));
    assert_non_null(strstr(out, "Authentication-Results: mx.receiver.example;"));
    assert_non_null(strstr(out, "Identity-Alignment: dkim, spf\r\n"));
    assert_non_null(strstr(out, "DKIM-Domain: example.org\r\nDKIM-Identity: @example.org\r\n"
                                "DKIM-Selector: sel\r\n"));
    assert_non_null(strstr(out, "SPF-DNS: txt : example.org : \"v=spf1 ip4:192.0.2.1 -all\"\r\n"));
    assert_non_null(strstr(out, "Original-Envelope-Id: ENV42\r\n"));
    assert_non_null(strstr(out, "Source-IP: 198.51.100.7\r\nSource-Port: 41234\r\n"));
    assert_non_null(strstr(out, "Reported-Domain: example.org\r\n"));
    assert_non_null(strstr(out, "Arrival-Date: Wed, 15 Nov 2023 10:00:00 +0000\r\n"));
    assert_non_null(strstr(out, "Content-Type: text/rfc822-headers\r\n"));
    /* RFC 6590: no local-part left, the same token for the same address */
    assert_null(strstr(out, "alice@"));
    assert_null(strstr(out, "carol.q@"));
    assert_null(strstr(out, "bounce@"));
    assert_null(strstr(out, "bob@"));
    assert_non_null(strstr(out, "<m1@example.org>")); /* Message-ID kept */
    const char *a = strstr(out, "From: Alice Example <redacted-");
    assert_non_null(a);
    assert_null(strstr(out, "Hello Bob")); /* no body by default */
    /* signed */
    assert_true(strncmp(out, "DKIM-Signature: ", 16) == 0);
    mailauth_report_buf_free(out);

    out = failure_report(f, 1, &len);
    assert_non_null(strstr(out, "From: Alice Example <alice@example.org>"));
    assert_non_null(strstr(out, "Original-Mail-From: bounce@example.org\r\n"));
    mailauth_report_buf_free(out);
}

static void
test_report_fail_refuses(void **state)
{
    struct fixture             *f = *state;
    static const char *const    to[] = {"ruf@example.org"};
    mailauth_report_fail_opts_t o = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                     .from = "dmarc@receiver.example",
                                     .source_ip = OTHER_IP};
    mailauth_report_mail_t      mail = {
             .version = MAILAUTH_REPORT_STRUCT_VERSION, .to = to, .to_count = 1};
    char            *msg = NULL;
    size_t           len = 0;
    char            *out = (char *)1;
    size_t           olen = 0;
    mailauth_eval_t *ev = evaluate(f, "example.org", OTHER_IP, NO_SIG, &msg, &len);
    o.from = "x@y.example>\r\nBcc: z@w.example";
    assert_int_equal(
        mailauth_report_failure_message(ev, (const uint8_t *)msg, len, &o, &mail, &out, &olen),
        MAILAUTH_EINVAL);
    assert_null(out);
    o.from = "dmarc@receiver.example";
    o.source_ip = NULL;
    assert_int_equal(
        mailauth_report_failure_message(ev, (const uint8_t *)msg, len, &o, &mail, &out, &olen),
        MAILAUTH_EINVAL);
    mailauth_eval_free(ev);
    free(msg);
}

/* RFC 6590 redaction of one header field: T stands for the token of the
 * local-part named after it (computed with the same secret). */
struct redact_case {
    const char *in, *want;
};

static const struct redact_case redact_cases[] = {
    {"To: bob@x.example", "To: {bob}@x.example"},
    {"From: \"John Doe\" <\"john doe\"@x.example>",
     "From: \"John Doe\" <{\"john doe\"}@x.example>"},
    {"Cc: a@x.example,\r\n b.c+d@y.example", "Cc: {a}@x.example,\r\n {b.c+d}@y.example"},
    {"Received: from a by b\r\n\tfor <u@x.example>; Wed, 15 Nov 2023",
     "Received: from a by b\r\n\tfor <{u}@x.example>; Wed, 15 Nov 2023"},
    {"Authentication-Results: mx; spf=pass smtp.mailfrom=m@x.example",
     "Authentication-Results: mx; spf=pass smtp.mailfrom={m}@x.example"},
    {"Message-ID: <abc@x.example>", "Message-ID: <abc@x.example>"},
    {"References: <a@x> <b@y>", "References: <a@x> <b@y>"},
    {"Subject: no address here", "Subject: no address here"},
    {"Subject: @x.example alone", "Subject: @x.example alone"},
};

static void
expand(const char *want, const char *secret, char *out, size_t cap)
{
    size_t o = 0;
    while (*want != '\0' && o + 40 < cap) {
        if (*want == '{') {
            const char *end = strchr(want, '}');
            char        tok[MAILAUTH_REPORT__REDACT_LEN + 1];
            assert_true(
                mailauth_report__redact_token(secret, want + 1, (size_t)(end - want - 1), tok));
            memcpy(out + o, tok, MAILAUTH_REPORT__REDACT_LEN);
            o += MAILAUTH_REPORT__REDACT_LEN;
            want = end + 1;
        } else {
            out[o++] = *want++;
        }
    }
    out[o] = '\0';
}

static void
test_report_fail_redact(void **state)
{
    char a[32];
    char b[32];
    (void)state;
    for (size_t i = 0; i < sizeof(redact_cases) / sizeof(redact_cases[0]); i++) {
        mailauth_report__buf_t buf = {0};
        char                   want[512];
        mailauth_report__redact_field(&buf, redact_cases[i].in, strlen(redact_cases[i].in), "k");
        expand(redact_cases[i].want, "k", want, sizeof(want));
        assert_false(buf.failed);
        assert_string_equal(buf.data, want);
        mailauth_report__buf_clear(&buf);
    }
    /* the same address, the same token; another secret, another token */
    assert_true(mailauth_report__redact_token("k", "bob", 3, a));
    assert_true(mailauth_report__redact_token("k", "bob", 3, b));
    assert_string_equal(a, b);
    /* pinned: SHA-256("k\nbob"), its first 16 hex digits */
    assert_string_equal(a, "redacted-3d31a0794a95e01a");
    assert_true(mailauth_report__redact_token("other", "bob", 3, b));
    assert_string_not_equal(a, b);
    assert_int_equal(strncmp(a, "redacted-", 9), 0);
}

static void
test_report_fail_limiter(void **state)
{
    mailauth_report_limiter_t *l = NULL;
    (void)state;
    assert_int_equal(mailauth_report_limiter_new(0, 60, &l), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_report_limiter_new(2, 3600, &l), MAILAUTH_OK);
    assert_int_equal(mailauth_report_limiter_take(l, "ruf@a.example", 100), 1);
    assert_int_equal(mailauth_report_limiter_take(l, "RUF@a.example", 200), 1);
    assert_int_equal(mailauth_report_limiter_take(l, "ruf@a.example", 300),
                     0); /* 3rd in the hour */
    assert_int_equal(mailauth_report_limiter_take(l, "ruf@b.example", 300),
                     1); /* per destination */
    assert_int_equal(mailauth_report_limiter_take(l, "ruf@a.example", 3699), 0);
    assert_int_equal(mailauth_report_limiter_take(l, "ruf@a.example", 3700), 1); /* t=100 left */
    assert_int_equal(mailauth_report_limiter_take(l, "ruf@a.example", 3701), 0);
    /* many destinations: idle ones are forgotten, memory stays bounded */
    for (int i = 0; i < 5000; i++) {
        char a[64];
        (void)snprintf(a, sizeof(a), "r%d@c.example", i);
        assert_int_equal(mailauth_report_limiter_take(l, a, 10000 + (int64_t)i * 3600), 1);
    }
    mailauth_report_limiter_free(l);
}

/* ---- destinations (RFC 9990 §3, RFC 7489 §6.2) ---- */

struct dest_case {
    const char                  *name, *uri;
    uint64_t                     size;
    mailauth_report_dest_state_t want;
    uint64_t                     questions; /* DNS questions the check asks */
    const char                  *address;
};

static const struct dest_case dest_cases[] = {
    {"same domain: no lookup", "mailto:dmarc@example.org", 100, MAILAUTH_REPORT_DEST_OK, 0,
     "dmarc@example.org"},
    {"subdomain, size suffix", "mailto:d@rua.example.org!10m", 100, MAILAUTH_REPORT_DEST_OK, 0,
     "d@rua.example.org"},
    {"outside, authorized", "mailto:agg@reports.example", 100, MAILAUTH_REPORT_DEST_OK, 1,
     "agg@reports.example"},
    {"outside, wildcard-free record not v=DMARC1", "mailto:agg@bad.example", 100,
     MAILAUTH_REPORT_DEST_UNAUTHORIZED, 1, "agg@bad.example"},
    {"outside, NXDOMAIN", "mailto:agg@none.example", 100, MAILAUTH_REPORT_DEST_UNAUTHORIZED, 1,
     "agg@none.example"},
    {"outside, temporary failure: deferred", "mailto:agg@slow.example", 100,
     MAILAUTH_REPORT_DEST_DEFERRED, 1, "agg@slow.example"},
    {"too big for !1k", "mailto:dmarc@example.org!1k", 5000, MAILAUTH_REPORT_DEST_TOO_BIG, 0,
     "dmarc@example.org"},
    {"percent-encoded, upper-case scheme", "MAILTO:dm%61rc@Example.ORG", 1, MAILAUTH_REPORT_DEST_OK,
     0, "dmarc@Example.ORG"},
    {"not mailto", "https://reports.example/dmarc", 1, MAILAUTH_REPORT_DEST_UNSUPPORTED, 0, ""},
    {"bad size suffix", "mailto:dmarc@example.org!", 1, MAILAUTH_REPORT_DEST_UNSUPPORTED, 0, ""},
    {"no domain", "mailto:dmarc", 1, MAILAUTH_REPORT_DEST_UNSUPPORTED, 0, ""},
};

static const char dest_zone[] = "example.org._report._dmarc.reports.example TXT \"v=DMARC1;\"\n"
                                "example.org._report._dmarc.bad.example TXT \"v=spf1 -all\"\n"
                                "example.org._report._dmarc.slow.example TXT TIMEOUT\n";

static void
test_report_fail_dests(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < sizeof(dest_cases) / sizeof(dest_cases[0]); i++) {
        const struct dest_case      *c = &dest_cases[i];
        mailauth_resolver_t         *r = rg_zone(f->ctx, dest_zone);
        mailauth_resolver_stats_t    st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
        mailauth_report_dest_check_t chk = {
            .version = MAILAUTH_REPORT_STRUCT_VERSION, .resolver = r, .timeout_ms = 2000};
        mailauth_report_dest_t d;
        print_message("%s\n", c->name);
        assert_int_equal(mailauth_report_dest_verify(&chk, "example.org", c->uri, c->size, &d),
                         MAILAUTH_OK);
        assert_int_equal(d.state, c->want);
        assert_string_equal(d.address, c->address);
        assert_int_equal(mailauth_resolver_stats(r, &st), MAILAUTH_OK);
        assert_int_equal(st.questions, c->questions);
        mailauth_resolver_free(r);
    }
}

/* A caller's organizational-domain function replaces the subdomain rule. */
static int
org_of(void *ud, const char *domain, char *buf, size_t cap)
{
    const char *dot = strchr(domain, '.');
    (void)ud;
    /* test rule: the last two labels */
    const char *last = strrchr(domain, '.');
    const char *p = domain;
    if (last == NULL)
        return -1;
    for (const char *q = domain; q < last; q++)
        if (*q == '.')
            p = q + 1;
    (void)dot;
    (void)snprintf(buf, cap, "%s", p);
    return 0;
}

static void
test_report_fail_dests_orgdomain(void **state)
{
    struct fixture              *f = *state;
    mailauth_resolver_t         *r = rg_zone(f->ctx, dest_zone);
    mailauth_report_dest_check_t chk = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                        .resolver = r,
                                        .timeout_ms = 2000,
                                        .orgdomain = org_of};
    mailauth_resolver_stats_t    st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    mailauth_report_dest_t       d;
    /* a sibling host of the same organization: no lookup */
    assert_int_equal(
        mailauth_report_dest_verify(&chk, "a.example.org", "mailto:x@b.example.org", 0, &d),
        MAILAUTH_OK);
    assert_int_equal(d.state, MAILAUTH_REPORT_DEST_OK);
    assert_int_equal(mailauth_resolver_stats(r, &st), MAILAUTH_OK);
    assert_int_equal(st.questions, 0);
    /* without the function the sibling is verified (and has no record) */
    chk.orgdomain = NULL;
    assert_int_equal(
        mailauth_report_dest_verify(&chk, "a.example.org", "mailto:x@b.example.org", 0, &d),
        MAILAUTH_OK);
    assert_int_equal(d.state, MAILAUTH_REPORT_DEST_UNAUTHORIZED);
    mailauth_resolver_free(r);
}

/* libmailauth's Public Suffix List through the public API, no DNS. */
static void
test_report_fail_orgdomain_psl(void **state)
{
    struct fixture *f = *state;
    char            buf[256];
    assert_int_equal(mailauth_report_orgdomain_psl(NULL, "mail.example.co.uk", buf, sizeof(buf)),
                     0);
    assert_string_equal(buf, "example.co.uk");
    assert_int_equal(mailauth_report_orgdomain_psl(f->ctx, "a.b.example.org", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "example.org");
    assert_int_equal(mailauth_report_orgdomain_psl(NULL, "x@y.example", buf, sizeof(buf)), -1);
    assert_int_equal(mailauth_report_orgdomain_psl(NULL, "example.org", buf, 4), -1);

    mailauth_resolver_t         *r = rg_zone(f->ctx, dest_zone);
    mailauth_report_dest_check_t chk = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                        .resolver = r,
                                        .timeout_ms = 2000,
                                        .orgdomain = mailauth_report_orgdomain_psl};
    mailauth_resolver_stats_t    st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    mailauth_report_dest_t       d;
    /* siblings under one organizational domain: no lookup */
    assert_int_equal(mailauth_report_dest_verify(&chk, "shop.example.co.uk",
                                                 "mailto:d@reports.example.co.uk", 0, &d),
                     MAILAUTH_OK);
    assert_int_equal(d.state, MAILAUTH_REPORT_DEST_OK);
    assert_int_equal(mailauth_resolver_stats(r, &st), MAILAUTH_OK);
    assert_int_equal(st.questions, 0);
    /* two organizations under one public suffix: verified, and refused */
    assert_int_equal(
        mailauth_report_dest_verify(&chk, "evil.co.uk", "mailto:d@victim.co.uk", 0, &d),
        MAILAUTH_OK);
    assert_int_equal(d.state, MAILAUTH_REPORT_DEST_UNAUTHORIZED);
    assert_int_equal(mailauth_resolver_stats(r, &st), MAILAUTH_OK);
    assert_int_equal(st.questions, 1);
    mailauth_resolver_free(r);
}

static int
collect(void *arg, const char *address)
{
    char *list = arg;
    strcat(list, address);
    strcat(list, " ");
    return 0;
}

/* ruf= destinations: verified, size-checked, rate-limited. */
static void
test_report_fail_destinations(void **state)
{
    struct fixture            *f = *state;
    char                      *msg = NULL;
    size_t                     len = 0;
    size_t                     sent = 0;
    char                       list[512] = "";
    mailauth_report_limiter_t *l = NULL;
    mailauth_eval_t           *ev = evaluate(f, "example.org", OTHER_IP, NO_SIG, &msg, &len);
    mailauth_resolver_t       *r =
        rg_zone(f->ctx, "example.org._report._dmarc.reports.example TXT \"v=DMARC1\"\n");
    mailauth_report_dest_check_t chk = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                        .resolver = r,
                                        .timeout_ms = 2000,
                                        .orgdomain = mailauth_report_orgdomain_psl};
    assert_int_equal(mailauth_report_limiter_new(1, 3600, &l), MAILAUTH_OK);
    assert_int_equal(
        mailauth_report_failure_destinations(ev, &chk, l, 1000, 4000, collect, list, &sent),
        MAILAUTH_OK);
    assert_string_equal(list, "ruf@example.org f@reports.example ");
    assert_int_equal(sent, 2);
    /* within the hour: the limiter holds both back */
    list[0] = '\0';
    assert_int_equal(
        mailauth_report_failure_destinations(ev, &chk, l, 2000, 4000, collect, list, &sent),
        MAILAUTH_OK);
    assert_int_equal(sent, 0);
    assert_string_equal(list, "");
    mailauth_report_limiter_free(l);
    mailauth_resolver_free(r);
    mailauth_eval_free(ev);
    free(msg);
}

static int
write_samples(const char *dir)
{
    void  *state = NULL;
    size_t len = 0;
    int    rc = 0;
    setup(&state);
    char *out = failure_report(state, 0, &len);
    rc |= rg_write_file(dir, "failure.eml", out, len);
    mailauth_report_buf_free(out);
    out = failure_report(state, 1, &len);
    rc |= rg_write_file(dir, "failure-keep.eml", out, len);
    mailauth_report_buf_free(out);
    teardown(&state);
    return rc != 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_fail_fo),
        cmocka_unit_test(test_report_fail_message),
        cmocka_unit_test(test_report_fail_refuses),
        cmocka_unit_test(test_report_fail_limiter),
        cmocka_unit_test(test_report_fail_dests),
        cmocka_unit_test(test_report_fail_dests_orgdomain),
        cmocka_unit_test(test_report_fail_orgdomain_psl),
        cmocka_unit_test(test_report_fail_redact),
        cmocka_unit_test(test_report_fail_destinations),
    };
    if (argc == 3 && strcmp(argv[1], "write") == 0)
        return write_samples(argv[2]);
    return cmocka_run_group_tests_name("report_fail", tests, setup, teardown);
}
