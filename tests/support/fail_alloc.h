/* Test allocator that fails the Nth allocation and counts live blocks.
 *
 * Typical out-of-memory walk:
 *     for (unsigned long n = 1;; n++) {
 *         fail_alloc_t fa;
 *         fail_alloc_init(&fa, n);
 *         st = operation(&fa.al);
 *         cleanup();
 *         assert_int_equal(fa.live, 0);           // nothing leaked on any path
 *         if (!fail_alloc_reached(&fa)) break;    // ran to the end without a failure
 *         assert_int_equal(st, MAILAUTH_ENOMEM);  // or whatever the failure gives
 *     }
 */
#ifndef MAILAUTH_TEST_FAIL_ALLOC_H
#define MAILAUTH_TEST_FAIL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include <mailauth/ctx.h>

typedef struct fail_alloc {
    mailauth_allocator_t al;         /* pass &fa.al; its ud points back here */
    unsigned long        fail_at;    /* 1-based index of the attempt to fail; 0: never */
    unsigned long        attempts;   /* malloc and realloc calls so far */
    unsigned long        failures;   /* attempts refused */
    long                 live;       /* blocks allocated and not yet freed */
    size_t               live_bytes; /* bytes in those blocks */
} fail_alloc_t;

/* Set up a fresh allocator (counters zeroed). fail_at 0 never fails. */
void fail_alloc_init(fail_alloc_t *fa, unsigned long fail_at);

/* True once the fail_at-th attempt happened (and was refused). */
bool fail_alloc_reached(const fail_alloc_t *fa);

#endif
