/* Field-by-field comparison of records, for the store tests. */
#ifndef MAILAUTH_TEST_STORE_CHECK_H
#define MAILAUTH_TEST_STORE_CHECK_H

#include <stdbool.h>
#include <string.h>

#include <mailauth/report.h>

static inline bool
same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static inline bool
same_policy(const mailauth_report_policy_t *a, const mailauth_report_policy_t *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return same_str(a->domain, b->domain) && same_str(a->p, b->p) && same_str(a->sp, b->sp) &&
           same_str(a->np, b->np) && same_str(a->adkim, b->adkim) && same_str(a->aspf, b->aspf) &&
           same_str(a->pct, b->pct) && same_str(a->testing, b->testing) &&
           same_str(a->discovery_method, b->discovery_method) && same_str(a->fo, b->fo) &&
           same_str(a->rua, b->rua) && same_str(a->ruf, b->ruf);
}

/* Every field but time, count and policy. */
static inline bool
same_record_fields(const mailauth_report_record_t *a, const mailauth_report_record_t *b)
{
    if (!same_str(a->source_ip, b->source_ip) || !same_str(a->disposition, b->disposition) ||
        !same_str(a->dkim_aligned, b->dkim_aligned) || !same_str(a->spf_aligned, b->spf_aligned) ||
        !same_str(a->dmarc, b->dmarc) || !same_str(a->header_from, b->header_from) ||
        !same_str(a->envelope_from, b->envelope_from) ||
        !same_str(a->envelope_to, b->envelope_to) || a->reason_count != b->reason_count ||
        a->dkim_count != b->dkim_count || a->spf_count != b->spf_count)
        return false;
    for (size_t i = 0; i < a->reason_count; i++)
        if (!same_str(a->reasons[i].type, b->reasons[i].type) ||
            !same_str(a->reasons[i].comment, b->reasons[i].comment))
            return false;
    for (size_t i = 0; i < a->dkim_count; i++)
        if (!same_str(a->dkim[i].domain, b->dkim[i].domain) ||
            !same_str(a->dkim[i].selector, b->dkim[i].selector) ||
            !same_str(a->dkim[i].result, b->dkim[i].result) ||
            !same_str(a->dkim[i].human_result, b->dkim[i].human_result))
            return false;
    for (size_t i = 0; i < a->spf_count; i++)
        if (!same_str(a->spf[i].domain, b->spf[i].domain) ||
            !same_str(a->spf[i].scope, b->spf[i].scope) ||
            !same_str(a->spf[i].result, b->spf[i].result) ||
            !same_str(a->spf[i].human_result, b->spf[i].human_result))
            return false;
    return true;
}

#endif
