/* Fuzz target: Authentication-Results parser and formatter (lib/ar/).
 *
 * The input is a header field (with or without its name). When it parses
 * (and has an authserv-id, without which the formatter refuses it):
 *  - every accessor is walked (strings must be C strings);
 *  - format() measures, then writes exactly that many bytes (snprintf contract),
 *    and a short buffer gets ENOSPC with a NUL-terminated prefix;
 *  - the formatted field parses again to the same number of entries with
 *    the same methods, results, property counts and comments (comments
 *    compared with runs of blanks as one space: a fold inside a comment
 *    reads back as one space, even where the comment had a run of blanks
 *    there, see corpus regress-comment-fold-wsp), and formatting that again
 *    gives the same text (format(parse(.)) converges after one round);
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
    size_t n = mailauth_authres_resinfo_count(ar);
    check(mailauth_authres_authserv_id(ar) != NULL);
    check(mailauth_authres_resinfo(ar, n) == NULL);
    for (size_t i = 0; i < n; i++) {
        const mailauth_resinfo_t *ri = mailauth_authres_resinfo(ar, i);
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

/* Equal, counting every run of SP/HTAB as one space. */
static int
same_text_wsp(const char *x, const char *y)
{
    for (;;) {
        int wx = *x == ' ' || *x == '\t', wy = *y == ' ' || *y == '\t';
        if (wx != wy)
            return 0;
        if (wx) {
            while (*x == ' ' || *x == '\t')
                x++;
            while (*y == ' ' || *y == '\t')
                y++;
            continue;
        }
        if (*x != *y)
            return 0;
        if (*x == '\0')
            return 1;
        x++;
        y++;
    }
}

static void
same_entries(const mailauth_authres_t *a, const mailauth_authres_t *b)
{
    size_t n = mailauth_authres_resinfo_count(a);
    check(mailauth_authres_resinfo_count(b) == n);
    for (size_t i = 0; i < n; i++) {
        const mailauth_resinfo_t *x = mailauth_authres_resinfo(a, i), *y = mailauth_authres_resinfo(b, i);
        check(strcmp(mailauth_resinfo_method(x), mailauth_resinfo_method(y)) == 0);
        check(strcmp(mailauth_resinfo_result(x), mailauth_resinfo_result(y)) == 0);
        check(mailauth_resinfo_prop_count(x) == mailauth_resinfo_prop_count(y));
        check((mailauth_resinfo_comment(x) == NULL) == (mailauth_resinfo_comment(y) == NULL));
        if (mailauth_resinfo_comment(x) != NULL)
            check(same_text_wsp(mailauth_resinfo_comment(x), mailauth_resinfo_comment(y)));
    }
}

static void
reparse(const mailauth_authres_t *ar)
{
    mailauth_authres_t *again = NULL, *third = NULL, *val = NULL;
    char               *text = format_alloc(ar, mailauth_authres_format);
    char               *value = format_alloc(ar, mailauth_authres_format_value);
    char               *text2 = NULL, *text3 = NULL;
    size_t              skipped = 0;
    check(mailauth_authres_parse(NULL, text, strlen(text), &skipped, &again) == MAILAUTH_OK);
    walk(again);
    same_entries(ar, again);
    text2 = format_alloc(again, mailauth_authres_format);
    check(mailauth_authres_parse(NULL, text2, strlen(text2), NULL, &third) == MAILAUTH_OK);
    text3 = format_alloc(third, mailauth_authres_format);
    check(strcmp(text2, text3) == 0);
    mailauth_authres_free(third);
    free(text3);
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
