/* Which scanner table (util/scan.h) this process uses: the last one in
 * the list below that the CPU can run, found once. The choice is made on
 * first use rather than per call (the answer cannot change), under
 * pthread_once so that threads starting together agree without a race.
 * Built with -DMAILAUTH_SIMD=OFF there is nothing to choose. */
#include "util/scan.h"

#include <string.h>

#include "util/scan_int.h"

#if MAILAUTH__SCAN_SWAR /* more tables than the scalar one */
#include <pthread.h>

#if MAILAUTH__SCAN_X86
static bool
has_sse2(void)
{
#if defined(__SSE2__)
    return true; /* x86-64, or a 32-bit build for SSE2 CPUs */
#else
    return __builtin_cpu_supports("sse2");
#endif
}

static bool
has_avx2(void)
{
    /* Also false when the OS does not save the 256-bit registers. Called
     * once, under pthread_once, before the table can be used. */
    if (!__builtin_cpu_supports("avx2"))
        return false;
    mailauth__scan_avx2_prepare();
    return true;
}

static bool
has_avx512(void)
{
    /* The AVX-512 table keeps the AVX2 one's other scanners. */
    return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi2") &&
           __builtin_cpu_supports("popcnt");
}
#endif

/* Worst to best; a NULL check is a table every CPU can run. */
static const struct variant {
    const mailauth__scan_ops_t *ops;
    bool (*runs_here)(void);
} variants[] = {
    {&mailauth__scan_scalar_ops, NULL},       {&mailauth__scan_swar_ops, NULL},
#if MAILAUTH__SCAN_X86
    {&mailauth__scan_sse2_ops, has_sse2},     {&mailauth__scan_avx2_ops, has_avx2},
    {&mailauth__scan_avx512_ops, has_avx512},
#endif
};

#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

/* Written once by find(), under pthread_once, read-only after. */
static bool                        usable[N_VARIANTS];
static const mailauth__scan_ops_t *best;
static pthread_once_t              found = PTHREAD_ONCE_INIT;

static void
find(void)
{
#if MAILAUTH__SCAN_X86
    __builtin_cpu_init(); /* in case the first call comes from a constructor */
#endif
    for (size_t i = 0; i < N_VARIANTS; i++) {
        usable[i] = variants[i].runs_here == NULL || variants[i].runs_here();
        if (usable[i])
            best = variants[i].ops;
    }
}

const mailauth__scan_ops_t *
mailauth__scan(void)
{
    pthread_once(&found, find);
    return best;
}

const mailauth__scan_ops_t *
mailauth__scan_variant(const char *name)
{
    pthread_once(&found, find);
    for (size_t i = 0; name != NULL && i < N_VARIANTS; i++) {
        if (usable[i] && strcmp(variants[i].ops->name, name) == 0)
            return variants[i].ops;
    }
    return NULL;
}

#else /* -DMAILAUTH_SIMD=OFF: the scalar table only, no CPU check */

const mailauth__scan_ops_t *
mailauth__scan(void)
{
    return &mailauth__scan_scalar_ops;
}

const mailauth__scan_ops_t *
mailauth__scan_variant(const char *name)
{
    if (name != NULL && strcmp(name, mailauth__scan_scalar_ops.name) == 0)
        return &mailauth__scan_scalar_ops;
    return NULL;
}
#endif
