/* Test support for the hostile-input tables (see hostile.h). */
#include "support/authres_of.h"
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

/* ---- running an evaluation ------------------------------------------------------------------- */

static uint64_t
pinned_clock(void *ud, mailauth_clock_kind_t kind)
{
    const int64_t  *wall_s = ud;
    struct timespec ts;
    if (kind == MAILAUTH_CLOCK_WALL)
        return (uint64_t)*wall_s * 1000u;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static mailauth_status_t
feed_pieces(mailauth_eval_t *ev, const char *msg, size_t len, size_t chunk)
{
    for (size_t off = 0; off < len; off += chunk)
        assert_int_equal(mailauth_eval_feed(ev, msg + off, len - off < chunk ? len - off : chunk),
                         MAILAUTH_OK);
    return mailauth_eval_end_message(ev);
}

void
hostile_eval_run(const hostile_eval_t *in, meter_t *m, hostile_check_fn check, const void *row)
{
    mailauth_ctx_t           *ctx = NULL;
    mailauth_resolver_t      *r = NULL;
    mailauth_eval_t          *ev = NULL;
    mailauth_status_t         st;
    mailauth_resolver_stats_t dns = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    assert_int_equal(mailauth_ctx_new(&m->al, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(ctx, "mx.example.net"), MAILAUTH_OK);
    if (in->wall_s != 0)
        assert_int_equal(mailauth_ctx_set_clock(ctx, pinned_clock, (void *)&in->wall_s),
                         MAILAUTH_OK);
    if (in->dmarc_mode >= 0)
        assert_int_equal(mailauth_ctx_set_dmarc_mode(ctx, (mailauth_dmarc_mode_t)in->dmarc_mode),
                         MAILAUTH_OK);
    for (size_t i = 0; i + 1 < in->nlimits; i += 2)
        assert_int_equal(
            mailauth_ctx_set_limit(ctx, (mailauth_limit_t)in->limits[i], in->limits[i + 1]),
            MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(ctx, in->zone, in->zone_len, NULL, &r),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(ctx, r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(ev, in->ip != NULL ? in->ip : "192.0.2.1"),
                     MAILAUTH_OK);
    if (in->mail_from != NULL)
        assert_int_equal(mailauth_eval_set_mail_from(ev, in->mail_from), MAILAUTH_OK);
    if (in->chunk > 0)
        st = feed_pieces(ev, in->msg, in->msg_len, in->chunk);
    else
        st = mailauth_eval_message(ev, in->msg, in->msg_len);
    assert_int_equal(mailauth_eval_finish_sync(ev, 10000), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_stats(r, &dns), MAILAUTH_OK);
    check(row, ev, st, &dns);
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

size_t
hostile_authres_len(mailauth_eval_t *ev)
{
    size_t need = 0;
    assert_int_equal(mailauth_authres_format(authres_of(ev), NULL, 0, &need),
                     MAILAUTH_ENOSPC);
    return need;
}
