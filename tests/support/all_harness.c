/* Test support for tests/test_eval_all.c (see all_harness.h). */
#include "support/all_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "support/arc_keys.h"
#include "support/testsig.h"

/* ---------------------------------------------------------------- messages */

static const char body[] = "Hello list,\r\n\r\nthe  meeting is at  10.\r\n";

static char *
concat3(const char *a, const char *b, const char *c)
{
    size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
    char  *s = malloc(na + nb + nc + 1);
    assert_non_null(s);
    memcpy(s, a, na);
    memcpy(s + na, b, nb);
    memcpy(s + na + nb, c, nc + 1);
    return s;
}

static char *
seal(char *msg, const char *domain, int hop)
{
    unsigned    inst = 0;
    const char *key = strcmp(domain, "hop2.example") == 0 ? ARC_KEY_ED : ARC_KEY_RSA;
    /* RFC 8617 §5.1.1: the first sealer says cv=none, later ones what they validated */
    int   cv = hop == 0 ? (int)MAILAUTH_VERDICT_NONE : (int)MAILAUTH_VERDICT_PASS;
    char *out = arc_test_seal(key, domain, "arc", msg, cv, ALL_NOW_S - 100 + hop, &inst);
    assert_int_equal(inst, (unsigned)hop + 1);
    free(msg);
    return out;
}

char *
all_message(const msg_spec_t *m)
{
    char        headers[512];
    char       *sig = NULL, *msg = NULL, *p = NULL;
    tsig_spec_t spec = {.key = "rsa2048.pem",
                        .a = "rsa-sha256",
                        .c = "relaxed/relaxed",
                        .d = "example.com",
                        .s = "sel",
                        .h = "from:to:subject:date:message-id",
                        .t = ALL_NOW_S - 200,
                        .x = -1,
                        .l = -1};
    snprintf(headers, sizeof(headers),
             "From: Alice <alice@%s>\r\n"
             "To: list@list.example\r\n"
             "Subject: Meeting\r\n"
             "Date: Tue, 14 Nov 2023 22:10:00 +0000\r\n"
             "Message-ID: <all-%s@example.com>\r\n",
             m->from, m->from);
    sig = m->dkim ? tsig_sign(&spec, headers, body, strlen(body)) : NULL;
    if (m->dkim)
        assert_non_null(sig);
    if (m->list_change) { /* "Subject: Meeting" -> "Subject: [list] Meeting" */
        char tagged[600];
        p = strstr(headers, "Meeting");
        snprintf(tagged, sizeof(tagged), "%.*s[list] %s", (int)(p - headers), headers, p);
        strcpy(headers, tagged);
    }
    p = concat3(headers, "\r\n", body);
    msg = concat3(sig != NULL ? sig : "", p, "");
    free(p);
    free(sig);
    for (int i = 0; i < 2 && m->seal[i] != NULL; i++)
        msg = seal(msg, m->seal[i], i);
    if (m->tamper) {
        p = strstr(msg, "at  10.");
        assert_non_null(p);
        p[4] = '2';
    }
    return msg;
}

/* ---------------------------------------------------------------- zone and setup */

static char *zone;

const char *
all_zone(void)
{
    if (zone != NULL)
        return zone;
    tsig_zone_add(&zone, "example.com TXT \"v=spf1 ip4:192.0.2.0/24 -all\"");
    tsig_zone_add(&zone, "mail.example.com TXT \"v=spf1 ip4:192.0.2.0/24 -all\"");
    tsig_zone_add(&zone, "_dmarc.example.com TXT \"v=DMARC1; p=reject; sp=quarantine; np=reject\"");
    tsig_zone_add_key(&zone, "sel._domainkey.example.com", "rsa2048.pem", "");
    tsig_zone_add(&zone, "list.example TXT \"v=spf1 ip4:198.51.100.0/24 -all\"");
    tsig_zone_add(&zone, "norecord.example TXT \"v=spf1 ip4:192.0.2.0/24 -all\"");
    tsig_zone_add(&zone, "temp.example TXT \"v=spf1 ip4:192.0.2.0/24 -all\"");
    tsig_zone_add(&zone, "_dmarc.temp.example TXT TIMEOUT");
    tsig_zone_add(&zone, arc_test_zone());
    return zone;
}

/* Wall time pinned at ALL_NOW_S; monotonic time real (sync) or hand-moved (async). */
static uint64_t
all_clock(void *ud, mailauth_clock_kind_t kind)
{
    const harness_t *h = ud;
    struct timespec  ts;
    if (kind == MAILAUTH_CLOCK_WALL)
        return (uint64_t)ALL_NOW_S * 1000u;
    if (h->async)
        return h->now;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

mailauth_status_t
all_setup(harness_t *h, bool async, const setup_t *s, const mailauth_allocator_t *al)
{
    const char       *z = all_zone();
    mailauth_status_t st;
    memset(h, 0, sizeof(*h));
    h->async = async;
    h->now = 1000000;
    st = mailauth_ctx_new(al, &h->ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(h->ctx, "mx.example.net");
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_clock(h->ctx, all_clock, h);
    if (st == MAILAUTH_OK && s->methods != 0)
        st = mailauth_ctx_set_methods(h->ctx, s->methods);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_dmarc_mode(h->ctx, s->mode);
    for (int i = 0; i < 2 && st == MAILAUTH_OK && s->trusted[i] != NULL; i++)
        st = mailauth_ctx_add_trusted_sealer(h->ctx, s->trusted[i]);
    if (st == MAILAUTH_OK)
        st = mailauth_resolver_new_zone(h->ctx, z, strlen(z), NULL, &h->r);
    if (st == MAILAUTH_OK && async)
        st = mailauth_resolver_zone_set_delay(h->r, ASYNC_DELAY);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_new(h->ctx, h->r, &h->ev);
    return st;
}

void
all_zone_free(void)
{
    free(zone);
    zone = NULL;
}
