/* spf/record: RFC 7208 record selection (§4.5) and parsing (§4.6, §5, §6, §12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "spf/spf.h"
#include "support/fail_alloc.h"
#include "util/alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Parse and describe share one table: `want` is the canonical description
 * of the parsed record, or NULL when the record must be refused; `bad` is
 * then the offending term reported. */
struct rec_case {
    const char *name, *txt, *want, *bad;
    size_t      len; /* 0: strlen(txt) */
};
static const struct rec_case cases[] = {
    {"empty record", "v=spf1", "", NULL, 0},
    {"version case-insensitive", "V=SpF1 -all", "-all", NULL, 0},
    {"trailing space", "v=spf1 a -all ", "+a/32//128 -all", NULL, 0},
    {"two spaces", "v=spf1 a  -all", "+a/32//128 -all", NULL, 0},
    {"qualifiers", "v=spf1 +all -all ~all ?all", "+all -all ~all ?all", NULL, 0},
    {"all mechanisms",
     "v=spf1 a mx ptr include:x.example exists:y.example ip4:192.0.2.0/24 "
     "ip6:2001:db8::/32 all",
     "+a/32//128 +mx/32//128 +ptr +include:x.example +exists:y.example +ip4:192.0.2.0/24 "
     "+ip6:2001:db8::/32 +all",
     NULL, 0},
    {"mechanism names case-insensitive", "v=spf1 A:Foo.Example MX IP4:192.0.2.1 ALL",
     "+a:Foo.Example/32//128 +mx/32//128 +ip4:192.0.2.1/32 +all", NULL, 0},
    {"dual cidr", "v=spf1 a/24//64 mx//0 a:foo.example/16",
     "+a/24//64 +mx/32//0 +a:foo.example/16//128", NULL, 0},
    {"slash and colon inside domain-spec", "v=spf1 a:foo:bar/baz.example.com",
     "+a:foo:bar/baz.example.com/32//128", NULL, 0},
    {"cidr zero", "v=spf1 ip4:1.1.1.1/0 ip6:::1.1.1.1/0", "+ip4:1.1.1.1/0 +ip6:::101:101/0", NULL,
     0},
    {"macro flagged", "v=spf1 exists:%{ir}.%{v}._spf.%{d2} a:%{p}.x.example",
     "+exists:%{ir}.%{v}._spf.%{d2}[M] +a:%{p}.x.example/32//128[MP]", NULL, 0},
    {"redirect and exp", "v=spf1 redirect=_spf.example.com exp=explain.%{d}",
     " redirect=_spf.example.com exp=explain.%{d}[M]", NULL, 0},
    {"redirect ignored-with-all flag", "v=spf1 redirect=x.example ~all",
     "~all redirect=x.example all!", NULL, 0},
    {"unknown modifier ignored", "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all",
     "+ip4:1.2.3.4/32 -all", NULL, 0},
    {"empty unknown modifier", "v=spf1 moo= -all", "-all", NULL, 0},
    {"obsolete default modifier", "v=spf1 default=+", "", NULL, 0},
    {"trailing-dot domain", "v=spf1 include:o.spf.example.com. ~all",
     "+include:o.spf.example.com. ~all", NULL, 0},
    {"IDN toplabel", "v=spf1 a:foo.example.xn--zckzah -all",
     "+a:foo.example.xn--zckzah/32//128 -all", NULL, 0},
    /* refused */
    {"not spf1: v=spf10", "v=spf10", NULL, "", 0},
    {"not spf1: missing space", "v=spf1-all", NULL, "", 0},
    {"unknown mechanism", "v=spf1 ip4:1.2.3.4 -all moo", NULL, "moo", 0},
    {"mechanism names, mixed case", "v=spf1 iP6:2001:db8::/32 Ip4:192.0.2.1 pTr Mx aLl",
     "+ip6:2001:db8::/32 +ip4:192.0.2.1/32 +ptr +mx/32//128 +all", NULL, 0},
    {"near miss: ip5", "v=spf1 ip5:1.2.3.4", NULL, "ip5:1.2.3.4", 0},
    {"near miss: iq4", "v=spf1 iq4:1.2.3.4", NULL, "iq4:1.2.3.4", 0},
    {"near miss: alm", "v=spf1 alm", NULL, "alm", 0},
    {"near miss: pts", "v=spf1 pts", NULL, "pts", 0},
    {"near miss: mz", "v=spf1 mz", NULL, "mz", 0},
    {"near miss: b", "v=spf1 b", NULL, "b", 0},
    {"all with dot", "v=spf1 -all.", NULL, "-all.", 0},
    {"all with argument", "v=spf1 -all:foobar", NULL, "-all:foobar", 0},
    {"all with cidr", "v=spf1 -all/8", NULL, "-all/8", 0},
    {"modifier name after slash", "v=spf1 moo.cow/far_out=man:dog/cat ip4:1.2.3.4 -all", NULL,
     "moo.cow/far_out=man:dog/cat", 0},
    {"modifier name after colon", "v=spf1 moo.cow:far_out=man:dog/cat ip4:1.2.3.4 -all", NULL,
     "moo.cow:far_out=man:dog/cat", 0},
    {"modifier name starts with digit", "v=spf1 1up=foo", NULL, "1up=foo", 0},
    {"empty modifier name", "v=spf1 =all", NULL, "=all", 0},
    {"redirect as mechanism", "v=spf1 ip4:1.2.3.4 redirect:t2.example.com", NULL,
     "redirect:t2.example.com", 0},
    {"bad domain-spec", "v=spf1 a:foo-bar -all", NULL, "a:foo-bar", 0},
    {"numeric toplabel", "v=spf1 a:abc.123", NULL, "a:abc.123", 0},
    {"port in domain", "v=spf1 a:example.com:8080", NULL, "a:example.com:8080", 0},
    {"NUL in domain", "v=spf1 a:foo.example.com\0", NULL, "a:foo.example.com\0", 25},
    {"control char separator", "v=spf1 a:ctrl.example.com\rptr -all", NULL,
     "a:ctrl.example.com\rptr", 0},
    {"newline after ip4", "v=spf1 ip4:192.0.2.5\n include:x.example ~all", NULL, "ip4:192.0.2.5\n",
     0},
    {"tab separator", "v=spf1 a\t-all", NULL, "a\t-all", 0},
    {"non-ASCII in mechanism",
     "v=spf1 \x80"
     "a:example.net -all",
     NULL,
     "\x80"
     "a:example.net",
     0},
    {"non-ASCII in domain", "v=spf1 a:\xEF\xBB\xBFgarbage.example.net -all", NULL,
     "a:\xEF\xBB\xBFgarbage.example.net", 0},
    {"a cidr4 over 32", "v=spf1 a/33 -all", NULL, "a/33", 0},
    {"a cidr6 over 128", "v=spf1 a//129 -all", NULL, "a//129", 0},
    {"a single-slash ip6 cidr", "v=spf1 a/24/64 -all", NULL, "a/24/64", 0},
    {"a empty domain-spec", "v=spf1 a:", NULL, "a:", 0},
    {"a empty spec with cidr", "v=spf1 a:/24", NULL, "a:/24", 0},
    {"mx cidr leading zero", "v=spf1 mx/024", NULL, "mx/024", 0},
    {"ip4 cidr leading zero", "v=spf1 ip4:1.2.3.4/032 -all", NULL, "ip4:1.2.3.4/032", 0},
    {"ip4 cidr 33", "v=spf1 ip4:1.2.3.4/33 -all", NULL, "ip4:1.2.3.4/33", 0},
    {"ip4 dual cidr", "v=spf1 ip4:1.2.3.4//32", NULL, "ip4:1.2.3.4//32", 0},
    {"ip4 bare", "v=spf1 ip4", NULL, "ip4", 0},
    {"ip4 short", "v=spf1 ip4:1.2.3", NULL, "ip4:1.2.3", 0},
    {"ip4 with port", "v=spf1 ip4:1.2.3.4:8080", NULL, "ip4:1.2.3.4:8080", 0},
    {"ip4 given ip6", "v=spf1 ip4:::1", NULL, "ip4:::1", 0},
    {"ip6 bare", "v=spf1 -all ip6", NULL, "ip6", 0},
    {"ip6 cidr 129", "v=spf1 ip6:::1.1.1.1/129", NULL, "ip6:::1.1.1.1/129", 0},
    {"ip6 dual cidr", "v=spf1 ip6:::1.1.1.1//33", NULL, "ip6:::1.1.1.1//33", 0},
    {"ip6 two gaps", "v=spf1 ip6::CAFE::BABE", NULL, "ip6::CAFE::BABE", 0},
    {"ip6 given ip4", "v=spf1 ip6:1.2.3.4", NULL, "ip6:1.2.3.4", 0},
    {"ptr with cidr", "v=spf1 ptr/0 -all", NULL, "ptr/0", 0},
    {"ptr empty domain", "v=spf1 ptr:", NULL, "ptr:", 0},
    {"include without domain", "v=spf1 include +all", NULL, "include", 0},
    {"include empty domain", "v=spf1 include: -all", NULL, "include:", 0},
    {"include with cidr", "v=spf1 include:ip5.example.com/24 -all", NULL,
     "include:ip5.example.com/24", 0},
    {"exists without domain", "v=spf1 exists", NULL, "exists", 0},
    {"exists with cidr", "v=spf1 exists:mail.example.com/24", NULL, "exists:mail.example.com/24",
     0},
    {"exp twice", "v=spf1 exp=a.example.com -all exp=b.example.com", NULL, "exp=b.example.com", 0},
    {"redirect twice", "v=spf1 redirect=a.example.com -all redirect=a.example.com", NULL,
     "redirect=a.example.com", 0},
    {"exp empty", "v=spf1 exp= -all", NULL, "exp=", 0},
    {"exp bad domain", "v=spf1 exp=-all", NULL, "exp=-all", 0},
    {"redirect bad domain", "v=spf1 redirect=-all ?all", NULL, "redirect=-all", 0},
    {"redirect empty", "v=spf1 ?all redirect=", NULL, "redirect=", 0},
    {"unknown modifier bad macro", "v=spf1 -all foo=%abc", NULL, "foo=%abc", 0},
    {"exp with c macro in domain", "v=spf1 -all exp=%{r}.example.com", NULL, "exp=%{r}.example.com",
     0},
    {"bad macro letter", "v=spf1 a:%{a}.example.com -all", NULL, "a:%{a}.example.com", 0},
    {"macro with parentheses", "v=spf1 -exists:%(ir).sbl.example.com ?all", NULL,
     "-exists:%(ir).sbl.example.com", 0},
};

