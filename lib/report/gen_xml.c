/* libmailauth-report: the RFC 9990 aggregate report document (Appendix A
 * schema, namespace urn:ietf:params:xml:ns:dmarc-2.0), written with
 * libxml2's xmlTextWriter. Optional values the schema would refuse are
 * left out; required ones make the call fail with MAILAUTH_EINVAL. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "gen_int.h"

#define NS "urn:ietf:params:xml:ns:dmarc-2.0"

struct wr {
    xmlTextWriterPtr w;
    int              err; /* a libxml2 call failed */
};

static const xmlChar *
X(const char *s)
{
    return (const xmlChar *)s;
}

static void
open_el(struct wr *w, const char *name)
{
    if (xmlTextWriterStartElement(w->w, X(name)) < 0)
        w->err = 1;
}

static void
close_el(struct wr *w)
{
    if (xmlTextWriterEndElement(w->w) < 0)
        w->err = 1;
}

static void
text_el(struct wr *w, const char *name, const char *value)
{
    if (value == NULL)
        return;
    if (xmlTextWriterWriteElement(w->w, X(name), X(value)) < 0)
        w->err = 1;
}

static void
u64_el(struct wr *w, const char *name, uint64_t v)
{
    char num[32];
    (void)snprintf(num, sizeof(num), "%" PRIu64, v);
    text_el(w, name, num);
}

static void
i64_el(struct wr *w, const char *name, int64_t v)
{
    char num[32];
    (void)snprintf(num, sizeof(num), "%" PRId64, v);
    text_el(w, name, num);
}

static bool
one_of(const char *v, const char *const *words)
{
    if (v == NULL)
        return false;
    for (; *words != NULL; words++)
        if (strcmp(v, *words) == 0)
            return true;
    return false;
}

static const char *const policy_words[] = {"none", "quarantine", "reject", NULL};
static const char *const align_words[] = {"r", "s", NULL};
static const char *const yn_words[] = {"n", "y", NULL};
static const char *const discovery_words[] = {"psl", "treewalk", NULL};
static const char *const disposition_words[] = {"none", "pass", "quarantine", "reject", NULL};
static const char *const passfail_words[] = {"pass", "fail", NULL};
static const char *const override_words[] = {"local_policy",     "mailing_list",      "other",
                                             "policy_test_mode", "trusted_forwarder", NULL};
static const char *const spf_words[] = {"none",    "pass",      "fail",      "softfail", "policy",
                                        "neutral", "temperror", "permerror", NULL};

/* An optional element whose value must be one of `words`. */
static void
enum_el(struct wr *w, const char *name, const char *value, const char *const *words)
{
    if (one_of(value, words))
        text_el(w, name, value);
}

static void
write_meta(struct wr *w, const mailauth_report_meta_t *m)
{
    open_el(w, "report_metadata");
    text_el(w, "org_name", m->org_name);
    text_el(w, "email", m->email);
    text_el(w, "extra_contact_info", m->extra_contact_info);
    text_el(w, "report_id", m->report_id);
    open_el(w, "date_range");
    i64_el(w, "begin", m->begin);
    i64_el(w, "end", m->end);
    close_el(w);
    if (m->error_count > 0) {
        /* The schema allows one `error`: the messages are joined. */
        mailauth_report__buf_t b = {0};
        for (size_t i = 0; i < m->error_count; i++) {
            if (m->errors[i] == NULL)
                continue;
            if (b.len > 0)
                mailauth_report__buf_str(&b, "; ");
            mailauth_report__buf_str(&b, m->errors[i]);
        }
        if (b.failed)
            w->err = 1;
        else if (b.len > 0)
            text_el(w, "error", b.data);
        mailauth_report__buf_clear(&b);
    }
    text_el(w, "generator", m->generator);
    close_el(w);
}

static void
write_policy(struct wr *w, const mailauth_report_policy_t *p)
{
    open_el(w, "policy_published");
    text_el(w, "domain", p->domain);
    text_el(w, "p", p->p);
    enum_el(w, "sp", p->sp, policy_words);
    enum_el(w, "np", p->np, policy_words);
    enum_el(w, "adkim", p->adkim, align_words);
    enum_el(w, "aspf", p->aspf, align_words);
    enum_el(w, "discovery_method", p->discovery_method, discovery_words);
    text_el(w, "fo", p->fo);
    enum_el(w, "testing", p->testing, yn_words);
    close_el(w);
}

static void
write_reason(struct wr *w, const mailauth_report_reason_t *r)
{
    open_el(w, "reason");
    if (one_of(r->type, override_words)) {
        text_el(w, "type", r->type);
        text_el(w, "comment", r->comment);
    } else {
        /* forwarded, sampled_out (RFC 7489) have no word in RFC 9990. */
        text_el(w, "type", "other");
        if (r->comment != NULL && r->type != NULL) {
            mailauth_report__buf_t c = {0};
            mailauth_report__buf_fmt(&c, "%s: %s", r->type, r->comment);
            if (c.failed)
                w->err = 1;
            else
                text_el(w, "comment", c.data);
            mailauth_report__buf_clear(&c);
        } else {
            text_el(w, "comment", r->type != NULL ? r->type : r->comment);
        }
    }
    close_el(w);
}

