/* Fuzz target: a whole evaluation, end to end: zone text, envelope,
 * message, SPF, DKIM, DMARC and ARC over the zone resolver,
 * Authentication-Results.
 *
 * Input layout:
 *   ZONE '\0' IP FROM HELO MODE MESSAGE...
 * ZONE is zone text (no NUL: the whole input is the zone and the message is
 * empty). The four bytes after the NUL choose:
 *   IP    bits 0-2 the client IP; bit 3 sign the message with the target's
 *         own key (a DKIM-Signature on top, d= the zone's first owner,
 *         s=fz, the key record added to the zone); bit 4 RSA-1024 instead
 *         of Ed25519; bit 5 change one message byte after signing (at an
 *         offset from HELO); bit 6 add "_dmarc.<d> TXT v=DMARC1; p=reject";
 *         bit 7 RFC 9989 DMARC (tree walk) instead of RFC 7489;
 *   FROM  bits 0-2 the MAIL FROM (bit 7: "user@<first owner of the zone>",
 *         so the fuzzer reaches its own records); bits 3-4 relaxed header /
 *         body canonicalization of the signature; bit 5 l=; bit 6 feed the
 *         raw bytes with mailauth_eval_feed() in pieces;
 *   HELO  the HELO name;
 *   MODE  bit 0 mailauth_eval_message() or header()/end_headers()/body() in
 *         chunks whose sizes (and the feed() pieces) come from MODE >> 2;
 *         bit 1 the blocking or the asynchronous finish (asynchronous
 *         always when the zone has a TIMEOUT: the target drives the
 *         monotonic clock, so waiting costs no time); bit 7 seal the
 *         message (after signing) as the first ARC hop with the same key.
 * The dictionary brings DKIM-Signature, key record, DMARC and ARC pieces,
 * so the fuzzer also writes its own signatures, keys and policies.
 *
 * Invariants (abort() on violation): every call returns one of its
 * documented statuses; finishing ends with OK and exactly one callback; the
 * SPF, DKIM, DMARC and ARC verdicts are words of their methods; the A-R has
 * one dkim entry per signature (dkim=none without one), formats and parses
 * back to the same number of entries; and the target's own signature and
 * ARC set over an unchanged message verify (pass, or temperror / ARC
 * dns-tempfail when the DNS budget or the deadline ran out), whenever the
 * fuzzer cannot have interfered: no "_domainkey" and no escape in its
 * zone, the message fed whole or as raw bytes and accepted without a
 * refused field, not starting with an mbox "From " line or a continuation.
 * No leak, no sanitizer report, no hang (DNS and evaluation deadlines are
 * short, and passed in the target's own time, never waited for). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---- the target's own signature and records ---------------------------------------------- */

/* Test keys of tests/data/keys (public in this repository: never for real mail). */
static const char ed_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MC4CAQAwBQYDK2VwBCIEIJ1VweApQC1ED0zD+IzDSN0U0/Lufj4BP+PKLATkQMSh\n"
                             "-----END PRIVATE KEY-----\n";
