/* libmailauth-report: where a failure report goes: the record's ruf=
 * URIs, checked like rua= ones (RFC 9991 §5 uses RFC 9990 §3), within the
 * per-destination rate limit. */
#include <mailauth/dmarc.h>
#include <mailauth/eval.h>

#include "fail_int.h"

mailauth_status_t
mailauth_report_failure_destinations(const mailauth_eval_t              *ev,
                                     const mailauth_report_dest_check_t *chk,
                                     mailauth_report_limiter_t *limiter, int64_t now, uint64_t size,
                                     mailauth_report_address_fn fn, void *arg, size_t *sent)
{
    const mailauth_dmarc_result_t *r = ev != NULL ? mailauth_eval_dmarc(ev) : NULL;
    const char *domain = r != NULL ? mailauth_dmarc_result_policy_domain(r) : NULL;
    if (sent != NULL)
        *sent = 0;
    if (r == NULL || domain == NULL || chk == NULL || fn == NULL)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < mailauth_dmarc_result_ruf_count(r); i++) {
        mailauth_report_dest_t d;
        mailauth_status_t      st =
            mailauth_report_dest_verify(chk, domain, mailauth_dmarc_result_ruf(r, i), size, &d);
        if (st != MAILAUTH_OK)
            return st;
        if (d.state != MAILAUTH_REPORT_DEST_OK)
            continue;
        if (limiter != NULL && !mailauth_report_limiter_take(limiter, d.address, now))
            continue;
        if (fn(arg, d.address) != 0)
            return MAILAUTH_ECANCELED;
        if (sent != NULL)
            (*sent)++;
    }
    return MAILAUTH_OK;
}
