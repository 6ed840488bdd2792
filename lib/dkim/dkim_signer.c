/* The DKIM signer object (include/mailauth/sign.h; RFC 6376 §5, RFC 8463):
 * its setup and setters, and the feeding of one message through the
 * intake (msg/msg.h) — the fields it signs are kept, the body streams
 * through a canonicalizer into the body hash and is not kept — up to the
 * end of the message, when dkim_sign_compose.c makes the field. */
#include <mailauth/sign.h>

#include <string.h>

#include "canon/canon.h"
#include "dkim/dkim_sign.h"
#include "domain/domain.h"
#include "msg/msg.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

/* ---------------------------------------------------------------- the intake's operations */

static bool
keep_field(void *ud, const char *name, size_t len)
{
    const mailauth_dkim_signer_t *s = ud;
    return mailauth__hlist_has(&s->hl, name, len);
}

static void
refused_field(void *ud, const char *name, size_t len, bool whole)
{
    mailauth_dkim_signer_t *s = ud;
    mailauth__hlist_refuse(&s->hl, name, len, whole);
}

static mailauth_status_t
start_body(void *ud)
{
    mailauth_dkim_signer_t *s = ud;
    mailauth__canon_t       cb =
        s->c_body == MAILAUTH_CANON_SIMPLE ? MAILAUTH__CANON_SIMPLE : MAILAUTH__CANON_RELAXED;
    /* The whole body is hashed; l= (if on) says how long it was (§3.5). */
    return mailauth__body_canon_new_kit(&s->env->al, s->env->hashes, cb, MAILAUTH__HASH_SHA256,
                                        MAILAUTH__BODY_NO_LIMIT, &s->body);
}

static mailauth_status_t
hash_body(void *ud, const void *p, size_t n)
{
    mailauth_dkim_signer_t *s = ud;
    return mailauth__body_canon_feed(s->body, p, n);
}

static const mailauth__intake_ops_t signer_ops = {
    .keep = keep_field, .refused = refused_field, .end_headers = start_body, .body = hash_body};

/* ---------------------------------------------------------------- setup */

mailauth_status_t
mailauth__sign_names(mailauth__arena_t *a, const char *domain, const char *selector, char **d,
                     const char **s)
{
    size_t            slen = strlen(selector);
    mailauth_status_t st = MAILAUTH_OK;
    /* RFC 6376 §3.1: a selector is dot-separated sub-domains (ASCII here). */
    if (slen == 0 || !mailauth__domain_check(selector, slen, MAILAUTH__DOMAIN_LDH) ||
        selector[slen - 1] == '.')
        return MAILAUTH_EINVAL;
    /* d= in A-label form (§3.5 d=; U-labels converted), a domain-name of
     * two or more labels as the verifier requires. */
    st = mailauth__domain_to_alabel(a, domain, strlen(domain), d);
    if (st == MAILAUTH_OK &&
        !mailauth__domain_check(*d, strlen(*d), MAILAUTH__DOMAIN_LDH | MAILAUTH__DOMAIN_NEED_DOT))
        st = MAILAUTH_EINVAL;
    if (st == MAILAUTH_OK && (*s = mailauth__arena_strdup(a, selector)) == NULL)
        st = MAILAUTH_ENOMEM;
    return st;
}

