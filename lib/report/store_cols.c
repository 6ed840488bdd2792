/* libmailauth-report, history store: a record and a policy as statement
 * parameters and back (the columns STORE_RECORD_COLS, STORE_POLICY_COLS). */
#include <string.h>

#include "store_int.h"

static mailauth_report__store_param_t
text_param(const char *v)
{
    return (mailauth_report__store_param_t){.kind = v != NULL ? STORE_P_TEXT : STORE_P_NULL,
                                            .text = v};
}

/* Every string must be UTF-8: PostgreSQL refuses other bytes, and SQLite
 * would keep them; the store takes the same rows on both. */
static mailauth_status_t
check_texts(mailauth_report_store_t *s, const mailauth_report__store_param_t *p, size_t n,
            const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i].kind == STORE_P_TEXT && !mailauth_report__store_utf8_ok(p[i].text)) {
            mailauth_report__store_seterr(s, "%s: a value is not UTF-8", what);
            return MAILAUTH_EINVAL;
        }
    }
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_report__store_record_params(mailauth_report_store_t *s, const mailauth_report_record_t *r,
                                     mailauth_report__store_param_t *p,
                                     mailauth_report__store_str_t   *enc)
{
    mailauth_status_t st;
    if (r == NULL || r->version != MAILAUTH_REPORT_STRUCT_VERSION) {
        mailauth_report__store_seterr(s, "record: NULL or of an unknown struct version");
        return MAILAUTH_EINVAL;
    }
    st = mailauth_report__store_encode_reasons(r, &enc[0]);
    if (st == MAILAUTH_OK)
        st = mailauth_report__store_encode_dkim(r, &enc[1]);
    if (st == MAILAUTH_OK)
        st = mailauth_report__store_encode_spf(r, &enc[2]);
    if (st != MAILAUTH_OK) {
        mailauth_report__store_seterr(s, st == MAILAUTH_ENOMEM
                                             ? "out of memory"
                                             : "record: a reason without a type, a list "
                                               "count without its array, or a value not UTF-8");
        return st;
    }
    p[0] = text_param(r->source_ip);
    p[1] = text_param(r->disposition);
    p[2] = text_param(r->dkim_aligned);
    p[3] = text_param(r->spf_aligned);
    p[4] = text_param(r->dmarc);
    p[5] = text_param(enc[0].p);
    p[6] = text_param(r->header_from);
    p[7] = text_param(r->envelope_from);
    p[8] = text_param(r->envelope_to);
    p[9] = text_param(enc[1].p);
    p[10] = text_param(enc[2].p);
    return check_texts(s, p, STORE_RECORD_NCOLS, "record");
}

mailauth_status_t
mailauth_report__store_policy_params(mailauth_report_store_t        *s,
                                     const mailauth_report_policy_t *pol,
                                     mailauth_report__store_param_t *p)
{
    if (pol == NULL) {
        for (size_t i = 0; i < STORE_POLICY_NCOLS; i++)
            p[i] = text_param(NULL);
        return MAILAUTH_OK;
    }
    if (pol->version != MAILAUTH_REPORT_STRUCT_VERSION) {
        mailauth_report__store_seterr(s, "policy: unknown struct version %u", pol->version);
        return MAILAUTH_EINVAL;
    }
    p[0] = text_param(pol->domain);
    p[1] = text_param(pol->p);
    p[2] = text_param(pol->sp);
    p[3] = text_param(pol->np);
    p[4] = text_param(pol->adkim);
    p[5] = text_param(pol->aspf);
    p[6] = text_param(pol->pct);
    p[7] = text_param(pol->testing);
    p[8] = text_param(pol->discovery_method);
    p[9] = text_param(pol->fo);
    p[10] = text_param(pol->rua);
    p[11] = text_param(pol->ruf);
    return check_texts(s, p, STORE_POLICY_NCOLS, "policy");
}

/* Copy column values into pool memory; false when one copy failed. */
static bool
copy_cols(mailauth_report__store_pool_t *pl, const char *const *c, const char **const *dst,
          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (dst[i] == NULL)
            continue;
        *dst[i] = mailauth_report__store_pool_strdup(pl, c[i]);
        if (c[i] != NULL && *dst[i] == NULL)
            return false;
    }
    return true;
}

bool
mailauth_report__store_record_cols(mailauth_report__store_pool_t *pl, const char *const *c,
                                   mailauth_report_record_t *r)
{
    mailauth_report_reason_t *reasons = NULL;
    mailauth_report_dkim_t   *dkim = NULL;
    mailauth_report_spf_t    *spf = NULL;
    const char **const        dst[STORE_RECORD_NCOLS] = {
               &r->source_ip, &r->disposition, &r->dkim_aligned,  &r->spf_aligned, &r->dmarc,
               NULL,          &r->header_from, &r->envelope_from, &r->envelope_to, NULL,
               NULL};
    memset(r, 0, sizeof(*r));
    r->version = MAILAUTH_REPORT_STRUCT_VERSION;
    r->count = 1;
    if (!mailauth_report__store_decode_reasons(pl, c[5], &reasons, &r->reason_count) ||
        !mailauth_report__store_decode_dkim(pl, c[9], &dkim, &r->dkim_count) ||
        !mailauth_report__store_decode_spf(pl, c[10], &spf, &r->spf_count))
        return false;
    r->reasons = reasons;
    r->dkim = dkim;
    r->spf = spf;
    return copy_cols(pl, c, dst, STORE_RECORD_NCOLS);
}

bool
mailauth_report__store_policy_cols(mailauth_report__store_pool_t *pl, const char *const *c,
                                   const mailauth_report_policy_t **out)
{
    mailauth_report_policy_t *p;
    bool                      any = false;
    *out = NULL;
    for (size_t i = 0; i < STORE_POLICY_NCOLS; i++)
        any = any || c[i] != NULL;
    if (!any)
        return true;
    p = mailauth_report__store_pool_alloc(pl, sizeof(*p));
    if (p == NULL)
        return false;
    memset(p, 0, sizeof(*p));
    p->version = MAILAUTH_REPORT_STRUCT_VERSION;
    {
        const char **const dst[STORE_POLICY_NCOLS] = {&p->domain, &p->p,       &p->sp,
                                                      &p->np,     &p->adkim,   &p->aspf,
                                                      &p->pct,    &p->testing, &p->discovery_method,
                                                      &p->fo,     &p->rua,     &p->ruf};
        if (!copy_cols(pl, c, dst, STORE_POLICY_NCOLS))
            return false;
    }
    *out = p;
    return true;
}
