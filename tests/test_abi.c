/* abi: the numbers of every public enumerator and the tokens of their name
 * functions, pinned in tests/data/abi/enums.txt (the table below is
 * generated from it by tests/abi.cmake). A changed number or token fails
 * here; a value outside an enum names itself "unknown" everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

struct abi_enum {
    const char *name;
    long long   compiled, pinned;
    const char *token, *got;
};

struct abi_type {
    const char *type;
    const char *unknown_high, *unknown_low; /* the name of 99999 and of -1 */
};

/* The tables are built on the stack: the name function calls in them are
 * not constant expressions. */
static void
test_abi_numbers_and_tokens(void **state)
{
#define ABI_ENUM(type, fn, name, number, token) {#name, (long long)(name), number, token, fn(name)},
#define ABI_TYPE(type, fn)
    const struct abi_enum e[] = {
#include "abi_enums.inc"
    };
#undef ABI_ENUM
#undef ABI_TYPE
    size_t n = sizeof(e) / sizeof(e[0]);
    (void)state;
    assert_true(n > 100);
    for (size_t i = 0; i < n; i++) {
        if (e[i].compiled != e[i].pinned)
            fail_msg("%s is %lld, pinned %lld", e[i].name, e[i].compiled, e[i].pinned);
        assert_non_null(e[i].got);
        if (strcmp(e[i].got, e[i].token) != 0)
            fail_msg("name of %s is \"%s\", pinned \"%s\"", e[i].name, e[i].got, e[i].token);
    }
}

static void
test_abi_unknown(void **state)
{
#define ABI_ENUM(type, fn, name, number, token)
#define ABI_TYPE(type, fn) {#type, fn((type)99999), fn((type)-1)},
    const struct abi_type t[] = {
#include "abi_enums.inc"
    };
#undef ABI_ENUM
#undef ABI_TYPE
    size_t n = sizeof(t) / sizeof(t[0]);
    (void)state;
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].unknown_high, "unknown") != 0 || strcmp(t[i].unknown_low, "unknown") != 0)
            fail_msg("%s: an out-of-range value is named \"%s\" / \"%s\"", t[i].type,
                     t[i].unknown_high, t[i].unknown_low);
    }
    /* the description of a status is not a name: it says so in a sentence */
    assert_string_equal(mailauth_strerror((mailauth_status_t)99999), "unknown status");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abi_numbers_and_tokens),
        cmocka_unit_test(test_abi_unknown),
    };
    return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
}
