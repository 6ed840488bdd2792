/* mailauth-report generate and send: what the two commands share. */
#ifndef MAILAUTH_REPORT_GEN_COMMON_H
#define MAILAUTH_REPORT_GEN_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <mailauth/ctx.h>

/* "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" into [begin, end) seconds UTC. */
bool gen_parse_period(const char *s, int64_t *begin, int64_t *end);
/* A decimal number of seconds since the epoch (--now). */
bool gen_parse_time(const char *s, int64_t *out);
/* A ctx whose wall clock is `now` seconds (0: the system clock). */
mailauth_ctx_t *gen_ctx(const int64_t *now);
/* A whole file, NUL-terminated; NULL and a message on stderr when unreadable. */
char *gen_slurp(const char *path, size_t *len);

#endif
