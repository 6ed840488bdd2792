/* mailauth: one blocking call for the simple case. */
#ifndef MAILAUTH_VERIFY_H
#define MAILAUTH_VERIFY_H

#include <stddef.h>

#include <mailauth/eval.h>
#include <mailauth/export.h>

MAILAUTH_BEGIN_DECLS

/*! Evaluate a whole message, blocking until done or the ctx deadline:
 *  mailauth_eval_new(), mailauth_eval_set_envelope() (when `env` is not
 *  NULL), mailauth_eval_message() (when `msg` is not NULL) and
 *  mailauth_eval_finish_sync(), the same engine as the asynchronous calls.
 *  \param[in]  env  Envelope, or NULL (then SPF and iprev are not evaluated).
 *  \param[in]  msg  Whole message, or NULL with len 0 for an envelope-only check.
 *  \param[out] out  The finished evaluation: read mailauth_eval_authres() and the detail
 *                   views, then mailauth_eval_free(). NULL on error.
 *  \return MAILAUTH_OK (refused header fields are verdict reasons, not errors),
 *          MAILAUTH_EINVAL (NULL ctx, r or out; a bad envelope), MAILAUTH_ENOMEM,
 *          MAILAUTH_ETIMEOUT (only with a clock that does not advance). */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_verify(mailauth_ctx_t            *ctx,
                                                                  mailauth_resolver_t       *r,
                                                                  const mailauth_envelope_t *env,
                                                                  const void *msg, size_t len,
                                                                  mailauth_eval_t **out);

MAILAUTH_END_DECLS

#endif
