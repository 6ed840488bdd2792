/* Zone text parser (format: docs/zone-format.md).
 *
 *   owner [ttl] [IN] TYPE rdata   ; comment
 *   $ORIGIN name                  ; RFC 1035 §5.1 directives
 *   $TTL seconds
 *
 * One record per line; '#' or ';' outside quotes starts a comment; leading
 * blanks are ignored (the owner is always the first token). Owner names are
 * case-insensitive. Without $ORIGIN every name is absolute, the trailing dot
 * optional (the format before master-file syntax, kept valid); after
 * $ORIGIN a name without a trailing dot is relative to it and `@` is the
 * origin itself. Bare tokens may hold bytes 0x21..0x7e except '"', ';',
 * '#'; anything else is written \DDD (decimal) or \X (RFC 1035 §5.1). The
 * optional TTL (seconds, 0..2^31-1, RFC 2181 §8) defaults to $TTL, else 300;
 * TTL and class may come in either order. Types: A, AAAA, MX (pref target,
 * "." is the RFC 7505 null MX), TXT (one or more quoted strings,
 * concatenated, or one bare token), PTR, CNAME; any other alphanumeric type
 * name is accepted, its rdata tokens skipped: the owner then exists but
 * never answers our types. The rdata TIMEOUT or SERVFAIL makes (owner, type)
 * fail temporarily; NXDOMAIN or NODATA makes it answer that negative answer
 * (with the line's TTL), as mailauth-check --record-zone writes them.
 */
#include <arpa/inet.h>
#include <string.h>

#include "dns/dns_int.h"
#include "util/alloc.h"
#include "util/str.h"

#define RDATA_MAX 65535u /* RFC 1035 §3.2.1: RDLENGTH is 16 bits */
#define TTL_MAX 2147483647u

/* Growable byte buffer, bounded by RDATA_MAX. */
struct zbuf {
    const mailauth_allocator_t *al;
    uint8_t                    *p;
    size_t                      len, cap;
};

