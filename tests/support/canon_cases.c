/* Case files of tests/data/canon/ (see canon_cases.h). */
#include "support/canon_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct grow {
    uint8_t *p;
    size_t   n, cap;
};

static int
put(struct grow *g, const uint8_t *p, size_t n)
{
    if (g->n + n + 1 > g->cap) {
        size_t   cap = (g->n + n + 1) * 2;
        uint8_t *q = realloc(g->p, cap);
        if (q == NULL)
            return -1;
        g->p = q;
        g->cap = cap;
    }
    memcpy(g->p + g->n, p, n);
    g->n += n;
    g->p[g->n] = 0;
    return 0;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int decode(const char *s, size_t len, struct grow *g);

/* \*N{text}: s points after "\*"; *used gets the bytes consumed. */
static int
repeat(const char *s, size_t len, struct grow *g, size_t *used)
{
    size_t      count = 0, i = 0;
    const char *close;
    struct grow one = {NULL, 0, 0};
    int         rc = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        count = count * 10 + (size_t)(s[i++] - '0');
    if (i == 0 || i >= len || s[i] != '{' || count > 100000)
        return -1;
    close = memchr(s + i + 1, '}', len - i - 1);
    if (close == NULL || decode(s + i + 1, (size_t)(close - (s + i + 1)), &one) != 0) {
        free(one.p);
        return -1;
    }
    for (size_t k = 0; k < count && rc == 0; k++)
        rc = put(g, one.p != NULL ? one.p : (const uint8_t *)"", one.n);
    free(one.p);
    *used = (size_t)(close - s) + 1;
    return rc;
}

static int
escape(const char *s, size_t len, struct grow *g, size_t *used)
{
    uint8_t c;
    *used = 1;
    switch (s[0]) {
    case 'r':
        c = '\r';
        break;
    case 'n':
        c = '\n';
        break;
    case 't':
        c = '\t';
        break;
    case 's':
        c = ' ';
        break;
    case '\\':
        c = '\\';
        break;
    case 'x':
        if (len < 3 || hexval(s[1]) < 0 || hexval(s[2]) < 0)
            return -1;
        c = (uint8_t)(hexval(s[1]) * 16 + hexval(s[2]));
        *used = 3;
        break;
    case '*': {
        size_t n = 0;
        int    rc = repeat(s + 1, len - 1, g, &n);
        *used = 1 + n;
        return rc;
    }
    default:
        return -1;
    }
    return put(g, &c, 1);
}

static int
decode(const char *s, size_t len, struct grow *g)
{
    size_t i = 0;
    if (put(g, (const uint8_t *)"", 0) != 0)
        return -1;
    while (i < len) {
        size_t used = 0;
        if (s[i] != '\\') {
            if (put(g, (const uint8_t *)&s[i], 1) != 0)
                return -1;
            i++;
            continue;
        }
        if (i + 1 >= len || escape(s + i + 1, len - i - 1, g, &used) != 0)
            return -1;
        i += 1 + used;
    }
    return 0;
}

int
canon_unescape(const char *in, canon_bytes_t *out)
{
    struct grow g = {NULL, 0, 0};
    out->p = NULL;
    out->n = 0;
    if (decode(in, strlen(in), &g) != 0) {
        free(g.p);
        return -1;
    }
    out->p = g.p;
    out->n = g.n;
    return 0;
}

int
canon_cases_load(const char *name, case_file_t *cf, case_section_t **s)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/canon/%s", MAILAUTH_TEST_DATA, name);
    if (case_file_load(path, cf) != 0)
        return -1;
    if (cf->nsections != 1 || case_section_blocks(cf, &cf->sections[0]) != 0) {
        fprintf(stderr, "%s: expected one section of key/value blocks\n", path);
        case_file_free(cf);
        return -1;
    }
    *s = &cf->sections[0];
    return 0;
}
