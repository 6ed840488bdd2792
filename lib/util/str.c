/* ASCII helpers: locale-independent replacements for <ctype.h>. */
#include "util/str.h"

#include <string.h>

bool
mailauth__is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
mailauth__is_digit(int c)
{
    return c >= '0' && c <= '9';
}

bool
mailauth__is_alnum(int c)
{
    return mailauth__is_alpha(c) || mailauth__is_digit(c);
}

bool
mailauth__is_hex(int c)
{
    return mailauth__hex_val(c) >= 0;
}

bool
mailauth__is_wsp(int c)
{
    return c == ' ' || c == '\t';
}

bool
mailauth__is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool
mailauth__is_vchar(int c)
{
    return c >= 0x21 && c <= 0x7e;
}

bool
mailauth__is_print(int c)
{
    return c >= 0x20 && c <= 0x7e;
}

int
mailauth__to_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int
mailauth__to_upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - ('a' - 'A') : c;
}

int
mailauth__hex_val(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool
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

bool
mailauth__eq_ci(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (strlen(b) != n)
        return false;
    return mailauth__eq_ci_n(a, b, n);
}

bool
mailauth__mem_eq_ci(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    return mailauth__eq_ci_n(a, b, alen);
}

void
mailauth__lower_inplace(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (char)mailauth__to_lower((unsigned char)s[i]);
}

const char *
mailauth__memchr(const char *s, size_t n, char c)
{
    if (s == NULL || n == 0)
        return NULL;
    return memchr(s, (unsigned char)c, n);
}

void
mailauth__trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t      len = *n;
    while (len > 0 && mailauth__is_space((unsigned char)p[0])) {
        p++;
        len--;
    }
    while (len > 0 && mailauth__is_space((unsigned char)p[len - 1]))
        len--;
    *s = p;
    *n = len;
}

size_t
mailauth__skip_cfws(const char *s, size_t n, size_t i)
{
    size_t depth = 0;
    while (i < n) {
        char c = s[i];
        if (depth > 0 && c == '\\' && i + 1 < n) {
            i += 2;
            continue;
        }
        if (c == '(')
            depth++;
        else if (c == ')' && depth > 0)
            depth--;
        else if (depth == 0 && !mailauth__is_space((unsigned char)c))
            break;
        i++;
    }
    return i;
}
