/* mailauth-check: the messages of the input. A FILE that starts with a
 * "From " line is an mbox; a folder with cur/ or new/ is a Maildir;
 * anything else is one message.
 *
 * mbox is read as mboxrd: every line that starts with "From " begins a
 * message (its From_ line is dropped), the empty line before it ends the
 * previous one, and a body line ">From ", ">>From ", ... loses one '>'.
 * For mboxo files this gives back every line the writer quoted; a body
 * line that already read ">From " before mboxo quoting cannot be told
 * apart, so it loses its '>' too (and a DKIM body hash over it fails). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"

struct msgbuf {
    char  *p;
    size_t len, cap;
};

static int
too_large(const char *name)
{
    fprintf(stderr, "%s: %s: too large (the limit is %zu MiB)\n", CHECK_PROG, name,
            CHECK_MAX_INPUT / ((size_t)1024 * 1024));
    return CHECK_EXIT_NOINPUT;
}

static int
append(struct msgbuf *b, const char *s, size_t n, const char *name)
{
    if (n > CHECK_MAX_INPUT - b->len)
        return too_large(name);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap > 0 ? b->cap : (size_t)64 * 1024;
        char  *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        if ((p = realloc(b->p, cap)) == NULL) {
            fprintf(stderr, "%s: %s: out of memory\n", CHECK_PROG, name);
            return CHECK_EXIT_SOFTWARE;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return CHECK_EXIT_OK;
}

/* getline() bounded by CHECK_MAX_INPUT: -1 at the end (or on an error,
 * ferror tells), -2 for a longer line. */
