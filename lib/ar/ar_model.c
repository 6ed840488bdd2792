/* Authentication-Results (RFC 8601) model: the field, its entries, their properties. */
#include "ar/ar.h"

#include <string.h>

#include "util/alloc.h"
#include "util/str.h"

/* ---- validation ---------------------------------------------------------------------------- */

/* RFC 8601 §2.2 uses RFC 5321's Keyword; we take ALPHA *(ALPHA / DIGIT / "-"). */
static bool
is_keyword(const char *s, size_t n)
{
    if (n == 0 || !mailauth__is_alpha((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!mailauth__is_alnum(c) && c != '-')
            return false;
    }
    return true;
}

/* RFC 8601 §2.2: method = Keyword [ [CFWS] "/" [CFWS] method-version ], stored without CFWS. */
static bool
is_method(const char *s, size_t n)
{
    const char *slash = mailauth__memchr(s, n, '/');
    size_t      klen = slash != NULL ? (size_t)(slash - s) : n;
    if (!is_keyword(s, klen))
        return false;
    if (slash == NULL)
        return true;
    if (klen + 1 == n)
        return false;
    for (size_t i = klen + 1; i < n; i++) {
        if (!mailauth__is_digit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* Free text must never smuggle a line break (header injection) or other controls into the
 * output; HTAB is allowed (it is WSP), bytes >= 0x80 are UTF-8 (RFC 8601 §2.1 via RFC 6532). */
static bool
is_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

bool
mailauth__ar_valid(mailauth__ar_kind_t kind, const char *s, size_t n)
{
    if (s == NULL)
        return false;
    switch (kind) {
    case MAILAUTH__AR_KEYWORD:
        return is_keyword(s, n);
    case MAILAUTH__AR_METHOD:
        return is_method(s, n);
    case MAILAUTH__AR_TEXT:
        return is_text(s, n);
    case MAILAUTH__AR_ID:
        return n > 0 && is_text(s, n);
    }
    return false;
}

/* ---- output classes ------------------------------------------------------------------------ */

/* RFC 2045 §5.1 tspecials, which a token may not hold (a table: the
 * formatter asks for every byte of every value, twice). */
static const bool tspecial[128] = {
    ['('] = true, [')'] = true, ['<'] = true, ['>'] = true,  ['@'] = true,
    [','] = true, [';'] = true, [':'] = true, ['\\'] = true, ['"'] = true,
    ['/'] = true, ['['] = true, [']'] = true, ['?'] = true,  ['='] = true};

static bool
is_tspecial(unsigned char c)
{
    return c < 128 && tspecial[c];
}

bool
mailauth__ar_is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!mailauth__is_vchar(c) || is_tspecial(c))
            return false;
    }
    return true;
}

/* RFC 5322 §3.2.3 atext. */
static const bool atext_sym[128] = {
    ['!'] = true,  ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true,
    ['\''] = true, ['*'] = true, ['+'] = true, ['-'] = true, ['/'] = true,
    ['='] = true,  ['?'] = true, ['^'] = true, ['_'] = true, ['`'] = true,
    ['{'] = true,  ['|'] = true, ['}'] = true, ['~'] = true};

static bool
is_atext(unsigned char c)
{
    return mailauth__is_alnum(c) || (c < 128 && atext_sym[c]);
}

/* dot-atom-text: 1*atext *("." 1*atext). */
static bool
is_dot_atom(const char *s, size_t n)
{
    bool want_atext = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' && !want_atext) {
            want_atext = true;
        } else if (is_atext(c)) {
            want_atext = false;
        } else {
            return false;
        }
    }
    return n > 0 && !want_atext;
}

/* RFC 6376 §3.5 domain-name: labels of letters, digits and hyphens joined by dots. */
static bool
is_domain(const char *s, size_t n)
{
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (mailauth__is_alnum(c) || c == '-') {
            label++;
        } else {
            return false;
        }
    }
    return label > 0;
}

/* RFC 8601 §2.2 pvalue: [ [ local-part ] "@" ] domain-name; the local part only as dot-atom. */
bool
mailauth__ar_is_addr(const char *s, size_t n)
{
    const char *at = NULL;
    for (size_t i = n; i > 0; i--) {
        if (s[i - 1] == '@') {
            at = s + i - 1;
            break;
        }
    }
    if (at == NULL)
        return is_domain(s, n);
    size_t llen = (size_t)(at - s);
    if (llen != 0 && !is_dot_atom(s, llen))
        return false;
    return is_domain(at + 1, n - llen - 1);
}

/* ---- construction -------------------------------------------------------------------------- */

static bool
allocator_ok(const mailauth_allocator_t *al)
{
    return al->version == MAILAUTH_ALLOCATOR_VERSION && al->malloc != NULL && al->realloc != NULL &&
           al->free != NULL;
}

