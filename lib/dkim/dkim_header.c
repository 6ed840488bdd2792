/* DKIM header hash (RFC 6376 §3.7, §5.4.2), shared with ARC.
 *
 * h= may name a field many times, or name thousands of fields the message
 * does not have; each name must find "the next instance from the bottom
 * not used yet". The header fields are grouped by name once per message
 * (an open-addressing table over the lower-cased names), each group
 * chained bottom-up, so a name costs one table probe whatever the sizes:
 * the work is O(header fields + h= names) for any input.
 */
#include "dkim/dkim_verify.h"

#include <string.h>

#include "canon/canon.h"
#include "crypto/crypto.h"
#include "util/str.h"

#define NO_FIELD SIZE_MAX

struct mailauth__hdr_groups {
    const mailauth__hdr_index_t *idx;
    size_t                      *slot;   /* table of group index + 1; 0: empty */
    size_t                       nslots; /* power of two, at least twice the fields */
    size_t                      *last;   /* per group: its bottom-most field */
    size_t                      *above;  /* per field: the field of the same name above it */
    size_t                      *cursor; /* per group, during one digest: next field to use */
    size_t                       ngroups;
};

/* FNV-1a over the lower-cased name: field names are case-insensitive (RFC 5322 §1.2.2). */
static size_t
name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = (unsigned char)s[i];
        h ^= c - 'A' < 26u ? c + ('a' - 'A') : c; /* ASCII lower case, no call per byte */
        h *= 16777619u;
    }
    return (size_t)h;
}

/* The table slot holding the group of `name`, or the empty slot where it would go. */
static size_t
find_slot(const mailauth__hdr_groups_t *g, const char *name, size_t n)
{
    size_t mask = g->nslots - 1, i = name_hash(name, n) & mask;
    while (g->slot[i] != 0) {
        const mailauth__hdr_t *f = &g->idx->v[g->last[g->slot[i] - 1]];
        if (f->name_len == n && mailauth__eq_ci_n(f->raw, name, n))
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

mailauth_status_t
mailauth__hdr_groups_build(mailauth__arena_t *a, const mailauth__hdr_index_t *idx,
                           mailauth__hdr_groups_t **out)
{
    mailauth__hdr_groups_t *g = mailauth__arena_calloc(a, 1, sizeof(*g));
    size_t                  nf = idx->n;
    *out = NULL;
    if (g == NULL)
        return MAILAUTH_ENOMEM;
    g->idx = idx;
    g->nslots = 16;
    while (g->nslots < 2 * nf) /* nf is bounded by the header count limit */
        g->nslots *= 2;
    g->slot = mailauth__arena_calloc(a, g->nslots, sizeof(*g->slot));
    g->last = mailauth__arena_calloc(a, nf + 1, sizeof(*g->last));
    g->above = mailauth__arena_calloc(a, nf + 1, sizeof(*g->above));
    g->cursor = mailauth__arena_calloc(a, nf + 1, sizeof(*g->cursor));
    if (g->slot == NULL || g->last == NULL || g->above == NULL || g->cursor == NULL)
        return MAILAUTH_ENOMEM;
    for (size_t i = 0; i < nf; i++) {
        const mailauth__hdr_t *f = &idx->v[i];
        size_t                 s = find_slot(g, f->raw, f->name_len);
        if (g->slot[s] == 0) {
            g->slot[s] = ++g->ngroups;
            g->above[i] = NO_FIELD;
        } else {
            g->above[i] = g->last[g->slot[s] - 1];
        }
        g->last[g->slot[s] - 1] = i; /* fields come top-down: the latest is the bottom-most */
    }
    *out = g;
    return MAILAUTH_OK;
}

/* The next unused instance of `name` from the bottom, or NULL (RFC 6376 §5.4.2). */
static const mailauth__hdr_t *
next_instance(mailauth__hdr_groups_t *g, const char *name)
{
    size_t n = strlen(name), s = 0, grp = 0, i = 0;
    if (n == 0)
        return NULL;
    s = find_slot(g, name, n);
    if (g->slot[s] == 0)
        return NULL;
    grp = g->slot[s] - 1;
    i = g->cursor[grp];
    if (i == NO_FIELD)
        return NULL;
    g->cursor[grp] = g->above[i];
    return &g->idx->v[i];
}

static mailauth_status_t
hash_fields(mailauth__hash_t *h, mailauth__hdr_groups_t *g, const mailauth__sig_t *sig,
            const mailauth__hdr_t *field)
{
    mailauth_status_t st = MAILAUTH_OK;
    size_t            value_off = (size_t)(field->value - field->raw);
    for (size_t k = 0; k < g->ngroups; k++)
        g->cursor[k] = g->last[k];
    /* §5.4.2: a name with no instance left contributes nothing (over-signing). */
    for (size_t k = 0; k < sig->h_count && st == MAILAUTH_OK; k++) {
        const mailauth__hdr_t *f = next_instance(g, sig->h[k]);
        if (f != NULL)
            st = mailauth__canon_header(h, sig->c_header, f->raw, f->len);
    }
    /* §3.7: the signature field itself last, b= value deleted, no CRLF. */
    if (st == MAILAUTH_OK)
        st = mailauth__canon_header_sig(h, sig->c_header, field->raw, field->len,
                                        value_off + sig->b_off, sig->b_area);
    return st;
}

mailauth_status_t
mailauth__dkim_header_digest(const mailauth_allocator_t *al, const mailauth__hash_kit_t *kit,
                             mailauth__hdr_groups_t *g, const mailauth__sig_t *sig,
                             const mailauth__hdr_t *field, uint8_t *digest)
{
    mailauth__hash_t *h = NULL;
    mailauth_status_t st = mailauth__hash_new_kit(al, kit, sig->hash, &h);
    if (st != MAILAUTH_OK)
        return st;
    st = hash_fields(h, g, sig, field);
    if (st == MAILAUTH_OK)
        st = mailauth__hash_final(h, digest);
    mailauth__hash_free(h);
    return st;
}
