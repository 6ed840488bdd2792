/* Internal: fetching and checking one DKIM key record (RFC 6376 §3.6.2,
 * §6.1.2), shared by every verifier that needs keys from
 * "<selector>._domainkey.<domain>": ARC (lib/arc) uses it for each
 * ARC-Message-Signature and ARC-Seal; the DKIM verifier's own key steps do
 * the same work and could call it.
 *
 * A lookup is asked once (the key cache first, then the DNS client) and
 * polled on every wake until it is done. Its outcome is a parsed key, or a
 * DKIM_* reason with a short text saying why there is no usable key:
 *
 *   DKIM_NO_KEY          NXDOMAIN, NODATA, or a name DNS cannot hold
 *   DKIM_DNS_TEMPFAIL    timeout, SERVFAIL, the message's query limit (temp)
 *   DKIM_KEY_MULTIPLE    several TXT records at the name (§3.6.2.2: undefined)
 *   DKIM_KEY_SYNTAX      not a key record, or p= is not a key of type k=
 *   DKIM_KEY_REVOKED     p= empty (§3.6.1)
 *   DKIM_KEY_TOO_LARGE   p= larger than any key the library accepts
 *
 * mailauth__key_fits() then checks the key against a signature (§3.6.1 k=,
 * h=, s=; RFC 8301 §3.2 key sizes). The DKIM-only t=s rule (i= domain) is
 * left to the DKIM verifier, since ARC signatures have no i= identity.
 */
#ifndef MAILAUTH__DKIM_KEYQ_H
#define MAILAUTH__DKIM_KEYQ_H

#include <stdbool.h>
#include <stddef.h>

#include <mailauth/ctx.h>
#include <mailauth/status.h>

#include "crypto/crypto.h"
#include "dkim/dkim.h"
#include "dns/dns.h"
#include "util/arena.h"
#include "util/env.h"

/* Longest key owner name asked: 253 octets and a trailing dot (RFC 1035
 * §2.3.4); a longer one is no DNS name. */
#define MAILAUTH__KEYQ_OWNER_MAX 254u

typedef struct mailauth__keyq {
    /* the question (its name is the key's owner), NULL on a cache hit or when not asked */
    mailauth__dns_q_t *q;
    mailauth__key_t    key;  /* the parsed key (key.pub set only when reason is NONE) */
    bool               held; /* key holds a public key reference: release with clear */
    bool               done;
    bool               temp;    /* reason is temporary (DKIM_DNS_TEMPFAIL) */
    mailauth_reason_t  reason;  /* NONE: key.pub usable */
    const char        *problem; /* static text when reason is not NONE */
} mailauth__keyq_t;

/* Start the lookup of the key for (selector, domain): the key cache of
 * `env` answers at once, otherwise the question goes to `dns`. `k` is zeroed
 * first. Returns MAILAUTH_OK (k->done may already be set) or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__keyq_ask(mailauth__keyq_t *k, const mailauth__env_t *env,
                                     mailauth__dnsc_t *dns, const char *selector,
                                     const char *domain);

/* Take the answer if it is there: parse it, store it in the key cache.
 * MAILAUTH_OK (done, now or before), MAILAUTH_EAGAIN (still pending),
 * MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__keyq_poll(mailauth__keyq_t *k, const mailauth__env_t *env,
                                      mailauth__dnsc_t *dns);

/* Release the key reference. Safe twice and on a zeroed lookup. */
void mailauth__keyq_clear(mailauth__keyq_t *k);

/* Whether a usable key fits a signature of (type, hash): §3.6.1 k= (key
 * type), h= (hash algorithms), s= (service types: "*" or "email"), and the
 * environment's RSA size bounds (RFC 8301 §3.2). Returns MAILAUTH_REASON_NONE, or
 * DKIM_KEY_MISMATCH, DKIM_KEY_SERVICE, DKIM_KEY_TOO_SMALL, DKIM_KEY_TOO_LARGE
 * with *problem set to a static text. */
mailauth_reason_t mailauth__key_fits(const mailauth__env_t *env, const mailauth__key_t *k,
                                     mailauth__key_type_t type, mailauth__hash_alg_t hash,
                                     const char **problem);

#endif
