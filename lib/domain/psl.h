/* Internal: the Public Suffix List (through libpsl, its only user) and the
 * RFC 7489 organizational domain.
 *
 * A list is loaded once per ctx and then only read, so threads sharing the
 * ctx may use it together (libpsl lookups do not modify the list).
 */
#ifndef MAILAUTH__PSL_H
#define MAILAUTH__PSL_H

#include <stddef.h>

#include <mailauth/ctx.h>
#include <mailauth/status.h>

typedef struct mailauth__psl mailauth__psl_t;

/* Load a list from `path` (publicsuffix.org text or libpsl DAFSA), or the
 * default when path is NULL: the newest of the system list and the one
 * built into libpsl. MAILAUTH_OK, MAILAUTH_EINVAL (unreadable), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__psl_open(const mailauth_allocator_t *al, const char *path,
                                     mailauth__psl_t **out);
void mailauth__psl_close(const mailauth_allocator_t *al, mailauth__psl_t *psl);

/* Organizational domain of `domain` (lower case, A-labels, no trailing dot,
 * NUL-terminated) per RFC 7489 §3.2: the public suffix plus one label. The
 * result points into `domain`. A name that is itself a public suffix (or
 * has no registrable part) has no organizational domain: NULL. */
const char *mailauth__psl_org_domain(const mailauth__psl_t *psl, const char *domain);

/* True if `domain` (as above) is a public suffix. */
int mailauth__psl_is_suffix(const mailauth__psl_t *psl, const char *domain);

#endif
