/* mailauth: DMARC (RFC 7489; RFC 9989 as an option) detail view.
 *
 * One result per evaluation: the verdict (RFC 8601 words: pass, fail, none,
 * temperror, permerror) with a machine-readable reason, the author domain,
 * where the policy came from, what alignment found, the disposition after
 * pct (RFC 7489) or t=y (RFC 9989), and the parsed record for report
 * generators. docs/dmarc.md describes every decision.
 */
#ifndef MAILAUTH_DMARC_H
#define MAILAUTH_DMARC_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/eval.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! The DMARC result of one evaluation. */
typedef struct mailauth_dmarc_result mailauth_dmarc_result_t;

/*! The DMARC result of a finished evaluation, or NULL when DMARC was not
 *  evaluated (MAILAUTH_METHOD_DMARC off, or no message was fed) or the
 *  evaluation did not finish normally. Borrowed until mailauth_eval_free(). */
MAILAUTH_API const mailauth_dmarc_result_t *mailauth_eval_dmarc(const mailauth_eval_t *ev);

/*! A policy (the p=, sp= and np= values) or a disposition. */
typedef enum mailauth_dmarc_policy {
    MAILAUTH_DMARC_POLICY_UNSPECIFIED = 0, /*!< no policy: no usable record */
    MAILAUTH_DMARC_POLICY_NONE = 1,
    MAILAUTH_DMARC_POLICY_QUARANTINE = 2,
    MAILAUTH_DMARC_POLICY_REJECT = 3
} mailauth_dmarc_policy_t;

/*! "none", "quarantine", "reject"; "unspecified" for
 *  MAILAUTH_DMARC_POLICY_UNSPECIFIED, "unknown" out of range. */
MAILAUTH_API const char *mailauth_dmarc_policy_name(mailauth_dmarc_policy_t p);

/*! Identifier alignment mode (adkim=, aspf=). */
typedef enum mailauth_dmarc_align {
    MAILAUTH_DMARC_ALIGN_RELAXED = 0, /*!< r: same organizational domain (the default) */
    MAILAUTH_DMARC_ALIGN_STRICT = 1   /*!< s: identical domains */
} mailauth_dmarc_align_t;

/*! "relaxed", "strict"; "unknown" out of range. */
MAILAUTH_API const char *mailauth_dmarc_align_name(mailauth_dmarc_align_t a);

/*! How the policy record and the organizational domain were found. */
typedef enum mailauth_dmarc_discovery {
    MAILAUTH_DMARC_DISCOVERY_PSL = 0,     /*!< RFC 7489 §3.2, §6.6.3: Public Suffix List */
    MAILAUTH_DMARC_DISCOVERY_TREEWALK = 1 /*!< RFC 9989 §4.10: DNS tree walk */
} mailauth_dmarc_discovery_t;

/*! "psl", "treewalk"; "unknown" out of range. */
MAILAUTH_API const char *mailauth_dmarc_discovery_name(mailauth_dmarc_discovery_t d);

/*! Verdict: pass, fail, none (no policy record, or DMARC not applicable),
 *  temperror (a policy or tree-walk lookup failed temporarily), permerror
 *  (unusable record, or no single author domain: see the reason). */
MAILAUTH_API mailauth_verdict_t mailauth_dmarc_result_verdict(const mailauth_dmarc_result_t *res);

/*! Machine-readable reason (MAILAUTH_REASON_DMARC_*). */
MAILAUTH_API mailauth_reason_t mailauth_dmarc_result_reason(const mailauth_dmarc_result_t *res);

/*! Human-readable detail ("no DMARC record at _dmarc.example.com"), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_dmarc_result_problem(const mailauth_dmarc_result_t *res);

/*! The DMARC mode the result was computed in. */
MAILAUTH_API mailauth_dmarc_mode_t mailauth_dmarc_result_mode(const mailauth_dmarc_result_t *res);

/*! The author domain (RFC5322.From domain, lower-case A-labels), or NULL
 *  when the message has no single one. Borrowed. */
MAILAUTH_API const char *mailauth_dmarc_result_header_from(const mailauth_dmarc_result_t *res);

/*! The policy that applies to this author domain: p= for the policy
 *  domain itself, sp= (or np= in RFC 9989 mode for a non-existent author
 *  domain) for a subdomain, before pct= / t=. UNSPECIFIED without a
 *  usable record. Reported for pass too. */
MAILAUTH_API mailauth_dmarc_policy_t
mailauth_dmarc_result_policy(const mailauth_dmarc_result_t *res);

/*! Which tag gave the policy: "p", "sp" or "np"; NULL when UNSPECIFIED.
 *  "p" also when an invalid record was read as p=none (RFC 7489 §6.6.3). */
MAILAUTH_API const char *mailauth_dmarc_result_policy_tag(const mailauth_dmarc_result_t *res);

/*! What the receiver is asked to do with this message: NONE for anything
 *  but fail; for fail the policy, one level lower when pct= sampling left
 *  the message out (RFC 7489 §6.6.4) or t=y asks for testing (RFC 9989 §4.7). */
