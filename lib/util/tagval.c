/* Tag=value lists (RFC 6376 §3.2): DKIM signatures and keys, ARC fields,
 * DMARC records. Grammar and leniencies are described in tagval.h. */
#include "util/tagval.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/scan.h"
#include "util/str.h"

/* Below this many tags duplicates are looked for pairwise; above, by sorting. */
#define DUP_PAIRWISE_MAX 32u

typedef struct scan {
    const char                 *s;
    size_t                      n;
    size_t                      i;
    size_t                      err_at;
    const mailauth__scan_ops_t *ops; /* util/scan.h, fetched once per list */
} scan_t;

typedef enum spec { SPEC_TAG, SPEC_EMPTY, SPEC_END, SPEC_BAD } spec_t;

/* §3.2 ALPHA, and ALNUMPUNC = ALPHA / DIGIT / "_" (here, not calls into
 * str.c: the scanner tests every byte of every name). */
static bool
is_alpha(int c)
{
    return (unsigned)((c | 0x20) - 'a') < 26u;
}

static bool
is_alnumpunc(int c)
{
    return is_alpha(c) || (unsigned)(c - '0') < 10u || c == '_';
}

/* §3.2 VALCHAR, plus 8-bit bytes (UTF-8 header fields, RFC 6532). */
static bool
is_valchar(unsigned char c)
{
    return (c >= 0x21 && c <= 0x7e && c != ';') || c >= 0x80;
}

/* Skip FWS (RFC 5322 §3.2.2). A line break is folding only when WSP
 * follows it; a CR must be followed by LF. false with err_at otherwise. */
static bool
skip_fws(scan_t *sc)
{
    while (sc->i < sc->n) {
        unsigned char c = (unsigned char)sc->s[sc->i];
        size_t        brk = 0;
        if (c == ' ' || c == '\t') {
            sc->i++;
            continue;
        }
        if (c == '\r') {
            if (sc->i + 1 >= sc->n || sc->s[sc->i + 1] != '\n') {
                sc->err_at = sc->i;
                return false;
            }
            brk = 2;
        } else if (c == '\n') {
            brk = 1; /* bare LF: how milters pass folded fields */
        } else {
            return true;
        }
        char next = sc->i + brk < sc->n ? sc->s[sc->i + brk] : '\0';
        if (next != ' ' && next != '\t') {
            sc->err_at = sc->i;
            return false;
        }
        sc->i += brk + 1;
    }
    return true;
}

/* The value after '=': VALCHAR runs separated by FWS, up to ';' or the end. */
static bool
scan_value(scan_t *sc, mailauth__tag_t *t)
{
    size_t start, end;
    t->value_off = sc->i;
    if (!skip_fws(sc))
        return false;
    start = end = sc->i;
    while (sc->i < sc->n && sc->s[sc->i] != ';') {
        unsigned char c = (unsigned char)sc->s[sc->i];
        if (is_valchar(c)) {
            /* A run of VALCHARs: b= and p= are hundreds, 16 bytes a step. */
            size_t k = sc->ops->valchar_run((const uint8_t *)sc->s + sc->i + 1, sc->n - sc->i - 1);
            end = sc->i = sc->i + 1 + k;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (!skip_fws(sc))
                return false;
        } else {
            sc->err_at = sc->i; /* control byte, NUL or DEL */
            return false;
        }
    }
    t->value = sc->s + start;
    t->value_len = end - start;
    t->area_len = sc->i - t->value_off;
    if (sc->i < sc->n)
        sc->i++; /* the ';' */
    return true;
}

