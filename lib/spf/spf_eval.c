/* SPF check_host() (RFC 7208 §4) as a resumable state machine: the walk.
 *
 * The walk is the sequential left-to-right evaluation of §4.6.2: a stack of
 * frames (the top record and the includes being evaluated), each at one
 * mechanism. The walker (this file and spf_term.c) is the only part that
 * asks DNS for a term and the only part that counts: every §4.6.4 limit is
 * accounted in walk order, so the verdict never depends on when answers
 * arrive. Mechanisms (spf_mech.c) and the explanation (spf_exp.c) are pure:
 * given the answers so far, they say what they need next or how they
 * ended. The prefetch planner of spf_lookup.c only asks early for what the
 * walk will ask anyway.
 */
#include <string.h>

#include "domain/domain.h"
#include "spf/spf_walk.h"
#include "util/alloc.h"

/* ---- Frames ---- */

/* Room for one more frame. Most records include nothing or one level, so
 * frames are allocated as includes nest (doubling, up to the bound), not
 * all max_terms + 2 of them at the start: an evaluation keeps them while
 * its message streams. The old array stays in the arena (at most as
 * large as the final one). */
static bool
grow_frames(mailauth__spf_t *s)
{
    size_t                 bound = (size_t)s->max_terms + 2;
    size_t                 cap = s->fcap * 2 < bound ? s->fcap * 2 : bound;
    mailauth__spf_frame_t *f = mailauth__arena_calloc(s->a, cap, sizeof(*f));
    if (f == NULL)
        return false;
    memcpy(f, s->frames, s->depth * sizeof(*f));
    s->frames = f;
    s->fcap = cap;
    return true;
}

/* Enter a frame: false when too deep, or (s->st is then NOMEM) out of memory. */
static bool
push(mailauth__spf_t *s, const mailauth__spf_rc_t *rc)
{
    mailauth__spf_frame_t *f = NULL;
    /* Depth is bounded: each frame above the first came from a counted include. */
    if (s->depth >= (size_t)s->max_terms + 1)
        return false;
    if (s->depth == s->fcap && !grow_frames(s)) {
        s->st = MAILAUTH__SPF_S_NOMEM;
        return false;
    }
    f = &s->frames[s->depth];
    f->rec = rc->rec;
    f->domain = rc->name;
    f->dlen = rc->len;
    f->pos = 0;
    f->have_cur = false;
    f->phase = MAILAUTH__SPF_F_MECHS;
    s->depth++;
    mailauth__spf_op_reset(s);
    return true;
}

/* The final verdict of the top frame (a match, or §4.7's neutral default). */
static void
conclude(mailauth__spf_t *s, mailauth_verdict_t v, const mailauth__spf_term_t *t)
{
    s->res.verdict = v;
    s->res.reason = t != NULL ? MAILAUTH_REASON_SPF_MATCHED : MAILAUTH_REASON_SPF_DEFAULT;
    /* §4.6.4: PTR names past the limit "MUST be ignored": not an error, and
     * the verdict stands. A ptr that matched did not need them (a match
     * among the first names is a match among all), but a ptr that did not
     * match, or a %{p} that chose a name when an ignored one would have
     * ranked better (§7.3), might have led elsewhere had every name been
     * looked at: the reason says so, the mechanism still names the term. */
    if (s->ptr_partial)
        s->res.reason = MAILAUTH_REASON_SPF_PTR_LIMIT;
    s->res.mechanism = t != NULL ? mailauth__arena_strndup(s->keep, t->text, t->text_len) : NULL;
    /* §6.2: exp= of the record that produced the result, never of an include */
    s->exp_rec = s->frames[0].rec;
    s->exp_domain = s->frames[0].domain;
    s->exp_dlen = s->frames[0].dlen;
    mailauth__spf_op_reset(s);
    s->st = v == MAILAUTH_VERDICT_FAIL ? MAILAUTH__SPF_S_EXP : MAILAUTH__SPF_S_DONE;
}

/* A frame finished with verdict v; t matched (NULL: default). */
static void
frame_return(mailauth__spf_t *s, mailauth_verdict_t v, const mailauth__spf_term_t *t)
{
    for (;;) {
        mailauth__spf_frame_t *f;
        if (s->depth == 1) {
            conclude(s, v, t);
            return;
        }
        s->depth--;
        mailauth__spf_op_reset(s);
        f = &s->frames[s->depth - 1];
        /* §5.2: the include matches only on pass; fail, softfail, neutral do not match */
        if (v != MAILAUTH_VERDICT_PASS) {
            f->have_cur = false;
            return;
        }
        t = &f->cur;
        v = (mailauth_verdict_t)t->verdict;
    }
}

