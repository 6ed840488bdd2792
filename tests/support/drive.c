/* Test support (see drive.h). */
#include "support/drive.h"

#include <stdio.h>

int
drive_until_woken(mailauth_resolver_t *r, bool async, uint64_t *mono_ms, const bool *woken,
                  char *err, size_t errlen)
{
    for (int guard = 0; !*woken; guard++) {
        int t = mailauth_resolver_timeout_ms(r);
        if (t < 0 || guard > 100000) {
            (void)snprintf(err, errlen, "stalled: EAGAIN with nothing pending");
            return -1;
        }
        if (async) {
            *mono_ms += (uint64_t)t;
            (void)mailauth_resolver_process_timeouts(r);
        } else {
            (void)mailauth_resolver_run_once(r, 1000);
        }
    }
    return 0;
}
