/* Validated names of the client address (RFC 7208 §5.5), for the ptr
 * mechanism and the %{p} macro (§7.3). Computed once per check: the PTR
 * lookup, then the address lookups of the first names (§4.6.4: only the
 * first 10 are looked at, the rest ignored), all at once. */
#include <string.h>

#include "domain/domain.h"
#include "spf/spf_int.h"

static mailauth__spf_rv_t
ask_ptr(mailauth__spf_t *s)
{
    mailauth__spf_vp_t *vp = &s->vp;
    char                name[80];
    mailauth_status_t   st;
    mailauth__ip_reverse_name(&s->ip, name, sizeof(name));
    st = mailauth__dnsc_ask(s->dns, name, strlen(name), MAILAUTH_DNS_PTR, &vp->q);
    if (st == MAILAUTH_ENOMEM)
        return MAILAUTH__SPF_NOMEM;
    if (st != MAILAUTH_OK) { /* query limit: a DNS error, §5.5: no validated name */
        vp->rcode = MAILAUTH_DNS_TEMPFAIL;
        vp->phase = MAILAUTH__SPF_VP_DONE;
        return MAILAUTH__SPF_NOMATCH;
    }
    vp->phase = MAILAUTH__SPF_VP_PTR;
    return MAILAUTH__SPF_NOMATCH;
}

/* The PTR answer is in: ask the address of each name at once. */
static mailauth__spf_rv_t
ask_addrs(mailauth__spf_t *s, const mailauth__dns_result_t *r)
{
    mailauth__spf_vp_t *vp = &s->vp;
    vp->rcode = r->rcode;
    if (r->rcode != MAILAUTH_DNS_RECORDS) {
        vp->phase = MAILAUTH__SPF_VP_DONE;
        return MAILAUTH__SPF_NOMATCH;
    }
    vp->n = r->count < s->max_ptr ? r->count : s->max_ptr;
    vp->names = r->rr;
    vp->aq = mailauth__arena_calloc(s->a, vp->n + 1, sizeof(*vp->aq));
    vp->valid = mailauth__arena_calloc(s->a, vp->n + 1, 1);
    if (vp->aq == NULL || vp->valid == NULL)
        return MAILAUTH__SPF_NOMEM;
    for (size_t i = 0; i < vp->n; i++) {
        const char       *name = (const char *)vp->names[i].data;
        size_t            len = vp->names[i].len;
        mailauth_status_t st = MAILAUTH_EINVAL;
        if (len > 0 && name[len - 1] == '.')
            len--;
        if (len > 0 && mailauth__domain_check(name, len, 0))
            st = mailauth__dnsc_ask(s->dns, name, len, s->atype, &vp->aq[i]);
        if (st == MAILAUTH_ENOMEM)
            return MAILAUTH__SPF_NOMEM;
        if (st != MAILAUTH_OK) /* §5.5: a name that cannot be checked is skipped */
            vp->aq[i] = NULL;
    }
    vp->phase = MAILAUTH__SPF_VP_ADDRS;
    return MAILAUTH__SPF_NOMATCH;
}

/* Every address answer is in: a name is validated if one of its addresses
 * is the client's; errors skip the name (§5.5). */
static mailauth__spf_rv_t
check_addrs(mailauth__spf_t *s)
{
    mailauth__spf_vp_t *vp = &s->vp;
    for (size_t i = 0; i < vp->n; i++) {
        if (vp->aq[i] != NULL && mailauth__dnsc_result(s->dns, vp->aq[i]) == NULL)
            return MAILAUTH__SPF_WAIT;
    }
    for (size_t i = 0; i < vp->n; i++) {
        const mailauth__dns_result_t *r =
            vp->aq[i] != NULL ? mailauth__dnsc_result(s->dns, vp->aq[i]) : NULL;
        size_t alen = s->ip.family == 4 ? 4 : 16;
        if (r == NULL || r->rcode != MAILAUTH_DNS_RECORDS)
            continue;
        for (size_t k = 0; k < r->count && !vp->valid[i]; k++)
            vp->valid[i] = r->rr[k].len == alen && memcmp(r->rr[k].data, s->ip.addr, alen) == 0;
    }
    vp->phase = MAILAUTH__SPF_VP_DONE;
    return MAILAUTH__SPF_NOMATCH;
}

mailauth__spf_rv_t
mailauth__spf_vp_step(mailauth__spf_t *s)
{
    mailauth__spf_vp_t *vp = &s->vp;
    mailauth__spf_rv_t  rv = MAILAUTH__SPF_NOMATCH;
    if (vp->phase == MAILAUTH__SPF_VP_IDLE)
        rv = ask_ptr(s);
    if (rv == MAILAUTH__SPF_NOMATCH && vp->phase == MAILAUTH__SPF_VP_PTR) {
        const mailauth__dns_result_t *r = mailauth__dnsc_result(s->dns, vp->q);
        if (r == NULL)
            return MAILAUTH__SPF_WAIT;
        rv = ask_addrs(s, r);
    }
    if (rv == MAILAUTH__SPF_NOMATCH && vp->phase == MAILAUTH__SPF_VP_ADDRS)
        rv = check_addrs(s);
    return rv;
}

static mailauth__spf_str_t
name_at(const mailauth__spf_vp_t *vp, size_t i)
{
    mailauth__spf_str_t n = {(const char *)vp->names[i].data, vp->names[i].len};
    if (n.n > 0 && n.p[n.n - 1] == '.')
        n.n--;
    return n;
}

mailauth__spf_str_t
mailauth__spf_vp_pick(const mailauth__spf_t *s, const char *d, size_t dlen)
{
    const mailauth__spf_vp_t *vp = &s->vp;
    mailauth__spf_str_t       none = {NULL, 0};
    size_t                    sub = SIZE_MAX, any = SIZE_MAX;
    if (vp->phase != MAILAUTH__SPF_VP_DONE)
        return none;
    /* §7.3: <domain> itself if validated, else a subdomain of it, else any */
    for (size_t i = 0; i < vp->n; i++) {
        mailauth__spf_str_t n = name_at(vp, i);
        if (!vp->valid[i])
            continue;
        if (mailauth__domain_eq(n.p, n.n, d, dlen))
            return n;
        if (sub == SIZE_MAX && mailauth__domain_is_sub(n.p, n.n, d, dlen))
            sub = i;
        if (any == SIZE_MAX)
            any = i;
    }
    if (sub != SIZE_MAX)
        return name_at(vp, sub);
    return any != SIZE_MAX ? name_at(vp, any) : none;
}

bool
mailauth__spf_vp_match(const mailauth__spf_t *s, const char *target, size_t tlen)
{
    const mailauth__spf_vp_t *vp = &s->vp;
    for (size_t i = 0; i < vp->n; i++) {
        mailauth__spf_str_t n = name_at(vp, i);
        if (vp->valid[i] && mailauth__domain_is_sub(n.p, n.n, target, tlen))
            return true;
    }
    return false;
}
