/* Whole-buffer splitter: header fields, end of headers, CRLF-normalized body. */
#include "msg/msg.h"

#include <string.h>

#include "util/buf.h"
#include "util/str.h"

#define STAGE_CAP 4096u

typedef struct splitter {
    const mailauth_allocator_t *al;
    const char                 *m;
    size_t                      len;
    size_t                      max_field;
    const mailauth__msg_sink_t *sink;
    mailauth_status_t           soft;             /* first ELIMIT/EINVAL from the sink */
    char                        stage[STAGE_CAP]; /* small body pieces are gathered before body() */
    size_t                      staged;
} splitter_t;

/* ELIMIT and EINVAL concern one piece only: remember, go on. */
static mailauth_status_t
absorb(splitter_t *sp, mailauth_status_t st)
{
    if (st == MAILAUTH_ELIMIT || st == MAILAUTH_EINVAL) {
        if (sp->soft == MAILAUTH_OK)
            sp->soft = st;
        return MAILAUTH_OK;
    }
    return st;
}

static bool
has_bare_lf(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            return true;
    }
    return false;
}

/* Hand one field (raw bytes, internal line ends as received) to the sink,
 * with bare LF turned into CRLF when it is small enough to copy. */
static mailauth_status_t
emit_field(splitter_t *sp, size_t start, size_t end)
{
    const char       *p = sp->m + start;
    size_t            n = end - start;
    mailauth__sb_t    sb;
    mailauth_status_t st = MAILAUTH_OK;
    if (n > sp->max_field || !has_bare_lf(p, n))
        return absorb(sp, sp->sink->header(sp->sink->ud, p, n));
    mailauth__sb_init(&sb, sp->al, 0);
    for (size_t i = 0; i < n && st == MAILAUTH_OK; i++) {
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            st = mailauth__sb_putc(&sb, '\r');
        if (st == MAILAUTH_OK)
            st = mailauth__sb_putc(&sb, p[i]);
    }
    if (st == MAILAUTH_OK)
        st = absorb(sp, sp->sink->header(sp->sink->ud, sb.p, sb.len));
    mailauth__sb_clear(&sb);
    return st;
}

static mailauth_status_t
flush_body(splitter_t *sp)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (sp->staged != 0)
        st = absorb(sp, sp->sink->body(sp->sink->ud, sp->stage, sp->staged));
    sp->staged = 0;
    return st;
}

static mailauth_status_t
put_body(splitter_t *sp, const char *p, size_t n)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (n == 0)
        return MAILAUTH_OK;
    if (sp->staged + n > STAGE_CAP) {
        st = flush_body(sp);
        if (st != MAILAUTH_OK)
            return st;
    }
    if (n >= STAGE_CAP)
        return absorb(sp, sp->sink->body(sp->sink->ud, p, n));
    memcpy(sp->stage + sp->staged, p, n);
    sp->staged += n;
    return MAILAUTH_OK;
}

/* The body from `start`: CRLF kept, bare LF becomes CRLF, bare CR kept. */
static mailauth_status_t
emit_body(splitter_t *sp, size_t start)
{
    size_t            s = start;
    size_t            i = start;
    mailauth_status_t st = MAILAUTH_OK;
    while (st == MAILAUTH_OK && i < sp->len) {
        const char *lf = mailauth__memchr(sp->m + i, sp->len - i, '\n');
        if (lf == NULL)
            break;
        i = (size_t)(lf - sp->m);
        if (i == start || sp->m[i - 1] != '\r') {
            st = put_body(sp, sp->m + s, i - s);
            if (st == MAILAUTH_OK)
                st = put_body(sp, "\r\n", 2);
            s = i + 1;
        }
        i++;
    }
    if (st == MAILAUTH_OK)
        st = put_body(sp, sp->m + s, sp->len - s);
    if (st == MAILAUTH_OK)
        st = flush_body(sp);
    return st;
}

/* End of the line starting at pos: *content_end excludes CRLF/LF, *next is
 * the start of the following line. */
static void
line_at(const splitter_t *sp, size_t pos, size_t *content_end, size_t *next)
{
    const char *lf = mailauth__memchr(sp->m + pos, sp->len - pos, '\n');
    size_t      end = lf != NULL ? (size_t)(lf - sp->m) : sp->len;
    *next = lf != NULL ? end + 1 : sp->len;
    if (lf != NULL && end > pos && sp->m[end - 1] == '\r')
        end--;
    *content_end = end;
}

/* Header section from pos; returns where the body starts (len: no body). */
static mailauth_status_t
split_headers(splitter_t *sp, size_t pos, size_t *body_start)
{
    size_t            fstart = SIZE_MAX, fend = 0, cend = 0, next = 0;
    mailauth_status_t st = MAILAUTH_OK;
    *body_start = sp->len;
    while (pos < sp->len && st == MAILAUTH_OK) {
        line_at(sp, pos, &cend, &next);
        if (cend == pos) { /* RFC 5322 §2.1: the empty line ends the header section */
            *body_start = next;
            break;
        }
        if (mailauth__is_wsp((unsigned char)sp->m[pos])) {
            if (fstart != SIZE_MAX) /* §2.2.3: folded continuation */
                fend = cend;
            pos = next; /* a continuation with no field before it is dropped */
            continue;
        }
        if (fstart != SIZE_MAX)
            st = emit_field(sp, fstart, fend);
        fstart = SIZE_MAX;
        if (mailauth__hdr_name_len(sp->m + pos, cend - pos, NULL) == 0) {
            *body_start = pos; /* not a field: the body has begun without an empty line */
            break;
        }
        fstart = pos;
        fend = cend;
        pos = next;
    }
    if (st == MAILAUTH_OK && fstart != SIZE_MAX)
        st = emit_field(sp, fstart, fend);
    return st;
}

mailauth_status_t
mailauth__msg_split(const mailauth_allocator_t *al, const void *msg, size_t len, size_t max_field,
                    const mailauth__msg_sink_t *sink)
{
    splitter_t        sp;
    size_t            pos = 0, body = 0, cend = 0;
    mailauth_status_t st = MAILAUTH_OK;
    if ((msg == NULL && len != 0) || sink == NULL || sink->header == NULL ||
        sink->end_headers == NULL || sink->body == NULL)
        return MAILAUTH_EINVAL;
    memset(&sp, 0, sizeof(sp));
    sp.al = al;
    sp.m = msg != NULL ? msg : "";
    sp.len = len;
    sp.max_field = max_field;
    sp.sink = sink;
    if (len >= 5 && memcmp(sp.m, "From ", 5) == 0)
        line_at(&sp, 0, &cend, &pos); /* mbox "From " separator line, not a field */
    st = split_headers(&sp, pos, &body);
    if (st == MAILAUTH_OK)
        st = absorb(&sp, sink->end_headers(sink->ud));
    if (st == MAILAUTH_OK && body < len)
        st = emit_body(&sp, body);
    return st != MAILAUTH_OK ? st : sp.soft;
}
