/* libmailauth-report: deep copies of policies and records, for the
 * generator, which keeps the store's groups past the callback that handed
 * them out. Everything lives in one pool freed at once. */
#include <stdlib.h>
#include <string.h>

#include "gen_int.h"

struct chunk {
    struct chunk *next;
    size_t        used;
    size_t        cap;
    max_align_t   data[];
};

void *
mailauth_report__pool_alloc(mailauth_report__pool_t *p, size_t n)
{
    struct chunk *c = p->head;
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (n == 0)
        n = sizeof(max_align_t);
    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof(*c) + cap);
        if (c == NULL) {
            p->failed = true;
            return NULL;
        }
        c->next = p->head;
        c->used = 0;
        c->cap = cap;
        p->head = c;
    }
    void *r = (char *)c->data + c->used;
    c->used += n;
    memset(r, 0, n);
    return r;
}

void
mailauth_report__pool_free(mailauth_report__pool_t *p)
{
    struct chunk *c = p->head;
    while (c != NULL) {
        struct chunk *n = c->next;
        free(c);
        c = n;
    }
    p->head = NULL;
}

static const char *
dup(mailauth_report__pool_t *p, const char *s)
{
    char  *r;
    size_t n;
    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    r = mailauth_report__pool_alloc(p, n);
    if (r != NULL)
        memcpy(r, s, n);
    return r;
}

const mailauth_report_policy_t *
mailauth_report__copy_policy(mailauth_report__pool_t *p, const mailauth_report_policy_t *src)
{
    mailauth_report_policy_t *d = mailauth_report__pool_alloc(p, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->version = src->version;
    d->domain = dup(p, src->domain);
    d->p = dup(p, src->p);
    d->sp = dup(p, src->sp);
    d->np = dup(p, src->np);
    d->adkim = dup(p, src->adkim);
    d->aspf = dup(p, src->aspf);
    d->pct = dup(p, src->pct);
    d->testing = dup(p, src->testing);
    d->discovery_method = dup(p, src->discovery_method);
    d->fo = dup(p, src->fo);
    d->rua = dup(p, src->rua);
    d->ruf = dup(p, src->ruf);
    return d;
}

static void
copy_lists(mailauth_report__pool_t *p, mailauth_report_record_t *d,
           const mailauth_report_record_t *s)
{
    mailauth_report_reason_t *rs = mailauth_report__pool_alloc(p, s->reason_count * sizeof(*rs));
    mailauth_report_dkim_t   *dk = mailauth_report__pool_alloc(p, s->dkim_count * sizeof(*dk));
    mailauth_report_spf_t    *sp = mailauth_report__pool_alloc(p, s->spf_count * sizeof(*sp));
    if (rs == NULL || dk == NULL || sp == NULL)
        return;
    for (size_t i = 0; i < s->reason_count; i++) {
        rs[i].type = dup(p, s->reasons[i].type);
        rs[i].comment = dup(p, s->reasons[i].comment);
    }
    for (size_t i = 0; i < s->dkim_count; i++) {
        dk[i].domain = dup(p, s->dkim[i].domain);
        dk[i].selector = dup(p, s->dkim[i].selector);
        dk[i].result = dup(p, s->dkim[i].result);
        dk[i].human_result = dup(p, s->dkim[i].human_result);
    }
    for (size_t i = 0; i < s->spf_count; i++) {
        sp[i].domain = dup(p, s->spf[i].domain);
        sp[i].scope = dup(p, s->spf[i].scope);
        sp[i].result = dup(p, s->spf[i].result);
        sp[i].human_result = dup(p, s->spf[i].human_result);
    }
    d->reasons = rs;
    d->reason_count = s->reason_count;
    d->dkim = dk;
    d->dkim_count = s->dkim_count;
    d->spf = sp;
    d->spf_count = s->spf_count;
}

void
mailauth_report__copy_record(mailauth_report__pool_t *p, mailauth_report_record_t *d,
                             const mailauth_report_record_t *s,
                             const mailauth_report_policy_t *policy)
{
    memset(d, 0, sizeof(*d));
    d->version = s->version;
    d->time = s->time;
    d->source_ip = dup(p, s->source_ip);
    d->count = s->count;
    d->disposition = dup(p, s->disposition);
    d->dkim_aligned = dup(p, s->dkim_aligned);
    d->spf_aligned = dup(p, s->spf_aligned);
    d->dmarc = dup(p, s->dmarc);
    d->header_from = dup(p, s->header_from);
    d->envelope_from = dup(p, s->envelope_from);
    d->envelope_to = dup(p, s->envelope_to);
    d->policy = policy;
    copy_lists(p, d, s);
}

static bool
same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool
mailauth_report__policy_eq(const mailauth_report_policy_t *a, const mailauth_report_policy_t *b)
{
    return same(a->domain, b->domain) && same(a->p, b->p) && same(a->sp, b->sp) &&
           same(a->np, b->np) && same(a->adkim, b->adkim) && same(a->aspf, b->aspf) &&
           same(a->pct, b->pct) && same(a->testing, b->testing) &&
           same(a->discovery_method, b->discovery_method) && same(a->fo, b->fo) &&
           same(a->rua, b->rua) && same(a->ruf, b->ruf);
}
