/* threads: one ctx shared by several threads, one resolver per thread
 * (docs/threading.md). Each thread evaluates many messages over its own
 * zone resolver, most of them in flight at once (finish() with a zone
 * delay), some with finish_sync(), and checks every verdict (SPF, DKIM,
 * DMARC). DKIM-signed messages (RSA and Ed25519 keys of tests/data/keys)
 * make the threads meet in the ctx key cache; DMARC (RFC 7489 mode) and
 * every thread at its start use the lazily opened Public Suffix List.
 * Built normally it runs under ASan+UBSan; `scripts/test` also runs it
 * under ThreadSanitizer (-DMAILAUTH_TSAN=ON), which is what proves the
 * shared state is guarded.
 *
 * MAILAUTH_THREADS_MESSAGES (environment) sets the messages per thread. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/authres_of.h"
#include "core/ctx_int.h"
#include "domain/psl.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define THREADS 4
#define MESSAGES_DEFAULT 240u
#define BATCH 24u     /* evaluations in flight at once per thread */
#define SYNC_EVERY 6u /* every sixth message uses finish_sync() */
#define MAX_FIELDS 8u

static const char spf_zone[] =
    "pass.test          TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "fail.test          TXT \"v=spf1 ip4:198.51.100.1 -all\"\n"
    "soft.test          TXT \"v=spf1 ~all\"\n"
    "neutral.test       TXT \"v=spf1 ?all\"\n"
    "incl.test          TXT \"v=spf1 include:pass.test include:soft.test\"\n"
    "mx.test            TXT \"v=spf1 mx -all\"\n"
    "mx.test            MX  10 mail.mx.test\n"
    "mail.mx.test       A   192.0.2.7\n"
    "a.test             TXT \"v=spf1 a:host.a.test -all\"\n"
    "host.a.test        A   203.0.113.8\n"
    "perm.test          TXT \"v=spf1 bogus:x -all\"\n"
    "temp.test          TXT TIMEOUT\n"
    "nospf.test         A   192.0.2.1\n"
    "signed.test        TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "_dmarc.pass.test   TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.signed.test TXT \"v=DMARC1; p=quarantine\"\n";

enum sign { UNSIGNED = 0, SIGN_RSA, SIGN_ED25519, SIGN_NO_KEY };
#define DKIM_NONE ((mailauth_verdict_t)-1) /* no DKIM result expected */
#define PASS MAILAUTH_VERDICT_PASS
#define FAIL MAILAUTH_VERDICT_FAIL
#define SOFTFAIL MAILAUTH_VERDICT_SOFTFAIL
#define NEUTRAL MAILAUTH_VERDICT_NEUTRAL
#define NONE MAILAUTH_VERDICT_NONE
#define TEMPERROR MAILAUTH_VERDICT_TEMPERROR
#define PERMERROR MAILAUTH_VERDICT_PERMERROR

struct tcase {
    const char        *name, *ip, *domain; /* MAIL FROM and From: user@domain */
    mailauth_verdict_t spf;
    enum sign          sign;
    bool               tamper; /* body changed after signing */
    mailauth_verdict_t dkim;
    mailauth_verdict_t dmarc;
};

/* DMARC: pass.test and signed.test publish p=reject / p=quarantine, the
 * other domains nothing (none). A pass needs an aligned SPF or DKIM pass. */
