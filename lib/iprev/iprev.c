/* iprev (RFC 8601 §3) as a resumable state machine: the PTR question of
 * the client address, then the address question of every PTR name at
 * once, then the verdict of RFC 8601 §2.7.3.
 *
 * §3 states the test: with I the client address, N the names I maps to
 * by PTR, and L the union of the addresses of the members of N, it passes
 * when I is in L. Only the first MAILAUTH__IPREV_NAMES_MAX names of the
 * PTR answer are members of N here (§3: the names evaluated are bounded),
 * and only A (IPv4 client) or AAAA (IPv6 client) records are asked for:
 * an address of the other family can never equal I.
 *
 * The verdict never depends on the order in which answers arrive: the
 * names are read in PTR answer order, and a later name's confirmation is
 * taken only once every earlier name has been answered without one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "iprev/iprev_int.h"
#include "util/str.h"

#define NAME_MAX_OCTETS 253 /* RFC 1035 §2.3.4, text form without the root dot */
#define LABEL_MAX_OCTETS 63 /* RFC 1035 §2.3.4 */

/* A host name: LDH labels (RFC 5890 §2.3.1: letters, digits and hyphens, no
 * hyphen first or last, as RFC 1123 §2.1 has host names) of 1..63 octets,
 * 253 octets at most. A PTR target that is not one names no host. */
static bool
is_host_name(const char *s, size_t n)
{
    size_t label = 0;
    if (n == 0 || n > NAME_MAX_OCTETS)
        return false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if (mailauth__is_alnum(c) || (c == '-' && label != 0)) {
            if (++label > LABEL_MAX_OCTETS)
                return false;
        } else {
            return false;
        }
    }
    return label != 0 && s[n - 1] != '-';
}

/* ---- Ending ---- */

static void
log_verdict(const mailauth__iprev_t *it)
{
    const mailauth_iprev_result_t *res = &it->res;
    mailauth__env_log(it->env, MAILAUTH_LOG_DEBUG, "iprev %s: %s (%s)", res->ip,
                      mailauth_verdict_name(res->verdict),
                      res->name != NULL ? res->name : res->problem);
}

