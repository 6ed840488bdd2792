/* spf/macro: RFC 7208 §7 syntax and expansion; the §7.4 examples table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "spf/spf.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define S(lit)                                                                                     \
    {                                                                                              \
        lit, sizeof(lit) - 1                                                                       \
    }

/* The envelope of RFC 7208 §7.4: <sender> strong-bad@email.example.com,
 * IPv4 client 192.0.2.3, IPv6 client 2001:db8::cb01, PTR name mx.example.org. */
static const mailauth__spf_macro_env_t env4 = {
    .s = S("strong-bad@email.example.com"),
    .l = S("strong-bad"),
    .o = S("email.example.com"),
    .d = S("email.example.com"),
    .i = S("192.0.2.3"),
    .p = S("mx.example.org"),
    .v = S("in-addr"),
    .h = S("mx.example.org"),
    .c = S("192.0.2.3"),
    .r = S("receiver.example.net"),
    .t = 1400000000,
};
static const mailauth__spf_macro_env_t env6 = {
    .s = S("strong-bad@email.example.com"),
    .l = S("strong-bad"),
    .o = S("email.example.com"),
    .d = S("email.example.com"),
    .i = S("2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1"),
    .p = S("mx.example.org"),
    .v = S("ip6"),
    .h = S("mx.example.org"),
    .c = S("2001:db8::cb01"),
    .r = S("receiver.example.net"),
    .t = 1400000000,
};

struct macro_case {
    const char *name, *macro, *want;
    int         kind; /* MAILAUTH__SPF_MACRO_* */
    bool        v6;
};

#define EX MAILAUTH__SPF_MACRO_EXPLAIN
#define DOM MAILAUTH__SPF_MACRO_DOMAIN
static const struct macro_case cases[] = {
    /* RFC 7208 §7.4, first table */
    {"7.4 s: sender", "%{s}", "strong-bad@email.example.com", EX, false},
    {"7.4 o: sender domain", "%{o}", "email.example.com", EX, false},
    {"7.4 d: domain", "%{d}", "email.example.com", EX, false},
    {"7.4 d4: more parts than there are", "%{d4}", "email.example.com", EX, false},
    {"7.4 d3: all three parts", "%{d3}", "email.example.com", EX, false},
    {"7.4 d2: two right-hand parts", "%{d2}", "example.com", EX, false},
    {"7.4 d1: one part", "%{d1}", "com", EX, false},
    {"7.4 dr: reversed", "%{dr}", "com.example.email", EX, false},
    {"7.4 d2r: reversed, two parts", "%{d2r}", "example.email", EX, false},
    {"7.4 l: local-part", "%{l}", "strong-bad", EX, false},
    {"7.4 l-: split on dash", "%{l-}", "strong.bad", EX, false},
    {"7.4 lr: reversed on dots", "%{lr}", "strong-bad", EX, false},
    {"7.4 lr-: reversed on dash", "%{lr-}", "bad.strong", EX, false},
    {"7.4 l1r-: one part of reversed", "%{l1r-}", "strong", EX, false},
    /* RFC 7208 §7.4, second table */
    {"7.4 ir.v._spf.d2", "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com", DOM, false},
    {"7.4 lr-.lp._spf.d2", "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com", DOM, false},
    {"7.4 lr-.lp.ir.v._spf.d2", "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
     "bad.strong.lp.3.2.0.192.in-addr._spf.example.com", DOM, false},
    {"7.4 ir.v.l1r-.lp._spf.d2", "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
     "3.2.0.192.in-addr.strong.lp._spf.example.com", DOM, false},
    {"7.4 d2.trusted-domains", "%{d2}.trusted-domains.example.net",
     "example.com.trusted-domains.example.net", DOM, false},
    {"7.4 IPv6 ir.v._spf.d2", "%{ir}.%{v}._spf.%{d2}",
     "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com", DOM,
     true},
    /* §7.3 other letters and escapes */
    {"i: dotted quad", "%{i}", "192.0.2.3", EX, false},
    {"c: IPv6 colon form", "%{c}", "2001:db8::cb01", EX, true},
    {"p: validated name", "%{p}", "mx.example.org", EX, false},
    {"h: helo", "%{h}", "mx.example.org", EX, false},
    {"r: receiver in exp", "%{r}", "receiver.example.net", EX, false},
    {"t: timestamp in exp", "%{t}", "1400000000", EX, false},
    {"v: in-addr", "%{v}", "in-addr", EX, false},
    {"v: ip6", "%{v}", "ip6", EX, true},
    {"upper case letter and transformer", "%{D2R}", "example.email", EX, false},
    {"%% %_ %-", "a%%b%_c%-d", "a%b c%20d", EX, false},
    {"explain-string keeps spaces", "from %{i} to %{d}", "from 192.0.2.3 to email.example.com", EX,
     false},
    {"URL escape of upper-case macro", "%{S}", "strong-bad%40email.example.com", EX, false},
    {"URL escape keeps unreserved", "%{L}", "strong-bad", EX, false},
    {"multiple delimiters", "%{s3-.}", "bad@email.example.com", EX, false},
    {"multiple delimiters reversed", "%{s3r.-}", "example.bad@email.strong", EX, false},
    {"delimiters + and -", "%{l2r+-}", "bad.strong", EX, false},
    {"digits larger than 127", "%{d200}", "email.example.com", EX, false},
    {"many leading zeros in digits", "%{d0002}", "example.com", EX, false},
    {"trailing dot dropped from a domain", "%{d}.example.com.", "email.example.com.example.com",
     DOM, false},
    {"literal only", "_spf.example.com", "_spf.example.com", DOM, false},
};

