/* DMARC policy discovery: the author domain (RFC 7489 §6.6.1, RFC 9989
 * §5.3.1), the _dmarc lookups, RFC 7489 §6.6.3 (author domain, then the
 * PSL organizational domain) and the RFC 9989 §4.10 DNS tree walk.
 *
 * Latency: every question discovery may need is asked in start(): in RFC
 * 7489 mode _dmarc.<author> and _dmarc.<org> together (the second is only
 * read when the first has no record), in RFC 9989 mode every name of the
 * author's walk (at most the walk limit). A walk only stops early at a psd=
 * record, so asking ahead costs nothing in the common case. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmarc/dmarc_int.h"
#include "domain/domain.h"
#include "msg/addr.h"
#include "util/str.h"

const char *
mailauth__dmarc_problem(mailauth__dmarc_t *d, const char *fmt, ...)
{
    char        buf[400];
    const char *p;
    va_list     ap;
    va_start(ap, fmt);
    (void)vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    p = mailauth__arena_strdup(d->a, buf);
    if (p == NULL)
        d->nomem = true;
    return p;
}

/* ---- lookups ---- */

size_t
mailauth__dmarc_lookup(mailauth__dmarc_t *d, const char *dom, size_t len)
{
    mailauth__dmarc_lk_t *lk;
    char                  name[8 + 256];
    mailauth_status_t     st;
    for (size_t i = 0; i < d->nlk; i++) {
        if (mailauth__domain_eq(d->lk[i].dom, d->lk[i].len, dom, len))
            return i;
    }
    if (d->nlk == d->caplk) {
        /* Most messages need the author domain and its organizational
         * domain (often the same): a table of two first (it is kept while
         * the body streams). */
        size_t                cap = d->caplk != 0 ? d->caplk * 2 : 2;
        mailauth__dmarc_lk_t *grown = mailauth__arena_calloc(d->a, cap, sizeof(*grown));
        if (grown == NULL)
            return SIZE_MAX;
        if (d->nlk != 0)
            memcpy(grown, d->lk, d->nlk * sizeof(*grown));
        d->lk = grown;
        d->caplk = cap;
    }
    lk = &d->lk[d->nlk];
    memset(lk, 0, sizeof(*lk));
    lk->dom = mailauth__arena_strndup(d->a, dom, len);
    if (lk->dom == NULL)
        return SIZE_MAX;
    lk->len = len;
    lk->state = MAILAUTH__DMARC_LK_ASKED;
    if (len > 253) {
        lk->state = MAILAUTH__DMARC_LK_NONE; /* no such name can exist */
        return d->nlk++;
    }
    memcpy(name, "_dmarc.", 7);
    memcpy(name + 7, dom, len);
    st = mailauth__dnsc_ask(d->dns, name, 7 + len, MAILAUTH_DNS_TXT, &lk->q);
    if (st == MAILAUTH_ENOMEM)
        return SIZE_MAX;
    if (st == MAILAUTH_ELIMIT)
        lk->state = MAILAUTH__DMARC_LK_TEMPFAIL; /* query budget: cannot know */
    else if (st != MAILAUTH_OK)
        lk->state = MAILAUTH__DMARC_LK_NONE; /* over 253 octets with _dmarc: no record */
    return d->nlk++;
}

/* RFC 7489 §6.6.3 steps 2 and 5, RFC 9989 §4.10 step 2: keep the records
 * starting with v=DMARC1; several are "discarded" (the caller decides what
 * that means in its mode). TXT strings arrive joined (RFC 7489 §6.1). */
static bool
select_record(mailauth__dmarc_t *d, mailauth__dmarc_lk_t *lk, const mailauth__dns_result_t *r)
{
    const mailauth__dns_rr_t    *pick = NULL;
    mailauth__dmarc_record_t    *rec;
    mailauth__dmarc_rec_status_t rs = MAILAUTH__DMARC_REC_OK;
    char                        *txt;
    for (size_t i = 0; i < r->count; i++) {
        if (!mailauth__dmarc_is_v1((const char *)r->rr[i].data, r->rr[i].len))
            continue;
        if (pick != NULL) {
            lk->state = MAILAUTH__DMARC_LK_MULTI;
            return true;
        }
        pick = &r->rr[i];
    }
    if (pick == NULL) {
        lk->state = MAILAUTH__DMARC_LK_NONE;
        return true;
    }
    /* The result outlives the DNS answer: keep a copy of the text. */
    txt = mailauth__arena_strndup(d->a, (const char *)pick->data, pick->len);
    rec = mailauth__arena_calloc(d->a, 1, sizeof(*rec));
    if (txt == NULL || rec == NULL ||
        mailauth__dmarc_record_parse(d->a, d->mode, txt, pick->len, rec, &rs, &lk->detail) !=
            MAILAUTH_OK)
        return false;
    lk->rec = rec;
    lk->state =
        rs == MAILAUTH__DMARC_REC_OK ? MAILAUTH__DMARC_LK_RECORD : MAILAUTH__DMARC_LK_INVALID;
    return true;
}

