/* IP addresses: strict text parsing, RFC 5952 formatting, CIDR matching. */
#include "util/ip.h"

#include <stdio.h>
#include <string.h>

#define IP6_TEXT_MAX 45 /* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */

static const char hexdig[] = "0123456789abcdef";

/* Local: these run per character of every address SPF records hold. */
static inline bool
dig(char c)
{
    return c >= '0' && c <= '9';
}

/* Dotted quad in s[0..n): exactly four parts 0..255, no leading zeros
 * (RFC 3986 §3.2.2 dec-octet; also what RFC 7208 §5.6 ip4-network means). */
static bool
parse_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t   start = i;
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return false;
            start = ++i;
        }
        while (i < n && dig(s[i]) && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255)
            return false;
        if (s[start] == '0' && i - start > 1)
            return false; /* "01" is octal to inet_aton; ambiguous, reject */
        out[part] = (uint8_t)v;
    }
    return i == n;
}

/* Length of the token starting at i (up to ':' or end) and whether it has a '.'. */
static size_t
token_len(const char *s, size_t n, size_t i, bool *has_dot)
{
    size_t j = i;
    *has_dot = false;
    while (j < n && s[j] != ':') {
        if (s[j] == '.')
            *has_dot = true;
        j++;
    }
    return j - i;
}

/* Hex digit value, -1 if none; local for the same reason as dig(). */
static inline int
hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One group of 1..4 hex digits filling the whole token. */
static bool
parse_group(const char *s, size_t len, uint16_t *out)
{
    unsigned v = 0;
    if (len < 1 || len > 4)
        return false;
    for (size_t k = 0; k < len; k++) {
        int h = hexv(s[k]);
        if (h < 0)
            return false;
        v = v << 4 | (unsigned)h;
    }
    *out = (uint16_t)v;
    return true;
}

/* Spread parsed groups around the "::" gap into 16 bytes. */
static void
place_groups(const uint16_t *g, int count, int gap, uint8_t out[16])
{
    int tail = gap < 0 ? 0 : count - gap;
    int head = count - tail;
    memset(out, 0, 16);
    for (int k = 0; k < head; k++) {
        out[(size_t)k * 2] = (uint8_t)(g[k] >> 8);
        out[(size_t)k * 2 + 1] = (uint8_t)g[k];
    }
    for (int k = 0; k < tail; k++) {
        size_t dst = (size_t)(8 - tail + k) * 2;
        out[dst] = (uint8_t)(g[head + k] >> 8);
        out[dst + 1] = (uint8_t)g[head + k];
    }
}

/* RFC 4291 §2.2: x:x:x:x:x:x:x:x, "::" once for one or more zero groups,
 * and optionally the last 32 bits as a dotted quad. */
static bool
parse_v6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t g[8];
    int      count = 0;
    int      gap = -1;
    size_t   i = 0;

    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n == 0 || s[0] == ':') {
        return false;
    }
    while (i < n) {
        bool   dot;
        size_t len = token_len(s, n, i, &dot);
        if (dot) {
            uint8_t v4[4];
            if (count > 6 || i + len != n || !parse_v4(s + i, len, v4))
                return false;
            g[count++] = (uint16_t)(v4[0] << 8 | v4[1]);
            g[count++] = (uint16_t)(v4[2] << 8 | v4[3]);
            break; /* the quad was the last token */
        }
        if (count >= 8 || !parse_group(s + i, len, &g[count]))
            return false;
        count++;
        i += len;
        if (i == n)
            break;
        i++; /* the ':' */
        if (i < n && s[i] == ':') {
            if (gap >= 0)
                return false; /* "::" twice */
            gap = count;
            i++;
        } else if (i == n) {
            return false; /* trailing single ':' */
        }
    }
    if (gap < 0 ? count != 8 : count > 7)
        return false;
    place_groups(g, count, gap, out);
    return true;
}

/* s[0..n) as an address of the given family (6 when it holds a ':'). */
static bool
parse_family(const char *s, size_t n, bool v6, mailauth__ip_t *out)
{
    mailauth__ip_t ip;
    if (n == 0 || n > IP6_TEXT_MAX)
        return false;
    memset(&ip, 0, sizeof(ip));
    if (v6 ? !parse_v6(s, n, ip.addr) : !parse_v4(s, n, ip.addr))
        return false;
    ip.family = v6 ? 6 : 4;
    *out = ip;
    return true;
}

