/* The long-input scanners of util/scan.h 32 bytes a step with AVX2, for
 * CPUs that have it (scan.c checks before choosing this table): the body
 * marks and the bare-LF search, which run over whole bodies. The
 * scanners of header values and tag values, short inputs, are the SSE2
 * ones. Results are exactly the scalar reference's (scan_scalar.c). */
#include "util/scan_int.h"

#if MAILAUTH__SCAN_X86
#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2")))

static AVX2 __m256i
load(const uint8_t *p)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

static AVX2 uint32_t
bits(__m256i m)
{
    return (uint32_t)_mm256_movemask_epi8(m);
}

/* body_marks of p[0, 32); reads p[0, 33). */
static AVX2 uint32_t
marks32(const uint8_t *p, uint32_t *wsp)
{
    __m256i v = load(p), next = load(p + 1);
    __m256i sp = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(' '));
    __m256i tab = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t'));
    __m256i low = _mm256_cmpeq_epi8(_mm256_min_epu8(next, _mm256_set1_epi8(0x20)), next);
    *wsp = bits(_mm256_or_si256(sp, tab));
    return bits(_mm256_or_si256(tab, _mm256_and_si256(sp, low)));
}

/* body_marks of p[0, 64) into one word of each bitmap; reads p[0, 65). */
static AVX2 void
marks64(const uint8_t *p, uint64_t *special, uint64_t *wsp)
{
    uint32_t lo_w = 0, hi_w = 0;
    uint32_t lo = marks32(p, &lo_w), hi = marks32(p + 32, &hi_w);
    *special = (uint64_t)hi << 32 | lo;
    *wsp = (uint64_t)hi_w << 32 | lo_w;
}

static AVX2 bool
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

static AVX2 size_t
bare_lf(const uint8_t *p, size_t n, bool prev_cr)
{
    const __m256i lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
    size_t        i = 1;
    if (n == 0 || (p[0] == '\n' && !prev_cr))
        return 0;
    for (; i + 32 <= n; i += 32) { /* p[i - 1] is the byte before each */
        uint32_t m = bits(_mm256_andnot_si256(_mm256_cmpeq_epi8(load(p + i - 1), cr),
                                              _mm256_cmpeq_epi8(load(p + i), lf)));
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
    return i + mailauth__scan_sse2_bare_lf(p + i, n - i, p[i - 1] == '\r');
}

const mailauth__scan_ops_t mailauth__scan_avx2_ops = {
    .name = "avx2",
    .body_marks = body_marks,
    .header_plain = mailauth__scan_sse2_header_plain,
    .bare_lf = bare_lf,
    .valchar_run = mailauth__scan_sse2_valchar_run,
    .copy_nows = mailauth__scan_sse2_copy_nows,
};
#endif
