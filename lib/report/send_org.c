/* libmailauth-report: organizational domains for the destination check,
 * through libmailauth's public API only: mailauth_org_domain() (RFC 7489
 * §3.2 over the ctx's Public Suffix List; no DNS question). */
#include <stddef.h>

#include <mailauth/ctx.h>
#include <mailauth/dmarc.h>

#include "gen_int.h"

int
mailauth_report_orgdomain_psl(void *ud, const char *domain, char *buf, size_t cap)
{
    mailauth_ctx_t   *ctx = ud;
    mailauth_ctx_t   *own = NULL;
    mailauth_status_t st;
    if (domain == NULL || buf == NULL || cap == 0)
        return -1;
    /* in RFC 9989 mode the organization is found by a DNS tree walk, not
     * from the list: this answer would not be the one DMARC uses */
    if (ctx != NULL && mailauth_ctx_dmarc_mode(ctx) != MAILAUTH_DMARC_RFC7489)
        return -1;
    if (ctx == NULL) {
        if (mailauth_ctx_new(NULL, &own) != MAILAUTH_OK)
            return -1;
        ctx = own;
    }
    st = mailauth_org_domain(ctx, domain, buf, cap, NULL);
    mailauth_ctx_free(own);
    return st == MAILAUTH_OK ? 0 : -1;
}
