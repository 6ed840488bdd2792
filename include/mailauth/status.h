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
    /* DKIM, RFC 6376 / RFC 8463 / RFC 8301 */
    MAILAUTH_REASON_DKIM_SYNTAX,            /*!< §3.5: signature field malformed or a required tag missing */
    MAILAUTH_REASON_DKIM_DUPLICATE_TAG,     /*!< §3.2: a tag appears twice */
    MAILAUTH_REASON_DKIM_VERSION,           /*!< §3.5: v= is not 1 */
    MAILAUTH_REASON_DKIM_ALGORITHM,         /*!< §3.5: a= unknown */
    MAILAUTH_REASON_DKIM_SHA1,              /*!< RFC 8301 §3.1: rsa-sha1 not accepted (policy) */
    MAILAUTH_REASON_DKIM_FROM_NOT_SIGNED,   /*!< §5.4: h= does not include From */
    MAILAUTH_REASON_DKIM_AUID_MISMATCH,     /*!< §3.5: i= is not d= or a subdomain of it */
    MAILAUTH_REASON_DKIM_EXPIRED,           /*!< §3.5: x= is in the past */
    MAILAUTH_REASON_DKIM_FUTURE,            /*!< §3.5: t= is in the future (beyond the allowance) */
    MAILAUTH_REASON_DKIM_QUERY_METHOD,      /*!< §3.5: q= has no dns/txt */
    MAILAUTH_REASON_DKIM_NO_KEY,            /*!< §6.1.2: no key record (NXDOMAIN / NODATA) */
    MAILAUTH_REASON_DKIM_KEY_SYNTAX,        /*!< §3.6.1: key record malformed (or p= not a key) */
    MAILAUTH_REASON_DKIM_KEY_MULTIPLE,      /*!< several key records at the selector */
    MAILAUTH_REASON_DKIM_KEY_REVOKED,       /*!< §3.6.1: p= empty */
    MAILAUTH_REASON_DKIM_KEY_TOO_SMALL,     /*!< RFC 8301 §3.2: RSA key below the minimum (policy) */
    MAILAUTH_REASON_DKIM_KEY_TOO_LARGE,     /*!< RSA key above the ctx maximum (policy) */
    MAILAUTH_REASON_DKIM_KEY_MISMATCH,      /*!< §3.6.1: k= or h= of the key does not fit a= */
    MAILAUTH_REASON_DKIM_KEY_SERVICE,       /*!< §3.6.1: s= excludes email */
    MAILAUTH_REASON_DKIM_KEY_STRICT,        /*!< §3.6.1: t=s and the i= domain is not d= */
    MAILAUTH_REASON_DKIM_DNS_TEMPFAIL,      /*!< the key lookup failed temporarily */
    MAILAUTH_REASON_DKIM_BODY_HASH,         /*!< §6.1.3: body hash mismatch */
    MAILAUTH_REASON_DKIM_SIGNATURE,         /*!< §6.1.3: signature does not verify */
    MAILAUTH_REASON_DKIM_BODY_LENGTH,       /*!< §3.5: l= larger than the body */
    MAILAUTH_REASON_DKIM_PARTIAL_BODY,      /*!< l= leaves body bytes unsigned and the ctx refuses it (policy) */
    MAILAUTH_REASON_DKIM_TOO_MANY,          /*!< over MAILAUTH_LIMIT_DKIM_SIGNATURES: not verified */
    /* DMARC, RFC 7489 / RFC 9989 */
    MAILAUTH_REASON_DMARC_NO_RECORD,        /*!< no DMARC policy record found */
    MAILAUTH_REASON_DMARC_MULTIPLE_RECORDS, /*!< several v=DMARC1 records */
    MAILAUTH_REASON_DMARC_SYNTAX,           /*!< record unusable (v= not first, p= invalid with no fallback) */
    MAILAUTH_REASON_DMARC_DNS_TEMPFAIL,     /*!< a policy lookup failed temporarily */
    MAILAUTH_REASON_DMARC_NO_FROM,          /*!< no RFC5322.From field */
    MAILAUTH_REASON_DMARC_MULTIPLE_FROM,    /*!< several From fields, or authors in different domains */
    MAILAUTH_REASON_DMARC_BAD_FROM,         /*!< the From field has no usable domain */
    MAILAUTH_REASON_DMARC_ALIGNED,          /*!< pass: an aligned SPF or DKIM pass */
    MAILAUTH_REASON_DMARC_NOT_ALIGNED,      /*!< fail: no aligned pass */
    /* ARC, RFC 8617 */
    MAILAUTH_REASON_ARC_NO_SETS,            /*!< no ARC header fields */
    MAILAUTH_REASON_ARC_STRUCTURE,          /*!< §5.2 step 2: missing, duplicated or non-contiguous sets */
    MAILAUTH_REASON_ARC_TOO_MANY,           /*!< more than MAILAUTH_LIMIT_ARC_INSTANCES sets */
    MAILAUTH_REASON_ARC_SYNTAX,             /*!< an ARC field is malformed */
    MAILAUTH_REASON_ARC_CV,                 /*!< a cv= value breaks the chain (i=1 not none, later not pass, or fail) */
    MAILAUTH_REASON_ARC_AMS,                /*!< the newest ARC-Message-Signature does not verify */
    MAILAUTH_REASON_ARC_SEAL,               /*!< an ARC-Seal does not verify */
    MAILAUTH_REASON_ARC_DNS_TEMPFAIL,       /*!< a key lookup failed temporarily */
    /* iprev, RFC 8601 §3 */
    MAILAUTH_REASON_IPREV_NO_PTR,           /*!< §2.7.3 permerror: no PTR record for the client address */
    MAILAUTH_REASON_IPREV_DNS_TEMPFAIL,     /*!< §2.7.3 temperror: a PTR or address lookup failed */
    MAILAUTH_REASON_IPREV_NO_MATCH,         /*!< §2.7.3 fail: no PTR name resolves to the client address */
    MAILAUTH_REASON__COUNT
} mailauth_reason_t;

/*! Stable token for a reason ("spf.dns-limit"); "none" for out-of-range values. */
MAILAUTH_API const char *mailauth_reason_name(mailauth_reason_t r);

MAILAUTH_END_DECLS

#endif
