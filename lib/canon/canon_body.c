/* DKIM body canonicalization (RFC 6376 §3.4.3 simple, §3.4.4 relaxed),
 * streaming and fused with hashing.
 *
 * Most canonical output is the input itself. A chunk is cut into
 *   - a head: bytes that settle what the previous chunk left pending (a CR
 *     that may start a CRLF, a WSP run whose fate depends on what follows);
 *   - a middle that ends in a byte which is neither WSP, CR nor LF, so every
 *     decision inside it can be made from the chunk alone: simple emits it
 *     as is, relaxed has the scanner write its canonical form into the
 *     staging buffer, a block at a time;
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

/* ---- relaxed middle ----
 *
 * Nearly every byte of text stays as it is; what changes is a WSP run
 * (HTAB, a double space after a full stop, blanks at the end of a line),
 * in real mail one every 50 to 100 bytes, too often and too irregular for
 * a branch per run to be cheap. The scanner (util/scan.h relaxed_squeeze:
 * 32 bytes a step where the CPU can) decides every byte from the two after
 * it and writes the canonical bytes straight into the stage, a whole block
 * at a time, so the hash gets the stage in large updates and no byte is
 * handled twice. */

/* p[0, n) ends in a byte that is not WSP, CR or LF, and nothing is pending
 * but empty lines; so every WSP run in it is followed by a known byte. The
 * scanner reads two bytes past what it decides: all but the last two bytes
 * go through it, and those two are settled here (the last is text; the one
 * before it, if WSP, is followed by text, so it is one SP, §3.4.4 a). */
static void
relaxed_middle(mailauth__body_canon_t *bc, const uint8_t *p, size_t n)
{
    size_t i = 0;
    flush_crlf(bc);
    bc->content = true;
    while (n > 2 && i < n - 2) {
        size_t room = STAGE_CAP - bc->stage_len, k;
        if (room < 512) {
            flush(bc);
            room = STAGE_CAP;
        }
        k = n - 2 - i < room ? n - 2 - i : room;
        bc->stage_len += bc->scan->relaxed_squeeze(bc->stage + bc->stage_len, p + i, k);
        i += k;
    }
    for (; i < n; i++)
        emit_byte(bc, p[i] == '\t' ? ' ' : p[i]);
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
