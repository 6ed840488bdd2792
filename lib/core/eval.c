/* Evaluation of one message: lifecycle, envelope and message feeding. */
#include "core/eval_int.h"

#include <string.h>

#include "core/ctx_int.h"
#include "util/alloc.h"

mailauth_status_t
mailauth_eval_new(mailauth_ctx_t *ctx, mailauth_resolver_t *r, mailauth_eval_t **out)
{
    mailauth_eval_t *ev = NULL;
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || r == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    mailauth__ctx_freeze(ctx);
    ev = mailauth__calloc(&ctx->al, 1, sizeof(*ev));
    if (ev == NULL)
        return MAILAUTH_ENOMEM;
    ev->ctx = ctx;
    ev->r = r;
    mailauth__arena_init(&ev->arena, &ctx->al);
    mailauth__dnsc_init(&ev->dns, r, mailauth__eval_wake, ev);
    /* Every eval has a deadline (DESIGN.md, DNS); questions still open then read TEMPFAIL. */
    mailauth__dnsc_set_timeout(&ev->dns, mailauth__ctx_limit(ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    mailauth__hdr_index_init(&ev->hdrs, &ev->arena,
                             mailauth__ctx_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_COUNT),
                             mailauth__ctx_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES));
    *out = ev;
    return MAILAUTH_OK;
}

void
mailauth_eval_free(mailauth_eval_t *ev)
{
    const mailauth_allocator_t *al = NULL;
    if (ev == NULL)
        return;
    al = &ev->ctx->al;
    mailauth__dnsc_clear(&ev->dns); /* releases questions and unlinks from the resolver */
    mailauth_authres_free(ev->ar);
    mailauth__arena_clear(&ev->arena);
    mailauth__free(al, ev->helo);
    mailauth__free(al, ev->mail_from);
    mailauth__free(al, ev);
}

/* Envelope setters work until the end of the header section and until the
 * check that uses the value has started. */
static bool
envelope_open(const mailauth_eval_t *ev)
{
    return ev->phase < EVAL_BODY && ev->fin == EVAL_RUNNING && !ev->canceled;
}

mailauth_status_t
mailauth_eval_set_client_ip(mailauth_eval_t *ev, const char *ip)
{
    mailauth__ip_t addr;
    if (ev == NULL || ip == NULL || !mailauth__ip_parse(ip, strlen(ip), &addr))
        return MAILAUTH_EINVAL;
    if (!envelope_open(ev) || mailauth__eval_spf_started(ev, EVAL_SPF_MAILFROM) ||
        mailauth__eval_spf_started(ev, EVAL_SPF_HELO))
        return MAILAUTH_ESTATE;
    mailauth__ip_unmap_v4(&addr); /* RFC 7208 §5: ::ffff:a.b.c.d is checked as IPv4 */
    ev->ip = addr;
    ev->have_ip = true;
    return mailauth__eval_start_checks(ev, false);
}

/* Replace a heap string of the envelope. */
static mailauth_status_t
replace(mailauth_eval_t *ev, char **slot, const char *s, size_t n)
{
    char *copy = mailauth__strndup(&ev->ctx->al, s, n);
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__free(&ev->ctx->al, *slot);
    *slot = copy;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_eval_set_helo(mailauth_eval_t *ev, const char *helo)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL || helo == NULL || helo[0] == '\0')
        return MAILAUTH_EINVAL;
    /* The null sender's MAIL FROM check uses the HELO name too (RFC 7208 §2.4). */
    if (!envelope_open(ev) || mailauth__eval_spf_started(ev, EVAL_SPF_HELO) ||
        (mailauth__eval_spf_started(ev, EVAL_SPF_MAILFROM) && ev->mail_from[0] == '\0'))
        return MAILAUTH_ESTATE;
    st = replace(ev, &ev->helo, helo, strlen(helo));
    if (st != MAILAUTH_OK)
        return st;
    return mailauth__eval_start_checks(ev, false);
}

mailauth_status_t
mailauth_eval_set_mail_from(mailauth_eval_t *ev, const char *mail_from)
{
    size_t            n = 0;
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL || mail_from == NULL)
        return MAILAUTH_EINVAL;
    if (!envelope_open(ev) || mailauth__eval_spf_started(ev, EVAL_SPF_MAILFROM))
        return MAILAUTH_ESTATE;
    n = strlen(mail_from);
    /* Tolerate the SMTP form "<path>" (RFC 5321 §4.1.2). */
    if (n >= 2 && mail_from[0] == '<' && mail_from[n - 1] == '>') {
        mail_from++;
        n -= 2;
    }
    st = replace(ev, &ev->mail_from, mail_from, n);
    if (st != MAILAUTH_OK)
        return st;
    return mailauth__eval_start_checks(ev, false);
}

