/* DMARC evaluation once the policy is known: identifier alignment (RFC 7489
 * §3.1, RFC 9989 §4.4, §4.10.2), the verdict (RFC 7489 §6.6.2, RFC 9989
 * §5.3.5), the policy that applies (p, sp; np in 9989 mode) and the
 * disposition after pct= (RFC 7489 §6.6.4) or t=y (RFC 9989 §4.7). */
#include <string.h>

#include "dmarc/dmarc_int.h"
#include "domain/domain.h"
#include "util/str.h"

typedef enum align { AL_NO = 0, AL_YES, AL_PENDING, AL_UNKNOWN } align_t;

/* RFC 7489 §3.2 organizational domain via the PSL; the name itself when it
 * is a public suffix or no list could be had. */
static const char *
org_7489(const mailauth__dmarc_t *d, const char *dom)
{
    const char *org = d->psl != NULL ? mailauth__psl_org_domain(d->psl, dom) : NULL;
    return org != NULL ? org : dom;
}

/* Is identifier `id` (lower case) aligned with the author domain? Strict:
 * identical; relaxed: the same organizational domain (RFC 7489 §3.1.1,
 * §3.1.2; RFC 9989 §3.2.10, §4.10.2). */
static align_t
aligned(mailauth__dmarc_t *d, const char *id, uint8_t mode)
{
    mailauth__dmarc_walk_t *wa, *wi;
    const char             *orga;
    size_t                  len = id != NULL ? strlen(id) : 0;
    if (len == 0)
        return AL_NO;
    if (mailauth__domain_eq(id, len, d->author, d->alen))
        return AL_YES;
    if (mode == MAILAUTH_DMARC_ALIGN_STRICT || !mailauth__domain_check(id, len, 0))
        return AL_NO; /* a d= or MAIL FROM domain that is no name aligns with nothing */
    if (d->mode == MAILAUTH_DMARC_RFC7489)
        return strcmp(org_7489(d, id), d->org7489) == 0 ? AL_YES : AL_NO;
    wa = d->walks[0];
    mailauth__dmarc_walk_eval(d, wa);
    if (wa->state != MAILAUTH__DMARC_WALK_DONE)
        return wa->state == MAILAUTH__DMARC_WALK_PENDING ? AL_PENDING : AL_UNKNOWN;
    orga = wa->org;
    /* Both organizational domains are suffixes of their names: no walk
     * can align an identifier that does not end in the author's. */
    if (!mailauth__domain_is_sub(id, len, orga, strlen(orga)))
        return AL_NO;
    wi = mailauth__dmarc_walk(d, id, len);
    if (wi == NULL)
        return AL_UNKNOWN; /* out of walks (or memory: d->nomem) */
    mailauth__dmarc_walk_eval(d, wi);
    if (wi->state != MAILAUTH__DMARC_WALK_DONE)
        return wi->state == MAILAUTH__DMARC_WALK_PENDING ? AL_PENDING : AL_UNKNOWN;
    return strcmp(wi->org, orga) == 0 ? AL_YES : AL_NO;
}

/* Fold one identifier's alignment into the running state. */
static void
fold(align_t a, bool *yes, bool *pending, bool *unknown)
{
    *yes = *yes || a == AL_YES;
    *pending = *pending || a == AL_PENDING;
    *unknown = *unknown || a == AL_UNKNOWN;
}

/* Alignment of SPF and every passing DKIM signature; false while pending. */
static bool
check_alignment(mailauth__dmarc_t *d, const mailauth__dmarc_record_t *rec, bool *unknown)
{
    bool    pending = false;
    align_t a;
    *unknown = false;
    d->res.spf_aligned = d->res.dkim_aligned = false;
    d->res.dkim_domain = NULL;
    /* RFC 7489 §3.1.2: only an SPF pass for the MAIL FROM identity counts */
    if (d->spf_verdict == MAILAUTH_VERDICT_PASS)
        fold(aligned(d, d->spf_domain, rec->aspf), &d->res.spf_aligned, &pending, unknown);
    for (size_t i = 0; i < d->ndkim; i++) {
        bool was = d->res.dkim_aligned;
        a = aligned(d, d->dkim[i].domain, rec->adkim); /* §3.1.1: passing signatures only */
        fold(a, &d->res.dkim_aligned, &pending, unknown);
        if (!was && d->res.dkim_aligned)
            d->res.dkim_domain = d->dkim[i].domain;
    }
    return !pending;
}

