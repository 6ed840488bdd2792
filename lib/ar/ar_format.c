/* Authentication-Results (RFC 8601) formatter: one line, or folded at 78 columns. */
#include "ar/ar.h"

#include <string.h>

#define FIELD_NAME "Authentication-Results:"
#define FOLD_AT 78u /* RFC 5322 §2.1.1: lines SHOULD be at most 78 characters */

/* Writes into the caller buffer as far as it reaches (keeping room for the NUL) and counts every
 * byte, so one pass yields both the text and the size needed: no allocation, no ENOMEM. A sink
 * with cap 0 only measures. */
typedef struct sink {
    char  *buf;
    size_t cap;
    size_t len;
} sink_t;

static void
put(sink_t *s, const char *p, size_t n)
{
    if (s->len < s->cap) {
        size_t room = s->cap - 1 - s->len;
        size_t k = n < room ? n : room;
        if (k != 0)
            memcpy(s->buf + s->len, p, k);
    }
    s->len = n <= SIZE_MAX - s->len ? s->len + n : SIZE_MAX;
}

static void
puts_(sink_t *s, const char *p)
{
    put(s, p, strlen(p));
}

static void
putc_(sink_t *s, char c)
{
    put(s, &c, 1);
}

/* c[0, n) with a backslash before each byte `special` says yes to, in runs. */
static void
put_escaped(sink_t *s, const char *c, size_t n, bool (*special)(char))
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (special(c[i])) {
            put(s, c + from, i - from);
            putc_(s, '\\');
            from = i;
        }
    }
    put(s, c + from, n - from);
}

static bool
quote_special(char c)
{
    return c == '"' || c == '\\';
}

/* RFC 5322 §3.2.4 quoted-string: DQUOTE and backslash become quoted-pairs. */
static void
put_quoted(sink_t *s, const char *v)
{
    putc_(s, '"');
    put_escaped(s, v, strlen(v), quote_special);
    putc_(s, '"');
}

/* RFC 2045 value (token / quoted-string); for properties also RFC 8601 §2.2's bare
 * [ [ local-part ] "@" ] domain-name, which is how smtp.mailfrom and header.i are usually shown. */
static void
put_value(sink_t *s, const char *v, bool addr_ok)
{
    size_t n = strlen(v);
    if (mailauth__ar_is_token(v, n) || (addr_ok && mailauth__ar_is_addr(v, n)))
        put(s, v, n);
    else
        put_quoted(s, v);
}

/* The unit between two possible folding points. */
typedef enum elem_kind { E_ID, E_NONE, E_METHOD, E_COMMENT, E_CWORD, E_REASON, E_PROP } elem_kind_t;

typedef struct elem {
    elem_kind_t               kind;
    const mailauth_authres_t *ar;
    const mailauth_resinfo_t *ri;
    size_t                    prop;
    bool                      semi; /* ends with the ";" that separates it from the next resinfo */
    const char               *word; /* E_CWORD: one space-separated word of the comment */
    size_t                    wlen;
    bool                      open, close; /* E_CWORD: first / last word of the comment */
} elem_t;

static bool
ctext_special(char c)
{
    return c == '(' || c == ')' || c == '\\';
}

/* Comment text escaped as RFC 5322 §3.2.2 ctext / quoted-pair. */
static void
put_ctext(sink_t *s, const char *c, size_t n)
{
    put_escaped(s, c, n, ctext_special);
}

static void
put_elem(sink_t *s, const elem_t *e)
{
    const mailauth__ar_prop_t *p = NULL;
    switch (e->kind) {
    case E_ID:
        put_value(s, e->ar->authserv_id, false);
        break;
    case E_NONE:
        puts_(s, "none"); /* RFC 8601 §2.2 no-result */
        break;
    case E_METHOD:
        puts_(s, e->ri->method);
        putc_(s, '=');
        puts_(s, e->ri->result);
        break;
    case E_COMMENT: /* RFC 5322 §3.2.2 */
        putc_(s, '(');
        put_ctext(s, e->ri->comment, strlen(e->ri->comment));
        putc_(s, ')');
        break;
    case E_CWORD:
        if (e->open)
            putc_(s, '(');
        put_ctext(s, e->word, e->wlen);
        if (e->close)
            putc_(s, ')');
        break;
    case E_REASON:
        puts_(s, "reason="); /* RFC 8601 §2.2 reasonspec, always quoted as it is prose */
        put_quoted(s, e->ri->reason);
        break;
    case E_PROP:
        p = &e->ri->props[e->prop];
        puts_(s, p->ptype);
        putc_(s, '.');
        puts_(s, p->property);
        putc_(s, '=');
        put_value(s, p->value, true);
        break;
    }
    if (e->semi)
        putc_(s, ';');
}

/* Joins elements: with single spaces, or folded with CRLF + HTAB before an element that would
 * push the line past 78 columns (RFC 5322 §2.2.3: folding only where whitespace may go, so
 * never inside a value). */
