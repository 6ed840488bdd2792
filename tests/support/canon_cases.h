/* Case files of tests/data/canon/ (format at the top of body.case): key/value
 * blocks whose values carry escapes \r \n \t \s \\ \xHH and \*N{text}. */
#ifndef MAILAUTH_TEST_CANON_CASES_H
#define MAILAUTH_TEST_CANON_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "support/case_file.h"

typedef struct canon_bytes {
    uint8_t *p; /* malloc'd, NUL-terminated (the NUL is not counted) */
    size_t   n;
} canon_bytes_t;

/* Decode one escaped value. 0, or -1 (bad escape, out of memory). */
int canon_unescape(const char *in, canon_bytes_t *out);

/* Load tests/data/canon/<name> and parse its blocks (one section).
 * 0, or -1 after saying why on stderr. Free with case_file_free(). */
int canon_cases_load(const char *name, case_file_t *cf, case_section_t **s);

#endif
