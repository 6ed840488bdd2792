/* Table-driven tests from key/value case files (tests/data/<module>/NAME.case,
 * format in case_file.h): one cmocka test per block, values with C-style
 * escapes, and reading the shared conformance data in place. */
#ifndef MAILAUTH_TEST_CASE_TESTS_H
#define MAILAUTH_TEST_CASE_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/case_file.h"

typedef struct case_test {
    char                  name[192]; /* "<file>:<line> <name>" */
    const case_block_t   *b;
    const case_section_t *s;
} case_test_t;

typedef struct case_tests {
    case_file_t  cf;
    case_test_t *t;
    size_t       n;
} case_tests_t;

/* Load tests/data/<rel> and index its blocks. 0, or -1 after saying why. */
int case_tests_load(const char *rel, case_tests_t *out);
/* Fill tests[*k..] with one test per block running fn (state: case_test_t *). */
void case_tests_add(const case_tests_t *ct, CMUnitTestFunction fn, struct CMUnitTest *tests,
                    size_t *k);
/* Whether a block reads the shared test data (support/testdata.h). */
typedef bool case_reads_testdata_fn(const case_block_t *b);
/* The same for the blocks of one test group: those for which
 * reads_testdata() is `conformance`. */
void case_tests_add_group(const case_tests_t *ct, CMUnitTestFunction fn, struct CMUnitTest *tests,
                          size_t *k, case_reads_testdata_fn *reads_testdata, bool conformance);
void case_tests_free(case_tests_t *ct);

/* Decode \r \n \t \\ \0 \xHH (anything else after '\' is kept as is).
 * malloc'd and NUL-terminated (NULs inside count in *len); NULL on ENOMEM. */
char *case_unescape(const char *in, size_t *len);

/* Read MAILAUTH_TESTDATA_DIR/<rel> whole; malloc'd, NUL-terminated;
 * NULL if absent. */
char *testdata_read(const char *rel, size_t *len);

#endif
