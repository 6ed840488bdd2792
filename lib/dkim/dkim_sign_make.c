/* DKIM signer, second half: hashing the signed header fields, writing the
 * DKIM-Signature field and signing it (RFC 6376 §5.4-§5.6, §3.7). */
#include <mailauth/sign.h>

#include <string.h>

#include "canon/canon.h"
#include "core/ctx_int.h"
#include "crypto/crypto.h"
#include "dkim/dkim_sign.h"
#include "msg/msg.h"
#include "util/alloc.h"
#include "util/buf.h"

/* RFC 6376 §5.4.2: each h= entry takes the next instance of its name from
 * the bottom up; an entry with no instance left hashes nothing (§5.4). */
static mailauth_status_t
hash_headers(const mailauth_dkim_signer_t *s, mailauth__hash_t *h, const char *const *items,
             const size_t *slots, size_t n)
{
    mailauth__canon_t ch =
        s->c_header == MAILAUTH_CANON_SIMPLE ? MAILAUTH__CANON_SIMPLE : MAILAUTH__CANON_RELAXED;
    size_t           *pos = mailauth__calloc(&s->ctx->env.al, n, sizeof(*pos));
    mailauth_status_t st = MAILAUTH_OK;
    if (pos == NULL)
        return MAILAUTH_ENOMEM;
    for (size_t j = 0; j < n; j++)
        pos[j] = s->hdrs.n;
    for (size_t j = 0; j < n && st == MAILAUTH_OK; j++) {
        const mailauth__hdr_t *f = mailauth__hdr_index_prev(&s->hdrs, items[j], &pos[slots[j]]);
        if (f != NULL)
            st = mailauth__canon_header(h, ch, f->raw, f->len);
    }
    mailauth__free(&s->ctx->env.al, pos);
    return st;
}

/* The tags before b=, in the order of the field's documentation. */
static mailauth_status_t
write_tags(mailauth_dkim_signer_t *s, uint64_t t, const char *const *items, size_t n)
{
    static const char *const c_tags[2][2] = {
        {"simple/simple", "simple/relaxed"},
        {"relaxed/simple", "relaxed/relaxed"},
    };
    mailauth__sigfmt_t *f = &s->fmt;
    bool                ed = mailauth_key_type(s->key) == MAILAUTH_KEY_ED25519;
    const char         *c =
        c_tags[s->c_header == MAILAUTH_CANON_RELAXED][s->c_body == MAILAUTH_CANON_RELAXED];
    size_t            clen = strlen(c);
    mailauth_status_t st = mailauth__sigfmt_begin(f, "DKIM-Signature");
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(f, "v", "1", 1);
    if (st == MAILAUTH_OK) /* RFC 8463 §3; RFC 8301 §3.1: never rsa-sha1 */
        st = ed ? mailauth__sigfmt_tag(f, "a", "ed25519-sha256", 14)
                : mailauth__sigfmt_tag(f, "a", "rsa-sha256", 10);
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(f, "c", c, clen);
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(f, "d", s->domain, strlen(s->domain));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(f, "s", s->selector, strlen(s->selector));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag_u64(f, "t", t);
    if (st == MAILAUTH_OK && s->expiry != 0)
        st = mailauth__sigfmt_tag_u64(f, "x", t + s->expiry);
    if (st == MAILAUTH_OK && s->auid != NULL)
        st = mailauth__sigfmt_tag(f, "i", s->auid, strlen(s->auid));
    if (st == MAILAUTH_OK && s->body_length)
        st = mailauth__sigfmt_tag_u64(f, "l", s->body_len);
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag_list(f, "h", items, n);
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag_b64(f, "bh", s->bh, mailauth__hash_len(MAILAUTH__HASH_SHA256));
    return st;
}

/* Format, hash and sign (RFC 6376 §5.5, §3.7). */
static mailauth_status_t
compose(mailauth_dkim_signer_t *s)
{
    const mailauth_allocator_t *al = &s->ctx->env.al;
    const char                **items = NULL;
    size_t                     *slots = NULL, n = 0;
    mailauth__hash_t           *h = NULL;
    int64_t                     now = mailauth__ctx_wall_s(s->ctx);
    mailauth_status_t           st = mailauth__dkim_signer_h(s, &items, &slots, &n);
    if (st == MAILAUTH_OK)
        st = write_tags(s, now > 0 ? (uint64_t)now : 0u, items, n);
    if (st == MAILAUTH_OK)
        st = mailauth__hash_new(al, MAILAUTH__HASH_SHA256, &h);
    if (st == MAILAUTH_OK)
        st = hash_headers(s, h, items, slots, n);
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_sign(&s->fmt, h,
                                   s->c_header == MAILAUTH_CANON_SIMPLE ? MAILAUTH__CANON_SIMPLE
                                                                        : MAILAUTH__CANON_RELAXED,
                                   MAILAUTH__HASH_SHA256, mailauth__dkim_privkey(s->key));
    mailauth__hash_free(h);
    mailauth__free(al, items);
    mailauth__free(al, slots);
    return st;
}

mailauth_status_t
mailauth_dkim_signer_end_message(mailauth_dkim_signer_t *s)
{
    size_t            pos = 0;
    mailauth_status_t st = MAILAUTH_OK;
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SIGNER_BODY)
        return MAILAUTH_ESTATE;
    if (s->refused_signed)
        return MAILAUTH_ELIMIT;
    pos = s->hdrs.n;
    if (mailauth__hdr_index_prev(&s->hdrs, "from", &pos) == NULL)
        return MAILAUTH_EINVAL; /* RFC 6376 §5.4: From is signed, so it must be there */
    if (!s->bh_done) {          /* kept, so that a retry after ENOMEM needs no body */
        st = mailauth__body_canon_end(s->body, s->bh, &s->body_len);
        if (st != MAILAUTH_OK)
            return st;
        s->bh_done = true;
        mailauth__body_canon_free(s->body);
        s->body = NULL;
    }
    st = compose(s);
    if (st == MAILAUTH_OK)
        s->phase = MAILAUTH__SIGNER_DONE;
    return st;
}

mailauth_status_t
mailauth_dkim_signer_result(const mailauth_dkim_signer_t *s, char *buf, size_t cap, size_t *need)
{
    size_t      len = 0;
    const char *text = NULL;
    if (need != NULL)
        *need = 0;
    if (s == NULL || (buf == NULL && cap != 0))
        return MAILAUTH_EINVAL;
    if (s->phase != MAILAUTH__SIGNER_DONE)
        return MAILAUTH_ESTATE;
    text = mailauth__sigfmt_text(&s->fmt, &len);
    return mailauth__copy_out(text, len, buf, cap, need);
}
