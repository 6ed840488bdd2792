/* mailauth: evaluation of one message. */
#ifndef MAILAUTH_EVAL_H
#define MAILAUTH_EVAL_H

#include <stddef.h>

#include <mailauth/authres.h>
#include <mailauth/ctx.h>
#include <mailauth/dns.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! Evaluation of one message: envelope, header fields, body, then
 *  verdicts. Feed it in order: envelope setters (any time before
 *  end_headers), header() for each field, end_headers(), body() chunks,
 *  end_message(); or message() for a whole buffer; or feed() for the raw
 *  bytes in chunks cut anywhere, then end_message(). Then finish() or
 *  finish_sync(). finish() may also come right after the envelope, with no
 *  header fed at all: an SPF-only evaluation, in which the message-based
 *  methods (DKIM, DMARC, ARC) are not evaluated. DNS questions start as
 *  soon as the data allows (SPF when the client IP and MAIL FROM are set).
 *  Bound to the thread of its resolver. */
typedef struct mailauth_eval mailauth_eval_t;

/*! Completion callback of mailauth_eval_finish(): called exactly once, from
 *  mailauth_resolver_process_fd()/process_timeouts()/run_once(), never from
 *  inside mailauth_eval_finish(). `st` is MAILAUTH_OK (verdicts ready),
 *  MAILAUTH_ECANCELED or MAILAUTH_ENOMEM. The eval may be freed inside the callback. */
typedef void (*mailauth_eval_done_fn)(void *ud, mailauth_eval_t *ev, mailauth_status_t st);

/*! Create an evaluation.
 *  \param[in]  ctx  Context (becomes read-only); must outlive the eval.
 *  \param[in]  r    Resolver; must outlive the eval.
 *  \param[out] out  Freed with mailauth_eval_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_new(mailauth_ctx_t *ctx, mailauth_resolver_t *r,
                                                 mailauth_eval_t **out);

/*! Free an evaluation, canceling its questions (no callback is called). NULL is a no-op. */
MAILAUTH_API void mailauth_eval_free(mailauth_eval_t *ev);

/*! SMTP client address, IPv4 dotted quad or IPv6 text (a v4-mapped IPv6
 *  address is treated as IPv4, RFC 7208 §5). Copied. Starts the SPF check
 *  if MAIL FROM is known.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (not an address), MAILAUTH_ESTATE (after
 *          end_headers, finish or cancel, or once an SPF check has started),
 *          MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_set_client_ip(mailauth_eval_t *ev, const char *ip);

/*! HELO/EHLO name as given (may be an address literal "[192.0.2.1]", which
 *  gets no HELO check). Copied. Set it before MAIL FROM, as SMTP does: the
 *  HELO identity is checked along with MAIL FROM (RFC 7208 §2.3).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL or empty), MAILAUTH_ESTATE (after
 *          end_headers, finish or cancel, or once a check using the HELO name has
 *          started), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_set_helo(mailauth_eval_t *ev, const char *helo);

/*! MAIL FROM address without angle brackets (one enclosing pair is
 *  removed); "" is the null sender (SPF then checks postmaster@HELO, RFC
 *  7208 §2.4). The domain follows the last '@' and is checked in A-label
 *  form. Copied. Starts the SPF checks if the client IP is known (for the
 *  null sender, once HELO is known too, or at finish).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE (after end_headers, finish or
 *          cancel, or once the MAIL FROM check has started), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_set_mail_from(mailauth_eval_t *ev,
                                                           const char *mail_from);

/*! Feed one complete header field (name, colon, value, folding kept;
 *  trailing CRLF optional). Copied.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE (headers already ended),
 *          MAILAUTH_ELIMIT (field over MAILAUTH_LIMIT_HEADER_MAX_BYTES, or too many fields:
 *          the eval goes on without it), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_header(mailauth_eval_t *ev, const char *field,
                                                    size_t len);

/*! End of the header section. \return MAILAUTH_OK, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_end_headers(mailauth_eval_t *ev);

/*! Feed a chunk of the body (any size, CRLF line ends; chunk boundaries may
 *  fall anywhere). Not copied beyond the call.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_body(mailauth_eval_t *ev, const void *chunk,
                                                  size_t len);

/*! End of the message. After mailauth_eval_feed(), this first ends the raw
 *  stream: its last header field, the end of the header section (if no
 *  empty line came) and its last body bytes.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE; after feed() also
 *          MAILAUTH_ENOMEM, and MAILAUTH_ELIMIT or MAILAUTH_EINVAL when a header
 *          field was refused (as mailauth_eval_message(): the message still ended
 *          and the eval goes on without that field). */
MAILAUTH_API mailauth_status_t mailauth_eval_end_message(mailauth_eval_t *ev);

