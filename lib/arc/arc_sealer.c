/* The ARC sealer object (include/mailauth/sign.h, lib/arc/arc_seal.h):
 * setup, setters, and the feeding of one message through the intake
 * (msg/msg.h). Every header field is kept (the AMS signs some, the seal
 * covers the ARC fields, the AAR consolidates this host's
 * Authentication-Results, and a validation of the incoming chain may need
 * any of them); the body streams into the body set and is not kept. At
 * the end, arc_seal_set.c makes the set; the results are read here. */
#include <string.h>

#include "arc/arc_seal.h"
#include "util/alloc.h"
#include "util/str.h"

/* ---------------------------------------------------------------- the intake's operations */

/* Whether a refused field named name[0..len) (when !whole, only the
 * beginning of its name) may be an ARC field or an Authentication-Results
 * field: the chain or the AAR made without it would not be honest. */
static bool
may_be_arc(const char *name, size_t len, bool whole)
{
    static const char ar[] = "authentication-results";
    if (mailauth__eq_ci_n(name, "arc-", len < 4 ? len : 4) && (len >= 4 || !whole))
        return true;
    if (whole)
        return mailauth__mem_eq_ci(name, len, ar);
    return len < sizeof(ar) && mailauth__eq_ci_n(name, ar, len);
}

static void
refused_field(void *ud, const char *name, size_t len, bool whole)
{
    mailauth_arc_sealer_t *s = ud;
    s->refused_arc = s->refused_arc || may_be_arc(name, len, whole);
    mailauth__hlist_refuse(&s->hl, name, len, whole); /* out of the AMS h= */
}

static void
no_wake(void *ud)
{
    (void)ud; /* end_message() polls; nothing to do from the run loop */
}

/* The body set: our own body hash (RFC 8617 §4.1.2, relaxed, SHA-256), and
 * with a resolver the validation of the incoming chain, keys asked now
 * (not when a refused ARC field already decided that no set is made). */
static mailauth_status_t
start_body(void *ud)
{
    mailauth_arc_sealer_t *s = ud;
    mailauth_status_t      st = MAILAUTH_OK;
    if (s->bs != NULL)
        return MAILAUTH_ESTATE; /* a failed start left state behind */
    st = mailauth__body_set_new(&s->env->al, &s->bs);
    if (st == MAILAUTH_OK) {
        mailauth__body_set_use_kit(s->bs, s->env->hashes);
        st = mailauth__body_set_want(s->bs, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256,
                                     MAILAUTH__BODY_NO_LIMIT, &s->bh_id);
    }
    if (st != MAILAUTH_OK || s->r == NULL || s->chain_set || s->refused_arc)
        return st;
    mailauth__dnsc_init(&s->dns, s->r, no_wake, s);
    s->dns_ready = true;
    mailauth__dnsc_set_timeout(&s->dns,
                               mailauth__env_limit(s->env, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS));
    return mailauth__arc_start(&s->arena, s->env, &s->dns, mailauth__intake_fields(&s->in), s->bs,
                               0, &s->v);
}

static mailauth_status_t
hash_body(void *ud, const void *p, size_t n)
{
    mailauth_arc_sealer_t *s = ud;
    return mailauth__body_set_feed(s->bs, p, n);
}

static const mailauth__intake_ops_t sealer_ops = {
    .refused = refused_field, .end_headers = start_body, .body = hash_body};

/* ---------------------------------------------------------------- setup */

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
    mailauth_status_t st = authserv_ok(id) ? MAILAUTH_OK : MAILAUTH_EINVAL;
    if (st == MAILAUTH_OK) /* as a DKIM signer's d= and s= (RFC 6376 §3.5) */
        st = mailauth__sign_names(&s->arena, domain, selector, &d, &s->selector);
    if (st != MAILAUTH_OK)
        return st;
    mailauth__lower_inplace(d, strlen(d));
    s->domain = d;
    s->authserv_id = mailauth__arena_strdup(&s->arena, id);
    return s->authserv_id != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
}

