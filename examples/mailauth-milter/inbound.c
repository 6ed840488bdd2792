/* mailauth-milter: verification of inbound mail at end of message.
 *
 * One Authentication-Results field at the top (the library's verdicts for
 * spf, dkim, dmarc, arc, iprev), every earlier field carrying our
 * authserv-id removed (RFC 8601 §5: such a field from outside is a
 * forgery), then the DMARC disposition as the configuration says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter.h"

#define AR_NAME "Authentication-Results"

void
ma_inbound_header(struct ma_msg *m, const char *name, const char *field, size_t len)
{
    mailauth_authres_t *ar = NULL;
    bool                ours;
    if (!ma_streq_ci(name, AR_NAME))
        return;
    m->ar_seen++; /* smfi_chgheader counts fields of a name from 1 */
    if (mailauth_authres_parse(NULL, field, len, NULL, &ar) != MAILAUTH_OK)
        return;
    ours = ma_streq_ci(mailauth_authres_authserv_id(ar), m->gen->cfg->authserv_id);
    mailauth_authres_free(ar);
    if (!ours)
        return;
    m->has_our_ar = true;
    if (m->outbound)
        return;
    if (m->n_ours >= MA_OURS_MAX) {
        /* a forgery we could not remove must not pass: refuse for now */
        if (!m->failed)
            ma_log(MA_LOG_WARNING,
                   "over %u Authentication-Results fields with our "
                   "authserv-id: the message is refused",
                   MA_OURS_MAX);
        m->failed = true;
        return;
    }
    if (m->n_ours == m->cap_ours) {
        size_t    cap = m->cap_ours ? m->cap_ours * 2 : 4;
        unsigned *t = realloc(m->ours, cap * sizeof(*t));
        if (t == NULL) {
            m->failed = true;
            return;
        }
        m->ours = t;
        m->cap_ours = cap;
    }
    m->ours[m->n_ours++] = m->ar_seen;
}

/* The formatted "Name: value" field as libmilter wants the value: after
 * the colon, LF line ends (the MTA adds the CR), the blank after the colon
 * kept only when the MTA passes it (leading-space option). */
char *
ma_mta_value(const char *field, size_t name_len, bool leadspc)
{
    const char *v = field + name_len + 1;
    size_t      n = 0;
    char       *out = malloc(strlen(v) + 1);
    if (out == NULL)
        return NULL;
    if (!leadspc && *v == ' ')
        v++; /* the MTA writes "Name: value" itself */
    for (; *v != '\0'; v++)
        if (*v != '\r')
            out[n++] = *v;
    out[n] = '\0';
    return out;
}

