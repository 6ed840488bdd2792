/* libmailauth-report: the failure report message around the feedback
 * part (RFC 5965 §2: multipart/report; report-type=feedback-report, the
 * first part for people, the second message/feedback-report, the third
 * the original message or its header). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/dmarc.h>
#include <mailauth/eval.h>

#include "fail_int.h"

/* Length of the line at p (without its end) and of its end (CRLF, LF, or 0 at the end). */
static size_t
line_at(const uint8_t *p, size_t left, size_t *eol)
{
    size_t n = 0;
    while (n < left && p[n] != '\n')
        n++;
    *eol = n < left ? 1 : 0;
    if (n > 0 && *eol == 1 && p[n - 1] == '\r') {
        n--;
        *eol = 2;
    }
    return n;
}

static void
put_field(mailauth_report__buf_t *b, mailauth_report__buf_t *field,
          const mailauth_report_fail_opts_t *o)
{
    if (field->len == 0)
        return;
    if (o->keep_local_parts)
        mailauth_report__buf_add(b, field->data, field->len);
    else
        mailauth_report__redact_field(b, field->data, field->len, o->redact_secret);
    mailauth_report__buf_str(b, "\r\n");
    field->len = 0;
}

void
mailauth_report__fail_original(mailauth_report__buf_t *b, const uint8_t *msg, size_t len,
                               const mailauth_report_fail_opts_t *o)
{
    mailauth_report__buf_t field = {0};
    size_t                 pos = 0;
    /* Header: one field at a time (a line that starts with WSP continues it). */
    while (pos < len) {
        size_t eol;
        size_t n = line_at(msg + pos, len - pos, &eol);
        if (n == 0) {
            pos += eol;
            break;
        }
        if (msg[pos] != ' ' && msg[pos] != '\t')
            put_field(b, &field, o);
        else if (field.len > 0)
            mailauth_report__buf_str(&field, "\r\n");
        mailauth_report__buf_add(&field, msg + pos, n);
        pos += n + eol;
    }
    put_field(b, &field, o);
    if (field.failed)
        b->failed = true;
    mailauth_report__buf_clear(&field);
    if (!o->whole_message)
        return;
    mailauth_report__buf_str(b, "\r\n");
    while (pos < len) {
        size_t eol;
        size_t n = line_at(msg + pos, len - pos, &eol);
        mailauth_report__buf_add(b, msg + pos, n);
        mailauth_report__buf_str(b, "\r\n");
        pos += n + eol;
    }
}

static bool
eight_bit(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80)
            return true;
    return false;
}

static bool
opts_ok(const mailauth_report_fail_opts_t *o)
{
    return o != NULL && o->version == MAILAUTH_REPORT_STRUCT_VERSION && o->from != NULL &&
           strchr(o->from, '@') != NULL && strpbrk(o->from, "\r\n<>") == NULL &&
           o->source_ip != NULL;
}

/* Message-ID and boundary: derived from the message, the destination and
 * the date. False when libcrypto failed. */
static bool
ids(const uint8_t *msg, size_t len, const mailauth_report_mail_t *mail, const char *from,
    char *msgid, size_t idcap, char *boundary, size_t bcap)
{
    mailauth_report__sha256_t s;
    uint8_t                   d[32];
    char                      hex[33];
    const char               *dom = strrchr(from, '@') + 1;
    (void)mailauth_report__sha256_init(&s); /* a failure shows in done */
    mailauth_report__sha256_add(&s, msg, len);
    for (size_t i = 0; i < mail->to_count; i++)
        mailauth_report__sha256_add(&s, mail->to[i], strlen(mail->to[i]) + 1);
    mailauth_report__sha256_add(&s, &mail->date, sizeof(mail->date));
    if (!mailauth_report__sha256_done(&s, d))
        return false;
    mailauth_report__hex(d, 32, hex);
    (void)snprintf(msgid, idcap, "<%s.dmarc-failure@%s>", hex, dom);
    mailauth_report__boundary(hex, boundary, bcap);
    return true;
}

