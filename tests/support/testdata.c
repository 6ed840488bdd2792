/* The shared conformance data and its test groups: see testdata.h. */
#include "support/testdata.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "support/case_tests.h"

bool
testdata_present(void)
{
    struct stat st;
    return stat(MAILAUTH_TESTDATA_DIR, &st) == 0 && S_ISDIR(st.st_mode);
}

int
testdata_select(int argc, char **argv, bool *conformance)
{
    *conformance = false;
    if (argc <= 1)
        return -1;
    if (argc > 2 || strcmp(argv[1], TESTDATA_GROUP) != 0) {
        fprintf(stderr, "usage: %s [%s]\n", argv[0], TESTDATA_GROUP);
        return 2;
    }
    *conformance = true;
    if (!testdata_present()) {
        printf("SKIP: no test data at %s\n", MAILAUTH_TESTDATA_DIR);
        return TESTDATA_SKIP;
    }
    return -1;
}

char *
testdata_need(const char *rel, size_t *len)
{
    char *data = testdata_read(rel, len);
    if (data == NULL)
        fail_msg("%s/%s cannot be read", MAILAUTH_TESTDATA_DIR, rel);
    return data;
}
