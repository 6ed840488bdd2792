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

#include <mailauth/eval.h>
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

/*! A history store: one database that holds the DMARC history (one row
 *  per evaluated message), the reports generated from it and their send
 *  state, and the aggregate reports received and imported.
 *
 *  URIs: `sqlite:PATH` (one file, WAL journal, busy timeout 60 s: several
 *  threads and processes of one host may write at once) or
 *  `postgresql://...` / `postgres://...` (a libpq connection URI: one
 *  store for several MX hosts). Both hold the same schema, created and
 *  migrated on open.
 *
 *  Durability: when add(), add_batch(), a generated_*() or import_end()
 *  call returns MAILAUTH_OK its rows are committed: they survive the
 *  process being killed (SQLite: synchronous=FULL in WAL mode by default,
 *  which also survives power loss; see MAILAUTH_REPORT_STORE_SYNC_NORMAL).
 *
 *  Threads: a handle is not locked. Use one handle per thread (or one at a
 *  time from several threads); any number of handles, in any number of
 *  threads and processes, may use the same database at once. Callbacks
 *  must not call the same handle. */
typedef struct mailauth_report_store mailauth_report_store_t;

/*! SQLite only: synchronous=NORMAL instead of FULL. A committed row still
 *  survives the process being killed, but the last commits may be lost on
 *  power loss or an operating-system crash. Faster (no fsync per commit). */
#define MAILAUTH_REPORT_STORE_SYNC_NORMAL 0x1u

/*! The schema version this library creates and reads. A store whose
 *  schema_version is higher is refused (MAILAUTH_ENOTSUP). */
#define MAILAUTH_REPORT_STORE_SCHEMA 1

/*! Open (and create or migrate) a store.
 *  \param[in]  uri     `sqlite:PATH` or `postgresql://...` (`postgres://` too).
 *  \param[in]  flags   0 or MAILAUTH_REPORT_STORE_SYNC_NORMAL (other bits: MAILAUTH_EINVAL).
 *  \param[out] out     The store, freed with mailauth_report_store_close(); NULL on error.
 *  \param[out] err     Optional buffer for a message on error ("cannot open
 *                      /x/h.db: unable to open database file"), NUL-terminated
 *                      and truncated to errcap; untouched on success.
 *  \param[in]  errcap  Size of err (0 when err is NULL).
 *  \return MAILAUTH_OK; MAILAUTH_EINVAL (NULL, unknown URI scheme);
 *          MAILAUTH_ENOTSUP (schema newer than MAILAUTH_REPORT_STORE_SCHEMA);
 *          MAILAUTH_EAGAIN (the database could not be reached or opened:
 *          worth retrying later); MAILAUTH_ENOMEM; MAILAUTH_EINTERNAL (the
 *          database refused a statement: see err). */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_report_store_open(const char *uri, unsigned flags, mailauth_report_store_t **out,
                           char *err, size_t errcap);

/*! Close a store (an import in progress is rolled back). NULL is a no-op. */
MAILAUTH_API void mailauth_report_store_close(mailauth_report_store_t *store);

/*! The message of the last failed call on this handle ("" if none).
 *  Borrowed until the next call on the handle. */
MAILAUTH_API const char *mailauth_report_store_error(const mailauth_report_store_t *store);

/*! "sqlite" or "postgresql". */
MAILAUTH_API const char *mailauth_report_store_backend(const mailauth_report_store_t *store);

/* Statuses of the calls below: MAILAUTH_OK; MAILAUTH_EINVAL (NULL, a struct
 * of an unknown version, a string that is not UTF-8, a reason without a
 * type, a count with a NULL array); MAILAUTH_ESTATE (call not allowed now:
 * an import is open on this handle, or none is); MAILAUTH_EAGAIN (the
 * database is busy or unreachable: nothing was written, retry);
 * MAILAUTH_ENOMEM; MAILAUTH_ECANCELED (a callback returned non-zero);
 * MAILAUTH_EINTERNAL (the database refused a statement). On any error
 * mailauth_report_store_error() says what happened. */

/*! Add one history row: one evaluated message. `rec->time` is the
 *  evaluation time, `rec->count` is ignored (a row is one message),
 *  `rec->policy` NULL when no policy was found (the row is kept but
 *  never reported). Committed when it returns. */
