/* The long-input scanners of util/scan.h 32 bytes a step with AVX2, for
 * CPUs that have it (scan.c checks before choosing this table): the
 * relaxed body squeeze, the bare-LF search and the bare-LF conversion,
 * which run over whole bodies, and the base64 decoding of b= and p=; and a
 * table for CPUs with AVX-512 BW, VBMI2 and BMI2 that differs in the
 * squeeze, the bare-LF search and the conversion. The scanners of
 * header values and tag values, short inputs, are the SSE2 ones. Results
 * are exactly the scalar reference's (scan_scalar.c). */
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

/* For each byte mask of an 8-byte group, the pshufb indices that gather
 * its set bytes to the front, and how many there are; filled once, by
 * mailauth__scan_avx2_prepare() (under scan.c's pthread_once). */
static uint64_t gather_idx[256];
static uint8_t  gather_len[256];

void
mailauth__scan_avx2_prepare(void)
{
    for (unsigned m = 0; m < 256; m++) {
        uint64_t idx = 0;
        unsigned k = 0;
        for (unsigned j = 0; j < 8; j++) {
            if (m >> j & 1u)
                idx |= (uint64_t)j << (8 * k++);
        }
        gather_idx[m] = idx;
        gather_len[m] = (uint8_t)k;
    }
}

/* The bytes of the low 8 of x whose bit is set in keep, to o + w. */
static AVX2 size_t
gather8(uint8_t *o, size_t w, __m128i x, unsigned keep)
{
    __m128i idx = _mm_loadl_epi64((const __m128i *)(const void *)&gather_idx[keep]);
    _mm_storel_epi64((__m128i *)(void *)(o + w), _mm_shuffle_epi8(x, idx));
    return w + gather_len[keep];
}

/* relaxed_squeeze of p[0, 32): the block with its HTABs made SP, and in
 * *keep a bit for each of its bytes that stays. Reads p[0, 34). */
static AVX2 __m256i
squeeze32(const uint8_t *p, uint32_t *keep)
{
    const __m256i sp = _mm256_set1_epi8(' '), tab = _mm256_set1_epi8('\t');
    __m256i       v = load(p), v1 = load(p + 1), v2 = load(p + 2);
    __m256i       t = _mm256_cmpeq_epi8(v, tab), ws = _mm256_or_si256(_mm256_cmpeq_epi8(v, sp), t);
    __m256i       ws1 = _mm256_or_si256(_mm256_cmpeq_epi8(v1, sp), _mm256_cmpeq_epi8(v1, tab));
    __m256i       crlf = _mm256_and_si256(_mm256_cmpeq_epi8(v1, _mm256_set1_epi8('\r')),
                                          _mm256_cmpeq_epi8(v2, _mm256_set1_epi8('\n')));
    *keep = ~bits(_mm256_and_si256(ws, _mm256_or_si256(ws1, crlf)));
    /* HTAB (0x09) xor 0x29 is SP (0x20) */
    return _mm256_xor_si256(v, _mm256_and_si256(t, _mm256_set1_epi8(0x29)));
}

/* The bytes of x whose bit is set in keep, to o + w, in four groups of 8. */
static AVX2 size_t
gather32(uint8_t *o, size_t w, __m256i x, uint32_t keep)
{
    __m128i lo = _mm256_castsi256_si128(x), hi = _mm256_extracti128_si256(x, 1);
    w = gather8(o, w, lo, keep & 0xffu);
    w = gather8(o, w, _mm_srli_si128(lo, 8), keep >> 8 & 0xffu);
    w = gather8(o, w, hi, keep >> 16 & 0xffu);
    return gather8(o, w, _mm_srli_si128(hi, 8), keep >> 24);
}

/* relaxed_squeeze 64 bytes a step: stored as they are when nothing goes
 * (a base64 or a clean stretch of text), else gathered with pshufb. One
 * branch per 64 bytes: in prose it goes either way too often to predict,
 * and a branch per 32 bytes mispredicted costs more than gathering. */
