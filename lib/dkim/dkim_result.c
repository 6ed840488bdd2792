/* DKIM results: the public getters of include/mailauth/dkim.h and the
 * Authentication-Results entries (RFC 8601 §2.7.1, RFC 6008). */
#include "dkim/dkim_verify.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* A property value is one token the formatter cannot fold (RFC 5322 §2.1.1:
 * lines of at most 998 octets): longer values are left out. */
#define PROP_MAX 256u
/* RFC 6008 §4: header.b carries a prefix of b=, enough to tell signatures apart. */
#define HEADER_B_LEN 8u

mailauth_verdict_t
mailauth_dkim_result_verdict(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->verdict : MAILAUTH_VERDICT_NONE;
}

mailauth_reason_t
mailauth_dkim_result_reason(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->reason : MAILAUTH_REASON_NONE;
}

const char *
mailauth_dkim_result_problem(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->problem : NULL;
}

const char *
mailauth_dkim_result_domain(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->domain : NULL;
}

const char *
mailauth_dkim_result_selector(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->selector : NULL;
}

const char *
mailauth_dkim_result_auid(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->auid : NULL;
}

const char *
mailauth_dkim_result_algorithm(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->algorithm : NULL;
}

const char *
mailauth_dkim_result_signature(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->signature : NULL;
}

unsigned
mailauth_dkim_result_key_bits(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->key_bits : 0;
}

int
mailauth_dkim_result_testing(const mailauth_dkim_result_t *res)
{
    return res != NULL && res->testing ? 1 : 0;
}

int64_t
mailauth_dkim_result_timestamp(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->timestamp : -1;
}

int64_t
mailauth_dkim_result_expiry(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->expiry : -1;
}

int64_t
mailauth_dkim_result_body_length(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->body_length : -1;
}

uint64_t
mailauth_dkim_result_unsigned_bytes(const mailauth_dkim_result_t *res)
{
    return res != NULL ? res->unsigned_bytes : 0;
}

/* ---------------------------------------------------------------- Authentication-Results */

/* "(2048-bit key)" for a pass, the problem otherwise, plus what a reader
 * of the field should know (test mode, unsigned bytes, the key size refused). */
/* snprintf(buf, cap, "%s", s) without the format machinery (cap > 0). */
static int
copy_text(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(s);
    size_t k = n < cap ? n : cap - 1;
    memcpy(buf, s, k);
    buf[k] = '\0';
    return n > INT_MAX ? INT_MAX : (int)n;
}

/* snprintf(buf, cap, "%u-bit key", bits) for the usual case of a pass:
 * digits written backwards, no format to interpret (cap > 0). */
static int
key_bits_text(char *buf, size_t cap, unsigned bits)
{
    static const char tail[] = "-bit key";
    char              num[sizeof(tail) + 10];
    size_t            k = sizeof(num) - sizeof(tail);
    memcpy(num + k, tail, sizeof(tail));
    do {
        num[--k] = (char)('0' + bits % 10);
        bits /= 10;
    } while (bits != 0);
    return copy_text(buf, cap, num + k);
}

static void
comment_text(const mailauth_dkim_result_t *res, char *buf, size_t cap)
{
    int n = 0;
    if (res->verdict == MAILAUTH_VERDICT_PASS)
        n = key_bits_text(buf, cap, res->key_bits);
    else if ((res->reason == MAILAUTH_REASON_DKIM_KEY_TOO_SMALL ||
              res->reason == MAILAUTH_REASON_DKIM_KEY_TOO_LARGE) &&
             res->key_bits > 0)
        n = snprintf(buf, cap, "%s: %u bits", res->problem, res->key_bits);
    else
        n = copy_text(buf, cap, res->problem != NULL ? res->problem : "not verified");
    if (n < 0 || (size_t)n >= cap)
        return; /* cut: the comment is for humans */
    if (res->unsigned_bytes > 0 && res->verdict == MAILAUTH_VERDICT_PASS)
        n += snprintf(buf + n, cap - (size_t)n, "; %" PRIu64 " body bytes unsigned",
                      res->unsigned_bytes);
    if (n >= 0 && (size_t)n < cap && res->testing)
        (void)snprintf(buf + n, cap - (size_t)n, "; key in test mode");
}

static mailauth_status_t
add_prop(mailauth_resinfo_t *ri, const char *property, const char *value, size_t max)
{
    char              cut[HEADER_B_LEN + 1];
    mailauth_status_t st = MAILAUTH_OK;
    if (value == NULL || value[0] == '\0')
        return MAILAUTH_OK;
    if (max < sizeof(cut) && strnlen(value, max + 1) > max) {
        memcpy(cut, value, max);
        cut[max] = '\0';
        value = cut;
    }
    if (strlen(value) > PROP_MAX)
        return MAILAUTH_OK;
    st = mailauth_resinfo_add_prop(ri, "header", property, value);
    /* A value the model refuses (controls inside) is left out, not an error. */
    return st == MAILAUTH_ENOMEM ? st : MAILAUTH_OK;
}

static mailauth_status_t
add_one(const mailauth_dkim_result_t *res, mailauth_authres_t *ar)
{
    char                comment[160];
    mailauth_resinfo_t *ri = NULL;
    mailauth_status_t   st =
        mailauth_authres_add(ar, "dkim", mailauth_verdict_name(res->verdict), &ri);
    if (st != MAILAUTH_OK)
        return st;
    comment[0] = '\0';
    comment_text(res, comment, sizeof(comment));
    st = mailauth_resinfo_set_comment(ri, comment);
    if (st == MAILAUTH_ENOMEM)
        return st;
    /* RFC 8601 §2.7.1: header.d, header.i, header.s, header.a; RFC 6008: header.b. */
    st = add_prop(ri, "d", res->domain, PROP_MAX);
    if (st == MAILAUTH_OK)
        st = add_prop(ri, "i", res->auid, PROP_MAX);
    if (st == MAILAUTH_OK)
        st = add_prop(ri, "s", res->selector, PROP_MAX);
    if (st == MAILAUTH_OK)
        st = add_prop(ri, "a", res->algorithm, PROP_MAX);
    if (st == MAILAUTH_OK)
        st = add_prop(ri, "b", res->signature, HEADER_B_LEN);
    return st;
}

mailauth_status_t
mailauth__dkim_add_authres(const mailauth__dkim_verify_t *v, mailauth_authres_t *ar)
{
    size_t            n = mailauth__dkim_verify_count(v);
    mailauth_status_t st = MAILAUTH_OK;
    /* RFC 8601 §2.7.1 none: "The message was not signed." */
    if (n == 0)
        return mailauth_authres_add(ar, "dkim", "none", NULL);
    for (size_t i = 0; i < n && st == MAILAUTH_OK; i++)
        st = add_one(mailauth__dkim_verify_result(v, i), ar);
    return st;
}
