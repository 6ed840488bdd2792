/* What the new ARC set says (RFC 8617 §5.1): its instance, the chain
 * status it states (cv=) and the ARC-Authentication-Results that carries
 * this host's results; then the two signatures (arc_seal_sign.c). */
#include <stdio.h>
#include <string.h>

#include "arc/arc_seal.h"
#include "util/str.h"

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
    if (st == MAILAUTH_OK && sb->len > mailauth__env_limit(s->env, MAILAUTH_LIMIT_HEADER_MAX_BYTES))
        st = MAILAUTH_ELIMIT;
    return st;
}

/* ---------------------------------------------------------------- the set */

/* RFC 6376 §5.4: From is signed by the AMS, so it must be there and not
 * refused; a refused ARC or Authentication-Results field leaves the chain
 * or the AAR unknown. */
static mailauth_status_t
check_fields(mailauth_arc_sealer_t *s)
{
    size_t pos = 0;
    if (s->refused_arc || mailauth__hlist_refused(&s->hl, "from"))
        return MAILAUTH_ELIMIT;
    if (mailauth__hdr_index_next(mailauth__intake_fields(&s->in), "from", &pos) == NULL)
        return MAILAUTH_EINVAL;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__arc_seal_make(mailauth_arc_sealer_t *s)
{
    const mailauth__hdr_index_t *hdrs = mailauth__intake_fields(&s->in);
    mailauth__arc_chain_t        c;
    mailauth__arc_piece_t       *pieces = NULL;
    size_t                       n = 0;
    uint32_t                     max = mailauth__env_limit(s->env, MAILAUTH_LIMIT_ARC_INSTANCES);
    int64_t                      now = mailauth__env_wall_s(s->env);
    char                         inst[16], t[24];
    bool                         say = false;
    mailauth_status_t            st = check_fields(s);
    s->instance = 0;
    if (st == MAILAUTH_OK)
        st = mailauth__arc_collect(&s->arena, hdrs, max, &c);
    if (st != MAILAUTH_OK)
        return st;
    if (c.newest_cv_fail) { /* §5.1 step 2: the chain already failed, no set */
        s->cv = MAILAUTH_VERDICT_FAIL;
        return MAILAUTH_OK;
    }
    if (c.n >= max) /* §5.1 step 3: the next instance would be past the limit */
        return MAILAUTH_ELIMIT;
    st = mailauth__arc_ar_results(&s->arena, hdrs, s->authserv_id, &pieces, &n);
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
        st = mailauth__arc_seal_ams(s, inst, t);
    if (st == MAILAUTH_OK)
        st = mailauth__arc_seal_as(s, &c, inst, t);
    if (st != MAILAUTH_OK)
        s->instance = 0;
    return st;
}
