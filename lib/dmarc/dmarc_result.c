/* Public DMARC detail view (include/mailauth/dmarc.h): getters over the
 * result of lib/dmarc. Every getter accepts NULL and answers the default. */
#include <mailauth/dmarc.h>

#include "dmarc/dmarc_int.h"

const char *
mailauth_dmarc_policy_name(mailauth_dmarc_policy_t p)
{
    switch (p) {
    case MAILAUTH_DMARC_POLICY_UNSPECIFIED:
        return "unspecified";
    case MAILAUTH_DMARC_POLICY_NONE:
        return "none";
    case MAILAUTH_DMARC_POLICY_QUARANTINE:
        return "quarantine";
    case MAILAUTH_DMARC_POLICY_REJECT:
        return "reject";
    }
    return "unknown";
}

const char *
mailauth_dmarc_align_name(mailauth_dmarc_align_t a)
{
    switch (a) {
    case MAILAUTH_DMARC_ALIGN_RELAXED:
        return "relaxed";
    case MAILAUTH_DMARC_ALIGN_STRICT:
        return "strict";
    }
    return "unknown";
}

const char *
mailauth_dmarc_discovery_name(mailauth_dmarc_discovery_t d)
{
    switch (d) {
    case MAILAUTH_DMARC_DISCOVERY_PSL:
        return "psl";
    case MAILAUTH_DMARC_DISCOVERY_TREEWALK:
        return "treewalk";
    }
    return "unknown";
}

mailauth_verdict_t
mailauth_dmarc_result_verdict(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->verdict : MAILAUTH_VERDICT_NONE;
}

mailauth_reason_t
mailauth_dmarc_result_reason(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->reason : MAILAUTH_REASON_NONE;
}

const char *
mailauth_dmarc_result_problem(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->problem : NULL;
}

mailauth_dmarc_mode_t
mailauth_dmarc_result_mode(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->mode : MAILAUTH_DMARC_RFC7489;
}

const char *
mailauth_dmarc_result_header_from(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->header_from : NULL;
}

mailauth_dmarc_policy_t
mailauth_dmarc_result_policy(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? (mailauth_dmarc_policy_t)res->policy : MAILAUTH_DMARC_POLICY_UNSPECIFIED;
}

const char *
mailauth_dmarc_result_policy_tag(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->policy_tag : NULL;
}

mailauth_dmarc_policy_t
mailauth_dmarc_result_disposition(const mailauth_dmarc_result_t *res)
{
    if (res == NULL || res->disposition == MAILAUTH_DMARC_POLICY_UNSPECIFIED)
        return MAILAUTH_DMARC_POLICY_NONE;
    return (mailauth_dmarc_policy_t)res->disposition;
}

int
mailauth_dmarc_result_sampled_out(const mailauth_dmarc_result_t *res)
{
    return res != NULL && res->sampled_out;
}

const char *
mailauth_dmarc_result_org_domain(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->org_domain : NULL;
}

const char *
mailauth_dmarc_result_policy_domain(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->policy_domain : NULL;
}

mailauth_dmarc_discovery_t
mailauth_dmarc_result_discovery(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->discovery : MAILAUTH_DMARC_DISCOVERY_PSL;
}

int
mailauth_dmarc_result_spf_aligned(const mailauth_dmarc_result_t *res)
{
    return res != NULL && res->spf_aligned;
}

int
mailauth_dmarc_result_dkim_aligned(const mailauth_dmarc_result_t *res)
{
    return res != NULL && res->dkim_aligned;
}

const char *
mailauth_dmarc_result_dkim_domain(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->dkim_domain : NULL;
}

/* ---- the record ---- */

static const mailauth__dmarc_record_t *
rec_of(const mailauth_dmarc_result_t *res)
{
    return res != NULL ? res->rec : NULL;
}

const char *
mailauth_dmarc_result_record(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL ? r->txt : NULL;
}

size_t
mailauth_dmarc_result_rua_count(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL ? r->nrua : 0;
}

const char *
mailauth_dmarc_result_rua(const mailauth_dmarc_result_t *res, size_t i)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL && i < r->nrua ? r->rua[i] : NULL;
}

size_t
mailauth_dmarc_result_ruf_count(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL ? r->nruf : 0;
}

const char *
mailauth_dmarc_result_ruf(const mailauth_dmarc_result_t *res, size_t i)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL && i < r->nruf ? r->ruf[i] : NULL;
}

const char *
mailauth_dmarc_result_fo(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL ? r->fo : "0";
}

unsigned
mailauth_dmarc_result_pct(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL ? r->pct : 100u;
}

mailauth_dmarc_align_t
mailauth_dmarc_result_adkim(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL ? (mailauth_dmarc_align_t)r->adkim : MAILAUTH_DMARC_ALIGN_RELAXED;
}

mailauth_dmarc_align_t
mailauth_dmarc_result_aspf(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL ? (mailauth_dmarc_align_t)r->aspf : MAILAUTH_DMARC_ALIGN_RELAXED;
}

const char *
mailauth_dmarc_result_rf(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL ? r->rf : "afrf";
}

uint32_t
mailauth_dmarc_result_ri(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL ? r->ri : 86400u;
}

int
mailauth_dmarc_result_testing(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    return r != NULL && r->testing;
}

mailauth_dmarc_psd_t
mailauth_dmarc_result_psd(const mailauth_dmarc_result_t *res)
{
    const mailauth__dmarc_record_t *r = rec_of(res);
    if (r == NULL)
        return MAILAUTH_DMARC_PSD_UNSPECIFIED;
    return r->psd == 'y'   ? MAILAUTH_DMARC_PSD_YES
           : r->psd == 'n' ? MAILAUTH_DMARC_PSD_NO
                           : MAILAUTH_DMARC_PSD_UNSPECIFIED;
}
