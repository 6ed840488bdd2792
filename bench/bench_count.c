/* Counting allocators (bench_count.h): each block carries its size in a
 * header of max_align_t's alignment, so realloc and free know what they
 * give back. */
#include "bench_count.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define HDR ((size_t)alignof(max_align_t))

struct bench_counter bench_count_ossl;

static void
held(struct bench_counter *c, size_t old, size_t n)
{
    c->cur = c->cur - old + n;
    if (c->cur > c->peak)
        c->peak = c->cur;
}

static void *
count_alloc(struct bench_counter *c, size_t n)
{
    unsigned char *p = malloc(n + HDR);
    if (p == NULL)
        return NULL;
    memcpy(p, &n, sizeof(n));
    c->calls++;
    held(c, 0, n);
    return p + HDR;
}

static void *
count_realloc(struct bench_counter *c, void *ptr, size_t n)
{
    unsigned char *p;
    size_t         old;
    if (ptr == NULL)
        return count_alloc(c, n);
    p = (unsigned char *)ptr - HDR;
    memcpy(&old, p, sizeof(old));
    p = realloc(p, n + HDR);
    if (p == NULL)
        return NULL;
    memcpy(p, &n, sizeof(n));
    c->calls++;
    held(c, old, n);
    return p + HDR;
}

static void
count_free(struct bench_counter *c, void *ptr)
{
    unsigned char *p;
    size_t         old;
    if (ptr == NULL)
        return;
    p = (unsigned char *)ptr - HDR;
    memcpy(&old, p, sizeof(old));
    c->cur -= old;
    free(p);
}

static void *
ma_malloc(void *ud, size_t n)
{
    return count_alloc(ud, n);
}

static void *
ma_realloc(void *ud, void *p, size_t n)
{
    return count_realloc(ud, p, n);
}

static void
ma_free(void *ud, void *p)
{
    count_free(ud, p);
}

mailauth_allocator_t
bench_count_allocator(struct bench_counter *c)
{
    mailauth_allocator_t al = {MAILAUTH_ALLOCATOR_VERSION, c, ma_malloc, ma_realloc, ma_free};
    return al;
}

static void *
os_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return count_alloc(&bench_count_ossl, n);
}

static void *
os_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return count_realloc(&bench_count_ossl, p, n);
}

static void
os_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    count_free(&bench_count_ossl, p);
}

int
bench_count_openssl_hook(void)
{
    return CRYPTO_set_mem_functions(os_malloc, os_realloc, os_free) == 1 ? 0 : -1;
}
