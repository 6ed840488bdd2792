/* Authentication-Results (RFC 8601 §2.2) lenient parser.
 *
 * Tolerant by design: the field comes from the message, so anything may be in it. Every loop
 * consumes at least one byte, unterminated comments and quoted-strings are recovered from in
 * linear time, and the model grows at most MAILAUTH__AR_MAX_RESINFOS entries of at most
 * MAILAUTH__AR_MAX_PROPS properties. What cannot be understood is skipped and counted. */
#include "ar/ar.h"

#include <string.h>

#include "util/buf.h"
#include "util/str.h"

typedef struct parser {
    mailauth__cur_t     c;
    mailauth_authres_t *ar;
    mailauth__sb_t      val; /* scratch: unquoted value or assembled method */
    mailauth__sb_t      com; /* scratch: comment after a result */
    size_t              skipped;
    bool no_comments; /* an unterminated comment was seen: "(" and ")" are plain bytes now */
    bool no_quotes;   /* likewise for DQUOTE */
    bool usable;      /* an authserv-id, "none" or an entry was found */
} parser_t;

/* A piece is done (OK), absent or malformed (EINVAL: skip it), or memory ran out (ENOMEM). */
static bool
fatal(mailauth_status_t st)
{
    return st != MAILAUTH_OK && st != MAILAUTH_EINVAL;
}

static int
peek(const parser_t *ps)
{
    return mailauth__cur_peek(&ps->c);
}

static bool
at_comment(const parser_t *ps)
{
    return !ps->no_comments && peek(ps) == '(';
}

static bool
at_quote(const parser_t *ps)
{
    return !ps->no_quotes && peek(ps) == '"';
}

/* Bytes of a bare value: printable, no space, not a separator that CFWS or ";" owns. */
static bool
is_bare(const parser_t *ps, int c)
{
    if (c <= 0x20 || c == 0x7f || c == ';')
        return false;
    if ((c == '(' || c == ')') && !ps->no_comments)
        return false;
    return !(c == '"' && !ps->no_quotes);
}

/* Append a byte of a comment or quoted-string; RFC 5322 §2.2.3 unfolding drops CR and LF. */
static mailauth_status_t
keep(mailauth__sb_t *sb, int ch)
{
    if (sb == NULL || ch == '\r' || ch == '\n')
        return MAILAUTH_OK;
    return mailauth__sb_putc(sb, (char)ch);
}

/* RFC 5322 §3.2.2 comment, nested, with quoted-pairs; its text (outer parentheses removed) goes
 * to `into` when not NULL. Unterminated: count it, step over the "(" and stop treating
 * parentheses as comments, so a later "(" never rescans the same bytes. */
static mailauth_status_t
read_comment(parser_t *ps, mailauth__sb_t *into)
{
    size_t            start = ps->c.pos;
    size_t            depth = 0;
    mailauth_status_t st = MAILAUTH_OK;
    int               ch = 0;
    while ((ch = mailauth__cur_next(&ps->c)) >= 0 && st == MAILAUTH_OK) {
        if (ch == '\\' && !mailauth__cur_eof(&ps->c)) {
            st = keep(into, mailauth__cur_next(&ps->c));
            continue;
        }
        if (ch == '(' && depth++ == 0)
            continue;
        if (ch == ')' && --depth == 0)
            return MAILAUTH_OK;
        if (ch == '\n' && mailauth__is_wsp(mailauth__cur_peek(&ps->c))) {
            /* A fold inside a comment stands for one space: the formatter
             * writes CRLF + one WSP where a space was, so exactly that one
             * WSP goes (any further blanks were in the text). */
            (void)mailauth__cur_next(&ps->c);
            ch = ' ';
        }
        st = keep(into, ch);
    }
    if (fatal(st))
        return st;
    ps->c.pos = start + 1;
    ps->no_comments = true;
    ps->skipped++;
    if (into != NULL)
        mailauth__sb_reset(into);
    return MAILAUTH_EINVAL;
}

