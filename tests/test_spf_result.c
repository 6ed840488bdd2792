/* spf/result: getters, Received-SPF (RFC 7208 §9.1), Authentication-Results entry (§9.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "spf/spf.h"
#include "spf/spf_int.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct rs_case {
    const char           *name;
    mailauth_spf_result_t res;
    const char           *unfolded; /* the field with every CRLF removed */
};

static const struct rs_case cases[] = {
    {"pass, RFC 7208 §9.1 example",
     {.verdict = MAILAUTH_VERDICT_PASS,
      .reason = MAILAUTH_REASON_SPF_MATCHED,
      .identity = MAILAUTH_SPF_MAILFROM,
      .domain = "example.com",
      .sender = "myname@example.com",
      .helo = "foo.example.com",
      .client_ip = "192.0.2.1",
      .receiver = "mybox.example.org",
      .mechanism = "ip4:192.0.2.0/24"},
     "Received-SPF: pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 "
     "as permitted sender) client-ip=192.0.2.1; envelope-from=\"myname@example.com\"; "
     "helo=foo.example.com; receiver=mybox.example.org; mechanism=\"ip4:192.0.2.0/24\"; "
     "identity=mailfrom"},
    {"fail with dot-atom mechanism",
     {.verdict = MAILAUTH_VERDICT_FAIL,
      .identity = MAILAUTH_SPF_MAILFROM,
      .sender = "a@b.example",
      .client_ip = "2001:db8::1",
      .mechanism = "-all"},
     "Received-SPF: fail (domain of a@b.example does not designate 2001:db8::1 as permitted "
     "sender) client-ip=\"2001:db8::1\"; envelope-from=\"a@b.example\"; mechanism=-all; "
     "identity=mailfrom"},
    {"softfail",
     {.verdict = MAILAUTH_VERDICT_SOFTFAIL,
      .identity = MAILAUTH_SPF_HELO,
      .sender = "postmaster@h.example",
      .helo = "h.example",
      .client_ip = "192.0.2.1",
      .mechanism = "~all"},
     "Received-SPF: softfail (domain of transitioning postmaster@h.example does not designate "
     "192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from=\"postmaster@h.example\"; "
     "helo=h.example; mechanism=~all; identity=helo"},
    {"neutral default",
     {.verdict = MAILAUTH_VERDICT_NEUTRAL,
      .identity = MAILAUTH_SPF_MAILFROM,
      .sender = "a@b.example",
      .client_ip = "192.0.2.1"},
     "Received-SPF: neutral (192.0.2.1 is neither permitted nor denied by domain of a@b.example) "
     "client-ip=192.0.2.1; envelope-from=\"a@b.example\"; identity=mailfrom"},
    {"none",
     {.verdict = MAILAUTH_VERDICT_NONE,
      .reason = MAILAUTH_REASON_SPF_NO_RECORD,
      .identity = MAILAUTH_SPF_MAILFROM,
      .sender = "a@b.example",
      .client_ip = "192.0.2.1"},
     "Received-SPF: none (domain of a@b.example does not designate permitted sender hosts) "
     "client-ip=192.0.2.1; envelope-from=\"a@b.example\"; identity=mailfrom"},
    {"permerror names the problem, not a mechanism",
     {.verdict = MAILAUTH_VERDICT_PERMERROR,
      .identity = MAILAUTH_SPF_MAILFROM,
      .sender = "a@b.example",
      .client_ip = "192.0.2.1",
      .receiver = "mx.example",
      .mechanism = "ignored",
      .problem = "too many DNS lookups at include:x.example"},
     "Received-SPF: permerror (mx.example: permanent error in processing domain of a@b.example: "
     "too many DNS lookups at include:x.example) client-ip=192.0.2.1; "
     "envelope-from=\"a@b.example\"; receiver=mx.example; "
     "problem=\"too many DNS lookups at include:x.example\"; identity=mailfrom"},
    {"temperror",
     {.verdict = MAILAUTH_VERDICT_TEMPERROR,
      .identity = MAILAUTH_SPF_MAILFROM,
      .sender = "a@b.example",
      .client_ip = "192.0.2.1",
      .problem = "DNS failure for TXT b.example"},
     "Received-SPF: temperror (error in processing during lookup of a@b.example: DNS failure for "
     "TXT b.example) client-ip=192.0.2.1; envelope-from=\"a@b.example\"; "
     "problem=\"DNS failure for TXT b.example\"; identity=mailfrom"},
    {"hostile values are quoted, escaped, never inject lines",
     {.verdict = MAILAUTH_VERDICT_PASS,
      .identity = MAILAUTH_SPF_MAILFROM,
      .sender = "\"x\\y\"\r\nX-Evil: 1@b.example",
      .helo = "(a)\nb",
      .client_ip = "192.0.2.1",
      .mechanism = "a"},
     "Received-SPF: pass (domain of \"x\\\\y\"??X-Evil: 1@b.example designates 192.0.2.1 as "
     "permitted sender) client-ip=192.0.2.1; envelope-from=\"\\\"x\\\\y\\\"??X-Evil: "
     "1@b.example\"; "
     "helo=\"(a)?b\"; mechanism=a; identity=mailfrom"},
};

