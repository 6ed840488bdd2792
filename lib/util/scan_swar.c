/* The relaxed body marks of util/scan.h eight bytes at a time in a
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

/* The high bit of each byte of w at or below 0x20 (exact, as above). */
static uint64_t
le20_mask(uint64_t w)
{
    return ~(((w & ~HIGH) + ONES * 0x5f) | w) & HIGH;
}

/* The eight high bits of m, byte k's as bit k: the multiplication moves
 * each to its place in the top byte, and no two partial products meet. */
static uint64_t
gather(uint64_t m)
{
    return ((m >> 7) * UINT64_C(0x0102040810204080)) >> 56;
}

/* body_marks of p[0, 64) into one word of each bitmap; reads p[0, 65). */
static void
marks64(const uint8_t *p, uint64_t *special, uint64_t *wsp)
{
    uint64_t s = 0, w = 0;
    for (unsigned k = 0; k < 64; k += 8) {
        uint64_t v = load_le(p + k);
        uint64_t sp = eq_mask(v, ' '), tab = eq_mask(v, '\t');
        s |= gather(tab | (sp & le20_mask(load_le(p + k + 1)))) << k;
        w |= gather(sp | tab) << k;
    }
    *special = s;
    *wsp = w;
}

static bool
body_marks(const uint8_t *p, size_t n, uint64_t *special, uint64_t *wsp)
{
    size_t   k = 0, w = 0;
    uint64_t any = 0;
    for (; k + 64 <= n; k += 64, w++) {
        marks64(p + k, &special[w], &wsp[w]);
        any |= special[w];
    }
    if (k < n) {
        /* The last part word, as in scan_sse2.c: copied with the byte after
         * it, so that no load goes past p[n]. */
        uint8_t  pad[80] = {0};
        uint64_t keep = ((uint64_t)1 << (n - k)) - 1;
        memcpy(pad, p + k, n - k + 1);
        marks64(pad, &special[w], &wsp[w]);
        special[w] &= keep;
        wsp[w] &= keep;
        any |= special[w];
    }
    return any != 0;
}

const mailauth__scan_ops_t mailauth__scan_swar_ops = {
    .name = "swar",
    .body_marks = body_marks,
    .relaxed_squeeze = mailauth__scan_scalar_relaxed_squeeze,
    .header_plain = mailauth__scan_scalar_header_plain,
    .bare_lf = mailauth__scan_scalar_bare_lf,
    .valchar_run = mailauth__scan_scalar_valchar_run,
    .copy_nows = mailauth__scan_scalar_copy_nows,
};
#endif