/* RFC 5322 §3.2.4 quoted-string, unquoted into `into`. Unterminated: as for comments. */
static mailauth_status_t
read_quoted(parser_t *ps, mailauth__sb_t *into)
{
    size_t            start = ps->c.pos;
    mailauth_status_t st = MAILAUTH_OK;
    int               ch = 0;
    mailauth__sb_reset(into);
    mailauth__cur_next(&ps->c);
    while ((ch = mailauth__cur_next(&ps->c)) >= 0 && st == MAILAUTH_OK) {
        if (ch == '"')
            return MAILAUTH_OK;
        if (ch == '\\' && !mailauth__cur_eof(&ps->c))
            ch = mailauth__cur_next(&ps->c);
        st = keep(into, ch);
    }
    if (fatal(st))
        return st;
    ps->c.pos = start + 1;
    ps->no_quotes = true;
    ps->skipped++;
    return MAILAUTH_EINVAL;
}

/* [CFWS]; the first comment goes to `capture` (when not NULL) and sets *got. */
static mailauth_status_t
skip_cfws(parser_t *ps, mailauth__sb_t *capture, bool *got)
{
    for (;;) {
        int               ch = peek(ps);
        mailauth_status_t st = MAILAUTH_OK;
        if (mailauth__is_space(ch)) {
            ps->c.pos++;
            continue;
        }
        if (!at_comment(ps))
            return MAILAUTH_OK;
        bool want = capture != NULL && !*got;
        st = read_comment(ps, want ? capture : NULL);
        if (fatal(st))
            return st;
        if (want && st == MAILAUTH_OK)
            *got = true;
    }
}

static mailauth_status_t
cfws(parser_t *ps)
{
    return skip_cfws(ps, NULL, NULL);
}

/* Keyword (ALPHA *(ALPHA / DIGIT / "-")); false and nothing consumed if none. */
static bool
read_keyword(parser_t *ps, const char **s, size_t *n)
{
    size_t start = ps->c.pos;
    if (!mailauth__is_alpha(peek(ps)))
        return false;
    while (mailauth__is_alnum(peek(ps)) || peek(ps) == '-')
        ps->c.pos++;
    *s = (const char *)ps->c.p + start;
    *n = ps->c.pos - start;
    return true;
}

static bool
accept_word(parser_t *ps, const char *word)
{
    size_t      save = ps->c.pos;
    const char *s = NULL;
    size_t      n = 0;
    if (read_keyword(ps, &s, &n) && mailauth__mem_eq_ci(s, n, word))
        return true;
    ps->c.pos = save;
    return false;
}

/* Skip one piece that could not be understood: a comment, or a run of bytes and quoted-strings
 * up to the next space, comment or ";" (so `a.b="x y"` is one piece), or else a single byte.
 * Always consumes something. */
static mailauth_status_t
skip_piece(parser_t *ps)
{
    size_t start = ps->c.pos;
    int    ch;
    if (at_comment(ps))
        return fatal(read_comment(ps, NULL)) ? MAILAUTH_ENOMEM : MAILAUTH_OK;
    for (;;) {
        ch = peek(ps);
        if (at_quote(ps)) {
            if (fatal(read_quoted(ps, &ps->val)))
                return MAILAUTH_ENOMEM;
            continue;
        }
        if (ch < 0 || mailauth__is_space(ch) || ch == ';' || at_comment(ps) ||
            (ch == ')' && !ps->no_comments))
            break;
        ps->c.pos++;
    }
    if (ps->c.pos == start && ch >= 0)
        ps->c.pos++;
    return MAILAUTH_OK;
}

/* After a malformed entry: skip everything up to the next ";" or the end. */
static mailauth_status_t
skip_to_semicolon(parser_t *ps)
{
    mailauth_status_t st = MAILAUTH_OK;
    while (st == MAILAUTH_OK) {
        st = cfws(ps);
        if (st != MAILAUTH_OK || mailauth__cur_eof(&ps->c) || peek(ps) == ';')
            break;
        st = skip_piece(ps);
    }
    return st;
}

/* RFC 8601 §2.2 pvalue: [CFWS] ( value / [ [ local-part ] "@" ] domain-name ); the address form
 * is read like a bare token. Result in ps->val. */
