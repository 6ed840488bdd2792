/* SPF mechanisms that ask DNS (RFC 7208 §5.2-§5.7) and redirect (§6.1).
 *
 * Each function is re-entered after a wake with s->op remembering how far
 * the current term got; the term is counted once (§4.6.4), before its
 * first lookup.
 */
#include <string.h>

#include "domain/domain.h"
#include "spf/spf_int.h"

/* §4.6.4: NXDOMAIN or no answer counts as a void lookup; the third is a permerror. */
static bool
void_lookup(mailauth__spf_t *s, const mailauth__spf_term_t *t)
{
    if (++s->voids <= s->max_void)
        return true;
    mailauth__spf_error(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_SPF_VOID_LIMIT,
                        "too many void DNS lookups at %.*s", (int)t->text_len, t->text);
    return false;
}

static size_t
strip_dot(const char *s, size_t n)
{
    return (n > 0 && s[n - 1] == '.') ? n - 1 : n;
}

mailauth__spf_rv_t
mailauth__spf_target(mailauth__spf_t *s, const mailauth__spf_term_t *t, const char *dom,
                     size_t dlen, bool count_p, char *buf, const char **name, size_t *nlen)
{
    mailauth__spf_macro_env_t env;
    size_t                    n = 0;
    *name = NULL;
    *nlen = 0;
    if (t->spec == NULL) { /* §4.8: no domain-spec: the current <domain> */
        *name = dom;
        *nlen = dlen;
        return MAILAUTH__SPF_NOMATCH;
    }
    if (!(t->flags & MAILAUTH__SPF_T_MACRO)) {
        *name = t->spec;
        *nlen = strip_dot(t->spec, t->spec_len); /* §7.3: a trailing dot is ignored */
        return MAILAUTH__SPF_NOMATCH;
    }
    if ((t->flags & MAILAUTH__SPF_T_PMACRO) && s->vp.phase != MAILAUTH__SPF_VP_DONE) {
        mailauth__spf_rv_t rv;
        /* §4.6.4: the PTR lookup of %{p} counts like the ptr mechanism's, once */
        if (count_p && !s->ptr_seen) {
            s->ptr_seen = true;
            if (!mailauth__spf_count(s, t, "%{p} in "))
                return MAILAUTH__SPF_MOVED;
        }
        rv = mailauth__spf_vp_step(s);
        if (rv != MAILAUTH__SPF_NOMATCH)
            return rv;
    }
    env = *mailauth__spf_env(s);
    env.d = (mailauth__spf_str_t){dom, dlen};
    env.p = mailauth__spf_vp_pick(s, dom, dlen);
    if (mailauth__spf_macro_expand(&env, t->spec, t->spec_len, MAILAUTH__SPF_MACRO_DOMAIN, buf,
                                   sizeof(s->op.buf), &n) != MAILAUTH_OK)
        n = 0;
    *name = buf;
    *nlen = n;
    return MAILAUTH__SPF_NOMATCH;
}

/* Count the term, then compute its target; NOMATCH when op->name is set. */
static mailauth__spf_rv_t
prepare(mailauth__spf_t *s, const mailauth__spf_frame_t *f, const mailauth__spf_term_t *t)
{
    mailauth__spf_op_t *op = &s->op;
    mailauth__spf_rv_t  rv;
    if (op->phase == MAILAUTH__SPF_OP_START) {
        if (!mailauth__spf_count(s, t, ""))
            return MAILAUTH__SPF_MOVED;
        if (t->mech == MAILAUTH__SPF_PTR)
            s->ptr_seen = true;
        op->phase = MAILAUTH__SPF_OP_TARGET;
    }
    if (op->phase == MAILAUTH__SPF_OP_TARGET) {
        rv = mailauth__spf_target(s, t, f->domain, f->dlen, true, op->buf, &op->name, &op->nlen);
        if (rv != MAILAUTH__SPF_NOMATCH)
            return rv;
        /* An expansion that is no usable name is treated like a name that does
         * not exist (§4.3 by analogy): no lookup, no match. */
        if (op->nlen != 0 && !mailauth__domain_check(op->name, op->nlen, 0))
            op->nlen = 0;
        op->phase = MAILAUTH__SPF_OP_ASK;
    }
    return MAILAUTH__SPF_NOMATCH;
}

