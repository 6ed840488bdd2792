/* The two signatures of a new ARC set (RFC 8617 §4.1.2, §4.1.3, §5.1.1):
 * the ARC-Message-Signature, a DKIM signature over the body and the h=
 * fields (the DKIM signer's h= list and picker), and the ARC-Seal over
 * the sets. Both are written by the DKIM signature formatter
 * (dkim/dkim_sign.h), or in the test suite's layout by plain_sign(). */
#include <string.h>

#include "arc/arc_seal.h"
#include "crypto/crypto.h"
#include "dkim/dkim_verify.h"
#include "util/alloc.h"
#include "util/base64.h"

typedef struct tag {
    const char *name;
    const char *value; /* NULL for b= */
} tag_t;

/* ---------------------------------------------------------------- signing helpers */

static bool
is_ed25519(const mailauth_arc_sealer_t *s)
{
    return mailauth_key_type(s->key) == MAILAUTH_KEY_ED25519;
}

static const char *
alg_name(const mailauth_arc_sealer_t *s)
{
    return is_ed25519(s) ? "ed25519-sha256" : "rsa-sha256"; /* RFC 8463 §3; RFC 8301 */
}

/* The signature over h's digest, base64, NUL-terminated, from the allocator. */
static mailauth_status_t
sign_b64(const mailauth_arc_sealer_t *s, mailauth__hash_t *h, char **out)
{
    const mailauth__privkey_t *pk = mailauth__dkim_privkey(s->key);
    uint8_t                    digest[MAILAUTH__HASH_MAX];
    size_t                     slen = mailauth__privkey_sig_len(pk);
    uint8_t                   *sig = mailauth__malloc(&s->env->al, slen);
    mailauth_status_t          st = sig != NULL ? mailauth__hash_final(h, digest) : MAILAUTH_ENOMEM;
    *out = NULL;
    if (st == MAILAUTH_OK)
        st = mailauth__privkey_sign(pk, MAILAUTH__HASH_SHA256, digest,
                                    mailauth__hash_len(MAILAUTH__HASH_SHA256), sig, &slen);
    if (st == MAILAUTH_OK) {
        *out = mailauth__malloc(&s->env->al, mailauth__b64_encoded_len(slen) + 1);
        if (*out == NULL)
            st = MAILAUTH_ENOMEM;
        else
            mailauth__b64_encode(sig, slen, *out);
    }
    mailauth__free(&s->env->al, sig);
    return st;
}

/* The suite's layout: "Name: t1=v1; b=<sig>; t3=v3" with the tags as
 * given (alphabetical), unfolded; the field is hashed (relaxed, b= empty,
 * no CRLF: RFC 6376 §3.7) into h, signed, and the signature put in place. */
static mailauth_status_t
plain_sign(mailauth_arc_sealer_t *s, mailauth__sb_t *out, const char *name, const tag_t *tags,
           size_t n, mailauth__hash_t *h)
{
    mailauth__sb_t    text;
    size_t            b_off = 0;
    char             *b = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    mailauth__sb_init(&text, &s->env->al, 0);
    st = mailauth__sb_printf(&text, "%s: ", name);
    for (size_t i = 0; i < n && st == MAILAUTH_OK; i++) {
        st = mailauth__sb_printf(&text, "%s%s=%s", i > 0 ? "; " : "", tags[i].name,
                                 tags[i].value != NULL ? tags[i].value : "");
        if (tags[i].value == NULL)
            b_off = text.len;
    }
    if (st == MAILAUTH_OK)
        st = mailauth__canon_header_sig(h, MAILAUTH__CANON_RELAXED, text.p, text.len, b_off, 0);
    if (st == MAILAUTH_OK)
        st = sign_b64(s, h, &b);
    mailauth__sb_reset(out);
    if (st == MAILAUTH_OK)
        st = mailauth__sb_put(out, text.p, b_off);
    if (st == MAILAUTH_OK)
        st = mailauth__sb_puts(out, b);
    if (st == MAILAUTH_OK)
        st = mailauth__sb_put(out, text.p + b_off, text.len - b_off);
    mailauth__free(&s->env->al, b);
    mailauth__sb_clear(&text);
    return st;
}

