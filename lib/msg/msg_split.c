/* Whole-buffer splitter: the streaming engine (msg_stream.c) over one buffer,
 * so a message split at once and one fed in chunks give the same fields. */
#include "msg/msg.h"

mailauth_status_t
mailauth__msg_split(const mailauth_allocator_t *al, const void *msg, size_t len, size_t max_field,
                    const mailauth__msg_sink_t *sink)
{
    mailauth__msg_stream_t s;
    mailauth_status_t      st = MAILAUTH_OK;
    if (msg == NULL && len != 0)
        return MAILAUTH_EINVAL;
    st = mailauth__msg_stream_init(&s, al, max_field, sink);
    if (st == MAILAUTH_OK)
        st = mailauth__msg_stream_feed(&s, msg, len);
    if (st == MAILAUTH_OK)
        st = mailauth__msg_stream_end(&s);
    mailauth__msg_stream_clear(&s);
    return st;
}
