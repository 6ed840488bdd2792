/* Bounded read cursor and growable, capped string builder. */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/str.h"

/* ---- cursor ---------------------------------------------------------- */

void
mailauth__cur_init(mailauth__cur_t *c, const void *p, size_t len)
{
    c->p = p;
    c->len = p != NULL ? len : 0;
    c->pos = 0;
}

bool
mailauth__cur_eof(const mailauth__cur_t *c)
{
    return c->pos >= c->len;
}

size_t
mailauth__cur_left(const mailauth__cur_t *c)
{
    return c->pos < c->len ? c->len - c->pos : 0;
}

int
mailauth__cur_peek(const mailauth__cur_t *c)
{
    return c->pos < c->len ? c->p[c->pos] : -1;
}

int
mailauth__cur_peek_at(const mailauth__cur_t *c, size_t k)
{
    if (k >= mailauth__cur_left(c))
        return -1;
    return c->p[c->pos + k];
}

int
mailauth__cur_next(mailauth__cur_t *c)
{
    if (c->pos >= c->len)
        return -1;
    return c->p[c->pos++];
}

bool
mailauth__cur_accept(mailauth__cur_t *c, uint8_t ch)
{
    if (c->pos < c->len && c->p[c->pos] == ch) {
        c->pos++;
        return true;
    }
    return false;
}

bool
mailauth__cur_accept_ci(mailauth__cur_t *c, const char *s)
{
    size_t n = strlen(s);
    if (n > mailauth__cur_left(c))
        return false;
    if (!mailauth__eq_ci_n((const char *)c->p + c->pos, s, n))
        return false;
    c->pos += n;
    return true;
}

size_t
mailauth__cur_skip(mailauth__cur_t *c, bool (*pred)(int ch))
{
    size_t start = c->pos;
    while (c->pos < c->len && pred(c->p[c->pos]))
        c->pos++;
    return c->pos - start;
}

bool
mailauth__cur_uint(mailauth__cur_t *c, uint64_t max, uint64_t *out)
{
    size_t   pos = c->pos;
    uint64_t v = 0;
    if (pos >= c->len || !mailauth__is_digit(c->p[pos]))
        return false;
    /* Stop at the first digit that would pass max: the value is rejected
     * then, and leading zeros ("0007") cost nothing and never overflow. */
    while (pos < c->len && mailauth__is_digit(c->p[pos])) {
        uint64_t d = (uint64_t)(c->p[pos] - '0');
        if (d > max || v > (max - d) / 10)
            return false;
        v = v * 10 + d;
        pos++;
    }
    c->pos = pos;
    *out = v;
    return true;
}

/* ---- string builder -------------------------------------------------- */

void
mailauth__sb_init(mailauth__sb_t *sb, const mailauth_allocator_t *al, size_t max)
{
    sb->al = al;
    sb->p = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->max = max;
}

void
mailauth__sb_clear(mailauth__sb_t *sb)
{
    mailauth__free(sb->al, sb->p);
    sb->p = NULL;
    sb->len = 0;
    sb->cap = 0;
}

void
mailauth__sb_reset(mailauth__sb_t *sb)
{
    sb->len = 0;
    if (sb->p != NULL)
        sb->p[0] = '\0';
}

/* Make room for n more bytes plus the NUL; ELIMIT past max, ENOMEM. */
static mailauth_status_t
reserve(mailauth__sb_t *sb, size_t n)
{
    size_t want = 0;
    size_t ncap = 0;
    char  *np = NULL;
    if (!mailauth__size_add(sb->len, n, &want))
        return MAILAUTH_ELIMIT;
    if (sb->max != 0 && want > sb->max)
        return MAILAUTH_ELIMIT;
    if (!mailauth__size_add(want, 1, &want))
        return MAILAUTH_ELIMIT;
    if (want <= sb->cap)
        return MAILAUTH_OK;
    ncap = sb->cap != 0 ? sb->cap : 64;
    while (ncap < want) {
        if (ncap > ((size_t)-1) / 2) {
            ncap = want;
            break;
        }
        ncap *= 2;
    }
    /* Never allocate much beyond the cap: max + NUL is all we will use. */
    if (sb->max != 0 && ncap > sb->max + 1)
        ncap = sb->max + 1; /* want <= max + 1 was checked above */
    np = mailauth__realloc(sb->al, sb->p, ncap);
    if (np == NULL)
        return MAILAUTH_ENOMEM;
    sb->p = np;
    sb->cap = ncap;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__sb_put(mailauth__sb_t *sb, const void *p, size_t n)
{
    mailauth_status_t st;
    if (n != 0 && p == NULL)
        return MAILAUTH_EINVAL;
    st = reserve(sb, n);
    if (st != MAILAUTH_OK)
        return st;
    if (n != 0)
        memcpy(sb->p + sb->len, p, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__sb_puts(mailauth__sb_t *sb, const char *s)
{
    if (s == NULL)
        return MAILAUTH_EINVAL;
    return mailauth__sb_put(sb, s, strlen(s));
}

mailauth_status_t
mailauth__sb_putc(mailauth__sb_t *sb, char ch)
{
    return mailauth__sb_put(sb, &ch, 1);
}

mailauth_status_t
mailauth__sb_printf(mailauth__sb_t *sb, const char *fmt, ...)
{
    va_list           ap;
    int               n;
    mailauth_status_t st;
    size_t            room = sb->cap > sb->len ? sb->cap - sb->len : 0;

    va_start(ap, fmt);
    n = vsnprintf(room != 0 ? sb->p + sb->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MAILAUTH_EINVAL;
    if ((size_t)n < room) {
        /* Fitted, unless the cap forbids it: then undo (the tail is past len). */
        if (sb->max != 0 && sb->len + (size_t)n > sb->max) {
            sb->p[sb->len] = '\0';
            return MAILAUTH_ELIMIT;
        }
        sb->len += (size_t)n;
        return MAILAUTH_OK;
    }
    if (sb->p != NULL)
        sb->p[sb->len] = '\0'; /* a truncated first try wrote past len */
    st = reserve(sb, (size_t)n);
    if (st != MAILAUTH_OK)
        return st;
    va_start(ap, fmt);
    n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        /* reserve() succeeded: p holds len + n + 1 bytes (the analyzer loses cap > len) */
        sb->p[sb->len] = '\0'; /* NOLINT(clang-analyzer-core.NullDereference) */
        return MAILAUTH_EINVAL;
    }
    sb->len += (size_t)n;
    return MAILAUTH_OK;
}

const char *
mailauth__sb_str(const mailauth__sb_t *sb)
{
    return sb->p != NULL ? sb->p : "";
}

mailauth_status_t
mailauth__copy_out(const char *s, size_t n, char *buf, size_t cap, size_t *need)
{
    if (need != NULL)
        *need = n;
    if (cap != 0 && buf == NULL)
        return MAILAUTH_EINVAL;
    if (n < cap) {
        if (n != 0)
            memcpy(buf, s, n);
        buf[n] = '\0';
        return MAILAUTH_OK;
    }
    /* snprintf-style: as much as fits, always terminated. */
    if (cap != 0) {
        memcpy(buf, s, cap - 1);
        buf[cap - 1] = '\0';
    }
    return MAILAUTH_ENOSPC;
}
