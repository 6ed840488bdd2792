/* The body hashes one message needs: one streaming canonicalizer per
 * distinct (canonicalization, algorithm, l=) triple, however many
 * signatures ask for it (RFC 6376 §3.7: the body hash depends on nothing
 * else). */
#include "canon/canon.h"

#include <stddef.h>
#include <string.h>

#include "util/alloc.h"

#define SET_MAX 32u /* distinct triples per message; more is hostile */

struct set_entry {
    mailauth__canon_t       canon;
    mailauth__hash_alg_t    alg;
    uint64_t                limit;
    mailauth__body_canon_t *bc; /* freed at end: results stay below */
    uint64_t                len;
    uint8_t                 digest[MAILAUTH__HASH_MAX];
};

struct mailauth__body_set {
    const mailauth_allocator_t *al;
    const mailauth__hash_kit_t *kit; /* NULL: each hasher fetches its algorithm */
    size_t                      n;
    bool                        started; /* a body byte was fed: no more wants */
    bool                        ended;
    struct set_entry           *e; /* grown as triples are wanted: most messages need one or two */
    size_t                      cap;
};

mailauth_status_t
mailauth__body_set_new(const mailauth_allocator_t *al, mailauth__body_set_t **out)
{
    mailauth__body_set_t *bs = NULL;
    if (out != NULL)
        *out = NULL;
    if (out == NULL)
        return MAILAUTH_EINVAL;
    /* The table of entries is allocated as triples are wanted: the set
     * lives as long as the message streams, and one or two entries is the
     * common case. */
    bs = mailauth__calloc(al, 1, sizeof(*bs));
    if (bs == NULL)
        return MAILAUTH_ENOMEM;
    bs->al = al;
    *out = bs;
    return MAILAUTH_OK;
}

void
mailauth__body_set_use_kit(mailauth__body_set_t *bs, const mailauth__hash_kit_t *kit)
{
    if (bs != NULL)
        bs->kit = kit;
}

void
mailauth__body_set_free(mailauth__body_set_t *bs)
{
    if (bs == NULL)
        return;
    for (size_t i = 0; i < bs->n; i++)
        mailauth__body_canon_free(bs->e[i].bc);
    mailauth__free(bs->al, bs->e);
    mailauth__free(bs->al, bs);
}

mailauth_status_t
mailauth__body_set_want(mailauth__body_set_t *bs, mailauth__canon_t canon, mailauth__hash_alg_t alg,
                        uint64_t limit, size_t *id)
{
    struct set_entry *e;
    mailauth_status_t st;
    if (id != NULL)
        *id = 0;
    if (bs == NULL || id == NULL ||
        (canon != MAILAUTH__CANON_SIMPLE && canon != MAILAUTH__CANON_RELAXED) ||
        (alg != MAILAUTH__HASH_SHA256 && alg != MAILAUTH__HASH_SHA1))
        return MAILAUTH_EINVAL;
    if (bs->started || bs->ended)
        return MAILAUTH_ESTATE;
    for (size_t i = 0; i < bs->n; i++) {
        e = &bs->e[i];
        if (e->canon == canon && e->alg == alg && e->limit == limit) {
            *id = i;
            return MAILAUTH_OK;
        }
    }
    if (bs->n == SET_MAX)
        return MAILAUTH_ELIMIT;
    if (bs->n == bs->cap) {
        /* One entry first: the signatures of a message mostly share one
         * (canonicalization, algorithm, l=) triple. */
        size_t cap = bs->cap == 0 ? 1 : bs->cap * 2;
        e = mailauth__realloc(bs->al, bs->e, (cap < SET_MAX ? cap : SET_MAX) * sizeof(*e));
        if (e == NULL)
            return MAILAUTH_ENOMEM;
        bs->e = e;
        bs->cap = cap < SET_MAX ? cap : SET_MAX;
    }
    e = &bs->e[bs->n];
    st = mailauth__body_canon_new_kit(bs->al, bs->kit, canon, alg, limit, &e->bc);
    if (st != MAILAUTH_OK)
        return st;
    e->canon = canon;
    e->alg = alg;
    e->limit = limit;
    *id = bs->n++;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__body_set_feed(mailauth__body_set_t *bs, const void *p, size_t n)
{
    if (bs == NULL || (p == NULL && n > 0))
        return MAILAUTH_EINVAL;
    if (bs->ended)
        return MAILAUTH_ESTATE;
    if (n == 0)
        return MAILAUTH_OK;
    bs->started = true;
    for (size_t i = 0; i < bs->n; i++) {
        mailauth_status_t st = mailauth__body_canon_feed(bs->e[i].bc, p, n);
        if (st != MAILAUTH_OK)
            return st;
    }
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__body_set_end(mailauth__body_set_t *bs)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (bs == NULL)
        return MAILAUTH_EINVAL;
    if (bs->ended)
        return MAILAUTH_ESTATE;
    bs->ended = true;
    for (size_t i = 0; i < bs->n; i++) {
        struct set_entry *e = &bs->e[i];
        mailauth_status_t s = mailauth__body_canon_end(e->bc, e->digest, &e->len);
        if (s != MAILAUTH_OK && st == MAILAUTH_OK)
            st = s;
        /* The canonicalizer (and its staging buffer) is no longer needed. */
        mailauth__body_canon_free(e->bc);
        e->bc = NULL;
    }
    return st;
}

const uint8_t *
mailauth__body_set_digest(const mailauth__body_set_t *bs, size_t id, size_t *len)
{
    if (len != NULL)
        *len = 0;
    if (bs == NULL || !bs->ended || id >= bs->n)
        return NULL;
    if (len != NULL)
        *len = mailauth__hash_len(bs->e[id].alg);
    return bs->e[id].digest;
}

uint64_t
mailauth__body_set_canon_len(const mailauth__body_set_t *bs, size_t id)
{
    if (bs == NULL || !bs->ended || id >= bs->n)
        return 0;
    return bs->e[id].len;
}
