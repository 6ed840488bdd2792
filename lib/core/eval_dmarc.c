/* ARC and DMARC inside the evaluation (DESIGN.md, data flow):
 *
 *   end of headers  ARC collects its sets and asks for every key; DMARC
 *                   finds the author domain and asks its policy questions;
 *                   both in parallel with the DKIM keys (one DNS client).
 *                   ARC shares DKIM's body set, so an equal (canon, hash,
 *                   l=) triple is hashed once for both;
 *   body, end       ARC's own body set only when DKIM does not run;
 *   wakes           ARC and DMARC stepped after SPF and DKIM;
 *   SPF and DKIM    DMARC gets the MAIL FROM verdict and domain and every
 *   final           DKIM (verdict, d=), then steps until its result is in;
 *   all done        the trusted-sealer override of a DMARC fail.
 *
 * The SPF input of DMARC is the MAIL FROM check: RFC 7489 §4.1 "DMARC
 * uses the result of SPF authentication of the MAIL FROM identity" and
 * refers to RFC 7208 §2.4 for the null path, where that identity is
 * postmaster@<HELO>. So for a null sender the MAIL FROM check (run for the
 * HELO domain, eval_run.c) is the one DMARC aligns; the separate HELO
 * check is never used (RFC 7489 §3.1.2, §4.1).
 */
#include "core/eval_int.h"

#include <string.h>

#include "core/ctx_int.h"

/* DKIM d= values whose RFC 9989 alignment walks are asked for at end of
 * headers. Bounded so that prefetching leaves most of DMARC's walk budget
 * (MAILAUTH__DMARC_WALKS_MAX) to the signatures that pass. */
#define PREFETCH_DKIM_MAX 8u

static void
record(mailauth_eval_t *ev, mailauth_status_t st)
{
    if (st != MAILAUTH_OK && st != MAILAUTH_EAGAIN && ev->err == MAILAUTH_OK)
        ev->err = st;
}

static mailauth_status_t
start_arc(mailauth_eval_t *ev)
{
    mailauth__body_set_t *bs = NULL;
    mailauth_status_t     st = MAILAUTH_OK;
    if ((ev->ctx->methods & MAILAUTH_METHOD_ARC) == 0)
        return MAILAUTH_OK;
    if (ev->dkim != NULL)
        bs = mailauth__dkim_verify_share_body(ev->dkim);
    /* oldest-pass is always computed: the A-R reports it (RFC 8617 §5.2
     * steps 5-7) and the trusted-sealer override starts there. */
    st = mailauth__arc_start(&ev->arena, mailauth__ctx_env(ev->ctx), &ev->dns, &ev->hdrs, bs,
                             MAILAUTH__ARC_OLDEST_PASS, &ev->arc);
    if (st == MAILAUTH_OK && mailauth__arc_done(ev->arc))
        ev->arc_done = true; /* decided by the structure (none, or a structural fail) */
    return st;
}

/* The MAIL FROM identity's domain as the envelope gives it (RFC 7208
 * §2.4: the HELO name for the null sender), or NULL. */
static const char *
mailfrom_domain(const mailauth_eval_t *ev)
{
    const char *at = NULL;
    if (ev->mail_from == NULL)
        return NULL;
    if (ev->mail_from[0] == '\0')
        return ev->helo;
    at = strrchr(ev->mail_from, '@');
    return at != NULL ? at + 1 : ev->mail_from;
}

/* RFC 9989 mode: the alignment walks of the identifiers known now go out
 * with the policy questions (a no-op in RFC 7489 mode). */
static mailauth_status_t
prefetch(mailauth_eval_t *ev)
{
    const char       *mf = NULL;
    size_t            n = 0;
    mailauth_status_t st = MAILAUTH_OK;
    if ((ev->ctx->methods & MAILAUTH_METHOD_SPF) != 0 && (mf = mailfrom_domain(ev)) != NULL)
        st = mailauth__dmarc_prefetch(ev->dmarc, mf);
    n = ev->dkim != NULL ? mailauth__dkim_verify_count(ev->dkim) : 0;
    for (size_t i = 0; i < n && i < PREFETCH_DKIM_MAX && st != MAILAUTH_ENOMEM; i++) {
        const mailauth_dkim_result_t *r = mailauth__dkim_verify_result(ev->dkim, i);
        /* Still undecided (none is no final DKIM verdict): it may pass. */
        if (r != NULL && r->domain != NULL && r->verdict == MAILAUTH_VERDICT_NONE)
            st = mailauth__dmarc_prefetch(ev->dmarc, r->domain);
    }
    return st == MAILAUTH_ENOMEM ? st : MAILAUTH_OK;
}

static mailauth_status_t
start_dmarc(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK;
    if ((ev->ctx->methods & MAILAUTH_METHOD_DMARC) == 0)
        return MAILAUTH_OK;
    st = mailauth__dmarc_start(&ev->arena, ev->ctx, &ev->dns, &ev->hdrs, &ev->dmarc);
    if (st != MAILAUTH_OK) {
        ev->dmarc = NULL;
        return st;
    }
    return prefetch(ev);
}

mailauth_status_t
mailauth__eval_start_arc_dmarc(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev->err != MAILAUTH_OK)
        return ev->err;
    st = start_arc(ev);
    if (st == MAILAUTH_OK)
        st = start_dmarc(ev);
    record(ev, st);
    return st;
}

