/* The message set: a manifest naming message files and their envelopes.
 *
 *   # comment
 *   FILE  CLIENT_IP  HELO  MAIL_FROM
 *
 * FILE is relative to the manifest's folder unless it starts with '/';
 * MAIL_FROM "<>" is the null sender. Each file is read once; many messages
 * in flight may come from the same line. */
#include <stdlib.h>
#include <string.h>

#include "event_loop.h"

#define MAX_FILE_BYTES ((size_t)64 * 1024 * 1024)

/* Read a whole file into a NUL-terminated buffer. */
static char *
slurp(const char *path, size_t *len)
{
    FILE  *f = fopen(path, "rb");
    char  *buf = NULL, *p;
    size_t cap = 0, n = 0, got;
    if (f == NULL)
        return NULL;
    do {
        if (n + 1 >= cap) {
            cap = cap == 0 ? 8192 : cap * 2;
            if (cap > MAX_FILE_BYTES || (p = realloc(buf, cap)) == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    } else {
        buf[n] = '\0';
        *len = n;
    }
    fclose(f);
    return buf;
}

static char *
dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char  *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* The folder part of a path, with its final '/', or "" for a bare name. */
static size_t
dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == NULL ? 0 : (size_t)(slash - path) + 1;
}

/* Split a line into at most `max` blank-separated words, in place; a '#'
 * starts a comment. Returns the number of words. */
static size_t
split_words(char *line, char **words, size_t max)
{
    size_t n = 0;
    char  *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == '\0' || *p == '#')
            return n;
        if (n == max)
            return max + 1;
        words[n++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (*p != '\0')
            *p++ = '\0';
    }
}

/* Fill one source from the words of a manifest line. */
static int
load_source(struct el_source *s, const char *manifest, char **w)
{
    size_t dl = w[0][0] == '/' ? 0 : dir_len(manifest), n = strlen(w[0]);
    char  *path = malloc(dl + n + 1);
    if (path == NULL)
        return EL_EXIT_SOFTWARE;
    memcpy(path, manifest, dl);
    memcpy(path + dl, w[0], n + 1);
    s->bytes = slurp(path, &s->len);
    if (s->bytes == NULL) {
        fprintf(stderr, "%s: cannot read %s\n", EL_PROG, path);
        free(path);
        return EL_EXIT_NOINPUT;
    }
    free(path);
    s->name = dup_str(w[0]);
    s->ip = dup_str(w[1]);
    s->helo = dup_str(w[2]);
    s->mail_from = dup_str(strcmp(w[3], "<>") == 0 ? "" : w[3]);
    if (s->name == NULL || s->ip == NULL || s->helo == NULL || s->mail_from == NULL)
        return EL_EXIT_SOFTWARE;
    return EL_EXIT_OK;
}

int
el_manifest_load(struct el_app *app, const char *path)
{
    size_t len = 0, lineno = 0, cap = 0;
    char  *text = slurp(path, &len), *line, *next;
    int    rc = EL_EXIT_OK;
    if (text == NULL) {
        fprintf(stderr, "%s: cannot read manifest %s\n", EL_PROG, path);
        return EL_EXIT_NOINPUT;
    }
    for (line = text; rc == EL_EXIT_OK && line != NULL; line = next) {
        char  *w[4];
        size_t n;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        n = split_words(line, w, 4);
        if (n == 0)
            continue;
        if (n != 4) {
            fprintf(stderr, "%s: %s:%zu: want FILE IP HELO MAIL_FROM\n", EL_PROG, path, lineno);
            rc = EL_EXIT_USAGE;
            break;
        }
        if (app->nsrcs == cap) {
            struct el_source *p;
            cap = cap == 0 ? 64 : cap * 2;
            p = realloc(app->srcs, cap * sizeof(*p));
            if (p == NULL) {
                rc = EL_EXIT_SOFTWARE;
                break;
            }
            app->srcs = p;
        }
        memset(&app->srcs[app->nsrcs], 0, sizeof(app->srcs[0]));
        rc = load_source(&app->srcs[app->nsrcs++], path, w);
    }
    free(text);
    if (rc == EL_EXIT_OK && app->nsrcs == 0) {
        fprintf(stderr, "%s: %s: no messages\n", EL_PROG, path);
        rc = EL_EXIT_USAGE;
    }
    return rc;
}

void
el_manifest_free(struct el_app *app)
{
    for (size_t i = 0; i < app->nsrcs; i++) {
        struct el_source *s = &app->srcs[i];
        free(s->name);
        free(s->bytes);
        free(s->ip);
        free(s->helo);
        free(s->mail_from);
    }
    free(app->srcs);
    app->srcs = NULL;
    app->nsrcs = 0;
}
