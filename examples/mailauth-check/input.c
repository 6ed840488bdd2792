/* mailauth-check: read a message or zone file whole, with a size cap. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int
fail(const char *name, const char *why)
{
    fprintf(stderr, "%s: %s: %s\n", CHECK_PROG, name, why);
    return CHECK_EXIT_NOINPUT;
}

/* Read everything from f into *buf (grown as needed). At most one byte past
 * the cap is read, to tell "exactly at the limit" from "too large". */
static int
slurp(FILE *f, const char *name, char **buf, size_t *len)
{
    const size_t hard = CHECK_MAX_INPUT + 1;
    size_t cap = 0;
    *buf = NULL;
    *len = 0;
    for (;;) {
        size_t got;
        if (*len == cap) {
            size_t ncap = cap == 0 ? 64 * 1024 : cap * 2;
            char *p;
            if (ncap > hard)
                ncap = hard;
            p = realloc(*buf, ncap + 1); /* + 1: the final NUL */
            if (p == NULL)
                return fail(name, "out of memory");
            *buf = p;
            cap = ncap;
        }
        got = fread(*buf + *len, 1, cap - *len, f);
        *len += got;
        if (*len > CHECK_MAX_INPUT)
            return fail(name, "too large (the limit is 64 MiB)");
        if (got == 0) {
            if (ferror(f))
                return fail(name, strerror(errno != 0 ? errno : EIO));
            break;
        }
    }
    (*buf)[*len] = '\0';
    return CHECK_EXIT_OK;
}

int
check_read_input(const char *path, char **out, size_t *len)
{
    bool is_stdin = path == NULL || strcmp(path, "-") == 0;
    const char *name = is_stdin ? "stdin" : path;
    FILE *f = stdin;
    int rc;
    *out = NULL;
    *len = 0;
    if (!is_stdin) {
        f = fopen(path, "rb");
        if (f == NULL)
            return fail(name, strerror(errno));
    }
    errno = 0;
    rc = slurp(f, name, out, len);
    if (!is_stdin)
        fclose(f);
    if (rc != CHECK_EXIT_OK) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return rc;
}
