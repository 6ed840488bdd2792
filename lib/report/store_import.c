/* libmailauth-report, history store: aggregate reports received from other
 * receivers (mailauth-report import). A report is kept once per
 * (org_name, report_id) (RFC 9990 §2.1.1: report_id is unique per
 * reporting organization); its records, in the order given, are written
 * in the same transaction, so a report is there whole or not at all. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

enum { STORE_IMPORT_FAILED = STORE_IMPORT_DUPLICATE + 1 };

#define RECV_META_COLS                                                                             \
    "org_name, report_id, report_schema, email, extra_contact_info, begin_time, end_time, "        \
    "generator, errors"
#define RECV_META_NCOLS 9
#define RECV_NPARAMS (RECV_META_NCOLS + STORE_POLICY_NCOLS)

static mailauth_report__store_param_t
text(const char *v)
{
    return (mailauth_report__store_param_t){.kind = v != NULL ? STORE_P_TEXT : STORE_P_NULL,
                                            .text = v};
}

static int
read_id(void *arg, const char *const *c, size_t nc)
{
    int64_t *id = arg;
    if (nc != 1 || !mailauth_report__store_parse_i64(c[0], id))
        *id = -1;
    return 0;
}

static mailauth_status_t
meta_params(mailauth_report_store_t *s, const mailauth_report_meta_t *m,
            mailauth_report__store_param_t *p, mailauth_report__store_str_t *errors)
{
    if (m == NULL || m->version != MAILAUTH_REPORT_STRUCT_VERSION || m->report_id == NULL) {
        mailauth_report__store_seterr(s, "report: NULL meta, unknown struct version, or no "
                                         "report_id");
        return MAILAUTH_EINVAL;
    }
    if (mailauth_report__store_encode_strings(m->errors, m->error_count, errors) != MAILAUTH_OK)
        return errors->failed ? MAILAUTH_ENOMEM : MAILAUTH_EINVAL;
    /* Real reporters send an empty <org_name/>: such a report is kept
     * under org_name "" (not the email, which may change between reports
     * of one organization), so it is still kept once per report_id. */
    p[0] = text(m->org_name != NULL ? m->org_name : "");
    p[1] = text(m->report_id);
    p[2] = text(m->schema);
    p[3] = text(m->email);
    p[4] = text(m->extra_contact_info);
    p[5] = (mailauth_report__store_param_t){.kind = STORE_P_INT, .i = m->begin};
    p[6] = (mailauth_report__store_param_t){.kind = STORE_P_INT, .i = m->end};
    p[7] = text(m->generator);
    p[8] = text(errors->p);
    for (size_t i = 0; i < RECV_META_NCOLS; i++)
        if (p[i].kind == STORE_P_TEXT && !mailauth_report__store_utf8_ok(p[i].text))
            return MAILAUTH_EINVAL;
    return MAILAUTH_OK;
}

/* Insert the report row; *id is -1 when (org_name, report_id) is there. */
static mailauth_status_t
insert_report(mailauth_report_store_t *s, const mailauth_report_meta_t *meta,
              const mailauth_report_policy_t *policy, int64_t *id)
{
    static const char sql[] = "INSERT INTO report_received (" RECV_META_COLS ", " STORE_POLICY_COLS
                              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                              " $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
                              " ON CONFLICT (org_name, report_id) DO NOTHING RETURNING id";
    mailauth_report__store_param_t p[RECV_NPARAMS];
    mailauth_report__store_str_t   errors = {0};
    mailauth_status_t              st = meta_params(s, meta, p, &errors);
    if (st == MAILAUTH_EINVAL && s->err[0] == '\0')
        mailauth_report__store_seterr(s, "report: a value is not UTF-8");
    if (st == MAILAUTH_OK)
        st = mailauth_report__store_policy_params(s, policy, &p[RECV_META_NCOLS]);
    *id = -1;
    if (st == MAILAUTH_OK)
        st = s->ops->query(s, sql, p, RECV_NPARAMS, read_id, id, NULL);
    mailauth_report__store_str_free(&errors);
    return st;
}