MAILAUTH_API mailauth_dmarc_policy_t
mailauth_dmarc_result_disposition(const mailauth_dmarc_result_t *res);

/*! 1 if pct= sampling did not select this failing message (the disposition
 *  was lowered; aggregate reports call it "sampled_out"); 0 otherwise. */
MAILAUTH_API int mailauth_dmarc_result_sampled_out(const mailauth_dmarc_result_t *res);

/*! The organizational domain of the author domain, or NULL when not
 *  known (no author domain, or the tree walk failed). Borrowed. */
MAILAUTH_API const char *mailauth_dmarc_result_org_domain(const mailauth_dmarc_result_t *res);

/*! The domain whose _dmarc record was used (the DMARC Policy Domain), or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_dmarc_result_policy_domain(const mailauth_dmarc_result_t *res);

/*! How the organizational domain was found. */
MAILAUTH_API mailauth_dmarc_discovery_t
mailauth_dmarc_result_discovery(const mailauth_dmarc_result_t *res);

/*! 1 if the SPF MAIL FROM pass is aligned with the author domain. */
MAILAUTH_API int mailauth_dmarc_result_spf_aligned(const mailauth_dmarc_result_t *res);

/*! 1 if at least one passing DKIM signature's d= is aligned. */
MAILAUTH_API int mailauth_dmarc_result_dkim_aligned(const mailauth_dmarc_result_t *res);

/*! The d= of the first aligned passing DKIM signature, or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_dmarc_result_dkim_domain(const mailauth_dmarc_result_t *res);

/*! A local-policy override of a DMARC fail (RFC 7489 Appendix C PolicyOverrideType
 *  "local_policy"): the receiver may deliver the message although the
 *  Domain Owner's policy says otherwise. The verdict stays `fail`. */
typedef enum mailauth_dmarc_override {
    MAILAUTH_DMARC_OVERRIDE_NONE = 0, /*!< no override */
    /*! RFC 8617 §7.2: the ARC chain passes and every sealer from the
     *  oldest-pass instance (1 when it is 0) to the newest is trusted
     *  (mailauth_ctx_add_trusted_sealer()). */
    MAILAUTH_DMARC_OVERRIDE_ARC = 1
} mailauth_dmarc_override_t;

/*! "none", "arc"; "unknown" out of range. */
MAILAUTH_API const char *mailauth_dmarc_override_name(mailauth_dmarc_override_t o);

/*! The local-policy override of this result: MAILAUTH_DMARC_OVERRIDE_ARC
 *  only for a `fail` whose message carries an ARC chain that passed and
 *  was sealed by trusted sealers (both methods evaluated); NONE otherwise.
 *  The disposition is left as the Domain Owner asked: honouring the
 *  override is the receiver's decision. */
MAILAUTH_API mailauth_dmarc_override_t
mailauth_dmarc_result_override(const mailauth_dmarc_result_t *res);

/* ---- the policy record (report data); defaults when there is none ---- */

/*! The record text that was used, or NULL. Borrowed. */
MAILAUTH_API const char *mailauth_dmarc_result_record(const mailauth_dmarc_result_t *res);

/*! Number of aggregate report URIs (rua=) and URI i (as written, an
 *  RFC 7489 "!size" suffix kept; NULL out of range). At most 16 are kept.
 *  Borrowed. */
MAILAUTH_API size_t      mailauth_dmarc_result_rua_count(const mailauth_dmarc_result_t *res);
MAILAUTH_API const char *mailauth_dmarc_result_rua(const mailauth_dmarc_result_t *res, size_t i);

/*! Number of failure report URIs (ruf=) and URI i, as for rua. Borrowed. */
MAILAUTH_API size_t      mailauth_dmarc_result_ruf_count(const mailauth_dmarc_result_t *res);
MAILAUTH_API const char *mailauth_dmarc_result_ruf(const mailauth_dmarc_result_t *res, size_t i);

/*! Failure reporting options fo= ("0" by default, or e.g. "1:d"). Borrowed. */
MAILAUTH_API const char *mailauth_dmarc_result_fo(const mailauth_dmarc_result_t *res);

/*! pct= (0..100, default 100). Applied only in RFC 7489 mode. */
MAILAUTH_API unsigned mailauth_dmarc_result_pct(const mailauth_dmarc_result_t *res);

/*! adkim= and aspf= (relaxed by default). */
MAILAUTH_API mailauth_dmarc_align_t mailauth_dmarc_result_adkim(const mailauth_dmarc_result_t *res);
MAILAUTH_API mailauth_dmarc_align_t mailauth_dmarc_result_aspf(const mailauth_dmarc_result_t *res);

/*! Failure report format rf= ("afrf" by default). Borrowed. */
MAILAUTH_API const char *mailauth_dmarc_result_rf(const mailauth_dmarc_result_t *res);

