/* Table-driven tests from case files: see case_tests.h. */
#include "support/case_tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
case_tests_load(const char *rel, case_tests_t *out)
{
    char   path[512];
    size_t n = 0, k = 0;
    memset(out, 0, sizeof(*out));
    snprintf(path, sizeof(path), "%s/%s", MAILAUTH_TEST_DATA, rel);
    if (case_file_load(path, &out->cf) != 0)
        return -1;
    for (size_t i = 0; i < out->cf.nsections; i++) {
        if (case_section_blocks(&out->cf, &out->cf.sections[i]) != 0)
            return -1;
        n += out->cf.sections[i].nblocks;
    }
    out->t = calloc(n + 1, sizeof(*out->t));
    if (out->t == NULL)
        return -1;
    for (size_t i = 0; i < out->cf.nsections; i++) {
        const case_section_t *s = &out->cf.sections[i];
        for (size_t j = 0; j < s->nblocks; j++, k++) {
            const char *name = case_block_get(&s->blocks[j], "name");
            const char *base = strrchr(out->cf.path, '/');
            out->t[k].b = &s->blocks[j];
            out->t[k].s = s;
            snprintf(out->t[k].name, sizeof(out->t[k].name), "%s:%zu %s",
                     base != NULL ? base + 1 : out->cf.path, s->blocks[j].line,
                     name != NULL ? name : "");
        }
    }
    out->n = k;
    return 0;
}

void
case_tests_add(const case_tests_t *ct, CMUnitTestFunction fn, struct CMUnitTest *tests, size_t *k)
{
    for (size_t i = 0; i < ct->n; i++)
        tests[(*k)++] = (struct CMUnitTest){
            .name = ct->t[i].name, .test_func = fn, .initial_state = (void *)&ct->t[i]};
}

void
case_tests_add_group(const case_tests_t *ct, CMUnitTestFunction fn, struct CMUnitTest *tests,
                     size_t *k, case_reads_testdata_fn *reads_testdata, bool conformance)
{
    for (size_t i = 0; i < ct->n; i++) {
        if (reads_testdata(ct->t[i].b) == conformance)
            tests[(*k)++] = (struct CMUnitTest){
                .name = ct->t[i].name, .test_func = fn, .initial_state = (void *)&ct->t[i]};
    }
}

void
case_tests_free(case_tests_t *ct)
{
    case_file_free(&ct->cf);
    free(ct->t);
    memset(ct, 0, sizeof(*ct));
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *
case_unescape(const char *in, size_t *len)
{
    size_t n = strlen(in), o = 0;
    char  *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c != '\\' || i + 1 == n) {
            out[o++] = c;
            continue;
        }
        c = in[++i];
        if (c == 'r')
            out[o++] = '\r';
        else if (c == 'n')
            out[o++] = '\n';
        else if (c == 't')
            out[o++] = '\t';
        else if (c == '0')
            out[o++] = '\0';
        else if (c == 'x' && i + 2 < n && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
            out[o++] = (char)(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
            i += 2;
        } else
            out[o++] = c; /* "\\" and anything else */
    }
    out[o] = '\0';
    *len = o;
    return out;
}

char *
testdata_read(const char *rel, size_t *len)
{
    char   path[512];
    FILE  *f;
    char  *buf = NULL;
    long   size;
    snprintf(path, sizeof(path), "%s/%s", MAILAUTH_TESTDATA_DIR, rel);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)size, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}