static const char rsa_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                              "MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBALsvbBua+NErZejk\n"
                              "ybLC+E88XpSnPsJO4ylCFTdmvfogiVp86KOCIj1WcJTzOfCd1G4+80MYF2uyT0r9\n"
                              "KNh0fL/JakXFhR/MBXUD+gC90GWfeJNYVM4K9d+I2xveoCzTB6VtswSLpGgkwnhn\n"
                              "VJ4XfoHYpkC4KPKfoO7Q64ACQuIbAgMBAAECgYAgqFNqNY13oOS0z0XJZG7CFDxE\n"
                              "HzG54N2NEzR0Z/55JzgPi39jF481uGEH+69+JWssmNsEN63OYlunL6fyq9AfsPHe\n"
                              "UXr5DP9rerrqcsNa19+Y29rgjc9iPv0DIYBug1kEIp/XTJQAw4lbyicDx9QYPzic\n"
                              "L+jcUe6BZTTOijvHwQJBAPYVtrPTMqusKBeEWSYYiwBGe4Ox6EEQuwrZ+BrGy/i5\n"
                              "eS3lhnBG2ujfujDg2OTAdKBePAG/amRRu9YWPB4kGnECQQDCui2lKtEj66vlYC3k\n"
                              "KO3ZZe4y209Fnr/GyVe928vKD6xehX14ed3YkFIJyjHbeLAM9gqzhd84ERsp+wT0\n"
                              "JNNLAkANA7T36bGCVsaAB+XXF/EyAIhDvML1vfbGaiSu9diPvO9lt//WLEkji8GD\n"
                              "GEEgR/VjDdjKlt7/kzsF5YMkbPBhAkBjUfjEHNGtg6Aaj3L4w9OFJhNXhzqopO7m\n"
                              "In4JTZllB5eAYo/7qhT4R6xAaAwECEurYLdWl7qh6z+yquD88ed/AkBlRtQ2Y8v5\n"
                              "G9gK9R2zJrwN8JAYi5hEGUF3S7K0JRupUPx7a0aA+v5BgI1p/ZbEo6RCPOeDkJ8q\n"
                              "USVdMxRFl+WH\n"
                              "-----END PRIVATE KEY-----\n";

#define SIGN 0x08u
#define SIGN_RSA 0x10u
#define TAMPER 0x20u
#define ADD_DMARC 0x40u
#define MODE_9989 0x80u
#define C_HEADER 0x08u /* in FROM */
#define C_BODY 0x10u
#define L_TAG 0x20u
#define RAW_FEED 0x40u
#define SEAL 0x80u /* in MODE */

/* What the evaluation is given: the zone and message as derived, or
 * extended copies (zbuf, mbuf) with the target's records and fields. */
struct job {
    const char *zone, *msg;
    size_t      zlen, mlen;
    char       *zbuf, *mbuf;
    int         own_sig; /* mbuf holds the target's DKIM signature */
    int         own_arc; /* mbuf starts with the target's ARC set */
    int         key_added;
};

/* Append n bytes to a malloc'd, NUL-terminated buffer. */
static void
cat(char **buf, size_t *len, const char *s, size_t n)
{
    char *p = realloc(*buf, *len + n + 1);
    if (p == NULL)
        abort();
    memcpy(p + *len, s, n);
    *len += n;
    p[*len] = '\0';
    *buf = p;
}

/* The key record line (once), TXT strings of at most 200 octets. */
static void
add_key_line(struct job *j, size_t *zl, const mailauth_key_t *key, const char *d)
{
    char   rec[1024];
    size_t need = 0;
    if (j->key_added)
        return;
    j->key_added = 1;
    check(mailauth_key_format_dns_record(key, rec, sizeof(rec), &need) == MAILAUTH_OK);
    cat(&j->zbuf, zl, "\nfz._domainkey.", 15);
    cat(&j->zbuf, zl, d, strlen(d));
    cat(&j->zbuf, zl, " TXT", 4);
    for (size_t i = 0; i < need; i += 200) {
        cat(&j->zbuf, zl, " \"", 2);
        cat(&j->zbuf, zl, rec + i, need - i < 200 ? need - i : 200);
        cat(&j->zbuf, zl, "\"", 1);
    }
    cat(&j->zbuf, zl, "\n", 1);
}

/* Put fields (need bytes, no final CRLF) and a CRLF in front of the message. */
static void
prepend(struct job *j, const char *fields, size_t need)
{
    char *m = malloc(need + 2 + j->mlen + 1);
    if (m == NULL)
        abort();
    memcpy(m, fields, need);
    memcpy(m + need, "\r\n", 2);
    memcpy(m + need + 2, j->msg, j->mlen);
    free(j->mbuf); /* j->msg pointed into it: copied above */
    j->mbuf = m;
    j->msg = m;
    j->mlen += need + 2;
}

static void
load_key(const uint8_t *sel, mailauth_ctx_t **ctx, mailauth_key_t **key)
{
    const char *pem = (sel[0] & SIGN_RSA) ? rsa_pem : ed_pem;
    check(mailauth_ctx_new(NULL, ctx) == MAILAUTH_OK);
    check(mailauth_key_load_pem(*ctx, pem, strlen(pem), key) == MAILAUTH_OK);
}

