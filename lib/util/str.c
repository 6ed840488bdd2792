/* ASCII helpers: locale-independent replacements for <ctype.h>. */
#include "util/str.h"

#include <string.h>

bool
mailauth__is_hex(int c)
{
    return mailauth__hex_val(c) >= 0;
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
mailauth__eq_ci(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (strlen(b) != n)
        return false;
    return mailauth__eq_ci_n(a, b, n);
}

void
mailauth__lower_inplace(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (char)mailauth__to_lower((unsigned char)s[i]);
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
