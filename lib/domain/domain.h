/* Internal: domain names: validation, case folding, IDNA (the only libidn2 user). */
#ifndef MAILAUTH__DOMAIN_H
#define MAILAUTH__DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include <mailauth/status.h>

#include "util/arena.h"

/* Flags for mailauth__domain_check. */
enum {
    MAILAUTH__DOMAIN_NEED_DOT = 1, /* at least two labels (SPF §4.3: FQDN) */
    MAILAUTH__DOMAIN_LDH = 2       /* letters, digits, hyphen (and '_') only */
};

/* Syntax check of a name in A-label form: 1..253 octets (a trailing dot
 * allowed and not counted), labels 1..63 octets, no empty label. */
bool mailauth__domain_check(const char *name, size_t len, unsigned flags);

/* Convert a possibly-U-label domain (UTF-8) to lower-case A-label form,
 * without trailing dot. Pure ASCII input is only lower-cased (A-labels are
 * taken as written). Otherwise IDNA2008 with the non-transitional UTS #46
 * mapping, and no transitional fallback. MAILAUTH_EINVAL if that refuses the
 * name (invalid UTF-8, a code point IDNA2008 disallows, a joiner out of
 * context, bad bidi, a bad A-label among U-labels, empty label, too long).
 * MAILAUTH_ENOMEM. Result allocated from the arena. */
mailauth_status_t mailauth__domain_to_alabel(mailauth__arena_t *a, const char *name, size_t len,
                                             char **out);

/* Case-insensitive equality ignoring one trailing dot on either side. */
bool mailauth__domain_eq(const char *a, size_t alen, const char *b, size_t blen);

/* True if `sub` equals `parent` or ends with "." + parent (case-insensitive),
 * ignoring one trailing dot on either side. An empty parent (or ".") is
 * never matched. */
bool mailauth__domain_is_sub(const char *sub, size_t sublen, const char *parent, size_t plen);

#endif
