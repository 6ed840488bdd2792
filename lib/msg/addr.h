/* Internal: RFC 5322 address lists (§3.4) as DMARC needs them: the domain
 * of every mailbox of a From field (RFC 7489 §6.6.1, RFC 9989 §5.3.1).
 *
 * The parser is one forward pass over the field value with a small state
 * machine: no recursion, no token array, so a hostile value (1 MiB, comments
 * nested a million deep, a hundred thousand mailboxes) costs time linear in
 * its length and memory bounded by `max` mailboxes.
 *
 * Accepted: display names (phrases, quoted strings, encoded words left as
 * they are, obs-phrase dots), comments (nested, quoted-pairs), quoted local
 * parts, angle addresses, groups (RFC 6854 allows them in From), obsolete
 * routes (<@a,@b:user@domain>), CFWS inside obs-domains ("example . com"),
 * and UTF-8 (RFC 6532). A mailbox whose domain is a domain-literal, is not
 * a host name, or cannot be converted to A-labels has no usable domain.
 */
#ifndef MAILAUTH__ADDR_H
#define MAILAUTH__ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include <mailauth/status.h>

#include "util/arena.h"

/* Flags of mailauth__addr_list_t. */
enum {
    MAILAUTH__ADDR_SYNTAX = 1,   /* something in the field is not RFC 5322 syntax */
    MAILAUTH__ADDR_TRUNCATED = 2 /* more than `max` mailboxes: only the first were kept */
};

typedef struct mailauth__addr_list {
    /* domains[i]: the domain of mailbox i in field order, lower-case A-label
     * form without trailing dot (arena memory); NULL when that mailbox has
     * no usable domain (no '@', domain-literal, bad name, unbalanced syntax). */
    const char **domains;
    size_t       n;     /* mailboxes kept (<= max) */
    size_t       total; /* mailboxes found */
    unsigned     flags; /* MAILAUTH__ADDR_* */
} mailauth__addr_list_t;

/* Parse a mailbox-list / address-list field value (the bytes after
 * "From:"; folding may be present). Groups contribute their members; an
 * empty group contributes nothing. At most `max` mailboxes are kept (and
 * converted); the rest are only counted.
 * Returns MAILAUTH_OK (even for garbage: see flags and NULL domains),
 * MAILAUTH_EINVAL (NULL argument), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__addr_parse_domains(mailauth__arena_t *a, const char *value, size_t len,
                                               size_t max, mailauth__addr_list_t *out);

#endif
