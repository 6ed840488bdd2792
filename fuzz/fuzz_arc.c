/* Fuzz target: ARC sets (lib/arc): the input is a message (header fields,
 * maybe a body) split into the header index; then the collector and the
 * structural checks of RFC 8617 §5.2 steps 1-3, the AAR instance reader,
 * the consolidation of this host's Authentication-Results, and the whole
 * validator over a zone that publishes no key.
 * Invariants (abort() on violation):
 *  - collect: NONE exactly when there is no ARC field (reason NO_SETS);
 *    PASS only with 1..limit instances, each with exactly one AAR, AMS and
 *    AS, cv none at i=1 and pass above; FAIL with an ARC_* reason, a
 *    problem text and a failed instance <= n; newest_cv_fail only with
 *    ARC_CV at instance n; collecting twice gives the same answer;
 *  - every AAR instance read is 0..1025;
 *  - A-R results are trimmed, non-empty, never "none";
 *  - the validator agrees with the collector when the structure decides,
 *    and never passes a chain (no key exists), after a bounded number of
 *    steps; its sealers are lower case. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arc/arc.h"
#include "arc/arc_seal.h"
#include "core/ctx_int.h"
#include "dkim/dkim.h"
#include "dns/dns.h"
#include "msg/msg.h"
#include "util/arena.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 65536

static void
check(int ok)
{
    if (!ok)
        abort();
}

static mailauth__hdr_index_t *sink_idx;

static mailauth_status_t
sink_header(void *ud, const char *field, size_t len)
{
    (void)ud;
    return mailauth__hdr_index_add(sink_idx, field, len);
}

static mailauth_status_t
sink_end(void *ud)
{
    (void)ud;
    return MAILAUTH_OK;
}

static mailauth_status_t
sink_body(void *ud, const void *p, size_t n)
{
    (void)ud;
    (void)p;
    (void)n;
    return MAILAUTH_OK;
}

static void
check_chain(const mailauth__arc_chain_t *c, uint32_t limit)
{
    check(c->n <= 1025);
    check((c->verdict == MAILAUTH_VERDICT_NONE) == (c->fields == 0));
    if (c->verdict == MAILAUTH_VERDICT_NONE) {
        check(c->reason == MAILAUTH_REASON_ARC_NO_SETS && c->n == 0);
    } else if (c->verdict == MAILAUTH_VERDICT_PASS) {
        check(c->n >= 1 && c->n <= limit && c->problem == NULL && !c->newest_cv_fail);
        for (uint32_t i = 0; i < c->n; i++) {
            const mailauth__arc_set_t *s = &c->sets[i];
            check(s->naar == 1 && s->nams == 1 && s->nas == 1);
            check(s->cv == (i == 0 ? MAILAUTH__CV_NONE : MAILAUTH__CV_PASS));
            check(s->aar != NULL && s->ams != NULL && s->as != NULL);
        }
    } else {
        check(c->verdict == MAILAUTH_VERDICT_FAIL && c->problem != NULL);
        check(c->reason >= MAILAUTH_REASON_ARC_NO_SETS && c->reason <= MAILAUTH_REASON_ARC_CV);
        check(c->failed <= c->n);
        check(!c->newest_cv_fail || (c->reason == MAILAUTH_REASON_ARC_CV && c->failed == c->n));
    }
}

static void
check_results(mailauth__arena_t *a, const mailauth__hdr_index_t *idx)
{
    mailauth__arc_piece_t *p = NULL;
    size_t                 n = 0;
    const char            *w = NULL;
    size_t                 wl = 0;
    if (mailauth__arc_ar_results(a, idx, "mx.example", &p, &n) != MAILAUTH_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        check(p[i].n > 0 && !mailauth__is_space((unsigned char)p[i].p[0]) &&
              !mailauth__is_space((unsigned char)p[i].p[p[i].n - 1]));
        check(!mailauth__mem_eq_ci(p[i].p, p[i].n, "none"));
        if (mailauth__arc_piece_is(&p[i], "arc", &w, &wl))
            check(wl > 0 && w >= p[i].p && w + wl <= p[i].p + p[i].n);
    }
}

/* A ctx and a resolver whose zone has no key, made once. */
static mailauth_ctx_t      *fz_ctx;
static mailauth_resolver_t *fz_r;

static void
wake(void *ud)
{
    (void)ud;
}

