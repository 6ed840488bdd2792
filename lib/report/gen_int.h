/* libmailauth-report, generating and sending reports: internal helpers
 * shared by gen_*.c, send_*.c and fail_*.c (never exported). */
#ifndef MAILAUTH_REPORT_GEN_INT_H
#define MAILAUTH_REPORT_GEN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/report.h>
#include <mailauth/status.h>

/* A growing byte buffer; `failed` sticks after the first allocation error,
 * so a writer checks once at the end. Always NUL-terminated when not failed. */
typedef struct mailauth_report__buf {
    char  *data;
    size_t len;
    size_t cap;
    bool   failed;
} mailauth_report__buf_t;

void mailauth_report__buf_add(mailauth_report__buf_t *b, const void *p, size_t n);
void mailauth_report__buf_str(mailauth_report__buf_t *b, const char *s);
void mailauth_report__buf_fmt(mailauth_report__buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Base64 (RFC 2045 §6.8), lines of 76 characters, each ended by CRLF. */
void mailauth_report__buf_base64(mailauth_report__buf_t *b, const uint8_t *p, size_t n);
void mailauth_report__buf_clear(mailauth_report__buf_t *b);
/* Hand the bytes over (the buffer is emptied); NULL when it failed. */
char *mailauth_report__buf_take(mailauth_report__buf_t *b, size_t *len);

/* SHA-256 through libcrypto (EVP), for deterministic identifiers (Report-ID,
 * Message-ID, MIME boundary) and redaction tokens. init and done return
 * false when libcrypto failed (out of memory): the digest is then not
 * to be used; done always releases what init took. */
typedef struct mailauth_report__sha256 {
    struct evp_md_ctx_st *md;
    bool                  failed;
} mailauth_report__sha256_t;

bool mailauth_report__sha256_init(mailauth_report__sha256_t *s);
void mailauth_report__sha256_add(mailauth_report__sha256_t *s, const void *p, size_t n);
bool mailauth_report__sha256_done(mailauth_report__sha256_t *s, uint8_t out[32]);
/* The first `digits` hex digits (lower case) of SHA-256 over the data, into out[digits+1]. */
void mailauth_report__hex(const uint8_t *bytes, size_t digits, char *out);

/* RFC 5322 date-time of t (UTC, "+0000"), into out[40]. */
void mailauth_report__rfc5322_date(int64_t t, char *out, size_t cap);

/* ASCII helpers. */
bool mailauth_report__ieq(const char *a, const char *b);
/* 1 if `sub` is `dom` or a subdomain of it (case-insensitive). */
bool mailauth_report__under(const char *sub, const char *dom);

/* Deflate `in` into a gzip file (RFC 1952: mtime 0, no name, OS 255). */
mailauth_status_t mailauth_report__gzip(const uint8_t *in, size_t len, uint8_t **out,
                                        size_t *out_len);

/* DKIM-sign the message in `b` (CRLF ends) with mail's key: prepends the field.
 * No key: nothing to do. */
mailauth_status_t mailauth_report__sign(const mailauth_report_mail_t *mail,
                                        mailauth_report__buf_t       *b);

/* A MIME boundary made from an identifier (deterministic). */
void mailauth_report__boundary(const char *seed, char *out, size_t cap);

/* The XML document of a report into b. */
mailauth_status_t mailauth_report__xml_write(const mailauth_report_meta_t   *meta,
                                             const mailauth_report_policy_t *policy,
                                             const mailauth_report_record_t *records, size_t count,
                                             mailauth_report__buf_t *b);

/* Order a record's DKIM results by RFC 9990 §2.1.2 priority into idx
 * (capacity n); returns how many to write (at most 100). */
size_t mailauth_report__dkim_order(const mailauth_report_record_t *rec, size_t *idx);

#define MAILAUTH_REPORT__DKIM_MAX 100u

/* A pool of copies (gen_copy.c), freed at once; `failed` sticks. */
typedef struct mailauth_report__pool {
    struct chunk *head;
    bool          failed;
} mailauth_report__pool_t;

void                           *mailauth_report__pool_alloc(mailauth_report__pool_t *p, size_t n);
void                            mailauth_report__pool_free(mailauth_report__pool_t *p);
const mailauth_report_policy_t *mailauth_report__copy_policy(mailauth_report__pool_t        *p,
                                                             const mailauth_report_policy_t *src);
void mailauth_report__copy_record(mailauth_report__pool_t *p, mailauth_report_record_t *d,
                                  const mailauth_report_record_t *s,
                                  const mailauth_report_policy_t *policy);
bool mailauth_report__policy_eq(const mailauth_report_policy_t *a,
                                const mailauth_report_policy_t *b);

/* The names a report's message needs (gen_report.c). */
const char *mailauth_report__agg_receiver(const mailauth_report_aggregate_t *a);
const char *mailauth_report__agg_domain(const mailauth_report_aggregate_t *a);
const char *mailauth_report__agg_email(const mailauth_report_aggregate_t *a);
const char *mailauth_report__agg_org(const mailauth_report_aggregate_t *a);

/* The common header fields of a report message: From, To, Date, Subject,
 * Message-ID, MIME-Version (CRLF ends). */
void mailauth_report__mail_head(mailauth_report__buf_t *b, const char *from_name,
                                const char *from_addr, const mailauth_report_mail_t *mail,
                                const char *subject, const char *msgid);

#endif
