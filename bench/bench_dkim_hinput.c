/* bench_dkim: the header hash input of a signed message (RFC 6376 §3.7)
 * and its decoded b=, computed here from scratch (tags by hand, header
 * canonicalization §3.4.1/§3.4.2) so that the floor is a plain OpenSSL
 * check over bytes the library did not produce. */
#include "bench_dkim.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct span {
    size_t off, len; /* within the signature field */
};

static int
is_wsp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Value spans of tags h= and b= in the signature field (the part after the colon). */
static int
find_tags(const char *f, size_t len, struct span *h, struct span *b)
{
    const char *colon = memchr(f, ':', len);
    size_t      i = colon != NULL ? (size_t)(colon - f) + 1 : len;
    memset(h, 0, sizeof(*h));
    memset(b, 0, sizeof(*b));
    while (i < len) {
        size_t ns, ne, vs;
        while (i < len && is_wsp(f[i]))
            i++;
        ns = i;
        while (i < len && f[i] != '=' && f[i] != ';' && !is_wsp(f[i]))
            i++;
        ne = i;
        while (i < len && is_wsp(f[i]))
            i++;
        if (i >= len || f[i] != '=')
            return -1;
        vs = ++i;
        while (i < len && f[i] != ';')
            i++;
        if (ne - ns == 1 && f[ns] == 'h')
            *h = (struct span){vs, i - vs};
        if (ne - ns == 1 && f[ns] == 'b')
            *b = (struct span){vs, i - vs};
        i++; /* the ';' */
    }
    return h->len > 0 && b->len > 0 ? 0 : -1;
}

static int
decode_b(const char *v, size_t len, struct bd_msg *m)
{
    char  *t = malloc(len + 1);
    size_t n = 0, pad = 0;
    int    out;
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!is_wsp(v[i]))
            t[n++] = v[i];
    }
    while (pad < n && t[n - 1 - pad] == '=')
        pad++;
    out = n % 4 == 0 && n / 4 * 3 <= sizeof(m->sig)
              ? EVP_DecodeBlock(m->sig, (unsigned char *)t, (int)n)
              : -1;
    free(t);
    if (out < 0)
        return -1;
    m->sig_len = (size_t)out - pad;
    return 0;
}

/* §3.4.2 relaxed, or §3.4.1 simple (as is); `skip` (a b= value) left out. */
static size_t
canon_field(const char *f, size_t len, mailauth_canon_t c, struct span skip, uint8_t *out)
{
    size_t      o = 0, i = 0;
    const char *colon = memchr(f, ':', len);
    size_t      nl = colon != NULL ? (size_t)(colon - f) : len;
    int         wsp = 0, started = 0;
    if (c == MAILAUTH_CANON_SIMPLE) {
        memcpy(out, f, skip.off);
        memcpy(out + skip.off, f + skip.off + skip.len, len - skip.off - skip.len);
        return len - skip.len;
    }
    while (nl > 0 && (f[nl - 1] == ' ' || f[nl - 1] == '\t'))
        nl--; /* WSP before the colon */
    for (; i < nl; i++)
        out[o++] = (uint8_t)lower(f[i]);
    out[o++] = ':';
    for (i = colon != NULL ? (size_t)(colon - f) + 1 : len; i < len; i++) {
        if (skip.len > 0 && i == skip.off) {
            i += skip.len - 1;
            continue;
        }
        if (is_wsp(f[i])) { /* unfold, then a WSP run is one SP */
            wsp = 1;
            continue;
        }
        if (wsp && started) /* none just after the colon */
            out[o++] = ' ';
        wsp = 0;
        started = 1;
        out[o++] = (uint8_t)f[i];
    }
    return o; /* a WSP run at the end is dropped */
}

/* The bottom-most field named like h[0, n) not taken yet (§5.4.2). */
static int
pick(const struct bd_msg *m, const char *name, size_t n, unsigned char *used)
{
    for (size_t k = m->nfields; k-- > 1;) { /* field 0 is the signature itself */
        const char *f = m->field[k];
        if (!used[k] && m->field_len[k] > n && strncasecmp(f, name, n) == 0 &&
            (f[n] == ':' || f[n] == ' ' || f[n] == '\t')) {
            used[k] = 1;
            return (int)k;
        }
    }
    return -1;
}

int
bd_hash_input(struct bd_msg *m)
{
    const char    *sf = m->field[0];
    size_t         sl = m->field_len[0], total = sl, o = 0;
    struct span    h, b, none = {0, 0};
    unsigned char *used = calloc(m->nfields, 1);
    int            rc = -1;
    if (used == NULL || find_tags(sf, sl, &h, &b) != 0 || decode_b(sf + b.off, b.len, m) != 0)
        goto out;
    for (size_t i = 1; i < m->nfields; i++)
        total += m->field_len[i] + 2;
    m->hinput = malloc(total + 2 * sl);
    if (m->hinput == NULL)
        goto out;
    for (size_t i = h.off; i < h.off + h.len;) {
        size_t s, e;
        int    k;
        while (i < h.off + h.len && (is_wsp(sf[i]) || sf[i] == ':'))
            i++;
        s = i;
        while (i < h.off + h.len && !is_wsp(sf[i]) && sf[i] != ':')
            i++;
        e = i;
        if (e == s || (k = pick(m, sf + s, e - s, used)) < 0)
            continue; /* a name with no instance left (oversigned): nothing */
        o += canon_field(m->field[k], m->field_len[k], m->canon, none, m->hinput + o);
        memcpy(m->hinput + o, "\r\n", 2);
        o += 2;
    }
    o += canon_field(sf, sl, m->canon, b, m->hinput + o); /* §3.7: no CRLF after it */
    m->hinput_len = o;
    rc = 0;
out:
    free(used);
    return rc;
}
