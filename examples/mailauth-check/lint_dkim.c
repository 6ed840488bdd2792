/* mailauth-check --lint: the DKIM key of one selector (RFC 6376 §3.6.1,
 * RFC 8301, RFC 8463), read by the library's key parser
 * (mailauth_dkim_key_check) as a verifier would read it. */
#include "lint.h"

/* RFC 8301 §3.2: signers SHOULD use RSA keys of at least 2048 bits. */
#define RSA_GOOD_BITS 2048u

static void
check_key(struct lint *l, const char *name, const char *txt, size_t len)
{
    mailauth_dkim_key_info_t k = {.version = MAILAUTH_DKIM_KEY_INFO_VERSION};
    if (mailauth_dkim_key_check(l->ctx, txt, len, &k) != MAILAUTH_OK) {
        l->failed = true;
        return;
    }
    switch (k.reason) {
    case MAILAUTH_REASON_NONE:
        break;
    case MAILAUTH_REASON_DKIM_KEY_REVOKED:
        lint_problem(l, "dkim", name, "the key is revoked (empty p=, RFC 6376 §3.6.1)");
        return;
    case MAILAUTH_REASON_DKIM_KEY_TOO_SMALL:
        lint_problem(l, "dkim", name, "%u-bit RSA key: verifiers refuse it (RFC 8301 §3.2)",
                     k.bits);
        return;
    default:
        lint_problem(l, "dkim", name, "unusable key record (%s)", mailauth_reason_name(k.reason));
        return;
    }
    if (k.key_type != NULL && k.key_type[0] == 'r' && k.bits < RSA_GOOD_BITS)
        lint_problem(l, "dkim", name,
                     "%u-bit RSA key: 2048 bits or more recommended (RFC 8301 §3.2)", k.bits);
    if (k.testing)
        lint_problem(l, "dkim", name, "t=y: the domain says it is testing DKIM (RFC 6376 §3.6.1)");
    if (!k.sha256)
        lint_problem(l, "dkim", name, "h= does not allow sha256 (RFC 8301 §3.1)");
}

void
lint_dkim(struct lint *l, const char *domain, const char *selector)
{
    char               name[600];
    struct lint_answer a;
    (void)snprintf(name, sizeof(name), "%s._domainkey.%s", selector, domain);
    if (!lint_lookup(l, name, MAILAUTH_DNS_TXT, &a))
        return;
    if (a.rcode != MAILAUTH_DNS_RECORDS)
        lint_problem(l, "dkim", name, "no key record (%s)", mailauth_dns_rcode_name(a.rcode));
    else if (a.count > 1)
        lint_problem(l, "dkim", name, "%zu TXT records; a verifier needs exactly one", a.count);
    else
        check_key(l, name, a.rec[0], a.len[0]);
    lint_answer_clear(&a);
}
