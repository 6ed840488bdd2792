/* DNS enum names, and the normal form of a question name. */
#include "dns/dns_int.h"

#include "util/str.h"

const char *
mailauth_dns_type_name(mailauth_dns_type_t t)
{
    switch (t) {
    case MAILAUTH_DNS_A:
        return "A";
    case MAILAUTH_DNS_PTR:
        return "PTR";
    case MAILAUTH_DNS_MX:
        return "MX";
    case MAILAUTH_DNS_TXT:
        return "TXT";
    case MAILAUTH_DNS_AAAA:
        return "AAAA";
    }
    return "unknown";
}

const char *
mailauth_dns_rcode_name(mailauth_dns_rcode_t rc)
{
    switch (rc) {
    case MAILAUTH_DNS_RECORDS:
        return "records";
    case MAILAUTH_DNS_NODATA:
        return "nodata";
    case MAILAUTH_DNS_NXDOMAIN:
        return "nxdomain";
    case MAILAUTH_DNS_TEMPFAIL:
        return "tempfail";
    }
    return "unknown";
}

size_t
mailauth__dns_name_norm(const char *name, size_t len, char *out)
{
    size_t label = 0;
    if (name == NULL)
        return 0;
    /* RFC 1035 §3.1: the trailing dot is the root label; we compare without it. */
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > MAILAUTH__DNS_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if (ch == '\0')
            return 0;
        if (ch == '.') {
            if (label == 0) /* empty label */
                return 0;
            label = 0;
        } else if (++label > 63) { /* RFC 1035 §2.3.4 */
            return 0;
        }
        out[i] = (char)mailauth__to_lower((unsigned char)ch);
    }
    if (label == 0)
        return 0;
    out[len] = '\0';
    return len;
}

uint32_t
mailauth__dns_hash(const char *name, size_t len, uint16_t type)
{
    /* FNV-1a over the normalized name, then the type. */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)name[i];
        h *= 16777619u;
    }
    h ^= type;
    h *= 16777619u;
    h ^= h >> 15;
    return h;
}
