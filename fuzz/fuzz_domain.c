/* Fuzz target: domain names (lib/domain/domain.c): A-label conversion through
 * libidn2, syntax checks, comparisons.
 *
 * Invariants checked (abort() on violation):
 *  - a converted name is a C string of ASCII without upper-case letters;
 *  - a name converted from UTF-8 passes mailauth__domain_check() and has no
 *    trailing dot; converting a result that passes the check and has no
 *    trailing dot again gives the same name (the conversion is idempotent on its own output);
 *  - an ASCII name converts to itself lower-cased, without one trailing dot;
 *  - the check flags only narrow: LDH or NEED_DOT accepted implies plain accepted;
 *  - domain_eq is reflexive; is_sub agrees with domain_eq on equal names.
 * The input is tried whole and, split at its first '|', as (sub, parent). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
    if (!ok)
        abort();
}

static int
is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    }
    return 1;
}

static void
check_output(const char *out)
{
    for (const char *p = out; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        check(c < 0x80 && !(c >= 'A' && c <= 'Z'));
    }
}

static void
check_convert(mailauth__arena_t *a, const char *s, size_t n)
{
    char             *out = NULL, *again = NULL;
    mailauth_status_t st = mailauth__domain_to_alabel(a, s, n, &out);
    check(st == MAILAUTH_OK || st == MAILAUTH_EINVAL);
    if (st != MAILAUTH_OK) {
        check(out == NULL);
        return;
    }
    check(out != NULL && out[0] != '\0');
    check_output(out);
    if (is_ascii(s, n)) {
        size_t k = n - (s[n - 1] == '.'); /* one trailing dot dropped, nothing else */
        check(strlen(out) == k && mailauth__domain_eq(s, k, out, k));
    } else {
        check(mailauth__domain_check(out, strlen(out), 0));
        check(out[strlen(out) - 1] != '.');
    }
    if (mailauth__domain_check(out, strlen(out), 0) && out[strlen(out) - 1] != '.') {
        st = mailauth__domain_to_alabel(a, out, strlen(out), &again);
        check(st == MAILAUTH_OK && strcmp(out, again) == 0);
    }
}

static void
check_syntax(const char *s, size_t n)
{
    int plain = mailauth__domain_check(s, n, 0);
    if (mailauth__domain_check(s, n, MAILAUTH__DOMAIN_LDH))
        check(plain);
    if (mailauth__domain_check(s, n, MAILAUTH__DOMAIN_NEED_DOT))
        check(plain);
    if (mailauth__domain_check(s, n, MAILAUTH__DOMAIN_LDH | MAILAUTH__DOMAIN_NEED_DOT))
        check(plain);
    check(mailauth__domain_eq(s, n, s, n));
    /* is_sub(x, x) holds unless x is empty or just the root "." */
    check(mailauth__domain_is_sub(s, n, s, n) == !(n == 0 || (n == 1 && s[0] == '.')));
}

static void
check_pair(const char *a, size_t an, const char *b, size_t bn)
{
    int eq = mailauth__domain_eq(a, an, b, bn);
    int sub = mailauth__domain_is_sub(a, an, b, bn);
    check(eq == mailauth__domain_eq(b, bn, a, an));
    if (sub && mailauth__domain_is_sub(b, bn, a, an))
        check(eq);
    if (eq && mailauth__domain_check(b, bn, 0))
        check(sub);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mailauth__arena_t a;
    const char       *s = (const char *)data;
    const char       *bar = memchr(s, '|', size);
    mailauth__arena_init(&a, NULL);
    check_syntax(s, size);
    check_convert(&a, s, size);
    if (bar != NULL) {
        size_t n1 = (size_t)(bar - s), n2 = size - n1 - 1;
        check_convert(&a, s, n1);
        check_convert(&a, bar + 1, n2);
        check_pair(s, n1, bar + 1, n2);
    }
    mailauth__arena_clear(&a);
    return 0;
}
