/* mailauth: one blocking call for the simple case. */
#ifndef MAILAUTH_VERIFY_H
#define MAILAUTH_VERIFY_H

#include <stddef.h>

#include <mailauth/eval.h>
#include <mailauth/export.h>

MAILAUTH_BEGIN_DECLS

/*! Envelope of a message, as received by SMTP. Any field may be NULL. */
typedef struct mailauth_envelope {
    int version;           /*!< MAILAUTH_ENVELOPE_VERSION */
    const char *client_ip; /*!< SMTP client address */
    const char *helo;      /*!< HELO/EHLO name */
    const char *mail_from; /*!< MAIL FROM address; "" for the null sender */
} mailauth_envelope_t;
#define MAILAUTH_ENVELOPE_VERSION 1

/*! Evaluate a whole message, blocking until done or the ctx deadline.
 *  Runs the same engine as mailauth_eval_finish_sync().
 *  \param[in]  msg  Whole message, or NULL with len 0 for an SPF-only check.
 *  \param[out] out  The finished evaluation: read mailauth_eval_authres() and the detail
 *                   views, then mailauth_eval_free(). NULL on error.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM, or an error of the feeding calls. */
MAILAUTH_API mailauth_status_t mailauth_verify(mailauth_ctx_t *ctx, mailauth_resolver_t *r,
                                               const mailauth_envelope_t *env, const void *msg,
                                               size_t len, mailauth_eval_t **out);

MAILAUTH_END_DECLS

#endif