/*! Aggregate report interval ri= in seconds (86400 by default). */
MAILAUTH_API uint32_t mailauth_dmarc_result_ri(const mailauth_dmarc_result_t *res);

/*! 1 if the record has t=y (RFC 9989 testing; applied only in RFC 9989 mode). */
MAILAUTH_API int mailauth_dmarc_result_testing(const mailauth_dmarc_result_t *res);

/*! psd= of a record (RFC 9989 §4.7): is the policy domain a Public Suffix Domain? */
typedef enum mailauth_dmarc_psd {
    MAILAUTH_DMARC_PSD_UNSPECIFIED = 0, /*!< psd=u, the default: not said */
    MAILAUTH_DMARC_PSD_YES = 1,         /*!< psd=y */
    MAILAUTH_DMARC_PSD_NO = 2           /*!< psd=n */
} mailauth_dmarc_psd_t;

/*! The tag value: "u", "y", "n"; "unknown" out of range. */
MAILAUTH_API const char *mailauth_dmarc_psd_name(mailauth_dmarc_psd_t p);

/*! psd= of the record (MAILAUTH_DMARC_PSD_UNSPECIFIED without one). */
MAILAUTH_API mailauth_dmarc_psd_t mailauth_dmarc_result_psd(const mailauth_dmarc_result_t *res);

/* ---- Records outside an evaluation (1.1): for tools that check what a
 * domain publishes (mailauth-check --lint). ---- */

/*! A parsed DMARC record (RFC 7489 §6.3, RFC 9989 §4.7). */
typedef struct mailauth_dmarc_record mailauth_dmarc_record_t;

/*! Parse a TXT record's text as DMARC, the way an evaluation reads it under
 *  the ctx's DMARC mode (unknown tags ignored, a bad optional value read as
 *  its default). A record that is not DMARC or not usable still gives a
 *  record: mailauth_dmarc_record_problem() says why.
 *  \param[in]  ctx  Its allocator and DMARC mode are used; not modified.
 *  \param[in]  txt  The record (the TXT strings joined); copied.
 *  \param[out] out  Freed with mailauth_dmarc_record_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument), MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_dmarc_record_parse(
    const mailauth_ctx_t *ctx, const char *txt, size_t len, mailauth_dmarc_record_t **out);

/*! NULL when the record is used as written; else why it is not a DMARC
 *  record, not usable, or read as p=none (a bad p= with a valid rua=).
 *  Borrowed from the record. */
MAILAUTH_API const char *mailauth_dmarc_record_problem(const mailauth_dmarc_record_t *rec);

/*! The policy of tag "p", "sp" or "np" as written (valid values only);
 *  MAILAUTH_DMARC_POLICY_UNSPECIFIED when absent, invalid, or another tag. */
MAILAUTH_API mailauth_dmarc_policy_t mailauth_dmarc_record_policy(const mailauth_dmarc_record_t *rec,
                                                                 const char *tag);

/*! The report URIs of tag "rua" or "ruf" (valid ones, at most 16 each),
 *  as mailauth_dmarc_result_rua() gives them; 0 / NULL otherwise. Borrowed. */
MAILAUTH_API size_t      mailauth_dmarc_record_uri_count(const mailauth_dmarc_record_t *rec,
                                                         const char                    *tag);
MAILAUTH_API const char *mailauth_dmarc_record_uri(const mailauth_dmarc_record_t *rec,
                                                   const char *tag, size_t i);

/*! Free a record. NULL is a no-op. */
MAILAUTH_API void mailauth_dmarc_record_free(mailauth_dmarc_record_t *rec);

/* ---- organizational domains (1.1) ------------------------------------ */

/*! The organizational domain of `domain` (RFC 7489 §3.2): its public
 *  suffix, by the ctx's Public Suffix List (mailauth_ctx_set_psl_file()),
 *  plus one label. The same lookup an evaluation makes in RFC 7489 mode,
 *  whatever the ctx's DMARC mode. A name that is itself a public suffix
 *  ("co.uk", "com") is its own organizational domain, as in the DMARC
 *  check. The answer is in A-label form, lower case, without a trailing
 *  dot; `domain` may be written in U-labels, in any case, with one
 *  trailing dot. Like snprintf: buf is NUL-terminated when cap > 0.
 *  \param[in]  ctx     Its allocator and list (loaded on first use).
 *  \param[out] buf     Destination (may be NULL when cap is 0).
 *  \param[out] need    Bytes of the answer without the NUL (may be NULL).
 *  \return MAILAUTH_OK; MAILAUTH_ENOSPC (truncated: retry with *need + 1);
 *          MAILAUTH_EINVAL (NULL argument, or not a domain name: empty, a
 *          label too long, characters a host name cannot have, an IDN
 *          that IDNA2008 refuses); MAILAUTH_ENOTSUP (no Public Suffix List
 *          could be loaded); MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_org_domain(mailauth_ctx_t *ctx,
                                                                      const char *domain, char *buf,
                                                                      size_t cap, size_t *need);

MAILAUTH_END_DECLS

#endif
