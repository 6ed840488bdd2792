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
 *  verdicts. Feed it in order: the envelope, header() for each field,
 *  end_headers(), body() chunks, end_message(); or message() for a whole
 *  buffer; or feed() for the raw bytes in chunks cut anywhere, then
 *  end_message(). Then finish() or finish_sync(). finish() may also come
 *  right after the envelope, with no message at all: an envelope-only
 *  evaluation (SPF and iprev), in which the message-based methods (DKIM,
 *  DMARC, ARC) are not evaluated. Bound to the thread of its resolver.
 *
 *  Statuses: a call that took everything it was given returns MAILAUTH_OK.
 *  A header field refused by a limit (MAILAUTH_LIMIT_HEADER_MAX_BYTES,
 *  MAILAUTH_LIMIT_HEADER_MAX_COUNT) is not an error: it is counted
 *  (mailauth_eval_refused()) and the verdicts that needed it say so with
 *  MAILAUTH_REASON_LIMIT_FIELD. */
typedef struct mailauth_eval mailauth_eval_t;

/*! Envelope of a message, as received by SMTP. Any field may be NULL
 *  (unknown). */
typedef struct mailauth_envelope {
    int         version;   /*!< MAILAUTH_ENVELOPE_VERSION */
    const char *client_ip; /*!< SMTP client address, IPv4 dotted quad or IPv6 text; a
                                v4-mapped IPv6 address is taken as IPv4 (RFC 7208 §5) */
    const char *helo;      /*!< HELO/EHLO name as given (an address literal "[192.0.2.1]"
                                gets no HELO check); not "" */
    const char *mail_from; /*!< MAIL FROM address without angle brackets (one enclosing pair
                                is removed); "" is the null sender (SPF then checks
                                postmaster@HELO, RFC 7208 §2.4) */
} mailauth_envelope_t;
#define MAILAUTH_ENVELOPE_VERSION 1

/*! Completion callback of mailauth_eval_finish(): called exactly once, from
 *  mailauth_resolver_process_fd()/process_timeouts()/run_once(), never from
 *  inside mailauth_eval_finish(). `st` is MAILAUTH_OK (verdicts ready),
 *  MAILAUTH_ECANCELED or MAILAUTH_ENOMEM. The eval may be freed inside the callback.
 *  Blocking calls on the same resolver (mailauth_eval_finish_sync() of another
 *  evaluation, mailauth_resolver_run_once(), mailauth_resolver_lookup_sync())
 *  may be made inside the callback: the run loop nests, and other evaluations'
 *  callbacks may then come inside it, each still exactly once. */
typedef void (*mailauth_eval_done_fn)(void *ud, mailauth_eval_t *ev, mailauth_status_t st);

/*! Create an evaluation.
 *  \param[in]  ctx  Context (becomes read-only); must outlive the eval.
 *  \param[in]  r    Resolver; must outlive the eval.
 *  \param[out] out  Freed with mailauth_eval_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_eval_new(mailauth_ctx_t      *ctx,
                                                                    mailauth_resolver_t *r,
                                                                    mailauth_eval_t    **out);

/*! Free an evaluation, canceling its questions (no callback is called). NULL is a no-op. */
MAILAUTH_API void mailauth_eval_free(mailauth_eval_t *ev);

/*! Give the whole envelope at once and close it: the SPF checks (MAIL FROM
 *  and HELO identities) and iprev start now, their first DNS questions go
 *  out before this call returns. The strings are copied. Call it before
 *  any part of the message; at most once, and not after the single
 *  setters' envelope was closed (see mailauth_eval_set_client_ip()).
 *  \return MAILAUTH_OK; MAILAUTH_EINVAL (NULL, unknown version, a client_ip
 *          that is not an address, an empty helo: nothing is taken);
 *          MAILAUTH_ESTATE (the envelope is closed: set already, message data
 *          fed, finishing or canceled); MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_set_envelope(mailauth_eval_t           *ev,
                                                          const mailauth_envelope_t *env);

/*! Single envelope setters, for callers that learn the envelope piece by
 *  piece. Each records its value (a later call replaces it); nothing is
 *  asked yet, so their order never matters. The envelope closes, and its
 *  checks start, at the first part of the message (header(), feed(),
 *  message(), end_headers()) or at finish(): use mailauth_eval_set_envelope()
 *  for questions that go out at MAIL FROM time. Values as in
 *  mailauth_envelope_t.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL; not an address; empty HELO),
 *          MAILAUTH_ESTATE (the envelope is closed), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_set_client_ip(mailauth_eval_t *ev, const char *ip);
/*! See mailauth_eval_set_client_ip(). */
MAILAUTH_API mailauth_status_t mailauth_eval_set_helo(mailauth_eval_t *ev, const char *helo);
/*! See mailauth_eval_set_client_ip(); "" is the null sender. */
MAILAUTH_API mailauth_status_t mailauth_eval_set_mail_from(mailauth_eval_t *ev,
                                                           const char      *mail_from);