static void
unfold(const char *in, char *out)
{
    for (; *in != '\0'; in++) {
        if (in[0] == '\r' && in[1] == '\n')
            in++;
        else
            *out++ = *in;
    }
    *out = '\0';
}

static void
test_spf_result_received_spf(void **state)
{
    const struct rs_case *c = *state;
    char                  buf[1024], flat[1024];
    size_t                need = 0, col = 0;
    assert_int_equal(mailauth_spf_result_format_received_spf(&c->res, buf, sizeof(buf), &need),
                     MAILAUTH_OK);
    assert_int_equal(need, strlen(buf));
    unfold(buf, flat);
    assert_string_equal(flat, c->unfolded);
    /* RFC 5322 §2.2.3: folded at whitespace, lines of at most 78 characters */
    for (const char *p = buf; *p != '\0'; p++) {
        if (p[0] == '\r') {
            assert_int_equal(p[1], '\n');
            assert_int_equal(p[2], ' ');
            assert_true(col <= 78);
            col = 0;
            p++;
            continue;
        }
        assert_true(*p >= 0x20 && *p < 0x7f);
        col++;
    }
    assert_true(col <= 78);
}

/* snprintf-like: ENOSPC with the size needed, always terminated. */
static void
test_spf_result_received_spf_nospc(void **state)
{
    const mailauth_spf_result_t *r = &cases[0].res;
    char                         small[20], full[1024];
    size_t                       need = 0, need2 = 0;
    (void)state;
    assert_int_equal(mailauth_spf_result_format_received_spf(r, full, sizeof(full), &need), MAILAUTH_OK);
    memset(small, 'z', sizeof(small));
    assert_int_equal(mailauth_spf_result_format_received_spf(r, small, sizeof(small), &need2),
                     MAILAUTH_ENOSPC);
    assert_int_equal(need2, need);
    assert_int_equal(small[sizeof(small) - 1], '\0');
    assert_memory_equal(small, full, sizeof(small) - 1);
    assert_int_equal(mailauth_spf_result_format_received_spf(r, NULL, 0, &need2), MAILAUTH_ENOSPC);
    assert_int_equal(need2, need);
    assert_int_equal(mailauth_spf_result_format_received_spf(NULL, full, sizeof(full), NULL),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_spf_result_format_received_spf(r, NULL, 10, NULL), MAILAUTH_EINVAL);
}

static void
test_spf_result_getters(void **state)
{
    const mailauth_spf_result_t *r = &cases[5].res;
    (void)state;
    assert_int_equal(mailauth_spf_result_verdict(r), MAILAUTH_VERDICT_PERMERROR);
    assert_string_equal(mailauth_spf_result_sender(r), "a@b.example");
    assert_string_equal(mailauth_spf_result_problem(r),
                        "too many DNS lookups at include:x.example");
    assert_string_equal(mailauth_spf_result_mechanism(r), "ignored");
    assert_null(mailauth_spf_result_explanation(r));
    assert_int_equal(mailauth_spf_result_verdict(NULL), MAILAUTH_VERDICT_NONE);
    assert_int_equal(mailauth_spf_result_reason(NULL), MAILAUTH_REASON_NONE);
    assert_null(mailauth_spf_result_domain(NULL));
    assert_null(mailauth_spf_result_sender(NULL));
    assert_null(mailauth_spf_result_explanation(NULL));
    assert_null(mailauth_spf_result_mechanism(NULL));
    assert_null(mailauth_spf_result_problem(NULL));
    assert_int_equal(mailauth_spf_result_dns_terms(NULL), 0);
    assert_string_equal(mailauth_spf_identity_name(MAILAUTH_SPF_MAILFROM), "mailfrom");
    assert_string_equal(mailauth_spf_identity_name(MAILAUTH_SPF_HELO), "helo");
}

