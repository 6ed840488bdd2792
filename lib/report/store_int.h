/* libmailauth-report, history store: what the store_*.c files share.
 *
 * The store speaks one SQL dialect, the common part of SQLite 3.35+ and
 * PostgreSQL ($1..$n parameters used in order, ON CONFLICT, RETURNING); a
 * back end (store_sqlite.c, store_pg.c) is one row of ops that connects,
 * runs a statement with typed parameters and hands back rows as text. */
#ifndef MAILAUTH_REPORT_STORE_INT_H
#define MAILAUTH_REPORT_STORE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/report.h>

/* A statement parameter. */
typedef enum { STORE_P_NULL, STORE_P_TEXT, STORE_P_INT } mailauth_report__store_pkind_t;

typedef struct mailauth_report__store_param {
    mailauth_report__store_pkind_t kind;
    const char                    *text; /* STORE_P_TEXT (NULL is taken as STORE_P_NULL) */
    int64_t                        i;    /* STORE_P_INT */
} mailauth_report__store_param_t;

/* One result row: ncols values as text, NULL for SQL NULL. Return 0 to go on. */
typedef int (*mailauth_report__store_row_fn)(void *arg, const char *const *cols, size_t ncols);

typedef struct mailauth_report__store_ops {
    const char *name;
    const char *ddl_id;      /* DDL of an integer primary key the database numbers */
    const char *begin_write; /* starts a transaction that will write */
    const char *has_version; /* one row, one column: 1 if schema_version exists, else 0 */
    mailauth_status_t (*connect)(mailauth_report_store_t *s, const char *target, unsigned flags);
    void (*disconnect)(mailauth_report_store_t *s);
    /* Run sql with params; fn (may be NULL) per row; *changes (may be NULL)
     * the rows an INSERT/UPDATE/DELETE touched. A non-zero fn return stops
     * with MAILAUTH_ECANCELED. */
    mailauth_status_t (*query)(mailauth_report_store_t *s, const char *sql,
                               const mailauth_report__store_param_t *p, size_t np,
                               mailauth_report__store_row_fn fn, void *arg, uint64_t *changes);
    /* Serialize schema migrations among every client of the database (run
     * inside the migration's transaction); NULL when begin_write already does. */
    mailauth_status_t (*lock_schema)(mailauth_report_store_t *s);
} mailauth_report__store_ops_t;

extern const mailauth_report__store_ops_t mailauth_report__store_sqlite_ops;
extern const mailauth_report__store_ops_t mailauth_report__store_pg_ops;

enum { STORE_IMPORT_NONE, STORE_IMPORT_OPEN, STORE_IMPORT_DUPLICATE };

struct mailauth_report_store {
    const mailauth_report__store_ops_t *ops;
    void                               *db;   /* the back end's handle */
    void                               *priv; /* the back end's other state */
    bool                                in_tx;
    int                                 import_state;
    int64_t                             import_id;  /* report_received.id of the open import */
    int64_t                             import_seq; /* records given so far */
    char                                err[512];
};

/* store.c */
void mailauth_report__store_seterr(mailauth_report_store_t *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
mailauth_status_t mailauth_report__store_exec(mailauth_report_store_t *s, const char *sql);
mailauth_status_t mailauth_report__store_begin(mailauth_report_store_t *s);
mailauth_status_t mailauth_report__store_commit(mailauth_report_store_t *s);
void              mailauth_report__store_rollback(mailauth_report_store_t *s);
bool              mailauth_report__store_parse_i64(const char *s, int64_t *out);

/* store_codec.c: a growable byte string. */
typedef struct mailauth_report__store_str {
    char  *p;
    size_t len, cap;
    bool   failed; /* out of memory once: every later append is a no-op */
} mailauth_report__store_str_t;

void mailauth_report__store_str_add(mailauth_report__store_str_t *b, const char *s, size_t n);
void mailauth_report__store_str_free(mailauth_report__store_str_t *b);

/* store_codec.c: a pool of blocks freed at once (the records handed to callbacks). */
typedef struct mailauth_report__store_pool {
    struct pool_block *head;
} mailauth_report__store_pool_t;

void *mailauth_report__store_pool_alloc(mailauth_report__store_pool_t *pl, size_t n);
char *mailauth_report__store_pool_strdup(mailauth_report__store_pool_t *pl, const char *s);
void  mailauth_report__store_pool_free(mailauth_report__store_pool_t *pl);

bool mailauth_report__store_utf8_ok(const char *s);

/* The lists of a record in one column each, so GROUP BY sees them whole
 * and both databases store them alike: a field is "-" (NULL) or
 * "<decimal length>:<bytes>"; an item ends with ';'. Empty list: "". */
mailauth_status_t mailauth_report__store_encode_reasons(const mailauth_report_record_t *r,
                                                        mailauth_report__store_str_t   *out);
mailauth_status_t mailauth_report__store_encode_dkim(const mailauth_report_record_t *r,
                                                     mailauth_report__store_str_t   *out);
mailauth_status_t mailauth_report__store_encode_spf(const mailauth_report_record_t *r,
                                                    mailauth_report__store_str_t   *out);
mailauth_status_t mailauth_report__store_encode_strings(const char *const *v, size_t n,
                                                        mailauth_report__store_str_t *out);
/* Decode into pool memory; false when the text is not such a list. */
bool mailauth_report__store_decode_reasons(mailauth_report__store_pool_t *pl, const char *text,
                                           mailauth_report_reason_t **out, size_t *n);
bool mailauth_report__store_decode_dkim(mailauth_report__store_pool_t *pl, const char *text,
                                        mailauth_report_dkim_t **out, size_t *n);
bool mailauth_report__store_decode_spf(mailauth_report__store_pool_t *pl, const char *text,
                                       mailauth_report_spf_t **out, size_t *n);
bool mailauth_report__store_decode_strings(mailauth_report__store_pool_t *pl, const char *text,
                                           const char ***out, size_t *n);

/* store_cols.c: the record and policy columns shared by the history and
 * the imported records. */
#define STORE_POLICY_COLS                                                                          \
    "policy_domain, p, sp, np, adkim, aspf, pct, testing, discovery_method, fo, rua, ruf"
#define STORE_POLICY_NCOLS 12
#define STORE_RECORD_COLS                                                                          \
    "source_ip, disposition, dkim_aligned, spf_aligned, dmarc, reasons, header_from, "             \
    "envelope_from, envelope_to, dkim, spf"
#define STORE_RECORD_NCOLS 11

/* Parameters for a record's columns (STORE_RECORD_COLS order) and a
 * policy's (STORE_POLICY_COLS order; all NULL for a NULL policy). The
 * encoded lists live in enc[3], freed by the caller. */
mailauth_status_t mailauth_report__store_record_params(mailauth_report_store_t        *s,
                                                       const mailauth_report_record_t *r,
                                                       mailauth_report__store_param_t *p,
                                                       mailauth_report__store_str_t   *enc);
mailauth_status_t mailauth_report__store_policy_params(mailauth_report_store_t        *s,
                                                       const mailauth_report_policy_t *pol,
                                                       mailauth_report__store_param_t *p);
/* The inverse, from result columns into pool memory. The policy is NULL
 * when all its columns are. */
bool mailauth_report__store_record_cols(mailauth_report__store_pool_t *pl, const char *const *c,
                                        mailauth_report_record_t *r);
bool mailauth_report__store_policy_cols(mailauth_report__store_pool_t *pl, const char *const *c,
                                        const mailauth_report_policy_t **out);

#define STORE_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
