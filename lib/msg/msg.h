/* Internal: RFC 5322 message intake: header field index and whole-buffer splitter.
 *
 * The header index keeps every field as received (folding kept, trailing
 * CRLF removed) in an arena, in order, for DKIM, DMARC and ARC to look up.
 * The splitter cuts a whole message buffer into header fields, end of
 * headers and body bytes, and hands them to a sink (the eval's feeding
 * functions, or a test). Both are bounded: one field at most max_bytes, at
 * most max_count fields; the splitter never copies more than one field.
 */
#ifndef MAILAUTH__MSG_H
#define MAILAUTH__MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/status.h>

#include "util/arena.h"

/* One header field. All pointers into one arena copy of the field; a NUL
 * follows raw[len] (not counted), though NUL bytes may occur inside. */
typedef struct mailauth__hdr {
    const char *raw; /* "Name: value" as received, folding kept, no trailing CRLF */
    size_t      len;
    size_t      name_len; /* raw[0..name_len) is the field name, WSP before ':' excluded */
    const char *value;    /* bytes after the ':' (leading WSP kept), up to raw + len */
    size_t      value_len;
} mailauth__hdr_t;

typedef struct mailauth__hdr_index {
    mailauth__arena_t *arena;
    mailauth__hdr_t   *v;
    size_t             n, cap;
    size_t             max_count; /* MAILAUTH_LIMIT_HEADER_MAX_COUNT */
    size_t             max_bytes; /* MAILAUTH_LIMIT_HEADER_MAX_BYTES */
    size_t             refused;   /* fields dropped by a limit (verdicts may want to know) */
} mailauth__hdr_index_t;

void mailauth__hdr_index_init(mailauth__hdr_index_t *idx, mailauth__arena_t *a, size_t max_count,
                              size_t max_bytes);

/* RFC 5322 §3.6.8 field name check on the start of a field: ftext+ then
 * optional WSP (obsolete syntax, §4.5) then ':'. Returns the name length
 * (WSP excluded) and sets *colon to the offset of ':'; 0 if not a field. */
size_t mailauth__hdr_name_len(const char *field, size_t len, size_t *colon);

/* Add a field (one trailing CRLF or LF is removed). Copied to the arena.
 * MAILAUTH_OK, MAILAUTH_EINVAL (not "name:value"), MAILAUTH_ELIMIT (over
 * max_bytes or max_count: dropped and counted in `refused`), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__hdr_index_add(mailauth__hdr_index_t *idx, const char *field,
                                          size_t len);

size_t mailauth__hdr_index_count(const mailauth__hdr_index_t *idx);
/* Field i in received order (0 = top), or NULL. */
const mailauth__hdr_t *mailauth__hdr_index_get(const mailauth__hdr_index_t *idx, size_t i);
/* Next field named `name` (case-insensitive) at or after *pos, top-down;
 * *pos is left just past it. NULL when there is none. */
const mailauth__hdr_t *mailauth__hdr_index_next(const mailauth__hdr_index_t *idx, const char *name,
                                                size_t *pos);
/* Previous field named `name` strictly before *pos, bottom-up (RFC 6376
 * §5.4.2 order for h=); start with *pos = count. NULL when there is none. */
const mailauth__hdr_t *mailauth__hdr_index_prev(const mailauth__hdr_index_t *idx, const char *name,
                                                size_t *pos);

/* Receiver of a split message. header() gets one whole field with internal
 * line ends as CRLF and no trailing CRLF; body() gets CRLF-normalized bytes.
 * A sink returning MAILAUTH_ELIMIT or MAILAUTH_EINVAL does not stop the
 * split; any other error does. */
typedef struct mailauth__msg_sink {
    void *ud;
    mailauth_status_t (*header)(void *ud, const char *field, size_t len);
    mailauth_status_t (*end_headers)(void *ud);
    mailauth_status_t (*body)(void *ud, const void *p, size_t n);
} mailauth__msg_sink_t;

/* Split a whole message (RFC 5322 §2.1: fields, empty line, body).
 * Lines end at LF (CRLF or bare LF); a bare CR is an ordinary byte; NUL
 * bytes are kept. A line starting with WSP continues the previous field.
 * A first line "From " (mbox separator) is skipped. A line that is not a
 * field ends the header section and starts the body; no empty line at all
 * means everything is header. Bare LF becomes CRLF. Fields longer than
 * max_field are passed raw (the sink refuses them).
 * Returns MAILAUTH_OK, or the first MAILAUTH_ELIMIT/MAILAUTH_EINVAL a sink
 * reported (after splitting everything), or the error that stopped it. */
mailauth_status_t mailauth__msg_split(const mailauth_allocator_t *al, const void *msg, size_t len,
                                      size_t max_field, const mailauth__msg_sink_t *sink);

#endif
