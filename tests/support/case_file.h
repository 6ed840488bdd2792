/* Loader for tests/data/<module>/ case files.
 *
 * A case file holds one or more sections. A line starting with "@@" starts a
 * new section (the rest of the line is its title); text before the first
 * such line is the first section. A section is zone lines (the zone text
 * format of docs/zone-format.md), one blank line, then a body: a raw
 * message, or blocks of "key: value" lines separated by blank lines (see
 * case_section_blocks()). In key/value bodies, lines starting with '#' are
 * comments; a value is everything after "key:" and one optional space,
 * verbatim (so "mailfrom:" is the empty string).
 */
#ifndef MAILAUTH_TEST_CASE_FILE_H
#define MAILAUTH_TEST_CASE_FILE_H

#include <stddef.h>

typedef struct case_kv {
    const char *key;
    const char *value;
} case_kv_t;

typedef struct case_block {
    size_t     line; /* 1-based line of its first key */
    case_kv_t *kv;
    size_t     nkv;
} case_block_t;

typedef struct case_section {
    size_t        line;  /* 1-based line where the section starts */
    const char   *title; /* text after "@@", trimmed; "" for an untitled first section */
    const char   *zone;  /* NUL-terminated */
    size_t        zone_len;
    const char   *body; /* NUL-terminated; everything after the blank line */
    size_t        body_len;
    size_t        body_line; /* 1-based line where the body starts */
    case_block_t *blocks;    /* filled by case_section_blocks() */
    size_t        nblocks;
} case_section_t;

typedef struct case_file {
    char           *path;
    char           *data; /* the file, split in place */
    case_section_t *sections;
    size_t          nsections;
} case_file_t;

/* Load and split a case file. Returns 0, or -1 after printing why to stderr. */
int case_file_load(const char *path, case_file_t *out);

/* Parse a section's body as key/value blocks (idempotent).
 * Returns 0, or -1 after printing the bad line to stderr. */
int case_section_blocks(case_file_t *cf, case_section_t *s);

/* Value of key in a block, or NULL if absent. */
const char *case_block_get(const case_block_t *b, const char *key);

void case_file_free(case_file_t *cf);

/* Load every "*.case" file of the folder MAILAUTH_TEST_DATA/<subdir>, in
 * name order, into files[0..max). Returns how many were loaded; a folder
 * that cannot be read, a file that does not load or more than max files
 * is printed to stderr and gives -1 (the project's own data must be there). */
long case_file_load_dir(const char *subdir, case_file_t *files, size_t max);

#endif