/* Sign msg with d=<d>, s=fz: the DKIM-Signature goes on top. */
static void
sign(struct job *j, const uint8_t *sel, const char *d, size_t *zl)
{
    mailauth_ctx_t         *ctx = NULL;
    mailauth_key_t         *key = NULL;
    mailauth_dkim_signer_t *s = NULL;
    char                    field[4096];
    size_t                  need = 0;
    load_key(sel, &ctx, &key);
    if (mailauth_dkim_signer_new(ctx, key, d, "fz", &s) == MAILAUTH_OK &&
        mailauth_dkim_signer_set_canon(
            s, (sel[1] & C_HEADER) ? MAILAUTH_CANON_RELAXED : MAILAUTH_CANON_SIMPLE,
            (sel[1] & C_BODY) ? MAILAUTH_CANON_RELAXED : MAILAUTH_CANON_SIMPLE) == MAILAUTH_OK &&
        mailauth_dkim_signer_set_body_length(s, (sel[1] & L_TAG) != 0) == MAILAUTH_OK &&
        mailauth_dkim_signer_message(s, j->msg, j->mlen) == MAILAUTH_OK &&
        mailauth_dkim_signer_end_message(s) == MAILAUTH_OK) {
        check(mailauth_dkim_signer_format(s, field, sizeof(field), &need) == MAILAUTH_OK);
        prepend(j, field, need);
        j->own_sig = 1;
        add_key_line(j, zl, key, d);
    }
    mailauth_dkim_signer_free(s);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
}

/* Seal msg as the first hop (cv=none) with d=<d>, s=fz: the set goes on top. */
static void
seal(struct job *j, const uint8_t *sel, const char *d, size_t *zl)
{
    mailauth_ctx_t        *ctx = NULL;
    mailauth_key_t        *key = NULL;
    mailauth_arc_sealer_t *s = NULL;
    char                  *set = NULL;
    size_t                 need = 0;
    load_key(sel, &ctx, &key);
    if (mailauth_arc_sealer_new(ctx, key, d, "fz", "mx.fuzz.example", &s) == MAILAUTH_OK &&
        mailauth_arc_sealer_set_chain(s, MAILAUTH_VERDICT_NONE) == MAILAUTH_OK &&
        mailauth_arc_sealer_message(s, j->msg, j->mlen) == MAILAUTH_OK &&
        mailauth_arc_sealer_end_message(s) == MAILAUTH_OK) {
        check(mailauth_arc_sealer_instance(s) == 1);
        check(mailauth_arc_sealer_format(s, NULL, 0, &need) == MAILAUTH_ENOSPC);
        set = malloc(need + 1);
        if (set == NULL)
            abort();
        check(mailauth_arc_sealer_format(s, set, need + 1, NULL) == MAILAUTH_OK);
        prepend(j, set, need);
        j->own_arc = 1;
        add_key_line(j, zl, key, d);
    }
    free(set);
    mailauth_arc_sealer_free(s);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
}

/* Case-insensitive "_domainkey", or any backslash (an escape could spell it). */
static int
zone_may_interfere(const char *z, size_t n)
{
    static const char word[] = "_domainkey";
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        if (z[i] == '\\')
            return 1;
        while (k + 1 < sizeof(word) && i + k < n && (z[i + k] | 0x20) == word[k])
            k++;
        if (k + 1 == sizeof(word))
            return 1;
    }
    return 0;
}

/* Build the job: the signature, the ARC set, the key record and the DMARC
 * record asked for, then the changed bit. */
