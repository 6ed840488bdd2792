/* DKIM signer (include/mailauth/sign.h): RFC 6376 §5 signer actions,
 * RFC 8463 ed25519-sha256. Header fields to be signed are kept; the body
 * streams through a canonicalizer into the body hash and is not kept. */
#include <mailauth/sign.h>

#include <string.h>

#include "canon/canon.h"
#include "core/ctx_int.h"
#include "crypto/crypto.h"
#include "dkim/dkim_sign.h"
#include "domain/domain.h"
#include "msg/msg.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

/* A caller's h= list may name at most this many fields (oversigning
 * included); a longer one is refused as invalid. */
#define SIGN_MAX_NAMES 1024u

/* The default h= list (sign.h): From, oversigned (RFC 6376 §5.4.2, §8.15),
 * then the fields §5.4.1 recommends, each as often as it occurs. */
static const char *const default_names[] = {
    "from",       "to",           "cc",           "subject",
    "date",       "message-id",   "reply-to",     "in-reply-to",
    "references", "mime-version", "content-type", "content-transfer-encoding",
};
#define N_DEFAULT (sizeof(default_names) / sizeof(default_names[0]))

mailauth_status_t
mailauth_dkim_signer_new(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain,
                         const char *selector, mailauth_dkim_signer_t **out)
{
    mailauth_dkim_signer_t *s = NULL;
    char                   *d = NULL;
    mailauth_status_t       st = MAILAUTH_ENOMEM;
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || key == NULL || domain == NULL || selector == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    /* RFC 6376 §3.1: a selector is dot-separated sub-domains (ASCII here). */
    if (!mailauth__domain_check(selector, strlen(selector), MAILAUTH__DOMAIN_LDH) ||
        selector[strlen(selector) - 1] == '.')
        return MAILAUTH_EINVAL;
    mailauth__ctx_freeze(ctx);
    s = mailauth__calloc(&ctx->env.al, 1, sizeof(*s));
    if (s == NULL)
        return MAILAUTH_ENOMEM;
    s->ctx = ctx;
    s->key = key;
    mailauth__arena_init(&s->arena, &ctx->env.al);
    mailauth__sigfmt_init(&s->fmt, &ctx->env.al);
    s->max_count = mailauth__ctx_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_COUNT);
    s->max_bytes = mailauth__ctx_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES);
    mailauth__hdr_index_init(&s->hdrs, &s->arena, 0, 0); /* limits are checked before */
    s->c_header = MAILAUTH_CANON_RELAXED;
    s->c_body = MAILAUTH_CANON_RELAXED;
    /* d= in A-label form (RFC 6376 §3.5 d=; U-labels converted), a
     * domain-name of two or more labels as the verifier requires. */
    st = mailauth__domain_to_alabel(&s->arena, domain, strlen(domain), &d);
    if (st == MAILAUTH_OK &&
        !mailauth__domain_check(d, strlen(d), MAILAUTH__DOMAIN_LDH | MAILAUTH__DOMAIN_NEED_DOT))
        st = MAILAUTH_EINVAL;
    if (st != MAILAUTH_OK)
        goto fail;
    s->domain = d;
    s->selector = mailauth__arena_strdup(&s->arena, selector);
    if (s->selector == NULL) {
        st = MAILAUTH_ENOMEM;
        goto fail;
    }
    *out = s;
    return MAILAUTH_OK;
fail:
    mailauth_dkim_signer_free(s);
    return st;
}

static void
free_list(mailauth_dkim_signer_t *s)
{
    const mailauth_allocator_t *al = &s->ctx->env.al;
    mailauth__free(al, s->list);
    mailauth__free(al, s->names);
    mailauth__free(al, s->slots);
    s->list = NULL;
    s->names = NULL;
    s->slots = NULL;
    s->nnames = 0;
}

void
mailauth_dkim_signer_free(mailauth_dkim_signer_t *s)
{
    const mailauth_allocator_t *al = NULL;
    if (s == NULL)
        return;
    al = &s->ctx->env.al;
    free_list(s);
    mailauth__free(al, s->auid);
    mailauth__body_canon_free(s->body);
    mailauth__sigfmt_clear(&s->fmt);
    mailauth__arena_clear(&s->arena);
    mailauth__free(al, s);
}

mailauth_status_t
mailauth_dkim_signer_set_canon(mailauth_dkim_signer_t *s, mailauth_canon_t header,
                               mailauth_canon_t body)
{
    if (s == NULL || (header != MAILAUTH_CANON_SIMPLE && header != MAILAUTH_CANON_RELAXED) ||
        (body != MAILAUTH_CANON_SIMPLE && body != MAILAUTH_CANON_RELAXED))
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SIGNER_NEW)
        return MAILAUTH_ESTATE;
    s->c_header = header;
    s->c_body = body;
    return MAILAUTH_OK;
}

/* A character of a field name in h=: RFC 5322 §3.6.8 ftext, without ';'
 * which would end the tag (RFC 6376 §3.2). */
static bool
is_name_char(int c)
{
    return c >= 0x21 && c <= 0x7e && c != ':' && c != ';';
}

