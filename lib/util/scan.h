/* Internal: the byte scanners of the hot loops (body and header
 * canonicalization, the raw message splitter, tag lists), one table of
 * them per instruction set.
 *
 * scan_scalar.c is the reference, a byte at a time and written to be read;
 * scan_swar.c (8 bytes a step in portable C, for CPUs without SSE2),
 * scan_sse2.c and scan_avx2.c (16 and 32 bytes) give the same results
 * (tests/test_scan.c runs every variant the CPU can run against it). The
 * table is chosen once per process, on first use, from what the CPU
 * supports; built with -DMAILAUTH_SIMD=OFF there is only the scalar one and
 * no CPU check. The table is immutable, so any thread may use it.
 *
 * The scanners are exact: each result is defined below byte by byte, and
 * none reads outside the bytes it is given. Callers fetch the table once
 * per chunk, field or value, not per byte: the calls are indirect.
 */
#ifndef MAILAUTH__SCAN_H
#define MAILAUTH__SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mailauth__scan_ops {
    const char *name; /* "scalar", "swar", "sse2", "avx2", "avx512" */

    /* Relaxed body canonicalization (RFC 6376 §3.4.4 a) of text with
     * nothing pending: writes to o the bytes of p[0, n) in order, but not
     * an SP or HTAB followed by SP or HTAB or by CR LF, and each HTAB
     * written as an SP. So a WSP run inside a line becomes one SP (its
     * last byte) and a WSP run that ends a line goes. Decides p[k] from
     * p[k + 1] and p[k + 2]: reads p[0, n + 2). o has room for n bytes;
     * returns the number of bytes written (o past them is unspecified). */
    size_t (*relaxed_squeeze)(uint8_t *o, const uint8_t *p, size_t n);

    /* Relaxed header canonicalization (§3.4.2) inside a value: the length
     * of the longest prefix of p[0, n) whose bytes are each above 0x20, or
     * an SP followed, inside p[0, n), by a byte above 0x20 (text that stays
     * as it is); copies that prefix to o, and writes nothing else there. */
    size_t (*header_plain)(uint8_t *o, const uint8_t *p, size_t n);

    /* The raw message splitter (RFC 5322 §2.3: a line ends in CRLF): the
     * offset of the first bare LF of p[0, n), an LF whose previous byte is
     * not CR (for p[0]: not CR when prev_cr is false); n if there is none. */
    size_t (*bare_lf)(const uint8_t *p, size_t n, bool prev_cr);

    /* The same splitter's conversion of a body with bare LFs: copies
     * p[0, n) to o with a CR written before each bare LF (as bare_lf
     * defines it, prev_cr standing for the byte before p[0]). o has room
     * for 2 * n bytes; returns the number of bytes written (o past them is
     * unspecified). */
    size_t (*lf_to_crlf)(uint8_t *o, const uint8_t *p, size_t n, bool prev_cr);

    /* Tag lists (util/tagval.h): the length of the prefix of p[0, n) made
     * of VALCHARs (0x21-0x7e except ';', and 0x80-0xff). */
    size_t (*valchar_run)(const uint8_t *p, size_t n);

    /* Tag values such as b= and p= (RFC 6376 §3.5): copy p[0, n) to o
     * without its SP, HTAB, CR and LF bytes (o has room for n); returns
     * the number of bytes written. */
    size_t (*copy_nows)(uint8_t *o, const uint8_t *p, size_t n);

    /* Base64 (RFC 4648 §4) without whitespace, as b=, bh= and p= are once
     * their FWS is gone: decodes p[0, n) four characters at a time while
     * all four are of the alphabet, writing 3 bytes for each group to o
     * (room for n / 4 * 3 bytes); returns the characters taken, a multiple
     * of 4: up to the first group holding anything else ('=', FWS, junk)
     * or fewer than four characters. util/base64.c decides the rest. */
    size_t (*b64_quads)(uint8_t *o, const uint8_t *p, size_t n);
} mailauth__scan_ops_t;

/* The best table for this CPU, chosen on the first call (thread-safe). */
const mailauth__scan_ops_t *mailauth__scan(void);

/* For tests: the table called `name` ("scalar", "swar", "sse2", "avx2", "avx512")
 * if it is compiled in and this CPU can run it; NULL otherwise. */
const mailauth__scan_ops_t *mailauth__scan_variant(const char *name);

#endif
