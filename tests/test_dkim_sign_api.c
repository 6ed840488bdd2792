/* DKIM signing API contract: keys and their DNS records, argument checks,
 * call order, header limits, i= encoding, the snprintf-like result, and
 * the field formatter the ARC sealer will reuse. Signatures themselves are
 * verified in tests/test_dkim_sign.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "dkim/dkim_sign.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MSG "From: a@example.org\r\nTo: b@example.net\r\nSubject: s\r\n\r\nbody\r\n"

static char *
read_key(const char *name, size_t *len)
{
    char  path[512];
    FILE *f = NULL;
    char *buf = NULL;
    long  n = 0;
    snprintf(path, sizeof(path), "%s/dkim_sign/%s", MAILAUTH_TEST_DATA, name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A ctx, an Ed25519 key and a signer on example.org / sel. */
struct fx {
    mailauth_ctx_t         *ctx;
    mailauth_key_t         *key;
    mailauth_dkim_signer_t *s;
};

/* max_bytes, max_count: header limits of the ctx (0: the defaults). */
static void
fx_open_limits(struct fx *f, const char *keyfile, uint32_t max_bytes, uint32_t max_count)
{
    size_t len = 0;
    char  *pem = read_key(keyfile, &len);
    memset(f, 0, sizeof(*f));
    assert_int_equal(mailauth_ctx_new(NULL, &f->ctx), MAILAUTH_OK);
    if (max_bytes != 0)
        assert_int_equal(mailauth_ctx_set_limit(f->ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES, max_bytes),
                         MAILAUTH_OK);
    if (max_count != 0)
        assert_int_equal(mailauth_ctx_set_limit(f->ctx, MAILAUTH_LIMIT_HEADER_MAX_COUNT, max_count),
                         MAILAUTH_OK);
    assert_int_equal(mailauth_key_load_pem(f->ctx, pem, len, &f->key), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_new(f->ctx, f->key, "example.org", "sel", &f->s),
                     MAILAUTH_OK);
    free(pem);
}

static void
fx_open(struct fx *f, const char *keyfile)
{
    fx_open_limits(f, keyfile, 0, 0);
}

static void
fx_close(struct fx *f)
{
    mailauth_dkim_signer_free(f->s);
    mailauth_key_free(f->key);
    mailauth_ctx_free(f->ctx);
}

/* ---------------------------------------------------------------- keys */

struct key_case {
    const char         *file;
    mailauth_status_t   st;
    mailauth_key_type_t type;
    unsigned            bits;
    const char         *record_prefix;
};

static const struct key_case key_cases[] = {
    {"rsa1024-pkcs1.pem", MAILAUTH_OK, MAILAUTH_KEY_RSA, 1024, "v=DKIM1; k=rsa; p=MIGfMA0G"},
    {"rsa2048-pkcs8.pem", MAILAUTH_OK, MAILAUTH_KEY_RSA, 2048, "v=DKIM1; k=rsa; p=MIIBIjAN"},
    {"ed25519-pkcs8.pem", MAILAUTH_OK, MAILAUTH_KEY_ED25519, 256, "v=DKIM1; k=ed25519; p="},
    {"rsa512-pkcs1.pem", MAILAUTH_EINVAL, 0, 0, NULL}, /* RFC 8301 §3.2 */
    {"ec-p256.pem", MAILAUTH_EINVAL, 0, 0, NULL},
    {"README.md", MAILAUTH_EINVAL, 0, 0, NULL},
};

static void
test_dkim_sign_api_key(void **state)
{
    const struct key_case *c = *state;
    mailauth_ctx_t        *ctx = NULL;
    mailauth_key_t        *key = (mailauth_key_t *)&ctx; /* must be cleared on failure */
    size_t                 len = 0, need = 0, need2 = 0;
    char                  *pem = read_key(c->file, &len);
    char                   rec[1024];
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_key_load_pem(ctx, pem, len, &key), c->st);
    if (c->st != MAILAUTH_OK) {
        assert_null(key);
    } else {
        assert_int_equal(mailauth_key_type(key), c->type);
        assert_int_equal(mailauth_key_bits(key), c->bits);
        /* snprintf-like: too short gives ENOSPC and the length */
        assert_int_equal(mailauth_key_format_dns_record(key, NULL, 0, &need), MAILAUTH_ENOSPC);
        assert_int_equal(mailauth_key_format_dns_record(key, rec, need, &need2), MAILAUTH_ENOSPC);
        assert_int_equal(need2, need);
        assert_int_equal(strlen(rec), need - 1);
        assert_int_equal(mailauth_key_format_dns_record(key, rec, need + 1, &need2), MAILAUTH_OK);
        assert_int_equal(strlen(rec), need);
        assert_true(strncmp(rec, c->record_prefix, strlen(c->record_prefix)) == 0);
        if (c->type == MAILAUTH_KEY_ED25519) /* RFC 8463 §4.2: 32 raw bytes */
            assert_int_equal(strlen(rec + strlen(c->record_prefix)), 44);
    }
    mailauth_key_free(key == (mailauth_key_t *)&ctx ? NULL : key);
    mailauth_ctx_free(ctx);
    free(pem);
}

