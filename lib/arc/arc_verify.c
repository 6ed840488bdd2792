/* One ARC-Message-Signature or ARC-Seal (RFC 8617 §4.1.2, §4.1.3) checked
 * like a DKIM signature (RFC 6376 §6.1): field syntax, policy, header
 * hash, key, signature, and for the AMS the body hash. The chain decision
 * is arc_run.c's. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arc/arc_int.h"
#include "canon/canon.h"
#include "crypto/crypto.h"
#include "util/str.h"

static const char *const field_name[2] = {"ARC-Message-Signature", "ARC-Seal"};

/* The outcome of an item: not ok with a reason and "<field> i=<n>: <text>". */
static mailauth_status_t
refuse(mailauth__arc_t *v, mailauth__arc_item_t *it, mailauth_reason_t reason, const char *text)
{
    char buf[160];
    (void)snprintf(buf, sizeof(buf), "%s i=%u: %s", field_name[it->seal], (unsigned)it->inst,
                   text != NULL ? text : "does not verify");
    it->state = MAILAUTH__ARC_IT_DONE;
    it->ok = false;
    it->reason = reason;
    it->problem = mailauth__arena_strdup(v->a, buf);
    return it->problem != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
}

static mailauth_reason_t
fail_reason(const mailauth__arc_item_t *it)
{
    return it->seal ? MAILAUTH_REASON_ARC_SEAL : MAILAUTH_REASON_ARC_AMS;
}

static void
pass(mailauth__arc_item_t *it)
{
    it->state = MAILAUTH__ARC_IT_DONE;
    it->ok = true;
    it->reason = MAILAUTH_REASON_NONE;
    it->problem = NULL;
}

/* ---------------------------------------------------------------- checks */

/* RFC 6376 §6.1.1 checks that need the clock or the configuration; RFC 8301 §3.1. */
static const char *
unacceptable(const mailauth__arc_t *v, const mailauth__sig_t *g)
{
    int64_t now = mailauth__env_wall_s(v->env);
    int64_t skew = (int64_t)mailauth__env_limit(v->env, MAILAUTH_LIMIT_DKIM_CLOCK_SKEW_S);
    if (g->alg == MAILAUTH__ALG_RSA_SHA1 &&
        !mailauth__env_flag(v->env, MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1))
        return "rsa-sha1 is not accepted (RFC 8301)";
    if (g->has_x && now > g->x && now - g->x > skew)
        return "signature expired";
    if (g->has_t && g->t > now && g->t - now > skew)
        return "signature timestamp in the future";
    return NULL;
}

/* RFC 8617 §4.1.2: ARC header fields MUST NOT be in the AMS h= list. A
 * validator enforcing that for all three would refuse nearly every chain
 * sealed to the drafts (they signed ARC-Authentication-Results); the
 * ARC-Seal, which is made after the AMS and covers it, is the one whose
 * inclusion makes no sense and is refused (docs/arc.md). */
