/* The values of an aggregate report: which element goes where (RFC 9990
 * §3 / RFC 7489 Appendix C), the tolerated deviations (no namespace, no
 * <version>, "1337270400.0" dates, upper-case words, stray white space,
 * empty optional elements) and the refused ones (duplicates, counts out
 * of range, elements in numbers past the caps). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "read_xml.h"

enum scope { S_DOC, S_REC, S_SUB };

struct elem {
    uint8_t     parent, id;
    bool        fold; /* a word compared case-insensitively: kept lower-case */
    uint8_t     scope;
    const char *name;
};

static const struct elem elems[] = {
    {E_NONE, E_FEEDBACK, false, S_DOC, "feedback"},
    {E_FEEDBACK, E_VERSION, false, S_DOC, "version"},
    {E_FEEDBACK, E_META, false, S_DOC, "report_metadata"},
    {E_META, E_ORG, false, S_DOC, "org_name"},
    {E_META, E_EMAIL, false, S_DOC, "email"},
    {E_META, E_EXTRA, false, S_DOC, "extra_contact_info"},
    {E_META, E_RID, false, S_DOC, "report_id"},
    {E_META, E_DATE, false, S_DOC, "date_range"},
    {E_DATE, E_BEGIN, false, S_DOC, "begin"},
    {E_DATE, E_END, false, S_DOC, "end"},
    {E_META, E_GEN, false, S_DOC, "generator"},
    {E_META, E_ERROR, false, S_DOC, "error"},
    {E_FEEDBACK, E_POL, false, S_DOC, "policy_published"},
    {E_POL, E_PDOMAIN, false, S_DOC, "domain"},
    {E_POL, E_PADKIM, true, S_DOC, "adkim"},
    {E_POL, E_PASPF, true, S_DOC, "aspf"},
    {E_POL, E_PP, true, S_DOC, "p"},
    {E_POL, E_PSP, true, S_DOC, "sp"},
    {E_POL, E_PNP, true, S_DOC, "np"},
    {E_POL, E_PPCT, false, S_DOC, "pct"},
    {E_POL, E_PFO, false, S_DOC, "fo"},
    {E_POL, E_PTESTING, true, S_DOC, "testing"},
    {E_POL, E_PDISC, true, S_DOC, "discovery_method"},
    {E_FEEDBACK, E_RECORD, false, S_REC, "record"},
    {E_RECORD, E_ROW, false, S_REC, "row"},
    {E_ROW, E_SRCIP, false, S_REC, "source_ip"},
    {E_ROW, E_COUNT, false, S_REC, "count"},
    {E_ROW, E_PE, false, S_REC, "policy_evaluated"},
    {E_PE, E_DISP, true, S_REC, "disposition"},
    {E_PE, E_PEDKIM, true, S_REC, "dkim"},
    {E_PE, E_PESPF, true, S_REC, "spf"},
    {E_PE, E_REASON, false, S_REC, "reason"},
    {E_REASON, E_RTYPE, true, S_SUB, "type"},
    {E_REASON, E_RCOMMENT, false, S_SUB, "comment"},
    {E_RECORD, E_IDENT, false, S_REC, "identifiers"},
    {E_IDENT, E_HFROM, false, S_REC, "header_from"},
    {E_IDENT, E_EFROM, false, S_REC, "envelope_from"},
    {E_IDENT, E_ETO, false, S_REC, "envelope_to"},
    {E_RECORD, E_AUTH, false, S_REC, "auth_results"},
    {E_AUTH, E_ADKIM, false, S_REC, "dkim"},
    {E_ADKIM, E_ADDOMAIN, false, S_SUB, "domain"},
    {E_ADKIM, E_ADSEL, false, S_SUB, "selector"},
    {E_ADKIM, E_ADRES, true, S_SUB, "result"},
    {E_ADKIM, E_ADHUMAN, false, S_SUB, "human_result"},
    {E_AUTH, E_ASPF, false, S_REC, "spf"},
    {E_ASPF, E_ASDOMAIN, false, S_SUB, "domain"},
    {E_ASPF, E_ASSCOPE, true, S_SUB, "scope"},
    {E_ASPF, E_ASRES, true, S_SUB, "result"},
    {E_ASPF, E_ASHUMAN, false, S_SUB, "human_result"},
};

