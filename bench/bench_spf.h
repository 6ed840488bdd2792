/* bench_spf: declarations shared by its files (see bench_spf.c for what it measures). */
#ifndef BENCH_SPF_H
#define BENCH_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/mailauth.h>

#define N_RECORDS 7
#define N_RANGES 8
#define TXT_MAX 512
#define ZONE_MAX 8192
#define SENDER "bench@example.com"
#define HELO "mail.example.com"

struct policy {
    char   txt[N_RECORDS][TXT_MAX];
    char   zone[ZONE_MAX]; /* mailauth zone text of all records */
    size_t zone_len;
};

struct bench_case {
    const char        *name;
    char               ip[64];
    mailauth_verdict_t expect;
    unsigned depth; /* include depth reached: DNS round trips if asked in parallel = depth + 1 */
    unsigned lookups;
};

/* The owner name of each record of the policy. */
extern const char *const owners[N_RECORDS];

_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void           check_ma(mailauth_status_t st, const char *what);
void           build_policy(struct policy *pol);
void           build_cases(struct bench_case cases[3]);
uint64_t       now_ns(void); /* CLOCK_MONOTONIC */
uint64_t       cpu_ns(void); /* CLOCK_THREAD_CPUTIME_ID */
void           sleep_ms(unsigned ms);

/* mailauth: ctx + zone resolver; delay_ms > 0 delays every answer; helo: give
 * the HELO name (mailauth then checks the HELO identity too); authres: also
 * format the Authentication-Results field of every evaluation; cold (set
 * after ma_open): empty the resolver cache before every evaluation, so each
 * one fetches and parses every record again, as libspf2 does. */
struct ma {
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
    bool                 helo, authres, cold;
};
void ma_open(struct ma *m, const struct policy *pol, unsigned delay_ms, bool helo, bool authres);
void ma_close(struct ma *m);
mailauth_verdict_t ma_eval(void *impl, const struct bench_case *c);

/* libspf2: SPF_dns_zone; delay_ms >= 0 adds a layer that counts lookups and
 * sleeps delay_ms before each; helo: also check the HELO identity. */
struct spf2;
struct spf2       *spf2_new(const struct policy *pol, int delay_ms, bool helo);
void               spf2_free(struct spf2 *s);
mailauth_verdict_t spf2_eval(void *impl, const struct bench_case *c);
uint64_t           spf2_lookups(const struct spf2 *s);
void               spf2_version(char *buf, size_t cap);

#endif
