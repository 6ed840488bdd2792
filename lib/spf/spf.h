/* Internal: one SPF check_host() run (RFC 7208 §4), as a resumable state machine.
 *
 * The core creates one per identity (MAIL FROM, HELO) when the envelope is
 * complete, then calls mailauth__spf_step() whenever the eval's DNS client
 * is woken, until it returns MAILAUTH_OK. All memory comes from the arena
 * (bounded by the §4.6.4 limits); there is no free.
 */
#ifndef MAILAUTH__SPF_H
#define MAILAUTH__SPF_H

#include <stddef.h>

#include <mailauth/ctx.h>
#include <mailauth/spf.h>

#include "dns/dns.h"
#include "util/arena.h"
#include "util/ip.h"

typedef struct mailauth__spf mailauth__spf_t;

typedef struct mailauth__spf_input {
    mailauth__ip_t ip;                /* client address (v4-mapped already unmapped) */
    const char *sender;               /* "local@domain"; postmaster@HELO for null sender */
    const char *domain;               /* the <domain> of check_host(), A-label, lower case */
    const char *helo;                 /* HELO as given, for %{h}; may be NULL */
    mailauth_spf_identity_t identity; /* which check this is */
} mailauth__spf_input_t;

/* Start a check. Strings in `in` are copied to the arena. A domain that is
 * not a valid FQDN (§4.3) gives a finished check with verdict none.
 * Returns MAILAUTH_OK or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__spf_start(mailauth__arena_t *a, const mailauth_ctx_t *ctx,
                                      mailauth__dnsc_t *dns, const mailauth__spf_input_t *in,
                                      mailauth__spf_t **out);

/* Advance as far as the answers at hand allow. MAILAUTH_OK: finished;
 * MAILAUTH_EAGAIN: waiting for DNS; MAILAUTH_ENOMEM. Idempotent once finished. */
mailauth_status_t mailauth__spf_step(mailauth__spf_t *s);

/* The result (valid once step returned MAILAUTH_OK; lives in the arena). */
const mailauth_spf_result_t *mailauth__spf_result(const mailauth__spf_t *s);

/* Append this result as an RFC 8601 "spf" entry (result word, reason,
 * smtp.mailfrom or smtp.helo property, comment) to ar.
 * Returns MAILAUTH_OK or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__spf_add_authres(const mailauth_spf_result_t *res,
                                            mailauth_authres_t *ar);

#endif
