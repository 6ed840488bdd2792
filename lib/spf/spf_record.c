/* SPF record parser (RFC 7208 §4.5, §4.6.1, §5, §6, ABNF of §12).
 *
 * The whole record is checked before anything is evaluated (§4.6: syntax
 * errors anywhere in the record are found), and each term is turned into a
 * mailauth__spf_term_t that points into the record text.
 */
#include <string.h>

#include "spf/spf.h"
#include "util/alloc.h"
#include "util/str.h"

/* §4.5: "v=spf1" then SP or the end of the record. */
bool
mailauth__spf_is_v1(const char *txt, size_t len)
{
    return txt != NULL && len >= 6 && mailauth__eq_ci_n(txt, "v=spf1", 6) &&
           (len == 6 || txt[6] == ' ');
}

bool
mailauth__spf_term_is_dns(const mailauth__spf_term_t *t)
{
    /* §4.6.4: include, a, mx, ptr, exists and redirect cause DNS queries */
    switch (t->mech) {
    case MAILAUTH__SPF_INCLUDE:
    case MAILAUTH__SPF_A:
    case MAILAUTH__SPF_MX:
    case MAILAUTH__SPF_PTR:
    case MAILAUTH__SPF_EXISTS:
    case MAILAUTH__SPF_REDIRECT:
        return true;
    default:
        return false;
    }
}

/* ASCII letter folded to lower case; other bytes unchanged. Local so the
 * per-term paths below need no call. */
