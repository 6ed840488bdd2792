/* Internal: one iprev check (RFC 8601 §3) of the SMTP client address, as a
 * resumable state machine driven by the eval, like SPF (lib/spf/spf.h).
 *
 * How the eval drives it:
 *
 *   when the client      mailauth__iprev_start(): asks the PTR question of
 *   address is known     the address at once (in parallel with SPF);
 *   on every DNS wake    mailauth__iprev_step(), until it returns
 *                        MAILAUTH_OK: when the PTR answer is in it asks the
 *                        address question of every name at once, and
 *                        decides as soon as the answers allow;
 *   then                 mailauth__iprev_result(), and
 *                        mailauth__iprev_add_authres() for the A-R field.
 *
 * Work is bounded whatever the answers hold: one PTR question, then one A
 * (IPv4 client) or AAAA (IPv6 client) question for each of at most
 * MAILAUTH__IPREV_NAMES_MAX names, and nothing else. No name is ever looked
 * up for PTR again, so PTR data that points at itself or in a circle cannot
 * make it loop. The dnsc deadline turns pending questions into TEMPFAIL, so
 * a step after the deadline always finishes. All memory comes from the
 * arena (a fixed amount per check); there is no free. Questions are held by
 * the dnsc until it is cleared; the result does not point into them.
 */
#ifndef MAILAUTH__IPREV_H
#define MAILAUTH__IPREV_H

#include <mailauth/authres.h>
#include <mailauth/iprev.h>
#include <mailauth/status.h>

#include "dns/dns.h"
#include "util/arena.h"
#include "util/env.h"
#include "util/ip.h"

typedef struct mailauth__iprev mailauth__iprev_t;

/* PTR names whose addresses are looked up: the first ones of the PTR
 * answer, in answer order; the others are ignored. RFC 8601 §3 requires a
 * bound on the names evaluated so that a PTR answer cannot turn one check
 * into a flood of address queries, and names RFC 7208 §4.6.4's 10 as an
 * example. It is iprev's own constant, not MAILAUTH_LIMIT_SPF_PTR_NAMES:
 * that limit is an SPF knob an operator tunes for SPF's ptr mechanism,
 * and changing it must not change what iprev reports. */
#define MAILAUTH__IPREV_NAMES_MAX 10u

/* Start a check of `ip` (copied; an IPv4-mapped IPv6 address is checked as
 * IPv4) and ask its PTR question. `env` (logging) must outlive the check;
 * `dns` must stay in place until the check is no longer stepped.
 * Returns MAILAUTH_OK, MAILAUTH_EINVAL (a NULL argument, an address that
 * is neither IPv4 nor IPv6; *out is NULL), MAILAUTH_ENOMEM. A DNS question
 * budget already spent is no error: the check is then finished
 * (temperror). */
mailauth_status_t mailauth__iprev_start(mailauth__arena_t *a, const mailauth__env_t *env,
                                        mailauth__dnsc_t *dns, const mailauth__ip_t *ip,
                                        mailauth__iprev_t **out);

/* Advance as far as the answers at hand allow. MAILAUTH_OK: finished (and
 * on every later call); MAILAUTH_EAGAIN: waiting for DNS; MAILAUTH_ENOMEM;
 * MAILAUTH_EINVAL (NULL). */
mailauth_status_t mailauth__iprev_step(mailauth__iprev_t *it);

/* The result once step returned MAILAUTH_OK (lives in the arena), else NULL. */
const mailauth_iprev_result_t *mailauth__iprev_result(const mailauth__iprev_t *it);

/* A copy of a final result in `a` (its strings too), for a caller that
 * lets the check's arena go once the verdict is known. MAILAUTH_OK,
 * MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__iprev_result_copy(mailauth__arena_t              *a,
                                              const mailauth_iprev_result_t  *res,
                                              const mailauth_iprev_result_t **out);

/* Append the "iprev" entry to an Authentication-Results field (RFC 8601
 * §2.7.3): iprev=<verdict>, a comment (pass: the confirmed name; else the
 * problem) and policy.iprev=<client address>.
 * Returns MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__iprev_add_authres(const mailauth_iprev_result_t *res,
                                              mailauth_authres_t            *ar);

#endif
