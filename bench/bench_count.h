/* Counting allocators for the memory benchmarks (bench_dkim -m memory,
 * bench_inflight): bytes held now and at the peak, through a mailauth ctx
 * allocator and through OpenSSL's allocator (one process-wide counter:
 * OpenSSL's hooks take no user pointer). */
#ifndef BENCH_COUNT_H
#define BENCH_COUNT_H

#include <stddef.h>

#include <mailauth/mailauth.h>

struct bench_counter {
    size_t cur, peak, calls; /* bytes held, most bytes held, allocations */
};

/* An allocator for mailauth_ctx_new() that counts into c. */
mailauth_allocator_t bench_count_allocator(struct bench_counter *c);

/* OpenSSL's counter, hooked with CRYPTO_set_mem_functions() by
 * bench_count_openssl_hook() (before OpenSSL's first allocation). */
extern struct bench_counter bench_count_ossl;
int                         bench_count_openssl_hook(void); /* 0 on success */

#endif
