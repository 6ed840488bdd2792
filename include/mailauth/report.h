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

/*! Caps of the reader; every field 0 means "the default" (in brackets).
 *  A report that crosses one ends with MAILAUTH_ELIMIT and a reason. */
typedef struct mailauth_report_read_limits {
    unsigned version;              /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    uint64_t max_decompressed;     /*!< bytes out of one gzip/zlib/zip stream [256 MiB] */
    unsigned max_ratio;            /*!< out/in of a compressed stream past 1 MiB out [250] */
    size_t   max_message;          /*!< one message, or a zip held in memory [64 MiB] */
    unsigned max_zip_members;      /*!< entries of one zip archive [64] */
    unsigned max_depth;            /*!< XML element nesting [16] */
    uint64_t max_elements;         /*!< XML elements in one document [16 M] */
    unsigned max_record_elements;  /*!< elements inside one <record> [256] */
    unsigned max_outside_elements; /*!< elements outside every <record> [1024] */
    size_t   max_text;             /*!< bytes of one element's text [64 KiB] */
    unsigned max_nesting;          /*!< containers inside containers (gz in gz, MIME parts) [8] */
    unsigned max_parts;            /*!< MIME parts of one message [256] */
} mailauth_report_read_limits_t;

/*! Where a report (or an error) was found. `file` is the path given (for
 *  a Maildir, the message's file); `member` the zip member or MIME
 *  attachment name (printable UTF-8, NULL when none); `message` the
 *  1-based index of the message in an mbox file or Maildir folder (0 when
 *  the file is not a folder of messages). */
typedef struct mailauth_report_read_where {
    const char *file;
    const char *member;
    size_t      message;
} mailauth_report_read_where_t;

/*! What the reader calls, in this order for each report found:
 *  `begin` once the metadata and the published policy are known (before
 *  the first record), `record` for each record, then `end` exactly once.
 *  `end` is also called, alone, for a file, member or message that holds
 *  no readable report. A non-OK status returned by `begin` or `record`
 *  stops that report (its `end` gets the status and "stopped by the
 *  caller"). Everything handed to a callback is valid during the call only.
 *  Callbacks may be NULL. */
typedef struct mailauth_report_read_cbs {
    unsigned version; /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    mailauth_status_t (*begin)(void *user, const mailauth_report_read_where_t *where,
                               const mailauth_report_meta_t *meta,
                               const mailauth_report_policy_t *policy);
    mailauth_status_t (*record)(void *user, const mailauth_report_record_t *record);
    /*! status MAILAUTH_OK: the report was read whole. Otherwise why says
     *  what is wrong (one line, no file name: where has it):
     *  MAILAUTH_EINVAL (malformed, unreadable, not a report),
     *  MAILAUTH_ELIMIT (a cap), MAILAUTH_ENOMEM, MAILAUTH_ENOTSUP (a
     *  failure report or other content that is no aggregate report). */
    void (*end)(void *user, const mailauth_report_read_where_t *where, mailauth_status_t status,
                const char *why);
} mailauth_report_read_cbs_t;

/*! A reader: limits and callbacks. A reader is used by one thread at a
 *  time; readers in several threads are fine once the first reader was
 *  made (it initializes libxml2, which wants that done before threads use
 *  it). */
typedef struct mailauth_report_reader mailauth_report_reader_t;

/*! Fill *limits with the defaults (the bracketed values above). */
MAILAUTH_API void mailauth_report_read_limits_init(mailauth_report_read_limits_t *limits);

/*! Make a reader.
 *  \param[in] limits  NULL for the defaults; copied.
 *  \param[in] cbs     callbacks; copied.
 *  \param[in] user    handed to every callback.
 *  \param[out] out    the reader, freed with mailauth_report_reader_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL cbs or out, unknown struct
 *          version), MAILAUTH_ENOMEM. */
MAILAUTH_NODISCARD MAILAUTH_API mailauth_status_t
mailauth_report_reader_new(const mailauth_report_read_limits_t *limits,
                           const mailauth_report_read_cbs_t *cbs, void *user,
                           mailauth_report_reader_t **out);

/*! Free a reader (NULL is fine). */
MAILAUTH_API void mailauth_report_reader_free(mailauth_report_reader_t *rd);

/*! Read every report in a file or folder. The kind is found from the
 *  content, not the name: XML, gzip (also gzip in gzip), zlib, zip (every
 *  member), a message (MIME parts, base64 or quoted-printable), an mbox
 *  file (each message); a folder is read as a Maildir (cur/ and new/, each
 *  message, in name order). Memory is bounded by one record (and by
 *  max_message for a message or a zip inside a message), never by the file.
 *  \return MAILAUTH_OK when every report found was read whole; otherwise
 *          the status of the first `end` that was not OK (the others were
 *          still read). MAILAUTH_EINVAL also for NULL arguments. */
MAILAUTH_API mailauth_status_t mailauth_report_read_path(mailauth_report_reader_t *rd,
                                                         const char *path);

/*! Like mailauth_report_read_path() on bytes in memory (one file's content;
 *  not a folder; an mbox is read as one message, whole messages count
 *  against max_message). name is what `where.file` says. The bytes are
 *  not modified nor kept. */
MAILAUTH_API mailauth_status_t mailauth_report_read_mem(mailauth_report_reader_t *rd,
                                                        const char *name, const uint8_t *data,
                                                        size_t len);

MAILAUTH_END_DECLS

#endif
