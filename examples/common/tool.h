/* Shared by the bundled programs (mailauth-check, mailauth-sign): reading
 * an input whole with a size cap, decimal numbers, usage errors and the
 * command-line walk ("--name", "--name=value", "--name value", "--", -h).
 * Messages go to stderr as "PROG: ...". Exit codes are sysexits.h's. */
#ifndef MAILAUTH_EXAMPLES_TOOL_H
#define MAILAUTH_EXAMPLES_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    TOOL_EXIT_OK = 0,
    TOOL_EXIT_USAGE = 64,  /* EX_USAGE */
    TOOL_EXIT_NOINPUT = 66 /* EX_NOINPUT */
};

/* Read path ("-" or NULL: stdin) whole into a malloc'd, NUL-terminated
 * buffer (*out, *len; the caller frees). More than max bytes, a missing or
 * unreadable file: "PROG: NAME: why" and TOOL_EXIT_NOINPUT, *out NULL. */
int tool_read_file(const char *prog, const char *path, size_t max, char **out, size_t *len);

/* Decimal digits only, at most max. */
bool tool_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* "PROG: what 'arg' (see --help)" (or without arg); returns TOOL_EXIT_USAGE. */
int tool_usage_error(const char *prog, const char *what, const char *arg);

/* One long option: its name without "--", an id for apply(), and whether
 * it takes a value (options without one get ""). */
struct tool_opt {
    const char *name;
    int         id;
    bool        has_arg;
};

struct tool_cli {
    const char            *prog;
    const struct tool_opt *opts;
    size_t                 nopts;
    int                    help_id; /* the option "-h" stands for */
    /* An option and its value; returns TOOL_EXIT_OK or the exit code. */
    int (*apply)(void *ud, int id, const char *arg);
    /* A word that is not an option (all words after "--"). */
    int (*operand)(void *ud, const char *word);
    void *ud;
};

/* Walk argv[1..argc): the first code other than TOOL_EXIT_OK is returned. */
int tool_parse_argv(const struct tool_cli *cli, int argc, char **argv);

#endif
