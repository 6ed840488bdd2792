/* Test support for the hostile-input tables (see hostile.h). */
#include "support/hostile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static void
note_peak(meter_t *m)
{
    if (m->fa.live_bytes > m->peak)
        m->peak = m->fa.live_bytes;
}

static void *
m_malloc(void *ud, size_t n)
{
    meter_t *m = ud;
    void    *p = m->fa.al.malloc(m->fa.al.ud, n);
    note_peak(m);
    return p;
}

static void *
m_realloc(void *ud, void *p, size_t n)
{
    meter_t *m = ud;
    void    *q = m->fa.al.realloc(m->fa.al.ud, p, n);
    note_peak(m);
    return q;
}

static void
m_free(void *ud, void *p)
{
    meter_t *m = ud;
    m->fa.al.free(m->fa.al.ud, p);
}

void
meter_init(meter_t *m)
{
    memset(m, 0, sizeof(*m));
    fail_alloc_init(&m->fa, 0);
    m->al = (mailauth_allocator_t){MAILAUTH_ALLOCATOR_VERSION, m, m_malloc, m_realloc, m_free};
}

uint64_t
hostile_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
hostile_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Room for n more bytes and a NUL. */
static void
reserve(gbuf_t *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 256;
    char  *p;
    if (b->p != NULL && b->n + n + 1 <= b->cap)
        return;
    while (cap < b->n + n + 1)
        cap *= 2;
    p = realloc(b->p, cap);
    assert_non_null(p);
    b->p = p;
    b->cap = cap;
}

void
gput(gbuf_t *b, const void *s, size_t n)
{
    reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void
gprintf(gbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    int     n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    (void)vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

void
grepeat(gbuf_t *b, char c, size_t n)
{
    reserve(b, n);
    memset(b->p + b->n, c, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void
grepeat_str(gbuf_t *b, const char *s, size_t times)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < times; i++)
        gput(b, s, n);
}

void
gfree(gbuf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}
