/* Shared by the bundled programs: input files, numbers, the option walk. */
#include "tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
fail(const char *prog, const char *name, const char *why)
{
    fprintf(stderr, "%s: %s: %s\n", prog, name, why);
    return TOOL_EXIT_NOINPUT;
}

/* Everything from f into *buf; one byte past `max` is read at most, to
 * tell "exactly at the limit" from "too large". */
static int
slurp(FILE *f, const char *prog, const char *name, size_t max, char **buf, size_t *len)
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
                return fail(prog, name, "out of memory");
            *buf = p;
            cap = ncap;
        }
        got = fread(*buf + *len, 1, cap - *len, f);
        *len += got;
        if (*len > max) {
            char         why[64];
            const size_t mib = (size_t)1024 * 1024;
            if (max % mib == 0)
                (void)snprintf(why, sizeof(why), "too large (the limit is %zu MiB)", max / mib);
            else
                (void)snprintf(why, sizeof(why), "too large (the limit is %zu bytes)", max);
            return fail(prog, name, why);
        }
        if (got == 0) {
            if (ferror(f))
                return fail(prog, name, strerror(errno != 0 ? errno : EIO));
            break;
        }
    }
    (*buf)[*len] = '\0';
    return TOOL_EXIT_OK;
}

int
tool_read_file(const char *prog, const char *path, size_t max, char **out, size_t *len)
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
            return fail(prog, name, strerror(errno));
    }
    errno = 0;
    rc = slurp(f, prog, name, max, out, len);
    if (!is_stdin)
        (void)fclose(f);
    if (rc != TOOL_EXIT_OK) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return rc;
}

bool
tool_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

int
tool_usage_error(const char *prog, const char *what, const char *arg)
{
    if (arg != NULL)
        (void)fprintf(stderr, "%s: %s '%s' (see --help)\n", prog, what, arg);
    else
        (void)fprintf(stderr, "%s: %s (see --help)\n", prog, what);
    return TOOL_EXIT_USAGE;
}

/* One "--name", "--name=value" or "--name value" at argv[*i]. */
static int
parse_long(const struct tool_cli *cli, int argc, char **argv, int *i)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t      n = eq != NULL ? (size_t)(eq - name) : strlen(name);
    for (size_t k = 0; k < cli->nopts; k++) {
        const struct tool_opt *d = &cli->opts[k];
        const char            *arg = "";
        if (strlen(d->name) != n || strncmp(d->name, name, n) != 0)
            continue;
        if (!d->has_arg) {
            if (eq != NULL)
                return tool_usage_error(cli->prog, "option takes no value:", argv[*i]);
        } else if (eq != NULL) {
            arg = eq + 1;
        } else if (*i + 1 < argc) {
            arg = argv[++*i];
        } else {
            return tool_usage_error(cli->prog, "option needs a value:", argv[*i]);
        }
        return cli->apply(cli->ud, d->id, arg);
    }
    return tool_usage_error(cli->prog, "unknown option", argv[*i]);
}

int
tool_parse_argv(const struct tool_cli *cli, int argc, char **argv)
{
    bool opts_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int         rc = TOOL_EXIT_OK;
        if (!opts_done && strcmp(a, "--") == 0)
            opts_done = true;
        else if (!opts_done && strncmp(a, "--", 2) == 0)
            rc = parse_long(cli, argc, argv, &i);
        else if (!opts_done && strcmp(a, "-h") == 0)
            rc = cli->apply(cli->ud, cli->help_id, "");
        else if (!opts_done && a[0] == '-' && a[1] != '\0')
            rc = tool_usage_error(cli->prog, "unknown option", a);
        else
            rc = cli->operand(cli->ud, a);
        if (rc != TOOL_EXIT_OK)
            return rc;
    }
    return TOOL_EXIT_OK;
}
