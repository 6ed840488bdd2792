/* A whole message held in memory: the MIME walk (RFC 2045, RFC 2046) to
 * every part that carries a report: application/gzip, application/zip,
 * text/xml and their variants, or an application part whose content is
 * one; multipart and message/rfc822 are entered (nesting capped),
 * base64 and quoted-printable are decoded while the report streams. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_internal.h"

#define HEADER_MAX ((size_t)1 << 20)
#define FIELD_MAX 2048u

struct part_head {
    char   type[128]; /* "application/gzip", lower case; "" when absent */
    char   boundary[80];
    char   name[200]; /* filename= or name= */
    char   cte[40];   /* content-transfer-encoding, lower case */
    bool   report_arf;
    size_t body_off;
};

struct walk {
    unsigned parts, found;
    bool     arf, tlsrpt, too_deep;
};

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The value of parameter key in a field value ("; key=value" or quoted). */
static void
param(const char *v, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    out[0] = '\0';
    for (const char *s = strchr(v, ';'); s != NULL; s = strchr(s + 1, ';')) {
        const char *k = s + 1;
        size_t      o = 0;
        while (is_ws(*k))
            k++;
        if (!mailauth_report__ascii_ieq(k, strnlen(k, klen), key) || k[klen] != '=')
            continue;
        k += klen + 1;
        if (*k == '"') {
            for (k++; *k != '\0' && *k != '"' && o + 1 < cap; k++) {
                if (*k == '\\' && k[1] != '\0')
                    k++;
                out[o++] = *k;
            }
        } else {
            for (; *k != '\0' && *k != ';' && !is_ws(*k) && o + 1 < cap; k++)
                out[o++] = *k;
        }
        out[o] = '\0';
        return;
    }
}

static void
take_field(struct part_head *h, const char *f, size_t n)
{
    char   v[FIELD_MAX];
    size_t o = 0, colon = 0;
    while (colon < n && f[colon] != ':')
        colon++;
    if (colon == n)
        return;
    for (size_t i = colon + 1; i < n && o + 1 < sizeof(v); i++)
        v[o++] = (f[i] == '\r' || f[i] == '\n') ? ' ' : f[i]; /* unfold */
    v[o] = '\0';
    char *s = v;
    while (is_ws(*s))
        s++;
    if (mailauth_report__ascii_ieq(f, colon, "Content-Type")) {
        size_t t = 0;
        for (; s[t] != '\0' && s[t] != ';' && !is_ws(s[t]) && t + 1 < sizeof(h->type); t++)
            h->type[t] = lower(s[t]);
        h->type[t] = '\0';
        param(s, "boundary", h->boundary, sizeof(h->boundary));
        if (h->name[0] == '\0')
            param(s, "name", h->name, sizeof(h->name));
        char rt[40];
        param(s, "report-type", rt, sizeof(rt));
        h->report_arf = mailauth_report__ascii_ieq(rt, strlen(rt), "feedback-report");
    } else if (mailauth_report__ascii_ieq(f, colon, "Content-Transfer-Encoding")) {
        size_t t = 0;
        for (; s[t] != '\0' && !is_ws(s[t]) && t + 1 < sizeof(h->cte); t++)
            h->cte[t] = lower(s[t]);
        h->cte[t] = '\0';
    } else if (mailauth_report__ascii_ieq(f, colon, "Content-Disposition")) {
        char fn[200];
        param(s, "filename", fn, sizeof(fn));
        if (fn[0] != '\0')
            memcpy(h->name, fn, sizeof(fn));
    }
}

/* The header section of p[0..n): fields of interest into h, the body's
 * offset into h->body_off. False when the section is over HEADER_MAX. */
static bool
parse_head(const uint8_t *p, size_t n, struct part_head *h)
{
    size_t off = 0, field = 0;
    bool   in_field = false;
    memset(h, 0, sizeof(*h));
    if (n >= 5 && memcmp(p, "From ", 5) == 0) { /* an mbox envelope line */
        const uint8_t *nl = memchr(p, '\n', n);
        off = nl != NULL ? (size_t)(nl - p) + 1 : n;
    }
    while (off < n) {
        const uint8_t *nl = memchr(p + off, '\n', n - off);
        size_t         end = nl != NULL ? (size_t)(nl - p) + 1 : n;
        bool           empty = end - off == 1 || (end - off == 2 && p[off] == '\r');
        if (off > HEADER_MAX)
            return false;
        if (!empty && (p[off] == ' ' || p[off] == '\t') && in_field) {
            off = end; /* a continuation line of the current field */
            continue;
        }
        if (in_field)
            take_field(h, (const char *)p + field, off - field);
        if (empty) {
            h->body_off = end;
            return true;
        }
        field = off;
        in_field = true;
        off = end;
    }
    if (in_field)
        take_field(h, (const char *)p + field, n - field);
    h->body_off = n;
    return true;
}

static void walk(mailauth_report__job_t *job, const uint8_t *p, size_t n, unsigned depth,
                 struct walk *w);

/* Whether the line at p[0..len) is the delimiter "--boundary" (closing:
 * followed by "--"). White space after it is allowed (RFC 2046 §5.1.1). */
static int
delimiter(const uint8_t *p, size_t len, const char *b, size_t blen)
{
    size_t i;
    if (len < blen + 2 || p[0] != '-' || p[1] != '-' || memcmp(p + 2, b, blen) != 0)
        return 0;
    i = blen + 2;
    if (i + 1 < len && p[i] == '-' && p[i + 1] == '-')
        return 2;
    for (; i < len; i++)
        if (!is_ws((char)p[i]))
            return 0;
    return 1;
}

