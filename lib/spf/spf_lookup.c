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
 * depth, not with the number of lookups. The walk still asks (the client
 * returns the question already held) and does all accounting, so the result
 * is exactly that of the sequential evaluation.
 *
 * Nothing here calls back into the walker: it hands over where it is
 * (mailauth__spf_plan_in_t), and the record table is its own.
 */
#include <string.h>

#include "domain/domain.h"
#include "spf/spf_int.h"
#include "util/alloc.h"

#define PLAN_DEPTH_MAX 32u /* nesting followed by the replay */

/* Room for one more entry; false on ENOMEM. */
static bool
reserve(mailauth__spf_recs_t *rs)
{
    size_t               cap;
    mailauth__spf_rc_t **grown;
    if (rs->n < rs->cap)
        return true;
    cap = rs->cap != 0 ? rs->cap * 2 : 8;
    grown = mailauth__arena_calloc(rs->a, cap, sizeof(*grown));
    if (grown == NULL)
        return false;
    if (rs->n != 0) /* only the pointers move: the walker may hold an entry */
        memcpy(grown, rs->rc, rs->n * sizeof(*grown));
    rs->rc = grown;
    rs->cap = cap;
    return true;
}

mailauth__spf_rc_t *
mailauth__spf_rc_get(mailauth__spf_recs_t *rs, const char *name, size_t len, bool ask)
{
    mailauth__spf_rc_t *rc;
    mailauth_status_t   st;
    for (size_t i = 0; i < rs->n; i++) {
        if (mailauth__domain_eq(rs->rc[i]->name, rs->rc[i]->len, name, len))
            return rs->rc[i];
    }
    if (!ask || !reserve(rs))
        return NULL;
    rc = mailauth__arena_calloc(rs->a, 1, sizeof(*rc));
    if (rc == NULL)
        return NULL;
    if (len > 0 && name[len - 1] == '.')
        len--;
    rc->name = mailauth__arena_strndup(rs->a, name, len);
    if (rc->name == NULL)
        return NULL;
    rc->len = len;
    rc->state = MAILAUTH__SPF_RC_ASKED;
    st = mailauth__dnsc_ask(rs->dns, name, len, MAILAUTH_DNS_TXT, &rc->q);
    if (st == MAILAUTH_ENOMEM)
        return NULL;
    if (st == MAILAUTH_ELIMIT)
        rc->state = MAILAUTH__SPF_RC_TEMPFAIL;
    else if (st != MAILAUTH_OK) /* not a name DNS can carry: nothing there */
        rc->state = MAILAUTH__SPF_RC_NONE;
    rs->rc[rs->n++] = rc;
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
parse_answer(mailauth__spf_recs_t *rs, mailauth__spf_rc_t *rc, const mailauth__dns_rr_t *pick)
{
    const mailauth_allocator_t   *al = mailauth__dnsc_allocator(rs->dns);
    const mailauth__spf_record_t *rec = mailauth__dnsc_memo(rs->dns, rc->q, free_record);
    mailauth_status_t             st;
    if (rec != NULL) {
        rc->rec = rec;
        return MAILAUTH_OK;
    }
    st = mailauth__spf_record_parse_heap(al, (const char *)pick->data, pick->len, &rec, &rc->syn);
    if (st != MAILAUTH_OK)
        return st;
    if (!mailauth__dnsc_set_memo(rs->dns, rc->q, (void *)(uintptr_t)rec, free_record)) {
        mailauth__free(al, (void *)(uintptr_t)rec); /* cannot be kept: parse into the arena */
        return mailauth__spf_record_parse(rs->a, (const char *)pick->data, pick->len, &rc->rec,
                                          &rc->syn);
    }
    rc->rec = rec;
    return MAILAUTH_OK;
}

/* §4.5: exactly one record starting "v=spf1"; TXT strings come joined (§3.3). */
static bool
select_record(mailauth__spf_recs_t *rs, mailauth__spf_rc_t *rc, const mailauth__dns_result_t *r)
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
    st = parse_answer(rs, rc, pick);
    if (st == MAILAUTH_ENOMEM)
        return false;
    rc->state = st == MAILAUTH_OK ? MAILAUTH__SPF_RC_READY : MAILAUTH__SPF_RC_SYNTAX;
    if (st == MAILAUTH_OK)
        rs->dirty = true;
    return true;
}