/* include: a recursive check_host() in a new frame (§5.2); redirect: on
 * the target, its result being this frame's result (§6.1). */
static void
enter(mailauth__spf_t *s, mailauth__spf_frame_t *f, const mailauth__spf_term_t *t)
{
    const mailauth__spf_rc_t *rc = s->op->rc;
    if (t->mech == MAILAUTH__SPF_INCLUDE) {
        if (!push(s, rc) && s->st != MAILAUTH__SPF_S_NOMEM)
            mailauth__spf_fail(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_SPF_DNS_LIMIT,
                               "includes nested too deeply");
        return;
    }
    f->rec = rc->rec;
    f->domain = rc->name;
    f->dlen = rc->len;
    f->pos = 0;
    f->have_cur = false;
    f->phase = MAILAUTH__SPF_F_MECHS;
    mailauth__spf_op_reset(s);
}

static mailauth__spf_rv_t
walk(mailauth__spf_t *s)
{
    while (s->st == MAILAUTH__SPF_S_WALK) {
        mailauth__spf_frame_t        *f = &s->frames[s->depth - 1];
        const mailauth__spf_record_t *r = f->rec;
        const mailauth__spf_term_t   *t;
        mailauth__spf_rv_t            rv;
        if (f->phase == MAILAUTH__SPF_F_MECHS && !f->have_cur)
            f->have_cur = mailauth__spf_record_next(r, &f->pos, &f->cur);
        /* §4.7: no match; §6.1: redirect, ignored when the record has "all" */
        if (f->phase == MAILAUTH__SPF_F_MECHS && !f->have_cur) {
            if (r->redirect == NULL || r->has_all) {
                frame_return(s, MAILAUTH_VERDICT_NEUTRAL, NULL);
                continue;
            }
            f->phase = MAILAUTH__SPF_F_REDIRECT;
            mailauth__spf_op_reset(s);
        }
        t = f->phase == MAILAUTH__SPF_F_MECHS ? &f->cur : r->redirect;
        rv = mailauth__spf_term_step(s, f, t);
        if (rv == MAILAUTH__SPF_RV_MATCH) {
            frame_return(s, (mailauth_verdict_t)t->verdict, t);
        } else if (rv == MAILAUTH__SPF_RV_RECORD) {
            enter(s, f, t);
        } else if (rv == MAILAUTH__SPF_RV_DONE) {
            f->have_cur = false;
            mailauth__spf_op_reset(s);
        } else if (rv != MAILAUTH__SPF_RV_MOVED) {
            return rv;
        }
    }
    return MAILAUTH__SPF_RV_MOVED;
}

/* §4.4, §4.5: the record of the top <domain>. */
static mailauth__spf_rv_t
top(mailauth__spf_t *s)
{
    mailauth__spf_rc_t *rc = mailauth__spf_rc_get(&s->recs, s->domain, s->dlen, true);
    if (rc == NULL || !mailauth__spf_rc_settle(&s->recs, rc))
        return MAILAUTH__SPF_RV_NOMEM;
    switch (rc->state) {
    case MAILAUTH__SPF_RC_ASKED:
        return MAILAUTH__SPF_RV_WAIT;
    case MAILAUTH__SPF_RC_READY:
        s->st = MAILAUTH__SPF_S_WALK;
        (void)push(s, rc);
        return MAILAUTH__SPF_RV_MOVED;
    case MAILAUTH__SPF_RC_NONE: /* §4.3 NXDOMAIN, §4.5 no record: none */
        s->res.verdict = MAILAUTH_VERDICT_NONE;
        s->res.reason = MAILAUTH_REASON_SPF_NO_RECORD;
        s->st = MAILAUTH__SPF_S_DONE;
        return MAILAUTH__SPF_RV_MOVED;
    case MAILAUTH__SPF_RC_MULTI: /* §4.5 */
        mailauth__spf_fail(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_SPF_MULTIPLE_RECORDS,
                           "multiple SPF records for %.*s", (int)s->dlen, s->domain);
        return MAILAUTH__SPF_RV_MOVED;
    case MAILAUTH__SPF_RC_SYNTAX: /* §4.6 */
        mailauth__spf_fail(s, MAILAUTH_VERDICT_PERMERROR, rc->syn.reason,
                           "%s at '%.*s' in the record of %.*s", rc->syn.what,
                           (int)rc->syn.term_len, rc->syn.term, (int)s->dlen, s->domain);
        return MAILAUTH__SPF_RV_MOVED;
    default: /* §4.4: DNS error: temperror */
        mailauth__spf_tempfail(s, NULL, MAILAUTH_DNS_TXT, s->domain, s->dlen);
        return MAILAUTH__SPF_RV_MOVED;
    }
}