static void
test_spf_macro_expands(void **state)
{
    const struct macro_case *c = *state;
    char                     out[300];
    size_t                   n = 0;
    unsigned                 found = 0;
    assert_int_equal(mailauth__spf_macro_check(c->macro, strlen(c->macro), c->kind, &found, NULL),
                     MAILAUTH_OK);
    assert_int_equal(mailauth__spf_macro_expand(c->v6 ? &env6 : &env4, c->macro, strlen(c->macro),
                                                c->kind, out, sizeof(out), &n),
                     MAILAUTH_OK);
    assert_string_equal(out, c->want);
    assert_int_equal(n, strlen(c->want));
}

/* ---- syntax: accepted and rejected macro-strings ---------------------- */

struct syntax_case {
    const char *name, *macro;
    int         kind;
    bool        ok;
    unsigned    found; /* MAILAUTH__SPF_HAS_* when ok */
};
static const struct syntax_case syntax_cases[] = {
    {"plain domain", "example.com", DOM, true, 0},
    {"trailing dot", "example.com.", DOM, true, 0},
    {"ends in macro", "foo.%{d}", DOM, true, MAILAUTH__SPF_HAS_MACRO},
    {"ends in %-", "foo%-", DOM, true, MAILAUTH__SPF_HAS_MACRO},
    {"p flagged", "%{p}.example.com", DOM, true, MAILAUTH__SPF_HAS_MACRO | MAILAUTH__SPF_HAS_P},
    {"toplabel with dashes", "foo.example.xn--zckzah", DOM, true, 0},
    {"toplabel digits and dash", "foo.123-456", DOM, true, 0},
    {"colon and slash inside", "foo:bar/baz.example.com", DOM, true, 0},
    {"delimiter dot inside braces", "%{l.}x.example.com", DOM, true, MAILAUTH__SPF_HAS_MACRO},
    {"reject: empty domain-spec", "", DOM, false, 0},
    {"reject: no dot", "foo-bar", DOM, false, 0},
    {"reject: numeric toplabel", "abc.123", DOM, false, 0},
    {"reject: ip address", "111.222.33.44", DOM, false, 0},
    {"reject: toplabel starts with dash", "example.-com", DOM, false, 0},
    {"reject: toplabel ends with dash", "example.com-", DOM, false, 0},
    {"reject: only a toplabel", "museum", DOM, false, 0},
    {"reject: only a toplabel and dot", "museum.", DOM, false, 0},
    {"reject: port", "example.com:8080", DOM, false, 0},
    {"reject: cidr in spec", "example.com/24", DOM, false, 0},
    {"reject: macro then literal label", "foo.%{d}x", DOM, false, 0},
    {"reject: macro then dot", "%{d}.", DOM, false, 0},
    {"reject: c in domain", "%{c}.example.com", DOM, false, 0},
    {"reject: r in domain", "%{r}.example.com", DOM, false, 0},
    {"reject: t in domain", "%{t}.example.com", DOM, false, 0},
    {"c r t in explanation", "%{c} %{r} %{t}", EX, true, MAILAUTH__SPF_HAS_MACRO},
    {"c r t in a plain macro-string", "%{c}%{r}%{t}", MAILAUTH__SPF_MACRO_PLAIN, true,
     MAILAUTH__SPF_HAS_MACRO},
    {"reject: unknown letter", "%{a}.example.com", DOM, false, 0},
    {"reject: unknown letter x", "The %{x}-files.", EX, false, 0},
    {"reject: parentheses", "%(ir).sbl.example.com", DOM, false, 0},
    {"reject: % then dot", "foo%.sbl.example.com", DOM, false, 0},
    {"reject: lone % at end", "abc%", MAILAUTH__SPF_MACRO_PLAIN, false, 0},
    {"reject: %abc", "%abc", MAILAUTH__SPF_MACRO_PLAIN, false, 0},
    {"reject: unterminated", "%{d", EX, false, 0},
    {"reject: zero digits", "%{d0}.example.com", DOM, false, 0},
    {"reject: bad delimiter", "%{d;}.example.com", DOM, false, 0},
    {"reject: r twice", "%{drr}.example.com", DOM, false, 0},
    {"reject: space in domain", "a b.example.com", DOM, false, 0},
    {"reject: space in plain", "a b", MAILAUTH__SPF_MACRO_PLAIN, false, 0},
    {"reject: tab in explanation", "a\tb", EX, false, 0},
    {"reject: NUL", "a\0b", EX, false, 0},
    {"reject: UTF-8 in explanation",
     "\xEF\xBB\xBF"
     "Explanation",
     EX, false, 0},
    {"reject: DEL", "a\x7f", EX, false, 0},
    {"empty explanation", "", EX, true, 0},
    {"empty plain", "", MAILAUTH__SPF_MACRO_PLAIN, true, 0},
};

