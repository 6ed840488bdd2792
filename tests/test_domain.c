/* domain: syntax checks, IDNA to A-labels, equality and subdomain tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/domain.h"
#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define A10 "aaaaaaaaaa"
#define A60 A10 A10 A10 A10 A10 A10
#define L63 A60 "aaa"
#define N253 L63 "." L63 "." L63 "." A60 "a" /* 3 * 63 + 3 dots + 61 = 253 */

enum { NEED_DOT = MAILAUTH__DOMAIN_NEED_DOT, LDH = MAILAUTH__DOMAIN_LDH };

/* ---- syntax ---------------------------------------------------------- */

struct check_case {
    const char *name, *in;
    unsigned    flags;
    bool        want;
    size_t      len; /* 0: strlen(in) */
};
static const struct check_case check_cases[] = {
    {"check: simple", "example.com", 0, true, 0},
    {"check: trailing dot", "example.com.", 0, true, 0},
    {"check: single label", "com", 0, true, 0},
    {"check: single label needs dot", "com", NEED_DOT, false, 0},
    {"check: single label dot needs dot", "com.", NEED_DOT, false, 0},
    {"check: two labels need dot", "example.com", NEED_DOT | LDH, true, 0},
    {"check: empty", "", 0, false, 0},
    {"check: root only", ".", 0, false, 0},
    {"check: two dots", "..", 0, false, 0},
    {"check: empty label", "a..b", 0, false, 0},
    {"check: leading dot", ".example.com", 0, false, 0},
    {"check: two trailing dots", "example.com..", 0, false, 0},
    {"check: 63-octet label", L63 ".com", LDH, true, 0},
    {"check: 64-octet label", L63 "a.com", 0, false, 0},
    {"check: 253 octets", N253, LDH, true, 0},
    {"check: 253 octets and dot", N253 ".", LDH, true, 0},
    {"check: 254 octets", N253 "a", 0, false, 0},
    {"check: underscore is LDH", "_dmarc.example.com", LDH, true, 0},
    {"check: selector name", "s1._domainkey.example.com", LDH | NEED_DOT, true, 0},
    {"check: space not LDH", "exa mple.com", LDH, false, 0},
    {"check: space without LDH", "exa mple.com", 0, true, 0},
    {"check: UTF-8 not LDH", "bücher.example", LDH, false, 0},
    {"check: UTF-8 without LDH", "bücher.example", 0, true, 0},
    {"check: embedded NUL", "exa\0mple.com", 0, false, 12},
};

static void
test_domain_check(void **state)
{
    const struct check_case *c = *state;
    size_t                   n = c->len != 0 ? c->len : strlen(c->in);
    assert_int_equal(mailauth__domain_check(c->in, n, c->flags), c->want);
}

/* ---- A-labels -------------------------------------------------------- */

