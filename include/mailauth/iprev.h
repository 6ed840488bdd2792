/* mailauth: iprev (RFC 8601 §3) detail view.
 *
 * iprev asks whether the SMTP client's address is explicitly associated
 * with a host name: the PTR names of the address are looked up, then the
 * addresses of those names, and the check passes when one of them is the
 * client's address again. One result per evaluation: the verdict (RFC 8601
 * §2.7.3 words: pass, fail, temperror, permerror; iprev has no `none`), a
 * machine-readable reason, the client address, the name that confirmed it
 * and, for the other verdicts, a sentence saying why. docs/iprev.md
 * describes every decision and the limits.
 */
#ifndef MAILAUTH_IPREV_H
#define MAILAUTH_IPREV_H

#include <mailauth/eval.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! The iprev result of one evaluation. */
typedef struct mailauth_iprev_result mailauth_iprev_result_t;

/*! The iprev result of a finished evaluation.
 *  \param[in] ev  The evaluation; may be NULL.
 *  \return The result, borrowed until mailauth_eval_free(ev); NULL when
 *          iprev was not evaluated: the method is off, the evaluation has no
 *          client address, or the evaluation did not finish normally (an
 *          error status, canceled, not finished yet), and for a NULL ev.
 *  \note Call only on the thread that drives the eval's resolver. */
MAILAUTH_API const mailauth_iprev_result_t *mailauth_eval_iprev(const mailauth_eval_t *ev);

/*! The verdict (RFC 8601 §2.7.3):
 *  - MAILAUTH_VERDICT_PASS: a PTR name of the client address resolves back to it;
 *  - MAILAUTH_VERDICT_FAIL: PTR names were found, but none resolves back to
 *    the address (their address lookups gave other addresses, NXDOMAIN or
 *    NODATA), or none of them is a usable host name;
 *  - MAILAUTH_VERDICT_TEMPERROR: the PTR lookup, or the address lookup of a
 *    name that might have confirmed it, failed temporarily (timeout,
 *    SERVFAIL, the evaluation deadline, the message's DNS question budget);
 *  - MAILAUTH_VERDICT_PERMERROR: no PTR record is published for the address
 *    (NXDOMAIN or NODATA).
 *  \param[in] res  A result; NULL gives MAILAUTH_VERDICT_NONE. */
MAILAUTH_API mailauth_verdict_t mailauth_iprev_result_verdict(const mailauth_iprev_result_t *res);

/*! The machine-readable reason: MAILAUTH_REASON_NONE for pass;
 *  MAILAUTH_REASON_IPREV_NO_MATCH (fail), MAILAUTH_REASON_IPREV_DNS_TEMPFAIL
 *  or MAILAUTH_REASON_DEADLINE (temperror: the evaluation deadline passed),
 *  MAILAUTH_REASON_IPREV_NO_PTR (permerror).
 *  \param[in] res  A result; NULL gives MAILAUTH_REASON_NONE. */
MAILAUTH_API mailauth_reason_t mailauth_iprev_result_reason(const mailauth_iprev_result_t *res);

/*! The client address checked, as text: dotted quad for IPv4 (an
 *  IPv4-mapped IPv6 address is checked and shown as IPv4), RFC 5952 form for
 *  IPv6. It is the value of policy.iprev in Authentication-Results.
 *  \param[in] res  A result; NULL gives NULL.
 *  \return Borrowed from the result (valid as long as it is). */
MAILAUTH_API const char *mailauth_iprev_result_ip(const mailauth_iprev_result_t *res);

/*! The PTR name whose addresses include the client address (lower case,
 *  without trailing dot): of the names that confirm it, the first in the
 *  order of the PTR answer. NULL unless the verdict is pass.
 *  \param[in] res  A result; NULL gives NULL.
 *  \return Borrowed from the result (valid as long as it is). */
MAILAUTH_API const char *mailauth_iprev_result_name(const mailauth_iprev_result_t *res);

/*! Human-readable detail of a verdict other than pass ("no PTR record
 *  (nxdomain)", "mail.example.org does not resolve to 192.0.2.1"), the text
 *  of the Authentication-Results comment; NULL for pass.
 *  \param[in] res  A result; NULL gives NULL.
 *  \return Borrowed from the result (valid as long as it is); printable
 *          US-ASCII. */
MAILAUTH_API const char *mailauth_iprev_result_problem(const mailauth_iprev_result_t *res);

MAILAUTH_END_DECLS

#endif
