/* bench_spf: the benchmark policy, its cases, errors and clocks. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_spf.h"

/* ------------------------------------------------------------------ errors */

_Noreturn void
die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_spf: FATAL: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

void
check_ma(mailauth_status_t st, const char *what)
{
    if (st != MAILAUTH_OK)
        die("%s: %s", what, mailauth_strerror(st));
}

/* ------------------------------------------------------------------ policy */

/* Record 0 is the sender domain; 1..3 chain A, 4..6 chain B. */
const char *const owners[N_RECORDS] = {
    "example.com",         "_spf-a1.example.net", "_spf-a2.example.net", "_spf-a3.example.net",
    "_spf-b1.example.org", "_spf-b2.example.org", "_spf-b3.example.org",
};
/* The record each one includes (-1: none); record 0 also includes record 4. */
static const int include_next[N_RECORDS] = {1, 2, 3, -1, 5, 6, -1};
#define TOP_SECOND_INCLUDE 4

/* Range i of every record: family and prefix length (a mix as in real policies). */
static const struct {
    bool     v6;
    unsigned prefix;
} range_shape[N_RANGES] = {
    {false, 24}, {true, 48}, {false, 25}, {true, 56},
    {false, 26}, {true, 64}, {false, 27}, {false, 24},
};

/* Ranges live in 198.18.0.0/15 (RFC 2544 benchmarking) and 2001:db8::/32 (RFC 3849). */
static size_t
append_range(char *p, size_t cap, int rec, int i)
{
    unsigned n = (unsigned)(rec * N_RANGES + i);
    int      w;
    if (range_shape[i].v6)
        w = snprintf(p, cap, "ip6:2001:db8:%x::/%u ", n, range_shape[i].prefix);
    else
        w = snprintf(p, cap, "ip4:198.18.%u.0/%u ", n, range_shape[i].prefix);
    if (w < 0 || (size_t)w >= cap)
        die("policy record %d too long", rec);
    return (size_t)w;
}

static void
build_record(struct policy *pol, int rec)
{
    char  *p = pol->txt[rec];
    size_t len = (size_t)snprintf(p, TXT_MAX, "v=spf1 ");
    for (int i = 0; i < N_RANGES; i++)
        len += append_range(p + len, TXT_MAX - len, rec, i);
    if (include_next[rec] >= 0)
        len += (size_t)snprintf(p + len, TXT_MAX - len, "include:%s ", owners[include_next[rec]]);
    if (rec == 0)
        len += (size_t)snprintf(p + len, TXT_MAX - len, "include:%s ", owners[TOP_SECOND_INCLUDE]);
    if (len + 5 >= TXT_MAX)
        die("policy record %d too long", rec);
    snprintf(p + len, TXT_MAX - len, "%s", rec == 0 ? "-all" : "~all");
}

/* One zone line per record; the TXT split into strings of at most 200 octets
 * (RFC 7208 §3.3: they are concatenated without spaces). */
static void
append_zone_line(struct policy *pol, int rec)
{
    const char *t = pol->txt[rec];
    size_t      left = strlen(t);
    int w = snprintf(pol->zone + pol->zone_len, ZONE_MAX - pol->zone_len, "%s. TXT", owners[rec]);
    if (w < 0 || (size_t)w >= ZONE_MAX - pol->zone_len)
        die("zone text too long");
    pol->zone_len += (size_t)w;
    while (left > 0) {
        size_t n = left > 200 ? 200 : left;
        w = snprintf(pol->zone + pol->zone_len, ZONE_MAX - pol->zone_len, " \"%.*s\"", (int)n, t);
        if (w < 0 || (size_t)w >= ZONE_MAX - pol->zone_len)
            die("zone text too long");
        pol->zone_len += (size_t)w;
        t += n;
        left -= n;
    }
    if (pol->zone_len + 2 >= ZONE_MAX)
        die("zone text too long");
    pol->zone[pol->zone_len++] = '\n';
    pol->zone[pol->zone_len] = '\0';
}

void
build_policy(struct policy *pol)
{
    memset(pol, 0, sizeof(*pol));
    for (int rec = 0; rec < N_RECORDS; rec++) {
        build_record(pol, rec);
        append_zone_line(pol, rec);
    }
}

/* ------------------------------------------------------------------- cases */

void
build_cases(struct bench_case cases[3])
{
    int last = N_RECORDS - 1; /* deepest record of the last chain */
    cases[0] = (struct bench_case){.name = "best",
                                   .ip = "198.18.0.5",
                                   .expect = MAILAUTH_VERDICT_PASS,
                                   .depth = 0,
                                   .lookups = 1};
    cases[1] = (struct bench_case){
        .name = "worst", .expect = MAILAUTH_VERDICT_PASS, .depth = 3, .lookups = N_RECORDS};
    snprintf(cases[1].ip, sizeof(cases[1].ip), "198.18.%d.5", last * N_RANGES + N_RANGES - 1);
    if (range_shape[N_RANGES - 1].v6)
        die("the worst case needs an ip4 last range");
    cases[2] = (struct bench_case){.name = "fail",
                                   .ip = "192.0.2.1",
                                   .expect = MAILAUTH_VERDICT_FAIL,
                                   .depth = 3,
                                   .lookups = N_RECORDS};
}

/* ------------------------------------------------------------------- clock */

uint64_t
now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die("clock_gettime: %s", strerror(errno));
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        die("clock_gettime: %s", strerror(errno));
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
