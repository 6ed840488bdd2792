/* Authentication-Results (RFC 8601): model, formatter, lenient parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/authres.h>

#include "support/fail_alloc.h"
#include "test_ar_cases.h"

static mailauth_authres_t *
build(const struct model *m)
{
    mailauth_authres_t *ar = NULL;
    assert_int_equal(mailauth_authres_new(NULL, m->id, &ar), MAILAUTH_OK);
    for (const struct ri_def *d = m->ri; d < m->ri + MAX_RI && d->method != NULL; d++) {
        mailauth_resinfo_t *ri = NULL;
        assert_int_equal(mailauth_authres_add(ar, d->method, d->result, &ri), MAILAUTH_OK);
        if (d->reason != NULL)
            assert_int_equal(mailauth_resinfo_set_reason(ri, d->reason), MAILAUTH_OK);
        if (d->comment != NULL)
            assert_int_equal(mailauth_resinfo_set_comment(ri, d->comment), MAILAUTH_OK);
        for (const struct prop_def *p = d->props; p < d->props + MAX_PROPS && p->ptype; p++)
            assert_int_equal(mailauth_resinfo_add_prop(ri, p->ptype, p->property, p->value),
                             MAILAUTH_OK);
    }
    return ar;
}

static void
assert_opt_string(const char *got, const char *want)
{
    if (want == NULL)
        assert_null(got);
    else
        assert_non_null(got), assert_string_equal(got, want);
}

static void
assert_model(const mailauth_authres_t *ar, const struct model *m)
{
    size_t n = 0;
    assert_string_equal(mailauth_authres_authserv_id(ar), m->id);
    while (n < MAX_RI && m->ri[n].method != NULL)
        n++;
    assert_int_equal(mailauth_authres_resinfo_count(ar), n);
    for (size_t i = 0; i < n; i++) {
        const struct ri_def      *d = &m->ri[i];
        const mailauth_resinfo_t *ri = mailauth_authres_resinfo(ar, i);
        size_t                    np = 0;
        assert_string_equal(mailauth_resinfo_method(ri), d->method);
        assert_string_equal(mailauth_resinfo_result(ri), d->result);
        assert_opt_string(mailauth_resinfo_reason(ri), d->reason);
        assert_opt_string(mailauth_resinfo_comment(ri), d->comment);
        while (np < MAX_PROPS && d->props[np].ptype != NULL)
            np++;
        assert_int_equal(mailauth_resinfo_prop_count(ri), np);
        for (size_t k = 0; k < np; k++) {
            const char *t = NULL, *p = NULL, *v = NULL;
            assert_int_equal(mailauth_resinfo_prop(ri, k, &t, &p, &v), MAILAUTH_OK);
            assert_string_equal(t, d->props[k].ptype);
            assert_string_equal(p, d->props[k].property);
            assert_string_equal(v, d->props[k].value);
        }
    }
}

/* Format into an exact-size heap buffer (so ASan sees any overrun). */
static char *
format_alloc(const mailauth_authres_t *ar, int value_only)
{
    size_t            need = 0;
    char             *buf = NULL;
    mailauth_status_t st = value_only ? mailauth_authres_format_value(ar, NULL, 0, &need)
                                      : mailauth_authres_format(ar, NULL, 0, &need);
    assert_int_equal(st, MAILAUTH_ENOSPC);
    buf = malloc(need + 1);
    assert_non_null(buf);
    st = value_only ? mailauth_authres_format_value(ar, buf, need + 1, NULL)
                    : mailauth_authres_format(ar, buf, need + 1, NULL);
    assert_int_equal(st, MAILAUTH_OK);
    assert_int_equal(strlen(buf), need);
    return buf;
}

/* Every line (split at CRLF) at most `max` bytes; every CRLF followed by HTAB; no lone CR/LF. */
static size_t
longest_line(const char *s)
{
    size_t longest = 0, cur = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '\r') {
            assert_true(p[1] == '\n' && p[2] == '\t');
            longest = cur > longest ? cur : longest;
            cur = 0;
            p++;
            continue;
        }
        assert_true(*p != '\n');
        cur++;
    }
    return cur > longest ? cur : longest;
}

