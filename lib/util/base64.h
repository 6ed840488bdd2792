/* Internal: base64 (RFC 4648 §4), used by DKIM. */
#ifndef MAILAUTH__BASE64_H
#define MAILAUTH__BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/status.h>

/* Decoded size bound for n input characters. */
size_t mailauth__b64_decoded_max(size_t n);
/* Decode, ignoring whitespace (SP, HTAB, CR, LF) anywhere (RFC 6376 §3.5 b=, p=).
 * Padding optional at the end only. out must hold mailauth__b64_decoded_max(n).
 * MAILAUTH_EINVAL on any other byte, bad padding, or non-zero pad bits in
 * the last character (RFC 4648 §3.5: "QR==" for "A"). */
mailauth_status_t mailauth__b64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen);
/* Encoded size for n bytes (with padding, no NUL). */
size_t mailauth__b64_encoded_len(size_t n);
/* Encode with padding; out must hold mailauth__b64_encoded_len(n) + 1 (NUL added). */
void mailauth__b64_encode(const uint8_t *in, size_t n, char *out);
/* Is text[0..len), which mailauth__b64_decode() decoded to bytes[0..n),
 * exactly what mailauth__b64_encode() gives for them (false with
 * whitespace or without its padding)? Looks at the length and the last
 * quad only. */
bool mailauth__b64_is_encoding(const char *text, size_t len, const uint8_t *bytes, size_t n);

#endif
