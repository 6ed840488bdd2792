/* util/ip: strict parsing, RFC 5952 formatting, nibbles, unmapping, CIDR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/ip.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static mailauth__ip_t
must_parse(const char *s)
{
    mailauth__ip_t ip;
    assert_true(mailauth__ip_parse(s, strlen(s), &ip));
    return ip;
}

/* ---- parse and format share one table -------------------------------- */

struct parse_case {
    const char *name, *in;
    int         family; /* 0: rejected */
    const char *text;   /* RFC 5952 / dotted-quad form */
    size_t      len;    /* 0: strlen(in) */
};
static const struct parse_case parse_cases[] = {
    {"v4: simple", "192.0.2.1", 4, "192.0.2.1", 0},
    {"v4: all zero", "0.0.0.0", 4, "0.0.0.0", 0},
    {"v4: all ones", "255.255.255.255", 4, "255.255.255.255", 0},
    {"v4: zero parts", "10.0.0.0", 4, "10.0.0.0", 0},
    {"v4 reject: octet 256", "256.0.0.1", 0, NULL, 0},
    {"v4 reject: three parts", "1.2.3", 0, NULL, 0},
    {"v4 reject: five parts", "1.2.3.4.5", 0, NULL, 0},
    {"v4 reject: leading zero", "1.2.3.04", 0, NULL, 0},
    {"v4 reject: leading zero first", "01.2.3.4", 0, NULL, 0},
    {"v4 reject: zero zero", "1.2.3.00", 0, NULL, 0},
    {"v4 reject: four digits", "1234.1.1.1", 0, NULL, 0},
    {"v4 reject: empty part", "1..2.3", 0, NULL, 0},
    {"v4 reject: trailing dot", "1.2.3.4.", 0, NULL, 0},
    {"v4 reject: leading dot", ".1.2.3", 0, NULL, 0},
    {"v4 reject: leading space", " 1.2.3.4", 0, NULL, 0},
    {"v4 reject: trailing space", "1.2.3.4 ", 0, NULL, 0},
    {"v4 reject: hex", "0x1.2.3.4", 0, NULL, 0},
    {"v4 reject: sign", "+1.2.3.4", 0, NULL, 0},
    {"v4 reject: negative", "1.2.3.-1", 0, NULL, 0},
    {"v4 reject: prefix", "1.2.3.4/24", 0, NULL, 0},
    {"v4 reject: single number", "16909060", 0, NULL, 0},
    {"v4 reject: embedded NUL", "1.2.3.4\0005", 0, NULL, 9},
    {"reject: empty", "", 0, NULL, 0},
    {"v6: unspecified", "::", 6, "::", 0},
    {"v6: loopback", "::1", 6, "::1", 0},
    {"v6: trailing gap", "1::", 6, "1::", 0},
    {"v6: documentation", "2001:db8::1", 6, "2001:db8::1", 0},
    {"v6: upper case and zeros", "2001:DB8:0:0:0:0:0:1", 6, "2001:db8::1", 0},
    {"v6: leading zeros dropped", "2001:0db8:0000:0000:0000:0000:0000:0001", 6, "2001:db8::1", 0},
    /* RFC 5952 §4.2.3: first of two equal runs; §4.2.1: longest run */
    {"v6: first of equal runs", "2001:db8:0:0:1:0:0:1", 6, "2001:db8::1:0:0:1", 0},
    {"v6: longest run", "2001:0:0:1:0:0:0:1", 6, "2001:0:0:1::1", 0},
    /* RFC 5952 §4.2.2: one zero group is not compressed */
    {"v6: lone zero group", "2001:db8:0:1:1:1:1:1", 6, "2001:db8:0:1:1:1:1:1", 0},
    {"v6: gap for one group", "1:2:3:4:5:6:7::", 6, "1:2:3:4:5:6:7:0", 0},
    {"v6: gap for first group", "::2:3:4:5:6:7:8", 6, "0:2:3:4:5:6:7:8", 0},
    {"v6: all ones", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6,
     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
    {"v6: v4-mapped dotted", "::ffff:192.0.2.1", 6, "::ffff:192.0.2.1", 0},
    {"v6: v4-mapped hex", "::FFFF:c000:0201", 6, "::ffff:192.0.2.1", 0},
    {"v6: embedded v4 (nat64)", "64:ff9b::192.0.2.33", 6, "64:ff9b::c000:221", 0},
    {"v6: v4 after six groups", "1:2:3:4:5:6:1.2.3.4", 6, "1:2:3:4:5:6:102:304", 0},
    {"v6: v4-compatible", "::1.2.3.4", 6, "::102:304", 0},
    {"v6: longest text (45)", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 6,
     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
    {"v6 reject: triple colon", ":::", 0, NULL, 0},
    {"v6 reject: colons inside", "1:::2", 0, NULL, 0},
    {"v6 reject: two gaps", "1::2::3", 0, NULL, 0},
    {"v6 reject: single leading colon", ":1::", 0, NULL, 0},
    {"v6 reject: single trailing colon", "1::2:", 0, NULL, 0},
    {"v6 reject: lone colon", ":", 0, NULL, 0},
    {"v6 reject: seven groups", "1:2:3:4:5:6:7", 0, NULL, 0},
    {"v6 reject: nine groups", "1:2:3:4:5:6:7:8:9", 0, NULL, 0},
    {"v6 reject: eight groups and gap", "1:2:3:4:5:6:7:8::", 0, NULL, 0},
    {"v6 reject: gap and eight groups", "::1:2:3:4:5:6:7:8", 0, NULL, 0},
    {"v6 reject: five hex digits", "12345::", 0, NULL, 0},
    {"v6 reject: non-hex", "g::", 0, NULL, 0},
    {"v6 reject: short v4 tail", "::1.2.3", 0, NULL, 0},
    {"v6 reject: v4 not last", "::1.2.3.4:5", 0, NULL, 0},
    {"v6 reject: v4 after seven groups", "1:2:3:4:5:6:7:1.2.3.4", 0, NULL, 0},
    {"v6 reject: bad v4 tail", "::ffff:256.1.1.1", 0, NULL, 0},
    {"v6 reject: v4 tail leading zero", "::ffff:01.2.3.4", 0, NULL, 0},
    {"v6 reject: brackets", "[::1]", 0, NULL, 0},
    {"v6 reject: zone id", "fe80::1%eth0", 0, NULL, 0},
    {"v6 reject: space", " ::1", 0, NULL, 0},
    {"v6 reject: too long", "0000:0000:0000:0000:0000:0000:0000:0000:0", 0, NULL, 0},
    {"v6 reject: 46 chars", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2550", 0, NULL, 0},
};

static void
test_ip_parse_format(void **state)
{
    const struct parse_case *c = *state;
    size_t                   n = c->len != 0 ? c->len : strlen(c->in);
    mailauth__ip_t           ip, again;
    char                     text[46];
    memset(&ip, 0x5a, sizeof(ip));
    bool ok = mailauth__ip_parse(c->in, n, &ip);
    if (c->family == 0) {
        assert_false(ok);
        assert_int_equal(ip.addr[0], 0x5a); /* out untouched on failure */
        return;
    }
    assert_true(ok);
    assert_int_equal(ip.family, c->family);
    if (ip.family == 4) {
        for (size_t i = 4; i < 16; i++)
            assert_int_equal(ip.addr[i], 0);
    }
    mailauth__ip_format(&ip, text, sizeof(text));
    assert_string_equal(text, c->text);
    /* the formatted text parses back to the same address */
    again = must_parse(text);
    assert_true(mailauth__ip_equal(&ip, &again));
}

static void
test_ip_format_truncates(void **state)
{
    mailauth__ip_t ip = must_parse("2001:db8::1");
    char           buf[8];
    (void)state;
    memset(buf, '#', sizeof(buf));
    mailauth__ip_format(&ip, buf, 5);
    assert_string_equal(buf, "2001");
    assert_int_equal(buf[5], '#');
    mailauth__ip_format(&ip, NULL, 0); /* nothing written, no crash */
    mailauth__ip_reverse_name(&ip, buf, 1);
    assert_string_equal(buf, "");
    ip.family = 5; /* not an address: empty text */
    mailauth__ip_format(&ip, buf, sizeof(buf));
    assert_string_equal(buf, "");
}

/* Every octet value in every position, against the C library's formatting. */
static void
test_ip_format_v4_octets(void **state)
{
    (void)state;
    for (unsigned v = 0; v < 256; v++) {
        mailauth__ip_t ip = {.family = 4, .addr = {(uint8_t)v, (uint8_t)(255 - v), 0, (uint8_t)v}};
        char           want[16], got[16], nib[16];
        snprintf(want, sizeof(want), "%u.%u.0.%u", v, 255 - v, v);
        mailauth__ip_format(&ip, got, sizeof(got));
        mailauth__ip_format_nibbles(&ip, nib, sizeof(nib));
        assert_string_equal(got, want);
        assert_string_equal(nib, want);
    }
}

/* ---- v4-mapped ------------------------------------------------------- */

struct unmap_case {
    const char *name, *in;
    int         family;
    const char *text;
};
static const struct unmap_case unmap_cases[] = {
    {"unmap: v4-mapped", "::ffff:192.0.2.1", 4, "192.0.2.1"},
    {"unmap: v4-mapped hex", "::ffff:0:0", 4, "0.0.0.0"},
    {"unmap: v4 unchanged", "192.0.2.1", 4, "192.0.2.1"},
    {"unmap: v4-compatible stays", "::192.0.2.1", 6, "::c000:201"},
    {"unmap: nat64 stays", "64:ff9b::192.0.2.1", 6, "64:ff9b::c000:201"},
    {"unmap: ffff elsewhere stays", "::1:ffff:c000:201", 6, "::1:ffff:c000:201"},
    {"unmap: plain v6 stays", "2001:db8::1", 6, "2001:db8::1"},
};

static void
test_ip_unmap(void **state)
{
    const struct unmap_case *c = *state;
    mailauth__ip_t           ip = must_parse(c->in);
    char                     text[46];
    mailauth__ip_unmap_v4(&ip);
    assert_int_equal(ip.family, c->family);
    mailauth__ip_format(&ip, text, sizeof(text));
    assert_string_equal(text, c->text);
    if (ip.family == 4) {
        for (size_t i = 4; i < 16; i++)
            assert_int_equal(ip.addr[i], 0);
    }
}

/* ---- nibbles and reverse names --------------------------------------- */

struct nibble_case {
    const char *name, *in, *nibbles, *reverse;
};
static const struct nibble_case nibble_cases[] = {
    {"nibbles: v4", "192.0.2.1", "192.0.2.1", "1.2.0.192.in-addr.arpa"},
    /* RFC 7208 §7.4 example address */
    {"nibbles: rfc7208 v6", "2001:db8::cb01",
     "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1",
     "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
    {"nibbles: all ones", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f",
     "f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.ip6.arpa"},
    {"nibbles: v4-mapped stays v6", "::ffff:1.2.3.4",
     "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.f.f.f.0.1.0.2.0.3.0.4",
     "4.0.3.0.2.0.1.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
};

static void
test_ip_nibbles(void **state)
{
    const struct nibble_case *c = *state;
    mailauth__ip_t            ip = must_parse(c->in);
    char                      buf[74];
    mailauth__ip_format_nibbles(&ip, buf, sizeof(buf));
    assert_string_equal(buf, c->nibbles);
    mailauth__ip_reverse_name(&ip, buf, sizeof(buf));
    assert_string_equal(buf, c->reverse);
}

/* ---- prefix matching ------------------------------------------------- */

struct match_case {
    const char *name, *a, *b;
    unsigned    prefix;
    bool        want;
};
static const struct match_case match_cases[] = {
    {"match v4: /0 anything", "192.0.2.1", "10.0.0.1", 0, true},
    {"match v4: /1 same top bit", "128.0.0.1", "255.0.0.0", 1, true},
    {"match v4: /1 other top bit", "127.255.255.255", "128.0.0.0", 1, false},
    {"match v4: /24 inside", "192.0.2.1", "192.0.2.254", 24, true},
    {"match v4: /24 outside", "192.0.2.1", "192.0.3.1", 24, false},
    {"match v4: /31 pair", "192.0.2.0", "192.0.2.1", 31, true},
    {"match v4: /31 next pair", "192.0.2.1", "192.0.2.2", 31, false},
    {"match v4: /32 equal", "192.0.2.1", "192.0.2.1", 32, true},
    {"match v4: /32 differ", "192.0.2.1", "192.0.2.0", 32, false},
    {"match v4: /33 over width", "192.0.2.1", "192.0.2.1", 33, false},
    {"match v4: huge prefix", "192.0.2.1", "192.0.2.1", 4000000000u, false},
    {"match: v4 vs v6 /0", "0.0.0.0", "::", 0, false},
    {"match: v4 vs mapped v6", "192.0.2.1", "::ffff:192.0.2.1", 32, false},
    {"match v6: /0 anything", "::", "ffff::1", 0, true},
    {"match v6: /1 same top bit", "8000::", "ffff::", 1, true},
    {"match v6: /1 other top bit", "7fff::", "8000::", 1, false},
    {"match v6: /64 same subnet", "2001:db8:1:2::1", "2001:db8:1:2:ffff::", 64, true},
    {"match v6: /64 other subnet", "2001:db8:1:2::1", "2001:db8:1:3::1", 64, false},
    {"match v6: /63 neighbours", "2001:db8:1:2::1", "2001:db8:1:3::1", 63, true},
    {"match v6: /127 pair", "2001:db8::", "2001:db8::1", 127, true},
    {"match v6: /128 equal", "2001:db8::1", "2001:DB8:0::1", 128, true},
    {"match v6: /128 differ", "2001:db8::1", "2001:db8::2", 128, false},
    {"match v6: /129 over width", "2001:db8::1", "2001:db8::1", 129, false},
};

static void
test_ip_match(void **state)
{
    const struct match_case *c = *state;
    mailauth__ip_t           a = must_parse(c->a);
    mailauth__ip_t           b = must_parse(c->b);
    assert_int_equal(mailauth__ip_match(&a, &b, c->prefix), c->want);
    assert_int_equal(mailauth__ip_match(&b, &a, c->prefix), c->want);
}

/* ---- ADDR/LEN -------------------------------------------------------- */

struct cidr_case {
    const char *name, *in;
    bool        ok;
    const char *addr;
    unsigned    prefix;
};
static const struct cidr_case cidr_cases[] = {
    {"cidr v4: no length", "192.0.2.1", true, "192.0.2.1", 32},
    {"cidr v4: /24", "192.0.2.0/24", true, "192.0.2.0", 24},
    {"cidr v4: /0", "0.0.0.0/0", true, "0.0.0.0", 0},
    {"cidr v4: /32", "192.0.2.1/32", true, "192.0.2.1", 32},
    {"cidr v4: /33", "192.0.2.1/33", false, NULL, 0},
    {"cidr v4: leading zero", "192.0.2.1/024", false, NULL, 0},
    {"cidr v4: empty length", "192.0.2.1/", false, NULL, 0},
    {"cidr v4: negative", "192.0.2.1/-1", false, NULL, 0},
    {"cidr v4: junk after", "192.0.2.1/2x", false, NULL, 0},
    {"cidr v4: double slash", "192.0.2.1//24", false, NULL, 0},
    {"cidr v4: four digits", "192.0.2.1/1000", false, NULL, 0},
    {"cidr v6: no length", "2001:db8::1", true, "2001:db8::1", 128},
    {"cidr v6: /64", "2001:db8::/64", true, "2001:db8::", 64},
    {"cidr v6: /128", "::1/128", true, "::1", 128},
    {"cidr v6: /129", "::1/129", false, NULL, 0},
    {"cidr: bad address", "192.0.2/24", false, NULL, 0},
    {"cidr: only length", "/24", false, NULL, 0},
    {"cidr v4: /0 on an address", "192.0.2.1/0", true, "192.0.2.1", 0},
    {"cidr v4: trailing dot", "192.0.2.1./8", false, NULL, 0},
    {"cidr v4: leading zero octet", "01.2.3.4/8", false, NULL, 0},
    {"cidr v4: octet 256", "256.1.1.1/8", false, NULL, 0},
    {"cidr v4: five parts", "1.2.3.4.5/8", false, NULL, 0},
    {"cidr v4: prefix 08", "1.2.3.4/08", false, NULL, 0},
    {"cidr v4: space in length", "1.2.3.4/ 8", false, NULL, 0},
    {"cidr v4: port", "1.2.3.4:80", false, NULL, 0},
    {"cidr v6: mapped v4", "::ffff:192.0.2.1/128", true, "::ffff:192.0.2.1", 128},
};

static void
test_ip_cidr(void **state)
{
    const struct cidr_case *c = *state;
    mailauth__ip_t          ip;
    unsigned                prefix = 999;
    char                    text[46];
    bool                    ok = mailauth__cidr_parse(c->in, strlen(c->in), &ip, &prefix);
    assert_int_equal(ok, c->ok);
    if (!ok) {
        assert_int_equal(prefix, 999);
        return;
    }
    assert_int_equal(prefix, c->prefix);
    mailauth__ip_format(&ip, text, sizeof(text));
    assert_string_equal(text, c->addr);
}

/* Reference for ADDR[/LEN] built on mailauth__ip_parse(): the one-pass
 * IPv4 path of mailauth__cidr_parse() must agree with it on any input. */
static bool
cidr_reference(const char *s, size_t n, mailauth__ip_t *ip, unsigned *prefix)
{
    const char *slash = memchr(s, '/', n);
    size_t      alen = slash != NULL ? (size_t)(slash - s) : n, dlen = n - alen;
    unsigned    len = 0;
    if (!mailauth__ip_parse(s, alen, ip))
        return false;
    if (slash == NULL) {
        *prefix = ip->family == 4 ? 32 : 128;
        return true;
    }
    if (dlen < 2 || dlen > 4 || (slash[1] == '0' && dlen > 2))
        return false;
    for (size_t i = 1; i < dlen; i++) {
        if (slash[i] < '0' || slash[i] > '9')
            return false;
        len = len * 10 + (unsigned)(slash[i] - '0');
    }
    if (len > (ip->family == 4 ? 32u : 128u))
        return false;
    *prefix = len;
    return true;
}

static uint32_t
rnd(uint32_t *seed, uint32_t mod)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) % mod;
}

/* A near-miss of "a.b.c.d/len": numbers from 0 to 299, sometimes with a
 * leading zero, lengths up to 40, now and then a byte changed. */
static size_t
cidr_candidate(uint32_t *seed, char *s, size_t cap)
{
    static const char noise[] = "0123456789./: x";
    int               n = 0;
    for (int part = 0; part < 4; part++)
        n += snprintf(s + n, cap - (size_t)n, "%s%s%u", part > 0 ? "." : "",
                      rnd(seed, 8) == 0 ? "0" : "", (unsigned)rnd(seed, 300));
    if (rnd(seed, 4) != 0)
        n += snprintf(s + n, cap - (size_t)n, "/%s%u", rnd(seed, 8) == 0 ? "0" : "",
                      (unsigned)rnd(seed, 41));
    if (rnd(seed, 3) == 0)
        s[rnd(seed, (uint32_t)n)] = noise[rnd(seed, sizeof(noise) - 1)];
    return (size_t)n;
}

static void
test_ip_cidr_random(void **state)
{
    uint32_t seed = 12345;
    unsigned accepted = 0;
    (void)state;
    for (int k = 0; k < 200000; k++) {
        char           s[48];
        size_t         n = cidr_candidate(&seed, s, sizeof(s));
        mailauth__ip_t a, b;
        unsigned       pa = 0, pb = 0;
        bool           ok = mailauth__cidr_parse(s, n, &a, &pa);
        assert_int_equal(ok, cidr_reference(s, n, &b, &pb));
        if (ok) {
            accepted++;
            assert_int_equal(pa, pb);
            assert_memory_equal(&a, &b, sizeof(a));
        }
    }
    assert_true(accepted > 10000 && accepted < 190000); /* both outcomes well covered */
}

#define ADD_TABLE(tab, fn)                                                                         \
    for (size_t i = 0; i < ARRAY_LEN(tab); i++)                                                    \
        tests[nt++] = (struct CMUnitTest)                                                          \
        {                                                                                          \
            .name = (tab)[i].name, .test_func = (fn), .initial_state = (void *)&(tab)[i]           \
        }

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(parse_cases) + ARRAY_LEN(unmap_cases) +
                            ARRAY_LEN(nibble_cases) + ARRAY_LEN(match_cases) +
                            ARRAY_LEN(cidr_cases) + 3];
    size_t            nt = 0;
    ADD_TABLE(parse_cases, test_ip_parse_format);
    tests[nt++] = (struct CMUnitTest){.name = "format: truncation and bad family",
                                      .test_func = test_ip_format_truncates};
    tests[nt++] = (struct CMUnitTest){.name = "format: every IPv4 octet value",
                                      .test_func = test_ip_format_v4_octets};
    ADD_TABLE(unmap_cases, test_ip_unmap);
    ADD_TABLE(nibble_cases, test_ip_nibbles);
    ADD_TABLE(match_cases, test_ip_match);
    ADD_TABLE(cidr_cases, test_ip_cidr);
    tests[nt++] = (struct CMUnitTest){.name = "cidr: agrees with a reference on random input",
                                      .test_func = test_ip_cidr_random};
    return _cmocka_run_group_tests("ip", tests, nt, NULL, NULL);
}
