/* Evaluation of one message: lifecycle, envelope and message feeding. No
 * method is named here: the rows of the check table do the work. */
#include "core/eval_int.h"

#include <string.h>

#include "core/ctx_int.h"
#include "util/alloc.h"

/* The evaluation's arena: room after the struct in its first chunk, and
 * the size of the chunks after it (bench/bench_inflight: measured). */
#define EVAL_ROOM 2368u
#define EVAL_CHUNK 640u

mailauth_status_t
mailauth_eval_new(mailauth_ctx_t *ctx, mailauth_resolver_t *r, mailauth_eval_t **out)
{
    mailauth_eval_t  *ev = NULL;
    mailauth__arena_t arena;
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || r == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    mailauth__ctx_freeze(ctx);
    /* The evaluation lives at the start of its arena's first chunk, which
     * has room for what a common message keeps while its body streams (two
     * signatures, DMARC, the SPF and iprev results): one block, and no
     * chunk half empty. Later chunks are small. */
    mailauth__arena_init(&arena, &ctx->env.al);
    ev = mailauth__arena_host(&arena, sizeof(*ev), EVAL_ROOM);
    if (ev == NULL)
        return MAILAUTH_ENOMEM;
    ev->arena = arena;
    mailauth__arena_set_chunk(&ev->arena, EVAL_CHUNK);
    ev->ctx = ctx;
    ev->r = r;
    ev->ops = mailauth__checks;
    mailauth__arena_init(&ev->harena, &ctx->env.al);
    mailauth__dnsc_init(&ev->dns, r, mailauth__eval_wake, ev);
    /* Every eval gets its deadline (questions still open then read
     * TEMPFAIL) when its envelope closes, before any row can ask: no clock
     * read and no resolver list to join for an eval that has asked nothing. */
    mailauth__eval_intake_init(ev);
    *out = ev;
    return MAILAUTH_OK;
}

void
mailauth_eval_free(mailauth_eval_t *ev)
{
    const mailauth_allocator_t *al = NULL;
    mailauth__arena_t           arena;
    if (ev == NULL)
        return;
    al = &ev->ctx->env.al;
    mailauth__dnsc_clear(&ev->dns); /* releases questions and unlinks from the resolver */
    for (size_t i = 0; i < CHECK_N; i++) {
        check_t *c = &ev->checks[i];
        if (c->state != NULL && mailauth__check_ops(ev, c)->release != NULL)
            mailauth__check_ops(ev, c)->release(c);
        mailauth__arena_delete(c->arena);
    }
    mailauth__intake_clear(&ev->in);
    mailauth_authres_free(ev->ar);
    mailauth__arena_clear(&ev->harena);
    mailauth__free(al, ev->helo);
    mailauth__free(al, ev->mail_from);
    arena = ev->arena; /* ev is in it */
    mailauth__arena_clear(&arena);
}

/* ------------------------------------------------------------- envelope */

/* The envelope may be given until it closes (first message data, finish). */
static mailauth_status_t
envelope_state(const mailauth_eval_t *ev)
{
    if (ev->envelope_closed || ev->fin != EVAL_RUNNING || ev->canceled)
        return MAILAUTH_ESTATE;
    return MAILAUTH_OK;
}

static bool
parse_ip(const char *ip, mailauth__ip_t *out)
{
    if (ip == NULL || !mailauth__ip_parse(ip, strlen(ip), out))
        return false;
    mailauth__ip_unmap_v4(out); /* RFC 7208 §5: ::ffff:a.b.c.d is checked as IPv4 */
    return true;
}

/* A heap copy of a MAIL FROM without one enclosing pair of angle brackets
 * (the SMTP form "<path>", RFC 5321 §4.1.2). */
static char *
copy_mail_from(const mailauth_allocator_t *al, const char *mf)
{
    size_t n = strlen(mf);
    if (n >= 2 && mf[0] == '<' && mf[n - 1] == '>')
        return mailauth__strndup(al, mf + 1, n - 2);
    return mailauth__strndup(al, mf, n);
}

/* Replace a heap string of the envelope with a copy (NULL clears it). */
static mailauth_status_t
replace(mailauth_eval_t *ev, char **slot, const char *s, bool mail_from)
{
    const mailauth_allocator_t *al = &ev->ctx->env.al;
    char                       *copy = NULL;
    if (s != NULL) {
        copy = mail_from ? copy_mail_from(al, s) : mailauth__strdup(al, s);
        if (copy == NULL)
            return MAILAUTH_ENOMEM;
    }
    mailauth__free(al, *slot);
    *slot = copy;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_eval_set_envelope(mailauth_eval_t *ev, const mailauth_envelope_t *env)
{
    mailauth__ip_t    ip;
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL || env == NULL || env->version != MAILAUTH_ENVELOPE_VERSION ||
        (env->client_ip != NULL && !parse_ip(env->client_ip, &ip)) ||
        (env->helo != NULL && env->helo[0] == '\0'))
        return MAILAUTH_EINVAL;
    st = envelope_state(ev);
    if (st != MAILAUTH_OK)
        return st;
    st = replace(ev, &ev->helo, env->helo, false);
    if (st == MAILAUTH_OK)
        st = replace(ev, &ev->mail_from, env->mail_from, true);
    if (st != MAILAUTH_OK)
        return st;
    ev->have_ip = env->client_ip != NULL;
    if (ev->have_ip)
        ev->ip = ip;
    return mailauth__eval_close_envelope(ev);
}