static void
describe_term(char *buf, size_t cap, const mailauth__spf_term_t *t)
{
    static const char *names[] = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"};
    static const char  qual[] = {'?', '+', '-', '~', '?', '?', '?', '?'};
    size_t             n = strlen(buf);
    char               ip[64];
    if (t->mech == MAILAUTH__SPF_REDIRECT || t->mech == MAILAUTH__SPF_EXP) {
        n += (size_t)snprintf(buf + n, cap - n, " %s=%.*s",
                              t->mech == MAILAUTH__SPF_EXP ? "exp" : "redirect", (int)t->spec_len,
                              t->spec);
    } else {
        n += (size_t)snprintf(buf + n, cap - n, "%s%c%s", n ? " " : "", qual[t->verdict % 8],
                              names[t->mech]);
        if (t->spec != NULL)
            n += (size_t)snprintf(buf + n, cap - n, ":%.*s", (int)t->spec_len, t->spec);
        if (t->mech == MAILAUTH__SPF_A || t->mech == MAILAUTH__SPF_MX)
            n += (size_t)snprintf(buf + n, cap - n, "/%u//%u", t->cidr4, t->cidr6);
        if (t->mech == MAILAUTH__SPF_IP4 || t->mech == MAILAUTH__SPF_IP6) {
            mailauth__ip_format(&t->net, ip, sizeof(ip));
            n += (size_t)snprintf(buf + n, cap - n, ":%s/%u", ip, t->cidr4);
        }
    }
    if (t->flags != 0)
        snprintf(buf + n, cap - n, "[%s%s]", (t->flags & MAILAUTH__SPF_T_MACRO) ? "M" : "",
                 (t->flags & MAILAUTH__SPF_T_PMACRO) ? "P" : "");
}