static AVX2 size_t
relaxed_squeeze(uint8_t *o, const uint8_t *p, size_t n)
{
    size_t k = 0, w = 0;
    for (; k + 64 <= n; k += 64) {
        uint32_t k0, k1;
        __m256i  a = squeeze32(p + k, &k0), b = squeeze32(p + k + 32, &k1);
        if ((k0 & k1) == 0xffffffffu) {
            _mm256_storeu_si256((__m256i *)(void *)(o + w), a);
            _mm256_storeu_si256((__m256i *)(void *)(o + w + 32), b);
            w += 64;
        } else {
            w = gather32(o, gather32(o, w, a, k0), b, k1);
        }
    }
    return w + mailauth__scan_sse2_relaxed_squeeze(o + w, p + k, n - k);
}

static AVX2 size_t
bare_lf(const uint8_t *p, size_t n, bool prev_cr)
{
    const __m256i lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
    size_t        i = 1;
    if (n == 0 || (p[0] == '\n' && !prev_cr))
        return 0;
    /* 64 bytes a step, one branch for both halves: nearly every block of
     * mail has no bare LF. p[i - 1] is the byte before each. */
    for (; i + 64 <= n; i += 64) {
        __m256i a = _mm256_andnot_si256(_mm256_cmpeq_epi8(load(p + i - 1), cr),
                                        _mm256_cmpeq_epi8(load(p + i), lf));
        __m256i b = _mm256_andnot_si256(_mm256_cmpeq_epi8(load(p + i + 31), cr),
                                        _mm256_cmpeq_epi8(load(p + i + 32), lf));
        if (bits(_mm256_or_si256(a, b)) != 0) {
            uint32_t m = bits(a);
            return i + (m != 0 ? (size_t)__builtin_ctz(m) : 32 + (size_t)__builtin_ctz(bits(b)));
        }
    }
    for (; i + 32 <= n; i += 32) {
        uint32_t m = bits(_mm256_andnot_si256(_mm256_cmpeq_epi8(load(p + i - 1), cr),
                                              _mm256_cmpeq_epi8(load(p + i), lf)));
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
    return i + mailauth__scan_sse2_bare_lf(p + i, n - i, p[i - 1] == '\r');
}

/* lf_to_crlf as in scan_sse2.c, 32 bytes a step: each store from a bare LF
 * on reads p[k + j, k + j + 32), so the loop stops 64 bytes before the
 * end; writes stay inside 2 * n (o[w, w + 96) with w <= 2 * k). */
static AVX2 size_t
lf_to_crlf(uint8_t *o, const uint8_t *p, size_t n, bool prev_cr)
{
    const __m256i lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
    size_t        k = 1, w;
    if (n == 0)
        return 0;
    w = mailauth__scan_scalar_lf_to_crlf(o, p, 1, prev_cr);
    for (; k + 64 <= n; k += 32) {
        uint32_t m = bits(_mm256_andnot_si256(_mm256_cmpeq_epi8(load(p + k - 1), cr),
                                              _mm256_cmpeq_epi8(load(p + k), lf)));
        size_t   extra = 0;
        _mm256_storeu_si256((__m256i *)(void *)(o + w), load(p + k));
        while (m != 0) {
            unsigned j = (unsigned)__builtin_ctz(m);
            o[w + j + extra++] = '\r';
            _mm256_storeu_si256((__m256i *)(void *)(o + w + j + extra), load(p + k + j));
            m &= m - 1;
        }
        w += 32 + extra;
    }
    return w + mailauth__scan_sse2_lf_to_crlf(o + w, p + k, n - k, p[k - 1] == '\r');
}

/* ---- AVX-512 (BW and VBMI2): relaxed_squeeze 64 bytes a step ----
 *
 * The byte compress of VBMI2 takes out the dropped bytes of a block in one
 * instruction, so no block needs a branch or a table. The compress goes
 * to a register and the whole block is stored (compressing straight to
 * memory is slow on some CPUs); the bytes past what is counted are
 * overwritten by the next block. */
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))

