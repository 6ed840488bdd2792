/* DKIM verification of one message (RFC 6376 §6; RFC 8301; RFC 8463).
 *
 * Verdicts, RFC 8601 §2.7.1 words for RFC 6376's outcomes:
 *   permerror  the signature field or the key cannot be used, and asking
 *              again will not change that: RFC 6376 §6.1.1 and §6.1.2
 *              "ignore ... and return PERMFAIL" (syntax, expired or future
 *              timestamps, rsa-sha1 refused, no key, bad or revoked key,
 *              key that does not fit the signature);
 *   fail       the signature was usable but the message does not match it
 *              (§6.1.3: body hash, signature, l= beyond the body);
 *   policy     the signature verifies or could, but this receiver's policy
 *              refuses it (RSA key size, RFC 8301 §3.2; unsigned body bytes);
 *   temperror  the key could not be fetched now (§6.1.2 TEMPFAIL);
 *   neutral    not verified at all (over the signature limit).
 */
#include "dkim/dkim_verify.h"

#include <string.h>

#include "dkim/dkim_keyq.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/str.h"

typedef enum sig_state {
    SIG_NEW = 0, /* being prepared at end of headers */
    SIG_KEY,     /* waiting for the key */
    SIG_READY,   /* key accepted and held; waiting for the body hash */
    SIG_DONE,    /* verdict final */
} sig_state_t;

/* A signature while the body streams: its view (the strings are copies
 * in the verifier's arena), what the checks at the end of the body need,
 * the key lookup. The parse itself (h= names, tag values) is gone with
 * the scratch arena at the end of the header section. */
typedef struct vsig {
    mailauth_dkim_result_t res;
    const mailauth__hdr_t *field; /* during start() only */
    mailauth__keyq_t       key;   /* the key lookup (shared with ARC, dkim_keyq.c) */
    size_t                 body_id;
    uint64_t               l; /* l=, when has_l */
    sig_state_t            state;
    mailauth__hash_alg_t   hash;
    mailauth__key_type_t   key_type;
    bool                   has_l;
    bool                   refused; /* a field h= names was refused by a header limit */
    uint8_t                bh_len;  /* bytes of bh=; longer than any digest: 0xff */
    uint8_t                bh[MAILAUTH__HASH_MAX];
    uint8_t                hdigest[MAILAUTH__HASH_MAX];
} vsig_t;

struct mailauth__dkim_verify {
    const mailauth__env_t       *env;
    mailauth__arena_t           *arena;
    mailauth__dnsc_t            *dns;
    const mailauth__hdr_index_t *hdrs;
    mailauth__body_use_t         body;    /* owned; shared with ARC on request */
    mailauth__hdr_pick_t        *picks;   /* built for the first usable signature */
    mailauth__arena_t           *scratch; /* the parse of the fields, during start() only */
    vsig_t                      *v;
    size_t                       n;
    uint64_t                     body_ids; /* bit set of the body hashers asked for */
};

static const char sig_name[] = "DKIM-Signature";

static void
decide(vsig_t *s, mailauth_verdict_t verdict, mailauth_reason_t reason, const char *problem)
{
    s->res.verdict = verdict;
    s->res.reason = reason;
    s->res.problem = problem;
    s->state = SIG_DONE;
}

/* ---------------------------------------------------------------- key */

/* The domain of i= ("[local-part] @ domain", §3.5): after its last '@'. */
static const char *
auid_domain(const char *auid)
{
    const char *at = strrchr(auid, '@');
    return at != NULL ? at + 1 : auid;
}

