/* mailauth-milter: internal_hosts, address ranges in CIDR notation. */
#include <arpa/inet.h>
#include <string.h>

#include "milter.h"

static bool
parse_bits(const char *s, unsigned max, unsigned *out)
{
    unsigned v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10u + (unsigned)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

bool
ma_cidr_parse(const char *text, struct ma_cidr *out)
{
    char        addr[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(text, '/');
    size_t      alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
    memset(out, 0, sizeof(*out));
    if (alen == 0 || alen >= sizeof(addr))
        return false;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = 4;
        out->bits = 32;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = 6;
        out->bits = 128;
    } else {
        return false;
    }
    if (slash != NULL && !parse_bits(slash + 1, out->bits, &out->bits))
        return false;
    return true;
}

static bool
prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned whole = bits / 8u, rest = bits % 8u;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xFFu << (8u - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool
ma_cidr_match(const struct ma_cidr *list, size_t n, const char *ip)
{
    uint8_t              a[16];
    int                  family;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (ip == NULL || *ip == '\0')
        return false;
    if (inet_pton(AF_INET, ip, a) == 1) {
        family = 4;
    } else if (inet_pton(AF_INET6, ip, a) == 1) {
        family = 6;
        if (memcmp(a, mapped, sizeof(mapped)) == 0) { /* ::ffff:192.0.2.1 is 192.0.2.1 */
            memmove(a, a + 12, 4);
            family = 4;
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (list[i].family == family && prefix_equal(list[i].addr, a, list[i].bits))
            return true;
    return false;
}