/* Unfold: CRLF HTAB becomes one space (our folding replaced exactly one space). */
static char *
unfold(const char *s)
{
    char  *out = malloc(strlen(s) + 1);
    size_t n = 0;
    assert_non_null(out);
    for (const char *p = s; *p != '\0'; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == '\t') {
            out[n++] = ' ';
            p += 2;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return out;
}

static void
check_formatting(const mailauth_authres_t *ar)
{
    char       *folded = format_alloc(ar, 0);
    char       *value = format_alloc(ar, 1);
    char       *flat = unfold(folded);
    const char *prefix = "Authentication-Results: ";
    assert_true(strncmp(flat, prefix, strlen(prefix)) == 0);
    assert_string_equal(flat + strlen(prefix), value);
    assert_null(strchr(value, '\r'));
    assert_null(strchr(value, '\n'));
    (void)longest_line(folded);
    free(folded);
    free(value);
    free(flat);
}

static void
test_ar_format_table(void **state)
{
    const struct rt_case *c = *state;
    mailauth_authres_t   *ar = build(&c->m);
    char                 *text = format_alloc(ar, 0);
    assert_string_equal(text, c->text);
    check_formatting(ar);
    free(text);
    mailauth_authres_free(ar);
}

static void
test_ar_parse_table(void **state)
{
    const struct rt_case *c = *state;
    mailauth_authres_t   *ar = NULL;
    size_t                skipped = 99;
    assert_int_equal(mailauth_authres_parse(NULL, c->text, strlen(c->text), &skipped, &ar),
                     MAILAUTH_OK);
    assert_int_equal(skipped, 0);
    assert_model(ar, &c->m);
    mailauth_authres_free(ar);
    /* and the value alone (no field name, unfolded) gives the same model */
    ar = build(&c->m);
    char *value = format_alloc(ar, 1);
    mailauth_authres_free(ar);
    ar = NULL;
    assert_int_equal(mailauth_authres_parse(NULL, value, strlen(value), &skipped, &ar),
                     MAILAUTH_OK);
    assert_int_equal(skipped, 0);
    assert_model(ar, &c->m);
    mailauth_authres_free(ar);
    free(value);
}

static void
test_ar_parse_case(void **state)
{
    const struct parse_case *c = *state;
    mailauth_authres_t      *ar = (mailauth_authres_t *)1;
    size_t                   skipped = 99;
    size_t                   len = c->len != 0 ? c->len : strlen(c->text);
    assert_int_equal(mailauth_authres_parse(NULL, c->text, len, &skipped, &ar), c->st);
    assert_int_equal(skipped, c->skipped);
    if (c->st != MAILAUTH_OK) {
        assert_null(ar);
        return;
    }
    assert_model(ar, &c->m);
    if (mailauth_authres_authserv_id(ar)[0] != '\0')
        check_formatting(ar);
    mailauth_authres_free(ar);
}

static void
fill_pattern(char *buf, size_t len, const char *pat)
{
    size_t n = strlen(pat);
    for (size_t i = 0; i < len; i++)
        buf[i] = pat[i % n];
}

static void
fill(char *buf, size_t len, enum fill f)
{
    uint32_t x = 2463534242u; /* xorshift32: reproducible garbage */
    switch (f) {
    case F_RANDOM:
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            buf[i] = (char)(x & 0xff);
        }
        memcpy(buf, "mx;", 3); /* so some of it is usable */
        break;
    case F_OPEN_PAREN:
        fill_pattern(buf, len, "(");
        break;
    case F_QUOTES:
        fill_pattern(buf, len, "\"");
        break;
    case F_SEMICOLONS:
        fill_pattern(buf, len, ";");
        break;
    case F_BACKSLASH:
        fill_pattern(buf, len, "\\");
        break;
    case F_RESINFOS:
        memcpy(buf, "mx", 2);
        fill_pattern(buf + 2, len - 2, "; spf=pass");
        break;
    case F_PROPS:
        memcpy(buf, "mx; x=y", 7);
        fill_pattern(buf + 7, len - 7, " a.b=c");
        break;
    case F_NESTED:
        memcpy(buf, "mx; x=y ", 8);
        fill_pattern(buf + 8, len / 2 - 8, "(");
        fill_pattern(buf + len / 2, len - len / 2, ")");
        break;
    }
}

