/* The explanation of a fail (RFC 7208 §6.2), as a pure function.
 *
 * The walker looks it up once, after the result is known, so it counts
 * against neither the DNS-term nor the void-lookup limit (§4.6.4).
 * Whatever goes wrong with it (no usable target, DNS error, not exactly one
 * record, bad syntax) falls back to the context's default explanation,
 * which may be none. Like a mechanism, this is called again with more
 * answers until it has the text.
 */
#include <string.h>

#include "spf/spf_int.h"

/* Expand an explain-string into out: MATCH, or NEED_PTR when it has %{p}
 * and the validated names are not known yet. false: unusable. */
static bool
expand(const char *txt, size_t n, const mailauth__spf_ans_t *ans, const mailauth__spf_menv_t *env,
       mailauth__spf_act_t *out)
{
    mailauth__spf_macro_env_t m;
    unsigned                  found = 0;
    size_t                    len = 0;
    if (mailauth__spf_macro_check(txt, n, MAILAUTH__SPF_MACRO_EXPLAIN, &found, NULL) != MAILAUTH_OK)
        return false;
    if ((found & MAILAUTH__SPF_HAS_P) && ans->vp == NULL) {
        out->kind = MAILAUTH__SPF_ACT_NEED_PTR;
        return true;
    }
    m = *env->macro;
    m.d = (mailauth__spf_str_t){env->dom, env->dlen};
    m.p = mailauth__spf_vp_pick(ans->vp, env->dom, env->dlen, NULL);
    if (mailauth__spf_macro_expand(&m, txt, n, MAILAUTH__SPF_MACRO_EXPLAIN, out->text,
                                   sizeof(out->text), &len) != MAILAUTH_OK)
        return false;
    out->kind = MAILAUTH__SPF_ACT_MATCH;
    out->len = len;
    return true;
}

/* The exp= record: its target, then exactly one TXT record (§6.2). true
 * when out is set; false: fall back to the default. */
static bool
from_record(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
            const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    const mailauth__dns_result_t *r = ans->r;
    if (ans->target == NULL) {
        if (!mailauth__spf_target(t, ans, env, out))
            return true;
        if (out->len == 0)
            return false;
        out->kind = MAILAUTH__SPF_ACT_ASK;
        out->type = MAILAUTH_DNS_TXT;
        return true;
    }
    if (r == NULL) {
        out->kind = MAILAUTH__SPF_ACT_WAIT;
        return true;
    }
    if (r->rcode != MAILAUTH_DNS_RECORDS || r->count != 1)
        return false;
    return expand((const char *)r->rr[0].data, r->rr[0].len, ans, env, out);
}

void
mailauth__spf_exp(const mailauth__spf_term_t *exp, const char *def, const mailauth__spf_ans_t *ans,
                  const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    out->kind = MAILAUTH__SPF_ACT_NOMATCH;
    out->void_lookup = false;
    out->ptr_partial = false;
    out->list = NULL;
    out->len = 0;
    out->text[0] = '\0';
    if (exp != NULL && from_record(exp, ans, env, out))
        return;
    out->kind = MAILAUTH__SPF_ACT_NOMATCH;
    if (def != NULL && !expand(def, strlen(def), ans, env, out))
        out->kind = MAILAUTH__SPF_ACT_NOMATCH; /* a broken default: no explanation */
}