static uint8_t
lower_one(uint8_t p)
{
    return p == MAILAUTH_DMARC_POLICY_REJECT ? MAILAUTH_DMARC_POLICY_QUARANTINE
                                             : MAILAUTH_DMARC_POLICY_NONE;
}

/* RFC 7489 §6.6.3 / RFC 9989 §4.10.1: p for the policy domain itself; for
 * a subdomain sp, or (9989) np when the author domain does not exist. */
static void
choose_policy(mailauth__dmarc_t *d, const mailauth__dmarc_record_t *rec, bool own)
{
    d->res.policy = rec->p;
    d->res.policy_tag = "p";
    if (own || rec->as_none)
        return;
    if (d->mode == MAILAUTH_DMARC_RFC9989 && rec->np != MAILAUTH_DMARC_POLICY_UNSPECIFIED &&
        d->exist == MAILAUTH__DMARC_EXIST_NO) {
        d->res.policy = rec->np;
        d->res.policy_tag = "np";
    } else if (rec->sp != MAILAUTH_DMARC_POLICY_UNSPECIFIED) {
        d->res.policy = rec->sp;
        d->res.policy_tag = "sp";
    }
}

/* The disposition of a failing message. */
static void
dispose(mailauth__dmarc_t *d, const mailauth__dmarc_record_t *rec)
{
    uint8_t p = d->res.policy;
    if (d->mode == MAILAUTH_DMARC_RFC7489 && rec->pct < 100) {
        /* §6.6.4: pct% get the policy, the others the next lower one;
         * §6.3's suggested sampling: (random mod 100) < pct. */
        if (mailauth__env_random(d->env) % 100u >= rec->pct) {
            p = lower_one(p);
            d->res.sampled_out = true;
        }
    } else if (d->mode == MAILAUTH_DMARC_RFC9989 && rec->testing) {
        p = lower_one(p); /* RFC 9989 §4.7 t=y: one level below */
    }
    d->res.disposition = p;
}

/* RFC 9989 §3.2.13, §A.4: NXDOMAIN for the author domain means it does not
 * exist. Only asked when np could apply; false while the answer is out. */
static bool
check_exists(mailauth__dmarc_t *d, const mailauth__dmarc_lk_t *author)
{
    const mailauth__dns_result_t *r;
    if (d->exist == MAILAUTH__DMARC_EXIST_UNKNOWN) {
        /* _dmarc.<author> exists (records, NODATA): so does the author. */
        if (author->state != MAILAUTH__DMARC_LK_TEMPFAIL &&
            author->rcode != MAILAUTH_DNS_NXDOMAIN) {
            d->exist = MAILAUTH__DMARC_EXIST_YES;
            return true;
        }
        d->exist = MAILAUTH__DMARC_EXIST_ASKED;
        if (mailauth__dnsc_ask(d->dns, d->author, d->alen, MAILAUTH_DNS_A, &d->exist_q) !=
            MAILAUTH_OK)
            d->exist = d->exist_q == NULL ? MAILAUTH__DMARC_EXIST_TEMPFAIL : d->exist;
    }
    if (d->exist != MAILAUTH__DMARC_EXIST_ASKED)
        return true;
    r = mailauth__dnsc_result(d->dns, d->exist_q);
    if (r == NULL)
        return false;
    d->exist = r->rcode == MAILAUTH_DNS_NXDOMAIN   ? MAILAUTH__DMARC_EXIST_NO
               : r->rcode == MAILAUTH_DNS_TEMPFAIL ? MAILAUTH__DMARC_EXIST_TEMPFAIL
                                                   : MAILAUTH__DMARC_EXIST_YES;
    return true;
}

/* Does np matter for this policy record? */
static bool
np_applies(const mailauth__dmarc_t *d, const mailauth__dmarc_record_t *rec, bool own)
{
    return d->mode == MAILAUTH_DMARC_RFC9989 && !own && !rec->as_none &&
           rec->np != MAILAUTH_DMARC_POLICY_UNSPECIFIED;
}