static void
test_spf_macro_syntax(void **state)
{
    const struct syntax_case *c = *state;
    unsigned                  found = 99;
    const char               *what = NULL;
    size_t                    n = strlen(c->macro);
    mailauth_status_t         st;
    if (strcmp(c->name, "reject: NUL") == 0)
        n = 3;
    st = mailauth__spf_macro_check(c->macro, n, c->kind, &found, &what);
    if (c->ok) {
        assert_int_equal(st, MAILAUTH_OK);
        assert_int_equal(found, c->found);
        assert_null(what);
    } else {
        assert_int_equal(st, MAILAUTH_EINVAL);
        assert_non_null(what);
    }
}

/* ---- bounds ------------------------------------------------------------ */

/* §7.3: an expanded domain over 253 octets loses labels on the left. */
static void
test_spf_macro_truncates_left(void **state)
{
    mailauth__spf_macro_env_t e = env4;
    const char               *spec = "foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com";
    char                      want[300];
    char                      out[254];
    size_t                    n = 0;
    (void)state;
    e.o = (mailauth__spf_str_t)S("somewhat.long.exp.example.com");
    want[0] = '\0';
    for (int k = 0; k < 8; k++)
        strcat(want, "somewhat.long.exp.example.com.");
    strcat(want, "example.com"); /* "foobar." removed: 258 -> 251 octets */
    assert_int_equal(mailauth__spf_macro_expand(&e, spec, strlen(spec), DOM, out, sizeof(out), &n),
                     MAILAUTH_OK);
    assert_string_equal(out, want);
    assert_int_equal(n, 251);
}

/* A label-free tail longer than 253 leaves nothing usable; huge expansions
 * are bounded in time and never overflow. */
