/* Fuzz target: DNS responses as the c-ares driver receives them
 * (lib/dns/ares_answer.c, dns_wire.c): c-ares' ares_parse_*_reply, our TTL
 * reader and the copy into cached records.
 *
 * Input: one byte choosing the question type, then the raw response.
 * Invariants checked (abort() on violation): the question completes with
 * one of the four outcomes; records only with RECORDS; A is 4 bytes, AAAA
 * 16; names and TXT are NUL-terminated; nothing leaks (ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include <ares.h>

#include <mailauth/mailauth.h>

#include "dns/dns.h"
#include "dns/dns_int.h"
#include "dns/dns_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
    if (!ok)
        abort();
}

/* The question stays in flight until we hand it the fuzzed answer. */
static mailauth_status_t
hold_query(void *ud, mailauth_dns_query_t *q, const char *name, mailauth_dns_type_t type)
{
    (void)ud;
    (void)q;
    (void)name;
    (void)type;
    return MAILAUTH_OK;
}

static void
noop_wake(void *ud)
{
    (void)ud;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const mailauth_dns_type_t types[] = {MAILAUTH_DNS_A, MAILAUTH_DNS_AAAA, MAILAUTH_DNS_MX,
                                                MAILAUTH_DNS_TXT, MAILAUTH_DNS_PTR};
    mailauth_dns_ops_t            ops = {.version = MAILAUTH_DNS_OPS_VERSION, .query = hold_query};
    mailauth_ctx_t               *ctx = NULL;
    mailauth_resolver_t          *r = NULL;
    mailauth__dnsc_t              c;
    mailauth__dns_q_t            *q = NULL;
    const mailauth__dns_result_t *res;
    mailauth_dns_type_t           t;
    if (size < 1)
        return 0;
    t = types[data[0] % 5];
    (void)mailauth__dns_wire_answer_ttl(data + 1, size - 1);
    (void)mailauth__dns_wire_negative_ttl(data + 1, size - 1);
    if (mailauth_ctx_new(NULL, &ctx) != MAILAUTH_OK)
        return 0;
    if (mailauth_resolver_new_custom(ctx, &ops, &r) == MAILAUTH_OK) {
        mailauth__dnsc_init(&c, r, noop_wake, NULL);
        if (mailauth__dnsc_ask(&c, "x.example", 9, t, &q) == MAILAUTH_OK) {
            mailauth__dns_ares_deliver(r, q, ARES_SUCCESS, data + 1, size - 1);
            res = mailauth__dnsc_result(&c, q);
            check(res != NULL);
            check((unsigned)res->rcode <= (unsigned)MAILAUTH_DNS_TEMPFAIL);
            check((res->rcode == MAILAUTH_DNS_RECORDS) == (res->count > 0));
            for (size_t i = 0; i < res->count; i++) {
                check(res->rr[i].data[res->rr[i].len] == 0);
                check(t != MAILAUTH_DNS_A || res->rr[i].len == 4);
                check(t != MAILAUTH_DNS_AAAA || res->rr[i].len == 16);
            }
        }
        mailauth__dnsc_clear(&c);
    }
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    return 0;
}