#define NELEMS (sizeof(elems) / sizeof(elems[0]))

/* elems[] lists the elements in enum order (E_FEEDBACK first): an element
 * is found by its id without a search. These run for every element of a
 * report (millions in a large one), so no scan of the table. */
static const struct elem *
elem_of(enum read_eid id)
{
    if (id == E_NONE || id >= E_UNKNOWN || (size_t)id > NELEMS || elems[id - 1].id != id)
        return NULL;
    return &elems[id - 1];
}

/* The elements that have children (the parents in elems[]). */
#define BIT(id) ((uint64_t)1 << (id))
#define PARENTS                                                                                    \
    (BIT(E_NONE) | BIT(E_FEEDBACK) | BIT(E_META) | BIT(E_DATE) | BIT(E_POL) | BIT(E_RECORD) |      \
     BIT(E_ROW) | BIT(E_PE) | BIT(E_REASON) | BIT(E_IDENT) | BIT(E_AUTH) | BIT(E_ADKIM) |          \
     BIT(E_ASPF))

void
mailauth_report__doc_fail(struct read_doc *d, mailauth_status_t st, const char *fmt, ...)
{
    va_list ap;
    if (d->st != MAILAUTH_OK)
        return;
    d->st = st;
    va_start(ap, fmt);
    (void)vsnprintf(d->why, sizeof(d->why), fmt, ap);
    va_end(ap);
}

enum read_eid
mailauth_report__doc_child(enum read_eid parent, const char *name)
{
    size_t len;
    if (parent >= E_UNKNOWN || (PARENTS & BIT(parent)) == 0)
        return E_UNKNOWN;
    len = strlen(name);
    for (size_t i = 0; i < NELEMS; i++)
        if (elems[i].parent == parent && mailauth_report__ascii_ieq(name, len, elems[i].name))
            return (enum read_eid)elems[i].id;
    return E_UNKNOWN;
}

bool
mailauth_report__doc_is_leaf(enum read_eid id)
{
    return id != E_NONE && id < E_UNKNOWN && (PARENTS & BIT(id)) == 0;
}

static const char *
keep(struct read_doc *d, mailauth_report__arena_t *a, bool fold)
{
    bool        oom = false;
    const char *s = mailauth_report__arena_str(a, d->text, d->text_len, fold, &oom);
    if (oom)
        mailauth_report__doc_fail(d, MAILAUTH_ENOMEM, "out of memory");
    return s;
}

/* A whole number of seconds; "1337270400.0" as some senders write it. */
static bool
parse_time(const char *s, int64_t *out)
{
    int64_t v = 0;
    *out = 0;
    if (s == NULL)
        return true;
    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (INT64_MAX - (*s - '0')) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            ;
    *out = v;
    return *s == '\0';
}

static void
parse_count(struct read_doc *d, const char *s)
{
    uint64_t v = 0;
    d->rec.count = 0;
    if (s == NULL)
        return;
    for (const char *c = s; *c != '\0'; c++) {
        if (*c < '0' || *c > '9') {
            mailauth_report__doc_fail(d, MAILAUTH_EINVAL, "<count> is not a number: \"%.40s\"", s);
            return;
        }
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(*c - '0')) / 10) {
            mailauth_report__doc_fail(d, MAILAUTH_EINVAL, "<count> out of range: %.40s", s);
            return;
        }
        v = v * 10 + (uint64_t)(*c - '0');
    }
    d->rec.count = v;
}