mailauth_status_t
mailauth__dkim_signer_new(const mailauth__env_t *env, const mailauth_key_t *key, const char *domain,
                          const char *selector, mailauth_dkim_signer_t **out)
{
    mailauth_dkim_signer_t *s = NULL;
    char                   *d = NULL;
    mailauth_status_t       st = MAILAUTH_ENOMEM;
    if (out != NULL)
        *out = NULL;
    if (env == NULL || key == NULL || domain == NULL || selector == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    s = mailauth__calloc(&env->al, 1, sizeof(*s));
    if (s == NULL)
        return MAILAUTH_ENOMEM;
    s->env = env;
    s->key = key;
    mailauth__arena_init(&s->arena, &env->al);
    mailauth__sigfmt_init(&s->fmt, &env->al);
    mailauth__intake_init_env(&s->in, &s->arena, env, &signer_ops, s);
    s->c_header = MAILAUTH_CANON_RELAXED;
    s->c_body = MAILAUTH_CANON_RELAXED;
    st = mailauth__hlist_init(&s->hl, &env->al, mailauth__hlist_defaults, MAILAUTH__HLIST_DKIM_N);
    if (st == MAILAUTH_OK)
        st = mailauth__sign_names(&s->arena, domain, selector, &d, &s->selector);
    if (st != MAILAUTH_OK) {
        mailauth_dkim_signer_free(s);
        return st;
    }
    s->domain = d;
    *out = s;
    return MAILAUTH_OK;
}

void
mailauth_dkim_signer_free(mailauth_dkim_signer_t *s)
{
    const mailauth_allocator_t *al = NULL;
    if (s == NULL)
        return;
    al = &s->env->al;
    mailauth__hlist_clear(&s->hl);
    mailauth__free(al, s->auid);
    mailauth__body_canon_free(s->body);
    mailauth__sigfmt_clear(&s->fmt);
    mailauth__intake_clear(&s->in);
    mailauth__arena_clear(&s->arena);
    mailauth__free(al, s);
}

/* ---------------------------------------------------------------- setters */

/* Setters of what is kept from the message: before the first header. */
static bool
before_message(const mailauth_dkim_signer_t *s)
{
    return mailauth__intake_phase(&s->in) == MAILAUTH__INTAKE_NEW;
}

mailauth_status_t
mailauth_dkim_signer_set_canon(mailauth_dkim_signer_t *s, mailauth_canon_t header,
                               mailauth_canon_t body)
{
    if (s == NULL || (header != MAILAUTH_CANON_SIMPLE && header != MAILAUTH_CANON_RELAXED) ||
        (body != MAILAUTH_CANON_SIMPLE && body != MAILAUTH_CANON_RELAXED))
        return MAILAUTH_EINVAL;
    if (!before_message(s))
        return MAILAUTH_ESTATE;
    s->c_header = header;
    s->c_body = body;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_dkim_signer_set_headers(mailauth_dkim_signer_t *s, const char *list)
{
    if (s == NULL || list == NULL)
        return MAILAUTH_EINVAL;
    if (!before_message(s))
        return MAILAUTH_ESTATE;
    return mailauth__hlist_set(&s->hl, list, 0);
}

mailauth_status_t
mailauth_dkim_signer_set_body_length(mailauth_dkim_signer_t *s, int on)
{
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->done)
        return MAILAUTH_ESTATE;
    s->body_length = on != 0;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_dkim_signer_set_expiry(mailauth_dkim_signer_t *s, uint32_t seconds)
{
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->done)
        return MAILAUTH_ESTATE;
    s->expiry = seconds;
    return MAILAUTH_OK;
}

/* RFC 6376 §2.11 dkim-safe-char: %x21-3A / %x3C / %x3E-7E; others as =XX. */
static bool
is_qp_safe(int c)
{
    return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
}

static mailauth_status_t
encode_auid(mailauth__sb_t *sb, const char *local, size_t llen, const char *domain)
{
    static const char hex[] = "0123456789ABCDEF";
    mailauth_status_t st = MAILAUTH_OK;
    for (size_t i = 0; i < llen && st == MAILAUTH_OK; i++) {
        unsigned char c = (unsigned char)local[i];
        if (is_qp_safe(c)) {
            st = mailauth__sb_putc(sb, (char)c);
        } else {
            char q[3] = {'=', hex[c >> 4], hex[c & 15u]};
            st = mailauth__sb_put(sb, q, 3);
        }
    }
    if (st == MAILAUTH_OK)
        st = mailauth__sb_putc(sb, '@');
    if (st == MAILAUTH_OK)
        st = mailauth__sb_puts(sb, domain);
    return st;
}

mailauth_status_t
mailauth_dkim_signer_set_auid(mailauth_dkim_signer_t *s, const char *auid)
{
    const char       *at = NULL;
    char             *dom = NULL;
    mailauth__arena_t tmp;
    mailauth__sb_t    sb;
    mailauth_status_t st;
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->done)
        return MAILAUTH_ESTATE;
    if (auid == NULL) {
        mailauth__free(&s->env->al, s->auid);
        s->auid = NULL;
        return MAILAUTH_OK;
    }
    at = strrchr(auid, '@');
    if (at == NULL || at[1] == '\0')
        return MAILAUTH_EINVAL;
    mailauth__arena_init(&tmp, &s->env->al);
    mailauth__sb_init(&sb, &s->env->al, 0);
    st = mailauth__domain_to_alabel(&tmp, at + 1, strlen(at + 1), &dom);
    /* RFC 6376 §3.5 i=: the domain is d= or a subdomain of it. */
    if (st == MAILAUTH_OK &&
        !mailauth__domain_is_sub(dom, strlen(dom), s->domain, strlen(s->domain)))
        st = MAILAUTH_EINVAL;
    if (st == MAILAUTH_OK)
        st = encode_auid(&sb, auid, (size_t)(at - auid), dom);
    if (st == MAILAUTH_OK) {
        mailauth__free(&s->env->al, s->auid);
        s->auid = sb.p; /* taken over from the buffer */
        sb.p = NULL;
    }
    mailauth__sb_clear(&sb);
    mailauth__arena_clear(&tmp);
    return st;
}