MAILAUTH_API mailauth_status_t mailauth_report_store_add(mailauth_report_store_t        *store,
                                                         const mailauth_report_record_t *rec);

/*! Add n history rows in one transaction: all are committed, or none. */
MAILAUTH_API mailauth_status_t mailauth_report_store_add_batch(
    mailauth_report_store_t *store, const mailauth_report_record_t *recs, size_t n);

/*! Called for each history row of mailauth_report_store_rows(), oldest
 *  first (count 1, policy set or NULL). Return 0 to go on. */
typedef int (*mailauth_report_row_fn)(void *arg, const mailauth_report_record_t *rec);

/*! Every history row with begin <= time < end, in time order (then the
 *  order they were added), each as it was added. */
MAILAUTH_API mailauth_status_t mailauth_report_store_rows(mailauth_report_store_t *store,
                                                          int64_t begin, int64_t end,
                                                          mailauth_report_row_fn fn, void *arg);

/*! Number of history rows with begin <= time < end. */
MAILAUTH_API mailauth_status_t mailauth_report_store_count(mailauth_report_store_t *store,
                                                           int64_t begin, int64_t end,
                                                           uint64_t *count);

/*! One group of mailauth_report_store_aggregate(): a policy domain and one
 *  configuration it published during the period (policy->domain is never
 *  NULL), and its records. Each record stands for `count` (>= 1) history
 *  rows that agree on every record field: source_ip, disposition,
 *  dkim_aligned, spf_aligned, dmarc, reasons (in order), header_from,
 *  envelope_from, envelope_to, every DKIM result (domain, selector,
 *  result, human_result, in the order they were added: header order) and
 *  every SPF result; `time` is 0 and `policy` points at the group's
 *  policy. Records are sorted by count (highest first), then by their
 *  fields (byte order), so the same rows always give the same order.
 *  Return 0 to go on. */
typedef int (*mailauth_report_aggregate_fn)(void *arg, const mailauth_report_policy_t *policy,
                                            const mailauth_report_record_t *records,
                                            size_t                          count);

/*! Group the history rows with begin <= time < end (seconds UTC; a day is
 *  [00:00, next 00:00)) and call `fn` once per (policy domain, policy
 *  published) pair, in byte order of the policy domain, then of the policy
 *  fields. Rows without a policy domain are not reported. A domain that
 *  changed its record during the period gets one call per configuration
 *  (RFC 9990 §2.1: one report per policy domain; the generator merges or
 *  splits as it reports). Reads one consistent snapshot; the grouped
 *  records of the period are held in memory during the call. */
MAILAUTH_API mailauth_status_t mailauth_report_store_aggregate(mailauth_report_store_t *store,
                                                               int64_t begin, int64_t end,
                                                               mailauth_report_aggregate_fn fn,
                                                               void                        *arg);

/*! A record from a finished evaluation, with its own storage. */
typedef struct mailauth_report_row mailauth_report_row_t;

/*! What the evaluation does not know about the message. */
typedef struct mailauth_report_eval_info {
    unsigned    version;     /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    int64_t     time;        /*!< evaluation time (seconds UTC) */
    const char *source_ip;   /*!< the SMTP client address, or NULL */
    const char *envelope_to; /*!< RCPT TO domain (or address: its domain is taken), or NULL */
    const char *envelope_from; /*!< MAIL FROM address or domain; NULL: the SPF MAIL FROM domain */
    const char *disposition;   /*!< the disposition applied when the receiver deviated from
                                    the DMARC result's (e.g. honoured an ARC override), or NULL */
} mailauth_report_eval_info_t;

/*! Build the history record of a finished evaluation from libmailauth's
 *  public API: the DMARC result (disposition, alignment, author domain),
 *  reasons (sampled_out from pct=, policy_test_mode from t=y in RFC 9989
 *  mode, local_policy "arc" for a trusted ARC override), every DKIM result
 *  (header order), the SPF results (mfrom and helo), and the policy
 *  published, read from the DMARC record text as published (p, sp, np,
 *  adkim, aspf, pct, t, fo, rua, ruf; NULL when a tag is absent) with the
 *  policy domain and discovery method.
 *  \param[in]  ev    A finished evaluation; only read. It may be freed afterwards.
 *  \param[in]  info  Time, client address and envelope recipient.
 *  \param[out] out   Freed with mailauth_report_row_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE (DMARC was not
 *          evaluated: nothing to record), MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_report_record_from_eval(const mailauth_eval_t *ev, const mailauth_report_eval_info_t *info,
                                 mailauth_report_row_t **out);

/*! The record of a row, borrowed until mailauth_report_row_free(). */
MAILAUTH_API const mailauth_report_record_t *
mailauth_report_row_record(const mailauth_report_row_t *row);