static bool
settle_one(mailauth__dmarc_t *d, mailauth__dmarc_lk_t *lk)
{
    const mailauth__dns_result_t *r;
    if (lk->state != MAILAUTH__DMARC_LK_ASKED)
        return true;
    r = mailauth__dnsc_result(d->dns, lk->q);
    if (r == NULL)
        return true;
    lk->rcode = (uint8_t)r->rcode;
    switch (r->rcode) {
    case MAILAUTH_DNS_RECORDS:
        return select_record(d, lk, r);
    case MAILAUTH_DNS_TEMPFAIL:
        lk->state = MAILAUTH__DMARC_LK_TEMPFAIL;
        return true;
    default: /* NXDOMAIN, NODATA: no record */
        lk->state = MAILAUTH__DMARC_LK_NONE;
        return true;
    }
}

bool
mailauth__dmarc_settle(mailauth__dmarc_t *d)
{
    for (size_t i = 0; i < d->nlk; i++) {
        if (!settle_one(d, &d->lk[i]))
            return false;
    }
    return true;
}

/* ---- RFC 9989 §4.10 tree walks ---- */

/* Offsets in dom where the walk's names start: dom itself, then (§4.10
 * step 4) at most limit-1 labels, then one label less each time. */
static size_t
walk_names(const char *dom, size_t len, size_t limit, size_t *off)
{
    size_t starts[128];
    size_t x = 0, n = 0, next;
    for (size_t i = 0; i < len && x < 128; i++) {
        if (i == 0 || dom[i - 1] == '.')
            starts[x++] = i;
    }
    if (x == 0)
        return 0;
    off[n++] = 0;
    next = x - 1 < limit - 1 ? x - 1 : limit - 1;
    for (size_t c = next; c >= 1 && n < limit; c--)
        off[n++] = starts[x - c];
    return n;
}

/* Room for one more walk, zeroed, at d->walks[d->nwalks]; false on ENOMEM.
 * Only the table of pointers moves when it grows: a walk stays put. */
static bool
reserve_walk(mailauth__dmarc_t *d)
{
    if (d->nwalks == d->capwalks) {
        size_t                   cap = d->capwalks != 0 ? d->capwalks * 2 : 2;
        mailauth__dmarc_walk_t **grown = NULL;
        if (cap > MAILAUTH__DMARC_WALKS_MAX)
            cap = MAILAUTH__DMARC_WALKS_MAX;
        grown = mailauth__arena_calloc(d->a, cap, sizeof(*grown));
        if (grown == NULL)
            return false;
        if (d->nwalks != 0)
            memcpy(grown, d->walks, d->nwalks * sizeof(*grown));
        d->walks = grown;
        d->capwalks = cap;
    }
    d->walks[d->nwalks] = mailauth__arena_calloc(d->a, 1, sizeof(**d->walks));
    return d->walks[d->nwalks] != NULL;
}

mailauth__dmarc_walk_t *
mailauth__dmarc_walk(mailauth__dmarc_t *d, const char *dom, size_t len)
{
    mailauth__dmarc_walk_t *w;
    size_t                  off[MAILAUTH__DMARC_WALK_MAX], n;
    size_t limit = mailauth__env_limit(d->env, MAILAUTH_LIMIT_DMARC_TREEWALK_QUERIES);
    for (size_t i = 0; i < d->nwalks; i++) {
        if (mailauth__domain_eq(d->walks[i]->start, d->walks[i]->slen, dom, len))
            return d->walks[i];
    }
    if (d->nwalks == MAILAUTH__DMARC_WALKS_MAX)
        return NULL;
    if (!reserve_walk(d)) {
        d->nomem = true;
        return NULL;
    }
    limit = limit < 1 ? 1 : (limit > MAILAUTH__DMARC_WALK_MAX ? MAILAUTH__DMARC_WALK_MAX : limit);
    w = d->walks[d->nwalks];
    w->start = mailauth__arena_strndup(d->a, dom, len);
    if (w->start == NULL) {
        d->nomem = true;
        return NULL;
    }
    w->slen = len;
    n = walk_names(w->start, len, limit, off);
    w->n = n; /* the bound in a local: the analyzer cannot see lookup() leave *w alone */
    for (size_t i = 0; i < n; i++) {
        w->lk[i] = mailauth__dmarc_lookup(d, w->start + off[i], len - off[i]);
        if (w->lk[i] == SIZE_MAX) {
            d->nomem = true;
            return NULL;
        }
    }
    w->last = w->n;
    d->nwalks++;
    return w;
}

