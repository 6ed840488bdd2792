/* Test support for the DKIM verifier tests (see dkim_harness.h). */
#include "support/authres_of.h"
#include "support/dkim_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char dk_headers[] =
    "Received: from a.example.com by mx.example.net; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "From: Alice <alice@example.com>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject: DKIM test message\r\n"
    "Date: Tue, 14 Nov 2023 22:13:14 +0000\r\n"
    "Message-ID: <dkim-test@example.com>\r\n";
const char dk_body[] = "Hello Bob,\r\n\r\nthe  meeting is at  10.\r\n\r\n\r\n";

static char *zone;
int64_t      dk_wall_s = NOW_S;

const char *
dk_zone(void)
{
    static const char *const rsa[][2] = {
        {"rsa", ""},           {"strict", "t=s; "}, {"testing", "t=y; "}, {"sha256", "h=sha256; "},
        {"svc", "s=tlsrpt; "}, {"multi", ""},       {"multi", "t=y; "},
    };
    char owner[128];
    if (zone != NULL)
        return zone;
    for (size_t i = 0; i < ARRAY_LEN(rsa); i++) {
        snprintf(owner, sizeof(owner), "%s._domainkey.example.com", rsa[i][0]);
        tsig_zone_add_key(&zone, owner, "rsa2048.pem", rsa[i][1]);
    }
    for (int i = 1; i <= 9; i++) {
        snprintf(owner, sizeof(owner), "k%d._domainkey.example.com", i);
        tsig_zone_add_key(&zone, owner, "rsa2048.pem", "");
    }
    tsig_zone_add_key(&zone, "ed._domainkey.example.com", "ed25519.pem", "");
    tsig_zone_add_key(&zone, "kmis._domainkey.example.com", "ed25519.pem", "");
    tsig_zone_add_key(&zone, "small._domainkey.example.com", "rsa512.pem", "");
    tsig_zone_add(&zone, "revoked._domainkey.example.com TXT \"v=DKIM1; k=rsa; p=\"");
    tsig_zone_add(&zone, "bad._domainkey.example.com TXT \"v=DKIM1; p=!!not-base64\"");
    /* the RFC 8463 key with a pad bit set in its last character (RFC 4648 §3.5) */
    tsig_zone_add(&zone, "padbits._domainkey.example.com TXT \"v=DKIM1; k=ed25519; "
                         "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURp=\"");
    tsig_zone_add(&zone, "temp._domainkey.example.com TXT TIMEOUT");
    tsig_zone_add(&zone, "example.com TXT \"v=spf1 ip4:192.0.2.0/24 -all\"");
    return zone;
}

void
dk_zone_free(void)
{
    free(zone);
    zone = NULL;
}

