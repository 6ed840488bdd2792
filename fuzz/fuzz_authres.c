/* Fuzz target: Authentication-Results parser and formatter (lib/ar/).
 *
 * The input is a header field (with or without its name). When it parses
 * (and has an authserv-id, without which the formatter refuses it):
 *  - every accessor is walked (strings must be C strings);
 *  - format() measures, then writes exactly that many bytes (snprintf contract),
 *    and a short buffer gets ENOSPC with a NUL-terminated prefix;
 *  - the formatted field parses again to the same number of entries with
 *    the same methods, results and property counts, and formatting that
 *    gives the same text (format is a fixed point of parse);
 *  - the unfolded value (format_value) parses to the same number of entries.
 * Any violation abort()s. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/authres.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef mailauth_status_t (*format_fn)(const mailauth_authres_t *, char *, size_t, size_t *);

static void
check(int ok)
{
    if (!ok)
        abort();
}

static void
walk(const mailauth_authres_t *ar)
{
    size_t n = mailauth_authres_count(ar);
    check(mailauth_authres_authserv_id(ar) != NULL);
    check(mailauth_authres_get(ar, n) == NULL);
    for (size_t i = 0; i < n; i++) {
        const mailauth_resinfo_t *ri = mailauth_authres_get(ar, i);
        size_t                    np = 0;
        const char               *t, *p, *v;
        check(ri != NULL && mailauth_resinfo_method(ri) != NULL);
        check(mailauth_resinfo_result(ri) != NULL);
        (void)mailauth_resinfo_reason(ri);
        (void)mailauth_resinfo_comment(ri);
        np = mailauth_resinfo_prop_count(ri);
        for (size_t k = 0; k < np; k++) {
            check(mailauth_resinfo_prop(ri, k, &t, &p, &v) == MAILAUTH_OK);
            check(t != NULL && p != NULL && v != NULL);
            check(mailauth_resinfo_find_prop(ri, t, p) != NULL);
        }
        check(mailauth_resinfo_prop(ri, np, &t, &p, &v) == MAILAUTH_EINVAL);
    }
}

/* Format into a fresh heap buffer, checking the snprintf-like contract. */
static char *
format_alloc(const mailauth_authres_t *ar, format_fn fn)
{
    size_t need = 0, need2 = 0;
    char   small[16];
    char  *buf;
    check(fn(ar, NULL, 0, &need) == (need == 0 ? MAILAUTH_OK : MAILAUTH_ENOSPC));
    buf = malloc(need + 1);
    check(buf != NULL);
    check(fn(ar, buf, need + 1, &need2) == MAILAUTH_OK);
    check(need2 == need && strlen(buf) == need);
    if (need >= sizeof(small)) {
        check(fn(ar, small, sizeof(small), NULL) == MAILAUTH_ENOSPC);
        check(small[sizeof(small) - 1] == '\0' && memcmp(small, buf, sizeof(small) - 1) == 0);
    }
    return buf;
}

static void
same_entries(const mailauth_authres_t *a, const mailauth_authres_t *b)
{
    size_t n = mailauth_authres_count(a);
    check(mailauth_authres_count(b) == n);
    for (size_t i = 0; i < n; i++) {
        const mailauth_resinfo_t *x = mailauth_authres_get(a, i), *y = mailauth_authres_get(b, i);
        check(strcmp(mailauth_resinfo_method(x), mailauth_resinfo_method(y)) == 0);
        check(strcmp(mailauth_resinfo_result(x), mailauth_resinfo_result(y)) == 0);
        check(mailauth_resinfo_prop_count(x) == mailauth_resinfo_prop_count(y));
    }
}

static void
reparse(const mailauth_authres_t *ar)
{
    mailauth_authres_t *again = NULL, *val = NULL;
    char               *text = format_alloc(ar, mailauth_authres_format);
    char               *value = format_alloc(ar, mailauth_authres_format_value);
    char               *text2 = NULL;
    size_t              skipped = 0;
    check(mailauth_authres_parse(NULL, text, strlen(text), &skipped, &again) == MAILAUTH_OK);
    walk(again);
    same_entries(ar, again);
    text2 = format_alloc(again, mailauth_authres_format);
    check(strcmp(text, text2) == 0);
    check(mailauth_authres_parse(NULL, value, strlen(value), NULL, &val) == MAILAUTH_OK);
    same_entries(ar, val);
    mailauth_authres_free(val);
    mailauth_authres_free(again);
    free(text2);
    free(value);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mailauth_authres_t *ar = NULL;
    size_t              skipped = 0;
    mailauth_status_t   st = mailauth_authres_parse(NULL, (const char *)data, size, &skipped, &ar);
    check(st == MAILAUTH_OK || st == MAILAUTH_EINVAL);
    if (st != MAILAUTH_OK) {
        check(ar == NULL);
        return 0;
    }
    check(skipped <= size + 1); /* every skipped piece costs at least one byte */
    walk(ar);
    /* RFC 8601 §2.2: the authserv-id is mandatory, so a parsed field that had
     * none is refused by the formatter rather than emitted without one. */
    if (mailauth_authres_authserv_id(ar)[0] == '\0')
        check(mailauth_authres_format(ar, NULL, 0, NULL) == MAILAUTH_EINVAL);
    else
        reparse(ar);
    mailauth_authres_free(ar);
    return 0;
}
