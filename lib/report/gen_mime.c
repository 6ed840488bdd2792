/* libmailauth-report: the message that carries an aggregate report
 * (RFC 9990 §2.1.3.2) and DKIM signing of report messages through
 * libmailauth's public signer (sign.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/ctx.h>
#include <mailauth/sign.h>

#include "gen_int.h"

/* A display name as an RFC 5322 quoted-string; a name that is not plain
 * printable ASCII is left out rather than encoded. */
static void
put_from(mailauth_report__buf_t *b, const char *name, const char *addr)
{
    bool plain = name != NULL && *name != '\0';
    for (const char *p = name; plain && *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            plain = false;
    mailauth_report__buf_str(b, "From: ");
    if (plain) {
        mailauth_report__buf_str(b, "\"");
        for (const char *p = name; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                mailauth_report__buf_str(b, "\\");
            mailauth_report__buf_add(b, p, 1);
        }
        mailauth_report__buf_str(b, "\" ");
    }
    mailauth_report__buf_fmt(b, "<%s>\r\n", addr);
}

void
mailauth_report__mail_head(mailauth_report__buf_t *b, const char *from_name, const char *from_addr,
                           const mailauth_report_mail_t *mail, const char *subject,
                           const char *msgid)
{
    char date[64];
    put_from(b, from_name, from_addr);
    mailauth_report__buf_str(b, "To: ");
    for (size_t i = 0; i < mail->to_count; i++)
        mailauth_report__buf_fmt(b, "%s<%s>", i > 0 ? ",\r\n  " : "", mail->to[i]);
    mailauth_report__buf_str(b, "\r\n");
    mailauth_report__rfc5322_date(mail->date, date, sizeof(date));
    mailauth_report__buf_fmt(b, "Date: %s\r\n", date);
    mailauth_report__buf_fmt(b, "Subject: %s\r\n", subject);
    mailauth_report__buf_fmt(b, "Message-ID: %s\r\n", msgid);
    mailauth_report__buf_str(b, "MIME-Version: 1.0\r\n");
}

/* A header value must not carry CR, LF or NUL: it would add fields. */
static bool
field_safe(const char *s)
{
    if (s == NULL)
        return false;
    for (; *s != '\0'; s++)
        if (*s == '\r' || *s == '\n')
            return false;
    return true;
}

static bool
mail_ok(const mailauth_report_mail_t *mail)
{
    if (mail == NULL || mail->version != MAILAUTH_REPORT_STRUCT_VERSION || mail->to_count == 0 ||
        mail->to == NULL)
        return false;
    for (size_t i = 0; i < mail->to_count; i++)
        if (!field_safe(mail->to[i]) || strchr(mail->to[i], '>') != NULL)
            return false;
    if (mail->key != NULL && (mail->ctx == NULL || mail->domain == NULL || mail->selector == NULL))
        return false;
    return true;
}

mailauth_status_t
mailauth_report__sign(const mailauth_report_mail_t *mail, mailauth_report__buf_t *b)
{
    mailauth_dkim_signer_t *s = NULL;
    mailauth_status_t       st;
    size_t                  need = 0;
    char                   *field = NULL;
    mailauth_report__buf_t  out = {0};
    if (mail->key == NULL)
        return MAILAUTH_OK;
    if (b->failed)
        return MAILAUTH_ENOMEM;
    st = mailauth_dkim_signer_new(mail->ctx, mail->key, mail->domain, mail->selector, &s);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_message(s, b->data, b->len);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_end_message(s);
    if (st == MAILAUTH_OK) {
        st = mailauth_dkim_signer_format(s, NULL, 0, &need);
        if (st == MAILAUTH_ENOSPC || st == MAILAUTH_OK) {
            field = malloc(need + 1);
            st = field == NULL ? MAILAUTH_ENOMEM
                               : mailauth_dkim_signer_format(s, field, need + 1, &need);
        }
    }
    if (st == MAILAUTH_OK) {
        mailauth_report__buf_add(&out, field, need);
        mailauth_report__buf_str(&out, "\r\n");
        mailauth_report__buf_add(&out, b->data, b->len);
        if (out.failed) {
            st = MAILAUTH_ENOMEM;
        } else {
            mailauth_report__buf_clear(b);
            *b = out;
            out = (mailauth_report__buf_t){0};
        }
    }
    mailauth_report__buf_clear(&out);
    free(field);
    mailauth_dkim_signer_free(s);
    return st;
}

static void
agg_body(mailauth_report__buf_t *b, const mailauth_report_aggregate_t *a, const char *boundary)
{
    size_t         gz_len = 0;
    const uint8_t *gz = mailauth_report_aggregate_gzip(a, &gz_len);
    const char    *name = mailauth_report_aggregate_filename(a);
    mailauth_report__buf_fmt(b, "Content-Type: multipart/mixed;\r\n  boundary=\"%s\"\r\n\r\n",
                             boundary);
    mailauth_report__buf_str(b, "This is a MIME-formatted message.\r\n\r\n");
    mailauth_report__buf_fmt(b, "--%s\r\n", boundary);
    mailauth_report__buf_str(b, "Content-Type: text/plain; charset=us-ascii\r\n"
                                "Content-Transfer-Encoding: 7bit\r\n\r\n");
    mailauth_report__buf_fmt(b,
                             "This is a DMARC aggregate report (RFC 9990) for %s\r\n"
                             "from %s. The report is the attached file\r\n%s\r\n\r\n",
                             mailauth_report__agg_domain(a), mailauth_report__agg_receiver(a),
                             name);
    mailauth_report__buf_fmt(b, "--%s\r\n", boundary);
    mailauth_report__buf_fmt(b,
                             "Content-Type: application/gzip;\r\n  name=\"%s\"\r\n"
                             "Content-Disposition: attachment;\r\n  filename=\"%s\"\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n",
                             name, name);
    mailauth_report__buf_base64(b, gz, gz_len);
    mailauth_report__buf_fmt(b, "\r\n--%s--\r\n", boundary);
}

mailauth_status_t
mailauth_report_aggregate_message(const mailauth_report_aggregate_t *a,
                                  const mailauth_report_mail_t *mail, char **msg, size_t *len)
{
    mailauth_report__buf_t b = {0};
    mailauth_status_t      st;
    char                   subject[768];
    char                   msgid[384];
    char                   boundary[64];
    if (msg != NULL)
        *msg = NULL;
    if (len != NULL)
        *len = 0;
    if (a == NULL || msg == NULL || !mail_ok(mail))
        return MAILAUTH_EINVAL;
    /* RFC 9990 §2.1.3.2: "Report Domain: D Submitter: R Report-ID: <id>",
     * folded; the same ridtxt as the report_id and the file's unique-id. */
    (void)snprintf(subject, sizeof(subject),
                   "Report Domain: %s\r\n  Submitter: %s\r\n  Report-ID: <%s>",
                   mailauth_report__agg_domain(a), mailauth_report__agg_receiver(a),
                   mailauth_report_aggregate_id(a));
    (void)snprintf(msgid, sizeof(msgid), "<%s@%s>", mailauth_report_aggregate_id(a),
                   mailauth_report__agg_receiver(a));
    mailauth_report__boundary(mailauth_report_aggregate_id(a), boundary, sizeof(boundary));
    mailauth_report__mail_head(&b, mailauth_report__agg_org(a), mailauth_report__agg_email(a), mail,
                               subject, msgid);
    agg_body(&b, a, boundary);
    st = mailauth_report__sign(mail, &b);
    if (st == MAILAUTH_OK) {
        *msg = mailauth_report__buf_take(&b, len);
        st = *msg != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
    }
    mailauth_report__buf_clear(&b);
    return st;
}
