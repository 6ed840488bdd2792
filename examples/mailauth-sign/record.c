/* mailauth-sign: the DNS TXT record that publishes a key (--dns-record,
 * keygen).
 *
 * The owner name is where verifiers look the key up: s=._domainkey.d=
 * (RFC 6376 §3.6.2.1), with d= in A-labels. Rather than checking the domain
 * and selector with rules of its own, the tool makes a signer with them
 * (the library refuses what it would not sign with) and signs a tiny
 * message, and reads d= and s= from the signature it wrote: the record is
 * then published exactly where the signatures point. */
#include <stdlib.h>
#include <string.h>

#include "sign_tool.h"

/* What the signer needs to sign: a From field (the address is not read). */
static const char probe_msg[] = "From: <postmaster@invalid>\r\n\r\n";

/* RFC 6376 §3.6.2.1: keys live at SELECTOR._domainkey.DOMAIN. */
static const char dkey[] = "._domainkey.";

static int
record_error(const char *what, mailauth_status_t st)
{
    fprintf(stderr, "%s: %s: %s\n", SIGN_PROG, what, mailauth_strerror(st));
    return SIGN_EXIT_SOFTWARE;
}

/* The signer refused the domain or the selector: say which, by asking it
 * again with a selector it takes ("s"). */
static int
names_refused(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain,
              const char *selector)
{
    mailauth_dkim_signer_t *s = NULL;
    mailauth_status_t       st = mailauth_dkim_signer_new(ctx, key, domain, "s", &s);
    mailauth_dkim_signer_free(s);
    if (st == MAILAUTH_OK)
        fprintf(stderr, "%s: --selector '%s' is not a valid name: signing refuses it\n", SIGN_PROG,
                selector);
    else
        fprintf(stderr, "%s: --domain '%s' is not a valid name: signing refuses it\n", SIGN_PROG,
                domain);
    return SIGN_EXIT_USAGE;
}

/* The value of tag `name` in a DKIM-Signature field: tags are separated by
 * ';' and may be preceded by folding white space; the signer never folds
 * inside d= or s= (each "tag=value;" is one piece of its formatter). */
static bool
find_tag(const char *field, const char *name, const char **val, size_t *vlen)
{
    const char *p = strchr(field, ':');
    size_t      nlen = strlen(name);
    while (p != NULL) {
        const char *end = NULL;
        p++;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        end = strchr(p, ';');
        if (end == NULL)
            end = p + strlen(p);
        if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            *val = p + nlen + 1;
            *vlen = (size_t)(end - *val);
            return *vlen > 0;
        }
        p = *end == ';' ? end : NULL;
    }
    return false;
}

/* Sign the probe message; the field (malloc'd) in *field. */
static mailauth_status_t
probe_sign(mailauth_dkim_signer_t *s, char **field)
{
    size_t            need = 0;
    mailauth_status_t st = mailauth_dkim_signer_message(s, probe_msg, sizeof(probe_msg) - 1);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_end_message(s);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_format(s, NULL, 0, &need);
    if (st != MAILAUTH_OK && st != MAILAUTH_ENOSPC)
        return st;
    *field = malloc(need + 1);
    if (*field == NULL)
        return MAILAUTH_ENOMEM;
    return mailauth_dkim_signer_format(s, *field, need + 1, &need);
}

int
sign_record_owner(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain,
                  const char *selector, char **owner)
{
    mailauth_dkim_signer_t *s = NULL;
    char                   *field = NULL;
    const char             *d = NULL, *sel = NULL;
    size_t                  dlen = 0, slen = 0, n = 0;
    mailauth_status_t       st = mailauth_dkim_signer_new(ctx, key, domain, selector, &s);
    int                     rc = SIGN_EXIT_OK;
    *owner = NULL;
    if (st == MAILAUTH_EINVAL)
        return names_refused(ctx, key, domain, selector);
    if (st != MAILAUTH_OK)
        return record_error("cannot create a signer", st);
    st = probe_sign(s, &field);
    if (st != MAILAUTH_OK)
        rc = record_error("signing a probe message", st);
    else if (!find_tag(field, "d", &d, &dlen) || !find_tag(field, "s", &sel, &slen))
        rc = record_error("no d= or s= in the signature", MAILAUTH_EINTERNAL);
    n = slen + sizeof(dkey) - 1 + dlen + 2; /* S._domainkey.D. and the NUL */
    if (rc == SIGN_EXIT_OK && (*owner = malloc(n)) == NULL)
        rc = record_error("DNS record", MAILAUTH_ENOMEM);
    if (rc == SIGN_EXIT_OK) {
        memcpy(*owner, sel, slen);
        memcpy(*owner + slen, dkey, sizeof(dkey) - 1);
        memcpy(*owner + slen + sizeof(dkey) - 1, d, dlen);
        memcpy(*owner + n - 2, ".", 2);
    }
    free(field);
    mailauth_dkim_signer_free(s);
    return rc;
}

int
sign_print_record(const mailauth_key_t *key, const char *owner)
{
    char             *rec = NULL;
    size_t            need = 0;
    mailauth_status_t st = mailauth_key_format_dns_record(key, NULL, 0, &need);
    if (st != MAILAUTH_OK && st != MAILAUTH_ENOSPC)
        return record_error("DNS record", st);
    rec = malloc(need + 1);
    if (rec == NULL)
        return record_error("DNS record", MAILAUTH_ENOMEM);
    st = mailauth_key_format_dns_record(key, rec, need + 1, &need);
    if (st != MAILAUTH_OK) {
        free(rec);
        return record_error("DNS record", st);
    }
    if (owner == NULL) {
        printf("%s\n", rec);
    } else {
        /* RFC 1035 §3.3.14: a TXT record is strings of at most 255 octets. */
        printf("%s TXT", owner);
        for (size_t i = 0; i < need; i += 255)
            printf(" \"%.*s\"", (int)(need - i < 255 ? need - i : 255), rec + i);
        printf("\n");
    }
    free(rec);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: cannot write the output\n", SIGN_PROG);
        return SIGN_EXIT_SOFTWARE;
    }
    return SIGN_EXIT_OK;
}
