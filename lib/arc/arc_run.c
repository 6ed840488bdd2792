/* ARC chain validation (RFC 8617 §5.2), driven by the eval (see
 * arc/arc.h): collect, start every signature at end of headers, take keys
 * on wakes, decide in the order of the RFC once the outcomes it needs are
 * known. */
#include <string.h>

#include "arc/arc_int.h"

static void
final(mailauth__arc_t *v, mailauth_verdict_t verdict, mailauth_reason_t reason, const char *problem,
      uint32_t failed)
{
    v->res.verdict = verdict;
    v->res.reason = reason;
    v->res.problem = problem;
    v->res.failed = failed;
    v->done = true;
}

static void
final_item(mailauth__arc_t *v, const mailauth__arc_item_t *it)
{
    final(v, MAILAUTH_VERDICT_FAIL, it->reason, it->problem, it->inst);
}

/* §5.2 in order: step 4 (newest AMS), step 8 (every AS, newest first),
 * then steps 5-7 (oldest-pass) when asked. Waits while an outcome that
 * decides comes before the ones known, so the reason never depends on the
 * order answers arrive in. */
static void
decide(mailauth__arc_t *v)
{
    uint32_t                    n = v->chain.n;
    const mailauth__arc_item_t *it = NULL;
    if (v->done || v->ams == NULL || n == 0)
        return;
    it = &v->ams[n - 1];
    if (it->state != MAILAUTH__ARC_IT_DONE)
        return;
    if (!it->ok) {
        final_item(v, it);
        return;
    }
    for (uint32_t i = n; i >= 1; i--) {
        it = &v->as[i - 1];
        if (it->state != MAILAUTH__ARC_IT_DONE)
            return;
        if (!it->ok) {
            final_item(v, it);
            return;
        }
    }
    if (v->options & MAILAUTH__ARC_OLDEST_PASS) {
        int oldest = 0;
        /* §5.2 step 5: the first older AMS that fails (M) makes oldest-pass
         * M + 1; step 6: all verify, oldest-pass is 0. */
        for (uint32_t m = n - 1; m >= 1; m--) {
            it = &v->ams[m - 1];
            if (it->state != MAILAUTH__ARC_IT_DONE)
                return;
            if (!it->ok) {
                oldest = (int)m + 1;
                break;
            }
        }
        v->res.oldest_pass = oldest;
    }
    final(v, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_NONE, NULL, 0); /* step 9 */
}

/* Every signature the decision needs, newest first; keys go out at once. */
static mailauth_status_t
start_items(mailauth__arc_t *v)
{
    uint32_t          n = v->chain.n;
    mailauth_status_t st = mailauth__arc_item_start(v, &v->ams[n - 1], n, false);
    for (uint32_t i = n; i >= 1 && st == MAILAUTH_OK; i--)
        st = mailauth__arc_item_start(v, &v->as[i - 1], i, true);
    if (!(v->options & MAILAUTH__ARC_OLDEST_PASS))
        return st;
    for (uint32_t m = n - 1; m >= 1 && st == MAILAUTH_OK; m--)
        st = mailauth__arc_item_start(v, &v->ams[m - 1], m, false);
    return st;
}

/* The chain and the parsed signatures live in the scratch arena, cleared
 * when start returns: an item still waiting keeps a copy of its decoded
 * b= (bh= is in the item), nothing else of its parse. */
static mailauth_status_t
keep_item(mailauth__arc_t *v, mailauth__arc_item_t *it)
{
    const uint8_t *b = NULL;
    if (it->state != MAILAUTH__ARC_IT_DONE && it->b != NULL) {
        b = mailauth__arena_memdup(v->a, it->b, it->b_len);
        if (b == NULL)
            return MAILAUTH_ENOMEM;
    }
    it->b = b;
    it->field = NULL;
    return MAILAUTH_OK;
}

static mailauth_status_t
keep_items(mailauth__arc_t *v)
{
    mailauth_status_t st = MAILAUTH_OK;
    for (uint32_t i = 0; i < v->chain.n; i++) {
        if (v->ams != NULL && keep_item(v, &v->ams[i]) != MAILAUTH_OK)
            st = MAILAUTH_ENOMEM;
        if (v->as != NULL && keep_item(v, &v->as[i]) != MAILAUTH_OK)
            st = MAILAUTH_ENOMEM;
    }
    v->chain.sets = NULL;
    return st;
}

static mailauth_status_t
start_chain(mailauth__arc_t *v, mailauth__body_set_t *bs)
{
    uint32_t          n = v->chain.n;
    mailauth_status_t st = MAILAUTH_OK;
    st = mailauth__body_use_open(&v->body, v->env, bs);
    if (st != MAILAUTH_OK)
        return st;
    v->ams = mailauth__arena_calloc(v->a, n, sizeof(*v->ams));
    v->as = mailauth__arena_calloc(v->a, n, sizeof(*v->as));
    if (v->ams == NULL || v->as == NULL)
        return MAILAUTH_ENOMEM;
    st = start_items(v);
    if (st == MAILAUTH_OK)
        decide(v);
    return st;
}