static AVX512 size_t
relaxed_squeeze512(uint8_t *o, const uint8_t *p, size_t n)
{
    const __m512i sp = _mm512_set1_epi8(' '), tab = _mm512_set1_epi8('\t');
    const __m512i cr = _mm512_set1_epi8('\r'), lf = _mm512_set1_epi8('\n');
    size_t        k = 0, w = 0;
    for (; k + 64 <= n; k += 64) { /* reads p[k, k + 66) */
        __m512i   v = _mm512_loadu_si512((const void *)(p + k));
        __m512i   v1 = _mm512_loadu_si512((const void *)(p + k + 1));
        __m512i   v2 = _mm512_loadu_si512((const void *)(p + k + 2));
        __mmask64 t = _mm512_cmpeq_epi8_mask(v, tab);
        __mmask64 ws = _mm512_cmpeq_epi8_mask(v, sp) | t;
        __mmask64 ws1 = _mm512_cmpeq_epi8_mask(v1, sp) | _mm512_cmpeq_epi8_mask(v1, tab);
        __mmask64 crlf = _mm512_cmpeq_epi8_mask(v1, cr) & _mm512_cmpeq_epi8_mask(v2, lf);
        __mmask64 keep = ~(ws & (ws1 | crlf));
        __m512i   out = _mm512_maskz_compress_epi8(keep, _mm512_mask_mov_epi8(v, t, sp));
        _mm512_storeu_si512((void *)(o + w), out);
        w += (size_t)__builtin_popcountll(keep);
    }
    return w + relaxed_squeeze(o + w, p + k, n - k);
}

/* lf_to_crlf 64 bytes a step. Each input byte of a 32-byte half gets two
 * output slots, the even one for a CR (used when the byte is a bare LF)
 * and the odd one for the byte itself: a bit deposit marks the CR slots in
 * use, a bit extract of the odd slots over the slots in use gives the
 * output positions of the input bytes, and the byte expand of VBMI2 puts
 * them there with CRs in the gaps. No branch on the data. (BMI2's deposit
 * and extract are single fast instructions on every CPU with VBMI2.) */
#define AVX512L __attribute__((target("avx512f,avx512bw,avx512vbmi2,bmi2,popcnt")))

static AVX512L size_t
expand_half(uint8_t *o, __m512i v, uint32_t bare, __m512i cr)
{
    const uint64_t odd = 0xAAAAAAAAAAAAAAAAu;
    uint64_t       used = odd | _pdep_u64(bare, 0x5555555555555555u);
    __mmask64      bytes = _pext_u64(odd, used);
    _mm512_storeu_si512((void *)o, _mm512_mask_expand_epi8(cr, bytes, v));
    return 32 + (size_t)__builtin_popcount(bare);
}

/* Reads p[k - 1, k + 64); the two stores of a step write o[w, w + 64)
 * with w <= 2 * (k + 32), inside the 2 * n bytes of o since k + 64 <= n. */
static AVX512L size_t
lf_to_crlf512(uint8_t *o, const uint8_t *p, size_t n, bool prev_cr)
{
    const __m512i lf = _mm512_set1_epi8('\n'), cr = _mm512_set1_epi8('\r');
    size_t        k = 1, w;
    if (n == 0)
        return 0;
    w = mailauth__scan_scalar_lf_to_crlf(o, p, 1, prev_cr);
    for (; k + 64 <= n; k += 64) {
        __m512i   v = _mm512_loadu_si512((const void *)(p + k));
        __m512i   before = _mm512_loadu_si512((const void *)(p + k - 1));
        __mmask64 bare = _mm512_cmpeq_epi8_mask(v, lf) & ~_mm512_cmpeq_epi8_mask(before, cr);
        w += expand_half(o + w, v, (uint32_t)bare, cr);
        w += expand_half(o + w, _mm512_shuffle_i64x2(v, v, 0xEE), (uint32_t)(bare >> 32), cr);
    }
    return w + lf_to_crlf(o + w, p + k, n - k, p[k - 1] == '\r');
}

/* b64_quads 32 characters a step: each byte classified by range (all
 * below 0x80, so signed compares do), offset to its 6-bit value, and
 * four values packed into 3 bytes by two multiply-adds (v0 * 64 + v1,
 * then hi * 4096 + lo); a block with anything else is left to the scalar
 * groups. The two 16-byte stores write 4 bytes past the block's 24: 8
 * characters more must follow, so that o has room for them. */
