/* The 1.1 record functions (include/mailauth/spf.h, dmarc.h, dkim.h): SPF
 * records and their terms, DMARC records as an evaluation reads them, DKIM
 * key records as a verifier judges them; bad input gives a problem, never
 * an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- SPF ------------------------------------------------------------------ */

struct spf_case {
    const char *name, *txt;
    const char *problem; /* a substring of the problem; NULL: valid */
    size_t      nterms;
    const char *kinds;  /* the term kinds, space-separated */
    unsigned    ndns;   /* terms that count against the 10 */
    unsigned    nmacro; /* terms whose domain has a macro */
};

static const struct spf_case spf_cases[] = {
    {"simple", "v=spf1 ip4:192.0.2.0/24 -all", NULL, 2, "ip4 all", 0, 0},
    {"every mechanism",
     "v=spf1 a mx:mail.example.org ptr include:_spf.example.net exists:%{i}.x.example.org "
     "ip6:2001:db8::/32 ?all",
     NULL, 7, "a mx ptr include exists ip6 all", 5, 1},
    {"modifiers last", "v=spf1 redirect=_spf.example.org exp=why.example.org", NULL, 2,
     "redirect exp", 1, 0},
    {"uppercase version", "V=SPF1 -ALL", NULL, 1, "all", 0, 0},
    {"not spf", "v=DMARC1; p=none", "not an SPF record", 0, "", 0, 0},
    {"spf10 is not spf1", "v=spf10 -all", "not an SPF record", 0, "", 0, 0},
    {"unknown mechanism", "v=spf1 foo:bar -all", "foo", 0, "", 0, 0},
    {"bad prefix", "v=spf1 ip4:192.0.2.0/33 -all", "ip4:192.0.2.0/33", 0, "", 0, 0},
    {"relative domain", "v=spf1 include:spf -all", "include:spf", 0, "", 0, 0},
    {"two redirects", "v=spf1 redirect=a.example redirect=b.example", "redirect", 0, "", 0, 0},
};

static void
test_record_spf(void **state)
{
    const struct spf_case *c = *state;
    mailauth_ctx_t        *ctx = NULL;
    mailauth_spf_record_t *rec = NULL;
    char                   kinds[256] = "";
    unsigned               ndns = 0, nmacro = 0;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_spf_record_parse(ctx, c->txt, strlen(c->txt), &rec), MAILAUTH_OK);
    if (c->problem == NULL)
        assert_null(mailauth_spf_record_problem(rec));
    else
        assert_non_null(strstr(mailauth_spf_record_problem(rec), c->problem));
    assert_int_equal(mailauth_spf_record_term_count(rec), c->nterms);
    for (size_t i = 0; i < c->nterms; i++) {
        mailauth_spf_term_t t = {.version = MAILAUTH_SPF_TERM_VERSION};
        assert_int_equal(mailauth_spf_record_term(rec, i, &t), MAILAUTH_OK);
        if (i > 0)
            strcat(kinds, " ");
        strcat(kinds, mailauth_spf_term_kind_name(t.kind));
        assert_non_null(t.text);
        ndns += (unsigned)t.dns;
        nmacro += (unsigned)t.has_macro;
    }
    assert_string_equal(kinds, c->kinds);
    assert_int_equal(ndns, c->ndns);
    assert_int_equal(nmacro, c->nmacro);
    mailauth_spf_record_free(rec);
    mailauth_ctx_free(ctx);
}

/* The details of one term, and the calls a caller can get wrong. */
static void
test_record_spf_term_details(void **state)
{
    static const char      txt[] = "v=spf1 ~mx:mail.example.org/24 -all";
    mailauth_ctx_t        *ctx = NULL;
    mailauth_spf_record_t *rec = NULL;
    mailauth_spf_term_t    t = {.version = MAILAUTH_SPF_TERM_VERSION};
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_spf_record_parse(ctx, txt, sizeof(txt) - 1, &rec), MAILAUTH_OK);
    assert_int_equal(mailauth_spf_record_term(rec, 0, &t), MAILAUTH_OK);
    assert_int_equal(t.kind, MAILAUTH_SPF_TERM_MX);
    assert_int_equal(t.qualifier, MAILAUTH_VERDICT_SOFTFAIL);
    assert_string_equal(t.text, "~mx:mail.example.org/24");
    assert_string_equal(t.domain, "mail.example.org");
    assert_int_equal(mailauth_spf_record_term(rec, 1, &t), MAILAUTH_OK);
    assert_int_equal(t.qualifier, MAILAUTH_VERDICT_FAIL);
    assert_null(t.domain);
    assert_int_equal(mailauth_spf_record_term(rec, 2, &t), MAILAUTH_EINVAL);
    t.version = 99;
    assert_int_equal(mailauth_spf_record_term(rec, 0, &t), MAILAUTH_EINVAL);
    mailauth_spf_record_free(rec);
    assert_int_equal(mailauth_spf_record_parse(NULL, txt, 3, &rec), MAILAUTH_EINVAL);
    assert_null(rec);
    assert_int_equal(mailauth_spf_record_parse(ctx, NULL, 3, &rec), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_spf_record_term_count(NULL), 0);
    assert_null(mailauth_spf_record_problem(NULL));
    assert_string_equal(mailauth_spf_term_kind_name((mailauth_spf_term_kind_t)42), "unknown");
    mailauth_spf_record_free(NULL);
    mailauth_ctx_free(ctx);
}

