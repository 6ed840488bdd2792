/* Internal: allocation through the ctx allocator, overflow-checked sizes. */
#ifndef MAILAUTH__ALLOC_H
#define MAILAUTH__ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include <mailauth/ctx.h>

/* The C library allocator wrapped as a mailauth_allocator_t. Every function
 * below also accepts al == NULL, meaning this allocator. Sizes of 0 are
 * allocated as 1 byte, so NULL always means out of memory. */
extern const mailauth_allocator_t mailauth__default_allocator;

void *mailauth__malloc(const mailauth_allocator_t *al, size_t n);
void *mailauth__calloc(const mailauth_allocator_t *al, size_t count, size_t size); /* zeroed */
void *mailauth__realloc(const mailauth_allocator_t *al, void *p, size_t n);
void mailauth__free(const mailauth_allocator_t *al, void *p);
char *mailauth__strndup(const mailauth_allocator_t *al, const char *s, size_t n); /* NUL-terminated */
char *mailauth__strdup(const mailauth_allocator_t *al, const char *s);

/* *out = a * b; false on overflow. */
bool mailauth__size_mul(size_t a, size_t b, size_t *out);
/* *out = a + b; false on overflow. */
bool mailauth__size_add(size_t a, size_t b, size_t *out);

#endif
