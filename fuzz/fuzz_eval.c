/* Fuzz target: a whole evaluation, end to end: zone text, envelope, message,
 * SPF over the zone resolver, Authentication-Results.
 *
 * Input layout:
 *   ZONE '\0' IP FROM HELO MODE MESSAGE...
 * ZONE is zone text (no NUL: the whole input is the zone and the message is
 * empty). The four bytes after the NUL choose, from small tables, the client
 * IP, the MAIL FROM and the HELO name (bit 7 of FROM: "user@<first owner of
 * the zone>", so the fuzzer reaches its own records) and how the message is
 * fed: MODE bit 0 mailauth_eval_message() or header()/end_headers()/body()
 * in chunks whose sizes come from MODE >> 2; bit 1 the blocking or the
 * asynchronous finish.
 *
 * Invariants (abort() on violation): every call returns one of its
 * documented statuses; finishing ends with OK and exactly one callback; the
 * SPF verdict is an RFC 8601 SPF word; the A-R formats and parses back to
 * the same number of entries. No leak, no sanitizer report, no hang (DNS
 * and evaluation deadlines are short). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ips[] = {"192.0.2.1",   "192.0.2.25",      "198.51.100.17",
                                  "2001:db8::1", "2001:db8:25::25", "::ffff:192.0.2.1",
                                  "203.0.113.5", "10.0.0.1"};
static const char *const froms[] = {"user@example.org",
                                    "",
                                    "postmaster@mail.example.org",
                                    "a@example.net",
                                    "<b@sub.example.org>",
                                    "x@@example.org",
                                    "u@b\303\274cher.example",
                                    "nodomain"};
static const char *const helos[] = {"mail.example.org", "[192.0.2.1]", "example.net", "localhost",
                                    NULL};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct done {
    int               calls;
    mailauth_status_t st;
};

static void
check(int ok)
{
    if (!ok)
        abort();
}

static void
on_done(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    struct done *d = ud;
    (void)ev;
    d->calls++;
    d->st = st;
}

/* "user@" + the first blank-separated token of the zone (at most 200 bytes). */
static void
from_zone_owner(const char *z, size_t n, char *out, size_t cap)
{
    size_t i = 0, k = 0;
    memcpy(out, "user@", 5);
    k = 5;
    while (i < n && (z[i] == ' ' || z[i] == '\t' || z[i] == '\r' || z[i] == '\n'))
        i++;
    while (i < n && k + 1 < cap && z[i] != ' ' && z[i] != '\t' && z[i] != '\r' && z[i] != '\n')
        out[k++] = z[i++];
    if (k > 5 && out[k - 1] == '.')
        k--;
    out[k] = '\0';
}

static int
ok_feed(mailauth_status_t st)
{
    return st == MAILAUTH_OK || st == MAILAUTH_ELIMIT || st == MAILAUTH_EINVAL;
}

/* End of the header field starting at pos: up to a line end not followed by WSP. */
static size_t
field_end(const char *m, size_t len, size_t pos, size_t *next)
{
    size_t i = pos;
    for (;;) {
        const char *lf = memchr(m + i, '\n', len - i);
        if (lf == NULL) {
            *next = len;
            return len;
        }
        i = (size_t)(lf - m) + 1;
        if (i >= len || (m[i] != ' ' && m[i] != '\t')) {
            *next = i;
            return i;
        }
    }
}

/* header() per field until an empty line, then body() in chunks of varying size. */
static void
feed_parts(mailauth_eval_t *ev, const char *m, size_t len, unsigned seed)
{
    size_t pos = 0, next = 0;
    while (pos < len && m[pos] != '\n' &&
           !(m[pos] == '\r' && pos + 1 < len && m[pos + 1] == '\n')) {
        size_t end = field_end(m, len, pos, &next);
        check(ok_feed(mailauth_eval_header(ev, m + pos, end - pos)));
        pos = next;
    }
    pos += pos < len && m[pos] == '\r' ? 2 : (pos < len ? 1 : 0);
    check(mailauth_eval_end_headers(ev) == MAILAUTH_OK);
    while (pos < len) {
        size_t chunk = 1 + (seed % 97u);
        seed = seed * 1103515245u + 12345u;
        if (chunk > len - pos)
            chunk = len - pos;
        check(mailauth_eval_body(ev, m + pos, chunk) == MAILAUTH_OK);
        pos += chunk;
    }
    check(mailauth_eval_end_message(ev) == MAILAUTH_OK);
}

