/* Incremental message splitter: header fields, end of headers, CRLF-normalized
 * body, from chunks cut anywhere. mailauth__msg_split() (msg_split.c) runs
 * the same engine over one buffer.
 *
 * A state per position in a line. The current field is kept, normalized, up
 * to `hold` bytes; its length goes on counting past that, so an over-long
 * field costs no memory and is reported once by its first bytes. Body bytes
 * go from the caller's chunk to the sink: a bare LF is sent as "\r" and then
 * left at the head of the next piece, so nothing is copied. */
#include "msg/msg.h"

#include <string.h>

#include "util/alloc.h"
#include "util/scan.h"
#include "util/str.h"

enum {
    ST_START,    /* first bytes, until "From " (mbox) can be told apart */
    ST_LINE,     /* at the start of a header line */
    ST_LINE_CR,  /* a header line starting with CR: empty line, or the body */
    ST_NAME,     /* a line starting with ftext: field name so far */
    ST_NAME_WSP, /* field name, then WSP before ':' */
    ST_VALUE,    /* the rest of a field line, up to its LF */
    ST_SKIP,     /* a line to drop (mbox separator, continuation of nothing) */
    ST_BODY,
    ST_ENDED,
    ST_STOPPED
};

#define FIRST_CAP 128u
#define MBOX_LEN 5u /* "From " */

/* RFC 5322 §3.6.8: ftext is printable US-ASCII except ':'. */
static bool
is_ftext(int c)
{
    return c >= 33 && c <= 126 && c != ':';
}

/* ELIMIT and EINVAL concern one piece only: remember, go on. */
static mailauth_status_t
absorb(mailauth__msg_stream_t *s, mailauth_status_t st)
{
    if (st == MAILAUTH_ELIMIT || st == MAILAUTH_EINVAL) {
        if (s->soft == MAILAUTH_OK)
            s->soft = st;
        return MAILAUTH_OK;
    }
    return st;
}

static void
release(mailauth__msg_stream_t *s)
{
    mailauth__free(s->al, s->buf);
    s->buf = NULL;
    s->cap = 0;
    s->kept = 0;
}

/* Room for `need` (<= hold) bytes: doubling, never beyond hold. */
static mailauth_status_t
grow(mailauth__msg_stream_t *s, size_t need)
{
    size_t cap = s->cap != 0 ? s->cap : FIRST_CAP;
    char  *b = NULL;
    while (cap < need)
        cap = cap > s->hold / 2 ? s->hold : cap * 2;
    if (cap > s->hold)
        cap = s->hold;
    b = mailauth__realloc(s->al, s->buf, cap);
    if (b == NULL)
        return MAILAUTH_ENOMEM;
    s->buf = b;
    s->cap = cap;
    return MAILAUTH_OK;
}

/* Add n normalized bytes to the current field: kept while under hold,
 * counted always. */
static mailauth_status_t
append(mailauth__msg_stream_t *s, const char *p, size_t n)
{
    size_t            take = s->hold - s->kept;
    mailauth_status_t st = MAILAUTH_OK;
    if (take > n)
        take = n;
    if (take != 0 && s->kept + take > s->cap)
        st = grow(s, s->kept + take);
    if (st != MAILAUTH_OK)
        return st;
    if (take != 0)
        memcpy(s->buf + s->kept, p, take);
    s->kept += take;
    s->flen = n > SIZE_MAX - s->flen ? SIZE_MAX : s->flen + n;
    return MAILAUTH_OK;
}

/* Hand the finished field to the sink: whole, or its first `hold` bytes when
 * it is longer (the sink refuses anything over max_field). */
static mailauth_status_t
emit_field(mailauth__msg_stream_t *s)
{
    size_t n = s->fend;
    if (!s->in_field)
        return MAILAUTH_OK;
    if (n > s->hold)
        n = s->hold;
    s->in_field = false;
    s->kept = s->flen = s->fend = 0;
    return absorb(s, s->sink.header(s->sink.ud, s->buf, n));
}

#define LF_WINDOW ((size_t)64 * 1024)

