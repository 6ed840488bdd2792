/* mailauth: SPF (RFC 7208) detail view. */
#ifndef MAILAUTH_SPF_H
#define MAILAUTH_SPF_H

#include <mailauth/eval.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! The SPF verdict for one identity of one evaluation. */
typedef struct mailauth_spf_result mailauth_spf_result_t;

/*! The identity an SPF check was made for (RFC 7208 §2.3, §2.4). */
typedef enum mailauth_spf_identity {
    MAILAUTH_SPF_MAILFROM = 0,
    MAILAUTH_SPF_HELO = 1
} mailauth_spf_identity_t;

/*! "mailfrom" or "helo". */
MAILAUTH_API const char *mailauth_spf_identity_name(mailauth_spf_identity_t id);

/*! The SPF result of a finished evaluation for an identity, or NULL if SPF
 *  was not evaluated (method disabled, no client IP, or not finished).
 *  Borrowed until mailauth_eval_free(). */
MAILAUTH_API const mailauth_spf_result_t *mailauth_eval_spf(const mailauth_eval_t *ev,
                                                            mailauth_spf_identity_t id);

/*! Verdict: none, neutral, pass, fail, softfail, temperror, permerror. */
MAILAUTH_API mailauth_verdict_t mailauth_spf_result_verdict(const mailauth_spf_result_t *res);

/*! Machine-readable reason. */
MAILAUTH_API mailauth_reason_t mailauth_spf_result_reason(const mailauth_spf_result_t *res);

/*! The domain checked (the MAIL FROM domain or the HELO name, A-label form). Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_domain(const mailauth_spf_result_t *res);

/*! The sender checked ("local@domain"; postmaster@HELO for the null sender). Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_sender(const mailauth_spf_result_t *res);

/*! The expanded explanation of a fail (RFC 7208 §6.2), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_explanation(const mailauth_spf_result_t *res);

/*! The term that matched ("ip4:192.0.2.0/24"), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_mechanism(const mailauth_spf_result_t *res);

/*! Human-readable detail of a temperror/permerror naming the offending
 *  term or record, or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_spf_result_problem(const mailauth_spf_result_t *res);

/*! DNS-causing terms counted by the check (RFC 7208 §4.6.4). */
MAILAUTH_API unsigned mailauth_spf_result_dns_terms(const mailauth_spf_result_t *res);

/*! Format a Received-SPF header field (RFC 7208 §9.1), folded, without
 *  final CRLF, like snprintf.
 *  \return MAILAUTH_OK, MAILAUTH_ENOSPC (retry with *need + 1), MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_spf_result_format_received_spf(const mailauth_spf_result_t *res,
                                                                char *buf, size_t cap,
                                                                size_t *need);

/* ---- Records outside an evaluation (1.1): for tools that check what a
 * domain publishes (mailauth-check --lint). ---- */

/*! A parsed SPF record (RFC 7208 §4.6). */
typedef struct mailauth_spf_record mailauth_spf_record_t;

/*! The kind of a term: a mechanism (§5) or a modifier the library knows (§6). */
typedef enum mailauth_spf_term_kind {
    MAILAUTH_SPF_TERM_ALL = 0,
    MAILAUTH_SPF_TERM_INCLUDE = 1,
    MAILAUTH_SPF_TERM_A = 2,
    MAILAUTH_SPF_TERM_MX = 3,
    MAILAUTH_SPF_TERM_PTR = 4,
    MAILAUTH_SPF_TERM_IP4 = 5,
    MAILAUTH_SPF_TERM_IP6 = 6,
    MAILAUTH_SPF_TERM_EXISTS = 7,
    MAILAUTH_SPF_TERM_REDIRECT = 8, /*!< modifier */
    MAILAUTH_SPF_TERM_EXP = 9       /*!< modifier */
} mailauth_spf_term_kind_t;

/*! "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists", "redirect",
 *  "exp"; "unknown" otherwise. */
MAILAUTH_API const char *mailauth_spf_term_kind_name(mailauth_spf_term_kind_t k);

/*! One term of a record. `version` must be MAILAUTH_SPF_TERM_VERSION. */
typedef struct mailauth_spf_term {
    int                      version;
    mailauth_spf_term_kind_t kind;
    /*! The qualifier of a mechanism (pass, fail, softfail, neutral; §4.6.2);
     *  MAILAUTH_VERDICT_NONE for a modifier. */
    mailauth_verdict_t qualifier;
    const char        *text;   /*!< the term as written; borrowed from the record */
    const char        *domain; /*!< its domain-spec, or NULL (a, mx: the current domain) */
    int                has_macro; /*!< 1: the domain-spec holds a macro (§7) */
    int                dns;       /*!< 1: counts against the 10 DNS-causing terms (§4.6.4) */
} mailauth_spf_term_t;
#define MAILAUTH_SPF_TERM_VERSION 1

/*! Parse a TXT record's text as SPF. A record that is not SPF or has a
 *  syntax error still gives a record: mailauth_spf_record_problem() says
 *  why, and it has no terms.
 *  \param[in]  ctx  Its allocator is used; not modified.
 *  \param[in]  txt  The record (the TXT strings joined), not NUL-terminated; copied.
 *  \param[out] out  Freed with mailauth_spf_record_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument), MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_spf_record_parse(
    const mailauth_ctx_t *ctx, const char *txt, size_t len, mailauth_spf_record_t **out);

/*! Why the record cannot be used ("not an SPF record", "unknown
 *  mechanism: foo"), or NULL for a valid record. Borrowed from the record. */
MAILAUTH_API const char *mailauth_spf_record_problem(const mailauth_spf_record_t *rec);

/*! Number of terms: the mechanisms left to right, then redirect= and exp=
 *  when present (unknown modifiers are not listed). 0 for NULL. */
MAILAUTH_API size_t mailauth_spf_record_term_count(const mailauth_spf_record_t *rec);

/*! Term i into *out (its strings borrowed until mailauth_spf_record_free()).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL, i out of range, bad version). */
MAILAUTH_API mailauth_status_t mailauth_spf_record_term(const mailauth_spf_record_t *rec,
                                                        size_t i, mailauth_spf_term_t *out);

/*! Free a record. NULL is a no-op. */
MAILAUTH_API void mailauth_spf_record_free(mailauth_spf_record_t *rec);

MAILAUTH_END_DECLS

#endif
