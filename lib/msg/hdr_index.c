/* Header field index: every field as received, in order, in an arena (the
 * eval's header arena, cleared at the end of the header section). */
#include "msg/msg.h"

#include <string.h>

#include "util/alloc.h"
#include "util/str.h"

void
mailauth__hdr_index_init(mailauth__hdr_index_t *idx, mailauth__arena_t *a, size_t max_count,
                         size_t max_bytes)
{
    memset(idx, 0, sizeof(*idx));
    idx->arena = a;
    idx->max_count = max_count;
    idx->max_bytes = max_bytes;
}

/* RFC 5322 §3.6.8: ftext is printable US-ASCII except ':'. */
static bool
is_ftext(int c)
{
    return c >= 33 && c <= 126 && c != ':';
}

size_t
mailauth__hdr_name_len(const char *field, size_t len, size_t *colon)
{
    size_t i = 0;
    size_t name_len = 0;
    while (i < len && is_ftext((unsigned char)field[i]))
        i++;
    name_len = i;
    /* RFC 5322 §4.5 (obs-optional): WSP may sit between the name and ':'. */
    while (i < len && mailauth__is_wsp((unsigned char)field[i]))
        i++;
    if (name_len == 0 || i >= len || field[i] != ':')
        return 0;
    if (colon != NULL)
        *colon = i;
    return name_len;
}

/* Make room for one more entry; the old array stays in the arena (bounded
 * by max_count, so at most twice the final size is spent). */
static mailauth_status_t
grow(mailauth__hdr_index_t *idx)
{
    size_t           cap = idx->cap != 0 ? idx->cap * 2 : 16;
    mailauth__hdr_t *v = NULL;
    if (idx->max_count != 0 && cap > idx->max_count)
        cap = idx->max_count;
    v = mailauth__arena_calloc(idx->arena, cap, sizeof(*v));
    if (v == NULL)
        return MAILAUTH_ENOMEM;
    if (idx->n != 0)
        memcpy(v, idx->v, idx->n * sizeof(*v));
    idx->v = v;
    idx->cap = cap;
    return MAILAUTH_OK;
}

/* A trailing CRLF or LF is not part of the field. */
static size_t
strip_line_end(const char *field, size_t len)
{
    if (len >= 2 && field[len - 2] == '\r' && field[len - 1] == '\n')
        return len - 2;
    if (len >= 1 && field[len - 1] == '\n')
        return len - 1;
    return len;
}

/* Bare LFs in field[0..len): each becomes CRLF. */
static size_t
bare_lfs(const char *field, size_t len)
{
    size_t      extra = 0;
    const char *end = field + len, *lf = field;
    /* LF by LF: a folded field has one per line, nearly always after a CR. */
    while ((lf = memchr(lf, '\n', (size_t)(end - lf))) != NULL) {
        extra += lf == field || lf[-1] != '\r';
        lf++;
    }
    return extra;
}

void
mailauth__hdr_shape(const char *field, size_t len, bool bare_lf, mailauth__hdr_shape_t *out)
{
    out->len = field != NULL ? strip_line_end(field, len) : 0;
    out->extra = bare_lf && field != NULL ? bare_lfs(field, out->len) : 0;
    out->colon = 0;
    out->name_len = field != NULL ? mailauth__hdr_name_len(field, out->len, &out->colon) : 0;
}

