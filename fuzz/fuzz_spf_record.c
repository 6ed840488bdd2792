/* Fuzz target: SPF record parser (lib/spf/spf_record.c) and the expansion
 * of every domain-spec it accepts (lib/spf/spf_macro.c).
 *
 * The input is parsed as is, and again after "v=spf1 " so that most inputs
 * reach the term parser. Invariants (abort() on violation):
 *  - a record is accepted only if it starts with v=spf1 (§4.5);
 *  - an accepted record's terms lie inside the input and are non-empty;
 *    mechanism kinds and qualifiers are in range; cidr lengths are <= 32/128;
 *  - at most one redirect and one exp; has_all matches the mechanisms;
 *  - every domain-spec passes mailauth__spf_macro_check(), and expands to
 *    at most 253 octets;
 *  - a refused record reports a term inside the input and a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 8192

static void
check(int ok)
{
    if (!ok)
        abort();
}

static const mailauth__spf_macro_env_t env = {
    .s = {"strong-bad@email.example.com", 28},
    .l = {"strong-bad", 10},
    .o = {"email.example.com", 17},
    .d = {"email.example.com", 17},
    .i = {"192.0.2.3", 9},
    .p = {"mx.example.org", 14},
    .v = {"in-addr", 7},
    .h = {"mx.example.org", 14},
    .c = {"192.0.2.3", 9},
    .r = {"receiver.example", 16},
    .t = 1400000000,
};

static int
inside(const char *p, size_t n, const char *base, size_t len)
{
    return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

static void
check_spec(const mailauth__spf_term_t *t, const char *txt, size_t len)
{
    char     out[254];
    size_t   n = 0;
    unsigned found = 0;
    if (t->spec == NULL)
        return;
    check(inside(t->spec, t->spec_len, txt, len));
    check(mailauth__spf_macro_check(t->spec, t->spec_len, MAILAUTH__SPF_MACRO_DOMAIN, &found,
                                    NULL) == MAILAUTH_OK);
    check(((found & MAILAUTH__SPF_HAS_MACRO) != 0) == ((t->flags & MAILAUTH__SPF_T_MACRO) != 0));
    check(mailauth__spf_macro_expand(&env, t->spec, t->spec_len, MAILAUTH__SPF_MACRO_DOMAIN, out,
                                     sizeof(out), &n) == MAILAUTH_OK);
    check(n <= 253 && strlen(out) == n);
}

static void
check_record(const mailauth__spf_record_t *r, const char *txt, size_t len)
{
    int                  all = 0;
    size_t               pos = 0, count = 0;
    mailauth__spf_term_t term;
    check(mailauth__spf_is_v1(txt, len));
    while (mailauth__spf_record_next(r, &pos, &term)) {
        const mailauth__spf_term_t *t = &term;
        count++;
        check(t->text_len > 0 && inside(t->text, t->text_len, txt, len));
        check(t->mech <= MAILAUTH__SPF_EXISTS);
        check(t->verdict >= MAILAUTH_VERDICT_PASS && t->verdict <= MAILAUTH_VERDICT_NEUTRAL);
        check(t->cidr4 <= 128 && t->cidr6 <= 128);
        if (t->mech == MAILAUTH__SPF_A || t->mech == MAILAUTH__SPF_MX)
            check(t->cidr4 <= 32);
        if (t->mech == MAILAUTH__SPF_IP4)
            check(t->net.family == 4 && t->cidr4 <= 32);
        if (t->mech == MAILAUTH__SPF_IP6)
            check(t->net.family == 6);
        all |= t->mech == MAILAUTH__SPF_ALL;
        check_spec(t, txt, len);
    }
    check(all == (int)r->has_all && count == r->nmech);
    if (r->redirect != NULL) {
        check(r->redirect->mech == MAILAUTH__SPF_REDIRECT && r->redirect->spec != NULL);
        check_spec(r->redirect, txt, len);
    }
    if (r->exp != NULL) {
        check(r->exp->mech == MAILAUTH__SPF_EXP && r->exp->spec != NULL);
        check_spec(r->exp, txt, len);
    }
}

static void
one(const char *txt, size_t len)
{
    mailauth__arena_t             a;
    const mailauth__spf_record_t *r = NULL;
    mailauth__spf_syntax_t        err;
    mailauth_status_t             st;
    mailauth__arena_init(&a, NULL);
    st = mailauth__spf_record_parse(&a, txt, len, &r, &err);
    if (st == MAILAUTH_OK) {
        check(r != NULL);
        check_record(r, txt, len);
    } else {
        check(st == MAILAUTH_EINVAL && r == NULL && err.what != NULL);
        check(err.reason == MAILAUTH_REASON_SPF_SYNTAX || err.reason == MAILAUTH_REASON_SPF_MACRO);
        check(err.term_len == 0 || inside(err.term, err.term_len, txt, len));
    }
    mailauth__arena_clear(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf;
    if (size > INPUT_MAX)
        return 0;
    one((const char *)data, size);
    buf = malloc(size + 7);
    if (buf == NULL)
        return 0;
    memcpy(buf, "v=spf1 ", 7);
    if (size > 0)
        memcpy(buf + 7, data, size);
    one(buf, size + 7);
    free(buf);
    return 0;
}