static bool
feeding_open(const mailauth_eval_t *ev)
{
    return ev->fin == EVAL_RUNNING && !ev->canceled;
}

mailauth_status_t
mailauth_eval_header(mailauth_eval_t *ev, const char *field, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL || (field == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev) || ev->phase > EVAL_HEADERS)
        return MAILAUTH_ESTATE;
    st = mailauth__hdr_index_add(&ev->hdrs, field, len);
    if (st == MAILAUTH_OK || st == MAILAUTH_ELIMIT)
        ev->phase = EVAL_HEADERS;
    if (st == MAILAUTH_ELIMIT)
        mailauth__log(ev->ctx, MAILAUTH_LOG_WARNING, "header field refused by a limit (%zu bytes)",
                      len);
    return st;
}

mailauth_status_t
mailauth_eval_end_headers(mailauth_eval_t *ev)
{
    if (ev == NULL)
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev) || ev->phase > EVAL_HEADERS)
        return MAILAUTH_ESTATE;
    ev->phase = EVAL_BODY;
    /* Hook: DKIM key, ARC key and DMARC record questions start here
     * (DESIGN.md, data flow), from the header index. */
    return MAILAUTH_OK;
}

/* Hook: the body fan-out (DKIM body hashes per canon/algorithm/l=) goes
 * here; for now the body is only counted. */
static mailauth_status_t
body_fanout(mailauth_eval_t *ev, const void *chunk, size_t len)
{
    (void)chunk;
    ev->body_bytes += len;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_eval_body(mailauth_eval_t *ev, const void *chunk, size_t len)
{
    if (ev == NULL || (chunk == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev) || ev->phase != EVAL_BODY)
        return MAILAUTH_ESTATE;
    return body_fanout(ev, chunk, len);
}

mailauth_status_t
mailauth_eval_end_message(mailauth_eval_t *ev)
{
    if (ev == NULL)
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev) || ev->phase != EVAL_BODY)
        return MAILAUTH_ESTATE;
    ev->phase = EVAL_COMPLETE;
    return MAILAUTH_OK;
}

static mailauth_status_t
sink_header(void *ud, const char *field, size_t len)
{
    return mailauth_eval_header(ud, field, len);
}

static mailauth_status_t
sink_end_headers(void *ud)
{
    return mailauth_eval_end_headers(ud);
}

static mailauth_status_t
sink_body(void *ud, const void *p, size_t n)
{
    return mailauth_eval_body(ud, p, n);
}

mailauth_status_t
mailauth_eval_message(mailauth_eval_t *ev, const void *msg, size_t len)
{
    mailauth__msg_sink_t sink = {
        .header = sink_header, .end_headers = sink_end_headers, .body = sink_body};
    mailauth_status_t st = MAILAUTH_OK, end = MAILAUTH_OK;
    if (ev == NULL || (msg == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev) || ev->phase != EVAL_ENVELOPE)
        return MAILAUTH_ESTATE;
    sink.ud = ev;
    st = mailauth__msg_split(&ev->ctx->al, msg, len, ev->hdrs.max_bytes, &sink);
    if (st != MAILAUTH_OK && st != MAILAUTH_ELIMIT && st != MAILAUTH_EINVAL)
        return st;
    end = mailauth_eval_end_message(ev);
    return end != MAILAUTH_OK ? end : st; /* a refused field: the eval goes on without it */
}

mailauth_status_t
mailauth_eval_cancel(mailauth_eval_t *ev)
{
    if (ev == NULL)
        return MAILAUTH_EINVAL;
    if (ev->canceled || ev->fin == EVAL_DONE)
        return MAILAUTH_OK;
    ev->canceled = true;
    /* Drop every question now; the checks holding them are never stepped again. */
    mailauth__dnsc_clear(&ev->dns);
    mailauth__dnsc_init(&ev->dns, ev->r, mailauth__eval_wake, ev);
    if (ev->fin == EVAL_FINISH_ASYNC)
        return mailauth__dnsc_poke(&ev->dns); /* ECANCELED comes from the next processing call */
    return MAILAUTH_OK;
}
