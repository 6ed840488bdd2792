/* Test support: drive a resolver until one DNS client of a module test is
 * woken, on the hand-moved clock of an async run (process_timeouts() after
 * moving the clock to the next timer) or the system clock of a blocking one
 * (run_once()). Shared by the SPF, DMARC and iprev module harnesses. */
#ifndef MAILAUTH_TEST_DRIVE_H
#define MAILAUTH_TEST_DRIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/dns.h>

/* Until *woken: returns 0, or -1 with "stalled: EAGAIN with nothing
 * pending" in err when no timer is left (or after 100,000 turns). */
int drive_until_woken(mailauth_resolver_t *r, bool async, uint64_t *mono_ms, const bool *woken,
                      char *err, size_t errlen);

#endif