mailauth_status_t
mailauth__ar_create(const mailauth_allocator_t *al, mailauth_authres_t **out)
{
    mailauth_authres_t *ar = NULL;
    if (out != NULL)
        *out = NULL;
    if (out == NULL)
        return MAILAUTH_EINVAL;
    if (al == NULL)
        al = &mailauth__default_allocator;
    if (!allocator_ok(al))
        return MAILAUTH_EINVAL;
    ar = mailauth__calloc(al, 1, sizeof(*ar));
    if (ar == NULL)
        return MAILAUTH_ENOMEM;
    ar->al = *al;
    mailauth__arena_init(&ar->arena, &ar->al);
    ar->authserv_id = "";
    *out = ar;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__ar_set_id(mailauth_authres_t *ar, const char *s, size_t n)
{
    char *copy = NULL;
    if (ar == NULL || !mailauth__ar_valid(MAILAUTH__AR_ID, s, n))
        return MAILAUTH_EINVAL;
    copy = mailauth__arena_strndup(&ar->arena, s, n);
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    ar->authserv_id = copy;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_authres_new(const mailauth_allocator_t *alloc, const char *authserv_id,
                     mailauth_authres_t **out)
{
    mailauth_authres_t *ar = NULL;
    mailauth_status_t   st = MAILAUTH_EINVAL;
    if (out != NULL)
        *out = NULL;
    if (authserv_id == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    if (!mailauth__ar_valid(MAILAUTH__AR_ID, authserv_id, strlen(authserv_id)))
        return MAILAUTH_EINVAL;
    st = mailauth__ar_create(alloc, &ar);
    if (st != MAILAUTH_OK)
        return st;
    st = mailauth__ar_set_id(ar, authserv_id, strlen(authserv_id));
    if (st != MAILAUTH_OK) {
        mailauth_authres_free(ar);
        return st;
    }
    *out = ar;
    return MAILAUTH_OK;
}

void
mailauth_authres_free(mailauth_authres_t *ar)
{
    mailauth_allocator_t al;
    if (ar == NULL)
        return;
    al = ar->al;
    mailauth__arena_clear(&ar->arena);
    mailauth__free(&al, ar);
}

/* Make room for one more element in an arena array; the old array stays in the arena (at most
 * doubling, so the waste is bounded by the final size). */
static void *
grow(mailauth__arena_t *a, void *arr, size_t count, size_t *cap, size_t elem)
{
    size_t ncap = 0;
    size_t bytes = 0;
    void  *p = NULL;
    if (count < *cap)
        return arr;
    ncap = *cap != 0 ? *cap : 4;
    if (*cap != 0 && !mailauth__size_mul(*cap, 2, &ncap))
        return NULL;
    if (!mailauth__size_mul(ncap, elem, &bytes))
        return NULL;
    p = mailauth__arena_alloc(a, bytes);
    if (p == NULL)
        return NULL;
    if (count != 0)
        memcpy(p, arr, count * elem);
    *cap = ncap;
    return p;
}

static char *
dup_lower(mailauth__arena_t *a, const char *s, size_t n)
{
    char *p = mailauth__arena_strndup(a, s, n);
    if (p != NULL)
        mailauth__lower_inplace(p, n);
    return p;
}

mailauth_status_t
mailauth__ar_add_n(mailauth_authres_t *ar, const char *method, size_t mlen, const char *result,
                   size_t rlen, mailauth_resinfo_t **out)
{
    mailauth_resinfo_t  *ri = NULL;
    mailauth_resinfo_t **items = NULL;
    if (out != NULL)
        *out = NULL;
    if (ar == NULL || !mailauth__ar_valid(MAILAUTH__AR_METHOD, method, mlen) ||
        !mailauth__ar_valid(MAILAUTH__AR_KEYWORD, result, rlen))
        return MAILAUTH_EINVAL;
    items = grow(&ar->arena, ar->items, ar->count, &ar->cap, sizeof(*items));
    if (items == NULL)
        return MAILAUTH_ENOMEM;
    ar->items = items;
    ri = mailauth__arena_calloc(&ar->arena, 1, sizeof(*ri));
    if (ri == NULL)
        return MAILAUTH_ENOMEM;
    ri->owner = ar;
    ri->method = dup_lower(&ar->arena, method, mlen);
    ri->result = dup_lower(&ar->arena, result, rlen);
    if (ri->method == NULL || ri->result == NULL)
        return MAILAUTH_ENOMEM;
    ar->items[ar->count++] = ri;
    if (out != NULL)
        *out = ri;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_authres_add(mailauth_authres_t *ar, const char *method, const char *result,
                     mailauth_resinfo_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (method == NULL || result == NULL)
        return MAILAUTH_EINVAL;
    return mailauth__ar_add_n(ar, method, strlen(method), result, strlen(result), out);
}

/* Copy validated free text into the entry's arena. */
static mailauth_status_t
set_text(mailauth_resinfo_t *ri, char **slot, const char *s, size_t n)
{
    char *copy = NULL;
    if (ri == NULL || !mailauth__ar_valid(MAILAUTH__AR_TEXT, s, n))
        return MAILAUTH_EINVAL;
    copy = mailauth__arena_strndup(&ri->owner->arena, s, n);
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    *slot = copy;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__ar_set_reason_n(mailauth_resinfo_t *ri, const char *s, size_t n)
{
    return ri == NULL ? MAILAUTH_EINVAL : set_text(ri, &ri->reason, s, n);
}

mailauth_status_t
mailauth__ar_set_comment_n(mailauth_resinfo_t *ri, const char *s, size_t n)
{
    return ri == NULL ? MAILAUTH_EINVAL : set_text(ri, &ri->comment, s, n);
}

mailauth_status_t
mailauth_resinfo_set_reason(mailauth_resinfo_t *ri, const char *reason)
{
    if (reason == NULL)
        return MAILAUTH_EINVAL;
    return mailauth__ar_set_reason_n(ri, reason, strlen(reason));
}

void
mailauth__ar_comment_last(mailauth_resinfo_t *ri)
{
    if (ri != NULL)
        ri->comment_last = true;
}

mailauth_status_t
mailauth_resinfo_set_comment(mailauth_resinfo_t *ri, const char *comment)
{
    if (comment == NULL)
        return MAILAUTH_EINVAL;
    return mailauth__ar_set_comment_n(ri, comment, strlen(comment));
}

mailauth_status_t
mailauth__ar_add_prop_n(mailauth_resinfo_t *ri, const char *ptype, size_t tlen,
                        const char *property, size_t plen, const char *value, size_t vlen)
{
    mailauth__arena_t   *a = NULL;
    mailauth__ar_prop_t *props = NULL;
    mailauth__ar_prop_t  p;
    if (ri == NULL || !mailauth__ar_valid(MAILAUTH__AR_KEYWORD, ptype, tlen) ||
        !mailauth__ar_valid(MAILAUTH__AR_KEYWORD, property, plen) ||
        !mailauth__ar_valid(MAILAUTH__AR_TEXT, value, vlen))
        return MAILAUTH_EINVAL;
    a = &ri->owner->arena;
    props = grow(a, ri->props, ri->nprops, &ri->cap, sizeof(*props));
    if (props == NULL)
        return MAILAUTH_ENOMEM;
    ri->props = props;
    p.ptype = dup_lower(a, ptype, tlen);
    p.property = dup_lower(a, property, plen);
    p.value = mailauth__arena_strndup(a, value, vlen);
    if (p.ptype == NULL || p.property == NULL || p.value == NULL)
        return MAILAUTH_ENOMEM;
    ri->props[ri->nprops++] = p;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_resinfo_add_prop(mailauth_resinfo_t *ri, const char *ptype, const char *property,
                          const char *value)
{
    if (ptype == NULL || property == NULL || value == NULL)
        return MAILAUTH_EINVAL;
    return mailauth__ar_add_prop_n(ri, ptype, strlen(ptype), property, strlen(property), value,
                                   strlen(value));
}

/* ---- getters ------------------------------------------------------------------------------- */

const char *
mailauth_authres_authserv_id(const mailauth_authres_t *ar)
{
    return ar != NULL ? ar->authserv_id : NULL;
}

size_t
mailauth_authres_resinfo_count(const mailauth_authres_t *ar)
{
    return ar != NULL ? ar->count : 0;
}

const mailauth_resinfo_t *
mailauth_authres_resinfo(const mailauth_authres_t *ar, size_t i)
{
    return (ar != NULL && i < ar->count) ? ar->items[i] : NULL;
}

const char *
mailauth_resinfo_method(const mailauth_resinfo_t *ri)
{
    return ri != NULL ? ri->method : NULL;
}

const char *
mailauth_resinfo_result(const mailauth_resinfo_t *ri)
{
    return ri != NULL ? ri->result : NULL;
}

const char *
mailauth_resinfo_reason(const mailauth_resinfo_t *ri)
{
    return ri != NULL ? ri->reason : NULL;
}

const char *
mailauth_resinfo_comment(const mailauth_resinfo_t *ri)
{
    return ri != NULL ? ri->comment : NULL;
}

size_t
mailauth_resinfo_prop_count(const mailauth_resinfo_t *ri)
{
    return ri != NULL ? ri->nprops : 0;
}

mailauth_status_t
mailauth_resinfo_prop(const mailauth_resinfo_t *ri, size_t i, const char **ptype,
                      const char **property, const char **value)
{
    const mailauth__ar_prop_t *p = NULL;
    if (ptype != NULL)
        *ptype = NULL;
    if (property != NULL)
        *property = NULL;
    if (value != NULL)
        *value = NULL;
    if (ri == NULL || i >= ri->nprops)
        return MAILAUTH_EINVAL;
    p = &ri->props[i];
    if (ptype != NULL)
        *ptype = p->ptype;
    if (property != NULL)
        *property = p->property;
    if (value != NULL)
        *value = p->value;
    return MAILAUTH_OK;
}

const char *
mailauth_resinfo_find_prop(const mailauth_resinfo_t *ri, const char *ptype, const char *property)
{
    if (ri == NULL || ptype == NULL || property == NULL)
        return NULL;
    for (size_t i = 0; i < ri->nprops; i++) {
        if (mailauth__eq_ci(ri->props[i].ptype, ptype) &&
            mailauth__eq_ci(ri->props[i].property, property))
            return ri->props[i].value;
    }
    return NULL;
}