static void
test_ar_hostile(void **state)
{
    const struct hostile_case *c = *state;
    char                      *buf = malloc(c->len);
    mailauth_authres_t        *ar = NULL;
    size_t                     skipped = 0;
    assert_non_null(buf);
    fill(buf, c->len, c->fill);
    assert_int_equal(mailauth_authres_parse(NULL, buf, c->len, &skipped, &ar), c->st);
    if (ar != NULL) {
        assert_true(mailauth_authres_resinfo_count(ar) <= 1000);
        if (c->count != (size_t)-1)
            assert_int_equal(mailauth_authres_resinfo_count(ar), c->count);
        for (size_t i = 0; i < mailauth_authres_resinfo_count(ar); i++)
            assert_true(mailauth_resinfo_prop_count(mailauth_authres_resinfo(ar, i)) <= 1000);
        if (c->fill == F_RESINFOS || c->fill == F_PROPS)
            assert_true(skipped > 0);
        if (mailauth_authres_authserv_id(ar)[0] != '\0')
            check_formatting(ar); /* whatever came in, what goes out is clean */
    }
    mailauth_authres_free(ar);
    free(buf);
}

static mailauth_status_t
apply_setter(mailauth_authres_t *ar, enum setter which, const char *arg)
{
    mailauth_resinfo_t *ri = NULL;
    switch (which) {
    case S_ADD_METHOD:
        return mailauth_authres_add(ar, arg, "pass", NULL);
    case S_ADD_RESULT:
        return mailauth_authres_add(ar, "spf", arg, NULL);
    default:
        break;
    }
    assert_int_equal(mailauth_authres_add(ar, "spf", "pass", &ri), MAILAUTH_OK);
    switch (which) {
    case S_REASON:
        return mailauth_resinfo_set_reason(ri, arg);
    case S_COMMENT:
        return mailauth_resinfo_set_comment(ri, arg);
    case S_PTYPE:
        return mailauth_resinfo_add_prop(ri, arg, "mailfrom", "x");
    case S_PROPERTY:
        return mailauth_resinfo_add_prop(ri, "smtp", arg, "x");
    default:
        return mailauth_resinfo_add_prop(ri, "smtp", "mailfrom", arg);
    }
}

static void
test_ar_setter(void **state)
{
    const struct setter_case *c = *state;
    mailauth_authres_t       *ar = NULL;
    mailauth_status_t         st;
    if (c->which == S_NEW) {
        st = mailauth_authres_new(NULL, c->arg, &ar);
    } else {
        assert_int_equal(mailauth_authres_new(NULL, "mx", &ar), MAILAUTH_OK);
        st = apply_setter(ar, c->which, c->arg);
    }
    assert_int_equal(st, c->st);
    if (ar != NULL) {
        char *text = format_alloc(ar, 0);
        assert_null(strstr(text, "X-Evil"));
        check_formatting(ar);
        free(text);
    }
    mailauth_authres_free(ar);
}

static void
fill_string(char *buf, size_t n, char c)
{
    memset(buf, c, n);
    buf[n] = '\0';
}

static mailauth_authres_t *
build_fold(const struct fold_case *c)
{
    mailauth_authres_t *ar = NULL;
    char                v[256], r[256], prop[16];
    fill_string(v, c->vlen, 'v');
    fill_string(r, c->reason_len, 'r');
    assert_int_equal(mailauth_authres_new(NULL, c->id, &ar), MAILAUTH_OK);
    for (size_t e = 0; e < c->entries; e++) {
        mailauth_resinfo_t *ri = NULL;
        assert_int_equal(mailauth_authres_add(ar, "dkim", "pass", &ri), MAILAUTH_OK);
        if (c->reason_len != 0)
            assert_int_equal(mailauth_resinfo_set_reason(ri, r), MAILAUTH_OK);
        for (size_t p = 0; p < c->props; p++) {
            prop[0] = (char)('a' + p % 26);
            prop[1] = (char)('a' + p / 26);
            prop[2] = '\0';
            assert_int_equal(mailauth_resinfo_add_prop(ri, "x", p == 0 ? "b" : prop, v),
                             MAILAUTH_OK);
        }
    }
    return ar;
}