static void
test_dkim_sign_api_names(void **state)
{
    mailauth_ctx_t *ctx = NULL;
    mailauth_key_t *key = NULL;
    (void)state;
    assert_string_equal(mailauth_key_type_name(MAILAUTH_KEY_RSA), "rsa");
    assert_string_equal(mailauth_key_type_name(MAILAUTH_KEY_ED25519), "ed25519");
    assert_string_equal(mailauth_key_type_name((mailauth_key_type_t)7), "unknown");
    assert_string_equal(mailauth_canon_name(MAILAUTH_CANON_SIMPLE), "simple");
    assert_string_equal(mailauth_canon_name(MAILAUTH_CANON_RELAXED), "relaxed");
    assert_string_equal(mailauth_canon_name((mailauth_canon_t)-1), "unknown");
    assert_int_equal(mailauth_key_load_pem(NULL, "x", 1, &key), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_key_load_pem(ctx, NULL, 3, &key), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_key_load_pem(ctx, "", 0, &key), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_key_load_pem(ctx, "x", 1, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_key_format_dns_record(NULL, NULL, 0, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_key_bits(NULL), 0);
    mailauth_key_free(NULL);
    mailauth_dkim_signer_free(NULL);
    mailauth_ctx_free(ctx);
}

/* ------------------------------------------------------ names and lists */

struct arg_case {
    const char       *domain, *selector;
    mailauth_status_t st;
};

static const struct arg_case arg_cases[] = {
    {"example.org", "sel", MAILAUTH_OK},
    {"EXAMPLE.org.", "s1.sub", MAILAUTH_OK},
    {"b\xc3\xbc\x63her.example", "sel", MAILAUTH_OK},
    {"", "sel", MAILAUTH_EINVAL},
    {"exa mple.org", "sel", MAILAUTH_EINVAL},
    {"a..example", "sel", MAILAUTH_EINVAL},
    {"x;y.example", "sel", MAILAUTH_EINVAL},
    {"localhost", "sel", MAILAUTH_EINVAL}, /* §3.5: d= has two or more labels (fuzz_eval) */
    {"example.org", "", MAILAUTH_EINVAL},
    {"example.org", "a..b", MAILAUTH_EINVAL},
    {"example.org", "sel.", MAILAUTH_EINVAL},
    {"example.org", "s l", MAILAUTH_EINVAL},
    {"example.org", "s;l", MAILAUTH_EINVAL},
};

struct list_case {
    const char       *list;
    mailauth_status_t st;
};

static const struct list_case list_cases[] = {
    {"from", MAILAUTH_OK},
    {"FROM:to", MAILAUTH_OK},
    {" from\t: to ", MAILAUTH_OK},
    {"", MAILAUTH_EINVAL},
    {"to:subject", MAILAUTH_EINVAL},
    {"from::to", MAILAUTH_EINVAL},
    {"from:", MAILAUTH_EINVAL},
    {":from", MAILAUTH_EINVAL},
    {"from;x", MAILAUTH_EINVAL},
    {"fr om", MAILAUTH_EINVAL},
    {"from:t\xc3\xa9", MAILAUTH_EINVAL},
};

static void
test_dkim_sign_api_args(void **state)
{
    struct fx               f;
    mailauth_dkim_signer_t *s = (mailauth_dkim_signer_t *)&f;
    char                    big[1025 * 5 + 8];
    (void)state;
    fx_open(&f, "ed25519-pkcs8.pem");
    for (size_t i = 0; i < ARRAY_LEN(arg_cases); i++) {
        const struct arg_case *c = &arg_cases[i];
        assert_int_equal(mailauth_dkim_signer_new(f.ctx, f.key, c->domain, c->selector, &s), c->st);
        assert_true(c->st == MAILAUTH_OK ? s != NULL : s == NULL);
        mailauth_dkim_signer_free(s);
    }
    assert_int_equal(mailauth_dkim_signer_new(f.ctx, NULL, "a.example", "s", &s), MAILAUTH_EINVAL);
    for (size_t i = 0; i < ARRAY_LEN(list_cases); i++)
        assert_int_equal(mailauth_dkim_signer_set_headers(f.s, list_cases[i].list),
                         list_cases[i].st);
    strcpy(big, "from");
    for (int i = 0; i < 1023; i++)
        strcat(big, ":to");
    assert_int_equal(mailauth_dkim_signer_set_headers(f.s, big), MAILAUTH_OK); /* 1024 names */
    strcat(big, ":cc");
    assert_int_equal(mailauth_dkim_signer_set_headers(f.s, big), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_dkim_signer_set_headers(f.s, NULL), MAILAUTH_EINVAL);
    assert_int_equal(
        mailauth_dkim_signer_set_canon(f.s, (mailauth_canon_t)2, MAILAUTH_CANON_SIMPLE),
        MAILAUTH_EINVAL);
    assert_int_equal(mailauth_dkim_signer_header(f.s, "no colon here", 13), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_dkim_signer_header(f.s, ": no name", 9), MAILAUTH_EINVAL);
    fx_close(&f);
}

/* ------------------------------------------------------------ call order */

static void
test_dkim_sign_api_order(void **state)
{
    struct fx f;
    char      buf[8] = "xxxxxxx";
    size_t    need = 99;
    (void)state;
    fx_open(&f, "ed25519-pkcs8.pem");
    assert_int_equal(mailauth_dkim_signer_body(f.s, "x", 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_header(f.s, "From: a@example.org", 19), MAILAUTH_OK);
    assert_int_equal(
        mailauth_dkim_signer_set_canon(f.s, MAILAUTH_CANON_SIMPLE, MAILAUTH_CANON_SIMPLE),
        MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_set_headers(f.s, "from"), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_message(f.s, MSG, strlen(MSG)), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_end_headers(f.s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_headers(f.s), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_header(f.s, "To: b", 5), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_format(f.s, buf, sizeof(buf), &need), MAILAUTH_ESTATE);
    assert_int_equal(need, 0);
    assert_string_equal(buf, "xxxxxxx");                                     /* untouched */
    assert_int_equal(mailauth_dkim_signer_set_expiry(f.s, 60), MAILAUTH_OK); /* still allowed */
    assert_int_equal(mailauth_dkim_signer_body(f.s, "body\r\n", 6), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_body(f.s, "x", 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_set_expiry(f.s, 60), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_set_body_length(f.s, 1), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_dkim_signer_set_auid(f.s, NULL), MAILAUTH_ESTATE);
    /* snprintf-like result: the prefix that fits, NUL-terminated, and the length */
    assert_int_equal(mailauth_dkim_signer_format(f.s, buf, sizeof(buf), &need), MAILAUTH_ENOSPC);
    assert_string_equal(buf, "DKIM-Si");
    assert_true(need > 100);
    assert_int_equal(mailauth_dkim_signer_format(f.s, NULL, 1, &need), MAILAUTH_EINVAL);
    fx_close(&f);
}

/* A message without From cannot be signed (RFC 6376 §5.4: From is signed). */
static void
test_dkim_sign_api_no_from(void **state)
{
    static const char *const lists[] = {NULL, "from:to"};
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
        struct fx f;
        fx_open(&f, "ed25519-pkcs8.pem");
        if (lists[i] != NULL)
            assert_int_equal(mailauth_dkim_signer_set_headers(f.s, lists[i]), MAILAUTH_OK);
        assert_int_equal(mailauth_dkim_signer_message(f.s, "To: b@x\r\n\r\nbody\r\n", 17),
                         MAILAUTH_OK);
        assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_EINVAL);
        fx_close(&f);
    }
}

/* --------------------------------------------------------------- limits */

/* A field over a header limit is refused: counted, and the call that
 * brought it still took it (the signatures themselves: test_dkim_sign.c). */
static void
test_dkim_sign_api_limits(void **state)
{
    char      subject[300];
    char      field[4096];
    size_t    need = 0;
    struct fx f;
    (void)state;
    memset(subject, 'x', sizeof(subject));
    memcpy(subject, "Subject: ", 9);
    /* A signed field over the size limit: left out of h= altogether. */
    fx_open_limits(&f, "ed25519-pkcs8.pem", 100, 0);
    assert_int_equal(mailauth_dkim_signer_header(f.s, "From: a@example.org\r\n", 21), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_header(f.s, "Subject: short", 14), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_header(f.s, subject, sizeof(subject)), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_refused(f.s), 1);
    assert_int_equal(mailauth_dkim_signer_end_headers(f.s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_format(f.s, field, sizeof(field), &need), MAILAUTH_OK);
    assert_non_null(strstr(field, "h=from:from;"));
    fx_close(&f);
    /* Beyond the count, and an unsigned one over the size. */
    fx_open_limits(&f, "ed25519-pkcs8.pem", 100, 2);
    assert_int_equal(mailauth_ctx_set_limit(f.ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES, 200),
                     MAILAUTH_ESTATE); /* the ctx is frozen once a signer exists */
    memcpy(subject, "X-Other: ", 9);
    assert_int_equal(mailauth_dkim_signer_header(f.s, "From: a@example.org", 19), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_header(f.s, subject, sizeof(subject)), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_header(f.s, "X-A: 1", 6), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_header(f.s, "To: 2", 5), MAILAUTH_OK); /* 3rd */
    assert_int_equal(mailauth_dkim_signer_header(f.s, "no colon", 8), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_dkim_signer_refused(f.s), 2);
    assert_int_equal(mailauth_dkim_signer_end_headers(f.s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_format(f.s, field, sizeof(field), &need), MAILAUTH_OK);
    assert_non_null(strstr(field, "h=from:from;"));
    fx_close(&f);
    /* A refused From: nothing can be signed. */
    fx_open_limits(&f, "ed25519-pkcs8.pem", 100, 0);
    memcpy(subject, "From:    ", 9);
    assert_int_equal(mailauth_dkim_signer_message(f.s, subject, sizeof(subject)), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_refused(f.s), 1);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_ELIMIT);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_ELIMIT);
    assert_int_equal(mailauth_dkim_signer_format(f.s, field, sizeof(field), &need),
                     MAILAUTH_ESTATE);
    fx_close(&f);
    assert_int_equal(mailauth_dkim_signer_refused(NULL), 0);
}

/* ------------------------------------------------------------------ i= */

struct auid_case {
    const char       *auid;
    mailauth_status_t st;
    const char       *tag; /* expected in the field, or NULL: no i= */
};

static const struct auid_case auid_cases[] = {
    {"user@example.org", MAILAUTH_OK, " i=user@example.org;"},
    {"@mail.EXAMPLE.org", MAILAUTH_OK, " i=@mail.example.org;"},
    {"a=b;c d\xc3\xa9@example.org", MAILAUTH_OK, " i=a=3Db=3Bc=20d=C3=A9@example.org;"},
    {"x@example.org.", MAILAUTH_OK, " i=x@example.org;"},
    {"x@other.org", MAILAUTH_EINVAL, NULL},
    {"x@notexample.org", MAILAUTH_EINVAL, NULL},
    {"no-at-sign", MAILAUTH_EINVAL, NULL},
    {"x@", MAILAUTH_EINVAL, NULL},
    {NULL, MAILAUTH_OK, NULL},
};

static void
test_dkim_sign_api_auid(void **state)
{
    const struct auid_case *c = *state;
    struct fx               f;
    char                    out[2048];
    fx_open(&f, "rsa1024-pkcs1.pem");
    assert_int_equal(mailauth_dkim_signer_set_auid(f.s, "first@example.org"), MAILAUTH_OK);
    if (c->auid == NULL || c->st == MAILAUTH_OK)
        assert_int_equal(mailauth_dkim_signer_set_auid(f.s, NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_set_auid(f.s, c->auid), c->st);
    assert_int_equal(mailauth_dkim_signer_message(f.s, MSG, strlen(MSG)), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_format(f.s, out, sizeof(out), NULL), MAILAUTH_OK);
    if (c->tag != NULL)
        assert_non_null(strstr(out, c->tag));
    else if (c->st == MAILAUTH_OK)
        assert_null(strstr(out, " i="));
    else /* a refused value leaves the previous one */
        assert_non_null(strstr(out, " i=first@example.org;"));
    fx_close(&f);
}

/* ------------------------------------------------------------ formatter */

/* Lines of at most 78 columns whatever the item sizes; long lists fold
 * after colons, base64 inside the value; nothing after b=. */
static void
test_dkim_sign_api_format(void **state)
{
    static const char *const items[] = {"from",
                                        "a-very-long-field-name-number-one-xxxxxxxxxxxxx",
                                        "to",
                                        "another-very-long-field-name-number-two-yyyy",
                                        "x",
                                        ("a-field-name-of-exactly-seventy-five-characters-"
                                         "zzzzzzzzzzzzzzzzzzzzzzzzzzz")};
    uint8_t                  raw[200];
    mailauth__sigfmt_t       f;
    size_t                   len = 0, col = 0;
    const char              *t = NULL;
    (void)state;
    for (size_t i = 0; i < sizeof(raw); i++)
        raw[i] = (uint8_t)(i * 37u);
    mailauth__sigfmt_init(&f, NULL);
    assert_int_equal(mailauth__sigfmt_begin(&f, "ARC-Message-Signature"), MAILAUTH_OK);
    assert_int_equal(mailauth__sigfmt_tag_u64(&f, "i", 1), MAILAUTH_OK);
    assert_int_equal(mailauth__sigfmt_tag_u64(&f, "t", UINT64_MAX), MAILAUTH_OK);
    assert_int_equal(mailauth__sigfmt_tag_list(&f, "h", items, ARRAY_LEN(items)), MAILAUTH_OK);
    assert_int_equal(mailauth__sigfmt_tag_list(&f, "h", items, 0), MAILAUTH_EINVAL);
    assert_int_equal(mailauth__sigfmt_tag_b64(&f, "bh", raw, sizeof(raw)), MAILAUTH_OK);
    t = mailauth__sigfmt_text(&f, &len);
    assert_true(strncmp(t, "ARC-Message-Signature: i=1; t=18446744073709551615; h=from:", 59) == 0);
    assert_non_null(strstr(t, ":\r\n\tanother-very-long-field-name-number-two-yyyy:"));
    assert_int_equal(t[len - 1], ';');
    for (size_t i = 0; i < len; i++) {
        col = t[i] == '\n' ? 0 : col + (t[i] != '\r');
        assert_true(col <= 78);
    }
    mailauth__sigfmt_clear(&f);
    assert_string_equal(mailauth__sigfmt_text(&f, NULL), "");
}

int
main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_dkim_sign_api_names),  cmocka_unit_test(test_dkim_sign_api_args),
        cmocka_unit_test(test_dkim_sign_api_order),  cmocka_unit_test(test_dkim_sign_api_no_from),
        cmocka_unit_test(test_dkim_sign_api_limits), cmocka_unit_test(test_dkim_sign_api_format),
    };
    struct CMUnitTest tests[ARRAY_LEN(fixed) + ARRAY_LEN(key_cases) + ARRAY_LEN(auid_cases)];
    static char       names[ARRAY_LEN(key_cases) + ARRAY_LEN(auid_cases)][80];
    size_t            n = 0, k = 0;
    for (size_t i = 0; i < ARRAY_LEN(fixed); i++)
        tests[n++] = fixed[i];
    for (size_t i = 0; i < ARRAY_LEN(key_cases); i++, k++) {
        snprintf(names[k], sizeof(names[k]), "key %s", key_cases[i].file);
        tests[n++] = (struct CMUnitTest){.name = names[k],
                                         .test_func = test_dkim_sign_api_key,
                                         .initial_state = (void *)&key_cases[i]};
    }
    for (size_t i = 0; i < ARRAY_LEN(auid_cases); i++, k++) {
        snprintf(names[k], sizeof(names[k]), "i= %s",
                 auid_cases[i].auid != NULL ? auid_cases[i].auid : "(none)");
        tests[n++] = (struct CMUnitTest){.name = names[k],
                                         .test_func = test_dkim_sign_api_auid,
                                         .initial_state = (void *)&auid_cases[i]};
    }
    return cmocka_run_group_tests_name("dkim_sign_api", tests, NULL, NULL);
}