static mailauth_status_t
set_sealers(mailauth__arc_t *v)
{
    const char **s = NULL;
    v->res.instances = v->chain.n;
    if (v->chain.sets == NULL)
        return MAILAUTH_OK;
    s = mailauth__arena_calloc(v->a, v->chain.n, sizeof(*s));
    if (s == NULL)
        return MAILAUTH_ENOMEM;
    for (uint32_t i = 0; i < v->chain.n; i++) {
        const char *d = v->chain.sets[i].nas == 1 ? v->chain.sets[i].sealer : NULL;
        if (d != NULL && (s[i] = mailauth__arena_strdup(v->a, d)) == NULL)
            return MAILAUTH_ENOMEM;
    }
    v->res.sealers = s;
    return MAILAUTH_OK;
}

/* Everything of start that uses the scratch arena. */
static mailauth_status_t
start_scratch(mailauth__arc_t *v, mailauth__body_set_t *bs)
{
    mailauth_status_t st = mailauth__arc_collect(
        v->scratch, v->hdrs, mailauth__env_limit(v->env, MAILAUTH_LIMIT_ARC_INSTANCES), &v->chain);
    if (st == MAILAUTH_OK)
        st = set_sealers(v);
    if (st == MAILAUTH_OK && v->chain.problem != NULL) {
        v->chain.problem = mailauth__arena_strdup(v->a, v->chain.problem);
        if (v->chain.problem == NULL)
            st = MAILAUTH_ENOMEM;
    }
    if (st != MAILAUTH_OK)
        return st;
    if (v->chain.verdict != MAILAUTH_VERDICT_PASS) { /* decided by the structure */
        final(v, v->chain.verdict, v->chain.reason, v->chain.problem, v->chain.failed);
        return MAILAUTH_OK;
    }
    return start_chain(v, bs);
}

mailauth_status_t
mailauth__arc_start(mailauth__arena_t *a, const mailauth__env_t *env, mailauth__dnsc_t *dns,
                    const mailauth__hdr_index_t *hdrs, mailauth__body_set_t *bs, unsigned options,
                    mailauth__arc_t **out)
{
    mailauth__arena_t scratch;
    mailauth__arc_t  *v = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    if (out != NULL)
        *out = NULL;
    if (a == NULL || env == NULL || dns == NULL || hdrs == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    v = mailauth__arena_calloc(a, 1, sizeof(*v));
    if (v == NULL)
        return MAILAUTH_ENOMEM;
    v->env = env;
    v->a = a;
    v->dns = dns;
    v->hdrs = hdrs;
    v->options = options;
    v->res.oldest_pass = -1;
    mailauth__arena_init(&scratch, &env->al);
    v->scratch = &scratch;
    *out = v; /* from here on, mailauth__arc_free() releases what was taken */
    st = start_scratch(v, bs);
    if (keep_items(v) != MAILAUTH_OK && st == MAILAUTH_OK)
        st = MAILAUTH_ENOMEM;
    mailauth__arena_clear(&scratch); /* nothing points into it now */
    v->scratch = NULL;
    return st;
}

mailauth_status_t
mailauth__arc_body(mailauth__arc_t *v, const void *p, size_t n)
{
    return mailauth__body_use_feed(&v->body, p, n);
}

mailauth_status_t
mailauth__arc_end_body(mailauth__arc_t *v)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (!mailauth__body_use_end(&v->body, &st))
        return st;
    for (uint32_t i = 0; v->ams != NULL && i < v->chain.n && st == MAILAUTH_OK; i++)
        st = mailauth__arc_item_body(v, &v->ams[i]);
    if (st != MAILAUTH_OK)
        return st;
    decide(v);
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__arc_step(mailauth__arc_t *v)
{
    for (uint32_t i = 0; !v->done && i < v->chain.n; i++) {
        mailauth_status_t st = mailauth__arc_item_poll(v, &v->ams[i]);
        if (st == MAILAUTH_OK)
            st = mailauth__arc_item_poll(v, &v->as[i]);
        if (st != MAILAUTH_OK)
            return st;
    }
    decide(v);
    return v->done ? MAILAUTH_OK : MAILAUTH_EAGAIN;
}

bool
mailauth__arc_done(const mailauth__arc_t *v)
{
    return v != NULL && v->done;
}

const mailauth_arc_result_t *
mailauth__arc_result(const mailauth__arc_t *v)
{
    return v != NULL ? &v->res : NULL;
}

const mailauth__arc_chain_t *
mailauth__arc_chain(const mailauth__arc_t *v)
{
    return v != NULL ? &v->chain : NULL;
}

void
mailauth__arc_free(mailauth__arc_t *v)
{
    if (v == NULL)
        return;
    for (uint32_t i = 0; i < v->chain.n; i++) {
        if (v->ams != NULL)
            mailauth__keyq_clear(&v->ams[i].kq);
        if (v->as != NULL)
            mailauth__keyq_clear(&v->as[i].kq);
    }
    mailauth__body_use_close(&v->body);
}
