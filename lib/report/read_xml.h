/* The aggregate report document: the elements the reader knows (RFC 9990
 * §3 and RFC 7489 Appendix C share their names), and the state of one
 * document being read. read_xml.c walks the XML; read_xml_fields.c keeps
 * the values. */
#ifndef MAILAUTH_REPORT_READ_XML_H
#define MAILAUTH_REPORT_READ_XML_H

#include "read_internal.h"

enum read_eid {
    E_NONE, /* above the root */
    E_FEEDBACK,
    E_VERSION,
    E_META,
    E_ORG,
    E_EMAIL,
    E_EXTRA,
    E_RID,
    E_DATE,
    E_BEGIN,
    E_END,
    E_GEN,
    E_ERROR,
    E_POL,
    E_PDOMAIN,
    E_PADKIM,
    E_PASPF,
    E_PP,
    E_PSP,
    E_PNP,
    E_PPCT,
    E_PFO,
    E_PTESTING,
    E_PDISC,
    E_RECORD,
    E_ROW,
    E_SRCIP,
    E_COUNT,
    E_PE,
    E_DISP,
    E_PEDKIM,
    E_PESPF,
    E_REASON,
    E_RTYPE,
    E_RCOMMENT,
    E_IDENT,
    E_HFROM,
    E_EFROM,
    E_ETO,
    E_AUTH,
    E_ADKIM,
    E_ADDOMAIN,
    E_ADSEL,
    E_ADRES,
    E_ADHUMAN,
    E_ASPF,
    E_ASDOMAIN,
    E_ASSCOPE,
    E_ASRES,
    E_ASHUMAN,
    E_UNKNOWN /* and everything below it: counted, not kept */
};

#define READ_MAX_DEPTH 64u
#define READ_MAX_AUTH 64u   /* dkim, spf, reason entries of one record */
#define READ_MAX_ERRORS 32u /* <error> elements of one report */

struct read_doc {
    mailauth_report__job_t              *job;
    const mailauth_report_read_limits_t *lim;
    mailauth_status_t                    st; /* first failure of the document */
    char                                 why[240];

    uint8_t  stack[READ_MAX_DEPTH + 1];
    unsigned depth;
    uint64_t elements;
    unsigned rec_elements, outside_elements;
    char    *text;
    size_t   text_len, text_cap;

    uint64_t                 seen_doc, seen_rec, seen_sub; /* leaves seen, per scope: duplicates */
    mailauth_report__arena_t doc_arena, rec_arena;

    bool                     root_seen, ns2, begun, in_record;
    const char              *version_text;
    mailauth_report_meta_t   meta;
    mailauth_report_policy_t policy;
    const char              *errors[READ_MAX_ERRORS];

    mailauth_report_record_t rec;
    mailauth_report_dkim_t   dkim[READ_MAX_AUTH];
    mailauth_report_spf_t    spf[READ_MAX_AUTH];
    mailauth_report_reason_t reasons[READ_MAX_AUTH];
};

void mailauth_report__doc_fail(struct read_doc *d, mailauth_status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The element named name under parent (E_UNKNOWN when it is none we know). */
enum read_eid mailauth_report__doc_child(enum read_eid parent, const char *name);
/* Whether the element's text is a value we keep. */
bool mailauth_report__doc_is_leaf(enum read_eid id);
/* A known element starts / ends (its text in d->text for a leaf). */
void mailauth_report__doc_start(struct read_doc *d, enum read_eid id);
void mailauth_report__doc_end(struct read_doc *d, enum read_eid id);

#endif
