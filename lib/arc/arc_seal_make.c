/* ARC sealer, second half: the chain status, the instance, and the three
 * fields of the new set (RFC 8617 §5.1). The AMS and AS are written by the
 * signature formatter of the DKIM signer (dkim/dkim_sign.h); the test
 * suite's layout (arc_seal.h) by plain_sign() below. */
#include <stdio.h>
#include <string.h>

#include "arc/arc_seal.h"
#include "core/ctx_int.h"
#include "crypto/crypto.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/str.h"

/* The default AMS list: the DKIM signer's (From oversigned) plus every
 * DKIM-Signature, which RFC 8617 §4.1.2 says the AMS SHOULD cover. */
static const char *const default_names[] = {
    "from",           "to",           "cc",           "subject",
    "date",           "message-id",   "reply-to",     "in-reply-to",
    "references",     "mime-version", "content-type", "content-transfer-encoding",
    "dkim-signature",
};
#define N_DEFAULT (sizeof(default_names) / sizeof(default_names[0]))

typedef struct tag {
    const char *name;
    const char *value; /* NULL for b= */
} tag_t;

/* ---------------------------------------------------------------- chain status */

/* The arc= of this host's Authentication-Results (the suite's convention). */
static mailauth_status_t
status_from_ar(const mailauth__arc_piece_t *pieces, size_t n, uint32_t sets, mailauth_verdict_t *cv)
{
    const char *word = NULL;
    size_t      wlen = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = NULL;
        size_t      wl = 0;
        if (mailauth__arc_piece_is(&pieces[i], "arc", &w, &wl)) {
            word = w;
            wlen = wl;
            found++;
        }
    }
    if (found == 0) { /* no chain and no word: there is nothing to validate */
        *cv = MAILAUTH_VERDICT_NONE;
        return sets == 0 ? MAILAUTH_OK : MAILAUTH_EINVAL;
    }
    if (found > 1 || mailauth__mem_eq_ci(word, wlen, "fail"))
        *cv = MAILAUTH_VERDICT_FAIL; /* two answers are no answer */
    else if (mailauth__mem_eq_ci(word, wlen, "pass"))
        *cv = MAILAUTH_VERDICT_PASS;
    else if (mailauth__mem_eq_ci(word, wlen, "none"))
        *cv = MAILAUTH_VERDICT_NONE;
    else
        return MAILAUTH_EINVAL;
    return MAILAUTH_OK;
}

/* cv= of the new seal, and whether the AAR must say it (no arc= result of
 * this host to carry it). */
static mailauth_status_t
chain_status(mailauth_arc_sealer_t *s, const mailauth__arc_chain_t *c,
             const mailauth__arc_piece_t *pieces, size_t n, bool *say)
{
    mailauth_status_t st = MAILAUTH_OK;
    *say = true;
    if (s->chain_set) {
        s->cv = s->chain;
    } else if (s->v != NULL) {
        const mailauth_arc_result_t *res = mailauth__arc_result(s->v);
        if (res->reason == MAILAUTH_REASON_ARC_DNS_TEMPFAIL)
            return MAILAUTH_EDNS;
        s->cv = res->verdict;
    } else {
        *say = false;
        st = status_from_ar(pieces, n, c->n, &s->cv);
        if (st != MAILAUTH_OK)
            return st;
    }
    /* §5.1 step 3 and §4.1.3: i=1 says none, later sets pass or fail; and
     * none only without any ARC field: a verifier fails a chain with an
     * unreadable one (§5.2 step 1), so no cv= can be right for it. */
    if ((c->n == 0) != (s->cv == MAILAUTH_VERDICT_NONE) ||
        (s->cv == MAILAUTH_VERDICT_NONE && c->fields > 0))
        return MAILAUTH_EINVAL;
    if (s->cv == MAILAUTH_VERDICT_PASS && c->verdict != MAILAUTH_VERDICT_PASS)
        return MAILAUTH_EINVAL; /* a chain that cannot pass is not sealed as passing */
    for (size_t i = 0; *say && i < n; i++) {
        const char *w = NULL;
        size_t      wl = 0;
        *say = !mailauth__arc_piece_is(&pieces[i], "arc", &w, &wl);
    }
    return MAILAUTH_OK;
}

/* ---------------------------------------------------------------- AAR */

/* RFC 8617 §4.1.1: "ARC-Authentication-Results: i=<n>; <authserv-id>;"
 * and the results, one per line. */
