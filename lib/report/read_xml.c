/* One aggregate report document, streamed through libxml2's xmlTextReader:
 * no entity expansion, no DTD loading, no network (a DOCTYPE or an entity
 * reference ends the report: reports have neither), depth, element and
 * text caps. Memory follows the largest record: each record's strings are
 * dropped once the record was handed to the caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "read_xml.h"

#define RATIFIED_NS "urn:ietf:params:xml:ns:dmarc-2.0" /* RFC 9990 §3 */

static int
io_read(void *ctx, char *buf, int len)
{
    mailauth_report__src_t *src = ctx;
    long                    got;
    if (len <= 0)
        return 0;
    got = mailauth_report__src_read(src, (uint8_t *)buf, (size_t)len);
    return got < 0 ? -1 : (int)got;
}

static int
io_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static void
on_xml_error(void *arg, xmlErrorPtr err)
{
    struct read_doc *d = arg;
    char             msg[160];
    size_t           n;
    if (err == NULL || err->level < XML_ERR_ERROR)
        return;
    (void)snprintf(msg, sizeof(msg), "%s", err->message != NULL ? err->message : "XML error");
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    mailauth_report__doc_fail(d, MAILAUTH_EINVAL, "not well-formed XML: line %d: %s", err->line,
                              msg);
}

static bool
text_add(struct read_doc *d, const char *p, size_t n)
{
    if (d->text_len + n > d->lim->max_text) {
        mailauth_report__doc_fail(d, MAILAUTH_ELIMIT, "an element's text is over %zu bytes",
                                  d->lim->max_text);
        return false;
    }
    if (d->text_len + n + 1 > d->text_cap) {
        size_t cap = d->text_cap == 0 ? 256 : d->text_cap;
        char  *nt;
        while (cap < d->text_len + n + 1)
            cap *= 2;
        nt = realloc(d->text, cap);
        if (nt == NULL) {
            mailauth_report__doc_fail(d, MAILAUTH_ENOMEM, "out of memory");
            return false;
        }
        d->text = nt;
        d->text_cap = cap;
    }
    memcpy(d->text + d->text_len, p, n);
    d->text_len += n;
    d->text[d->text_len] = '\0';
    return true;
}

static bool
count_element(struct read_doc *d, enum read_eid id)
{
    const mailauth_report_read_limits_t *lim = d->lim;
    if (++d->elements > lim->max_elements) {
        mailauth_report__doc_fail(d, MAILAUTH_ELIMIT, "more than %llu XML elements",
                                  (unsigned long long)lim->max_elements);
        return false;
    }
    if (d->in_record && ++d->rec_elements > lim->max_record_elements) {
        mailauth_report__doc_fail(d, MAILAUTH_ELIMIT, "more than %u elements in one <record>",
                                  lim->max_record_elements);
        return false;
    }
    if (!d->in_record && id != E_RECORD && ++d->outside_elements > lim->max_outside_elements) {
        mailauth_report__doc_fail(d, MAILAUTH_ELIMIT, "more than %u elements outside <record>",
                                  lim->max_outside_elements);
        return false;
    }
    return true;
}

static void
element_end(struct read_doc *d)
{
    enum read_eid id = (enum read_eid)d->stack[d->depth];
    d->depth--;
    if (id < E_UNKNOWN)
        mailauth_report__doc_end(d, id);
}

static void
element_start(struct read_doc *d, xmlTextReaderPtr r)
{
    const char   *name = (const char *)xmlTextReaderConstLocalName(r);
    enum read_eid parent = (enum read_eid)d->stack[d->depth];
    enum read_eid id;
    if (name == NULL)
        name = "";
    if (d->depth >= d->lim->max_depth || d->depth >= READ_MAX_DEPTH) {
        mailauth_report__doc_fail(d, MAILAUTH_ELIMIT, "XML nested deeper than %u elements",
                                  d->lim->max_depth);
        return;
    }
    id = mailauth_report__doc_child(parent, name);
    if (!count_element(d, id))
        return;
    if (!d->root_seen) {
        const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);
        d->root_seen = true;
        if (id != E_FEEDBACK) {
            mailauth_report__doc_fail(d, MAILAUTH_ENOTSUP,
                                      "not a DMARC aggregate report (root element <%.40s>)", name);
            return;
        }
        d->ns2 = ns != NULL && strcmp(ns, RATIFIED_NS) == 0;
    }
    d->stack[++d->depth] = (uint8_t)id;
    d->text_len = 0;
    if (id < E_UNKNOWN)
        mailauth_report__doc_start(d, id);
    if (xmlTextReaderIsEmptyElement(r) == 1)
        element_end(d);
}

