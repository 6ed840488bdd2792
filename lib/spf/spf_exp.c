/* The explanation of a fail (RFC 7208 §6.2).
 *
 * Looked up once, after the result is known, so it counts against neither
 * the DNS-term nor the void-lookup limit (§4.6.4). Whatever goes wrong with
 * it (no usable target, DNS error, not exactly one record, bad syntax,
 * non-ASCII) falls back to the context's default explanation, which may be
 * none.
 */
#include <string.h>

#include "domain/domain.h"
#include "spf/spf_int.h"

enum { EXP_START = 0, EXP_TARGET, EXP_WAIT, EXP_EXPAND, EXP_DEFAULT };

/* Expand an explain-string, walking %{p} first if it needs it. */
static mailauth__spf_rv_t
expand(mailauth__spf_t *s, const char *txt, size_t n)
{
    char                      out[MAILAUTH__SPF_EXP_MAX + 1];
    mailauth__spf_macro_env_t env = *mailauth__spf_env(s);
    unsigned                  found = 0;
    size_t                    len = 0;
    if (mailauth__spf_macro_check(txt, n, MAILAUTH__SPF_MACRO_EXPLAIN, &found, NULL) != MAILAUTH_OK)
        return MAILAUTH__SPF_MATCH; /* unusable: caller falls back */
    if (found & MAILAUTH__SPF_HAS_P) {
        mailauth__spf_rv_t rv = mailauth__spf_vp_step(s);
        if (rv != MAILAUTH__SPF_NOMATCH)
            return rv;
    }
    env.d = (mailauth__spf_str_t){s->exp_domain, s->exp_dlen};
    env.p = mailauth__spf_vp_pick(s, s->exp_domain, s->exp_dlen);
    if (mailauth__spf_macro_expand(&env, txt, n, MAILAUTH__SPF_MACRO_EXPLAIN, out, sizeof(out),
                                   &len) != MAILAUTH_OK)
        return MAILAUTH__SPF_MATCH;
    s->res.explanation = mailauth__arena_strndup(s->a, out, len);
    return s->res.explanation != NULL ? MAILAUTH__SPF_NOMATCH : MAILAUTH__SPF_NOMEM;
}

/* The exp= TXT record: exactly one (§6.2). NULL: fall back. */
static const mailauth__dns_rr_t *
exp_record(mailauth__spf_t *s, bool *pending)
{
    const mailauth__dns_result_t *r = mailauth__dnsc_result(s->dns, s->exp_q);
    *pending = r == NULL;
    if (r == NULL || r->rcode != MAILAUTH_DNS_RECORDS || r->count != 1)
        return NULL;
    return &r->rr[0];
}

static mailauth__spf_rv_t
start(mailauth__spf_t *s)
{
    const mailauth__spf_term_t *t = s->exp_rec->exp;
    const char                 *name = NULL;
    size_t                      len = 0;
    mailauth__spf_rv_t          rv;
    rv = mailauth__spf_target(s, t, s->exp_domain, s->exp_dlen, false, s->op.buf, &name, &len);
    if (rv != MAILAUTH__SPF_NOMATCH)
        return rv;
    s->exp_phase = EXP_DEFAULT;
    if (len == 0 || !mailauth__domain_check(name, len, 0))
        return MAILAUTH__SPF_NOMATCH;
    if (mailauth__dnsc_ask(s->dns, name, len, MAILAUTH_DNS_TXT, &s->exp_q) == MAILAUTH_ENOMEM)
        return MAILAUTH__SPF_NOMEM;
    if (s->exp_q != NULL)
        s->exp_phase = EXP_WAIT;
    return MAILAUTH__SPF_NOMATCH;
}

mailauth__spf_rv_t
mailauth__spf_exp_step(mailauth__spf_t *s)
{
    mailauth__spf_rv_t rv = MAILAUTH__SPF_NOMATCH;
    if (s->exp_phase == EXP_START)
        s->exp_phase = s->exp_rec != NULL && s->exp_rec->exp != NULL ? EXP_TARGET : EXP_DEFAULT;
    if (s->exp_phase == EXP_TARGET)
        rv = start(s);
    if (rv == MAILAUTH__SPF_NOMATCH && (s->exp_phase == EXP_WAIT || s->exp_phase == EXP_EXPAND)) {
        bool                      pending = false;
        const mailauth__dns_rr_t *rr = exp_record(s, &pending);
        if (pending)
            return MAILAUTH__SPF_WAIT;
        s->exp_phase = EXP_EXPAND;
        rv = rr != NULL ? expand(s, (const char *)rr->data, rr->len) : MAILAUTH__SPF_MATCH;
        if (rv == MAILAUTH__SPF_MATCH) { /* unusable: the default */
            s->exp_phase = EXP_DEFAULT;
            rv = MAILAUTH__SPF_NOMATCH;
        } else if (rv == MAILAUTH__SPF_NOMATCH) {
            s->st = MAILAUTH__SPF_S_DONE;
            return MAILAUTH__SPF_MOVED;
        }
    }
    if (rv == MAILAUTH__SPF_NOMATCH && s->exp_phase == EXP_DEFAULT) {
        const char *def = s->env->spf_default_exp;
        if (def != NULL)
            rv = expand(s, def, strlen(def));
        if (rv == MAILAUTH__SPF_MATCH)
            rv = MAILAUTH__SPF_NOMATCH; /* a broken default: no explanation */
        if (rv == MAILAUTH__SPF_NOMATCH) {
            s->st = MAILAUTH__SPF_S_DONE;
            return MAILAUTH__SPF_MOVED;
        }
    }
    return rv;
}
