/* Test support for the hostile-input tables (tests/test_hostile*.c): a
 * measuring allocator (tests/support/fail_alloc wrapped to record the peak
 * of its live-bytes counter), a monotonic clock in milliseconds, and a
 * growing buffer for building big inputs outside the measurement. */
#ifndef MAILAUTH_TEST_HOSTILE_H
#define MAILAUTH_TEST_HOSTILE_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>

#include "support/fail_alloc.h"

#define KIB ((size_t)1024)
#define MIB (KIB * KIB)

/* What a ctx gets as its allocator: counts live blocks and bytes through
 * fa, and records the highest live-bytes value seen. */
typedef struct meter {
    fail_alloc_t         fa;   /* live blocks and bytes; never fails */
    mailauth_allocator_t al;   /* pass &m->al to mailauth_ctx_new() */
    size_t               peak; /* highest fa.live_bytes seen */
} meter_t;

void meter_init(meter_t *m);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t hostile_now_ms(void);
/* CPU time of the process (CLOCK_PROCESS_CPUTIME_ID) in milliseconds: the
 * work done, whatever else the machine runs. */
uint64_t hostile_cpu_ms(void);

/* A NUL-terminated growing buffer (plain malloc, not measured; asserts). */
typedef struct gbuf {
    char  *p;
    size_t n, cap;
} gbuf_t;

void gput(gbuf_t *b, const void *s, size_t n);
void gprintf(gbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void grepeat(gbuf_t *b, char c, size_t n);
/* Append s `times` times. */
void grepeat_str(gbuf_t *b, const char *s, size_t times);
void gfree(gbuf_t *b);

#endif
