/* Fuzz target: RFC 5322 message intake (lib/msg/msg_stream.c under
 * msg_split.c, hdr_index.c) and mailauth_eval_message() on top of it.
 *
 * The input is a whole message. First it is split with a checking sink;
 * invariants (abort() on violation):
 *  - every field within the limit starts with a field name and a ':'
 *    (RFC 5322 §3.6.8), has no line end at its end, and every line end
 *    inside it is CRLF followed by WSP (§2.2.3 folding); a field over the
 *    limit is at most MAX_FIELD + 3 bytes (its first bytes), still without
 *    bare LF, and starts with a name (a ':' may lie beyond the cut);
 *  - end_headers() comes exactly once, before any body byte;
 *  - the body has no bare LF and is exactly as long as the body bytes of
 *    the input plus one CR per bare LF (nothing lost, nothing invented).
 * Then the same bytes go through a mailauth__msg_stream_t three times:
 * in pieces whose sizes the input's own bytes choose, one byte at a time,
 * and in two pieces cut at an input-chosen point; each run must give the
 * same fields, end of headers, body bytes and status as the whole split.
 * Then the message is fed to an evaluation (small header limits, so the
 * ELIMIT paths run), finished over an empty zone, its header index checked
 * and its Authentication-Results formatted; once keeping the header fields
 * to the end, once as an MTA would (released at the end of the header
 * section). No leak, no sanitizer report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

#include "core/eval_int.h"
#include "msg/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELD 512u        /* small, so long fields take the over-long (cut) path */
#define HOLD (MAX_FIELD + 3u) /* bytes of an over-long field the sink is shown */
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

static int
is_ftext(unsigned char c)
{
    return c >= 33 && c <= 126 && c != ':';
}

/* Length of the ftext+ WSP* run at the start of f (the name part). */
static size_t
name_run(const char *f, size_t n)
{
    size_t i = 0;
    while (i < n && is_ftext((unsigned char)f[i]))
        i++;
    if (i == 0)
        return 0;
    while (i < n && (f[i] == ' ' || f[i] == '\t'))
        i++;
    return i;
}