/*! Feed one complete header field (name, colon, value, folding kept;
 *  trailing CRLF optional). Copied.
 *  \return MAILAUTH_OK (also for a field refused by a limit: it is counted,
 *          see mailauth_eval_refused()), MAILAUTH_EINVAL (NULL, or not a
 *          "name: value" field), MAILAUTH_ESTATE (headers already ended, or
 *          feed() used), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_header(mailauth_eval_t *ev, const char *field,
                                                    size_t len);

/*! End of the header section: DKIM and ARC keys and the DMARC policy are
 *  asked now. \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_end_headers(mailauth_eval_t *ev);

/*! Feed a chunk of the body (any size, CRLF line ends; chunk boundaries may
 *  fall anywhere). Not copied beyond the call.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_body(mailauth_eval_t *ev, const void *chunk,
                                                  size_t len);

/*! End of the message. After mailauth_eval_feed(), this first ends the raw
 *  stream: its last header field, the end of the header section (if no
 *  empty line came) and its last body bytes.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_eval_end_message(mailauth_eval_t *ev);

/*! Feed a whole message (header section, blank line, body). LF line ends
 *  are accepted and treated as CRLF; a bare CR and NUL bytes are kept as
 *  data. A line starting with SP/HTAB continues the previous field. A first
 *  line "From " (mbox) is skipped. A line that is not a header field ends
 *  the header section and starts the body; with no blank line at all, the
 *  whole buffer is the header section. Equivalent to header()..end_message().
 *  Only before any header() call.
 *  \return MAILAUTH_OK (refused fields are counted, see mailauth_eval_refused()),
 *          MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
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
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE (after header() or
 *          message(), after end_message(), finish or cancel), MAILAUTH_ENOMEM
 *          (the eval cannot go on: free it). */
MAILAUTH_API mailauth_status_t mailauth_eval_feed(mailauth_eval_t *ev, const void *chunk,
                                                  size_t len);

/*! Header fields refused by a limit so far (MAILAUTH_LIMIT_HEADER_MAX_BYTES,
 *  MAILAUTH_LIMIT_HEADER_MAX_COUNT): the evaluation went on without them. */
MAILAUTH_API size_t mailauth_eval_refused(const mailauth_eval_t *ev);

/*! Start finishing asynchronously. `cb` is called exactly once, later, from
 *  the resolver's processing functions (even when every verdict is already
 *  known). Drive the resolver (process_fd, process_timeouts) until then.
 *  With `cb` NULL the finished evaluation goes to the resolver's done
 *  queue instead, in the same call where the callback would have come: take
 *  it with mailauth_resolver_next_done() after each processing call.
 *  Allowed after end_message(), or before any part of the message was fed
 *  (envelope only).
 *  \return MAILAUTH_OK (the callback or queue entry will follow),
 *          MAILAUTH_EINVAL, MAILAUTH_ESTATE (already finishing or finished,
 *          canceled, or the message is fed only in part), MAILAUTH_ENOMEM
 *          (no callback will come). */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_eval_finish(mailauth_eval_t      *ev,
                                                                       mailauth_eval_done_fn cb,
                                                                       void                 *ud);

/*! Finish, blocking up to `timeout_ms` (-1: the ctx evaluation deadline,
 *  which also caps a larger timeout). Same rules as mailauth_eval_finish().
 *  \return MAILAUTH_OK (verdicts ready; DNS that did not answer in time is a
 *          temperror verdict), MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM,
 *          MAILAUTH_ETIMEOUT (only with a clock that does not advance). */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_eval_finish_sync(mailauth_eval_t *ev,
                                                                            int timeout_ms);

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
                                                           mailauth_eval_t    **ev,
                                                           mailauth_status_t *st, void **ud);

/*! Cancel: pending questions are dropped; a pending finish() callback is
 *  called (or the queue entry made) with MAILAUTH_ECANCELED at the next
 *  processing call. Afterwards
 *  feeding and finishing return MAILAUTH_ESTATE. No-op once finished.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_eval_cancel(mailauth_eval_t *ev);

/*! The methods evaluated, as mailauth_method_t bits: a method whose bit is
 *  set has a verdict (its detail view is not NULL; for DKIM, a message
 *  without signatures has the DKIM bit and mailauth_eval_dkim_count() 0).
 *  A method is not evaluated when the ctx turned it off, when the envelope
 *  lacks what it needs (SPF and iprev: the client address; SPF: MAIL FROM
 *  or HELO), or when no message was fed (DKIM, DMARC, ARC). Never report a
 *  method that is not set here as `none`. 0 before the evaluation finished
 *  normally. */
MAILAUTH_API unsigned mailauth_eval_methods(const mailauth_eval_t *ev);

/*! The Authentication-Results of a finished evaluation: one entry per
 *  verdict, in the order spf (MAIL FROM, then HELO), dkim, dmarc, arc,
 *  iprev. Built on the first call (a caller that reads only the verdicts
 *  never pays for it) and kept: later calls hand out the same object. The
 *  first call on an eval must not race with another call on it.
 *  \param[out] out  Borrowed until mailauth_eval_free(); NULL on error.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE (not finished, or
 *          finished with an error or canceled), MAILAUTH_ENOMEM (a later call
 *          tries again), MAILAUTH_EINTERNAL (the model refused a verdict: a bug). */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_eval_authres(mailauth_eval_t *ev, const mailauth_authres_t **out);

MAILAUTH_END_DECLS

#endif
