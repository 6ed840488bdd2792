/* DKIM body canonicalization (RFC 6376 §3.4.3 simple, §3.4.4 relaxed),
 * streaming and fused with hashing.
 *
 * Most canonical output is the input itself. A chunk is cut into
 *   - a head: bytes that settle what the previous chunk left pending (a CR
 *     that may start a CRLF, a WSP run whose fate depends on what follows);
 *   - a middle that ends in a byte which is neither WSP, CR nor LF, so every
 *     decision inside it can be made from the chunk alone: simple emits it
 *     as is, relaxed emits it in runs between the few places that change;
 *   - a tail of WSP/CR/LF bytes, walked byte by byte, whose CRLFs (possible
 *     trailing empty lines) and WSP run are held back.
 * Output goes through a staging buffer so the hash sees large blocks
 * (SHA-256 is markedly cheaper per byte on big updates than on lines), and
 * only the first `limit` canonical bytes (l=, §3.5) reach the hash while
 * the whole canonical length keeps being counted. */
#include "canon/canon.h"

#include <string.h>

#include "util/alloc.h"
#include "util/scan.h"

/* 8 KiB: SHA-256 is already at its large-block speed there, and staging
 * plus a 64 KiB input chunk stay closer to L1 than with 16 or 32 KiB
 * (bench/bench_canon.c measured 8 KiB best, by a little). */
#define STAGE_CAP 8192u

struct mailauth__body_canon {
    const mailauth_allocator_t *al;
    mailauth__hash_t           *h;
    uint64_t                    limit;
    uint64_t                    len;  /* canonical bytes produced, not cut by limit */
    uint64_t                    crlf; /* CRLFs held back: they may be trailing empty lines */
    const mailauth__scan_ops_t *scan;
    mailauth__canon_t           canon;
    bool                        cr;      /* last byte was a CR that may start a CRLF */
    bool                        wsp;     /* relaxed: a WSP run is held back */
    bool                        content; /* relaxed: some non-empty line was produced */
    bool                        ended;
    size_t                      stage_len;
    uint8_t                    *stage; /* the caller's stack, during feed() and end() only */
};

#define CRLF4 "\r\n\r\n\r\n\r\n"
#define CRLF32 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4
static const uint8_t crlfs[] = CRLF32;

/* Hand n canonical bytes to the hash, cut at the limit; count them all. */
static void
hash_out(mailauth__body_canon_t *bc, const uint8_t *p, size_t n)
{
    if (bc->len < bc->limit) {
        uint64_t room = bc->limit - bc->len;
        mailauth__hash_update(bc->h, p, n < room ? n : (size_t)room);
    }
    bc->len += n;
}

static void
flush(mailauth__body_canon_t *bc)
{
    hash_out(bc, bc->stage, bc->stage_len);
    bc->stage_len = 0;
}

/* Produce n canonical bytes: staged, or straight to the hash if large. */
static void
emit(mailauth__body_canon_t *bc, const uint8_t *p, size_t n)
{
    if (n > STAGE_CAP - bc->stage_len) {
        flush(bc);
        if (n >= STAGE_CAP) {
            hash_out(bc, p, n);
            return;
        }
    }
    memcpy(bc->stage + bc->stage_len, p, n);
    bc->stage_len += n;
}

static void
emit_byte(mailauth__body_canon_t *bc, uint8_t c)
{
    if (bc->stage_len == STAGE_CAP)
        flush(bc);
    bc->stage[bc->stage_len++] = c;
}

/* The held-back empty lines were not trailing after all. */
static void
flush_crlf(mailauth__body_canon_t *bc)
{
    while (bc->crlf > 0) {
        uint64_t k = bc->crlf < sizeof(crlfs) / 2 ? bc->crlf : sizeof(crlfs) / 2;
        emit(bc, crlfs, (size_t)(2 * k));
        bc->crlf -= k;
    }
}

/* A byte that ends a possible run of empty lines; in relaxed mode a held
 * WSP run before it was inside a line, so it becomes one SP (§3.4.4 a). */
static void
put_content(mailauth__body_canon_t *bc, uint8_t c)
{
    flush_crlf(bc);
    if (bc->wsp) {
        emit_byte(bc, ' ');
        bc->wsp = false;
    }
    emit_byte(bc, c);
    bc->content = true;
}