static mailauth_status_t
read_value(parser_t *ps)
{
    size_t            start = 0;
    mailauth_status_t st = cfws(ps);
    if (st != MAILAUTH_OK)
        return st;
    if (at_quote(ps))
        return read_quoted(ps, &ps->val);
    mailauth__sb_reset(&ps->val);
    start = ps->c.pos;
    while (is_bare(ps, peek(ps)))
        ps->c.pos++;
    if (ps->c.pos == start)
        return MAILAUTH_EINVAL;
    return mailauth__sb_put(&ps->val, ps->c.p + start, ps->c.pos - start);
}

/* method = Keyword [ [CFWS] "/" [CFWS] method-version ], assembled without CFWS into ps->val. */
static mailauth_status_t
read_method(parser_t *ps)
{
    const char       *s = NULL;
    size_t            n = 0, start = 0;
    mailauth_status_t st = MAILAUTH_OK;
    mailauth__sb_reset(&ps->val);
    if (!read_keyword(ps, &s, &n))
        return MAILAUTH_EINVAL;
    st = mailauth__sb_put(&ps->val, s, n);
    if (st == MAILAUTH_OK)
        st = cfws(ps);
    if (st != MAILAUTH_OK || !mailauth__cur_accept(&ps->c, '/'))
        return st;
    st = cfws(ps);
    if (st != MAILAUTH_OK)
        return st;
    start = ps->c.pos;
    while (mailauth__is_digit(peek(ps)))
        ps->c.pos++;
    if (ps->c.pos == start)
        return MAILAUTH_EINVAL;
    st = mailauth__sb_putc(&ps->val, '/');
    if (st == MAILAUTH_OK)
        st = mailauth__sb_put(&ps->val, ps->c.p + start, ps->c.pos - start);
    return st == MAILAUTH_OK ? cfws(ps) : st;
}

/* methodspec = [CFWS] method [CFWS] "=" [CFWS] result, then the comment that follows the result.
 * Adds the entry; EINVAL if the methodspec is malformed. */
static mailauth_status_t
read_methodspec(parser_t *ps, mailauth_resinfo_t **ri)
{
    const char       *res = NULL;
    size_t            rlen = 0;
    bool              got = false;
    mailauth_status_t st = read_method(ps);
    if (st != MAILAUTH_OK)
        return st;
    if (!mailauth__cur_accept(&ps->c, '='))
        return MAILAUTH_EINVAL;
    st = cfws(ps);
    if (st != MAILAUTH_OK)
        return st;
    if (!read_keyword(ps, &res, &rlen))
        return MAILAUTH_EINVAL;
    mailauth__sb_reset(&ps->com);
    st = skip_cfws(ps, &ps->com, &got);
    if (st != MAILAUTH_OK)
        return st;
    st = mailauth__ar_add_n(ps->ar, mailauth__sb_str(&ps->val), ps->val.len, res, rlen, ri);
    if (st != MAILAUTH_OK || !got)
        return st;
    st = mailauth__ar_set_comment_n(*ri, mailauth__sb_str(&ps->com), ps->com.len);
    if (st == MAILAUTH_EINVAL) /* a comment with control bytes is dropped, the entry kept */
        ps->skipped++;
    return fatal(st) ? st : MAILAUTH_OK;
}