static void
emit_begin(struct read_doc *d)
{
    const mailauth_report_read_cbs_t *cbs = &d->job->rd->cbs;
    if (d->begun || d->st != MAILAUTH_OK)
        return;
    d->begun = true;
    if (d->meta.report_id == NULL) {
        mailauth_report__doc_fail(d, MAILAUTH_EINVAL, "no <report_metadata>/<report_id>");
        return;
    }
    if (d->policy.domain == NULL) {
        mailauth_report__doc_fail(d, MAILAUTH_EINVAL, "no <policy_published>/<domain>");
        return;
    }
    /* RFC 9990's namespace, or a <version> of 2.0 without it */
    d->meta.schema = (d->ns2 || (d->version_text != NULL && strcmp(d->version_text, "2.0") == 0))
                         ? "2.0"
                         : "0.1";
    d->meta.errors = d->errors;
    if (cbs->begin != NULL) {
        mailauth_status_t st = cbs->begin(d->job->rd->user, &d->job->where, &d->meta, &d->policy);
        if (st != MAILAUTH_OK)
            mailauth_report__doc_fail(d, st, "stopped by the caller");
    }
}

static void
emit_record(struct read_doc *d)
{
    const mailauth_report_read_cbs_t *cbs = &d->job->rd->cbs;
    if (d->st != MAILAUTH_OK)
        return;
    d->rec.version = MAILAUTH_REPORT_STRUCT_VERSION;
    d->rec.dkim = d->dkim;
    d->rec.spf = d->spf;
    d->rec.reasons = d->reasons;
    d->rec.policy = &d->policy;
    if (cbs->record != NULL) {
        mailauth_status_t st = cbs->record(d->job->rd->user, &d->rec);
        if (st != MAILAUTH_OK)
            mailauth_report__doc_fail(d, st, "stopped by the caller");
    }
}

static bool
add_entry(struct read_doc *d, size_t *count, const char *what)
{
    if (*count >= READ_MAX_AUTH) {
        mailauth_report__doc_fail(d, MAILAUTH_ELIMIT, "more than %u <%s> in one record",
                                  READ_MAX_AUTH, what);
        return false;
    }
    (*count)++;
    d->seen_sub = 0;
    return true;
}

void
mailauth_report__doc_start(struct read_doc *d, enum read_eid id)
{
    switch (id) {
    case E_RECORD:
        emit_begin(d);
        mailauth_report__arena_reset(&d->rec_arena);
        memset(&d->rec, 0, sizeof(d->rec));
        d->seen_rec = 0;
        d->rec_elements = 0;
        d->in_record = true;
        break;
    case E_ADKIM:
        if (add_entry(d, &d->rec.dkim_count, "dkim"))
            d->dkim[d->rec.dkim_count - 1] = (mailauth_report_dkim_t){0};
        break;
    case E_ASPF:
        if (add_entry(d, &d->rec.spf_count, "spf"))
            d->spf[d->rec.spf_count - 1] = (mailauth_report_spf_t){0};
        break;
    case E_REASON:
        if (add_entry(d, &d->rec.reason_count, "reason"))
            d->reasons[d->rec.reason_count - 1] = (mailauth_report_reason_t){0};
        break;
    default:
        break;
    }
}

static bool
first_time(struct read_doc *d, const struct elem *e)
{
    uint64_t *seen = e->scope == S_DOC   ? &d->seen_doc
                     : e->scope == S_REC ? &d->seen_rec
                                         : &d->seen_sub;
    uint64_t  bit = (uint64_t)1 << e->id;
    if (e->id == E_ERROR)
        return true; /* <error> may repeat */
    if (*seen & bit) {
        mailauth_report__doc_fail(d, MAILAUTH_EINVAL, "<%s> given twice", e->name);
        return false;
    }
    *seen |= bit;
    return true;
}