/* One tag-spec (§3.2): [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]. */
static spec_t
next_spec(scan_t *sc, mailauth__tag_t *t)
{
    size_t name;
    if (!skip_fws(sc))
        return SPEC_BAD;
    if (sc->i == sc->n)
        return SPEC_END; /* end, or after the optional trailing ';' */
    if (sc->s[sc->i] == ';') {
        sc->i++;
        return SPEC_EMPTY;
    }
    if (!is_alpha((unsigned char)sc->s[sc->i])) {
        sc->err_at = sc->i;
        return SPEC_BAD;
    }
    name = sc->i;
    while (sc->i < sc->n && is_alnumpunc((unsigned char)sc->s[sc->i]))
        sc->i++;
    t->name = sc->s + name;
    t->name_len = sc->i - name;
    if (!skip_fws(sc))
        return SPEC_BAD;
    if (sc->i == sc->n || sc->s[sc->i] != '=') {
        sc->err_at = sc->i;
        return SPEC_BAD;
    }
    sc->i++;
    return scan_value(sc, t) ? SPEC_TAG : SPEC_BAD;
}

/* Scan the whole list into v[cap]; duplicates are not looked for here. */
static mailauth__tags_err_t
scan_all(const char *s, size_t n, mailauth__tag_t *v, size_t cap, mailauth__taglist_t *out,
         size_t *err_at)
{
    scan_t          sc = {s, n, 0, 0, mailauth__scan()};
    mailauth__tag_t t;
    out->v = v;
    out->n = 0;
    out->empty = 0;
    for (;;) {
        spec_t k = next_spec(&sc, &t);
        if (k == SPEC_END)
            return MAILAUTH__TAGS_OK;
        if (k == SPEC_BAD) {
            *err_at = sc.err_at;
            return MAILAUTH__TAGS_SYNTAX;
        }
        if (k == SPEC_EMPTY) {
            out->empty++;
            continue;
        }
        if (out->n == cap) {
            *err_at = (size_t)(t.name - s);
            return MAILAUTH__TAGS_TOO_MANY;
        }
        v[out->n++] = t;
    }
}

/* Names are mostly one or two letters: the first byte settles nearly every pair without a call. */
static bool
same_name(const mailauth__tag_t *a, const mailauth__tag_t *b)
{
    return a->name_len == b->name_len && a->name[0] == b->name[0] &&
           memcmp(a->name + 1, b->name + 1, a->name_len - 1) == 0;
}

/* First tag (in input order) whose name appeared before it, or NULL. */
static const mailauth__tag_t *
dup_pairwise(const mailauth__taglist_t *l)
{
    for (size_t j = 1; j < l->n; j++) {
        for (size_t i = 0; i < j; i++) {
            if (same_name(&l->v[i], &l->v[j]))
                return &l->v[j];
        }
    }
    return NULL;
}

/* By name, then by position, so equal names sort in input order. */
static int
cmp_tag(const void *pa, const void *pb)
{
    const mailauth__tag_t *a = *(const mailauth__tag_t *const *)pa;
    const mailauth__tag_t *b = *(const mailauth__tag_t *const *)pb;
    int                    c;
    if (a->name_len != b->name_len)
        return a->name_len < b->name_len ? -1 : 1;
    c = memcmp(a->name, b->name, a->name_len);
    if (c != 0)
        return c;
    return a < b ? -1 : (a > b ? 1 : 0);
}

/* Same answer as dup_pairwise() in O(n log n): each run of equal names
 * offers its second member, and the earliest of those is the answer. */
static mailauth_status_t
dup_sorted(mailauth__arena_t *a, const mailauth__taglist_t *l, const mailauth__tag_t **dup)
{
    const mailauth__tag_t **p = mailauth__arena_calloc(a, l->n, sizeof(*p));
    *dup = NULL;
    if (p == NULL)
        return MAILAUTH_ENOMEM;
    for (size_t i = 0; i < l->n; i++)
        p[i] = &l->v[i];
    qsort(p, l->n, sizeof(*p), cmp_tag);
    for (size_t i = 1; i < l->n; i++) {
        if (same_name(p[i - 1], p[i]) && (i == 1 || !same_name(p[i - 2], p[i])) &&
            (*dup == NULL || p[i] < *dup))
            *dup = p[i];
    }
    return MAILAUTH_OK;
}

