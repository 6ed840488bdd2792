/* The report reader's internals: byte sources that stack (file, memory,
 * base64, quoted-printable, inflate, zip member), the job that carries the
 * caps and the error text, and the readers of each container. */
#ifndef MAILAUTH_REPORT_READ_INTERNAL_H
#define MAILAUTH_REPORT_READ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/report.h>

struct mailauth_report_reader {
    mailauth_report_read_limits_t lim;
    mailauth_report_read_cbs_t    cbs;
    void                         *user;
};

/* One file being read: where we are, the first failure, the nesting. */
typedef struct mailauth_report__job {
    mailauth_report_reader_t    *rd;
    mailauth_report_read_where_t where;
    char                         member[256]; /* where.member points here when set */
    mailauth_status_t            first;       /* first non-OK end status */
    unsigned                     nesting;
    mailauth_status_t            src_st; /* a source's failure, with src_why */
    char                         src_why[200];
} mailauth_report__job_t;

/* A byte source: read() gives 1..n bytes, 0 at the end, -1 on failure
 * (the job's src_st / src_why say why). */
typedef struct mailauth_report__src mailauth_report__src_t;
struct mailauth_report__src {
    long (*read)(mailauth_report__src_t *s, uint8_t *buf, size_t n);
    void (*close)(mailauth_report__src_t *s); /* may be NULL */
    mailauth_report__job_t *job;
    void                   *state;
};

/* A source with the first bytes held back so the content can be looked at. */
typedef struct mailauth_report__peek {
    mailauth_report__src_t  src; /* reads the held bytes, then the rest */
    mailauth_report__src_t *under;
    uint8_t                 head[64];
    size_t                  have, pos;
} mailauth_report__peek_t;

typedef enum {
    MAILAUTH_REPORT__KIND_EMPTY,
    MAILAUTH_REPORT__KIND_UNKNOWN,
    MAILAUTH_REPORT__KIND_XML,
    MAILAUTH_REPORT__KIND_GZIP,
    MAILAUTH_REPORT__KIND_ZLIB,
    MAILAUTH_REPORT__KIND_ZIP,
    MAILAUTH_REPORT__KIND_MBOX,
    MAILAUTH_REPORT__KIND_MESSAGE,
    MAILAUTH_REPORT__KIND_JSON
} mailauth_report__kind_t;

/* read_src.c */
void mailauth_report__src_fail(mailauth_report__job_t *job, mailauth_status_t st, const char *fmt,
                               ...) __attribute__((format(printf, 3, 4)));
void mailauth_report__src_mem(mailauth_report__src_t *s, mailauth_report__job_t *job,
                              const uint8_t *p, size_t n, void *state_space);
void mailauth_report__src_fd(mailauth_report__src_t *s, mailauth_report__job_t *job, int fd);
mailauth_status_t mailauth_report__src_inflate(mailauth_report__src_t *s,
                                               mailauth_report__job_t *job,
                                               mailauth_report__src_t *under);
long              mailauth_report__src_read(mailauth_report__src_t *s, uint8_t *buf, size_t n);
void              mailauth_report__src_close(mailauth_report__src_t *s);
mailauth_report__kind_t mailauth_report__peek_init(mailauth_report__peek_t *pk,
                                                   mailauth_report__src_t  *under);
mailauth_report__kind_t mailauth_report__kind_of(const uint8_t *p, size_t n);
/* All of a source into a malloc'd buffer of at most max bytes. */
mailauth_status_t mailauth_report__slurp(mailauth_report__src_t *s, size_t max, uint8_t **out,
                                         size_t *len);

/* read_codec.c: MIME transfer decodings over a memory slice. */
mailauth_status_t mailauth_report__src_base64(mailauth_report__src_t *s,
                                              mailauth_report__job_t *job, const uint8_t *p,
                                              size_t n);
mailauth_status_t mailauth_report__src_qp(mailauth_report__src_t *s, mailauth_report__job_t *job,
                                          const uint8_t *p, size_t n);

/* read_xml.c: one XML document from a source; calls begin/record/end. */
void mailauth_report__read_xml(mailauth_report__job_t *job, mailauth_report__src_t *src);

/* read_path.c: a payload of any kind (what a part or member holds). */
void mailauth_report__read_payload(mailauth_report__job_t *job, mailauth_report__src_t *src,
                                   bool message_ok);
void mailauth_report__end(mailauth_report__job_t *job, mailauth_status_t st, const char *why);
void mailauth_report__set_member(mailauth_report__job_t *job, const char *name, size_t len);

/* read_zip.c: every member of a zip held in memory, or of a zip file. */
void mailauth_report__read_zip_mem(mailauth_report__job_t *job, const uint8_t *p, size_t n);
void mailauth_report__read_zip_path(mailauth_report__job_t *job, const char *path);

/* read_mime.c: a whole message in memory; every report part. */
void mailauth_report__read_message(mailauth_report__job_t *job, const uint8_t *p, size_t n);

/* read_util.c */
typedef struct mailauth_report__arena_chunk mailauth_report__arena_chunk_t;
typedef struct mailauth_report__arena {
    mailauth_report__arena_chunk_t *head;
} mailauth_report__arena_t;
/* A NUL-terminated copy of p[0..n) with surrounding white space removed,
 * lower-cased when fold; NULL for an empty value (and *oom on failure). */
const char *mailauth_report__arena_str(mailauth_report__arena_t *a, const char *p, size_t n,
                                       bool fold, bool *oom);
void        mailauth_report__arena_reset(mailauth_report__arena_t *a);
bool        mailauth_report__ascii_ieq(const char *a, size_t alen, const char *b);

#endif
