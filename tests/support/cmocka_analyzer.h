/* cmocka as the clang static analyzer should see it. tests/CMakeLists.txt
 * puts it before every file of a test target (-include); it is empty but
 * for clang-tidy, which defines __clang_analyzer__ (scripts/lint).
 *
 * cmocka's assertions are calls into the library that return when the
 * assertion holds and longjmp out of the test when it does not; the
 * analyzer sees neither, so after assert_non_null(p) it still walks the
 * path where p is NULL. Here the failure path ends in _fail(), which the
 * analyzer is told does not return, and each assertion states its
 * condition once (the operands are evaluated once, as in cmocka). */
#ifndef MAILAUTH_TEST_CMOCKA_ANALYZER_H
#define MAILAUTH_TEST_CMOCKA_ANALYZER_H
#ifdef __clang_analyzer__

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* cmocka's own names, declared again with the attribute (attributes add up). */
void _fail(const char *const file, const int line) __attribute__((analyzer_noreturn));
void _skip(const char *const file, const int line) __attribute__((analyzer_noreturn));

#define CMOCKA_ANALYZER_CHECK(cond) ((cond) ? (void)0 : _fail(__FILE__, __LINE__))

#undef assert_true
#define assert_true(c) CMOCKA_ANALYZER_CHECK(cast_to_largest_integral_type(c))
#undef assert_false
#define assert_false(c) CMOCKA_ANALYZER_CHECK(!cast_to_largest_integral_type(c))
#undef assert_non_null
#define assert_non_null(c) CMOCKA_ANALYZER_CHECK(cast_ptr_to_largest_integral_type(c))
#undef assert_null
#define assert_null(c) CMOCKA_ANALYZER_CHECK(!cast_ptr_to_largest_integral_type(c))
#undef assert_int_equal
#define assert_int_equal(a, b)                                                                     \
    CMOCKA_ANALYZER_CHECK(cast_to_largest_integral_type(a) == cast_to_largest_integral_type(b))
#undef assert_int_not_equal
#define assert_int_not_equal(a, b)                                                                 \
    CMOCKA_ANALYZER_CHECK(cast_to_largest_integral_type(a) != cast_to_largest_integral_type(b))
#undef assert_ptr_equal
#define assert_ptr_equal(a, b)                                                                     \
    CMOCKA_ANALYZER_CHECK(cast_ptr_to_largest_integral_type(a) ==                                  \
                          cast_ptr_to_largest_integral_type(b))
#undef assert_ptr_not_equal
#define assert_ptr_not_equal(a, b)                                                                 \
    CMOCKA_ANALYZER_CHECK(cast_ptr_to_largest_integral_type(a) !=                                  \
                          cast_ptr_to_largest_integral_type(b))

#endif /* __clang_analyzer__ */
#endif
