/* bench_report: synthetic DMARC history rows, shaped like a large
 * receiver's day: a thousand policy domains (a few send most of the mail),
 * source addresses with a heavy skew (a few big senders, a long tail of
 * one-message hosts), one to three DKIM results, SPF for MAIL FROM and
 * sometimes HELO, and a few reasons. Deterministic for a seed. */
#include <stdio.h>
#include <string.h>

#include "bench_report.h"

static uint64_t
next(uint64_t *s)
{
    /* xorshift64*: enough for synthetic data, and the same everywhere. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* A uniform double in [0, 1). */
static double
unit(uint64_t *s)
{
    return (double)(next(s) >> 11) / 9007199254740992.0;
}

/* An index in [0, n) with a power-law skew: u^k puts most draws near 0. */
static unsigned
skewed(uint64_t *s, unsigned n, unsigned k)
{
    double u = unit(s), v = u;
    for (unsigned i = 1; i < k; i++)
        v *= u;
    return (unsigned)(v * n);
}

static const char *const dkim_results[] = {"pass", "pass", "pass",    "pass", "pass",
                                           "pass", "fail", "neutral", "none", "temperror"};
static const char *const spf_results[] = {"pass", "pass",    "pass", "pass",      "softfail",
                                          "fail", "neutral", "none", "temperror", "pass"};

void
bench_report_policy(unsigned d, struct bench_row *b)
{
    static const char *const  ps[] = {"none", "quarantine", "reject"};
    mailauth_report_policy_t *p = &b->policy;
    (void)snprintf(b->pol_domain, sizeof(b->pol_domain), "d%04u.example", d);
    (void)snprintf(b->rua, sizeof(b->rua), "mailto:dmarc-rua@d%04u.example", d);
    memset(p, 0, sizeof(*p));
    p->version = MAILAUTH_REPORT_STRUCT_VERSION;
    p->domain = b->pol_domain;
    p->p = ps[d % 3];
    p->sp = d % 5 == 0 ? "none" : NULL;
    p->adkim = d % 4 == 0 ? "s" : "r";
    p->aspf = "r";
    p->pct = d % 10 == 0 ? "50" : NULL;
    p->discovery_method = "treewalk";
    p->fo = d % 7 == 0 ? "1" : NULL;
    p->rua = b->rua;
}

static void
fill_auth(uint64_t *s, unsigned d, struct bench_row *b, mailauth_report_record_t *r)
{
    unsigned nd = 1 + (unsigned)(unit(s) < 0.35) + (unsigned)(unit(s) < 0.08);
    unsigned esp = skewed(s, 40, 2);
    for (unsigned i = 0; i < nd; i++) {
        if (i == 0)
            (void)snprintf(b->dkim_dom[i], sizeof(b->dkim_dom[i]), "d%04u.example", d);
        else
            (void)snprintf(b->dkim_dom[i], sizeof(b->dkim_dom[i]), "esp%02u.example", esp + i);
        (void)snprintf(b->dkim_sel[i], sizeof(b->dkim_sel[i]), "s%u", (d + i) % 3);
        b->dkim[i] = (mailauth_report_dkim_t){b->dkim_dom[i], b->dkim_sel[i],
                                              dkim_results[next(s) % 10], NULL};
    }
    r->dkim = b->dkim;
    r->dkim_count = nd;
    if (unit(s) < 0.7)
        (void)snprintf(b->mfrom, sizeof(b->mfrom), "d%04u.example", d);
    else
        (void)snprintf(b->mfrom, sizeof(b->mfrom), "bounce.esp%02u.example", esp);
    b->spf[0] = (mailauth_report_spf_t){b->mfrom, "mfrom", spf_results[next(s) % 10], NULL};
    r->spf_count = 1;
    if (unit(s) < 0.2) {
        b->spf[1] = (mailauth_report_spf_t){b->helo, "helo", "pass", NULL};
        r->spf_count = 2;
    }
    r->spf = b->spf;
    r->envelope_from = b->mfrom;
}

void
bench_report_row(uint64_t *s, unsigned domains, int64_t t, struct bench_row *b)
{
    static const char *const  rcpt[] = {"mx.receiver.example", "lists.receiver.example",
                                        "corp.receiver.example"};
    mailauth_report_record_t *r = &b->rec;
    unsigned                  d = skewed(s, domains, 2);
    /* Most mail of a domain comes from its own few servers and ESPs; the
     * rest from a long tail (forwarders, lists, forgers) of 2 M hosts. */
    unsigned ip =
        unit(s) < 0.97 ? (d * 7919u + skewed(s, 64, 2)) % 200000u : 200000u + skewed(s, 2000000, 1);
    /* A sender (address, domain) mostly gets the same results every time:
     * its own stream decides them, the row's stream perturbs one in ten. */
    uint64_t sender = ((uint64_t)d << 32 | ip) * 0x9e3779b97f4a7c15ull + 7;
    double   u;
    bench_report_policy(d, b);
    memset(r, 0, sizeof(*r));
    r->version = MAILAUTH_REPORT_STRUCT_VERSION;
    r->time = t;
    if (ip % 16 == 15)
        (void)snprintf(b->ip, sizeof(b->ip), "2001:db8:%x::%x", ip >> 8, ip & 0xffu);
    else
        (void)snprintf(b->ip, sizeof(b->ip), "%u.%u.%u.%u", 10u + (ip >> 24), (ip >> 16) & 0xffu,
                       (ip >> 8) & 0xffu, ip & 0xffu);
    (void)snprintf(b->helo, sizeof(b->helo), "mta%u.example.net", ip % 5000u);
    r->source_ip = b->ip;
    r->count = 1;
    fill_auth(unit(s) < 0.1 ? s : &sender, d, b, r);
    r->dkim_aligned = strcmp(b->dkim[0].result, "pass") == 0 ? "pass" : "fail";
    r->spf_aligned = strcmp(b->spf[0].result, "pass") == 0 && b->mfrom[0] == 'd' ? "pass" : "fail";
    r->dmarc = r->dkim_aligned[0] == 'p' || r->spf_aligned[0] == 'p' ? "pass" : "fail";
    r->disposition = r->dmarc[0] == 'p' ? "none" : b->policy.p;
    r->header_from = b->pol_domain;
    r->envelope_to = rcpt[skewed(&sender, 3, 2)];
    u = unit(s);
    r->reasons = b->reasons;
    if (u < 0.05) {
        b->reasons[0] = (mailauth_report_reason_t){"forwarded", NULL};
        r->reason_count = 1;
    } else if (u < 0.07) {
        b->reasons[0] = (mailauth_report_reason_t){"sampled_out", NULL};
        r->reason_count = 1;
    } else if (u < 0.08) {
        b->reasons[0] = (mailauth_report_reason_t){"local_policy", "arc"};
        b->reasons[1] = (mailauth_report_reason_t){"mailing_list", NULL};
        r->reason_count = 2;
    }
    if (r->reason_count > 0 && r->dmarc[0] == 'f')
        r->disposition = "none";
    r->policy = &b->policy;
}