static inline int
lc(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Mechanism name (§5, case-insensitive) to kind; 0xff if unknown. Chosen by
 * length, then by the first letter, so a record costs one comparison per term. */
static uint8_t
mech_kind(const char *s, size_t n)
{
    switch (n) {
    case 1:
        return lc((unsigned char)s[0]) == 'a' ? MAILAUTH__SPF_A : 0xff;
    case 2:
        return lc((unsigned char)s[0]) == 'm' && lc((unsigned char)s[1]) == 'x' ? MAILAUTH__SPF_MX
                                                                                 : 0xff;
    case 3:
        switch (lc((unsigned char)s[0])) {
        case 'i': /* ip4, ip6 */
            if (lc((unsigned char)s[1]) != 'p' || (s[2] != '4' && s[2] != '6'))
                return 0xff;
            return s[2] == '4' ? MAILAUTH__SPF_IP4 : MAILAUTH__SPF_IP6;
        case 'a':
            return mailauth__eq_ci_n(s, "all", 3) ? MAILAUTH__SPF_ALL : 0xff;
        case 'p':
            return mailauth__eq_ci_n(s, "ptr", 3) ? MAILAUTH__SPF_PTR : 0xff;
        default:
            return 0xff;
        }
    case 6:
        return mailauth__eq_ci_n(s, "exists", 6) ? MAILAUTH__SPF_EXISTS : 0xff;
    case 7:
        return mailauth__eq_ci_n(s, "include", 7) ? MAILAUTH__SPF_INCLUDE : 0xff;
    default:
        return 0xff;
    }
}

typedef struct parser {
    mailauth__spf_syntax_t *err;
    const char             *term; /* current term, for error reports */
    size_t                  term_len;
} parser_t;

static mailauth_status_t
fail(parser_t *p, const char *what, mailauth_reason_t reason)
{
    p->err->term = p->term;
    p->err->term_len = p->term_len;
    p->err->what = what;
    p->err->reason = reason;
    return MAILAUTH_EINVAL;
}

/* A domain-spec after ':' or '=': §7.1 syntax, macros noted. */
static mailauth_status_t
set_spec(parser_t *p, mailauth__spf_term_t *t, const char *s, size_t n)
{
    unsigned    found = 0;
    const char *what = NULL;
    if (mailauth__spf_macro_check(s, n, MAILAUTH__SPF_MACRO_DOMAIN, &found, &what) != MAILAUTH_OK)
        return fail(p, what, n == 0 ? MAILAUTH_REASON_SPF_SYNTAX : MAILAUTH_REASON_SPF_MACRO);
    t->spec = s;
    t->spec_len = (uint32_t)n;
    if (found & MAILAUTH__SPF_HAS_MACRO)
        t->flags |= MAILAUTH__SPF_T_MACRO;
    if (found & MAILAUTH__SPF_HAS_P)
        t->flags |= MAILAUTH__SPF_T_PMACRO;
    return MAILAUTH_OK;
}

/* "/" ("0" / %x31-39 0*nDIGIT) with value <= max, at s[0..n) exactly. */
static bool
cidr_len(const char *s, size_t n, unsigned max, uint8_t *out)
{
    unsigned v = 0;
    if (n < 2 || n > 4 || s[0] != '/' || (s[1] == '0' && n > 2))
        return false;
    for (size_t i = 1; i < n; i++) {
        if (!mailauth__is_digit((unsigned char)s[i]))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint8_t)v;
    return true;
}

/* Length of a trailing "/" 1*DIGIT of s[0..n), 0 if none. */
static size_t
tail_slash_digits(const char *s, size_t n)
{
    size_t k = n;
    while (k > 0 && mailauth__is_digit((unsigned char)s[k - 1]))
        k--;
    if (k == n || k == 0 || s[k - 1] != '/')
        return 0;
    return n - k + 1;
}

/* §5.3/§5.4: [ ":" domain-spec ] [ dual-cidr-length ], with
 * dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ].
 * The cidr is taken from the right, so a domain-spec may hold '/'. */
static mailauth_status_t
parse_dual(parser_t *p, mailauth__spf_term_t *t, const char *s, size_t n)
{
    size_t k6 = tail_slash_digits(s, n), k4 = 0;
    size_t end = n;
    t->cidr4 = 32;
    t->cidr6 = 128;
    if (k6 != 0 && end - k6 >= 1 && s[end - k6 - 1] == '/') {
        if (!cidr_len(s + end - k6, k6, 128, &t->cidr6))
            return fail(p, "bad ip6-cidr-length", MAILAUTH_REASON_SPF_SYNTAX);
        end -= k6 + 1;
    }
    k4 = tail_slash_digits(s, end);
    if (k4 != 0) {
        if (!cidr_len(s + end - k4, k4, 32, &t->cidr4))
            return fail(p, "bad ip4-cidr-length", MAILAUTH_REASON_SPF_SYNTAX);
        end -= k4;
    }
    if (end == 0)
        return MAILAUTH_OK; /* no domain-spec */
    if (s[0] != ':')
        return fail(p, "bad mechanism argument", MAILAUTH_REASON_SPF_SYNTAX);
    return set_spec(p, t, s + 1, end - 1);
}

/* §5.6: ip4:ip4-network[ip4-cidr-length], ip6:ip6-network[ip6-cidr-length]. */
static mailauth_status_t
parse_ip(parser_t *p, mailauth__spf_term_t *t, const char *s, size_t n)
{
    unsigned prefix = 0;
    int      family = t->mech == MAILAUTH__SPF_IP4 ? 4 : 6;
    if (n < 2 || s[0] != ':' || !mailauth__cidr_parse(s + 1, n - 1, &t->net, &prefix) ||
        t->net.family != family)
        return fail(p, family == 4 ? "bad ip4 network" : "bad ip6 network",
                    MAILAUTH_REASON_SPF_SYNTAX);
    t->cidr4 = (uint8_t)prefix;
    return MAILAUTH_OK;
}

/* directive = [ qualifier ] mechanism (§4.6.1, §5). */
static mailauth_status_t
parse_directive(parser_t *p, mailauth__spf_term_t *t, const char *s, size_t n)
{
    size_t nl = 0;
    bool   qualified = n > 0;
    t->verdict = MAILAUTH_VERDICT_PASS;
    if (n > 0) {
        switch (s[0]) { /* §4.6.2 qualifiers; none means "+" */
        case '+':
            t->verdict = MAILAUTH_VERDICT_PASS;
            break;
        case '-':
            t->verdict = MAILAUTH_VERDICT_FAIL;
            break;
        case '~':
            t->verdict = MAILAUTH_VERDICT_SOFTFAIL;
            break;
        case '?':
            t->verdict = MAILAUTH_VERDICT_NEUTRAL;
            break;
        default:
            qualified = false;
            break;
        }
    }
    if (qualified) {
        s++;
        n--;
    }
    for (nl = 0; nl < n && s[nl] != ':' && s[nl] != '/'; nl++)
        ;
    t->mech = mech_kind(s, nl);
    s += nl;
    n -= nl;
    switch (t->mech) {
    case MAILAUTH__SPF_ALL: /* §5.1: "all", nothing more */
        return n == 0 ? MAILAUTH_OK
                      : fail(p, "\"all\" takes no argument", MAILAUTH_REASON_SPF_SYNTAX);
    case MAILAUTH__SPF_INCLUDE: /* §5.2, §5.7: ":" domain-spec, required */
    case MAILAUTH__SPF_EXISTS:
        if (n == 0 || s[0] != ':')
            return fail(p, "missing domain-spec", MAILAUTH_REASON_SPF_SYNTAX);
        return set_spec(p, t, s + 1, n - 1);
    case MAILAUTH__SPF_PTR: /* §5.5: [ ":" domain-spec ], no cidr */
        if (n == 0)
            return MAILAUTH_OK;
        if (s[0] != ':')
            return fail(p, "bad ptr argument", MAILAUTH_REASON_SPF_SYNTAX);
        return set_spec(p, t, s + 1, n - 1);
    case MAILAUTH__SPF_A:
    case MAILAUTH__SPF_MX:
        return parse_dual(p, t, s, n);
    case MAILAUTH__SPF_IP4:
    case MAILAUTH__SPF_IP6:
        return parse_ip(p, t, s, n);
    default:
        return fail(p, "unknown mechanism", MAILAUTH_REASON_SPF_SYNTAX);
    }
}

/* Length of a modifier name followed by '=' at s, 0 if the term is not a
 * modifier: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (§4.6.1, §12). */
static size_t
modifier_name(const char *s, size_t n)
{
    size_t k = 0;
    if (n == 0 || lc((unsigned char)s[0]) < 'a' || lc((unsigned char)s[0]) > 'z')
        return 0;
    for (k = 1; k < n; k++) {
        int c = lc((unsigned char)s[k]);
        if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' && c != '_' &&
            c != '.')
            break;
    }
    return (k < n && s[k] == '=') ? k : 0;
}

