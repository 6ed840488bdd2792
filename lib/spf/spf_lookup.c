/* SPF record lookups (RFC 7208 §4.4, §4.5) and the prefetch planner.
 *
 * Latency: the walk is sequential, but what it will ask is often known
 * long before it gets there. When a record is parsed, the planner replays
 * the walk ahead of its current position over every record already known,
 * counting DNS-causing terms exactly as the walk will (§4.6.4), and asks
 * right away for the questions of terms without macros: the TXT record of
 * include: and redirect= targets, the address/MX question of a, mx, exists,
 * the PTR of ptr. A term is asked ahead only if its position in that replay
 * is within the budget: the replay counts every term the walk will count
 * before it, except those of records not known yet, so its position there
 * is a lower bound of the walk's, and nothing known to lie past the limit is
 * ever asked. A question asked ahead and never asked by the walk means the
 * walk stopped before that term (a match, an error, or a record that
 * arrived later and pushed the term past the limit). Asking ahead stops
 * at half of the message's DNS question budget, so the other half is always
 * left to the walk. When records asked ahead arrive they are parsed and
 * planned in turn, so the wall time of a check grows with the include
 * depth, not with the number of lookups. The walk still asks (the client returns the question
 * already held) and does all accounting, so the result is exactly that of
 * the sequential evaluation.
 */
#include <string.h>

#include "domain/domain.h"
#include "spf/spf_int.h"
#include "util/alloc.h"

#define PLAN_DEPTH_MAX 32u /* nesting followed by the replay */

mailauth__spf_rc_t *
mailauth__spf_rc_get(mailauth__spf_t *s, const char *name, size_t len, bool ask)
{
    mailauth__spf_rc_t *rc;
    mailauth_status_t   st;
    for (size_t i = 0; i < s->nrc; i++) {
        if (mailauth__domain_eq(s->rc[i].name, s->rc[i].len, name, len))
            return &s->rc[i];
    }
    if (!ask)
        return NULL;
    if (s->nrc == s->caprc) {
        size_t              cap = s->caprc != 0 ? s->caprc * 2 : 8;
        mailauth__spf_rc_t *grown = mailauth__arena_calloc(s->a, cap, sizeof(*grown));
        if (grown == NULL)
            return NULL;
        if (s->nrc != 0)
            memcpy(grown, s->rc, s->nrc * sizeof(*grown));
        /* The walk holds a pointer into the table: keep it valid. */
        if (s->op.rc != NULL)
            s->op.rc = grown + (s->op.rc - s->rc);
        s->rc = grown;
        s->caprc = cap;
    }
    rc = &s->rc[s->nrc];
    memset(rc, 0, sizeof(*rc));
    if (len > 0 && name[len - 1] == '.')
        len--;
    rc->name = mailauth__arena_strndup(s->a, name, len);
    if (rc->name == NULL)
        return NULL;
    rc->len = len;
    rc->state = MAILAUTH__SPF_RC_ASKED;
    st = mailauth__dnsc_ask(s->dns, name, len, MAILAUTH_DNS_TXT, &rc->q);
    if (st == MAILAUTH_ENOMEM)
        return NULL;
    if (st == MAILAUTH_ELIMIT)
        rc->state = MAILAUTH__SPF_RC_TEMPFAIL;
    else if (st != MAILAUTH_OK) /* not a name DNS can carry: nothing there */
        rc->state = MAILAUTH__SPF_RC_NONE;
    s->nrc++;
    return rc;
}

static void
free_record(const mailauth_allocator_t *al, void *rec)
{
    mailauth__free(al, rec);
}

/* Parse the record, or take the parse kept with the cached answer: the same
 * text gives the same record, and evaluations of the same policy then parse
 * it once per TTL. Only a record that parses is kept; a syntax error is
 * found again by every evaluation. */