/* ---- Start ---- */

static bool
set_sender(mailauth__spf_t *s, const char *sender, const char *domain)
{
    static const char pm[] = "postmaster";
    const char       *at = sender != NULL ? strrchr(sender, '@') : NULL;
    size_t            llen = at != NULL ? (size_t)(at - sender) : 0;
    const char       *o = at != NULL ? at + 1 : domain;
    char             *copy;
    size_t            olen = strlen(o), total = 0;
    if (llen == 0) { /* §4.3: no local-part: "postmaster" */
        sender = pm;
        llen = sizeof(pm) - 1;
    }
    if (!mailauth__size_add(llen, olen, &total) || !mailauth__size_add(total, 2, &total) ||
        (copy = mailauth__arena_alloc(s->keep, total)) == NULL)
        return false;
    memcpy(copy, sender, llen);
    copy[llen] = '@';
    memcpy(copy + llen + 1, o, olen + 1);
    s->res.sender = copy;
    s->macro.s = (mailauth__spf_str_t){copy, total - 1};
    s->macro.l = (mailauth__spf_str_t){copy, llen};
    s->macro.o = (mailauth__spf_str_t){copy + llen + 1, olen};
    return true;
}

static void
set_macro(mailauth__spf_t *s, const mailauth__spf_input_t *in)
{
    const char *id = s->env->authserv_id;
    s->macro.v =
        s->ip.family == 4 ? (mailauth__spf_str_t){"in-addr", 7} : (mailauth__spf_str_t){"ip6", 3};
    if (s->res.helo != NULL)
        s->macro.h = (mailauth__spf_str_t){s->res.helo, strlen(s->res.helo)};
    if (id != NULL)
        s->macro.r = (mailauth__spf_str_t){id, strlen(id)};
    s->res.receiver = id;
    s->res.identity = in->identity;
}

static mailauth_status_t
alloc_state(mailauth__spf_t *s)
{
    s->max_terms = mailauth__env_limit(s->env, MAILAUTH_LIMIT_SPF_DNS_TERMS);
    s->max_void = mailauth__env_limit(s->env, MAILAUTH_LIMIT_SPF_VOID_LOOKUPS);
    s->max_mx = mailauth__env_limit(s->env, MAILAUTH_LIMIT_SPF_MX_NAMES);
    s->max_ptr = mailauth__env_limit(s->env, MAILAUTH_LIMIT_SPF_PTR_NAMES);
    s->fcap = s->max_terms + 2 < 2 ? (size_t)s->max_terms + 2 : 2; /* grown by push() */
    s->frames = mailauth__arena_calloc(s->a, s->fcap, sizeof(*s->frames));
    s->hq = mailauth__arena_calloc(s->a, (size_t)s->max_mx + 1, sizeof(*s->hq));
    s->hr = mailauth__arena_calloc(s->a, (size_t)s->max_mx + 1, sizeof(*s->hr));
    if (s->frames == NULL || s->hq == NULL || s->hr == NULL)
        return MAILAUTH_ENOMEM;
    /* Last: nothing after it can fail, so a failed start holds nothing. */
    s->work = mailauth__calloc(s->a->al, 1, sizeof(*s->work));
    if (s->work == NULL)
        return MAILAUTH_ENOMEM;
    s->op = &s->work->op;
    s->act = &s->work->act;
    s->recs.a = s->a;
    s->recs.dns = s->dns;
    return MAILAUTH_OK;
}

void
mailauth__spf_release(mailauth__spf_t *s)
{
    if (s == NULL || s->work == NULL)
        return;
    mailauth__free(s->a->al, s->work);
    s->work = NULL;
    s->op = NULL;
    s->act = NULL;
}

mailauth_status_t
mailauth__spf_start(mailauth__arena_t *a, const mailauth__env_t *env, mailauth__dnsc_t *dns,
                    const mailauth__spf_input_t *in, mailauth__spf_t **out)
{
    return mailauth__spf_start_keep(a, a, env, dns, in, out);
}

