/* libmailauth-report: byte buffers, base64, dates, ASCII helpers, SHA-256. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "gen_int.h"

static bool
grow(mailauth_report__buf_t *b, size_t more)
{
    size_t need;
    size_t cap;
    char  *p;
    if (b->failed)
        return false;
    if (more > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    need = b->len + more + 1;
    if (need <= b->cap)
        return true;
    cap = b->cap != 0 ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void
mailauth_report__buf_add(mailauth_report__buf_t *b, const void *p, size_t n)
{
    if (!grow(b, n))
        return;
    if (n != 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
mailauth_report__buf_str(mailauth_report__buf_t *b, const char *s)
{
    mailauth_report__buf_add(b, s, strlen(s));
}

void
mailauth_report__buf_fmt(mailauth_report__buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int     n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void
mailauth_report__buf_base64(mailauth_report__buf_t *b, const uint8_t *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char              line[80];
    size_t            col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        size_t   left = n - i;
        if (left > 1)
            v |= (uint32_t)p[i + 1] << 8;
        if (left > 2)
            v |= p[i + 2];
        line[col++] = tab[(v >> 18) & 63];
        line[col++] = tab[(v >> 12) & 63];
        line[col++] = left > 1 ? tab[(v >> 6) & 63] : '=';
        line[col++] = left > 2 ? tab[v & 63] : '=';
        if (col == 76) {
            mailauth_report__buf_add(b, line, col);
            mailauth_report__buf_add(b, "\r\n", 2);
            col = 0;
        }
    }
    if (col != 0) {
        mailauth_report__buf_add(b, line, col);
        mailauth_report__buf_add(b, "\r\n", 2);
    }
}

void
mailauth_report__buf_clear(mailauth_report__buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

char *
mailauth_report__buf_take(mailauth_report__buf_t *b, size_t *len)
{
    char *p;
    if (b->failed || !grow(b, 0)) {
        mailauth_report__buf_clear(b);
        return NULL;
    }
    p = b->data;
    if (len != NULL)
        *len = b->len;
    memset(b, 0, sizeof(*b));
    return p;
}

void
mailauth_report__rfc5322_date(int64_t t, char *out, size_t cap)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t                   tt = (time_t)t;
    struct tm                tm;
    if (gmtime_r(&tt, &tm) == NULL) {
        memset(&tm, 0, sizeof(tm));
        tm.tm_mday = 1;
        tm.tm_year = 70;
        tm.tm_wday = 4;
    }
    (void)snprintf(out, cap, "%s, %d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
                   tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                   tm.tm_sec);
}

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool
mailauth_report__ieq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    while (*a != '\0' && lower(*a) == lower(*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

bool
mailauth_report__under(const char *sub, const char *dom)
{
    size_t ls;
    size_t ld;
    if (sub == NULL || dom == NULL || *dom == '\0')
        return false;
    ls = strlen(sub);
    ld = strlen(dom);
    if (ls < ld)
        return false;
    if (ls > ld && sub[ls - ld - 1] != '.')
        return false;
    return mailauth_report__ieq(sub + (ls - ld), dom);
}

void
mailauth_report__boundary(const char *seed, char *out, size_t cap)
{
    mailauth_report__sha256_t s;
    uint8_t                   d[32];
    char                      hex[25];
    mailauth_report__sha256_init(&s);
    mailauth_report__sha256_add(&s, "boundary:", 9);
    mailauth_report__sha256_add(&s, seed, strlen(seed));
    mailauth_report__sha256_done(&s, d);
    mailauth_report__hex(d, 24, hex);
    (void)snprintf(out, cap, "=_mailauth_%s", hex);
}

void
mailauth_report_buf_free(void *buf)
{
    free(buf);
}

bool
mailauth_report__sha256_init(mailauth_report__sha256_t *s)
{
    s->md = EVP_MD_CTX_new();
    s->failed = s->md == NULL || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1;
    return !s->failed;
}

void
mailauth_report__sha256_add(mailauth_report__sha256_t *s, const void *p, size_t n)
{
    if (!s->failed && n > 0 && EVP_DigestUpdate(s->md, p, n) != 1)
        s->failed = true;
}

bool
mailauth_report__sha256_done(mailauth_report__sha256_t *s, uint8_t out[32])
{
    unsigned int n = 0;
    bool         ok = !s->failed && EVP_DigestFinal_ex(s->md, out, &n) == 1 && n == 32;
    EVP_MD_CTX_free(s->md);
    s->md = NULL;
    s->failed = true; /* used up */
    if (!ok)
        memset(out, 0, 32);
    return ok;
}

void
mailauth_report__hex(const uint8_t *bytes, size_t digits, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < digits; i++)
        out[i] = hx[(i % 2 == 0) ? bytes[i / 2] >> 4 : bytes[i / 2] & 15];
    out[digits] = '\0';
}
