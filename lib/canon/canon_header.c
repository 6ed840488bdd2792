/* DKIM header field canonicalization (RFC 6376 §3.4.1 simple, §3.4.2
 * relaxed), into a hash or into a caller buffer. */
#include "canon/canon.h"

#include <string.h>

#include "util/scan.h"
#include "util/str.h"

/* Enough for the usual field in one hash update; the relaxed pass needs
 * room for 3 output bytes per input byte it takes. Where canonical bytes
 * go (mailauth__canon_sink_t): a hash (through the staging buffer, so the
 * byte-at-a-time relaxed walk does not call the hash per byte, and the
 * fields of one signature go to it in one or two updates) or a caller
 * buffer (counted past its end, for the needed size). */
#define SINK_STAGE MAILAUTH__CANON_STAGE
typedef mailauth__canon_sink_t sink_t;

static void
sink_flush(sink_t *s)
{
    if (s->h != NULL)
        mailauth__hash_update(s->h, s->stage, s->stage_len);
    s->stage_len = 0;
}

/* Buffer mode: copy what fits, count everything. */
static void
sink_put_buf(sink_t *s, const char *p, size_t n)
{
    if (s->len < s->cap)
        memcpy(s->buf + s->len, p, n < s->cap - s->len ? n : s->cap - s->len);
    s->len += n;
}

static void
sink_put(sink_t *s, const char *p, size_t n)
{
    if (s->h == NULL) {
        sink_put_buf(s, p, n);
        return;
    }
    s->len += n;
    if (n > SINK_STAGE - s->stage_len) {
        sink_flush(s);
        if (n >= SINK_STAGE) {
            mailauth__hash_update(s->h, p, n);
            return;
        }
    }
    memcpy(s->stage + s->stage_len, p, n);
    s->stage_len += n;
}

/* ---- relaxed (§3.4.2), written straight into the stage in one pass per
 * piece, so the field may come in pieces (the signature field with its b=
 * value cut out) ---- */

struct relax {
    bool in_name; /* before the first ':' */
    bool started; /* a byte of the current part (name, value) was produced */
    bool wsp;     /* a WSP run is held back */
    bool cr;      /* a CR is held back: with an LF after it, it is a fold */
};

/* Byte classes: everything but these four is copied (lower-cased in the name). */
enum { C_PLAIN = 0, C_WSP, C_CR, C_LF, C_COLON };
static const uint8_t relax_class[256] = {
    ['\t'] = C_WSP, [' '] = C_WSP, ['\r'] = C_CR, ['\n'] = C_LF, [':'] = C_COLON};

/* One content byte: a held WSP run becomes one SP, except at the start of
 * the name or of the value (deleted around the colon) and at the end
 * (deleted at end: relax_end() drops it). Field names are lower-cased,
 * values are not. Writes at most 2 bytes. */
static inline uint8_t *
relax_put(struct relax *r, uint8_t *o, uint8_t c)
{
    if (r->wsp && r->started)
        *o++ = ' ';
    r->wsp = false;
    r->started = true;
    *o++ = r->in_name && c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
    return o;
}

/* The common stretch of a value: content bytes, and lone SPs between
 * content bytes (kept as they are), copied until anything that needs the
 * state machine: a WSP run or a WSP before a line end, CR, LF, the end of
 * the piece. Only once the value has started (a SP before it is deleted).
 * Returns how much of p[0, n) it took; writes as many bytes. The scanner
 * takes the bulk, stopping also at other control bytes, which are content
 * here: the loop goes on past those. */
static size_t
relax_fast(const mailauth__scan_ops_t *scan, uint8_t *o, const uint8_t *p, size_t n)
{
    size_t i = scan->header_plain(o, p, n);
    while (i < n) {
        uint8_t c = p[i];
        if (relax_class[c] != C_PLAIN && c != ':') {
            if (c != ' ' || i + 1 == n || (relax_class[p[i + 1]] != C_PLAIN && p[i + 1] != ':'))
                break;
        }
        o[i] = c;
        i++;
    }
    return i;
}

