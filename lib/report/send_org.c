/* libmailauth-report: organizational domains for the destination check,
 * through libmailauth's public API only. The report library has no Public
 * Suffix List of its own; libmailauth's DMARC evaluation in RFC 7489 mode
 * finds the organizational domain of an author domain from its list
 * (RFC 7489 §3.2) before it asks anything. So the domain is put in the
 * From of a header-only message and evaluated over a resolver that answers
 * every question NXDOMAIN at once: no DNS traffic, and the DMARC result
 * names the organizational domain. */
#include <stdio.h>
#include <string.h>

#include <mailauth/ctx.h>
#include <mailauth/dmarc.h>
#include <mailauth/dns.h>
#include <mailauth/eval.h>

#include "gen_int.h"

static mailauth_status_t
answer_nx(void *ud, mailauth_dns_query_t *q, const char *name, mailauth_dns_type_t type)
{
    (void)ud;
    (void)name;
    (void)type;
    return mailauth_dns_query_answer(q, MAILAUTH_DNS_NXDOMAIN, NULL, 0);
}

static bool
plain_domain(const char *d)
{
    size_t n = strlen(d);
    if (n == 0 || n > 253)
        return false;
    for (; *d != '\0'; d++)
        if ((unsigned char)*d <= ' ' || *d == '<' || *d == '>' || *d == '@' || *d == ',' ||
            *d == ';' || *d == '(' || *d == ')' || *d == '"' || *d == '\\' || *d == 0x7f)
            return false;
    return true;
}

static int
org_of(mailauth_ctx_t *ctx, const char *domain, char *buf, size_t cap)
{
    mailauth_dns_ops_t   ops = {.version = MAILAUTH_DNS_OPS_VERSION, .query = answer_nx};
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev = NULL;
    char                 msg[600];
    int                  rc = -1;
    int                  n = snprintf(msg, sizeof(msg), "From: <postmaster@%s>\r\n\r\n", domain);
    if (n < 0 || (size_t)n >= sizeof(msg))
        return -1;
    if (mailauth_resolver_new_custom(ctx, &ops, &r) == MAILAUTH_OK &&
        mailauth_eval_new(ctx, r, &ev) == MAILAUTH_OK &&
        mailauth_eval_message(ev, msg, (size_t)n) == MAILAUTH_OK &&
        mailauth_eval_finish_sync(ev, 5000) == MAILAUTH_OK) {
        const mailauth_dmarc_result_t *d = mailauth_eval_dmarc(ev);
        const char                    *org = d != NULL ? mailauth_dmarc_result_org_domain(d) : NULL;
        if (org != NULL && strlen(org) < cap) {
            memcpy(buf, org, strlen(org) + 1);
            rc = 0;
        }
    }
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    return rc;
}

int
mailauth_report_orgdomain_psl(void *ud, const char *domain, char *buf, size_t cap)
{
    mailauth_ctx_t *ctx = ud;
    mailauth_ctx_t *own = NULL;
    int             rc;
    if (domain == NULL || buf == NULL || cap == 0 || !plain_domain(domain))
        return -1;
    if (ctx != NULL && mailauth_ctx_dmarc_mode(ctx) != MAILAUTH_DMARC_RFC7489)
        return -1;
    if (ctx == NULL) {
        if (mailauth_ctx_new(NULL, &own) != MAILAUTH_OK)
            return -1;
        ctx = own;
    }
    rc = org_of(ctx, domain, buf, cap);
    mailauth_ctx_free(own);
    return rc;
}
