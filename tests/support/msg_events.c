/* Recording sink and reference splitter for the msg tests (see msg_events.h). */
#include "support/msg_events.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
grow_put(char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
    if (*len + n > *cap) {
        size_t c = *cap != 0 ? *cap : 256;
        while (c < *len + n)
            c *= 2;
        *buf = realloc(*buf, c);
        if (*buf == NULL)
            abort(); /* test support: out of memory ends the run */
        *cap = c;
    }
    if (n != 0)
        memcpy(*buf + *len, p, n);
    *len += n;
}

static mailauth_status_t
rec_header(void *ud, const char *field, size_t len)
{
    msg_events_t *e = ud;
    bool          over = len > e->max_field;
    if (e->ended != 0 || (field == NULL && len != 0))
        e->misuse = true;
    e->fields++;
    if (over && e->fold_over) {
        grow_put(&e->log, &e->len, &e->cap, "O", 1);
    } else {
        grow_put(&e->log, &e->len, &e->cap, "H", 1);
        grow_put(&e->log, &e->len, &e->cap, &len, sizeof(len));
        grow_put(&e->log, &e->len, &e->cap, field, len);
    }
    return over ? MAILAUTH_ELIMIT : MAILAUTH_OK; /* as mailauth__hdr_index_add() */
}

static mailauth_status_t
rec_end(void *ud)
{
    msg_events_t *e = ud;
    if (e->ended++ != 0)
        e->misuse = true;
    grow_put(&e->log, &e->len, &e->cap, "E", 1);
    return MAILAUTH_OK;
}

static mailauth_status_t
rec_body(void *ud, const void *p, size_t n)
{
    msg_events_t *e = ud;
    if (e->ended == 0 || n == 0 || p == NULL)
        e->misuse = true;
    e->body_calls++;
    grow_put(&e->body, &e->blen, &e->bcap, p, n);
    return MAILAUTH_OK;
}

void
msg_events_init(msg_events_t *e, size_t max_field, bool fold_over)
{
    memset(e, 0, sizeof(*e));
    e->max_field = max_field;
    e->fold_over = fold_over;
}

void
msg_events_clear(msg_events_t *e)
{
    free(e->log);
    free(e->body);
    memset(e, 0, sizeof(*e));
}

mailauth__msg_sink_t
msg_events_sink(msg_events_t *e)
{
    mailauth__msg_sink_t s = {
        .ud = e, .header = rec_header, .end_headers = rec_end, .body = rec_body};
    return s;
}

bool
msg_events_same(const msg_events_t *a, const msg_events_t *b)
{
    return !a->misuse && !b->misuse && a->result == b->result && a->len == b->len &&
           (a->len == 0 || memcmp(a->log, b->log, a->len) == 0) && a->blen == b->blen &&
           (a->blen == 0 || memcmp(a->body, b->body, a->blen) == 0);
}

static void
print_bytes(FILE *f, const char *p, size_t n, size_t *budget)
{
    for (size_t i = 0; i<n && * budget> 0; i++, (*budget)--) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r')
            fputs("\\r", f);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 32 || c > 126)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

void
msg_events_print(const msg_events_t *e, FILE *f, size_t max)
{
    size_t i = 0, budget = max;
    fprintf(f, "result %d%s: ", (int)e->result, e->misuse ? " MISUSE" : "");
    while (i < e->len && budget > 0) {
        char k = e->log[i++];
        if (k == 'H') {
            size_t n = 0;
            memcpy(&n, e->log + i, sizeof(n));
            i += sizeof(n);
            fputs("H{", f);
            print_bytes(f, e->log + i, n, &budget);
            fputc('}', f);
            i += n;
        } else {
            fputc(k, f);
        }
    }
    if (e->blen != 0) {
        fputs("B{", f);
        print_bytes(f, e->body, e->blen, &budget);
        fputc('}', f);
    }
    fputc('\n', f);
}

/* ---- reference: the rules stated once more, whole buffer, no streaming ---- */

static bool
ref_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* ftext+ WSP* ':' at the start of [p, p + n) */
static bool
ref_is_field(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (unsigned char)p[i] >= 33 && (unsigned char)p[i] <= 126 && p[i] != ':')
        i++;
    if (i == 0)
        return false;
    while (i < n && ref_wsp(p[i]))
        i++;
    return i < n && p[i] == ':';
}