/* Offset of the first bare LF of p[i, n) (an LF whose previous byte, or
 * prev_cr before p[0], is not CR), or n. Mail is nearly all CRLF lines: a
 * search LF by LF would stop on every line, so the scanner tests 16 or 32
 * bytes at once where the CPU can. */
static size_t
next_bare_lf(const mailauth__scan_ops_t *scan, const char *p, size_t i, size_t n, bool prev_cr)
{
    bool cr = i == 0 ? prev_cr : p[i - 1] == '\r';
    return i + scan->bare_lf((const uint8_t *)p + i, n - i, cr);
}

/* Input bytes converted at a time once a window has a bare LF: the scanner
 * copies them with the CRs added into a buffer on the stack (up to twice
 * as long, 16 KiB) handed on in one call, rather than two calls per line
 * (the line, then its CR) into every body hasher. 8 KiB pieces rather than
 * 2 KiB: each piece is a hash update per body hasher, and at 2 KiB their
 * overhead made a simple-canonicalized bare-LF body 10 % slower. */
#define LF_PIECE ((size_t)8192)

/* p[from, end) holds a bare LF: converted and handed on LF_PIECE at a time. */
static mailauth_status_t
lf_expand(const mailauth__scan_ops_t *scan, const char *p, size_t from, size_t end, bool prev_cr,
          mailauth__bytes_fn out, void *ud)
{
    uint8_t           buf[2 * LF_PIECE];
    mailauth_status_t st = MAILAUTH_OK;
    while (st == MAILAUTH_OK && from < end) {
        size_t k = end - from < LF_PIECE ? end - from : LF_PIECE;
        bool   cr = from == 0 ? prev_cr : p[from - 1] == '\r';
        st = out(ud, buf, scan->lf_to_crlf(buf, (const uint8_t *)p + from, k, cr));
        from += k;
    }
    return st;
}

mailauth_status_t
mailauth__body_lf_to_crlf(bool *prev_cr, const void *chunk, size_t n, mailauth__bytes_fn out,
                          void *ud)
{
    const mailauth__scan_ops_t *scan = mailauth__scan();
    const char                 *p = chunk;
    size_t                      from = 0, i = 0;
    mailauth_status_t           st = MAILAUTH_OK;
    while (st == MAILAUTH_OK && i < n) {
        /* 64 KiB at a time: out() hashes what the scan just read while it
         * is still in the cache, however large the caller's buffer. A
         * window without a bare LF (nearly all mail) goes on as it is. */
        size_t end = n - i > LF_WINDOW ? i + LF_WINDOW : n;
        i = next_bare_lf(scan, p, i, end, *prev_cr);
        if (i == end) {
            if (end < n && end > from) {
                st = out(ud, p + from, end - from);
                from = end;
            }
            continue;
        }
        if (i > from)
            st = out(ud, p + from, i - from);
        if (st == MAILAUTH_OK)
            st = lf_expand(scan, p, i, end, *prev_cr, out, ud);
        from = i = end;
    }
    if (st == MAILAUTH_OK && n > from)
        st = out(ud, p + from, n - from);
    if (n > 0)
        *prev_cr = p[n - 1] == '\r';
    return st;
}

/* The sink's body(), its soft refusals absorbed. */
static mailauth_status_t
to_sink(void *ud, const void *p, size_t n)
{
    mailauth__msg_stream_t *s = ud;
    return absorb(s, s->sink.body(s->sink.ud, p, n));
}

static mailauth_status_t
body_feed(mailauth__msg_stream_t *s, const char *p, size_t n)
{
    return mailauth__body_lf_to_crlf(&s->prev_cr, p, n, to_sink, s);
}

/* RFC 5322 §2.1: the header section is over (empty line, a line that is not
 * a field, or the end). Bytes of an undecided line, if any, open the body. */
static mailauth_status_t
start_body(mailauth__msg_stream_t *s)
{
    mailauth_status_t st = absorb(s, s->sink.end_headers(s->sink.ud));
    s->state = ST_BODY;
    s->prev_cr = false;
    if (st == MAILAUTH_OK && s->kept != 0)
        st = body_feed(s, s->buf, s->kept);
    release(s);
    s->flen = s->fend = 0;
    return st;
}