static mailauth_status_t
zb_put(struct zbuf *b, uint8_t ch)
{
    if (b->len >= RDATA_MAX)
        return MAILAUTH_EINVAL;
    if (b->len == b->cap) {
        size_t   cap = b->cap != 0 ? b->cap * 2 : 256;
        uint8_t *p = mailauth__realloc(b->al, b->p, cap);
        if (p == NULL)
            return MAILAUTH_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    b->p[b->len++] = ch;
    return MAILAUTH_OK;
}

/* Cursor over one line (without its line ending). */
struct lcur {
    const char *s;
    size_t      n, i;
};

static int
peek(const struct lcur *c)
{
    return c->i < c->n ? (unsigned char)c->s[c->i] : -1;
}

static void
skip_ws(struct lcur *c)
{
    while (c->i < c->n && mailauth__is_wsp((unsigned char)c->s[c->i]))
        c->i++;
}

/* End of line or start of a comment. */
static bool
at_end(const struct lcur *c)
{
    int ch = peek(c);
    return ch < 0 || ch == '#' || ch == ';';
}

/* A token must be followed by blanks, a comment or the end of the line. */
static bool
token_ends(const struct lcur *c)
{
    return at_end(c) || mailauth__is_wsp(peek(c));
}

static bool
bare_char(int ch)
{
    return ch >= 0x21 && ch <= 0x7e && ch != '"' && ch != ';' && ch != '#';
}

/* Raw token (no escapes): TTL, class, type, numbers, addresses. */
static bool
read_raw(struct lcur *c, const char **tok, size_t *len)
{
    size_t start = c->i;
    while (bare_char(peek(c)) && peek(c) != '\\')
        c->i++;
    *tok = c->s + start;
    *len = c->i - start;
    return *len > 0 && token_ends(c);
}

/* After a backslash (RFC 1035 §5.1): \DDD is a decimal byte, \X is X. */
static mailauth_status_t
read_escape(struct lcur *c, struct zbuf *out)
{
    int      ch = peek(c);
    unsigned v = 0;
    if (ch < 0)
        return MAILAUTH_EINVAL;
    if (!mailauth__is_digit(ch)) {
        c->i++;
        return zb_put(out, (uint8_t)ch);
    }
    for (int k = 0; k < 3; k++) {
        ch = peek(c);
        if (!mailauth__is_digit(ch))
            return MAILAUTH_EINVAL;
        v = v * 10 + (unsigned)(ch - '0');
        c->i++;
    }
    return v > 255 ? MAILAUTH_EINVAL : zb_put(out, (uint8_t)v);
}

/* Bare token with escapes, appended to out. */
static mailauth_status_t
read_bare(struct lcur *c, struct zbuf *out)
{
    size_t            start = c->i;
    mailauth_status_t st = MAILAUTH_OK;
    while (st == MAILAUTH_OK && bare_char(peek(c))) {
        int ch = (unsigned char)c->s[c->i++];
        st = ch == '\\' ? read_escape(c, out) : zb_put(out, (uint8_t)ch);
    }
    if (st == MAILAUTH_OK && (c->i == start || !token_ends(c)))
        st = MAILAUTH_EINVAL;
    return st;
}

/* Quoted string: escapes \" \\ \DDD; raw bytes >= 0x80 and tabs allowed. */
static mailauth_status_t
read_quoted(struct lcur *c, struct zbuf *out)
{
    mailauth_status_t st = MAILAUTH_OK;
    c->i++; /* opening quote */
    for (;;) {
        int ch = peek(c);
        if (ch < 0)
            return MAILAUTH_EINVAL; /* unterminated */
        c->i++;
        if (ch == '"')
            return MAILAUTH_OK;
        if (ch == '\\')
            st = read_escape(c, out);
        else if (ch < 0x20 && ch != '\t')
            st = MAILAUTH_EINVAL;
        else
            st = zb_put(out, (uint8_t)ch);
        if (st != MAILAUTH_OK)
            return st;
    }
}

struct pstate {
    struct zbuf          name, data;
    char                 target[MAILAUTH__DNS_NAME_MAX + 1];
    char                 origin[MAILAUTH__DNS_NAME_MAX + 1]; /* $ORIGIN, normalized */
    size_t               originlen;                          /* 0: no $ORIGIN, names absolute */
    uint32_t             ttl;                                /* $TTL, else the default */
    mailauth__dns_zrec_t rec;
};

/* The token ends with an unescaped dot: an absolute name (RFC 1035 §5.1). */
static bool
absolute(const char *tok, size_t n)
{
    size_t bs = 0;
    if (n == 0 || tok[n - 1] != '.')
        return false;
    while (bs + 1 < n && tok[n - 2 - bs] == '\\')
        bs++;
    return bs % 2 == 0;
}

/* The single-character token `ch` (`.` or `@`) stands alone at c. */
static bool
lone(struct lcur *c, int ch)
{
    if (peek(c) != ch)
        return false;
    c->i++;
    if (token_ends(c))
        return true;
    c->i--;
    return false;
}

/* A domain name token into normalized form; "." allowed only if root_ok
 * (giving the empty name). After $ORIGIN, "@" is the origin and a name
 * without a final dot is relative to it. */
static mailauth_status_t
read_name(struct lcur *c, struct pstate *ps, bool root_ok, char *out, size_t *outlen)
{
    struct zbuf      *tmp = &ps->name;
    size_t            start = c->i;
    mailauth_status_t st = MAILAUTH_OK;
    tmp->len = 0;
    if (root_ok && lone(c, '.')) {
        *outlen = 0;
        out[0] = '\0';
        return MAILAUTH_OK;
    }
    if (lone(c, '@')) {
        memcpy(out, ps->origin, ps->originlen + 1);
        *outlen = ps->originlen;
        return ps->originlen > 0 ? MAILAUTH_OK : MAILAUTH_EINVAL;
    }
    if ((st = read_bare(c, tmp)) != MAILAUTH_OK)
        return st;
    if (ps->originlen > 0 && !absolute(c->s + start, c->i - start)) {
        st = zb_put(tmp, '.');
        for (size_t i = 0; st == MAILAUTH_OK && i < ps->originlen; i++)
            st = zb_put(tmp, (uint8_t)ps->origin[i]);
        if (st != MAILAUTH_OK)
            return st;
    }
    *outlen = mailauth__dns_name_norm((const char *)tmp->p, tmp->len, out);
    return *outlen > 0 ? MAILAUTH_OK : MAILAUTH_EINVAL;
}

static bool
parse_uint(const char *tok, size_t len, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 10)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!mailauth__is_digit((unsigned char)tok[i]))
            return false;
        v = v * 10 + (uint64_t)(tok[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static const struct {
    const char *name;
    uint16_t    code;
} known_types[] = {
    {"A", MAILAUTH_DNS_A},     {"AAAA", MAILAUTH_DNS_AAAA}, {"MX", MAILAUTH_DNS_MX},
    {"TXT", MAILAUTH_DNS_TXT}, {"PTR", MAILAUTH_DNS_PTR},   {"CNAME", MAILAUTH__DNS_CNAME},
};

/* Type name to code (0: unknown but well-formed); false if malformed. */
static bool
type_code(const char *tok, size_t len, uint16_t *code)
{
    for (size_t i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++) {
        if (strlen(known_types[i].name) == len &&
            mailauth__eq_ci_n(tok, known_types[i].name, len)) {
            *code = known_types[i].code;
            return true;
        }
    }
    *code = 0;
    if (!mailauth__is_alpha((unsigned char)tok[0]))
        return false;
    for (size_t i = 1; i < len; i++) {
        if (!mailauth__is_alnum((unsigned char)tok[i]) && tok[i] != '-')
            return false;
    }
    return true;
}

static mailauth_status_t
rdata_addr(struct lcur *c, struct pstate *ps, int af)
{
    const char *tok;
    size_t      len;
    char        text[64];
    ps->data.len = 0;
    if (!read_raw(c, &tok, &len) || len >= sizeof(text))
        return MAILAUTH_EINVAL;
    memcpy(text, tok, len);
    text[len] = '\0';
    for (size_t i = 0; i < 16; i++) {
        mailauth_status_t st = zb_put(&ps->data, 0);
        if (st != MAILAUTH_OK)
            return st;
    }
    if (inet_pton(af, text, ps->data.p) != 1)
        return MAILAUTH_EINVAL;
    ps->rec.data = ps->data.p;
    ps->rec.len = af == AF_INET ? 4 : 16;
    return MAILAUTH_OK;
}

static mailauth_status_t
rdata_name(struct lcur *c, struct pstate *ps, bool mx)
{
    mailauth_status_t st;
    size_t            len = 0;
    if (mx) {
        const char *tok;
        size_t      toklen;
        uint32_t    pref = 0;
        if (!read_raw(c, &tok, &toklen) || !parse_uint(tok, toklen, 65535, &pref))
            return MAILAUTH_EINVAL;
        ps->rec.pref = (uint16_t)pref;
        skip_ws(c);
    }
    st = read_name(c, ps, mx, ps->target, &len);
    ps->rec.data = (const uint8_t *)ps->target;
    ps->rec.len = len;
    return st;
}

/* TXT: quoted strings (concatenated, RFC 7208 §3.3) or one bare token. */
static mailauth_status_t
rdata_txt(struct lcur *c, struct pstate *ps)
{
    mailauth_status_t st = MAILAUTH_OK;
    ps->data.len = 0;
    if (peek(c) != '"') {
        st = read_bare(c, &ps->data);
    } else {
        while (st == MAILAUTH_OK && peek(c) == '"') {
            st = read_quoted(c, &ps->data);
            skip_ws(c);
        }
    }
    ps->rec.data = ps->data.p;
    ps->rec.len = ps->data.len;
    return st;
}

/* Rdata of a type we do not serve: check its tokens, keep nothing. */
static mailauth_status_t
rdata_skip(struct lcur *c, struct pstate *ps)
{
    mailauth_status_t st = MAILAUTH_OK;
    ps->rec.data = NULL;
    ps->rec.len = 0;
    while (st == MAILAUTH_OK && !at_end(c)) {
        ps->data.len = 0;
        st = peek(c) == '"' ? read_quoted(c, &ps->data) : read_bare(c, &ps->data);
        skip_ws(c);
    }
    return st;
}

/* Rdata keywords standing for an outcome instead of records. */
static const struct {
    const char *word;
    bool        tempfail;
    uint8_t     neg;
} outcome_words[] = {
    {"TIMEOUT", true, 0},
    {"SERVFAIL", true, 0},
    {"NXDOMAIN", false, MAILAUTH_DNS_NXDOMAIN},
    {"NODATA", false, MAILAUTH_DNS_NODATA},
};

/* TIMEOUT / SERVFAIL / NXDOMAIN / NODATA as the whole rdata. */
static bool
rdata_outcome(struct lcur *c, mailauth__dns_zrec_t *rec)
{
    struct lcur save = *c;
    const char *tok;
    size_t      len;
    if (read_raw(c, &tok, &len)) {
        skip_ws(c);
        for (size_t i = 0; at_end(c) && i < sizeof(outcome_words) / sizeof(outcome_words[0]); i++) {
            if (mailauth__mem_eq_ci(tok, len, outcome_words[i].word)) {
                rec->tempfail = outcome_words[i].tempfail;
                rec->neg = outcome_words[i].neg;
                return true;
            }
        }
    }
    *c = save;
    return false;
}

static mailauth_status_t
rdata(struct lcur *c, struct pstate *ps)
{
    if (at_end(c))
        return MAILAUTH_EINVAL;
    if (rdata_outcome(c, &ps->rec))
        return MAILAUTH_OK;
    switch (ps->rec.type) {
    case MAILAUTH_DNS_A:
        return rdata_addr(c, ps, AF_INET);
    case MAILAUTH_DNS_AAAA:
        return rdata_addr(c, ps, AF_INET6);
    case MAILAUTH_DNS_MX:
        return rdata_name(c, ps, true);
    case MAILAUTH_DNS_PTR:
    case MAILAUTH__DNS_CNAME:
        return rdata_name(c, ps, false);
    case MAILAUTH_DNS_TXT:
        return rdata_txt(c, ps);
    default:
        return rdata_skip(c, ps);
    }
}

/* owner [ttl] [IN] TYPE (TTL and class in either order, RFC 1035 §5.1):
 * fills ps->rec's owner, ttl and type. */
static mailauth_status_t
header(struct lcur *c, struct pstate *ps, char *owner)
{
    const char       *tok;
    size_t            len;
    bool              have_ttl = false, have_class = false;
    mailauth_status_t st = read_name(c, ps, false, owner, &ps->rec.ownerlen);
    if (st != MAILAUTH_OK)
        return st;
    ps->rec.owner = owner;
    for (;;) {
        skip_ws(c);
        if (!read_raw(c, &tok, &len))
            return MAILAUTH_EINVAL;
        if (!have_ttl && mailauth__is_digit((unsigned char)tok[0])) {
            if (!parse_uint(tok, len, TTL_MAX, &ps->rec.ttl))
                return MAILAUTH_EINVAL;
            have_ttl = true;
        } else if (!have_class && mailauth__mem_eq_ci(tok, len, "IN")) {
            have_class = true;
        } else {
            break;
        }
    }
    return type_code(tok, len, &ps->rec.type) ? MAILAUTH_OK : MAILAUTH_EINVAL;
}

/* $ORIGIN name / $TTL seconds (RFC 1035 §5.1; $INCLUDE and others are
 * refused). A relative $ORIGIN is relative to the one before it. */
static mailauth_status_t
directive(struct lcur *c, struct pstate *ps)
{
    const char *tok;
    size_t      len;
    if (!read_raw(c, &tok, &len))
        return MAILAUTH_EINVAL;
    skip_ws(c);
    if (mailauth__mem_eq_ci(tok, len, "$TTL")) {
        if (!read_raw(c, &tok, &len) || !parse_uint(tok, len, TTL_MAX, &ps->ttl))
            return MAILAUTH_EINVAL;
        return MAILAUTH_OK;
    }
    if (mailauth__mem_eq_ci(tok, len, "$ORIGIN")) {
        char              name[MAILAUTH__DNS_NAME_MAX + 1];
        size_t            n = 0;
        mailauth_status_t st = read_name(c, ps, true, name, &n);
        if (st == MAILAUTH_OK) {
            memcpy(ps->origin, name, n + 1);
            ps->originlen = n;
        }
        return st;
    }
    return MAILAUTH_EINVAL;
}

static mailauth_status_t
parse_line(struct pstate *ps, const char *s, size_t n,
           mailauth_status_t (*fn)(void *ud, const mailauth__dns_zrec_t *rec), void *ud)
{
    struct lcur       c = {.s = s, .n = n, .i = 0};
    char              owner[MAILAUTH__DNS_NAME_MAX + 1];
    mailauth_status_t st;
    skip_ws(&c);
    if (at_end(&c))
        return MAILAUTH_OK; /* blank or comment */
    memset(&ps->rec, 0, sizeof(ps->rec));
    ps->rec.ttl = ps->ttl;
    if (peek(&c) == '$') {
        st = directive(&c, ps);
    } else {
        st = header(&c, ps, owner);
        if (st == MAILAUTH_OK) {
            skip_ws(&c);
            st = rdata(&c, ps);
        }
    }
    if (st == MAILAUTH_OK) {
        skip_ws(&c);
        st = at_end(&c) ? MAILAUTH_OK : MAILAUTH_EINVAL;
    }
    if (st == MAILAUTH_OK && fn != NULL && ps->rec.owner != NULL)
        st = fn(ud, &ps->rec);
    ps->rec.owner = NULL; /* pointed at `owner`, which ends here */
    return st;
}

mailauth_status_t
mailauth__dns_zone_parse(const mailauth_allocator_t *al, const char *text, size_t len,
                         size_t *errline,
                         mailauth_status_t (*fn)(void *ud, const mailauth__dns_zrec_t *rec),
                         void *ud)
{
    struct pstate     ps = {.name = {.al = al}, .data = {.al = al}, .ttl = MAILAUTH__DNS_ZONE_TTL};
    mailauth_status_t st = MAILAUTH_OK;
    size_t            pos = 0, line = 0;
    if (errline != NULL)
        *errline = 0;
    if (text == NULL && len > 0)
        return MAILAUTH_EINVAL;
    while (st == MAILAUTH_OK && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t      end = nl != NULL ? (size_t)(nl - text) : len;
        size_t      n = end - pos;
        line++;
        if (n > 0 && text[pos + n - 1] == '\r')
            n--;
        st = parse_line(&ps, text + pos, n, fn, ud);
        pos = end + 1;
    }
    if (st == MAILAUTH_EINVAL && errline != NULL)
        *errline = line;
    mailauth__free(al, ps.name.p);
    mailauth__free(al, ps.data.p);
    return st;
}