/* RFC 7208 §9.2 / RFC 8601 §2.7.2: spf=<result> (comment) smtp.mailfrom | smtp.helo. */
static void
test_spf_result_authres(void **state)
{
    mailauth_authres_t *ar = NULL;
    char                buf[1024];
    (void)state;
    assert_int_equal(mailauth_authres_new(NULL, "mx.example", &ar), MAILAUTH_OK);
    assert_int_equal(mailauth__spf_add_authres(&cases[0].res, ar), MAILAUTH_OK);
    assert_int_equal(mailauth__spf_add_authres(&cases[2].res, ar), MAILAUTH_OK);
    assert_int_equal(mailauth__spf_add_authres(&cases[7].res, ar), MAILAUTH_OK);
    assert_int_equal(mailauth_authres_resinfo_count(ar), 3);
    assert_string_equal(mailauth_resinfo_result(mailauth_authres_resinfo(ar, 0)), "pass");
    assert_string_equal(mailauth_resinfo_comment(mailauth_authres_resinfo(ar, 0)),
                        "domain of myname@example.com designates 192.0.2.1 as permitted sender");
    assert_string_equal(mailauth_resinfo_find_prop(mailauth_authres_resinfo(ar, 0), "smtp", "mailfrom"),
                        "myname@example.com");
    assert_string_equal(mailauth_resinfo_result(mailauth_authres_resinfo(ar, 1)), "softfail");
    assert_string_equal(mailauth_resinfo_find_prop(mailauth_authres_resinfo(ar, 1), "smtp", "helo"),
                        "h.example");
    /* a value the model refuses is left out, the entry stays */
    assert_null(mailauth_resinfo_find_prop(mailauth_authres_resinfo(ar, 2), "smtp", "mailfrom"));
    assert_int_equal(mailauth_authres_format_value(ar, buf, sizeof(buf), NULL), MAILAUTH_OK);
    assert_non_null(strstr(buf, "spf=pass"));
    assert_int_equal(mailauth__spf_add_authres(NULL, ar), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__spf_add_authres(&cases[0].res, NULL), MAILAUTH_EINVAL);
    mailauth_authres_free(ar);
}

/* An envelope longer than SMTP allows must not make an A-R line over 998
 * octets: the mailfrom falls back to its domain, a too-long HELO is left out. */
static void
test_spf_result_authres_long_envelope(void **state)
{
    static char           local[10241];
    static char           sender[10300];
    static char           helo[400];
    mailauth_authres_t   *ar = NULL;
    mailauth_spf_result_t mf = {.verdict = MAILAUTH_VERDICT_FAIL,
                                .identity = MAILAUTH_SPF_MAILFROM,
                                .domain = "example.org",
                                .client_ip = "192.0.2.1"};
    mailauth_spf_result_t he = {
        .verdict = MAILAUTH_VERDICT_NONE, .identity = MAILAUTH_SPF_HELO, .client_ip = "192.0.2.1"};
    char        buf[4096];
    const char *line = NULL;
    (void)state;
    memset(local, 'x', sizeof(local) - 1);
    snprintf(sender, sizeof(sender), "%s@example.org", local);
    memset(helo, 'h', sizeof(helo) - 1);
    mf.sender = sender;
    he.helo = helo;
    he.domain = helo;
    assert_int_equal(mailauth_authres_new(NULL, "mx.example", &ar), MAILAUTH_OK);
    assert_int_equal(mailauth__spf_add_authres(&mf, ar), MAILAUTH_OK);
    assert_int_equal(mailauth__spf_add_authres(&he, ar), MAILAUTH_OK);
    assert_string_equal(mailauth_resinfo_find_prop(mailauth_authres_resinfo(ar, 0), "smtp", "mailfrom"),
                        "example.org");
    assert_null(mailauth_resinfo_find_prop(mailauth_authres_resinfo(ar, 1), "smtp", "helo"));
    assert_int_equal(mailauth_authres_format(ar, buf, sizeof(buf), NULL), MAILAUTH_OK);
    for (line = buf; line != NULL;) {
        const char *end = strstr(line, "\r\n");
        assert_true((size_t)(end != NULL ? end - line : (ptrdiff_t)strlen(line)) <= 998);
        line = end != NULL ? end + 2 : NULL;
    }
    mailauth_authres_free(ar);
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases) + 5];
    size_t            k = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[k++] = (struct CMUnitTest){.name = cases[i].name,
                                         .test_func = test_spf_result_received_spf,
                                         .initial_state = (void *)&cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_result_received_spf_nospc);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_result_getters);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_result_authres);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_result_authres_long_envelope);
    return _cmocka_run_group_tests("spf_result", tests, k, NULL, NULL);
}
