/* Bump allocator: chunks from the ctx allocator, everything freed at once. */
#include "util/arena.h"

#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

#define ALIGN 16u
#define CHUNK_MIN 2048u               /* first chunk */
#define CHUNK_MAX ((size_t)64 * 1024) /* chunks stop growing here */
#define SMALL_USE ((size_t)16 * 1024) /* chunks grow only past this much in use */

struct mailauth__arena_chunk {
    mailauth__arena_chunk_t *next;
    size_t                   size; /* usable bytes after the header, from the aligned start */
    size_t                   off;  /* bytes used */
};

/* First usable byte of a chunk, aligned to ALIGN whatever malloc's alignment. */
static unsigned char *
chunk_base(mailauth__arena_chunk_t *c)
{
    uintptr_t p = (uintptr_t)(c + 1);
    p = (p + (ALIGN - 1)) & ~(uintptr_t)(ALIGN - 1);
    return (unsigned char *)p;
}

void
mailauth__arena_init(mailauth__arena_t *a, const mailauth_allocator_t *al)
{
    a->al = al;
    a->head = NULL;
    a->used = 0;
    a->limit = 0;
    a->chunk = CHUNK_MIN;
}

void
mailauth__arena_set_chunk(mailauth__arena_t *a, size_t size)
{
    a->chunk = size < 256 ? 256 : size;
}

void
mailauth__arena_clear(mailauth__arena_t *a)
{
    mailauth__arena_chunk_t *c = a->head;
    while (c != NULL) {
        mailauth__arena_chunk_t *next = c->next;
        mailauth__free(a->al, c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}

mailauth__arena_t *
mailauth__arena_new(const mailauth_allocator_t *al, size_t chunk)
{
    mailauth__arena_t tmp, *a = NULL;
    mailauth__arena_init(&tmp, al);
    mailauth__arena_set_chunk(&tmp, chunk);
    /* the first chunk `chunk` bytes in all, the struct included */
    a = mailauth__arena_host(&tmp, sizeof(*a),
                             tmp.chunk - ((sizeof(*a) + ALIGN - 1) & ~(size_t)(ALIGN - 1)));
    if (a != NULL)
        *a = tmp; /* from here on the struct in the chunk is the arena */
    return a;
}

void
mailauth__arena_delete(mailauth__arena_t *a)
{
    mailauth__arena_t tmp;
    if (a == NULL)
        return;
    tmp = *a; /* the struct goes with its chunk */
    mailauth__arena_clear(&tmp);
}

static mailauth__arena_chunk_t *chunk_new(mailauth__arena_t *a, size_t size);

void *
mailauth__arena_host(mailauth__arena_t *a, size_t size, size_t room)
{
    mailauth__arena_chunk_t *c = NULL;
    size_t                   need = 0, first = 0;
    if (a->head != NULL || size > SIZE_MAX - ALIGN)
        return NULL;
    need = (size + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
    if (!mailauth__size_add(need, room, &first))
        return NULL;
    c = chunk_new(a, first);
    if (c == NULL)
        return NULL;
    a->head = c;
    c->off = need;
    a->used += need;
    memset(chunk_base(c), 0, size);
    return chunk_base(c);
}

static mailauth__arena_chunk_t *
chunk_new(mailauth__arena_t *a, size_t size)
{
    mailauth__arena_chunk_t *c = NULL;
    size_t                   total = 0;
    /* header + worst-case alignment slack + payload */
    if (!mailauth__size_add(sizeof(*c) + ALIGN, size, &total))
        return NULL;
    c = mailauth__malloc(a->al, total);
    if (c == NULL)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->off = 0;
    return c;
}

/* Size of the next regular chunk: CHUNK_MIN while the arena is small (an
 * evaluation held while its body streams uses a few KiB: doubling from
 * the start would leave most of its last chunk empty), then double the
 * newest one, up to CHUNK_MAX, so that a large arena has few chunks. */
static size_t
next_chunk_size(const mailauth__arena_t *a)
{
    size_t s = a->chunk;
    if (a->used < SMALL_USE)
        return s;
    if (a->head != NULL && a->head->size >= s) {
        s = a->head->size * 2;
        if (s > CHUNK_MAX)
            s = CHUNK_MAX;
    }
    return s;
}

void *
mailauth__arena_alloc(mailauth__arena_t *a, size_t n)
{
    mailauth__arena_chunk_t *c = a->head;
    size_t                   need = n != 0 ? n : 1;
    size_t                   csize = 0;
    void                    *p = NULL;

    if (need > SIZE_MAX - ALIGN)
        return NULL;
    need = (need + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
    if (a->limit != 0 && (need > a->limit || a->used > a->limit - need))
        return NULL;
    if (c != NULL && c->size - c->off >= need) {
        p = chunk_base(c) + c->off;
        c->off += need;
        a->used += need;
        return p;
    }
    csize = next_chunk_size(a);
    if (need > csize / 4) {
        /* A large request gets a chunk of its own, linked behind the current
         * head so the head's free space stays in use. */
        c = chunk_new(a, need);
        if (c == NULL)
            return NULL;
        if (a->head != NULL) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            a->head = c;
        }
    } else {
        c = chunk_new(a, csize);
        if (c == NULL)
            return NULL;
        c->next = a->head;
        a->head = c;
    }
    c->off = need;
    a->used += need;
    return chunk_base(c);
}

void *
mailauth__arena_calloc(mailauth__arena_t *a, size_t count, size_t size)
{
    size_t n = 0;
    void  *p = NULL;
    if (!mailauth__size_mul(count, size, &n))
        return NULL;
    p = mailauth__arena_alloc(a, n);
    if (p != NULL && n != 0)
        memset(p, 0, n);
    return p;
}

char *
mailauth__arena_strndup(mailauth__arena_t *a, const char *s, size_t n)
{
    char *p = NULL;
    if ((s == NULL && n != 0) || n == SIZE_MAX)
        return NULL;
    p = mailauth__arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    if (n != 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
mailauth__arena_strdup(mailauth__arena_t *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return mailauth__arena_strndup(a, s, strlen(s));
}

void *
mailauth__arena_memdup(mailauth__arena_t *a, const void *p, size_t n)
{
    void *q = NULL;
    if (p == NULL && n != 0)
        return NULL;
    q = mailauth__arena_alloc(a, n);
    if (q != NULL && n != 0)
        memcpy(q, p, n);
    return q;
}
