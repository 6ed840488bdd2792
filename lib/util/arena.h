/* Internal: bump allocator freed all at once (per eval, per parsed record). */
#ifndef MAILAUTH__ARENA_H
#define MAILAUTH__ARENA_H

#include <stddef.h>

#include <mailauth/ctx.h>
#include <mailauth/status.h>

typedef struct mailauth__arena_chunk mailauth__arena_chunk_t;

typedef struct mailauth__arena {
    const mailauth_allocator_t *al;
    mailauth__arena_chunk_t    *head;  /* newest chunk first */
    size_t                      used;  /* bytes handed out, for limits */
    size_t                      limit; /* 0: unlimited; else alloc fails past it */
    size_t                      chunk; /* size of the chunks while the arena is small */
} mailauth__arena_t;

/* Embedded init; never fails (allocates lazily). al NULL: the C library's.
 * Set a->limit after init to cap the bytes handed out (rounded up to 16 each). */
void mailauth__arena_init(mailauth__arena_t *a, const mailauth_allocator_t *al);
/* Chunks of `size` bytes (at least 256) while the arena is small, rather
 * than 2 KiB: for an arena held long that stays small (an evaluation
 * whose body streams), its last chunk's unused tail is what it wastes. */
void mailauth__arena_set_chunk(mailauth__arena_t *a, size_t size);
/* Free every chunk; the arena is reusable afterwards. */
void mailauth__arena_clear(mailauth__arena_t *a);
/* An arena whose own struct lives in its first chunk (`chunk` as for
 * mailauth__arena_set_chunk()): a working arena that an object holds
 * only while it runs costs the object a pointer, not the struct. NULL on
 * ENOMEM. Freed (struct and all) by mailauth__arena_delete(). */
mailauth__arena_t *mailauth__arena_new(const mailauth_allocator_t *al, size_t chunk);
/* Free an arena made by mailauth__arena_new(). NULL is a no-op. */
void mailauth__arena_delete(mailauth__arena_t *a);
/* For an object that owns an arena and lives in it: on an empty arena,
 * `size` zeroed bytes at the start of a first chunk with `room` bytes
 * after them (`size` rounded up to the arena's alignment), the object and
 * the arena's first allocations in one block. The object must free the
 * arena last (copy the struct out, then clear the copy). NULL on ENOMEM. */
void *mailauth__arena_host(mailauth__arena_t *a, size_t size, size_t room);
/* 16-byte aligned, uninitialized; NULL on ENOMEM or limit. n == 0 gives a valid pointer. */
void *mailauth__arena_alloc(mailauth__arena_t *a, size_t n);
void *mailauth__arena_calloc(mailauth__arena_t *a, size_t count, size_t size);
/* Copy n bytes and add a NUL. */
char *mailauth__arena_strndup(mailauth__arena_t *a, const char *s, size_t n);
char *mailauth__arena_strdup(mailauth__arena_t *a, const char *s);
/* Copy bytes (no NUL). */
void *mailauth__arena_memdup(mailauth__arena_t *a, const void *p, size_t n);

#endif