static void
describe(char *buf, size_t cap, const mailauth__spf_record_t *r)
{
    mailauth__spf_term_t t;
    size_t               pos = 0, n = 0;
    buf[0] = '\0';
    while (mailauth__spf_record_next(r, &pos, &t)) {
        describe_term(buf, cap, &t);
        n++;
    }
    assert_int_equal(n, r->nmech);
    if (r->redirect != NULL)
        describe_term(buf, cap, r->redirect);
    if (r->exp != NULL)
        describe_term(buf, cap, r->exp);
    if (r->has_all && r->redirect != NULL)
        strncat(buf, " all!", cap - strlen(buf) - 1);
}

static void
test_spf_record_parse(void **state)
{
    const struct rec_case        *c = *state;
    size_t                        len = c->len ? c->len : strlen(c->txt);
    mailauth__arena_t             a;
    const mailauth__spf_record_t *rec = NULL;
    mailauth__spf_syntax_t        err;
    mailauth_status_t             st;
    char                          buf[512];
    size_t                        blen;
    mailauth__arena_init(&a, NULL);
    st = mailauth__spf_record_parse(&a, c->txt, len, &rec, &err);
    if (c->want != NULL) {
        assert_int_equal(st, MAILAUTH_OK);
        assert_non_null(rec);
        describe(buf, sizeof(buf), rec);
        assert_string_equal(buf, c->want);
    } else {
        assert_int_equal(st, MAILAUTH_EINVAL);
        assert_null(rec);
        assert_non_null(err.what);
        assert_true(err.reason == MAILAUTH_REASON_SPF_SYNTAX ||
                    err.reason == MAILAUTH_REASON_SPF_MACRO);
        blen = c->len ? c->len - 7 : strlen(c->bad);
        assert_int_equal(err.term_len, blen);
        if (blen != 0)
            assert_memory_equal(err.term, c->bad, blen);
    }
    mailauth__arena_clear(&a);
}

