/* mailauth-milter: DKIM signatures for mail from internal_hosts or
 * SMTP-authenticated clients: one per `sign` key whose domain matches the
 * From domain (RSA and Ed25519 side by side). The library's default header
 * list is the one we want: From (oversigned), To, Cc, Subject, Date,
 * Message-ID, Reply-To, In-Reply-To, References, MIME-Version,
 * Content-Type, Content-Transfer-Encoding; c=relaxed/relaxed; never l=. */
#include <stdlib.h>
#include <string.h>

#include "milter.h"

#define MAX_SIGNERS 16

struct ma_signing {
    mailauth_dkim_signer_t *s[MAX_SIGNERS];
    size_t                  n;
    bool                    leadspc;
};

/* The domain of the one From field's address, lower case; NULL when there
 * is no single From with one address. */
static char *
addr_domain(const char *v)
{
    const char *lt = strchr(v, '<'), *at, *end;
    char       *d;
    size_t      n;
    if (lt != NULL)
        v = lt + 1;
    if ((at = strchr(v, '@')) == NULL)
        return NULL;
    at++;
    end = at;
    while (*end != '\0' && strchr("> \t\r\n,;()\"", *end) == NULL)
        end++;
    if ((lt == NULL && strchr(end, '@') != NULL) || end == at)
        return NULL; /* a second address: no single author domain */
    n = (size_t)(end - at);
    if ((d = malloc(n + 1)) == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = (char)(at[i] >= 'A' && at[i] <= 'Z' ? at[i] + 32 : at[i]);
    d[n] = '\0';
    return d;
}

char *
ma_from_domain(const struct ma_msg *m)
{
    const char *from = NULL;
    for (size_t i = 0; i < m->n_hdrs; i++) {
        if (m->hdrs[i].len > 5 && ma_strneq_ci(m->hdrs[i].field, "from:", 5)) {
            if (from != NULL)
                return NULL; /* RFC 5322 §3.6: one From; two is no author */
            from = m->hdrs[i].field + 5;
        }
    }
    return from != NULL ? addr_domain(from) : NULL;
}

static bool
add_signer(struct ma_signing *sg, struct ma_msg *m, const struct ma_keyspec *k, const char *dom)
{
    /* d= is the key's domain; for *.example.org the From domain itself */
    const char *d = k->domain[0] == '*' ? dom : k->domain;
    if (sg->n == MAX_SIGNERS)
        return true;
    if (mailauth_dkim_signer_new(m->gen->ctx, k->key, d, k->selector, &sg->s[sg->n]) != MAILAUTH_OK)
        return false;
    mailauth_dkim_signer_t *s = sg->s[sg->n++];
    for (size_t i = 0; i < m->n_hdrs; i++)
        if (mailauth_dkim_signer_header(s, m->hdrs[i].field, m->hdrs[i].len) != MAILAUTH_OK)
            return false;
    return mailauth_dkim_signer_end_headers(s) == MAILAUTH_OK;
}

bool
ma_signing_start(struct ma_msg *m, const char *from_domain)
{
    const struct ma_config *c = m->gen->cfg;
    struct ma_signing      *sg;
    if (m->hdr_overflow)
        return true; /* fields were not kept: no signature rather than a wrong one */
    for (size_t i = 0; i < c->n_sign; i++)
        if (ma_domain_matches(c->sign[i].domain, from_domain))
            break;
        else if (i + 1 == c->n_sign)
            return true;
    if (c->n_sign == 0)
        return true;
    if ((sg = calloc(1, sizeof(*sg))) == NULL)
        return false;
    m->signing = sg;
    for (size_t i = 0; i < c->n_sign; i++)
        if (ma_domain_matches(c->sign[i].domain, from_domain) &&
            !add_signer(sg, m, &c->sign[i], from_domain))
            return false;
    return true;
}

bool
ma_signing_body(struct ma_signing *sg, const unsigned char *chunk, size_t len)
{
    for (size_t i = 0; i < sg->n; i++)
        if (mailauth_dkim_signer_body(sg->s[i], chunk, len) != MAILAUTH_OK)
            return false;
    return true;
}

static bool
insert_one(SMFICTX *ctx, mailauth_dkim_signer_t *s, bool leadspc)
{
    size_t need = 0;
    char  *buf, *value;
    int    rc;
    if (mailauth_dkim_signer_format(s, NULL, 0, &need) != MAILAUTH_ENOSPC && need == 0)
        return false;
    if ((buf = malloc(need + 1)) == NULL)
        return false;
    if (mailauth_dkim_signer_format(s, buf, need + 1, &need) != MAILAUTH_OK) {
        free(buf);
        return false;
    }
    value = ma_mta_value(buf, strlen("DKIM-Signature"), leadspc);
    free(buf);
    if (value == NULL)
        return false;
    rc = smfi_insheader(ctx, 0, (char *)"DKIM-Signature", value);
    free(value);
    return rc == MI_SUCCESS;
}

bool
ma_signing_finish(SMFICTX *ctx, struct ma_signing *sg, bool leadspc, unsigned *count)
{
    *count = 0;
    for (size_t i = 0; i < sg->n; i++) {
        mailauth_status_t st = mailauth_dkim_signer_end_message(sg->s[i]);
        if (st == MAILAUTH_EINVAL || st == MAILAUTH_ELIMIT)
            continue; /* no From to sign, or a refused one: the message goes unsigned */
        if (st != MAILAUTH_OK || !insert_one(ctx, sg->s[i], leadspc))
            return false;
        (*count)++;
    }
    return true;
}

void
ma_signing_free(struct ma_signing *sg)
{
    if (sg == NULL)
        return;
    for (size_t i = 0; i < sg->n; i++)
        mailauth_dkim_signer_free(sg->s[i]);
    free(sg);
}