static void
check_results(const mailauth_eval_t *ev)
{
    const mailauth_authres_t *ar = mailauth_eval_authres(ev);
    mailauth_authres_t       *back = NULL;
    char                      out[8192];
    size_t                    need = 0;
    for (int id = MAILAUTH_SPF_MAILFROM; id <= MAILAUTH_SPF_HELO; id++) {
        const mailauth_spf_result_t *res = mailauth_eval_spf(ev, (mailauth_spf_identity_t)id);
        mailauth_verdict_t           v;
        if (res == NULL)
            continue;
        v = mailauth_spf_result_verdict(res);
        check(v != MAILAUTH_VERDICT_POLICY && v <= MAILAUTH_VERDICT_PERMERROR);
        check(mailauth_spf_result_received_spf(res, out, sizeof(out), &need) != MAILAUTH_EINVAL);
    }
    check(ar != NULL);
    check(mailauth_authres_format(ar, out, sizeof(out), &need) == MAILAUTH_OK);
    check(mailauth_authres_parse(NULL, out, need, NULL, &back) == MAILAUTH_OK);
    check(mailauth_authres_count(back) == mailauth_authres_count(ar));
    mailauth_authres_free(back);
}

static void
finish(mailauth_eval_t *ev, mailauth_resolver_t *r, int async)
{
    struct done d = {0, MAILAUTH_OK};
    if (!async) {
        check(mailauth_eval_finish_sync(ev, 200) == MAILAUTH_OK);
        return;
    }
    check(mailauth_eval_finish(ev, on_done, &d) == MAILAUTH_EAGAIN);
    check(d.calls == 0); /* never from inside finish() */
    for (int turn = 0; turn < 1000 && d.calls == 0; turn++)
        (void)mailauth_resolver_run_once(r, 10);
    check(d.calls == 1 && d.st == MAILAUTH_OK);
}

static void
run(const char *zone, size_t zlen, const uint8_t *sel, const char *msg, size_t mlen)
{
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev = NULL;
    char                 from[256];
    const char          *helo = helos[sel[2] % N(helos)];
    check(mailauth_ctx_new(NULL, &ctx) == MAILAUTH_OK);
    check(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_DNS_TIMEOUT_MS, 50) == MAILAUTH_OK);
    check(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS, 200) == MAILAUTH_OK);
    check(mailauth_ctx_set_authserv_id(ctx, "mx.example.net") == MAILAUTH_OK);
    if (mailauth_resolver_new_zone(ctx, zone, zlen, NULL, &r) != MAILAUTH_OK) {
        mailauth_ctx_free(ctx);
        return;
    }
    check(mailauth_eval_new(ctx, r, &ev) == MAILAUTH_OK);
    if (sel[1] & 0x80)
        from_zone_owner(zone, zlen, from, sizeof(from));
    else
        (void)snprintf(from, sizeof(from), "%s", froms[sel[1] % N(froms)]);
    check(mailauth_eval_set_client_ip(ev, ips[sel[0] % N(ips)]) == MAILAUTH_OK);
    if (helo != NULL)
        check(mailauth_eval_set_helo(ev, helo) == MAILAUTH_OK);
    {
        mailauth_status_t st = mailauth_eval_set_mail_from(ev, from);
        check(st == MAILAUTH_OK || st == MAILAUTH_EINVAL);
    }
    if (mlen > 0 || (sel[3] & 1) != 0) {
        if (sel[3] & 1)
            check(ok_feed(mailauth_eval_message(ev, msg, mlen)));
        else
            feed_parts(ev, msg, mlen, (unsigned)sel[3] >> 2);
    }
    finish(ev, r, (sel[3] & 2) != 0);
    check_results(ev);
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t none[4] = {0, 0, 0, 0};
    const uint8_t       *nul = memchr(data, 0, size);
    size_t               zlen = nul != NULL ? (size_t)(nul - data) : size;
    size_t               rest = nul != NULL ? size - zlen - 1 : 0;
    const uint8_t       *sel = rest >= 4 ? nul + 1 : none;
    const uint8_t       *msg = rest >= 4 ? nul + 5 : none;
    size_t               mlen = rest >= 4 ? rest - 4 : 0;
    run((const char *)data, zlen, sel, (const char *)msg, mlen);
    return 0;
}
