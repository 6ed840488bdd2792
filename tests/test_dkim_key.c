/* dkim_key: DKIM key records (lib/dkim/dkim_key.c). Cases in
 * tests/data/dkim/key.case; records from the shared RFC 6376 / RFC 8463 /
 * dkimpy / Stalwart test data are read in place, as the conformance group
 * (support/testdata.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "dkim/dkim.h"
#include "support/case_tests.h"
#include "support/testdata.h"

/* The line of `data` that starts with `owner` and a blank, or NULL. */
static const char *
owner_line(const char *data, const char *owner)
{
    size_t      n = strlen(owner);
    const char *p = data;
    while (p != NULL && *p != '\0') {
        if (strncasecmp(p, owner, n) == 0 && (p[n] == ' ' || p[n] == '\t'))
            return p + n;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return NULL;
}

/* Zone-file TXT rdata: quoted strings (\" \\ \DDD) joined, to the end of the line. */
static char *
zone_txt(const char *p, size_t *len)
{
    char  *out = malloc(strlen(p) + 1);
    size_t o = 0;
    bool   in = false;
    for (; *p != '\0' && *p != '\n'; p++) {
        if (*p == '"') {
            in = !in;
        } else if (in && *p == '\\' && p[1] >= '0' && p[1] <= '9') {
            out[o++] = (char)((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
            p += 3;
        } else if (in && *p == '\\') {
            out[o++] = *++p;
        } else if (in) {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

/* Whether a case reads its record from the shared test data. */
static bool
reads_testdata(const case_block_t *b)
{
    return case_block_get(b, "file") != NULL || case_block_get(b, "zone") != NULL ||
           case_block_get(b, "stalwart") != NULL;
}

/* The record of a case, malloc'd. */
static char *
case_record(const case_block_t *b, size_t *len)
{
    const char *rel, *owner = case_block_get(b, "owner"), *line;
    char       *data, *out = NULL;
    size_t      n = 0;
    if ((rel = case_block_get(b, "record")) != NULL)
        return case_unescape(rel, len);
    if ((rel = case_block_get(b, "file")) == NULL && (rel = case_block_get(b, "zone")) == NULL)
        rel = case_block_get(b, "stalwart");
    assert_non_null(rel);
    data = testdata_need(rel, &n);
    if (case_block_get(b, "file") != NULL) {
        while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
            data[--n] = '\0';
        *len = n;
        return data;
    }
    line = owner_line(data, owner);
    assert_non_null(line);
    if (case_block_get(b, "zone") != NULL) {
        while (*line == ' ' || *line == '\t')
            line++;
        assert_true(strncasecmp(line, "TXT", 3) == 0);
        out = zone_txt(line + 3, len);
    } else {
        size_t k = strcspn(line + 1, "\r\n");
        out = strndup(line + 1, k);
        *len = k;
    }
    free(data);
    return out;
}

static void
check_flag(const case_block_t *b, const char *key, bool got)
{
    const char *want = case_block_get(b, key);
    if (want != NULL && strcmp(want, got ? "yes" : "no") != 0)
        fail_msg("%s: got %s, want %s", key, got ? "yes" : "no", want);
}

static void
test_dkim_key_case(void **state)
{
    const case_test_t *c = *state;
    size_t             len = 0;
    char              *rec = case_record(c->b, &len);
    mailauth__key_t    k;
    mailauth_reason_t  reason = MAILAUTH_REASON_DKIM_SYNTAX;
    const char        *want;
    assert_int_equal(mailauth__key_parse(NULL, rec, len, &k, &reason), MAILAUTH_OK);
    assert_string_equal(mailauth_reason_name(reason), case_block_get(c->b, "reason"));
    /* A key is there exactly when the record was accepted. */
    assert_int_equal(k.pub != NULL, reason == MAILAUTH_REASON_NONE);
    assert_int_equal(k.revoked, reason == MAILAUTH_REASON_DKIM_KEY_REVOKED);
    if (k.pub != NULL) {
        assert_int_equal(mailauth__pubkey_type(k.pub), k.type);
        assert_int_equal(mailauth__pubkey_bits(k.pub), k.bits);
    }
    if ((want = case_block_get(c->b, "type")) != NULL)
        assert_string_equal(k.type == MAILAUTH__KEY_ED25519 ? "ed25519" : "rsa", want);
    if ((want = case_block_get(c->b, "bits")) != NULL)
        assert_int_equal(k.bits, strtoul(want, NULL, 10));
    check_flag(c->b, "pub", k.pub != NULL);
    check_flag(c->b, "revoked", k.revoked);
    check_flag(c->b, "testing", k.testing);
    check_flag(c->b, "strict", k.strict);
    check_flag(c->b, "sha1", k.sha1_ok);
    check_flag(c->b, "sha256", k.sha256_ok);
    check_flag(c->b, "email", k.email_ok);
    mailauth__key_clear(&k);
    assert_null(k.pub);
    free(rec);
}

static void
test_dkim_key_api(void **state)
{
    static const char rec[] = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    mailauth__key_t   k, k2;
    mailauth_reason_t reason;
    (void)state;
    assert_int_equal(mailauth__key_parse(NULL, NULL, 3, &k, &reason), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__key_parse(NULL, rec, sizeof(rec) - 1, NULL, &reason),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__key_parse(NULL, rec, sizeof(rec) - 1, &k, NULL), MAILAUTH_EINVAL);
    assert_null(k.pub);
    /* Not NUL-terminated input: a prefix cut inside p= is a broken key. */
    assert_int_equal(mailauth__key_parse(NULL, rec, sizeof(rec) - 5, &k, &reason), MAILAUTH_OK);
    assert_int_equal(reason, MAILAUTH_REASON_DKIM_KEY_SYNTAX);
    assert_null(k.pub);
    /* Two parses of one record share nothing but are equal. */
    assert_int_equal(mailauth__key_parse(NULL, rec, sizeof(rec) - 1, &k, &reason), MAILAUTH_OK);
    assert_int_equal(mailauth__key_parse(NULL, rec, sizeof(rec) - 1, &k2, &reason), MAILAUTH_OK);
    assert_non_null(k.pub);
    assert_ptr_not_equal(k.pub, k2.pub);
    mailauth__key_clear(&k);
    mailauth__key_clear(&k2);
    mailauth__key_clear(&k2); /* cleared twice: harmless */
    mailauth__key_clear(NULL);
}

int
main(int argc, char **argv)
{
    case_tests_t       ct;
    struct CMUnitTest *tests;
    size_t             k = 0;
    bool               conformance = false;
    int                rc = testdata_select(argc, argv, &conformance);
    if (rc >= 0)
        return rc;
    if (case_tests_load("dkim/key.case", &ct) != 0)
        return 1;
    tests = calloc(ct.n + 4, sizeof(*tests));
    if (tests == NULL)
        return 1;
    case_tests_add_group(&ct, test_dkim_key_case, tests, &k, reads_testdata, conformance);
    if (!conformance)
        tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_dkim_key_api);
    rc = _cmocka_run_group_tests(conformance ? "dkim_key_conformance" : "dkim_key", tests, k, NULL,
                                 NULL);
    free(tests);
    case_tests_free(&ct);
    return rc;
}
