/* Internal: tag=value lists (RFC 6376 §3.2), used by DKIM signatures and
 * keys, ARC fields and DMARC records.
 *
 *   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  = ALPHA *ALNUMPUNC          (ALNUMPUNC: ALPHA / DIGIT / "_")
 *   tag-value = [ tval *( 1*(WSP / FWS) tval ) ]   tval = 1*VALCHAR
 *   VALCHAR   = %x21-3A / %x3C-7E          (printable except ';')
 *               / %x80-FF                  (UTF-8, RFC 6532 header fields,
 *                                           RFC 8616 i= local-parts; callers
 *                                           check their own values)
 *   FWS       = WSP runs, each line break CRLF (or a bare LF, as milters
 *               hand fields over) followed by at least one WSP; a CR not
 *               followed by LF, or a line break not followed by WSP, is
 *               a syntax error (so is a trailing CRLF: pass the field
 *               without the CRLF that ends it).
 *
 * The parser does not copy: names and values point into the input. A
 * value is trimmed of the FWS around it; FWS inside it is kept (callers
 * that need it gone, like b= and p=, strip it). Tag names are case-
 * sensitive (§3.2). Empty tag-specs between semicolons (";;", "; ;", a
 * leading ";") are not in the §3.2 grammar; they are accepted but counted
 * in `empty`, so that strict callers (signatures, ARC) refuse them and
 * lenient ones (key and DMARC records) ignore them. A trailing ";" is in
 * the grammar and not counted.
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
    mailauth__tag_t *v;     /* in input order, arena memory */
    size_t           n;
    size_t           empty; /* empty tag-specs seen (";;"), see above */
} mailauth__taglist_t;

typedef enum mailauth__tags_err {
    MAILAUTH__TAGS_OK = 0,
    MAILAUTH__TAGS_SYNTAX,    /* not a tag-list */
    MAILAUTH__TAGS_DUPLICATE, /* a tag name appears twice (§3.2: invalid) */
    MAILAUTH__TAGS_TOO_MANY,  /* more than max_tags tags */
} mailauth__tags_err_t;

/* Parse `s` (n bytes, need not be NUL-terminated; NUL bytes are a syntax
 * error). *err says what is wrong when the list is unusable; *err_at is
 * the offset of the offending byte (syntax), of the second occurrence's
 * name (duplicate) or of the first tag too many. Duplicates are found in
 * O(n log n), so max_tags only bounds memory.
 * Returns MAILAUTH_OK (check *err), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__tags_parse(mailauth__arena_t *a, const char *s, size_t n,
                                       size_t max_tags, mailauth__taglist_t *out,
                                       mailauth__tags_err_t *err, size_t *err_at);

/* The same without allocation: tags go to the caller's v[cap] (more than
 * cap tags is MAILAUTH__TAGS_TOO_MANY); out->v = v. Duplicates are found
 * in O(cap^2), so keep cap small (key records use 32). err_at may be NULL. */
mailauth__tags_err_t mailauth__tags_parse_fixed(const char *s, size_t n, mailauth__tag_t *v,
                                                size_t cap, mailauth__taglist_t *out,
                                                size_t *err_at);

/* The tag named `name` (exact, case-sensitive), or NULL. */
const mailauth__tag_t *mailauth__tags_find(const mailauth__taglist_t *l, const char *name);

/* Colon-separated lists inside a value (h=, q= of §3.5; h=, s=, t= of
 * §3.6.1): the next item, with the FWS around it trimmed, from *pos (start
 * at 0). Items may be empty ("a::b", a trailing ':'); an empty value has
 * no items. Returns false when the value is used up. */
bool mailauth__tags_list_next(const mailauth__tag_t *t, size_t *pos, const char **item,
                              size_t *item_len);

/* Copy of a value with every FWS byte (SP, HTAB, CR, LF) removed, as b=,
 * bh= and p= need before base64 decoding (§3.5, §3.6.1); arena memory,
 * NUL-terminated; *len (if len is not NULL) gets its length. NULL on ENOMEM. */
char *mailauth__tags_value_nows(mailauth__arena_t *a, const mailauth__tag_t *t, size_t *len);

#endif
