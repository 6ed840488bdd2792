/* Row of the check table: DMARC (RFC 7489; RFC 9989 as an option).
 *
 *   end of headers  the author domain is found and the policy questions go
 *                   out, in parallel with the DKIM and ARC keys;
 *   SPF and DKIM    the MAIL FROM verdict and domain and every DKIM
 *   final           (verdict, d=) are handed over, then it steps until
 *                   its result is in.
 *
 * The SPF input is the MAIL FROM check: RFC 7489 §4.1 "DMARC uses the
 * result of SPF authentication of the MAIL FROM identity" and refers to
 * RFC 7208 §2.4 for the null path, where that identity is postmaster@<HELO>.
 * So for a null sender the MAIL FROM row (run for the HELO domain) is the
 * one DMARC aligns; the separate HELO check is never used (RFC 7489 §3.1.2).
 */
#include <mailauth/dkim.h>
#include <mailauth/dmarc.h>
#include <mailauth/spf.h>

#include <string.h>

#include "core/ctx_int.h"
#include "core/eval_int.h"
#include "dkim/dkim_verify.h"
#include "dmarc/dmarc.h"
#include "spf/spf.h"

/* DKIM d= values whose RFC 9989 alignment walks are asked for at end of
 * headers. Bounded so that prefetching leaves most of DMARC's walk budget
 * (MAILAUTH__DMARC_WALKS_MAX) to the signatures that pass. */
#define PREFETCH_DKIM_MAX 8u

/* RFC 9989 mode: the alignment walks of the identifiers known now go out
 * with the policy questions (a no-op in RFC 7489 mode). */
static mailauth_status_t
prefetch(mailauth__dmarc_t *d, const mailauth_eval_t *ev)
{
    const mailauth__dkim_verify_t *dkim = mailauth__eval_dkim(ev);
    const char                    *mf = NULL;
    size_t                         n = dkim != NULL ? mailauth__dkim_verify_count(dkim) : 0;
    mailauth_status_t              st = MAILAUTH_OK;
    if ((ev->ctx->methods & MAILAUTH_METHOD_SPF) != 0 &&
        (mf = mailauth__eval_mailfrom_domain(ev)) != NULL)
        st = mailauth__dmarc_prefetch(d, mf);
    for (size_t i = 0; i < n && i < PREFETCH_DKIM_MAX && st != MAILAUTH_ENOMEM; i++) {
        const mailauth_dkim_result_t *r = mailauth__dkim_verify_result(dkim, i);
        /* Still undecided (none is no final DKIM verdict): it may pass. */
        if (r != NULL && r->domain != NULL && r->verdict == MAILAUTH_VERDICT_NONE)
            st = mailauth__dmarc_prefetch(d, r->domain);
    }
    return st == MAILAUTH_ENOMEM ? st : MAILAUTH_OK;
}

static mailauth_status_t
start(check_t *c, mailauth_eval_t *ev)
{
    mailauth__dmarc_t *d = NULL;
    mailauth_status_t  st = mailauth__dmarc_start(&ev->arena, mailauth__ctx_env(ev->ctx), &ev->dns,
                                                  mailauth__eval_headers(ev), &d);
    if (st != MAILAUTH_OK)
        return st;
    c->state = d;
    return prefetch(d, ev);
}

static mailauth_status_t
step(check_t *c)
{
    return mailauth__dmarc_step(c->state);
}

/* RFC 7489 §4.1: the MAIL FROM verdict and domain; §3.1.1: every DKIM
 * (verdict, d=) (DMARC keeps the passing ones). */
static mailauth_status_t
inputs(check_t *c, mailauth_eval_t *ev)
{
    const mailauth_spf_result_t   *res = mailauth__eval_spf_row(ev, CHECK_SPF_MAILFROM);
    const mailauth__dkim_verify_t *dkim = mailauth__eval_row_final(ev, CHECK_DKIM);
    mailauth__dmarc_inputs_t       in;
    mailauth__dmarc_dkim_t        *dk = NULL;
    size_t                         n = dkim != NULL ? mailauth__dkim_verify_count(dkim) : 0;
    mailauth_status_t              st = MAILAUTH_OK;
    memset(&in, 0, sizeof(in));
    in.spf_verdict = MAILAUTH_VERDICT_NONE; /* SPF not evaluated: nothing to align */
    if (res != NULL) {
        in.spf_verdict = mailauth_spf_result_verdict(res);
        in.spf_domain = mailauth_spf_result_domain(res);
    }
    if (n > 0) {
        dk = mailauth__arena_calloc(&ev->arena, n, sizeof(*dk));
        if (dk == NULL)
            return MAILAUTH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const mailauth_dkim_result_t *r = mailauth__dkim_verify_result(dkim, i);
        dk[i].verdict = r->verdict;
        dk[i].domain = r->domain;
    }
    in.dkim = dk;
    in.ndkim = n;
    st = mailauth__dmarc_finish(c->state, &in);
    return st == MAILAUTH_EAGAIN ? MAILAUTH_OK : st; /* taken; DNS may follow */
}

static mailauth_status_t
emit_ar(const check_t *c, const mailauth_eval_t *ev, mailauth_authres_t *ar)
{
    (void)ev;
    return mailauth__dmarc_add_authres(mailauth__dmarc_result(c->state), ar);
}

const check_ops_t mailauth__check_dmarc = {.name = "dmarc",
                                           .method = MAILAUTH_METHOD_DMARC,
                                           .when = CHECK_AT_HEADERS,
                                           .after = CHECK_BIT(CHECK_SPF_MAILFROM) |
                                                    CHECK_BIT(CHECK_DKIM),
                                           .start = start,
                                           .step = step,
                                           .inputs = inputs,
                                           .emit_ar = emit_ar};

const mailauth_dmarc_result_t *
mailauth_eval_dmarc(const mailauth_eval_t *ev)
{
    const mailauth__dmarc_t *d = mailauth__eval_final(ev, CHECK_DMARC);
    return d != NULL ? mailauth__dmarc_result(d) : NULL;
}