/* reasonspec or propspec after its first keyword `k`; EINVAL if malformed. */
static mailauth_status_t
read_item(parser_t *ps, mailauth_resinfo_t *ri, const char *k, size_t klen)
{
    const char       *prop = NULL;
    size_t            plen = 0;
    mailauth_status_t st = cfws(ps);
    if (st != MAILAUTH_OK)
        return st;
    if (mailauth__mem_eq_ci(k, klen, "reason") && mailauth__cur_accept(&ps->c, '=')) {
        st = read_value(ps);
        if (st != MAILAUTH_OK)
            return st;
        if (ri->reason != NULL) /* RFC 8601 §2.2 allows one reasonspec */
            return MAILAUTH_EINVAL;
        return mailauth__ar_set_reason_n(ri, mailauth__sb_str(&ps->val), ps->val.len);
    }
    /* propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue */
    if (!mailauth__cur_accept(&ps->c, '.'))
        return MAILAUTH_EINVAL;
    st = cfws(ps);
    if (st != MAILAUTH_OK)
        return st;
    if (!read_keyword(ps, &prop, &plen))
        return MAILAUTH_EINVAL;
    st = cfws(ps);
    if (st != MAILAUTH_OK)
        return st;
    if (!mailauth__cur_accept(&ps->c, '='))
        return MAILAUTH_EINVAL;
    st = read_value(ps);
    if (st != MAILAUTH_OK)
        return st;
    if (ri->nprops >= MAILAUTH__AR_MAX_PROPS)
        return MAILAUTH_EINVAL;
    return mailauth__ar_add_prop_n(ri, k, klen, prop, plen, mailauth__sb_str(&ps->val),
                                   ps->val.len);
}

/* The [CFWS reasonspec] [CFWS 1*propspec] of an entry, up to the next ";" or the end. A
 * malformed item is skipped as one piece and counted. */
static mailauth_status_t
read_items(parser_t *ps, mailauth_resinfo_t *ri)
{
    for (;;) {
        const char       *k = NULL;
        size_t            klen = 0, save = 0;
        mailauth_status_t st = cfws(ps);
        if (st != MAILAUTH_OK)
            return st;
        if (mailauth__cur_eof(&ps->c) || peek(ps) == ';')
            return MAILAUTH_OK;
        save = ps->c.pos;
        st = read_keyword(ps, &k, &klen) ? read_item(ps, ri, k, klen) : MAILAUTH_EINVAL;
        if (fatal(st))
            return st;
        if (st != MAILAUTH_OK) {
            ps->skipped++;
            ps->c.pos = save; /* the item is skipped as a whole */
            st = skip_piece(ps);
            if (st != MAILAUTH_OK)
                return st;
        }
    }
}

/* resinfo after its ";": methodspec, then items. */
static mailauth_status_t
read_resinfo(parser_t *ps)
{
    mailauth_resinfo_t *ri = NULL;
    mailauth_status_t   st = MAILAUTH_EINVAL;
    if (mailauth__cur_eof(&ps->c) || peek(ps) == ';')
        return MAILAUTH_OK; /* empty: ";;" or a trailing ";" is harmless */
    if (ps->ar->count < MAILAUTH__AR_MAX_RESINFOS)
        st = read_methodspec(ps, &ri);
    if (fatal(st))
        return st;
    if (st != MAILAUTH_OK) {
        ps->skipped++;
        return skip_to_semicolon(ps);
    }
    ps->usable = true;
    return read_items(ps, ri);
}

/* After ";": RFC 8601 §2.2 no-result ("none") or a resinfo. */
static mailauth_status_t
read_after_semicolon(parser_t *ps)
{
    size_t            save = 0;
    mailauth_status_t st = cfws(ps);
    if (st != MAILAUTH_OK)
        return st;
    save = ps->c.pos;
    if (accept_word(ps, "none")) {
        st = cfws(ps);
        if (st != MAILAUTH_OK)
            return st;
        if (mailauth__cur_eof(&ps->c) || peek(ps) == ';') {
            ps->usable = true;
            return MAILAUTH_OK;
        }
        ps->c.pos = save;
    }
    return read_resinfo(ps);
}

/* Optional field name: RFC 5322 §3.6.8 field-name, WSP before the colon tolerated (obs). */
static void
skip_field_name(parser_t *ps)
{
    size_t save = 0;
    (void)cfws(ps); /* no comment capture, so no allocation: cannot fail */
    save = ps->c.pos;
    if (mailauth__cur_accept_ci(&ps->c, "Authentication-Results")) {
        while (mailauth__is_wsp(peek(ps)))
            ps->c.pos++;
        if (mailauth__cur_accept(&ps->c, ':'))
            return;
    }
    ps->c.pos = save;
}