bool
mailauth__spf_rc_settle(mailauth__spf_recs_t *rs, mailauth__spf_rc_t *rc)
{
    const mailauth__dns_result_t *r;
    if (rc->state != MAILAUTH__SPF_RC_ASKED)
        return true;
    r = mailauth__dnsc_result(rs->dns, rc->q);
    if (r == NULL)
        return true;
    switch (r->rcode) {
    case MAILAUTH_DNS_RECORDS:
        return select_record(rs, rc, r);
    case MAILAUTH_DNS_TEMPFAIL:
        rc->state = MAILAUTH__SPF_RC_TEMPFAIL;
        return true;
    default: /* §4.3: NXDOMAIN; NODATA: no record */
        rc->state = MAILAUTH__SPF_RC_NONE;
        return true;
    }
}

bool
mailauth__spf_rc_poll(mailauth__spf_recs_t *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        if (!mailauth__spf_rc_settle(rs, rs->rc[i]))
            return false;
    }
    return true;
}

/* ---- Planner ---- */

typedef struct plan {
    mailauth__spf_recs_t          *rs;
    const mailauth__spf_plan_in_t *in;
    unsigned                       count; /* replayed §4.6.4 count */
    unsigned                       depth;
    bool                           ptr_seen;
    bool                           stop; /* budget reached, or out of memory */
    bool                           nomem;
} plan_t;

static void plan_record(plan_t *p, const mailauth__spf_record_t *rec, const char *dom, size_t dlen);

/* Leave half of the message's DNS question budget to questions the walk must ask. */
static bool
may_ask(const plan_t *p)
{
    const mailauth__dnsc_t *dns = p->rs->dns;
    return dns->max_asked == 0 || dns->asked < dns->max_asked / 2;
}

static void
prefetch(plan_t *p, const char *name, size_t len, mailauth_dns_type_t type)
{
    mailauth__dns_q_t *q = NULL;
    if (may_ask(p) && mailauth__dnsc_ask(p->rs->dns, name, len, type, &q) == MAILAUTH_ENOMEM)
        p->nomem = p->stop = true;
}

static void
plan_record_of(plan_t *p, const char *name, size_t len)
{
    mailauth__spf_rc_t *rc = mailauth__spf_rc_get(p->rs, name, len, may_ask(p));
    if (rc == NULL) {
        p->nomem = p->stop = may_ask(p);
        return;
    }
    if (rc->state == MAILAUTH__SPF_RC_READY && p->depth < PLAN_DEPTH_MAX) {
        p->depth++;
        plan_record(p, rc->rec, rc->name, rc->len);
        p->depth--;
    }
}

/* §4.6.4: count as the walk will; false once past the budget. */
static bool
plan_count(plan_t *p)
{
    if (++p->count <= p->in->max_terms)
        return true;
    p->stop = true;
    return false;
}

/* One term of the replay: count it as the walk will, then ask ahead. */
static void
plan_term(plan_t *p, const mailauth__spf_term_t *t, const char *dom, size_t dlen)
{
    mailauth_dns_type_t type = mailauth__spf_mech_question(t, p->in->atype);
    const char         *name = dom;
    size_t              len = dlen;
    char                rev[80];
    if (!mailauth__spf_term_is_dns(t) || !plan_count(p))
        return;
    if ((t->flags & MAILAUTH__SPF_T_PMACRO) && !p->ptr_seen) {
        p->ptr_seen = true;
        if (!plan_count(p))
            return;
    }
    if (type == MAILAUTH_DNS_PTR) { /* the PTR question does not depend on the target */
        p->ptr_seen = true;
        mailauth__ip_reverse_name(p->in->ip, rev, sizeof(rev));
        prefetch(p, rev, strlen(rev), MAILAUTH_DNS_PTR);
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
    if (!mailauth__domain_check(name, len, 0))
        return;
    if (type == MAILAUTH_DNS_TXT)
        plan_record_of(p, name, len);
    else
        prefetch(p, name, len, type);
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
mailauth__spf_plan(mailauth__spf_recs_t *rs, const mailauth__spf_plan_in_t *in)
{
    plan_t p;
    memset(&p, 0, sizeof(p));
    p.rs = rs;
    p.in = in;
    p.count = in->terms;
    p.ptr_seen = in->ptr_seen;
    rs->dirty = false;
    /* Replay from where the walk is: the rest of each frame, innermost first. */
    for (size_t d = in->depth; d-- > 0 && !p.stop;) {
        const mailauth__spf_frame_t *f = &in->frames[d];
        /* The innermost frame's current term is counted once the walk started
         * it; an outer frame's current term is the include being evaluated. */
        bool started = d + 1 < in->depth || in->started;
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