static mailauth_status_t
step_line(mailauth__msg_stream_t *s, const char *p, size_t *used)
{
    unsigned char     c = (unsigned char)p[0];
    mailauth_status_t st = MAILAUTH_OK;
    *used = 1;
    if (mailauth__is_wsp(c)) {
        if (!s->in_field) { /* a continuation of no field is dropped */
            s->state = ST_SKIP;
            return MAILAUTH_OK;
        }
        s->state = ST_VALUE; /* RFC 5322 §2.2.3: folded continuation */
        s->prev_cr = false;
        return append(s, p, 1);
    }
    st = emit_field(s);
    if (st != MAILAUTH_OK)
        return st;
    if (c == '\n')
        return start_body(s); /* LF alone: the empty line */
    if (c == '\r') {
        s->state = ST_LINE_CR;
        return MAILAUTH_OK;
    }
    if (is_ftext(c)) {
        s->state = ST_NAME;
        return append(s, p, 1);
    }
    *used = 0; /* not a field: the body starts with this byte */
    return start_body(s);
}

static mailauth_status_t
step_line_cr(mailauth__msg_stream_t *s, const char *p, size_t *used)
{
    mailauth_status_t st = start_body(s);
    *used = p[0] == '\n' ? 1 : 0; /* CRLF: the empty line; else the CR opens the body */
    if (st == MAILAUTH_OK && p[0] != '\n')
        st = body_feed(s, "\r", 1);
    return st;
}

/* RFC 5322 §3.6.8 name, §4.5 obsolete WSP before ':'; the same test as
 * mailauth__hdr_name_len(), a byte at a time. */
static mailauth_status_t
step_name(mailauth__msg_stream_t *s, const char *p, size_t n, size_t *used)
{
    size_t            i = 0;
    mailauth_status_t st = MAILAUTH_OK;
    while (s->state == ST_NAME && i < n && is_ftext((unsigned char)p[i]))
        i++;
    while (i < n && mailauth__is_wsp((unsigned char)p[i])) {
        s->state = ST_NAME_WSP;
        i++;
    }
    st = append(s, p, i);
    *used = i;
    if (st != MAILAUTH_OK)
        return st;
    if (s->flen >= s->hold) { /* undecided at hold bytes: an over-long field either way */
        s->in_field = true;
        s->state = ST_VALUE;
        s->prev_cr = false;
        return MAILAUTH_OK;
    }
    if (i == n)
        return MAILAUTH_OK;
    if (p[i] != ':')
        return start_body(s); /* not a field: this line opens the body */
    *used = i + 1;
    s->in_field = true;
    s->state = ST_VALUE;
    s->prev_cr = false;
    return append(s, p + i, 1);
}

/* Field bytes up to the LF. A CR just before the LF belongs to the line end
 * (RFC 5322 §2.1); any other CR is data. The line end is kept as CRLF in
 * case a continuation follows, but is not part of fend. */
static mailauth_status_t
step_value(mailauth__msg_stream_t *s, const char *p, size_t n, size_t *used)
{
    const char       *lf = mailauth__memchr(p, n, '\n');
    size_t            run = lf != NULL ? (size_t)(lf - p) : n;
    mailauth_status_t st = append(s, p, run);
    *used = run;
    if (run != 0)
        s->prev_cr = p[run - 1] == '\r';
    if (st != MAILAUTH_OK || lf == NULL)
        return st;
    *used = run + 1;
    s->state = ST_LINE;
    if (s->prev_cr) {
        s->fend = s->flen - 1;
        return append(s, "\n", 1);
    }
    s->fend = s->flen;
    return append(s, "\r\n", 2); /* bare LF becomes CRLF */
}

/* A whole field at p, its last line end and the first byte of the line
 * after it in the chunk: the bytes through its final line end (*len: the
 * field without it; *bare: how many of its folds follow a bare LF), or 0
 * to take the byte-by-byte way. Taken only when that way would give the
 * same bytes: the next line not a continuation, all of it under hold
 * once each bare LF is CRLF. */