/* §4.10.2: the organizational domain once the walk is over. */
static const char *
walk_org(const mailauth__dmarc_t *d, const mailauth__dmarc_walk_t *w)
{
    const mailauth__dmarc_lk_t *last;
    size_t                      want, labels = 1;
    if (w->last == w->n)
        return w->start; /* no record: the starting domain */
    last = &d->lk[w->lk[w->last]];
    if (last->rec->psd != 'y' || w->last == 0)
        return last->dom; /* psd=n, or the record with the fewest labels */
    /* psd=y above the start: the domain one label below it */
    for (size_t i = 0; i < last->len; i++)
        labels += last->dom[i] == '.';
    want = labels + 1;
    for (size_t i = w->slen; i-- > 0;) {
        if (w->start[i] == '.' && --want == 0)
            return w->start + i + 1;
    }
    return w->start;
}

void
mailauth__dmarc_walk_eval(mailauth__dmarc_t *d, mailauth__dmarc_walk_t *w)
{
    if (w->state != MAILAUTH__DMARC_WALK_PENDING)
        return;
    for (size_t i = 0; i < w->n; i++) {
        const mailauth__dmarc_lk_t *lk = &d->lk[w->lk[i]];
        switch (lk->state) {
        case MAILAUTH__DMARC_LK_ASKED:
            return;
        case MAILAUTH__DMARC_LK_TEMPFAIL:
            w->state = MAILAUTH__DMARC_WALK_TEMPFAIL;
            return;
        case MAILAUTH__DMARC_LK_MULTI:
            w->multi = true; /* step 2: all discarded, the walk goes on */
            break;
        case MAILAUTH__DMARC_LK_RECORD:
        case MAILAUTH__DMARC_LK_INVALID:
            w->last = i;
            if (lk->rec->psd == 'y' || lk->rec->psd == 'n')
                goto done; /* steps 2, 6: a psd= record stops the walk */
            break;
        default:
            break;
        }
    }
done:
    w->org = walk_org(d, w);
    w->state = MAILAUTH__DMARC_WALK_DONE;
}

/* ---- discovery ---- */

static void
disc_from_lookup(mailauth__dmarc_t *d, size_t i)
{
    static const uint8_t map[] = {
        [MAILAUTH__DMARC_LK_NONE] = MAILAUTH__DMARC_DISC_NONE,
        [MAILAUTH__DMARC_LK_MULTI] = MAILAUTH__DMARC_DISC_MULTI,
        [MAILAUTH__DMARC_LK_RECORD] = MAILAUTH__DMARC_DISC_RECORD,
        [MAILAUTH__DMARC_LK_INVALID] = MAILAUTH__DMARC_DISC_INVALID,
        [MAILAUTH__DMARC_LK_TEMPFAIL] = MAILAUTH__DMARC_DISC_TEMPFAIL,
    };
    d->disc = map[d->lk[i].state];
    d->policy_lk = i;
}

/* RFC 7489 §6.6.3: the author domain's record; if there is none at all
 * (steps 2-3: the set is empty), the organizational domain's. Several
 * records end discovery (step 5) without a fallback. */
static void
discover_7489(mailauth__dmarc_t *d)
{
    size_t author = 0, org;
    if (d->lk[author].state == MAILAUTH__DMARC_LK_ASKED)
        return;
    if (d->lk[author].state != MAILAUTH__DMARC_LK_NONE || d->nlk < 2) {
        disc_from_lookup(d, author);
        return;
    }
    org = 1;
    if (d->lk[org].state != MAILAUTH__DMARC_LK_ASKED)
        disc_from_lookup(d, org);
}

/* RFC 9989 §4.10.1: the author domain's record, else that of its
 * organizational domain, else that of its public suffix domain. */
