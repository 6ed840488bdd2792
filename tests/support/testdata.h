/* The shared conformance data (MAILAUTH_TESTDATA_DIR) and the test groups
 * that read it.
 *
 * A test binary whose cases partly read that folder runs them as a group
 * of their own: without arguments it runs the module's own cases, which
 * need nothing from the folder; with the argument TESTDATA_GROUP it runs
 * only the cases that read the folder, and exits 77 (ctest: Skipped) when
 * the folder is absent. tests/CMakeLists.txt registers that second run as
 * ctest <module>_conformance for every tests/test_*.c that calls
 * testdata_select(). Within the group a file that cannot be read fails its
 * test: the folder is there, so the data set is incomplete. */
#ifndef MAILAUTH_TEST_TESTDATA_H
#define MAILAUTH_TEST_TESTDATA_H

#include <stdbool.h>
#include <stddef.h>

#define TESTDATA_GROUP "conformance"
#define TESTDATA_SKIP 77 /* SKIP_RETURN_CODE of every ctest registration */

/* Which group main() runs: *conformance is set for TESTDATA_GROUP.
 * Returns -1 to go on, or the status main() returns at once:
 * TESTDATA_SKIP when the group is asked for and the folder is absent,
 * 2 on an argument it does not know (said on stderr). */
int testdata_select(int argc, char **argv, bool *conformance);

/* Whether MAILAUTH_TESTDATA_DIR is a directory. */
bool testdata_present(void);

/* MAILAUTH_TESTDATA_DIR/<rel>, read whole (malloc'd, NUL-terminated);
 * fails the running cmocka test when it cannot be read. */
char *testdata_need(const char *rel, size_t *len);

#endif