static void
put_parts(mailauth_report__buf_t *b, const char *boundary, const mailauth_report_fail_opts_t *o,
          const char *domain)
{
    mailauth_report__buf_fmt(b,
                             "Content-Type: multipart/report; report-type=feedback-report;\r\n"
                             "  boundary=\"%s\"\r\n\r\n",
                             boundary);
    mailauth_report__buf_str(b, "This is a MIME-formatted message.\r\n\r\n");
    mailauth_report__buf_fmt(b, "--%s\r\n", boundary);
    mailauth_report__buf_str(b, "Content-Type: text/plain; charset=us-ascii\r\n"
                                "Content-Disposition: inline\r\n"
                                "Content-Transfer-Encoding: 7bit\r\n\r\n");
    mailauth_report__buf_fmt(b,
                             "This is a DMARC authentication failure report (RFC 9991) for\r\n"
                             "a message from %s received from IP %s.\r\n\r\n",
                             domain, o->source_ip);
    mailauth_report__buf_fmt(b, "--%s\r\n", boundary);
    mailauth_report__buf_str(b, "Content-Type: message/feedback-report\r\n"
                                "Content-Transfer-Encoding: 7bit\r\n\r\n");
}

static void
put_original(mailauth_report__buf_t *b, const char *boundary, const mailauth_report_fail_opts_t *o,
             const uint8_t *msg, size_t len)
{
    mailauth_report__buf_fmt(b, "\r\n--%s\r\n", boundary);
    mailauth_report__buf_fmt(b, "Content-Type: %s\r\nContent-Transfer-Encoding: %s\r\n\r\n",
                             o->whole_message ? "message/rfc822" : "text/rfc822-headers",
                             eight_bit(msg, len) ? "8bit" : "7bit");
    mailauth_report__fail_original(b, msg, len, o);
    mailauth_report__buf_fmt(b, "\r\n--%s--\r\n", boundary);
}

mailauth_status_t
mailauth_report_failure_message(mailauth_eval_t *ev, const uint8_t *msg, size_t msg_len,
                                const mailauth_report_fail_opts_t *opts,
                                const mailauth_report_mail_t *mail, char **out, size_t *out_len)
{
    const mailauth_dmarc_result_t *r = ev != NULL ? mailauth_eval_dmarc(ev) : NULL;
    mailauth_report__buf_t         b = {0};
    mailauth_status_t              st;
    char                           msgid[160];
    char                           boundary[64];
    char                           subject[400];
    const char                    *domain = r != NULL ? mailauth_dmarc_result_header_from(r) : NULL;
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (r == NULL || domain == NULL || out == NULL || (msg == NULL && msg_len > 0) ||
        !opts_ok(opts) || mail == NULL || mail->version != MAILAUTH_REPORT_STRUCT_VERSION ||
        mail->to_count == 0 || mail->to == NULL)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < mail->to_count; i++)
        if (mail->to[i] == NULL || strpbrk(mail->to[i], "\r\n<>") != NULL)
            return MAILAUTH_EINVAL;
    if (!ids(msg, msg_len, mail, opts->from, msgid, sizeof(msgid), boundary, sizeof(boundary)))
        return MAILAUTH_ENOMEM;
    (void)snprintf(subject, sizeof(subject), "DMARC failure report for %s", domain);
    mailauth_report__mail_head(&b, NULL, opts->from, mail, subject, msgid);
    put_parts(&b, boundary, opts, domain);
    st = mailauth_report__fail_feedback(&b, ev, opts);
    if (st == MAILAUTH_OK) {
        put_original(&b, boundary, opts, msg, msg_len);
        st = mailauth_report__sign(mail, &b);
    }
    if (st == MAILAUTH_OK) {
        *out = mailauth_report__buf_take(&b, out_len);
        st = *out != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
    }
    mailauth_report__buf_clear(&b);
    return st;
}