/* RFC 8601 §2.7.1 word for a key that cannot be used. */
static mailauth_verdict_t
key_verdict(const mailauth__keyq_t *k, mailauth_reason_t reason)
{
    if (k->temp) /* §6.1.2 step 2: TEMPFAIL (key unavailable) */
        return MAILAUTH_VERDICT_TEMPERROR;
    /* RFC 8301 §3.2 and the configured bounds: the receiver's policy, not a broken key. */
    if (reason == MAILAUTH_REASON_DKIM_KEY_TOO_SMALL ||
        reason == MAILAUTH_REASON_DKIM_KEY_TOO_LARGE)
        return MAILAUTH_VERDICT_POLICY;
    /* §6.1.2 steps 3-8 are PERMFAIL. Step 7 (empty p=) says "treat this as a
     * failed signature check", but also that "there is no defined semantic
     * difference between a key that has been revoked and a key record that
     * has been removed": so revoked is permerror, like no key (step 3). */
    return MAILAUTH_VERDICT_PERMERROR;
}

static mailauth_status_t finish_sig(mailauth__dkim_verify_t *v, vsig_t *s);

/* The lookup is done: check the key against the signature (§3.6.1), then
 * wait for the body hash. The signature over the header hash is verified
 * only once the body hash matches (§6.1.3 compares the body hash first): a
 * body a mailing list changed fails without the public-key operation. */
static mailauth_status_t
key_check(mailauth__dkim_verify_t *v, vsig_t *s)
{
    const mailauth__keyq_t *k = &s->key;
    const char             *problem = k->problem;
    mailauth_reason_t       reason = k->reason;
    s->res.key_bits = k->held ? k->key.bits : 0;
    s->res.testing = k->held && k->key.testing;
    if (reason == MAILAUTH_REASON_NONE)
        reason = mailauth__key_fits(v->env, &k->key, s->key_type, s->hash, &problem);
    /* §3.6.1 t=s: the i= domain must be d= itself, not a subdomain. */
    if (reason == MAILAUTH_REASON_NONE && k->key.strict &&
        !mailauth__eq_ci(auid_domain(s->res.auid), s->res.domain)) {
        reason = MAILAUTH_REASON_DKIM_KEY_STRICT;
        problem = "key t=s and the i= domain is not d=";
    }
    if (reason != MAILAUTH_REASON_NONE) {
        decide(s, key_verdict(k, reason), reason, problem != NULL ? problem : "key unusable");
        return MAILAUTH_OK;
    }
    s->state = SIG_READY;
    return v->body.ended ? finish_sig(v, s) : MAILAUTH_OK;
}

/* A key that cannot be used is let go at once; a usable one is held until
 * the signature is checked at the end of the body (a reference to the key
 * cache's key, shared with the other messages signed with it). */
static mailauth_status_t
key_ready(mailauth__dkim_verify_t *v, vsig_t *s)
{
    mailauth_status_t st = key_check(v, s);
    if (s->state != SIG_READY)
        mailauth__keyq_clear(&s->key);
    return st;
}

/* All keys are asked at once, at end of headers (the key cache may answer now). */
static mailauth_status_t
ask_key(mailauth__dkim_verify_t *v, vsig_t *s)
{
    mailauth_status_t st =
        mailauth__keyq_ask(&s->key, v->arena, v->env, v->dns, s->res.selector, s->res.domain);
    if (st != MAILAUTH_OK)
        return st;
    s->state = SIG_KEY;
    return s->key.done ? key_ready(v, s) : MAILAUTH_OK;
}

/* ---------------------------------------------------------------- signature */

