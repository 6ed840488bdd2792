/* libmailauth-report, failure reports: internal helpers (fail_*.c). */
#ifndef MAILAUTH_REPORT_FAIL_INT_H
#define MAILAUTH_REPORT_FAIL_INT_H

#include "gen_int.h"

#define MAILAUTH_REPORT__REDACT_LEN 25 /* "redacted-" + 16 hex digits */

/* The token that replaces a local-part (RFC 6590); false when libcrypto
 * failed (no token). */
bool mailauth_report__redact_token(const char *secret, const char *local, size_t len,
                                   char out[MAILAUTH_REPORT__REDACT_LEN + 1]);

/* Append one header field (name, colon, value, folding; no final CRLF
 * needed) with the local-parts of its addresses redacted. */
void mailauth_report__redact_field(mailauth_report__buf_t *b, const char *field, size_t len,
                                   const char *secret);

/* The message/feedback-report fields of an evaluation (fail_report.c). */
mailauth_status_t mailauth_report__fail_feedback(mailauth_report__buf_t            *b,
                                                 struct mailauth_eval              *ev,
                                                 const mailauth_report_fail_opts_t *o);

/* The original message as an included part: its header fields (redacted
 * unless opts keep local-parts), CRLF line ends, and with whole_message
 * the body too (fail_message.c). */
void mailauth_report__fail_original(mailauth_report__buf_t *b, const uint8_t *msg, size_t len,
                                    const mailauth_report_fail_opts_t *o);

#endif
