/* libmailauth-report, history store: the history record of a finished
 * evaluation, read through libmailauth's public API only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/arc.h>
#include <mailauth/dkim.h>
#include <mailauth/dmarc.h>
#include <mailauth/spf.h>

#include "store_int.h"

#define ROW_MAX_REASONS 3

struct mailauth_report_row {
    mailauth_report_record_t      rec;
    mailauth_report_policy_t      pol;
    mailauth_report_reason_t      reasons[ROW_MAX_REASONS];
    mailauth_report_spf_t         spf[2];
    mailauth_report__store_pool_t pool; /* every string and the DKIM array */
    bool                          failed;
};

static const char *
keep(mailauth_report_row_t *row, const char *s)
{
    char *p = mailauth_report__store_pool_strdup(&row->pool, s);
    if (s != NULL && p == NULL)
        row->failed = true;
    return p;
}

static const char *
keep_n(mailauth_report_row_t *row, const char *s, size_t n, bool lower)
{
    char *p = mailauth_report__store_pool_alloc(&row->pool, n + 1);
    if (p == NULL) {
        row->failed = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = lower && s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    p[n] = '\0';
    return p;
}

/* The domain of an address (after the last '@'), or the text itself; in
 * lower case, so that rows group whatever case the client used. */
static const char *
domain_of(mailauth_report_row_t *row, const char *addr)
{
    const char *at;
    if (addr == NULL)
        return NULL;
    at = strrchr(addr, '@');
    addr = at != NULL ? at + 1 : addr;
    return keep_n(row, addr, strlen(addr), true);
}

static bool
is_wsp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One tag of the record text "v=DMARC1; p=reject; ..." (RFC 7489 §6.4:
 * tag=value pairs separated by ';', whitespace around them ignored), as
 * published; NULL when absent. */
static const char *
record_tag(mailauth_report_row_t *row, const char *rec, const char *tag, bool lower)
{
    size_t tlen = strlen(tag);
    while (rec != NULL && *rec != '\0') {
        const char *end = strchr(rec, ';'), *eq, *v, *ve;
        if (end == NULL)
            end = rec + strlen(rec);
        while (rec < end && is_wsp(*rec))
            rec++;
        eq = memchr(rec, '=', (size_t)(end - rec));
        if (eq != NULL) {
            const char *ne = eq;
            while (ne > rec && is_wsp(ne[-1]))
                ne--;
            if ((size_t)(ne - rec) == tlen && strncmp(rec, tag, tlen) == 0) {
                for (v = eq + 1; v < end && is_wsp(*v); v++)
                    ;
                for (ve = end; ve > v && is_wsp(ve[-1]); ve--)
                    ;
                return keep_n(row, v, (size_t)(ve - v), lower);
            }
        }
        rec = *end == ';' ? end + 1 : end;
    }
    return NULL;
}

static void
fill_policy(mailauth_report_row_t *row, const mailauth_dmarc_result_t *d)
{
    const char               *txt = mailauth_dmarc_result_record(d);
    mailauth_report_policy_t *p = &row->pol;
    p->version = MAILAUTH_REPORT_STRUCT_VERSION;
    p->domain = keep(row, mailauth_dmarc_result_policy_domain(d));
    p->discovery_method =
        keep(row, mailauth_dmarc_discovery_name(mailauth_dmarc_result_discovery(d)));
    p->p = record_tag(row, txt, "p", true);
    p->sp = record_tag(row, txt, "sp", true);
    p->np = record_tag(row, txt, "np", true);
    p->adkim = record_tag(row, txt, "adkim", true);
    p->aspf = record_tag(row, txt, "aspf", true);
    p->pct = record_tag(row, txt, "pct", false);
    p->testing = record_tag(row, txt, "t", true);
    p->fo = record_tag(row, txt, "fo", false);
    p->rua = record_tag(row, txt, "rua", false);
    p->ruf = record_tag(row, txt, "ruf", false);
    row->rec.policy = p;
}

/* RFC 8617 §7.2.1: a DMARC fail let through on a trusted ARC chain is
 * reported as local_policy, the comment naming the chain's sealers. */
static const char *
arc_comment(mailauth_report_row_t *row, const mailauth_eval_t *ev)
{
    const mailauth_arc_result_t *arc = mailauth_eval_arc(ev);
    mailauth_report__store_str_t b = {0};
    const char                  *out;
    mailauth_report__store_str_add(&b, "arc=pass", 8);
    for (unsigned i = arc != NULL ? mailauth_arc_result_instances(arc) : 0; i > 0; i--) {
        const char *d = mailauth_arc_result_sealer(arc, i);
        char        num[16];
        int         n = snprintf(num, sizeof(num), " as[%u].d=", i);
        if (d == NULL || n < 0)
            continue;
        mailauth_report__store_str_add(&b, num, (size_t)n);
        mailauth_report__store_str_add(&b, d, strlen(d));
    }
    out = b.failed ? NULL : keep(row, b.p);
    row->failed = row->failed || b.failed;
    mailauth_report__store_str_free(&b);
    return out;
}

static void
fill_reasons(mailauth_report_row_t *row, const mailauth_eval_t *ev,
             const mailauth_dmarc_result_t *d)
{
    size_t n = 0;
    if (mailauth_dmarc_result_sampled_out(d))
        row->reasons[n++] = (mailauth_report_reason_t){"sampled_out", NULL};
    /* RFC 9989 §4.7: t=y lowers the disposition of a failing message */
    if (mailauth_dmarc_result_mode(d) == MAILAUTH_DMARC_RFC9989 &&
        mailauth_dmarc_result_testing(d) &&
        mailauth_dmarc_result_verdict(d) == MAILAUTH_VERDICT_FAIL)
        row->reasons[n++] = (mailauth_report_reason_t){"policy_test_mode", NULL};
    if (mailauth_dmarc_result_override(d) == MAILAUTH_DMARC_OVERRIDE_ARC)
        row->reasons[n++] = (mailauth_report_reason_t){"local_policy", arc_comment(row, ev)};
    row->rec.reasons = row->reasons;
    row->rec.reason_count = n;
}

static void
fill_auth(mailauth_report_row_t *row, const mailauth_eval_t *ev)
{
    static const struct {
        mailauth_spf_identity_t id;
        const char             *scope;
    } scopes[] = {{MAILAUTH_SPF_MAILFROM, "mfrom"}, {MAILAUTH_SPF_HELO, "helo"}};
    size_t                  n = mailauth_eval_dkim_count(ev), ns = 0;
    mailauth_report_dkim_t *dk = NULL;
    if (n > 0) {
        dk = mailauth_report__store_pool_alloc(&row->pool, n * sizeof(*dk));
        row->failed = row->failed || dk == NULL;
    }
    for (size_t i = 0; i < n && dk != NULL; i++) {
        const mailauth_dkim_result_t *r = mailauth_eval_dkim(ev, i);
        dk[i] = (mailauth_report_dkim_t){keep(row, mailauth_dkim_result_domain(r)),
                                         keep(row, mailauth_dkim_result_selector(r)),
                                         mailauth_verdict_name(mailauth_dkim_result_verdict(r)),
                                         keep(row, mailauth_dkim_result_problem(r))};
    }
    row->rec.dkim = dk;
    row->rec.dkim_count = dk != NULL ? n : 0;
    for (size_t i = 0; i < STORE_LEN(scopes); i++) {
        const mailauth_spf_result_t *r = mailauth_eval_spf(ev, scopes[i].id);
        if (r == NULL)
            continue;
        row->spf[ns++] =
            (mailauth_report_spf_t){keep(row, mailauth_spf_result_domain(r)), scopes[i].scope,
                                    mailauth_verdict_name(mailauth_spf_result_verdict(r)),
                                    keep(row, mailauth_spf_result_problem(r))};
    }
    row->rec.spf = row->spf;
    row->rec.spf_count = ns;
}

static void
fill_identifiers(mailauth_report_row_t *row, const mailauth_eval_t *ev,
                 const mailauth_report_eval_info_t *info, const mailauth_dmarc_result_t *d)
{
    const mailauth_spf_result_t *mf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    mailauth_dmarc_policy_t      disp = mailauth_dmarc_result_disposition(d);
    row->rec.time = info->time;
    row->rec.source_ip = keep(row, info->source_ip);
    row->rec.header_from = keep(row, mailauth_dmarc_result_header_from(d));
    row->rec.envelope_to = domain_of(row, info->envelope_to);
    row->rec.envelope_from = info->envelope_from != NULL ? domain_of(row, info->envelope_from)
                             : mf != NULL                ? keep(row, mailauth_spf_result_domain(mf))
                                                         : NULL;
    row->rec.disposition = info->disposition != NULL ? keep(row, info->disposition)
                           : disp == MAILAUTH_DMARC_POLICY_UNSPECIFIED
                               ? "none"
                               : mailauth_dmarc_policy_name(disp);
    row->rec.dkim_aligned = mailauth_dmarc_result_dkim_aligned(d) ? "pass" : "fail";
    row->rec.spf_aligned = mailauth_dmarc_result_spf_aligned(d) ? "pass" : "fail";
    row->rec.dmarc = mailauth_verdict_name(mailauth_dmarc_result_verdict(d));
}

mailauth_status_t
mailauth_report_record_from_eval(const mailauth_eval_t *ev, const mailauth_report_eval_info_t *info,
                                 mailauth_report_row_t **out)
{
    const mailauth_dmarc_result_t *d;
    mailauth_report_row_t         *row;
    if (out != NULL)
        *out = NULL;
    if (ev == NULL || info == NULL || out == NULL ||
        info->version != MAILAUTH_REPORT_STRUCT_VERSION)
        return MAILAUTH_EINVAL;
    d = mailauth_eval_dmarc(ev);
    if (d == NULL)
        return MAILAUTH_ESTATE;
    row = calloc(1, sizeof(*row));
    if (row == NULL)
        return MAILAUTH_ENOMEM;
    row->rec.version = MAILAUTH_REPORT_STRUCT_VERSION;
    row->rec.count = 1;
    fill_identifiers(row, ev, info, d);
    fill_reasons(row, ev, d);
    fill_auth(row, ev);
    if (mailauth_dmarc_result_policy_domain(d) != NULL)
        fill_policy(row, d);
    if (row->failed) {
        mailauth_report_row_free(row);
        return MAILAUTH_ENOMEM;
    }
    *out = row;
    return MAILAUTH_OK;
}

const mailauth_report_record_t *
mailauth_report_row_record(const mailauth_report_row_t *row)
{
    return row != NULL ? &row->rec : NULL;
}

void
mailauth_report_row_free(mailauth_report_row_t *row)
{
    if (row == NULL)
        return;
    mailauth_report__store_pool_free(&row->pool);
    free(row);
}
