/* tagval: RFC 6376 §3.2 tag=value lists (lib/util/tagval.c). Cases in
 * tests/data/dkim/tagval.case, each run through the arena parser and the
 * fixed-array one, which must agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/case_tests.h"
#include "support/fail_alloc.h"
#include "util/arena.h"
#include "util/tagval.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *
err_name(mailauth__tags_err_t e)
{
    switch (e) {
    case MAILAUTH__TAGS_OK:
        return "ok";
    case MAILAUTH__TAGS_SYNTAX:
        return "syntax";
    case MAILAUTH__TAGS_DUPLICATE:
        return "duplicate";
    case MAILAUTH__TAGS_TOO_MANY:
        return "too-many";
    }
    return "?";
}

/* "name=value" of tag t, value unescaped, compared with the expectation. */
static void
check_tag(const mailauth__tag_t *t, const char *want)
{
    size_t      n = 0;
    char       *w = case_unescape(want, &n);
    const char *eq = memchr(w, '=', n);
    size_t      name_len = (size_t)(eq - w);
    assert_non_null(eq);
    if (t->name_len != name_len || memcmp(t->name, w, name_len) != 0 ||
        t->value_len != n - name_len - 1 || memcmp(t->value, eq + 1, t->value_len) != 0)
        fail_msg("tag %.*s=%.*s, want %s", (int)t->name_len, t->name, (int)t->value_len,
                 t->value, want);
    free(w);
}

static void
check_area(const mailauth__taglist_t *l, const char *spec)
{
    char                   name[16];
    size_t                 off = 0, len = 0;
    const mailauth__tag_t *t;
    assert_int_equal(sscanf(spec, "%15s %zu %zu", name, &off, &len), 3);
    t = mailauth__tags_find(l, name);
    assert_non_null(t);
    assert_int_equal(t->value_off, off);
    assert_int_equal(t->area_len, len);
}

static void
check_list(const case_block_t *b, const mailauth__taglist_t *l)
{
    const char *v;
    size_t      k = 0;
    for (size_t i = 0; i < b->nkv; i++) {
        if (strcmp(b->kv[i].key, "tag") == 0) {
            assert_true(k < l->n);
            check_tag(&l->v[k++], b->kv[i].value);
        } else if (strcmp(b->kv[i].key, "area") == 0) {
            check_area(l, b->kv[i].value);
        }
    }
    if (k > 0)
        assert_int_equal(l->n, k);
    if ((v = case_block_get(b, "ntags")) != NULL)
        assert_int_equal(l->n, strtoul(v, NULL, 10));
    if ((v = case_block_get(b, "empty")) != NULL)
        assert_int_equal(l->empty, strtoul(v, NULL, 10));
}

static void
test_tagval_case(void **state)
{
    const case_test_t   *c = *state;
    const char          *want = case_block_get(c->b, "result");
    const char          *max_s = case_block_get(c->b, "max");
    size_t               max = max_s != NULL ? strtoul(max_s, NULL, 10) : 64;
    size_t               n = 0, at = 0, at2 = 0;
    char                *in = case_unescape(case_block_get(c->b, "input"), &n);
    char                 got[64];
    mailauth__arena_t    a;
    mailauth__taglist_t  l, l2;
    mailauth__tags_err_t e = MAILAUTH__TAGS_OK, e2;
    mailauth__tag_t      fixed[64];
    assert_non_null(want);
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__tags_parse(&a, in, n, max, &l, &e, &at), MAILAUTH_OK);
    if (e == MAILAUTH__TAGS_OK)
        snprintf(got, sizeof(got), "ok");
    else
        snprintf(got, sizeof(got), "%s@%zu", err_name(e), at);
    assert_string_equal(got, want);
    if (e == MAILAUTH__TAGS_OK)
        check_list(c->b, &l);
    else
        assert_int_equal(l.n, 0);
    /* The allocation-free parser gives the same answer. */
    e2 = mailauth__tags_parse_fixed(in, n, fixed, max < 64 ? max : 64, &l2, &at2);
    assert_int_equal(e2, e);
    assert_int_equal(at2, at);
    assert_int_equal(l2.n, l.n);
    assert_int_equal(l2.empty, l.empty);
    assert_ptr_equal(l2.v, fixed);
    for (size_t i = 0; i < l.n; i++)
        assert_memory_equal(&l2.v[i], &l.v[i], sizeof(l.v[i]));
    mailauth__arena_clear(&a);
    free(in);
}

/* ---- helpers ------------------------------------------------------------ */