/* The formatter's field, copied to out. */
static mailauth_status_t
keep_fmt(const mailauth__sigfmt_t *f, mailauth__sb_t *out)
{
    size_t      len = 0;
    const char *p = mailauth__sigfmt_text(f, &len);
    mailauth__sb_reset(out);
    return mailauth__sb_put(out, p, len);
}

/* ---------------------------------------------------------------- AMS */

/* "a:b:c" for the suite's layout. */
static char *
join_names(mailauth_arc_sealer_t *s, const char **items, size_t n)
{
    mailauth__sb_t    sb;
    char             *out = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    mailauth__sb_init(&sb, &s->env->al, 0);
    for (size_t j = 0; j < n && st == MAILAUTH_OK; j++)
        st = mailauth__sb_printf(&sb, "%s%s", j > 0 ? ":" : "", items[j]);
    if (st == MAILAUTH_OK)
        out = mailauth__arena_strndup(&s->arena, mailauth__sb_str(&sb), sb.len);
    mailauth__sb_clear(&sb);
    return out;
}

static mailauth_status_t
ams_write(mailauth_arc_sealer_t *s, mailauth__hash_t *h, const char **items, size_t n,
          const uint8_t *bh, const char *inst, const char *t)
{
    mailauth__sigfmt_t f;
    mailauth_status_t  st = MAILAUTH_OK;
    if (s->suite) {
        char  bhs[64];
        char *list = join_names(s, items, n);
        tag_t tags[] = {{"a", alg_name(s)},
                        {"b", NULL},
                        {"bh", bhs},
                        {"c", "relaxed/relaxed"},
                        {"d", s->domain},
                        {"h", list},
                        {"i", inst},
                        {"s", s->selector},
                        {"t", t}};
        if (list == NULL)
            return MAILAUTH_ENOMEM;
        mailauth__b64_encode(bh, 32, bhs);
        return plain_sign(s, &s->out[MAILAUTH__SEAL_AMS], "ARC-Message-Signature", tags,
                          sizeof(tags) / sizeof(tags[0]), h);
    }
    mailauth__sigfmt_init(&f, &s->env->al);
    st = mailauth__sigfmt_begin(&f, "ARC-Message-Signature");
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "i", inst, strlen(inst));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "a", alg_name(s), strlen(alg_name(s)));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "c", "relaxed/relaxed", 15);
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "d", s->domain, strlen(s->domain));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "s", s->selector, strlen(s->selector));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "t", t, strlen(t));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag_list(&f, "h", items, n);
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag_b64(&f, "bh", bh, 32);
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_sign(&f, h, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256,
                                   mailauth__dkim_privkey(s->key));
    if (st == MAILAUTH_OK)
        st = keep_fmt(&f, &s->out[MAILAUTH__SEAL_AMS]);
    mailauth__sigfmt_clear(&f);
    return st;
}

mailauth_status_t
mailauth__arc_seal_ams(mailauth_arc_sealer_t *s, const char *inst, const char *t)
{
    const char          **items = NULL;
    size_t                n = 0, len = 0;
    const uint8_t        *bh = mailauth__body_set_digest(s->bs, s->bh_id, &len);
    mailauth__hdr_pick_t *picks = NULL;
    mailauth__hash_t     *h = NULL;
    mailauth_status_t     st = bh != NULL && len == 32 ? MAILAUTH_OK : MAILAUTH_EINTERNAL;
    if (st == MAILAUTH_OK)
        st = mailauth__hdr_pick_new(&s->arena, mailauth__intake_fields(&s->in), &picks);
    if (st == MAILAUTH_OK) /* refused names left out, as the DKIM signer does */
        st = mailauth__hlist_make(&s->hl, &s->arena, picks, &items, &n);
    if (st == MAILAUTH_OK)
        st = mailauth__hash_new_kit(&s->env->al, s->env->hashes, MAILAUTH__HASH_SHA256, &h);
    if (st == MAILAUTH_OK)
        st = mailauth__dkim_hash_fields(h, MAILAUTH__CANON_RELAXED, picks, items, n);
    if (st == MAILAUTH_OK)
        st = ams_write(s, h, items, n, bh, inst, t);
    mailauth__hash_free(h);
    return st;
}

