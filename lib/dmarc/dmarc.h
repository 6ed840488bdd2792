/* Internal: one DMARC evaluation (RFC 7489; RFC 9989 as an option), as a
 * resumable state machine driven by the eval, like SPF (lib/spf/spf.h).
 *
 * How the eval drives it:
 *
 *   at end of headers   mailauth__dmarc_start(): finds the author domain in
 *                       the header index and asks the policy questions at
 *                       once (in parallel with DKIM key lookups);
 *   (optional)          mailauth__dmarc_prefetch(d, domain) for the MAIL
 *                       FROM domain and each DKIM d= as soon as they are
 *                       known: in RFC 9989 mode their tree walks (relaxed
 *                       alignment) go out early; a no-op otherwise;
 *   on every DNS wake   mailauth__dmarc_step();
 *   when SPF and DKIM   mailauth__dmarc_finish(d, inputs): gives the
 *   are final           authentication results. MAILAUTH_OK: the result is
 *                       ready; MAILAUTH_EAGAIN: more DNS is needed (RFC 9989
 *                       alignment walks, or policy answers still out): keep
 *                       calling mailauth__dmarc_step() on wakes until it
 *                       returns MAILAUTH_OK;
 *   then                mailauth__dmarc_result().
 *
 * Before finish, step() returns MAILAUTH_OK once nothing is pending. The
 * dnsc deadline turns pending questions into TEMPFAIL, so a step after the
 * deadline always completes. All memory comes from the arena; there is no
 * free. Questions are held by the dnsc until it is cleared.
 *
 * The record parser is declared here too (tests, fuzzers, the interop).
 */
#ifndef MAILAUTH__DMARC_H
#define MAILAUTH__DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/authres.h>
#include <mailauth/ctx.h> /* mailauth_dmarc_mode_t */
#include <mailauth/dmarc.h>
#include <mailauth/status.h>

#include "dns/dns.h"
#include "msg/msg.h"
#include "util/arena.h"
#include "util/env.h"

typedef struct mailauth__dmarc mailauth__dmarc_t;

/* Mailboxes of the From field looked at (more: MAILAUTH_REASON_DMARC_MULTIPLE_FROM). */
#define MAILAUTH__DMARC_FROM_MAX 32u

/* One DKIM signature's outcome as DMARC needs it (RFC 7489 §3.1.1). */
typedef struct mailauth__dmarc_dkim {
    mailauth_verdict_t verdict; /* only MAILAUTH_VERDICT_PASS counts */
    const char        *domain;  /* d=, any case, may be NULL */
} mailauth__dmarc_dkim_t;

/* The authentication results DMARC evaluates (copied by finish). */
typedef struct mailauth__dmarc_inputs {
    /* SPF for the MAIL FROM identity (RFC 7489 §3.1.2: never HELO alone):
     * the verdict and the domain check_host() was run for. */
    mailauth_verdict_t            spf_verdict;
    const char                   *spf_domain; /* may be NULL */
    const mailauth__dmarc_dkim_t *dkim;       /* every verified signature */
    size_t                        ndkim;
} mailauth__dmarc_inputs_t;

/* Find the author domain and ask the policy questions. `idx` is read only
 * during this call. A message without a single author domain gives a
 * finished evaluation (permerror, see docs/dmarc.md). From `env` it takes
 * the DMARC mode, the tree-walk limit, the random source (pct=) and, in
 * RFC 7489 mode, the Public Suffix List; env must outlive the evaluation.
 * Returns MAILAUTH_OK, MAILAUTH_EINVAL (NULL) or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dmarc_start(mailauth__arena_t *a, const mailauth__env_t *env,
                                        mailauth__dnsc_t *dns, const mailauth__hdr_index_t *idx,
                                        mailauth__dmarc_t **out);

/* Ask early for what aligning `domain` (an SPF or DKIM identifier, any
 * case) will need. Returns MAILAUTH_OK or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dmarc_prefetch(mailauth__dmarc_t *d, const char *domain);

/* Advance as far as the answers allow. MAILAUTH_OK: nothing pending (and,
 * after finish, the result is ready); MAILAUTH_EAGAIN: waiting for DNS;
 * MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dmarc_step(mailauth__dmarc_t *d);

/* Give the SPF and DKIM results (once; a second call is MAILAUTH_ESTATE)
 * and advance. MAILAUTH_OK (result ready), MAILAUTH_EAGAIN, MAILAUTH_EINVAL,
 * MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dmarc_finish(mailauth__dmarc_t *d, const mailauth__dmarc_inputs_t *in);

/* True once the result is ready. */
bool mailauth__dmarc_done(const mailauth__dmarc_t *d);

