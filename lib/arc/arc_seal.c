/* ARC sealer, first half (include/mailauth/sign.h, lib/arc/arc_seal.h):
 * setup and feeding. Every header field is kept (the AMS signs some, the
 * seal covers the ARC fields, the AAR consolidates this host's
 * Authentication-Results, and a validation of the incoming chain may need
 * any of them); the body streams into the body set and is not kept. */
#include <string.h>

#include "arc/arc_seal.h"
#include "core/ctx_int.h"
#include "domain/domain.h"
#include "util/alloc.h"
#include "util/str.h"

#define SEAL_MAX_NAMES 1024u /* longest h= list accepted from a caller */

static void
no_wake(void *ud)
{
    (void)ud; /* end_message() polls; nothing to do from the run loop */
}

/* RFC 8601 §2.5 authserv-id as a bare token (what the AAR writes). */
static bool
authserv_ok(const char *id)
{
    if (id[0] == '\0')
        return false;
    for (const char *p = id; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c) != NULL)
            return false;
    }
    return true;
}

static mailauth_status_t
set_names(mailauth_arc_sealer_t *s, const char *domain, const char *selector, const char *id)
{
    char             *d = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    /* RFC 6376 §3.5 d= (A-labels) and s= (dot-separated labels). */
    if (!mailauth__domain_check(selector, strlen(selector), MAILAUTH__DOMAIN_LDH) ||
        selector[strlen(selector) - 1] == '.' || !authserv_ok(id))
        return MAILAUTH_EINVAL;
    st = mailauth__domain_to_alabel(&s->arena, domain, strlen(domain), &d);
    if (st == MAILAUTH_OK &&
        !mailauth__domain_check(d, strlen(d), MAILAUTH__DOMAIN_LDH | MAILAUTH__DOMAIN_NEED_DOT))
        st = MAILAUTH_EINVAL;
    if (st != MAILAUTH_OK)
        return st;
    mailauth__lower_inplace(d, strlen(d));
    s->domain = d;
    s->selector = mailauth__arena_strdup(&s->arena, selector);
    s->authserv_id = mailauth__arena_strdup(&s->arena, id);
    return s->selector != NULL && s->authserv_id != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
}

mailauth_status_t
mailauth_arc_sealer_new(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain,
                        const char *selector, const char *authserv_id, mailauth_arc_sealer_t **out)
{
    mailauth_arc_sealer_t *s = NULL;
    mailauth_status_t      st = MAILAUTH_OK;
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || key == NULL || domain == NULL || selector == NULL || authserv_id == NULL ||
        out == NULL || selector[0] == '\0')
        return MAILAUTH_EINVAL;
    mailauth__ctx_freeze(ctx);
    s = mailauth__calloc(&ctx->env.al, 1, sizeof(*s));
    if (s == NULL)
        return MAILAUTH_ENOMEM;
    s->ctx = ctx;
    s->key = key;
    mailauth__arena_init(&s->arena, &ctx->env.al);
    mailauth__hdr_index_init(&s->hdrs, &s->arena,
                             mailauth__ctx_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_COUNT),
                             mailauth__ctx_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES));
    for (int i = 0; i < MAILAUTH__SEAL_N; i++)
        mailauth__sb_init(&s->out[i], &ctx->env.al, 0);
    st = set_names(s, domain, selector, authserv_id);
    if (st != MAILAUTH_OK) {
        mailauth_arc_sealer_free(s);
        return st;
    }
    *out = s;
    return MAILAUTH_OK;
}

void
mailauth_arc_sealer_free(mailauth_arc_sealer_t *s)
{
    const mailauth_allocator_t *al = NULL;
    if (s == NULL)
        return;
    al = &s->ctx->env.al;
    mailauth__arc_free(s->v);
    if (s->dns_ready)
        mailauth__dnsc_clear(&s->dns);
    mailauth__body_set_free(s->bs);
    for (int i = 0; i < MAILAUTH__SEAL_N; i++)
        mailauth__sb_clear(&s->out[i]);
    mailauth__arena_clear(&s->arena);
    mailauth__free(al, s);
}

void
mailauth__arc_sealer_suite_format(mailauth_arc_sealer_t *s, bool on)
{
    if (s != NULL)
        s->suite = on;
}

/* ---------------------------------------------------------------- setters */

/* A field name of an h= list (RFC 5322 §3.6.8 ftext, no ';'). */
static bool
name_ok(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x21 || c > 0x7e || c == ':' || c == ';')
            return false;
    }
    return true;
}

/* RFC 8617 §4.1.2: ARC fields MUST NOT be signed by the AMS, and
 * Authentication-Results SHOULD NOT (downstream ADMDs delete them). */
static bool
name_forbidden(const char *p, size_t n)
{
    return (n >= 4 && mailauth__eq_ci_n(p, "arc-", 4)) ||
           mailauth__mem_eq_ci(p, n, "authentication-results");
}