static void
discover_9989(mailauth__dmarc_t *d)
{
    mailauth__dmarc_walk_t     *w = d->walks[0];
    const mailauth__dmarc_lk_t *a = &d->lk[w->lk[0]];
    if (a->state == MAILAUTH__DMARC_LK_ASKED)
        return;
    if (a->state == MAILAUTH__DMARC_LK_RECORD || a->state == MAILAUTH__DMARC_LK_INVALID ||
        a->state == MAILAUTH__DMARC_LK_TEMPFAIL) {
        disc_from_lookup(d, w->lk[0]);
        return;
    }
    mailauth__dmarc_walk_eval(d, w);
    if (w->state == MAILAUTH__DMARC_WALK_PENDING)
        return;
    if (w->state == MAILAUTH__DMARC_WALK_TEMPFAIL) {
        d->disc = MAILAUTH__DMARC_DISC_TEMPFAIL;
        return;
    }
    d->disc = w->multi ? MAILAUTH__DMARC_DISC_MULTI : MAILAUTH__DMARC_DISC_NONE;
    if (w->last == w->n)
        return; /* no record anywhere: DMARC does not apply */
    for (size_t i = 1; i <= w->last; i++) {
        const mailauth__dmarc_lk_t *lk = &d->lk[w->lk[i]];
        if ((lk->state == MAILAUTH__DMARC_LK_RECORD || lk->state == MAILAUTH__DMARC_LK_INVALID) &&
            mailauth__domain_eq(lk->dom, lk->len, w->org, strlen(w->org))) {
            disc_from_lookup(d, w->lk[i]); /* the organizational domain's record */
            return;
        }
    }
    disc_from_lookup(d, w->lk[w->last]); /* the PSD's (psd=y) record */
}

bool
mailauth__dmarc_discover(mailauth__dmarc_t *d)
{
    if (d->disc != MAILAUTH__DMARC_DISC_PENDING)
        return true;
    if (!mailauth__dmarc_settle(d))
        return false;
    if (d->mode == MAILAUTH_DMARC_RFC9989)
        discover_9989(d);
    else
        discover_7489(d);
    return !d->nomem;
}

/* ---- start ---- */

static void
from_error(mailauth__dmarc_t *d, mailauth_reason_t reason, const char *problem)
{
    d->disc = MAILAUTH__DMARC_DISC_FROM;
    d->res.verdict = MAILAUTH_VERDICT_PERMERROR;
    d->res.reason = reason;
    d->res.problem = problem;
}

/* The author domain of the one From field: the address list is read in a
 * scratch arena and only the domain is kept (in d->a), so that the
 * message holds nothing of the parse while its body streams. */
static mailauth_status_t
take_author(mailauth__dmarc_t *d, mailauth__arena_t *scratch, const mailauth__hdr_t *from)
{
    mailauth__addr_list_t l;
    mailauth_status_t     st = mailauth__addr_parse_domains(scratch, from->value, from->value_len,
                                                            MAILAUTH__DMARC_FROM_MAX, &l);
    if (st != MAILAUTH_OK)
        return st;
    if (l.total == 0 || l.n == 0) {
        from_error(d, MAILAUTH_REASON_DMARC_BAD_FROM, "the From field has no mailbox");
        return MAILAUTH_OK;
    }
    for (size_t i = 0; i < l.n; i++) {
        if (l.domains[i] == NULL) {
            from_error(d, MAILAUTH_REASON_DMARC_BAD_FROM, "a From mailbox has no usable domain");
            return MAILAUTH_OK;
        }
    }
    for (size_t i = 1; i < l.n; i++) {
        /* RFC 7489 §6.6.1: several authors are evaluated only when they
         * share one domain (see docs/dmarc.md for the choice). */
        if (strcmp(l.domains[i], l.domains[0]) != 0 || l.total > l.n) {
            from_error(d, MAILAUTH_REASON_DMARC_MULTIPLE_FROM, "From authors in several domains");
            return MAILAUTH_OK;
        }
    }
    d->author = mailauth__arena_strdup(d->a, l.domains[0]);
    if (d->author == NULL)
        return MAILAUTH_ENOMEM;
    d->alen = strlen(d->author);
    d->res.header_from = d->author;
    return MAILAUTH_OK;
}

/* The one author domain (RFC 7489 §6.6.1, RFC 9989 §5.3.1), or a
 * permerror: see docs/dmarc.md. MAILAUTH_OK or MAILAUTH_ENOMEM. */