mailauth_status_t
mailauth__eval_arc_body(mailauth_eval_t *ev, const void *p, size_t n)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev->arc == NULL || ev->err != MAILAUTH_OK)
        return MAILAUTH_OK;                 /* an earlier failure is reported by finishing */
    st = mailauth__arc_body(ev->arc, p, n); /* a no-op on DKIM's shared set */
    record(ev, st);
    return st;
}

mailauth_status_t
mailauth__eval_arc_end(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev->arc == NULL || ev->err != MAILAUTH_OK)
        return MAILAUTH_OK; /* an earlier failure is reported by finishing */
    st = mailauth__arc_end_body(ev->arc);
    record(ev, st);
    return st;
}

/* SPF (MAIL FROM) and DKIM are final: finishing began (no check can
 * start any more), the message ended, and whichever runs is done. */
static bool
inputs_final(const mailauth_eval_t *ev)
{
    if (!ev->envelope_final || ev->phase != EVAL_COMPLETE)
        return false;
    if (ev->spf[EVAL_SPF_MAILFROM] != NULL && !ev->spf_done[EVAL_SPF_MAILFROM])
        return false;
    return ev->dkim == NULL || ev->dkim_done;
}

/* RFC 7489 §4.1: the MAIL FROM verdict and domain; §3.1.1: every DKIM
 * (verdict, d=) (DMARC keeps the passing ones). */
static mailauth_status_t
feed_dmarc(mailauth_eval_t *ev)
{
    mailauth__dmarc_inputs_t in;
    mailauth__dmarc_dkim_t  *dk = NULL;
    size_t                   n = ev->dkim != NULL ? mailauth__dkim_verify_count(ev->dkim) : 0;
    memset(&in, 0, sizeof(in));
    in.spf_verdict = MAILAUTH_VERDICT_NONE; /* SPF not evaluated: nothing to align */
    if (ev->spf[EVAL_SPF_MAILFROM] != NULL) {
        const mailauth_spf_result_t *res = mailauth__spf_result(ev->spf[EVAL_SPF_MAILFROM]);
        in.spf_verdict = mailauth_spf_result_verdict(res);
        in.spf_domain = mailauth_spf_result_domain(res);
    }
    if (n > 0) {
        dk = mailauth__arena_calloc(&ev->arena, n, sizeof(*dk));
        if (dk == NULL)
            return MAILAUTH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const mailauth_dkim_result_t *r = mailauth__dkim_verify_result(ev->dkim, i);
        dk[i].verdict = r->verdict;
        dk[i].domain = r->domain;
    }
    in.dkim = dk;
    in.ndkim = n;
    ev->dmarc_fed = true;
    return mailauth__dmarc_finish(ev->dmarc, &in);
}

static void
step_dmarc(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (!ev->dmarc_fed && inputs_final(ev))
        st = feed_dmarc(ev);
    else
        st = mailauth__dmarc_step(ev->dmarc);
    if (st != MAILAUTH_OK && st != MAILAUTH_EAGAIN) {
        record(ev, st);
        return;
    }
    /* Before its inputs, step() also says OK once nothing is pending. */
    ev->dmarc_done = mailauth__dmarc_done(ev->dmarc);
}

void
mailauth__eval_step_arc_dmarc(mailauth_eval_t *ev)
{
    if (ev->canceled || ev->err != MAILAUTH_OK)
        return;
    if (ev->arc != NULL && !ev->arc_done) {
        mailauth_status_t st = mailauth__arc_step(ev->arc);
        if (st == MAILAUTH_OK)
            ev->arc_done = true;
        else
            record(ev, st);
    }
    if (ev->dmarc != NULL && !ev->dmarc_done && ev->err == MAILAUTH_OK)
        step_dmarc(ev);
}

bool
mailauth__eval_arc_dmarc_done(const mailauth_eval_t *ev)
{
    return (ev->arc == NULL || ev->arc_done) && (ev->dmarc == NULL || ev->dmarc_done);
}

/* RFC 8617 §7.2 (issue 5): every sealer from the oldest-pass instance (1
 * when every AMS verifies, oldest-pass 0) up to the newest is trusted. */
static bool
sealers_trusted(const mailauth_ctx_t *ctx, const mailauth_arc_result_t *arc)
{
    unsigned n = mailauth_arc_result_instances(arc);
    int      oldest = mailauth_arc_result_oldest_pass(arc);
    unsigned from = oldest > 0 ? (unsigned)oldest : 1u;
    if (n == 0 || from > n)
        return false;
    for (unsigned i = from; i <= n; i++) {
        const char *d = mailauth_arc_result_sealer(arc, i);
        if (d == NULL || !mailauth__ctx_sealer_trusted(ctx, d, strlen(d)))
            return false;
    }
    return true;
}

void
mailauth__eval_dmarc_override(mailauth_eval_t *ev)
{
    const mailauth_dmarc_result_t *dmarc = NULL;
    const mailauth_arc_result_t   *arc = NULL;
    if (ev->dmarc == NULL || !ev->dmarc_done || ev->arc == NULL || !ev->arc_done)
        return;
    dmarc = mailauth__dmarc_result(ev->dmarc);
    arc = mailauth__arc_result(ev->arc);
    if (mailauth_dmarc_result_verdict(dmarc) != MAILAUTH_VERDICT_FAIL ||
        mailauth_arc_result_verdict(arc) != MAILAUTH_VERDICT_PASS)
        return;
    if (sealers_trusted(ev->ctx, arc))
        mailauth__dmarc_set_override(ev->dmarc, MAILAUTH_DMARC_OVERRIDE_ARC);
}