static mailauth_status_t
make_aar(mailauth_arc_sealer_t *s, const mailauth__arc_piece_t *pieces, size_t n, bool say)
{
    mailauth__sb_t   *sb = &s->out[MAILAUTH__SEAL_AAR];
    mailauth_status_t st = MAILAUTH_OK;
    mailauth__sb_reset(sb);
    st = mailauth__sb_printf(sb, "ARC-Authentication-Results: i=%u; %s", (unsigned)s->instance,
                             s->authserv_id);
    if (st == MAILAUTH_OK && say)
        st = mailauth__sb_printf(sb, ";\r\n\tarc=%s", mailauth_verdict_name(s->cv));
    for (size_t i = 0; i < n && st == MAILAUTH_OK; i++) {
        st = mailauth__sb_put(sb, ";\r\n\t", 4);
        if (st == MAILAUTH_OK)
            st = mailauth__sb_put(sb, pieces[i].p, pieces[i].n);
    }
    if (st == MAILAUTH_OK && n == 0 && !say)
        st = mailauth__sb_put(sb, "; none", 6); /* RFC 8601 §2.2 no-result */
    if (st == MAILAUTH_OK && sb->len > mailauth__ctx_limit(s->ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES))
        st = MAILAUTH_ELIMIT;
    return st;
}

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

