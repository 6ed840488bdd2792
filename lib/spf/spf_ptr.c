/* Validated names of the client address (RFC 7208 §5.5), for the ptr
 * mechanism and the %{p} macro (§7.3).
 *
 * The walker (spf_eval.c) looks them up once per check: the PTR lookup,
 * then the address lookups of the first names (§4.6.4: only the first 10
 * are looked at, the rest ignored), all at once. What is here only reads
 * the answers: no DNS, no state of its own.
 */
#include <string.h>

#include "domain/domain.h"
#include "spf/spf_int.h"

/* How well a name suits %{p} for <domain> d (§7.3): lower is better. */
enum { RANK_SAME = 0, RANK_SUB, RANK_ANY, RANK_NONE };

mailauth__spf_str_t
mailauth__spf_vp_name(const mailauth__spf_vp_t *vp, size_t i)
{
    mailauth__spf_str_t n = {(const char *)vp->names[i].data, vp->names[i].len};
    if (n.n > 0 && n.p[n.n - 1] == '.')
        n.n--;
    return n;
}

void
mailauth__spf_vp_check(mailauth__spf_vp_t *vp, size_t i, const mailauth__ip_t *ip,
                       const mailauth__dns_result_t *r)
{
    size_t alen = ip->family == 4 ? 4 : 16;
    /* §5.5: a DNS error skips the name, and so does an answer without the address */
    if (r == NULL || r->rcode != MAILAUTH_DNS_RECORDS)
        return;
    for (size_t k = 0; k < r->count && !vp->valid[i]; k++)
        vp->valid[i] = r->rr[k].len == alen && memcmp(r->rr[k].data, ip->addr, alen) == 0;
}

static unsigned
rank(mailauth__spf_str_t n, const char *d, size_t dlen)
{
    if (mailauth__domain_eq(n.p, n.n, d, dlen))
        return RANK_SAME;
    return mailauth__domain_is_sub(n.p, n.n, d, dlen) ? RANK_SUB : RANK_ANY;
}

mailauth__spf_str_t
mailauth__spf_vp_pick(const mailauth__spf_vp_t *vp, const char *d, size_t dlen, bool *partial)
{
    mailauth__spf_str_t best = {NULL, 0};
    unsigned            best_rank = RANK_NONE;
    if (vp == NULL)
        return best;
    /* §7.3: <domain> itself if validated, else a subdomain of it, else any */
    for (size_t i = 0; i < vp->n && best_rank != RANK_SAME; i++) {
        mailauth__spf_str_t n = mailauth__spf_vp_name(vp, i);
        unsigned            r = vp->valid[i] ? rank(n, d, dlen) : RANK_NONE;
        if (r < best_rank) {
            best = n;
            best_rank = r;
        }
    }
    /* A name past the limit was never looked at: had it validated, it might
     * have ranked better. Among names of the same rank any may be used. */
    for (size_t i = vp->n; partial != NULL && i < vp->total; i++) {
        if (rank(mailauth__spf_vp_name(vp, i), d, dlen) < best_rank) {
            *partial = true;
            break;
        }
    }
    return best;
}

bool
mailauth__spf_vp_match(const mailauth__spf_vp_t *vp, const char *target, size_t tlen)
{
    for (size_t i = 0; i < vp->n; i++) {
        mailauth__spf_str_t n = mailauth__spf_vp_name(vp, i);
        if (vp->valid[i] && mailauth__domain_is_sub(n.p, n.n, target, tlen))
            return true;
    }
    return false;
}

bool
mailauth__spf_vp_ignored(const mailauth__spf_vp_t *vp, const char *target, size_t tlen)
{
    for (size_t i = vp->n; i < vp->total; i++) {
        mailauth__spf_str_t n = mailauth__spf_vp_name(vp, i);
        if (mailauth__domain_is_sub(n.p, n.n, target, tlen))
            return true;
    }
    return false;
}
