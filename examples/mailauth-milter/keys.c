/* mailauth-milter: the keys of `sign` and `seal` lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter.h"

#define KEY_FILE_MAX (64u * 1024u) /* a PEM private key is a few KB */

/* Read a whole small file; NULL with errno set. */
static char *
read_small(const char *path, size_t *len)
{
    FILE  *f = fopen(path, "r");
    char  *buf;
    size_t n;
    if (f == NULL)
        return NULL;
    buf = malloc(KEY_FILE_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        errno = ENOMEM;
        return NULL;
    }
    n = fread(buf, 1, KEY_FILE_MAX + 1, f);
    if (ferror(f) || n > KEY_FILE_MAX) {
        int e = ferror(f) ? errno : EFBIG;
        free(buf);
        fclose(f);
        errno = e != 0 ? e : EIO;
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool
load_one(struct ma_keyspec *k, const char *what, mailauth_ctx_t *ctx, struct ma_errors *errs)
{
    size_t            len = 0;
    char             *pem = read_small(k->path, &len);
    mailauth_status_t st;
    if (pem == NULL) {
        ma_error_add(errs, k->line, "%s: %s: cannot read the key file: %s", what, k->path,
                     strerror(errno));
        return false;
    }
    st = mailauth_key_load_pem(ctx, pem, len, &k->key);
    memset(pem, 0, len); /* the private key does not stay in freed memory */
    free(pem);
    if (st != MAILAUTH_OK) {
        ma_error_add(errs, k->line,
                     "%s: %s: not a usable private key (PEM, RSA >= 1024 bits or "
                     "Ed25519): %s",
                     what, k->path, mailauth_strerror(st));
        return false;
    }
    return true;
}

bool
ma_keys_load(struct ma_config *c, mailauth_ctx_t *ctx, struct ma_errors *errs)
{
    bool ok = true;
    for (size_t i = 0; i < c->n_sign; i++)
        ok = load_one(&c->sign[i], "sign", ctx, errs) && ok;
    if (c->seal != NULL)
        ok = load_one(c->seal, "seal", ctx, errs) && ok;
    return ok;
}

void
ma_keys_free(struct ma_config *c)
{
    for (size_t i = 0; i < c->n_sign; i++) {
        mailauth_key_free(c->sign[i].key);
        c->sign[i].key = NULL;
    }
    if (c->seal != NULL) {
        mailauth_key_free(c->seal->key);
        c->seal->key = NULL;
    }
}

bool
ma_domain_matches(const char *pattern, const char *domain)
{
    size_t plen, dlen = strlen(domain);
    if (dlen > 0 && domain[dlen - 1] == '.')
        dlen--;
    if (pattern[0] == '*' && pattern[1] == '.') {
        /* *.example.org: any name below example.org, not example.org itself */
        const char *parent = pattern + 2;
        plen = strlen(parent);
        return dlen > plen + 1 && domain[dlen - plen - 1] == '.' &&
               ma_strneq_ci(domain + dlen - plen, parent, plen);
    }
    plen = strlen(pattern);
    return plen == dlen && ma_strneq_ci(pattern, domain, dlen);
}
