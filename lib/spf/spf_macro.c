/* SPF macro syntax check and expansion (RFC 7208 §7).
 *
 * Expansion never writes past its output buffer whatever the input: a
 * domain-spec is expanded through a small sliding window that keeps only the
 * tail the §7.3 left-truncation can use, and an explanation is simply cut.
 */
#include <string.h>

#include "spf/spf.h"
#include "util/str.h"

#define DOMAIN_MAX 253u                 /* §7.3: the expanded domain fits 253 octets */
#define WIN_KEEP 256u                   /* tail the truncation needs (253 + dot + trailing dot) */
#define WIN_SIZE ((size_t)2 * WIN_KEEP) /* window; shifted when full */
#define DOMAIN_WORK_MAX 65536u          /* octets produced before truncation: beyond, unusable */
#define DIGITS_MAX 1000u                /* larger transformer values mean "all parts" anyway */
#define SCAN_MAX ((size_t)1024 * 1024)  /* value octets scanned per expansion: beyond, stop */

/* One parsed "%{...}" (§7.1). */
typedef struct macro {
    int         letter;  /* lower case */
    bool        upper;   /* URL-escape the result (§7.3) */
    bool        reverse; /* "r" transformer */
    unsigned    digits;  /* right-hand parts to keep; 0: all */
    const char *delims;  /* delimiter characters, {NULL, 0}: "." */
    size_t      ndelims;
} macro_t;

static bool
is_delim(int c)
{
    /* §7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "=" */
    return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

static bool
letter_ok(int c, int kind)
{
    switch (c) {
    case 's':
    case 'l':
    case 'o':
    case 'd':
    case 'i':
    case 'p':
    case 'v':
    case 'h':
        return true;
    case 'c':
    case 'r':
    case 't':
        /* §7.2: c, r and t are only allowed in explanation text; an unknown
         * modifier's macro-string follows the plain grammar, which has them. */
        return kind != MAILAUTH__SPF_MACRO_DOMAIN;
    default:
        return false;
    }
}

/* Parse "%{...}" at s[i] ('%', '{' checked by the caller). Returns the index
 * after '}', or 0 with *what set. */
static size_t
parse_expand(const char *s, size_t n, size_t i, int kind, macro_t *m, const char **what)
{
    size_t j = i + 2;
    bool   have_digits = false;
    memset(m, 0, sizeof(*m));
    if (j >= n || !mailauth__is_alpha((unsigned char)s[j])) {
        *what = "missing macro letter";
        return 0;
    }
    m->letter = mailauth__to_lower((unsigned char)s[j]);
    m->upper = s[j] >= 'A' && s[j] <= 'Z';
    if (!letter_ok(m->letter, kind)) {
        *what = "macro letter not allowed here";
        return 0;
    }
    for (j++; j < n && mailauth__is_digit((unsigned char)s[j]); j++) {
        have_digits = true;
        if (m->digits < DIGITS_MAX)
            m->digits = m->digits * 10 + (unsigned)(s[j] - '0');
    }
    if (have_digits && m->digits == 0) { /* §7.3: the value MUST be nonzero */
        *what = "zero macro transformer";
        return 0;
    }
    if (j < n && (s[j] == 'r' || s[j] == 'R')) {
        m->reverse = true;
        j++;
    }
    m->delims = s + j;
    while (j < n && is_delim((unsigned char)s[j]))
        j++;
    m->ndelims = (size_t)(s + j - m->delims);
    if (j >= n || s[j] != '}') {
        *what = "bad macro";
        return 0;
    }
    return j + 1;
}

/* §7.1 toplabel: ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool
toplabel_ok(const char *s, size_t n)
{
    bool alpha = false, dash = false;
    if (n == 0 || !mailauth__is_alnum((unsigned char)s[0]) ||
        !mailauth__is_alnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-')
            dash = true;
        else if (mailauth__is_alpha((unsigned char)s[i]))
            alpha = true;
    }
    return alpha || dash;
}

/* §7.1 domain-end = ( "." toplabel [ "." ] ) / macro-expand, when the last
 * token is a literal. */
static bool
domain_end_ok(const char *s, size_t n)
{
    size_t e = n;
    size_t k;
    if (e > 0 && s[e - 1] == '.')
        e--;
    k = e;
    while (k > 0 && (mailauth__is_alnum((unsigned char)s[k - 1]) || s[k - 1] == '-'))
        k--;
    /* A '.' reached through letters, digits and dashes is a literal: inside
     * "%{...}" a delimiter is always followed by a delimiter or '}'. */
    return k > 0 && s[k - 1] == '.' && toplabel_ok(s + k, e - k);
}

mailauth_status_t
mailauth__spf_macro_check(const char *s, size_t n, int kind, unsigned *found, const char **what)
{
    const char *why = NULL;
    unsigned    f = 0;
    bool        last_macro = false;
    macro_t     m;
    if (found != NULL)
        *found = 0;
    if (s == NULL && n != 0)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < n && why == NULL;) {
        unsigned char c = (unsigned char)s[i];
        last_macro = false;
        if (c == '%') {
            size_t j = 0;
            int    nx = i + 1 < n ? (unsigned char)s[i + 1] : -1;
            if (nx == '%' || nx == '_' || nx == '-') {
                j = i + 2;
            } else if (nx == '{') {
                j = parse_expand(s, n, i, kind, &m, &why);
                if (j != 0 && m.letter == 'p')
                    f |= MAILAUTH__SPF_HAS_P;
            } else {
                /* §7.1: '%' not followed by '{', '%', '-' or '_' is a syntax error */
                why = "'%' not followed by '{', '%', '-' or '_'";
            }
            if (j == 0)
                break;
            f |= MAILAUTH__SPF_HAS_MACRO;
            last_macro = true;
            i = j;
        } else if ((c >= 0x21 && c <= 0x7e) || (c == ' ' && kind == MAILAUTH__SPF_MACRO_EXPLAIN)) {
            /* macro-literal = %x21-24 / %x26-7E; explain-string adds SP. A
             * domain-spec is mostly literal: take the run at once. */
            for (i++;
                 i < n && s[i] != '%' && (unsigned char)s[i] >= 0x21 && (unsigned char)s[i] <= 0x7e;
                 i++)
                ;
        } else {
            why = "character not allowed";
        }
    }
    if (why == NULL && kind == MAILAUTH__SPF_MACRO_DOMAIN) {
        if (n == 0)
            why = "empty domain-spec";
        else if (!last_macro && !domain_end_ok(s, n))
            why = "domain-spec does not end in a top-level label or a macro";
    }
    if (what != NULL)
        *what = why;
    if (why != NULL)
        return MAILAUTH_EINVAL;
    if (found != NULL)
        *found = f;
    return MAILAUTH_OK;
}

