/* Fuzz target: RFC 5322 message intake (lib/msg/msg_split.c, hdr_index.c)
 * and mailauth_eval_message() on top of it.
 *
 * The input is a whole message. First it is split with a checking sink;
 * invariants (abort() on violation):
 *  - every field starts with a field name and a ':' (RFC 5322 §3.6.8), has
 *    no line end at its end, and (when under the copy limit) no bare LF;
 *    every line end inside a field is followed by WSP (§2.2.3 folding);
 *  - end_headers() comes exactly once, before any body byte;
 *  - the body has no bare LF and is exactly as long as the body bytes of
 *    the input plus one CR per bare LF (nothing lost, nothing invented).
 * Then the message is fed to an evaluation (small header limits, so the
 * ELIMIT paths run), finished over an empty zone, its header index checked
 * and its Authentication-Results formatted. No leak, no sanitizer report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

#include "core/eval_int.h"
#include "msg/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELD 512u /* small, so long fields take the raw (uncopied) path */
#define MAX_COUNT 32u

struct watch {
    int    ended;   /* end_headers() calls */
    size_t fields;  /* header() calls */
    size_t body;    /* body bytes */
    int    prev_cr; /* last body byte was CR */
};

static void
check(int ok)
{
    if (!ok)
        abort();
}

static mailauth_status_t
w_header(void *ud, const char *f, size_t n)
{
    struct watch *w = ud;
    size_t        colon = 0;
    check(!w->ended);
    check(mailauth__hdr_name_len(f, n, &colon) > 0 && colon < n);
    check(f[n - 1] != '\n');
    for (size_t i = 0; i < n; i++) {
        if (f[i] != '\n')
            continue;
        check(i + 1 < n && (f[i + 1] == ' ' || f[i + 1] == '\t'));
        if (n <= MAX_FIELD)
            check(i > 0 && f[i - 1] == '\r');
    }
    w->fields++;
    return MAILAUTH_OK;
}

static mailauth_status_t
w_end(void *ud)
{
    struct watch *w = ud;
    check(w->ended++ == 0);
    return MAILAUTH_OK;
}

static mailauth_status_t
w_body(void *ud, const void *p, size_t n)
{
    struct watch        *w = ud;
    const unsigned char *b = p;
    check(w->ended == 1 && n > 0);
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\n')
            check(w->prev_cr); /* bare LF must have become CRLF, across chunk ends too */
        w->prev_cr = b[i] == '\r';
    }
    w->body += n;
    return MAILAUTH_OK;
}

/* Where the body starts in the input, by the splitter's rules (an empty line,
 * or the first line that is neither a field nor a continuation). */
static size_t
body_start(const char *m, size_t len)
{
    size_t pos = 0;
    if (len >= 5 && memcmp(m, "From ", 5) == 0) {
        const char *lf = memchr(m, '\n', len);
        pos = lf != NULL ? (size_t)(lf - m) + 1 : len;
    }
    while (pos < len) {
        const char *lf = memchr(m + pos, '\n', len - pos);
        size_t      end = lf != NULL ? (size_t)(lf - m) : len;
        size_t      next = lf != NULL ? end + 1 : len;
        size_t      cend = (lf != NULL && end > pos && m[end - 1] == '\r') ? end - 1 : end;
        if (cend == pos)
            return next;
        if (m[pos] != ' ' && m[pos] != '\t' &&
            mailauth__hdr_name_len(m + pos, cend - pos, NULL) == 0)
            return pos;
        pos = next;
    }
    return len;
}

static void
check_split(const char *m, size_t len)
{
    mailauth__msg_sink_t sink = {NULL, w_header, w_end, w_body};
    struct watch         w;
    size_t               start = body_start(m, len), bare = 0;
    mailauth_status_t    st;
    memset(&w, 0, sizeof(w));
    sink.ud = &w;
    st = mailauth__msg_split(NULL, m, len, MAX_FIELD, &sink);
    check(st == MAILAUTH_OK);
    check(w.ended == 1);
    for (size_t i = start; i < len; i++)
        bare += m[i] == '\n' && (i == start || m[i - 1] != '\r');
    check(w.body == len - start + bare);
}

static void
check_index(const mailauth_eval_t *ev)
{
    size_t n = mailauth__hdr_index_count(&ev->hdrs);
    check(n <= MAX_COUNT);
    for (size_t i = 0; i < n; i++) {
        const mailauth__hdr_t *h = mailauth__hdr_index_get(&ev->hdrs, i);
        check(h != NULL && h->len <= MAX_FIELD && h->name_len > 0 && h->raw[h->len] == '\0');
        check(h->value >= h->raw && h->value + h->value_len == h->raw + h->len);
    }
    check(mailauth__hdr_index_get(&ev->hdrs, n) == NULL);
}

static void
run_eval(const char *m, size_t len)
{
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev = NULL;
    mailauth_status_t    st;
    char                 out[4096];
    check(mailauth_ctx_new(NULL, &ctx) == MAILAUTH_OK);
    check(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES, MAX_FIELD) == MAILAUTH_OK);
    check(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_COUNT, MAX_COUNT) == MAILAUTH_OK);
    check(mailauth_ctx_set_methods(ctx, MAILAUTH_METHOD_SPF) == MAILAUTH_OK);
    check(mailauth_resolver_new_zone(ctx, "", 0, NULL, &r) == MAILAUTH_OK);
    check(mailauth_eval_new(ctx, r, &ev) == MAILAUTH_OK);
    st = mailauth_eval_message(ev, m, len);
    check(st == MAILAUTH_OK || st == MAILAUTH_ELIMIT || st == MAILAUTH_EINVAL);
    check_index(ev);
    /* After the message, feeding more is a state error. */
    check(mailauth_eval_header(ev, "X: y", 4) == MAILAUTH_ESTATE);
    check(mailauth_eval_finish_sync(ev, 1000) == MAILAUTH_OK);
    check(mailauth_eval_authres(ev) != NULL);
    st = mailauth_authres_format(mailauth_eval_authres(ev), out, sizeof(out), NULL);
    check(st == MAILAUTH_OK);
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_split((const char *)data, size);
    run_eval((const char *)data, size);
    return 0;
}
