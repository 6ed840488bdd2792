/* Internal: the resolver on a caller's c-ares channel, behind
 * mailauth_resolver_new_ares_channel() (include/mailauth/cares.h). Apart
 * from dns/dns.h so that only the code that needs it sees c-ares. */
#ifndef MAILAUTH__DNS_ARES_H
#define MAILAUTH__DNS_ARES_H

#include <mailauth/cares.h>

#include "util/env.h"

/* The public function's arguments, statuses and ownership, in an
 * environment instead of a ctx (see mailauth__resolver_new_ares()). */
mailauth_status_t mailauth__resolver_new_ares_channel(const mailauth__env_t *env,
                                                      ares_channel           channel,
                                                      mailauth_resolver_t  **out);

#endif