static void
test_spf_macro_domain_bounds(void **state)
{
    static char               big[70000];
    static char               spec[20000];
    mailauth__spf_macro_env_t e = env4;
    char                      out[254];
    size_t                    n = 1;
    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    e.l = (mailauth__spf_str_t){big, 300};
    assert_int_equal(mailauth__spf_macro_expand(&e, "x.%{l}", 6, DOM, out, sizeof(out), &n),
                     MAILAUTH_OK);
    assert_int_equal(n, 0);
    /* 3000 macros of two labels each: only whole labels of the tail are kept */
    e.l = (mailauth__spf_str_t){"ab.cd", 5};
    spec[0] = '\0';
    for (int k = 0; k < 3000; k++)
        strcat(spec, "%{l}.");
    strcat(spec, "example.com");
    assert_int_equal(mailauth__spf_macro_expand(&e, spec, strlen(spec), DOM, out, sizeof(out), &n),
                     MAILAUTH_OK);
    assert_true(n <= 253 && n > 240);
    assert_string_equal(out + n - 17, "ab.cd.example.com");
    assert_true(strncmp(out, "ab.", 3) == 0 || strncmp(out, "cd.", 3) == 0);
    /* a value so long that the expansion is refused rather than walked */
    e.l = (mailauth__spf_str_t){big, sizeof(big) - 1};
    assert_int_equal(mailauth__spf_macro_expand(&e, "%{l}.x.com", 10, DOM, out, sizeof(out), &n),
                     MAILAUTH_OK);
    assert_int_equal(n, 0);
    /* too small a buffer for a domain */
    assert_int_equal(mailauth__spf_macro_expand(&e, "a.com", 5, DOM, out, 100, &n),
                     MAILAUTH_EINVAL);
}

static void
test_spf_macro_explain_is_cut(void **state)
{
    mailauth__spf_macro_env_t e = env4;
    static char               big[5000];
    char                      out[64];
    size_t                    n = 0;
    (void)state;
    memset(big, 'z', sizeof(big) - 1);
    e.l = (mailauth__spf_str_t){big, sizeof(big) - 1};
    assert_int_equal(mailauth__spf_macro_expand(&e, "x %{L} y", 8, EX, out, sizeof(out), &n),
                     MAILAUTH_OK);
    assert_int_equal(n, sizeof(out) - 1);
    assert_int_equal(strlen(out), sizeof(out) - 1);
    assert_memory_equal(out, "x zzz", 5);
    /* an escape that does not fit is cut in the middle, never past the end */
    e.l = (mailauth__spf_str_t)S("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
    assert_int_equal(mailauth__spf_macro_expand(&e, "%{L}", 4, EX, out, 8, &n), MAILAUTH_OK);
    assert_string_equal(out, "%40%40%");
}

/* p and h missing: "unknown" (§7.3). */
static void
test_spf_macro_unknown_values(void **state)
{
    mailauth__spf_macro_env_t e = env4;
    char                      out[64];
    (void)state;
    e.p = (mailauth__spf_str_t){NULL, 0};
    e.h = (mailauth__spf_str_t){NULL, 0};
    e.r = (mailauth__spf_str_t){NULL, 0};
    assert_int_equal(
        mailauth__spf_macro_expand(&e, "%{p} %{h} %{r}", 14, EX, out, sizeof(out), NULL),
        MAILAUTH_OK);
    assert_string_equal(out, "unknown unknown unknown");
}

/* Expansion refuses what the checker refuses. */
static void
test_spf_macro_expand_rejects(void **state)
{
    char out[300];
    (void)state;
    assert_int_equal(mailauth__spf_macro_expand(&env4, "%{x}", 4, EX, out, sizeof(out), NULL),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__spf_macro_expand(&env4, "%", 1, EX, out, sizeof(out), NULL),
                     MAILAUTH_EINVAL);
    assert_int_equal(
        mailauth__spf_macro_expand(&env4, "%{c}.a.com", 10, DOM, out, sizeof(out), NULL),
        MAILAUTH_EINVAL);
    assert_int_equal(mailauth__spf_macro_expand(NULL, "a", 1, EX, out, sizeof(out), NULL),
                     MAILAUTH_EINVAL);
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases) + ARRAY_LEN(syntax_cases) + 6];
    size_t            k = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[k++] = (struct CMUnitTest){.name = cases[i].name,
                                         .test_func = test_spf_macro_expands,
                                         .initial_state = (void *)&cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(syntax_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = syntax_cases[i].name,
                                         .test_func = test_spf_macro_syntax,
                                         .initial_state = (void *)&syntax_cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_macro_truncates_left);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_macro_domain_bounds);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_macro_explain_is_cut);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_macro_unknown_values);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_macro_expand_rejects);
    return _cmocka_run_group_tests("spf_macro", tests, k, NULL, NULL);
}