mailauth_status_t
mailauth_report_store_import_begin(mailauth_report_store_t        *store,
                                   const mailauth_report_meta_t   *meta,
                                   const mailauth_report_policy_t *policy, int *duplicate)
{
    int64_t           id = -1;
    mailauth_status_t st;
    if (duplicate != NULL)
        *duplicate = 0;
    if (store == NULL)
        return MAILAUTH_EINVAL;
    if (store->import_state != STORE_IMPORT_NONE || store->in_tx) {
        mailauth_report__store_seterr(store, "an import is already open on this handle");
        return MAILAUTH_ESTATE;
    }
    store->err[0] = '\0';
    st = mailauth_report__store_begin(store);
    if (st == MAILAUTH_OK)
        st = insert_report(store, meta, policy, &id);
    if (st != MAILAUTH_OK) {
        if (store->in_tx)
            mailauth_report__store_rollback(store);
        return st;
    }
    if (id < 0) { /* kept once: the first import stays as it was */
        mailauth_report__store_rollback(store);
        store->import_state = STORE_IMPORT_DUPLICATE;
        if (duplicate != NULL)
            *duplicate = 1;
        return MAILAUTH_OK;
    }
    store->import_state = STORE_IMPORT_OPEN;
    store->import_id = id;
    store->import_seq = 0;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_report_store_import_record(mailauth_report_store_t        *store,
                                    const mailauth_report_record_t *rec)
{
    static const char sql[] =
        "INSERT INTO report_received_record (report, seq, msg_count, " STORE_RECORD_COLS
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
        " $10, $11, $12, $13, $14)";
    mailauth_report__store_param_t p[3 + STORE_RECORD_NCOLS];
    mailauth_report__store_str_t   enc[3] = {{0}};
    mailauth_status_t              st;
    if (store == NULL)
        return MAILAUTH_EINVAL;
    if (store->import_state == STORE_IMPORT_DUPLICATE)
        return MAILAUTH_OK;
    if (store->import_state != STORE_IMPORT_OPEN) {
        mailauth_report__store_seterr(store, "no import is open on this handle");
        return MAILAUTH_ESTATE;
    }
    if (rec != NULL && rec->count > (uint64_t)INT64_MAX) {
        mailauth_report__store_seterr(store, "record: count out of range");
        return MAILAUTH_EINVAL;
    }
    p[0] = (mailauth_report__store_param_t){.kind = STORE_P_INT, .i = store->import_id};
    p[1] = (mailauth_report__store_param_t){.kind = STORE_P_INT, .i = store->import_seq};
    p[2] = (mailauth_report__store_param_t){.kind = STORE_P_INT,
                                            .i = rec != NULL ? (int64_t)rec->count : 0};
    st = mailauth_report__store_record_params(store, rec, &p[3], enc);
    if (st == MAILAUTH_OK) {
        st = store->ops->query(store, sql, p, STORE_LEN(p), NULL, NULL, NULL);
        if (st == MAILAUTH_OK) {
            store->import_seq++;
        } else {
            /* the database refused it (PostgreSQL has aborted the
             * transaction): a report is kept whole or not at all */
            mailauth_report__store_rollback(store);
            store->import_state = STORE_IMPORT_FAILED;
        }
    }
    for (size_t i = 0; i < STORE_LEN(enc); i++)
        mailauth_report__store_str_free(&enc[i]);
    return st;
}

mailauth_status_t
mailauth_report_store_import_end(mailauth_report_store_t *store, int commit)
{
    int               state;
    mailauth_status_t st = MAILAUTH_OK;
    if (store == NULL)
        return MAILAUTH_EINVAL;
    state = store->import_state;
    store->import_state = STORE_IMPORT_NONE;
    if (state == STORE_IMPORT_NONE) {
        mailauth_report__store_seterr(store, "no import is open on this handle");
        return MAILAUTH_ESTATE;
    }
    if (state == STORE_IMPORT_OPEN && commit)
        return mailauth_report__store_commit(store);
    if (state == STORE_IMPORT_OPEN)
        mailauth_report__store_rollback(store);
    if (state == STORE_IMPORT_FAILED && commit) {
        mailauth_report__store_seterr(store, "the import failed earlier: nothing was kept");
        st = MAILAUTH_ESTATE;
    }
    return st;
}