/* §6.1.1 checks that need the clock or the configuration (the parser did the rest). */
static bool
sig_acceptable(const mailauth__dkim_verify_t *v, vsig_t *s, const mailauth__sig_t *g)
{
    int64_t now = mailauth__env_wall_s(v->env);
    int64_t skew = (int64_t)mailauth__env_limit(v->env, MAILAUTH_LIMIT_DKIM_CLOCK_SKEW_S);
    /* RFC 8301 §3.1: rsa-sha1 must not be used for verifying; the field is
     * unusable as a whole, like a syntax error (a flag can allow it). */
    if (g->alg == MAILAUTH__ALG_RSA_SHA1 &&
        !mailauth__env_flag(v->env, MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1)) {
        decide(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_DKIM_SHA1,
               "rsa-sha1 is not accepted (RFC 8301)");
        return false;
    }
    /* §6.1.1: "Verifiers MAY ignore the DKIM-Signature header field and return
     * PERMFAIL (signature expired)"; §3.5 x= lets receivers allow for clock
     * drift, which the skew limit is. */
    if (g->has_x && now > g->x && now - g->x > skew) {
        decide(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_DKIM_EXPIRED, "signature expired");
        return false;
    }
    /* A t= in the future cannot be right beyond the drift: §6.1.1 lets the
     * verifier return PERMFAIL (unacceptable signature header) for it. */
    if (g->has_t && g->t > now && g->t - now > skew) {
        decide(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_DKIM_FUTURE,
               "signature timestamp in the future");
        return false;
    }
    return true;
}

/* The public view takes what the field said, usable or not. */
static void
fill_view(vsig_t *s, const mailauth__sig_t *g)
{
    s->res.domain = g->d;
    s->res.selector = g->s;
    s->res.auid = g->i;
    s->res.algorithm = g->a;
    s->res.signature = g->b_text;
    s->res.timestamp = g->has_t ? g->t : -1;
    s->res.expiry = g->has_x ? g->x : -1;
    s->res.body_length = g->has_l && g->l <= (uint64_t)INT64_MAX ? (int64_t)g->l : -1;
}

/* Register the body hash (deduplicated by the body set) of a usable signature. */
static mailauth_status_t
want_body(mailauth__dkim_verify_t *v, vsig_t *s, const mailauth__sig_t *g)
{
    uint64_t          limit = g->has_l ? g->l : MAILAUTH__BODY_NO_LIMIT;
    mailauth_status_t st =
        mailauth__body_use_want(&v->body, g->c_body, g->hash, limit, &s->body_id);
    if (st == MAILAUTH_ELIMIT) {
        decide(s, MAILAUTH_VERDICT_NEUTRAL, MAILAUTH_REASON_DKIM_TOO_MANY,
               "not verified: too many distinct body hashes");
        return MAILAUTH_OK;
    }
    if (st == MAILAUTH_OK && s->body_id < 64)
        v->body_ids |= (uint64_t)1 << s->body_id;
    return st;
}

/* RFC 8601 §2.7.1 word for a field the parser refused (RFC 6376 §6.1.1
 * PERMFAIL, all of them). A field that cannot be read (bad tag-list, a
 * required tag missing, a value out of its syntax) or that names a version,
 * algorithm or query method this verifier does not know is one whose
 * "signature or signatures contained syntax errors or were not otherwise
 * able to be processed": neutral, as if unsigned. A field that reads well
 * but breaks a rule of §6.1.1 (From not in h=, i= outside d=) is a
 * signature that can never verify: permerror. docs/errors.md says why. */
static mailauth_verdict_t
field_verdict(mailauth_reason_t reason)
{
    if (reason == MAILAUTH_REASON_DKIM_FROM_NOT_SIGNED ||
        reason == MAILAUTH_REASON_DKIM_AUID_MISMATCH)
        return MAILAUTH_VERDICT_PERMERROR;
    return MAILAUTH_VERDICT_NEUTRAL;
}

/* A field the signature covers (h=) may have been refused by a header
 * limit: then a signature that does not verify may only miss that field. */
static bool
signed_field_refused(const mailauth__dkim_verify_t *v, const mailauth__sig_t *g)
{
    for (size_t k = 0; k < g->h_count; k++) {
        if (mailauth__hdr_index_may_be_refused(v->hdrs, g->h[k]))
            return true;
    }
    return false;
}

/* The parse of a field lives in the scratch arena, cleared when start()
 * returns: what the verdict, the A-R entry and the checks at the end of
 * the body read is copied into the verifier's arena (the h= names are
 * not: only whether one of them was refused is kept). */
