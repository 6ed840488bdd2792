/* Fuzz target: DMARC record parser (lib/dmarc/dmarc_record.c), RFC 7489
 * §6.3/§6.4 and RFC 9989 §4.7/§4.8, in both modes.
 *
 * The input is parsed as is, and again after "v=DMARC1; " so that most
 * inputs reach the tag parser. Invariants (abort() on violation):
 *  - a record is taken only if mailauth__dmarc_is_v1() says it starts with
 *    v=DMARC1, and then always is (the first tag decides);
 *  - an accepted record has p in none..reject, sp/np in range, np unset in
 *    RFC 7489 mode, pct <= 100, adkim/aspf r or s, psd y/n/u;
 *  - as_none (invalid policy read as p=none) needs a kept rua URI and
 *    leaves sp and np unset;
 *  - at most MAILAUTH__DMARC_URIS_MAX URIs per tag, each non-empty, with
 *    no blank, ',' or ';', and a scheme before ':';
 *  - fo and rf are non-empty strings without ';'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 8192

static void
check(int ok)
{
    if (!ok)
        abort();
}

static void
check_uris(const char *const *v, size_t n)
{
    check(n <= MAILAUTH__DMARC_URIS_MAX);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]);
        check(len > 0 && memchr(v[i], ':', len) != NULL);
        for (size_t j = 0; j < len; j++)
            check(v[i][j] > 0x20 && v[i][j] < 0x7f && v[i][j] != ',' && v[i][j] != ';');
    }
}

static void
check_record(const mailauth__dmarc_record_t *r, mailauth_dmarc_mode_t mode)
{
    check(r->p >= MAILAUTH_DMARC_POLICY_NONE && r->p <= MAILAUTH_DMARC_POLICY_REJECT);
    check(r->sp <= MAILAUTH_DMARC_POLICY_REJECT && r->np <= MAILAUTH_DMARC_POLICY_REJECT);
    check(mode == MAILAUTH_DMARC_RFC9989 || r->np == MAILAUTH_DMARC_POLICY_UNSPECIFIED);
    check(r->pct <= 100);
    check(r->adkim <= MAILAUTH_DMARC_ALIGN_STRICT && r->aspf <= MAILAUTH_DMARC_ALIGN_STRICT);
    check(r->psd == 'y' || r->psd == 'n' || r->psd == 'u');
    if (r->as_none)
        check(r->p == MAILAUTH_DMARC_POLICY_NONE && r->nrua > 0 &&
              r->sp == MAILAUTH_DMARC_POLICY_UNSPECIFIED &&
              r->np == MAILAUTH_DMARC_POLICY_UNSPECIFIED);
    check_uris(r->rua, r->nrua);
    check_uris(r->ruf, r->nruf);
    check(r->fo != NULL && r->fo[0] != '\0' && strchr(r->fo, ';') == NULL);
    check(r->rf != NULL && r->rf[0] != '\0' && strchr(r->rf, ';') == NULL);
}

static void
parse(const char *txt, size_t len)
{
    for (int m = 0; m < 2; m++) {
        mailauth_dmarc_mode_t    mode = m == 0 ? MAILAUTH_DMARC_RFC7489 : MAILAUTH_DMARC_RFC9989;
        mailauth__arena_t        a;
        mailauth__dmarc_record_t r;
        mailauth__dmarc_rec_status_t st = MAILAUTH__DMARC_REC_OK;
        const char                  *detail = NULL;
        bool                         v1 = mailauth__dmarc_is_v1(txt, len);
        mailauth__arena_init(&a, NULL);
        check(mailauth__dmarc_record_parse(&a, mode, txt, len, &r, &st, &detail) == MAILAUTH_OK);
        check(v1 == (st != MAILAUTH__DMARC_REC_NOT_DMARC));
        /* a text says why, unless the record is fine as published */
        check((st == MAILAUTH__DMARC_REC_OK && !r.as_none) == (detail == NULL));
        if (st == MAILAUTH__DMARC_REC_OK)
            check_record(&r, mode);
        mailauth__arena_clear(&a);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char prefix[] = "v=DMARC1; ";
    char             *buf;
    if (size > INPUT_MAX)
        return 0;
    parse((const char *)data, size);
    buf = malloc(sizeof(prefix) - 1 + size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, prefix, sizeof(prefix) - 1);
    if (size > 0)
        memcpy(buf + sizeof(prefix) - 1, data, size);
    parse(buf, sizeof(prefix) - 1 + size);
    free(buf);
    return 0;
}
