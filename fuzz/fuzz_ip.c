/* Fuzz target: IP address and CIDR text parsing (lib/util/ip.c).
 *
 * Invariants checked (abort() on violation, so libFuzzer reports them):
 *  - a parsed address formats to text that parses back to the same address;
 *  - the formatted text is canonical: formatting the reparsed address gives
 *    the same text (RFC 5952 §4 has one form per address);
 *  - a parsed CIDR "addr/len" formats back as "addr/len" that reparses to the
 *    same address and prefix, and the network matches itself at that prefix;
 *  - IPv4 parsing agrees with inet_pton(AF_INET) (both strict dotted quads);
 *  - the nibble and reverse-name forms have their fixed lengths.
 * The input is tried whole, and also split at its first '|' into two
 * addresses for mailauth__ip_match(). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX 128

static void
check(int ok)
{
    if (!ok)
        abort();
}

static void
check_ip_roundtrip(const mailauth__ip_t *ip)
{
    char           text[64], again[64], nib[80], rev[80];
    mailauth__ip_t back;
    mailauth__ip_format(ip, text, sizeof(text));
    check(mailauth__ip_parse(text, strlen(text), &back));
    check(back.family == ip->family && memcmp(back.addr, ip->addr, sizeof(ip->addr)) == 0);
    check(mailauth__ip_equal(ip, &back));
    mailauth__ip_format(&back, again, sizeof(again));
    check(strcmp(text, again) == 0);
    mailauth__ip_format_nibbles(ip, nib, sizeof(nib));
    mailauth__ip_reverse_name(ip, rev, sizeof(rev));
    if (ip->family == 6) {
        check(strlen(nib) == 63); /* 32 nibbles, 31 dots */
        check(strlen(rev) == 63 + sizeof(".ip6.arpa") - 1);
    } else {
        check(strcmp(nib, text) == 0); /* RFC 7208 §7.3: %{i} of IPv4 */
        check(strlen(rev) > sizeof(".in-addr.arpa") - 1);
    }
    /* A truncating format must stay NUL-terminated within its capacity. */
    {
        char small[8];
        memset(small, 'x', sizeof(small));
        mailauth__ip_format(ip, small, sizeof(small));
        check(memchr(small, '\0', sizeof(small)) != NULL);
    }
}

/* glibc's inet_pton(AF_INET) accepts exactly four decimal parts 0..255 without
 * leading zeros, which is what mailauth__ip_parse() promises for IPv4. */
static void
check_v4_against_libc(const char *s, size_t n, int ok, const mailauth__ip_t *ip)
{
    char          z[TEXT_MAX + 1];
    unsigned char bin[4];
    int           libc_ok;
    if (n > TEXT_MAX || memchr(s, '\0', n) != NULL || memchr(s, ':', n) != NULL)
        return;
    memcpy(z, s, n);
    z[n] = '\0';
    libc_ok = inet_pton(AF_INET, z, bin) == 1;
    check(libc_ok == ok);
    if (ok)
        check(ip->family == 4 && memcmp(ip->addr, bin, 4) == 0);
}

static void
check_cidr(const char *s, size_t n)
{
    mailauth__ip_t ip, back;
    unsigned       prefix = 0, prefix2 = 0;
    char           text[64], cidr[80];
    if (!mailauth__cidr_parse(s, n, &ip, &prefix))
        return;
    check(prefix <= (ip.family == 4 ? 32u : 128u));
    check(mailauth__ip_match(&ip, &ip, prefix));
    mailauth__ip_format(&ip, text, sizeof(text));
    (void)snprintf(cidr, sizeof(cidr), "%s/%u", text, prefix);
    check(mailauth__cidr_parse(cidr, strlen(cidr), &back, &prefix2));
    check(prefix2 == prefix && mailauth__ip_equal(&ip, &back));
}

static void
one(const char *s, size_t n)
{
    mailauth__ip_t ip;
    int            ok = mailauth__ip_parse(s, n, &ip);
    if (ok) {
        mailauth__ip_t v4 = ip;
        check(ip.family == 4 || ip.family == 6);
        check_ip_roundtrip(&ip);
        mailauth__ip_unmap_v4(&v4);
        check_ip_roundtrip(&v4);
    }
    check_v4_against_libc(s, n, ok, &ip);
    check_cidr(s, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *bar = memchr(s, '|', size);
    one(s, size);
    if (bar != NULL) {
        size_t         n1 = (size_t)(bar - s), n2 = size - n1 - 1;
        mailauth__ip_t a, b;
        unsigned       pa = 0;
        one(s, n1);
        one(bar + 1, n2);
        if (mailauth__cidr_parse(s, n1, &a, &pa) && mailauth__ip_parse(bar + 1, n2, &b)) {
            /* Matching is symmetric, and a match at a prefix implies one at every shorter one. */
            int m = mailauth__ip_match(&a, &b, pa);
            check(m == mailauth__ip_match(&b, &a, pa));
            if (m && pa > 0)
                check(mailauth__ip_match(&a, &b, pa - 1));
        }
    }
    return 0;
}
