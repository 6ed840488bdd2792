/* mailauth-sign keygen: make a signing key, write it (mode 0600) and print
 * the DNS TXT record that publishes it.
 *
 * The library makes the key (mailauth_key_generate) and writes its PEM;
 * the record and its owner come from the library too (record.c). Nothing
 * is written when the domain or selector is refused, and an existing file
 * is never overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sign_tool.h"

/* Create `path` (never an existing file or link), mode 0600 whatever the
 * umask, and write the key into it. */
static int
write_key_file(const char *path, const char *pem, size_t len)
{
    int    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    int    err = 0;
    size_t off = 0;
    if (fd < 0) {
        fprintf(stderr, "%s: keygen: %s: %s%s\n", SIGN_PROG, path, strerror(errno),
                errno == EEXIST ? " (a key file is never overwritten)" : "");
        return SIGN_EXIT_CANTCREAT;
    }
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0)
        err = errno;
    while (err == 0 && off < len) {
        ssize_t n = write(fd, pem + off, len - off);
        if (n < 0 && errno != EINTR)
            err = errno;
        else if (n > 0)
            off += (size_t)n;
    }
    if (fsync(fd) != 0 && err == 0)
        err = errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    if (err != 0) {
        fprintf(stderr, "%s: keygen: %s: %s\n", SIGN_PROG, path, strerror(err));
        unlink(path);
        return SIGN_EXIT_CANTCREAT;
    }
    return SIGN_EXIT_OK;
}

/* The key's PEM text in a buffer of its size (freed with wipe_free). */
static char *
key_pem(const mailauth_key_t *key, size_t *len)
{
    size_t            need = 0;
    char             *pem = NULL;
    mailauth_status_t st = mailauth_key_format_pem(key, NULL, 0, &need);
    if (st == MAILAUTH_ENOSPC && (pem = malloc(need + 1)) != NULL)
        st = mailauth_key_format_pem(key, pem, need + 1, len);
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "%s: keygen: cannot write the key: %s\n", SIGN_PROG, mailauth_strerror(st));
        free(pem);
        return NULL;
    }
    return pem;
}

/* The private key leaves no copy in freed memory. */
static void
wipe_free(char *p, size_t len)
{
    volatile char *v = p;
    for (size_t i = 0; p != NULL && i < len; i++)
        v[i] = 0;
    free(p);
}

/* Find the record's owner (which checks the domain and selector), then
 * write the file and print the record. */
static int
publish(const struct sign_opts *o, mailauth_ctx_t *ctx, const mailauth_key_t *key)
{
    char  *owner = NULL;
    char  *pem = NULL;
    size_t len = 0;
    int    rc = sign_record_owner(ctx, key, o->domain, o->selector, &owner);
    if (rc == SIGN_EXIT_OK && (pem = key_pem(key, &len)) == NULL)
        rc = SIGN_EXIT_SOFTWARE;
    if (rc == SIGN_EXIT_OK)
        rc = write_key_file(o->out, pem, len);
    if (rc == SIGN_EXIT_OK)
        rc = sign_print_record(key, owner);
    wipe_free(pem, len);
    free(owner);
    return rc;
}

int
sign_run_keygen(const struct sign_opts *o)
{
    mailauth_ctx_t   *ctx = NULL;
    mailauth_key_t   *key = NULL;
    mailauth_status_t st = mailauth_ctx_new(NULL, &ctx);
    int               rc = SIGN_EXIT_SOFTWARE;
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "%s: cannot create a context: %s\n", SIGN_PROG, mailauth_strerror(st));
        return SIGN_EXIT_SOFTWARE;
    }
    st = mailauth_key_generate(ctx, o->alg, o->bits, &key);
    if (st == MAILAUTH_OK)
        rc = publish(o, ctx, key);
    else
        fprintf(stderr, "%s: keygen: cannot make the key: %s\n", SIGN_PROG, mailauth_strerror(st));
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
    return rc;
}