/* Ask the term's question once; NOMATCH with op->q set (NULL: no answer). */
static mailauth__spf_rv_t
ask_once(mailauth__spf_t *s, const mailauth__spf_term_t *t, mailauth_dns_type_t type)
{
    mailauth__spf_op_t *op = &s->op;
    mailauth__spf_rv_t  rv = MAILAUTH__SPF_NOMATCH;
    if (op->phase == MAILAUTH__SPF_OP_ASK) {
        op->q = NULL;
        if (op->nlen != 0)
            rv = mailauth__spf_ask(s, t, op->name, op->nlen, type, &op->q);
        op->phase = MAILAUTH__SPF_OP_WAIT;
    }
    return rv;
}

static bool
addr_match(const mailauth__spf_t *s, const mailauth__dns_rr_t *rr, unsigned prefix)
{
    mailauth__ip_t a;
    memset(&a, 0, sizeof(a));
    if (rr->len == 4 && s->ip.family == 4)
        a.family = 4;
    else if (rr->len == 16 && s->ip.family == 6)
        a.family = 6;
    else
        return false;
    memcpy(a.addr, rr->data, rr->len);
    return mailauth__ip_match(&s->ip, &a, prefix);
}

static bool
any_addr(const mailauth__spf_t *s, const mailauth__dns_result_t *r, unsigned prefix)
{
    for (size_t i = 0; i < r->count; i++) {
        if (addr_match(s, &r->rr[i], prefix))
            return true;
    }
    return false;
}

/* The answer to op->q: NULL while pending; on TEMPFAIL the check ends
 * (§5: DNS error: temperror) and *rv is MOVED. */
static const mailauth__dns_result_t *
answer(mailauth__spf_t *s, const mailauth__spf_term_t *t, const char *what, mailauth__spf_rv_t *rv)
{
    const mailauth__dns_result_t *r = mailauth__dnsc_result(s->dns, s->op.q);
    *rv = MAILAUTH__SPF_WAIT;
    if (r == NULL)
        return NULL;
    if (r->rcode == MAILAUTH_DNS_TEMPFAIL) {
        mailauth__spf_tempfail(s, t, what, s->op.name, s->op.nlen);
        *rv = MAILAUTH__SPF_MOVED;
        return NULL;
    }
    *rv = MAILAUTH__SPF_NOMATCH;
    return r;
}

/* §5.3 a, §5.7 exists: one address lookup. */
static mailauth__spf_rv_t
mech_addr(mailauth__spf_t *s, const mailauth__spf_term_t *t)
{
    bool                          exists = t->mech == MAILAUTH__SPF_EXISTS;
    mailauth_dns_type_t           type = exists ? MAILAUTH_DNS_A : s->atype; /* §5.7: always A */
    const mailauth__dns_result_t *r;
    mailauth__spf_rv_t            rv = ask_once(s, t, type);
    if (rv != MAILAUTH__SPF_NOMATCH)
        return rv;
    if (s->op.q == NULL)
        return MAILAUTH__SPF_NOMATCH;
    r = answer(s, t, type == MAILAUTH_DNS_A ? "A" : "AAAA", &rv);
    if (r == NULL)
        return rv;
    if (r->rcode != MAILAUTH_DNS_RECORDS) /* §5: NXDOMAIN is like no records */
        return void_lookup(s, t) ? MAILAUTH__SPF_NOMATCH : MAILAUTH__SPF_MOVED;
    if (exists)
        return MAILAUTH__SPF_MATCH;
    return any_addr(s, r, s->ip.family == 4 ? t->cidr4 : t->cidr6) ? MAILAUTH__SPF_MATCH
                                                                   : MAILAUTH__SPF_NOMATCH;
}

/* §5.4: ask the address of every MX host at once. */
static mailauth__spf_rv_t
mx_hosts(mailauth__spf_t *s, const mailauth__spf_term_t *t, const mailauth__dns_result_t *r)
{
    /* §4.6.4: more than 10 MX names is a permerror */
    if (r->count > s->max_mx) {
        mailauth__spf_error(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_SPF_MX_LIMIT,
                            "more than %u MX records at %.*s", (unsigned)s->max_mx,
                            (int)t->text_len, t->text);
        return MAILAUTH__SPF_MOVED;
    }
    for (size_t i = 0; i < r->count; i++) {
        const char        *host = (const char *)r->rr[i].data;
        size_t             hlen = strip_dot(host, r->rr[i].len);
        mailauth__spf_rv_t rv = MAILAUTH__SPF_NOMATCH;
        s->hq[i] = NULL;
        /* RFC 7505 null MX ("."), and names the DNS cannot carry, have no address */
        if (hlen != 0 && mailauth__domain_check(host, hlen, 0))
            rv = mailauth__spf_ask(s, t, host, hlen, s->atype, &s->hq[i]);
        if (rv != MAILAUTH__SPF_NOMATCH)
            return rv;
    }
    s->op.mx = r;
    s->op.phase = MAILAUTH__SPF_OP_HOSTS;
    return MAILAUTH__SPF_NOMATCH;
}