typedef struct writer {
    sink_t out;
    bool   fold;
    bool   first;
    size_t col; /* length of the current line so far */
} writer_t;

/* An element is written once into a buffer on the stack, which also
 * measures it, and copied out after the space or fold it needs; only one
 * that does not fit there is written again. */
#define ELEM_STAGE 256u

static void
emit(writer_t *w, const elem_t *e)
{
    char   stage[ELEM_STAGE];
    sink_t one = {stage, sizeof(stage), 0};
    size_t len = 0;
    put_elem(&one, e);
    len = one.len;
    if (w->first && !w->fold) {
        w->first = false;
    } else if (w->fold && w->col > 1 && w->col + 1 + len > FOLD_AT) {
        put(&w->out, "\r\n\t", 3);
        w->col = 1;
    } else {
        putc_(&w->out, ' ');
        w->col++;
    }
    if (len < sizeof(stage)) /* put() kept room for a NUL: all of it is there */
        put(&w->out, stage, len);
    else
        put_elem(&w->out, e);
    w->col = len <= SIZE_MAX - w->col ? w->col + len : SIZE_MAX;
}

/* A comment is folded at its spaces (RFC 5322 §3.2.2: FWS may appear inside a comment), so a long
 * prose comment does not push a line past 78 columns; unfolded it is one element. */
static void
emit_comment(writer_t *w, elem_t *e)
{
    const char *c = e->ri->comment;
    bool        semi = e->semi;
    if (!w->fold) {
        e->kind = E_COMMENT;
        emit(w, e);
        return;
    }
    e->kind = E_CWORD;
    e->open = true;
    for (;;) {
        const char *sp = strchr(c, ' ');
        e->word = c;
        e->wlen = sp != NULL ? (size_t)(sp - c) : strlen(c);
        e->close = sp == NULL;
        e->semi = semi && sp == NULL;
        emit(w, e);
        if (sp == NULL)
            break;
        e->open = false;
        c = sp + 1;
    }
}

/* Elements of one resinfo: method=result [(comment)] [reason="..."] *prop, or with the
 * comment after the properties; the last one carries the ";" when another resinfo follows. */
static void
emit_resinfo(writer_t *w, const mailauth_resinfo_t *ri, bool more)
{
    elem_t e = {.kind = E_METHOD, .ri = ri};
    bool   has_c = ri->comment != NULL, has_r = ri->reason != NULL;
    bool   c_first = has_c && !ri->comment_last, c_last = has_c && ri->comment_last;
    e.semi = more && !has_c && !has_r && ri->nprops == 0;
    emit(w, &e);
    if (c_first) {
        e.semi = more && !has_r && ri->nprops == 0;
        emit_comment(w, &e);
    }
    if (has_r) {
        e.kind = E_REASON;
        e.semi = more && ri->nprops == 0 && !c_last;
        emit(w, &e);
    }
    for (size_t i = 0; i < ri->nprops; i++) {
        e.kind = E_PROP;
        e.prop = i;
        e.semi = more && i + 1 == ri->nprops && !c_last;
        emit(w, &e);
    }
    if (c_last) {
        e.semi = more;
        emit_comment(w, &e);
    }
}

static mailauth_status_t
format(const mailauth_authres_t *ar, bool fold, char *buf, size_t cap, size_t *need)
{
    writer_t w = {{buf, cap, 0}, fold, true, 0};
    elem_t   e = {.kind = E_ID, .ar = ar, .semi = true};
    if (need != NULL)
        *need = 0;
    if (cap != 0 && buf != NULL)
        buf[0] = '\0';
    /* RFC 8601 §2.2: the authserv-id is mandatory; a parsed field without one is not re-emitted. */
    if (ar == NULL || (cap != 0 && buf == NULL) || ar->authserv_id[0] == '\0')
        return MAILAUTH_EINVAL;
    if (fold) {
        puts_(&w.out, FIELD_NAME);
        w.col = w.out.len;
    }
    emit(&w, &e);
    if (ar->count == 0) {
        e.kind = E_NONE;
        e.semi = false;
        emit(&w, &e);
    }
    for (size_t i = 0; i < ar->count; i++)
        emit_resinfo(&w, ar->items[i], i + 1 < ar->count);
    if (need != NULL)
        *need = w.out.len;
    if (cap == 0)
        return MAILAUTH_ENOSPC;
    buf[w.out.len < cap ? w.out.len : cap - 1] = '\0';
    return w.out.len < cap ? MAILAUTH_OK : MAILAUTH_ENOSPC;
}

mailauth_status_t
mailauth_authres_format(const mailauth_authres_t *ar, char *buf, size_t cap, size_t *need)
{
    return format(ar, true, buf, cap, need);
}

mailauth_status_t
mailauth_authres_format_value(const mailauth_authres_t *ar, char *buf, size_t cap, size_t *need)
{
    return format(ar, false, buf, cap, need);
}