static const struct tcase cases[] = {
    {"spf pass", "192.0.2.5", "pass.test", PASS, UNSIGNED, false, DKIM_NONE, PASS},
    {"spf fail", "203.0.113.9", "pass.test", FAIL, UNSIGNED, false, DKIM_NONE, FAIL},
    {"spf fail other", "192.0.2.5", "fail.test", FAIL, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf softfail", "192.0.2.5", "soft.test", SOFTFAIL, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf neutral", "192.0.2.5", "neutral.test", NEUTRAL, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf include pass", "192.0.2.9", "incl.test", PASS, UNSIGNED, false, DKIM_NONE, NONE},
    /* RFC 7208 §5.2: an included softfail is no match; no "all": neutral (§4.7) */
    {"spf include no match", "203.0.113.1", "incl.test", NEUTRAL, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf mx pass", "192.0.2.7", "mx.test", PASS, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf mx fail", "192.0.2.8", "mx.test", FAIL, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf a pass", "203.0.113.8", "a.test", PASS, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf permerror", "192.0.2.5", "perm.test", PERMERROR, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf temperror", "192.0.2.5", "temp.test", TEMPERROR, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf none", "192.0.2.5", "nospf.test", NONE, UNSIGNED, false, DKIM_NONE, NONE},
    {"spf none nxdomain", "192.0.2.5", "nx.test", NONE, UNSIGNED, false, DKIM_NONE, NONE},
    {"dkim rsa pass", "192.0.2.20", "signed.test", PASS, SIGN_RSA, false, PASS, PASS},
    {"dkim ed25519 pass", "192.0.2.21", "signed.test", PASS, SIGN_ED25519, false, PASS, PASS},
    {"dkim rsa pass, spf fail", "203.0.113.50", "signed.test", FAIL, SIGN_RSA, false, PASS, PASS},
    {"dkim rsa body changed", "192.0.2.22", "signed.test", PASS, SIGN_RSA, true, FAIL, PASS},
    {"dkim ed25519 body changed", "198.51.100.3", "signed.test", FAIL, SIGN_ED25519, true, FAIL,
     FAIL},
    {"dkim no key", "192.0.2.23", "signed.test", PASS, SIGN_NO_KEY, false, PERMERROR, PASS},
};

/* One prepared message: header fields (each without CRLF), body, and the
 * whole text for mailauth_eval_message(). */
struct msg {
    const struct tcase *c;
    char               *field[MAX_FIELDS];
    size_t              nfields;
    char               *body;
    char                mail_from[64];
    char               *whole;
    size_t              whole_len;
};

struct world {
    mailauth_ctx_t *ctx; /* shared by the threads */
    char           *zone;
    size_t          zone_len;
    struct msg      msgs[ARRAY_LEN(cases)];
    unsigned        per_thread;
};

struct worker {
    pthread_t                 tid;
    struct world             *w;
    unsigned                  id;
    unsigned                  checked, failures;
    char                      first[256]; /* the first failure */
    mailauth_resolver_stats_t stats;
};

/* One evaluation in flight; the completion callback checks and frees it. */
struct slot {
    struct worker    *wk;
    const struct msg *m;
    mailauth_eval_t  *ev;
    bool              pending;
};

/* ---- building the messages and the zone (main thread) ------------------------------- */

static char *
xstrdup(const char *s)
{
    char *p = strdup(s);
    assert_non_null(p);
    return p;
}

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    assert_non_null(f);
    buf = calloc(1, 65536);
    assert_non_null(buf);
    *len = fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

static mailauth_key_t *
load_key(mailauth_ctx_t *ctx, const char *file)
{
    char            path[512];
    size_t          len = 0;
    char           *pem;
    mailauth_key_t *key = NULL;
    snprintf(path, sizeof(path), "%s/keys/%s", MAILAUTH_TEST_DATA, file);
    pem = read_file(path, &len);
    assert_int_equal(mailauth_key_load_pem(ctx, pem, len, &key), MAILAUTH_OK);
    free(pem);
    return key;
}

/* Append "<sel>._domainkey.signed.test TXT "..." "..."" (strings of at most 200 bytes). */
static void
zone_add_key(struct world *w, const char *sel, const mailauth_key_t *key)
{
    char   rec[2048], line[2600];
    size_t need = 0, n = 0, len;
    assert_int_equal(mailauth_key_format_dns_record(key, rec, sizeof(rec), &need), MAILAUTH_OK);
    n = (size_t)snprintf(line, sizeof(line), "%s._domainkey.signed.test TXT", sel);
    for (size_t off = 0; off < need; off += 200)
        n += (size_t)snprintf(line + n, sizeof(line) - n, " \"%.200s\"", rec + off);
    n += (size_t)snprintf(line + n, sizeof(line) - n, "\n");
    assert_true(n < sizeof(line));
    len = w->zone_len;
    w->zone = realloc(w->zone, len + n + 1);
    assert_non_null(w->zone);
    memcpy(w->zone + len, line, n + 1);
    w->zone_len = len + n;
}

static void
sign_msg(mailauth_ctx_t *ctx, struct msg *m, const mailauth_key_t *key, const char *sel)
{
    mailauth_dkim_signer_t *s = NULL;
    char                    sig[4096];
    size_t                  need = 0;
    assert_int_equal(mailauth_dkim_signer_new(ctx, key, "signed.test", sel, &s), MAILAUTH_OK);
    for (size_t i = 0; i < m->nfields; i++)
        assert_int_equal(mailauth_dkim_signer_header(s, m->field[i], strlen(m->field[i])),
                         MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_headers(s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_body(s, m->body, strlen(m->body)), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_format(s, sig, sizeof(sig), &need), MAILAUTH_OK);
    mailauth_dkim_signer_free(s);
    assert_true(m->nfields < MAX_FIELDS);
    for (size_t k = m->nfields; k > 0; k--) /* the signature goes on top */
        m->field[k] = m->field[k - 1];
    m->field[0] = xstrdup(sig);
    m->nfields++;
}

static void
join_whole(struct msg *m)
{
    size_t len = strlen(m->body) + 2, off = 0;
    for (size_t i = 0; i < m->nfields; i++)
        len += strlen(m->field[i]) + 2;
    m->whole = malloc(len + 1);
    assert_non_null(m->whole);
    for (size_t i = 0; i < m->nfields; i++)
        off += (size_t)sprintf(m->whole + off, "%s\r\n", m->field[i]);
    off += (size_t)sprintf(m->whole + off, "\r\n%s", m->body);
    m->whole_len = off;
}

static void
build_msg(struct world *w, size_t i, mailauth_ctx_t *sctx, mailauth_key_t *const keys[2])
{
    const struct tcase *c = &cases[i];
    struct msg         *m = &w->msgs[i];
    char                buf[256];
    m->c = c;
    snprintf(m->mail_from, sizeof(m->mail_from), "user@%s", c->domain);
    snprintf(buf, sizeof(buf), "From: Sender <user@%s>", c->domain);
    m->field[0] = xstrdup(buf);
    m->field[1] = xstrdup("To: rcpt@example.net");
    snprintf(buf, sizeof(buf), "Subject: case %zu, %s", i, c->name);
    m->field[2] = xstrdup(buf);
    snprintf(buf, sizeof(buf), "Message-ID: <%zu.threads@%s>", i, c->domain);
    m->field[3] = xstrdup(buf);
    m->nfields = 4;
    snprintf(buf, sizeof(buf), "Hello from case %zu.\r\n\r\nSecond paragraph: %s.\r\n", i, c->name);
    m->body = xstrdup(buf);
    if (c->sign == SIGN_RSA || c->sign == SIGN_NO_KEY)
        sign_msg(sctx, m, keys[0], c->sign == SIGN_RSA ? "rsa" : "gone");
    else if (c->sign == SIGN_ED25519)
        sign_msg(sctx, m, keys[1], "ed");
    if (c->tamper)
        m->body[0] = 'J'; /* "Jello": the body hash no longer matches (RFC 6376 §6.1.3) */
    join_whole(m);
}

static void
world_build(struct world *w)
{
    mailauth_ctx_t *sctx = NULL;
    mailauth_key_t *keys[2];
    const char     *env = getenv("MAILAUTH_THREADS_MESSAGES");
    unsigned long   n = env != NULL ? strtoul(env, NULL, 10) : 0;
    memset(w, 0, sizeof(*w));
    w->per_thread = n > 0 && n < 1000000 ? (unsigned)n : MESSAGES_DEFAULT;
    w->zone_len = sizeof(spf_zone) - 1;
    w->zone = xstrdup(spf_zone);
    assert_int_equal(mailauth_ctx_new(NULL, &sctx), MAILAUTH_OK);
    keys[0] = load_key(sctx, "rsa2048.pkcs8.pem");
    keys[1] = load_key(sctx, "ed25519.pkcs8.pem");
    zone_add_key(w, "rsa", keys[0]);
    zone_add_key(w, "ed", keys[1]);
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        build_msg(w, i, sctx, keys);
    mailauth_key_free(keys[0]);
    mailauth_key_free(keys[1]);
    mailauth_ctx_free(sctx);
    /* The shared ctx: configured here, first used by the threads, all at once. */
    assert_int_equal(mailauth_ctx_new(NULL, &w->ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(w->ctx, "mx.example.net"), MAILAUTH_OK);
}

static void
world_free(struct world *w)
{
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        for (size_t k = 0; k < w->msgs[i].nfields; k++)
            free(w->msgs[i].field[k]);
        free(w->msgs[i].body);
        free(w->msgs[i].whole);
    }
    free(w->zone);
    mailauth_ctx_free(w->ctx);
}

/* ---- the threads ------------------------------------------------------------------ */

static void
note_failure(struct worker *wk, const struct msg *m, const char *what, int got, int want)
{
    if (wk->failures++ == 0)
        snprintf(wk->first, sizeof(wk->first), "thread %u, case \"%s\": %s: got %d, want %d",
                 wk->id, m->c->name, what, got, want);
}

/* Compare the verdicts of a finished evaluation with the case. */
static void
check(struct worker *wk, const struct msg *m, mailauth_eval_t *ev, mailauth_status_t st)
{
    const mailauth_spf_result_t   *spf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    const mailauth_dmarc_result_t *dmarc = mailauth_eval_dmarc(ev);
    const struct tcase            *c = m->c;
    char                           text[4096];
    wk->checked++;
    if (st != MAILAUTH_OK) {
        note_failure(wk, m, "finish status", (int)st, MAILAUTH_OK);
        return;
    }
    if (spf == NULL || mailauth_spf_result_verdict(spf) != c->spf)
        note_failure(wk, m, "spf verdict", spf != NULL ? (int)mailauth_spf_result_verdict(spf) : -1,
                     (int)c->spf);
    if (mailauth_eval_dkim_count(ev) != (c->dkim == DKIM_NONE ? 0u : 1u))
        note_failure(wk, m, "dkim results", (int)mailauth_eval_dkim_count(ev),
                     c->dkim == DKIM_NONE ? 0 : 1);
    else if (c->dkim != DKIM_NONE &&
             mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, 0)) != c->dkim)
        note_failure(wk, m, "dkim verdict",
                     (int)mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, 0)), (int)c->dkim);
    if (dmarc == NULL || mailauth_dmarc_result_verdict(dmarc) != c->dmarc)
        note_failure(wk, m, "dmarc verdict",
                     dmarc != NULL ? (int)mailauth_dmarc_result_verdict(dmarc) : -1, (int)c->dmarc);
    /* The Authentication-Results are built lazily, on this thread. */
    if (mailauth_authres_format_value(authres_of(ev), text, sizeof(text), NULL) !=
        MAILAUTH_OK)
        note_failure(wk, m, "authres format", 0, 1);
    else if (strstr(text, mailauth_verdict_name(c->spf)) == NULL)
        note_failure(wk, m, "spf word in authres", 0, 1);
}