static void
walk_multipart(mailauth_report__job_t *job, const uint8_t *p, size_t n, const char *b,
               unsigned depth, struct walk *w)
{
    size_t blen = strlen(b), off = 0, part = 0;
    bool   in_part = false;
    while (off < n) {
        const uint8_t *nl = memchr(p + off, '\n', n - off);
        size_t         end = nl != NULL ? (size_t)(nl - p) + 1 : n;
        int            d = delimiter(p + off, end - off, b, blen);
        if (d != 0) {
            if (in_part) {
                size_t stop = off; /* the line break before the delimiter belongs to it */
                if (stop > part && p[stop - 1] == '\n')
                    stop--;
                if (stop > part && p[stop - 1] == '\r')
                    stop--;
                if (++w->parts > job->rd->lim.max_parts) {
                    w->too_deep = true;
                    return;
                }
                walk(job, p + part, stop - part, depth + 1, w);
            }
            if (d == 2)
                return;
            in_part = true;
            part = end;
        }
        off = end;
    }
    /* no closing delimiter (a cut message): the last part runs to the end */
    if (in_part && part < n) {
        if (++w->parts > job->rd->lim.max_parts) {
            w->too_deep = true;
            return;
        }
        walk(job, p + part, n - part, depth + 1, w);
    }
}

static bool
is_report_type(const char *t)
{
    static const char *const types[] = {"application/gzip",  "application/x-gzip",
                                        "application/zip",   "application/x-zip-compressed",
                                        "application/x-zip", "application/xml",
                                        "text/xml",          "application/x-gzip-compressed"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(t, types[i]) == 0)
            return true;
    return false;
}

static void
walk_leaf(mailauth_report__job_t *job, const struct part_head *h, const uint8_t *p, size_t n,
          struct walk *w)
{
    mailauth_report__src_t  src;
    mailauth_report__peek_t pk;
    mailauth_report__kind_t kind;
    void                   *space[4];
    mailauth_status_t       st = MAILAUTH_OK;
    if (strncmp(h->type, "application/tlsrpt", 18) == 0)
        w->tlsrpt = true;
    if (strncmp(h->type, "application/", 12) != 0 && strcmp(h->type, "text/xml") != 0)
        return;
    if (strcmp(h->cte, "base64") == 0)
        st = mailauth_report__src_base64(&src, job, p, n);
    else if (strcmp(h->cte, "quoted-printable") == 0)
        st = mailauth_report__src_qp(&src, job, p, n);
    else
        mailauth_report__src_mem(&src, job, p, n, space);
    mailauth_report__set_member(job, h->name[0] != '\0' ? h->name : NULL, strlen(h->name));
    if (st != MAILAUTH_OK) {
        mailauth_report__end(job, st, "out of memory");
        w->found++;
        return;
    }
    job->src_st = MAILAUTH_OK;
    kind = mailauth_report__peek_init(&pk, &src);
    if (is_report_type(h->type) ||
        (!w->tlsrpt && (kind == MAILAUTH_REPORT__KIND_XML || kind == MAILAUTH_REPORT__KIND_GZIP ||
                        kind == MAILAUTH_REPORT__KIND_ZIP || kind == MAILAUTH_REPORT__KIND_ZLIB))) {
        w->found++;
        mailauth_report__read_payload(job, &pk.src, false);
    }
    mailauth_report__src_close(&src);
    job->where.member = NULL;
}

static void
walk(mailauth_report__job_t *job, const uint8_t *p, size_t n, unsigned depth, struct walk *w)
{
    struct part_head h;
    if (depth > job->rd->lim.max_nesting || w->too_deep) {
        w->too_deep = true;
        return;
    }
    if (!parse_head(p, n, &h)) {
        w->too_deep = true;
        return;
    }
    if (h.report_arf)
        w->arf = true;
    if (strncmp(h.type, "multipart/", 10) == 0 && h.boundary[0] != '\0')
        walk_multipart(job, p + h.body_off, n - h.body_off, h.boundary, depth, w);
    else if (strcmp(h.type, "message/rfc822") == 0 || strcmp(h.type, "message/global") == 0)
        walk(job, p + h.body_off, n - h.body_off, depth + 1, w);
    else if (strcmp(h.type, "message/feedback-report") == 0)
        w->arf = true;
    else
        walk_leaf(job, &h, p + h.body_off, n - h.body_off, w);
}

void
mailauth_report__read_message(mailauth_report__job_t *job, const uint8_t *p, size_t n)
{
    struct walk w = {0};
    walk(job, p, n, 0, &w);
    job->where.member = NULL;
    if (w.too_deep)
        mailauth_report__end(job, MAILAUTH_ELIMIT,
                             "message with MIME parts nested too deep, too many parts or a "
                             "header section over 1 MiB");
    else if (w.found > 0)
        return;
    else if (w.arf)
        mailauth_report__end(job, MAILAUTH_ENOTSUP,
                             "a failure report (ARF), not an aggregate report");
    else if (w.tlsrpt)
        mailauth_report__end(job, MAILAUTH_ENOTSUP, "an SMTP TLS report, not a DMARC report");
    else
        mailauth_report__end(job, MAILAUTH_EINVAL, "no DMARC report in the message");
}