/* The heap parse (kept with a cached DNS answer) gives the same record and
 * the same error as the arena parse. */
static void
heap_agrees(const struct rec_case *c)
{
    size_t                        len = c->len ? c->len : strlen(c->txt);
    mailauth__arena_t             a;
    const mailauth__spf_record_t *rec = NULL, *hrec = NULL;
    mailauth__spf_syntax_t        err, herr;
    char                          buf[512], hbuf[512];
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__spf_record_parse_heap(NULL, c->txt, len, &hrec, &herr),
                     mailauth__spf_record_parse(&a, c->txt, len, &rec, &err));
    if (rec != NULL) {
        assert_non_null(hrec);
        describe(buf, sizeof(buf), rec);
        describe(hbuf, sizeof(hbuf), hrec);
        assert_string_equal(hbuf, buf);
    } else {
        assert_null(hrec);
        assert_ptr_equal(herr.term, err.term);
        assert_int_equal(herr.term_len, err.term_len);
        assert_string_equal(herr.what, err.what);
        assert_int_equal(herr.reason, err.reason);
    }
    mailauth__free(NULL, (void *)(uintptr_t)hrec);
    mailauth__arena_clear(&a);
}

static void
test_spf_record_parse_heap(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        heap_agrees(&cases[i]);
}