static size_t
whole_field(const mailauth__msg_stream_t *s, const char *p, size_t n, size_t *len, size_t *bare)
{
    size_t i = 0, lf = 0;
    *bare = 0;
    while (i < n && is_ftext((unsigned char)p[i]))
        i++;
    if (i == 0)
        return 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i >= n || p[i] != ':')
        return 0;
    for (;;) {
        const char *e = memchr(p + i, '\n', n - i);
        if (e == NULL)
            return 0;
        lf = (size_t)(e - p); /* lf > i > 0 */
        i = lf + 1;
        if (i >= n)
            return 0;
        if (p[i] != ' ' && p[i] != '\t')
            break;
        *bare += p[lf - 1] != '\r'; /* a fold after a bare LF: CRLF in the field */
    }
    /* The last line end, CRLF or a bare LF, is not part of the field; the
     * buffer would hold it as CRLF, so a bare one counts a byte more. */
    if (i + *bare + (p[lf - 1] != '\r') > s->hold)
        return 0;
    *len = p[lf - 1] == '\r' ? lf - 1 : lf;
    return i;
}

/* A whole field with folds after bare LFs: copied into the field buffer
 * line by line with a CR before each of those LFs (what the byte-by-byte
 * way keeps), then handed on. */
static mailauth_status_t
emit_normalized(mailauth__msg_stream_t *s, const char *p, size_t len, size_t bare)
{
    size_t            from = 0, w = 0;
    const char       *e = NULL;
    mailauth_status_t st = len + bare > s->cap ? grow(s, len + bare) : MAILAUTH_OK;
    if (st != MAILAUTH_OK)
        return st;
    while ((e = memchr(p + from, '\n', len - from)) != NULL) {
        size_t lf = (size_t)(e - p);
        memcpy(s->buf + w, p + from, lf - from);
        w += lf - from;
        if (p[lf - 1] != '\r') /* lf > 0: the name comes first */
            s->buf[w++] = '\r';
        s->buf[w++] = '\n';
        from = lf + 1;
    }
    memcpy(s->buf + w, p + from, len - from);
    return absorb(s, s->sink.header(s->sink.ud, s->buf, w + len - from));
}

/* At the start of a line: a field in the buffer is complete unless this
 * line continues it; a whole field here goes to the sink at once. */
static mailauth_status_t
step_line_fast(mailauth__msg_stream_t *s, const char *p, size_t n, size_t *used)
{
    size_t            len = 0, bare = 0;
    mailauth_status_t st = MAILAUTH_OK;
    if (p[0] != ' ' && p[0] != '\t') {
        st = emit_field(s);
        if (st != MAILAUTH_OK)
            return st;
        *used = whole_field(s, p, n, &len, &bare);
        if (*used != 0 && bare != 0)
            return emit_normalized(s, p, len, bare);
        if (*used != 0)
            return absorb(s, s->sink.header(s->sink.ud, p, len));
    }
    return step_line(s, p, used);
}

static size_t
step_skip(mailauth__msg_stream_t *s, const char *p, size_t n)
{
    const char *lf = mailauth__memchr(p, n, '\n');
    if (lf == NULL)
        return n;
    s->state = ST_LINE;
    return (size_t)(lf - p) + 1;
}

/* The engine: every state consumes bytes or moves on, so this ends. */
static mailauth_status_t
run(mailauth__msg_stream_t *s, const char *p, size_t n)
{
    size_t            i = 0, used = 0;
    mailauth_status_t st = MAILAUTH_OK;
    while (st == MAILAUTH_OK && i < n) {
        switch (s->state) {
        case ST_LINE:
            st = step_line_fast(s, p + i, n - i, &used);
            break;
        case ST_LINE_CR:
            st = step_line_cr(s, p + i, &used);
            break;
        case ST_NAME:
        case ST_NAME_WSP:
            st = step_name(s, p + i, n - i, &used);
            break;
        case ST_VALUE:
            st = step_value(s, p + i, n - i, &used);
            break;
        case ST_SKIP:
            used = step_skip(s, p + i, n - i);
            break;
        default: /* ST_BODY */
            st = body_feed(s, p + i, n - i);
            used = n - i;
            break;
        }
        i += used;
    }
    return st;
}