/* ---------------------------------------------------------------- AS */

/* RFC 8617 §5.1.1: the sets 1..i in order, AAR, AMS, AS each, relaxed; for
 * a failed chain only the new set (§5.1.2). The new AS itself is hashed by
 * the writer. */
static mailauth_status_t
as_hash_sets(mailauth_arc_sealer_t *s, const mailauth__arc_chain_t *c, mailauth__hash_t *h)
{
    mailauth_status_t st = MAILAUTH_OK;
    for (uint32_t j = 1; s->cv != MAILAUTH_VERDICT_FAIL && j <= c->n && st == MAILAUTH_OK; j++) {
        const mailauth__arc_set_t *set = &c->sets[j - 1];
        st = mailauth__canon_header(h, MAILAUTH__CANON_RELAXED, set->aar->raw, set->aar->len);
        if (st == MAILAUTH_OK)
            st = mailauth__canon_header(h, MAILAUTH__CANON_RELAXED, set->ams->raw, set->ams->len);
        if (st == MAILAUTH_OK)
            st = mailauth__canon_header(h, MAILAUTH__CANON_RELAXED, set->as->raw, set->as->len);
    }
    for (int k = MAILAUTH__SEAL_AAR; k <= MAILAUTH__SEAL_AMS && st == MAILAUTH_OK; k++)
        st = mailauth__canon_header(h, MAILAUTH__CANON_RELAXED, mailauth__sb_str(&s->out[k]),
                                    s->out[k].len);
    return st;
}

static mailauth_status_t
as_write(mailauth_arc_sealer_t *s, mailauth__hash_t *h, const char *inst, const char *t)
{
    const char        *cv = mailauth_verdict_name(s->cv);
    mailauth__sigfmt_t f;
    mailauth_status_t  st = MAILAUTH_OK;
    if (s->suite) {
        tag_t tags[] = {{"a", alg_name(s)}, {"b", NULL},        {"cv", cv}, {"d", s->domain},
                        {"i", inst},        {"s", s->selector}, {"t", t}};
        return plain_sign(s, &s->out[MAILAUTH__SEAL_AS], "ARC-Seal", tags,
                          sizeof(tags) / sizeof(tags[0]), h);
    }
    mailauth__sigfmt_init(&f, &s->env->al);
    st = mailauth__sigfmt_begin(&f, "ARC-Seal");
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "i", inst, strlen(inst));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "a", alg_name(s), strlen(alg_name(s)));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "t", t, strlen(t));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "cv", cv, strlen(cv));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "d", s->domain, strlen(s->domain));
    if (st == MAILAUTH_OK)
        st = mailauth__sigfmt_tag(&f, "s", s->selector, strlen(s->selector));
    if (st == MAILAUTH_OK) /* §4.1.3 / §5.1.1: relaxed, no h=, no bh= */
        st = mailauth__sigfmt_sign(&f, h, MAILAUTH__CANON_RELAXED, MAILAUTH__HASH_SHA256,
                                   mailauth__dkim_privkey(s->key));
    if (st == MAILAUTH_OK)
        st = keep_fmt(&f, &s->out[MAILAUTH__SEAL_AS]);
    mailauth__sigfmt_clear(&f);
    return st;
}

mailauth_status_t
mailauth__arc_seal_as(mailauth_arc_sealer_t *s, const mailauth__arc_chain_t *c, const char *inst,
                      const char *t)
{
    mailauth__hash_t *h = NULL;
    mailauth_status_t st =
        mailauth__hash_new_kit(&s->env->al, s->env->hashes, MAILAUTH__HASH_SHA256, &h);
    if (st == MAILAUTH_OK)
        st = as_hash_sets(s, c, h);
    if (st == MAILAUTH_OK)
        st = as_write(s, h, inst, t);
    mailauth__hash_free(h);
    return st;
}
