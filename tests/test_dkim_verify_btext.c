/* dkim_verify_btext: the b= text a result gives back. A verifier holds
 * b= decoded while the body streams and encodes it again once the verdict
 * is final, unless that would not give the text as written: then it keeps
 * the text. Either way mailauth_dkim_result_signature() and header.b (RFC
 * 6008) are b= as written, without its folding whitespace: as signed
 * (RSA-2048: "==" at the end), with pad bits set in its last character
 * (refused), and without its padding (the same bytes: it verifies). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/authres_of.h"
#include "support/dkim_harness.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The signature field's b= value starts after "\tb=" and runs to the
 * field's final CRLF (testsig.c puts it last, folded with CRLF SP). */
static char *
b_value(char *field)
{
    char *b = strstr(field, "\tb=");
    assert_non_null(b);
    return b + 3;
}

/* The value without its folding. */
static char *
unfolded(const char *v)
{
    char  *out = malloc(strlen(v) + 1);
    size_t n = 0;
    assert_non_null(out);
    for (; *v != '\0'; v++) {
        if (*v != '\r' && *v != '\n' && *v != ' ' && *v != '\t')
            out[n++] = *v;
    }
    out[n] = '\0';
    return out;
}

/* Verify `field` over the test message: the verdict, and the text given
 * back by the result and by header.b. */
static void
check_text(char *field, mailauth_verdict_t want)
{
    const char *const         sigs[1] = {field};
    dk_msg_t                  m = dk_message(sigs, 1, M_NONE);
    char                     *text = unfolded(b_value(field));
    const mailauth_resinfo_t *ri[4];
    harness_t                 h;
    const char               *got = NULL, *hb = NULL;
    dk_setup(&h, false, OPT_DKIM_ONLY, NULL, 0);
    assert_int_equal(mailauth_eval_message(h.ev, m.p, m.n), MAILAUTH_OK);
    assert_int_equal(harness_finish(&h), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_result_verdict(mailauth_eval_dkim(h.ev, 0)), want);
    got = mailauth_dkim_result_signature(mailauth_eval_dkim(h.ev, 0));
    assert_non_null(got);
    assert_string_equal(got, text);
    assert_int_equal(dk_ar_entries(h.ev, ri, 4), 1);
    hb = mailauth_resinfo_find_prop(ri[0], "header", "b");
    assert_non_null(hb);
    assert_int_equal(strlen(hb), 8); /* RFC 6008 §4: a prefix of 8 */
    assert_memory_equal(hb, text, 8);
    harness_teardown(&h);
    free(text);
    free(m.p);
}

static void
test_btext(void **state)
{
    tsig_spec_t rsa = {"rsa2048.pem",
                       "rsa-sha256",
                       "relaxed/relaxed",
                       "example.com",
                       "rsa",
                       NULL,
                       H_STD,
                       NOW_S - 60,
                       -1,
                       -1};
    char       *field = dk_sign(&rsa), *v = NULL, *end = NULL, *last = NULL, keep = 0;
    (void)state;
    /* as signed: 256 bytes, "xx==" at the end */
    v = b_value(field);
    end = v + strlen(v) - 2; /* the final CRLF */
    assert_memory_equal(end - 2, "==\r\n", 4);
    check_text(field, MAILAUTH_VERDICT_PASS);
    /* pad bits set in the last character before "==": refused as base64
     * (RFC 4648 §3.5 lets a decoder refuse it), the text still as written */
    last = end - 3;
    keep = *last;
    assert_non_null(strchr(b64, keep));
    *last = b64[(size_t)(strchr(b64, keep) - b64) | 0x0f];
    check_text(field, MAILAUTH_VERDICT_NEUTRAL);
    *last = keep;
    /* no padding (optional at the end): the same bytes, a shorter text,
     * which encoding the bytes would not give back */
    memmove(end - 2, end, 3);
    check_text(field, MAILAUTH_VERDICT_PASS);
    free(field);
}

static int
teardown_group(void **state)
{
    (void)state;
    dk_zone_free();
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_btext),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_group);
}
