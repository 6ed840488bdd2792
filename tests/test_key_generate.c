/* key_generate: mailauth_key_generate() and mailauth_key_format_pem() (1.1).
 * A new key of each type reads back from its PEM as the same key (same
 * public record), signs a message that the verifier passes with the
 * published record, and the arguments outside the contract are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

static const char MSG[] = "From: a@example.org\r\n"
                          "To: b@example.net\r\n"
                          "Subject: key\r\n"
                          "\r\n"
                          "Made with a new key.\r\n";

static char *
format(mailauth_status_t (*fn)(const mailauth_key_t *, char *, size_t, size_t *),
       const mailauth_key_t *key)
{
    size_t need = 0;
    char   small[8];
    char  *out;
    /* snprintf-like: too small says how much, and cuts with a NUL */
    assert_int_equal(fn(key, small, sizeof(small), &need), MAILAUTH_ENOSPC);
    assert_true(need >= sizeof(small));
    assert_int_equal(small[sizeof(small) - 1], '\0');
    out = malloc(need + 1);
    assert_non_null(out);
    assert_int_equal(fn(key, out, need + 1, NULL), MAILAUTH_OK);
    assert_int_equal(strlen(out), need);
    return out;
}

/* Sign MSG with key (d=example.org, s=gen) and verify it over a zone that
 * publishes `record`. */
static void
sign_and_verify(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *record)
{
    mailauth_dkim_signer_t       *s = NULL;
    mailauth_resolver_t          *r = NULL;
    mailauth_eval_t              *ev = NULL;
    char                          field[4096], zone[2048], signed_msg[8192];
    const mailauth_dkim_result_t *res;
    assert_int_equal(mailauth_dkim_signer_new(ctx, key, "example.org", "gen", &s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_message(s, MSG, sizeof(MSG) - 1), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_format(s, field, sizeof(field), NULL), MAILAUTH_OK);
    mailauth_dkim_signer_free(s);
    snprintf(signed_msg, sizeof(signed_msg), "%s\r\n%s", field, MSG);
    snprintf(zone, sizeof(zone), "gen._domainkey.example.org TXT \"%s\"\n", record);
    assert_int_equal(mailauth_resolver_new_zone(ctx, zone, strlen(zone), NULL, &r), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(ctx, r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(ev, signed_msg, strlen(signed_msg)), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(ev, 5000), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_dkim_count(ev), 1);
    res = mailauth_eval_dkim(ev, 0);
    assert_int_equal(mailauth_dkim_result_verdict(res), MAILAUTH_VERDICT_PASS);
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
}

static void
round_trip(mailauth_key_type_t type, unsigned bits, unsigned want_bits)
{
    mailauth_ctx_t *ctx = NULL;
    mailauth_key_t *key = NULL, *back = NULL;
    char           *pem, *rec, *rec_back;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_key_generate(ctx, type, bits, &key), MAILAUTH_OK);
    assert_int_equal(mailauth_key_type(key), type);
    assert_int_equal(mailauth_key_bits(key), want_bits);
    pem = format(mailauth_key_format_pem, key);
    assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----\n"));
    assert_non_null(strstr(pem, "-----END PRIVATE KEY-----\n"));
    assert_int_equal(mailauth_key_load_pem(ctx, pem, strlen(pem), &back), MAILAUTH_OK);
    rec = format(mailauth_key_format_dns_record, key);
    rec_back = format(mailauth_key_format_dns_record, back);
    assert_string_equal(rec, rec_back); /* the same key came back */
    assert_non_null(strstr(rec, type == MAILAUTH_KEY_RSA ? "k=rsa;" : "k=ed25519;"));
    sign_and_verify(ctx, back, rec);
    free(pem);
    free(rec);
    free(rec_back);
    mailauth_key_free(back);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
}

static void
test_key_generate_rsa(void **state)
{
    (void)state;
    round_trip(MAILAUTH_KEY_RSA, 1024, 1024);
    round_trip(MAILAUTH_KEY_RSA, 2048, 2048);
}

static void
test_key_generate_ed25519(void **state)
{
    (void)state;
    round_trip(MAILAUTH_KEY_ED25519, 0, 256);
    round_trip(MAILAUTH_KEY_ED25519, 4096, 256); /* bits are ignored */
}

/* Two keys are never the same key. */
static void
test_key_generate_fresh(void **state)
{
    mailauth_ctx_t *ctx = NULL;
    mailauth_key_t *a = NULL, *b = NULL;
    char            ra[256], rb[256];
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_key_generate(ctx, MAILAUTH_KEY_ED25519, 0, &a), MAILAUTH_OK);
    assert_int_equal(mailauth_key_generate(ctx, MAILAUTH_KEY_ED25519, 0, &b), MAILAUTH_OK);
    assert_int_equal(mailauth_key_format_dns_record(a, ra, sizeof(ra), NULL), MAILAUTH_OK);
    assert_int_equal(mailauth_key_format_dns_record(b, rb, sizeof(rb), NULL), MAILAUTH_OK);
    assert_string_not_equal(ra, rb);
    mailauth_key_free(a);
    mailauth_key_free(b);
    mailauth_ctx_free(ctx);
}

static void
test_key_generate_args(void **state)
{
    mailauth_ctx_t *ctx = NULL;
    mailauth_key_t *key = (mailauth_key_t *)&key; /* must be set to NULL */
    char            buf[16];
    size_t          need = 99;
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_key_generate(NULL, MAILAUTH_KEY_RSA, 2048, &key), MAILAUTH_EINVAL);
    assert_null(key);
    assert_int_equal(mailauth_key_generate(ctx, MAILAUTH_KEY_RSA, 2048, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_key_generate(ctx, MAILAUTH_KEY_RSA, 512, &key), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_key_generate(ctx, MAILAUTH_KEY_RSA, 1023, &key), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_key_generate(ctx, MAILAUTH_KEY_RSA, 16385, &key), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_key_generate(ctx, (mailauth_key_type_t)7, 2048, &key),
                     MAILAUTH_EINVAL);
    assert_null(key);
    assert_int_equal(mailauth_key_format_pem(NULL, buf, sizeof(buf), &need), MAILAUTH_EINVAL);
    assert_int_equal(need, 0);
    mailauth_ctx_free(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_generate_rsa),
        cmocka_unit_test(test_key_generate_ed25519),
        cmocka_unit_test(test_key_generate_fresh),
        cmocka_unit_test(test_key_generate_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
