/* The intake of one message (msg/msg.h): header fields into an index under
 * the ctx limits, the phase rules, whole messages and raw streams through
 * the splitter, body bytes as CRLF to the consumer. The eval, the DKIM
 * signer and the ARC sealer are all fed through it, so a field is taken,
 * kept or refused the same way whichever of them reads the message. */
#include "msg/msg.h"

#include <string.h>

#include "util/alloc.h"
#include "util/str.h"

void
mailauth__intake_init(mailauth__intake_t *in, mailauth__arena_t *a, const mailauth_allocator_t *al,
                      size_t max_count, size_t max_bytes, const mailauth__intake_ops_t *ops,
                      void *ud)
{
    memset(in, 0, sizeof(*in));
    in->ops = ops;
    in->ud = ud;
    in->al = al;
    in->max_count = max_count;
    in->max_bytes = max_bytes;
    /* The limits are the intake's: it also counts the fields it does not keep. */
    mailauth__hdr_index_init(&in->hdrs, a, max_count, 0);
}

void
mailauth__intake_init_env(mailauth__intake_t *in, mailauth__arena_t *a, const mailauth__env_t *env,
                          const mailauth__intake_ops_t *ops, void *ud)
{
    mailauth__intake_init(in, a, &env->al,
                          mailauth__env_limit(env, MAILAUTH_LIMIT_HEADER_MAX_COUNT),
                          mailauth__env_limit(env, MAILAUTH_LIMIT_HEADER_MAX_BYTES), ops, ud);
}

void
mailauth__intake_clear(mailauth__intake_t *in)
{
    if (in != NULL && in->stream != NULL) {
        mailauth__msg_stream_clear(in->stream);
        mailauth__free(in->al, in->stream);
        in->stream = NULL;
    }
}

/* RFC 5322 §3.6.8: ftext is printable US-ASCII except ':'. */
static bool
is_ftext(int c)
{
    return c >= 33 && c <= 126 && c != ':';
}

/* The name of a piece the splitter cut at hold bytes (over-long, so to be
 * refused): its leading ftext when only WSP follows it (the splitter
 * reads name and WSP as far as it keeps bytes); 0 when the piece is not
 * the start of a field. *whole: the name ended (WSP came after it). */
static size_t
cut_name_len(const char *f, size_t len, bool *whole)
{
    size_t i = 0, j = 0;
    while (i < len && is_ftext((unsigned char)f[i]))
        i++;
    for (j = i; j < len && mailauth__is_wsp((unsigned char)f[j]);)
        j++;
    *whole = j > i;
    return j == len ? i : 0;
}

static mailauth_status_t
refuse(mailauth__intake_t *in, const char *name, size_t len, bool whole)
{
    in->refused++;
    mailauth__hdr_index_note_refused(&in->hdrs, name, len, whole);
    if (in->ops->refused != NULL)
        in->ops->refused(in->ud, name, len, whole);
    return MAILAUTH_OK;
}

/* One field: `wire` says it comes from the splitter (CRLF-normalized, no
 * line end, maybe cut at max_bytes + 3), else from the caller. */
static mailauth_status_t
take(mailauth__intake_t *in, const char *field, size_t len, bool wire)
{
    mailauth__hdr_shape_t sh;
    size_t                name_len = 0;
    bool                  whole = true, over = false;
    mailauth_status_t     st = MAILAUTH_OK;
    mailauth__hdr_shape(field, len, !wire, &sh);
    name_len = sh.name_len;
    over = (in->max_count != 0 && in->taken >= in->max_count) ||
           (in->max_bytes != 0 && sh.len + sh.extra > in->max_bytes);
    if (name_len == 0 && wire && over)
        name_len = cut_name_len(field, len, &whole);
    if (name_len == 0)
        return MAILAUTH_EINVAL;
    in->phase = MAILAUTH__INTAKE_HEADERS;
    if (over)
        return refuse(in, field, name_len, whole);
    if (in->ops->keep == NULL || in->ops->keep(in->ud, field, name_len))
        st = mailauth__hdr_index_put(&in->hdrs, field, &sh);
    if (st == MAILAUTH_OK)
        in->taken++;
    return st;
}

static mailauth_status_t
end_headers(mailauth__intake_t *in)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (in->phase > MAILAUTH__INTAKE_HEADERS)
        return MAILAUTH_ESTATE;
    st = in->ops->end_headers(in->ud);
    if (st != MAILAUTH_OK) {
        in->phase = MAILAUTH__INTAKE_HEADERS; /* ended nothing: a retry may follow */
        return st;
    }
    in->phase = MAILAUTH__INTAKE_BODY;
    in->prev_cr = false;
    return MAILAUTH_OK;
}

/* ---------------------------------------------------------------- the splitter's sink */

static mailauth_status_t
wire_header(void *ud, const char *field, size_t len)
{
    mailauth__intake_t *in = ud;
    mailauth_status_t   st = MAILAUTH_OK;
    if (in->phase > MAILAUTH__INTAKE_HEADERS)
        return MAILAUTH_ESTATE;
    st = take(in, field, len, true);
    /* The splitter hands on only fields (or over-long lines it takes for
     * fields): anything else would still be a piece of the message taken,
     * of a name nobody can tell. */
    return st == MAILAUTH_EINVAL ? refuse(in, "", 0, false) : st;
}

