/* RFC 5322 §3.4 address lists: the domain of each mailbox, in one forward
 * pass (see addr.h). Lexical tokens (§3.2): CFWS is skipped (comments with
 * a depth counter, never recursion), quoted strings and domain-literals are
 * read whole, everything else is a special or an atom. A per-mailbox state
 * then keeps only what DMARC needs: the text after the addr-spec's '@'. */
#include "msg/addr.h"

#include <string.h>

#include "domain/domain.h"
#include "util/str.h"

#define DOM_MAX 1024u /* UTF-8 domain text kept (mailauth__domain_to_alabel's input limit) */

/* The mailbox being read. */
typedef struct mbx {
    bool     content;    /* a token other than CFWS was seen */
    bool     angle;      /* inside "<...>" */
    bool     angle_done; /* a whole angle-addr was read: nothing but CFWS may follow */
    bool     at;         /* after the addr-spec '@': atoms and dots build the domain */
    bool     atom_last;  /* the last domain token was an atom (two in a row: not a domain) */
    bool     bad;        /* no usable domain */
    bool     local;      /* inside "<...>": a local part was seen before '@' (not a route) */
    unsigned ats;        /* '@' since the start (or since '<', or a route separator) */
    size_t   dlen;
    char     dom[DOM_MAX];
} mbx_t;

typedef struct scan {
    const char            *s;
    size_t                 n, i;
    bool                   in_group;
    size_t                 max;
    mailauth__arena_t     *a;
    mailauth__addr_list_t *out;
    mbx_t                  m;
} scan_t;

/* RFC 5322 §3.2.3 atext, plus UTF-8 (RFC 6532 §3.2). */
static bool
is_atext(unsigned char c)
{
    if (c >= 0x80 || mailauth__is_alnum(c))
        return true;
    return c != 0 && mailauth__memchr("!#$%&'*+-/=?^_`{|}~", 19, (char)c) != NULL;
}

static void
mbx_reset(mbx_t *m)
{
    m->content = m->angle = m->angle_done = m->at = m->atom_last = m->bad = m->local = false;
    m->ats = 0;
    m->dlen = 0;
}

static void
syntax(scan_t *sc, bool spoils_mailbox)
{
    sc->out->flags |= MAILAUTH__ADDR_SYNTAX;
    if (spoils_mailbox)
        sc->m.bad = true;
}

/* Domain of a finished mailbox, or NULL; MAILAUTH_ENOMEM only on allocation failure. */
static mailauth_status_t
finish_domain(scan_t *sc, const char **dom)
{
    mbx_t            *m = &sc->m;
    char             *alabel = NULL;
    mailauth_status_t st;
    *dom = NULL;
    /* One trailing dot (the root) is taken off by the A-label conversion:
     * "victim.example." must still get victim.example's policy. */
    if (m->bad || m->angle || !m->at || m->dlen == 0 || (m->dlen == 1 && m->dom[0] == '.'))
        return MAILAUTH_OK;
    st = mailauth__domain_to_alabel(sc->a, m->dom, m->dlen, &alabel);
    if (st == MAILAUTH_ENOMEM)
        return st;
    /* RFC 7489 §6.6.1 / RFC 9989 §5.3.1: U-labels become A-labels; what is
     * left must be a host name (LDH labels), not just any dot-atom. */
    if (st == MAILAUTH_OK && mailauth__domain_check(alabel, strlen(alabel), MAILAUTH__DOMAIN_LDH))
        *dom = alabel;
    return MAILAUTH_OK;
}

/* End of one element of the list: record it if it held anything. */
static mailauth_status_t
emit(scan_t *sc)
{
    mailauth__addr_list_t *out = sc->out;
    mailauth_status_t      st = MAILAUTH_OK;
    if (sc->m.content) {
        out->total++;
        if (out->n < sc->max) {
            st = finish_domain(sc, &out->domains[out->n]);
            if (st == MAILAUTH_OK)
                out->n++;
        } else {
            out->flags |= MAILAUTH__ADDR_TRUNCATED;
        }
    }
    mbx_reset(&sc->m);
    return st;
}