static mailauth_status_t
find_author(mailauth__dmarc_t *d, const mailauth__hdr_index_t *idx)
{
    const mailauth__hdr_t *h, *from = NULL;
    mailauth__arena_t      scratch;
    size_t                 pos = 0, nfrom = 0;
    mailauth_status_t      st;
    while (idx != NULL && (h = mailauth__hdr_index_next(idx, "From", &pos)) != NULL)
        from = nfrom++ == 0 ? h : from;
    if (idx != NULL && mailauth__hdr_index_may_be_refused(idx, "From")) {
        /* A From refused by a limit could be the author, or a second one:
         * no single author domain can be told (RFC 7489 §6.6.1). */
        from_error(d, MAILAUTH_REASON_LIMIT_FIELD, "a From field was refused by a limit");
        return MAILAUTH_OK;
    }
    if (nfrom != 1) { /* RFC 5322 §3.6: exactly one From */
        from_error(d,
                   nfrom == 0 ? MAILAUTH_REASON_DMARC_NO_FROM : MAILAUTH_REASON_DMARC_MULTIPLE_FROM,
                   nfrom == 0 ? "no From field" : "several From fields");
        return MAILAUTH_OK;
    }
    mailauth__arena_init(&scratch, d->a->al);
    st = take_author(d, &scratch, from);
    mailauth__arena_clear(&scratch);
    return st;
}

/* Ask what discovery needs, all at once. */
static mailauth_status_t
ask_policy(mailauth__dmarc_t *d)
{
    const char *org;
    if (d->mode == MAILAUTH_DMARC_RFC9989) {
        if (mailauth__dmarc_walk(d, d->author, d->alen) == NULL)
            return MAILAUTH_ENOMEM;
        return MAILAUTH_OK;
    }
    if (mailauth__dmarc_lookup(d, d->author, d->alen) == SIZE_MAX)
        return MAILAUTH_ENOMEM;
    /* RFC 7489 §3.2; a name that is itself a public suffix has none: itself. */
    org = d->psl != NULL ? mailauth__psl_org_domain(d->psl, d->author) : NULL;
    d->org7489 = org != NULL ? org : d->author;
    d->res.org_domain = d->org7489;
    if (strcmp(d->org7489, d->author) != 0 &&
        mailauth__dmarc_lookup(d, d->org7489, strlen(d->org7489)) == SIZE_MAX)
        return MAILAUTH_ENOMEM;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__dmarc_start(mailauth__arena_t *a, const mailauth__env_t *env, mailauth__dnsc_t *dns,
                      const mailauth__hdr_index_t *idx, mailauth__dmarc_t **out)
{
    mailauth__dmarc_t *d;
    mailauth_status_t  st;
    if (out != NULL)
        *out = NULL;
    if (a == NULL || env == NULL || dns == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    d = mailauth__arena_calloc(a, 1, sizeof(*d));
    if (d == NULL)
        return MAILAUTH_ENOMEM;
    d->a = a;
    d->env = env;
    d->dns = dns;
    d->mode = env->dmarc_mode;
    d->res.mode = d->mode;
    d->res.discovery = d->mode == MAILAUTH_DMARC_RFC9989 ? MAILAUTH_DMARC_DISCOVERY_TREEWALK
                                                         : MAILAUTH_DMARC_DISCOVERY_PSL;
    d->res.verdict = MAILAUTH_VERDICT_NONE;
    if (d->mode == MAILAUTH_DMARC_RFC7489)
        d->psl = mailauth__env_psl(env);
    st = find_author(d, idx);
    if (st == MAILAUTH_OK && d->disc == MAILAUTH__DMARC_DISC_PENDING)
        st = ask_policy(d);
    if (st != MAILAUTH_OK)
        return st;
    *out = d;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__dmarc_prefetch(mailauth__dmarc_t *d, const char *domain)
{
    char  *low;
    size_t len;
    if (d == NULL || domain == NULL)
        return MAILAUTH_EINVAL;
    if (d->mode != MAILAUTH_DMARC_RFC9989 || d->author == NULL || d->done)
        return MAILAUTH_OK;
    len = strlen(domain);
    if (len > 0 && domain[len - 1] == '.')
        len--;
    if (!mailauth__domain_check(domain, len, 0) ||
        mailauth__domain_eq(domain, len, d->author, d->alen))
        return MAILAUTH_OK; /* no walk needed (or possible) */
    low = mailauth__arena_strndup(d->a, domain, len);
    if (low == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__lower_inplace(low, len);
    if (mailauth__dmarc_walk(d, low, len) == NULL && d->nomem)
        return MAILAUTH_ENOMEM;
    return MAILAUTH_OK;
}
