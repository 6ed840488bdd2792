/* libmailauth-report: DMARC failure reports (RFC 9991), in the
 * Authentication Failure Reporting Format (RFC 6591) of the Abuse
 * Reporting Format (RFC 5965): multipart/report; report-type=
 * feedback-report with a part for people, the message/feedback-report
 * part and the original header (text/rfc822-headers) or message
 * (message/rfc822). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/authres.h>
#include <mailauth/dkim.h>
#include <mailauth/dmarc.h>
#include <mailauth/eval.h>
#include <mailauth/spf.h>
#include <mailauth/version.h>

#include "fail_int.h"

static bool
dkim_failed(mailauth_verdict_t v)
{
    return v == MAILAUTH_VERDICT_FAIL || v == MAILAUTH_VERDICT_PERMERROR ||
           v == MAILAUTH_VERDICT_TEMPERROR || v == MAILAUTH_VERDICT_POLICY;
}

static bool
spf_failed(mailauth_verdict_t v)
{
    return v == MAILAUTH_VERDICT_FAIL || v == MAILAUTH_VERDICT_SOFTFAIL ||
           v == MAILAUTH_VERDICT_PERMERROR || v == MAILAUTH_VERDICT_TEMPERROR;
}

static bool
any_dkim_failed(const mailauth_eval_t *ev)
{
    for (size_t i = 0; i < mailauth_eval_dkim_count(ev); i++)
        if (dkim_failed(mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, i))))
            return true;
    return false;
}

static bool
mailfrom_failed(const mailauth_eval_t *ev)
{
    const mailauth_spf_result_t *s = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    return s != NULL && spf_failed(mailauth_spf_result_verdict(s));
}

int
mailauth_report_failure_wanted(const mailauth_eval_t *ev)
{
    const mailauth_dmarc_result_t *d = ev != NULL ? mailauth_eval_dmarc(ev) : NULL;
    const char                    *fo;
    bool                           spf_ok;
    bool                           dkim_ok;
    if (d == NULL || mailauth_dmarc_result_record(d) == NULL ||
        mailauth_dmarc_result_ruf_count(d) == 0)
        return 0;
    /* RFC 9991 §2: no ruf= of a record with psd=y. */
    if (mailauth_dmarc_result_psd(d) == MAILAUTH_DMARC_PSD_YES)
        return 0;
    fo = mailauth_dmarc_result_fo(d);
    spf_ok = mailauth_dmarc_result_spf_aligned(d) != 0;
    dkim_ok = mailauth_dmarc_result_dkim_aligned(d) != 0;
    if (fo == NULL || *fo == '\0')
        fo = "0";
    /* RFC 7489 §6.3 fo=: a colon-separated list of 0, 1, d, s. */
    for (const char *p = fo; *p != '\0'; p++) {
        bool start = p == fo || p[-1] == ':' || p[-1] == ' ';
        bool end = p[1] == '\0' || p[1] == ':' || p[1] == ' ';
        if (!start || !end)
            continue;
        if (*p == '0' && !spf_ok && !dkim_ok)
            return 1;
        if (*p == '1' && (!spf_ok || !dkim_ok))
            return 1;
        if ((*p == 'd' || *p == 'D') && any_dkim_failed(ev))
            return 1;
        if ((*p == 's' || *p == 'S') && mailfrom_failed(ev))
            return 1;
    }
    return 0;
}

/* Is `d` aligned with the author domain under the policy's mode? */
static bool
aligned(const mailauth_dmarc_result_t *r, const char *d, mailauth_dmarc_align_t mode)
{
    const char *from = mailauth_dmarc_result_header_from(r);
    const char *org = mailauth_dmarc_result_org_domain(r);
    if (d == NULL || from == NULL)
        return false;
    if (mailauth_report__ieq(d, from))
        return true;
    return mode == MAILAUTH_DMARC_ALIGN_RELAXED && org != NULL && mailauth_report__under(d, org);
}

/* RFC 9991 §4 item 1: the DKIM fields of the first aligned signature
 * that failed, the SPF-DNS field when the aligned SPF identity failed. */