static bool
keep_str(mailauth__arena_t *a, const char **p)
{
    if (*p == NULL)
        return true;
    *p = mailauth__arena_strdup(a, *p);
    return *p != NULL;
}

/* The strings of the view, and what the end of the body needs. */
static mailauth_status_t
keep_sig(mailauth__dkim_verify_t *v, vsig_t *s, mailauth__sig_t *g)
{
    if (!keep_str(v->arena, &g->a) || !keep_str(v->arena, &g->b_text) ||
        !keep_str(v->arena, &g->d) || !keep_str(v->arena, &g->s) || !keep_str(v->arena, &g->i))
        return MAILAUTH_ENOMEM;
    s->hash = g->hash;
    s->key_type = g->key_type;
    s->has_l = g->has_l;
    s->l = g->l;
    /* A bh= of another length than the digest's can never match. */
    s->bh_len = g->bh_len <= sizeof(s->bh) ? (uint8_t)g->bh_len : UINT8_MAX;
    if (g->bh != NULL && g->bh_len <= sizeof(s->bh))
        memcpy(s->bh, g->bh, g->bh_len);
    return MAILAUTH_OK;
}

static mailauth_status_t
prepare(mailauth__dkim_verify_t *v, vsig_t *s)
{
    mailauth__sig_t     g;
    mailauth__sig_err_t err = {MAILAUTH_REASON_NONE, NULL};
    mailauth_status_t   st = mailauth__sig_parse(v->scratch, MAILAUTH__SIG_DKIM, s->field->value,
                                                 s->field->value_len, &g, &err);
    if (st == MAILAUTH_OK)
        st = keep_sig(v, s, &g);
    if (st != MAILAUTH_OK)
        return st;
    fill_view(s, &g);
    if (err.reason != MAILAUTH_REASON_NONE) {
        decide(s, field_verdict(err.reason), err.reason,
               err.what != NULL ? err.what : "signature field malformed");
        return MAILAUTH_OK;
    }
    if (!sig_acceptable(v, s, &g))
        return MAILAUTH_OK;
    st = want_body(v, s, &g);
    if (st != MAILAUTH_OK || s->state == SIG_DONE)
        return st;
    if (v->picks == NULL) {
        st = mailauth__hdr_pick_new(v->hdrs->arena, v->hdrs, &v->picks); /* gone with the fields */
        if (st != MAILAUTH_OK)
            return st;
    }
    st = mailauth__dkim_header_digest(v->env, v->picks, &g, s->field, s->hdigest);
    if (st != MAILAUTH_OK)
        return st;
    s->refused = signed_field_refused(v, &g);
    return ask_key(v, s);
}

/* A signature of an RSA key of up to 8192 bits decodes on the stack. */
#define B_STACK 1040

/* The signature over the header hash (b=, decoded again from its text:
 * the parser found it valid base64). MAILAUTH_OK, MAILAUTH_ECRYPTO (does
 * not verify), MAILAUTH_ENOMEM, MAILAUTH_EINVAL. */
static mailauth_status_t
check_b(const mailauth__dkim_verify_t *v, const vsig_t *s)
{
    uint8_t           stack[B_STACK];
    size_t            tlen = strlen(s->res.signature), blen = 0;
    size_t            need = mailauth__b64_decoded_max(tlen) + 1;
    uint8_t          *b = need <= sizeof(stack) ? stack : mailauth__malloc(&v->env->al, need);
    mailauth_status_t st = MAILAUTH_OK;
    if (b == NULL)
        return MAILAUTH_ENOMEM;
    if (mailauth__b64_decode(s->res.signature, tlen, b, &blen) == MAILAUTH_OK)
        st = mailauth__pubkey_verify(s->key.key.pub, s->hash, s->hdigest,
                                     mailauth__hash_len(s->hash), b, blen);
    else
        st = MAILAUTH_ECRYPTO; /* cannot happen: the parser decoded it */
    if (b != stack)
        mailauth__free(&v->env->al, b);
    return st;
}