/* ---------------------------------------------------------------- feeding */

mailauth_status_t
mailauth_dkim_signer_header(mailauth_dkim_signer_t *s, const char *field, size_t len)
{
    return s != NULL ? mailauth__intake_header(&s->in, field, len) : MAILAUTH_EINVAL;
}

mailauth_status_t
mailauth_dkim_signer_end_headers(mailauth_dkim_signer_t *s)
{
    return s != NULL ? mailauth__intake_end_headers(&s->in) : MAILAUTH_EINVAL;
}

mailauth_status_t
mailauth_dkim_signer_body(mailauth_dkim_signer_t *s, const void *chunk, size_t len)
{
    return s != NULL ? mailauth__intake_body(&s->in, chunk, len) : MAILAUTH_EINVAL;
}

mailauth_status_t
mailauth_dkim_signer_message(mailauth_dkim_signer_t *s, const void *msg, size_t len)
{
    return s != NULL ? mailauth__intake_message(&s->in, msg, len) : MAILAUTH_EINVAL;
}

size_t
mailauth_dkim_signer_refused(const mailauth_dkim_signer_t *s)
{
    return s != NULL ? mailauth__intake_refused(&s->in) : 0;
}

/* ---------------------------------------------------------------- end and result */

/* What a signature needs of the message: From signed (RFC 6376 §5.4),
 * so neither refused by a limit nor missing. */
static mailauth_status_t
check_from(mailauth_dkim_signer_t *s)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (mailauth__hlist_refused(&s->hl, "from"))
        return MAILAUTH_ELIMIT;
    if (s->picks == NULL)
        st = mailauth__hdr_pick_new(&s->arena, mailauth__intake_fields(&s->in), &s->picks);
    if (st == MAILAUTH_OK && mailauth__hdr_pick_count(s->picks, "from", 4) == 0)
        st = MAILAUTH_EINVAL;
    return st;
}

mailauth_status_t
mailauth_dkim_signer_end_message(mailauth_dkim_signer_t *s)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->done)
        return MAILAUTH_ESTATE;
    if (mailauth__intake_phase(&s->in) != MAILAUTH__INTAKE_ENDED)
        st = mailauth__intake_end(&s->in);
    if (st == MAILAUTH_OK)
        st = check_from(s);
    if (st != MAILAUTH_OK)
        return st;
    if (!s->bh_done) { /* kept, so that a retry after ENOMEM needs no body */
        st = mailauth__body_canon_end(s->body, s->bh, &s->body_len);
        if (st != MAILAUTH_OK)
            return st;
        s->bh_done = true;
        mailauth__body_canon_free(s->body);
        s->body = NULL;
    }
    st = mailauth__dkim_sign_compose(s);
    if (st == MAILAUTH_OK)
        s->done = true;
    return st;
}

mailauth_status_t
mailauth_dkim_signer_format(const mailauth_dkim_signer_t *s, char *buf, size_t cap, size_t *need)
{
    size_t      len = 0;
    const char *text = NULL;
    if (need != NULL)
        *need = 0;
    if (s == NULL || (buf == NULL && cap != 0))
        return MAILAUTH_EINVAL;
    if (!s->done)
        return MAILAUTH_ESTATE;
    text = mailauth__sigfmt_text(&s->fmt, &len);
    return mailauth__copy_out(text, len, buf, cap, need);
}