/* Copy with every LF not preceded by CR turned into CRLF. */
static char *
ref_normalize(const char *p, size_t n, size_t *out)
{
    char  *b = malloc(2 * n + 1);
    size_t k = 0;
    if (b == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            b[k++] = '\r';
        b[k++] = p[i];
    }
    *out = k;
    return b;
}

static void
ref_line(const char *m, size_t len, size_t pos, size_t *cend, size_t *next)
{
    const char *lf = memchr(m + pos, '\n', len - pos);
    size_t      end = lf != NULL ? (size_t)(lf - m) : len;
    *next = lf != NULL ? end + 1 : len;
    *cend = (lf != NULL && end > pos && m[end - 1] == '\r') ? end - 1 : end;
}

static void
ref_field(msg_events_t *e, const char *p, size_t n)
{
    size_t               k = 0;
    char                *b = ref_normalize(p, n, &k);
    mailauth__msg_sink_t s = msg_events_sink(e);
    if (s.header(s.ud, b, k) != MAILAUTH_OK && e->result == MAILAUTH_OK)
        e->result = MAILAUTH_ELIMIT;
    free(b);
}

void
msg_events_reference(msg_events_t *e, const char *m, size_t len)
{
    mailauth__msg_sink_t s = msg_events_sink(e);
    size_t               pos = 0, cend = 0, next = 0, body = len, fstart = SIZE_MAX, fend = 0;
    e->result = MAILAUTH_OK;
    if (len >= 5 && memcmp(m, "From ", 5) == 0) {
        ref_line(m, len, 0, &cend, &next);
        pos = next;
    }
    for (; pos < len; pos = next) {
        ref_line(m, len, pos, &cend, &next);
        if (cend == pos) {
            body = next;
            break;
        }
        if (ref_wsp(m[pos])) {
            if (fstart != SIZE_MAX)
                fend = cend;
            continue;
        }
        if (fstart != SIZE_MAX)
            ref_field(e, m + fstart, fend - fstart);
        fstart = SIZE_MAX;
        if (!ref_is_field(m + pos, cend - pos)) {
            body = pos;
            break;
        }
        fstart = pos;
        fend = cend;
    }
    if (fstart != SIZE_MAX)
        ref_field(e, m + fstart, fend - fstart);
    s.end_headers(s.ud);
    if (body < len) {
        size_t k = 0;
        char  *b = ref_normalize(m + body, len - body, &k);
        s.body(s.ud, b, k);
        free(b);
    }
}

mailauth_status_t
msg_stream_run(const mailauth_allocator_t *al, const char *m, size_t len, size_t max_field,
               const mailauth__msg_sink_t *sink, msg_plan_t pl)
{
    mailauth__msg_stream_t s;
    mailauth_status_t      st = mailauth__msg_stream_init(&s, al, max_field, sink), end;
    size_t                 pos = 0, k = pl.first < len ? pl.first : len;
    uint32_t               r = pl.seed;
    if (st != MAILAUTH_OK)
        return st;
    st = mailauth__msg_stream_feed(&s, NULL, 0);
    while (st == MAILAUTH_OK && pos < len) {
        st = mailauth__msg_stream_feed(&s, m + pos, k);
        pos += k;
        if (pl.seed != 0) {
            r = r * 1103515245u + 12345u;
            k = 1 + (r >> 16) % (1 + (r >> 8) % 300);
        } else {
            k = pl.step != 0 ? pl.step : len - pos;
        }
        if (k > len - pos)
            k = len - pos;
    }
    end = mailauth__msg_stream_end(&s); /* after a stop, end() repeats the error */
    if (st == MAILAUTH_OK)
        st = end;
    mailauth__msg_stream_clear(&s);
    return st;
}

char *
msg_events_read_file(const char *path, size_t *len)
{
    FILE  *f = fopen(path, "rb");
    char  *buf = NULL;
    size_t n = 0, cap = 0;
    char   chunk[4096];
    if (f == NULL)
        return NULL;
    for (;;) {
        size_t got = fread(chunk, 1, sizeof(chunk), f);
        if (got == 0)
            break;
        grow_put(&buf, &n, &cap, chunk, got);
    }
    fclose(f);
    grow_put(&buf, &n, &cap, "", 1);
    *len = n - 1;
    return buf;
}
