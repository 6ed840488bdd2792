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
    MAILAUTH_EAGAIN = 1,    /*!< nothing yet: call again once the resolver made progress */
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

/*! Symbolic name of a status ("MAILAUTH_ENOMEM"); "unknown" for a value that is no status. */
MAILAUTH_API const char *mailauth_status_name(mailauth_status_t st);

/*! Result of one authentication method, using RFC 8601 result words. */
typedef enum mailauth_verdict {
    MAILAUTH_VERDICT_NONE = 0,
    MAILAUTH_VERDICT_PASS = 1,
    MAILAUTH_VERDICT_FAIL = 2,
    MAILAUTH_VERDICT_SOFTFAIL = 3,
    MAILAUTH_VERDICT_NEUTRAL = 4,
    MAILAUTH_VERDICT_TEMPERROR = 5,
    MAILAUTH_VERDICT_PERMERROR = 6,
    MAILAUTH_VERDICT_POLICY = 7
} mailauth_verdict_t;

/*! RFC 8601 result word of a verdict ("pass", "temperror", ...).
 *  \return a static string; "unknown" for a value that is no verdict. */
MAILAUTH_API const char *mailauth_verdict_name(mailauth_verdict_t v);

/*! Parse an RFC 8601 result word, case-insensitively.
 *  \return MAILAUTH_OK, or MAILAUTH_EINVAL if the word is not a known result. */
MAILAUTH_API mailauth_status_t mailauth_verdict_from_name(const char         *name,
                                                          mailauth_verdict_t *out);

/*! Machine-readable reason attached to a verdict. Numbers are stable and
 *  grouped by method (SPF 100-199, DKIM 200-299, DMARC 300-399, ARC
 *  400-499, iprev 500-599; 1-99 for any method): a new reason takes the
 *  next free number of its group, and no number is ever reused. */