mailauth_status_t
mailauth__hdr_index_put(mailauth__hdr_index_t *idx, const char *field,
                        const mailauth__hdr_shape_t *sh)
{
    size_t           len = sh->len, extra = sh->extra, k = 0;
    char            *copy = NULL;
    mailauth__hdr_t *h = NULL;
    if (sh->name_len == 0)
        return MAILAUTH_EINVAL;
    if ((idx->max_bytes != 0 && len + extra > idx->max_bytes) ||
        (idx->max_count != 0 && idx->n >= idx->max_count)) {
        idx->refused++;
        return MAILAUTH_ELIMIT;
    }
    if (idx->n == idx->cap && grow(idx) != MAILAUTH_OK)
        return MAILAUTH_ENOMEM;
    if (extra == 0) {
        copy = mailauth__arena_strndup(idx->arena, field, len);
    } else if ((copy = mailauth__arena_alloc(idx->arena, len + extra + 1)) != NULL) {
        for (size_t i = 0; i < len; i++) {
            if (field[i] == '\n' && (i == 0 || field[i - 1] != '\r'))
                copy[k++] = '\r';
            copy[k++] = field[i];
        }
        copy[k] = '\0';
    }
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    h = &idx->v[idx->n++];
    h->raw = copy;
    h->len = len + extra;
    h->name_len = sh->name_len; /* the name holds no LF: the colon is unmoved */
    h->value = copy + sh->colon + 1;
    h->value_len = len + extra - sh->colon - 1;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__hdr_index_add(mailauth__hdr_index_t *idx, const char *field, size_t len)
{
    mailauth__hdr_shape_t sh;
    if (idx == NULL || (field == NULL && len != 0))
        return MAILAUTH_EINVAL;
    mailauth__hdr_shape(field, len, false, &sh);
    return mailauth__hdr_index_put(idx, field, &sh);
}

mailauth_status_t
mailauth__hdr_index_add_crlf(mailauth__hdr_index_t *idx, const char *field, size_t len)
{
    mailauth__hdr_shape_t sh;
    if (idx == NULL || (field == NULL && len != 0))
        return MAILAUTH_EINVAL;
    mailauth__hdr_shape(field, len, true, &sh);
    return mailauth__hdr_index_put(idx, field, &sh);
}

size_t
mailauth__hdr_index_count(const mailauth__hdr_index_t *idx)
{
    return idx != NULL ? idx->n : 0;
}

void
mailauth__hdr_index_release(mailauth__hdr_index_t *idx)
{
    idx->v = NULL;
    idx->cap = 0;
    idx->released = true;
}

const mailauth__hdr_t *
mailauth__hdr_index_get(const mailauth__hdr_index_t *idx, size_t i)
{
    if (idx == NULL || idx->released || i >= idx->n)
        return NULL;
    return &idx->v[i];
}

/* name is nlen bytes long: the length is compared before any byte. */
static bool
name_is(const mailauth__hdr_t *h, const char *name, size_t nlen)
{
    return h->name_len == nlen && mailauth__eq_ci_n(h->raw, name, nlen);
}

const mailauth__hdr_t *
mailauth__hdr_index_next(const mailauth__hdr_index_t *idx, const char *name, size_t *pos)
{
    size_t nlen = 0;
    if (idx == NULL || name == NULL || pos == NULL)
        return NULL;
    nlen = strlen(name);
    for (size_t i = *pos; !idx->released && i < idx->n; i++) {
        if (name_is(&idx->v[i], name, nlen)) {
            *pos = i + 1;
            return &idx->v[i];
        }
    }
    *pos = idx->n;
    return NULL;
}

const mailauth__hdr_t *
mailauth__hdr_index_prev(const mailauth__hdr_index_t *idx, const char *name, size_t *pos)
{
    size_t i = 0, nlen = 0;
    if (idx == NULL || name == NULL || pos == NULL)
        return NULL;
    nlen = strlen(name);
    i = *pos < idx->n ? *pos : idx->n;
    while (i > 0 && !idx->released) {
        i--;
        if (name_is(&idx->v[i], name, nlen)) {
            *pos = i;
            return &idx->v[i];
        }
    }
    *pos = 0;
    return NULL;
}

/* ---------------------------------------------------------------- refused names */

static mailauth__hdr_refused_t *
find_refused(const mailauth__hdr_index_t *idx, const char *name, size_t len, bool prefix)
{
    for (size_t i = 0; i < idx->nrnames; i++) {
        mailauth__hdr_refused_t *r = &idx->rnames[i];
        if (r->len == len && r->prefix == prefix && mailauth__eq_ci_n(r->name, name, len))
            return r;
    }
    return NULL;
}

void
mailauth__hdr_index_note_refused(mailauth__hdr_index_t *idx, const char *name, size_t len,
                                 bool whole)
{
    mailauth__hdr_refused_t *r = find_refused(idx, name, len, !whole);
    mailauth__arena_t       *ra = idx->rarena != NULL ? idx->rarena : idx->arena;
    char                    *copy = NULL;
    idx->refused++;
    if (r != NULL) {
        r->count++;
        return;
    }
    if (idx->rnames == NULL)
        idx->rnames = mailauth__arena_calloc(ra, MAILAUTH__HDR_REFUSED_NAMES, sizeof(*idx->rnames));
    if (idx->rnames != NULL && idx->nrnames < MAILAUTH__HDR_REFUSED_NAMES && len > 0)
        copy = mailauth__arena_strndup(ra, name, len);
    if (copy == NULL) {
        idx->rmany = true; /* out of room, or no name at all: it may have been any */
        return;
    }
    idx->rnames[idx->nrnames++] = (mailauth__hdr_refused_t){copy, len, !whole, 1};
}

size_t
mailauth__hdr_index_refused_count(const mailauth__hdr_index_t *idx, const char *name)
{
    const mailauth__hdr_refused_t *r = find_refused(idx, name, strlen(name), false);
    return r != NULL ? r->count : 0;
}

bool
mailauth__hdr_index_may_be_refused(const mailauth__hdr_index_t *idx, const char *name)
{
    size_t n = 0;
    if (idx->rmany)
        return true;
    if (idx->nrnames == 0) /* nothing refused: the usual message */
        return false;
    n = strlen(name);
    for (size_t i = 0; i < idx->nrnames; i++) {
        const mailauth__hdr_refused_t *r = &idx->rnames[i];
        if (r->prefix ? r->len <= n && mailauth__eq_ci_n(r->name, name, r->len)
                      : r->len == n && mailauth__eq_ci_n(r->name, name, n))
            return true;
    }
    return false;
}