static mailauth_status_t
parse_answer(mailauth__spf_t *s, mailauth__spf_rc_t *rc, const mailauth__dns_rr_t *pick)
{
    const mailauth_allocator_t   *al = mailauth__dnsc_allocator(s->dns);
    const mailauth__spf_record_t *rec = mailauth__dnsc_memo(s->dns, rc->q, free_record);
    mailauth_status_t             st;
    if (rec != NULL) {
        rc->rec = rec;
        return MAILAUTH_OK;
    }
    st = mailauth__spf_record_parse_heap(al, (const char *)pick->data, pick->len, &rec, &rc->syn);
    if (st != MAILAUTH_OK)
        return st;
    if (!mailauth__dnsc_set_memo(s->dns, rc->q, (void *)(uintptr_t)rec, free_record)) {
        mailauth__free(al, (void *)(uintptr_t)rec); /* cannot be kept: parse into the arena */
        return mailauth__spf_record_parse(s->a, (const char *)pick->data, pick->len, &rc->rec,
                                          &rc->syn);
    }
    rc->rec = rec;
    return MAILAUTH_OK;
}

/* §4.5: exactly one record starting "v=spf1"; TXT strings come joined (§3.3). */
static bool
select_record(mailauth__spf_t *s, mailauth__spf_rc_t *rc, const mailauth__dns_result_t *r)
{
    const mailauth__dns_rr_t *pick = NULL;
    mailauth_status_t         st;
    for (size_t i = 0; i < r->count; i++) {
        if (!mailauth__spf_is_v1((const char *)r->rr[i].data, r->rr[i].len))
            continue;
        if (pick != NULL) {
            rc->state = MAILAUTH__SPF_RC_MULTI;
            return true;
        }
        pick = &r->rr[i];
    }
    if (pick == NULL) {
        rc->state = MAILAUTH__SPF_RC_NONE;
        return true;
    }
    st = parse_answer(s, rc, pick);
    if (st == MAILAUTH_ENOMEM)
        return false;
    rc->state = st == MAILAUTH_OK ? MAILAUTH__SPF_RC_READY : MAILAUTH__SPF_RC_SYNTAX;
    if (st == MAILAUTH_OK)
        s->plan_dirty = true;
    return true;
}

bool
mailauth__spf_rc_settle(mailauth__spf_t *s, mailauth__spf_rc_t *rc)
{
    const mailauth__dns_result_t *r;
    if (rc->state != MAILAUTH__SPF_RC_ASKED)
        return true;
    r = mailauth__dnsc_result(s->dns, rc->q);
    if (r == NULL)
        return true;
    switch (r->rcode) {
    case MAILAUTH_DNS_RECORDS:
        return select_record(s, rc, r);
    case MAILAUTH_DNS_TEMPFAIL:
        rc->state = MAILAUTH__SPF_RC_TEMPFAIL;
        return true;
    default: /* §4.3: NXDOMAIN; NODATA: no record */
        rc->state = MAILAUTH__SPF_RC_NONE;
        return true;
    }
}

bool
mailauth__spf_rc_poll(mailauth__spf_t *s)
{
    for (size_t i = 0; i < s->nrc; i++) {
        if (!mailauth__spf_rc_settle(s, &s->rc[i]))
            return false;
    }
    return true;
}

/* ---- Planner ---- */

typedef struct plan {
    mailauth__spf_t *s;
    unsigned         count; /* replayed §4.6.4 count */
    unsigned         depth;
    bool             ptr_seen;
    bool             stop; /* budget reached, or out of memory */
    bool             nomem;
} plan_t;

static void plan_record(plan_t *p, const mailauth__spf_record_t *rec, const char *dom, size_t dlen);

/* Leave half of the message's DNS question budget to questions the walk must ask. */
static bool
may_ask(const mailauth__spf_t *s)
{
    return s->dns->max_asked == 0 || s->dns->asked < s->dns->max_asked / 2;
}

static void
prefetch(plan_t *p, const char *name, size_t len, mailauth_dns_type_t type)
{
    mailauth__dns_q_t *q = NULL;
    if (may_ask(p->s) && mailauth__dnsc_ask(p->s->dns, name, len, type, &q) == MAILAUTH_ENOMEM)
        p->nomem = p->stop = true;
}