static void
on_done(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    struct slot *s = ud;
    check(s->wk, s->m, ev, st);
    mailauth_eval_free(ev); /* allowed inside the callback */
    s->ev = NULL;
    s->pending = false;
}

/* Feed one message: whole, or field by field with the body in small chunks. */
static mailauth_status_t
feed(mailauth_eval_t *ev, const struct msg *m, unsigned n)
{
    char              helo[64];
    mailauth_status_t st;
    snprintf(helo, sizeof(helo), "relay%u.example.net", n % 5);
    st = mailauth_eval_set_client_ip(ev, m->c->ip);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_helo(ev, helo);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_mail_from(ev, m->mail_from);
    if (st != MAILAUTH_OK || n % 2 == 0)
        return st != MAILAUTH_OK ? st : mailauth_eval_message(ev, m->whole, m->whole_len);
    for (size_t i = 0; i < m->nfields && st == MAILAUTH_OK; i++)
        st = mailauth_eval_header(ev, m->field[i], strlen(m->field[i]));
    if (st == MAILAUTH_OK)
        st = mailauth_eval_end_headers(ev);
    for (size_t off = 0, len = strlen(m->body); off < len && st == MAILAUTH_OK; off += 7)
        st = mailauth_eval_body(ev, m->body + off, len - off < 7 ? len - off : 7);
    return st == MAILAUTH_OK ? mailauth_eval_end_message(ev) : st;
}

