/* Byte sources of the report reader: memory, a file descriptor, inflate
 * (gzip, zlib) with the size and ratio caps, and the peek that finds what
 * a payload is from its first bytes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "read_internal.h"

void
mailauth_report__src_fail(mailauth_report__job_t *job, mailauth_status_t st, const char *fmt, ...)
{
    va_list ap;
    if (job->src_st != MAILAUTH_OK)
        return; /* the first cause is the one worth telling */
    job->src_st = st;
    va_start(ap, fmt);
    (void)vsnprintf(job->src_why, sizeof(job->src_why), fmt, ap);
    va_end(ap);
}

long
mailauth_report__src_read(mailauth_report__src_t *s, uint8_t *buf, size_t n)
{
    return s->read(s, buf, n);
}

void
mailauth_report__src_close(mailauth_report__src_t *s)
{
    if (s != NULL && s->close != NULL)
        s->close(s);
}

/* ---- memory ---- */

struct mem_state {
    const uint8_t *p;
    size_t         n, off;
};

static long
mem_read(mailauth_report__src_t *s, uint8_t *buf, size_t n)
{
    struct mem_state *m = s->state;
    size_t            k = m->n - m->off;
    if (k > n)
        k = n;
    if (k > (size_t)1 << 30)
        k = (size_t)1 << 30;
    memcpy(buf, m->p + m->off, k);
    m->off += k;
    return (long)k;
}

/* state_space: caller storage of at least 3 pointers' size (no allocation). */
void
mailauth_report__src_mem(mailauth_report__src_t *s, mailauth_report__job_t *job, const uint8_t *p,
                         size_t n, void *state_space)
{
    struct mem_state *m = state_space;
    m->p = p;
    m->n = n;
    m->off = 0;
    *s = (mailauth_report__src_t){.read = mem_read, .job = job, .state = m};
}

/* ---- file descriptor (not closed here) ---- */

static long
fd_read(mailauth_report__src_t *s, uint8_t *buf, size_t n)
{
    int     fd = (int)(intptr_t)s->state;
    ssize_t got;
    if (n > (size_t)1 << 30)
        n = (size_t)1 << 30;
    do
        got = read(fd, buf, n);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        mailauth_report__src_fail(s->job, MAILAUTH_EINVAL, "read error: %s", strerror(errno));
        return -1;
    }
    return (long)got;
}

void
mailauth_report__src_fd(mailauth_report__src_t *s, mailauth_report__job_t *job, int fd)
{
    *s = (mailauth_report__src_t){.read = fd_read, .job = job, .state = (void *)(intptr_t)fd};
}

/* ---- inflate: gzip (also several members one after the other) or zlib ---- */

#define INFLATE_IN 16384u
#define RATIO_FLOOR ((uint64_t)1 << 20) /* below this much output no ratio is judged */

struct inflate_state {
    z_stream                z;
    mailauth_report__src_t *under;
    uint64_t                in_total, out_total;
    bool                    ended, under_eof;
    uint8_t                 in[INFLATE_IN];
};

static bool
inflate_fill(mailauth_report__src_t *s, struct inflate_state *st)
{
    long got;
    if (st->z.avail_in > 0 || st->under_eof)
        return true;
    got = mailauth_report__src_read(st->under, st->in, sizeof(st->in));
    if (got < 0)
        return false;
    if (got == 0)
        st->under_eof = true;
    st->z.next_in = st->in;
    st->z.avail_in = (uInt)got;
    st->in_total += (uint64_t)got;
    (void)s;
    return true;
}

static bool
inflate_caps(mailauth_report__src_t *s, struct inflate_state *st)
{
    const mailauth_report_read_limits_t *lim = &s->job->rd->lim;
    if (st->out_total > lim->max_decompressed) {
        mailauth_report__src_fail(s->job, MAILAUTH_ELIMIT,
                                  "decompressed data over %llu bytes (a compression bomb?)",
                                  (unsigned long long)lim->max_decompressed);
        return false;
    }
    if (st->out_total > RATIO_FLOOR && st->out_total / (st->in_total + 1) > lim->max_ratio) {
        mailauth_report__src_fail(s->job, MAILAUTH_ELIMIT,
                                  "compression ratio over %u:1 (a compression bomb?)",
                                  lim->max_ratio);
        return false;
    }
    return true;
}

/* After a gzip member ends: another member may follow (RFC 1952 §2.2);
 * anything else after it (some senders add a CRLF) is ignored. */
static bool
inflate_next_member(struct inflate_state *st)
{
    if (!inflate_fill(NULL, st))
        return false;
    if (st->z.avail_in >= 2 && st->z.next_in[0] == 0x1f && st->z.next_in[1] == 0x8b) {
        (void)inflateReset(&st->z);
        return true;
    }
    st->ended = true;
    return true;
}

static long
inflate_read(mailauth_report__src_t *s, uint8_t *buf, size_t n)
{
    struct inflate_state *st = s->state;
    if (n > (size_t)1 << 30)
        n = (size_t)1 << 30;
    while (!st->ended) {
        int zr;
        if (!inflate_fill(s, st))
            return -1;
        st->z.next_out = buf;
        st->z.avail_out = (uInt)n;
        zr = inflate(&st->z, Z_NO_FLUSH);
        size_t made = n - st->z.avail_out;
        st->out_total += made;
        if (!inflate_caps(s, st))
            return -1;
        if (zr == Z_STREAM_END) {
            if (!inflate_next_member(st))
                return -1;
        } else if (zr == Z_BUF_ERROR && st->under_eof && made == 0) {
            mailauth_report__src_fail(s->job, MAILAUTH_EINVAL, "compressed data truncated");
            return -1;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            mailauth_report__src_fail(s->job, MAILAUTH_EINVAL, "compressed data corrupt (%s)",
                                      st->z.msg != NULL ? st->z.msg : "inflate failed");
            return -1;
        }
        if (made > 0)
            return (long)made;
    }
    return 0;
}