struct alabel_case {
    const char       *name, *in;
    mailauth_status_t st;
    const char       *want;
    size_t            len; /* 0: strlen(in) */
};
static const struct alabel_case alabel_cases[] = {
    {"alabel: ascii lower-cased", "Example.COM", MAILAUTH_OK, "example.com", 0},
    {"alabel: ascii underscore", "_DMARC.Example.com", MAILAUTH_OK, "_dmarc.example.com", 0},
    {"alabel: trailing dot dropped", "example.com.", MAILAUTH_OK, "example.com", 0},
    {"alabel: a-label kept", "XN--BCHER-KVA.example", MAILAUTH_OK, "xn--bcher-kva.example", 0},
    {"alabel: u-label", "bücher.example", MAILAUTH_OK, "xn--bcher-kva.example", 0},
    {"alabel: u-label upper case", "BÜCHER.Example", MAILAUTH_OK, "xn--bcher-kva.example", 0},
    {"alabel: u-label trailing dot", "bücher.example.", MAILAUTH_OK, "xn--bcher-kva.example", 0},
    /* U+3002 ideographic full stop separates labels */
    {"alabel: ideographic full stop", "bücher。example", MAILAUTH_OK, "xn--bcher-kva.example", 0},
    {"alabel: underscore with u-label", "_dmarc.bücher.example", MAILAUTH_OK,
     "_dmarc.xn--bcher-kva.example", 0},
    {"alabel: fullwidth letters mapped", "ＢÜＣＨＥＲ.example", MAILAUTH_OK,
     "xn--bcher-kva.example", 0},
    {"alabel: decomposed input normalized", "bu\u0308cher.example", MAILAUTH_OK,
     "xn--bcher-kva.example", 0},
    {"alabel: soft hyphen mapped to nothing", "a\u00adb.bücher", MAILAUTH_OK, "ab.xn--bcher-kva",
     0},
    {"alabel: soft hyphen alone leaves an empty label", "\u00ad.bücher", MAILAUTH_EINVAL, NULL, 0},
    /* IDNA2008 with the UTS #46 non-transitional mapping only: the deviation
     * characters are kept, never mapped as IDNA2003 did (fass.de, σ, deleted
     * joiners name other domains). */
    {"alabel: sharp s kept", "faß.de", MAILAUTH_OK, "xn--fa-hia.de", 0},
    {"alabel: sharp s upper case", "FAß.DE", MAILAUTH_OK, "xn--fa-hia.de", 0},
    {"alabel: ss is another name", "FASS.de", MAILAUTH_OK, "fass.de", 0},
    /* U+1E9E: UTS #46 15.1 lowers it to U+00DF (older tables: "ss"); pinned */
    {"alabel: capital sharp s", "FAẞ.DE", MAILAUTH_OK, "xn--fa-hia.de", 0},
    {"alabel: capital sharp s twice", "ẞẞ.example", MAILAUTH_OK, "xn--zcaa.example", 0},
    {"alabel: final sigma kept", "βόλος.com", MAILAUTH_OK, "xn--nxasmm1c.com", 0},
    {"alabel: sigma", "βόλοσ.com", MAILAUTH_OK, "xn--nxasmq6b.com", 0},
    {"alabel: capital sigma lowers to sigma", "ΒΌΛΟΣ.com", MAILAUTH_OK, "xn--nxasmq6b.com", 0},
    {"alabel: ZWJ after virama (Sinhala)", "ශ්\u200dරී.example", MAILAUTH_OK,
     "xn--10cl1a0b660p.example", 0},
    {"alabel: ZWJ after virama (Devanagari)", "क्\u200dष.example", MAILAUTH_OK,
     "xn--11b2ezcw70k.example", 0},
    {"alabel: ZWNJ between joining letters", "ب\u200cي.example", MAILAUTH_OK,
     "xn--ngb2ev20h.example", 0},
    {"alabel: ZWJ out of context", "a\u200db.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: ZWNJ out of context", "pay\u200cpal.example", MAILAUTH_EINVAL, NULL, 0},
    /* Symbols and emoji: IDNA2003 allowed them, IDNA2008 does not. */
    {"alabel: snowman", "a☃.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: emoji", "\U0001F600.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: heart", "i❤.ws", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: bidi rule (RFC 5893)", "١٢a.example", MAILAUTH_EINVAL, NULL, 0},
    /* A-labels: ASCII names are taken as written (DNS decides); among U-labels
     * libidn2 decodes and checks them. */
    {"alabel: a-label among u-labels", "xn--bcher-kva.bücher.example", MAILAUTH_OK,
     "xn--bcher-kva.xn--bcher-kva.example", 0},
    {"alabel: u-label under an a-label tld", "bücher.xn--p1ai", MAILAUTH_OK,
     "xn--bcher-kva.xn--p1ai", 0},
    {"alabel: bad punycode, ascii name", "XN--ZZ.example", MAILAUTH_OK, "xn--zz.example", 0},
    {"alabel: bad punycode among u-labels", "xn--zz.bücher.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: non-ascii after xn--", "xn--bücher.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: invalid UTF-8 (latin-1)", "b\374cher.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: truncated UTF-8", "example.b\xc3", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: overlong UTF-8", "\xc0\xaf.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: UTF-16 surrogate", "\xed\xa0\x80.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: C1 control", "\xc2\x80x.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: hyphens in 3-4", "ab--cd.bücher", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: leading hyphen", "-bücher.example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: empty label after mapping", "ü.example..", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: label too long", "ü" L63 ".example", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: empty", "", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: root only", ".", MAILAUTH_EINVAL, NULL, 0},
    {"alabel: embedded NUL", "b\xc3\xbc\0.example", MAILAUTH_EINVAL, NULL, 11},
    {"alabel: ascii embedded NUL", "a\0.example", MAILAUTH_EINVAL, NULL, 10},
};

static void
test_domain_alabel(void **state)
{
    const struct alabel_case *c = *state;
    size_t                    n = c->len != 0 ? c->len : strlen(c->in);
    mailauth__arena_t         a;
    char                     *out = (char *)"sentinel";
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__domain_to_alabel(&a, c->in, n, &out), c->st);
    if (c->want != NULL)
        assert_string_equal(out, c->want);
    else
        assert_null(out);
    mailauth__arena_clear(&a);
}

static void
test_domain_alabel_oom(void **state)
{
    (void)state;
    static const char *const names[] = {"Example.COM", "bücher.example"};
    for (size_t k = 0; k < ARRAY_LEN(names); k++) {
        fail_alloc_t      fa;
        mailauth__arena_t a;
        char             *out = NULL;
        fail_alloc_init(&fa, 1);
        mailauth__arena_init(&a, &fa.al);
        assert_int_equal(mailauth__domain_to_alabel(&a, names[k], strlen(names[k]), &out),
                         MAILAUTH_ENOMEM);
        assert_null(out);
        mailauth__arena_clear(&a);
        assert_int_equal(fa.live, 0);
    }
}

static void
test_domain_alabel_args(void **state)
{
    mailauth__arena_t a;
    char             *out = NULL;
    (void)state;
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__domain_to_alabel(NULL, "a", 1, &out), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__domain_to_alabel(&a, NULL, 1, &out), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__domain_to_alabel(&a, "a", 1, NULL), MAILAUTH_EINVAL);
    /* not NUL-terminated: only len bytes are read */
    static const char buf[] = {'b', '\xc3', '\xbc', 'c', 'h', 'e', 'r', '.', 'x', '!'};
    assert_int_equal(mailauth__domain_to_alabel(&a, buf, 9, &out), MAILAUTH_OK);
    assert_string_equal(out, "xn--bcher-kva.x");
    mailauth__arena_clear(&a);
}

