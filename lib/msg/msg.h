/* Internal: RFC 5322 message intake: header field index, splitter, field
 * names and the intake object every consumer of a message is built on.
 *
 * The header index keeps every field as received (folding kept, trailing
 * CRLF removed) in an arena, in order, for DKIM, DMARC and ARC to look up.
 * The splitter cuts a message into header fields, end of headers and body
 * bytes, and hands them to a sink (the intake, the eval, or a test). It is
 * incremental (mailauth__msg_stream_*: bytes in chunks cut anywhere) and
 * mailauth__msg_split() is the same engine over one buffer. Both are
 * bounded: one field at most max_bytes, at most max_count fields; the
 * splitter keeps at most max_field + 3 bytes of one field and never copies
 * body bytes.
 *
 * The picker (hdr_pick.c) answers RFC 6376 §5.4.2 for signers and
 * verifiers alike; the intake (msg_intake.c) is what a verifier, a signer
 * or a sealer is fed through: header fields into an index under the
 * limits, the phase rules, whole messages and raw streams through the
 * splitter, body bytes as CRLF to one callback.
 */
#ifndef MAILAUTH__MSG_H
#define MAILAUTH__MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/status.h>

#include "util/arena.h"
#include "util/env.h"

/* One header field. All pointers into one arena copy of the field; a NUL
 * follows raw[len] (not counted), though NUL bytes may occur inside. */
typedef struct mailauth__hdr {
    const char *raw; /* "Name: value" as received, folding kept, no trailing CRLF */
    size_t      len;
    size_t      name_len; /* raw[0..name_len) is the field name, WSP before ':' excluded */
    const char *value;    /* bytes after the ':' (leading WSP kept), up to raw + len */
    size_t      value_len;
} mailauth__hdr_t;

/* The name of fields refused by a limit, and how many: a verdict that
 * needed such a field says so (MAILAUTH_REASON_LIMIT_FIELD). */
typedef struct mailauth__hdr_refused {
    const char *name; /* arena copy, not NUL-terminated */
    size_t      len;
    bool        prefix; /* only the name's beginning is known (an over-long name) */
    size_t      count;
} mailauth__hdr_refused_t;

#define MAILAUTH__HDR_REFUSED_NAMES 32 /* distinct names kept; more: any name may be refused */

