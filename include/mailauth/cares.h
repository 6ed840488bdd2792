/* mailauth: optional c-ares integration (named cares.h so that it cannot be
 * taken for c-ares's own <ares.h>, which it includes). Not included by
 * mailauth.h, so the core API stays free of c-ares types; a program that includes this header
 * also compiles and links against c-ares (`pkg-config --cflags --libs
 * mailauth libcares`). Written for c-ares 1.18 (Debian 12). */
#ifndef MAILAUTH_CARES_H
#define MAILAUTH_CARES_H

#include <sys/select.h> /* ares.h uses fd_set and struct timeval */
#include <sys/time.h>

#include <ares.h>

#include <mailauth/ctx.h>
#include <mailauth/dns.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! Resolver that sends its queries on a c-ares channel the caller already
 *  has (an MTA that runs c-ares itself), instead of opening its own.
 *
 *  Ownership: the channel stays the caller's. mailauth never destroys it,
 *  never changes its servers or options, and never calls ares_cancel() on
 *  it (that would cancel the caller's queries too). Free the resolver
 *  before destroying the channel.
 *
 *  Sockets: the channel's sock-state callback is the caller's. c-ares 1.18
 *  takes that callback only in ares_init_options(), so mailauth cannot put
 *  its own on an existing channel, and does not need to: the caller already
 *  watches every socket of the channel, mailauth's queries' included.
 *  mailauth_resolver_set_sock_callback() is accepted but never called back
 *  on such a resolver. Drive it as follows:
 *   - when a socket of the channel is ready, call
 *     mailauth_resolver_process_fd(r, fd, readable, writable) instead of
 *     ares_process_fd() (it calls ares_process_fd() on the channel, which
 *     completes the caller's own queries as well, then runs the evaluations
 *     mailauth's answers woke), or call ares_process_fd() yourself and then
 *     mailauth_resolver_process_timeouts(r);
 *   - wake up by mailauth_resolver_timeout_ms(r) (it includes the channel's
 *     ares_timeout()) and call mailauth_resolver_process_timeouts(r).
 *  Either way, the callbacks of the caller's own queries may run inside
 *  those calls. The blocking calls (mailauth_eval_finish_sync(),
 *  mailauth_verify(), mailauth_resolver_run_once()) work too: they poll the
 *  sockets ares_getsock() reports (at most 16) and also process the
 *  caller's queries meanwhile.
 *
 *  What mailauth needs from the channel (see mailauth_ares_prepare_options()):
 *  recursion (no ARES_FLAG_NORECURSE) and whole answers (no ARES_FLAG_IGNTC:
 *  a truncated answer would lose DKIM keys and give wrong verdicts); both
 *  are refused. EDNS0 with a 4096-byte payload (ARES_FLAG_EDNS) is
 *  recommended: without it, large TXT answers take a TCP round trip. The
 *  channel's own timeout and tries only decide when c-ares gives up; the
 *  ctx limits (MAILAUTH_LIMIT_DNS_TIMEOUT_MS, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS)
 *  still bound every question and evaluation.
 *
 *  Queries in flight when the resolver is freed stay in the channel (c-ares
 *  1.18 cannot cancel one query) until they are answered, time out or the
 *  channel is destroyed; each then frees a small record with the ctx
 *  allocator's functions, which must therefore stay usable until then (the
 *  ctx itself may be gone). With the default allocator there is nothing to
 *  do.
 *
 *  Threads: the channel, the resolver and its evaluations belong to one
 *  thread (a c-ares 1.18 channel is not thread-safe).
 *
 *  \param[in]  ctx      Context; must outlive the resolver.
 *  \param[in]  channel  An initialized channel; borrowed, must outlive the resolver.
 *  \param[out] out      New resolver, freed with mailauth_resolver_free(); NULL on error.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument, a channel with
 *          ARES_FLAG_IGNTC or ARES_FLAG_NORECURSE), MAILAUTH_EDNS (c-ares
 *          cannot report the channel's options), MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_resolver_new_ares_channel(
    mailauth_ctx_t *ctx, ares_channel channel, mailauth_resolver_t **out);

/*! Adjust options about to be given to ares_init_options() so that the
 *  channel suits mailauth as well: sets ARES_FLAG_EDNS with a UDP payload
 *  of at least 4096 bytes (a 4096-bit DKIM key fits in one answer), and
 *  clears ARES_FLAG_IGNTC and ARES_FLAG_NORECURSE, which
 *  mailauth_resolver_new_ares_channel() refuses. Servers, timeouts, the
 *  sock-state callback and every other option stay as the caller set them.
 *  \param[in,out] opts     The options; only the fields named by *optmask are read.
 *  \param[in,out] optmask  The ARES_OPT_* mask; ARES_OPT_FLAGS and ARES_OPT_EDNSPSZ are added.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument). */
MAILAUTH_API mailauth_status_t mailauth_ares_prepare_options(struct ares_options *opts,
                                                             int                 *optmask);

MAILAUTH_END_DECLS

#endif