/*! Free a row. NULL is a no-op. */
MAILAUTH_API void mailauth_report_row_free(mailauth_report_row_t *row);

/* -- reports generated and sent (the generator's bookkeeping) -- */

/*! A generated aggregate report. One per (policy_domain, begin, end):
 *  generating the same period again finds it instead of making another. */
typedef struct mailauth_report_generated {
    unsigned    version;       /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    const char *policy_domain;
    int64_t     begin;         /*!< the report's date_range */
    int64_t     end;
    const char *report_id;     /*!< unique in the store */
    const char *file;          /*!< where the report was written (path), or NULL */
    const char *destinations;  /*!< the rua URIs it goes to, as the generator writes them */
    int64_t     created;       /*!< when it was generated */
    const char *state;         /*!< read only: "pending", "sending", "sent", "failed" */
    int64_t     sent;          /*!< read only: when it was sent; 0 if not */
    const char *error;         /*!< read only: the last send error, or NULL */
} mailauth_report_generated_t;

/*! Record a generated report (state "pending") unless the store already
 *  has one for (policy_domain, begin, end).
 *  \param[out] existed  1 if one was there (nothing changed: read it with
 *                       mailauth_report_store_generated_find()), 0 if added.
 *  Report ids are unique: a report_id already used for another
 *  (policy_domain, begin, end) is MAILAUTH_EINVAL. */
MAILAUTH_API mailauth_status_t
mailauth_report_store_generated_add(mailauth_report_store_t           *store,
                                    const mailauth_report_generated_t *rep, int *existed);

/*! Called with one generated report; valid during the call. Return 0 to go on. */
typedef int (*mailauth_report_generated_fn)(void *arg, const mailauth_report_generated_t *rep);

/*! The report for (policy_domain, begin, end): fn is called once if there
 *  is one; *found says whether it was (may be NULL). */
MAILAUTH_API mailauth_status_t mailauth_report_store_generated_find(
    mailauth_report_store_t *store, const char *policy_domain, int64_t begin, int64_t end,
    mailauth_report_generated_fn fn, void *arg, int *found);

/*! Every generated report in state "pending" or "failed" (not sent, not
 *  being sent), oldest first. */
MAILAUTH_API mailauth_status_t mailauth_report_store_unsent(mailauth_report_store_t     *store,
                                                            mailauth_report_generated_fn fn,
                                                            void                        *arg);

/*! Claim a report for sending: atomically from "pending" or "failed" to
 *  "sending". *claimed is 1 if this caller got it, 0 if it is sent or
 *  another sender holds it (then do not send). Of several senders, on one
 *  host or several, exactly one gets it. A sender that dies before
 *  mailauth_report_store_send_done() leaves the report "sending": it may
 *  have gone out, so it is not offered again (at most once). */
MAILAUTH_API mailauth_status_t mailauth_report_store_send_claim(mailauth_report_store_t *store,
                                                                const char *report_id,
                                                                int        *claimed);

/*! End a claimed send: error NULL marks it "sent" at time `now`; an error
 *  text marks it "failed" (claimable again) and keeps the text.
 *  MAILAUTH_ESTATE if the report is not in state "sending". */
MAILAUTH_API mailauth_status_t mailauth_report_store_send_done(mailauth_report_store_t *store,
                                                               const char *report_id,
                                                               int64_t now, const char *error);

/* -- received aggregate reports (mailauth-report import) -- */

