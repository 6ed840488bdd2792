/* Recording sink for the message splitter, and a reference splitter.
 *
 * A recording keeps what a mailauth__msg_sink_t was told: header fields and
 * end of headers in order, all body bytes joined (how they were grouped
 * into body() calls is not part of it), and any misuse (body before end of
 * headers, end of headers twice, an empty body call, a field after the end
 * of headers). Two recordings are compared with msg_events_same().
 *
 * The sink answers MAILAUTH_ELIMIT for a field over max_field, as the
 * header index does. With fold_over, such a field is recorded as "over"
 * without its bytes: the whole-buffer rules as first written passed an
 * over-long field whole, the stream passes its first bytes; both are
 * refused, which is what a sink can observe. */
#ifndef MAILAUTH_TEST_MSG_EVENTS_H
#define MAILAUTH_TEST_MSG_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "msg/msg.h"

typedef struct msg_events {
    char             *log; /* 'H' + size_t length + bytes | 'O' (over, with fold_over) | 'E' */
    size_t            len, cap;
    char             *body;
    size_t            blen, bcap;
    size_t            max_field;
    bool              fold_over;
    size_t            fields, body_calls;
    int               ended;  /* end_headers() calls */
    bool              misuse; /* the splitter broke the sink contract */
    mailauth_status_t result; /* what the split returned (set by the caller) */
} msg_events_t;

void                 msg_events_init(msg_events_t *e, size_t max_field, bool fold_over);
void                 msg_events_clear(msg_events_t *e);
mailauth__msg_sink_t msg_events_sink(msg_events_t *e);
/* Same fields, same end of headers, same body bytes, same result, no misuse. */
bool msg_events_same(const msg_events_t *a, const msg_events_t *b);
/* One line, CR/LF/NUL/non-ASCII escaped, at most `max` bytes of it. */
void msg_events_print(const msg_events_t *e, FILE *f, size_t max);

/* The whole-buffer rules of mailauth__msg_split as first written (before
 * the stream), restated independently: records into e (use fold_over) and
 * sets e->result. */
void msg_events_reference(msg_events_t *e, const char *m, size_t len);

/* How msg_stream_run() cuts a message: `first` bytes, then pieces of `step`
 * bytes (0: the rest at once), or, with a seed, pieces of pseudo-random
 * sizes (1..300) after the first. */
typedef struct msg_plan {
    size_t   first, step;
    unsigned seed;
} msg_plan_t;

/* Feed m to a fresh mailauth__msg_stream_t as planned (an empty feed
 * first), end and clear it. The first error of feed(), else what end()
 * returned. */
mailauth_status_t msg_stream_run(const mailauth_allocator_t *al, const char *m, size_t len,
                                 size_t max_field, const mailauth__msg_sink_t *sink,
                                 msg_plan_t plan);

/* Read a file whole (malloc'd, NUL after it); NULL if it cannot be read. */
char *msg_events_read_file(const char *path, size_t *len);

#endif