static bool
signs_seal(const mailauth__sig_t *g)
{
    for (size_t k = 0; k < g->h_count; k++) {
        if (mailauth__eq_ci(g->h[k], "arc-seal"))
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------- header hashes */

/* RFC 8617 §5.1.1: the seal of instance i covers AAR, AMS, AS of every
 * instance 1..i in increasing order, relaxed, and itself last with an
 * empty b= and no CRLF (RFC 6376 §3.7). */
static mailauth_status_t
seal_digest(mailauth__arc_t *v, mailauth__arc_item_t *it, const mailauth__sig_t *g)
{
    mailauth__hash_t      *h = NULL;
    mailauth__canon_sink_t s;
    const mailauth__hdr_t *f = it->field;
    mailauth_status_t      st = mailauth__hash_new_kit(&v->env->al, v->env->hashes, g->hash, &h);
    if (st != MAILAUTH_OK)
        return st;
    mailauth__canon_sink_begin(&s, h); /* one stream: as few hash updates as the stage allows */
    for (uint32_t j = 1; j <= it->inst && st == MAILAUTH_OK; j++) {
        const mailauth__arc_set_t *set = &v->chain.sets[j - 1];
        st = mailauth__canon_sink_field(&s, MAILAUTH__CANON_RELAXED, set->aar->raw, set->aar->len);
        if (st == MAILAUTH_OK)
            st = mailauth__canon_sink_field(&s, MAILAUTH__CANON_RELAXED, set->ams->raw,
                                            set->ams->len);
        if (st == MAILAUTH_OK && j < it->inst)
            st =
                mailauth__canon_sink_field(&s, MAILAUTH__CANON_RELAXED, set->as->raw, set->as->len);
    }
    if (st == MAILAUTH_OK)
        st = mailauth__canon_sink_sig(&s, MAILAUTH__CANON_RELAXED, f->raw, f->len,
                                      (size_t)(f->value - f->raw) + g->b_off, g->b_area);
    mailauth__canon_sink_end(&s);
    if (st == MAILAUTH_OK)
        st = mailauth__hash_final(h, it->digest);
    mailauth__hash_free(h);
    return st;
}

/* The AMS: header hash like a DKIM signature (RFC 8617 §4.1.2), body hash
 * asked from the (maybe shared) body set. */
static mailauth_status_t
ams_hashes(mailauth__arc_t *v, mailauth__arc_item_t *it, const mailauth__sig_t *g)
{
    uint64_t          limit = g->has_l ? g->l : MAILAUTH__BODY_NO_LIMIT;
    size_t            id = 0;
    mailauth_status_t st = mailauth__body_use_want(&v->body, g->c_body, g->hash, limit, &id);
    if (st == MAILAUTH_ELIMIT || st == MAILAUTH_ESTATE || (st == MAILAUTH_OK && id > UINT16_MAX))
        return refuse(v, it, fail_reason(it), "not verified: no body hash available");
    if (st != MAILAUTH_OK)
        return st;
    it->body_id = (uint16_t)id;
    if (v->picks == NULL) {
        st = mailauth__hdr_pick_new(v->hdrs->arena, v->hdrs, &v->picks); /* gone with the fields */
        if (st != MAILAUTH_OK)
            return st;
    }
    return mailauth__dkim_header_digest(v->env, v->picks, g, it->field, it->digest);
}

/* ---------------------------------------------------------------- key and signature */

/* The signature over the header hash, with the key held. */
static mailauth_status_t
verify_b(const mailauth__arc_item_t *it)
{
    if (it->b == NULL)
        return MAILAUTH_ECRYPTO; /* cannot happen: the parser decoded it */
    return mailauth__pubkey_verify(it->kq.key.pub, (mailauth__hash_alg_t)it->hash, it->digest,
                                   mailauth__hash_len((mailauth__hash_alg_t)it->hash), it->b,
                                   it->b_len);
}

/* The lookup is done: check the key against the signature (§3.6.1). An
 * ARC-Seal is verified now (it covers no body). An AMS keeps its key
 * reference until the body hash is final: RFC 6376 §6.1.3 compares the
 * body hash first, and a body a list or forwarder changed fails without
 * the public-key operation. */
static mailauth_status_t
key_check(mailauth__arc_t *v, mailauth__arc_item_t *it)
{
    const char       *problem = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    if (it->kq.reason != MAILAUTH_REASON_NONE)
        return refuse(v, it, it->kq.temp ? MAILAUTH_REASON_ARC_DNS_TEMPFAIL : fail_reason(it),
                      it->kq.problem);
    if (mailauth__key_fits(v->env, &it->kq.key, (mailauth__key_type_t)it->key_type,
                           (mailauth__hash_alg_t)it->hash, &problem) != MAILAUTH_REASON_NONE)
        return refuse(v, it, fail_reason(it), problem);
    if (!it->seal) {
        it->state = MAILAUTH__ARC_IT_READY;
        return v->body.ended ? mailauth__arc_item_body(v, it) : MAILAUTH_OK;
    }
    st = verify_b(it);
    if (st != MAILAUTH_OK && st != MAILAUTH_ECRYPTO)
        return st;
    if (st != MAILAUTH_OK)
        return refuse(v, it, fail_reason(it), "signature does not verify");
    pass(it);
    return MAILAUTH_OK;
}

/* The key reference goes once the outcome is known; an AMS waiting for
 * the body keeps it (the key cache shares it with other messages). */
static mailauth_status_t
key_ready(mailauth__arc_t *v, mailauth__arc_item_t *it)
{
    mailauth_status_t st = key_check(v, it);
    if (it->state != MAILAUTH__ARC_IT_READY)
        mailauth__keyq_clear(&it->kq);
    return st;
}

/* The outcome of a READY AMS once its body hash is final. */
static mailauth_status_t
ams_body(mailauth__arc_t *v, mailauth__arc_item_t *it)
{
    size_t            len = 0;
    const uint8_t    *bh = mailauth__body_set_digest(v->body.bs, it->body_id, &len);
    uint64_t          canon = mailauth__body_set_canon_len(v->body.bs, it->body_id);
    mailauth_status_t st = MAILAUTH_OK;
    /* RFC 6376 §3.5 l=: longer than the body means the body is not all here.
     * refuse() only fails on ENOMEM, which leaves the text NULL: the
     * outcome is still recorded. */
    if (it->has_l && it->l > canon) {
        (void)refuse(v, it, fail_reason(it), "l= is longer than the body");
        return MAILAUTH_OK;
    }
    if (bh == NULL || len != it->bh_len || memcmp(bh, it->bh, len) != 0) {
        (void)refuse(v, it, fail_reason(it), "body hash mismatch");
        return MAILAUTH_OK;
    }
    /* §6.1.3: the body matches; only now the signature over the header hash. */
    st = verify_b(it);
    if (st == MAILAUTH_ECRYPTO)
        (void)refuse(v, it, fail_reason(it), "signature does not verify");
    else if (st == MAILAUTH_OK)
        pass(it);
    return st == MAILAUTH_ECRYPTO ? MAILAUTH_OK : st;
}

mailauth_status_t
mailauth__arc_item_body(mailauth__arc_t *v, mailauth__arc_item_t *it)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (it->state != MAILAUTH__ARC_IT_READY)
        return MAILAUTH_OK;
    st = ams_body(v, it);
    mailauth__keyq_clear(&it->kq);
    if (st != MAILAUTH_OK)
        it->state = MAILAUTH__ARC_IT_DONE; /* ENOMEM stops the evaluation; never READY twice */
    return st;
}

mailauth_status_t
mailauth__arc_item_poll(mailauth__arc_t *v, mailauth__arc_item_t *it)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (it->state != MAILAUTH__ARC_IT_KEY)
        return MAILAUTH_OK;
    st = mailauth__keyq_poll(&it->kq, v->env, v->dns);
    if (st == MAILAUTH_EAGAIN)
        return MAILAUTH_OK;
    if (st != MAILAUTH_OK)
        return st;
    return key_ready(v, it);
}