/*! Feed a whole message (header section, blank line, body). LF line ends
 *  are accepted and treated as CRLF; a bare CR and NUL bytes are kept as
 *  data. A line starting with SP/HTAB continues the previous field. A first
 *  line "From " (mbox) is skipped. A line that is not a header field ends
 *  the header section and starts the body; with no blank line at all, the
 *  whole buffer is the header section. Equivalent to header()..end_message().
 *  Only before any header() call.
 *  \return as the calls it replaces; MAILAUTH_ELIMIT if a field was refused by a
 *          limit (the message was still fed completely and the eval goes on). */
MAILAUTH_API mailauth_status_t mailauth_eval_message(mailauth_eval_t *ev, const void *msg,
                                                     size_t len);

/*! Feed the raw message (RFC 5322 header section, empty line, body) as it
 *  arrives: chunks of any size, cut anywhere (inside a field, between CR
 *  and LF), with the splitting rules of mailauth_eval_message(); finish the
 *  message with mailauth_eval_end_message(). Fields are handed on as they
 *  complete, so DNS questions start at the end of the header section, and
 *  body bytes are hashed as they pass, never kept: memory stays bounded
 *  (one header field at most) whatever the message size. The first call
 *  must come before any header() or message(); from then on header(),
 *  end_headers(), body() and message() return MAILAUTH_ESTATE. Not copied
 *  beyond the call.
 *  \return MAILAUTH_OK (a field refused by a limit is reported by
 *          mailauth_eval_end_message()), MAILAUTH_EINVAL, MAILAUTH_ESTATE (after
 *          header() or message(), after end_message(), finish or cancel),
 *          MAILAUTH_ENOMEM (the eval cannot go on: free it). */
MAILAUTH_API mailauth_status_t mailauth_eval_feed(mailauth_eval_t *ev, const void *chunk,
                                                  size_t len);

/*! Start finishing asynchronously. `cb` is called exactly once, later, from
 *  the resolver's processing functions (even when every verdict is already
 *  known). Drive the resolver (process_fd, process_timeouts) until then.
 *  With `cb` NULL the finished evaluation goes to the resolver's done
 *  queue instead, in the same call where the callback would have come: take
 *  it with mailauth_resolver_next_done() after each processing call.
 *  Allowed after end_message(), or before any header (or raw byte, see
 *  mailauth_eval_feed()) was fed (SPF only).
 *  \return MAILAUTH_EAGAIN (callback or queue entry pending), MAILAUTH_EINVAL,
 *          MAILAUTH_ESTATE (already finishing or finished, canceled, or the
 *          message is fed only in part), MAILAUTH_ENOMEM (no callback will come). */
MAILAUTH_API mailauth_status_t mailauth_eval_finish(mailauth_eval_t *ev, mailauth_eval_done_fn cb,
                                                    void *ud);

/*! Finish, blocking up to `timeout_ms` (-1: the ctx evaluation deadline,
 *  which also caps a larger timeout). Same rules as mailauth_eval_finish().
 *  \return MAILAUTH_OK (verdicts ready; DNS that did not answer in time is a
 *          temperror verdict), MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM,
 *          MAILAUTH_ETIMEOUT (only with a clock that does not advance). */
MAILAUTH_API mailauth_status_t mailauth_eval_finish_sync(mailauth_eval_t *ev, int timeout_ms);

/*! The done queue: the oldest evaluation of `r` finished by
 *  mailauth_eval_finish(ev, NULL, ud), taken out of the queue, with the
 *  status a callback would have had (MAILAUTH_OK, MAILAUTH_ECANCELED or
 *  MAILAUTH_ENOMEM) and its `ud`. Evaluations enter in the order they
 *  finish; a freed evaluation leaves the queue. The caller still owns and
 *  frees the evaluation.
 *  \param[out] ev  The evaluation, or NULL when the queue is empty.
 *  \param[out] st  Its final status (may be NULL).
 *  \param[out] ud  The `ud` given to mailauth_eval_finish() (may be NULL).
 *  \return MAILAUTH_OK (one taken), MAILAUTH_EAGAIN (queue empty), MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_resolver_next_done(mailauth_resolver_t *r,
                                                           mailauth_eval_t **ev,
                                                           mailauth_status_t *st, void **ud);

/*! Cancel: pending questions are dropped; a pending finish() callback is
 *  called (or the queue entry made) with MAILAUTH_ECANCELED at the next
 *  processing call. Afterwards
 *  feeding and finishing return MAILAUTH_ESTATE. No-op once finished.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_eval_cancel(mailauth_eval_t *ev);

/*! The Authentication-Results of a finished evaluation. The first call
 *  builds them from the verdicts (a caller that reads only the verdicts never
 *  pays for them) and later calls return the same object, so the first call
 *  on an eval must not race with another call on it. NULL before the
 *  evaluation finished normally, and NULL when building them ran out of
 *  memory (a later call tries again). Borrowed until mailauth_eval_free(). */
MAILAUTH_API const mailauth_authres_t *mailauth_eval_authres(const mailauth_eval_t *ev);

MAILAUTH_END_DECLS

#endif