struct list_case {
    const char *name, *value, *want; /* items joined with '|' */
};
static const struct list_case list_cases[] = {
    {"one item", "sha256", "sha256|"},
    {"three items", "a:b:c", "a|b|c|"},
    {"FWS around items", "from \r\n : to\t:\r\n\tsubject", "from|to|subject|"},
    {"empty items kept", "a::b:", "a||b||"},
    {"empty value has no items", "", ""},
};

static void
test_tagval_list_next(void **state)
{
    const struct list_case *c = *state;
    mailauth__tag_t         t = {.name = "h", .name_len = 1, .value = c->value};
    char                    got[128] = "";
    const char             *item;
    size_t                  n = 0, pos = 0, len = 0;
    t.value_len = strlen(c->value);
    while (mailauth__tags_list_next(&t, &pos, &item, &n)) {
        assert_true(len + n + 1 < sizeof(got));
        memcpy(got + len, item, n);
        len += n;
        got[len++] = '|';
        got[len] = '\0';
    }
    assert_string_equal(got, c->want);
    assert_false(mailauth__tags_list_next(&t, &pos, &item, &n)); /* stays used up */
}

static void
test_tagval_value_nows(void **state)
{
    static const char   in[] = "b= dGVz\r\n dA\t== ;c=1";
    mailauth__arena_t   a;
    mailauth__taglist_t l;
    mailauth__tags_err_t e;
    size_t              at = 0, n = 99;
    char               *s;
    (void)state;
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__tags_parse(&a, in, sizeof(in) - 1, 8, &l, &e, &at), MAILAUTH_OK);
    assert_int_equal(e, MAILAUTH__TAGS_OK);
    s = mailauth__tags_value_nows(&a, mailauth__tags_find(&l, "b"), &n);
    assert_string_equal(s, "dGVzdA==");
    assert_int_equal(n, 8);
    s = mailauth__tags_value_nows(&a, mailauth__tags_find(&l, "c"), NULL);
    assert_string_equal(s, "1");
    assert_null(mailauth__tags_find(&l, "B"));
    assert_null(mailauth__tags_find(&l, "bh"));
    assert_null(mailauth__tags_find(NULL, "b"));
    mailauth__arena_clear(&a);
}

/* Every allocation of the arena parser may fail, also in the sorted
 * duplicate search (more than 32 tags): ENOMEM, nothing leaked. */
static void
test_tagval_oom(void **state)
{
    char   in[512];
    size_t n = 0;
    (void)state;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(in + n, sizeof(in) - n, "t%d=%d;", i, i);
    for (unsigned long k = 1;; k++) {
        fail_alloc_t         fa;
        mailauth__arena_t    a;
        mailauth__taglist_t  l;
        mailauth__tags_err_t e = MAILAUTH__TAGS_SYNTAX;
        size_t               at = 0;
        mailauth_status_t    st;
        fail_alloc_init(&fa, k);
        mailauth__arena_init(&a, &fa.al);
        st = mailauth__tags_parse(&a, in, n, 64, &l, &e, &at);
        mailauth__arena_clear(&a);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            assert_int_equal(e, MAILAUTH__TAGS_OK);
            assert_int_equal(l.n, 40);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
    }
}

/* The arena limit bounds what a hostile list may take. */
static void
test_tagval_arena_limit(void **state)
{
    mailauth__arena_t    a;
    mailauth__taglist_t  l;
    mailauth__tags_err_t e;
    size_t               at = 0;
    (void)state;
    mailauth__arena_init(&a, NULL);
    a.limit = 64;
    assert_int_equal(mailauth__tags_parse(&a, "a=1;b=2;c=3;d=4", 15, 64, &l, &e, &at),
                     MAILAUTH_ENOMEM);
    mailauth__arena_clear(&a);
}

int
main(void)
{
    case_tests_t       ct;
    struct CMUnitTest *tests;
    size_t             k = 0;
    int                rc;
    if (case_tests_load("dkim/tagval.case", &ct) != 0)
        return 1;
    tests = calloc(ct.n + ARRAY_LEN(list_cases) + 8, sizeof(*tests));
    if (tests == NULL)
        return 1;
    case_tests_add(&ct, test_tagval_case, tests, &k);
    for (size_t i = 0; i < ARRAY_LEN(list_cases); i++)
        tests[k++] = (struct CMUnitTest){.name = list_cases[i].name,
                                         .test_func = test_tagval_list_next,
                                         .initial_state = (void *)&list_cases[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_tagval_value_nows);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_tagval_oom);
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_tagval_arena_limit);
    rc = _cmocka_run_group_tests("tagval", tests, k, NULL, NULL);
    free(tests);
    case_tests_free(&ct);
    return rc;
}
