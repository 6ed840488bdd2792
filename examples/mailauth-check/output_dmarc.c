/* mailauth-check: the "dmarc" and "arc" members of the --json output
 * (docs/mailauth-check.1.md), null when the method was not
 * evaluated. Keys are written in the documented order; "override" is an
 * addition after the documented dmarc keys (the last of which is "reason"). */
#include <mailauth/arc.h>
#include <mailauth/dmarc.h>

#include "check.h"

static void
key(FILE *f, const char *name, bool first)
{
    fputs(first ? "" : ", ", f);
    check_json_string(f, name);
    fputs(": ", f);
}

static void
boolean(FILE *f, int v)
{
    fputs(v ? "true" : "false", f);
}

/* A policy word, or null when there is no usable record. */
static void
policy(FILE *f, mailauth_dmarc_policy_t p, bool have)
{
    check_json_string(f, have ? mailauth_dmarc_policy_name(p) : NULL);
}

void
check_print_dmarc(FILE *f, const mailauth_eval_t *ev)
{
    const mailauth_dmarc_result_t *res = mailauth_eval_dmarc(ev);
    mailauth_dmarc_policy_t        p;
    mailauth_dmarc_override_t      o;
    mailauth_reason_t              reason;
    bool                           have;
    if (res == NULL) {
        fputs("null", f);
        return;
    }
    p = mailauth_dmarc_result_policy(res);
    have = p != MAILAUTH_DMARC_POLICY_UNSPECIFIED;
    o = mailauth_dmarc_result_override(res);
    putc('{', f);
    key(f, "result", true);
    check_json_string(f, mailauth_verdict_name(mailauth_dmarc_result_verdict(res)));
    key(f, "header_from", false);
    check_json_string(f, mailauth_dmarc_result_header_from(res));
    key(f, "policy", false);
    policy(f, p, have);
    key(f, "disposition", false);
    policy(f, mailauth_dmarc_result_disposition(res), have);
    key(f, "org_domain", false);
    check_json_string(f, mailauth_dmarc_result_org_domain(res));
    key(f, "policy_domain", false);
    check_json_string(f, mailauth_dmarc_result_policy_domain(res));
    key(f, "discovery", false);
    check_json_string(f, mailauth_dmarc_discovery_name(mailauth_dmarc_result_discovery(res)));
    key(f, "spf_aligned", false);
    boolean(f, mailauth_dmarc_result_spf_aligned(res));
    key(f, "dkim_aligned", false);
    boolean(f, mailauth_dmarc_result_dkim_aligned(res));
    key(f, "reason", false);
    /* As for SPF: a pass needs no reason (the contract shows null); every
     * other result says why, "dmarc.not-aligned" for a plain fail. */
    reason = mailauth_dmarc_result_reason(res);
    check_json_string(f, reason == MAILAUTH_REASON_NONE || reason == MAILAUTH_REASON_DMARC_ALIGNED
                             ? NULL
                             : mailauth_reason_name(reason));
    key(f, "override", false);
    check_json_string(f,
                      o == MAILAUTH_DMARC_OVERRIDE_NONE ? NULL : mailauth_dmarc_override_name(o));
    putc('}', f);
}

void
check_print_arc(FILE *f, const mailauth_eval_t *ev)
{
    const mailauth_arc_result_t *res = mailauth_eval_arc(ev);
    mailauth_reason_t            reason;
    int                          oldest;
    if (res == NULL) {
        fputs("null", f);
        return;
    }
    reason = mailauth_arc_result_reason(res);
    oldest = mailauth_arc_result_oldest_pass(res);
    putc('{', f);
    key(f, "result", true);
    check_json_string(f, mailauth_verdict_name(mailauth_arc_result_verdict(res)));
    key(f, "instances", false);
    fprintf(f, "%u", mailauth_arc_result_instances(res));
    key(f, "oldest_pass", false);
    if (oldest >= 0)
        fprintf(f, "%d", oldest);
    else
        fputs("null", f); /* not computed: the chain did not pass */
    key(f, "reason", false);
    check_json_string(f, reason == MAILAUTH_REASON_NONE ? NULL : mailauth_reason_name(reason));
    putc('}', f);
}