static mailauth_status_t
split_list(mailauth_arc_sealer_t *s, const char *list, const char **names, size_t n)
{
    bool        from = false;
    const char *p = list;
    for (size_t j = 0; j < n; j++) {
        const char *colon = strchr(p, ':');
        size_t      len = colon != NULL ? (size_t)(colon - p) : strlen(p);
        const char *name = p;
        char       *copy = NULL;
        mailauth__trim(&name, &len);
        if (!name_ok(name, len) || name_forbidden(name, len))
            return MAILAUTH_EINVAL;
        copy = mailauth__arena_strndup(&s->arena, name, len);
        if (copy == NULL)
            return MAILAUTH_ENOMEM;
        mailauth__lower_inplace(copy, len);
        names[j] = copy;
        from = from || strcmp(copy, "from") == 0;
        p = colon != NULL ? colon + 1 : p + len;
    }
    return from ? MAILAUTH_OK : MAILAUTH_EINVAL; /* RFC 6376 §5.4: From is signed */
}

mailauth_status_t
mailauth_arc_sealer_set_headers(mailauth_arc_sealer_t *s, const char *list)
{
    const char      **names = NULL;
    size_t            n = 1;
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL || list == NULL)
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SEALER_NEW)
        return MAILAUTH_ESTATE;
    for (const char *p = list; *p != '\0'; p++)
        n += *p == ':';
    if (n > SEAL_MAX_NAMES)
        return MAILAUTH_EINVAL;
    names = mailauth__arena_calloc(&s->arena, n, sizeof(*names));
    if (names == NULL)
        return MAILAUTH_ENOMEM;
    st = split_list(s, list, names, n);
    if (st != MAILAUTH_OK)
        return st;
    s->names = names;
    s->nnames = n;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_arc_sealer_set_chain(mailauth_arc_sealer_t *s, mailauth_verdict_t cv)
{
    if (s == NULL ||
        (cv != MAILAUTH_VERDICT_NONE && cv != MAILAUTH_VERDICT_PASS && cv != MAILAUTH_VERDICT_FAIL))
        return MAILAUTH_EINVAL;
    if (s->phase >= MAILAUTH__SEALER_VALIDATING)
        return MAILAUTH_ESTATE;
    s->chain_set = true;
    s->chain = cv;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_arc_sealer_set_resolver(mailauth_arc_sealer_t *s, mailauth_resolver_t *r)
{
    if (s == NULL || r == NULL || mailauth__resolver_ctx(r) != s->ctx)
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SEALER_NEW)
        return MAILAUTH_ESTATE;
    s->r = r;
    return MAILAUTH_OK;
}

/* ---------------------------------------------------------------- feeding */

