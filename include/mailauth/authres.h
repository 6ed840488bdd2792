/* mailauth: Authentication-Results (RFC 8601) model, formatter and parser. */
#ifndef MAILAUTH_AUTHRES_H
#define MAILAUTH_AUTHRES_H

#include <stddef.h>

#include <mailauth/ctx.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! An Authentication-Results header field: authserv-id, optional version,
 *  and an ordered list of result entries (resinfo). */
typedef struct mailauth_authres mailauth_authres_t;

/*! One result entry: method (with optional version), result word, optional
 *  reason, optional comment, and properties "ptype.property=value". */
typedef struct mailauth_resinfo mailauth_resinfo_t;

/*! Create an empty field.
 *  \param[in]  alloc         Allocator to use (copied), or NULL for the C library's.
 *  \param[in]  authserv_id   Copied; printable text (UTF-8 allowed) without CR, LF, NUL or
 *                            other control bytes; written as a quoted-string when it is not
 *                            an RFC 2045 token (RFC 8601 §2.2 authserv-id = value).
 *  \param[out] out           Freed with mailauth_authres_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_authres_new(const mailauth_allocator_t *alloc,
                                                    const char *authserv_id,
                                                    mailauth_authres_t **out);

/*! Free a field and its entries. NULL is a no-op. */
MAILAUTH_API void mailauth_authres_free(mailauth_authres_t *ar);

/*! Append an entry.
 *  \param[in]  method  RFC 8601 method token ("spf", "dkim", ...); copied.
 *  \param[in]  result  Result word ("pass"); copied. Must be a keyword token.
 *  \param[out] out     Borrowed entry, valid until mailauth_authres_free(); may be NULL.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (bad token), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_authres_add(mailauth_authres_t *ar, const char *method,
                                                    const char *result, mailauth_resinfo_t **out);

/*! Set the human-readable reason (reason="..."); copied; quoted on output.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (CR/LF or NUL inside), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_resinfo_set_reason(mailauth_resinfo_t *ri,
                                                           const char *reason);

/*! Set a comment written after the result, e.g. "(domain of x designates y)";
 *  copied, parentheses and backslashes escaped on output.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (CR/LF or NUL inside), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_resinfo_set_comment(mailauth_resinfo_t *ri,
                                                            const char *comment);

/*! Add a property ptype.property=value (e.g. "smtp", "mailfrom", "a@b.c").
 *  Values that are not a valid token are written as a quoted-string.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (bad ptype or property token, CR/LF/NUL in value),
 *          MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_resinfo_add_prop(mailauth_resinfo_t *ri, const char *ptype,
                                                         const char *property, const char *value);

/*! Format "Authentication-Results: id; method=result ..." folded at 78
 *  columns with CRLF (no final CRLF), like snprintf.
 *  \param[out] buf   Destination (may be NULL when cap is 0); NUL-terminated when cap > 0.
 *  \param[out] need  Bytes needed without the NUL (may be NULL).
 *  \return MAILAUTH_OK, MAILAUTH_ENOSPC (truncated: retry with *need + 1), MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t mailauth_authres_format(const mailauth_authres_t *ar, char *buf,
                                                       size_t cap, size_t *need);

/*! Like mailauth_authres_format() but only the field value (after "Authentication-Results:"),
 *  unfolded on one line. */
MAILAUTH_API mailauth_status_t mailauth_authres_format_value(const mailauth_authres_t *ar,
                                                             char *buf, size_t cap, size_t *need);

/*! Parse a field (with or without the "Authentication-Results:" name,
 *  folded or not). Lenient: a missing authserv-id, stray tokens and
 *  unterminated comments or quotes are skipped and counted.
 *  \param[out] skipped  Number of pieces that could not be understood (may be NULL).
 *  \param[out] out      New field, freed with mailauth_authres_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (nothing usable), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_authres_parse(const mailauth_allocator_t *alloc,
                                                      const char *text, size_t len,
                                                      size_t *skipped, mailauth_authres_t **out);

/*! The authserv-id ("" when a parsed field had none). Borrowed. */
MAILAUTH_API const char *mailauth_authres_authserv_id(const mailauth_authres_t *ar);

/*! Number of entries. */
MAILAUTH_API size_t mailauth_authres_resinfo_count(const mailauth_authres_t *ar);

/*! Entry `i` (0-based) or NULL. Borrowed until mailauth_authres_free(). */
MAILAUTH_API const mailauth_resinfo_t *mailauth_authres_resinfo(const mailauth_authres_t *ar,
                                                            size_t i);

/*! Method token of an entry (lower case). Borrowed. */
MAILAUTH_API const char *mailauth_resinfo_method(const mailauth_resinfo_t *ri);
/*! Result word of an entry (lower case). Borrowed. */
MAILAUTH_API const char *mailauth_resinfo_result(const mailauth_resinfo_t *ri);
/*! Reason text, or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_resinfo_reason(const mailauth_resinfo_t *ri);
/*! Comment text (without parentheses), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_resinfo_comment(const mailauth_resinfo_t *ri);
/*! Number of properties. */
MAILAUTH_API size_t mailauth_resinfo_prop_count(const mailauth_resinfo_t *ri);
/*! Property `i`: pointers borrowed. \return MAILAUTH_OK or MAILAUTH_EINVAL (out of range). */
MAILAUTH_API mailauth_status_t mailauth_resinfo_prop(const mailauth_resinfo_t *ri, size_t i,
                                                     const char **ptype, const char **property,
                                                     const char **value);
/*! Value of the first property ptype.property (case-insensitive), or NULL. */
MAILAUTH_API const char *mailauth_resinfo_find_prop(const mailauth_resinfo_t *ri,
                                                    const char *ptype, const char *property);

MAILAUTH_END_DECLS

#endif