static void
prepare(struct job *j, const uint8_t *sel)
{
    char   owner[256];
    size_t zl = 0, orig = j->mlen;
    from_zone_owner(j->zone, j->zlen, owner, sizeof(owner));
    if (((sel[0] & (SIGN | ADD_DMARC)) == 0 && (sel[3] & SEAL) == 0) || owner[5] == '\0')
        return;
    cat(&j->zbuf, &zl, j->zone, j->zlen);
    if ((sel[0] & SIGN) && j->mlen > 0)
        sign(j, sel, owner + 5, &zl);
    if ((sel[3] & SEAL) && j->mlen > 0)
        seal(j, sel, owner + 5, &zl);
    if (sel[0] & ADD_DMARC) {
        cat(&j->zbuf, &zl, "\n_dmarc.", 8);
        cat(&j->zbuf, &zl, owner + 5, strlen(owner + 5));
        cat(&j->zbuf, &zl, " TXT \"v=DMARC1; p=reject; rua=mailto:r@example.net\"\n", 51);
    }
    if ((sel[0] & TAMPER) && j->mbuf != NULL && orig > 0) /* one bit of the original message */
        j->mbuf[j->mlen - orig + (((size_t)sel[2] << 8 | sel[3]) % orig)] ^= 1;
    j->zone = j->zbuf;
    j->zlen = zl;
}

/* The target's own signature and seal must verify when nothing could have
 * changed them. */
static int
own_fields_apply(const uint8_t *sel, const char *zone, size_t zlen, const char *msg, size_t mlen,
                 mailauth_status_t fed)
{
    if ((sel[0] & TAMPER) || fed != MAILAUTH_OK)
        return 0;
    if (!(sel[1] & RAW_FEED) && !(sel[3] & 1)) /* header(): the target's own field cutting */
        return 0;
    if (mlen > 0 && (msg[0] == ' ' || msg[0] == '\t'))
        return 0;
    if (mlen >= 5 && memcmp(msg, "From ", 5) == 0)
        return 0;
    return !zone_may_interfere(zone, zlen);
}

/* ---- results --------------------------------------------------------------------------------- */

static int
dkim_word(mailauth_verdict_t v)
{
    return v == MAILAUTH_VERDICT_PASS || v == MAILAUTH_VERDICT_FAIL ||
           v == MAILAUTH_VERDICT_NEUTRAL || v == MAILAUTH_VERDICT_POLICY ||
           v == MAILAUTH_VERDICT_TEMPERROR || v == MAILAUTH_VERDICT_PERMERROR;
}

static void
check_message_methods(const mailauth_eval_t *ev, int own_sig, int own_arc)
{
    const mailauth_dmarc_result_t *dm = mailauth_eval_dmarc(ev);
    const mailauth_arc_result_t   *arc = mailauth_eval_arc(ev);
    size_t                         n = mailauth_eval_dkim_count(ev);
    for (size_t i = 0; i < n; i++)
        check(dkim_word(mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, i))));
    check(mailauth_eval_dkim(ev, n) == NULL);
    if (own_sig) {
        mailauth_verdict_t v =
            n > 0 ? mailauth_dkim_result_verdict(mailauth_eval_dkim(ev, 0)) : MAILAUTH_VERDICT_NONE;
        if (v != MAILAUTH_VERDICT_PASS && v != MAILAUTH_VERDICT_TEMPERROR) {
            const mailauth_dkim_result_t *r = mailauth_eval_dkim(ev, 0);
            (void)fprintf(stderr, "own signature: %s %s (%s)\n", mailauth_verdict_name(v),
                          r ? mailauth_reason_name(mailauth_dkim_result_reason(r)) : "-",
                          r && mailauth_dkim_result_problem(r) ? mailauth_dkim_result_problem(r)
                                                               : "-");
            abort();
        }
    }
    check(dm != NULL && arc != NULL);
    {
        mailauth_verdict_t v = mailauth_dmarc_result_verdict(dm);
        check(v == MAILAUTH_VERDICT_PASS || v == MAILAUTH_VERDICT_FAIL ||
              v == MAILAUTH_VERDICT_NONE || v == MAILAUTH_VERDICT_TEMPERROR ||
              v == MAILAUTH_VERDICT_PERMERROR);
        check(mailauth_dmarc_result_policy(dm) <= MAILAUTH_DMARC_POLICY_REJECT);
        check(mailauth_dmarc_result_disposition(dm) <= MAILAUTH_DMARC_POLICY_REJECT);
        check(v == MAILAUTH_VERDICT_FAIL ||
              mailauth_dmarc_result_disposition(dm) == MAILAUTH_DMARC_POLICY_NONE);
        check(mailauth_dmarc_result_rua_count(dm) <= 16);
    }
    {
        mailauth_verdict_t v = mailauth_arc_result_verdict(arc);
        int                op = mailauth_arc_result_oldest_pass(arc);
        check(v == MAILAUTH_VERDICT_PASS || v == MAILAUTH_VERDICT_FAIL ||
              v == MAILAUTH_VERDICT_NONE);
        if (own_arc && v != MAILAUTH_VERDICT_PASS &&
            mailauth_arc_result_reason(arc) != MAILAUTH_REASON_ARC_DNS_TEMPFAIL) {
            (void)fprintf(stderr, "own ARC set: %s %s (%s)\n", mailauth_verdict_name(v),
                          mailauth_reason_name(mailauth_arc_result_reason(arc)),
                          mailauth_arc_result_problem(arc) ? mailauth_arc_result_problem(arc)
                                                           : "-");
            abort();
        }
        check(v != MAILAUTH_VERDICT_PASS ||
              (op >= 0 && (unsigned)op <= mailauth_arc_result_instances(arc)));
    }
}