static mailauth_status_t
stop(mailauth__msg_stream_t *s, mailauth_status_t st)
{
    if (st != MAILAUTH_OK) {
        s->error = st;
        s->state = ST_STOPPED;
        release(s);
    }
    return st;
}

/* The first bytes decide whether line one is an mbox "From " separator. */
static mailauth_status_t
feed_start(mailauth__msg_stream_t *s, const char **p, size_t *n, bool at_end)
{
    size_t take = MBOX_LEN - s->nstart;
    if (s->nstart == 0 && *n >= MBOX_LEN) { /* told from the chunk itself: nothing copied */
        s->state = memcmp(*p, "From ", MBOX_LEN) == 0 ? ST_SKIP : ST_LINE;
        return MAILAUTH_OK;
    }
    if (take > *n)
        take = *n;
    if (take != 0)
        memcpy(s->start + s->nstart, *p, take);
    s->nstart += take;
    *p += take;
    *n -= take;
    if (s->nstart < MBOX_LEN && !at_end)
        return MAILAUTH_OK;
    if (s->nstart == MBOX_LEN && memcmp(s->start, "From ", MBOX_LEN) == 0) {
        s->state = ST_SKIP;
        return MAILAUTH_OK;
    }
    s->state = ST_LINE;
    return run(s, s->start, s->nstart);
}

mailauth_status_t
mailauth__msg_stream_init(mailauth__msg_stream_t *s, const mailauth_allocator_t *al,
                          size_t max_field, const mailauth__msg_sink_t *sink)
{
    if (s != NULL)
        memset(s, 0, sizeof(*s));
    if (s == NULL || sink == NULL || sink->header == NULL || sink->end_headers == NULL ||
        sink->body == NULL) {
        if (s != NULL)
            s->state = ST_ENDED;
        return MAILAUTH_EINVAL;
    }
    s->al = al;
    s->sink = *sink;
    s->max_field = max_field;
    s->hold = max_field > SIZE_MAX - 3 ? SIZE_MAX : max_field + 3;
    s->state = ST_START;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__msg_stream_feed(mailauth__msg_stream_t *s, const void *p, size_t n)
{
    const char       *c = p;
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL || (p == NULL && n != 0))
        return MAILAUTH_EINVAL;
    if (s->state == ST_STOPPED)
        return s->error;
    if (s->state == ST_ENDED)
        return MAILAUTH_ESTATE;
    if (s->state == ST_START)
        st = feed_start(s, &c, &n, false);
    if (st == MAILAUTH_OK)
        st = run(s, c, n);
    return stop(s, st);
}

mailauth_status_t
mailauth__msg_stream_end(mailauth__msg_stream_t *s)
{
    const char       *none = "";
    size_t            zero = 0;
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->state == ST_STOPPED)
        return s->error;
    if (s->state == ST_ENDED)
        return MAILAUTH_ESTATE;
    if (s->state == ST_START)
        st = feed_start(s, &none, &zero, true);
    if (st == MAILAUTH_OK && s->state == ST_VALUE)
        s->fend = s->flen; /* no LF at the end: the last line is all content, a CR included */
    if (st == MAILAUTH_OK && s->state != ST_BODY)
        st = emit_field(s);
    if (st == MAILAUTH_OK && s->state != ST_BODY) {
        bool cr = s->state == ST_LINE_CR; /* a last line "\r": not empty, so body */
        st = start_body(s);
        if (st == MAILAUTH_OK && cr)
            st = body_feed(s, "\r", 1);
    }
    if (stop(s, st) != MAILAUTH_OK)
        return st;
    s->state = ST_ENDED;
    release(s);
    return s->soft;
}

void
mailauth__msg_stream_clear(mailauth__msg_stream_t *s)
{
    if (s == NULL)
        return;
    release(s);
    s->state = ST_ENDED;
}
