/* SPF mechanisms (RFC 7208 §5) and redirect (§6.1), as pure functions.
 *
 * A mechanism neither asks DNS nor counts (§4.6.4 is the walker's, in
 * spf_eval.c). It is given its term, the answers the walker has for it so
 * far and the macro environment, and it says what it needs next or how
 * the term ended. Called again with more answers, it works out from them
 * where it is: ask for the target, read its answer, ask the MX hosts, ...
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domain/domain.h"
#include "spf/spf_int.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void
set(mailauth__spf_act_t *out, mailauth__spf_act_kind_t kind)
{
    out->kind = (uint8_t)kind;
}

static void
match(mailauth__spf_act_t *out, bool m)
{
    set(out, m ? MAILAUTH__SPF_ACT_MATCH : MAILAUTH__SPF_ACT_NOMATCH);
}

/* §4.6.4: an empty answer (NXDOMAIN or NODATA) is a void lookup. */
static void
nomatch_void(mailauth__spf_act_t *out)
{
    set(out, MAILAUTH__SPF_ACT_NOMATCH);
    out->void_lookup = true;
}

static void act_error(mailauth__spf_act_t *out, mailauth_verdict_t v, mailauth_reason_t reason,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
act_error(mailauth__spf_act_t *out, mailauth_verdict_t v, mailauth_reason_t reason, const char *fmt,
          ...)
{
    va_list ap;
    int     n;
    va_start(ap, fmt);
    n = vsnprintf(out->text, sizeof(out->text), fmt, ap);
    va_end(ap);
    if (n < 0)
        out->text[0] = '\0';
    set(out, MAILAUTH__SPF_ACT_ERROR);
    out->verdict = (uint8_t)v;
    out->reason = reason;
    out->len = strlen(out->text);
}

/* A lookup failed (§5: a DNS error is temperror); the walker words it. */
static void
tempfail(mailauth__spf_act_t *out, mailauth_dns_type_t type, const char *name, size_t len)
{
    if (len >= sizeof(out->text))
        len = sizeof(out->text) - 1;
    memcpy(out->text, name, len);
    out->text[len] = '\0';
    out->len = len;
    out->type = type;
    set(out, MAILAUTH__SPF_ACT_TEMPFAIL);
}

/* ---- Target ---- */

static void
take_name(mailauth__spf_act_t *out, const char *name, size_t len)
{
    if (len > 0 && name[len - 1] == '.') /* §7.3: a trailing dot is ignored */
        len--;
    /* An expansion that is no usable name is treated like a name that does
     * not exist (§4.3 by analogy). */
    if (len == 0 || len >= sizeof(out->text) || !mailauth__domain_check(name, len, 0)) {
        out->len = 0;
        return;
    }
    memmove(out->text, name, len);
    out->text[len] = '\0';
    out->len = len;
}

bool
mailauth__spf_target(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
                     const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    mailauth__spf_macro_env_t m;
    size_t                    n = 0;
    out->len = 0;
    if (t->spec == NULL) { /* §4.8: no domain-spec: the current <domain> */
        take_name(out, env->dom, env->dlen);
        return true;
    }
    if (!(t->flags & MAILAUTH__SPF_T_MACRO)) {
        take_name(out, t->spec, t->spec_len);
        return true;
    }
    if ((t->flags & MAILAUTH__SPF_T_PMACRO) && ans->vp == NULL) {
        set(out, MAILAUTH__SPF_ACT_NEED_PTR);
        return false;
    }
    m = *env->macro;
    m.d = (mailauth__spf_str_t){env->dom, env->dlen};
    m.p = (mailauth__spf_str_t){NULL, 0};
    if (t->flags & MAILAUTH__SPF_T_PMACRO)
        m.p = mailauth__spf_vp_pick(ans->vp, env->dom, env->dlen, &out->ptr_partial);
    if (mailauth__spf_macro_expand(&m, t->spec, t->spec_len, MAILAUTH__SPF_MACRO_DOMAIN, out->text,
                                   sizeof(out->text), &n) != MAILAUTH_OK)
        n = 0;
    take_name(out, out->text, n);
    return true;
}

/* First call: compute the target and ask (name, type). true when out is set. */
static bool
ask_target(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
           const mailauth__spf_menv_t *env, mailauth_dns_type_t type, mailauth__spf_act_t *out)
{
    if (ans->target != NULL)
        return false;
    if (!mailauth__spf_target(t, ans, env, out))
        return true;
    if (out->len == 0) { /* no usable name: no lookup, no match */
        set(out, MAILAUTH__SPF_ACT_NOMATCH);
        return true;
    }
    set(out, MAILAUTH__SPF_ACT_ASK);
    out->type = type;
    return true;
}

/* The answer to the target's question; NULL when out is set (pending, DNS error). */
static const mailauth__dns_result_t *
answer(const mailauth__spf_ans_t *ans, mailauth_dns_type_t type, mailauth__spf_act_t *out)
{
    if (ans->r == NULL) {
        set(out, MAILAUTH__SPF_ACT_WAIT);
        return NULL;
    }
    if (ans->r->rcode == MAILAUTH_DNS_TEMPFAIL) {
        tempfail(out, type, ans->target, ans->tlen);
        return NULL;
    }
    return ans->r;
}

/* ---- Address matching ---- */

static unsigned
prefix(const mailauth__spf_term_t *t, const mailauth__spf_menv_t *env)
{
    return env->ip->family == 4 ? t->cidr4 : t->cidr6;
}

static bool
addr_match(const mailauth__ip_t *ip, const mailauth__dns_rr_t *rr, unsigned bits)
{
    mailauth__ip_t a;
    memset(&a, 0, sizeof(a));
    if (rr->len == 4 && ip->family == 4)
        a.family = 4;
    else if (rr->len == 16 && ip->family == 6)
        a.family = 6;
    else
        return false;
    memcpy(a.addr, rr->data, rr->len);
    return mailauth__ip_match(ip, &a, bits);
}

static bool
any_addr(const mailauth__ip_t *ip, const mailauth__dns_result_t *r, unsigned bits)
{
    for (size_t i = 0; i < r->count; i++) {
        if (addr_match(ip, &r->rr[i], bits))
            return true;
    }
    return false;
}

/* ---- Mechanisms ---- */

typedef void mech_fn(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
                     const mailauth__spf_menv_t *env, mailauth__spf_act_t *out);

/* §5.1 */
static void
mech_all(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
         const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    (void)t, (void)ans, (void)env;
    match(out, true);
}

/* §5.6: cidr4 holds the prefix of ip4 and ip6 */
static void
mech_ip(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
        const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    (void)ans;
    match(out, mailauth__ip_match(env->ip, &t->net, t->cidr4));
}

/* §5.3 a, §5.7 exists: one address lookup (exists: always A). */
static void
mech_addr(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
          const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    bool                          exists = t->mech == MAILAUTH__SPF_EXISTS;
    mailauth_dns_type_t           type = exists ? MAILAUTH_DNS_A : env->atype;
    const mailauth__dns_result_t *r;
    if (ask_target(t, ans, env, type, out) || (r = answer(ans, type, out)) == NULL)
        return;
    if (r->rcode != MAILAUTH_DNS_RECORDS) /* §5: NXDOMAIN is like no records */
        nomatch_void(out);
    else
        match(out, exists || any_addr(env->ip, r, prefix(t, env)));
}

/* §5.4: the MX hosts, then the address of each, asked at once. Hosts are
 * read in answer order, as a sequential evaluation would visit them: a
 * match before a failing or pending host wins. */
static void
mech_mx(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
        const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    const mailauth__dns_result_t *r;
    if (ask_target(t, ans, env, MAILAUTH_DNS_MX, out) ||
        (r = answer(ans, MAILAUTH_DNS_MX, out)) == NULL)
        return;
    if (r->rcode != MAILAUTH_DNS_RECORDS) { /* no MX: no match, no A fallback */
        nomatch_void(out);
        return;
    }
    if (ans->hosts == NULL) { /* the walker holds the §4.6.4 MX limit */
        set(out, MAILAUTH__SPF_ACT_ASK_HOSTS);
        out->list = r;
        out->type = env->atype;
        return;
    }
    for (size_t i = 0; i < ans->nhosts && i < r->count; i++) {
        const mailauth__dns_result_t *h = ans->hosts[i];
        if (h == NULL) {
            set(out, MAILAUTH__SPF_ACT_WAIT);
            return;
        }
        if (h->rcode == MAILAUTH_DNS_TEMPFAIL) {
            tempfail(out, env->atype, (const char *)r->rr[i].data, r->rr[i].len);
            return;
        }
        if (h->rcode == MAILAUTH_DNS_RECORDS && any_addr(env->ip, h, prefix(t, env))) {
            match(out, true);
            return;
        }
    }
    match(out, false);
}

/* §5.5: a validated name of the client equals or ends in the target. A
 * failed PTR lookup is no match, not an error. */
static void
mech_ptr(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
         const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    const mailauth__spf_vp_t *vp = ans->vp;
    if (vp == NULL) { /* the PTR lookup is made whatever the target */
        set(out, MAILAUTH__SPF_ACT_NEED_PTR);
        return;
    }
    (void)mailauth__spf_target(t, ans, env, out); /* vp known: cannot need it */
    if (vp->rcode == MAILAUTH_DNS_NXDOMAIN || vp->rcode == MAILAUTH_DNS_NODATA) {
        nomatch_void(out);
        return;
    }
    if (out->len != 0 && mailauth__spf_vp_match(vp, out->text, out->len)) {
        match(out, true);
        return;
    }
    /* §4.6.4: names past the limit were ignored; one of them under the
     * target might have validated and matched. */
    if (out->len != 0 && mailauth__spf_vp_ignored(vp, out->text, out->len))
        out->ptr_partial = true;
    match(out, false);
}

/* §5.2 include, §6.1 redirect: the target's record, evaluated by the
 * walker. An empty answer here is not a void lookup (§4.6.4): it is a
 * permerror already, with the more telling reason. */
static void
mech_record(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
            const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    const mailauth__spf_rc_t *rc = ans->rc;
    mailauth_reason_t none = t->mech == MAILAUTH__SPF_INCLUDE ? MAILAUTH_REASON_SPF_INCLUDE_NONE
                                                              : MAILAUTH_REASON_SPF_REDIRECT_NONE;
    const int         tl = (int)t->text_len;
    if (ans->target == NULL) {
        if (!mailauth__spf_target(t, ans, env, out))
            return;
        if (out->len == 0) /* §5.2 include of none, §6.1 redirect to none: permerror */
            act_error(out, MAILAUTH_VERDICT_PERMERROR, none,
                      "target is not a valid domain name at %.*s", tl, t->text);
        else
            set(out, MAILAUTH__SPF_ACT_ASK_RECORD);
        return;
    }
    switch (rc != NULL ? rc->state : MAILAUTH__SPF_RC_ASKED) {
    case MAILAUTH__SPF_RC_ASKED:
        set(out, MAILAUTH__SPF_ACT_WAIT);
        break;
    case MAILAUTH__SPF_RC_READY:
        set(out, MAILAUTH__SPF_ACT_RECORD);
        break;
    case MAILAUTH__SPF_RC_NONE:
        act_error(out, MAILAUTH_VERDICT_PERMERROR, none, "no SPF record at %.*s", tl, t->text);
        break;
    case MAILAUTH__SPF_RC_MULTI:
        act_error(out, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_SPF_MULTIPLE_RECORDS,
                  "multiple SPF records at %.*s", tl, t->text);
        break;
    case MAILAUTH__SPF_RC_SYNTAX:
        act_error(out, MAILAUTH_VERDICT_PERMERROR, rc->syn.reason,
                  "%s at '%.*s' in the record of %.*s (from %.*s)", rc->syn.what,
                  (int)rc->syn.term_len, rc->syn.term, (int)rc->len, rc->name, tl, t->text);
        break;
    default: /* §5.2: temperror propagates */
        tempfail(out, MAILAUTH_DNS_TXT, rc->name, rc->len);
        break;
    }
}

/* One row per term kind: how it is evaluated, what it asks first. */
static const struct mech_ops {
    mech_fn            *eval;
    mailauth_dns_type_t first;       /* 0: nothing; TXT: the SPF record; PTR: the validated names */
    bool                client_type; /* first is the client's address type (A or AAAA) */
} ops[] = {
    [MAILAUTH__SPF_ALL] = {mech_all, 0, false},
    [MAILAUTH__SPF_INCLUDE] = {mech_record, MAILAUTH_DNS_TXT, false},
    [MAILAUTH__SPF_A] = {mech_addr, MAILAUTH_DNS_A, true},
    [MAILAUTH__SPF_MX] = {mech_mx, MAILAUTH_DNS_MX, false},
    [MAILAUTH__SPF_PTR] = {mech_ptr, MAILAUTH_DNS_PTR, false},
    [MAILAUTH__SPF_IP4] = {mech_ip, 0, false},
    [MAILAUTH__SPF_IP6] = {mech_ip, 0, false},
    [MAILAUTH__SPF_EXISTS] = {mech_addr, MAILAUTH_DNS_A, false},
    [MAILAUTH__SPF_REDIRECT] = {mech_record, MAILAUTH_DNS_TXT, false},
};

void
mailauth__spf_mech(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
                   const mailauth__spf_menv_t *env, mailauth__spf_act_t *out)
{
    out->kind = MAILAUTH__SPF_ACT_NOMATCH;
    out->void_lookup = false;
    out->ptr_partial = false;
    out->list = NULL;
    out->len = 0;
    out->text[0] = '\0';
    if (t->mech < ARRAY_LEN(ops) && ops[t->mech].eval != NULL)
        ops[t->mech].eval(t, ans, env, out);
}

mailauth_dns_type_t
mailauth__spf_mech_question(const mailauth__spf_term_t *t, mailauth_dns_type_t atype)
{
    if (t->mech >= ARRAY_LEN(ops))
        return (mailauth_dns_type_t)0;
    return ops[t->mech].client_type ? atype : ops[t->mech].first;
}
