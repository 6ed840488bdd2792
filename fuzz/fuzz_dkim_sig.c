/* Fuzz target: signature fields (lib/dkim/dkim_sig.c): DKIM-Signature,
 * ARC-Message-Signature and ARC-Seal. Every input is parsed as each kind.
 * Invariants (abort() on violation):
 *  - a refusal has a reason from the kind's set (DKIM_* for DKIM-Signature,
 *    ARC_SYNTAX for ARC fields) and a text; an accepted field has neither;
 *  - an accepted field has d= (a lower-case LDH domain with a dot), s=, a=,
 *    a non-empty b= whose value area lies in the input right after '=' and
 *    ends at ';' or the end, h= with From (not for seals), a body hash of
 *    the algorithm's size (not for seals), an i= with '@' inside d= (DKIM)
 *    or an instance 1..1024 (ARC), and x >= t when both are there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "domain/domain.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 16384

static void
check(int ok)
{
    if (!ok)
        abort();
}

static void
check_reason(mailauth__sig_kind_t kind, mailauth_reason_t r)
{
    if (kind != MAILAUTH__SIG_DKIM) {
        check(r == MAILAUTH_REASON_ARC_SYNTAX);
        return;
    }
    check(r == MAILAUTH_REASON_DKIM_SYNTAX || r == MAILAUTH_REASON_DKIM_DUPLICATE_TAG ||
          r == MAILAUTH_REASON_DKIM_VERSION || r == MAILAUTH_REASON_DKIM_ALGORITHM ||
          r == MAILAUTH_REASON_DKIM_FROM_NOT_SIGNED || r == MAILAUTH_REASON_DKIM_AUID_MISMATCH ||
          r == MAILAUTH_REASON_DKIM_QUERY_METHOD);
}

static void
check_sig(const mailauth__sig_t *s, mailauth__sig_kind_t kind, const char *v, size_t n)
{
    size_t dlen;
    bool   from = false;
    check(s->kind == kind && s->d != NULL && s->s != NULL && s->a != NULL && s->b_text != NULL);
    dlen = strlen(s->d);
    check(mailauth__domain_check(s->d, dlen, MAILAUTH__DOMAIN_NEED_DOT | MAILAUTH__DOMAIN_LDH));
    for (size_t i = 0; i < dlen; i++)
        check(s->d[i] != '.' || i + 1 < dlen);
    for (size_t i = 0; i < dlen; i++)
        check(mailauth__to_lower((unsigned char)s->d[i]) == s->d[i]);
    check(s->b != NULL && s->b_len > 0 && s->b_off > 0 && s->b_off + s->b_area <= n);
    check(v[s->b_off - 1] == '=');
    check(s->b_off + s->b_area == n || v[s->b_off + s->b_area] == ';');
    check(s->c_header <= MAILAUTH__CANON_RELAXED && s->c_body <= MAILAUTH__CANON_RELAXED);
    check(s->alg <= MAILAUTH__ALG_ED25519_SHA256);
    for (size_t i = 0; i < s->h_count; i++) {
        check(s->h[i] != NULL && s->h[i][0] != '\0');
        from = from || mailauth__eq_ci(s->h[i], "from");
    }
    if (kind == MAILAUTH__SIG_AS) {
        check(s->h_count == 0 && s->bh == NULL && s->c_header == MAILAUTH__CANON_RELAXED);
        check(s->cv <= MAILAUTH__CV_FAIL);
    } else {
        check(from && s->bh_len == (s->hash == MAILAUTH__HASH_SHA1 ? 20u : 32u));
    }
    if (kind == MAILAUTH__SIG_DKIM) {
        const char *at = strrchr(s->i, '@');
        check(at != NULL && mailauth__domain_is_sub(at + 1, strlen(at + 1), s->d, dlen));
    } else {
        check(s->i == NULL && s->instance >= 1 && s->instance <= 1024);
    }
    check(!(s->has_t && s->has_x && s->x < s->t));
    check(!s->has_t || s->t >= 0);
}

static void
one(mailauth__sig_kind_t kind, const char *v, size_t n)
{
    mailauth__arena_t   a;
    mailauth__sig_t     sig;
    mailauth__sig_err_t err;
    mailauth__arena_init(&a, NULL);
    check(mailauth__sig_parse(&a, kind, v, n, &sig, &err) == MAILAUTH_OK);
    if (err.reason == MAILAUTH_REASON_NONE) {
        check(err.what == NULL);
        check_sig(&sig, kind, v, n);
    } else {
        check(err.what != NULL && err.what[0] != '\0');
        check_reason(kind, err.reason);
    }
    mailauth__arena_clear(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_MAX)
        return 0;
    one(MAILAUTH__SIG_DKIM, (const char *)data, size);
    one(MAILAUTH__SIG_AMS, (const char *)data, size);
    one(MAILAUTH__SIG_AS, (const char *)data, size);
    return 0;
}
