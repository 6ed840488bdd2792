/* The walker's side of one term (and of the explanation).
 *
 * Counts the term (§4.6.4), calls its mechanism (spf_mech.c) or the
 * explanation (spf_exp.c) with the answers so far, and does what the act
 * asks: a question, the address of every MX host, an SPF record lookup,
 * the validated names of the client. The void-lookup, MX-name and PTR-name
 * limits are held here too, so the pure files never count. Nothing here
 * calls spf_eval.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "spf/spf_walk.h"
#include "util/str.h"

#define PROBLEM_MAX 399u /* longest problem text kept */

/* The answer handed over for a question that could not be asked (a name
 * the DNS cannot carry): nothing there. Mechanisms check their names
 * first, so for them this is only a safeguard. */
static const mailauth__dns_result_t nothing = {MAILAUTH_DNS_NXDOMAIN, 0, NULL};

/* ---- Errors and accounting ---- */

/* End the check with an error verdict. */
static void
end_error(mailauth__spf_t *s, mailauth_verdict_t v, mailauth_reason_t reason, const char *problem)
{
    size_t n = strlen(problem);
    char  *p = mailauth__arena_strndup(s->keep, problem, n < PROBLEM_MAX ? n : PROBLEM_MAX);
    for (char *c = p; c != NULL && *c != '\0'; c++) { /* record text can hold anything */
        if (!mailauth__is_print((unsigned char)*c))
            *c = '?';
    }
    if (v == MAILAUTH_VERDICT_TEMPERROR && s->dns->expired)
        reason = MAILAUTH_REASON_DEADLINE;
    s->res.verdict = v;
    s->res.reason = reason;
    s->res.mechanism = NULL;
    s->res.problem = p; /* NULL on ENOMEM: just no detail */
    s->st = MAILAUTH__SPF_S_DONE;
}