typedef struct mods {
    mailauth__spf_term_t redirect, exp;
    bool                 have_redirect, have_exp;
} mods_t;

static mailauth_status_t
parse_modifier(parser_t *p, mods_t *m, const char *s, size_t n, size_t nl)
{
    const char *v = s + nl + 1;
    size_t      vn = n - nl - 1;
    const char *what = NULL;
    bool        is_redirect = mailauth__mem_eq_ci(s, nl, "redirect");
    if (is_redirect || mailauth__mem_eq_ci(s, nl, "exp")) {
        mailauth__spf_term_t *t = is_redirect ? &m->redirect : &m->exp;
        bool                 *have = is_redirect ? &m->have_redirect : &m->have_exp;
        /* §6: redirect and exp MUST NOT appear more than once each */
        if (*have)
            return fail(p, "modifier appears twice", MAILAUTH_REASON_SPF_SYNTAX);
        *have = true;
        memset(t, 0, sizeof(*t));
        t->mech = is_redirect ? MAILAUTH__SPF_REDIRECT : MAILAUTH__SPF_EXP;
        t->verdict = MAILAUTH_VERDICT_PASS;
        t->text = s;
        t->text_len = (uint32_t)n;
        return set_spec(p, t, v, vn);
    }
    /* §6: unknown modifiers are ignored, but must be well-formed (§12) */
    if (mailauth__spf_macro_check(v, vn, MAILAUTH__SPF_MACRO_PLAIN, NULL, &what) != MAILAUTH_OK)
        return fail(p, what, MAILAUTH_REASON_SPF_MACRO);
    return MAILAUTH_OK;
}

/* The next term of s[0..n) from *i: *start, *len; false at the end. */
static bool
next_term(const char *s, size_t n, size_t *i, size_t *start, size_t *len)
{
    size_t      k = *i;
    const char *sp;
    while (k < n && s[k] == ' ')
        k++;
    if (k == n)
        return false;
    *start = k;
    sp = memchr(s + k, ' ', n - k);
    k = sp != NULL ? (size_t)(sp - s) : n;
    *len = k - *start;
    *i = k;
    return true;
}

/* §4.6.1: terms = *( 1*SP ( directive / modifier ) ); record = version terms *SP.
 * The first MAILAUTH__SPF_KEEP_TERMS mechanisms are put in keep; a record
 * with more is read again from the text by mailauth__spf_record_next(). */
static mailauth_status_t
parse_terms(parser_t *p, mailauth__spf_record_t *rec, mods_t *m, mailauth__spf_term_t *keep)
{
    size_t i = 6, start = 0, len = 0;
    while (next_term(rec->txt, rec->len, &i, &start, &len)) {
        size_t            nl;
        mailauth_status_t st;
        p->term = rec->txt + start;
        p->term_len = len;
        nl = modifier_name(p->term, p->term_len);
        if (nl != 0) {
            st = parse_modifier(p, m, p->term, p->term_len, nl);
        } else {
            mailauth__spf_term_t t;
            memset(&t, 0, sizeof(t));
            t.text = p->term;
            t.text_len = (uint32_t)p->term_len;
            st = parse_directive(p, &t, p->term, p->term_len);
            if (rec->nmech < MAILAUTH__SPF_KEEP_TERMS)
                keep[rec->nmech] = t;
            rec->nmech++;
            rec->has_all |= t.mech == MAILAUTH__SPF_ALL;
        }
        if (st != MAILAUTH_OK)
            return st;
    }
    return MAILAUTH_OK;
}

