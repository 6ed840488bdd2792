/* mailauth: ARC (RFC 8617) chain validation detail view.
 *
 * One result per message: the chain validation status (RFC 8617 §5.2:
 * pass, fail or none) with a machine-readable reason naming the check that
 * failed, the number of ARC sets, the oldest-pass value (§5.2 steps 5-7)
 * and the sealing domain (d= of the ARC-Seal) of every instance, from
 * which a local policy can decide whether it trusts the sealers of a chain
 * (RFC 8617 §7.2; see mailauth_ctx_add_trusted_sealer()). docs/arc.md
 * describes every decision. Sealing is in sign.h.
 */
#ifndef MAILAUTH_ARC_H
#define MAILAUTH_ARC_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/eval.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! The ARC result of one message. */
typedef struct mailauth_arc_result mailauth_arc_result_t;

/*! The ARC chain validation result of a finished evaluation, or NULL when
 *  ARC was not evaluated (MAILAUTH_METHOD_ARC off, or no message was fed)
 *  or the evaluation did not finish normally. The evaluation always
 *  computes oldest-pass for a passing chain. Borrowed until
 *  mailauth_eval_free(). */
MAILAUTH_API const mailauth_arc_result_t *mailauth_eval_arc(const mailauth_eval_t *ev);

/*! Chain validation status: MAILAUTH_VERDICT_PASS, MAILAUTH_VERDICT_FAIL, or
 *  MAILAUTH_VERDICT_NONE (the message has no ARC header field). A key that
 *  could not be fetched is `fail` with MAILAUTH_REASON_ARC_DNS_TEMPFAIL:
 *  RFC 8617 defines no temporary result. */
MAILAUTH_API mailauth_verdict_t mailauth_arc_result_verdict(const mailauth_arc_result_t *res);

/*! Machine-readable reason: MAILAUTH_REASON_NONE for pass,
 *  MAILAUTH_REASON_ARC_NO_SETS for none, else the MAILAUTH_REASON_ARC_* of
 *  the first check that failed in the order of RFC 8617 §5.2. */
MAILAUTH_API mailauth_reason_t mailauth_arc_result_reason(const mailauth_arc_result_t *res);

/*! Human-readable detail of a failure ("ARC-Seal i=2 does not verify"), or
 *  NULL. Borrowed, valid as long as the result. */
MAILAUTH_API const char *mailauth_arc_result_problem(const mailauth_arc_result_t *res);

/*! Number of ARC sets: the highest instance number seen (0 without ARC
 *  header fields). For a failed chain it may count sets that are
 *  incomplete. */
MAILAUTH_API unsigned mailauth_arc_result_instances(const mailauth_arc_result_t *res);

/*! The instance whose check failed (1..instances), or 0 when none did or
 *  the failure concerns the chain as a whole (too many sets). */
MAILAUTH_API unsigned mailauth_arc_result_failed_instance(const mailauth_arc_result_t *res);

/*! oldest-pass (RFC 8617 §5.2 steps 5-7): for a passing chain, the lowest
 *  instance from which every ARC-Message-Signature up to the newest still
 *  validates, or 0 when all of them do. -1 when not computed (the chain
 *  did not pass, or the older signatures were not checked). */
MAILAUTH_API int mailauth_arc_result_oldest_pass(const mailauth_arc_result_t *res);

/*! The sealer of instance i (1..instances): the d= of its ARC-Seal, lower
 *  case, or NULL when that seal is missing, ambiguous or unreadable.
 *  Borrowed, valid as long as the result. */
MAILAUTH_API const char *mailauth_arc_result_sealer(const mailauth_arc_result_t *res,
                                                    unsigned                     instance);

MAILAUTH_END_DECLS

#endif
