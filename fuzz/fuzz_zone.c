/* Fuzz target: zone text (lib/dns/zone_parse.c, zone_store.c) and the
 * answers a zone resolver gives.
 *
 * Invariants checked (abort() on violation):
 *  - a rejected text reports a line between 1 and the number of lines;
 *  - an accepted text gives, for every owner and every type we ask, exactly
 *    one of the four outcomes; records only with RECORDS; A is 4 bytes,
 *    AAAA 16; MX and PTR are names without NUL inside; every record is
 *    followed by a NUL;
 *  - the same question asked twice by two clients is one query;
 *  - the same text added a second time (duplicate records, cache flush) is
 *    accepted again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

#include "dns/dns.h"
#include "dns/dns_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OWNERS_MAX 16

struct owners {
    char   name[OWNERS_MAX][MAILAUTH__DNS_NAME_MAX + 1];
    size_t n;
};

static void
check(int ok)
{
    if (!ok)
        abort();
}

static mailauth_status_t
note_owner(void *ud, const mailauth__dns_zrec_t *rec)
{
    struct owners *o = ud;
    if (o->n < OWNERS_MAX) {
        check(rec->ownerlen > 0 && rec->ownerlen <= MAILAUTH__DNS_NAME_MAX);
        memcpy(o->name[o->n], rec->owner, rec->ownerlen);
        o->name[o->n++][rec->ownerlen] = '\0';
    }
    return MAILAUTH_OK;
}

static void
noop_wake(void *ud)
{
    (void)ud;
}

static void
check_result(const mailauth__dns_result_t *res, mailauth_dns_type_t t)
{
    check(res != NULL);
    check((unsigned)res->rcode <= (unsigned)MAILAUTH_DNS_TEMPFAIL);
    check((res->rcode == MAILAUTH_DNS_RECORDS) == (res->count > 0));
    for (size_t i = 0; i < res->count; i++) {
        check(res->rr[i].data[res->rr[i].len] == 0);
        if (t == MAILAUTH_DNS_A)
            check(res->rr[i].len == 4);
        if (t == MAILAUTH_DNS_AAAA)
            check(res->rr[i].len == 16);
        if (t == MAILAUTH_DNS_MX || t == MAILAUTH_DNS_PTR)
            check(strlen((const char *)res->rr[i].data) == res->rr[i].len);
    }
}

static void
ask_all(mailauth_resolver_t *r, const struct owners *o)
{
    static const mailauth_dns_type_t types[] = {MAILAUTH_DNS_A, MAILAUTH_DNS_AAAA, MAILAUTH_DNS_MX,
                                                MAILAUTH_DNS_TXT, MAILAUTH_DNS_PTR};
    mailauth__dnsc_t                 c1, c2;
    mailauth__dns_q_t               *q[OWNERS_MAX][5];
    mailauth_resolver_stats_t        st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    mailauth__dnsc_init(&c1, r, noop_wake, NULL);
    mailauth__dnsc_init(&c2, r, noop_wake, NULL);
    for (size_t i = 0; i < o->n; i++) {
        for (size_t k = 0; k < 5; k++) {
            mailauth__dns_q_t *again = NULL;
            q[i][k] = NULL;
            (void)mailauth__dnsc_ask(&c1, o->name[i], strlen(o->name[i]), types[k], &q[i][k]);
            (void)mailauth__dnsc_ask(&c2, o->name[i], strlen(o->name[i]), types[k], &again);
            check(q[i][k] == again);
        }
    }
    check(mailauth_resolver_stats(r, &st) == MAILAUTH_OK);
    check(st.coalesced + st.cache_hits >= st.questions / 2);
    (void)mailauth_resolver_process_timeouts(r);
    for (size_t i = 0; i < o->n; i++)
        for (size_t k = 0; k < 5; k++)
            if (q[i][k] != NULL)
                check_result(mailauth__dnsc_result(&c1, q[i][k]), types[k]);
    mailauth__dnsc_clear(&c1);
    mailauth__dnsc_clear(&c2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char          *text = (const char *)data;
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    struct owners        o = {.n = 0};
    size_t               errline = 0, lines = 1;
    mailauth_status_t    st;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (mailauth_ctx_new(NULL, &ctx) != MAILAUTH_OK)
        return 0;
    st = mailauth_resolver_new_zone(ctx, text, size, &errline, &r);
    if (st == MAILAUTH_EINVAL) {
        check(errline >= 1 && errline <= lines);
    } else if (st == MAILAUTH_OK) {
        check(errline == 0);
        check(mailauth__dns_zone_parse(NULL, text, size, NULL, note_owner, &o) == MAILAUTH_OK);
        ask_all(r, &o);
        check(mailauth_resolver_zone_add(r, text, size, &errline) == MAILAUTH_OK);
        ask_all(r, &o);
    }
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    return 0;
}
