/* dns zone driver: the zone text parser (good and bad lines, error line
 * numbers) and every answer outcome (records, NODATA, NXDOMAIN, TEMPFAIL,
 * CNAME chains) served through a DNS client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "dns/dns.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- parser table ----------------------------------------------------- */

struct parse_case {
    const char *name;
    const char *text;
    size_t      errline; /* 0: valid */
};

/* 4 labels of 62 octets: 251 octets, so any relative name under it is too long. */
#define L62 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define LONG_ORIGIN L62 "." L62 "." L62 "." L62 "."

static const struct parse_case parse_cases[] = {
    {"empty", "", 0},
    {"comments and blanks", "# only a comment\n\n   ; indented\n\t\n", 0},
    {"no final newline", "a.example TXT \"x\"", 0},
    {"ttl, class, CRLF", "a.example. 300 IN TXT \"x\"\r\n", 0},
    {"lower-case type and class", "a.example in txt x", 0},
    {"unknown type kept", "a.example SPF \"v=spf1 -all\" more tokens", 0},
    {"null MX", "a.example MX 0 .", 0},
    {"adjacent strings", "a.example TXT \"a\"\"b\" \"c\"", 0},
    {"escaped owner", "\\097.example A 192.0.2.1", 0},
    {"comment after rdata", "a.example A 192.0.2.1 # here\nb.example AAAA ::1 ;there", 0},
    {"hash inside quotes", "a.example TXT \"a#b;c\"", 0},
    {"TIMEOUT any type", "a.example MX TIMEOUT\na.example FOO servfail", 0},
    {"utf-8 in quotes", "a.example TXT \"\xc3\xa9\"", 0},
    {"underscore label", "_dmarc.example.org TXT \"v=DMARC1; p=none\"", 0},
    {"no rdata", "a.example TXT", 1},
    {"error on line 2", "ok.example TXT x\nbad line\n", 2},
    {"error on line 4", "\n\n# c\na.example TXT \"\\256\"", 4},
    {"bad IPv4", "a.example A 300.1.1.1", 1},
    {"IPv4 short", "a.example A 192.0.2", 1},
    {"trailing token", "a.example A 192.0.2.1 extra", 1},
    {"bad IPv6", "a.example AAAA zz::1", 1},
    {"MX pref too big", "a.example MX 70000 mail.example", 1},
    {"MX without pref", "a.example MX mail.example", 1},
    {"MX without target", "a.example MX 10", 1},
    {"unterminated string", "a.example TXT \"open", 1},
    {"two bare tokens", "a.example TXT v=spf1 -all", 1},
    {"string then bare", "a.example TXT \"a\" bare", 1},
    {"empty label", "a..example TXT x", 1},
    {"label over 63",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example TXT x", 1},
    {"short escape", "a.example TXT \"\\12\"", 1},
    {"bad ttl", "a.example 1x TXT y", 1},
    {"ttl too big", "a.example 99999999999 TXT y", 1},
    {"PTR to root", "a.example PTR .", 1},
    {"CNAME without target", "a.example CNAME", 1},
    {"quoted owner", "\"q\".example TXT x", 1},
    {"trailing backslash", "a.example TXT x\\", 1},
    {"non-ASCII owner", "\xc3\xa9.example TXT x", 1},
    {"control char in string", "a.example TXT \"a\x01\"", 1},
    {"root owner", ". TXT x", 1},
    {"class without type", "a.example IN", 1},
    {"bad type name", "a.example T@XT x", 1},
    {"NUL owner byte", "a\\000b.example TXT x", 1},
    /* RFC 1035 §5.1 master-file syntax */
    {"$ORIGIN and relative names", "$ORIGIN example.org.\nwww A 192.0.2.1\n@ MX 10 mail\n", 0},
    {"$TTL then records", "$TTL 3600\na.example TXT x\n", 0},
    {"$ORIGIN relative to the last", "$ORIGIN org.\n$ORIGIN example\n@ TXT x\n", 0},
    {"$ORIGIN root", "$ORIGIN .\na.example TXT x\n", 0},
    {"class before ttl", "a.example IN 60 TXT x", 0},
    {"NXDOMAIN and NODATA rdata", "a.example TXT NXDOMAIN\nb.example 60 MX nodata", 0},
    {"@ without $ORIGIN", "@ TXT x", 1},
    {"$INCLUDE refused", "ok.example TXT x\n$INCLUDE other.zone\n", 2},
    {"$TTL not a number", "$TTL 1h", 1},
    {"$TTL too big", "$TTL 2147483648", 1},
    {"$TTL without value", "$TTL", 1},
    {"$ORIGIN without name", "$ORIGIN", 1},
    {"$ORIGIN trailing token", "$ORIGIN example.org. x", 1},
    {"two ttls", "a.example 60 60 TXT x", 1},
    {"NXDOMAIN with more", "a.example TXT NXDOMAIN x", 1},
    {"relative name too long",
     "$ORIGIN " LONG_ORIGIN "\n"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa TXT x", 2},
};

static void
test_dns_zone_parse(void **state)
{
    const struct parse_case *c = *state;
    mailauth_ctx_t          *ctx = NULL;
    mailauth_resolver_t     *r = (mailauth_resolver_t *)1;
    size_t                   errline = 99;
    mailauth_status_t        st;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    st = mailauth_resolver_new_zone(ctx, c->text, strlen(c->text), &errline, &r);
    if (c->errline == 0) {
        assert_int_equal(st, MAILAUTH_OK);
        assert_int_equal(errline, 0);
        assert_non_null(r);
    } else {
        assert_int_equal(st, MAILAUTH_EINVAL);
        assert_int_equal(errline, c->errline);
        assert_null(r);
    }
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

/* TXT rdata is bounded by RFC 1035's 16-bit RDLENGTH. */
static void
test_dns_zone_txt_too_long(void **state)
{
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    size_t               n = 70000, errline = 0;
    char                *text = malloc(n + 64);
    (void)state;
    assert_non_null(text);
    strcpy(text, "\nbig.example TXT \"");
    memset(text + strlen(text), 'a', n);
    strcpy(text + 18 + n, "\"");
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(ctx, text, strlen(text), &errline, &r),
                     MAILAUTH_EINVAL);
    assert_int_equal(errline, 2);
    free(text);
    mailauth_ctx_free(ctx);
}

/* ---- outcomes ----------------------------------------------------------- */

static const char zone[] =
    "example.org.            TXT   \"v=spf1 ip4:192.0.2.0/24 \" \"-all\"\n"
    "example.org             MX    10 mail.example.org\n"
    "example.org             MX    20 mx2.example.org.\n"
    "mail.example.org        A     192.0.2.1\n"
    "mail.example.org        A     192.0.2.2\n"
    "mail.example.org        AAAA  2001:db8::1\n"
    "1.2.0.192.in-addr.arpa  PTR   mail.example.org\n"
    "alias.example.org       CNAME mail.example.org\n"
    "alias2.example.org      CNAME ALIAS.example.org.\n"
    "loop1.example.org       CNAME loop2.example.org\n"
    "loop2.example.org       CNAME loop1.example.org\n"
    "dangling.example.org    CNAME nowhere.example.org\n"
    "slow.example.org        TXT   TIMEOUT\n"
    "broken.example.org      A     SERVFAIL\n"
    "broken.example.org      TXT   \"fine\"\n"
    "nullmx.example.org      MX    0 .\n"
    "bare.example.org        TXT   v=spf1\\032-all\n"
    "esc.example.org         TXT   \"a\\\"b\\\\c\\059d\" \"\" \"\\195\\169\"\n"
    "Upper.Example.ORG       TXT   \"upper\"\n"
    "spf.example.org         SPF   \"v=spf1 -all\"\n"
    "ttl.example.org  60 IN  TXT   \"ttl\"\n"
    "we\\059ird.example.org  TXT   \"semicolon owner\"\n"
    "multi.example.org       TXT   \"one\"\n"
    "multi.example.org       TXT   \"two\" ; comment\n"
    "# full comment line\n";

/* $ORIGIN, $TTL, relative names, @, TTL/class in either order, NXDOMAIN / NODATA lines. */
static const char master_zone[] =
    "old.example.net TXT \"old style\"\n" /* before $ORIGIN: absolute, default TTL */
    "$TTL 3600\n"
    "$ORIGIN example.net.\n"
    "@                   TXT  \"v=spf1 mx -all\"\n"
    "@                   MX   10 mail\n"
    "mail      IN 60     A    192.0.2.7\n"
    "www       CNAME     mail.example.net.\n"
    "abs.example.  120 IN TXT \"absolute\"\n"
    "gone                TXT  NXDOMAIN\n"
    "empty     30        TXT  NODATA\n"
    "mixed               MX   NXDOMAIN\n"
    "mixed               TXT  \"kept\"\n"
    "$ORIGIN sub\n"
    "s1._domainkey       TXT  \"v=DKIM1; p=\"\n";

struct outcome_case {
    const char          *name;
    mailauth_dns_type_t  type;
    mailauth_dns_rcode_t rcode;
    size_t               count;
    const char          *rr0; /* first record's bytes (NULL: not checked) */
    size_t               len0;
    uint16_t             pref0;
    const char          *rr1; /* second record */
    uint32_t             ttl0;
};

#define S(s) s, sizeof(s) - 1
static const struct outcome_case outcomes[] = {
    {"example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("v=spf1 ip4:192.0.2.0/24 -all"), 0,
     NULL, 300},
    {"EXAMPLE.ORG.", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("v=spf1 ip4:192.0.2.0/24 -all"),
     0, NULL, 300},
    {"example.org", MAILAUTH_DNS_MX, MAILAUTH_DNS_RECORDS, 2, S("mail.example.org"), 10,
     "mx2.example.org", 300},
    {"mail.example.org", MAILAUTH_DNS_A, MAILAUTH_DNS_RECORDS, 2, S("\xc0\x00\x02\x01"), 0,
     "\xc0\x00\x02\x02", 300},
    {"mail.example.org", MAILAUTH_DNS_AAAA, MAILAUTH_DNS_RECORDS, 1,
     S("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"), 0, NULL, 300},
    {"1.2.0.192.in-addr.arpa", MAILAUTH_DNS_PTR, MAILAUTH_DNS_RECORDS, 1, S("mail.example.org"), 0,
     NULL, 300},
    {"alias.example.org", MAILAUTH_DNS_A, MAILAUTH_DNS_RECORDS, 2, S("\xc0\x00\x02\x01"), 0, NULL,
     300},
    {"alias2.example.org", MAILAUTH_DNS_A, MAILAUTH_DNS_RECORDS, 2, S("\xc0\x00\x02\x01"), 0, NULL,
     300},
    {"alias.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_NODATA, 0, NULL, 0, 0, NULL, 0},
    {"loop1.example.org", MAILAUTH_DNS_A, MAILAUTH_DNS_TEMPFAIL, 0, NULL, 0, 0, NULL, 0},
    {"dangling.example.org", MAILAUTH_DNS_A, MAILAUTH_DNS_NXDOMAIN, 0, NULL, 0, 0, NULL, 0},
    {"slow.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_TEMPFAIL, 0, NULL, 0, 0, NULL, 0},
    {"slow.example.org", MAILAUTH_DNS_A, MAILAUTH_DNS_NODATA, 0, NULL, 0, 0, NULL, 0},
    {"broken.example.org", MAILAUTH_DNS_A, MAILAUTH_DNS_TEMPFAIL, 0, NULL, 0, 0, NULL, 0},
    {"broken.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("fine"), 0, NULL, 300},
    {"broken.example.org", MAILAUTH_DNS_MX, MAILAUTH_DNS_NODATA, 0, NULL, 0, 0, NULL, 0},
    {"nullmx.example.org", MAILAUTH_DNS_MX, MAILAUTH_DNS_RECORDS, 1, S(""), 0, NULL, 300},
    {"bare.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("v=spf1 -all"), 0, NULL, 300},
    {"esc.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("a\"b\\c;d\xc3\xa9"), 0, NULL,
     300},
    {"upper.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("upper"), 0, NULL, 300},
    {"spf.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_NODATA, 0, NULL, 0, 0, NULL, 0},
    {"ttl.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("ttl"), 0, NULL, 60},
    {"we;ird.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("semicolon owner"), 0, NULL,
     300},
    {"multi.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 2, S("one"), 0, "two", 300},
    {"nothere.example.org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_NXDOMAIN, 0, NULL, 0, 0, NULL, 0},
    {"org", MAILAUTH_DNS_TXT, MAILAUTH_DNS_NXDOMAIN, 0, NULL, 0, 0, NULL, 0},
};

/* The same questions over master_zone: master-file syntax and recorded negative answers. */
static const struct outcome_case master_outcomes[] = {
    {"example.net", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("v=spf1 mx -all"), 0, NULL, 3600},
    {"example.net", MAILAUTH_DNS_MX, MAILAUTH_DNS_RECORDS, 1, S("mail.example.net"), 10, NULL, 3600},
    {"mail.example.net", MAILAUTH_DNS_A, MAILAUTH_DNS_RECORDS, 1, S("\xc0\x00\x02\x07"), 0, NULL,
     60},
    {"abs.example", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("absolute"), 0, NULL, 120},
    {"www.example.net", MAILAUTH_DNS_A, MAILAUTH_DNS_RECORDS, 1, S("\xc0\x00\x02\x07"), 0, NULL,
     60},
    {"s1._domainkey.sub.example.net", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("v=DKIM1; p="), 0,
     NULL, 3600},
    {"gone.example.net", MAILAUTH_DNS_TXT, MAILAUTH_DNS_NXDOMAIN, 0, NULL, 0, 0, NULL, 0},
    {"gone.example.net", MAILAUTH_DNS_A, MAILAUTH_DNS_NXDOMAIN, 0, NULL, 0, 0, NULL, 0},
    {"empty.example.net", MAILAUTH_DNS_TXT, MAILAUTH_DNS_NODATA, 0, NULL, 0, 0, NULL, 0},
    {"empty.example.net", MAILAUTH_DNS_A, MAILAUTH_DNS_NODATA, 0, NULL, 0, 0, NULL, 0},
    {"mixed.example.net", MAILAUTH_DNS_MX, MAILAUTH_DNS_NXDOMAIN, 0, NULL, 0, 0, NULL, 0},
    {"mixed.example.net", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("kept"), 0, NULL, 3600},
    {"mixed.example.net", MAILAUTH_DNS_A, MAILAUTH_DNS_NODATA, 0, NULL, 0, 0, NULL, 0},
    {"old.example.net", MAILAUTH_DNS_TXT, MAILAUTH_DNS_RECORDS, 1, S("old style"), 0, NULL, 300},
};

static void
count_wake(void *ud)
{
    (*(int *)ud)++;
}

static void
run_outcome(const struct outcome_case *c, const char *text)
{
    mailauth_ctx_t               *ctx = NULL;
    mailauth_resolver_t          *r = NULL;
    mailauth__dnsc_t              dc;
    mailauth__dns_q_t            *q = NULL;
    const mailauth__dns_result_t *res;
    int                           wakes = 0;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(ctx, text, strlen(text), NULL, &r), MAILAUTH_OK);
    mailauth__dnsc_init(&dc, r, count_wake, &wakes);
    assert_int_equal(mailauth__dnsc_ask(&dc, c->name, strlen(c->name), c->type, &q), MAILAUTH_OK);
    assert_null(mailauth__dnsc_result(&dc, q)); /* zone answers are asynchronous */
    assert_int_equal(mailauth_resolver_process_timeouts(r), MAILAUTH_OK);
    assert_int_equal(wakes, 1);
    res = mailauth__dnsc_result(&dc, q);
    assert_non_null(res);
    assert_int_equal(res->rcode, c->rcode);
    assert_int_equal(res->count, c->count);
    if (c->rr0 != NULL) {
        assert_int_equal(res->rr[0].len, c->len0);
        assert_memory_equal(res->rr[0].data, c->rr0, c->len0 + 1); /* NUL follows */
        assert_int_equal(res->rr[0].pref, c->pref0);
        assert_int_equal(res->rr[0].ttl, c->ttl0);
    }
    if (c->rr1 != NULL)
        assert_memory_equal(res->rr[1].data, c->rr1, res->rr[1].len);
    mailauth__dnsc_clear(&dc);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

static void
test_dns_zone_outcome(void **state)
{
    run_outcome(*state, zone);
}

static void
test_dns_zone_outcome_master(void **state)
{
    run_outcome(*state, master_zone);
}

/* zone_add: a syntax error adds nothing; new names replace cached NXDOMAIN. */
static void
test_dns_zone_add(void **state)
{
    static const char    more[] = "new.example TXT \"new\"\n";
    static const char    bad[] = "x.example TXT \"x\"\nnew2.example TXT\n";
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL, *other = NULL;
    mailauth__dnsc_t     dc;
    mailauth__dns_q_t   *q = NULL;
    size_t               errline = 0;
    int                  wakes = 0;
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(ctx, NULL, 0, NULL, &r), MAILAUTH_OK);
    mailauth__dnsc_init(&dc, r, count_wake, &wakes);
    assert_int_equal(mailauth__dnsc_ask(&dc, "new.example", 11, MAILAUTH_DNS_TXT, &q), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_process_timeouts(r), MAILAUTH_OK);
    assert_int_equal(mailauth__dnsc_result(&dc, q)->rcode, MAILAUTH_DNS_NXDOMAIN);
    mailauth__dnsc_clear(&dc);

    assert_int_equal(mailauth_resolver_zone_add(r, bad, strlen(bad), &errline), MAILAUTH_EINVAL);
    assert_int_equal(errline, 2);
    assert_int_equal(mailauth_resolver_zone_add(r, more, strlen(more), &errline), MAILAUTH_OK);
    assert_int_equal(errline, 0);
    assert_int_equal(mailauth__dnsc_ask(&dc, "new.example", 11, MAILAUTH_DNS_TXT, &q), MAILAUTH_OK);
    assert_int_equal(mailauth__dnsc_ask(&dc, "x.example", 9, MAILAUTH_DNS_TXT, &q), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_process_timeouts(r), MAILAUTH_OK);
    assert_int_equal(mailauth__dnsc_result(&dc, q)->rcode, MAILAUTH_DNS_NXDOMAIN);
    assert_int_equal(mailauth__dnsc_ask(&dc, "new.example", 11, MAILAUTH_DNS_TXT, &q), MAILAUTH_OK);
    assert_int_equal(mailauth__dnsc_result(&dc, q)->rcode, MAILAUTH_DNS_RECORDS);
    mailauth__dnsc_clear(&dc);

    assert_int_equal(mailauth_resolver_zone_add(NULL, more, 1, &errline), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_zone_set_delay(NULL, 1), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_new_ares(ctx, "127.0.0.1:1", &other), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_zone_add(other, more, strlen(more), NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_zone_set_delay(other, 1), MAILAUTH_EINVAL);
    mailauth_resolver_free(other);
    assert_int_equal(mailauth_resolver_new_zone(ctx, NULL, 1, &errline, &other), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resolver_new_zone(NULL, "", 0, &errline, &other), MAILAUTH_EINVAL);
    assert_null(other);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

int
main(void)
{
    size_t             np = ARRAY_LEN(parse_cases), no = ARRAY_LEN(outcomes), n = 0;
    size_t             nm = ARRAY_LEN(master_outcomes);
    struct CMUnitTest *tests = calloc(np + no + nm + 2, sizeof(*tests));
    static char        names[ARRAY_LEN(outcomes)][128];
    static char        mnames[ARRAY_LEN(master_outcomes)][128];
    int                rc;
    if (tests == NULL)
        return 1;
    for (size_t i = 0; i < np; i++)
        tests[n++] = (struct CMUnitTest){.name = parse_cases[i].name,
                                         .test_func = test_dns_zone_parse,
                                         .initial_state = (void *)&parse_cases[i]};
    for (size_t i = 0; i < no; i++) {
        snprintf(names[i], sizeof(names[i]), "%s %s", outcomes[i].name,
                 mailauth_dns_type_name(outcomes[i].type));
        tests[n++] = (struct CMUnitTest){.name = names[i],
                                         .test_func = test_dns_zone_outcome,
                                         .initial_state = (void *)&outcomes[i]};
    }
    for (size_t i = 0; i < nm; i++) {
        snprintf(mnames[i], sizeof(mnames[i]), "master %s %s", master_outcomes[i].name,
                 mailauth_dns_type_name(master_outcomes[i].type));
        tests[n++] = (struct CMUnitTest){.name = mnames[i],
                                         .test_func = test_dns_zone_outcome_master,
                                         .initial_state = (void *)&master_outcomes[i]};
    }
    tests[n++] =
        (struct CMUnitTest){.name = "txt too long", .test_func = test_dns_zone_txt_too_long};
    tests[n++] = (struct CMUnitTest){.name = "zone_add", .test_func = test_dns_zone_add};
    rc = _cmocka_run_group_tests("dns_zone", tests, n, NULL, NULL);
    free(tests);
    return rc;
}
