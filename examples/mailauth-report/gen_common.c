/* mailauth-report generate and send: periods, times, files, the ctx. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_common.h"

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t  era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool
parse_day(const char *s, size_t n, int64_t *day)
{
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned              v[3] = {0, 0, 0};
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return false;
        v[i < 4 ? 0 : i < 7 ? 1 : 2] = v[i < 4 ? 0 : i < 7 ? 1 : 2] * 10 + (unsigned)(s[i] - '0');
    }
    if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mdays[v[1] - 1])
        return false;
    if (v[1] == 2 && v[2] == 29 && !(v[0] % 4 == 0 && (v[0] % 100 != 0 || v[0] % 400 == 0)))
        return false;
    *day = days_from_civil(v[0], v[1], v[2]);
    return true;
}

bool
gen_parse_period(const char *s, int64_t *begin, int64_t *end)
{
    const char *dots = strstr(s, "..");
    int64_t     d1;
    int64_t     d2;
    if (dots == NULL) {
        if (!parse_day(s, strlen(s), &d1))
            return false;
        d2 = d1;
    } else if (!parse_day(s, (size_t)(dots - s), &d1) ||
               !parse_day(dots + 2, strlen(dots + 2), &d2) || d2 < d1) {
        return false;
    }
    *begin = d1 * 86400;
    *end = (d2 + 1) * 86400;
    return true;
}

bool
gen_parse_time(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (*s == '\0' || strlen(s) > 12)
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

static uint64_t
fixed_clock(void *ud, mailauth_clock_kind_t kind)
{
    const int64_t  *now = ud;
    static uint64_t mono;
    if (kind == MAILAUTH_CLOCK_WALL)
        return (uint64_t)*now * 1000u;
    return ++mono; /* deadlines still move */
}

mailauth_ctx_t *
gen_ctx(const int64_t *now)
{
    mailauth_ctx_t *ctx = NULL;
    if (mailauth_ctx_new(NULL, &ctx) != MAILAUTH_OK) {
        fprintf(stderr, "mailauth-report: out of memory\n");
        return NULL;
    }
    if (now != NULL && *now != 0)
        (void)mailauth_ctx_set_clock(ctx, fixed_clock, (void *)(uintptr_t)now);
    return ctx;
}

char *
gen_slurp(const char *path, size_t *len)
{
    FILE  *f = fopen(path, "rb");
    char  *p = NULL;
    size_t n = 0;
    size_t cap = 0;
    if (f == NULL) {
        fprintf(stderr, "mailauth-report: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *q = realloc(p, cap);
            if (q == NULL) {
                free(p);
                fclose(f);
                fprintf(stderr, "mailauth-report: out of memory\n");
                return NULL;
            }
            p = q;
        }
        size_t k = fread(p + n, 1, 4096, f);
        n += k;
        if (k < 4096)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "mailauth-report: %s: read error\n", path);
        free(p);
        fclose(f);
        return NULL;
    }
    fclose(f);
    p[n] = '\0';
    *len = n;
    return p;
}