/* One byte, for heads and tails. Input is CRLF-normalized, so a bare CR or
 * LF is an ordinary byte; only CR LF ends a line. */
static void
slow_byte(mailauth__body_canon_t *bc, uint8_t c)
{
    if (bc->cr) {
        bc->cr = false;
        if (c == '\n') {
            bc->wsp = false; /* §3.4.4 a: WSP at the end of a line is ignored */
            bc->crlf++;
            return;
        }
        put_content(bc, '\r');
    }
    if (c == '\r') {
        bc->cr = true;
        return;
    }
    if (bc->canon == MAILAUTH__CANON_RELAXED && (c == ' ' || c == '\t')) {
        bc->wsp = true;
        return;
    }
    put_content(bc, c);
}

/* ---- relaxed middle: copy on, fix up only where the output differs ----
 *
 * A special byte is an HTAB, or an SP followed by SP, HTAB, CR (or another
 * control byte: a harmless false positive, rewritten as the SP it is). A
 * lone SP between two other bytes, by far the most common WSP, is not
 * special. The scanner (util/scan.h: 16 or 32 bytes a step where the CPU
 * can) marks the special bytes and the WSP bytes of a window of the middle
 * in two bitmaps, one call per window. Most text has a byte to rewrite
 * every few hundred bytes (a trailing blank, a double space, a tab): the
 * clean stretch up to the next special byte is handed on in one piece, and
 * the block of BLOCK bytes that starts there is stored and fixed up by
 * block_fix(). No call per block: the window's bits are read in line. */

#define BLOCK 16u
/* Bytes marked per scanner call: the walk reads them while the scan has
 * just brought them into the cache, and so does the hash soon after. */
#define WINDOW 4096u
#define WINDOW_WORDS (WINDOW / 64)

struct marks {
    size_t   base, end; /* the marked window is p[base, end) */
    bool     any;       /* a special byte in it */
    uint64_t special[WINDOW_WORDS + 1];
    uint64_t wsp[WINDOW_WORDS + 1]; /* each with a 0 word after the window's last */
};

static unsigned
ctz32(unsigned x)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(x);
#else
    unsigned k = 0;
    while (!(x & 1u)) {
        x >>= 1;
        k++;
    }
    return k;
#endif
}

static unsigned
ctz64(uint64_t x)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(x);
#else
    unsigned k = 0;
    while (!(x & 1u)) {
        x >>= 1;
        k++;
    }
    return k;
#endif
}

/* Mark the window that starts at p[i]: up to WINDOW bytes, but not the
 * middle's last byte (never special), as the scanner reads one byte on. */
static void
mark_window(const mailauth__scan_ops_t *scan, struct marks *mk, const uint8_t *p, size_t i,
            size_t n)
{
    size_t len = n - 1 - i < WINDOW ? n - 1 - i : WINDOW;
    mk->any = scan->body_marks(p + i, len, mk->special, mk->wsp);
    mk->special[(len + 63) / 64] = 0;
    mk->wsp[(len + 63) / 64] = 0;
    mk->base = i;
    mk->end = i + len;
}

/* Bits r to r + 15 of a window's bitmap (r + 16 <= its length), without a
 * branch on whether they straddle two words. */
static unsigned
bits16(const uint64_t *w, size_t r)
{
    uint64_t lo = w[r / 64] >> (r % 64), hi = w[r / 64 + 1] << 1 << (63 - r % 64);
    return (unsigned)((lo | hi) & 0xffffu);
}

/* Offset in the window of its first special byte at or after r; the
 * window's length when there is none. */
static size_t
next_special(const struct marks *mk, size_t r)
{
    size_t   len = mk->end - mk->base, q = r / 64;
    uint64_t x;
    if (!mk->any)
        return len;
    x = mk->special[q] >> (r % 64) << (r % 64);
    while (x == 0) {
        if (++q * 64 >= len)
            return len;
        x = mk->special[q];
    }
    return q * 64 + ctz64(x);
}

/* SP unless the WSP run ending before p[e] ends its line (§3.4.4 a: WSP at
 * the end of a line is ignored; a WSP run inside a line becomes one SP).
 * Reads p[e + 1] whatever p[e] is (no branch): only for e <= BLOCK. */
static size_t
put_run(uint8_t *out, size_t w, const uint8_t *p, size_t e)
{
    out[w] = ' ';
    return w + !((p[e] == '\r') & (p[e + 1] == '\n'));
}