typedef enum mailauth_reason {
    MAILAUTH_REASON_NONE = 0,
    /* Any method */
    MAILAUTH_REASON_DEADLINE = 1,    /*!< the evaluation deadline passed */
    MAILAUTH_REASON_LIMIT_FIELD = 2, /*!< a header field this verdict needed was refused by a limit
                                          (MAILAUTH_LIMIT_HEADER_MAX_BYTES / _COUNT) */
    /* SPF, RFC 7208 */
    MAILAUTH_REASON_SPF_NO_RECORD = 100,        /*!< §4.5: no v=spf1 record */
    MAILAUTH_REASON_SPF_MULTIPLE_RECORDS = 101, /*!< §4.5: more than one v=spf1 record */
    MAILAUTH_REASON_SPF_SYNTAX = 102,           /*!< §4.6: record syntax error */
    MAILAUTH_REASON_SPF_DNS_LIMIT = 103,        /*!< §4.6.4: more than 10 DNS-causing terms */
    MAILAUTH_REASON_SPF_VOID_LIMIT = 104,       /*!< §4.6.4: more than 2 void lookups */
    MAILAUTH_REASON_SPF_MX_LIMIT = 105,         /*!< §4.6.4: more than 10 MX names */
    /*! §4.6.4: a ptr that did not match, or %{p}, ignored PTR names past the limit that
     *  might have changed the result; the verdict stands (not an error) */
    MAILAUTH_REASON_SPF_PTR_LIMIT = 106,
    MAILAUTH_REASON_SPF_INCLUDE_NONE = 107,  /*!< §5.2: include target has no record */
    MAILAUTH_REASON_SPF_REDIRECT_NONE = 108, /*!< §6.1: redirect target has no record */
    MAILAUTH_REASON_SPF_DNS_TEMPFAIL = 109,  /*!< a lookup failed temporarily */
    MAILAUTH_REASON_SPF_BAD_DOMAIN = 110,    /*!< §4.3: identity domain malformed */
    MAILAUTH_REASON_SPF_MATCHED = 111,       /*!< a mechanism matched (see comment) */
    MAILAUTH_REASON_SPF_DEFAULT = 112,       /*!< no mechanism matched, no redirect */
    MAILAUTH_REASON_SPF_MACRO = 113,         /*!< §7: macro expansion error */
    /* DKIM, RFC 6376 / RFC 8463 / RFC 8301 */
    /*! §3.5: signature field malformed or a required tag missing */
    MAILAUTH_REASON_DKIM_SYNTAX = 200,
    MAILAUTH_REASON_DKIM_DUPLICATE_TAG = 201, /*!< §3.2: a tag appears twice */
    MAILAUTH_REASON_DKIM_VERSION = 202,       /*!< §3.5: v= is not 1 */
    MAILAUTH_REASON_DKIM_ALGORITHM = 203,     /*!< §3.5: a= unknown */
    MAILAUTH_REASON_DKIM_SHA1 = 204,          /*!< RFC 8301 §3.1: rsa-sha1 not accepted (policy) */
    MAILAUTH_REASON_DKIM_FROM_NOT_SIGNED = 205, /*!< §5.4: h= does not include From */
    MAILAUTH_REASON_DKIM_AUID_MISMATCH = 206,   /*!< §3.5: i= is not d= or a subdomain of it */
    MAILAUTH_REASON_DKIM_EXPIRED = 207,         /*!< §3.5: x= is in the past */
    MAILAUTH_REASON_DKIM_FUTURE = 208, /*!< §3.5: t= is in the future (beyond the allowance) */
    MAILAUTH_REASON_DKIM_QUERY_METHOD = 209, /*!< §3.5: q= has no dns/txt */
    MAILAUTH_REASON_DKIM_NO_KEY = 210,       /*!< §6.1.2: no key record (NXDOMAIN / NODATA) */
    MAILAUTH_REASON_DKIM_KEY_SYNTAX = 211,   /*!< §3.6.1: key record malformed (or p= not a key) */
    MAILAUTH_REASON_DKIM_KEY_MULTIPLE = 212, /*!< several key records at the selector */
    MAILAUTH_REASON_DKIM_KEY_REVOKED = 213,  /*!< §3.6.1: p= empty */
    /*! RFC 8301 §3.2: RSA key below the minimum (policy) */
    MAILAUTH_REASON_DKIM_KEY_TOO_SMALL = 214,
    MAILAUTH_REASON_DKIM_KEY_TOO_LARGE = 215, /*!< RSA key above the ctx maximum (policy) */
    MAILAUTH_REASON_DKIM_KEY_MISMATCH = 216,  /*!< §3.6.1: k= or h= of the key does not fit a= */
    MAILAUTH_REASON_DKIM_KEY_SERVICE = 217,   /*!< §3.6.1: s= excludes email */
    MAILAUTH_REASON_DKIM_KEY_STRICT = 218,    /*!< §3.6.1: t=s and the i= domain is not d= */
    MAILAUTH_REASON_DKIM_DNS_TEMPFAIL = 219,  /*!< the key lookup failed temporarily */
    MAILAUTH_REASON_DKIM_BODY_HASH = 220,     /*!< §6.1.3: body hash mismatch */
    MAILAUTH_REASON_DKIM_SIGNATURE = 221,     /*!< §6.1.3: signature does not verify */
    MAILAUTH_REASON_DKIM_BODY_LENGTH = 222,   /*!< §3.5: l= larger than the body */
    /*! l= leaves body bytes unsigned and the ctx refuses it (policy) */
    MAILAUTH_REASON_DKIM_PARTIAL_BODY = 223,
    MAILAUTH_REASON_DKIM_TOO_MANY = 224, /*!< over MAILAUTH_LIMIT_DKIM_SIGNATURES: not verified */
    /* DMARC, RFC 7489 / RFC 9989 */
    MAILAUTH_REASON_DMARC_NO_RECORD = 300,        /*!< no DMARC policy record found */
    MAILAUTH_REASON_DMARC_MULTIPLE_RECORDS = 301, /*!< several v=DMARC1 records */
    /*! record unusable (v= not first, p= invalid with no fallback) */
    MAILAUTH_REASON_DMARC_SYNTAX = 302,
    MAILAUTH_REASON_DMARC_DNS_TEMPFAIL = 303, /*!< a policy lookup failed temporarily */
    MAILAUTH_REASON_DMARC_NO_FROM = 304,      /*!< no RFC5322.From field */
    /*! several From fields, or authors in different domains */
    MAILAUTH_REASON_DMARC_MULTIPLE_FROM = 305,
    MAILAUTH_REASON_DMARC_BAD_FROM = 306,    /*!< the From field has no usable domain */
    MAILAUTH_REASON_DMARC_ALIGNED = 307,     /*!< pass: an aligned SPF or DKIM pass */
    MAILAUTH_REASON_DMARC_NOT_ALIGNED = 308, /*!< fail: no aligned pass */
    /* ARC, RFC 8617 */
    MAILAUTH_REASON_ARC_NO_SETS = 400, /*!< no ARC header fields */
    /*! §5.2 step 2: missing, duplicated or non-contiguous sets */
    MAILAUTH_REASON_ARC_STRUCTURE = 401,
    MAILAUTH_REASON_ARC_TOO_MANY = 402, /*!< more than MAILAUTH_LIMIT_ARC_INSTANCES sets */
    MAILAUTH_REASON_ARC_SYNTAX = 403,   /*!< an ARC field is malformed */
    /*! a cv= value breaks the chain (i=1 not none, later not pass, or fail) */
    MAILAUTH_REASON_ARC_CV = 404,
    MAILAUTH_REASON_ARC_AMS = 405,          /*!< the newest ARC-Message-Signature does not verify */
    MAILAUTH_REASON_ARC_SEAL = 406,         /*!< an ARC-Seal does not verify */
    MAILAUTH_REASON_ARC_DNS_TEMPFAIL = 407, /*!< a key lookup failed temporarily */
    /* iprev, RFC 8601 §3 */
    MAILAUTH_REASON_IPREV_NO_PTR = 500,       /*!< permerror: no PTR record (NXDOMAIN, NODATA) */
    MAILAUTH_REASON_IPREV_DNS_TEMPFAIL = 501, /*!< temperror: a PTR or address lookup failed
                                                   temporarily */
    MAILAUTH_REASON_IPREV_NO_MATCH = 502,     /*!< fail: no PTR name resolves to the address */
} mailauth_reason_t;

/*! Stable token for a reason ("spf.dns-limit"); "unknown" for a value that is no reason. */
MAILAUTH_API const char *mailauth_reason_name(mailauth_reason_t r);

MAILAUTH_END_DECLS

#endif