/* §6.1.3 once both the key and the body hash are known: the body hash
 * first, the signature over the header hash only when it matches. */
static mailauth_status_t
verdict_sig(mailauth__dkim_verify_t *v, vsig_t *s)
{
    mailauth_status_t st = MAILAUTH_OK;
    size_t            len = 0;
    const uint8_t    *bh = mailauth__body_set_digest(v->body.bs, s->body_id, &len);
    uint64_t          canon = mailauth__body_set_canon_len(v->body.bs, s->body_id);
    /* §3.5 l=: "This value MUST NOT be larger than the actual number of
     * octets in the canonicalized message body": the body the signature
     * covered is not all here, so the message does not match it. */
    if (s->has_l && s->l > canon) {
        decide(s, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_DKIM_BODY_LENGTH,
               "l= is longer than the body");
        return MAILAUTH_OK;
    }
    if (s->has_l)
        s->res.unsigned_bytes = canon - s->l;
    if (bh == NULL || len != s->bh_len || memcmp(bh, s->bh, len) != 0) {
        decide(s, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_DKIM_BODY_HASH, "body hash mismatch");
        return MAILAUTH_OK;
    }
    if (s->refused) {
        /* The refused instance may be the one §5.4.2 picks (it may stand
         * below the kept ones): neither pass nor fail can be told. RFC 8601
         * §2.7.1 permerror: a field it needs is absent here. */
        decide(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_LIMIT_FIELD,
               "not verified: a signed header field was refused by a limit");
        return MAILAUTH_OK;
    }
    st = check_b(v, s);
    if (st == MAILAUTH_ECRYPTO) {
        decide(s, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_DKIM_SIGNATURE,
               "signature does not verify");
        return MAILAUTH_OK;
    }
    if (st != MAILAUTH_OK)
        return st;
    /* RFC 6376 §8.2: content after l= is unsigned; a receiver may refuse it. */
    if (s->res.unsigned_bytes > 0 &&
        mailauth__env_flag(v->env, MAILAUTH_FLAG_DKIM_REQUIRE_FULL_BODY)) {
        decide(s, MAILAUTH_VERDICT_POLICY, MAILAUTH_REASON_DKIM_PARTIAL_BODY,
               "l= leaves body bytes unsigned");
        return MAILAUTH_OK;
    }
    decide(s, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE, NULL);
    return MAILAUTH_OK;
}

/* The verdict of a READY signature; its key reference goes with it. */
static mailauth_status_t
finish_sig(mailauth__dkim_verify_t *v, vsig_t *s)
{
    mailauth_status_t st = verdict_sig(v, s);
    mailauth__keyq_clear(&s->key);
    if (st != MAILAUTH_OK) /* ENOMEM stops the evaluation: never READY twice */
        s->state = SIG_DONE;
    return st;
}

/* ---------------------------------------------------------------- lifecycle */

static size_t
count_fields(const mailauth__hdr_index_t *hdrs)
{
    size_t n = 0, pos = 0;
    while (mailauth__hdr_index_next(hdrs, sig_name, &pos) != NULL)
        n++;
    return n;
}

