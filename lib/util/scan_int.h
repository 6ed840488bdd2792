/* Internal to lib/util/scan*.c: the variant tables, and the scanners one
 * variant borrows from another (the scalar ones finish the bytes left
 * after the last whole block; the AVX2 table keeps the SSE2 scanners of
 * short inputs). */
#ifndef MAILAUTH__SCAN_INT_H
#define MAILAUTH__SCAN_INT_H

#include "util/scan.h"

/* -DMAILAUTH_SIMD=OFF leaves every variant but the scalar one out (CMake
 * defines MAILAUTH_NO_SIMD and compiles none of their files). SWAR is
 * portable C; the x86 variants need GCC or clang (target attributes, the
 * CPU check). */
#if !defined(MAILAUTH_NO_SIMD)
#define MAILAUTH__SCAN_SWAR 1
#else
#define MAILAUTH__SCAN_SWAR 0
#endif
#if !defined(MAILAUTH_NO_SIMD) && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define MAILAUTH__SCAN_X86 1
#else
#define MAILAUTH__SCAN_X86 0
#endif

extern const mailauth__scan_ops_t mailauth__scan_scalar_ops;
#if MAILAUTH__SCAN_SWAR
extern const mailauth__scan_ops_t mailauth__scan_swar_ops;
#endif

size_t mailauth__scan_scalar_relaxed_squeeze(uint8_t *o, const uint8_t *p, size_t n);
size_t mailauth__scan_scalar_header_plain(uint8_t *o, const uint8_t *p, size_t n);
size_t mailauth__scan_scalar_bare_lf(const uint8_t *p, size_t n, bool prev_cr);
size_t mailauth__scan_scalar_lf_to_crlf(uint8_t *o, const uint8_t *p, size_t n, bool prev_cr);
size_t mailauth__scan_scalar_valchar_run(const uint8_t *p, size_t n);
size_t mailauth__scan_scalar_copy_nows(uint8_t *o, const uint8_t *p, size_t n);
size_t mailauth__scan_scalar_b64_quads(uint8_t *o, const uint8_t *p, size_t n);

#if MAILAUTH__SCAN_X86
extern const mailauth__scan_ops_t mailauth__scan_sse2_ops;
extern const mailauth__scan_ops_t mailauth__scan_avx2_ops;
extern const mailauth__scan_ops_t mailauth__scan_avx512_ops;

size_t mailauth__scan_sse2_relaxed_squeeze(uint8_t *o, const uint8_t *p, size_t n);
size_t mailauth__scan_sse2_header_plain(uint8_t *o, const uint8_t *p, size_t n);
size_t mailauth__scan_sse2_bare_lf(const uint8_t *p, size_t n, bool prev_cr);
size_t mailauth__scan_sse2_lf_to_crlf(uint8_t *o, const uint8_t *p, size_t n, bool prev_cr);
size_t mailauth__scan_sse2_valchar_run(const uint8_t *p, size_t n);
size_t mailauth__scan_sse2_copy_nows(uint8_t *o, const uint8_t *p, size_t n);
/* Fills the AVX2 table's lookup tables; once, before it is chosen. */
void mailauth__scan_avx2_prepare(void);
#endif

#endif