/* Where the addr-spec is read: inside "<...>", or the whole element when
 * it has no angle-addr. Anything after a finished angle-addr spoils it. */
static bool
in_addr_spec(scan_t *sc)
{
    if (sc->m.angle_done) {
        syntax(sc, true);
        return false;
    }
    return true;
}

static void
dom_append(scan_t *sc, const char *p, size_t k)
{
    mbx_t *m = &sc->m;
    if (m->dlen + k > DOM_MAX) {
        m->bad = true;
        return;
    }
    memcpy(m->dom + m->dlen, p, k);
    m->dlen += k;
}

static void
on_atom(scan_t *sc, const char *p, size_t k)
{
    mbx_t *m = &sc->m;
    m->content = true;
    if (!in_addr_spec(sc))
        return;
    if (!m->at) {
        m->local = true; /* display name, local part */
        return;
    }
    if (m->atom_last) {
        m->bad = true; /* "a@b c": two atoms with no dot between */
        return;
    }
    m->atom_last = true;
    dom_append(sc, p, k);
}

static void
on_dot(scan_t *sc)
{
    mbx_t *m = &sc->m;
    m->content = true;
    if (!in_addr_spec(sc))
        return;
    if (!m->at) {
        m->local = true; /* obs-phrase, dot-atom local part */
        return;
    }
    if (!m->atom_last) {
        m->bad = true; /* empty label */
        return;
    }
    m->atom_last = false;
    dom_append(sc, ".", 1);
}

static void
on_at(scan_t *sc)
{
    mbx_t *m = &sc->m;
    m->content = true;
    if (!in_addr_spec(sc))
        return;
    /* One '@' per addr-spec; inside "<...>" a route ("@a,@b:") resets the count. */
    if (++m->ats > 1) {
        syntax(sc, true);
        return;
    }
    m->at = true;
    m->atom_last = false;
    m->dlen = 0;
}

static void
on_langle(scan_t *sc)
{
    mbx_t *m = &sc->m;
    m->content = true;
    if (m->angle || m->angle_done) {
        syntax(sc, true); /* nested or second angle-addr: ambiguous */
        return;
    }
    /* The display name (and anything it looked like) is dropped. */
    m->angle = true;
    m->at = m->atom_last = false;
    m->ats = 0;
    m->dlen = 0;
    m->bad = m->local = false;
}

static void
on_rangle(scan_t *sc)
{
    if (!sc->m.angle) {
        syntax(sc, true);
        return;
    }
    sc->m.angle = false;
    sc->m.angle_done = true;
}

/* ',' ':' ';' — element and group structure, or obs-route inside "<...>". */
static mailauth_status_t
on_struct(scan_t *sc, char c)
{
    mbx_t *m = &sc->m;
    if (m->angle) {
        if (c == ';') {
            syntax(sc, true);
            return MAILAUTH_OK;
        }
        /* RFC 5322 §4.4 obs-route: "@a,@b:" precedes the addr-spec; a
         * ',' or ':' after a local part means two addresses in one "<>". */
        if (m->local)
            syntax(sc, true);
        m->at = m->atom_last = false;
        m->ats = 0;
        m->dlen = 0;
        return MAILAUTH_OK;
    }
    if (c == ',')
        return emit(sc);
    if (c == ':') {
        if (sc->in_group)
            syntax(sc, false); /* groups do not nest */
        sc->in_group = true;   /* §3.4 group: display-name ":" */
        mbx_reset(m);
        return MAILAUTH_OK;
    }
    if (!sc->in_group)
        syntax(sc, false); /* ';' outside a group */
    sc->in_group = false;
    return emit(sc);
}

/* Skip a comment starting at '(' (§3.2.2): nesting counted, quoted-pairs skipped. */
static void
skip_comment(scan_t *sc)
{
    size_t depth = 0;
    while (sc->i < sc->n) {
        char c = sc->s[sc->i++];
        if (c == '\\') {
            if (sc->i < sc->n)
                sc->i++;
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && --depth == 0) {
            return;
        }
    }
    syntax(sc, true); /* unterminated */
}