bool
mailauth__spf_record_next(const mailauth__spf_record_t *r, size_t *pos, mailauth__spf_term_t *t)
{
    size_t                 start = 0, len = 0;
    mailauth__spf_syntax_t err;
    parser_t               p = {.err = &err};
    if (r->terms != NULL) { /* small record: parsed once */
        if (*pos >= r->nmech)
            return false;
        *t = r->terms[(*pos)++];
        return true;
    }
    if (*pos < 6)
        *pos = 6;
    while (next_term(r->txt, r->len, pos, &start, &len)) {
        if (modifier_name(r->txt + start, len) != 0)
            continue;
        memset(t, 0, sizeof(*t));
        t->text = r->txt + start;
        t->text_len = (uint32_t)len;
        p.term = t->text;
        p.term_len = len;
        /* checked by mailauth__spf_record_parse(): cannot fail here */
        return parse_directive(&p, t, t->text, len) == MAILAUTH_OK;
    }
    return false;
}

/* The parse itself: r, m and keep filled from txt, nothing allocated. */
static mailauth_status_t
parse_record(const char *txt, size_t len, mailauth__spf_record_t *r, mods_t *m,
             mailauth__spf_term_t *keep, mailauth__spf_syntax_t *err)
{
    parser_t p;
    memset(err, 0, sizeof(*err));
    p.err = err;
    p.term = txt;
    p.term_len = 0;
    if (!mailauth__spf_is_v1(txt, len) || len > UINT32_MAX)
        return fail(&p, "not an SPF version 1 record", MAILAUTH_REASON_SPF_SYNTAX);
    memset(r, 0, sizeof(*r));
    r->txt = txt;
    r->len = len;
    memset(m, 0, sizeof(*m));
    return parse_terms(&p, r, m, keep);
}

/* Bytes of the one allocation holding a parsed record (and its mechanisms
 * when it keeps them). */
static size_t
record_size(const mailauth__spf_record_t *r)
{
    size_t nkeep = r->nmech <= MAILAUTH__SPF_KEEP_TERMS ? r->nmech : 0;
    return sizeof(*r) + nkeep * sizeof(mailauth__spf_term_t);
}

static const mailauth__spf_record_t *
record_fill(void *mem, const mailauth__spf_record_t *r, const mods_t *m,
            const mailauth__spf_term_t *keep)
{
    mailauth__spf_record_t *rec = mem;
    *rec = *r;
    if (r->nmech <= MAILAUTH__SPF_KEEP_TERMS) {
        mailauth__spf_term_t *terms = (mailauth__spf_term_t *)(void *)(rec + 1);
        if (r->nmech != 0)
            memcpy(terms, keep, r->nmech * sizeof(keep[0]));
        rec->terms = terms;
    }
    rec->mods[0] = m->redirect;
    rec->mods[1] = m->exp;
    rec->redirect = m->have_redirect ? &rec->mods[0] : NULL;
    rec->exp = m->have_exp ? &rec->mods[1] : NULL;
    return rec;
}

mailauth_status_t
mailauth__spf_record_parse(mailauth__arena_t *a, const char *txt, size_t len,
                           const mailauth__spf_record_t **out, mailauth__spf_syntax_t *err)
{
    mailauth__spf_syntax_t dummy;
    mods_t                 m;
    mailauth__spf_record_t r;
    mailauth__spf_term_t   keep[MAILAUTH__SPF_KEEP_TERMS];
    void                  *mem;
    mailauth_status_t      st;
    if (out != NULL)
        *out = NULL;
    if (err == NULL)
        err = &dummy;
    memset(err, 0, sizeof(*err));
    if (a == NULL || out == NULL || (txt == NULL && len != 0))
        return MAILAUTH_EINVAL;
    st = parse_record(txt, len, &r, &m, keep, err);
    if (st != MAILAUTH_OK)
        return st;
    mem = mailauth__arena_alloc(a, record_size(&r));
    if (mem == NULL)
        return MAILAUTH_ENOMEM;
    *out = record_fill(mem, &r, &m, keep);
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__spf_record_parse_heap(const mailauth_allocator_t *al, const char *txt, size_t len,
                                const mailauth__spf_record_t **out, mailauth__spf_syntax_t *err)
{
    mailauth__spf_syntax_t dummy;
    mods_t                 m;
    mailauth__spf_record_t r;
    mailauth__spf_term_t   keep[MAILAUTH__SPF_KEEP_TERMS];
    void                  *mem;
    mailauth_status_t      st;
    if (out != NULL)
        *out = NULL;
    if (err == NULL)
        err = &dummy;
    memset(err, 0, sizeof(*err));
    if (out == NULL || (txt == NULL && len != 0))
        return MAILAUTH_EINVAL;
    st = parse_record(txt, len, &r, &m, keep, err);
    if (st != MAILAUTH_OK)
        return st;
    mem = mailauth__malloc(al, record_size(&r));
    if (mem == NULL)
        return MAILAUTH_ENOMEM;
    *out = record_fill(mem, &r, &m, keep);
    return MAILAUTH_OK;
}
