/* mailauth-check --exit-code: the exit status says the worst verdict of the
 * run (docs/mailauth-check.1.md, EXIT STATUS).
 *
 * Which verdicts count, per method:
 *   fail       SPF fail (MAIL FROM or HELO identity), a DKIM signature's
 *              fail, DMARC fail, ARC fail, iprev fail;
 *   temperror  any method's temperror;
 *   permerror  any method's permerror, and DKIM's policy (a key this
 *              verifier refuses: the signature could not be used).
 * softfail, neutral, none and pass count for nothing. A fail outranks a
 * temperror, which outranks a permerror: 1, 2, 3, else 0. */
#include <mailauth/arc.h>
#include <mailauth/dkim.h>
#include <mailauth/dmarc.h>
#include <mailauth/iprev.h>
#include <mailauth/spf.h>

#include "check.h"

/* The rank of a class: higher is worse. */
static int
rank(int code)
{
    switch (code) {
    case CHECK_EXIT_FAIL:
        return 3;
    case CHECK_EXIT_TEMPERROR:
        return 2;
    case CHECK_EXIT_PERMERROR:
        return 1;
    default:
        return 0;
    }
}

static void
fold(mailauth_verdict_t v, int *worst)
{
    int code = 0;
    switch (v) {
    case MAILAUTH_VERDICT_FAIL:
        code = CHECK_EXIT_FAIL;
        break;
    case MAILAUTH_VERDICT_TEMPERROR:
        code = CHECK_EXIT_TEMPERROR;
        break;
    case MAILAUTH_VERDICT_PERMERROR:
    case MAILAUTH_VERDICT_POLICY:
        code = CHECK_EXIT_PERMERROR;
        break;
    default:
        break; /* pass, none, neutral, softfail */
    }
    if (rank(code) > rank(*worst))
        *worst = code;
}

void
check_fold_verdicts(const mailauth_eval_t *ev, int *worst)
{
    unsigned                       m = mailauth_eval_methods(ev);
    const mailauth_spf_result_t   *spf;
    const mailauth_dmarc_result_t *dmarc;
    const mailauth_arc_result_t   *arc;
    if ((m & MAILAUTH_METHOD_SPF) != 0) {
        if ((spf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM)) != NULL)
            fold(mailauth_spf_result_verdict(spf), worst);
        if ((spf = mailauth_eval_spf(ev, MAILAUTH_SPF_HELO)) != NULL)
            fold(mailauth_spf_result_verdict(spf), worst);
    }
    if ((m & MAILAUTH_METHOD_DKIM) != 0) {
        for (size_t i = 0; i < mailauth_eval_dkim_count(ev); i++)
            fold(mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, i)), worst);
    }
    if ((m & MAILAUTH_METHOD_DMARC) != 0 && (dmarc = mailauth_eval_dmarc(ev)) != NULL)
        fold(mailauth_dmarc_result_verdict(dmarc), worst);
    if ((m & MAILAUTH_METHOD_ARC) != 0 && (arc = mailauth_eval_arc(ev)) != NULL)
        fold(mailauth_arc_result_verdict(arc), worst);
    if ((m & MAILAUTH_METHOD_IPREV) != 0 && mailauth_eval_iprev(ev) != NULL)
        fold(mailauth_iprev_result_verdict(mailauth_eval_iprev(ev)), worst);
}
