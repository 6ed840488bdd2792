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
    ev = mailauth__calloc(&ctx->env.al, 1, sizeof(*ev));
    if (ev == NULL)
        return MAILAUTH_ENOMEM;
    ev->ctx = ctx;
    ev->r = r;
    mailauth__arena_init(&ev->arena, &ctx->env.al);
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
    al = &ev->ctx->env.al;
    mailauth__dnsc_clear(&ev->dns); /* releases questions and unlinks from the resolver */
    mailauth__dkim_verify_free(ev->dkim);
    mailauth__arc_free(ev->arc);
    mailauth__msg_stream_clear(&ev->stream);
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
    char *copy = mailauth__strndup(&ev->ctx->env.al, s, n);
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__free(&ev->ctx->env.al, *slot);
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

/* The feeding steps; the public functions add the checks, and the splitter
 * of mailauth_eval_message() / mailauth_eval_feed() calls these directly. */
static mailauth_status_t
add_header(mailauth_eval_t *ev, const char *field, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
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
mailauth_eval_header(mailauth_eval_t *ev, const char *field, size_t len)
{
    if (ev == NULL || (field == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (ev->streaming)
        return MAILAUTH_ESTATE;
    return add_header(ev, field, len);
}

/* DKIM: every signature parsed, its header hash computed and its key asked
 * for now, all keys at once (DESIGN.md, data flow). */
static mailauth_status_t
start_dkim(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK;
    if ((ev->ctx->methods & MAILAUTH_METHOD_DKIM) == 0 || ev->err != MAILAUTH_OK)
        return ev->err;
    st = mailauth__dkim_verify_start(&ev->arena, mailauth__ctx_env(ev->ctx), &ev->dns, &ev->hdrs,
                                     &ev->dkim);
    if (st != MAILAUTH_OK)
        ev->err = st;
    return st;
}

static mailauth_status_t
end_headers(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (!feeding_open(ev) || ev->phase > EVAL_HEADERS)
        return MAILAUTH_ESTATE;
    ev->phase = EVAL_BODY;
    /* The deadline bounds DNS work, not the client: it starts again with
     * the message's questions, however long the transaction took so far. */
    mailauth__dnsc_set_timeout(&ev->dns,
                               mailauth__ctx_limit(ev->ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    /* DKIM keys, ARC keys and DMARC policy records: all asked now, from
     * the header index (ARC after DKIM: it shares DKIM's body set). */
    st = start_dkim(ev);
    if (st != MAILAUTH_OK)
        return st;
    return mailauth__eval_start_arc_dmarc(ev);
}

mailauth_status_t
mailauth_eval_end_headers(mailauth_eval_t *ev)
{
    if (ev == NULL)
        return MAILAUTH_EINVAL;
    return ev->streaming ? MAILAUTH_ESTATE : end_headers(ev);
}

/* The body fan-out: each chunk goes to the DKIM and ARC body hashes (one
 * per distinct canonicalization, algorithm and l=) and is not kept. */
static mailauth_status_t
body_fanout(mailauth_eval_t *ev, const void *chunk, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
    ev->body_bytes += len;
    if (ev->dkim != NULL && ev->err == MAILAUTH_OK) {
        st = mailauth__dkim_verify_body(ev->dkim, chunk, len);
        if (st != MAILAUTH_OK)
            ev->err = st;
    }
    if (st == MAILAUTH_OK)
        st = mailauth__eval_arc_body(ev, chunk, len);
    return st;
}

static mailauth_status_t
add_body(mailauth_eval_t *ev, const void *chunk, size_t len)
{
    if (!feeding_open(ev) || ev->phase != EVAL_BODY)
        return MAILAUTH_ESTATE;
    return body_fanout(ev, chunk, len);
}

mailauth_status_t
mailauth_eval_body(mailauth_eval_t *ev, const void *chunk, size_t len)
{
    if (ev == NULL || (chunk == NULL && len != 0))
        return MAILAUTH_EINVAL;
    return ev->streaming ? MAILAUTH_ESTATE : add_body(ev, chunk, len);
}

static mailauth_status_t end_message(mailauth_eval_t *ev);

/* A stream ends with its last field, the end of headers and the last body
 * bytes, then the message; a field a limit refused is reported like
 * mailauth_eval_message() does. */
static mailauth_status_t
end_stream(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK, end = MAILAUTH_OK;
    if (!feeding_open(ev) || ev->phase == EVAL_COMPLETE)
        return MAILAUTH_ESTATE;
    st = mailauth__msg_stream_end(&ev->stream);
    if (st != MAILAUTH_OK && st != MAILAUTH_ELIMIT && st != MAILAUTH_EINVAL)
        return st; /* a stopped stream answers the same error again */
    mailauth__msg_stream_clear(&ev->stream);
    end = end_message(ev);
    return end != MAILAUTH_OK ? end : st;
}

mailauth_status_t
mailauth_eval_end_message(mailauth_eval_t *ev)
{
    if (ev == NULL)
        return MAILAUTH_EINVAL;
    return ev->streaming ? end_stream(ev) : end_message(ev);
}

static mailauth_status_t
end_message(mailauth_eval_t *ev)
{
    if (!feeding_open(ev) || ev->phase != EVAL_BODY)
        return MAILAUTH_ESTATE;
    ev->phase = EVAL_COMPLETE;
    if (ev->dkim != NULL && ev->err == MAILAUTH_OK) {
        mailauth_status_t st = mailauth__dkim_verify_end_body(ev->dkim);
        if (st != MAILAUTH_OK) {
            ev->err = st;
            return st;
        }
    }
    /* After DKIM: a shared body set is ended by its owner first (arc/arc.h). */
    return mailauth__eval_arc_end(ev);
}

static mailauth_status_t
sink_header(void *ud, const char *field, size_t len)
{
    return add_header(ud, field, len);
}

static mailauth_status_t
sink_end_headers(void *ud)
{
    return end_headers(ud);
}

static mailauth_status_t
sink_body(void *ud, const void *p, size_t n)
{
    return add_body(ud, p, n);
}

static const mailauth__msg_sink_t eval_sink = {
    .header = sink_header, .end_headers = sink_end_headers, .body = sink_body};

mailauth_status_t
mailauth_eval_message(mailauth_eval_t *ev, const void *msg, size_t len)
{
    mailauth__msg_sink_t sink = eval_sink;
    mailauth_status_t    st = MAILAUTH_OK, end = MAILAUTH_OK;
    if (ev == NULL || (msg == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev) || ev->phase != EVAL_ENVELOPE || ev->streaming)
        return MAILAUTH_ESTATE;
    sink.ud = ev;
    st = mailauth__msg_split(&ev->ctx->env.al, msg, len, ev->hdrs.max_bytes, &sink);
    if (st != MAILAUTH_OK && st != MAILAUTH_ELIMIT && st != MAILAUTH_EINVAL)
        return st;
    end = end_message(ev);
    return end != MAILAUTH_OK ? end : st; /* a refused field: the eval goes on without it */
}

mailauth_status_t
mailauth_eval_feed(mailauth_eval_t *ev, const void *chunk, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL || (chunk == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev) || ev->phase == EVAL_COMPLETE ||
        (!ev->streaming && ev->phase != EVAL_ENVELOPE))
        return MAILAUTH_ESTATE;
    if (!ev->streaming) {
        mailauth__msg_sink_t sink = eval_sink;
        sink.ud = ev;
        st = mailauth__msg_stream_init(&ev->stream, &ev->ctx->env.al, ev->hdrs.max_bytes, &sink);
        if (st != MAILAUTH_OK)
            return st;
        ev->streaming = true;
    }
    /* Refused fields are reported by mailauth_eval_end_message(), as the
     * stream reports them at its end. */
    return mailauth__msg_stream_feed(&ev->stream, chunk, len);
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