static void
run_validator(mailauth__arena_t *a, const mailauth__hdr_index_t *idx,
              const mailauth__arc_chain_t *c, const uint8_t *body, size_t blen, unsigned opts)
{
    static const char zone[] = "example.org TXT \"v=spf1 -all\"\n";
    mailauth__dnsc_t  dns;
    mailauth__arc_t  *v = NULL;
    mailauth_status_t st;
    int               turns = 0;
    if (fz_ctx == NULL) {
        check(mailauth_ctx_new(NULL, &fz_ctx) == MAILAUTH_OK);
        check(mailauth_resolver_new_zone(fz_ctx, zone, sizeof(zone) - 1, NULL, &fz_r) ==
              MAILAUTH_OK);
    }
    mailauth__dnsc_init(&dns, fz_r, wake, NULL);
    st = mailauth__arc_start(a, mailauth__ctx_env(fz_ctx), &dns, idx, NULL, opts, &v);
    if (st == MAILAUTH_OK && mailauth__arc_done(v) && c->verdict != MAILAUTH_VERDICT_PASS) {
        const mailauth_arc_result_t *r = mailauth__arc_result(v);
        check(r->verdict == c->verdict && r->reason == c->reason);
    }
    if (st == MAILAUTH_OK)
        st = mailauth__arc_body(v, body, blen);
    if (st == MAILAUTH_OK)
        st = mailauth__arc_end_body(v);
    while (st == MAILAUTH_OK && (st = mailauth__arc_step(v)) == MAILAUTH_EAGAIN) {
        check(++turns < 1000);
        if (turns == 100)
            mailauth__dnsc_set_timeout(&dns, 0);
        (void)mailauth_resolver_run_once(fz_r, 0);
        st = MAILAUTH_OK;
    }
    if (st == MAILAUTH_OK) {
        const mailauth_arc_result_t *r = mailauth__arc_result(v);
        check(mailauth__arc_done(v) && r->verdict != MAILAUTH_VERDICT_PASS);
        for (unsigned i = 1; i <= r->instances && i <= 50; i++) {
            const char *s = mailauth_arc_result_sealer(r, i);
            for (; s != NULL && *s != '\0'; s++)
                check(*s < 'A' || *s > 'Z');
        }
    }
    mailauth__arc_free(v);
    mailauth__dnsc_clear(&dns);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mailauth__arena_t     a;
    mailauth__hdr_index_t idx;
    mailauth__arc_chain_t c1, c2;
    mailauth__msg_sink_t  sink = {NULL, sink_header, sink_end, sink_body};
    uint32_t              limit = 50;
    const uint8_t        *body = NULL;
    if (size > INPUT_MAX)
        return 0;
    if (size > 0 && data[0] < 8) /* a small instance limit, sometimes */
        limit = (uint32_t)data[0] + 1;
    mailauth__arena_init(&a, NULL);
    mailauth__hdr_index_init(&idx, &a, 1000, 65536);
    sink_idx = &idx;
    (void)mailauth__msg_split(NULL, data, size, 65536, &sink);
    for (size_t i = 0; i < mailauth__hdr_index_count(&idx); i++) {
        const mailauth__hdr_t *f = mailauth__hdr_index_get(&idx, i);
        check(mailauth__arc_aar_instance(f->value, f->value_len) <= 1025);
    }
    if (mailauth__arc_collect(&a, &idx, limit, &c1) == MAILAUTH_OK &&
        mailauth__arc_collect(&a, &idx, limit, &c2) == MAILAUTH_OK) {
        check_chain(&c1, limit);
        check(c1.verdict == c2.verdict && c1.reason == c2.reason && c1.n == c2.n &&
              c1.failed == c2.failed && c1.newest_cv_fail == c2.newest_cv_fail);
        check_results(&a, &idx);
        if (limit == 50) {
            const uint8_t *sep = NULL;
            for (size_t i = 0; i + 3 < size && sep == NULL; i++)
                if (memcmp(data + i, "\r\n\r\n", 4) == 0)
                    sep = data + i + 4;
            body = sep != NULL ? sep : data + size;
            run_validator(&a, &idx, &c1, body, size - (size_t)(body - data),
                          size % 2 ? MAILAUTH__ARC_OLDEST_PASS : 0);
        }
    }
    mailauth__arena_clear(&a);
    return 0;
}