static mailauth_status_t
wire_end_headers(void *ud)
{
    return end_headers(ud);
}

static mailauth_status_t
wire_body(void *ud, const void *p, size_t n)
{
    mailauth__intake_t *in = ud;
    if (in->phase != MAILAUTH__INTAKE_BODY)
        return MAILAUTH_ESTATE;
    return in->ops->body(in->ud, p, n); /* already CRLF */
}

static const mailauth__msg_sink_t wire_sink = {
    .header = wire_header, .end_headers = wire_end_headers, .body = wire_body};

/* The splitter keeps max_field + 3 bytes of a field: "no limit" must not wrap. */
static size_t
split_max(const mailauth__intake_t *in)
{
    return in->max_bytes != 0 ? in->max_bytes : SIZE_MAX - 3;
}

/* ---------------------------------------------------------------- feeding */

mailauth_status_t
mailauth__intake_header(mailauth__intake_t *in, const char *field, size_t len)
{
    if (in == NULL || (field == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (in->streaming || in->phase > MAILAUTH__INTAKE_HEADERS)
        return MAILAUTH_ESTATE;
    return take(in, field != NULL ? field : "", len, false);
}

mailauth_status_t
mailauth__intake_end_headers(mailauth__intake_t *in)
{
    if (in == NULL)
        return MAILAUTH_EINVAL;
    return in->streaming ? MAILAUTH_ESTATE : end_headers(in);
}

mailauth_status_t
mailauth__intake_body(mailauth__intake_t *in, const void *chunk, size_t len)
{
    if (in == NULL || (chunk == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (in->streaming || in->phase != MAILAUTH__INTAKE_BODY)
        return MAILAUTH_ESTATE;
    /* A bare LF is a line end too: it reaches the consumer as CRLF. */
    return mailauth__body_lf_to_crlf(&in->prev_cr, chunk, len, in->ops->body, in->ud);
}

mailauth_status_t
mailauth__intake_message(mailauth__intake_t *in, const void *msg, size_t len)
{
    mailauth__msg_sink_t sink = wire_sink;
    if (in == NULL || (msg == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (in->streaming || in->phase != MAILAUTH__INTAKE_NEW)
        return MAILAUTH_ESTATE;
    sink.ud = in;
    return mailauth__msg_split(in->al, msg, len, split_max(in), &sink);
}

mailauth_status_t
mailauth__intake_feed(mailauth__intake_t *in, const void *chunk, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (in == NULL || (chunk == NULL && len != 0))
        return MAILAUTH_EINVAL;
    if (in->phase == MAILAUTH__INTAKE_ENDED ||
        (!in->streaming && in->phase != MAILAUTH__INTAKE_NEW))
        return MAILAUTH_ESTATE;
    if (!in->streaming) {
        mailauth__msg_sink_t sink = wire_sink;
        sink.ud = in;
        in->stream = mailauth__malloc(in->al, sizeof(*in->stream));
        if (in->stream == NULL)
            return MAILAUTH_ENOMEM;
        st = mailauth__msg_stream_init(in->stream, in->al, split_max(in), &sink);
        if (st != MAILAUTH_OK) {
            mailauth__free(in->al, in->stream);
            in->stream = NULL;
            return st;
        }
        in->streaming = true;
    }
    return mailauth__msg_stream_feed(in->stream, chunk, len);
}

mailauth_status_t
mailauth__intake_end(mailauth__intake_t *in)
{
    mailauth_status_t st = MAILAUTH_OK;
    if (in == NULL)
        return MAILAUTH_EINVAL;
    if (in->phase == MAILAUTH__INTAKE_ENDED)
        return MAILAUTH_ESTATE;
    if (in->stream != NULL) {
        /* Its soft status is always OK: the sink counts refusals itself. */
        st = mailauth__msg_stream_end(in->stream);
        if (st != MAILAUTH_OK)
            return st; /* a stopped stream answers the same error again */
        mailauth__intake_clear(in);
    }
    if (in->phase != MAILAUTH__INTAKE_BODY)
        return MAILAUTH_ESTATE;
    in->phase = MAILAUTH__INTAKE_ENDED;
    return MAILAUTH_OK;
}

bool
mailauth__intake_started(const mailauth__intake_t *in)
{
    return in->phase != MAILAUTH__INTAKE_NEW || in->streaming;
}

mailauth__intake_phase_t
mailauth__intake_phase(const mailauth__intake_t *in)
{
    return in->phase;
}

const mailauth__hdr_index_t *
mailauth__intake_fields(const mailauth__intake_t *in)
{
    return &in->hdrs;
}

size_t
mailauth__intake_refused(const mailauth__intake_t *in)
{
    return in->refused;
}

void
mailauth__intake_keep_refused(mailauth__intake_t *in, mailauth__arena_t *a)
{
    in->hdrs.rarena = a;
}

void
mailauth__intake_release_fields(mailauth__intake_t *in)
{
    mailauth__hdr_index_release(&in->hdrs);
}