static void
write_row(struct wr *w, const mailauth_report_record_t *r)
{
    open_el(w, "row");
    text_el(w, "source_ip", r->source_ip);
    u64_el(w, "count", r->count);
    open_el(w, "policy_evaluated");
    text_el(w, "disposition", r->disposition);
    text_el(w, "dkim", r->dkim_aligned);
    text_el(w, "spf", r->spf_aligned);
    for (size_t i = 0; i < r->reason_count; i++)
        write_reason(w, &r->reasons[i]);
    close_el(w);
    close_el(w);
}

static void
write_auth(struct wr *w, const mailauth_report_record_t *r)
{
    size_t idx[MAILAUTH_REPORT__DKIM_MAX];
    size_t n = mailauth_report__dkim_order(r, idx);
    open_el(w, "auth_results");
    for (size_t i = 0; i < n; i++) {
        const mailauth_report_dkim_t *d = &r->dkim[idx[i]];
        open_el(w, "dkim");
        text_el(w, "domain", d->domain);
        text_el(w, "selector", d->selector != NULL ? d->selector : "");
        text_el(w, "result", d->result);
        text_el(w, "human_result", d->human_result);
        close_el(w);
    }
    for (size_t i = 0; i < r->spf_count; i++) {
        const mailauth_report_spf_t *s = &r->spf[i];
        /* RFC 9990 reports the MAIL FROM identity only (scope mfrom). */
        if (s->scope != NULL && strcmp(s->scope, "mfrom") != 0)
            continue;
        if (s->domain == NULL || !one_of(s->result, spf_words))
            continue;
        open_el(w, "spf");
        text_el(w, "domain", s->domain);
        text_el(w, "scope", "mfrom");
        text_el(w, "result", s->result);
        text_el(w, "human_result", s->human_result);
        close_el(w);
        break;
    }
    close_el(w);
}

static void
write_record(struct wr *w, const mailauth_report_record_t *r)
{
    open_el(w, "record");
    write_row(w, r);
    open_el(w, "identifiers");
    text_el(w, "header_from", r->header_from);
    text_el(w, "envelope_from", r->envelope_from);
    text_el(w, "envelope_to", r->envelope_to);
    close_el(w);
    write_auth(w, r);
    close_el(w);
}

static bool
record_ok(const mailauth_report_record_t *r)
{
    if (r->source_ip == NULL || r->header_from == NULL || r->count == 0)
        return false;
    if (!one_of(r->disposition, disposition_words) || !one_of(r->dkim_aligned, passfail_words) ||
        !one_of(r->spf_aligned, passfail_words))
        return false;
    if (r->reason_count > 0 && r->reasons == NULL)
        return false;
    if ((r->dkim_count > 0 && r->dkim == NULL) || (r->spf_count > 0 && r->spf == NULL))
        return false;
    return true;
}

static bool
inputs_ok(const mailauth_report_meta_t *m, const mailauth_report_policy_t *p,
          const mailauth_report_record_t *records, size_t count)
{
    if (m->org_name == NULL || m->email == NULL || m->report_id == NULL || m->end < m->begin)
        return false;
    if (m->error_count > 0 && m->errors == NULL)
        return false;
    if (p->domain == NULL || !one_of(p->p, policy_words) || records == NULL || count == 0)
        return false;
    for (size_t i = 0; i < count; i++)
        if (!record_ok(&records[i]))
            return false;
    return true;
}

mailauth_status_t
mailauth_report__xml_write(const mailauth_report_meta_t   *meta,
                           const mailauth_report_policy_t *policy,
                           const mailauth_report_record_t *records, size_t count,
                           mailauth_report__buf_t *b)
{
    struct wr    w = {0};
    xmlBufferPtr xb;
    if (!inputs_ok(meta, policy, records, count))
        return MAILAUTH_EINVAL;
    xb = xmlBufferCreate();
    if (xb == NULL)
        return MAILAUTH_ENOMEM;
    w.w = xmlNewTextWriterMemory(xb, 0);
    if (w.w == NULL) {
        xmlBufferFree(xb);
        return MAILAUTH_ENOMEM;
    }
    if (xmlTextWriterSetIndent(w.w, 1) < 0 || xmlTextWriterSetIndentString(w.w, X("  ")) < 0 ||
        xmlTextWriterStartDocument(w.w, "1.0", "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElementNS(w.w, NULL, X("feedback"), X(NS)) < 0)
        w.err = 1;
    text_el(&w, "version", "1.0");
    write_meta(&w, meta);
    write_policy(&w, policy);
    for (size_t i = 0; i < count && !w.err; i++)
        write_record(&w, &records[i]);
    close_el(&w);
    if (xmlTextWriterEndDocument(w.w) < 0)
        w.err = 1;
    xmlFreeTextWriter(w.w);
    if (!w.err)
        mailauth_report__buf_add(b, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
    if (w.err)
        return MAILAUTH_EINVAL;
    return b->failed ? MAILAUTH_ENOMEM : MAILAUTH_OK;
}