void
mailauth__spf_fail(mailauth__spf_t *s, mailauth_verdict_t v, mailauth_reason_t reason,
                   const char *fmt, ...)
{
    char    buf[PROBLEM_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
        buf[0] = '\0';
    va_end(ap);
    end_error(s, v, reason, buf);
}

void
mailauth__spf_tempfail(mailauth__spf_t *s, const mailauth__spf_term_t *t, mailauth_dns_type_t type,
                       const char *name, size_t len)
{
    const char *why = s->dns->expired ? "evaluation deadline passed" : "DNS failure";
    const char *what = mailauth_dns_type_name(type);
    if (t != NULL)
        mailauth__spf_fail(s, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_SPF_DNS_TEMPFAIL,
                           "%s for %s %.*s at %.*s", why, what, (int)len, name, (int)t->text_len,
                           t->text);
    else
        mailauth__spf_fail(s, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_SPF_DNS_TEMPFAIL,
                           "%s for %s %.*s", why, what, (int)len, name);
}

/* §4.6.4: counted before the lookup; the 11th is a permerror. */
static bool
count_term(mailauth__spf_t *s, const mailauth__spf_term_t *t, const char *what)
{
    if (++s->terms <= s->max_terms)
        return true;
    s->terms--; /* not performed */
    mailauth__spf_fail(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_SPF_DNS_LIMIT,
                       "too many DNS lookups at %s%.*s", what, (int)t->text_len, t->text);
    return false;
}

/* §4.6.4: NXDOMAIN or no answer counts as a void lookup; the third is a permerror. */
static bool
count_void(mailauth__spf_t *s, const mailauth__spf_term_t *t)
{
    if (++s->voids <= s->max_void)
        return true;
    mailauth__spf_fail(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_SPF_VOID_LIMIT,
                       "too many void DNS lookups at %.*s", (int)t->text_len, t->text);
    return false;
}

/* Ask (name, type) for term t: MAILAUTH__SPF_RV_AGAIN with *q set (NULL: the name cannot
 * be asked), MAILAUTH__SPF_RV_MOVED (the message's query limit: temperror), MAILAUTH__SPF_RV_NOMEM.
 * With t NULL (the explanation) the query limit only leaves *q NULL. */
static mailauth__spf_rv_t
ask(mailauth__spf_t *s, const mailauth__spf_term_t *t, const char *name, size_t len,
    mailauth_dns_type_t type, mailauth__dns_q_t **q)
{
    mailauth_status_t st = mailauth__dnsc_ask(s->dns, name, len, type, q);
    if (st == MAILAUTH_ENOMEM)
        return MAILAUTH__SPF_RV_NOMEM;
    if (st == MAILAUTH_ELIMIT && t != NULL) {
        mailauth__spf_fail(s, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_SPF_DNS_TEMPFAIL,
                           "DNS query limit of the message reached at %.*s", (int)t->text_len,
                           t->text);
        return MAILAUTH__SPF_RV_MOVED;
    }
    if (st != MAILAUTH_OK)
        *q = NULL;
    return MAILAUTH__SPF_RV_AGAIN;
}

/* ---- Validated names (§5.5) ---- */

static mailauth__spf_rv_t
vp_ask_ptr(mailauth__spf_t *s)
{
    mailauth__spf_vpq_t *vq = &s->vq;
    char                 name[80];
    mailauth_status_t    st;
    mailauth__ip_reverse_name(&s->ip, name, sizeof(name));
    st = mailauth__dnsc_ask(s->dns, name, strlen(name), MAILAUTH_DNS_PTR, &vq->q);
    if (st == MAILAUTH_ENOMEM)
        return MAILAUTH__SPF_RV_NOMEM;
    if (st != MAILAUTH_OK) { /* query limit: a DNS error, §5.5: no validated name */
        vq->vp.rcode = MAILAUTH_DNS_TEMPFAIL;
        vq->phase = MAILAUTH__SPF_VP_DONE;
        return MAILAUTH__SPF_RV_DONE;
    }
    vq->phase = MAILAUTH__SPF_VP_PTR;
    return MAILAUTH__SPF_RV_DONE;
}

/* The PTR answer is in: ask the address of the first names at once
 * (§4.6.4: the names past MAILAUTH_LIMIT_SPF_PTR_NAMES are ignored). */
static mailauth__spf_rv_t
vp_ask_addrs(mailauth__spf_t *s, const mailauth__dns_result_t *r)
{
    mailauth__spf_vpq_t *vq = &s->vq;
    mailauth__spf_vp_t  *vp = &vq->vp;
    vp->rcode = r->rcode;
    if (r->rcode != MAILAUTH_DNS_RECORDS) {
        vq->phase = MAILAUTH__SPF_VP_DONE;
        return MAILAUTH__SPF_RV_DONE;
    }
    vp->names = r->rr;
    vp->total = r->count;
    vp->n = r->count < s->max_ptr ? r->count : s->max_ptr;
    vq->aq = mailauth__arena_calloc(s->a, vp->n + 1, sizeof(*vq->aq));
    vp->valid = mailauth__arena_calloc(s->a, vp->n + 1, 1);
    if (vq->aq == NULL || vp->valid == NULL)
        return MAILAUTH__SPF_RV_NOMEM;
    for (size_t i = 0; i < vp->n; i++) {
        mailauth__spf_str_t name = mailauth__spf_vp_name(vp, i);
        mailauth_status_t   st = mailauth__dnsc_ask(s->dns, name.p, name.n, s->atype, &vq->aq[i]);
        if (st == MAILAUTH_ENOMEM)
            return MAILAUTH__SPF_RV_NOMEM;
        if (st != MAILAUTH_OK) /* §5.5: a name that cannot be checked is skipped */
            vq->aq[i] = NULL;
    }
    vq->phase = MAILAUTH__SPF_VP_ADDRS;
    return MAILAUTH__SPF_RV_DONE;
}

/* Every address answer is in: validate the names. */
static mailauth__spf_rv_t
vp_check_addrs(mailauth__spf_t *s)
{
    mailauth__spf_vpq_t *vq = &s->vq;
    for (size_t i = 0; i < vq->vp.n; i++) {
        if (vq->aq[i] != NULL && mailauth__dnsc_result(s->dns, vq->aq[i]) == NULL)
            return MAILAUTH__SPF_RV_WAIT;
    }
    for (size_t i = 0; i < vq->vp.n; i++)
        mailauth__spf_vp_check(&vq->vp, i, &s->ip,
                               vq->aq[i] != NULL ? mailauth__dnsc_result(s->dns, vq->aq[i]) : NULL);
    vq->phase = MAILAUTH__SPF_VP_DONE;
    return MAILAUTH__SPF_RV_DONE;
}

/* MAILAUTH__SPF_RV_AGAIN once the names are known, MAILAUTH__SPF_RV_WAIT, MAILAUTH__SPF_RV_NOMEM.
 */
static mailauth__spf_rv_t
vp_step(mailauth__spf_t *s)
{
    mailauth__spf_vpq_t *vq = &s->vq;
    mailauth__spf_rv_t   rv = MAILAUTH__SPF_RV_DONE;
    if (vq->phase == MAILAUTH__SPF_VP_IDLE)
        rv = vp_ask_ptr(s);
    if (rv == MAILAUTH__SPF_RV_DONE && vq->phase == MAILAUTH__SPF_VP_PTR) {
        const mailauth__dns_result_t *r = mailauth__dnsc_result(s->dns, vq->q);
        if (r == NULL)
            return MAILAUTH__SPF_RV_WAIT;
        rv = vp_ask_addrs(s, r);
    }
    if (rv == MAILAUTH__SPF_RV_DONE && vq->phase == MAILAUTH__SPF_VP_ADDRS)
        rv = vp_check_addrs(s);
    return rv == MAILAUTH__SPF_RV_DONE ? MAILAUTH__SPF_RV_AGAIN : rv;
}

/* ---- One term: hand over the answers, do what the mechanism asks ---- */

void
mailauth__spf_op_reset(mailauth__spf_t *s)
{
    memset(s->op, 0, offsetof(mailauth__spf_op_t, buf));
}

/* The answers so far, as mechanisms read them; false on ENOMEM. */
static bool
gather(mailauth__spf_t *s, mailauth__spf_ans_t *ans)
{
    mailauth__spf_op_t *op = s->op;
    memset(ans, 0, sizeof(*ans));
    ans->target = op->name;
    ans->tlen = op->nlen;
    if (op->asked)
        ans->r = op->q != NULL ? mailauth__dnsc_result(s->dns, op->q) : &nothing;
    if (op->hosts) {
        for (size_t i = 0; i < op->nh; i++)
            s->hr[i] = s->hq[i] != NULL ? mailauth__dnsc_result(s->dns, s->hq[i]) : &nothing;
        ans->hosts = s->hr;
        ans->nhosts = op->nh;
    }
    if (op->rc != NULL) {
        if (!mailauth__spf_rc_settle(&s->recs, op->rc))
            return false;
        ans->rc = op->rc;
    }
    if (s->vq.phase == MAILAUTH__SPF_VP_DONE)
        ans->vp = &s->vq.vp;
    return true;
}

/* Keep the name the act carries as the term's target. */
static void
take_target(mailauth__spf_t *s)
{
    memcpy(s->op->buf, s->act->text, s->act->len);
    s->op->buf[s->act->len] = '\0';
    s->op->name = s->op->buf;
    s->op->nlen = s->act->len;
}

/* §5.4: the address of every MX host at once. */
static mailauth__spf_rv_t
ask_hosts(mailauth__spf_t *s, const mailauth__spf_term_t *t)
{
    const mailauth__dns_result_t *mx = s->act->list;
    /* §4.6.4: more than 10 MX names is a permerror */
    if (mx->count > s->max_mx) {
        mailauth__spf_fail(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_SPF_MX_LIMIT,
                           "more than %u MX records at %.*s", (unsigned)s->max_mx, (int)t->text_len,
                           t->text);
        return MAILAUTH__SPF_RV_MOVED;
    }
    for (size_t i = 0; i < mx->count; i++) {
        /* RFC 7505 null MX ("."), and names the DNS cannot carry, are not asked */
        mailauth__spf_rv_t rv =
            ask(s, t, (const char *)mx->rr[i].data, mx->rr[i].len, s->act->type, &s->hq[i]);
        if (rv != MAILAUTH__SPF_RV_AGAIN)
            return rv;
    }
    s->op->nh = mx->count;
    s->op->hosts = true;
    return MAILAUTH__SPF_RV_AGAIN;
}

/* Do what the act of term t says. */
static mailauth__spf_rv_t
serve(mailauth__spf_t *s, const mailauth__spf_term_t *t)
{
    const mailauth__spf_act_t *act = s->act;
    switch ((mailauth__spf_act_kind_t)act->kind) {
    case MAILAUTH__SPF_ACT_ASK:
        take_target(s);
        s->op->asked = true;
        return ask(s, t, s->op->name, s->op->nlen, act->type, &s->op->q);
    case MAILAUTH__SPF_ACT_ASK_HOSTS:
        return ask_hosts(s, t);
    case MAILAUTH__SPF_ACT_ASK_RECORD:
        take_target(s);
        s->op->rc = mailauth__spf_rc_get(&s->recs, s->op->name, s->op->nlen, true);
        return s->op->rc != NULL ? MAILAUTH__SPF_RV_AGAIN : MAILAUTH__SPF_RV_NOMEM;
    case MAILAUTH__SPF_ACT_NEED_PTR:
        /* §4.6.4: the PTR lookup of %{p} counts like the ptr mechanism's, once */
        if (!s->ptr_seen) {
            s->ptr_seen = true;
            if (!count_term(s, t, "%{p} in "))
                return MAILAUTH__SPF_RV_MOVED;
        }
        return vp_step(s);
    case MAILAUTH__SPF_ACT_TEMPFAIL:
        mailauth__spf_tempfail(s, t, act->type, act->text, act->len);
        return MAILAUTH__SPF_RV_MOVED;
    case MAILAUTH__SPF_ACT_ERROR:
        end_error(s, (mailauth_verdict_t)act->verdict, act->reason, act->text);
        return MAILAUTH__SPF_RV_MOVED;
    case MAILAUTH__SPF_ACT_WAIT:
        return MAILAUTH__SPF_RV_WAIT;
    case MAILAUTH__SPF_ACT_MATCH:
        return MAILAUTH__SPF_RV_MATCH;
    case MAILAUTH__SPF_ACT_RECORD:
        return MAILAUTH__SPF_RV_RECORD;
    default: /* NOMATCH */
        if (act->void_lookup && !count_void(s, t))
            return MAILAUTH__SPF_RV_MOVED;
        return MAILAUTH__SPF_RV_DONE;
    }
}

/* Do what the explanation's act says: it asks only its TXT record and the
 * validated names, counted nowhere (§4.6.4), and a query limit only makes
 * it fall back. */
static mailauth__spf_rv_t
serve_exp(mailauth__spf_t *s)
{
    const mailauth__spf_act_t *act = s->act;
    switch ((mailauth__spf_act_kind_t)act->kind) {
    case MAILAUTH__SPF_ACT_ASK:
        take_target(s);
        s->op->asked = true;
        return ask(s, NULL, s->op->name, s->op->nlen, act->type, &s->op->q);
    case MAILAUTH__SPF_ACT_NEED_PTR:
        return vp_step(s);
    case MAILAUTH__SPF_ACT_WAIT:
        return MAILAUTH__SPF_RV_WAIT;
    case MAILAUTH__SPF_ACT_MATCH:
        return MAILAUTH__SPF_RV_MATCH;
    default: /* NOMATCH: no explanation */
        return MAILAUTH__SPF_RV_DONE;
    }
}

/* i, c and t cost a formatting and a clock read: done only when a macro
 * is expanded (the result formats the address itself when shown). */
static const mailauth__spf_macro_env_t *
macro_env(mailauth__spf_t *s)
{
    if (!s->macro_ready) {
        mailauth__ip_format(&s->ip, s->ip_c, sizeof(s->ip_c)); /* %{c} */
        s->macro.c = (mailauth__spf_str_t){s->ip_c, strlen(s->ip_c)};
        if (s->ip.family == 4) { /* §7.3: %{i} of IPv4 is the dotted quad, as %{c} */
            s->macro.i = s->macro.c;
        } else {
            mailauth__ip_format_nibbles(&s->ip, s->ip_i, sizeof(s->ip_i)); /* §7.3 %{i} */
            s->macro.i = (mailauth__spf_str_t){s->ip_i, strlen(s->ip_i)};
        }
        s->macro.t = mailauth__env_wall_s(s->env);
        s->macro_ready = true;
    }
    return &s->macro;
}

static void
menv(mailauth__spf_t *s, bool macros, const char *dom, size_t dlen, mailauth__spf_menv_t *env)
{
    env->macro = macros ? macro_env(s) : &s->macro;
    env->ip = &s->ip;
    env->atype = s->atype;
    env->dom = dom;
    env->dlen = dlen;
}

mailauth__spf_rv_t
mailauth__spf_term_step(mailauth__spf_t *s, const mailauth__spf_frame_t *f,
                        const mailauth__spf_term_t *t)
{
    mailauth__spf_ans_t  ans;
    mailauth__spf_menv_t env;
    mailauth__spf_rv_t   rv;
    if (!s->op->counted) {
        s->op->counted = true;
        if (mailauth__spf_term_is_dns(t) && !count_term(s, t, ""))
            return MAILAUTH__SPF_RV_MOVED;
        if (t->mech == MAILAUTH__SPF_PTR)
            s->ptr_seen = true;
    }
    menv(s, (t->flags & MAILAUTH__SPF_T_MACRO) != 0, f->domain, f->dlen, &env);
    do {
        if (!gather(s, &ans))
            return MAILAUTH__SPF_RV_NOMEM;
        mailauth__spf_mech(t, &ans, &env, s->act);
        if (s->act->ptr_partial)
            s->ptr_partial = true;
        rv = serve(s, t);
    } while (rv == MAILAUTH__SPF_RV_AGAIN);
    return rv;
}

/* §6.2: looked up after the result is known, with its own questions. */
mailauth__spf_rv_t
mailauth__spf_explain(mailauth__spf_t *s)
{
    const mailauth__spf_term_t *t = s->exp_rec != NULL ? s->exp_rec->exp : NULL;
    const char                 *def = s->env->spf_default_exp;
    mailauth__spf_ans_t         ans;
    mailauth__spf_menv_t        env;
    mailauth__spf_rv_t          rv;
    menv(s, t != NULL || def != NULL, s->exp_domain, s->exp_dlen, &env);
    do {
        if (!gather(s, &ans))
            return MAILAUTH__SPF_RV_NOMEM;
        mailauth__spf_exp(t, def, &ans, &env, s->act);
        rv = serve_exp(s);
    } while (rv == MAILAUTH__SPF_RV_AGAIN);
    if (rv == MAILAUTH__SPF_RV_MATCH) {
        s->res.explanation = mailauth__arena_strndup(s->keep, s->act->text, s->act->len);
        if (s->res.explanation == NULL)
            return MAILAUTH__SPF_RV_NOMEM;
    }
    if (rv == MAILAUTH__SPF_RV_MATCH || rv == MAILAUTH__SPF_RV_DONE) {
        s->st = MAILAUTH__SPF_S_DONE;
        return MAILAUTH__SPF_RV_MOVED;
    }
    return rv;
}
