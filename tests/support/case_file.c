/* Loader for tests/data/<module>/ case files (format in case_file.h). */
#include "support/case_file.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
read_all(const char *path, size_t *len)
{
    FILE  *f = fopen(path, "rb");
    char  *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        size_t got;
        if (n + 4096 + 1 > cap) {
            char *p = realloc(buf, cap = (cap + 4096) * 2);
            if (p == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int
add_section(case_file_t *cf, size_t line, const char *title)
{
    case_section_t *p = realloc(cf->sections, (cf->nsections + 1) * sizeof(*p));
    if (p == NULL)
        return -1;
    cf->sections = p;
    memset(&p[cf->nsections], 0, sizeof(*p));
    p[cf->nsections].line = line;
    p[cf->nsections].title = title;
    cf->nsections++;
    return 0;
}

static const char *
trim_title(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* Split one section's text [start, end) into zone and body, in place. */
static void
split_section(case_section_t *s, char *start, char *end, size_t line)
{
    char *p = start;
    s->zone = start;
    s->body = end;
    s->body_line = line;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *next = nl != NULL ? nl + 1 : end;
        bool  blank = p[0] == '\n' || (p[0] == '\r' && p + 1 < end && p[1] == '\n');
        if (blank) {
            *p = '\0'; /* the zone ends here */
            s->body = next;
            s->body_line = line + 1;
            break;
        }
        line++;
        p = next;
    }
    *end = '\0';
    s->zone_len = strlen(s->zone);
    s->body_len = (size_t)(end - s->body);
}

int
case_file_load(const char *path, case_file_t *out)
{
    size_t len = 0, line = 1, sect_line = 1;
    char  *p, *sect_start;
    memset(out, 0, sizeof(*out));
    out->path = strdup(path);
    out->data = read_all(path, &len);
    if (out->path == NULL || out->data == NULL) {
        fprintf(stderr, "%s: cannot read\n", path);
        case_file_free(out);
        return -1;
    }
    p = sect_start = out->data;
    if (add_section(out, 1, "") != 0)
        return -1;
    while (*p != '\0') {
        char *nl = strchr(p, '\n');
        char *next = nl != NULL ? nl + 1 : p + strlen(p);
        if (p[0] == '@' && p[1] == '@') {
            const char *title;
            if (nl != NULL)
                *nl = '\0';
            title = trim_title(p + 2);
            split_section(&out->sections[out->nsections - 1], sect_start, p, sect_line);
            if (add_section(out, line, title) != 0)
                return -1;
            sect_start = next;
            sect_line = line + 1;
        }
        line++;
        p = next;
    }
    split_section(&out->sections[out->nsections - 1], sect_start, p, sect_line);
    /* An untitled empty first section (file starts with "@@") is dropped. */
    if (out->nsections > 1 && out->sections[0].zone_len == 0 && out->sections[0].body_len == 0) {
        memmove(out->sections, out->sections + 1, (out->nsections - 1) * sizeof(*out->sections));
        out->nsections--;
    }
    return 0;
}

static int
add_kv(case_block_t *b, const char *key, const char *value)
{
    case_kv_t *p = realloc(b->kv, (b->nkv + 1) * sizeof(*p));
    if (p == NULL)
        return -1;
    b->kv = p;
    p[b->nkv].key = key;
    p[b->nkv].value = value;
    b->nkv++;
    return 0;
}

/* One "key: value" line, split in place. */
static int
kv_line(case_file_t *cf, case_section_t *s, char *p, size_t line)
{
    char         *colon = strchr(p, ':');
    char         *v;
    case_block_t *b = &s->blocks[s->nblocks - 1];
    size_t        n;
    if (colon == NULL || colon == p) {
        fprintf(stderr, "%s:%zu: expected \"key: value\"\n", cf->path, line);
        return -1;
    }
    *colon = '\0';
    v = colon + 1;
    if (*v == ' ')
        v++;
    n = strlen(v);
    if (n > 0 && v[n - 1] == '\r')
        v[n - 1] = '\0';
    if (b->nkv == 0)
        b->line = line;
    return add_kv(b, p, v);
}

int
case_section_blocks(case_file_t *cf, case_section_t *s)
{
    char  *p = (char *)s->body;
    size_t line = s->body_line;
    bool   in_block = false;
    if (s->blocks != NULL || s->body_len == 0)
        return 0;
    while (*p != '\0') {
        char *nl = strchr(p, '\n');
        char *next = nl != NULL ? nl + 1 : p + strlen(p);
        if (nl != NULL)
            *nl = '\0';
        if (p[0] == '\0' || (p[0] == '\r' && p[1] == '\0')) {
            in_block = false;
        } else if (p[0] != '#') {
            if (!in_block) {
                case_block_t *nb = realloc(s->blocks, (s->nblocks + 1) * sizeof(*nb));
                if (nb == NULL)
                    return -1;
                s->blocks = nb;
                memset(&nb[s->nblocks++], 0, sizeof(*nb));
                in_block = true;
            }
            if (kv_line(cf, s, p, line) != 0)
                return -1;
        }
        line++;
        p = next;
    }
    return 0;
}

const char *
case_block_get(const case_block_t *b, const char *key)
{
    for (size_t i = 0; i < b->nkv; i++) {
        if (strcmp(b->kv[i].key, key) == 0)
            return b->kv[i].value;
    }
    return NULL;
}

void
case_file_free(case_file_t *cf)
{
    for (size_t i = 0; i < cf->nsections; i++) {
        for (size_t k = 0; k < cf->sections[i].nblocks; k++)
            free(cf->sections[i].blocks[k].kv);
        free(cf->sections[i].blocks);
    }
    free(cf->sections);
    free(cf->data);
    free(cf->path);
    memset(cf, 0, sizeof(*cf));
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the "*.case" files of a folder, sorted; NULL on error. */
static char **
case_names(const char *dir, size_t *n)
{
    DIR           *d = opendir(dir);
    struct dirent *e = NULL;
    char         **names = NULL;
    size_t         cap = 0;
    *n = 0;
    if (d == NULL)
        return NULL;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".case") != 0)
            continue;
        if (*n == cap) {
            char **bigger = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));
            if (bigger == NULL)
                break;
            names = bigger;
        }
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (names != NULL)
        qsort(names, *n, sizeof(*names), by_name);
    return names;
}

long
case_file_load_dir(const char *subdir, case_file_t *files, size_t max)
{
    char   dir[512];
    size_t n = 0, loaded = 0;
    int    bad = 0;
    char **names = NULL;
    snprintf(dir, sizeof(dir), "%s/%s", MAILAUTH_TEST_DATA, subdir);
    names = case_names(dir, &n);
    if (names == NULL || n == 0) {
        fprintf(stderr, "no case files in %s\n", dir);
        free(names);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char path[768];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i] != NULL ? names[i] : "");
        if (names[i] == NULL || loaded >= max || case_file_load(path, &files[loaded]) != 0) {
            fprintf(stderr, "cannot load %s\n", path);
            bad = 1;
        } else {
            loaded++;
        }
        free(names[i]);
    }
    free(names);
    return bad ? -1 : (long)loaded;
}
