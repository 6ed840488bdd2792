/* DKIM header field canonicalization (RFC 6376 §3.4.1 simple, §3.4.2
 * relaxed), into a hash or into a caller buffer. */
#include "canon/canon.h"

#include <string.h>

#include "util/str.h"

#define SINK_STAGE 256u

/* Where canonical bytes go: a hash (through a small staging buffer, so
 * the byte-at-a-time relaxed walk does not call the hash per byte) or a
 * caller buffer (counted past its end, for the needed size). */
struct sink {
    mailauth__hash_t *h;
    char             *buf;
    size_t            cap;
    size_t            len; /* bytes produced (buffer mode: may exceed cap) */
    size_t            stage_len;
    uint8_t           stage[SINK_STAGE];
};

static void
sink_flush(struct sink *s)
{
    if (s->h != NULL)
        mailauth__hash_update(s->h, s->stage, s->stage_len);
    s->stage_len = 0;
}

static void
sink_put(struct sink *s, const char *p, size_t n)
{
    if (s->h == NULL) {
        if (s->len < s->cap)
            memcpy(s->buf + s->len, p, n < s->cap - s->len ? n : s->cap - s->len);
        s->len += n;
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

static void
sink_put1(struct sink *s, char c)
{
    sink_put(s, &c, 1);
}

/* ---- relaxed (§3.4.2), one byte at a time so the field may come in
 * pieces (the signature field with its b= value cut out) ---- */

struct relax {
    bool in_name; /* before the first ':' */
    bool started; /* a byte of the current part (name, value) was produced */
    bool wsp;     /* a WSP run is held back */
    bool cr;      /* a CR is held back: with an LF after it, it is a fold */
};

static void
relax_put(struct relax *r, struct sink *s, char c)
{
    /* A WSP run becomes one SP, except at the start of the name or of the
     * value (deleted around the colon) and at the end (deleted at end). */
    if (r->wsp && r->started)
        sink_put1(s, ' ');
    r->wsp = false;
    r->started = true;
    /* Field names are lower-cased, values are not. */
    sink_put1(s, r->in_name ? (char)mailauth__to_lower((unsigned char)c) : c);
}

static void
relax_byte(struct relax *r, struct sink *s, char c)
{
    if (r->cr) {
        r->cr = false;
        if (c == '\n')
            return;            /* unfold: the CRLF of a continuation line goes */
        relax_put(r, s, '\r'); /* a bare CR is an ordinary byte */
    }
    if (c == '\r') {
        r->cr = true;
    } else if (c == '\n') {
        /* A bare LF can only be a line end that a long field kept raw
         * (the msg layer folds on it): unfold it like a CRLF. */
    } else if (c == ' ' || c == '\t') {
        r->wsp = true;
    } else if (r->in_name && c == ':') {
        /* WSP before and after the colon is deleted; the colon stays. */
        r->in_name = false;
        r->started = false;
        r->wsp = false;
        sink_put1(s, ':');
    } else {
        relax_put(r, s, c);
    }
}

static void
relax_run(struct relax *r, struct sink *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        relax_byte(r, s, p[i]);
}

static void
relax_end(struct relax *r, struct sink *s)
{
    if (r->cr)
        relax_put(r, s, '\r');
    /* WSP at the end of the unfolded value is deleted: drop r->wsp. */
}

/* Canonicalize raw[0, cut) + raw[cut + skip, len) into s. */
static void
canon_pieces(struct sink *s, mailauth__canon_t canon, const char *raw, size_t len, size_t cut,
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

mailauth_status_t
mailauth__canon_header(mailauth__hash_t *h, mailauth__canon_t canon, const char *raw, size_t len)
{
    struct sink s;
    if (h == NULL || !args_ok(canon, raw, len))
        return MAILAUTH_EINVAL;
    memset(&s, 0, offsetof(struct sink, stage));
    s.h = h;
    canon_pieces(&s, canon, raw, len, len, 0);
    /* §3.4.1, §3.4.2: the CRLF that ends the field is kept. */
    sink_put(&s, "\r\n", 2);
    sink_flush(&s);
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__canon_header_sig(mailauth__hash_t *h, mailauth__canon_t canon, const char *raw,
                           size_t len, size_t b_off, size_t b_len)
{
    struct sink s;
    if (h == NULL || !args_ok(canon, raw, len) || b_off > len || b_len > len - b_off)
        return MAILAUTH_EINVAL;
    memset(&s, 0, offsetof(struct sink, stage));
    s.h = h;
    /* §3.7: the signature field is hashed with the b= value deleted
     * (replaced by the empty string) and without its trailing CRLF. */
    canon_pieces(&s, canon, raw, len, b_off, b_len);
    sink_flush(&s);
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__canon_header_text(mailauth__canon_t canon, const char *raw, size_t len, char *buf,
                            size_t cap, size_t *need)
{
    struct sink s;
    if (need != NULL)
        *need = 0;
    if (!args_ok(canon, raw, len) || (buf == NULL && cap > 0))
        return MAILAUTH_EINVAL;
    memset(&s, 0, offsetof(struct sink, stage));
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
