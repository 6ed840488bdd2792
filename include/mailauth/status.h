/* mailauth: status codes (errors), verdicts and reasons. */
#ifndef MAILAUTH_STATUS_H
#define MAILAUTH_STATUS_H

#include <mailauth/export.h>

MAILAUTH_BEGIN_DECLS

/*! Outcome of an API call. A bad signature, a broken record or a DNS
 *  timeout are verdicts (mailauth_verdict_t with a mailauth_reason_t), not
 *  statuses: the call that produced them returns MAILAUTH_OK. */
typedef enum mailauth_status {
    MAILAUTH_OK = 0,        /*!< success */
    MAILAUTH_EAGAIN = 1,    /*!< not finished yet: a callback will follow */
    MAILAUTH_ENOMEM = 2,    /*!< an allocation failed; the object is still safe to free */
    MAILAUTH_EINVAL = 3,    /*!< invalid argument (NULL handle, malformed input value) */
    MAILAUTH_ESTATE = 4,    /*!< call not allowed in the object's current state */
    MAILAUTH_ELIMIT = 5,    /*!< a configured limit was exceeded */
    MAILAUTH_ENOSPC = 6,    /*!< caller's buffer too small; the needed size was reported */
    MAILAUTH_ETIMEOUT = 7,  /*!< a blocking call ran out of time */
    MAILAUTH_ECANCELED = 8, /*!< the operation was canceled */
    MAILAUTH_EDNS = 9,      /*!< the DNS layer could not be set up or used */
    MAILAUTH_ECRYPTO = 10,  /*!< the crypto library failed (not a bad signature) */
    MAILAUTH_ENOTSUP = 11,  /*!< feature or algorithm not supported */
    MAILAUTH_EINTERNAL = 12 /*!< internal invariant broken: a bug, please report */
} mailauth_status_t;

/*! Short English description of a status ("out of memory").
 *  \return a static string; "unknown status" for values outside the enum. */
MAILAUTH_API const char *mailauth_strerror(mailauth_status_t st);

/*! Symbolic name of a status ("MAILAUTH_ENOMEM"); "MAILAUTH_UNKNOWN" if out of range. */
MAILAUTH_API const char *mailauth_status_name(mailauth_status_t st);

/*! Result of one authentication method, using RFC 8601 result words. */
typedef enum mailauth_verdict {
    MAILAUTH_VERDICT_NONE = 0,
    MAILAUTH_VERDICT_PASS,
    MAILAUTH_VERDICT_FAIL,
    MAILAUTH_VERDICT_SOFTFAIL,
    MAILAUTH_VERDICT_NEUTRAL,
    MAILAUTH_VERDICT_TEMPERROR,
    MAILAUTH_VERDICT_PERMERROR,
    MAILAUTH_VERDICT_POLICY
} mailauth_verdict_t;

/*! RFC 8601 result word of a verdict ("pass", "temperror", ...).
 *  \return a static string; "none" for out-of-range values. */
MAILAUTH_API const char *mailauth_verdict_name(mailauth_verdict_t v);

/*! Parse an RFC 8601 result word, case-insensitively.
 *  \return MAILAUTH_OK, or MAILAUTH_EINVAL if the word is not a known result. */
MAILAUTH_API mailauth_status_t mailauth_verdict_from_name(const char *name, mailauth_verdict_t *out);

/*! Machine-readable reason attached to a verdict. Reasons are stable: new
 *  ones are appended, never renumbered. */
typedef enum mailauth_reason {
    MAILAUTH_REASON_NONE = 0,
    /* SPF, RFC 7208 */
    MAILAUTH_REASON_SPF_NO_RECORD,          /*!< §4.5: no v=spf1 record */
    MAILAUTH_REASON_SPF_MULTIPLE_RECORDS,   /*!< §4.5: more than one v=spf1 record */
    MAILAUTH_REASON_SPF_SYNTAX,             /*!< §4.6: record syntax error */
    MAILAUTH_REASON_SPF_DNS_LIMIT,          /*!< §4.6.4: more than 10 DNS-causing terms */
    MAILAUTH_REASON_SPF_VOID_LIMIT,         /*!< §4.6.4: more than 2 void lookups */
    MAILAUTH_REASON_SPF_MX_LIMIT,           /*!< §4.6.4: more than 10 MX names */
    MAILAUTH_REASON_SPF_PTR_LIMIT,          /*!< §4.6.4: PTR names over 10 (ignored, not an error) */
    MAILAUTH_REASON_SPF_INCLUDE_NONE,       /*!< §5.2: include target has no record */
    MAILAUTH_REASON_SPF_REDIRECT_NONE,      /*!< §6.1: redirect target has no record */
    MAILAUTH_REASON_SPF_DNS_TEMPFAIL,       /*!< a lookup failed temporarily */
    MAILAUTH_REASON_SPF_BAD_DOMAIN,         /*!< §4.3: identity domain malformed */
    MAILAUTH_REASON_SPF_MATCHED,            /*!< a mechanism matched (see comment) */
    MAILAUTH_REASON_SPF_DEFAULT,            /*!< no mechanism matched, no redirect */
    MAILAUTH_REASON_SPF_MACRO,              /*!< §7: macro expansion error */
    MAILAUTH_REASON_DEADLINE,               /*!< the evaluation deadline passed */
    MAILAUTH_REASON__COUNT
} mailauth_reason_t;

/*! Stable token for a reason ("spf.dns-limit"); "none" for out-of-range values. */
MAILAUTH_API const char *mailauth_reason_name(mailauth_reason_t r);

MAILAUTH_END_DECLS

#endif