/* Skip a quoted string or a domain-literal up to `close`; false if unterminated. */
static bool
skip_quoted(scan_t *sc, char close)
{
    sc->i++;
    while (sc->i < sc->n) {
        char c = sc->s[sc->i++];
        if (c == '\\') {
            if (sc->i < sc->n)
                sc->i++;
        } else if (c == close) {
            return true;
        }
    }
    return false;
}

static void
on_quoted(scan_t *sc, char open)
{
    mbx_t *m = &sc->m;
    m->content = true;
    if (!skip_quoted(sc, open == '"' ? '"' : ']')) {
        syntax(sc, true);
        return;
    }
    if (open == '[')
        syntax(sc, false); /* domain-literal: no name for DMARC (below) */
    if (!in_addr_spec(sc))
        return;
    if (m->at)
        m->bad = true; /* a quoted domain, or an address literal */
    else
        m->local = true;
}

static void
on_atom_run(scan_t *sc)
{
    size_t start = sc->i;
    bool   ctl = false;
    while (sc->i < sc->n) {
        unsigned char c = (unsigned char)sc->s[sc->i];
        if (!is_atext(c)) {
            /* Controls are not atext; keep them inside the atom, flagged. */
            if (c >= 0x20 && c != 0x7f)
                break;
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                break;
            ctl = true;
        }
        sc->i++;
    }
    if (sc->i == start) { /* cannot happen (every special has a case); never loop */
        sc->i++;
        ctl = true;
    }
    if (ctl)
        syntax(sc, sc->m.at);
    on_atom(sc, sc->s + start, sc->i - start);
}

/* One token; MAILAUTH_ENOMEM only from emit(). */
static mailauth_status_t
next_token(scan_t *sc)
{
    char c = sc->s[sc->i];
    switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
        sc->i++;
        return MAILAUTH_OK;
    case '(':
        skip_comment(sc);
        return MAILAUTH_OK;
    case '"':
    case '[':
        on_quoted(sc, c);
        return MAILAUTH_OK;
    case ',':
    case ':':
    case ';':
        sc->i++;
        return on_struct(sc, c);
    case '<':
        sc->i++;
        on_langle(sc);
        return MAILAUTH_OK;
    case '>':
        sc->i++;
        on_rangle(sc);
        return MAILAUTH_OK;
    case '@':
        sc->i++;
        on_at(sc);
        return MAILAUTH_OK;
    case '.':
        sc->i++;
        on_dot(sc);
        return MAILAUTH_OK;
    case ')':
    case ']':
    case '\\':
        sc->i++;
        sc->m.content = true;
        syntax(sc, true);
        return MAILAUTH_OK;
    default:
        on_atom_run(sc);
        return MAILAUTH_OK;
    }
}

mailauth_status_t
mailauth__addr_parse_domains(mailauth__arena_t *a, const char *value, size_t len, size_t max,
                             mailauth__addr_list_t *out)
{
    scan_t           *sc = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (a == NULL || out == NULL || (value == NULL && len != 0))
        return MAILAUTH_EINVAL;
    /* The scan state holds a domain buffer: keep it off the caller's stack. */
    sc = mailauth__arena_calloc(a, 1, sizeof(*sc));
    out->domains = mailauth__arena_calloc(a, max != 0 ? max : 1, sizeof(*out->domains));
    if (sc == NULL || out->domains == NULL)
        return MAILAUTH_ENOMEM;
    sc->s = value;
    sc->n = len;
    sc->max = max;
    sc->a = a;
    sc->out = out;
    while (st == MAILAUTH_OK && sc->i < sc->n)
        st = next_token(sc);
    if (st != MAILAUTH_OK)
        return st;
    if (sc->m.angle)
        syntax(sc, true); /* "<" never closed */
    if (sc->in_group)
        syntax(sc, false); /* group without its ';' */
    return emit(sc);
}
