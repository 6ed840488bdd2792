/* The reference scanners (util/scan.h): one byte at a time, each the
 * definition in scan.h written out. The SIMD variants must agree with
 * these on every input; they also call them for the bytes after their
 * last whole block. */
#include "util/scan_int.h"

static bool
is_wsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

size_t
mailauth__scan_scalar_relaxed_squeeze(uint8_t *o, const uint8_t *p, size_t n)
{
    size_t w = 0;
    for (size_t k = 0; k < n; k++) {
        if (!is_wsp(p[k])) {
            o[w++] = p[k];
        } else if (!is_wsp(p[k + 1]) && !(p[k + 1] == '\r' && p[k + 2] == '\n')) {
            o[w++] = ' ';
        }
    }
    return w;
}

size_t
mailauth__scan_scalar_header_plain(uint8_t *o, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i < n; i++) {
        bool lone_sp = p[i] == ' ' && i + 1 < n && p[i + 1] > 0x20;
        if (p[i] <= 0x20 && !lone_sp)
            break;
        o[i] = p[i];
    }
    return i;
}

size_t
mailauth__scan_scalar_bare_lf(const uint8_t *p, size_t n, bool prev_cr)
{
    for (size_t i = 0; i < n; i++) {
        bool after_cr = i == 0 ? prev_cr : p[i - 1] == '\r';
        if (p[i] == '\n' && !after_cr)
            return i;
    }
    return n;
}

size_t
mailauth__scan_scalar_lf_to_crlf(uint8_t *o, const uint8_t *p, size_t n, bool prev_cr)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        bool after_cr = i == 0 ? prev_cr : p[i - 1] == '\r';
        if (p[i] == '\n' && !after_cr)
            o[w++] = '\r';
        o[w++] = p[i];
    }
    return w;
}

size_t
mailauth__scan_scalar_valchar_run(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && ((p[i] >= 0x21 && p[i] <= 0x7e && p[i] != ';') || p[i] >= 0x80))
        i++;
    return i;
}

size_t
mailauth__scan_scalar_copy_nows(uint8_t *o, const uint8_t *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_wsp(p[i]) && p[i] != '\r' && p[i] != '\n')
            o[k++] = p[i];
    }
    return k;
}

/* A base64 character's value + 1, or 0 outside the alphabet. */
static uint32_t
b64_val1(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return (uint32_t)(c - 'A') + 1u;
    if (c >= 'a' && c <= 'z')
        return (uint32_t)(c - 'a') + 27u;
    if (c >= '0' && c <= '9')
        return (uint32_t)(c - '0') + 53u;
    if (c == '+')
        return 63u;
    return c == '/' ? 64u : 0u;
}

size_t
mailauth__scan_scalar_b64_quads(uint8_t *o, const uint8_t *p, size_t n)
{
    size_t i = 0, w = 0;
    for (; i + 4 <= n; i += 4, w += 3) {
        /* 0 (not alphabet) wraps to a huge value: one test for all four. */
        uint32_t a = b64_val1(p[i]) - 1u, b = b64_val1(p[i + 1]) - 1u;
        uint32_t c = b64_val1(p[i + 2]) - 1u, d = b64_val1(p[i + 3]) - 1u;
        uint32_t v = a << 18 | b << 12 | c << 6 | d;
        if ((a | b | c | d) > 63)
            break;
        o[w] = (uint8_t)(v >> 16);
        o[w + 1] = (uint8_t)(v >> 8);
        o[w + 2] = (uint8_t)v;
    }
    return i;
}

const mailauth__scan_ops_t mailauth__scan_scalar_ops = {
    .name = "scalar",
    .relaxed_squeeze = mailauth__scan_scalar_relaxed_squeeze,
    .header_plain = mailauth__scan_scalar_header_plain,
    .bare_lf = mailauth__scan_scalar_bare_lf,
    .lf_to_crlf = mailauth__scan_scalar_lf_to_crlf,
    .valchar_run = mailauth__scan_scalar_valchar_run,
    .copy_nows = mailauth__scan_scalar_copy_nows,
    .b64_quads = mailauth__scan_scalar_b64_quads,
};
