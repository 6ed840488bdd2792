/* Row of the check table: ARC (RFC 8617) chain validation, started at the
 * end of the header section with the DKIM row's body set when DKIM runs;
 * once DMARC is final, the trusted-sealer override of a DMARC fail
 * (RFC 8617 §7.2). */
#include <mailauth/arc.h>
#include <mailauth/dmarc.h>

#include <string.h>

#include "arc/arc.h"
#include "core/ctx_int.h"
#include "core/eval_int.h"
#include "dkim/dkim_verify.h"
#include "dmarc/dmarc.h"

static mailauth_status_t
start(check_t *c, mailauth_eval_t *ev)
{
    mailauth__dkim_verify_t *dkim = mailauth__eval_dkim(ev);
    mailauth__body_set_t    *bs = dkim != NULL ? mailauth__dkim_verify_share_body(dkim) : NULL;
    mailauth__arc_t         *arc = NULL;
    /* oldest-pass is always computed: the A-R reports it (RFC 8617 §5.2
     * steps 5-7) and the trusted-sealer override starts there. */
    mailauth_status_t st =
        mailauth__arc_start(&ev->arena, mailauth__ctx_env(ev->ctx), &ev->dns,
                            mailauth__eval_headers(ev), bs, MAILAUTH__ARC_OLDEST_PASS, &arc);
    c->state = arc; /* also after a failure: release() frees what it holds */
    return st;
}

static mailauth_status_t
body(check_t *c, const void *p, size_t n)
{
    return mailauth__arc_body(c->state, p, n); /* a no-op on DKIM's shared set */
}

static mailauth_status_t
end_body(check_t *c)
{
    return mailauth__arc_end_body(c->state);
}

static mailauth_status_t
step(check_t *c)
{
    return mailauth__arc_done(c->state) ? MAILAUTH_OK : mailauth__arc_step(c->state);
}

/* RFC 8617 §7.2: every sealer from the oldest-pass instance (1 when every
 * AMS verifies, oldest-pass 0) up to the newest is trusted. */
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

/* Once DMARC is final and the chain validated: a DMARC fail with a passing
 * chain sealed by trusted sealers carries the ARC override. */
static mailauth_status_t
inputs(check_t *c, mailauth_eval_t *ev)
{
    mailauth__dmarc_t             *dmarc = mailauth__eval_row_final(ev, CHECK_DMARC);
    const mailauth_arc_result_t   *arc = NULL;
    const mailauth_dmarc_result_t *dres = NULL;
    if (!mailauth__arc_done(c->state))
        return MAILAUTH_EAGAIN;
    if (dmarc == NULL)
        return MAILAUTH_OK; /* DMARC not evaluated */
    arc = mailauth__arc_result(c->state);
    dres = mailauth__dmarc_result(dmarc);
    if (mailauth_dmarc_result_verdict(dres) == MAILAUTH_VERDICT_FAIL &&
        mailauth_arc_result_verdict(arc) == MAILAUTH_VERDICT_PASS && sealers_trusted(ev->ctx, arc))
        mailauth__dmarc_set_override(dmarc, MAILAUTH_DMARC_OVERRIDE_ARC);
    return MAILAUTH_OK;
}

/* RFC 8617 §4.1.1 / RFC 8601: arc=<result> header.oldest-pass=<n>
 * smtp.remote-ip=<the SMTP client, as received>. */
static mailauth_status_t
emit_ar(const check_t *c, const mailauth_eval_t *ev, mailauth_authres_t *ar)
{
    char ip[48]; /* mailauth__ip_format: 46 at most */
    if (!ev->have_ip)
        return mailauth__arc_add_authres(c->state, ar, NULL);
    mailauth__ip_format(&ev->ip, ip, sizeof(ip));
    return mailauth__arc_add_authres(c->state, ar, ip);
}

static void
release(check_t *c)
{
    mailauth__arc_free(c->state);
    c->state = NULL;
}

const check_ops_t mailauth__check_arc = {.name = "arc",
                                         .method = MAILAUTH_METHOD_ARC,
                                         .when = CHECK_AT_HEADERS,
                                         .after = CHECK_BIT(CHECK_DMARC),
                                         .start = start,
                                         .body = body,
                                         .end_body = end_body,
                                         .step = step,
                                         .inputs = inputs,
                                         .emit_ar = emit_ar,
                                         .release = release};

const mailauth_arc_result_t *
mailauth_eval_arc(const mailauth_eval_t *ev)
{
    const mailauth__arc_t *arc = mailauth__eval_final(ev, CHECK_ARC);
    return arc != NULL ? mailauth__arc_result(arc) : NULL;
}
