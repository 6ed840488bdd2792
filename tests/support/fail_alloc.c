/* Test allocator: fails the Nth malloc/realloc, tracks live blocks and bytes. */
#include "support/fail_alloc.h"

#include <stdlib.h>
#include <string.h>

/* Each block carries its size in front so free can keep live_bytes right. */
typedef union hdr {
    size_t      size;
    max_align_t align;
} hdr_t;

static bool
refuse(fail_alloc_t *fa)
{
    fa->attempts++;
    if (fa->fail_at != 0 && fa->attempts == fa->fail_at) {
        fa->failures++;
        return true;
    }
    return false;
}

static void *
fa_malloc(void *ud, size_t size)
{
    fail_alloc_t *fa = ud;
    hdr_t        *h;
    if (refuse(fa) || size > (size_t)-1 - sizeof(hdr_t))
        return NULL;
    h = malloc(sizeof(hdr_t) + size);
    if (h == NULL)
        return NULL;
    h->size = size;
    fa->live++;
    fa->live_bytes += size;
    return h + 1;
}

static void
fa_free(void *ud, void *p)
{
    fail_alloc_t *fa = ud;
    hdr_t        *h;
    if (p == NULL)
        return;
    h = (hdr_t *)p - 1;
    fa->live--;
    fa->live_bytes -= h->size;
    free(h);
}

static void *
fa_realloc(void *ud, void *p, size_t size)
{
    fail_alloc_t *fa = ud;
    hdr_t        *h, *grown;
    size_t        old;
    if (p == NULL)
        return fa_malloc(ud, size);
    if (refuse(fa) || size > (size_t)-1 - sizeof(hdr_t))
        return NULL; /* like realloc: the old block stays valid */
    h = (hdr_t *)p - 1;
    old = h->size;
    grown = realloc(h, sizeof(hdr_t) + size);
    if (grown == NULL)
        return NULL; /* p stays valid */
    h = grown;
    h->size = size;
    fa->live_bytes = fa->live_bytes - old + size;
    return h + 1;
}

void
fail_alloc_init(fail_alloc_t *fa, unsigned long fail_at)
{
    memset(fa, 0, sizeof(*fa));
    fa->al.version = MAILAUTH_ALLOCATOR_VERSION;
    fa->al.ud = fa;
    fa->al.malloc = fa_malloc;
    fa->al.realloc = fa_realloc;
    fa->al.free = fa_free;
    fa->fail_at = fail_at;
}

bool
fail_alloc_reached(const fail_alloc_t *fa)
{
    return fa->failures != 0;
}