/* A block whose specials are bits of m (its WSP bytes, bits of wsp),
 * already stored at out + *o: rewrite its output from there. Returns how
 * far the input moved: BLOCK, or more when the last WSP run goes on past
 * the block. Reads p[0, 2 * BLOCK); writes out[*o, *o + 2 * BLOCK). */
static size_t
block_fix(uint8_t *out, size_t *o, const uint8_t *p, unsigned m, unsigned wsp)
{
    unsigned pos = 0; /* p[0, pos) is placed */
    size_t   w = *o;
    unsigned k = ctz32(m), e = k + ctz32(~(wsp >> k));
    if (e < BLOCK && (m >> e) == 0) {
        /* The usual case, one run inside the block: no loop, no branch on
         * the run's fate (this code runs too seldom to train a predictor). */
        w = put_run(out, w + k, p, e);
        memcpy(out + w, p + e, BLOCK);
        *o = w + BLOCK - e;
        return BLOCK;
    }
    while (m != 0) {
        k = ctz32(m);
        if (pos > 0) /* the bytes since the last run, moved to close the gap */
            memcpy(out + w, p + pos, BLOCK);
        w += k - pos;
        e = k + ctz32(~(wsp >> k)); /* end of the run, as far as the block shows */
        if (e == BLOCK && (p[e] == ' ' || p[e] == '\t')) {
            size_t j = e;
            while (p[j] == ' ' || p[j] == '\t')
                j++;      /* stops before the end of the middle */
            out[w] = ' '; /* as put_run(), but p[j] may be the last byte */
            *o = w + !(p[j] == '\r' && p[j + 1] == '\n');
            return j;
        }
        w = put_run(out, w, p, e);
        pos = e;
        m &= e < BLOCK ? ~0u << e : 0u; /* bits inside the run are done */
    }
    memcpy(out + w, p + pos, BLOCK);
    *o = w + BLOCK - pos;
    return BLOCK;
}

/* p[0, n) ends in a byte that is not WSP, CR or LF, and nothing is pending
 * but empty lines; so every WSP run in it is followed by a known byte.
 * The loop keeps the staging position in a local: through bc it would be
 * reloaded after every store into the stage (a char store may alias it). */
static void
relaxed_middle(mailauth__body_canon_t *bc, const uint8_t *p, size_t n)
{
    struct marks mk;
    uint8_t     *out = bc->stage;
    size_t       i = 0, o;
    flush_crlf(bc);
    bc->content = true;
    o = bc->stage_len;
    mk.base = mk.end = 0;
    while (i + (size_t)2 * BLOCK <= n) {
        unsigned m;
        if (i + BLOCK > mk.end)
            mark_window(bc->scan, &mk, p, i, n);
        if (STAGE_CAP - o < (size_t)2 * BLOCK) {
            bc->stage_len = o;
            flush(bc);
            o = 0;
        }
        m = bits16(mk.special, i - mk.base);
        if (m == 0) { /* clean up to the next special byte or the window's end */
            size_t k = mk.base + next_special(&mk, i - mk.base) - i;
            if (k <= (size_t)2 * BLOCK) { /* short: two whole blocks, no call */
                memcpy(out + o, p + i, (size_t)2 * BLOCK);
                o += k;
            } else {
                bc->stage_len = o;
                emit(bc, p + i, k);
                o = bc->stage_len;
            }
            i += k;
        } else {
            memcpy(out + o, p + i, BLOCK);
            i += block_fix(out, &o, p + i, m, bits16(mk.wsp, i - mk.base));
        }
    }
    bc->stage_len = o;
    while (i < n) {
        if (p[i] == '\t' || (p[i] == ' ' && p[i + 1] <= 0x20)) {
            size_t j = i + 1;
            while (p[j] == ' ' || p[j] == '\t')
                j++;
            if (!(p[j] == '\r' && p[j + 1] == '\n'))
                emit_byte(bc, ' '); /* §3.4.4 a, as in put_run() */
            i = j;
        } else {
            emit_byte(bc, p[i++]);
        }
    }
}

static bool
is_tail_byte(mailauth__canon_t canon, uint8_t c)
{
    return c == '\r' || c == '\n' || (canon == MAILAUTH__CANON_RELAXED && (c == ' ' || c == '\t'));
}

