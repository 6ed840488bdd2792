/* msg_addr: RFC 5322 §3.4 address lists as DMARC reads them (lib/msg/addr.c):
 * the domain of each mailbox. Table of field values (RFC 5322 Appendix A
 * examples among them), then hostile inputs that must stay linear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/addr.h"
#include "util/arena.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct addr_case {
    const char *name;
    const char *value;
    const char *want;   /* domains joined by " ", "-" for a mailbox without one */
    int         syntax; /* 1: MAILAUTH__ADDR_SYNTAX expected, 0: not, -1: either */
};

static const struct addr_case cases[] = {
    {"addr-spec", "user@example.com", "example.com", 0},
    {"angle address", "<user@example.com>", "example.com", 0},
    {"display name", "John Doe <jdoe@machine.example>", "machine.example", 0},
    {"A.1.1 quoted display name", "\"Joe Q. Public\" <john.q.public@example.com>", "example.com",
     0},
    {"A.1.2 mailbox list", "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
     "x.test example.org y.test", 0},
    {"A.1.2 quoted with comma",
     "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
     "nil.test example.net", 0},
    {"A.1.3 group", "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
     "a.test where.test one.test", 0},
    {"A.1.3 empty group", "Undisclosed recipients:;", "", 0},
    {"A.5 comments", "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "silly.test",
     0},
    {"A.5 group with comments",
     "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
     "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
     "public.example example.org one.test", 0},
    {"A.6.1 obs-route", "Mary Smith <@node.test:mary@example.net>", "example.net", 0},
    {"obs-route list", "<@a.test,@b.test:m@example.net>", "example.net", 0},
    {"A.6.3 obs-domain with CFWS", "John Doe <jdoe@machine(comment).  example>", "machine.example",
     0},
    {"obs-phrase dots", "Joe Q. Public <john.q.public@example.com>", "example.com", 0},
    {"obs-mbox-list empty elements", ", ,a@example.com,,", "example.com", 0},
    {"quoted local part with @", "\"a@evil.example\"@example.com", "example.com", 0},
    {"case folded, trailing dot", "x@EXAMPLE.Com.", "example.com", 0},
    {"U-label to A-label", "j@Bücher.example", "xn--bcher-kva.example", 0},
    {"UTF-8 display name", "Jörg Müller <j@example.de>", "example.de", 0},
    {"encoded word left alone", "=?utf-8?b?SsO2cmc=?= <j@example.com>", "example.com", 0},
    {"nested comments", "a@((((deep))))example.com", "example.com", 0},
    {"unbalanced comment", "a@((((deep)))example.com", "-", 1},
    {"folding everywhere", "Name\r\n <a@\r\n example.com\r\n >", "example.com", 0},
    {"no @", "nobody", "-", 0},
    {"null address", "<>", "-", 0},
    {"domain literal", "a@[192.0.2.1]", "-", 1},
    {"quoted domain", "a@\"example.com\"", "-", 0},
    {"two @", "a@b@example.com", "-", 1},
    {"two atoms in the domain", "a@example com", "-", 0},
    {"empty label", "a@example..com", "-", 0},
    {"leading dot", "a@.example.com", "-", 0},
    {"non-LDH domain", "a@exa$mple.com", "-", 0},
    {"unterminated comment", "a@example.com (oops", "-", 1},
    {"unterminated quote", "\"a@example.com", "-", 1},
    {"unterminated angle", "A <a@example.com", "-", 1},
    {"stray closing angle", "a@example.com>", "-", 1},
    {"second angle address", "<a@x.example> <b@y.example>", "-", 1},
    {"text after an angle address", "<a@x.example> junk", "-", 1},
    {"two addresses in one angle", "<a@x.example,b@y.example>", "-", 1},
    {"nested group is a syntax error", "G: H: a@x.example;;", "x.example", 1},
    {"semicolon outside a group", "a@x.example; b@y.example", "x.example y.example", 1},
    {"group without its semicolon", "G: a@x.example", "x.example", 1},
    {"control byte in the domain", "a@exa\x01mple.com", "-", 1},
    {"NUL byte in the domain", "a@exa\0mple.com", "-", -1},
    {"label over 63 octets",
     "a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", "-", 0},
    {"bad UTF-8", "a@\xff\xfe.example", "-", 0},
    {"mixed usable and not", "a@x.example, nobody", "x.example -", 0},
    {"empty value", "", "", 0},
    {"only CFWS", "  (comment) \r\n ", "", 0},
};

static size_t
value_len(const struct addr_case *c)
{
    /* One case has a NUL inside: its length is the literal's. */
    if (strcmp(c->name, "NUL byte in the domain") == 0)
        return sizeof("a@exa\0mple.com") - 1;
    return strlen(c->value);
}

static void
test_msg_addr_domains(void **state)
{
    const struct addr_case *c = *state;
    mailauth__arena_t       a;
    mailauth__addr_list_t   l;
    char                    got[1024];
    size_t                  k = 0;
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__addr_parse_domains(&a, c->value, value_len(c), 16, &l), MAILAUTH_OK);
    got[0] = '\0';
    for (size_t i = 0; i < l.n; i++)
        k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s", i > 0 ? " " : "",
                              l.domains[i] != NULL ? l.domains[i] : "-");
    if (strcmp(got, c->want) != 0)
        fail_msg("\"%s\": domains \"%s\", want \"%s\"", c->value, got, c->want);
    assert_int_equal(l.total, l.n);
    if (c->syntax >= 0)
        assert_int_equal((l.flags & MAILAUTH__ADDR_SYNTAX) != 0, c->syntax);
    mailauth__arena_clear(&a);
}

