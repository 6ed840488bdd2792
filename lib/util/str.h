/* Internal: ASCII helpers (locale-independent; never <ctype.h>). */
#ifndef MAILAUTH__STR_H
#define MAILAUTH__STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The small predicates and comparisons are inline: the byte loops of
 * every parser call them, and a call per byte costs more than the test. */
static inline bool
mailauth__is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
mailauth__is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline bool
mailauth__is_alnum(int c)
{
    return mailauth__is_alpha(c) || mailauth__is_digit(c);
}

bool mailauth__is_hex(int c);

/* SP or HTAB */
static inline bool
mailauth__is_wsp(int c)
{
    return c == ' ' || c == '\t';
}

/* SP, HTAB, CR, LF */
static inline bool
mailauth__is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 0x21..0x7e */
static inline bool
mailauth__is_vchar(int c)
{
    return c >= 0x21 && c <= 0x7e;
}

/* 0x20..0x7e */
static inline bool
mailauth__is_print(int c)
{
    return c >= 0x20 && c <= 0x7e;
}

/* ASCII only */
static inline int
mailauth__to_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static inline int
mailauth__to_upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - ('a' - 'A') : c;
}

int mailauth__hex_val(int c); /* -1 if not hex */

/* ASCII case-insensitive comparison of n bytes / NUL-terminated strings. */
static inline bool
mailauth__eq_ci_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned x = (unsigned char)a[i], y = (unsigned char)b[i];
        /* Equal bytes are the common case (domain names, keywords in their
         * usual case). Else only two letters a case apart match: same byte
         * with bit 0x20 set, and that byte a lower-case letter. */
        if (x != y && ((x | 0x20u) != (y | 0x20u) || (x | 0x20u) < 'a' || (x | 0x20u) > 'z'))
            return false;
    }
    return true;
}

bool mailauth__eq_ci(const char *a, const char *b);

/* a (length alen) equals NUL-terminated b case-insensitively. */
static inline bool
mailauth__mem_eq_ci(const char *a, size_t alen, const char *b)
{
    return strlen(b) == alen && mailauth__eq_ci_n(a, b, alen);
}

/* Lower-case in place. */
void mailauth__lower_inplace(char *s, size_t n);

/* memchr-like on bytes; NULL if absent. */
static inline const char *
mailauth__memchr(const char *s, size_t n, char c)
{
    if (s == NULL || n == 0)
        return NULL;
    return memchr(s, (unsigned char)c, n);
}

/* Trim SP/HTAB/CR/LF at both ends: adjusts *s and *n. */
void mailauth__trim(const char **s, size_t *n);
/* Skip CFWS (RFC 5322 §3.2.2: blanks, line breaks, nested comments with
 * quoted-pairs) in s[i, n); the offset of the next other byte, or n. An
 * unterminated comment runs to n. */
size_t mailauth__skip_cfws(const char *s, size_t n, size_t i);

#endif