static mailauth_status_t
w_header(void *ud, const char *f, size_t n)
{
    struct watch *w = ud;
    size_t        colon = 0;
    check(!w->ended && n > 0);
    if (n > MAX_FIELD) {
        /* its first bytes: a name then ':', or a name run filling the cut */
        check(n <= HOLD);
        check(mailauth__hdr_name_len(f, n, &colon) > 0 || name_run(f, n) == n);
    } else {
        check(mailauth__hdr_name_len(f, n, &colon) > 0 && colon < n);
        check(f[n - 1] != '\n');
    }
    for (size_t i = 0; i < n; i++) {
        if (f[i] != '\n')
            continue;
        check(i > 0 && f[i - 1] == '\r');
        check(i + 1 == n ? n > MAX_FIELD : (f[i + 1] == ' ' || f[i + 1] == '\t'));
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
        /* msg.h: a name run reaching HOLD bytes is an over-long field */
        if (m[pos] != ' ' && m[pos] != '\t' && name_run(m + pos, cend - pos) < HOLD &&
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

/* ---- the stream against the whole split ---- */

struct rec {
    char             *log; /* 'H' + length + bytes, 'E' */
    size_t            len, cap;
    char             *body; /* every body byte, however grouped */
    size_t            blen, bcap;
    mailauth_status_t st;
};

static void
rec_put(char **b, size_t *len, size_t *cap, const void *p, size_t n)
{
    if (*len + n > *cap) {
        size_t c = *cap != 0 ? *cap : 256;
        while (c < *len + n)
            c *= 2;
        *b = realloc(*b, c);
        check(*b != NULL);
        *cap = c;
    }
    if (n != 0)
        memcpy(*b + *len, p, n);
    *len += n;
}

static mailauth_status_t
r_header(void *ud, const char *f, size_t n)
{
    struct rec *r = ud;
    rec_put(&r->log, &r->len, &r->cap, "H", 1);
    rec_put(&r->log, &r->len, &r->cap, &n, sizeof(n));
    rec_put(&r->log, &r->len, &r->cap, f, n);
    return n > MAX_FIELD ? MAILAUTH_ELIMIT : MAILAUTH_OK; /* as the header index */
}

static mailauth_status_t
r_end(void *ud)
{
    struct rec *r = ud;
    rec_put(&r->log, &r->len, &r->cap, "E", 1);
    return MAILAUTH_OK;
}

static mailauth_status_t
r_body(void *ud, const void *p, size_t n)
{
    struct rec *r = ud;
    check(n > 0);
    rec_put(&r->body, &r->blen, &r->bcap, p, n);
    return MAILAUTH_OK;
}

/* Size of piece number `idx` at `pos`: mode 0 from the input's bytes
 * (1..64), mode 1 one byte, mode 2 two pieces cut where the byte sum says
 * (the first may be empty). */
static size_t
piece(const char *m, size_t len, size_t pos, size_t idx, int mode)
{
    size_t sum = 0;
    if (mode == 1)
        return 1;
    if (mode == 0)
        return 1 + (unsigned char)m[pos] % 64u;
    if (idx != 0)
        return len - pos;
    for (size_t i = 0; i < len; i++)
        sum += (unsigned char)m[i];
    return sum % (len + 1);
}

static void
record(struct rec *r, const char *m, size_t len, int mode)
{
    mailauth__msg_sink_t   sink = {r, r_header, r_end, r_body};
    mailauth__msg_stream_t s;
    mailauth_status_t      st = MAILAUTH_OK;
    memset(r, 0, sizeof(*r));
    if (mode < 0) {
        r->st = mailauth__msg_split(NULL, m, len, MAX_FIELD, &sink);
        return;
    }
    check(mailauth__msg_stream_init(&s, NULL, MAX_FIELD, &sink) == MAILAUTH_OK);
    for (size_t pos = 0, idx = 0; pos < len && st == MAILAUTH_OK; idx++) {
        size_t k = piece(m, len, pos, idx, mode);
        if (k > len - pos)
            k = len - pos;
        st = mailauth__msg_stream_feed(&s, m + pos, k);
        pos += k;
    }
    check(st == MAILAUTH_OK);
    r->st = mailauth__msg_stream_end(&s);
    mailauth__msg_stream_clear(&s);
}

static void
check_stream(const char *m, size_t len)
{
    struct rec whole = {0}, cut = {0};
    record(&whole, m, len, -1);
    for (int mode = 0; mode < 3; mode++) {
        record(&cut, m, len, mode);
        check(cut.st == whole.st && cut.len == whole.len && cut.blen == whole.blen);
        check(whole.len == 0 || memcmp(cut.log, whole.log, whole.len) == 0);
        check(whole.blen == 0 || memcmp(cut.body, whole.body, whole.blen) == 0);
        free(cut.log);
        free(cut.body);
    }
    free(whole.log);
    free(whole.body);
}

/* The fields the eval kept (keep: it was told to keep them; otherwise
 * they were released at the end of the header section and only their
 * count is left). */
static void
check_index(const mailauth_eval_t *ev, int keep)
{
    size_t n = mailauth__hdr_index_count(mailauth__eval_headers(ev));
    check(n <= MAX_COUNT);
    check(keep || ev->harena.used == 0);
    for (size_t i = 0; i < n; i++) {
        const mailauth__hdr_t *h = mailauth__hdr_index_get(mailauth__eval_headers(ev), i);
        if (!keep) {
            check(h == NULL);
            continue;
        }
        check(h != NULL && h->len <= MAX_FIELD && h->name_len > 0 && h->raw[h->len] == '\0');
        check(h->value >= h->raw && h->value + h->value_len == h->raw + h->len);
    }
    check(mailauth__hdr_index_get(mailauth__eval_headers(ev), n) == NULL);
}

static void
run_eval(const char *m, size_t len, int keep)
{
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev = NULL;
    mailauth_status_t    st;
    const mailauth_authres_t *ar = NULL;
    char                 out[4096];
    check(mailauth_ctx_new(NULL, &ctx) == MAILAUTH_OK);
    check(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES, MAX_FIELD) == MAILAUTH_OK);
    check(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_COUNT, MAX_COUNT) == MAILAUTH_OK);
    check(mailauth_ctx_set_methods(ctx, MAILAUTH_METHOD_SPF) == MAILAUTH_OK);
    check(mailauth_resolver_new_zone(ctx, "", 0, NULL, &r) == MAILAUTH_OK);
    check(mailauth_eval_new(ctx, r, &ev) == MAILAUTH_OK);
    if (keep)
        mailauth__eval_keep_headers(ev);
    st = mailauth_eval_message(ev, m, len);
    check(st == MAILAUTH_OK); /* refused fields are counted, not errors */
    check_index(ev, keep);
    /* After the message, feeding more is a state error. */
    check(mailauth_eval_header(ev, "X: y", 4) == MAILAUTH_ESTATE);
    check(mailauth_eval_finish_sync(ev, 1000) == MAILAUTH_OK);
    check(mailauth_eval_authres(ev, &ar) == MAILAUTH_OK);
    st = mailauth_authres_format(ar, out, sizeof(out), NULL);
    check(st == MAILAUTH_OK);
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_split((const char *)data, size);
    check_stream((const char *)data, size);
    run_eval((const char *)data, size, 1);
    run_eval((const char *)data, size, 0);
    return 0;
}
