/* libmailauth-report: DMARC history, RFC 9990 aggregate and RFC 9991
 * failure reports, written and read.
 *
 * A second library (libmailauth-report.so, pkg-config module
 * mailauth-report) so that a program that only verifies keeps
 * libmailauth's small set of dependencies. It uses only libmailauth's
 * public API. Prefix mailauth_report_ / MAILAUTH_REPORT_.
 *
 * The types in this first part are shared by every part of the library:
 * the history store writes and reads records, the generator groups them
 * into reports, the reader fills them from received reports.
 *
 * Strings: every `const char *` in these structs is NUL-terminated UTF-8,
 * or NULL where the value is absent. Structs handed to a callback are
 * valid only during the call; structs the caller fills are read during
 * the call only (nothing is kept). */
#ifndef MAILAUTH_REPORT_H
#define MAILAUTH_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! The version field value of the structs below in this release. */
#define MAILAUTH_REPORT_STRUCT_VERSION 1u

/*! The policy the domain published (RFC 9990 `policy_published`, plus the
 *  report destinations the history needs). Tag values as published,
 *  lower case ("reject", "r", "y"); NULL when the tag was absent. */
typedef struct mailauth_report_policy {
    unsigned    version;          /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    const char *domain;           /*!< the policy domain (whose _dmarc record applied) */
    const char *p;                /*!< none | quarantine | reject */
    const char *sp;               /*!< subdomain policy */
    const char *np;               /*!< non-existent subdomain policy (RFC 9989) */
    const char *adkim;            /*!< r | s */
    const char *aspf;             /*!< r | s */
    const char *pct;              /*!< RFC 7489 pct=, as text (0.1 reports) */
    const char *testing;          /*!< RFC 9989 t=: y | n */
    const char *discovery_method; /*!< psl | treewalk */
    const char *fo;               /*!< failure reporting options, as published */
    const char *rua;              /*!< aggregate report URIs, as published */
    const char *ruf;              /*!< failure report URIs, as published */
} mailauth_report_policy_t;

/*! One `reason` of `policy_evaluated`: type is one of RFC 9990's words
 *  (forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy,
 *  policy_test_mode, other), comment free text or NULL. */
typedef struct mailauth_report_reason {
    const char *type;
    const char *comment;
} mailauth_report_reason_t;

/*! One DKIM signature's authentication result (`auth_results/dkim`).
 *  result: none | pass | fail | policy | neutral | temperror | permerror. */
typedef struct mailauth_report_dkim {
    const char *domain;
    const char *selector;
    const char *result;
    const char *human_result;
} mailauth_report_dkim_t;

/*! The SPF authentication result (`auth_results/spf`): scope is mfrom or
 *  helo; result none | neutral | pass | fail | softfail | temperror |
 *  permerror. */
typedef struct mailauth_report_spf {
    const char *domain;
    const char *scope;
    const char *result;
    const char *human_result;
} mailauth_report_spf_t;

/*! One record: in the history, one evaluated message (count 1, time set);
 *  in a report, one row of messages that share all these values (count
 *  messages). */
typedef struct mailauth_report_record {
    unsigned    version;       /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    int64_t     time;          /*!< evaluation time (seconds, UTC); 0 in a report */
    const char *source_ip;     /*!< the SMTP client, text form */
    uint64_t    count;         /*!< messages this record stands for */
    const char *disposition;   /*!< none | quarantine | reject (policy_evaluated) */
    const char *dkim_aligned;  /*!< pass | fail: DKIM-aligned verdict for DMARC */
    const char *spf_aligned;   /*!< pass | fail: SPF-aligned verdict for DMARC */
    const char *dmarc;         /*!< the DMARC result (pass fail none temperror permerror); history only */
    const mailauth_report_reason_t *reasons;
    size_t                          reason_count;
    const char *header_from;   /*!< the author domain */
    const char *envelope_from; /*!< RFC5321.MailFrom domain, or NULL */
    const char *envelope_to;   /*!< RFC5321.RcptTo domain, or NULL */
    const mailauth_report_dkim_t *dkim; /*!< every DKIM result, header order */
    size_t                        dkim_count;
    const mailauth_report_spf_t  *spf; /*!< SPF results (at most one per scope) */
    size_t                        spf_count;
    const mailauth_report_policy_t *policy; /*!< the policy published (history rows) */
} mailauth_report_record_t;

/*! Report metadata (RFC 9990 `report_metadata` and the document's schema). */
typedef struct mailauth_report_meta {
    unsigned    version;            /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    const char *schema;             /*!< "2.0" (RFC 9990) or "0.1" (RFC 7489 era) */
    const char *org_name;
    const char *email;
    const char *extra_contact_info;
    const char *report_id;
    int64_t     begin;              /*!< date_range, seconds UTC */
    int64_t     end;
    const char *generator;
    const char *const *errors;      /*!< `error` elements */
    size_t      error_count;
} mailauth_report_meta_t;

/* ---- history store ---------------------------------------------------- */

/* ---- aggregate reports (generate, send) ------------------------------- */

/* ---- failure reports --------------------------------------------------- */

/* ---- reading received reports ------------------------------------------ */

MAILAUTH_END_DECLS

#endif