/* Hosts in answer order, as a sequential evaluation would visit them. */
static mailauth__spf_rv_t
mx_check(mailauth__spf_t *s, const mailauth__spf_term_t *t)
{
    const mailauth__dns_result_t *mx = s->op.mx;
    unsigned                      prefix = s->ip.family == 4 ? t->cidr4 : t->cidr6;
    for (size_t i = 0; i < mx->count; i++) {
        const mailauth__dns_result_t *r;
        if (s->hq[i] == NULL)
            continue;
        r = mailauth__dnsc_result(s->dns, s->hq[i]);
        if (r == NULL)
            return MAILAUTH__SPF_WAIT;
        if (r->rcode == MAILAUTH_DNS_TEMPFAIL) {
            mailauth__spf_tempfail(s, t, s->atype == MAILAUTH_DNS_A ? "A" : "AAAA",
                                   (const char *)mx->rr[i].data, mx->rr[i].len);
            return MAILAUTH__SPF_MOVED;
        }
        if (r->rcode == MAILAUTH_DNS_RECORDS && any_addr(s, r, prefix))
            return MAILAUTH__SPF_MATCH;
    }
    return MAILAUTH__SPF_NOMATCH;
}

static mailauth__spf_rv_t
mech_mx(mailauth__spf_t *s, const mailauth__spf_term_t *t)
{
    const mailauth__dns_result_t *r;
    mailauth__spf_rv_t            rv;
    if (s->op.phase == MAILAUTH__SPF_OP_HOSTS)
        return mx_check(s, t);
    rv = ask_once(s, t, MAILAUTH_DNS_MX);
    if (rv != MAILAUTH__SPF_NOMATCH || s->op.q == NULL)
        return rv;
    r = answer(s, t, "MX", &rv);
    if (r == NULL)
        return rv;
    if (r->rcode != MAILAUTH_DNS_RECORDS) /* §5.4: no MX: no match, no A fallback */
        return void_lookup(s, t) ? MAILAUTH__SPF_NOMATCH : MAILAUTH__SPF_MOVED;
    rv = mx_hosts(s, t, r);
    return rv != MAILAUTH__SPF_NOMATCH ? rv : mx_check(s, t);
}

/* §5.5: a validated name of the client equals or ends in the target. A
 * failed PTR lookup is no match, not an error. */
static mailauth__spf_rv_t
mech_ptr(mailauth__spf_t *s, const mailauth__spf_term_t *t)
{
    mailauth__spf_rv_t rv = mailauth__spf_vp_step(s);
    if (rv != MAILAUTH__SPF_NOMATCH)
        return rv;
    if (s->op.phase == MAILAUTH__SPF_OP_ASK) { /* account for the PTR answer once */
        s->op.phase = MAILAUTH__SPF_OP_WAIT;
        if ((s->vp.rcode == MAILAUTH_DNS_NXDOMAIN || s->vp.rcode == MAILAUTH_DNS_NODATA) &&
            !void_lookup(s, t))
            return MAILAUTH__SPF_MOVED;
    }
    if (s->op.nlen == 0)
        return MAILAUTH__SPF_NOMATCH;
    return mailauth__spf_vp_match(s, s->op.name, s->op.nlen) ? MAILAUTH__SPF_MATCH
                                                             : MAILAUTH__SPF_NOMATCH;
}

/* The record lookup of include/redirect: settle it, report what is not a
 * record. An empty answer here is not counted as a void lookup (§4.6.4): it
 * is a permerror already (§5.2, §6.1), with the more telling reason. */