static void
plan_target(plan_t *p, const mailauth__spf_term_t *t, const char *name, size_t len)
{
    mailauth__spf_t    *s = p->s;
    mailauth__spf_rc_t *rc;
    switch (t->mech) {
    case MAILAUTH__SPF_A:
        prefetch(p, name, len, s->atype);
        return;
    case MAILAUTH__SPF_MX:
        prefetch(p, name, len, MAILAUTH_DNS_MX);
        return;
    case MAILAUTH__SPF_EXISTS:
        prefetch(p, name, len, MAILAUTH_DNS_A);
        return;
    default:
        break; /* include, redirect */
    }
    rc = mailauth__spf_rc_get(s, name, len, may_ask(s));
    if (rc == NULL) {
        p->nomem = p->stop = may_ask(s);
        return;
    }
    if (rc->state == MAILAUTH__SPF_RC_READY && p->depth < PLAN_DEPTH_MAX) {
        p->depth++;
        plan_record(p, rc->rec, rc->name, rc->len);
        p->depth--;
    }
}

/* One term of the replay: count it as the walk will, then ask ahead. */
static void
plan_term(plan_t *p, const mailauth__spf_term_t *t, const char *dom, size_t dlen)
{
    const char *name = dom;
    size_t      len = dlen;
    if (!mailauth__spf_term_is_dns(t))
        return;
    if (++p->count > p->s->max_terms) {
        p->stop = true;
        return;
    }
    if ((t->flags & MAILAUTH__SPF_T_PMACRO) && !p->ptr_seen) {
        p->ptr_seen = true;
        if (++p->count > p->s->max_terms) {
            p->stop = true;
            return;
        }
    }
    if (t->mech == MAILAUTH__SPF_PTR) { /* the PTR question does not depend on the target */
        p->ptr_seen = true;
        if (p->s->vp.phase == MAILAUTH__SPF_VP_IDLE && may_ask(p->s) &&
            mailauth__spf_vp_step(p->s) == MAILAUTH__SPF_NOMEM)
            p->nomem = p->stop = true;
        return;
    }
    if (t->flags & MAILAUTH__SPF_T_MACRO)
        return; /* the name is known only when the walk gets there */
    if (t->spec != NULL) {
        name = t->spec;
        len = t->spec_len;
        if (len > 0 && name[len - 1] == '.')
            len--;
    }
    if (mailauth__domain_check(name, len, 0))
        plan_target(p, t, name, len);
}

/* The mechanisms after text offset pos. */
static void
plan_terms(plan_t *p, const mailauth__spf_record_t *rec, size_t pos, const char *dom, size_t dlen)
{
    mailauth__spf_term_t t;
    while (!p->stop && mailauth__spf_record_next(rec, &pos, &t))
        plan_term(p, &t, dom, dlen);
}

static void
plan_redirect(plan_t *p, const mailauth__spf_record_t *rec, const char *dom, size_t dlen)
{
    if (!p->stop && rec->redirect != NULL && !rec->has_all)
        plan_term(p, rec->redirect, dom, dlen);
}

static void
plan_record(plan_t *p, const mailauth__spf_record_t *rec, const char *dom, size_t dlen)
{
    plan_terms(p, rec, 0, dom, dlen);
    plan_redirect(p, rec, dom, dlen);
}

mailauth_status_t
mailauth__spf_plan(mailauth__spf_t *s)
{
    plan_t p;
    memset(&p, 0, sizeof(p));
    p.s = s;
    p.count = s->terms;
    p.ptr_seen = s->ptr_seen;
    s->plan_dirty = false;
    /* Replay from where the walk is: the rest of each frame, innermost first. */
    for (size_t d = s->depth; d-- > 0 && !p.stop;) {
        const mailauth__spf_frame_t *f = &s->frames[d];
        /* The innermost frame's current term is counted once its op started;
         * an outer frame's current term is the include being evaluated. */
        bool started = d + 1 < s->depth || s->op.phase != MAILAUTH__SPF_OP_START;
        if (f->phase == MAILAUTH__SPF_F_MECHS) {
            if (f->have_cur && !started)
                plan_term(&p, &f->cur, f->domain, f->dlen);
            plan_terms(&p, f->rec, f->pos, f->domain, f->dlen);
            plan_redirect(&p, f->rec, f->domain, f->dlen);
        } else if (!started) {
            plan_redirect(&p, f->rec, f->domain, f->dlen);
        }
    }
    return p.nomem ? MAILAUTH_ENOMEM : MAILAUTH_OK;
}