typedef struct mailauth__hdr_index {
    mailauth__arena_t       *arena;
    mailauth__hdr_t         *v;
    size_t                   n, cap;
    size_t                   max_count; /* MAILAUTH_LIMIT_HEADER_MAX_COUNT */
    size_t                   max_bytes; /* MAILAUTH_LIMIT_HEADER_MAX_BYTES */
    size_t                   refused;   /* fields dropped by a limit (verdicts may want to know) */
    mailauth__hdr_refused_t *rnames;    /* MAILAUTH__HDR_REFUSED_NAMES, allocated on first use */
    size_t                   nrnames;
    mailauth__arena_t       *rarena; /* the refused names' arena (NULL: `arena`): they may
                                        outlive the fields */
    bool rmany;                      /* a name could not be kept: every name may be refused */
    bool released;                   /* the fields are gone (mailauth__hdr_index_release()) */
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

/* The same for a field that may hold bare LFs (a caller's own fields, as
 * a signer is given them): each becomes CRLF, as on the wire. */
mailauth_status_t mailauth__hdr_index_add_crlf(mailauth__hdr_index_t *idx, const char *field,
                                               size_t len);
/* What a field looks like, read once: its length without one trailing
 * CRLF or LF, the bare LFs that become CRLF (only when bare_lf: a caller's
 * own field; the splitter's are CRLF already), its name and colon
 * (name_len 0: not "name:value"). The intake checks its limits on it and
 * enters the field with mailauth__hdr_index_put() without reading it again. */
typedef struct mailauth__hdr_shape {
    size_t len, extra, name_len, colon;
} mailauth__hdr_shape_t;
void mailauth__hdr_shape(const char *field, size_t len, bool bare_lf, mailauth__hdr_shape_t *out);
/* Enter a field of that shape: as mailauth__hdr_index_add(). */
mailauth_status_t mailauth__hdr_index_put(mailauth__hdr_index_t *idx, const char *field,
                                          const mailauth__hdr_shape_t *sh);

/* Note a field refused by a limit: its name name[0..len) (only its
 * beginning when `whole` is false). Counted in `refused`; never fails (a
 * name that cannot be kept makes every name "may be refused"). */
void mailauth__hdr_index_note_refused(mailauth__hdr_index_t *idx, const char *name, size_t len,
                                      bool whole);
/* Fields named `name` (case-insensitive) refused by a limit: how many are
 * known, and whether there may have been one at all. */
size_t mailauth__hdr_index_refused_count(const mailauth__hdr_index_t *idx, const char *name);
bool   mailauth__hdr_index_may_be_refused(const mailauth__hdr_index_t *idx, const char *name);

/* Forget the fields (their arena is about to be cleared): from now on the
 * index answers no field, while count() still says how many were kept and
 * the refused names and counts stay (they live in `rarena`). */
void mailauth__hdr_index_release(mailauth__hdr_index_t *idx);

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

/* Receiver of a split message. header() gets one whole field with every
 * internal line end as CRLF and no trailing line end; body() gets
 * CRLF-normalized bytes, never 0 of them. Pointers are valid during the
 * call only. A field longer than max_field is reported once, by its first
 * min(length, max_field + 3) bytes: the sink must refuse a field over
 * max_field (mailauth__hdr_index_add() does: even with a trailing CRLF
 * removed it is still over). A sink returning MAILAUTH_ELIMIT or
 * MAILAUTH_EINVAL does not stop the split; any other error does. */
typedef struct mailauth__msg_sink {
    void *ud;
    mailauth_status_t (*header)(void *ud, const char *field, size_t len);
    mailauth_status_t (*end_headers)(void *ud);
    mailauth_status_t (*body)(void *ud, const void *p, size_t n);
} mailauth__msg_sink_t;

/* Body bytes as on the wire: CRLF and bare CR pass unchanged, each bare LF
 * reaches out() preceded by an added CR. *prev_cr carries "the last byte
 * fed was CR" across chunks (false before the first). out() gets no empty
 * piece and none over 64 KiB (a large chunk is handed on as it is
 * scanned); its first error stops the feed and is returned. */
typedef mailauth_status_t (*mailauth__bytes_fn)(void *ud, const void *p, size_t n);
mailauth_status_t mailauth__body_lf_to_crlf(bool *prev_cr, const void *chunk, size_t n,
                                            mailauth__bytes_fn out, void *ud);

/* How a message is split (RFC 5322 §2.1: fields, empty line, body):
 * Lines end at LF (CRLF or bare LF); a bare CR is an ordinary byte; NUL
 * bytes are kept. A line starting with WSP continues the previous field
 * (one before any field is dropped). A first line "From " (mbox separator)
 * is skipped. A line that is not a field ends the header section and
 * starts the body; no empty line at all means everything is header. Bare
 * LF becomes CRLF, in fields and body. Fields longer than max_field are
 * reported by their first bytes (see the sink). A line whose first
 * max_field + 3 bytes are all field-name characters and WSP, with no ':'
 * yet, is taken as an over-long field whatever follows: deciding it could
 * take unbounded memory (the only case where a line without ':' does not
 * start the body). */

/* Incremental splitter: the bytes of one message in chunks cut anywhere
 * (inside a field, between CR and LF) give exactly the sink calls the
 * whole message gives, except for how body bytes are grouped into body()
 * calls. Memory: one field buffer of at most max_field + 3 bytes, freed
 * at the end of the header section; body bytes pass straight from the
 * caller's chunk to the sink. Fields are all private; use the functions. */
typedef struct mailauth__msg_stream {
    const mailauth_allocator_t *al;
    mailauth__msg_sink_t        sink;
    size_t                      max_field;
    size_t                      hold;  /* bytes of one field kept: max_field + 3 */
    int                         state; /* msg_stream.c */
    char                       *buf;   /* first bytes of the current field, CRLF-normalized */
    size_t                      cap, kept;
    size_t flen; /* normalized length of the field so far (saturating), pending line end included */
    size_t fend; /* field length without its pending line end */
    bool   in_field; /* a field has begun (its name and ':' seen, or over-long) */
    bool   prev_cr;  /* the byte before the current one was CR (same line, or body) */
    char   start[5]; /* first bytes of the message, to recognise "From " */
    size_t nstart;
    mailauth_status_t soft;  /* first ELIMIT/EINVAL from the sink */
    mailauth_status_t error; /* the error that stopped the stream */
} mailauth__msg_stream_t;

/* Set up a stream for one message. `al` (NULL: the C library) must outlive
 * the stream; `*sink` is copied. Allocates nothing. MAILAUTH_OK, or
 * MAILAUTH_EINVAL (NULL stream or sink, or a sink callback missing). */
mailauth_status_t mailauth__msg_stream_init(mailauth__msg_stream_t     *s,
                                            const mailauth_allocator_t *al, size_t max_field,
                                            const mailauth__msg_sink_t *sink);

/* Feed the next n bytes (p may be NULL when n is 0). The sink is called
 * for whatever they complete; bytes are not kept beyond the call except
 * the current field's first bytes. MAILAUTH_OK (even if the sink refused a
 * piece: see end()), MAILAUTH_EINVAL (NULL arguments), MAILAUTH_ESTATE
 * (after end()), or the error that stopped the stream (MAILAUTH_ENOMEM or
 * a sink's): it then stays stopped and answers that error again. */
mailauth_status_t mailauth__msg_stream_feed(mailauth__msg_stream_t *s, const void *p, size_t n);

/* End of the message: the last field, end_headers() (always exactly once
 * per message, unless the stream stopped) and the last body bytes.
 * MAILAUTH_OK, the first MAILAUTH_ELIMIT/MAILAUTH_EINVAL a sink reported,
 * MAILAUTH_ESTATE (called twice), or the error that stopped the stream. */
mailauth_status_t mailauth__msg_stream_end(mailauth__msg_stream_t *s);

/* Free what the stream holds. Safe on a zeroed or already cleared stream. */
void mailauth__msg_stream_clear(mailauth__msg_stream_t *s);

/* Split a whole message: init, one feed, end, clear.
 * Returns MAILAUTH_OK, or the first MAILAUTH_ELIMIT/MAILAUTH_EINVAL a sink
 * reported (after splitting everything), or the error that stopped it
 * (MAILAUTH_EINVAL: msg NULL with len > 0, or a bad sink). */
mailauth_status_t mailauth__msg_split(const mailauth_allocator_t *al, const void *msg, size_t len,
                                      size_t max_field, const mailauth__msg_sink_t *sink);

/* ---------------------------------------------------------------- field names */

/* A set of field names, compared ASCII case-insensitively (RFC 5322
 * §1.2.2), numbered 0, 1, ... in the order they were added. Names are not
 * copied: they must outlive the set. Arena memory, sized once. */
typedef struct mailauth__name_set {
    size_t      *slot; /* per table slot: number + 1, or 0 when empty */
    size_t       mask; /* table size - 1: a power of two, at least twice max */
    const char **name; /* [max] */
    size_t      *len;
    size_t       n, max;
} mailauth__name_set_t;

#define MAILAUTH__NAME_NONE SIZE_MAX

/* Room for `max` names. MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__name_set_init(mailauth__name_set_t *ns, mailauth__arena_t *a,
                                          size_t max);
/* The number of `name`, or MAILAUTH__NAME_NONE. One probe: O(len). */
size_t mailauth__name_set_find(const mailauth__name_set_t *ns, const char *name, size_t len);
/* The number of `name`, added when new; MAILAUTH__NAME_NONE when the set is full. */
size_t mailauth__name_set_add(mailauth__name_set_t *ns, const char *name, size_t len);

/* ---------------------------------------------------------------- picker */

/* RFC 6376 §5.4.2, for every h= list made or checked (DKIM signer and
 * verifier, ARC sealer and verifier): "each h= entry takes the next unused
 * instance of its name from the bottom up; an entry with no instance left
 * contributes nothing". The fields of an index are grouped by name once
 * (O(fields)); then each entry costs one probe, so a list of any length
 * over a header of any size is O(fields + entries), also for hostile
 * input. Arena memory; the index must not change afterwards. */
typedef struct mailauth__hdr_pick mailauth__hdr_pick_t;

/* MAILAUTH_OK, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__hdr_pick_new(mailauth__arena_t *a, const mailauth__hdr_index_t *idx,
                                         mailauth__hdr_pick_t **out);
/* Start a list: every instance is unused again. O(distinct names). */
void mailauth__hdr_pick_begin(mailauth__hdr_pick_t *p);
/* The next unused instance of `name` from the bottom, or NULL. */
const mailauth__hdr_t *mailauth__hdr_pick_next(mailauth__hdr_pick_t *p, const char *name,
                                               size_t len);
/* How many fields are named `name`. */
size_t mailauth__hdr_pick_count(const mailauth__hdr_pick_t *p, const char *name, size_t len);

/* ---------------------------------------------------------------- intake */

/* One message in, for one consumer: the eval (verification), the DKIM
 * signer or the ARC sealer. The consumer embeds an intake, gives it its
 * arena, the ctx header limits and its operations, and forwards its
 * feeding calls to it:
 *
 *   header()        one field: kept in the index (if the consumer wants
 *                   that name), or refused by a limit: counted, reported
 *                   to ops->refused, and the call still returns MAILAUTH_OK
 *                   (a degraded result is the consumer's to report, not
 *                   an error); MAILAUTH_EINVAL only for bytes that are not
 *                   a header field at all;
 *   end_headers()   ops->end_headers(): the index is complete (start the
 *                   checks, ask for keys, set up the body hashes);
 *   body()          bytes with each bare LF made CRLF, to ops->body();
 *   message()       a whole message through the splitter: the fields, the
 *                   end of headers and the body (end() still to come);
 *   feed()          raw bytes of a message in chunks cut anywhere, through
 *                   the incremental splitter; end() ends the stream first;
 *   end()           the end of the message; the consumer then does its own
 *                   end work.
 *
 * Phases (RFC 5322 order): NEW (nothing yet: message() or feed() may
 * start) -> HEADERS (a field was taken or refused) -> BODY (end_headers
 * done) -> ENDED. A call out of order returns MAILAUTH_ESTATE and changes
 * nothing; after feed() only feed() and end() are accepted. The splitter
 * hands fields on already CRLF-normalized and the body to ops->body()
 * directly. A failed ops->end_headers() leaves the phase at HEADERS.
 *
 * Limits: at most max_count fields are taken (kept or not; 0: no limit),
 * none longer than max_bytes (CRLF-normalized, without its line end; 0: no
 * limit). Memory: the kept fields in the arena, and while streaming one
 * field buffer of at most max_bytes + 3 bytes (the consumer's allocator).
 *
 * The eval (lib/core/eval.c) embeds one like the signer and the sealer:
 * its ops start the message rows at end_headers(), fan the body out, and
 * log a refused field; its feeding functions check what only the eval
 * knows (the envelope closing, finishing, cancel) and forward. The names
 * of refused fields stay in the index (mailauth__hdr_index_may_be_refused())
 * for the verdicts that needed them. */
typedef enum mailauth__intake_phase {
    MAILAUTH__INTAKE_NEW = 0,
    MAILAUTH__INTAKE_HEADERS,
    MAILAUTH__INTAKE_BODY,
    MAILAUTH__INTAKE_ENDED,
} mailauth__intake_phase_t;

typedef struct mailauth__intake_ops {
    /* Keep fields named name[0..len) in the index? NULL: keep every field.
     * A field not kept still counts towards max_count. */
    bool (*keep)(void *ud, const char *name, size_t len);
    /* A field was refused by a limit (NULL: only counted). name[0..len) is
     * its name; when `whole` is false the name was longer than the bytes
     * the splitter keeps, and this is only its beginning (the real name
     * starts with it and is not shorter). */
    void (*refused)(void *ud, const char *name, size_t len, bool whole);
    /* The header section ended: the index holds every field kept. */
    mailauth_status_t (*end_headers)(void *ud);
    /* Body bytes, CRLF line ends, never 0 and at most 64 KiB of them. */
    mailauth_status_t (*body)(void *ud, const void *p, size_t n);
} mailauth__intake_ops_t;

/* Fields are private: use the functions. */
typedef struct mailauth__intake {
    const mailauth__intake_ops_t *ops;
    void                         *ud;
    const mailauth_allocator_t   *al;
    mailauth__hdr_index_t         hdrs; /* the fields kept, no limits of its own */
    size_t                        max_count, max_bytes;
    size_t                        taken;   /* fields taken, kept or not */
    size_t                        refused; /* fields refused by a limit */
    mailauth__intake_phase_t      phase;
    bool                          prev_cr;   /* body(): the last byte fed was CR */
    bool                          streaming; /* feed() started the splitter */
    /* feed()'s splitter, allocated by the first feed() and freed at end():
     * an intake given field by field (held while its body streams) keeps
     * no room for it. */
    mailauth__msg_stream_t *stream;
} mailauth__intake_t;

/* Set up the intake of one message. `a` holds the kept fields; `al` (NULL:
 * the C library's) the stream buffer; `ops` (static, all but keep and
 * refused required) and `ud` are kept. Allocates nothing. */
void mailauth__intake_init(mailauth__intake_t *in, mailauth__arena_t *a,
                           const mailauth_allocator_t *al, size_t max_count, size_t max_bytes,
                           const mailauth__intake_ops_t *ops, void *ud);
/* The same with the allocator and the header limits of an environment
 * (MAILAUTH_LIMIT_HEADER_MAX_COUNT, MAILAUTH_LIMIT_HEADER_MAX_BYTES), which
 * must outlive the intake: what the eval, the signer and the sealer use. */
void mailauth__intake_init_env(mailauth__intake_t *in, mailauth__arena_t *a,
                               const mailauth__env_t *env, const mailauth__intake_ops_t *ops,
                               void *ud);
/* Free the stream buffer, if any (the kept fields stay in the arena).
 * Safe on a zeroed or already cleared intake. */
void mailauth__intake_clear(mailauth__intake_t *in);

/* One whole field ("Name: value", folding kept, one trailing CRLF or LF
 * removed, each bare LF taken as CRLF); copied. MAILAUTH_OK (kept, not
 * wanted, or refused by a limit), MAILAUTH_EINVAL (NULL with len > 0, or
 * not a header field), MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__intake_header(mailauth__intake_t *in, const char *field, size_t len);
/* MAILAUTH_OK, MAILAUTH_ESTATE, or what ops->end_headers() returned. */
mailauth_status_t mailauth__intake_end_headers(mailauth__intake_t *in);
/* Body bytes, any chunking. MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE,
 * or the first error of ops->body(). */
mailauth_status_t mailauth__intake_body(mailauth__intake_t *in, const void *chunk, size_t len);
/* A whole message, only in phase NEW. MAILAUTH_OK when it was taken
 * (refused fields counted), MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM,
 * or an error of an operation (which stopped the split). */
mailauth_status_t mailauth__intake_message(mailauth__intake_t *in, const void *msg, size_t len);
/* Raw bytes, from phase NEW on. MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE,
 * MAILAUTH_ENOMEM, or an operation's error (the stream then stays stopped
 * and answers it again). */
mailauth_status_t mailauth__intake_feed(mailauth__intake_t *in, const void *chunk, size_t len);
/* End of the message (after feed(): the stream's last field, end of
 * headers and body first). MAILAUTH_OK, MAILAUTH_ESTATE (not in phase BODY,
 * or ended already), or the error that stopped the stream. */
mailauth_status_t mailauth__intake_end(mailauth__intake_t *in);

mailauth__intake_phase_t mailauth__intake_phase(const mailauth__intake_t *in);
/* Has any part of the message been taken (a field, or raw bytes fed)? */
bool mailauth__intake_started(const mailauth__intake_t *in);
/* The fields kept, in order (valid for the arena's life). */
const mailauth__hdr_index_t *mailauth__intake_fields(const mailauth__intake_t *in);
/* Fields refused by a limit so far. */
size_t mailauth__intake_refused(const mailauth__intake_t *in);
/* Keep the names of refused fields in `a` (an arena that outlives the
 * fields'): before the first field. */
void mailauth__intake_keep_refused(mailauth__intake_t *in, mailauth__arena_t *a);
/* The consumer is done with the fields (see mailauth__hdr_index_release());
 * it then clears their arena. Only in phase BODY or later. */
void mailauth__intake_release_fields(mailauth__intake_t *in);

#endif