static void
test_ar_fold(void **state)
{
    const struct fold_case *c = *state;
    mailauth_authres_t     *ar = build_fold(c);
    char                   *text = format_alloc(ar, 0);
    size_t                  lines = 1;
    for (const char *p = text; (p = strstr(p, "\r\n")) != NULL; p += 2)
        lines++;
    if (c->longest != 0)
        assert_int_equal(longest_line(text), c->longest);
    else
        assert_in_range(longest_line(text), 60, 78);
    if (c->lines != 0)
        assert_int_equal(lines, c->lines);
    check_formatting(ar);
    free(text);
    mailauth_authres_free(ar);
}

/* A comment folded at a space comes back as written, blank runs after the
 * fold included (fuzz_authres regression "regress-comment-fold-wsp"). */
static void
test_ar_comment_fold_blanks(void **state)
{
    static const char   comment[] = "this comment is long enough to be folded by the formatter "
                                    "somewhere about \t\t\there and  there with tabs";
    mailauth_authres_t *ar = NULL, *back = NULL;
    mailauth_resinfo_t *ri = NULL;
    char               *text = NULL;
    (void)state;
    assert_int_equal(mailauth_authres_new(NULL, "mx.example.net", &ar), MAILAUTH_OK);
    assert_int_equal(mailauth_authres_add(ar, "spf", "pass", &ri), MAILAUTH_OK);
    assert_int_equal(mailauth_resinfo_set_comment(ri, comment), MAILAUTH_OK);
    text = format_alloc(ar, 0);
    assert_non_null(strstr(text, "\r\n"));
    assert_int_equal(mailauth_authres_parse(NULL, text, strlen(text), NULL, &back), MAILAUTH_OK);
    assert_string_equal(mailauth_resinfo_comment(mailauth_authres_resinfo(back, 0)), comment);
    free(text);
    mailauth_authres_free(back);
    mailauth_authres_free(ar);
}

static void
test_ar_nospc(void **state)
{
    const struct nospc_case *c = *state;
    mailauth_authres_t      *ar = build(c->m);
    char                    *full = format_alloc(ar, c->value_only);
    size_t                   n = strlen(full);
    for (size_t cap = 0; cap <= n + 2; cap++) {
        char             *buf = malloc(cap + 8);
        size_t            need = 0;
        mailauth_status_t st;
        assert_non_null(buf);
        memset(buf, 0x5a, cap + 8);
        st = c->value_only ? mailauth_authres_format_value(ar, cap ? buf : NULL, cap, &need)
                           : mailauth_authres_format(ar, cap ? buf : NULL, cap, &need);
        assert_int_equal(need, n);
        assert_int_equal(st, cap > n ? MAILAUTH_OK : MAILAUTH_ENOSPC);
        if (cap > 0) {
            size_t k = cap > n ? n : cap - 1;
            assert_memory_equal(buf, full, k);
            assert_int_equal(buf[k], '\0');
        }
        for (size_t i = cap; i < cap + 8; i++)
            assert_int_equal((unsigned char)buf[i], 0x5a); /* nothing written past cap */
        free(buf);
    }
    assert_int_equal(mailauth_authres_format(ar, NULL, 5, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_authres_format(NULL, NULL, 0, NULL), MAILAUTH_EINVAL);
    free(full);
    mailauth_authres_free(ar);
}

static mailauth_status_t
oom_build(const mailauth_allocator_t *al, mailauth_authres_t **out)
{
    const struct model *m = &rt_cases[ARRAY_LEN(rt_cases) - 1].m;
    mailauth_status_t   st = mailauth_authres_new(al, m->id, out);
    for (const struct ri_def *d = m->ri; st == MAILAUTH_OK && d < m->ri + MAX_RI && d->method;
         d++) {
        mailauth_resinfo_t *ri = NULL;
        st = mailauth_authres_add(*out, d->method, d->result, &ri);
        if (st == MAILAUTH_OK && d->reason != NULL)
            st = mailauth_resinfo_set_reason(ri, d->reason);
        if (st == MAILAUTH_OK && d->comment != NULL)
            st = mailauth_resinfo_set_comment(ri, d->comment);
        for (const struct prop_def *p = d->props;
             st == MAILAUTH_OK && p < d->props + MAX_PROPS && p->ptype; p++)
            st = mailauth_resinfo_add_prop(ri, p->ptype, p->property, p->value);
    }
    return st;
}

static void
test_ar_oom(void **state)
{
    const struct oom_case *c = *state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t        fa;
        mailauth_authres_t *ar = NULL;
        mailauth_status_t   st;
        fail_alloc_init(&fa, n);
        if (c->op == OOM_BUILD)
            st = oom_build(&fa.al, &ar);
        else
            st = mailauth_authres_parse(&fa.al, c->text, strlen(c->text), NULL, &ar);
        if (st == MAILAUTH_OK && mailauth_authres_authserv_id(ar)[0] != '\0') {
            char buf[1024];
            assert_int_equal(mailauth_authres_format(ar, buf, sizeof(buf), NULL), MAILAUTH_OK);
        }
        mailauth_authres_free(ar);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
        if (c->op == OOM_PARSE)
            assert_null(ar);
    }
}

