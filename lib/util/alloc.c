/* Allocation through a mailauth_allocator_t, with overflow-checked sizes. */
#include "util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *
std_malloc(void *ud, size_t n)
{
    (void)ud;
    return malloc(n);
}

static void *
std_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return realloc(p, n);
}

static void
std_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

const mailauth_allocator_t mailauth__default_allocator = {
    .version = MAILAUTH_ALLOCATOR_VERSION,
    .ud = NULL,
    .malloc = std_malloc,
    .realloc = std_realloc,
    .free = std_free,
};

/* A NULL allocator means the C library's, so helpers work before a ctx exists. */
static const mailauth_allocator_t *
pick(const mailauth_allocator_t *al)
{
    return al != NULL ? al : &mailauth__default_allocator;
}

bool
mailauth__size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

bool
mailauth__size_add(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return false;
    *out = a + b;
    return true;
}

void *
mailauth__malloc(const mailauth_allocator_t *al, size_t n)
{
    al = pick(al);
    /* malloc(0) may return NULL; ask for one byte so NULL always means ENOMEM. */
    return al->malloc(al->ud, n != 0 ? n : 1);
}

void *
mailauth__calloc(const mailauth_allocator_t *al, size_t count, size_t size)
{
    size_t n = 0;
    void  *p = NULL;
    if (!mailauth__size_mul(count, size, &n))
        return NULL;
    p = mailauth__malloc(al, n);
    if (p != NULL && n != 0)
        memset(p, 0, n);
    return p;
}

void *
mailauth__realloc(const mailauth_allocator_t *al, void *p, size_t n)
{
    al = pick(al);
    return al->realloc(al->ud, p, n != 0 ? n : 1);
}

void
mailauth__free(const mailauth_allocator_t *al, void *p)
{
    if (p == NULL)
        return;
    al = pick(al);
    al->free(al->ud, p);
}

char *
mailauth__strndup(const mailauth_allocator_t *al, const char *s, size_t n)
{
    char  *p = NULL;
    size_t total = 0;
    if (s == NULL && n != 0)
        return NULL;
    if (!mailauth__size_add(n, 1, &total))
        return NULL;
    p = mailauth__malloc(al, total);
    if (p == NULL)
        return NULL;
    if (n != 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
mailauth__strdup(const mailauth_allocator_t *al, const char *s)
{
    if (s == NULL)
        return NULL;
    return mailauth__strndup(al, s, strlen(s));
}
