/* mailauth: DKIM (RFC 6376, RFC 8463, RFC 8301) detail view. */
#ifndef MAILAUTH_DKIM_H
#define MAILAUTH_DKIM_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/eval.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! The verdict for one DKIM-Signature field of one evaluation. */
typedef struct mailauth_dkim_result mailauth_dkim_result_t;

/*! Number of DKIM-Signature fields the finished evaluation reports: every
 *  one in the header, top to bottom (those beyond
 *  MAILAUTH_LIMIT_DKIM_SIGNATURES are reported `neutral` with
 *  MAILAUTH_REASON_DKIM_TOO_MANY, not verified), then one `permerror` with
 *  MAILAUTH_REASON_LIMIT_FIELD (no d=, no s=) for each DKIM-Signature field
 *  a header limit refused. A signature whose h= names a refused field is
 *  `permerror` with MAILAUTH_REASON_LIMIT_FIELD unless its body hash
 *  already failed. 0 if DKIM was not evaluated (mailauth_eval_methods()
 *  tells) or the message has no signature. */
MAILAUTH_API size_t mailauth_eval_dkim_count(const mailauth_eval_t *ev);

/*! Result i (0 = topmost field), or NULL if out of range or not finished.
 *  Borrowed until mailauth_eval_free(). */
MAILAUTH_API const mailauth_dkim_result_t *mailauth_eval_dkim(const mailauth_eval_t *ev,
                                                              size_t i);

/*! Verdict: pass, fail, neutral, policy, temperror, permerror. */
MAILAUTH_API mailauth_verdict_t mailauth_dkim_result_verdict(const mailauth_dkim_result_t *res);

/*! Machine-readable reason (MAILAUTH_REASON_NONE for a pass). */
MAILAUTH_API mailauth_reason_t mailauth_dkim_result_reason(const mailauth_dkim_result_t *res);

/*! Human-readable detail of a non-pass ("body hash mismatch"), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_dkim_result_problem(const mailauth_dkim_result_t *res);

/*! Signing domain d= (lower case), or NULL when the field had none. Borrowed. */
MAILAUTH_API const char *mailauth_dkim_result_domain(const mailauth_dkim_result_t *res);

/*! Selector s=, or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_dkim_result_selector(const mailauth_dkim_result_t *res);

/*! Agent or user identifier i= (default "@" d=), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_dkim_result_auid(const mailauth_dkim_result_t *res);

/*! Algorithm a= as written ("rsa-sha256", "ed25519-sha256"), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_dkim_result_algorithm(const mailauth_dkim_result_t *res);

/*! The signature b= without whitespace, or NULL. Its first 8 characters are
 *  the header.b of RFC 6008. Borrowed. */
MAILAUTH_API const char *mailauth_dkim_result_signature(const mailauth_dkim_result_t *res);

/*! Key size in bits (RSA modulus, 256 for Ed25519); 0 when no key was read. */
MAILAUTH_API unsigned mailauth_dkim_result_key_bits(const mailauth_dkim_result_t *res);

/*! 1 if the key record has t=y (the domain is testing DKIM, RFC 6376 §3.6.1). */
MAILAUTH_API int mailauth_dkim_result_testing(const mailauth_dkim_result_t *res);

/*! Signature timestamp t= and expiry x= (seconds since the epoch); -1 if absent. */
MAILAUTH_API int64_t mailauth_dkim_result_timestamp(const mailauth_dkim_result_t *res);
MAILAUTH_API int64_t mailauth_dkim_result_expiry(const mailauth_dkim_result_t *res);

/*! Body length l= (-1 if absent) and the number of canonicalized body
 *  bytes it leaves unsigned (0 without l=). */
MAILAUTH_API int64_t mailauth_dkim_result_body_length(const mailauth_dkim_result_t *res);
MAILAUTH_API uint64_t mailauth_dkim_result_unsigned_bytes(const mailauth_dkim_result_t *res);

/* ---- Key records outside an evaluation (1.1): for tools that check what
 * a domain publishes (mailauth-check --lint). ---- */

/*! What a DKIM key record holds. `version` must be MAILAUTH_DKIM_KEY_INFO_VERSION. */
typedef struct mailauth_dkim_key_info {
    int version;
    /*! MAILAUTH_REASON_NONE for a key this verifier would use; else why not
     *  (DKIM_KEY_SYNTAX, DKIM_KEY_REVOKED, DKIM_KEY_TOO_SMALL,
     *  DKIM_KEY_TOO_LARGE against the ctx's RSA limits, DKIM_KEY_SERVICE). */
    mailauth_reason_t reason;
    const char       *key_type; /*!< "rsa" or "ed25519" (static); NULL if unreadable */
    unsigned          bits;     /*!< RSA modulus size, 256 for Ed25519; 0 if no key */
    int               testing;  /*!< t=y */
    int               strict;   /*!< t=s */
    int               sha256;   /*!< h= allows sha256 (or h= is absent) */
} mailauth_dkim_key_info_t;
#define MAILAUTH_DKIM_KEY_INFO_VERSION 1

/*! Check a key record (RFC 6376 §3.6.1, RFC 8301) as a verifier reads it.
 *  \param[in]  ctx   Its allocator and RSA limits are used; not modified.
 *  \param[in]  txt   The record (the TXT strings joined).
 *  \param[out] info  Filled; its `version` must be set by the caller.
 *  \return MAILAUTH_OK (see info->reason), MAILAUTH_EINVAL (NULL argument,
 *          bad version), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_key_check(const mailauth_ctx_t *ctx, const char *txt,
                                                       size_t len, mailauth_dkim_key_info_t *info);

MAILAUTH_END_DECLS

#endif