static void
on_node(struct read_doc *d, xmlTextReaderPtr r)
{
    int         type = xmlTextReaderNodeType(r);
    const char *v;
    switch (type) {
    case XML_READER_TYPE_ELEMENT:
        element_start(d, r);
        break;
    case XML_READER_TYPE_END_ELEMENT:
        if (d->depth > 0)
            element_end(d);
        break;
    case XML_READER_TYPE_TEXT:
    case XML_READER_TYPE_CDATA:
    case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        if (!mailauth_report__doc_is_leaf((enum read_eid)d->stack[d->depth]))
            break;
        v = (const char *)xmlTextReaderConstValue(r);
        if (v != NULL)
            (void)text_add(d, v, strlen(v));
        break;
    case XML_READER_TYPE_DOCUMENT_TYPE:
        mailauth_report__doc_fail(d, MAILAUTH_EINVAL,
                                  "a DOCTYPE (DTDs and entities are not read in reports)");
        break;
    case XML_READER_TYPE_ENTITY_REFERENCE:
    case XML_READER_TYPE_ENTITY:
        mailauth_report__doc_fail(d, MAILAUTH_EINVAL, "an entity reference (not expanded)");
        break;
    default:
        break;
    }
}

static void
doc_clear(struct read_doc *d)
{
    mailauth_report__arena_reset(&d->doc_arena);
    mailauth_report__arena_reset(&d->rec_arena);
    free(d->text);
}

static void
run(struct read_doc *d, mailauth_report__src_t *src)
{
    /* RFC 9990 reports need nothing of DTDs: XML_PARSE_NONET, and neither
     * XML_PARSE_NOENT nor XML_PARSE_DTDLOAD (nor XML_PARSE_HUGE). */
    int              opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlTextReaderPtr r = xmlReaderForIO(io_read, io_close, src, NULL, NULL, opts);
    int              ret = 1;
    if (r == NULL) {
        mailauth_report__doc_fail(d, MAILAUTH_ENOMEM, "out of memory");
        return;
    }
    xmlTextReaderSetStructuredErrorHandler(r, on_xml_error, d);
    while (d->st == MAILAUTH_OK && (ret = xmlTextReaderRead(r)) == 1)
        on_node(d, r);
    if (d->st == MAILAUTH_OK && ret < 0)
        mailauth_report__doc_fail(d, MAILAUTH_EINVAL, "not well-formed XML");
    xmlFreeTextReader(r);
}

void
mailauth_report__read_xml(mailauth_report__job_t *job, mailauth_report__src_t *src)
{
    struct read_doc *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        mailauth_report__end(job, MAILAUTH_ENOMEM, "out of memory");
        return;
    }
    d->job = job;
    d->lim = &job->rd->lim;
    d->meta.version = MAILAUTH_REPORT_STRUCT_VERSION;
    d->policy.version = MAILAUTH_REPORT_STRUCT_VERSION;
    job->src_st = MAILAUTH_OK;
    run(d, src);
    if (job->src_st != MAILAUTH_OK) /* the bytes under the XML failed: say that */
        mailauth_report__end(job, job->src_st, job->src_why);
    else if (d->st != MAILAUTH_OK)
        mailauth_report__end(job, d->st, d->why);
    else if (!d->root_seen)
        mailauth_report__end(job, MAILAUTH_EINVAL, "no XML document (empty)");
    else
        mailauth_report__end(job, MAILAUTH_OK, NULL);
    doc_clear(d);
    free(d);
}