/* ---- Expansion ---- */

/* Output: a sliding window for domain-specs, the caller's buffer otherwise. */
typedef struct writer {
    int    kind;
    char  *buf;
    size_t cap; /* bytes of buf usable for text (NUL excluded) */
    size_t len;
    size_t total;   /* DOMAIN: octets produced so far */
    size_t scanned; /* value octets looked at, against SCAN_MAX */
    bool   full;    /* stop: explanation cut, or domain work exhausted */
} writer_t;

static void
put_n(writer_t *w, const char *p, size_t n)
{
    if (w->full || n == 0)
        return;
    if (w->kind != MAILAUTH__SPF_MACRO_DOMAIN) {
        if (n > w->cap - w->len) {
            n = w->cap - w->len;
            w->full = true;
        }
        memcpy(w->buf + w->len, p, n);
        w->len += n;
        return;
    }
    w->total += n;
    if (w->total > DOMAIN_WORK_MAX) {
        w->full = true;
        return;
    }
    if (n >= WIN_KEEP) { /* only the tail of a long piece can survive */
        memcpy(w->buf, p + n - WIN_KEEP, WIN_KEEP);
        w->len = WIN_KEEP;
        return;
    }
    if (w->len + n > WIN_SIZE) {
        size_t keep = w->len < WIN_KEEP ? w->len : WIN_KEEP;
        memmove(w->buf, w->buf + w->len - keep, keep);
        w->len = keep;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static bool
unreserved(int c)
{
    /* RFC 3986 §2.3 */
    return mailauth__is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* One output character of a value: delimiters become '.', upper-case
 * macros URL-escape (§7.3). */
static void
put_char(writer_t *w, const macro_t *m, char ch)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char     c = (unsigned char)ch;
    if (m->upper && !unreserved(c)) {
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
        put_n(w, esc, 3);
    } else {
        put_n(w, &ch, 1);
    }
}

static bool
is_split(const macro_t *m, int c)
{
    if (m->ndelims == 0)
        return c == '.';
    return mailauth__memchr(m->delims, m->ndelims, (char)c) != NULL;
}

/* Emit value bytes [a, b), a part or a tail of parts joined by '.'. */
static void
put_span(writer_t *w, const macro_t *m, const char *v, size_t a, size_t b)
{
    for (size_t k = a; k < b && !w->full; k++) {
        char ch = v[k];
        if (is_split(m, (unsigned char)ch))
            ch = '.';
        put_char(w, m, ch);
    }
}

/* §7.3 transformers: split on the delimiters, reverse if asked, keep the
 * right-hand `digits` parts, join with '.'. Done by index arithmetic over
 * the value, so no part table and no limit on the number of parts. */
static void
put_value(writer_t *w, const macro_t *m, const char *v, size_t vn)
{
    size_t parts = 1, keep, start = 0, seen = 0;
    /* Hostile values cannot make the work grow without bound. */
    if (vn > SCAN_MAX - w->scanned) {
        w->full = true;
        return;
    }
    w->scanned += vn;
    for (size_t k = 0; k < vn; k++)
        parts += is_split(m, (unsigned char)v[k]) ? 1u : 0u;
    keep = (m->digits == 0 || m->digits > parts) ? parts : m->digits;
    if (!m->reverse) {
        /* the last `keep` parts, in order: everything after delimiter parts-keep */
        for (size_t k = 0; k < vn && seen < parts - keep; k++) {
            if (is_split(m, (unsigned char)v[k])) {
                seen++;
                start = k + 1;
            }
        }
        put_span(w, m, v, start, vn);
        return;
    }
    /* reversed list = parts n-1..0; its right-hand `keep` are parts keep-1..0 */
    size_t end = vn; /* end of part keep-1 */
    for (size_t k = 0; k < vn; k++) {
        if (is_split(m, (unsigned char)v[k]) && ++seen == keep) {
            end = k;
            break;
        }
    }
    while (!w->full) {
        size_t a = end;
        while (a > 0 && !is_split(m, (unsigned char)v[a - 1]))
            a--;
        put_span(w, m, v, a, end);
        if (a == 0)
            break;
        put_char(w, m, '.');
        end = a - 1;
    }
}

static void
put_macro(writer_t *w, const mailauth__spf_macro_env_t *env, const macro_t *m)
{
    static const char   unknown[] = "unknown";
    mailauth__spf_str_t v = {NULL, 0};
    char                tbuf[24];
    switch (m->letter) {
    case 's':
        v = env->s;
        break;
    case 'l':
        v = env->l;
        break;
    case 'o':
        v = env->o;
        break;
    case 'd':
        v = env->d;
        break;
    case 'i':
        v = env->i;
        break;
    case 'p':
        v = env->p;
        break;
    case 'v':
        v = env->v;
        break;
    case 'h':
        v = env->h;
        break;
    case 'c':
        v = env->c;
        break;
    case 'r':
        v = env->r;
        break;
    default: { /* 't': seconds since the epoch */
        uint64_t t = env->t > 0 ? (uint64_t)env->t : 0;
        size_t   k = sizeof(tbuf);
        do {
            tbuf[--k] = (char)('0' + t % 10);
            t /= 10;
        } while (t != 0 && k > 0);
        v.p = tbuf + k;
        v.n = sizeof(tbuf) - k;
        break;
    }
    }
    if (v.p == NULL) { /* §7.3: p without a validated name, r and h unknown */
        v.p = unknown;
        v.n = sizeof(unknown) - 1;
    }
    put_value(w, m, v.p, v.n);
}

/* §7.3: drop a trailing dot; over 253 octets, remove labels on the left. */
static size_t
finish_domain(writer_t *w, char *out)
{
    size_t len = w->len, total = w->total;
    size_t from = 0;
    if (w->full)
        return 0;
    if (len > 0 && w->buf[len - 1] == '.') {
        len--;
        total--;
    }
    if (total > DOMAIN_MAX) {
        from = len; /* none found: nothing usable */
        for (size_t k = len - DOMAIN_MAX; k < len; k++) {
            if (w->buf[k - 1] == '.') {
                from = k;
                break;
            }
        }
    }
    memcpy(out, w->buf + from, len - from);
    return len - from;
}

mailauth_status_t
mailauth__spf_macro_expand(const mailauth__spf_macro_env_t *env, const char *s, size_t n, int kind,
                           char *out, size_t cap, size_t *outlen)
{
    char        win[WIN_SIZE];
    writer_t    w;
    const char *why = NULL;
    size_t      i = 0;
    if (outlen != NULL)
        *outlen = 0;
    if (env == NULL || out == NULL || cap == 0 || (s == NULL && n != 0) ||
        (kind == MAILAUTH__SPF_MACRO_DOMAIN && cap < DOMAIN_MAX + 1))
        return MAILAUTH_EINVAL;
    /* The whole string is checked first: a cut explanation still refuses
     * what the checker refuses, and the loop below may trust the syntax. */
    if (mailauth__spf_macro_check(s, n, kind, NULL, NULL) != MAILAUTH_OK)
        return MAILAUTH_EINVAL;
    out[0] = '\0';
    memset(&w, 0, sizeof(w));
    w.kind = kind;
    w.buf = kind == MAILAUTH__SPF_MACRO_DOMAIN ? win : out;
    w.cap = cap - 1;
    while (i < n && !w.full) {
        const char *lit = s + i;
        size_t      j = i;
        macro_t     m;
        while (j < n && s[j] != '%')
            j++;
        put_n(&w, lit, j - i);
        if (j >= n)
            break;
        i = j;
        if (i + 1 >= n)
            return MAILAUTH_EINVAL;
        switch (s[i + 1]) {
        case '%':
            put_n(&w, "%", 1);
            i += 2;
            break; /* §7.1: "%%" is a '%' */
        case '_':
            put_n(&w, " ", 1);
            i += 2;
            break; /* "%_" a space */
        case '-':
            put_n(&w, "%20", 3);
            i += 2;
            break; /* "%-" a URL-encoded space */
        case '{':
            i = parse_expand(s, n, i, kind, &m, &why);
            if (i == 0)
                return MAILAUTH_EINVAL;
            put_macro(&w, env, &m);
            break;
        default:
            return MAILAUTH_EINVAL;
        }
    }
    if (kind == MAILAUTH__SPF_MACRO_DOMAIN)
        w.len = finish_domain(&w, out);
    out[w.len] = '\0';
    if (outlen != NULL)
        *outlen = w.len;
    return MAILAUTH_OK;
}