static void
check_results(mailauth_eval_t *ev, int fed, int own_sig, int own_arc)
{
    const mailauth_authres_t *ar = NULL;
    mailauth_authres_t       *back = NULL;
    char                      out[8192], *text = NULL;
    size_t                    need = 0, ndkim = 0, n = mailauth_eval_dkim_count(ev);
    for (int id = MAILAUTH_SPF_MAILFROM; id <= MAILAUTH_SPF_HELO; id++) {
        const mailauth_spf_result_t *res = mailauth_eval_spf(ev, (mailauth_spf_identity_t)id);
        mailauth_verdict_t           v;
        if (res == NULL)
            continue;
        v = mailauth_spf_result_verdict(res);
        check(v != MAILAUTH_VERDICT_POLICY && v <= MAILAUTH_VERDICT_PERMERROR);
        check(mailauth_spf_result_format_received_spf(res, out, sizeof(out), &need) !=
              MAILAUTH_EINVAL);
    }
    if (fed)
        check_message_methods(ev, own_sig, own_arc);
    check(mailauth_eval_authres(ev, &ar) == MAILAUTH_OK && ar != NULL);
    for (size_t i = 0; i < mailauth_authres_resinfo_count(ar); i++)
        ndkim += strcmp(mailauth_resinfo_method(mailauth_authres_resinfo(ar, i)), "dkim") == 0;
    check(ndkim == (fed ? (n > 0 ? n : 1) : 0));
    check(mailauth_authres_format(ar, NULL, 0, &need) == MAILAUTH_ENOSPC);
    text = malloc(need + 1);
    check(text != NULL);
    check(mailauth_authres_format(ar, text, need + 1, NULL) == MAILAUTH_OK);
    check(mailauth_authres_parse(NULL, text, need, NULL, &back) == MAILAUTH_OK);
    check(mailauth_authres_resinfo_count(back) == mailauth_authres_resinfo_count(ar));
    mailauth_authres_free(back);
    free(text);
}

/* The monotonic time of the evaluation is the target's own: it moves only
 * when the resolver has nothing to do but wait for a timer, and then jumps
 * to that timer, so a question that never gets an answer (zone TIMEOUT)
 * costs no wall-clock time. Wall time (signature timestamps) is real. */
struct vclock {
    uint64_t mono_ms;
};