/* Start message n of this thread in slot s (or run it to the end with finish_sync()). */
static void
start(struct worker *wk, mailauth_resolver_t *r, struct slot *s, unsigned n)
{
    const struct msg *m = &wk->w->msgs[(wk->id * 5u + n) % ARRAY_LEN(cases)];
    mailauth_status_t st;
    *s = (struct slot){.wk = wk, .m = m};
    st = mailauth_eval_new(wk->w->ctx, r, &s->ev);
    if (st == MAILAUTH_OK)
        st = feed(s->ev, m, n);
    if (st == MAILAUTH_OK && n % SYNC_EVERY == 0) {
        check(wk, m, s->ev, mailauth_eval_finish_sync(s->ev, -1));
        mailauth_eval_free(s->ev);
        s->ev = NULL;
        return;
    }
    if (st == MAILAUTH_OK)
        st = mailauth_eval_finish(s->ev, on_done, s);
    if (st == MAILAUTH_OK) { /* the callback will come */
        s->pending = true;
        return;
    }
    note_failure(wk, m, "start status", (int)st, MAILAUTH_OK);
    mailauth_eval_free(s->ev);
    s->ev = NULL;
}

static bool
any_pending(const struct slot *slots, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (slots[i].pending)
            return true;
    return false;
}

static void *
worker_main(void *arg)
{
    struct worker              *wk = arg;
    mailauth_resolver_t        *r = NULL;
    struct slot                 slots[BATCH];
    const struct mailauth__psl *psl;
    /* Every thread opens the lazily loaded list at about the same time. */
    psl = mailauth__ctx_psl(wk->w->ctx);
    if (psl != NULL && mailauth__psl_org_domain(psl, "a.b.example.co.uk") == NULL)
        wk->failures++;
    if (mailauth_resolver_new_zone(wk->w->ctx, wk->w->zone, wk->w->zone_len, NULL, &r) !=
            MAILAUTH_OK ||
        mailauth_resolver_zone_set_delay(r, 1 + wk->id % 2) != MAILAUTH_OK) {
        wk->failures++;
        mailauth_resolver_free(r);
        return NULL;
    }
    for (unsigned done = 0; done < wk->w->per_thread; done += BATCH) {
        for (unsigned k = 0; k < BATCH && done + k < wk->w->per_thread; k++)
            start(wk, r, &slots[k], done + k);
        for (unsigned k = wk->w->per_thread - done < BATCH ? wk->w->per_thread - done : BATCH;
             k < BATCH; k++)
            slots[k].pending = false;
        while (any_pending(slots, BATCH))
            (void)mailauth_resolver_run_once(r, 100);
    }
    wk->stats.version = MAILAUTH_RESOLVER_STATS_VERSION;
    (void)mailauth_resolver_stats(r, &wk->stats);
    mailauth_resolver_free(r);
    return NULL;
}

static void
test_threads_share_one_ctx(void **state)
{
    struct world      w;
    struct worker     wk[THREADS];
    unsigned          checked = 0, failures = 0;
    char              first[256] = "";
    mailauth_status_t st;
    (void)state;
    world_build(&w);
    for (unsigned i = 0; i < THREADS; i++) {
        wk[i] = (struct worker){.w = &w, .id = i};
        assert_int_equal(pthread_create(&wk[i].tid, NULL, worker_main, &wk[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(wk[i].tid, NULL), 0);
    for (unsigned i = 0; i < THREADS; i++) {
        if (wk[i].failures != 0 && failures == 0)
            memcpy(first, wk[i].first, sizeof(first));
        failures += wk[i].failures;
        checked += wk[i].checked;
        if (wk[i].stats.queries == 0)
            failures++;
    }
    /* The ctx was frozen by the threads' first use. */
    st = mailauth_ctx_set_authserv_id(w.ctx, "other.example");
    world_free(&w); /* before the verdict, so a failure reports no leaks */
    if (failures != 0)
        fail_msg("%u failures; first: %s", failures, first);
    assert_int_equal(checked, THREADS * w.per_thread);
    assert_int_equal(st, MAILAUTH_ESTATE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_one_ctx),
    };
    return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