/* ---- §4.5 version detection ---------------------------------------------- */

struct v1_case {
    const char *txt;
    bool        v1;
};
static const struct v1_case v1_cases[] = {
    {"v=spf1", true},      {"v=spf1 -all", true},      {"V=SPF1 -all", true},  {"v=spf10", false},
    {"v=spf1-all", false}, {"v=spf1\t-all", false},    {" v=spf1", false},     {"v=spf", false},
    {"", false},           {"spf2.0/pra -all", false}, {"v=spf3 -all", false},
};

static void
test_spf_record_is_v1(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(v1_cases); i++)
        assert_int_equal(mailauth__spf_is_v1(v1_cases[i].txt, strlen(v1_cases[i].txt)),
                         v1_cases[i].v1);
    assert_false(mailauth__spf_is_v1(NULL, 0));
}

static void
test_spf_record_dns_terms(void **state)
{
    mailauth__arena_t             a;
    const mailauth__spf_record_t *rec = NULL;
    const char *txt = "v=spf1 a mx ptr include:x.example exists:y.example ip4:1.2.3.4 "
                      "ip6:::1 all redirect=z.example exp=w.example";
    unsigned    n = 0;
    (void)state;
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__spf_record_parse(&a, txt, strlen(txt), &rec, NULL), MAILAUTH_OK);
    mailauth__spf_term_t t;
    size_t               pos = 0;
    while (mailauth__spf_record_next(rec, &pos, &t))
        n += mailauth__spf_term_is_dns(&t) ? 1u : 0u;
    assert_int_equal(n, 5);
    assert_true(mailauth__spf_term_is_dns(rec->redirect));
    assert_false(mailauth__spf_term_is_dns(rec->exp));
    mailauth__arena_clear(&a);
}

/* Hostile sizes: many terms, a long record; one allocation whatever the
 * number of terms; every allocation failure is clean. */
static void
test_spf_record_large_and_oom(void **state)
{
    static char buf[65000];
    size_t      n = 6;
    (void)state;
    memcpy(buf, "v=spf1", 6);
    while (n + 20 < sizeof(buf)) {
        memcpy(buf + n, " ip4:192.0.2.1 a:b.c", 20);
        n += 20;
    }
    for (unsigned long k = 1;; k++) {
        fail_alloc_t                  fa;
        mailauth__arena_t             a;
        const mailauth__spf_record_t *rec = NULL;
        mailauth_status_t             st;
        fail_alloc_init(&fa, k);
        mailauth__arena_init(&a, &fa.al);
        st = mailauth__spf_record_parse(&a, buf, n, &rec, NULL);
        if (st == MAILAUTH_OK) {
            mailauth__spf_term_t t;
            size_t               pos = 0, count = 0;
            assert_int_equal(rec->nmech, (n - 6) / 10);
            assert_null(rec->terms); /* read again from the text as the walk goes */
            while (mailauth__spf_record_next(rec, &pos, &t))
                assert_int_equal(t.mech, count++ % 2 ? MAILAUTH__SPF_A : MAILAUTH__SPF_IP4);
            assert_int_equal(count, rec->nmech);
        }
        mailauth__arena_clear(&a);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            assert_int_equal(k, 2); /* one arena chunk: memory does not grow with the terms */
            assert_true(n > 6 + 20 * MAILAUTH__SPF_KEEP_TERMS);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
        assert_null(rec);
    }
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases) + 4];
    size_t            k = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[k++] = (struct CMUnitTest){.name = cases[i].name,
                                         .test_func = test_spf_record_parse,
                                         .initial_state = (void *)&cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_record_parse_heap);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_record_is_v1);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_record_dns_terms);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_spf_record_large_and_oom);
    return _cmocka_run_group_tests("spf_record", tests, k, NULL, NULL);
}