/* The field of this evaluation, and its verdicts for the log and stats. */
static char *
format_ar(mailauth_eval_t *ev, char *verdicts, size_t cap)
{
    const mailauth_authres_t *ar = NULL;
    size_t                    need = 0, used = 0;
    char                     *buf;
    verdicts[0] = '\0';
    if (mailauth_eval_authres(ev, &ar) != MAILAUTH_OK)
        return NULL;
    for (size_t i = 0; i < mailauth_authres_resinfo_count(ar); i++) {
        const mailauth_resinfo_t *ri = mailauth_authres_resinfo(ar, i);
        int n = snprintf(verdicts + used, cap - used, " %s=%s", mailauth_resinfo_method(ri),
                         mailauth_resinfo_result(ri));
        if (n > 0 && used + (size_t)n < cap)
            used += (size_t)n;
        ma_stats_verdict(mailauth_resinfo_method(ri), mailauth_resinfo_result(ri));
    }
    if (mailauth_authres_format(ar, NULL, 0, &need) != MAILAUTH_ENOSPC && need == 0)
        return NULL;
    if ((buf = malloc(need + 1)) == NULL)
        return NULL;
    if (mailauth_authres_format(ar, buf, need + 1, &need) != MAILAUTH_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Delete our forged fields (highest position first, so no index moves),
 * then insert ours at the top. */
static bool
edit_headers(SMFICTX *ctx, struct ma_msg *m, const char *field, bool leadspc)
{
    char *value;
    for (size_t i = m->n_ours; i > 0; i--)
        if (smfi_chgheader(ctx, (char *)AR_NAME, (int)m->ours[i - 1], NULL) != MI_SUCCESS)
            return false;
    value = ma_mta_value(field, strlen(AR_NAME), leadspc);
    if (value == NULL)
        return false;
    int rc = smfi_insheader(ctx, 0, (char *)AR_NAME, value);
    free(value);
    return rc == MI_SUCCESS;
}

enum verdict_action { ACT_NONE, ACT_REJECT, ACT_QUARANTINE };

/* What DMARC asks and the configuration allows; `domain` gets the policy
 * domain for the reply text. A fail that the trusted ARC sealers override
 * (RFC 8617 §7.2, the library's decision) is never acted on. */
static enum verdict_action
dmarc_action(const struct ma_config *cfg, mailauth_eval_t *ev, char *domain, size_t cap)
{
    const mailauth_dmarc_result_t *res = mailauth_eval_dmarc(ev);
    enum ma_action                 a;
    if (res == NULL || mailauth_dmarc_result_verdict(res) != MAILAUTH_VERDICT_FAIL ||
        mailauth_dmarc_result_override(res) != MAILAUTH_DMARC_OVERRIDE_NONE)
        return ACT_NONE;
    switch (mailauth_dmarc_result_disposition(res)) {
    case MAILAUTH_DMARC_POLICY_REJECT:
        a = cfg->on_reject;
        break;
    case MAILAUTH_DMARC_POLICY_QUARANTINE:
        a = cfg->on_quarantine;
        break;
    default:
        return ACT_NONE;
    }
    const char *d = mailauth_dmarc_result_policy_domain(res);
    size_t      n = 0;
    /* the reply text goes through a printf-like MTA path: only name bytes */
    for (; d != NULL && *d != '\0' && n + 1 < cap; d++)
        if ((*d >= 'a' && *d <= 'z') || (*d >= '0' && *d <= '9') || *d == '.' || *d == '-' ||
            (*d >= 'A' && *d <= 'Z') || *d == '_')
            domain[n++] = *d;
    domain[n] = '\0';
    return a == MA_ACTION_REJECT       ? ACT_REJECT
           : a == MA_ACTION_QUARANTINE ? ACT_QUARANTINE
                                       : ACT_NONE;
}

static mailauth_dmarc_policy_t
applied_policy(enum verdict_action a)
{
    return a == ACT_REJECT       ? MAILAUTH_DMARC_POLICY_REJECT
           : a == ACT_QUARANTINE ? MAILAUTH_DMARC_POLICY_QUARANTINE
                                 : MAILAUTH_DMARC_POLICY_NONE;
}

/* The row of this message. Its disposition is what the filter applied
 * when that differs from what the DMARC result asks: on_dmarc_reject and
 * on_dmarc_quarantine other than the policy, or a trusted ARC override
 * (never acted on: none; the library adds the local_policy reason). */
static void
record_history(const struct ma_config *cfg, struct ma_conn *c, struct ma_msg *m,
               enum verdict_action a)
{
    const mailauth_dmarc_result_t *res = mailauth_eval_dmarc(m->ev);
    struct ma_history_msg hm = {.ev = m->ev, .client_ip = c->ip, .rcpt_to = m->rcpt_domain};
    if (cfg->history == NULL)
        return;
    if (res != NULL && mailauth_dmarc_result_verdict(res) == MAILAUTH_VERDICT_FAIL) {
        mailauth_dmarc_policy_t asked = mailauth_dmarc_result_disposition(res);
        if (asked == MAILAUTH_DMARC_POLICY_UNSPECIFIED)
            asked = MAILAUTH_DMARC_POLICY_NONE;
        if (asked != applied_policy(a))
            hm.disposition = mailauth_dmarc_policy_name(applied_policy(a));
    }
    ma_history_record(cfg, &hm);
}

static sfsistat
tempfail(struct ma_conn *c, struct ma_msg *m, const char *qid, const char *why)
{
    ma_log(MA_LOG_ERR, "%s: client=%s[%s] from=%s action=tempfail (%s)", qid, c->hostname, c->ip,
           m->mail_from, why);
    ma_stats_action(MA_STAT_TEMPFAIL);
    return SMFIS_TEMPFAIL;
}

static sfsistat
act(SMFICTX *ctx, struct ma_conn *c, struct ma_msg *m, const char *qid, const char *verdicts,
    enum verdict_action a, const char *domain)
{
    char text[512];
    if (a == ACT_REJECT) {
        snprintf(text, sizeof(text), "Message rejected by the DMARC policy of %s", domain);
        if (smfi_setreply(ctx, (char *)"550", (char *)"5.7.1", text) != MI_SUCCESS)
            return tempfail(c, m, qid, "cannot set the reply");
        ma_stats_action(MA_STAT_REJECT);
    } else if (a == ACT_QUARANTINE) {
        snprintf(text, sizeof(text), "DMARC policy of %s", domain);
        if (smfi_quarantine(ctx, text) != MI_SUCCESS)
            return tempfail(c, m, qid, "cannot quarantine");
        ma_stats_action(MA_STAT_QUARANTINE);
    } else {
        ma_stats_action(MA_STAT_ACCEPT);
    }
    ma_log(MA_LOG_INFO, "%s: client=%s[%s] from=%s%s removed=%zu action=%s", qid, c->hostname,
           c->ip, m->mail_from, verdicts, m->n_ours,
           a == ACT_REJECT       ? "reject"
           : a == ACT_QUARANTINE ? "quarantine"
                                 : "accept");
    return a == ACT_REJECT ? SMFIS_REJECT : SMFIS_CONTINUE;
}

sfsistat
ma_inbound_eom(SMFICTX *ctx, struct ma_conn *c, struct ma_msg *m, const char *qid)
{
    char                verdicts[512], domain[256] = "";
    char               *field;
    enum verdict_action a;
    /* an MTA that sent no end of headers (no header at all) still ends them */
    if (!m->failed && !m->eoh_done && mailauth_eval_end_headers(m->ev) != MAILAUTH_OK)
        m->failed = true;
    if (m->failed || mailauth_eval_end_message(m->ev) != MAILAUTH_OK)
        return tempfail(c, m, qid, "internal error");
    if (mailauth_eval_finish_sync(m->ev, -1) != MAILAUTH_OK)
        return tempfail(c, m, qid, "evaluation failed");
    if ((field = format_ar(m->ev, verdicts, sizeof(verdicts))) == NULL)
        return tempfail(c, m, qid, "cannot format Authentication-Results");
    a = dmarc_action(m->gen->cfg, m->ev, domain, sizeof(domain));
    record_history(m->gen->cfg, c, m, a);
    if (a != ACT_REJECT && !edit_headers(ctx, m, field, c->leadspc)) {
        free(field);
        return tempfail(c, m, qid, "cannot edit the header");
    }
    free(field);
    return act(ctx, c, m, qid, verdicts, a, domain);
}
