/* SPF check_host() evaluator (RFC 7208 §4). Placeholder until the state
 * machine lands: every check ends at once with temperror, so the library
 * links and the core can be built and tested. */
#include <string.h>

#include "spf/spf.h"
#include "spf/spf_int.h"

struct mailauth__spf {
    mailauth_spf_result_t res;
};

mailauth_status_t
mailauth__spf_start(mailauth__arena_t *a, const mailauth_ctx_t *ctx, mailauth__dnsc_t *dns,
                    const mailauth__spf_input_t *in, mailauth__spf_t **out)
{
    mailauth__spf_t *s;
    (void)ctx;
    (void)dns;
    if (out != NULL)
        *out = NULL;
    if (a == NULL || in == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    s = mailauth__arena_calloc(a, 1, sizeof(*s));
    if (s == NULL)
        return MAILAUTH_ENOMEM;
    s->res.verdict = MAILAUTH_VERDICT_TEMPERROR;
    s->res.reason = MAILAUTH_REASON_SPF_DNS_TEMPFAIL;
    s->res.identity = in->identity;
    s->res.domain = in->domain != NULL ? mailauth__arena_strdup(a, in->domain) : NULL;
    s->res.sender = in->sender != NULL ? mailauth__arena_strdup(a, in->sender) : NULL;
    s->res.problem = "SPF evaluation not implemented yet";
    *out = s;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__spf_step(mailauth__spf_t *s)
{
    return s != NULL ? MAILAUTH_OK : MAILAUTH_EINVAL;
}

const mailauth_spf_result_t *
mailauth__spf_result(const mailauth__spf_t *s)
{
    return s != NULL ? &s->res : NULL;
}
