/* Test support for ARC sealing tests (see arc_keys.h). */
#include "support/arc_keys.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint64_t
wall_clock(void *ud, mailauth_clock_kind_t kind)
{
    const int64_t *now = ud;
    return kind == MAILAUTH_CLOCK_WALL ? (uint64_t)*now * 1000u : 1000000u;
}

mailauth_status_t
arc_try_load_key(mailauth_ctx_t *ctx, const char *file, mailauth_key_t **key)
{
    char              path[512];
    FILE             *f = NULL;
    char             *pem = NULL;
    long              n = 0;
    mailauth_status_t st = MAILAUTH_OK;
    snprintf(path, sizeof(path), "%s/keys/%s", MAILAUTH_TEST_DATA, file);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    rewind(f);
    pem = malloc((size_t)n + 1);
    assert_non_null(pem);
    assert_int_equal(fread(pem, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    st = mailauth_key_load_pem(ctx, pem, (size_t)n, key);
    free(pem);
    return st;
}

mailauth_key_t *
arc_load_key(mailauth_ctx_t *ctx, const char *file)
{
    mailauth_key_t *key = NULL;
    assert_int_equal(arc_try_load_key(ctx, file, &key), MAILAUTH_OK);
    return key;
}

static void
zone_add_line(char **zone, size_t *len, const char *line)
{
    size_t n = strlen(line);
    char  *z = realloc(*zone, *len + n + 1);
    assert_non_null(z);
    memcpy(z + *len, line, n + 1);
    *zone = z;
    *len += n;
}

/* "<owner> TXT "..."" for a key, appended to *zone (realloc'ed). */
static void
zone_add_key(char **zone, size_t *len, const mailauth_key_t *key, const char *owner)
{
    char   rec[2048], line[2400];
    size_t need = 0, at = 0;
    assert_int_equal(mailauth_key_format_dns_record(key, rec, sizeof(rec), &need), MAILAUTH_OK);
    at = (size_t)snprintf(line, sizeof(line), "%s TXT", owner);
    for (size_t i = 0; i < need; i += 200) /* TXT strings of at most 255 octets */
        at += (size_t)snprintf(line + at, sizeof(line) - at, " \"%.200s\"", rec + i);
    snprintf(line + at, sizeof(line) - at, "\n");
    zone_add_line(zone, len, line);
}

const char *
arc_test_zone(void)
{
    static char  *zone;
    static size_t len;
    if (zone == NULL) {
        mailauth_ctx_t *ctx = NULL;
        mailauth_key_t *rsa = NULL, *ed = NULL;
        char            owner[64];
        assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
        rsa = arc_load_key(ctx, ARC_KEY_RSA);
        ed = arc_load_key(ctx, ARC_KEY_ED);
        zone_add_key(&zone, &len, rsa, "arc._domainkey.hop1.example");
        zone_add_key(&zone, &len, ed, "arc._domainkey.hop2.example");
        zone_add_key(&zone, &len, rsa, "arc._domainkey.hop3.example");
        for (int i = 1; i <= 50; i++) {
            snprintf(owner, sizeof(owner), "s%d._domainkey.many.example", i);
            zone_add_key(&zone, &len, rsa, owner);
        }
        zone_add_line(&zone, &len, "arc._domainkey.temp.example TXT TIMEOUT\n");
        mailauth_key_free(rsa);
        mailauth_key_free(ed);
        mailauth_ctx_free(ctx);
    }
    return zone;
}

char *
arc_test_seal(const char *keyfile, const char *domain, const char *selector, const char *msg,
              int cv, int64_t now, unsigned *instance)
{
    mailauth_ctx_t        *ctx = NULL;
    mailauth_key_t        *key = NULL;
    mailauth_arc_sealer_t *s = NULL;
    size_t                 need = 0, len = strlen(msg);
    char                   id[300];
    char                  *out = NULL;
    mailauth_status_t      st = MAILAUTH_OK;
    snprintf(id, sizeof(id), "mx.%s", domain);
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_clock(ctx, wall_clock, &now), MAILAUTH_OK);
    key = arc_load_key(ctx, keyfile);
    assert_int_equal(mailauth_arc_sealer_new(ctx, key, domain, selector, id, &s), MAILAUTH_OK);
    if (cv >= 0)
        assert_int_equal(mailauth_arc_sealer_set_chain(s, (mailauth_verdict_t)cv), MAILAUTH_OK);
    assert_int_equal(mailauth_arc_sealer_message(s, msg, len), MAILAUTH_OK);
    st = mailauth_arc_sealer_end_message(s);
    if (st != MAILAUTH_OK)
        fail_msg("end_message: %s", mailauth_status_name(st));
    *instance = mailauth_arc_sealer_instance(s);
    /* snprintf-like: with no room even "" does not fit its NUL */
    assert_int_equal(mailauth_arc_sealer_format(s, NULL, 0, &need), MAILAUTH_ENOSPC);
    out = malloc(need + 2 + len + 1);
    assert_non_null(out);
    assert_int_equal(mailauth_arc_sealer_format(s, out, need + 1, &need), MAILAUTH_OK);
    if (need > 0)
        memcpy(out + need, "\r\n", 3);
    strcat(out, msg);
    mailauth_arc_sealer_free(s);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
    return out;
}
