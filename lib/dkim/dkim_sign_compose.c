/* Composing a DKIM-Signature (RFC 6376 §5.4-§5.6, §3.7): the h= entries
 * picked from the kept fields, the tags written in order, the signed
 * fields and the field itself hashed, the digest signed. */
#include <mailauth/sign.h>

#include <string.h>

#include "canon/canon.h"
#include "crypto/crypto.h"
#include "dkim/dkim_sign.h"
#include "dkim/dkim_verify.h"
#include "util/alloc.h"

static mailauth__canon_t
header_canon(const mailauth_dkim_signer_t *s)
{
    return s->c_header == MAILAUTH_CANON_SIMPLE ? MAILAUTH__CANON_SIMPLE : MAILAUTH__CANON_RELAXED;
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

mailauth_status_t
mailauth__dkim_sign_compose(mailauth_dkim_signer_t *s)
{
    const char      **items = NULL;
    size_t            n = 0;
    mailauth__hash_t *h = NULL;
    int64_t           now = mailauth__env_wall_s(s->env);
    mailauth_status_t st = mailauth__hlist_make(&s->hl, &s->arena, s->picks, &items, &n);
    if (st == MAILAUTH_OK)
        st = write_tags(s, now > 0 ? (uint64_t)now : 0u, items, n);
    if (st == MAILAUTH_OK)
        st = mailauth__hash_new_kit(&s->env->al, s->env->hashes, MAILAUTH__HASH_SHA256, &h);
    /* RFC 6376 §5.4.2: each entry takes the next instance of its name from
     * the bottom up; an entry with no instance left hashes nothing. */
    if (st == MAILAUTH_OK)
        st = mailauth__dkim_hash_fields(h, header_canon(s), s->picks, items, n);
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_sign(&s->fmt, h, header_canon(s), MAILAUTH__HASH_SHA256,
                                   mailauth__dkim_privkey(s->key));
    mailauth__hash_free(h);
    return st;
}