/* Split list (a copy) in place at the colons, trimming SP/HTAB around each
 * name; fills names[] (room for n) and checks each name and From. */
static mailauth_status_t
split_list(char *list, const char **names, size_t n)
{
    bool  from = false;
    char *p = list;
    for (size_t j = 0; j < n; j++) {
        char  *colon = strchr(p, ':');
        char  *end = colon != NULL ? colon : p + strlen(p);
        size_t len = 0;
        if (colon != NULL)
            *colon = '\0';
        while (mailauth__is_wsp((unsigned char)*p))
            p++;
        while (end > p && mailauth__is_wsp((unsigned char)end[-1]))
            *--end = '\0';
        len = (size_t)(end - p);
        if (len == 0)
            return MAILAUTH_EINVAL;
        for (size_t i = 0; i < len; i++) {
            if (!is_name_char((unsigned char)p[i]))
                return MAILAUTH_EINVAL;
        }
        names[j] = p;
        from = from || mailauth__eq_ci(p, "from");
        p = colon != NULL ? colon + 1 : end;
    }
    return from ? MAILAUTH_OK : MAILAUTH_EINVAL; /* RFC 6376 §5.4: From MUST be signed */
}

mailauth_status_t
mailauth_dkim_signer_set_headers(mailauth_dkim_signer_t *s, const char *list)
{
    const mailauth_allocator_t *al = NULL;
    size_t                      n = 1, len = 0;
    mailauth_status_t           st = MAILAUTH_ENOMEM;
    if (s == NULL || list == NULL)
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SIGNER_NEW)
        return MAILAUTH_ESTATE;
    al = &s->ctx->env.al;
    len = strlen(list);
    for (size_t i = 0; i < len; i++)
        n += list[i] == ':';
    if (n > SIGN_MAX_NAMES)
        return MAILAUTH_EINVAL;
    free_list(s);
    s->list = mailauth__strndup(al, list, len);
    s->names = mailauth__calloc(al, n, sizeof(*s->names));
    s->slots = mailauth__calloc(al, n, sizeof(*s->slots));
    if (s->list != NULL && s->names != NULL && s->slots != NULL)
        st = split_list(s->list, s->names, n);
    if (st != MAILAUTH_OK) {
        free_list(s); /* back to the default list */
        return st;
    }
    s->nnames = n;
    for (size_t j = 0; j < n; j++) { /* RFC 6376 §5.4.2: repeats take instances bottom-up */
        size_t k = 0;
        while (!mailauth__eq_ci(s->names[k], s->names[j]))
            k++;
        s->slots[j] = k;
    }
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_dkim_signer_set_body_length(mailauth_dkim_signer_t *s, int on)
{
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->phase == MAILAUTH__SIGNER_DONE)
        return MAILAUTH_ESTATE;
    s->body_length = on != 0;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_dkim_signer_set_expiry(mailauth_dkim_signer_t *s, uint32_t seconds)
{
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->phase == MAILAUTH__SIGNER_DONE)
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
    if (s->phase == MAILAUTH__SIGNER_DONE)
        return MAILAUTH_ESTATE;
    if (auid == NULL) {
        mailauth__free(&s->ctx->env.al, s->auid);
        s->auid = NULL;
        return MAILAUTH_OK;
    }
    at = strrchr(auid, '@');
    if (at == NULL || at[1] == '\0')
        return MAILAUTH_EINVAL;
    mailauth__arena_init(&tmp, &s->ctx->env.al);
    mailauth__sb_init(&sb, &s->ctx->env.al, 0);
    st = mailauth__domain_to_alabel(&tmp, at + 1, strlen(at + 1), &dom);
    /* RFC 6376 §3.5 i=: the domain is d= or a subdomain of it. */
    if (st == MAILAUTH_OK &&
        !mailauth__domain_is_sub(dom, strlen(dom), s->domain, strlen(s->domain)))
        st = MAILAUTH_EINVAL;
    if (st == MAILAUTH_OK)
        st = encode_auid(&sb, auid, (size_t)(at - auid), dom);
    if (st == MAILAUTH_OK) {
        mailauth__free(&s->ctx->env.al, s->auid);
        s->auid = sb.p; /* taken over from the buffer */
        sb.p = NULL;
    }
    mailauth__sb_clear(&sb);
    mailauth__arena_clear(&tmp);
    return st;
}

/* ---------------------------------------------------------------- feeding */

static bool
name_listed(const mailauth_dkim_signer_t *s, const char *name, size_t len)
{
    const char *const *names = s->list != NULL ? s->names : default_names;
    size_t             n = s->list != NULL ? s->nnames : N_DEFAULT;
    for (size_t j = 0; j < n; j++) {
        if (strlen(names[j]) == len && mailauth__eq_ci_n(names[j], name, len))
            return true;
    }
    return false;
}

