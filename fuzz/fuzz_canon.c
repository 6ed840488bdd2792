/* Fuzz target: DKIM canonicalization (lib/canon).
 *
 * Input: three control bytes, then the body (also used as a header field).
 *   c0: bits 0-1 pick l= (none, 0, c1 * 7, half the canonical length);
 *   c1, c2: chunk sizes (1 + c1, 1 + c2 % 17, 1, cycled).
 * Invariants (abort() on violation), for simple and relaxed:
 *  - the body fed whole, fed in those chunks, and fed one byte at a time
 *    give the same SHA-256 digest and canonical length, and both equal the
 *    hash of a naive transcription of RFC 6376 §3.4.3/§3.4.4;
 *  - SHA-1 agrees with the naive text too;
 *  - canonicalization is idempotent: the canonical text canonicalizes to
 *    itself;
 *  - a header field: mailauth__canon_header() hashes exactly
 *    mailauth__canon_header_text(); mailauth__canon_header_sig() with a cut
 *    [c1, c1 + c2) hashes the text of the field with those bytes removed,
 *    minus the CRLF.
 * No leak, no sanitizer report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon/canon.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
    if (!ok)
        abort();
}

/* ---- naive reference, line by line ---- */

static size_t
ref_line(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t o = 0;
    int    prev = 0;
    for (size_t i = 0; i < n; i++) {
        int wsp = in[i] == ' ' || in[i] == '\t';
        if (!(wsp && prev))
            out[o++] = wsp ? ' ' : in[i];
        prev = wsp;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    return o;
}

/* Canonical body into out (capacity n + 2). */
static size_t
ref_canon(mailauth__canon_t canon, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t o = 0, i = 0;
    if (canon == MAILAUTH__CANON_SIMPLE) {
        if (n > 0)
            memcpy(out, in, n);
        o = n;
    }
    while (canon == MAILAUTH__CANON_RELAXED && i < n) {
        size_t eol = i;
        while (eol < n && !(in[eol] == '\r' && eol + 1 < n && in[eol + 1] == '\n'))
            eol++;
        o += ref_line(in + i, eol - i, out + o);
        if (eol < n) {
            out[o++] = '\r';
            out[o++] = '\n';
            eol += 2;
        }
        i = eol;
    }
    while (o >= 2 && out[o - 2] == '\r' && out[o - 1] == '\n')
        o -= 2;
    if (canon == MAILAUTH__CANON_SIMPLE || o > 0) {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    return o;
}

/* ---- body ---- */

static uint64_t
body_digest(mailauth__canon_t canon, mailauth__hash_alg_t alg, uint64_t limit, const uint8_t *p,
            size_t n, const size_t *steps, size_t nsteps, uint8_t *out)
{
    mailauth__body_canon_t *bc = NULL;
    uint64_t                len = 0;
    size_t                  k = 0;
    check(mailauth__body_canon_new(NULL, canon, alg, limit, &bc) == MAILAUTH_OK);
    for (size_t i = 0; i < n; k++) {
        size_t step = steps[k % nsteps];
        if (step > n - i)
            step = n - i;
        check(mailauth__body_canon_feed(bc, p + i, step) == MAILAUTH_OK);
        i += step;
    }
    check(mailauth__body_canon_end(bc, out, &len) == MAILAUTH_OK);
    mailauth__body_canon_free(bc);
    return len;
}

static void
check_body(mailauth__canon_t canon, const uint8_t *c, const uint8_t *p, size_t n, uint8_t *ref)
{
    size_t   rn = ref_canon(canon, p, n, ref);
    uint64_t limits[4] = {MAILAUTH__BODY_NO_LIMIT, 0, (uint64_t)c[1] * 7, rn / 2};
    uint64_t limit = limits[c[0] & 3];
    size_t   whole[1] = {n + 1}, chunks[3] = {1u + c[1], 1u + c[2] % 17u, 1}, one[1] = {1};
    uint8_t  want[32], got[32];
    check(mailauth__hash_once(MAILAUTH__HASH_SHA256, ref, limit < rn ? (size_t)limit : rn, want) ==
          MAILAUTH_OK);
    check(body_digest(canon, MAILAUTH__HASH_SHA256, limit, p, n, whole, 1, got) == rn);
    check(memcmp(got, want, 32) == 0);
    check(body_digest(canon, MAILAUTH__HASH_SHA256, limit, p, n, chunks, 3, got) == rn);
    check(memcmp(got, want, 32) == 0);
    check(body_digest(canon, MAILAUTH__HASH_SHA256, limit, p, n, one, 1, got) == rn);
    check(memcmp(got, want, 32) == 0);
    check(mailauth__hash_once(MAILAUTH__HASH_SHA1, ref, rn, want) == MAILAUTH_OK);
    check(body_digest(canon, MAILAUTH__HASH_SHA1, MAILAUTH__BODY_NO_LIMIT, p, n, chunks, 3, got) ==
          rn);
    check(memcmp(got, want, 20) == 0);
    /* Idempotent: the canonical text is its own canonical form. */
    check(mailauth__hash_once(MAILAUTH__HASH_SHA256, ref, rn, want) == MAILAUTH_OK);
    check(body_digest(canon, MAILAUTH__HASH_SHA256, MAILAUTH__BODY_NO_LIMIT, ref, rn, whole, 1,
                      got) == rn);
    check(memcmp(got, want, 32) == 0);
}

/* ---- header ---- */

static void
hash_text_of(mailauth__canon_t canon, const char *raw, size_t n, size_t drop, uint8_t *out)
{
    size_t need = 0;
    char  *buf = malloc(n + 3);
    check(buf != NULL);
    check(mailauth__canon_header_text(canon, raw, n, buf, n + 3, &need) == MAILAUTH_OK);
    check(need >= 2 && need <= n + 2 && buf[need - 2] == '\r' && buf[need - 1] == '\n');
    check(mailauth__hash_once(MAILAUTH__HASH_SHA256, buf, need - drop, out) == MAILAUTH_OK);
    free(buf);
}

static void
check_header(mailauth__canon_t canon, const uint8_t *c, const char *raw, size_t n)
{
    mailauth__hash_t *h = NULL;
    uint8_t           got[32], want[32];
    size_t            off = c[1] <= n ? c[1] : n;
    size_t            len = c[2] <= n - off ? c[2] : n - off;
    char             *cut = malloc(n + 1);
    check(cut != NULL);
    check(mailauth__hash_new(NULL, MAILAUTH__HASH_SHA256, &h) == MAILAUTH_OK);
    check(mailauth__canon_header(h, canon, raw, n) == MAILAUTH_OK);
    check(mailauth__hash_final(h, got) == MAILAUTH_OK);
    hash_text_of(canon, raw, n, 0, want);
    check(memcmp(got, want, 32) == 0);
    /* The signature form: the cut bytes gone, and no CRLF. */
    memcpy(cut, raw, off);
    memcpy(cut + off, raw + off + len, n - off - len);
    check(mailauth__canon_header_sig(h, canon, raw, n, off, len) == MAILAUTH_OK);
    check(mailauth__hash_final(h, got) == MAILAUTH_OK);
    hash_text_of(canon, cut, n - len, 2, want);
    check(memcmp(got, want, 32) == 0);
    mailauth__hash_free(h);
    free(cut);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t none[3] = {0, 0, 0};
    const uint8_t       *c = size >= 3 ? data : none;
    const uint8_t       *p = size >= 3 ? data + 3 : data;
    size_t               n = size >= 3 ? size - 3 : 0;
    uint8_t             *ref = malloc(n + 2);
    check(ref != NULL);
    for (int canon = 0; canon < 2; canon++) {
        check_body((mailauth__canon_t)canon, c, p, n, ref);
        check_header((mailauth__canon_t)canon, c, (const char *)p, n);
    }
    free(ref);
    return 0;
}