/* §2.7.3 pass: report the confirming name, lower case. */
static mailauth_status_t
finish_pass(mailauth__iprev_t *it, const mailauth__iprev_name_t *nm)
{
    char *name = mailauth__arena_strndup(it->a, nm->name, nm->len);
    if (name == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__lower_inplace(name, nm->len);
    it->res.verdict = MAILAUTH_VERDICT_PASS;
    it->res.reason = MAILAUTH_REASON_NONE;
    it->res.name = name;
    it->res.problem = NULL;
    it->phase = MAILAUTH__IPREV_DONE;
    log_verdict(it);
    return MAILAUTH_OK;
}

/* Any other verdict, with its problem text (printable by construction:
 * names in it are host names). A temperror after the deadline says so in
 * its reason, as SPF does. */
static mailauth_status_t finish_other(mailauth__iprev_t *it, mailauth_verdict_t v,
                                      mailauth_reason_t reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static mailauth_status_t
finish_other(mailauth__iprev_t *it, mailauth_verdict_t v, mailauth_reason_t reason, const char *fmt,
             ...)
{
    char    buf[400];
    char   *problem = NULL;
    va_list ap;
    int     n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        buf[0] = '\0';
    problem = mailauth__arena_strdup(it->a, buf);
    if (problem == NULL)
        return MAILAUTH_ENOMEM;
    if (v == MAILAUTH_VERDICT_TEMPERROR && it->dns->expired)
        reason = MAILAUTH_REASON_DEADLINE;
    it->res.verdict = v;
    it->res.reason = reason;
    it->res.name = NULL;
    it->res.problem = problem;
    it->phase = MAILAUTH__IPREV_DONE;
    log_verdict(it);
    return MAILAUTH_OK;
}

/* How a question that read as TEMPFAIL failed. */
static const char *
tempfail_why(const mailauth__iprev_t *it)
{
    return it->dns->expired ? "not answered before the evaluation deadline" : "failed temporarily";
}

/* A name for problem texts: lower case, NUL-terminated (buf > 253 octets). */
static const char *
name_text(const mailauth__iprev_name_t *nm, char *buf, size_t cap)
{
    size_t n = nm->len < cap ? nm->len : cap - 1;
    memcpy(buf, nm->name, n);
    buf[n] = '\0';
    mailauth__lower_inplace(buf, n);
    return buf;
}

/* ---- The PTR answer ---- */

/* Ask the address question of one PTR name. */
static mailauth_status_t
ask_name(mailauth__iprev_t *it, mailauth__iprev_name_t *nm, const mailauth__dns_rr_t *rr)
{
    const char       *name = (const char *)rr->data;
    size_t            len = rr->len;
    mailauth_status_t st;
    if (len > 0 && name[len - 1] == '.') /* the root label (RFC 1035 §3.1) */
        len--;
    /* §3 looks up "each of the names"; a target that is no host name cannot
     * map back to a host's address: skipped, and never sent to DNS. */
    if (!is_host_name(name, len))
        return MAILAUTH_OK;
    st = mailauth__dnsc_ask(it->dns, name, len, it->atype, &nm->q);
    if (st == MAILAUTH_ENOMEM)
        return st;
    if (st == MAILAUTH_ELIMIT) {
        nm->q = NULL;
        nm->over_budget = true; /* unknown, like a DNS failure */
    } else if (st != MAILAUTH_OK) {
        nm->q = NULL; /* refused as a name: skipped */
        return MAILAUTH_OK;
    }
    nm->name = name;
    nm->len = len;
    it->usable++;
    return MAILAUTH_OK;
}

static mailauth_status_t
on_ptr(mailauth__iprev_t *it, const mailauth__dns_result_t *r)
{
    if (r->rcode == MAILAUTH_DNS_TEMPFAIL) /* §2.7.3 temperror: e.g. SERVFAIL */
        return finish_other(it, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_IPREV_DNS_TEMPFAIL,
                            "PTR lookup %s", tempfail_why(it));
    /* §2.7.3 permerror: "no PTR data are published", NXDOMAIN or a NOERROR
     * reply without answers (NODATA) */
    if (r->rcode == MAILAUTH_DNS_NXDOMAIN)
        return finish_other(it, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_IPREV_NO_PTR,
                            "no PTR record: %s does not exist", it->rev);
    if (r->rcode != MAILAUTH_DNS_RECORDS || r->count == 0)
        return finish_other(it, MAILAUTH_VERDICT_PERMERROR, MAILAUTH_REASON_IPREV_NO_PTR,
                            "no PTR record at %s", it->rev);
    /* Every question at once: one round trip whatever the number of names.
     * The rest of the answer is never read, so its size costs nothing. */
    it->nptr = r->count;
    it->n = r->count < MAILAUTH__IPREV_NAMES_MAX ? r->count : MAILAUTH__IPREV_NAMES_MAX;
    it->usable = 0;
    for (size_t i = 0; i < it->n; i++) {
        mailauth_status_t st;
        memset(&it->names[i], 0, sizeof(it->names[i]));
        st = ask_name(it, &it->names[i], &r->rr[i]);
        if (st != MAILAUTH_OK)
            return st;
    }
    it->phase = MAILAUTH__IPREV_ADDRS;
    return MAILAUTH_OK;
}

/* ---- The address answers ---- */

static bool
confirms(const mailauth__iprev_t *it, const mailauth__dns_result_t *r)
{
    size_t alen = it->ip.family == 4 ? 4 : 16;
    if (r->rcode != MAILAUTH_DNS_RECORDS)
        return false;
    for (size_t k = 0; k < r->count; k++) {
        if (r->rr[k].len == alen && memcmp(r->rr[k].data, it->ip.addr, alen) == 0)
            return true;
    }
    return false;
}

/* §2.7.3 fail: every lookup completed, none gave the address back. */
static mailauth_status_t
finish_fail(mailauth__iprev_t *it)
{
    char buf[NAME_MAX_OCTETS + 1];
    if (it->nptr > it->n && it->usable == 0)
        return finish_other(it, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_IPREV_NO_MATCH,
                            "none of the first %zu of %zu PTR names is a valid host name", it->n,
                            it->nptr);
    if (it->nptr > it->n)
        return finish_other(it, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_IPREV_NO_MATCH,
                            "none of the first %zu of %zu PTR names resolves to %s", it->n,
                            it->nptr, it->res.ip);
    if (it->usable == 0)
        return finish_other(it, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_IPREV_NO_MATCH,
                            "no PTR name is a valid host name");
    if (it->usable == 1) {
        for (size_t i = 0; i < it->n; i++) {
            if (it->names[i].name != NULL)
                return finish_other(it, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_IPREV_NO_MATCH,
                                    "%s does not resolve to %s",
                                    name_text(&it->names[i], buf, sizeof(buf)), it->res.ip);
        }
    }
    return finish_other(it, MAILAUTH_VERDICT_FAIL, MAILAUTH_REASON_IPREV_NO_MATCH,
                        "none of the %zu PTR names resolves to %s", it->n, it->res.ip);
}

static mailauth_status_t
finish_temp(mailauth__iprev_t *it, const mailauth__iprev_name_t *nm)
{
    char        buf[NAME_MAX_OCTETS + 1];
    const char *name = name_text(nm, buf, sizeof(buf));
    if (nm->over_budget)
        return finish_other(it, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_IPREV_DNS_TEMPFAIL,
                            "DNS query limit of the message reached at %s", name);
    return finish_other(it, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_IPREV_DNS_TEMPFAIL,
                        "address lookup of %s %s", name, tempfail_why(it));
}

/* Decide as soon as the answers allow: pass at the first name (in PTR
 * answer order) that confirms, once every earlier one is answered; else,
 * when all are answered, temperror if a lookup failed temporarily (§2.7.3:
 * a later attempt may find the address), or fail. */
static mailauth_status_t
decide(mailauth__iprev_t *it)
{
    const mailauth__iprev_name_t *temp = NULL;
    for (size_t i = 0; i < it->n; i++) {
        const mailauth__iprev_name_t *nm = &it->names[i];
        const mailauth__dns_result_t *r = NULL;
        if (nm->name == NULL) /* skipped */
            continue;
        if (nm->q != NULL) {
            r = mailauth__dnsc_result(it->dns, nm->q);
            if (r == NULL) /* this name may still confirm before the later ones */
                return MAILAUTH_EAGAIN;
            if (confirms(it, r))
                return finish_pass(it, nm);
        }
        if ((r == NULL || r->rcode == MAILAUTH_DNS_TEMPFAIL) && temp == NULL)
            temp = nm; /* over the budget, or a DNS failure */
    }
    if (temp != NULL)
        return finish_temp(it, temp);
    return finish_fail(it);
}

/* ---- Interface ---- */

mailauth_status_t
mailauth__iprev_start(mailauth__arena_t *a, const mailauth__env_t *env, mailauth__dnsc_t *dns,
                      const mailauth__ip_t *ip, mailauth__iprev_t **out)
{
    mailauth__iprev_t *it = NULL;
    char               text[48];
    mailauth_status_t  st;
    if (out != NULL)
        *out = NULL;
    if (a == NULL || env == NULL || dns == NULL || ip == NULL || out == NULL ||
        (ip->family != 4 && ip->family != 6))
        return MAILAUTH_EINVAL;
    it = mailauth__arena_calloc(a, 1, sizeof(*it));
    if (it == NULL)
        return MAILAUTH_ENOMEM;
    it->a = a;
    it->env = env;
    it->dns = dns;
    it->ip = *ip;
    /* An IPv4-mapped address (RFC 4291 §2.5.5.2) is an IPv4 client: its
     * PTR data is under in-addr.arpa and its names have A records. */
    mailauth__ip_unmap_v4(&it->ip);
    it->atype = it->ip.family == 4 ? MAILAUTH_DNS_A : MAILAUTH_DNS_AAAA;
    mailauth__ip_format(&it->ip, text, sizeof(text));
    it->res.ip = mailauth__arena_strdup(a, text);
    if (it->res.ip == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__ip_reverse_name(&it->ip, it->rev, sizeof(it->rev));
    st = mailauth__dnsc_ask(dns, it->rev, strlen(it->rev), MAILAUTH_DNS_PTR, &it->ptr_q);
    if (st == MAILAUTH_ENOMEM)
        return st;
    if (st != MAILAUTH_OK) { /* the message's question budget is spent: cannot know */
        st = finish_other(it, MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_REASON_IPREV_DNS_TEMPFAIL,
                          "DNS query limit of the message reached at the PTR lookup");
        if (st != MAILAUTH_OK)
            return st;
    }
    *out = it;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__iprev_step(mailauth__iprev_t *it)
{
    if (it == NULL)
        return MAILAUTH_EINVAL;
    if (it->phase == MAILAUTH__IPREV_PTR) {
        const mailauth__dns_result_t *r = mailauth__dnsc_result(it->dns, it->ptr_q);
        mailauth_status_t             st;
        if (r == NULL)
            return MAILAUTH_EAGAIN;
        st = on_ptr(it, r);
        if (st != MAILAUTH_OK)
            return st;
    }
    if (it->phase == MAILAUTH__IPREV_ADDRS)
        return decide(it);
    return MAILAUTH_OK;
}

const mailauth_iprev_result_t *
mailauth__iprev_result(const mailauth__iprev_t *it)
{
    return it != NULL && it->phase == MAILAUTH__IPREV_DONE ? &it->res : NULL;
}
