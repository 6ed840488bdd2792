/* The reader's entry points: a path (file, mbox, Maildir folder) or bytes
 * in memory, and the payload dispatch that finds by content what a file,
 * a MIME part or a zip member holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "read_internal.h"

void
mailauth_report_read_limits_init(mailauth_report_read_limits_t *lim)
{
    if (lim == NULL)
        return;
    *lim = (mailauth_report_read_limits_t){
        .version = MAILAUTH_REPORT_STRUCT_VERSION,
        .max_decompressed = (uint64_t)256 << 20,
        .max_ratio = 250,
        .max_message = (size_t)64 << 20,
        .max_zip_members = 64,
        .max_depth = 16,
        .max_elements = (uint64_t)16 << 20,
        .max_record_elements = 256,
        .max_outside_elements = 1024,
        .max_text = 65536,
        .max_nesting = 8,
        .max_parts = 256,
    };
}

#define DEFAULT(field)                                                                             \
    do {                                                                                           \
        if (l.field == 0)                                                                          \
            l.field = def.field;                                                                   \
    } while (0)

mailauth_status_t
mailauth_report_reader_new(const mailauth_report_read_limits_t *limits,
                           const mailauth_report_read_cbs_t *cbs, void *user,
                           mailauth_report_reader_t **out)
{
    mailauth_report_read_limits_t def, l;
    mailauth_report_reader_t     *rd;
    if (out != NULL)
        *out = NULL;
    if (cbs == NULL || out == NULL || cbs->version != MAILAUTH_REPORT_STRUCT_VERSION ||
        (limits != NULL && limits->version != MAILAUTH_REPORT_STRUCT_VERSION))
        return MAILAUTH_EINVAL;
    mailauth_report_read_limits_init(&def);
    l = limits != NULL ? *limits : def;
    DEFAULT(max_decompressed);
    DEFAULT(max_ratio);
    DEFAULT(max_message);
    DEFAULT(max_zip_members);
    DEFAULT(max_depth);
    DEFAULT(max_elements);
    DEFAULT(max_record_elements);
    DEFAULT(max_outside_elements);
    DEFAULT(max_text);
    DEFAULT(max_nesting);
    DEFAULT(max_parts);
    rd = calloc(1, sizeof(*rd));
    if (rd == NULL)
        return MAILAUTH_ENOMEM;
    xmlInitParser(); /* once is enough; libxml2 wants it before threads use it */
    rd->lim = l;
    rd->cbs = *cbs;
    rd->user = user;
    *out = rd;
    return MAILAUTH_OK;
}

void
mailauth_report_reader_free(mailauth_report_reader_t *rd)
{
    free(rd);
}

void
mailauth_report__end(mailauth_report__job_t *job, mailauth_status_t st, const char *why)
{
    const mailauth_report_read_cbs_t *cbs = &job->rd->cbs;
    if (st != MAILAUTH_OK && job->first == MAILAUTH_OK)
        job->first = st;
    if (cbs->end != NULL)
        cbs->end(job->rd->user, &job->where, st, st == MAILAUTH_OK ? NULL : why);
}

/* A member or attachment name, kept printable: bytes that are not
 * printable ASCII, or not part of a valid UTF-8 sequence, become '?'. */
void
mailauth_report__set_member(mailauth_report__job_t *job, const char *name, size_t len)
{
    size_t o = 0;
    if (name == NULL) {
        job->where.member = NULL;
        return;
    }
    for (size_t i = 0; i < len && o + 5 < sizeof(job->member); i++) {
        unsigned char c = (unsigned char)name[i];
        size_t        k = c >= 0xf0 && c < 0xf5 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : 0;
        bool          ok = c >= 0x20 && c < 0x7f;
        if (c >= 0x80 && k > 0 && i + k < len) {
            ok = true;
            for (size_t j = 1; j <= k; j++)
                ok = ok && ((unsigned char)name[i + j] & 0xc0) == 0x80;
            if (ok) {
                memcpy(job->member + o, name + i, k + 1);
                o += k + 1;
                i += k;
                continue;
            }
        }
        job->member[o++] = ok && c < 0x80 ? (char)c : '?';
    }
    job->member[o] = '\0';
    job->where.member = job->member;
}

static void
read_compressed(mailauth_report__job_t *job, mailauth_report__src_t *src, bool message_ok)
{
    mailauth_report__src_t z;
    mailauth_status_t      st = mailauth_report__src_inflate(&z, job, src);
    if (st != MAILAUTH_OK) {
        mailauth_report__end(job, st, "out of memory");
        return;
    }
    mailauth_report__read_payload(job, &z, message_ok);
    mailauth_report__src_close(&z);
}

static void
read_buffered(mailauth_report__job_t *job, mailauth_report__src_t *src, bool zip)
{
    uint8_t          *buf = NULL;
    size_t            len = 0;
    mailauth_status_t st = mailauth_report__slurp(src, job->rd->lim.max_message, &buf, &len);
    if (st != MAILAUTH_OK) {
        mailauth_report__end(job, st,
                             st == MAILAUTH_ENOMEM     ? "out of memory"
                             : job->src_why[0] != '\0' ? job->src_why
                                                       : "unreadable");
        return;
    }
    if (zip)
        mailauth_report__read_zip_mem(job, buf, len);
    else
        mailauth_report__read_message(job, buf, len);
    free(buf);
}

/* What the bytes of src are, by their first bytes; then read them. A
 * message is taken only where one may stand (a file, an mbox entry, an
 * attached message/rfc822), not inside a compressed stream. */
void
mailauth_report__read_payload(mailauth_report__job_t *job, mailauth_report__src_t *src,
                              bool message_ok)
{
    mailauth_report__peek_t pk;
    mailauth_report__kind_t kind;
    if (++job->nesting > job->rd->lim.max_nesting) {
        mailauth_report__end(job, MAILAUTH_ELIMIT, "containers nested too deep");
        job->nesting--;
        return;
    }
    job->src_st = MAILAUTH_OK;
    job->src_why[0] = '\0';
    kind = mailauth_report__peek_init(&pk, src);
    if (job->src_st != MAILAUTH_OK) {
        mailauth_report__end(job, job->src_st, job->src_why);
        job->nesting--;
        return;
    }
    switch (kind) {
    case MAILAUTH_REPORT__KIND_XML:
        mailauth_report__read_xml(job, &pk.src);
        break;
    case MAILAUTH_REPORT__KIND_GZIP:
    case MAILAUTH_REPORT__KIND_ZLIB:
        read_compressed(job, &pk.src, false);
        break;
    case MAILAUTH_REPORT__KIND_ZIP:
        read_buffered(job, &pk.src, true);
        break;
    case MAILAUTH_REPORT__KIND_MESSAGE:
    case MAILAUTH_REPORT__KIND_MBOX:
        if (message_ok) {
            read_buffered(job, &pk.src, false);
            break;
        }
        mailauth_report__end(job, MAILAUTH_EINVAL, "a message where a report was expected");
        break;
    case MAILAUTH_REPORT__KIND_EMPTY:
        mailauth_report__end(job, MAILAUTH_EINVAL, "empty: no report");
        break;
    case MAILAUTH_REPORT__KIND_JSON:
        mailauth_report__end(job, MAILAUTH_ENOTSUP,
                             "JSON (an SMTP TLS report?), not a DMARC report");
        break;
    default:
        mailauth_report__end(job, MAILAUTH_EINVAL,
                             "not a DMARC report (neither XML, gzip, zip nor a message)");
        break;
    }
    job->nesting--;
}