/* ---- DMARC ---------------------------------------------------------------- */

struct dmarc_case {
    const char             *name, *txt;
    const char             *problem; /* substring; NULL: used as written */
    mailauth_dmarc_policy_t p, sp;
    size_t                  nrua, nruf;
    const char             *rua0;
};

static const struct dmarc_case dmarc_cases[] = {
    {"full",
     "v=DMARC1; p=reject; sp=quarantine; rua=mailto:a@example.org,mailto:b@example.net; "
     "ruf=mailto:f@example.org",
     NULL, MAILAUTH_DMARC_POLICY_REJECT, MAILAUTH_DMARC_POLICY_QUARANTINE, 2, 1,
     "mailto:a@example.org"},
    {"p only", "v=DMARC1; p=none", NULL, MAILAUTH_DMARC_POLICY_NONE,
     MAILAUTH_DMARC_POLICY_UNSPECIFIED, 0, 0, NULL},
    {"not dmarc", "v=spf1 -all", "not a DMARC record", MAILAUTH_DMARC_POLICY_UNSPECIFIED,
     MAILAUTH_DMARC_POLICY_UNSPECIFIED, 0, 0, NULL},
    {"bad p, no rua", "v=DMARC1; p=block", "", MAILAUTH_DMARC_POLICY_UNSPECIFIED,
     MAILAUTH_DMARC_POLICY_UNSPECIFIED, 0, 0, NULL},
    {"bad p with rua", "v=DMARC1; p=block; rua=mailto:a@example.org", "",
     MAILAUTH_DMARC_POLICY_UNSPECIFIED, MAILAUTH_DMARC_POLICY_UNSPECIFIED, 1, 0,
     "mailto:a@example.org"},
};

static void
test_record_dmarc(void **state)
{
    const struct dmarc_case *c = *state;
    mailauth_ctx_t          *ctx = NULL;
    mailauth_dmarc_record_t *rec = NULL;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_dmarc_record_parse(ctx, c->txt, strlen(c->txt), &rec), MAILAUTH_OK);
    if (c->problem == NULL)
        assert_null(mailauth_dmarc_record_problem(rec));
    else
        assert_non_null(strstr(mailauth_dmarc_record_problem(rec), c->problem));
    assert_int_equal(mailauth_dmarc_record_policy(rec, "p"), c->p);
    assert_int_equal(mailauth_dmarc_record_policy(rec, "sp"), c->sp);
    assert_int_equal(mailauth_dmarc_record_policy(rec, "xx"), MAILAUTH_DMARC_POLICY_UNSPECIFIED);
    assert_int_equal(mailauth_dmarc_record_uri_count(rec, "rua"), c->nrua);
    assert_int_equal(mailauth_dmarc_record_uri_count(rec, "ruf"), c->nruf);
    if (c->rua0 != NULL)
        assert_string_equal(mailauth_dmarc_record_uri(rec, "rua", 0), c->rua0);
    assert_null(mailauth_dmarc_record_uri(rec, "rua", c->nrua));
    mailauth_dmarc_record_free(rec);
    mailauth_ctx_free(ctx);
}

/* ---- DKIM keys -------------------------------------------------------------- */

#define RSA1024                                                                                    \
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDDx2z7NQw0Qw8vxWZmiAnMUAXAx3eCM+ELtSUWGHBxzTT1Ub8Y3VUF" \
    "PtGMmzDsOoc9ePO/uCPxAqBqIfyzmX6S7g/R9Axm/XvtEUVJhMaRMpldqTJ3tN6ZTmQwBj8xr2GCZiCxv/"           \
    "JUdTvyF+QT1P"                                                                                 \
    "yyOk1w9Hy7ksz4QMEctz6XJQIDAQAB"
#define ED "yZZMWLlkj+fhK2jejPK++MkMH4jgURaubxjbLicrY5o="

struct key_case {
    const char       *name, *txt;
    mailauth_reason_t reason;
    const char       *type;
    unsigned          bits;
    int               testing, sha256;
};

static const struct key_case key_cases[] = {
    {"rsa 1024", "v=DKIM1; k=rsa; p=" RSA1024, MAILAUTH_REASON_NONE, "rsa", 1024, 0, 1},
    {"ed25519 testing", "v=DKIM1; k=ed25519; t=y; p=" ED, MAILAUTH_REASON_NONE, "ed25519", 256, 1,
     1},
    {"sha1 only", "v=DKIM1; h=sha1; p=" RSA1024, MAILAUTH_REASON_NONE, "rsa", 1024, 0, 0},
    {"revoked", "v=DKIM1; p=", MAILAUTH_REASON_DKIM_KEY_REVOKED, "rsa", 0, 0, 1},
    {"not base64", "v=DKIM1; p=not*base64", MAILAUTH_REASON_DKIM_KEY_SYNTAX, NULL, 0, 0, 0},
    {"wrong type", "v=DKIM1; k=ed25519; p=" RSA1024, MAILAUTH_REASON_DKIM_KEY_SYNTAX, NULL, 0, 0,
     0},
    {"not email", "v=DKIM1; k=ed25519; s=other; p=" ED, MAILAUTH_REASON_DKIM_KEY_SERVICE, NULL, 0,
     0, 0},
};

