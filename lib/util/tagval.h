/* Internal: tag=value lists (RFC 6376 §3.2), used by DKIM signatures and
 * keys, ARC fields and DMARC records.
 *
 *   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  = ALPHA *ALNUMPUNC          (ALNUMPUNC: ALPHA / DIGIT / "_")
 *   tag-value = [ tval *( 1*(WSP / FWS) tval ) ]   tval = 1*VALCHAR
 *   VALCHAR   = %x21-3A / %x3C-7E          (printable except ';')
 *
 * The parser does not copy: names and values point into the input. A
 * value is trimmed of the FWS around it; FWS inside it is kept (callers
 * that need it gone, like b= and p=, strip it). Tag names are case-
 * sensitive (§3.2). Empty tag-specs between semicolons (";;") and a
 * trailing ";" are allowed.
 */
#ifndef MAILAUTH__TAGVAL_H
#define MAILAUTH__TAGVAL_H

#include <stdbool.h>
#include <stddef.h>

#include <mailauth/status.h>

#include "util/arena.h"

typedef struct mailauth__tag {
    const char *name;
    size_t      name_len;
    const char *value; /* trimmed; may be empty (value_len 0) */
    size_t      value_len;
    size_t      value_off; /* offset in the input of the whole value area: just after '=' */
    size_t      area_len;  /* up to the ';' or end of input, surrounding FWS included */
} mailauth__tag_t;

typedef struct mailauth__taglist {
    mailauth__tag_t *v; /* in input order, arena memory */
    size_t           n;
} mailauth__taglist_t;

typedef enum mailauth__tags_err {
    MAILAUTH__TAGS_OK = 0,
    MAILAUTH__TAGS_SYNTAX,    /* not a tag-list */
    MAILAUTH__TAGS_DUPLICATE, /* a tag name appears twice (§3.2: invalid) */
    MAILAUTH__TAGS_TOO_MANY,  /* more than max_tags tags */
} mailauth__tags_err_t;

/* Parse `s` (n bytes, need not be NUL-terminated; NUL bytes are a syntax
 * error). *err says what is wrong when the list is unusable; on a syntax
 * error *err_at is the offset of the offending byte.
 * Returns MAILAUTH_OK (check *err), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__tags_parse(mailauth__arena_t *a, const char *s, size_t n,
                                       size_t max_tags, mailauth__taglist_t *out,
                                       mailauth__tags_err_t *err, size_t *err_at);

/* The tag named `name` (exact, case-sensitive), or NULL. */
const mailauth__tag_t *mailauth__tags_find(const mailauth__taglist_t *l, const char *name);

/* Copy of a value with every FWS byte (SP, HTAB, CR, LF) removed, as b=,
 * bh= and p= need before base64 decoding (§3.5, §3.6.1); arena memory,
 * NUL-terminated. NULL on ENOMEM. */
char *mailauth__tags_value_nows(mailauth__arena_t *a, const mailauth__tag_t *t, size_t *len);

#endif
