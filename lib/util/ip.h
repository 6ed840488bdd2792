/* Internal: IP addresses and CIDR matching. */
#ifndef MAILAUTH__IP_H
#define MAILAUTH__IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mailauth__ip {
    int family;        /* 4 or 6 */
    uint8_t addr[16];  /* IPv4 in addr[0..3] */
} mailauth__ip_t;

/* Strict text parse: dotted quad (4 parts, each 0..255, no leading zeros beyond "0"),
 * or RFC 4291 §2.2 IPv6 text (incl. "::" and trailing dotted quad). No brackets, no zone id. */
bool mailauth__ip_parse(const char *s, size_t n, mailauth__ip_t *out);
/* If ip is IPv6 ::ffff:a.b.c.d, turn it into the IPv4 address (RFC 7208 §5). */
void mailauth__ip_unmap_v4(mailauth__ip_t *ip);
/* Textual form: IPv4 dotted quad; IPv6 RFC 5952 compressed lower case. buf >= 46. */
void mailauth__ip_format(const mailauth__ip_t *ip, char *buf, size_t cap);
/* Dotted-nibble forms used by SPF %{i} on IPv6 ("2.0.0.1.0.d.b.8...") and
 * reverse names: "4.3.2.1.in-addr.arpa" / nibbles + ".ip6.arpa". buf >= 74. */
void mailauth__ip_format_nibbles(const mailauth__ip_t *ip, char *buf, size_t cap);
void mailauth__ip_reverse_name(const mailauth__ip_t *ip, char *buf, size_t cap);
/* Same family and the first `prefix` bits equal. prefix over the family width: false. */
bool mailauth__ip_match(const mailauth__ip_t *a, const mailauth__ip_t *b, unsigned prefix);
bool mailauth__ip_equal(const mailauth__ip_t *a, const mailauth__ip_t *b);
/* Parse "ADDR/LEN" or "ADDR" (LEN defaults to 32/128). */
bool mailauth__cidr_parse(const char *s, size_t n, mailauth__ip_t *ip, unsigned *prefix);

#endif
