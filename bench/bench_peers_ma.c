/* bench_peers: mailauth's side. One ctx evaluates SPF (MAIL FROM and
 * HELO), DKIM, DMARC and ARC; each thread has its own zone resolver over
 * the same records. A message is fed as a milter gets it: envelope, header
 * fields one by one, end of header, body in 64 KiB chunks, end; then the
 * verdicts are read and, unless turned off, the Authentication-Results
 * field is formatted (what an MTA adds to the message). */
#include "bench_peers.h"

#include <stdio.h>
#include <string.h>

int bp_ma_authres = 1;

mailauth_ctx_t *
bp_ma_ctx(void)
{
    mailauth_ctx_t *ctx = NULL;
    if (mailauth_ctx_new(NULL, &ctx) != MAILAUTH_OK)
        return NULL;
    if (mailauth_ctx_set_methods(ctx, MAILAUTH_METHOD_SPF | MAILAUTH_METHOD_DKIM |
                                          MAILAUTH_METHOD_DMARC | MAILAUTH_METHOD_ARC) !=
            MAILAUTH_OK ||
        mailauth_ctx_set_authserv_id(ctx, "mx.receiver.example") != MAILAUTH_OK) {
        mailauth_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

mailauth_resolver_t *
bp_ma_resolver(mailauth_ctx_t *ctx, const struct bp_zone *z)
{
    mailauth_resolver_t *r = NULL;
    size_t               line = 0;
    if (mailauth_resolver_new_zone(ctx, z->text, z->text_len, &line, &r) != MAILAUTH_OK) {
        fprintf(stderr, "bench_peers: zone text line %zu refused\n", line);
        return NULL;
    }
    return r;
}

static void
copy_name(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

static void
read_verdicts(const mailauth_eval_t *ev, struct bp_verdicts *out)
{
    const mailauth_spf_result_t   *mf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    const mailauth_spf_result_t   *he = mailauth_eval_spf(ev, MAILAUTH_SPF_HELO);
    const mailauth_dmarc_result_t *dm = mailauth_eval_dmarc(ev);
    const mailauth_arc_result_t   *arc = mailauth_eval_arc(ev);
    memset(out, 0, sizeof(*out));
    out->spf_mfrom = mf != NULL ? mailauth_spf_result_verdict(mf) : MAILAUTH_VERDICT_POLICY;
    out->spf_helo = he != NULL ? mailauth_spf_result_verdict(he) : MAILAUTH_VERDICT_POLICY;
    out->ndkim = mailauth_eval_dkim_count(ev);
    if (out->ndkim > BP_MAX_SIGS)
        out->ndkim = BP_MAX_SIGS;
    for (size_t i = 0; i < out->ndkim; i++) {
        const mailauth_dkim_result_t *d = mailauth_eval_dkim(ev, i);
        copy_name(out->dkim[i].domain, sizeof(out->dkim[i].domain), mailauth_dkim_result_domain(d));
        copy_name(out->dkim[i].selector, sizeof(out->dkim[i].selector),
                  mailauth_dkim_result_selector(d));
        out->dkim[i].v = mailauth_dkim_result_verdict(d);
    }
    out->dmarc = dm != NULL ? mailauth_dmarc_result_verdict(dm) : MAILAUTH_VERDICT_POLICY;
    out->spf_aligned = dm != NULL && mailauth_dmarc_result_spf_aligned(dm);
    out->dkim_aligned = dm != NULL && mailauth_dmarc_result_dkim_aligned(dm);
    out->arc = arc != NULL ? mailauth_arc_result_verdict(arc) : MAILAUTH_VERDICT_POLICY;
}

static int
format_authres(mailauth_eval_t *ev)
{
    char                      buf[4096];
    size_t                    need = 0;
    const mailauth_authres_t *ar = NULL;
    return mailauth_eval_authres(ev, &ar) == MAILAUTH_OK &&
                   mailauth_authres_format(ar, buf, sizeof(buf), &need) == MAILAUTH_OK
               ? 0
               : -1;
}

static int
feed(mailauth_eval_t *ev, const struct bp_msg *m)
{
    mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                               .client_ip = m->ip,
                               .helo = m->helo,
                               .mail_from = m->mail_from};
    if (mailauth_eval_set_envelope(ev, &env) != MAILAUTH_OK)
        return -1;
    for (size_t i = 0; i < m->nfields; i++)
        if (mailauth_eval_header(ev, m->field[i], m->field_len[i]) != MAILAUTH_OK)
            return -1;
    if (mailauth_eval_end_headers(ev) != MAILAUTH_OK)
        return -1;
    for (size_t off = 0; off < m->body_len; off += BD_CHUNK) {
        size_t n = m->body_len - off < BD_CHUNK ? m->body_len - off : BD_CHUNK;
        if (mailauth_eval_body(ev, m->body + off, n) != MAILAUTH_OK)
            return -1;
    }
    return mailauth_eval_end_message(ev) == MAILAUTH_OK ? 0 : -1;
}

int
bp_ma_run(mailauth_ctx_t *ctx, mailauth_resolver_t *r, const struct bp_msg *m,
          struct bp_verdicts *out)
{
    mailauth_eval_t *ev = NULL;
    int              rc = -1;
    if (mailauth_eval_new(ctx, r, &ev) != MAILAUTH_OK)
        return -1;
    if (feed(ev, m) == 0 && mailauth_eval_finish_sync(ev, -1) == MAILAUTH_OK &&
        (!bp_ma_authres || format_authres(ev) == 0)) {
        read_verdicts(ev, out);
        rc = 0;
    }
    mailauth_eval_free(ev);
    return rc;
}