static void
store_doc(struct read_doc *d, const struct elem *e)
{
    const char *v = keep(d, &d->doc_arena, e->fold);
    switch (e->id) {
    case E_VERSION:
        d->version_text = v;
        break;
    case E_ORG:
        d->meta.org_name = v;
        break;
    case E_EMAIL:
        d->meta.email = v;
        break;
    case E_EXTRA:
        d->meta.extra_contact_info = v;
        break;
    case E_RID:
        d->meta.report_id = v;
        break;
    case E_GEN:
        d->meta.generator = v;
        break;
    case E_BEGIN:
    case E_END:
        if (!parse_time(v, e->id == E_BEGIN ? &d->meta.begin : &d->meta.end))
            mailauth_report__doc_fail(d, MAILAUTH_EINVAL, "<%s> is not a time: \"%.40s\"", e->name,
                                      v);
        break;
    case E_ERROR:
        if (v != NULL && d->meta.error_count < READ_MAX_ERRORS)
            d->errors[d->meta.error_count++] = v;
        break;
    case E_PDOMAIN:
        d->policy.domain = v;
        break;
    case E_PADKIM:
        d->policy.adkim = v;
        break;
    case E_PASPF:
        d->policy.aspf = v;
        break;
    case E_PP:
        d->policy.p = v;
        break;
    case E_PSP:
        d->policy.sp = v;
        break;
    case E_PNP:
        d->policy.np = v;
        break;
    case E_PPCT:
        d->policy.pct = v;
        break;
    case E_PFO:
        d->policy.fo = v;
        break;
    case E_PTESTING:
        d->policy.testing = v;
        break;
    case E_PDISC:
        d->policy.discovery_method = v;
        break;
    default:
        break;
    }
}

static void
store_rec(struct read_doc *d, const struct elem *e)
{
    const char *v = keep(d, &d->rec_arena, e->fold);
    switch (e->id) {
    case E_SRCIP:
        d->rec.source_ip = v;
        break;
    case E_COUNT:
        parse_count(d, v);
        break;
    case E_DISP:
        d->rec.disposition = v;
        break;
    case E_PEDKIM:
        d->rec.dkim_aligned = v;
        break;
    case E_PESPF:
        d->rec.spf_aligned = v;
        break;
    case E_RTYPE:
        d->reasons[d->rec.reason_count - 1].type = v;
        break;
    case E_RCOMMENT:
        d->reasons[d->rec.reason_count - 1].comment = v;
        break;
    case E_HFROM:
        d->rec.header_from = v;
        break;
    case E_EFROM:
        d->rec.envelope_from = v;
        break;
    case E_ETO:
        d->rec.envelope_to = v;
        break;
    case E_ADDOMAIN:
        d->dkim[d->rec.dkim_count - 1].domain = v;
        break;
    case E_ADSEL:
        d->dkim[d->rec.dkim_count - 1].selector = v;
        break;
    case E_ADRES:
        d->dkim[d->rec.dkim_count - 1].result = v;
        break;
    case E_ADHUMAN:
        d->dkim[d->rec.dkim_count - 1].human_result = v;
        break;
    case E_ASDOMAIN:
        d->spf[d->rec.spf_count - 1].domain = v;
        break;
    case E_ASSCOPE:
        d->spf[d->rec.spf_count - 1].scope = v;
        break;
    case E_ASRES:
        d->spf[d->rec.spf_count - 1].result = v;
        break;
    case E_ASHUMAN:
        d->spf[d->rec.spf_count - 1].human_result = v;
        break;
    default:
        break;
    }
}

void
mailauth_report__doc_end(struct read_doc *d, enum read_eid id)
{
    const struct elem *e;
    if (id == E_RECORD) {
        emit_record(d);
        d->in_record = false;
        return;
    }
    if (id == E_FEEDBACK) {
        emit_begin(d); /* a report without records still has its metadata */
        return;
    }
    if (!mailauth_report__doc_is_leaf(id) || (e = elem_of(id)) == NULL || !first_time(d, e))
        return;
    if (e->scope == S_DOC)
        store_doc(d, e);
    else
        store_rec(d, e);
}