/* Wall time pinned at dk_wall_s; monotonic time real (sync) or hand-moved (async). */
static uint64_t
dk_clock(void *ud, mailauth_clock_kind_t kind)
{
    const harness_t *h = ud;
    struct timespec  ts;
    if (kind == MAILAUTH_CLOCK_WALL)
        return (uint64_t)dk_wall_s * 1000u;
    if (h->async)
        return h->now;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static mailauth_status_t
setup_ctx(harness_t *h, unsigned opts, const uint32_t *limits, size_t nlimits)
{
    mailauth_status_t st = mailauth_ctx_set_authserv_id(h->ctx, "mx.example.net");
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_clock(h->ctx, dk_clock, h);
    if (st == MAILAUTH_OK && (opts & OPT_SHA1))
        st = mailauth_ctx_set_flag(h->ctx, MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1, 1);
    if (st == MAILAUTH_OK && (opts & OPT_FULL_BODY))
        st = mailauth_ctx_set_flag(h->ctx, MAILAUTH_FLAG_DKIM_REQUIRE_FULL_BODY, 1);
    if (st == MAILAUTH_OK && (opts & OPT_MAX1024))
        st = mailauth_ctx_set_limit(h->ctx, MAILAUTH_LIMIT_RSA_MAX_BITS, 1024);
    if (st == MAILAUTH_OK && (opts & OPT_DKIM_ONLY))
        st = mailauth_ctx_set_methods(h->ctx, MAILAUTH_METHOD_DKIM);
    if (st == MAILAUTH_OK && (opts & OPT_SPF_DKIM))
        st = mailauth_ctx_set_methods(h->ctx, MAILAUTH_METHOD_SPF | MAILAUTH_METHOD_DKIM);
    for (size_t i = 0; i + 1 < nlimits && st == MAILAUTH_OK; i += 2)
        st = mailauth_ctx_set_limit(h->ctx, (mailauth_limit_t)limits[i], limits[i + 1]);
    return st;
}

mailauth_status_t
dk_setup_al(harness_t *h, bool async, unsigned opts, const uint32_t *limits, size_t nlimits,
            const mailauth_allocator_t *al)
{
    const char       *z = dk_zone();
    mailauth_status_t st;
    memset(h, 0, sizeof(*h));
    h->async = async;
    h->now = 1000000;
    st = mailauth_ctx_new(al, &h->ctx);
    if (st == MAILAUTH_OK)
        st = setup_ctx(h, opts, limits, nlimits);
    if (st == MAILAUTH_OK)
        st = mailauth_resolver_new_zone(h->ctx, z, strlen(z), NULL, &h->r);
    if (st == MAILAUTH_OK && async)
        st = mailauth_resolver_zone_set_delay(h->r, ASYNC_DELAY);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_new(h->ctx, h->r, &h->ev);
    return st;
}

void
dk_setup(harness_t *h, bool async, unsigned opts, const uint32_t *limits, size_t nlimits)
{
    assert_int_equal(dk_setup_al(h, async, opts, limits, nlimits, NULL), MAILAUTH_OK);
}

/* ---- messages ------------------------------------------------------------------------ */

static void
msg_adds(dk_msg_t *m, const char *s)
{
    size_t n = strlen(s);
    char  *p = realloc(m->p, m->n + n + 1);
    assert_non_null(p);
    memcpy(p + m->n, s, n + 1);
    m->n += n;
    m->p = p;
}

/* s with its first `from` replaced by `to` (a new string). */
static char *
replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    size_t      n = strlen(s) - strlen(from) + strlen(to) + 1;
    char       *out = malloc(n);
    assert_non_null(at);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

dk_msg_t
dk_message(const char *const *sigs, size_t nsigs, enum mutation mut)
{
    dk_msg_t    m = {NULL, 0};
    char       *t = NULL;
    const char *headers = dk_headers, *body = dk_body;
    for (size_t i = 0; i < nsigs; i++)
        msg_adds(&m, sigs[i]);
    if (mut == M_ADD_FROM)
        msg_adds(&m, "From: Mallory <mallory@example.com>\r\n");
    if (mut == M_HEADER)
        headers = t = replace(dk_headers, "DKIM test message", "DKIM test massage");
    else if (mut == M_REFOLD)
        headers = t =
            replace(dk_headers, "Subject: DKIM test message", "Subject:  DKIM\r\n\ttest   message");
    else if (mut == M_BODY)
        body = t = replace(dk_body, "Hello Bob", "Hello Rob");
    else if (mut == M_BODY_APPEND)
        body = t = replace(dk_body, "\r\n\r\n\r\n", "\r\n" APPENDED);
    msg_adds(&m, headers);
    msg_adds(&m, "\r\n");
    msg_adds(&m, body);
    free(t);
    return m;
}

char *
dk_sign(const tsig_spec_t *spec)
{
    char *f = tsig_sign(spec, dk_headers, dk_body, sizeof(dk_body) - 1);
    assert_non_null(f);
    return f;
}

/* ---- checks ------------------------------------------------------------------------ */

size_t
dk_ar_entries(mailauth_eval_t *ev, const mailauth_resinfo_t **out, size_t max)
{
    const mailauth_authres_t *ar = authres_of(ev);
    size_t                    n = 0;
    assert_non_null(ar);
    for (size_t i = 0; i < mailauth_authres_resinfo_count(ar); i++) {
        const mailauth_resinfo_t *ri = mailauth_authres_resinfo(ar, i);
        if (strcmp(mailauth_resinfo_method(ri), "dkim") == 0 && n < max)
            out[n++] = ri;
    }
    return n;
}

void
dk_check(mailauth_eval_t *ev, size_t i, mailauth_verdict_t v, mailauth_reason_t r)
{
    const mailauth_dkim_result_t *res = mailauth_eval_dkim(ev, i);
    const mailauth_resinfo_t     *ri[64];
    const char                   *problem = NULL;
    size_t                        n = dk_ar_entries(ev, ri, ARRAY_LEN(ri));
    assert_non_null(res);
    problem = mailauth_dkim_result_problem(res);
    if (mailauth_dkim_result_verdict(res) != v || mailauth_dkim_result_reason(res) != r)
        fail_msg("signature %zu: %s/%s (%s), want %s/%s", i,
                 mailauth_verdict_name(mailauth_dkim_result_verdict(res)),
                 mailauth_reason_name(mailauth_dkim_result_reason(res)),
                 problem != NULL ? problem : "-", mailauth_verdict_name(v),
                 mailauth_reason_name(r));
    assert_int_equal(n, mailauth_eval_dkim_count(ev));
    assert_true(i < n);
    assert_string_equal(mailauth_resinfo_result(ri[i]), mailauth_verdict_name(v));
    if (v == MAILAUTH_VERDICT_PASS)
        assert_null(problem);
    else
        assert_non_null(problem);
}
