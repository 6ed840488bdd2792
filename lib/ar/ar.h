/* Internal: Authentication-Results (RFC 8601) model shared by the model, formatter and parser. */
#ifndef MAILAUTH__AR_H
#define MAILAUTH__AR_H

#include <stdbool.h>
#include <stddef.h>

#include <mailauth/authres.h>

#include "util/arena.h"

/* Parser bounds: entries and properties beyond these are ignored and counted as skipped. */
#define MAILAUTH__AR_MAX_RESINFOS 1000u
#define MAILAUTH__AR_MAX_PROPS 1000u

typedef struct mailauth__ar_prop {
    char *ptype;    /* lower case keyword */
    char *property; /* lower case keyword */
    char *value;    /* as given, unquoted */
} mailauth__ar_prop_t;

struct mailauth_resinfo {
    mailauth_authres_t  *owner;
    char                *method;  /* keyword, optionally "/version" */
    char                *result;  /* keyword */
    char                *reason;  /* NULL when absent */
    char                *comment; /* NULL when absent; without the parentheses */
    bool                 comment_last; /* written after the properties, not the result */
    mailauth__ar_prop_t *props;
    size_t               nprops;
    size_t               cap;
};

struct mailauth_authres {
    mailauth_allocator_t al;          /* copy of the caller's; the arena points here */
    mailauth__arena_t    arena;       /* every string and array of the field */
    const char          *authserv_id; /* "" when a parsed field had none */
    mailauth_resinfo_t **items;
    size_t               count;
    size_t               cap;
};

/* Which checks a piece of text must pass before it may enter the model. */
typedef enum mailauth__ar_kind {
    MAILAUTH__AR_KEYWORD, /* RFC 5321 Keyword: ALPHA *(ALPHA / DIGIT / "-") */
    MAILAUTH__AR_METHOD,  /* Keyword [ "/" 1*DIGIT ] (RFC 8601 §2.2 method-version) */
    MAILAUTH__AR_TEXT,    /* any printable text (UTF-8 allowed); no CR, LF, NUL or controls */
    MAILAUTH__AR_ID       /* non-empty TEXT */
} mailauth__ar_kind_t;

/* true if s[0..n) may be stored as the given kind. */
bool mailauth__ar_valid(mailauth__ar_kind_t kind, const char *s, size_t n);

/* Empty field with authserv-id "" (the parser fills it). al: NULL for the C library's. */
mailauth_status_t mailauth__ar_create(const mailauth_allocator_t *al, mailauth_authres_t **out);
/* Set the authserv-id from s[0..n): EINVAL unless valid ID text, ENOMEM. */
mailauth_status_t mailauth__ar_set_id(mailauth_authres_t *ar, const char *s, size_t n);
/* Append an entry from (method, result) byte ranges; lower-cased; validated. */
mailauth_status_t mailauth__ar_add_n(mailauth_authres_t *ar, const char *method, size_t mlen,
                                     const char *result, size_t rlen, mailauth_resinfo_t **out);
/* Setters from byte ranges; validated (EINVAL), lower-casing ptype and property. */
mailauth_status_t mailauth__ar_set_reason_n(mailauth_resinfo_t *ri, const char *s, size_t n);
mailauth_status_t mailauth__ar_set_comment_n(mailauth_resinfo_t *ri, const char *s, size_t n);
/* Write the comment after the properties ("iprev=pass policy.iprev=192.0.2.1
 * (mail.example.org)", as iprev reporters do) instead of after the result;
 * RFC 8601 §2.2 allows a comment (CFWS) in either place. */
void mailauth__ar_comment_last(mailauth_resinfo_t *ri);
mailauth_status_t mailauth__ar_add_prop_n(mailauth_resinfo_t *ri, const char *ptype, size_t tlen,
                                          const char *property, size_t plen, const char *value,
                                          size_t vlen);

/* Output classes of a value (RFC 2045 §5.1 token; RFC 8601 §2.2 pvalue address form). */
bool mailauth__ar_is_token(const char *s, size_t n);
bool mailauth__ar_is_addr(const char *s, size_t n);

#endif
