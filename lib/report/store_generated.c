/* libmailauth-report, history store: the generator's bookkeeping. One row
 * per generated report, keyed by (policy domain, period) so that
 * generating a period twice finds the first report; the send state moves
 * pending -> sending (one claimant) -> sent | failed, so that no report is
 * sent twice, by one sender or several. */
#include <string.h>

#include "store_int.h"

#define GEN_COLS                                                                                   \
    "policy_domain, begin_time, end_time, report_id, file, destinations, created, state, sent, "   \
    "error"
#define GEN_NCOLS 10

/* One write statement in its own transaction. */
static mailauth_status_t
write1(mailauth_report_store_t *s, const char *sql, const mailauth_report__store_param_t *p,
       size_t np, uint64_t *changes)
{
    mailauth_status_t st;
    if (s->import_state != STORE_IMPORT_NONE || s->in_tx) {
        mailauth_report__store_seterr(s, "an import is open on this handle");
        return MAILAUTH_ESTATE;
    }
    st = mailauth_report__store_begin(s);
    if (st == MAILAUTH_OK)
        st = s->ops->query(s, sql, p, np, NULL, NULL, changes);
    if (st == MAILAUTH_OK)
        return mailauth_report__store_commit(s);
    if (s->in_tx)
        mailauth_report__store_rollback(s);
    return st;
}

static mailauth_report__store_param_t
text(const char *v)
{
    return (mailauth_report__store_param_t){.kind = v != NULL ? STORE_P_TEXT : STORE_P_NULL,
                                            .text = v};
}

static mailauth_report__store_param_t
num(int64_t v)
{
    return (mailauth_report__store_param_t){.kind = STORE_P_INT, .i = v};
}

static bool
texts_ok(const mailauth_report__store_param_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i].kind == STORE_P_TEXT && !mailauth_report__store_utf8_ok(p[i].text))
            return false;
    return true;
}

mailauth_status_t
mailauth_report_store_generated_add(mailauth_report_store_t           *store,
                                    const mailauth_report_generated_t *rep, int *existed)
{
    static const char sql[] =
        "INSERT INTO report_generated (" GEN_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7,"
        " 'pending', 0, NULL) ON CONFLICT (policy_domain, begin_time, end_time) DO NOTHING";
    mailauth_report__store_param_t p[7];
    uint64_t                       changes = 0;
    mailauth_status_t              st;
    if (existed != NULL)
        *existed = 0;
    if (store == NULL)
        return MAILAUTH_EINVAL;
    if (rep == NULL || rep->version != MAILAUTH_REPORT_STRUCT_VERSION ||
        rep->policy_domain == NULL || rep->report_id == NULL) {
        mailauth_report__store_seterr(store, "generated report: NULL, unknown struct version, "
                                             "or no policy domain or report id");
        return MAILAUTH_EINVAL;
    }
    p[0] = text(rep->policy_domain);
    p[1] = num(rep->begin);
    p[2] = num(rep->end);
    p[3] = text(rep->report_id);
    p[4] = text(rep->file);
    p[5] = text(rep->destinations);
    p[6] = num(rep->created);
    if (!texts_ok(p, STORE_LEN(p))) {
        mailauth_report__store_seterr(store, "generated report: a value is not UTF-8");
        return MAILAUTH_EINVAL;
    }
    st = write1(store, sql, p, STORE_LEN(p), &changes);
    if (st == MAILAUTH_EINVAL)
        mailauth_report__store_seterr(store,
                                      "report id %s is already used for another period "
                                      "or domain",
                                      rep->report_id);
    if (st == MAILAUTH_OK && existed != NULL)
        *existed = changes == 0;
    return st;
}

struct gen_run {
    mailauth_report_generated_fn fn;
    void                        *arg;
    bool                         corrupt;
    int                          found;
};

static int
one_generated(void *arg, const char *const *c, size_t nc)
{
    struct gen_run             *run = arg;
    mailauth_report_generated_t g = {.version = MAILAUTH_REPORT_STRUCT_VERSION};
    if (nc != GEN_NCOLS || !mailauth_report__store_parse_i64(c[1], &g.begin) ||
        !mailauth_report__store_parse_i64(c[2], &g.end) ||
        !mailauth_report__store_parse_i64(c[6], &g.created) ||
        !mailauth_report__store_parse_i64(c[8], &g.sent)) {
        run->corrupt = true;
        return 1;
    }
    g.policy_domain = c[0];
    g.report_id = c[3];
    g.file = c[4];
    g.destinations = c[5];
    g.state = c[7];
    g.error = c[9];
    run->found = 1;
    return run->fn != NULL ? run->fn(run->arg, &g) : 0;
}