/* One byte through the state machine. */
static uint8_t *
relax_step(struct relax *r, uint8_t *o, uint8_t c)
{
    if (r->cr) {
        r->cr = false;
        if (c == '\n')
            return o;              /* unfold: the CRLF of a continuation line goes */
        o = relax_put(r, o, '\r'); /* a bare CR is an ordinary byte */
    }
    switch (relax_class[c]) {
    case C_WSP:
        r->wsp = true;
        break;
    case C_CR:
        r->cr = true;
        break;
    case C_LF:
        /* A bare LF can only be a line end that a long field kept raw
         * (the msg layer folds on it): unfold it like a CRLF. */
        break;
    case C_COLON:
        if (!r->in_name) { /* a colon in the value is content */
            o = relax_put(r, o, c);
            break;
        }
        /* WSP before and after the colon is deleted; the colon stays. */
        r->in_name = false;
        r->started = false;
        r->wsp = false;
        *o++ = ':';
        break;
    default:
        o = relax_put(r, o, c);
    }
    return o;
}

/* Canonicalize p[0, n) into o (room for 3 bytes per input byte); returns
 * the end of the output. The state is worked on in locals and stored back. */
static uint8_t *
relax_bytes(struct relax *rs, uint8_t *o, const uint8_t *p, size_t n)
{
    const mailauth__scan_ops_t *scan = mailauth__scan();
    struct relax                r = *rs;
    size_t                      i = 0;
    while (i < n) {
        if (r.in_name && !r.cr && !r.wsp) {
            /* The name up to WSP, CR, LF or ':': lower-cased as it is copied. */
            size_t k = 0;
            for (; i + k < n && relax_class[p[i + k]] == C_PLAIN; k++)
                o[k] = p[i + k] >= 'A' && p[i + k] <= 'Z' ? (uint8_t)(p[i + k] + ('a' - 'A'))
                                                          : p[i + k];
            r.started = r.started || k != 0;
            o += k;
            i += k;
            if (i == n)
                break;
        } else if (!r.in_name && !r.cr && r.started && !r.wsp) {
            size_t k = relax_fast(scan, o, p + i, n - i);
            o += k;
            i += k;
            if (i == n)
                break;
        }
        o = relax_step(&r, o, p[i++]);
    }
    *rs = r;
    return o;
}

static void
relax_run(struct relax *r, sink_t *s, const char *p, size_t n)
{
    const uint8_t *u = (const uint8_t *)p;
    while (n > 0) {
        size_t   take = (SINK_STAGE - s->stage_len) / 3, k;
        uint8_t *from = s->stage + s->stage_len;
        if (take == 0) {
            sink_flush(s);
            continue;
        }
        if (take > n)
            take = n;
        k = (size_t)(relax_bytes(r, from, u, take) - from);
        if (s->h == NULL) { /* buffer mode: the stage is scratch, copied out */
            sink_put_buf(s, (const char *)from, k);
        } else {
            s->stage_len += k;
            s->len += k;
        }
        u += take;
        n -= take;
    }
}

static void
relax_end(struct relax *r, sink_t *s)
{
    uint8_t tail[2];
    if (r->cr) {
        size_t k = (size_t)(relax_put(r, tail, '\r') - tail);
        sink_put(s, (const char *)tail, k);
    }
    /* WSP at the end of the unfolded value is deleted: drop r->wsp. */
}

/* Canonicalize raw[0, cut) + raw[cut + skip, len) into s. */
static void
canon_pieces(sink_t *s, mailauth__canon_t canon, const char *raw, size_t len, size_t cut,
             size_t skip)
{
    struct relax r = {true, false, false, false};
    if (canon == MAILAUTH__CANON_SIMPLE) {
        /* §3.4.1: header fields are not changed in any way. */
        sink_put(s, raw, cut);
        sink_put(s, raw + cut + skip, len - cut - skip);
        return;
    }
    relax_run(&r, s, raw, cut);
    relax_run(&r, s, raw + cut + skip, len - cut - skip);
    relax_end(&r, s);
}

