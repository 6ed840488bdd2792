/* Reader of the ARC case file that tests/tools/arcsuite2case.py writes from
 * the shared ARC suites (ValiMail validation and signing YAML, its
 * known-issues list, the Stalwart messages): records of
 *
 *     case <kind> <name>
 *     <key> <length>
 *     <length bytes>
 *     ...
 *     end
 *
 * Values keep every byte (messages are CRLF) and are NUL-terminated. */
#ifndef MAILAUTH_TEST_ARC_SUITE_H
#define MAILAUTH_TEST_ARC_SUITE_H

#include <stddef.h>

#define ARC_CASE_MAX_KV 16

typedef struct arc_kv {
    const char *key;
    const char *value; /* NUL-terminated */
    size_t      len;
} arc_kv_t;

typedef struct arc_case {
    const char *kind; /* validate, sign, known, stalwart */
    const char *name;
    arc_kv_t    kv[ARC_CASE_MAX_KV];
    size_t      nkv;
} arc_case_t;

typedef struct arc_cases {
    char       *data; /* the file, split in place */
    arc_case_t *v;
    size_t      n;
} arc_cases_t;

/* Load a case file. Returns 0, or -1 after printing why to stderr. */
int  arc_cases_load(const char *path, arc_cases_t *out);
void arc_cases_free(arc_cases_t *cs);

/* Value of key (NULL if absent); *len its length when len is not NULL. */
const char *arc_case_get(const arc_case_t *c, const char *key, size_t *len);

/* The case of this kind and name, or NULL. */
const arc_case_t *arc_cases_find(const arc_cases_t *cs, const char *kind, const char *name);

#endif
