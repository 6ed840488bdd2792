/* TTLs from a DNS response in wire format (RFC 1035 §4.1): c-ares 1.18
 * gives record TTLs for A/AAAA only, so the cache reads the others from the
 * message. Every read is bounded by the message length; malformed input
 * only makes the answer uncacheable. */
#include "dns/dns_wire.h"

#define HDR_LEN 12

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Skip an encoded name at *pos (labels, ending in a root label or a
 * compression pointer, RFC 1035 §4.1.4). */
static bool
skip_name(const uint8_t *m, size_t len, size_t *pos)
{
    size_t p = *pos;
    for (;;) {
        uint8_t b;
        if (p >= len)
            return false;
        b = m[p];
        if ((b & 0xC0) == 0xC0) {
            if (p + 2 > len)
                return false;
            *pos = p + 2;
            return true;
        }
        if ((b & 0xC0) != 0)
            return false; /* RFC 6891 §5 extended label types: not expected here */
        p += 1u + b;
        if (b == 0) {
            *pos = p;
            return true;
        }
    }
}

/* One resource record at *pos: type, TTL, rdata bounds. */
struct rr_view {
    uint16_t type;
    uint32_t ttl;
    size_t   rdata, rdlen;
};

static bool
next_rr(const uint8_t *m, size_t len, size_t *pos, struct rr_view *rr)
{
    size_t p = *pos;
    if (!skip_name(m, len, &p) || len - p < 10)
        return false;
    rr->type = get16(m + p);
    rr->ttl = get32(m + p + 4);
    if (rr->ttl > 0x7FFFFFFFu) /* RFC 2181 §8: treat as zero */
        rr->ttl = 0;
    rr->rdlen = get16(m + p + 8);
    rr->rdata = p + 10;
    if (len - rr->rdata < rr->rdlen)
        return false;
    *pos = rr->rdata + rr->rdlen;
    return true;
}

/* Position of the answer section; false if the header or question is bad. */
static bool
answer_start(const uint8_t *m, size_t len, size_t *pos)
{
    size_t p = HDR_LEN;
    if (m == NULL || len < HDR_LEN)
        return false;
    for (unsigned q = get16(m + 4); q > 0; q--) {
        if (!skip_name(m, len, &p) || len - p < 4)
            return false;
        p += 4;
    }
    *pos = p;
    return true;
}

uint32_t
mailauth__dns_wire_answer_ttl(const uint8_t *m, size_t len)
{
    size_t         pos = 0;
    uint32_t       ttl = UINT32_MAX;
    struct rr_view rr;
    if (!answer_start(m, len, &pos))
        return 0;
    for (unsigned n = get16(m + 6); n > 0; n--) {
        if (!next_rr(m, len, &pos, &rr))
            return 0;
        if (rr.ttl < ttl) /* CNAMEs of the chain count too */
            ttl = rr.ttl;
    }
    return ttl == UINT32_MAX ? 0 : ttl;
}

uint32_t
mailauth__dns_wire_negative_ttl(const uint8_t *m, size_t len)
{
    size_t         pos = 0;
    struct rr_view rr;
    if (!answer_start(m, len, &pos))
        return 0;
    for (unsigned n = get16(m + 6); n > 0; n--) {
        if (!next_rr(m, len, &pos, &rr))
            return 0;
    }
    for (unsigned n = get16(m + 8); n > 0; n--) {
        if (!next_rr(m, len, &pos, &rr))
            return 0;
        if (rr.type == 6 && rr.rdlen >= 22) { /* SOA: MINIMUM is its last field */
            uint32_t min = get32(m + rr.rdata + rr.rdlen - 4);
            /* RFC 2308 §5: the lesser of the SOA's TTL and its MINIMUM */
            return rr.ttl < min ? rr.ttl : min;
        }
    }
    return 0; /* RFC 2308 §5: without an SOA, do not cache */
}