/* ---- model details ------------------------------------------------------------------------------
 */

static void
test_ar_model_getters(void **state)
{
    mailauth_authres_t *ar = NULL, *other = (mailauth_authres_t *)1;
    mailauth_resinfo_t *ri = NULL;
    const char         *t = "x", *p = "x", *v = "x";
    (void)state;
    assert_int_equal(mailauth_authres_new(NULL, "mx", &ar), MAILAUTH_OK);
    assert_int_equal(mailauth_authres_add(ar, "DKIM/1", "PASS", &ri), MAILAUTH_OK);
    assert_int_equal(mailauth_resinfo_add_prop(ri, "Header", "D", "Example.COM"), MAILAUTH_OK);
    assert_int_equal(mailauth_resinfo_add_prop(ri, "header", "d", "second"), MAILAUTH_OK);
    assert_string_equal(mailauth_resinfo_method(ri), "dkim/1");
    assert_string_equal(mailauth_resinfo_result(ri), "pass");
    assert_string_equal(mailauth_resinfo_find_prop(ri, "HEADER", "d"), "Example.COM");
    assert_null(mailauth_resinfo_find_prop(ri, "header", "s"));
    assert_int_equal(mailauth_resinfo_prop(ri, 1, &t, &p, &v), MAILAUTH_OK);
    assert_string_equal(t, "header");
    assert_string_equal(p, "d");
    assert_string_equal(v, "second");
    assert_int_equal(mailauth_resinfo_prop(ri, 2, &t, &p, &v), MAILAUTH_EINVAL);
    assert_null(t), assert_null(p), assert_null(v);
    assert_null(mailauth_authres_resinfo(ar, 1));
    assert_null(mailauth_resinfo_reason(ri));
    assert_null(mailauth_resinfo_comment(ri));
    /* NULL handles are safe everywhere */
    assert_int_equal(mailauth_authres_resinfo_count(NULL), 0);
    assert_null(mailauth_authres_resinfo(NULL, 0));
    assert_null(mailauth_authres_authserv_id(NULL));
    assert_null(mailauth_resinfo_method(NULL));
    assert_int_equal(mailauth_resinfo_prop_count(NULL), 0);
    assert_int_equal(mailauth_authres_add(NULL, "spf", "pass", NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_authres_add(ar, NULL, "pass", NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resinfo_set_reason(NULL, "x"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resinfo_set_comment(ri, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_resinfo_add_prop(ri, "a", "b", NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_authres_new(NULL, "mx", NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_authres_parse(NULL, NULL, 3, NULL, &other), MAILAUTH_EINVAL);
    assert_null(other); /* out cleared on error */
    mailauth_authres_free(NULL);
    mailauth_authres_free(ar);
}

static void
test_ar_model_allocator(void **state)
{
    mailauth_allocator_t bad = {0};
    mailauth_authres_t  *ar = (mailauth_authres_t *)1;
    fail_alloc_t         fa;
    (void)state;
    assert_int_equal(mailauth_authres_new(&bad, "mx", &ar), MAILAUTH_EINVAL);
    assert_null(ar);
    fail_alloc_init(&fa, 0);
    assert_int_equal(mailauth_authres_new(&fa.al, "mx", &ar), MAILAUTH_OK);
    assert_true(fa.live > 0); /* it really uses the given allocator */
    mailauth_authres_free(ar);
    assert_int_equal(fa.live, 0);
}

/* A parsed field without authserv-id is readable but not re-emitted (RFC 8601 §2.2 requires one).
 */
static void
test_ar_model_no_id_not_formatted(void **state)
{
    mailauth_authres_t *ar = NULL;
    char                buf[64] = "garbage";
    size_t              need = 7;
    (void)state;
    assert_int_equal(mailauth_authres_parse(NULL, "spf=pass", 8, NULL, &ar), MAILAUTH_OK);
    assert_string_equal(mailauth_authres_authserv_id(ar), "");
    assert_int_equal(mailauth_authres_format(ar, buf, sizeof(buf), &need), MAILAUTH_EINVAL);
    assert_int_equal(need, 0);
    assert_string_equal(buf, "");
    mailauth_authres_free(ar);
}

/* ---- registration: one cmocka test per row ------------------------------------------------------
 */

#define ADD_ROWS(table, fn, field)                                                                 \
    for (size_t i = 0; i < ARRAY_LEN(table); i++)                                                  \
        tests[n++] = (struct CMUnitTest)                                                           \
        {                                                                                          \
            .name = (table)[i].field, .test_func = (fn), .initial_state = (void *)&(table)[i]      \
        }

int
main(void)
{
    static struct CMUnitTest tests[2 * ARRAY_LEN(rt_cases) + ARRAY_LEN(appendix_b) +
                                   ARRAY_LEN(lenient) + ARRAY_LEN(hostile) + ARRAY_LEN(setters) +
                                   ARRAY_LEN(folds) + ARRAY_LEN(nospc) + ARRAY_LEN(ooms) + 4];
    static char              parse_names[ARRAY_LEN(rt_cases)][96];
    size_t                   n = 0;
    ADD_ROWS(rt_cases, test_ar_format_table, name);
    for (size_t i = 0; i < ARRAY_LEN(rt_cases); i++) {
        snprintf(parse_names[i], sizeof(parse_names[i]), "%s (parse back)", rt_cases[i].name);
        tests[n++] = (struct CMUnitTest){.name = parse_names[i],
                                         .test_func = test_ar_parse_table,
                                         .initial_state = (void *)&rt_cases[i]};
    }
    ADD_ROWS(appendix_b, test_ar_parse_case, name);
    ADD_ROWS(lenient, test_ar_parse_case, name);
    ADD_ROWS(hostile, test_ar_hostile, name);
    ADD_ROWS(setters, test_ar_setter, name);
    ADD_ROWS(folds, test_ar_fold, name);
    ADD_ROWS(nospc, test_ar_nospc, name);
    ADD_ROWS(ooms, test_ar_oom, name);
    tests[n++] = (struct CMUnitTest){.name = "model: getters", .test_func = test_ar_model_getters};
    tests[n++] =
        (struct CMUnitTest){.name = "model: allocator", .test_func = test_ar_model_allocator};
    tests[n++] = (struct CMUnitTest){.name = "model: no authserv-id is not formatted",
                                     .test_func = test_ar_model_no_id_not_formatted};
    tests[n++] = (struct CMUnitTest){.name = "fold: comment blanks survive a fold",
                                     .test_func = test_ar_comment_fold_blanks};
    return _cmocka_run_group_tests("ar", tests, n, NULL, NULL);
}
