/* Helpers shared by the report generation tests. */
#ifndef REPORT_GEN_SUPPORT_H
#define REPORT_GEN_SUPPORT_H

#include <stddef.h>

#include <mailauth/ctx.h>
#include <mailauth/dns.h>
#include <mailauth/sign.h>

/* Read a whole file (NUL-terminated); NULL when missing. */
char *rg_read_file(const char *path, size_t *len);
/* Write bytes to dir/name; 0 on success. */
int rg_write_file(const char *dir, const char *name, const void *p, size_t n);
/* The test signing key (tests/data/dkim_sign/rsa2048-pkcs8.pem). */
mailauth_key_t *rg_load_key(mailauth_ctx_t *ctx);
/* Zone lines publishing `key` at <selector>._domainkey.<domain>, TXT split in quoted pieces. */
char *rg_key_zone(const mailauth_key_t *key, const char *selector, const char *domain);
/* A zone resolver over `text`; aborts the test on error. */
mailauth_resolver_t *rg_zone(mailauth_ctx_t *ctx, const char *text);

#endif