/* Bytes of a bare authserv-id: an RFC 2045 token (UTF-8 allowed). It stops before "=" and "/",
 * so a field that starts with "spf=pass" or "dkim/1=pass" is seen as one without authserv-id. */
static bool
is_id_byte(int c)
{
    char ch = (char)c;
    return c >= 0x80 || (c >= 0 && mailauth__ar_is_token(&ch, 1));
}

/* RFC 8601 §2.2: [CFWS] authserv-id [ CFWS authres-version ]. A missing authserv-id is counted
 * and the field read from the first resinfo (no ";" before it then). */
static mailauth_status_t
read_authserv_id(parser_t *ps)
{
    size_t            start = 0;
    bool              quoted = false;
    mailauth_status_t st = cfws(ps);
    if (st != MAILAUTH_OK || mailauth__cur_eof(&ps->c))
        return st;
    start = ps->c.pos;
    quoted = at_quote(ps);
    if (quoted) {
        st = read_quoted(ps, &ps->val);
    } else {
        while (is_id_byte(peek(ps)))
            ps->c.pos++;
        mailauth__sb_reset(&ps->val);
        st = mailauth__sb_put(&ps->val, ps->c.p + start, ps->c.pos - start);
    }
    if (st == MAILAUTH_OK)
        st = cfws(ps);
    if (fatal(st))
        return st;
    if (st == MAILAUTH_OK && !quoted && (peek(ps) == '=' || peek(ps) == '/')) {
        ps->c.pos = start; /* "spf=pass ...": no authserv-id */
        ps->skipped++;
        return read_resinfo(ps);
    }
    st = st == MAILAUTH_OK ? mailauth__ar_set_id(ps->ar, mailauth__sb_str(&ps->val), ps->val.len)
                           : MAILAUTH_EINVAL;
    if (fatal(st))
        return st;
    if (st != MAILAUTH_OK) {
        ps->skipped++;
        return MAILAUTH_OK;
    }
    ps->usable = true;
    while (mailauth__is_digit(peek(ps))) /* authres-version: only version 1 exists */
        ps->c.pos++;
    return MAILAUTH_OK;
}

/* Everything after the authserv-id: ";" resinfo ... with stray pieces skipped and counted. */
static mailauth_status_t
read_rest(parser_t *ps)
{
    mailauth_status_t st = MAILAUTH_OK;
    while (st == MAILAUTH_OK) {
        st = cfws(ps);
        if (st != MAILAUTH_OK || mailauth__cur_eof(&ps->c))
            break;
        if (mailauth__cur_accept(&ps->c, ';')) {
            st = read_after_semicolon(ps);
        } else {
            ps->skipped++;
            st = skip_piece(ps);
        }
    }
    return st;
}

mailauth_status_t
mailauth_authres_parse(const mailauth_allocator_t *alloc, const char *text, size_t len,
                       size_t *skipped, mailauth_authres_t **out)
{
    parser_t          ps;
    mailauth_status_t st = MAILAUTH_OK;
    if (skipped != NULL)
        *skipped = 0;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || (text == NULL && len != 0))
        return MAILAUTH_EINVAL;
    memset(&ps, 0, sizeof(ps));
    st = mailauth__ar_create(alloc, &ps.ar);
    if (st != MAILAUTH_OK)
        return st;
    mailauth__cur_init(&ps.c, text, len);
    mailauth__sb_init(&ps.val, &ps.ar->al, 0);
    mailauth__sb_init(&ps.com, &ps.ar->al, 0);
    skip_field_name(&ps);
    st = read_authserv_id(&ps);
    if (st == MAILAUTH_OK)
        st = read_rest(&ps);
    mailauth__sb_clear(&ps.val);
    mailauth__sb_clear(&ps.com);
    if (skipped != NULL)
        *skipped = ps.skipped;
    if (st == MAILAUTH_OK && !ps.usable)
        st = MAILAUTH_EINVAL;
    if (st != MAILAUTH_OK) {
        mailauth_authres_free(ps.ar);
        return st;
    }
    *out = ps.ar;
    return MAILAUTH_OK;
}