mailauth_status_t
mailauth__spf_start_keep(mailauth__arena_t *a, mailauth__arena_t *keep, const mailauth__env_t *env,
                         mailauth__dnsc_t *dns, const mailauth__spf_input_t *in,
                         mailauth__spf_t **out)
{
    mailauth__spf_t *s;
    const char      *d;
    if (out != NULL)
        *out = NULL;
    if (a == NULL || keep == NULL || env == NULL || dns == NULL || in == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    s = mailauth__arena_calloc(a, 1, sizeof(*s));
    d = in->domain != NULL ? in->domain : "";
    if (s == NULL)
        return MAILAUTH_ENOMEM;
    s->env = env;
    s->a = a;
    s->keep = keep;
    s->dns = dns;
    s->ip = in->ip;
    mailauth__ip_unmap_v4(&s->ip); /* §5: an IPv4-mapped address is IPv4 */
    s->res.client = s->ip;         /* shown in the %{c} form by spf_result.c */
    s->atype = s->ip.family == 6 ? MAILAUTH_DNS_AAAA : MAILAUTH_DNS_A;
    s->dlen = strlen(d);
    if (s->dlen > 0 && d[s->dlen - 1] == '.')
        s->dlen--;
    s->domain = mailauth__arena_strndup(keep, d, s->dlen);
    s->res.domain = s->domain;
    s->res.helo =
        in->helo == NULL || in->helo_stable ? in->helo : mailauth__arena_strdup(keep, in->helo);
    if (s->domain == NULL || (in->helo != NULL && s->res.helo == NULL) ||
        !set_sender(s, in->sender, s->domain) || alloc_state(s) != MAILAUTH_OK)
        return MAILAUTH_ENOMEM;
    set_macro(s, in);
    *out = s;
    /* §4.3: a malformed or single-label <domain> gives none, without any lookup */
    if ((s->ip.family != 4 && s->ip.family != 6) ||
        !mailauth__domain_check(s->domain, s->dlen,
                                MAILAUTH__DOMAIN_NEED_DOT | MAILAUTH__DOMAIN_LDH)) {
        s->res.verdict = MAILAUTH_VERDICT_NONE;
        s->res.reason = MAILAUTH_REASON_SPF_BAD_DOMAIN;
        s->res.problem = s->ip.family != 4 && s->ip.family != 6 ? "no client address"
                                                                : "not a valid domain name";
        s->st = MAILAUTH__SPF_S_DONE;
        mailauth__spf_release(s);
    }
    return MAILAUTH_OK;
}

/* ---- Step ---- */

static mailauth__spf_rv_t
run(mailauth__spf_t *s)
{
    for (;;) {
        mailauth__spf_rv_t rv;
        switch (s->st) {
        case MAILAUTH__SPF_S_TOP:
            rv = top(s);
            break;
        case MAILAUTH__SPF_S_WALK:
            rv = walk(s);
            break;
        case MAILAUTH__SPF_S_EXP:
            rv = mailauth__spf_explain(s);
            break;
        case MAILAUTH__SPF_S_NOMEM: /* a frame could not be allocated */
            return MAILAUTH__SPF_RV_NOMEM;
        default:
            return MAILAUTH__SPF_RV_MOVED;
        }
        if (rv == MAILAUTH__SPF_RV_WAIT || rv == MAILAUTH__SPF_RV_NOMEM)
            return rv;
    }
}

/* Hand the planner where the walk is. */
static mailauth_status_t
plan(mailauth__spf_t *s)
{
    mailauth__spf_plan_in_t in = {
        .frames = s->frames,
        .depth = s->depth,
        .started = s->op->counted,
        .terms = s->terms,
        .max_terms = s->max_terms,
        .ptr_seen = s->ptr_seen,
        .ip = &s->ip,
        .atype = s->atype,
    };
    return mailauth__spf_plan(&s->recs, &in);
}

mailauth_status_t
mailauth__spf_step(mailauth__spf_t *s)
{
    mailauth__spf_rv_t rv;
    if (s == NULL)
        return MAILAUTH_EINVAL;
    if (s->st == MAILAUTH__SPF_S_NOMEM)
        return MAILAUTH_ENOMEM;
    if (s->st == MAILAUTH__SPF_S_DONE)
        return MAILAUTH_OK;
    rv = mailauth__spf_rc_poll(&s->recs) ? run(s) : MAILAUTH__SPF_RV_NOMEM;
    if (rv == MAILAUTH__SPF_RV_WAIT && s->st == MAILAUTH__SPF_S_WALK && s->recs.dirty &&
        plan(s) != MAILAUTH_OK)
        rv = MAILAUTH__SPF_RV_NOMEM;
    s->res.dns_terms = s->terms;
    if (rv == MAILAUTH__SPF_RV_NOMEM) {
        s->st = MAILAUTH__SPF_S_NOMEM;
        mailauth__spf_release(s);
        return MAILAUTH_ENOMEM;
    }
    if (rv == MAILAUTH__SPF_RV_WAIT)
        return MAILAUTH_EAGAIN;
    mailauth__spf_release(s); /* ended: the working buffers go */
    return MAILAUTH_OK;
}

const mailauth_spf_result_t *
mailauth__spf_result(const mailauth__spf_t *s)
{
    return s != NULL ? &s->res : NULL;
}
