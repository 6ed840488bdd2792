/* Reader of the ARC suite case file (see arc_suite.h). */
#include "support/arc_suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long  n = 0;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        p = malloc((size_t)n + 1);
        if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
            free(p);
            p = NULL;
        }
    }
    fclose(f);
    if (p != NULL) {
        p[n] = '\0';
        *len = (size_t)n;
    }
    return p;
}

/* The line at *pos (cut in place at its LF), or NULL at the end. */
static char *
line(char *data, size_t len, size_t *pos)
{
    char *start = data + *pos, *lf = NULL;
    if (*pos >= len)
        return NULL;
    lf = memchr(start, '\n', len - *pos);
    if (lf == NULL)
        return NULL;
    *lf = '\0';
    *pos = (size_t)(lf - data) + 1;
    return start;
}

static int
bad(const char *path, size_t pos, const char *why)
{
    fprintf(stderr, "%s: byte %zu: %s\n", path, pos, why);
    return -1;
}

/* One "key length" line and its value. */
static int
read_kv(const char *path, char *data, size_t len, size_t *pos, char *l, arc_case_t *c)
{
    char         *sp = strchr(l, ' ');
    char         *end = NULL;
    unsigned long n = 0;
    if (sp == NULL || c->nkv == ARC_CASE_MAX_KV)
        return bad(path, *pos, "expected \"key length\"");
    *sp = '\0';
    n = strtoul(sp + 1, &end, 10);
    if (*end != '\0' || n > len - *pos || *pos + n >= len || data[*pos + n] != '\n')
        return bad(path, *pos, "value length");
    c->kv[c->nkv].key = l;
    c->kv[c->nkv].value = data + *pos;
    c->kv[c->nkv].len = n;
    data[*pos + n] = '\0';
    c->nkv++;
    *pos += n + 1;
    return 0;
}

int
arc_cases_load(const char *path, arc_cases_t *out)
{
    size_t len = 0, pos = 0, cap = 0;
    char  *l = NULL;
    memset(out, 0, sizeof(*out));
    out->data = slurp(path, &len);
    if (out->data == NULL)
        return bad(path, 0, "cannot read");
    while ((l = line(out->data, len, &pos)) != NULL) {
        arc_case_t *c = NULL;
        char       *sp = NULL;
        if (strncmp(l, "case ", 5) != 0 || (sp = strchr(l + 5, ' ')) == NULL)
            return bad(path, pos, "expected \"case <kind> <name>\"");
        if (out->n == cap) {
            arc_case_t *v = realloc(out->v, (cap = cap ? cap * 2 : 64) * sizeof(*v));
            if (v == NULL)
                return bad(path, pos, "out of memory");
            out->v = v;
        }
        c = &out->v[out->n++];
        memset(c, 0, sizeof(*c));
        *sp = '\0';
        c->kind = l + 5;
        c->name = sp + 1;
        while ((l = line(out->data, len, &pos)) != NULL && strcmp(l, "end") != 0) {
            if (read_kv(path, out->data, len, &pos, l, c) != 0)
                return -1;
        }
        if (l == NULL)
            return bad(path, pos, "case without \"end\"");
    }
    return 0;
}

void
arc_cases_free(arc_cases_t *cs)
{
    free(cs->data);
    free(cs->v);
    memset(cs, 0, sizeof(*cs));
}

const char *
arc_case_get(const arc_case_t *c, const char *key, size_t *len)
{
    for (size_t i = 0; i < c->nkv; i++) {
        if (strcmp(c->kv[i].key, key) == 0) {
            if (len != NULL)
                *len = c->kv[i].len;
            return c->kv[i].value;
        }
    }
    return NULL;
}

const arc_case_t *
arc_cases_find(const arc_cases_t *cs, const char *kind, const char *name)
{
    for (size_t i = 0; i < cs->n; i++) {
        if (strcmp(cs->v[i].kind, kind) == 0 && strcmp(cs->v[i].name, name) == 0)
            return &cs->v[i];
    }
    return NULL;
}
