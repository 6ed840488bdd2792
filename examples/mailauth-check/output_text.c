/* mailauth-check: the Authentication-Results field as text. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef mailauth_status_t (*format_fn)(const mailauth_authres_t *, char *, size_t, size_t *);

/* Run an snprintf-like formatter into a new malloc'ed string. */
static char *
format_alloc(format_fn fn, const mailauth_authres_t *ar)
{
    size_t need = 0;
    char *buf;
    mailauth_status_t st = fn(ar, NULL, 0, &need);
    if (st != MAILAUTH_OK && st != MAILAUTH_ENOSPC)
        return NULL;
    buf = malloc(need + 1);
    if (buf == NULL)
        return NULL;
    if (fn(ar, buf, need + 1, NULL) != MAILAUTH_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

char *
check_authres_line(const mailauth_authres_t *ar)
{
    static const char name[] = "Authentication-Results: ";
    char *value = format_alloc(mailauth_authres_format_value, ar);
    const char *v = value;
    char *line;
    size_t vlen;
    if (value == NULL)
        return NULL;
    while (*v == ' ' || *v == '\t')
        v++;
    vlen = strlen(v);
    line = malloc(sizeof(name) + vlen);
    if (line != NULL) {
        memcpy(line, name, sizeof(name) - 1);
        memcpy(line + sizeof(name) - 1, v, vlen + 1);
    }
    free(value);
    return line;
}

int
check_print_text(FILE *f, const mailauth_authres_t *ar)
{
    char *field = format_alloc(mailauth_authres_format, ar);
    if (field == NULL) {
        fprintf(stderr, "%s: cannot format the Authentication-Results field\n", CHECK_PROG);
        return CHECK_EXIT_SOFTWARE;
    }
    /* The library folds with CRLF (the wire form); a terminal and a pipe want LF. */
    for (const char *p = field; *p != '\0'; p++) {
        if (p[0] == '\r' && p[1] == '\n')
            continue;
        putc(*p, f);
    }
    putc('\n', f);
    free(field);
    return CHECK_EXIT_OK;
}