static void
test_record_dkim_key(void **state)
{
    const struct key_case   *c = *state;
    mailauth_ctx_t          *ctx = NULL;
    mailauth_dkim_key_info_t k = {.version = MAILAUTH_DKIM_KEY_INFO_VERSION};
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_key_check(ctx, c->txt, strlen(c->txt), &k), MAILAUTH_OK);
    assert_int_equal(k.reason, c->reason);
    if (c->reason == MAILAUTH_REASON_NONE || c->reason == MAILAUTH_REASON_DKIM_KEY_REVOKED) {
        assert_string_equal(k.key_type, c->type);
        assert_int_equal(k.bits, c->bits);
        assert_int_equal(k.testing, c->testing);
        assert_int_equal(k.sha256, c->sha256);
    }
    mailauth_ctx_free(ctx);
}

/* The ctx's RSA minimum decides "too small", as for a verifier. */
static void
test_record_dkim_key_limits(void **state)
{
    static const char        txt[] = "v=DKIM1; p=" RSA1024;
    mailauth_ctx_t          *ctx = NULL;
    mailauth_dkim_key_info_t k = {.version = MAILAUTH_DKIM_KEY_INFO_VERSION};
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_RSA_MIN_BITS, 2048), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_key_check(ctx, txt, sizeof(txt) - 1, &k), MAILAUTH_OK);
    assert_int_equal(k.reason, MAILAUTH_REASON_DKIM_KEY_TOO_SMALL);
    assert_int_equal(k.bits, 1024);
    k.version = 0;
    assert_int_equal(mailauth_dkim_key_check(ctx, txt, sizeof(txt) - 1, &k), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_dkim_key_check(NULL, txt, 1, &k), MAILAUTH_EINVAL);
    mailauth_ctx_free(ctx);
}

/* Every allocation of the three parsers fails in turn: ENOMEM, nothing leaked. */
static mailauth_status_t
parse_all(const mailauth_allocator_t *al)
{
    static const char        spf[] = "v=spf1 a mx include:_spf.example.org ip4:192.0.2.0/24 "
                                     "redirect=b.example exp=x.example";
    static const char        dmarc[] = "v=DMARC1; p=reject; rua=mailto:a@example.org; fo=1";
    static const char        key[] = "v=DKIM1; p=" RSA1024;
    mailauth_ctx_t          *ctx = NULL;
    mailauth_spf_record_t   *s = NULL;
    mailauth_dmarc_record_t *d = NULL;
    mailauth_dkim_key_info_t k = {.version = MAILAUTH_DKIM_KEY_INFO_VERSION};
    mailauth_status_t        st = mailauth_ctx_new(al, &ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_spf_record_parse(ctx, spf, sizeof(spf) - 1, &s);
    if (st == MAILAUTH_OK)
        st = mailauth_dmarc_record_parse(ctx, dmarc, sizeof(dmarc) - 1, &d);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_key_check(ctx, key, sizeof(key) - 1, &k);
    if (st == MAILAUTH_OK && (mailauth_spf_record_term_count(s) != 6 ||
                              mailauth_dmarc_record_uri_count(d, "rua") != 1 || k.bits != 1024))
        st = MAILAUTH_EINTERNAL;
    mailauth_spf_record_free(s);
    mailauth_dmarc_record_free(d);
    mailauth_ctx_free(ctx);
    return st;
}

static void
test_record_enomem(void **state)
{
    unsigned long n;
    (void)state;
    for (n = 1; n < 1000; n++) {
        fail_alloc_t      fa;
        mailauth_status_t st;
        fail_alloc_init(&fa, n);
        st = parse_all(&fa.al);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
    }
    assert_true(n < 1000);
}

int
main(void)
{
    struct CMUnitTest
           tests[ARRAY_LEN(spf_cases) + ARRAY_LEN(dmarc_cases) + ARRAY_LEN(key_cases) + 3];
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_LEN(spf_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = spf_cases[i].name,
                                         .test_func = test_record_spf,
                                         .initial_state = (void *)&spf_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(dmarc_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = dmarc_cases[i].name,
                                         .test_func = test_record_dmarc,
                                         .initial_state = (void *)&dmarc_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(key_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = key_cases[i].name,
                                         .test_func = test_record_dkim_key,
                                         .initial_state = (void *)&key_cases[i]};
    tests[n++] =
        (struct CMUnitTest){.name = "spf term details", .test_func = test_record_spf_term_details};
    tests[n++] =
        (struct CMUnitTest){.name = "dkim key limits", .test_func = test_record_dkim_key_limits};
    tests[n++] = (struct CMUnitTest){.name = "out of memory", .test_func = test_record_enomem};
    return _cmocka_run_group_tests("record_api", tests, n, NULL, NULL);
}
