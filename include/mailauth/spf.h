/* mailauth: SPF (RFC 7208) detail view. */
#ifndef MAILAUTH_SPF_H
#define MAILAUTH_SPF_H

#include <mailauth/eval.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! The SPF verdict for one identity of one evaluation. */
typedef struct mailauth_spf_result mailauth_spf_result_t;

/*! The identity an SPF check was made for (RFC 7208 §2.3, §2.4). */
typedef enum mailauth_spf_identity {
    MAILAUTH_SPF_MAILFROM = 0,
    MAILAUTH_SPF_HELO = 1
} mailauth_spf_identity_t;

/*! "mailfrom" or "helo". */
MAILAUTH_API const char *mailauth_spf_identity_name(mailauth_spf_identity_t id);

/*! The SPF result of a finished evaluation for an identity, or NULL if SPF
 *  was not evaluated (method disabled, no client IP, or not finished).
 *  Borrowed until mailauth_eval_free(). */
MAILAUTH_API const mailauth_spf_result_t *mailauth_eval_spf(const mailauth_eval_t *ev,
                                                            mailauth_spf_identity_t id);

/*! Verdict: none, neutral, pass, fail, softfail, temperror, permerror. */
MAILAUTH_API mailauth_verdict_t mailauth_spf_result_verdict(const mailauth_spf_result_t *res);

/*! Machine-readable reason. */
MAILAUTH_API mailauth_reason_t mailauth_spf_result_reason(const mailauth_spf_result_t *res);

/*! The domain checked (the MAIL FROM domain or the HELO name, A-label form). Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_domain(const mailauth_spf_result_t *res);

/*! The sender checked ("local@domain"; postmaster@HELO for the null sender). Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_sender(const mailauth_spf_result_t *res);

/*! The expanded explanation of a fail (RFC 7208 §6.2), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_explanation(const mailauth_spf_result_t *res);

/*! The term that matched ("ip4:192.0.2.0/24"), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_mechanism(const mailauth_spf_result_t *res);

/*! Human-readable detail of a temperror/permerror naming the offending
 *  term or record, or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_problem(const mailauth_spf_result_t *res);

/*! DNS-causing terms counted by the check (RFC 7208 §4.6.4). */
MAILAUTH_API unsigned mailauth_spf_result_dns_terms(const mailauth_spf_result_t *res);

/*! Format a Received-SPF header field (RFC 7208 §9.1), folded, without
 *  final CRLF, like snprintf.
 *  \return MAILAUTH_OK, MAILAUTH_ENOSPC (retry with *need + 1), MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_spf_result_format_received_spf(const mailauth_spf_result_t *res,
                                                                char *buf, size_t cap,
                                                                size_t *need);

MAILAUTH_END_DECLS

#endif