mailauth__tags_err_t
mailauth__tags_parse_fixed(const char *s, size_t n, mailauth__tag_t *v, size_t cap,
                           mailauth__taglist_t *out, size_t *err_at)
{
    size_t                 at = 0;
    const mailauth__tag_t *dup = NULL;
    mailauth__tags_err_t   e = MAILAUTH__TAGS_SYNTAX;
    if (s == NULL && n > 0) {
        out->v = v;
        out->n = out->empty = 0;
    } else {
        e = scan_all(s, n, v, cap, out, &at);
    }
    if (e == MAILAUTH__TAGS_OK && (dup = dup_pairwise(out)) != NULL) {
        at = (size_t)(dup->name - s); /* §3.2: a duplicate makes the list invalid */
        e = MAILAUTH__TAGS_DUPLICATE;
    }
    if (e != MAILAUTH__TAGS_OK)
        out->n = 0;
    if (err_at != NULL)
        *err_at = at;
    return e;
}

mailauth_status_t
mailauth__tags_parse(mailauth__arena_t *a, const char *s, size_t n, size_t max_tags,
                     mailauth__taglist_t *out, mailauth__tags_err_t *err, size_t *err_at)
{
    /* k tags take at least 3k - 1 bytes ("x=;" each, the last ';' optional). */
    size_t                 cap = n / 3 + 1 < max_tags ? n / 3 + 1 : max_tags;
    mailauth__tag_t       *v = NULL;
    const mailauth__tag_t *dup = NULL;
    size_t                 at = 0, bytes = 0;
    mailauth__tags_err_t   e = MAILAUTH__TAGS_SYNTAX;
    out->v = NULL;
    out->n = out->empty = 0;
    *err = MAILAUTH__TAGS_OK;
    *err_at = 0;
    /* Not zeroed: scan_all() writes every entry it counts. */
    if (mailauth__size_mul(cap, sizeof(*v), &bytes))
        v = mailauth__arena_alloc(a, bytes);
    if (v == NULL)
        return MAILAUTH_ENOMEM;
    if (s != NULL || n == 0)
        e = scan_all(s, n, v, cap, out, &at);
    if (e == MAILAUTH__TAGS_OK && out->n > 1) {
        if (out->n <= DUP_PAIRWISE_MAX)
            dup = dup_pairwise(out);
        else if (dup_sorted(a, out, &dup) != MAILAUTH_OK)
            return MAILAUTH_ENOMEM;
        if (dup != NULL) {
            at = (size_t)(dup->name - s);
            e = MAILAUTH__TAGS_DUPLICATE;
        }
    }
    if (e != MAILAUTH__TAGS_OK)
        out->n = 0;
    *err = e;
    *err_at = at;
    return MAILAUTH_OK;
}

const mailauth__tag_t *
mailauth__tags_find(const mailauth__taglist_t *l, const char *name)
{
    size_t len = 0;
    if (l == NULL || name == NULL || name[0] == '\0')
        return NULL;
    len = strlen(name);
    /* Length and first byte first: most names are one or two letters. */
    for (size_t i = 0; i < l->n; i++) {
        const mailauth__tag_t *t = &l->v[i];
        if (t->name_len == len && t->name[0] == name[0] &&
            (len == 1 || memcmp(t->name + 1, name + 1, len - 1) == 0))
            return t;
    }
    return NULL;
}

bool
mailauth__tags_list_next(const mailauth__tag_t *t, size_t *pos, const char **item, size_t *item_len)
{
    const char *colon;
    size_t      start = *pos;
    if (t->value_len == 0 || start > t->value_len)
        return false;
    colon = mailauth__memchr(t->value + start, t->value_len - start, ':');
    *item = t->value + start;
    *item_len = (colon != NULL ? (size_t)(colon - t->value) : t->value_len) - start;
    *pos = start + *item_len + 1;
    mailauth__trim(item, item_len);
    return true;
}

char *
mailauth__tags_value_nows(mailauth__arena_t *a, const mailauth__tag_t *t, size_t *len)
{
    char  *p = mailauth__arena_alloc(a, t->value_len + 1);
    size_t k;
    if (p == NULL)
        return NULL;
    k = mailauth__scan()->copy_nows((uint8_t *)p, (const uint8_t *)t->value, t->value_len);
    p[k] = '\0';
    if (len != NULL)
        *len = k;
    return p;
}
