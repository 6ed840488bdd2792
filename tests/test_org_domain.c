/* org_domain: mailauth_org_domain() (include/mailauth/dmarc.h), the
 * RFC 7489 §3.2 organizational domain a tool can ask for outside an
 * evaluation, over the default Public Suffix List: names with a multi-label
 * public suffix, a name that is itself a suffix, an IDN in U-labels, case
 * and a trailing dot, names that are not domains, and a buffer too small. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/ctx.h>
#include <mailauth/dmarc.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

typedef struct org_case {
    const char       *name;
    const char       *domain;
    mailauth_status_t want_status;
    const char       *want; /* the answer when MAILAUTH_OK */
} org_case_t;

static const org_case_t cases[] = {
    {"registrable under co.uk", "www.example.co.uk", MAILAUTH_OK, "example.co.uk"},
    {"co.uk is a suffix: itself", "co.uk", MAILAUTH_OK, "co.uk"},
    {"deep suffix pvt.k12.ma.us", "a.b.c.pvt.k12.ma.us", MAILAUTH_OK, "c.pvt.k12.ma.us"},
    {"pvt.k12.ma.us is a suffix: itself", "pvt.k12.ma.us", MAILAUTH_OK, "pvt.k12.ma.us"},
    {"a TLD alone: itself", "com", MAILAUTH_OK, "com"},
    {"already organizational", "example.com", MAILAUTH_OK, "example.com"},
    {"upper case folded", "Mail.WWW.Example.COM", MAILAUTH_OK, "example.com"},
    {"one trailing dot", "mail.example.com.", MAILAUTH_OK, "example.com"},
    {"IDN in U-labels", "www.\xe9\xa3\x9f\xe7\x8b\xae.\xe5\x85\xac\xe5\x8f\xb8.cn", MAILAUTH_OK,
     "xn--85x722f.xn--55qx5d.cn"},
    {"IDN in A-labels", "www.XN--85X722F.xn--55qx5d.cn", MAILAUTH_OK, "xn--85x722f.xn--55qx5d.cn"},
    {"IDN label under a plain suffix", "mail.b\xc3\xbc\x63her.de", MAILAUTH_OK, "xn--bcher-kva.de"},
    {"empty", "", MAILAUTH_EINVAL, NULL},
    {"the root alone", ".", MAILAUTH_EINVAL, NULL},
    {"two trailing dots", "example.com..", MAILAUTH_EINVAL, NULL},
    {"empty label", "a..example.com", MAILAUTH_EINVAL, NULL},
    {"leading dot", ".example.com", MAILAUTH_EINVAL, NULL},
    {"a space", "ex ample.com", MAILAUTH_EINVAL, NULL},
    {"an address", "user@example.com", MAILAUTH_EINVAL, NULL},
    {"not UTF-8", "\xff\xfe.example.com", MAILAUTH_EINVAL, NULL},
    {"a label of 64 octets",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com",
     MAILAUTH_EINVAL, NULL},
    {"a bracketed address literal", "[192.0.2.1]", MAILAUTH_EINVAL, NULL},
};

static mailauth_ctx_t *ctx;

static int
setup(void **state)
{
    (void)state;
    return mailauth_ctx_new(NULL, &ctx) == MAILAUTH_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    mailauth_ctx_free(ctx);
    ctx = NULL;
    return 0;
}

static void
test_org_case(void **state)
{
    const org_case_t *c = *state;
    char              buf[256];
    size_t            need = 12345;
    memset(buf, 'X', sizeof(buf));
    assert_int_equal(mailauth_org_domain(ctx, c->domain, buf, sizeof(buf), &need), c->want_status);
    if (c->want_status == MAILAUTH_OK) {
        assert_string_equal(buf, c->want);
        assert_int_equal(need, strlen(c->want));
    } else {
        assert_int_equal(need, 12345); /* nothing reported on error */
    }
}

/* Like snprintf: a short buffer gets the truncated answer, NUL-terminated,
 * and the size it needs; cap 0 writes nothing. */
static void
test_org_short_buffer(void **state)
{
    char   buf[16];
    size_t need = 0;
    (void)state;
    memset(buf, 'X', sizeof(buf));
    assert_int_equal(mailauth_org_domain(ctx, "www.example.co.uk", buf, 6, &need), MAILAUTH_ENOSPC);
    assert_int_equal(need, strlen("example.co.uk"));
    assert_string_equal(buf, "examp");
    assert_int_equal(buf[6], 'X');
    need = 0;
    assert_int_equal(mailauth_org_domain(ctx, "www.example.co.uk", NULL, 0, &need),
                     MAILAUTH_ENOSPC);
    assert_int_equal(need, strlen("example.co.uk"));
    /* exactly the answer and its NUL fit */
    assert_int_equal(mailauth_org_domain(ctx, "a.example.com", buf, 12, NULL), MAILAUTH_OK);
    assert_string_equal(buf, "example.com");
    assert_int_equal(mailauth_org_domain(ctx, "a.example.com", buf, 11, NULL), MAILAUTH_ENOSPC);
    assert_string_equal(buf, "example.co");
}

static void
test_org_null_arguments(void **state)
{
    char buf[64];
    (void)state;
    assert_int_equal(mailauth_org_domain(NULL, "example.com", buf, sizeof(buf), NULL),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_org_domain(ctx, NULL, buf, sizeof(buf), NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_org_domain(ctx, "example.com", NULL, 4, NULL), MAILAUTH_EINVAL);
}

/* RFC 7489 §3.2 whatever the ctx's DMARC mode. */
static void
test_org_any_mode(void **state)
{
    mailauth_ctx_t *c9989 = NULL;
    char            buf[64];
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &c9989), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_dmarc_mode(c9989, MAILAUTH_DMARC_RFC9989), MAILAUTH_OK);
    assert_int_equal(mailauth_org_domain(c9989, "x.y.example.co.uk", buf, sizeof(buf), NULL),
                     MAILAUTH_OK);
    assert_string_equal(buf, "example.co.uk");
    mailauth_ctx_free(c9989);
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases) + 3];
    size_t            n = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[n++] = (struct CMUnitTest){
            .name = cases[i].name, .test_func = test_org_case, .initial_state = (void *)&cases[i]};
    tests[n++] = (struct CMUnitTest){.name = "short buffer", .test_func = test_org_short_buffer};
    tests[n++] =
        (struct CMUnitTest){.name = "NULL arguments", .test_func = test_org_null_arguments};
    tests[n++] = (struct CMUnitTest){.name = "any DMARC mode", .test_func = test_org_any_mode};
    return _cmocka_run_group_tests("org_domain", tests, n, setup, teardown);
}
