/* Header fields found by name: a set of field names, and the RFC 6376
 * §5.4.2 picker over a header index (see msg/msg.h).
 *
 * h= may name a field many times, or name thousands of fields the message
 * does not have; each name must find "the next instance from the bottom
 * not used yet". The picker groups the fields by name once (a name set:
 * open addressing over the lower-cased names), each group chained
 * bottom-up, so a name costs one table probe whatever the sizes: the work
 * is O(header fields + h= names) for any input.
 */
#include "msg/msg.h"

#include <string.h>

#include "util/str.h"

/* A multiply per 8 bytes of the name, with bit 0x20 set in every byte:
 * names equal but for case hash alike (RFC 5322 §1.2.2: field names are
 * case-insensitive); the few other bytes it merges only collide, and the
 * probe compares exactly. A byte at a time (FNV) put a multiply's latency
 * on every byte of every name of every h= list. */
static size_t
name_hash(const char *s, size_t n)
{
    const uint64_t k = 0x9e3779b97f4a7c15u, fold = 0x2020202020202020u;
    uint64_t       h = (uint64_t)n * k, w = 0;
    size_t         i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ (w | fold)) * k;
    }
    if (i < n) {
        /* The tail without a copy of variable length (its byte stores
         * and the word load after them stall the load): the last 8
         * bytes again, or a short name byte by byte. */
        if (n >= 8) {
            memcpy(&w, s + n - 8, 8);
        } else {
            w = 0;
            for (size_t j = 0; j < n; j++)
                w |= (uint64_t)(unsigned char)s[j] << (8 * j);
        }
        h = (h ^ (w | fold)) * k;
    }
    return (size_t)(h ^ (h >> 29));
}

mailauth_status_t
mailauth__name_set_init(mailauth__name_set_t *ns, mailauth__arena_t *a, size_t max)
{
    size_t nslots = 16;
    memset(ns, 0, sizeof(*ns));
    while (nslots < 2 * max) /* at most half full: short probe runs */
        nslots *= 2;
    ns->slot = mailauth__arena_calloc(a, nslots, sizeof(*ns->slot));
    ns->name = mailauth__arena_calloc(a, max + 1, sizeof(*ns->name));
    ns->len = mailauth__arena_calloc(a, max + 1, sizeof(*ns->len));
    if (ns->slot == NULL || ns->name == NULL || ns->len == NULL)
        return MAILAUTH_ENOMEM;
    ns->mask = nslots - 1;
    ns->max = max;
    return MAILAUTH_OK;
}

/* The slot holding `name`, or the empty slot where it would go. */
static size_t
find_slot(const mailauth__name_set_t *ns, const char *name, size_t len)
{
    size_t i = name_hash(name, len) & ns->mask;
    while (ns->slot[i] != 0) {
        size_t id = ns->slot[i] - 1;
        if (ns->len[id] == len && mailauth__eq_ci_n(ns->name[id], name, len))
            return i;
        i = (i + 1) & ns->mask;
    }
    return i;
}

size_t
mailauth__name_set_find(const mailauth__name_set_t *ns, const char *name, size_t len)
{
    size_t i = 0;
    if (ns->slot == NULL)
        return MAILAUTH__NAME_NONE;
    i = find_slot(ns, name, len);
    return ns->slot[i] != 0 ? ns->slot[i] - 1 : MAILAUTH__NAME_NONE;
}

size_t
mailauth__name_set_add(mailauth__name_set_t *ns, const char *name, size_t len)
{
    size_t i = 0;
    if (ns->slot == NULL)
        return MAILAUTH__NAME_NONE;
    i = find_slot(ns, name, len);
    if (ns->slot[i] != 0)
        return ns->slot[i] - 1;
    if (ns->n == ns->max)
        return MAILAUTH__NAME_NONE;
    ns->name[ns->n] = name;
    ns->len[ns->n] = len;
    ns->slot[i] = ++ns->n;
    return ns->n - 1;
}

/* ---------------------------------------------------------------- picker */

#define NO_FIELD SIZE_MAX

struct mailauth__hdr_pick {
    const mailauth__hdr_index_t *idx;
    mailauth__name_set_t         names;  /* one id per distinct name: its group */
    size_t                      *last;   /* per group: its bottom-most field */
    size_t                      *count;  /* per group: how many fields it has */
    size_t                      *above;  /* per field: the field of its group above it */
    size_t                      *cursor; /* per group, during one list: next field to pick */
};

mailauth_status_t
mailauth__hdr_pick_new(mailauth__arena_t *a, const mailauth__hdr_index_t *idx,
                       mailauth__hdr_pick_t **out)
{
    mailauth__hdr_pick_t *p = mailauth__arena_calloc(a, 1, sizeof(*p));
    size_t                nf = idx->n;
    *out = NULL;
    if (p == NULL || mailauth__name_set_init(&p->names, a, nf) != MAILAUTH_OK)
        return MAILAUTH_ENOMEM;
    p->idx = idx;
    p->last = mailauth__arena_calloc(a, nf + 1, sizeof(*p->last));
    p->count = mailauth__arena_calloc(a, nf + 1, sizeof(*p->count));
    p->above = mailauth__arena_calloc(a, nf + 1, sizeof(*p->above));
    p->cursor = mailauth__arena_calloc(a, nf + 1, sizeof(*p->cursor));
    if (p->last == NULL || p->count == NULL || p->above == NULL || p->cursor == NULL)
        return MAILAUTH_ENOMEM;
    for (size_t i = 0; i < nf; i++) {
        const mailauth__hdr_t *f = &idx->v[i];
        size_t                 g = mailauth__name_set_add(&p->names, f->raw, f->name_len);
        /* fields come top-down: the latest one is the bottom-most of its group */
        p->above[i] = p->count[g]++ == 0 ? NO_FIELD : p->last[g];
        p->last[g] = i;
    }
    mailauth__hdr_pick_begin(p);
    *out = p;
    return MAILAUTH_OK;
}

void
mailauth__hdr_pick_begin(mailauth__hdr_pick_t *p)
{
    memcpy(p->cursor, p->last, p->names.n * sizeof(*p->cursor));
}

const mailauth__hdr_t *
mailauth__hdr_pick_next(mailauth__hdr_pick_t *p, const char *name, size_t len)
{
    size_t g = mailauth__name_set_find(&p->names, name, len), i = 0;
    if (g == MAILAUTH__NAME_NONE || (i = p->cursor[g]) == NO_FIELD)
        return NULL; /* no instance (left): the entry contributes nothing */
    p->cursor[g] = p->above[i];
    return &p->idx->v[i];
}

size_t
mailauth__hdr_pick_count(const mailauth__hdr_pick_t *p, const char *name, size_t len)
{
    size_t g = mailauth__name_set_find(&p->names, name, len);
    return g != MAILAUTH__NAME_NONE ? p->count[g] : 0;
}