/* What the key and body checks read, from the parse (which lives in the
 * scratch arena: b= is copied by keep_item if the item still waits). */
static void
take_sig(mailauth__arc_item_t *it, const mailauth__sig_t *g)
{
    it->hash = (uint8_t)g->hash;
    it->key_type = (uint8_t)g->key_type;
    it->has_l = g->has_l;
    it->l = g->l;
    it->b = g->b;
    it->b_len = g->b_len <= UINT32_MAX ? (uint32_t)g->b_len : 0;
    /* A bh= of another length than the digest's can never match. */
    it->bh_len = g->bh_len <= sizeof(it->bh) ? (uint8_t)g->bh_len : UINT8_MAX;
    if (g->bh != NULL && g->bh_len <= sizeof(it->bh))
        memcpy(it->bh, g->bh, g->bh_len);
}

mailauth_status_t
mailauth__arc_item_start(mailauth__arc_t *v, mailauth__arc_item_t *it, uint32_t inst, bool seal)
{
    const mailauth__arc_set_t *set = &v->chain.sets[inst - 1];
    mailauth__sig_err_t        err = {MAILAUTH_REASON_NONE, NULL};
    mailauth__sig_t            g;
    const char                *why = NULL;
    mailauth_status_t          st = MAILAUTH_OK;
    it->inst = inst;
    it->seal = seal;
    it->field = seal ? set->as : set->ams;
    st = mailauth__sig_parse(v->scratch, seal ? MAILAUTH__SIG_AS : MAILAUTH__SIG_AMS,
                             it->field->value, it->field->value_len, &g, &err);
    if (st != MAILAUTH_OK)
        return st;
    if (err.reason != MAILAUTH_REASON_NONE)
        return refuse(v, it, MAILAUTH_REASON_ARC_SYNTAX, err.what);
    /* The instance the collector placed the field by is the one parsed. */
    if (g.instance != inst)
        return refuse(v, it, MAILAUTH_REASON_ARC_SYNTAX, "i= does not match its set");
    /* An AMS without c=: RFC 6376 §3.5 would make it simple/simple; ARC
     * sealers sign relaxed/relaxed (RFC 8617 §5.1.1 makes the seal
     * relaxed) and the ARC implementations and test suite read a missing
     * c= as relaxed/relaxed. docs/arc.md. */
    if (!seal && !set->ams_c)
        g.c_header = g.c_body = MAILAUTH__CANON_RELAXED;
    why = unacceptable(v, &g);
    if (why == NULL && !seal && signs_seal(&g))
        why = "h= includes ARC-Seal (RFC 8617 4.1.2)";
    if (why != NULL)
        return refuse(v, it, fail_reason(it), why);
    take_sig(it, &g);
    st = seal ? seal_digest(v, it, &g) : ams_hashes(v, it, &g);
    if (st != MAILAUTH_OK || it->state == MAILAUTH__ARC_IT_DONE)
        return st;
    it->state = MAILAUTH__ARC_IT_KEY;
    st = mailauth__keyq_ask(&it->kq, v->env, v->dns, g.s, g.d);
    if (st != MAILAUTH_OK || !it->kq.done)
        return st;
    return key_ready(v, it);
}
