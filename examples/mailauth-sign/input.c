/* mailauth-sign: read a message or key file whole, with a size cap. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sign_tool.h"

static int
fail(const char *name, const char *why)
{
    fprintf(stderr, "%s: %s: %s\n", SIGN_PROG, name, why);
    return SIGN_EXIT_NOINPUT;
}

/* Everything from f into *buf; one byte past `max` is read at most, to
 * tell "exactly at the limit" from "too large". */
static int
slurp(FILE *f, const char *name, size_t max, char **buf, size_t *len)
{
    size_t cap = 0;
    for (;;) {
        size_t got;
        if (*len == cap) {
            size_t ncap = cap == 0 ? (size_t)64 * 1024 : cap * 2;
            char  *p;
            if (ncap > max + 1)
                ncap = max + 1;
            p = realloc(*buf, ncap + 1); /* + 1: the final NUL */
            if (p == NULL)
                return fail(name, "out of memory");
            *buf = p;
            cap = ncap;
        }
        got = fread(*buf + *len, 1, cap - *len, f);
        *len += got;
        if (*len > max)
            return fail(name, "too large");
        if (got == 0) {
            if (ferror(f))
                return fail(name, strerror(errno != 0 ? errno : EIO));
            break;
        }
    }
    (*buf)[*len] = '\0';
    return SIGN_EXIT_OK;
}

int
sign_read_file(const char *path, size_t max, char **out, size_t *len)
{
    bool        is_stdin = path == NULL || strcmp(path, "-") == 0;
    const char *name = is_stdin ? "stdin" : path;
    FILE       *f = stdin;
    int         rc;
    *out = NULL;
    *len = 0;
    if (!is_stdin) {
        f = fopen(path, "rb");
        if (f == NULL)
            return fail(name, strerror(errno));
    }
    errno = 0;
    rc = slurp(f, name, max, out, len);
    if (!is_stdin)
        fclose(f);
    if (rc != SIGN_EXIT_OK) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return rc;
}