static void
inflate_close(mailauth_report__src_t *s)
{
    struct inflate_state *st = s->state;
    if (st == NULL)
        return;
    (void)inflateEnd(&st->z);
    free(st);
    s->state = NULL;
}

mailauth_status_t
mailauth_report__src_inflate(mailauth_report__src_t *s, mailauth_report__job_t *job,
                             mailauth_report__src_t *under)
{
    struct inflate_state *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return MAILAUTH_ENOMEM;
    st->under = under;
    /* 15 + 32: a zlib or a gzip header, found by zlib */
    if (inflateInit2(&st->z, 15 + 32) != Z_OK) {
        free(st);
        return MAILAUTH_ENOMEM;
    }
    *s = (mailauth_report__src_t){
        .read = inflate_read, .close = inflate_close, .job = job, .state = st};
    return MAILAUTH_OK;
}

/* ---- peek and kind ---- */

static bool
looks_like_header_line(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] > 32 && p[i] < 127 && p[i] != ':')
        i++;
    return i > 0 && i < n && p[i] == ':';
}

mailauth_report__kind_t
mailauth_report__kind_of(const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (n == 0)
        return MAILAUTH_REPORT__KIND_EMPTY;
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return MAILAUTH_REPORT__KIND_GZIP;
    if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
        return MAILAUTH_REPORT__KIND_ZIP;
    if (n >= 4 && memcmp(p, "PK\x05\x06", 4) == 0) /* an empty archive */
        return MAILAUTH_REPORT__KIND_ZIP;
    /* RFC 1950: CMF 0x78 and (CMF*256 + FLG) a multiple of 31 */
    if (n >= 2 && p[0] == 0x78 && ((unsigned)p[0] * 256u + p[1]) % 31u == 0)
        return MAILAUTH_REPORT__KIND_ZLIB;
    if (n >= 5 && memcmp(p, "From ", 5) == 0)
        return MAILAUTH_REPORT__KIND_MBOX;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i < n && p[i] == '<')
        return MAILAUTH_REPORT__KIND_XML;
    if (i < n && (p[i] == '{' || p[i] == '['))
        return MAILAUTH_REPORT__KIND_JSON;
    if (looks_like_header_line(p, n))
        return MAILAUTH_REPORT__KIND_MESSAGE;
    if (i == n && n < 64) /* white space only */
        return MAILAUTH_REPORT__KIND_EMPTY;
    return MAILAUTH_REPORT__KIND_UNKNOWN;
}

static long
peek_read(mailauth_report__src_t *s, uint8_t *buf, size_t n)
{
    mailauth_report__peek_t *pk = s->state;
    if (pk->pos < pk->have) {
        size_t k = pk->have - pk->pos;
        if (k > n)
            k = n;
        memcpy(buf, pk->head + pk->pos, k);
        pk->pos += k;
        return (long)k;
    }
    return mailauth_report__src_read(pk->under, buf, n);
}

/* Reads up to sizeof(head) bytes; MAILAUTH_REPORT__KIND_UNKNOWN with the
 * job's src_st set when the source failed. */
mailauth_report__kind_t
mailauth_report__peek_init(mailauth_report__peek_t *pk, mailauth_report__src_t *under)
{
    pk->under = under;
    pk->have = pk->pos = 0;
    pk->src = (mailauth_report__src_t){.read = peek_read, .job = under->job, .state = pk};
    while (pk->have < sizeof(pk->head)) {
        long got =
            mailauth_report__src_read(under, pk->head + pk->have, sizeof(pk->head) - pk->have);
        if (got < 0)
            return MAILAUTH_REPORT__KIND_UNKNOWN;
        if (got == 0)
            break;
        pk->have += (size_t)got;
    }
    return mailauth_report__kind_of(pk->head, pk->have);
}

mailauth_status_t
mailauth_report__slurp(mailauth_report__src_t *s, size_t max, uint8_t **out, size_t *len)
{
    size_t   cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    *out = NULL;
    *len = 0;
    if (buf == NULL)
        return MAILAUTH_ENOMEM;
    for (;;) {
        long got;
        if (n == cap) {
            uint8_t *nb;
            if (cap >= max) {
                free(buf);
                mailauth_report__src_fail(s->job, MAILAUTH_ELIMIT, "over %zu bytes", max);
                return MAILAUTH_ELIMIT;
            }
            cap = cap * 2 > max ? max + 1 : cap * 2;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                return MAILAUTH_ENOMEM;
            }
            buf = nb;
        }
        got = mailauth_report__src_read(s, buf + n, cap - n);
        if (got < 0) {
            free(buf);
            return s->job->src_st != MAILAUTH_OK ? s->job->src_st : MAILAUTH_EINVAL;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > max) {
        free(buf);
        mailauth_report__src_fail(s->job, MAILAUTH_ELIMIT, "over %zu bytes", max);
        return MAILAUTH_ELIMIT;
    }
    *out = buf;
    *len = n;
    return MAILAUTH_OK;
}