mailauth_status_t
mailauth_arc_sealer_header(mailauth_arc_sealer_t *s, const char *field, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL || (field == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (s->phase > MAILAUTH__SEALER_HEADERS)
        return MAILAUTH_ESTATE;
    if (mailauth__hdr_name_len(field, len, NULL) == 0)
        return MAILAUTH_EINVAL;
    s->phase = MAILAUTH__SEALER_HEADERS;
    /* a line end inside the field reaches the index as CRLF */
    st = mailauth__hdr_index_add_crlf(&s->hdrs, field, len);
    if (st == MAILAUTH_ELIMIT)
        s->refused = true; /* end_message() refuses to seal what it did not see */
    return st;
}

/* The body set: our own body hash (RFC 8617 §4.1.2, relaxed, SHA-256), and
 * with a resolver the validation of the incoming chain, keys asked now. */
static mailauth_status_t
start_body(mailauth_arc_sealer_t *s)
{
    mailauth_status_t st = mailauth__body_set_new(&s->ctx->env.al, &s->bs);
    if (st == MAILAUTH_OK)
        st = mailauth__body_set_want(s->bs, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256,
                                     MAILAUTH__BODY_NO_LIMIT, &s->bh_id);
    if (st != MAILAUTH_OK || s->r == NULL || s->chain_set)
        return st;
    mailauth__dnsc_init(&s->dns, s->r, no_wake, s);
    s->dns_ready = true;
    mailauth__dnsc_set_timeout(&s->dns,
                               mailauth__ctx_limit(s->ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    return mailauth__arc_start(&s->arena, mailauth__ctx_env(s->ctx), &s->dns, &s->hdrs, s->bs, 0,
                               &s->v);
}

mailauth_status_t
mailauth_arc_sealer_end_headers(mailauth_arc_sealer_t *s)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->phase > MAILAUTH__SEALER_HEADERS || s->bs != NULL)
        return MAILAUTH_ESTATE;
    st = start_body(s);
    if (st == MAILAUTH_OK)
        s->phase = MAILAUTH__SEALER_BODY;
    return st;
}

static mailauth_status_t
to_body_set(void *ud, const void *p, size_t n)
{
    return mailauth__body_set_feed(ud, p, n);
}

mailauth_status_t
mailauth_arc_sealer_body(mailauth_arc_sealer_t *s, const void *chunk, size_t len)
{
    if (s == NULL || (chunk == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SEALER_BODY)
        return MAILAUTH_ESTATE;
    /* A bare LF is a line end too: it reaches the body hashes as CRLF. */
    return mailauth__body_lf_to_crlf(&s->last_cr, chunk, len, to_body_set, s->bs);
}

static mailauth_status_t
sink_header(void *ud, const char *field, size_t len)
{
    return mailauth_arc_sealer_header(ud, field, len);
}

static mailauth_status_t
sink_end_headers(void *ud)
{
    return mailauth_arc_sealer_end_headers(ud);
}

static mailauth_status_t
sink_body(void *ud, const void *p, size_t n)
{
    return mailauth_arc_sealer_body(ud, p, n);
}

mailauth_status_t
mailauth_arc_sealer_message(mailauth_arc_sealer_t *s, const void *msg, size_t len)
{
    mailauth__msg_sink_t sink = {
        .header = sink_header, .end_headers = sink_end_headers, .body = sink_body};
    if (s == NULL || (msg == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SEALER_NEW)
        return MAILAUTH_ESTATE;
    sink.ud = s;
    return mailauth__msg_split(&s->ctx->env.al, msg, len,
                               mailauth__ctx_limit(s->ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES), &sink);
}

/* ---------------------------------------------------------------- end and results */

mailauth_status_t
mailauth_arc_sealer_end_message(mailauth_arc_sealer_t *s)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->phase == MAILAUTH__SEALER_DONE)
        return MAILAUTH_ESTATE;
    if (s->phase != MAILAUTH__SEALER_BODY && s->phase != MAILAUTH__SEALER_VALIDATING)
        return MAILAUTH_ESTATE;
    if (!s->body_ended) { /* kept, so that a retry after ENOMEM needs no body */
        st = mailauth__body_set_end(s->bs);
        if (st != MAILAUTH_OK)
            return st;
        s->body_ended = true;
        if (s->v != NULL)
            st = mailauth__arc_end_body(s->v);
        if (st != MAILAUTH_OK)
            return st;
    }
    s->phase = MAILAUTH__SEALER_VALIDATING;
    if (s->v != NULL) {
        st = mailauth__arc_step(s->v);
        if (st != MAILAUTH_OK)
            return st; /* MAILAUTH_EAGAIN: the caller runs the resolver and calls again */
    }
    st = mailauth__arc_seal_make(s);
    if (st == MAILAUTH_OK)
        s->phase = MAILAUTH__SEALER_DONE;
    return st;
}

unsigned
mailauth_arc_sealer_instance(const mailauth_arc_sealer_t *s)
{
    return s != NULL && s->phase == MAILAUTH__SEALER_DONE ? s->instance : 0;
}

mailauth_verdict_t
mailauth_arc_sealer_chain(const mailauth_arc_sealer_t *s)
{
    return s != NULL && s->phase == MAILAUTH__SEALER_DONE ? s->cv : MAILAUTH_VERDICT_NONE;
}

mailauth_status_t
mailauth_arc_sealer_field(const mailauth_arc_sealer_t *s, mailauth_arc_field_t which, char *buf,
                          size_t cap, size_t *need)
{
    if (need != NULL)
        *need = 0;
    if (s == NULL || (buf == NULL && cap != 0) || (unsigned)which >= MAILAUTH__SEAL_N)
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SEALER_DONE)
        return MAILAUTH_ESTATE;
    return mailauth__copy_out(mailauth__sb_str(&s->out[which]), s->out[which].len, buf, cap, need);
}

/* Append p[0..n) at offset `at` of buf as far as it fits; the new offset. */
static size_t
put_part(char *buf, size_t cap, size_t at, const char *p, size_t n)
{
    if (at < cap)
        memcpy(buf + at, p, n < cap - at ? n : cap - at);
    return at + n;
}

mailauth_status_t
mailauth_arc_sealer_result(const mailauth_arc_sealer_t *s, char *buf, size_t cap, size_t *need)
{
    static const int order[] = {MAILAUTH__SEAL_AS, MAILAUTH__SEAL_AMS, MAILAUTH__SEAL_AAR};
    size_t           at = 0;
    if (need != NULL)
        *need = 0;
    if (s == NULL || (buf == NULL && cap != 0))
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SEALER_DONE)
        return MAILAUTH_ESTATE;
    /* RFC 8617 §5.1 step 4 adds AAR, AMS, AS in this order, each on top of
     * the message: the seal ends up first. */
    for (size_t i = 0; s->instance != 0 && i < 3; i++) {
        if (i > 0)
            at = put_part(buf, cap, at, "\r\n", 2);
        at = put_part(buf, cap, at, mailauth__sb_str(&s->out[order[i]]), s->out[order[i]].len);
    }
    if (cap > 0)
        buf[at < cap ? at : cap - 1] = '\0';
    if (need != NULL)
        *need = at;
    return at < cap ? MAILAUTH_OK : MAILAUTH_ENOSPC;
}