static void
set_verdict(mailauth__dmarc_t *d, mailauth_verdict_t v, mailauth_reason_t why, const char *problem)
{
    d->res.verdict = v;
    d->res.reason = why;
    d->res.problem = problem;
}

/* No usable policy record: none, permerror or temperror (RFC 7489 §6.6.3,
 * RFC 9989 §4.10.1; RFC 8601 §2.7.1 result words). */
static void
result_without_policy(mailauth__dmarc_t *d)
{
    const mailauth__dmarc_lk_t *lk = d->nlk > 0 ? &d->lk[d->policy_lk] : NULL;
    switch (d->disc) {
    case MAILAUTH__DMARC_DISC_MULTI:
        set_verdict(d, MAILAUTH_VERDICT_NONE, MAILAUTH_REASON_DMARC_MULTIPLE_RECORDS,
                    mailauth__dmarc_problem(d, "several DMARC records for %s", d->author));
        break;
    case MAILAUTH__DMARC_DISC_INVALID: /* found by a lookup: lk is never NULL here */
        d->res.policy_domain = lk != NULL ? lk->dom : d->author;
        set_verdict(
            d, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_DMARC_SYNTAX,
            mailauth__dmarc_problem(
                d, "unusable DMARC record at _dmarc.%s: %s and no valid rua=", d->res.policy_domain,
                lk != NULL && lk->detail != NULL ? lk->detail : "bad policy"));
        break;
    case MAILAUTH__DMARC_DISC_TEMPFAIL:
        set_verdict(d, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_DMARC_DNS_TEMPFAIL,
                    mailauth__dmarc_problem(d, "DMARC policy lookup for %s failed", d->author));
        break;
    default:
        set_verdict(d, MAILAUTH_VERDICT_NONE, MAILAUTH_REASON_DMARC_NO_RECORD,
                    mailauth__dmarc_problem(d, "no DMARC record for %s", d->author));
        break;
    }
}

/* The verdict with a policy record; false while DNS answers are out. */
static bool
result_with_policy(mailauth__dmarc_t *d)
{
    const mailauth__dmarc_lk_t     *lk = &d->lk[d->policy_lk];
    const mailauth__dmarc_record_t *rec = lk->rec;
    bool                            own = mailauth__domain_eq(lk->dom, lk->len, d->author, d->alen);
    bool                            unknown = false;
    if (np_applies(d, rec, own) && !check_exists(d, &d->lk[d->walks[0]->lk[0]]))
        return false;
    if (!check_alignment(d, rec, &unknown))
        return false;
    lk = &d->lk[d->policy_lk]; /* the walks of the alignment check may have grown the table */
    d->res.rec = rec;
    d->res.policy_domain = lk->dom;
    choose_policy(d, rec, own);
    if (d->res.spf_aligned || d->res.dkim_aligned) {
        set_verdict(d, MAILAUTH_VERDICT_PASS, MAILAUTH_REASON_DMARC_ALIGNED, NULL);
        return true;
    }
    if (unknown || (np_applies(d, rec, own) && d->exist == MAILAUTH__DMARC_EXIST_TEMPFAIL)) {
        /* RFC 9989 §5.3.6: a lookup DMARC needs did not complete */
        set_verdict(d, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_DMARC_DNS_TEMPFAIL,
                    mailauth__dmarc_problem(d, "a tree walk lookup for %s failed", d->author));
        return true;
    }
    set_verdict(d, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_DMARC_NOT_ALIGNED, NULL);
    dispose(d, rec);
    return true;
}

/* The author's organizational domain for the result: in RFC 9989 mode the
 * walk's, waited for (its questions went out at start) so that the report
 * does not depend on answer timing; NULL if the walk failed. false while
 * it is pending. */
static bool
report_org(mailauth__dmarc_t *d)
{
    if (d->mode != MAILAUTH_DMARC_RFC9989 || d->nwalks == 0)
        return true;
    mailauth__dmarc_walk_eval(d, d->walks[0]);
    if (d->walks[0]->state == MAILAUTH__DMARC_WALK_PENDING)
        return false;
    if (d->walks[0]->state == MAILAUTH__DMARC_WALK_DONE)
        d->res.org_domain = d->walks[0]->org;
    return true;
}