/* The result (valid once done; lives in the arena). */
const mailauth_dmarc_result_t *mailauth__dmarc_result(const mailauth__dmarc_t *d);

/* ---- after the result (dmarc_authres.c) ---- */

/* Record a local-policy override decided by the caller (the eval: trusted
 * ARC sealers, RFC 8617 §7.2). Only a finished `fail` takes one; anything
 * else is left alone. The verdict and disposition do not change. */
void mailauth__dmarc_set_override(mailauth__dmarc_t *d, mailauth_dmarc_override_t o);

/* Append the "dmarc" entry to an Authentication-Results field (RFC 7489
 * §11.1, RFC 8601 §2.7): dmarc=<verdict> with a comment (with a record:
 * "<tag>=<policy> dis=<disposition>", plus the override; without one: the
 * problem), header.from=<author domain> and, with a record, policy.dmarc.
 * MAILAUTH_OK, MAILAUTH_EINVAL (NULL), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dmarc_add_authres(const mailauth_dmarc_result_t *res,
                                              mailauth_authres_t            *ar);

/* ---- Records (dmarc_record.c), RFC 7489 §6.3/§6.4, RFC 9989 §4.7/§4.8 ---- */

/* Report URIs kept per tag. */
#define MAILAUTH__DMARC_URIS_MAX 16u

typedef struct mailauth__dmarc_record {
    const char  *txt; /* the record text, kept by the caller */
    size_t       len;
    uint8_t      p, sp, np;   /* mailauth_dmarc_policy_t; UNSPECIFIED: absent */
    uint8_t      adkim, aspf; /* mailauth_dmarc_align_t */
    uint8_t      pct;         /* 0..100 */
    char         psd;         /* 'y', 'n', 'u' */
    bool         testing;     /* t=y */
    bool         as_none;     /* invalid p/sp/np, read as p=none for its valid rua */
    uint32_t     ri;
    const char  *fo; /* NUL-terminated, arena */
    const char  *rf;
    const char **rua; /* nrua entries (arena), at most MAILAUTH__DMARC_URIS_MAX */
    size_t       nrua;
    const char **ruf; /* nruf entries */
    size_t       nruf;
} mailauth__dmarc_record_t;

/* What a parse found. */
typedef enum mailauth__dmarc_rec_status {
    MAILAUTH__DMARC_REC_OK = 0,
    MAILAUTH__DMARC_REC_NOT_DMARC, /* v=DMARC1 is not the first tag: not a DMARC record */
    MAILAUTH__DMARC_REC_INVALID    /* no valid p (or an invalid sp/np) and no valid rua */
} mailauth__dmarc_rec_status_t;

/* RFC 7489 §6.3 / RFC 9989 §4.7: the first tag is v=DMARC1 (tag name in
 * any case, value exactly "DMARC1"), followed by ';', WSP or the end. */
bool mailauth__dmarc_is_v1(const char *txt, size_t len);

/* Parse a record. Unknown tags are ignored; values in any case; a bad
 * adkim/aspf/pct/ri/fo/rf/psd/t value falls back to its default (RFC 7489
 * §6.3: syntax errors in the remainder are discarded in favor of default
 * values). A missing or invalid p= (RFC 7489: missing is invalid; RFC 9989
 * §4.7: missing is p=none) or an invalid sp= (np= in 9989 mode) makes the
 * record p=none when rua= holds a valid URI (as_none), else
 * MAILAUTH__DMARC_REC_INVALID (RFC 7489 §6.6.3 step 6, RFC 9989 §4.10.1).
 * `detail` (may be NULL) gets a static English text for non-OK statuses
 * and for as_none (why the policy was read as p=none); NULL otherwise.
 * Returns MAILAUTH_OK (see *st) or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__dmarc_record_parse(mailauth__arena_t *a, mailauth_dmarc_mode_t mode,
                                               const char *txt, size_t len,
                                               mailauth__dmarc_record_t     *out,
                                               mailauth__dmarc_rec_status_t *st,
                                               const char                  **detail);

#endif