mailauth_status_t
mailauth_eval_set_client_ip(mailauth_eval_t *ev, const char *ip)
{
    mailauth__ip_t addr;
    if (ev == NULL || !parse_ip(ip, &addr))
        return MAILAUTH_EINVAL;
    if (envelope_state(ev) != MAILAUTH_OK)
        return MAILAUTH_ESTATE;
    ev->ip = addr;
    ev->have_ip = true;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_eval_set_helo(mailauth_eval_t *ev, const char *helo)
{
    if (ev == NULL || helo == NULL || helo[0] == '\0')
        return MAILAUTH_EINVAL;
    if (envelope_state(ev) != MAILAUTH_OK)
        return MAILAUTH_ESTATE;
    return replace(ev, &ev->helo, helo, false);
}

mailauth_status_t
mailauth_eval_set_mail_from(mailauth_eval_t *ev, const char *mail_from)
{
    if (ev == NULL || mail_from == NULL)
        return MAILAUTH_EINVAL;
    if (envelope_state(ev) != MAILAUTH_OK)
        return MAILAUTH_ESTATE;
    return replace(ev, &ev->mail_from, mail_from, true);
}

/* -------------------------------------------------------------- message */

/* The message comes in through the intake (lib/msg): header fields into an
 * index under the ctx limits, whole messages and raw streams through the
 * splitter, body bytes as CRLF. The eval adds what only it knows: the
 * first part of the message closes the envelope, finishing and cancel
 * stop the feeding, and the end of the header section starts the rows. */

static bool
feeding_open(const mailauth_eval_t *ev)
{
    return ev->fin == EVAL_RUNNING && !ev->canceled;
}

/* Any part of the message closes the envelope: its checks start. */
static mailauth_status_t
message_begins(mailauth_eval_t *ev)
{
    if (!feeding_open(ev))
        return MAILAUTH_ESTATE;
    if (ev->err != MAILAUTH_OK)
        return ev->err;
    return mailauth__eval_close_envelope(ev);
}

static void
on_refused(void *ud, const char *name, size_t len, bool whole)
{
    mailauth_eval_t *ev = ud;
    (void)whole;
    mailauth__log(ev->ctx, MAILAUTH_LOG_WARNING, "header field %.*s refused by a limit",
                  (int)(len < 64 ? len : 64), name);
}

static mailauth_status_t
on_end_headers(void *ud)
{
    mailauth_eval_t  *ev = ud;
    mailauth_status_t st = MAILAUTH_OK;
    if (!feeding_open(ev))
        return MAILAUTH_ESTATE;
    /* The deadline bounds DNS work, not the client: it starts again with
     * the message's questions, however long the transaction took so far. */
    mailauth__dnsc_set_timeout(&ev->dns,
                               mailauth__ctx_limit(ev->ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    st = mailauth__eval_start_headers(ev);
    /* Every row that reads header fields has started and taken what it
     * needs (copies in ev->arena): the fields' bytes go now, before the
     * body streams. */
    if (st == MAILAUTH_OK && !ev->keep_headers) {
        mailauth__intake_release_fields(&ev->in);
        mailauth__arena_clear(&ev->harena);
    }
    return st;
}

static mailauth_status_t
on_body(void *ud, const void *p, size_t n)
{
    return mailauth__eval_body(ud, p, n);
}

static const mailauth__intake_ops_t eval_intake = {
    .refused = on_refused, .end_headers = on_end_headers, .body = on_body};

void
mailauth__eval_intake_init(mailauth_eval_t *ev)
{
    mailauth__intake_init_env(&ev->in, &ev->harena, mailauth__ctx_env(ev->ctx), &eval_intake, ev);
    mailauth__intake_keep_refused(&ev->in, &ev->arena); /* verdicts read them at the end */
}

mailauth_status_t
mailauth_eval_header(mailauth_eval_t *ev, const char *field, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL || (field == NULL && len != 0))
        return MAILAUTH_EINVAL;
    st = message_begins(ev);
    return st == MAILAUTH_OK ? mailauth__intake_header(&ev->in, field, len) : st;
}

mailauth_status_t
mailauth_eval_end_headers(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL)
        return MAILAUTH_EINVAL;
    st = message_begins(ev);
    return st == MAILAUTH_OK ? mailauth__intake_end_headers(&ev->in) : st;
}

mailauth_status_t
mailauth_eval_body(mailauth_eval_t *ev, const void *chunk, size_t len)
{
    if (ev == NULL || (chunk == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev))
        return MAILAUTH_ESTATE;
    return mailauth__intake_body(&ev->in, chunk, len);
}

mailauth_status_t
mailauth_eval_end_message(mailauth_eval_t *ev)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL)
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev))
        return MAILAUTH_ESTATE;
    st = mailauth__intake_end(&ev->in);
    return st == MAILAUTH_OK ? mailauth__eval_end_body(ev) : st;
}

mailauth_status_t
mailauth_eval_message(mailauth_eval_t *ev, const void *msg, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL || (msg == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (!feeding_open(ev) || mailauth__intake_phase(&ev->in) != MAILAUTH__INTAKE_NEW)
        return MAILAUTH_ESTATE;
    st = message_begins(ev);
    if (st == MAILAUTH_OK)
        st = mailauth__intake_message(&ev->in, msg, len);
    return st == MAILAUTH_OK ? mailauth_eval_end_message(ev) : st;
}

mailauth_status_t
mailauth_eval_feed(mailauth_eval_t *ev, const void *chunk, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (ev == NULL || (chunk == NULL && len != 0))
        return MAILAUTH_EINVAL;
    st = message_begins(ev);
    return st == MAILAUTH_OK ? mailauth__intake_feed(&ev->in, chunk, len) : st;
}

size_t
mailauth_eval_refused(const mailauth_eval_t *ev)
{
    return ev != NULL ? mailauth__intake_refused(&ev->in) : 0;
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
