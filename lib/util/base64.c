/* Base64 (RFC 4648 §4), tolerant of folding whitespace as DKIM requires. */
#include "util/base64.h"

#include "util/str.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63, or -1 for a byte outside the alphabet. */
static int
b64_val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

size_t
mailauth__b64_decoded_max(size_t n)
{
    /* Every 4 characters give at most 3 bytes; no intermediate overflow. */
    return n / 4 * 3 + (n % 4 * 3 + 3) / 4;
}

size_t
mailauth__b64_encoded_len(size_t n)
{
    return (n / 3 + (n % 3 != 0)) * 4;
}

/* After the data: only '=' (at most 2, completing the last quantum) and
 * whitespace may follow. RFC 4648 §3.3: anything else is an error. */
static mailauth_status_t
check_tail(const char *in, size_t n, size_t i, size_t quantum)
{
    size_t pads = 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (mailauth__is_space(c))
            continue;
        if (c != '=')
            return MAILAUTH_EINVAL;
        pads++;
    }
    if (pads == 0)
        return MAILAUTH_OK;
    /* Padding must fill the final quantum exactly: "xx==" or "xxx=". */
    if (quantum < 2 || quantum + pads != 4)
        return MAILAUTH_EINVAL;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__b64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen)
{
    uint32_t acc = 0;
    size_t   quantum = 0; /* characters in the current group of four */
    size_t   o = 0;
    size_t   i = 0;

    *outlen = 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        int           v;
        if (mailauth__is_space(c))
            continue; /* RFC 6376 §3.5: FWS allowed anywhere in b= and p= */
        if (c == '=')
            break;
        v = b64_val(c);
        if (v < 0)
            return MAILAUTH_EINVAL;
        acc = (acc << 6) | (uint32_t)v;
        if (++quantum == 4) {
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
            quantum = 0;
        }
    }
    if (check_tail(in, n, i, quantum) != MAILAUTH_OK)
        return MAILAUTH_EINVAL;
    /* A lone character cannot encode a byte (RFC 4648 §4). */
    if (quantum == 1)
        return MAILAUTH_EINVAL;
    if (quantum == 2) {
        out[o++] = (uint8_t)(acc >> 4);
    } else if (quantum == 3) {
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    }
    *outlen = o;
    return MAILAUTH_OK;
}

void
mailauth__b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}