static uint64_t
vclock_read(void *ud, mailauth_clock_kind_t kind)
{
    const struct vclock *c = ud;
    struct timespec      ts;
    if (kind == MAILAUTH_CLOCK_MONOTONIC)
        return c->mono_ms;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The blocking finish waits in poll() for real, so it runs only when no
 * question can wait: a zone without TIMEOUT answers every question at once. */
static int
zone_may_wait(const char *zone, size_t zlen)
{
    static const char word[] = "timeout";
    for (size_t i = 0; i + sizeof(word) - 1 <= zlen; i++) {
        size_t k = 0;
        while (k < sizeof(word) - 1 && (zone[i + k] | 0x20) == word[k])
            k++;
        if (k == sizeof(word) - 1)
            return 1;
    }
    return 0;
}

static void
finish(mailauth_eval_t *ev, mailauth_resolver_t *r, struct vclock *clk, int async)
{
    struct done d = {0, MAILAUTH_OK};
    if (!async) {
        check(mailauth_eval_finish_sync(ev, 200) == MAILAUTH_OK);
        return;
    }
    check(mailauth_eval_finish(ev, on_done, &d) == MAILAUTH_OK);
    check(d.calls == 0); /* never from inside finish() */
    for (int turn = 0; turn < 1000 && d.calls == 0; turn++) {
        int t = mailauth_resolver_timeout_ms(r);
        check(t >= 0); /* an unfinished evaluation always has its deadline */
        clk->mono_ms += (uint64_t)t;
        check(mailauth_resolver_process_timeouts(r) == MAILAUTH_OK);
    }
    check(d.calls == 1 && d.st == MAILAUTH_OK);
}

/* The raw bytes in pieces of 1..97 bytes, then end_message(). */
static mailauth_status_t
feed_raw(mailauth_eval_t *ev, const char *m, size_t len, unsigned seed)
{
    for (size_t pos = 0; pos < len;) {
        size_t chunk = 1 + (seed % 97u);
        seed = seed * 1103515245u + 12345u;
        if (chunk > len - pos)
            chunk = len - pos;
        check(mailauth_eval_feed(ev, m + pos, chunk) == MAILAUTH_OK);
        pos += chunk;
    }
    return mailauth_eval_end_message(ev);
}

/* Feed the message as MODE and FROM say; returns the status of the feeding. */
static mailauth_status_t
feed(mailauth_eval_t *ev, const uint8_t *sel, const char *msg, size_t mlen)
{
    mailauth_status_t st = MAILAUTH_OK;
    if ((sel[1] & RAW_FEED) && mlen > 0)
        st = feed_raw(ev, msg, mlen, (unsigned)sel[3] >> 2);
    else if (sel[3] & 1)
        st = mailauth_eval_message(ev, msg, mlen);
    else
        feed_parts(ev, msg, mlen, (unsigned)sel[3] >> 2);
    check(ok_feed(st));
    return st;
}

static void
run(const char *zone, size_t zlen, const uint8_t *sel, const char *msg, size_t mlen)
{
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev = NULL;
    char                 from[256];
    const char          *helo = helos[sel[2] % N(helos)];
    struct job           j = {zone, msg, zlen, mlen, NULL, NULL, 0, 0, 0};
    int                  own;
    mailauth_status_t    fed = MAILAUTH_OK;
    struct vclock        clk = {1000000u};
    int                  fed_any = mlen > 0 || (sel[3] & 1) != 0 || (sel[1] & RAW_FEED) != 0;
    prepare(&j, sel);
    check(mailauth_ctx_new(NULL, &ctx) == MAILAUTH_OK);
    check(mailauth_ctx_set_clock(ctx, vclock_read, &clk) == MAILAUTH_OK);
    check(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_DNS_TIMEOUT_MS, 50) == MAILAUTH_OK);
    check(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_EVAL_TIMEOUT_MS, 200) == MAILAUTH_OK);
    check(mailauth_ctx_set_authserv_id(ctx, "mx.example.net") == MAILAUTH_OK);
    if (sel[0] & MODE_9989)
        check(mailauth_ctx_set_dmarc_mode(ctx, MAILAUTH_DMARC_RFC9989) == MAILAUTH_OK);
    if (mailauth_resolver_new_zone(ctx, j.zone, j.zlen, NULL, &r) != MAILAUTH_OK)
        goto out;
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
    if (fed_any)
        fed = feed(ev, sel, j.msg, j.mlen);
    finish(ev, r, &clk, (sel[3] & 2) != 0 || zone_may_wait(j.zone, j.zlen));
    own = own_fields_apply(sel, zone, zlen, msg, mlen, fed);
    check_results(ev, fed_any, own && j.own_sig, own && j.own_arc);
out:
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    free(j.zbuf);
    free(j.mbuf);
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