static void
feed(mailauth__body_canon_t *bc, const uint8_t *p, size_t n)
{
    size_t i = 0, e = n;
    while (i < n && (bc->cr || bc->wsp))
        slow_byte(bc, p[i++]);
    while (e > i && is_tail_byte(bc->canon, p[e - 1]))
        e--;
    if (e > i) {
        if (bc->canon == MAILAUTH__CANON_RELAXED) {
            relaxed_middle(bc, p + i, e - i);
        } else {
            flush_crlf(bc); /* §3.4.3: simple changes nothing but trailing CRLFs */
            emit(bc, p + i, e - i);
        }
    }
    for (i = e; i < n; i++)
        slow_byte(bc, p[i]);
}

mailauth_status_t
mailauth__body_canon_new(const mailauth_allocator_t *al, mailauth__canon_t canon,
                         mailauth__hash_alg_t alg, uint64_t limit, mailauth__body_canon_t **out)
{
    return mailauth__body_canon_new_kit(al, NULL, canon, alg, limit, out);
}

mailauth_status_t
mailauth__body_canon_new_kit(const mailauth_allocator_t *al, const mailauth__hash_kit_t *kit,
                             mailauth__canon_t canon, mailauth__hash_alg_t alg, uint64_t limit,
                             mailauth__body_canon_t **out)
{
    mailauth__body_canon_t *bc = NULL;
    mailauth_status_t       st = MAILAUTH_ENOMEM;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || (canon != MAILAUTH__CANON_SIMPLE && canon != MAILAUTH__CANON_RELAXED))
        return MAILAUTH_EINVAL;
    bc = mailauth__malloc(al, sizeof(*bc));
    if (bc == NULL)
        goto fail;
    memset(bc, 0, sizeof(*bc));
    bc->al = al;
    bc->scan = mailauth__scan();
    bc->canon = canon;
    bc->limit = limit;
    st = mailauth__hash_new_kit(al, kit, alg, &bc->h);
    if (st != MAILAUTH_OK)
        goto fail;
    *out = bc;
    return MAILAUTH_OK;
fail:
    mailauth__body_canon_free(bc);
    return st;
}

mailauth_status_t
mailauth__body_canon_feed(mailauth__body_canon_t *bc, const void *p, size_t n)
{
    if (bc == NULL || (p == NULL && n > 0))
        return MAILAUTH_EINVAL;
    if (bc->ended)
        return MAILAUTH_ESTATE;
    if (n > 0) {
        /* The stage lives on the stack for this call and is emptied before
         * it returns: a canonicalizer held while the body streams keeps no
         * buffer (one call's extra hash update is all it costs). */
        uint8_t stage[STAGE_CAP];
        bc->stage = stage;
        feed(bc, p, n);
        flush(bc);
        bc->stage = NULL;
    }
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__body_canon_end(mailauth__body_canon_t *bc, uint8_t *out, uint64_t *canon_len)
{
    mailauth_status_t st;
    uint8_t           stage[STAGE_CAP];
    if (canon_len != NULL)
        *canon_len = 0;
    if (bc == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    if (bc->ended)
        return MAILAUTH_ESTATE;
    bc->ended = true;
    bc->stage = stage;
    if (bc->cr) { /* a CR at the very end is an ordinary byte */
        bc->cr = false;
        put_content(bc, '\r');
    }
    bc->wsp = false; /* §3.4.4 a: WSP at the end of the last line is ignored */
    /* §3.4.3: "*CRLF" at the end becomes one CRLF, and an empty body or one
     * without a final CRLF gets one. §3.4.4 b: trailing empty lines are
     * ignored and a CRLF is added only if the body is non-empty, so a body
     * of empty (or WSP-only) lines canonicalizes to nothing. */
    bc->crlf = 0;
    if (bc->canon == MAILAUTH__CANON_SIMPLE || bc->content)
        emit(bc, crlfs, 2);
    flush(bc);
    bc->stage = NULL;
    st = mailauth__hash_final(bc->h, out);
    if (canon_len != NULL)
        *canon_len = bc->len;
    return st;
}

void
mailauth__body_canon_free(mailauth__body_canon_t *bc)
{
    if (bc == NULL)
        return;
    mailauth__hash_free(bc->h);
    mailauth__free(bc->al, bc);
}
