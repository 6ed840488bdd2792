/* MIME content transfer decodings as streaming sources over a part held
 * in memory: base64 (RFC 2045 §6.8) and quoted-printable (§6.7). Neither
 * allocates more than its small state. */
#include <stdlib.h>
#include <string.h>

#include "read_internal.h"

struct codec_state {
    const uint8_t *p;
    size_t         n, off;
    bool           done;
    uint8_t        pend[3]; /* base64: bytes of a quantum not handed out yet */
    size_t         pn, pp;
};

static int
b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* One quantum of four characters into q; characters outside the alphabet
 * (line breaks, white space) are skipped as §6.8 says; '=' ends the data.
 * Returns the bytes it makes (0..3). */
static size_t
b64_quantum(struct codec_state *st, uint8_t q[3])
{
    uint32_t acc = 0;
    unsigned k = 0;
    while (k < 4 && st->off < st->n) {
        uint8_t c = st->p[st->off++];
        int     v = b64_value(c);
        if (c == '=') {
            st->done = true;
            break;
        }
        if (v < 0)
            continue;
        acc = (acc << 6) | (uint32_t)v;
        k++;
    }
    if (k < 4)
        st->done = true;
    if (k == 4) {
        q[0] = (uint8_t)(acc >> 16);
        q[1] = (uint8_t)(acc >> 8);
        q[2] = (uint8_t)acc;
        return 3;
    }
    if (k == 3) {
        q[0] = (uint8_t)(acc >> 10);
        q[1] = (uint8_t)(acc >> 2);
        return 2;
    }
    if (k == 2) {
        q[0] = (uint8_t)(acc >> 4);
        return 1;
    }
    return 0;
}

static long
b64_read(mailauth_report__src_t *s, uint8_t *buf, size_t n)
{
    struct codec_state *st = s->state;
    size_t              out = 0;
    while (out < n) {
        if (st->pp < st->pn) {
            buf[out++] = st->pend[st->pp++];
            continue;
        }
        if (st->done)
            break;
        st->pn = b64_quantum(st, st->pend);
        st->pp = 0;
    }
    return (long)out;
}

static int
hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static long
qp_read(mailauth_report__src_t *s, uint8_t *buf, size_t n)
{
    struct codec_state *st = s->state;
    size_t              out = 0;
    while (out < n && st->off < st->n) {
        uint8_t c = st->p[st->off];
        if (c != '=') {
            buf[out++] = c;
            st->off++;
            continue;
        }
        if (st->off + 2 < st->n && hex_value(st->p[st->off + 1]) >= 0 &&
            hex_value(st->p[st->off + 2]) >= 0) {
            buf[out++] =
                (uint8_t)(hex_value(st->p[st->off + 1]) * 16 + hex_value(st->p[st->off + 2]));
            st->off += 3;
            continue;
        }
        /* a soft line break: '=', optional white space, line end */
        size_t j = st->off + 1;
        while (j < st->n && (st->p[j] == ' ' || st->p[j] == '\t'))
            j++;
        if (j < st->n && st->p[j] == '\r')
            j++;
        if (j < st->n && st->p[j] == '\n') {
            st->off = j + 1;
            continue;
        }
        buf[out++] = c; /* a lone '=' is kept, as §6.7 (3) suggests */
        st->off++;
    }
    return (long)out;
}

static void
codec_close(mailauth_report__src_t *s)
{
    free(s->state);
    s->state = NULL;
}

static mailauth_status_t
codec_open(mailauth_report__src_t *s, mailauth_report__job_t *job, const uint8_t *p, size_t n,
           long (*rd)(mailauth_report__src_t *, uint8_t *, size_t))
{
    struct codec_state *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return MAILAUTH_ENOMEM;
    st->p = p;
    st->n = n;
    *s = (mailauth_report__src_t){.read = rd, .close = codec_close, .job = job, .state = st};
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_report__src_base64(mailauth_report__src_t *s, mailauth_report__job_t *job,
                            const uint8_t *p, size_t n)
{
    return codec_open(s, job, p, n, b64_read);
}

mailauth_status_t
mailauth_report__src_qp(mailauth_report__src_t *s, mailauth_report__job_t *job, const uint8_t *p,
                        size_t n)
{
    return codec_open(s, job, p, n, qp_read);
}
