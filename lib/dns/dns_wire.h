/* Internal to lib/dns: TTLs read from a DNS response in wire format (RFC 1035 §4.1). */
#ifndef MAILAUTH__DNS_WIRE_H
#define MAILAUTH__DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Smallest TTL of the answer section; 0 if malformed or empty. */
uint32_t mailauth__dns_wire_answer_ttl(const uint8_t *m, size_t len);
/* Negative-caching TTL (RFC 2308 §5) from the authority section's SOA;
 * 0 (do not cache) without one. */
uint32_t mailauth__dns_wire_negative_ttl(const uint8_t *m, size_t len);

#endif