bool
mailauth__ip_parse(const char *s, size_t n, mailauth__ip_t *out)
{
    if (s == NULL || out == NULL || n == 0 || n > IP6_TEXT_MAX)
        return false;
    return parse_family(s, n, memchr(s, ':', n) != NULL, out);
}

static bool
is_v4_mapped(const mailauth__ip_t *ip)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return ip->family == 6 && memcmp(ip->addr, prefix, sizeof(prefix)) == 0;
}

void
mailauth__ip_unmap_v4(mailauth__ip_t *ip)
{
    uint8_t v4[4];
    if (!is_v4_mapped(ip))
        return;
    memcpy(v4, ip->addr + 12, 4);
    memset(ip->addr, 0, sizeof(ip->addr));
    memcpy(ip->addr, v4, 4);
    ip->family = 4;
}

/* Copy a finished string to the caller, truncating like snprintf. */
static void
put_out(const char *s, char *buf, size_t cap)
{
    size_t n = strlen(s);
    if (buf == NULL || cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

/* Dotted quad into o (16 bytes), NUL-terminated; the length. A digit loop:
 * this runs once per SPF check and snprintf costs ten times as much. */
static size_t
fmt_v4(const uint8_t *a, char *o)
{
    size_t p = 0;
    for (int k = 0; k < 4; k++) {
        unsigned v = a[k];
        if (k > 0)
            o[p++] = '.';
        if (v >= 100)
            o[p++] = (char)('0' + v / 100);
        if (v >= 10)
            o[p++] = (char)('0' + v / 10 % 10);
        o[p++] = (char)('0' + v % 10);
    }
    o[p] = '\0';
    return p;
}

/* RFC 5952 §4.2: "::" replaces the longest run (>= 2) of zero groups, the
 * first one on a tie. */
static void
longest_zero_run(const uint16_t *g, int *start, int *len)
{
    *start = -1;
    *len = 0;
    for (int k = 0; k < 8;) {
        int run = 0;
        while (k + run < 8 && g[k + run] == 0)
            run++;
        if (run >= 2 && run > *len) {
            *start = k;
            *len = run;
        }
        k += run > 0 ? run : 1;
    }
}

static void
fmt_v6(const mailauth__ip_t *ip, char *o)
{
    uint16_t g[8];
    int      zs, zl;
    size_t   p = 0;
    if (is_v4_mapped(ip)) { /* RFC 5952 §5: mixed notation for mapped addresses */
        memcpy(o, "::ffff:", 7);
        fmt_v4(ip->addr + 12, o + 7);
        return;
    }
    for (size_t k = 0; k < 8; k++)
        g[k] = (uint16_t)(ip->addr[2 * k] << 8 | ip->addr[2 * k + 1]);
    longest_zero_run(g, &zs, &zl);
    for (int k = 0; k < 8; k++) {
        if (k == zs) {
            o[p++] = ':';
            o[p++] = ':';
            k += zl - 1;
            continue;
        }
        if (k > 0 && k != zs + zl)
            o[p++] = ':';
        /* RFC 5952 §4.1, §4.3: no leading zeros, lower case */
        bool started = false;
        for (int sh = 12; sh >= 0; sh -= 4) {
            unsigned d = (unsigned)(g[k] >> sh) & 15u;
            started = started || d != 0 || sh == 0;
            if (started)
                o[p++] = hexdig[d];
        }
    }
    o[p] = '\0';
}

void
mailauth__ip_format(const mailauth__ip_t *ip, char *buf, size_t cap)
{
    char tmp[64];
    tmp[0] = '\0';
    if (ip != NULL && ip->family == 4)
        fmt_v4(ip->addr, tmp);
    else if (ip != NULL && ip->family == 6)
        fmt_v6(ip, tmp);
    put_out(tmp, buf, cap);
}

/* 32 nibbles of an IPv6 address, dot-separated, forward or reversed. */
static size_t
fmt_nibbles(const uint8_t *a, bool reverse, char *o)
{
    size_t p = 0;
    for (int k = 0; k < 32; k++) {
        int      idx = reverse ? 31 - k : k;
        unsigned b = a[idx / 2];
        unsigned d = (idx % 2 == 0) ? b >> 4 : b & 15u;
        if (k > 0)
            o[p++] = '.';
        o[p++] = hexdig[d];
    }
    o[p] = '\0';
    return p;
}

void
mailauth__ip_format_nibbles(const mailauth__ip_t *ip, char *buf, size_t cap)
{
    char tmp[80];
    tmp[0] = '\0';
    /* RFC 7208 §7.3: %{i} is the dotted quad for IPv4, dot-separated nibbles for IPv6 */
    if (ip != NULL && ip->family == 4)
        fmt_v4(ip->addr, tmp);
    else if (ip != NULL && ip->family == 6)
        fmt_nibbles(ip->addr, false, tmp);
    put_out(tmp, buf, cap);
}

void
mailauth__ip_reverse_name(const mailauth__ip_t *ip, char *buf, size_t cap)
{
    char tmp[80];
    tmp[0] = '\0';
    if (ip != NULL && ip->family == 4) { /* RFC 1035 §3.5 */
        (void)snprintf(tmp, sizeof(tmp), "%u.%u.%u.%u.in-addr.arpa", ip->addr[3], ip->addr[2],
                       ip->addr[1], ip->addr[0]); /* at most 29 bytes: fits */
    } else if (ip != NULL && ip->family == 6) {   /* RFC 3596 §2.5 */
        size_t p = fmt_nibbles(ip->addr, true, tmp);
        memcpy(tmp + p, ".ip6.arpa", sizeof(".ip6.arpa"));
    }
    put_out(tmp, buf, cap);
}

bool
mailauth__ip_match(const mailauth__ip_t *a, const mailauth__ip_t *b, unsigned prefix)
{
    unsigned width;
    unsigned full;
    unsigned rest;
    if (a == NULL || b == NULL || a->family != b->family)
        return false;
    if (a->family != 4 && a->family != 6)
        return false;
    width = a->family == 4 ? 32u : 128u;
    if (prefix > width)
        return false;
    full = prefix / 8;
    rest = prefix % 8;
    if (full != 0 && memcmp(a->addr, b->addr, full) != 0)
        return false;
    if (rest != 0) {
        uint8_t mask = (uint8_t)(0xffu << (8 - rest));
        if ((a->addr[full] & mask) != (b->addr[full] & mask))
            return false;
    }
    return true;
}

bool
mailauth__ip_equal(const mailauth__ip_t *a, const mailauth__ip_t *b)
{
    return mailauth__ip_match(a, b, a != NULL && a->family == 4 ? 32u : 128u);
}

/* The common "a.b.c.d" or "a.b.c.d/len" in one pass, by exactly the rules
 * of parse_v4() and the prefix check below. Anything else (IPv6, a syntax
 * error) returns false and is left to the general path, which decides. */
static bool
cidr_v4_fast(const char *s, size_t n, mailauth__ip_t *ip, unsigned *prefix)
{
    uint8_t  a[4];
    size_t   i = 0;
    unsigned len = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t   start = i;
        while (i < n && i - start < 3 && dig(s[i]))
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
            return false;
        if (part < 3 && (i >= n || s[i++] != '.'))
            return false;
        a[part] = (uint8_t)v;
    }
    if (i == n) {
        len = 32;
    } else {
        size_t digits = n - i - 1;
        if (s[i++] != '/' || digits == 0 || digits > 3 || (s[i] == '0' && digits > 1))
            return false;
        for (; i < n; i++) {
            if (!dig(s[i]))
                return false;
            len = len * 10 + (unsigned)(s[i] - '0');
        }
        if (len > 32)
            return false;
    }
    memset(ip, 0, sizeof(*ip));
    memcpy(ip->addr, a, 4);
    ip->family = 4;
    *prefix = len;
    return true;
}

bool
mailauth__cidr_parse(const char *s, size_t n, mailauth__ip_t *ip, unsigned *prefix)
{
    mailauth__ip_t tmp;
    size_t         alen = 0;
    unsigned       len = 0;
    unsigned       width;
    bool           colon = false;
    if (s == NULL || ip == NULL || prefix == NULL)
        return false;
    if (cidr_v4_fast(s, n, ip, prefix))
        return true;
    /* one pass finds the '/' and whether the address is IPv6 */
    for (; alen < n && s[alen] != '/'; alen++)
        colon = colon || s[alen] == ':';
    if (!parse_family(s, alen, colon, &tmp))
        return false;
    width = tmp.family == 4 ? 32u : 128u;
    if (alen == n) {
        len = width;
    } else {
        size_t i = alen + 1;
        size_t digits = n - i;
        /* RFC 7208 §5.6: ip4-cidr-length "0" / %x31-39 0*1DIGIT, likewise for ip6 */
        if (digits == 0 || digits > 3 || (s[i] == '0' && digits > 1))
            return false;
        for (; i < n; i++) {
            if (!dig(s[i]))
                return false;
            len = len * 10 + (unsigned)(s[i] - '0');
        }
        if (len > width)
            return false;
    }
    *ip = tmp;
    *prefix = len;
    return true;
}