/* The signature over h's digest, base64, NUL-terminated, ctx allocator. */
static mailauth_status_t
sign_b64(const mailauth_arc_sealer_t *s, mailauth__hash_t *h, char **out)
{
    const mailauth__privkey_t *pk = mailauth__dkim_privkey(s->key);
    uint8_t                    digest[MAILAUTH__HASH_MAX];
    size_t                     slen = mailauth__privkey_sig_len(pk);
    uint8_t                   *sig = mailauth__malloc(&s->ctx->env.al, slen);
    mailauth_status_t          st = sig != NULL ? mailauth__hash_final(h, digest) : MAILAUTH_ENOMEM;
    *out = NULL;
    if (st == MAILAUTH_OK)
        st = mailauth__privkey_sign(pk, MAILAUTH__HASH_SHA256, digest,
                                    mailauth__hash_len(MAILAUTH__HASH_SHA256), sig, &slen);
    if (st == MAILAUTH_OK) {
        *out = mailauth__malloc(&s->ctx->env.al, mailauth__b64_encoded_len(slen) + 1);
        if (*out == NULL)
            st = MAILAUTH_ENOMEM;
        else
            mailauth__b64_encode(sig, slen, *out);
    }
    mailauth__free(&s->ctx->env.al, sig);
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
    mailauth__sb_init(&text, &s->ctx->env.al, 0);
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
    mailauth__free(&s->ctx->env.al, b);
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

/* The h= entries: the caller's list, or the default list expanded by the
 * fields present (From once more than it occurs). Arena memory. */
static mailauth_status_t
ams_names(mailauth_arc_sealer_t *s, const char ***items, size_t *n)
{
    size_t k = 0;
    if (s->names != NULL) {
        *items = s->names;
        *n = s->nnames;
        return MAILAUTH_OK;
    }
    *items = mailauth__arena_calloc(&s->arena, s->hdrs.n + 1, sizeof(**items));
    if (*items == NULL)
        return MAILAUTH_ENOMEM;
    for (size_t d = 0; d < N_DEFAULT; d++) {
        size_t pos = s->hdrs.n, reps = d == 0 ? 1 : 0; /* RFC 6376 §5.4.2 oversigning */
        while (mailauth__hdr_index_prev(&s->hdrs, default_names[d], &pos) != NULL)
            reps++;
        for (size_t r = 0; r < reps && k < s->hdrs.n + 1; r++)
            (*items)[k++] = default_names[d];
    }
    *n = k;
    return MAILAUTH_OK;
}

/* RFC 6376 §5.4.2: each entry takes the next instance of its name from the
 * bottom up; an entry with none left hashes nothing. */
static mailauth_status_t
ams_hash_fields(mailauth_arc_sealer_t *s, mailauth__hash_t *h, const char **items, size_t n)
{
    size_t           *pos = mailauth__calloc(&s->ctx->env.al, n, sizeof(*pos));
    mailauth_status_t st = MAILAUTH_OK;
    if (pos == NULL)
        return MAILAUTH_ENOMEM;
    for (size_t j = 0; j < n; j++)
        pos[j] = s->hdrs.n;
    for (size_t j = 0; j < n && st == MAILAUTH_OK; j++) {
        size_t                 slot = j;
        const mailauth__hdr_t *f = NULL;
        for (size_t k = 0; k < j; k++) {
            if (mailauth__eq_ci(items[k], items[j])) {
                slot = k;
                break;
            }
        }
        f = mailauth__hdr_index_prev(&s->hdrs, items[j], &pos[slot]);
        if (f != NULL)
            st = mailauth__canon_header(h, MAILAUTH__CANON_RELAXED, f->raw, f->len);
    }
    mailauth__free(&s->ctx->env.al, pos);
    return st;
}

/* "a:b:c" for the suite's layout. */
static char *
join_names(mailauth_arc_sealer_t *s, const char **items, size_t n)
{
    mailauth__sb_t    sb;
    char             *out = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    mailauth__sb_init(&sb, &s->ctx->env.al, 0);
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
    mailauth__sigfmt_init(&f, &s->ctx->env.al);
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

/* RFC 8617 §4.1.2: a DKIM signature over the body and the listed fields. */
static mailauth_status_t
make_ams(mailauth_arc_sealer_t *s, const char *inst, const char *t)
{
    const char      **items = NULL;
    size_t            n = 0, len = 0;
    const uint8_t    *bh = mailauth__body_set_digest(s->bs, s->bh_id, &len);
    mailauth__hash_t *h = NULL;
    mailauth_status_t st = ams_names(s, &items, &n);
    if (st == MAILAUTH_OK && (bh == NULL || len != 32))
        st = MAILAUTH_EINTERNAL;
    if (st == MAILAUTH_OK)
        st = mailauth__hash_new(&s->ctx->env.al, MAILAUTH__HASH_SHA256, &h);
    if (st == MAILAUTH_OK)
        st = ams_hash_fields(s, h, items, n);
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
    mailauth__sigfmt_init(&f, &s->ctx->env.al);
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

static mailauth_status_t
make_as(mailauth_arc_sealer_t *s, const mailauth__arc_chain_t *c, const char *inst, const char *t)
{
    mailauth__hash_t *h = NULL;
    mailauth_status_t st = mailauth__hash_new(&s->ctx->env.al, MAILAUTH__HASH_SHA256, &h);
    if (st == MAILAUTH_OK)
        st = as_hash_sets(s, c, h);
    if (st == MAILAUTH_OK)
        st = as_write(s, h, inst, t);
    mailauth__hash_free(h);
    return st;
}

/* ---------------------------------------------------------------- all */

mailauth_status_t
mailauth__arc_seal_make(mailauth_arc_sealer_t *s)
{
    mailauth__arc_chain_t  c;
    mailauth__arc_piece_t *pieces = NULL;
    size_t                 n = 0, pos = s->hdrs.n;
    uint32_t               max = mailauth__ctx_limit(s->ctx, MAILAUTH_LIMIT_ARC_INSTANCES);
    int64_t                now = mailauth__ctx_wall_s(s->ctx);
    char                   inst[16], t[24];
    bool                   say = false;
    mailauth_status_t      st = MAILAUTH_OK;
    s->instance = 0;
    if (s->refused)
        return MAILAUTH_ELIMIT;
    if (mailauth__hdr_index_prev(&s->hdrs, "from", &pos) == NULL)
        return MAILAUTH_EINVAL; /* RFC 6376 §5.4: From is signed, so it must be there */
    st = mailauth__arc_collect(&s->arena, &s->hdrs, max, &c);
    if (st != MAILAUTH_OK)
        return st;
    if (c.newest_cv_fail) { /* §5.1 step 2: the chain already failed, no set */
        s->cv = MAILAUTH_VERDICT_FAIL;
        return MAILAUTH_OK;
    }
    if (c.n >= max) /* §5.1 step 3: the next instance would be past the limit */
        return MAILAUTH_ELIMIT;
    st = mailauth__arc_ar_results(&s->arena, &s->hdrs, s->authserv_id, &pieces, &n);
    if (st == MAILAUTH_OK)
        st = chain_status(s, &c, pieces, n, &say);
    if (st != MAILAUTH_OK)
        return st;
    s->instance = c.n + 1;
    (void)snprintf(inst, sizeof(inst), "%u", (unsigned)s->instance);
    (void)snprintf(t, sizeof(t), "%lld", (long long)(now > 0 ? now : 0));
    /* §5.1 step 4: AAR, then AMS, then AS (which covers the other two). */
    st = make_aar(s, pieces, n, say);
    if (st == MAILAUTH_OK)
        st = make_ams(s, inst, t);
    if (st == MAILAUTH_OK)
        st = make_as(s, &c, inst, t);
    if (st != MAILAUTH_OK)
        s->instance = 0;
    return st;
}