/* Before finish: ask for the author domain's existence as soon as the
 * policy record shows np= may apply (the answer is read after finish). */
static void
ask_early(mailauth__dmarc_t *d)
{
    const mailauth__dmarc_lk_t *lk;
    if (d->disc != MAILAUTH__DMARC_DISC_RECORD)
        return;
    lk = &d->lk[d->policy_lk];
    if (np_applies(d, lk->rec, mailauth__domain_eq(lk->dom, lk->len, d->author, d->alen)))
        (void)check_exists(d, &d->lk[d->walks[0]->lk[0]]);
}

mailauth_status_t
mailauth__dmarc_step(mailauth__dmarc_t *d)
{
    if (d == NULL)
        return MAILAUTH_EINVAL;
    if (d->done)
        return MAILAUTH_OK;
    if (d->nomem || !mailauth__dmarc_settle(d) || !mailauth__dmarc_discover(d))
        return MAILAUTH_ENOMEM;
    if (d->disc == MAILAUTH__DMARC_DISC_PENDING)
        return MAILAUTH_EAGAIN;
    if (!d->finished) {
        ask_early(d);
        return MAILAUTH_OK;
    }
    /* Results are computed once everything they need is in (dispose()
     * draws the pct random number exactly once). */
    if (d->disc != MAILAUTH__DMARC_DISC_FROM && !report_org(d))
        return MAILAUTH_EAGAIN;
    if (d->disc == MAILAUTH__DMARC_DISC_RECORD) {
        if (!result_with_policy(d))
            return d->nomem ? MAILAUTH_ENOMEM : MAILAUTH_EAGAIN;
    } else if (d->disc != MAILAUTH__DMARC_DISC_FROM) {
        result_without_policy(d);
    }
    if (d->nomem)
        return MAILAUTH_ENOMEM;
    d->done = true;
    return MAILAUTH_OK;
}

/* A lower-case copy without trailing dot, or NULL for NULL/empty input. */
static char *
domain_copy(mailauth__dmarc_t *d, const char *s, bool *nomem)
{
    size_t n = s != NULL ? strlen(s) : 0;
    char  *c;
    if (n > 0 && s[n - 1] == '.')
        n--;
    if (n == 0)
        return NULL;
    c = mailauth__arena_strndup(d->a, s, n);
    if (c == NULL)
        *nomem = true;
    else
        mailauth__lower_inplace(c, n);
    return c;
}

mailauth_status_t
mailauth__dmarc_finish(mailauth__dmarc_t *d, const mailauth__dmarc_inputs_t *in)
{
    bool nomem = false;
    if (d == NULL || in == NULL || (in->ndkim > 0 && in->dkim == NULL))
        return MAILAUTH_EINVAL;
    if (d->finished)
        return MAILAUTH_ESTATE;
    d->finished = true;
    d->spf_verdict = in->spf_verdict;
    d->spf_domain = domain_copy(d, in->spf_domain, &nomem);
    if (in->ndkim > 0)
        d->dkim = mailauth__arena_calloc(d->a, in->ndkim, sizeof(*d->dkim));
    if (in->ndkim > 0 && d->dkim == NULL)
        return MAILAUTH_ENOMEM;
    for (size_t i = 0; i < in->ndkim && !nomem; i++) {
        if (in->dkim[i].verdict != MAILAUTH_VERDICT_PASS || in->dkim[i].domain == NULL)
            continue; /* RFC 7489 §3.1.1: only validated signatures */
        d->dkim[d->ndkim].verdict = MAILAUTH_VERDICT_PASS;
        d->dkim[d->ndkim].domain = domain_copy(d, in->dkim[i].domain, &nomem);
        d->ndkim++;
    }
    if (nomem)
        return MAILAUTH_ENOMEM;
    return mailauth__dmarc_step(d);
}

bool
mailauth__dmarc_done(const mailauth__dmarc_t *d)
{
    return d != NULL && d->done;
}

const mailauth_dmarc_result_t *
mailauth__dmarc_result(const mailauth__dmarc_t *d)
{
    return d != NULL && d->done ? &d->res : NULL;
}