static AVX2 size_t
b64_quads(uint8_t *o, const uint8_t *p, size_t n)
{
    const __m256i pair = _mm256_set1_epi32(0x01400140), quad = _mm256_set1_epi32(0x00011000);
    const __m256i order = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                           2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    size_t        i = 0, w = 0;
    for (; i + 40 <= n; i += 32, w += 24) {
        __m256i c = load(p + i);
        __m256i up = _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8('A' - 1)),
                                      _mm256_cmpgt_epi8(_mm256_set1_epi8('Z' + 1), c));
        __m256i lo = _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8('a' - 1)),
                                      _mm256_cmpgt_epi8(_mm256_set1_epi8('z' + 1), c));
        __m256i dg = _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8('0' - 1)),
                                      _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), c));
        __m256i pl = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('+'));
        __m256i sl = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('/'));
        __m256i off, v, b;
        if (bits(_mm256_or_si256(_mm256_or_si256(up, lo),
                                 _mm256_or_si256(dg, _mm256_or_si256(pl, sl)))) != 0xffffffffu)
            break;
        off = _mm256_or_si256(
            _mm256_or_si256(_mm256_and_si256(up, _mm256_set1_epi8(-'A')),
                            _mm256_and_si256(lo, _mm256_set1_epi8(26 - 'a'))),
            _mm256_or_si256(_mm256_and_si256(dg, _mm256_set1_epi8(52 - '0')),
                            _mm256_or_si256(_mm256_and_si256(pl, _mm256_set1_epi8(62 - '+')),
                                            _mm256_and_si256(sl, _mm256_set1_epi8(63 - '/')))));
        v = _mm256_add_epi8(c, off);
        b = _mm256_shuffle_epi8(_mm256_madd_epi16(_mm256_maddubs_epi16(v, pair), quad), order);
        _mm_storeu_si128((__m128i *)(void *)(o + w), _mm256_castsi256_si128(b));
        _mm_storeu_si128((__m128i *)(void *)(o + w + 12), _mm256_extracti128_si256(b, 1));
    }
    return i + mailauth__scan_scalar_b64_quads(o + w, p + i, n - i);
}

/* bare_lf 64 bytes a step into mask registers: two compares and a test. */
static AVX512 size_t
bare_lf512(const uint8_t *p, size_t n, bool prev_cr)
{
    const __m512i lf = _mm512_set1_epi8('\n'), cr = _mm512_set1_epi8('\r');
    size_t        i = 1;
    if (n == 0 || (p[0] == '\n' && !prev_cr))
        return 0;
    for (; i + 64 <= n; i += 64) { /* p[i - 1] is the byte before each */
        __mmask64 m = _mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void *)(p + i)), lf) &
                      ~_mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void *)(p + i - 1)), cr);
        if (m != 0)
            return i + (size_t)__builtin_ctzll(m);
    }
    return i + bare_lf(p + i, n - i, p[i - 1] == '\r');
}

const mailauth__scan_ops_t mailauth__scan_avx512_ops = {
    .name = "avx512",
    .relaxed_squeeze = relaxed_squeeze512,
    .header_plain = mailauth__scan_sse2_header_plain,
    .bare_lf = bare_lf512,
    .lf_to_crlf = lf_to_crlf512,
    .valchar_run = mailauth__scan_sse2_valchar_run,
    .copy_nows = mailauth__scan_sse2_copy_nows,
    .b64_quads = b64_quads,
};

const mailauth__scan_ops_t mailauth__scan_avx2_ops = {
    .name = "avx2",
    .relaxed_squeeze = relaxed_squeeze,
    .header_plain = mailauth__scan_sse2_header_plain,
    .bare_lf = bare_lf,
    .lf_to_crlf = lf_to_crlf,
    .valchar_run = mailauth__scan_sse2_valchar_run,
    .copy_nows = mailauth__scan_sse2_copy_nows,
    .b64_quads = b64_quads,
};
#endif