static void
put_dkim_spf(mailauth_report__buf_t *b, const mailauth_eval_t *ev, const mailauth_dmarc_result_t *r,
             const mailauth_report_fail_opts_t *o)
{
    const mailauth_spf_result_t *spf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    for (size_t i = 0; i < mailauth_eval_dkim_count(ev); i++) {
        const mailauth_dkim_result_t *k = mailauth_eval_dkim(ev, i);
        const char                   *dom = mailauth_dkim_result_domain(k);
        if (mailauth_dkim_result_verdict(k) == MAILAUTH_VERDICT_PASS ||
            !aligned(r, dom, mailauth_dmarc_result_adkim(r)))
            continue;
        mailauth_report__buf_fmt(b, "DKIM-Domain: %s\r\n", dom);
        if (mailauth_dkim_result_auid(k) != NULL)
            mailauth_report__buf_fmt(b, "DKIM-Identity: %s\r\n", mailauth_dkim_result_auid(k));
        if (mailauth_dkim_result_selector(k) != NULL)
            mailauth_report__buf_fmt(b, "DKIM-Selector: %s\r\n", mailauth_dkim_result_selector(k));
        break;
    }
    if (spf != NULL && o->spf_record != NULL &&
        mailauth_spf_result_verdict(spf) != MAILAUTH_VERDICT_PASS &&
        aligned(r, mailauth_spf_result_domain(spf), mailauth_dmarc_result_aspf(r)) &&
        strpbrk(o->spf_record, "\r\n\"\\") == NULL)
        mailauth_report__buf_fmt(b, "SPF-DNS: txt : %s : \"%s\"\r\n",
                                 mailauth_spf_result_domain(spf), o->spf_record);
}

static mailauth_status_t
put_authres(mailauth_report__buf_t *b, mailauth_eval_t *ev, const mailauth_report_fail_opts_t *o)
{
    const mailauth_authres_t *ar = NULL;
    size_t                    need = 0;
    char                     *field;
    mailauth_status_t         st = mailauth_eval_authres(ev, &ar);
    if (st != MAILAUTH_OK)
        return st;
    (void)mailauth_authres_format(ar, NULL, 0, &need);
    field = malloc(need + 1);
    if (field == NULL)
        return MAILAUTH_ENOMEM;
    st = mailauth_authres_format(ar, field, need + 1, &need);
    if (st == MAILAUTH_OK) {
        /* smtp.mailfrom= and the SPF comment carry the MAIL FROM local-part */
        if (o->keep_local_parts)
            mailauth_report__buf_add(b, field, need);
        else
            mailauth_report__redact_field(b, field, need, o->redact_secret);
        mailauth_report__buf_str(b, "\r\n");
    }
    free(field);
    return st;
}

/* An address, its local-part redacted unless asked to keep it. */
static void
put_address(mailauth_report__buf_t *b, const char *name, const char *addr,
            const mailauth_report_fail_opts_t *o)
{
    mailauth_report__buf_t f = {0};
    if (addr == NULL || strpbrk(addr, "\r\n") != NULL)
        return;
    mailauth_report__buf_fmt(&f, "%s: %s", name, addr);
    if (f.failed) {
        b->failed = true;
    } else if (o->keep_local_parts) {
        mailauth_report__buf_add(b, f.data, f.len);
    } else {
        mailauth_report__redact_field(b, f.data, f.len, o->redact_secret);
    }
    mailauth_report__buf_str(b, "\r\n");
    mailauth_report__buf_clear(&f);
}

static void
put_opt(mailauth_report__buf_t *b, const char *name, const char *v)
{
    if (v != NULL && strpbrk(v, "\r\n") == NULL)
        mailauth_report__buf_fmt(b, "%s: %s\r\n", name, v);
}

mailauth_status_t
mailauth_report__fail_feedback(mailauth_report__buf_t *b, mailauth_eval_t *ev,
                               const mailauth_report_fail_opts_t *o)
{
    const mailauth_dmarc_result_t *r = mailauth_eval_dmarc(ev);
    char                           ua[64];
    char                           date[64];
    bool                           spf_ok = mailauth_dmarc_result_spf_aligned(r) != 0;
    bool                           dkim_ok = mailauth_dmarc_result_dkim_aligned(r) != 0;
    mailauth_status_t              st;
    (void)snprintf(ua, sizeof(ua), "mailauth/%s", mailauth_version());
    mailauth_report__buf_str(b, "Feedback-Type: auth-failure\r\nVersion: 1\r\n");
    put_opt(b, "User-Agent", o->user_agent != NULL ? o->user_agent : ua);
    mailauth_report__buf_str(b, "Auth-Failure: dmarc\r\n");
    st = put_authres(b, ev, o);
    if (st != MAILAUTH_OK)
        return st;
    /* RFC 9991 §4 item 2: the mechanisms that failed to give an aligned pass. */
    mailauth_report__buf_fmt(b, "Identity-Alignment: %s\r\n",
                             (!dkim_ok && !spf_ok) ? "dkim, spf"
                             : !dkim_ok            ? "dkim"
                             : !spf_ok             ? "spf"
                                                   : "none");
    put_dkim_spf(b, ev, r, o);
    put_opt(b, "Original-Envelope-Id", o->envelope_id);
    put_address(b, "Original-Mail-From", o->mail_from, o);
    if (o->arrival != 0) {
        mailauth_report__rfc5322_date(o->arrival, date, sizeof(date));
        put_opt(b, "Arrival-Date", date);
    }
    put_opt(b, "Source-IP", o->source_ip);
    put_opt(b, "Source-Port", o->source_port);
    put_opt(b, "Reported-Domain", mailauth_dmarc_result_header_from(r));
    return MAILAUTH_OK;
}