static bool
args_ok(mailauth__canon_t canon, const char *raw, size_t len)
{
    return (canon == MAILAUTH__CANON_SIMPLE || canon == MAILAUTH__CANON_RELAXED) &&
           (raw != NULL || len == 0);
}

void
mailauth__canon_sink_begin(mailauth__canon_sink_t *s, mailauth__hash_t *h)
{
    memset(s, 0, offsetof(sink_t, stage));
    s->h = h;
}

mailauth_status_t
mailauth__canon_sink_field(mailauth__canon_sink_t *s, mailauth__canon_t canon, const char *raw,
                           size_t len)
{
    if (s->h == NULL || !args_ok(canon, raw, len))
        return MAILAUTH_EINVAL;
    canon_pieces(s, canon, raw, len, len, 0);
    /* §3.4.1, §3.4.2: the CRLF that ends the field is kept. */
    sink_put(s, "\r\n", 2);
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__canon_sink_sig(mailauth__canon_sink_t *s, mailauth__canon_t canon, const char *raw,
                         size_t len, size_t b_off, size_t b_len)
{
    if (s->h == NULL || !args_ok(canon, raw, len) || b_off > len || b_len > len - b_off)
        return MAILAUTH_EINVAL;
    /* §3.7: the signature field is hashed with the b= value deleted
     * (replaced by the empty string) and without its trailing CRLF. */
    canon_pieces(s, canon, raw, len, b_off, b_len);
    return MAILAUTH_OK;
}

void
mailauth__canon_sink_end(mailauth__canon_sink_t *s)
{
    sink_flush(s);
}

mailauth_status_t
mailauth__canon_header(mailauth__hash_t *h, mailauth__canon_t canon, const char *raw, size_t len)
{
    sink_t            s;
    mailauth_status_t st = MAILAUTH_OK;
    if (h == NULL)
        return MAILAUTH_EINVAL;
    mailauth__canon_sink_begin(&s, h);
    st = mailauth__canon_sink_field(&s, canon, raw, len);
    if (st == MAILAUTH_OK)
        sink_flush(&s);
    return st;
}

mailauth_status_t
mailauth__canon_header_sig(mailauth__hash_t *h, mailauth__canon_t canon, const char *raw,
                           size_t len, size_t b_off, size_t b_len)
{
    sink_t            s;
    mailauth_status_t st = MAILAUTH_OK;
    if (h == NULL)
        return MAILAUTH_EINVAL;
    mailauth__canon_sink_begin(&s, h);
    st = mailauth__canon_sink_sig(&s, canon, raw, len, b_off, b_len);
    if (st == MAILAUTH_OK)
        sink_flush(&s);
    return st;
}

mailauth_status_t
mailauth__canon_header_text(mailauth__canon_t canon, const char *raw, size_t len, char *buf,
                            size_t cap, size_t *need)
{
    sink_t s;
    if (need != NULL)
        *need = 0;
    if (!args_ok(canon, raw, len) || (buf == NULL && cap > 0))
        return MAILAUTH_EINVAL;
    memset(&s, 0, offsetof(sink_t, stage));
    s.buf = buf;
    s.cap = cap;
    canon_pieces(&s, canon, raw, len, len, 0);
    sink_put(&s, "\r\n", 2);
    if (need != NULL)
        *need = s.len;
    if (cap == 0)
        return MAILAUTH_ENOSPC;
    buf[s.len < cap ? s.len : cap - 1] = '\0';
    return s.len < cap ? MAILAUTH_OK : MAILAUTH_ENOSPC;
}