/*! Start importing one received report: meta (report_id needed) and the
 *  policy it published. A report without org_name (some reporters send an
 *  empty `<org_name/>`) is kept under org_name "". One import at a time
 *  per handle, in one transaction. If the store already has a report with
 *  the same org_name and report_id, *duplicate is 1 and the import is a
 *  no-op until mailauth_report_store_import_end() (the records given are
 *  dropped); otherwise 0. When this call fails no import is open (and
 *  mailauth_report_store_import_end() returns MAILAUTH_ESTATE).
 *  \return as above; MAILAUTH_EINVAL also without report_id. */
MAILAUTH_API mailauth_status_t mailauth_report_store_import_begin(
    mailauth_report_store_t *store, const mailauth_report_meta_t *meta,
    const mailauth_report_policy_t *policy, int *duplicate);

/*! Add one record (count, time ignored) of the report being imported. */
MAILAUTH_API mailauth_status_t mailauth_report_store_import_record(
    mailauth_report_store_t *store, const mailauth_report_record_t *rec);

/*! End the import: commit != 0 commits the report and its records (then
 *  durable); 0 rolls everything back. MAILAUTH_ESTATE without an import. */
MAILAUTH_API mailauth_status_t mailauth_report_store_import_end(mailauth_report_store_t *store,
                                                                int commit);

/*! Called once per imported report, with its records in the order they
 *  were imported. Return 0 to go on. */
typedef int (*mailauth_report_imported_fn)(void *arg, const mailauth_report_meta_t *meta,
                                           const mailauth_report_policy_t *policy,
                                           const mailauth_report_record_t *records,
                                           size_t                          count);

/*! Every imported report whose date range overlaps [begin, end), ordered
 *  by begin, org_name, report_id. */
MAILAUTH_API mailauth_status_t mailauth_report_store_imported(mailauth_report_store_t *store,
                                                              int64_t begin, int64_t end,
                                                              mailauth_report_imported_fn fn,
                                                              void                       *arg);

/* ---- aggregate reports (generate, send) ------------------------------- */

struct mailauth_ctx;  /* <mailauth/ctx.h> */
struct mailauth_key;  /* <mailauth/sign.h> */
struct mailauth_eval; /* <mailauth/eval.h> */
struct mailauth_resolver; /* <mailauth/dns.h> */
struct mailauth_report_limiter; /* below */

/*! Who generates aggregate reports (RFC 9990 `report_metadata`, the file
 *  name's "receiver", the Subject's "Submitter"). */
typedef struct mailauth_report_gen {
    unsigned    version;            /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    const char *org_name;           /*!< required */
    const char *email;              /*!< required: report_metadata/email, and the From address */
    const char *extra_contact_info; /*!< or NULL */
    const char *receiver;           /*!< the reporter's domain; NULL: the domain of `email` */
    const char *generator;          /*!< NULL: "mailauth <version>" */
} mailauth_report_gen_t;

/*! One generated aggregate report: the RFC 9990 document, its gzip form,
 *  its Report-ID and file name. Opaque; mailauth_report_aggregate_free(). */
typedef struct mailauth_report_aggregate mailauth_report_aggregate_t;

/*! Build the aggregate report of one policy domain (and one policy
 *  configuration) for the period [begin, end] (seconds UTC, end inclusive).
 *  Deterministic: the same inputs give the same bytes. The Report-ID is a
 *  32-digit hex SHA-256 prefix of (receiver, policy domain, begin, end,
 *  policy configuration); it is also the file name's unique-id and the
 *  Subject's Report-ID (RFC 9990 §2.1.3: they MUST be identical). Records
 *  are written in the order given; a record's DKIM results are sorted by
 *  RFC 9990 §2.1.2's priority (strictly aligned pass, relaxed aligned
 *  pass, other pass, the rest; header order within each class) and capped
 *  at 100. Reason types the schema does not know (forwarded, sampled_out)
 *  are written as "other" with the word as comment.
 *  \param[in]  gen      Reporter; copied.
 *  \param[in]  policy   The policy published (domain and p required).
 *  \param[in]  records  count records (count >= 1), grouped rows.
 *  \param[out] out      The report, or NULL on error.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (missing field, no record, a value
 *          the schema does not allow: see docs/reports.md), MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_report_aggregate_new(
    const mailauth_report_gen_t *gen, const mailauth_report_policy_t *policy,
    const mailauth_report_record_t *records, size_t count, int64_t begin, int64_t end,
    mailauth_report_aggregate_t **out);

/*! Free a report. NULL is a no-op. */
MAILAUTH_API void mailauth_report_aggregate_free(mailauth_report_aggregate_t *rep);