static ssize_t
read_line(FILE *f, char **line, size_t *cap)
{
    size_t n = 0;
    int    c;
    while ((c = getc_unlocked(f)) != EOF) {
        if (n + 2 > *cap) {
            size_t ncap = *cap > 0 ? *cap * 2 : 1024;
            char  *p;
            if (n > CHECK_MAX_INPUT)
                return -2;
            if ((p = realloc(*line, ncap)) == NULL)
                return -1;
            *line = p;
            *cap = ncap;
        }
        (*line)[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return -1;
    (*line)[n] = '\0';
    return (ssize_t)n;
}

static bool
is_from_line(const char *s, size_t n)
{
    return n >= 5 && memcmp(s, "From ", 5) == 0;
}

/* One mbox message: the separating empty line at its end is not its own. */
static int
mbox_flush(struct msgbuf *b, const char *name, size_t *index, check_message_fn fn, void *ud)
{
    size_t len = b->len;
    if (len >= 2 && b->p[len - 1] == '\n' && b->p[len - 2] == '\n')
        len--;
    else if (len >= 4 && memcmp(b->p + len - 4, "\r\n\r\n", 4) == 0)
        len -= 2;
    if (b->p == NULL && append(b, "", 0, name) != CHECK_EXIT_OK)
        return CHECK_EXIT_SOFTWARE;
    b->p[len] = '\0';
    return fn(ud, name, (*index)++, true, b->p, len);
}

/* The rest of an mbox whose first From_ line was read. */
static int
read_mbox(FILE *f, const char *name, char **line, size_t *linecap, check_message_fn fn, void *ud)
{
    struct msgbuf b = {0};
    size_t        index = 0;
    ssize_t       n = 0;
    int           rc = CHECK_EXIT_OK;
    while (rc == CHECK_EXIT_OK && (n = read_line(f, line, linecap)) >= 0) {
        const char *s = *line;
        size_t      k = 0;
        if (is_from_line(s, (size_t)n)) {
            rc = mbox_flush(&b, name, &index, fn, ud);
            b.len = 0;
            continue;
        }
        while (k < (size_t)n && s[k] == '>')
            k++;
        if (k > 0 && is_from_line(s + k, (size_t)n - k))
            s++, n--; /* mboxrd: >From -> From, >>From -> >From */
        rc = append(&b, s, (size_t)n, name);
    }
    if (rc == CHECK_EXIT_OK && n == -2)
        rc = too_large(name);
    if (rc == CHECK_EXIT_OK && ferror(f)) {
        fprintf(stderr, "%s: %s: %s\n", CHECK_PROG, name, strerror(errno));
        rc = CHECK_EXIT_NOINPUT;
    }
    if (rc == CHECK_EXIT_OK)
        rc = mbox_flush(&b, name, &index, fn, ud);
    free(b.p);
    return rc;
}

/* A single message whose first line (`first`, n bytes) was read. */
static int
read_single(FILE *f, const char *name, const char *first, size_t n, check_message_fn fn, void *ud)
{
    struct msgbuf b = {0};
    char          chunk[65536];
    size_t        got;
    int           rc = append(&b, first, n, name);
    while (rc == CHECK_EXIT_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = append(&b, chunk, got, name);
    if (rc == CHECK_EXIT_OK && ferror(f)) {
        fprintf(stderr, "%s: %s: %s\n", CHECK_PROG, name, strerror(errno));
        rc = CHECK_EXIT_NOINPUT;
    }
    if (rc == CHECK_EXIT_OK)
        rc = fn(ud, name, 0, false, b.p, b.len);
    free(b.p);
    return rc;
}

static int
read_stream(FILE *f, const char *name, check_message_fn fn, void *ud)
{
    char   *line = NULL;
    size_t  cap = 0;
    ssize_t n;
    int     rc;
    errno = 0;
    n = read_line(f, &line, &cap);
    if (n == -2) {
        rc = too_large(name);
    } else if (n < 0 && ferror(f)) {
        fprintf(stderr, "%s: %s: %s\n", CHECK_PROG, name, strerror(errno != 0 ? errno : EIO));
        rc = CHECK_EXIT_NOINPUT;
    } else if (n > 0 && is_from_line(line, (size_t)n)) {
        rc = read_mbox(f, name, &line, &cap, fn, ud);
    } else {
        rc = read_single(f, name, n > 0 ? line : "", n > 0 ? (size_t)n : 0, fn, ud);
    }
    free(line);
    return rc;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file names of one Maildir subfolder (no dot files), sorted. */
static int
list_dir(const char *dir, char ***names, size_t *n)
{
    DIR           *d = opendir(dir);
    struct dirent *e;
    size_t         cap = 0;
    if (d == NULL)
        return errno == ENOENT ? CHECK_EXIT_OK : CHECK_EXIT_NOINPUT;
    while ((e = readdir(d)) != NULL) {
        char *copy;
        if (e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            char **p = realloc(*names, (cap = cap > 0 ? cap * 2 : 64) * sizeof(*p));
            if (p == NULL)
                break;
            *names = p;
        }
        if ((copy = strdup(e->d_name)) == NULL)
            break;
        (*names)[(*n)++] = copy;
    }
    closedir(d);
    if (e != NULL)
        return CHECK_EXIT_SOFTWARE;
    if (*n > 0)
        qsort(*names, *n, sizeof(**names), by_name);
    return CHECK_EXIT_OK;
}

static int
read_maildir_sub(const char *root, const char *sub, size_t *index, check_message_fn fn, void *ud)
{
    char   dir[4096], path[4096 + 256];
    char **names = NULL;
    size_t n = 0;
    int    rc;
    (void)snprintf(dir, sizeof(dir), "%s/%s", root, sub);
    rc = list_dir(dir, &names, &n);
    if (rc != CHECK_EXIT_OK)
        fprintf(stderr, "%s: %s: cannot list the folder\n", CHECK_PROG, dir);
    for (size_t i = 0; i < n; i++) {
        char  *msg = NULL;
        size_t len = 0;
        (void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (rc == CHECK_EXIT_OK)
            rc = check_read_input(path, &msg, &len);
        if (rc == CHECK_EXIT_OK)
            rc = fn(ud, path, (*index)++, true, msg, len);
        free(msg);
        free(names[i]);
    }
    free(names);
    return rc;
}

static bool
is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
check_each_message(const char *input, check_message_fn fn, void *ud)
{
    FILE  *f;
    char   sub[4096];
    size_t index = 0;
    int    rc;
    if (input == NULL || strcmp(input, "-") == 0)
        return read_stream(stdin, "stdin", fn, ud);
    if (is_dir(input)) {
        bool maildir = false;
        (void)snprintf(sub, sizeof(sub), "%s/cur", input);
        maildir |= is_dir(sub);
        (void)snprintf(sub, sizeof(sub), "%s/new", input);
        maildir |= is_dir(sub);
        if (!maildir) {
            fprintf(stderr, "%s: %s: a folder, but not a Maildir (no cur/ or new/)\n", CHECK_PROG,
                    input);
            return CHECK_EXIT_NOINPUT;
        }
        rc = read_maildir_sub(input, "new", &index, fn, ud);
        return rc == CHECK_EXIT_OK ? read_maildir_sub(input, "cur", &index, fn, ud) : rc;
    }
    if ((f = fopen(input, "rb")) == NULL) {
        fprintf(stderr, "%s: %s: %s\n", CHECK_PROG, input, strerror(errno));
        return CHECK_EXIT_NOINPUT;
    }
    rc = read_stream(f, input, fn, ud);
    (void)fclose(f);
    return rc;
}
