/* Internal: ASCII helpers (locale-independent; never <ctype.h>). */
#ifndef MAILAUTH__STR_H
#define MAILAUTH__STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool mailauth__is_alpha(int c);
bool mailauth__is_digit(int c);
bool mailauth__is_alnum(int c);
bool mailauth__is_hex(int c);
bool mailauth__is_wsp(int c);   /* SP or HTAB */
bool mailauth__is_space(int c); /* SP, HTAB, CR, LF */
bool mailauth__is_vchar(int c); /* 0x21..0x7e */
bool mailauth__is_print(int c); /* 0x20..0x7e */
int  mailauth__to_lower(int c); /* ASCII only */
int  mailauth__to_upper(int c);
int  mailauth__hex_val(int c); /* -1 if not hex */

/* ASCII case-insensitive comparison of n bytes / NUL-terminated strings. */
bool mailauth__eq_ci_n(const char *a, const char *b, size_t n);
bool mailauth__eq_ci(const char *a, const char *b);
/* a (length alen) equals NUL-terminated b case-insensitively. */
bool mailauth__mem_eq_ci(const char *a, size_t alen, const char *b);
/* Lower-case in place. */
void mailauth__lower_inplace(char *s, size_t n);
/* memchr-like on bytes; NULL if absent. */
const char *mailauth__memchr(const char *s, size_t n, char c);
/* Trim SP/HTAB/CR/LF at both ends: adjusts *s and *n. */
void mailauth__trim(const char **s, size_t *n);
/* Skip CFWS (RFC 5322 §3.2.2: blanks, line breaks, nested comments with
 * quoted-pairs) in s[i, n); the offset of the next other byte, or n. An
 * unterminated comment runs to n. */
size_t mailauth__skip_cfws(const char *s, size_t n, size_t i);

#endif