/*! The Report-ID (32 lower-case hex digits). Borrowed until _free(). */
MAILAUTH_API const char *mailauth_report_aggregate_id(const mailauth_report_aggregate_t *rep);

/*! The file name, receiver!policy-domain!begin!end!unique-id.xml.gz
 *  (RFC 9990 §2.1.3.2). Borrowed until _free(). */
MAILAUTH_API const char *mailauth_report_aggregate_filename(const mailauth_report_aggregate_t *rep);

/*! The XML document (UTF-8) and its length. Borrowed until _free(). */
MAILAUTH_API const uint8_t *mailauth_report_aggregate_xml(const mailauth_report_aggregate_t *rep,
                                                          size_t                            *len);

/*! The gzip file (RFC 1952; mtime 0, no name: deterministic). Borrowed. */
MAILAUTH_API const uint8_t *mailauth_report_aggregate_gzip(const mailauth_report_aggregate_t *rep,
                                                           size_t                            *len);

/*! Called by mailauth_report_generate() with each report it made, in
 *  policy-domain order. `policy` is the configuration reported. Both are
 *  valid during the call. Return 0 to go on. */
typedef int (*mailauth_report_made_fn)(void *arg, const mailauth_report_aggregate_t *rep,
                                       const mailauth_report_policy_t *policy);

/*! Make the aggregate reports of the period [begin, end) (seconds UTC; the
 *  reports' date_range is begin .. end-1) from the store's history: one
 *  report per policy domain. A domain that published more than one
 *  configuration during the period gets one report with the configuration
 *  of its latest history row and the records of all (RFC 9990 §2.1: a
 *  report holds one configuration; "SHOULD note only the final
 *  configuration observed").
 *  
eturn MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ECANCELED (fn returned
 *          non-zero), the store's statuses, those of
 *          mailauth_report_aggregate_new(). */
MAILAUTH_API mailauth_status_t mailauth_report_generate(mailauth_report_store_t     *store,
                                                        const mailauth_report_gen_t *gen,
                                                        int64_t begin, int64_t end,
                                                        mailauth_report_made_fn fn, void *arg);

/*! How a report or failure-report message is mailed and signed. */
typedef struct mailauth_report_mail {
    unsigned           version; /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    const char *const *to;      /*!< addresses (no angle brackets) */
    size_t             to_count;
    int64_t            date;    /*!< Date: field, seconds UTC */
    /*! DKIM signing (RFC 9990 §2.1.3: report mail MUST pass DMARC): with a
     *  key, the message gets a DKIM-Signature by mailauth_dkim_signer_*()
     *  (relaxed/relaxed; t= is the ctx clock). NULL key: unsigned. */
    struct mailauth_ctx       *ctx; /*!< the context the signer uses */
    const struct mailauth_key *key; /*!< the signing key, or NULL */
    const char *domain;         /*!< d= */
    const char *selector;       /*!< s= */
} mailauth_report_mail_t;

/*! The RFC 5322 message carrying a report: multipart/mixed, a text/plain
 *  part for people and the .xml.gz as application/gzip attachment (base64);
 *  From: org_name <email>; Subject "Report Domain: D Submitter: R
 *  Report-ID: <id>" (RFC 9990 §2.1.3.2); Message-ID <id@receiver>. CRLF
 *  line ends. Deterministic for the same mail->date and signing clock.
 *  \param[out] msg  malloc()ed, free with mailauth_report_buf_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM, or the signer's status. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_report_aggregate_message(const mailauth_report_aggregate_t *rep,
                                  const mailauth_report_mail_t *mail, char **msg, size_t *len);

/*! Free a buffer the report library handed out. NULL is a no-op. */
MAILAUTH_API void mailauth_report_buf_free(void *buf);

/*! What to do with one report destination URI. The numbers never change
 *  (macros rather than an enum: the pinned-enum table of libmailauth's ABI
 *  test covers libmailauth alone). */