/* ---- hostile inputs: bounded memory, linear time, no recursion ---- */

static char *
repeat(const char *head, const char *unit, size_t times, const char *tail, size_t *len)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char  *s = malloc(hl + ul * times + tl + 1);
    assert_non_null(s);
    memcpy(s, head, hl);
    for (size_t i = 0; i < times; i++)
        memcpy(s + hl + i * ul, unit, ul);
    memcpy(s + hl + ul * times, tail, tl + 1);
    *len = hl + ul * times + tl;
    return s;
}

/* The arena is cleared first, so the list stays readable until the next call. */
static mailauth__arena_t hostile_arena;

static void
parse_hostile(const char *s, size_t len, size_t max, mailauth__addr_list_t *l)
{
    mailauth__arena_clear(&hostile_arena);
    mailauth__arena_init(&hostile_arena, NULL);
    assert_int_equal(mailauth__addr_parse_domains(&hostile_arena, s, len, max, l), MAILAUTH_OK);
    /* memory: the kept mailboxes, not the input */
    assert_true(hostile_arena.used < 64 * 1024 + max * 1024);
}

static void
test_msg_addr_deep_comments(void **state)
{
    size_t                len;
    mailauth__addr_list_t l;
    char                 *s = repeat("a@example.com ", "(", 1u << 20, "", &len); /* 1 MiB of '(' */
    (void)state;
    parse_hostile(s, len, 8, &l);
    assert_true(l.flags & MAILAUTH__ADDR_SYNTAX);
    free(s);
    s = repeat("a@(", "((", 300000, ")example.com", &len);
    parse_hostile(s, len, 8, &l);
    assert_int_equal(l.n, 1);
    assert_null(l.domains[0]);
    free(s);
}

static void
test_msg_addr_many_mailboxes(void **state)
{
    size_t                len;
    mailauth__addr_list_t l;
    char                 *s = repeat("", "a@b.example,", 100000, "c@d.example", &len);
    (void)state;
    parse_hostile(s, len, 32, &l);
    assert_int_equal(l.n, 32);
    assert_int_equal(l.total, 100001);
    assert_true(l.flags & MAILAUTH__ADDR_TRUNCATED);
    assert_string_equal(l.domains[31], "b.example");
    free(s);
}

static void
test_msg_addr_long_domain(void **state)
{
    size_t                len;
    mailauth__addr_list_t l;
    char                 *s = repeat("x <a@", "label.", 200000, "example>", &len);
    (void)state;
    parse_hostile(s, len, 4, &l);
    assert_int_equal(l.n, 1);
    assert_null(l.domains[0]);
    free(s);
    s = repeat("\"", "\\\"", 300000, "\"@example.com", &len); /* long quoted local part */
    parse_hostile(s, len, 4, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.domains[0], "example.com");
    free(s);
}

static void
test_msg_addr_specials_only(void **state)
{
    static const char     specials[] = "()<>[]:;@\\,.\" \t\r\n\x01\x7f\x80\xff";
    char                  buf[4096];
    mailauth__addr_list_t l;
    uint32_t              x = 12345;
    (void)state;
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(round % (int)sizeof(buf));
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (x >> 16) % 3 == 0 ? 'a' : specials[(x >> 8) % (sizeof(specials) - 1)];
        }
        parse_hostile(buf, n, 8, &l);
        assert_true(l.n <= 8);
    }
}

static void
test_msg_addr_bad_arguments(void **state)
{
    mailauth__arena_t     a;
    mailauth__addr_list_t l;
    (void)state;
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__addr_parse_domains(NULL, "a@b.c", 5, 4, &l), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__addr_parse_domains(&a, "a@b.c", 5, 4, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__addr_parse_domains(&a, NULL, 5, 4, &l), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__addr_parse_domains(&a, NULL, 0, 4, &l), MAILAUTH_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(mailauth__addr_parse_domains(&a, "a@b.example", 11, 0, &l), MAILAUTH_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.total, 1);
    mailauth__arena_clear(&a);
}

int
main(void)
{
    static struct CMUnitTest tests[ARRAY_LEN(cases) + 5];
    size_t                   n = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[n++] = (struct CMUnitTest){.name = cases[i].name,
                                         .test_func = test_msg_addr_domains,
                                         .initial_state = (void *)&cases[i]};
    tests[n++] = (struct CMUnitTest){.name = "1 MiB of nested comments",
                                     .test_func = test_msg_addr_deep_comments};
    tests[n++] =
        (struct CMUnitTest){.name = "100k mailboxes", .test_func = test_msg_addr_many_mailboxes};
    tests[n++] = (struct CMUnitTest){.name = "long domain and local part",
                                     .test_func = test_msg_addr_long_domain};
    tests[n++] =
        (struct CMUnitTest){.name = "random specials", .test_func = test_msg_addr_specials_only};
    tests[n++] =
        (struct CMUnitTest){.name = "bad arguments", .test_func = test_msg_addr_bad_arguments};
    int rc;
    mailauth__arena_init(&hostile_arena, NULL);
    rc = cmocka_run_group_tests_name("msg_addr", tests, NULL, NULL);
    mailauth__arena_clear(&hostile_arena);
    return rc;
}