mailauth_status_t
mailauth_dkim_signer_header(mailauth_dkim_signer_t *s, const char *field, size_t len)
{
    size_t            name_len = 0, body = len;
    bool              listed = false;
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL || (field == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (s->phase > MAILAUTH__SIGNER_HEADERS)
        return MAILAUTH_ESTATE;
    if (body >= 1 && field[body - 1] == '\n')
        body -= body >= 2 && field[body - 2] == '\r' ? 2 : 1;
    name_len = mailauth__hdr_name_len(field, body, NULL);
    if (name_len == 0)
        return MAILAUTH_EINVAL;
    s->phase = MAILAUTH__SIGNER_HEADERS;
    listed = name_listed(s, field, name_len);
    if ((s->max_count != 0 && s->fields >= s->max_count) ||
        (s->max_bytes != 0 && body > s->max_bytes)) {
        /* Unsigned fields may be dropped; a dropped signed one would make
         * a signature that cannot verify, so end_message() refuses then. */
        s->refused_signed = s->refused_signed || listed;
        return MAILAUTH_ELIMIT;
    }
    if (listed) /* bare LFs become CRLF, as on the wire */
        st = mailauth__hdr_index_add_crlf(&s->hdrs, field, body);
    if (st == MAILAUTH_OK)
        s->fields++;
    return st;
}

mailauth_status_t
mailauth_dkim_signer_end_headers(mailauth_dkim_signer_t *s)
{
    mailauth__canon_t cb;
    mailauth_status_t st;
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->phase > MAILAUTH__SIGNER_HEADERS)
        return MAILAUTH_ESTATE;
    cb = s->c_body == MAILAUTH_CANON_SIMPLE ? MAILAUTH__CANON_SIMPLE : MAILAUTH__CANON_RELAXED;
    /* The whole body is hashed; l= (if on) says how long it was (§3.5). */
    st = mailauth__body_canon_new(&s->ctx->env.al, cb, MAILAUTH__HASH_SHA256, MAILAUTH__BODY_NO_LIMIT,
                                  &s->body);
    if (st == MAILAUTH_OK)
        s->phase = MAILAUTH__SIGNER_BODY;
    return st;
}

static mailauth_status_t
to_canon(void *ud, const void *p, size_t n)
{
    return mailauth__body_canon_feed(ud, p, n);
}

mailauth_status_t
mailauth_dkim_signer_body(mailauth_dkim_signer_t *s, const void *chunk, size_t len)
{
    if (s == NULL || (chunk == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SIGNER_BODY)
        return MAILAUTH_ESTATE;
    /* A bare LF is a line end too: it reaches the canonicalizer as CRLF. */
    return mailauth__body_lf_to_crlf(&s->last_cr, chunk, len, to_canon, s->body);
}

static mailauth_status_t
sink_header(void *ud, const char *field, size_t len)
{
    return mailauth_dkim_signer_header(ud, field, len);
}

static mailauth_status_t
sink_end_headers(void *ud)
{
    return mailauth_dkim_signer_end_headers(ud);
}

static mailauth_status_t
sink_body(void *ud, const void *p, size_t n)
{
    return mailauth_dkim_signer_body(ud, p, n);
}

mailauth_status_t
mailauth_dkim_signer_message(mailauth_dkim_signer_t *s, const void *msg, size_t len)
{
    mailauth__msg_sink_t sink = {
        .header = sink_header, .end_headers = sink_end_headers, .body = sink_body};
    if (s == NULL || (msg == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SIGNER_NEW)
        return MAILAUTH_ESTATE;
    sink.ud = s;
    return mailauth__msg_split(&s->ctx->env.al, msg, len, s->max_bytes, &sink);
}

/* ---------------------------------------------------------------- signing */

/* The default list expanded by the fields present: From once more than
 * it occurs, the others as often as they occur. */
mailauth_status_t
mailauth__dkim_signer_h(const mailauth_dkim_signer_t *s, const char ***items, size_t **slots,
                        size_t *n)
{
    const mailauth_allocator_t *al = &s->ctx->env.al;
    size_t                      total = 1, k = 0;
    *n = 0;
    *items = mailauth__calloc(al, s->list != NULL ? s->nnames : s->hdrs.n + 1, sizeof(**items));
    *slots = mailauth__calloc(al, s->list != NULL ? s->nnames : s->hdrs.n + 1, sizeof(**slots));
    if (*items == NULL || *slots == NULL)
        return MAILAUTH_ENOMEM;
    if (s->list != NULL) {
        memcpy(*items, s->names, s->nnames * sizeof(**items));
        memcpy(*slots, s->slots, s->nnames * sizeof(**slots));
        *n = s->nnames;
        return MAILAUTH_OK;
    }
    total = s->hdrs.n + 1; /* every kept field once, plus the extra From */
    for (size_t d = 0; d < N_DEFAULT; d++) {
        size_t pos = s->hdrs.n, reps = d == 0 ? 1 : 0, first = k;
        while (mailauth__hdr_index_prev(&s->hdrs, default_names[d], &pos) != NULL)
            reps++;
        for (size_t r = 0; r < reps && k < total; r++) {
            (*items)[k] = default_names[d];
            (*slots)[k++] = first; /* the group's cursor */
        }
    }
    *n = k;
    return MAILAUTH_OK;
}