typedef int mailauth_report_dest_state_t;
#define MAILAUTH_REPORT_DEST_OK 0           /*!< send: same organization, or verified */
#define MAILAUTH_REPORT_DEST_UNAUTHORIZED 1 /*!< outside, and no v=DMARC1 record: drop */
#define MAILAUTH_REPORT_DEST_DEFERRED 2     /*!< the verification lookup failed: try later */
#define MAILAUTH_REPORT_DEST_TOO_BIG 3      /*!< the URI's !size limit is below the report size */
#define MAILAUTH_REPORT_DEST_UNSUPPORTED 4  /*!< not a mailto: URI, or malformed */

/*! "ok", "unauthorized", "deferred", "too-big", "unsupported"; "unknown". */
MAILAUTH_API const char *mailauth_report_dest_state_name(mailauth_report_dest_state_t s);

/*! The organizational domain of `domain` (lower case) into buf; return 0,
 *  or -1 when unknown. Used to tell external destinations. */
typedef int (*mailauth_report_orgdomain_fn)(void *ud, const char *domain, char *buf, size_t cap);

/*! A mailauth_report_orgdomain_fn over libmailauth's Public Suffix List
 *  (RFC 7489 §3.2): `ud` is a mailauth_ctx_t * in RFC 7489 DMARC mode (its
 *  PSL file is used), or NULL for a default context. Asks no DNS question.
 *  Returns -1 for a name that is no domain, or with a ctx in RFC 9989 mode. */
MAILAUTH_API int mailauth_report_orgdomain_psl(void *ud, const char *domain, char *buf,
                                               size_t cap);

/*! Destination checking for one policy domain. */
typedef struct mailauth_report_dest_check {
    unsigned                     version;    /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    struct mailauth_resolver    *resolver;   /*!< the verification lookups (required) */
    int                          timeout_ms; /*!< per lookup; negative: the resolver's own */
    mailauth_report_orgdomain_fn orgdomain;  /*!< e.g. mailauth_report_orgdomain_psl; NULL: see
                                                  docs/reports.md */
    void                        *orgdomain_ud;
} mailauth_report_dest_check_t;

/*! One checked destination. */
typedef struct mailauth_report_dest {
    unsigned                     version; /*!< MAILAUTH_REPORT_STRUCT_VERSION, set by the library */
    mailauth_report_dest_state_t state;
    char                         address[320]; /*!< the mailto: address, decoded */
    char                         host[256];    /*!< the destination host (lower case) */
    uint64_t                     limit;        /*!< the !size limit in bytes, 0 for none */
} mailauth_report_dest_t;

/*! Parse one rua= (or ruf=) URI without checking it: out->address,
 *  host and limit are set; out->state is MAILAUTH_REPORT_DEST_OK for a
 *  mailto: URI, MAILAUTH_REPORT_DEST_UNSUPPORTED for anything else.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL). */
MAILAUTH_API mailauth_status_t mailauth_report_dest_parse(const char *uri,
                                                          mailauth_report_dest_t *out);

/*! Check one rua= (or ruf=) URI for a report of `size` bytes (0: do not
 *  check the size) about `policy_domain` (RFC 9990 §3; RFC 7489 §6.2
 *  size suffix "!10m"). A destination whose host is not in the policy
 *  domain's organizational domain is looked up at
 *  <policy-domain>._report._dmarc.<host>: a TXT record starting "v=DMARC1"
 *  authorizes it; NXDOMAIN, NODATA or no such record: UNAUTHORIZED; a
 *  temporary failure (or no answer in time): DEFERRED. The lookup goes
 *  through mailauth_resolver_lookup_sync() (blocking).
 *  \return MAILAUTH_OK (see out->state), MAILAUTH_EINVAL, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_report_dest_verify(const mailauth_report_dest_check_t *chk,
                                                           const char *policy_domain,
                                                           const char *uri, uint64_t size,
                                                           mailauth_report_dest_t *out);

/* ---- failure reports --------------------------------------------------- */

