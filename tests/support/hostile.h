/* Test support for the hostile-input tables (tests/test_hostile*.c): a
 * measuring allocator (tests/support/fail_alloc wrapped to record the peak
 * of its live-bytes counter), a monotonic clock in milliseconds, and a
 * growing buffer for building big inputs outside the measurement. */
#ifndef MAILAUTH_TEST_HOSTILE_H
#define MAILAUTH_TEST_HOSTILE_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/mailauth.h>

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

/* One evaluation of a hostile message through the public API, with a ctx
 * on the meter: zone resolver, envelope, message() (or feed() in pieces),
 * finish_sync(), then `check` on the finished eval, then everything freed. */
typedef struct hostile_eval {
    const char     *zone, *msg;
    size_t          zone_len, msg_len;
    const uint32_t *limits; /* (limit, value) pairs */
    size_t          nlimits;
    int             dmarc_mode; /* mailauth_dmarc_mode_t; -1: the default */
    int64_t         wall_s;     /* wall clock pinned here; 0: the system's */
    size_t          chunk;      /* feed() in pieces of this size; 0: message() */
    const char     *ip, *mail_from;
} hostile_eval_t;

/* `fed` is the status of message() or end_message(); `dns` the resolver's
 * counters after the finish. */
typedef void (*hostile_check_fn)(const void *row, mailauth_eval_t *ev, mailauth_status_t fed,
                                 const mailauth_resolver_stats_t *dns);

void hostile_eval_run(const hostile_eval_t *in, meter_t *m, hostile_check_fn check,
                      const void *row);

/* The Authentication-Results of a finished eval formatted: its size (a
 * field we emit stays bounded whatever the message held). */
size_t hostile_authres_len(mailauth_eval_t *ev);

#endif
