/* A question's answer as the public mailauth_dns_answer_t: what
 * mailauth_resolver_lookup() callers and the observer receive. */
#include <string.h>

#include "dns/dns_int.h"
#include "util/alloc.h"

#define INLINE_RECORDS 16 /* answers this small need no allocation */

/* What is left of q's TTL now, in whole seconds (rounded up). */
static uint32_t
ttl_left(const mailauth_resolver_t *r, const mailauth__dns_q_t *q)
{
    uint64_t age = mailauth__dns_now(r) - q->done_ms;
    uint64_t ttl_ms = (uint64_t)q->ttl * 1000u;
    return age >= ttl_ms ? 0 : (uint32_t)((ttl_ms - age + 999u) / 1000u);
}

static void
fill_records(const mailauth__dns_result_t *res, mailauth_dns_record_t *out)
{
    for (size_t i = 0; i < res->count; i++) {
        out[i] = (mailauth_dns_record_t){.version = MAILAUTH_DNS_RECORD_VERSION,
                                         .data = res->rr[i].data,
                                         .len = res->rr[i].len,
                                         .preference = res->rr[i].pref,
                                         .ttl = res->rr[i].ttl};
    }
}

void
mailauth__dns_answer_give(mailauth_resolver_t *r, const mailauth__dns_q_t *q, bool from_cache,
                          mailauth_dns_answer_fn fn, void *ud)
{
    mailauth_dns_record_t  in[INLINE_RECORDS];
    mailauth_dns_record_t *recs = in;
    mailauth_dns_answer_t  a = {.version = MAILAUTH_DNS_ANSWER_VERSION,
                                .name = q->name,
                                .type = (mailauth_dns_type_t)q->type,
                                .rcode = q->res.rcode,
                                .count = q->res.count,
                                .ttl = from_cache ? ttl_left(r, q) : q->ttl,
                                .from_cache = from_cache ? 1 : 0,
                                .elapsed_ms = 0};
    if (!from_cache && q->done_ms > q->sent_ms)
        a.elapsed_ms =
            (uint32_t)(q->done_ms - q->sent_ms > UINT32_MAX ? UINT32_MAX : q->done_ms - q->sent_ms);
    if (a.count > INLINE_RECORDS) {
        recs = mailauth__calloc(r->al, a.count, sizeof(*recs));
        if (recs == NULL) {
            a.rcode = MAILAUTH_DNS_TEMPFAIL;
            a.count = 0;
            a.ttl = 0;
        }
    }
    if (a.count > 0) {
        fill_records(&q->res, recs);
        a.records = recs;
    }
    fn(ud, &a);
    if (recs != in)
        mailauth__free(r->al, recs);
}