static mailauth_status_t
read_generated(mailauth_report_store_t *s, const char *sql, const mailauth_report__store_param_t *p,
               size_t np, struct gen_run *run)
{
    mailauth_status_t st = s->ops->query(s, sql, p, np, one_generated, run, NULL);
    if (run->corrupt) {
        mailauth_report__store_seterr(s, "a report_generated row cannot be read");
        return MAILAUTH_EINTERNAL;
    }
    return st;
}

mailauth_status_t
mailauth_report_store_generated_find(mailauth_report_store_t *store, const char *policy_domain,
                                     int64_t begin, int64_t end, mailauth_report_generated_fn fn,
                                     void *arg, int *found)
{
    static const char              sql[] = "SELECT " GEN_COLS " FROM report_generated WHERE"
                                           " policy_domain = $1 AND begin_time = $2 AND"
                                           " end_time = $3";
    mailauth_report__store_param_t p[3] = {text(policy_domain), num(begin), num(end)};
    struct gen_run                 run = {fn, arg, false, 0};
    mailauth_status_t              st;
    if (found != NULL)
        *found = 0;
    if (store == NULL || policy_domain == NULL)
        return MAILAUTH_EINVAL;
    st = read_generated(store, sql, p, STORE_LEN(p), &run);
    if (st == MAILAUTH_OK && found != NULL)
        *found = run.found;
    return st;
}

mailauth_status_t
mailauth_report_store_unsent(mailauth_report_store_t *store, mailauth_report_generated_fn fn,
                             void *arg)
{
    static const char sql[] = "SELECT " GEN_COLS " FROM report_generated WHERE state IN"
                              " ('pending', 'failed') ORDER BY created, report_id";
    struct gen_run    run = {fn, arg, false, 0};
    if (store == NULL || fn == NULL)
        return MAILAUTH_EINVAL;
    return read_generated(store, sql, NULL, 0, &run);
}

mailauth_status_t
mailauth_report_store_send_claim(mailauth_report_store_t *store, const char *report_id,
                                 int *claimed)
{
    static const char              sql[] = "UPDATE report_generated SET state = 'sending'"
                                           " WHERE report_id = $1 AND state IN ('pending', 'failed')";
    mailauth_report__store_param_t p[1] = {text(report_id)};
    uint64_t                       changes = 0;
    mailauth_status_t              st;
    if (claimed != NULL)
        *claimed = 0;
    if (store == NULL || report_id == NULL || claimed == NULL)
        return MAILAUTH_EINVAL;
    st = write1(store, sql, p, 1, &changes);
    if (st == MAILAUTH_OK)
        *claimed = changes == 1;
    return st;
}

mailauth_status_t
mailauth_report_store_send_done(mailauth_report_store_t *store, const char *report_id, int64_t now,
                                const char *error)
{
    static const char sent_sql[] = "UPDATE report_generated SET state = 'sent', sent = $2,"
                                   " error = NULL WHERE report_id = $1 AND state = 'sending'";
    static const char fail_sql[] = "UPDATE report_generated SET state = 'failed', error = $2"
                                   " WHERE report_id = $1 AND state = 'sending'";
    mailauth_report__store_param_t p[2] = {text(report_id), error == NULL ? num(now) : text(error)};
    uint64_t                       changes = 0;
    mailauth_status_t              st;
    if (store == NULL || report_id == NULL)
        return MAILAUTH_EINVAL;
    if (!texts_ok(p, 2)) {
        mailauth_report__store_seterr(store, "send error text is not UTF-8");
        return MAILAUTH_EINVAL;
    }
    st = write1(store, error == NULL ? sent_sql : fail_sql, p, 2, &changes);
    if (st == MAILAUTH_OK && changes == 0) {
        mailauth_report__store_seterr(store, "report %s is not being sent (not claimed)",
                                      report_id);
        return MAILAUTH_ESTATE;
    }
    return st;
}
