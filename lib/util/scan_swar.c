/* The relaxed body squeeze of util/scan.h eight bytes at a time in a
 * uint64_t (SWAR), in portable C: the table of CPUs that have neither SSE2
 * nor AVX2 (other architectures), where a byte-at-a-time loop would cost
 * relaxed bodies several times the hashing. The other scanners are the
 * scalar ones: header and tag values are short, and bare LFs are rare
 * enough that the old builds scanned them a byte at a time there too.
 * Results are exactly the scalar reference's (scan_scalar.c). */
#include "util/scan_int.h"

#if MAILAUTH__SCAN_SWAR
#include <string.h>

#define ONES UINT64_C(0x0101010101010101)
#define HIGH UINT64_C(0x8080808080808080)

/* p[0, 8) with p[0] in the low byte, whatever the CPU's byte order: one
 * load where it is little-endian, a load and a swap where it is big-endian
 * and the compiler says so, else byte by byte. */
static uint64_t
load_le(const uint8_t *p)
{
    uint64_t w = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&w, p, 8);
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ && defined(__GNUC__)
    memcpy(&w, p, 8);
    w = __builtin_bswap64(w);
#else
    for (unsigned k = 0; k < 8; k++)
        w |= (uint64_t)p[k] << (8 * k);
#endif
    return w;
}

/* The high bit of each byte of w equal to b; exact: no carry crosses a
 * byte, as each sum stays below 0x100. */
static uint64_t
eq_mask(uint64_t w, uint8_t b)
{
    uint64_t z = w ^ (ONES * b);
    return ~(((z & ~HIGH) + ~HIGH) | z) & HIGH;
}

/* relaxed_squeeze: a word of eight bytes none of which is SP or HTAB (most
 * words of text) is copied as it is; the others go through the scalar
 * loop, which reads at most two bytes past them. */
static size_t
relaxed_squeeze(uint8_t *o, const uint8_t *p, size_t n)
{
    size_t k = 0, w = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t v = load_le(p + k);
        if ((eq_mask(v, ' ') | eq_mask(v, '\t')) == 0) {
            memcpy(o + w, p + k, 8);
            w += 8;
        } else {
            w += mailauth__scan_scalar_relaxed_squeeze(o + w, p + k, 8);
        }
    }
    return w + mailauth__scan_scalar_relaxed_squeeze(o + w, p + k, n - k);
}

const mailauth__scan_ops_t mailauth__scan_swar_ops = {
    .name = "swar",
    .relaxed_squeeze = relaxed_squeeze,
    .header_plain = mailauth__scan_scalar_header_plain,
    .bare_lf = mailauth__scan_scalar_bare_lf,
    .lf_to_crlf = mailauth__scan_scalar_lf_to_crlf,
    .valchar_run = mailauth__scan_scalar_valchar_run,
    .copy_nows = mailauth__scan_scalar_copy_nows,
    .b64_quads = mailauth__scan_scalar_b64_quads,
};
#endif
