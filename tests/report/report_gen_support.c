/* Helpers shared by the report generation tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report_gen_support.h"

char *
rg_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long  n;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        p = malloc((size_t)n + 1);
        if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
            free(p);
            p = NULL;
        }
        if (p != NULL) {
            p[n] = '\0';
            if (len != NULL)
                *len = (size_t)n;
        }
    }
    fclose(f);
    return p;
}

int
rg_write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char  path[1024];
    FILE *f;
    int   rc;
    (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    rc = fwrite(p, 1, n, f) == n ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

mailauth_key_t *
rg_load_key(mailauth_ctx_t *ctx)
{
    size_t          len = 0;
    char           *pem = rg_read_file(MAILAUTH_TEST_DATA "/dkim_sign/rsa2048-pkcs8.pem", &len);
    mailauth_key_t *key = NULL;
    assert_non_null(pem);
    assert_int_equal(mailauth_key_load_pem(ctx, pem, len, &key), MAILAUTH_OK);
    free(pem);
    return key;
}

char *
rg_key_zone(const mailauth_key_t *key, const char *selector, const char *domain)
{
    char   rec[4096];
    size_t need = 0;
    char  *out;
    size_t o;
    size_t n;
    assert_int_equal(mailauth_key_format_dns_record(key, rec, sizeof(rec), &need), MAILAUTH_OK);
    n = strlen(rec);
    out = malloc(n * 2 + 512);
    assert_non_null(out);
    o = (size_t)sprintf(out, "%s._domainkey.%s TXT", selector, domain);
    for (size_t i = 0; i < n; i += 200) {
        size_t k = n - i < 200 ? n - i : 200;
        o += (size_t)sprintf(out + o, " \"%.*s\"", (int)k, rec + i);
    }
    (void)sprintf(out + o, "\n");
    return out;
}

mailauth_resolver_t *
rg_zone(mailauth_ctx_t *ctx, const char *text)
{
    mailauth_resolver_t *r = NULL;
    size_t               line = 0;
    assert_int_equal(mailauth_resolver_new_zone(ctx, text, strlen(text), &line, &r), MAILAUTH_OK);
    return r;
}