mailauth_status_t
mailauth__arc_sealer_new(const mailauth__env_t *env, const mailauth_key_t *key, const char *domain,
                         const char *selector, const char *authserv_id, mailauth_arc_sealer_t **out)
{
    mailauth_arc_sealer_t *s = NULL;
    mailauth_status_t      st = MAILAUTH_OK;
    if (out != NULL)
        *out = NULL;
    if (env == NULL || key == NULL || domain == NULL || selector == NULL || authserv_id == NULL ||
        out == NULL)
        return MAILAUTH_EINVAL;
    s = mailauth__calloc(&env->al, 1, sizeof(*s));
    if (s == NULL)
        return MAILAUTH_ENOMEM;
    s->env = env;
    s->key = key;
    mailauth__arena_init(&s->arena, &env->al);
    mailauth__intake_init_env(&s->in, &s->arena, env, &sealer_ops, s);
    for (int i = 0; i < MAILAUTH__SEAL_N; i++)
        mailauth__sb_init(&s->out[i], &env->al, 0);
    st = mailauth__hlist_init(&s->hl, &env->al, mailauth__hlist_defaults, MAILAUTH__HLIST_AMS_N);
    if (st == MAILAUTH_OK)
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
    al = &s->env->al;
    mailauth__arc_free(s->v);
    if (s->dns_ready)
        mailauth__dnsc_clear(&s->dns);
    mailauth__body_set_free(s->bs);
    for (int i = 0; i < MAILAUTH__SEAL_N; i++)
        mailauth__sb_clear(&s->out[i]);
    mailauth__hlist_clear(&s->hl);
    mailauth__intake_clear(&s->in);
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

mailauth_status_t
mailauth_arc_sealer_set_headers(mailauth_arc_sealer_t *s, const char *list)
{
    if (s == NULL || list == NULL)
        return MAILAUTH_EINVAL;
    if (mailauth__intake_phase(&s->in) != MAILAUTH__INTAKE_NEW)
        return MAILAUTH_ESTATE;
    return mailauth__hlist_set(&s->hl, list, MAILAUTH__HLIST_AMS);
}

mailauth_status_t
mailauth_arc_sealer_set_chain(mailauth_arc_sealer_t *s, mailauth_verdict_t cv)
{
    if (s == NULL ||
        (cv != MAILAUTH_VERDICT_NONE && cv != MAILAUTH_VERDICT_PASS && cv != MAILAUTH_VERDICT_FAIL))
        return MAILAUTH_EINVAL;
    if (mailauth__intake_phase(&s->in) == MAILAUTH__INTAKE_ENDED) /* validating or done */
        return MAILAUTH_ESTATE;
    s->chain_set = true;
    s->chain = cv;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_arc_sealer_set_resolver(mailauth_arc_sealer_t *s, mailauth_resolver_t *r)
{
    if (s == NULL || r == NULL || mailauth__resolver_env(r) != s->env)
        return MAILAUTH_EINVAL; /* not made from the sealer's ctx */
    if (mailauth__intake_phase(&s->in) != MAILAUTH__INTAKE_NEW)
        return MAILAUTH_ESTATE;
    s->r = r;
    return MAILAUTH_OK;
}

/* ---------------------------------------------------------------- feeding */

mailauth_status_t
mailauth_arc_sealer_header(mailauth_arc_sealer_t *s, const char *field, size_t len)
{
    return s != NULL ? mailauth__intake_header(&s->in, field, len) : MAILAUTH_EINVAL;
}

mailauth_status_t
mailauth_arc_sealer_end_headers(mailauth_arc_sealer_t *s)
{
    return s != NULL ? mailauth__intake_end_headers(&s->in) : MAILAUTH_EINVAL;
}

mailauth_status_t
mailauth_arc_sealer_body(mailauth_arc_sealer_t *s, const void *chunk, size_t len)
{
    return s != NULL ? mailauth__intake_body(&s->in, chunk, len) : MAILAUTH_EINVAL;
}

mailauth_status_t
mailauth_arc_sealer_message(mailauth_arc_sealer_t *s, const void *msg, size_t len)
{
    return s != NULL ? mailauth__intake_message(&s->in, msg, len) : MAILAUTH_EINVAL;
}

size_t
mailauth_arc_sealer_refused(const mailauth_arc_sealer_t *s)
{
    return s != NULL ? mailauth__intake_refused(&s->in) : 0;
}

/* ---------------------------------------------------------------- end and results */

/* The body is over: the hashes end, and the validation learns it. Kept,
 * so that a retry after ENOMEM or EAGAIN needs no body. */
static mailauth_status_t
end_body(mailauth_arc_sealer_t *s)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (mailauth__intake_phase(&s->in) != MAILAUTH__INTAKE_ENDED)
        st = mailauth__intake_end(&s->in);
    if (st != MAILAUTH_OK || s->body_ended)
        return st;
    st = mailauth__body_set_end(s->bs);
    if (st == MAILAUTH_OK && s->v != NULL)
        st = mailauth__arc_end_body(s->v);
    s->body_ended = st == MAILAUTH_OK;
    return st;
}

mailauth_status_t
mailauth_arc_sealer_end_message(mailauth_arc_sealer_t *s)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->done)
        return MAILAUTH_ESTATE;
    st = end_body(s);
    if (st == MAILAUTH_OK && s->v != NULL)
        st = mailauth__arc_step(s->v); /* MAILAUTH_EAGAIN: run the resolver, call again */
    if (st == MAILAUTH_OK)
        st = mailauth__arc_seal_make(s);
    s->done = st == MAILAUTH_OK;
    return st;
}

unsigned
mailauth_arc_sealer_instance(const mailauth_arc_sealer_t *s)
{
    return s != NULL && s->done ? s->instance : 0;
}

mailauth_verdict_t
mailauth_arc_sealer_chain(const mailauth_arc_sealer_t *s)
{
    return s != NULL && s->done ? s->cv : MAILAUTH_VERDICT_NONE;
}

mailauth_status_t
mailauth_arc_sealer_format_field(const mailauth_arc_sealer_t *s, mailauth_arc_field_t which, char *buf,
                          size_t cap, size_t *need)
{
    if (need != NULL)
        *need = 0;
    if (s == NULL || (buf == NULL && cap != 0) || (unsigned)which >= MAILAUTH__SEAL_N)
        return MAILAUTH_EINVAL;
    if (!s->done)
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
mailauth_arc_sealer_format(const mailauth_arc_sealer_t *s, char *buf, size_t cap, size_t *need)
{
    static const int order[] = {MAILAUTH__SEAL_AS, MAILAUTH__SEAL_AMS, MAILAUTH__SEAL_AAR};
    size_t           at = 0;
    if (need != NULL)
        *need = 0;
    if (s == NULL || (buf == NULL && cap != 0))
        return MAILAUTH_EINVAL;
    if (!s->done)
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
