/* The scanners of util/scan.h 16 bytes a step with SSE2 (every x86-64
 * CPU has it; on 32-bit x86 scan.c checks). Each gives exactly what the
 * scalar reference (scan_scalar.c) gives, which also takes the bytes
 * after the last whole block. Unaligned loads: callers' bytes sit
 * anywhere. */
#include "util/scan_int.h"

#if MAILAUTH__SCAN_X86
#include <emmintrin.h>
#include <string.h>

#define SSE2 __attribute__((target("sse2")))

static SSE2 __m128i
load(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* One bit per byte, the lowest for the first. */
static SSE2 uint32_t
bits(__m128i m)
{
    return (uint32_t)_mm_movemask_epi8(m);
}

/* Bytes at or below 0x20 (unsigned). */
static SSE2 __m128i
le_20(__m128i v)
{
    return _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v);
}

/* relaxed_squeeze of a block already stored at o + w: the bytes whose
 * bit is set in drop taken out, in place, without a branch on the byte. */
static size_t
squeeze_in_place(uint8_t *o, size_t w, unsigned len, uint32_t drop)
{
    size_t to = w;
    for (unsigned j = 0; j < len; j++) {
        o[to] = o[w + j];
        to += !(drop >> j & 1u);
    }
    return to;
}

/* Each block is stored with its HTABs made SP, then squeezed if any of its
 * bytes goes (a WSP before WSP or CR LF): most blocks of text have none.
 * Reads p[k, k + 18) for the block at k. */
size_t SSE2
mailauth__scan_sse2_relaxed_squeeze(uint8_t *o, const uint8_t *p, size_t n)
{
    const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    size_t        k = 0, w = 0;
    for (; k + 16 <= n; k += 16) {
        __m128i  v = load(p + k), v1 = load(p + k + 1), v2 = load(p + k + 2);
        __m128i  t = _mm_cmpeq_epi8(v, tab), ws = _mm_or_si128(_mm_cmpeq_epi8(v, sp), t);
        __m128i  ws1 = _mm_or_si128(_mm_cmpeq_epi8(v1, sp), _mm_cmpeq_epi8(v1, tab));
        __m128i  crlf = _mm_and_si128(_mm_cmpeq_epi8(v1, cr), _mm_cmpeq_epi8(v2, lf));
        uint32_t drop = bits(_mm_and_si128(ws, _mm_or_si128(ws1, crlf)));
        /* HTAB (0x09) xor 0x29 is SP (0x20) */
        _mm_storeu_si128((__m128i *)(void *)(o + w),
                         _mm_xor_si128(v, _mm_and_si128(t, _mm_set1_epi8(0x29))));
        w = drop == 0 ? w + 16 : squeeze_in_place(o, w, 16, drop);
    }
    return w + mailauth__scan_scalar_relaxed_squeeze(o + w, p + k, n - k);
}

size_t SSE2
mailauth__scan_sse2_header_plain(uint8_t *o, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 17 <= n; i += 16) { /* reads p[i + 16] for an SP at p[i + 15] */
        __m128i v = load(p + i);
        __m128i lone =
            _mm_andnot_si128(le_20(load(p + i + 1)), _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
        if (bits(_mm_andnot_si128(lone, le_20(v))) != 0)
            break;
        _mm_storeu_si128((__m128i *)(void *)(o + i), v);
    }
    return i + mailauth__scan_scalar_header_plain(o + i, p + i, n - i);
}