mailauth_status_t
mailauth__dkim_verify_start(mailauth__arena_t *a, const mailauth__env_t *env, mailauth__dnsc_t *dns,
                            const mailauth__hdr_index_t *hdrs, mailauth__dkim_verify_t **out)
{
    mailauth__dkim_verify_t *v = mailauth__arena_calloc(a, 1, sizeof(*v));
    size_t                   limit = mailauth__env_limit(env, MAILAUTH_LIMIT_DKIM_SIGNATURES);
    size_t                   pos = 0, kept = 0;
    mailauth_status_t        st = MAILAUTH_OK;
    mailauth__arena_t        scratch;
    *out = NULL;
    if (v == NULL)
        return MAILAUTH_ENOMEM;
    v->env = env;
    v->arena = a;
    v->dns = dns;
    v->hdrs = hdrs;
    kept = count_fields(hdrs);
    /* DKIM-Signature fields refused by a header limit are reported too,
     * after the others (their place is not known): never "no signature". */
    v->n = kept + mailauth__hdr_index_refused_count(hdrs, sig_name);
    v->v = mailauth__arena_calloc(a, v->n, sizeof(*v->v)); /* n == 0: a valid pointer */
    if (v->v == NULL)
        return MAILAUTH_ENOMEM;
    st = mailauth__body_use_open(&v->body, env, NULL);
    if (st != MAILAUTH_OK)
        return st;
    *out = v; /* from here on, mailauth__dkim_verify_free() releases what was taken */
    mailauth__arena_init(&scratch, &env->al);
    v->scratch = &scratch;
    for (size_t i = 0; i < v->n && st == MAILAUTH_OK; i++) {
        vsig_t *s = &v->v[i];
        s->res.timestamp = s->res.expiry = s->res.body_length = -1;
        if (i >= kept) {
            decide(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_LIMIT_FIELD,
                   "DKIM-Signature field refused by a header limit");
            continue;
        }
        s->field = mailauth__hdr_index_next(hdrs, sig_name, &pos);
        if (i >= limit) /* over the signature limit: reported, never worked on */
            decide(s, MAILAUTH_VERDICT_NEUTRAL, MAILAUTH_REASON_DKIM_TOO_MANY,
                   "not verified: over the signature limit");
        else
            st = prepare(v, s);
    }
    mailauth__arena_clear(&scratch); /* nothing points into it */
    v->scratch = NULL;
    return st;
}

mailauth_status_t
mailauth__dkim_verify_body(mailauth__dkim_verify_t *v, const void *p, size_t n)
{
    return mailauth__body_use_feed(&v->body, p, n);
}

mailauth_status_t
mailauth__dkim_verify_end_body(mailauth__dkim_verify_t *v)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (!mailauth__body_use_end(&v->body, &st))
        return st;
    for (size_t i = 0; i < v->n && st == MAILAUTH_OK; i++) {
        if (v->v[i].state == SIG_READY)
            st = finish_sig(v, &v->v[i]);
    }
    return st;
}

mailauth_status_t
mailauth__dkim_verify_step(mailauth__dkim_verify_t *v)
{
    bool waiting = !v->body.ended;
    for (size_t i = 0; i < v->n; i++) {
        vsig_t           *s = &v->v[i];
        mailauth_status_t st = MAILAUTH_OK;
        if (s->state != SIG_KEY)
            continue;
        st = mailauth__keyq_poll(&s->key, v->env, v->dns);
        if (st == MAILAUTH_OK)
            st = key_ready(v, s);
        else if (st == MAILAUTH_EAGAIN)
            waiting = true;
        if (st != MAILAUTH_OK && st != MAILAUTH_EAGAIN)
            return st;
    }
    return waiting ? MAILAUTH_EAGAIN : MAILAUTH_OK;
}

void
mailauth__dkim_verify_free(mailauth__dkim_verify_t *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++)
        mailauth__keyq_clear(&v->v[i].key);
    mailauth__body_use_close(&v->body);
}

mailauth__body_set_t *
mailauth__dkim_verify_share_body(mailauth__dkim_verify_t *v)
{
    return v != NULL ? mailauth__body_use_share(&v->body) : NULL;
}

size_t
mailauth__dkim_verify_count(const mailauth__dkim_verify_t *v)
{
    return v != NULL ? v->n : 0;
}

const mailauth_dkim_result_t *
mailauth__dkim_verify_result(const mailauth__dkim_verify_t *v, size_t i)
{
    return v != NULL && i < v->n ? &v->v[i].res : NULL;
}

size_t
mailauth__dkim_verify_body_hashes(const mailauth__dkim_verify_t *v)
{
    size_t   n = 0;
    uint64_t ids = v != NULL ? v->body_ids : 0;
    for (; ids != 0; ids &= ids - 1)
        n++;
    return n;
}
