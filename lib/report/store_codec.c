/* libmailauth-report, history store: byte strings, a memory pool, UTF-8
 * checks and the one-column encoding of a record's lists (store_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- growable string ----------------------------------------------------- */

void
mailauth_report__store_str_add(mailauth_report__store_str_t *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (n + 1 > b->cap - b->len || b->p == NULL) {
        size_t cap = b->cap == 0 ? 256 : b->cap;
        char  *p;
        while (cap - b->len < n + 1) {
            if (cap > SIZE_MAX / 2) {
                b->failed = true;
                return;
            }
            cap *= 2;
        }
        p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void
mailauth_report__store_str_free(mailauth_report__store_str_t *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ---- pool ------------------------------------------------------------------ */

struct pool_block {
    struct pool_block *next;
    size_t             used, cap;
    max_align_t        data[];
};

void *
mailauth_report__store_pool_alloc(mailauth_report__store_pool_t *pl, size_t n)
{
    struct pool_block *b = pl->head;
    const size_t       align = sizeof(max_align_t);
    size_t             need;
    if (n > SIZE_MAX / 2)
        return NULL;
    need = n == 0 ? align : (n + align - 1) / align * align;
    if (b == NULL || b->cap - b->used < need) {
        size_t cap = need > 16384 ? need : 16384;
        b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = pl->head;
        pl->head = b;
    }
    b->used += need;
    return (char *)b->data + (b->used - need);
}

char *
mailauth_report__store_pool_strdup(mailauth_report__store_pool_t *pl, const char *s)
{
    size_t n;
    char  *p;
    if (s == NULL)
        return NULL;
    n = strlen(s);
    p = mailauth_report__store_pool_alloc(pl, n + 1);
    if (p != NULL)
        memcpy(p, s, n + 1);
    return p;
}

void
mailauth_report__store_pool_free(mailauth_report__store_pool_t *pl)
{
    while (pl->head != NULL) {
        struct pool_block *next = pl->head->next;
        free(pl->head);
        pl->head = next;
    }
}

/* ---- UTF-8 ----------------------------------------------------------------- */

/* RFC 3629 §4: shortest form, no surrogates, at most U+10FFFF. */
bool
mailauth_report__store_utf8_ok(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    if (s == NULL)
        return true;
    while (*s != 0) {
        unsigned c = *s++, need, min;
        uint32_t cp;
        if (c < 0x80)
            continue;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1, min = 0x80, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2, min = 0x800, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        for (; need > 0; need--, s++) {
            if ((*s & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (*s & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
    }
    return true;
}

/* ---- list encoding ------------------------------------------------------- */

static void
put_field(mailauth_report__store_str_t *b, const char *v)
{
    char   num[24];
    size_t n;
    if (v == NULL) {
        mailauth_report__store_str_add(b, "-", 1);
        return;
    }
    n = strlen(v);
    (void)snprintf(num, sizeof(num), "%zu:", n);
    mailauth_report__store_str_add(b, num, strlen(num));
    mailauth_report__store_str_add(b, v, n);
}

static mailauth_status_t
put_item(mailauth_report__store_str_t *b, const char *const *f, size_t nf)
{
    for (size_t i = 0; i < nf; i++) {
        if (!mailauth_report__store_utf8_ok(f[i]))
            return MAILAUTH_EINVAL;
        put_field(b, f[i]);
    }
    mailauth_report__store_str_add(b, ";", 1);
    return b->failed ? MAILAUTH_ENOMEM : MAILAUTH_OK;
}

/* The list starts as "" (never NULL) so an empty list is a value. */
static void
start(mailauth_report__store_str_t *b)
{
    b->len = 0;
    mailauth_report__store_str_add(b, "", 0);
}

mailauth_status_t
mailauth_report__store_encode_reasons(const mailauth_report_record_t *r,
                                      mailauth_report__store_str_t   *out)
{
    mailauth_status_t st = MAILAUTH_OK;
    start(out);
    if (r->reason_count > 0 && r->reasons == NULL)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < r->reason_count && st == MAILAUTH_OK; i++) {
        const char *f[2] = {r->reasons[i].type, r->reasons[i].comment};
        st = f[0] == NULL ? MAILAUTH_EINVAL : put_item(out, f, 2);
    }
    return out->failed ? MAILAUTH_ENOMEM : st;
}

mailauth_status_t
mailauth_report__store_encode_dkim(const mailauth_report_record_t *r,
                                   mailauth_report__store_str_t   *out)
{
    mailauth_status_t st = MAILAUTH_OK;
    start(out);
    if (r->dkim_count > 0 && r->dkim == NULL)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < r->dkim_count && st == MAILAUTH_OK; i++) {
        const mailauth_report_dkim_t *d = &r->dkim[i];
        const char                   *f[4] = {d->domain, d->selector, d->result, d->human_result};
        st = put_item(out, f, 4);
    }
    return out->failed ? MAILAUTH_ENOMEM : st;
}

mailauth_status_t
mailauth_report__store_encode_spf(const mailauth_report_record_t *r,
                                  mailauth_report__store_str_t   *out)
{
    mailauth_status_t st = MAILAUTH_OK;
    start(out);
    if (r->spf_count > 0 && r->spf == NULL)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < r->spf_count && st == MAILAUTH_OK; i++) {
        const mailauth_report_spf_t *p = &r->spf[i];
        const char                  *f[4] = {p->domain, p->scope, p->result, p->human_result};
        st = put_item(out, f, 4);
    }
    return out->failed ? MAILAUTH_ENOMEM : st;
}

mailauth_status_t
mailauth_report__store_encode_strings(const char *const *v, size_t n,
                                      mailauth_report__store_str_t *out)
{
    mailauth_status_t st = MAILAUTH_OK;
    start(out);
    if (n > 0 && v == NULL)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < n && st == MAILAUTH_OK; i++)
        st = put_item(out, &v[i], 1);
    return out->failed ? MAILAUTH_ENOMEM : st;
}

/* ---- list decoding ------------------------------------------------------- */

/* One field at *p into pool memory; false on malformed text. */
static bool
get_field(mailauth_report__store_pool_t *pl, const char **p, const char **out)
{
    const char *s = *p;
    size_t      n = 0;
    char       *v;
    if (*s == '-') {
        *out = NULL;
        *p = s + 1;
        return true;
    }
    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (n > SIZE_MAX / 10 - 10)
            return false;
        n = n * 10 + (size_t)(*s - '0');
    }
    if (*s != ':' || strnlen(s + 1, n) < n)
        return false;
    v = mailauth_report__store_pool_alloc(pl, n + 1);
    if (v == NULL)
        return false;
    memcpy(v, s + 1, n);
    v[n] = '\0';
    *out = v;
    *p = s + 1 + n;
    return true;
}

static size_t
count_items(const char *text)
{
    size_t n = 0;
    for (const char *s = text; *s != '\0'; s++)
        n += *s == ';'; /* an upper bound: ';' may also sit inside a value */
    return n;
}

/* Items of nf fields each into `slots` (nf const char * per item). */
static bool
decode(mailauth_report__store_pool_t *pl, const char *text, size_t nf, const char ***slots,
       size_t *n)
{
    size_t       max, got = 0;
    const char **v;
    *slots = NULL;
    *n = 0;
    if (text == NULL)
        return false;
    max = count_items(text);
    if (max == 0)
        return *text == '\0';
    v = mailauth_report__store_pool_alloc(pl, max * nf * sizeof(*v));
    if (v == NULL)
        return false;
    while (*text != '\0') {
        if (got == max)
            return false;
        for (size_t f = 0; f < nf; f++)
            if (!get_field(pl, &text, &v[got * nf + f]))
                return false;
        if (*text++ != ';')
            return false;
        got++;
    }
    *slots = v;
    *n = got;
    return true;
}

bool
mailauth_report__store_decode_reasons(mailauth_report__store_pool_t *pl, const char *text,
                                      mailauth_report_reason_t **out, size_t *n)
{
    const char **v;
    if (!decode(pl, text, 2, &v, n))
        return false;
    *out = NULL;
    if (*n == 0)
        return true;
    *out = mailauth_report__store_pool_alloc(pl, *n * sizeof(**out));
    if (*out == NULL)
        return false;
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = (mailauth_report_reason_t){v[2 * i], v[2 * i + 1]};
    return true;
}

bool
mailauth_report__store_decode_dkim(mailauth_report__store_pool_t *pl, const char *text,
                                   mailauth_report_dkim_t **out, size_t *n)
{
    const char **v;
    if (!decode(pl, text, 4, &v, n))
        return false;
    *out = NULL;
    if (*n == 0)
        return true;
    *out = mailauth_report__store_pool_alloc(pl, *n * sizeof(**out));
    if (*out == NULL)
        return false;
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = (mailauth_report_dkim_t){v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]};
    return true;
}

bool
mailauth_report__store_decode_spf(mailauth_report__store_pool_t *pl, const char *text,
                                  mailauth_report_spf_t **out, size_t *n)
{
    const char **v;
    if (!decode(pl, text, 4, &v, n))
        return false;
    *out = NULL;
    if (*n == 0)
        return true;
    *out = mailauth_report__store_pool_alloc(pl, *n * sizeof(**out));
    if (*out == NULL)
        return false;
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = (mailauth_report_spf_t){v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]};
    return true;
}

bool
mailauth_report__store_decode_strings(mailauth_report__store_pool_t *pl, const char *text,
                                      const char ***out, size_t *n)
{
    return decode(pl, text, 1, out, n);
}