size_t SSE2
mailauth__scan_sse2_bare_lf(const uint8_t *p, size_t n, bool prev_cr)
{
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    size_t        i = 1;
    if (n == 0 || (p[0] == '\n' && !prev_cr))
        return 0;
    for (; i + 16 <= n; i += 16) { /* p[i - 1] is the byte before each */
        uint32_t m = bits(
            _mm_andnot_si128(_mm_cmpeq_epi8(load(p + i - 1), cr), _mm_cmpeq_epi8(load(p + i), lf)));
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
    return i + mailauth__scan_scalar_bare_lf(p + i, n - i, p[i - 1] == '\r');
}

/* Blocks of 16 with no bare LF are stored as they are. In a block with
 * some, after the block is stored, each bare LF gets its CR and the rest
 * of the block is stored again from the LF on, shifted by the CRs so far:
 * each such store reads p[k + j, k + j + 16), hence the loop stops 32
 * bytes before the end; the writes stay inside 2 * n (o[w, w + 48) with
 * w <= 2 * k and k + 32 <= n). */
size_t SSE2
mailauth__scan_sse2_lf_to_crlf(uint8_t *o, const uint8_t *p, size_t n, bool prev_cr)
{
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    size_t        k = 1, w;
    if (n == 0)
        return 0;
    w = mailauth__scan_scalar_lf_to_crlf(o, p, 1, prev_cr);
    for (; k + 32 <= n; k += 16) {
        uint32_t m = bits(
            _mm_andnot_si128(_mm_cmpeq_epi8(load(p + k - 1), cr), _mm_cmpeq_epi8(load(p + k), lf)));
        size_t extra = 0;
        _mm_storeu_si128((__m128i *)(void *)(o + w), load(p + k));
        while (m != 0) {
            unsigned j = (unsigned)__builtin_ctz(m);
            o[w + j + extra++] = '\r';
            _mm_storeu_si128((__m128i *)(void *)(o + w + j + extra), load(p + k + j));
            m &= m - 1;
        }
        w += 16 + extra;
    }
    return w + mailauth__scan_scalar_lf_to_crlf(o + w, p + k, n - k, p[k - 1] == '\r');
}

/* As signed bytes a VALCHAR is above 0x20 (up to 0x7f) or negative
 * (0x80-0xff), and not DEL or ';'. */
size_t SSE2
mailauth__scan_sse2_valchar_run(const uint8_t *p, size_t n)
{
    const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f), semi = _mm_set1_epi8(';');
    size_t        i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i  v = load(p + i);
        __m128i  ok = _mm_or_si128(_mm_cmpgt_epi8(v, sp), _mm_cmplt_epi8(v, _mm_setzero_si128()));
        __m128i  bad = _mm_or_si128(_mm_cmpeq_epi8(v, del), _mm_cmpeq_epi8(v, semi));
        uint32_t m = bits(_mm_andnot_si128(bad, ok)) ^ 0xffffu;
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
    return i + mailauth__scan_scalar_valchar_run(p + i, n - i);
}

/* Blocks with no byte at or below 0x20 go in one store; a block with one
 * is stored too, and counted up to that byte, which then goes a byte at a
 * time, without a branch on the byte (k <= i, so the store stays inside
 * o's n bytes). */
size_t SSE2
mailauth__scan_sse2_copy_nows(uint8_t *o, const uint8_t *p, size_t n)
{
    size_t i = 0, k = 0;
    while (i < n) {
        if (i + 16 <= n) {
            __m128i  v = load(p + i);
            uint32_t m = bits(le_20(v));
            _mm_storeu_si128((__m128i *)(void *)(o + k), v);
            if (m == 0) {
                i += 16;
                k += 16;
                continue;
            }
            i += (size_t)__builtin_ctz(m);
            k += (size_t)__builtin_ctz(m);
        }
        uint8_t c = p[i++];
        o[k] = c; /* kept unless it is SP, HTAB, CR or LF */
        k += !(c == ' ' || c == '\t' || c == '\r' || c == '\n');
    }
    return k;
}

const mailauth__scan_ops_t mailauth__scan_sse2_ops = {
    .name = "sse2",
    .relaxed_squeeze = mailauth__scan_sse2_relaxed_squeeze,
    .header_plain = mailauth__scan_sse2_header_plain,
    .bare_lf = mailauth__scan_sse2_bare_lf,
    .lf_to_crlf = mailauth__scan_sse2_lf_to_crlf,
    .valchar_run = mailauth__scan_sse2_valchar_run,
    .copy_nows = mailauth__scan_sse2_copy_nows,
    .b64_quads = mailauth__scan_scalar_b64_quads,
};
#endif
