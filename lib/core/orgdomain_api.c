/* mailauth_org_domain() (include/mailauth/dmarc.h, version 1.1): the
 * RFC 7489 §3.2 organizational domain outside an evaluation, from the
 * ctx's Public Suffix List, with the same lookup the DMARC check makes
 * (lib/dmarc/dmarc_discover.c), so a tool gets the answer an evaluation
 * would use. */
#include <mailauth/dmarc.h>

#include <string.h>

#include "core/ctx_int.h"
#include "domain/domain.h"
#include "domain/psl.h"
#include "util/arena.h"

mailauth_status_t
mailauth_org_domain(mailauth_ctx_t *ctx, const char *domain, char *buf, size_t cap, size_t *need)
{
    const mailauth__env_t *env;
    const mailauth__psl_t *psl;
    mailauth__arena_t      arena;
    char                  *alabel = NULL;
    const char            *org;
    size_t                 len, olen;
    mailauth_status_t      st;
    if (ctx == NULL || domain == NULL || (buf == NULL && cap > 0))
        return MAILAUTH_EINVAL;
    len = strlen(domain);
    if (len > 0 && domain[len - 1] == '.') /* one trailing dot: the root */
        len--;
    if (len == 0 || domain[len - 1] == '.') /* a second one: an empty label */
        return MAILAUTH_EINVAL;
    env = mailauth__ctx_env(ctx);
    mailauth__arena_init(&arena, &env->al);
    /* U-labels to A-labels, lower case; then the syntax of a host name */
    st = mailauth__domain_to_alabel(&arena, domain, len, &alabel);
    if (st == MAILAUTH_OK &&
        (alabel[0] == '\0' || alabel[strlen(alabel) - 1] == '.' ||
         !mailauth__domain_check(alabel, strlen(alabel), MAILAUTH__DOMAIN_LDH)))
        st = MAILAUTH_EINVAL;
    psl = st == MAILAUTH_OK ? mailauth__env_psl(env) : NULL;
    if (st == MAILAUTH_OK && psl == NULL)
        st = MAILAUTH_ENOTSUP; /* no list could be loaded */
    if (st == MAILAUTH_OK) {
        /* a public suffix has no registrable part: itself, as in the
         * DMARC check (RFC 7489 §6.6.3 then asks for its own record) */
        org = mailauth__psl_org_domain(psl, alabel);
        if (org == NULL)
            org = alabel;
        olen = strlen(org);
        if (need != NULL)
            *need = olen;
        if (cap > 0) {
            size_t n = olen < cap ? olen : cap - 1;
            memcpy(buf, org, n);
            buf[n] = '\0';
        }
        if (olen >= cap)
            st = MAILAUTH_ENOSPC;
    }
    mailauth__arena_clear(&arena);
    return st;
}