/*! Failure report settings (RFC 6591 AFRF with the RFC 9991 fields). */
typedef struct mailauth_report_fail_opts {
    unsigned    version;     /*!< MAILAUTH_REPORT_STRUCT_VERSION */
    const char *from;        /*!< From: address of the reports (required) */
    const char *reporter;    /*!< authserv-id for the Authentication-Results field; NULL: domain of from */
    const char *user_agent;  /*!< NULL: "mailauth/<version>" */
    int         keep_local_parts; /*!< 0 (default): RFC 6590 redaction of local parts */
    const char *redact_secret;    /*!< mixed into the redaction hash; NULL: none */
    int         whole_message;    /*!< 1: message/rfc822 with the body; 0: text/rfc822-headers */
    const char *source_ip;   /*!< Source-IP: the SMTP client (required) */
    const char *source_port; /*!< Source-Port, or NULL */
    const char *mail_from;   /*!< Original-Mail-From (redacted like the header), or NULL */
    const char *envelope_id; /*!< Original-Envelope-Id, or NULL */
    int64_t     arrival;     /*!< Arrival-Date (seconds UTC); 0: left out */
    const char *spf_record;  /*!< the SPF TXT record the check used, for SPF-DNS; or NULL */
} mailauth_report_fail_opts_t;

/*! 1 if the finished evaluation's DMARC result asks for a failure report
 *  under its fo= (RFC 7489 §6.3, RFC 9989): "0" (default) when neither
 *  SPF nor DKIM gave an aligned pass, "1" when one of them did not, "d"
 *  when a DKIM signature failed to verify (any alignment), "s" when SPF
 *  failed; and only when the record has a ruf= and psd= is not y. */
MAILAUTH_API int mailauth_report_failure_wanted(const struct mailauth_eval *ev);

/*! Build the failure report of a finished evaluation for one destination.
 *  \param[in]  ev    A finished evaluation (DMARC evaluated).
 *  \param[in]  msg   The message as received (header and body, CRLF or LF).
 *  \param[in]  opts  Settings.
 *  \param[in]  mail  To, Date and signing (to_count >= 1).
 *  \param[out] out   malloc()ed message, free with mailauth_report_buf_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (no DMARC result, missing option),
 *          MAILAUTH_ENOMEM, or the signer's status. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_report_failure_message(
    struct mailauth_eval *ev, const uint8_t *msg, size_t msg_len, const mailauth_report_fail_opts_t *opts,
    const mailauth_report_mail_t *mail, char **out, size_t *out_len);

/*! Called by mailauth_report_failure_destinations() for each address a
 *  report should go to now. Return 0 to go on. */
typedef int (*mailauth_report_address_fn)(void *arg, const char *address);

/*! The destinations of a failure report for a finished evaluation: each
 *  ruf= URI of the DMARC record (in order) checked like an aggregate
 *  destination (RFC 9991 §5: outside the policy domain's organization it
 *  needs <policy-domain>._report._dmarc.<host>; its !size limit against
 *  `size`, 0 for none), then taken from `limiter` (NULL: no limit);
 *  `fn` is called for each address that passes. Destinations refused,
 *  deferred or over the rate are left out (a failure report is not queued).
 *  \return MAILAUTH_OK (see *sent for how many), MAILAUTH_EINVAL (no DMARC
 *          result), MAILAUTH_ENOMEM, MAILAUTH_ECANCELED (fn returned non-zero). */
MAILAUTH_API mailauth_status_t mailauth_report_failure_destinations(
    const struct mailauth_eval *ev, const mailauth_report_dest_check_t *chk,
    struct mailauth_report_limiter *limiter, int64_t now, uint64_t size,
    mailauth_report_address_fn fn, void *arg, size_t *sent);

/*! Per-destination rate limit for failure reports: at most `max` reports
 *  to one address in any `window` seconds (a sliding window kept in
 *  memory; it is lost when the process ends). */
typedef struct mailauth_report_limiter mailauth_report_limiter_t;

/*! \return MAILAUTH_OK, MAILAUTH_EINVAL (max 0 or over 10000, window 0), MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_report_limiter_new(unsigned max, unsigned window, mailauth_report_limiter_t **out);

/*! NULL is a no-op. */
MAILAUTH_API void mailauth_report_limiter_free(mailauth_report_limiter_t *l);

/*! 1 and the report counted if one more report may go to `address` at
 *  time `now` (seconds); 0 if it would exceed the limit (or on ENOMEM). */
MAILAUTH_API int mailauth_report_limiter_take(mailauth_report_limiter_t *l, const char *address,
                                              int64_t now);

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