/* ---- equality and subdomains ----------------------------------------- */

struct pair_case {
    const char *name, *a, *b;
    bool        eq, sub; /* domain_eq(a, b); domain_is_sub(a, parent b) */
};
static const struct pair_case pair_cases[] = {
    {"pair: identical", "example.com", "example.com", true, true},
    {"pair: case differs", "EXAMPLE.com", "example.COM", true, true},
    {"pair: trailing dot left", "example.com.", "example.com", true, true},
    {"pair: trailing dot right", "example.com", "example.com.", true, true},
    {"pair: two trailing dots", "example.com..", "example.com", false, false},
    {"pair: subdomain", "mail.Example.com", "example.com", false, true},
    {"pair: deep subdomain", "a.b.c.example.com.", "EXAMPLE.com.", false, true},
    {"pair: parent is not sub", "example.com", "mail.example.com", false, false},
    {"pair: suffix without dot", "badexample.com", "example.com", false, false},
    {"pair: different", "example.org", "example.com", false, false},
    {"pair: empty parent", "example.com", "", false, false},
    {"pair: root parent", "example.com", ".", false, false},
    {"pair: both empty", "", "", true, false},
    {"pair: non-ascii bytes exact", "b\xc3\xbc.example", "b\xc3\xbc.example", true, true},
};

static void
test_domain_pair(void **state)
{
    const struct pair_case *c = *state;
    size_t                  an = strlen(c->a), bn = strlen(c->b);
    assert_int_equal(mailauth__domain_eq(c->a, an, c->b, bn), c->eq);
    assert_int_equal(mailauth__domain_eq(c->b, bn, c->a, an), c->eq);
    assert_int_equal(mailauth__domain_is_sub(c->a, an, c->b, bn), c->sub);
}

#define ADD_TABLE(tab, fn)                                                                         \
    for (size_t i = 0; i < ARRAY_LEN(tab); i++)                                                    \
        tests[nt++] = (struct CMUnitTest)                                                          \
        {                                                                                          \
            .name = (tab)[i].name, .test_func = (fn), .initial_state = (void *)&(tab)[i]           \
        }
#define ADD_TEST(fn)                                                                               \
    tests[nt++] = (struct CMUnitTest) { .name = #fn, .test_func = (fn) }

int
main(void)
{
    struct CMUnitTest
           tests[ARRAY_LEN(check_cases) + ARRAY_LEN(alabel_cases) + ARRAY_LEN(pair_cases) + 2];
    size_t nt = 0;
    ADD_TABLE(check_cases, test_domain_check);
    ADD_TABLE(alabel_cases, test_domain_alabel);
    ADD_TEST(test_domain_alabel_oom);
    ADD_TEST(test_domain_alabel_args);
    ADD_TABLE(pair_cases, test_domain_pair);
    return _cmocka_run_group_tests("domain", tests, nt, NULL, NULL);
}