static mailauth__spf_rv_t
record_of(mailauth__spf_t *s, const mailauth__spf_term_t *t)
{
    mailauth__spf_op_t *op = &s->op;
    bool                inc = t->mech == MAILAUTH__SPF_INCLUDE;
    mailauth_reason_t   none =
        inc ? MAILAUTH_REASON_SPF_INCLUDE_NONE : MAILAUTH_REASON_SPF_REDIRECT_NONE;
    if (op->phase == MAILAUTH__SPF_OP_ASK) {
        /* §5.2 include of none, §6.1 redirect to none or to a malformed name: permerror */
        if (op->nlen == 0) {
            mailauth__spf_error(s, MAILAUTH_VERDICT_PERMERROR, none,
                                "target is not a valid domain name at %.*s", (int)t->text_len,
                                t->text);
            return MAILAUTH__SPF_MOVED;
        }
        op->rc = mailauth__spf_rc_get(s, op->name, op->nlen, true);
        if (op->rc == NULL)
            return MAILAUTH__SPF_NOMEM;
        op->phase = MAILAUTH__SPF_OP_WAIT;
    }
    if (!mailauth__spf_rc_settle(s, op->rc))
        return MAILAUTH__SPF_NOMEM;
    switch (op->rc->state) {
    case MAILAUTH__SPF_RC_ASKED:
        return MAILAUTH__SPF_WAIT;
    case MAILAUTH__SPF_RC_READY:
        return MAILAUTH__SPF_MATCH;
    case MAILAUTH__SPF_RC_NONE:
        mailauth__spf_error(s, MAILAUTH_VERDICT_PERMERROR, none, "no SPF record at %.*s",
                            (int)t->text_len, t->text);
        break;
    case MAILAUTH__SPF_RC_MULTI:
        mailauth__spf_error(s, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_SPF_MULTIPLE_RECORDS,
                            "multiple SPF records at %.*s", (int)t->text_len, t->text);
        break;
    case MAILAUTH__SPF_RC_SYNTAX:
        mailauth__spf_error(s, MAILAUTH_VERDICT_PERMERROR, op->rc->syn.reason,
                            "%s at '%.*s' in the record of %.*s (from %.*s)", op->rc->syn.what,
                            (int)op->rc->syn.term_len, op->rc->syn.term, (int)op->rc->len,
                            op->rc->name, (int)t->text_len, t->text);
        break;
    default: /* §5.2: temperror propagates */
        mailauth__spf_tempfail(s, t, "TXT", op->rc->name, op->rc->len);
        break;
    }
    return MAILAUTH__SPF_MOVED;
}

mailauth__spf_rv_t
mailauth__spf_mech(mailauth__spf_t *s, mailauth__spf_frame_t *f, const mailauth__spf_term_t *t)
{
    mailauth__spf_rv_t rv;
    switch (t->mech) {
    case MAILAUTH__SPF_ALL: /* §5.1 */
        return MAILAUTH__SPF_MATCH;
    case MAILAUTH__SPF_IP4: /* §5.6: cidr4 holds the prefix of ip4 and ip6 */
    case MAILAUTH__SPF_IP6:
        return mailauth__ip_match(&s->ip, &t->net, t->cidr4) ? MAILAUTH__SPF_MATCH
                                                             : MAILAUTH__SPF_NOMATCH;
    default:
        break;
    }
    rv = prepare(s, f, t);
    if (rv != MAILAUTH__SPF_NOMATCH)
        return rv;
    switch (t->mech) {
    case MAILAUTH__SPF_A:
    case MAILAUTH__SPF_EXISTS:
        return mech_addr(s, t);
    case MAILAUTH__SPF_MX:
        return mech_mx(s, t);
    case MAILAUTH__SPF_PTR:
        return mech_ptr(s, t);
    default: /* include: §5.2, a recursive check_host() on the target */
        rv = record_of(s, t);
        return rv == MAILAUTH__SPF_MATCH ? mailauth__spf_push(s, s->op.rc) : rv;
    }
}

mailauth__spf_rv_t
mailauth__spf_redirect(mailauth__spf_t *s, mailauth__spf_frame_t *f)
{
    const mailauth__spf_term_t *t = f->rec->redirect;
    mailauth__spf_rv_t          rv = prepare(s, f, t);
    if (rv != MAILAUTH__SPF_NOMATCH)
        return rv;
    rv = record_of(s, t);
    if (rv != MAILAUTH__SPF_MATCH)
        return rv;
    /* §6.1: check_host() on the target; its result is this frame's result */
    f->rec = s->op.rc->rec;
    f->domain = s->op.rc->name;
    f->dlen = s->op.rc->len;
    f->pos = 0;
    f->have_cur = false;
    f->phase = MAILAUTH__SPF_F_MECHS;
    mailauth__spf_op_reset(s);
    return MAILAUTH__SPF_MOVED;
}
