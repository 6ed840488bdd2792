/* mailauth-sign keygen: make a signing key, write it (mode 0600) and print
 * the DNS TXT record that publishes it.
 *
 * The library loads keys but does not make them, so the key is made here
 * with OpenSSL (the one place of the tool that uses it); it is then loaded
 * through the library like any --key file, so that what is written is a key
 * mailauth-sign dkim accepts, and the record and its owner come from the
 * library (record.c). Nothing is written when the domain or selector is
 * refused, and an existing file is never overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sign_tool.h"

/* The new private key as PKCS#8 PEM ("BEGIN PRIVATE KEY"), in a memory BIO. */
static BIO *
make_key_pem(const struct sign_opts *o)
{
    EVP_PKEY *pkey = o->alg == MAILAUTH_KEY_RSA
                         ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)o->bits)
                         : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO      *bio = pkey != NULL ? BIO_new(BIO_s_mem()) : NULL;
    if (bio != NULL && PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
        BIO_free(bio);
        bio = NULL;
    }
    EVP_PKEY_free(pkey);
    if (bio == NULL)
        fprintf(stderr, "%s: keygen: OpenSSL could not make the key\n", SIGN_PROG);
    return bio;
}

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

/* Load the PEM through the library, find the record's owner (which checks
 * the domain and selector), then write the file and print the record. */
static int
publish(const struct sign_opts *o, mailauth_ctx_t *ctx, const char *pem, size_t len)
{
    mailauth_key_t   *key = NULL;
    char             *owner = NULL;
    mailauth_status_t st = mailauth_key_load_pem(ctx, pem, len, &key);
    int               rc = SIGN_EXIT_OK;
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "%s: keygen: the new key does not load: %s\n", SIGN_PROG,
                mailauth_strerror(st));
        return SIGN_EXIT_SOFTWARE;
    }
    rc = sign_record_owner(ctx, key, o->domain, o->selector, &owner);
    if (rc == SIGN_EXIT_OK)
        rc = write_key_file(o->out, pem, len);
    if (rc == SIGN_EXIT_OK)
        rc = sign_print_record(key, owner);
    free(owner);
    mailauth_key_free(key);
    return rc;
}

int
sign_run_keygen(const struct sign_opts *o)
{
    mailauth_ctx_t   *ctx = NULL;
    BIO              *bio = NULL;
    char             *pem = NULL;
    long              len = 0;
    mailauth_status_t st = mailauth_ctx_new(NULL, &ctx);
    int               rc = SIGN_EXIT_SOFTWARE;
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "%s: cannot create a context: %s\n", SIGN_PROG, mailauth_strerror(st));
        return SIGN_EXIT_SOFTWARE;
    }
    bio = make_key_pem(o);
    if (bio != NULL)
        len = BIO_get_mem_data(bio, &pem);
    if (bio != NULL && len > 0)
        rc = publish(o, ctx, pem, (size_t)len);
    if (pem != NULL && len > 0)
        OPENSSL_cleanse(pem, (size_t)len); /* the private key leaves no copy in freed memory */
    BIO_free(bio);
    mailauth_ctx_free(ctx);
    return rc;
}
