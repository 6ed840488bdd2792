/* hostile: inputs an attacker controls (messages, DNS answers, SPF records,
 * Authentication-Results fields) must end in their expected verdict or
 * status, within a peak-memory bound, without a leak.
 *
 * Each row builds its input (outside the measurement), then runs it with a
 * ctx whose allocator is tests/support/fail_alloc wrapped to record the peak
 * of its live-bytes counter. The work is bounded by what it is counted in
 * (bytes live at once, fields indexed, DNS questions), never by a clock: a
 * hang ends at the ctest timeout. HOSTILE_VERBOSE=1 prints each row's CPU
 * time for a human to read.
 *
 * The DKIM rows are in test_hostile_dkim.c, DMARC in test_hostile_dmarc.c,
 * ARC in test_hostile_arc.c (same shape, same support/hostile.h).
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "support/authres_of.h"
#include "core/eval_int.h"
#include "support/hostile.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ANY_ST ((mailauth_status_t)-1)   /* status not checked */
#define ANY_N SIZE_MAX                   /* count not checked */
#define NOT_RUN ((mailauth_verdict_t)-1) /* no SPF result */
#define ANY_V ((mailauth_verdict_t)-2)
#define ANY_R ((mailauth_reason_t)-1)

/* ---- building inputs (plain malloc, not measured: support/hostile.h) ---------------------- */

/* What a row runs: a zone, an envelope, optionally a message (whole, or one
 * header() call per CRLF line up to the empty line), or an A-R field. */
typedef struct input {
    gbuf_t      zone, msg, mail_from, ar;
    const char *ip;
    const char *helo;
    bool        fields; /* feed msg through header()/end_headers()/body() */
} input_t;

/* A sender domain whose SPF passes 192.0.2.1: message rows check that a
 * hostile message leaves the envelope verdict alone. */
#define PASS_ZONE "pass.example TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
#define PASS_FROM "a@pass.example"

static void
envelope(input_t *in, const char *ip, const char *from)
{
    in->ip = ip;
    gprintf(&in->mail_from, "%s", from);
}

/* ---- message rows ---------------------------------------------------------------------------- */

static void
b_many_fields(input_t *in)
{
    gprintf(&in->zone, PASS_ZONE);
    envelope(in, "192.0.2.1", PASS_FROM);
    gprintf(&in->msg, "From: " PASS_FROM "\r\n");
    for (int i = 0; i < 10000; i++)
        gprintf(&in->msg, "X-Filler-%d: value %d\r\n", i, i);
    gprintf(&in->msg, "\r\nbody\r\n");
}

static void
b_huge_field(input_t *in)
{
    gprintf(&in->zone, PASS_ZONE);
    envelope(in, "192.0.2.1", PASS_FROM);
    gprintf(&in->msg, "Subject: ");
    grepeat(&in->msg, 'a', MIB);
    gprintf(&in->msg, "\r\nFrom: " PASS_FROM "\r\n\r\nbody\r\n");
}

static void
b_huge_field_fed(input_t *in)
{
    b_huge_field(in);
    in->fields = true;
}

static void
b_huge_folded(input_t *in)
{
    gprintf(&in->zone, PASS_ZONE);
    envelope(in, "192.0.2.1", PASS_FROM);
    gprintf(&in->msg, "From: " PASS_FROM "\r\nReceived: start");
    for (int i = 0; i < 100000; i++)
        gprintf(&in->msg, "\r\n\tx%d", i);
    gprintf(&in->msg, "\r\n\r\nbody\r\n");
}

static void
b_no_separator(input_t *in)
{
    gprintf(&in->zone, PASS_ZONE);
    envelope(in, "192.0.2.1", PASS_FROM);
    gprintf(&in->msg, "From: " PASS_FROM "\r\nSubject: x\r\nX-Last: no line end");
}

static void
b_bare_cr(input_t *in)
{
    gprintf(&in->zone, PASS_ZONE);
    envelope(in, "192.0.2.1", PASS_FROM);
    gprintf(&in->msg, "From: " PASS_FROM "\rX-Hidden: y\r\nSubject: a\rb\r\n\r\nbody\rmore\r\r\n");
}

static void
b_nul_headers(input_t *in)
{
    static const char m[] = "From: " PASS_FROM "\r\nX-Nul: a\0b\0\r\nX-End: \0\r\n"
                            "Sub\0ject: not a field\r\n\r\nbody\0\r\n";
    gprintf(&in->zone, PASS_ZONE);
    envelope(in, "192.0.2.1", PASS_FROM);
    gput(&in->msg, m, sizeof(m) - 1);
}

static void
b_eight_bit(input_t *in)
{
    gprintf(&in->zone, PASS_ZONE);
    envelope(in, "192.0.2.1", PASS_FROM);
    gprintf(&in->msg, "From: J\xc3\xbcrgen <" PASS_FROM ">\r\nSubject: caf\xc3\xa9 \xe2\x82\xac "
                      "\xf0\x9f\x93\xa7\r\nX-Raw: \xff\xfe\x80\xc0\xaf\r\n"
                      "X-\xc3\xa9: non-ASCII name\r\n\r\n\xe9t\xe9\r\n");
}

/* ---- SPF rows -------------------------------------------------------------------------------- */

static void
b_spf_1000_ip4(input_t *in)
{
    gprintf(&in->zone, "big.example TXT \"v=spf1");
    for (int i = 0; i < 1000; i++)
        gprintf(&in->zone, " ip4:10.%d.%d.0/24", i / 250, i % 250);
    gprintf(&in->zone, " -all\"\n");
    envelope(in, "192.0.2.1", "a@big.example");
}

static void
b_spf_1000_a(input_t *in)
{
    gprintf(&in->zone, "big.example TXT \"v=spf1");
    for (int i = 0; i < 1000; i++)
        gprintf(&in->zone, " a:h%d.big.example", i);
    gprintf(&in->zone, " -all\"\n");
    for (int i = 0; i < 1000; i++)
        gprintf(&in->zone, "h%d.big.example A 10.0.%d.%d\n", i, i / 250, i % 250);
    envelope(in, "192.0.2.1", "a@big.example");
}

static void
b_include_loop(input_t *in)
{
    gprintf(&in->zone, "one.example TXT \"v=spf1 include:two.example -all\"\n"
                       "two.example TXT \"v=spf1 include:one.example -all\"\n");
    envelope(in, "192.0.2.1", "a@one.example");
}

static void
b_redirect_loop(input_t *in)
{
    gprintf(&in->zone, "self.example TXT \"v=spf1 redirect=self.example\"\n");
    envelope(in, "192.0.2.1", "a@self.example");
}

/* A 10 KiB local part expanded several times into a domain (cut to 253
 * octets, RFC 7208 §7.3) and into an explanation (cut to its maximum). */
static void
b_macro_10k(input_t *in)
{
    gprintf(&in->zone, "m.example TXT \"v=spf1 exists:%%{l}.%%{l}.%%{l}.x.m.example -all "
                       "exp=why.m.example\"\nwhy.m.example TXT \"");
    for (int i = 0; i < 10; i++)
        gprintf(&in->zone, "%%{l}%%{s}%%{d}");
    gprintf(&in->zone, "\"\n");
    for (int i = 0; i < 5120; i++) /* "abc.abc.": labels, so %{l1} etc. have work to do */
        gput(&in->mail_from, i % 2 == 0 ? "ab" : "c.", 2);
    gprintf(&in->mail_from, "d@m.example");
    in->ip = "192.0.2.1";
}

/* 1,000 PTR names for the client; only the last one validates (§5.5). */
static void
ptr_flood_zone(input_t *in, const char *record)
{
    gprintf(&in->zone, "p.example TXT \"%s\"\n", record);
    for (int i = 0; i < 1000; i++)
        gprintf(&in->zone, "1.2.0.192.in-addr.arpa PTR h%d.flood.p.example\n", i);
    gprintf(&in->zone, "h999.flood.p.example A 192.0.2.1\n");
    envelope(in, "192.0.2.1", "a@p.example");
}

static void
b_ptr_flood(input_t *in)
{
    ptr_flood_zone(in, "v=spf1 ptr:flood.p.example -all");
}

static void
b_pmacro_flood(input_t *in)
{
    ptr_flood_zone(in, "v=spf1 exists:%{p}.ok.p.example -all");
}

static void
b_a_1000_records(input_t *in)
{
    gprintf(&in->zone, "many.example TXT \"v=spf1 a -all\"\n");
    for (int i = 0; i < 999; i++)
        gprintf(&in->zone, "many.example A 10.1.%d.%d\n", i / 250, i % 250);
    gprintf(&in->zone, "many.example A 192.0.2.1\n");
    envelope(in, "192.0.2.1", "a@many.example");
}

static void
b_mx_1000_records(input_t *in)
{
    gprintf(&in->zone, "mxf.example TXT \"v=spf1 mx -all\"\n");
    for (int i = 0; i < 1000; i++)
        gprintf(&in->zone, "mxf.example MX %d mx%d.mxf.example\nmx%d.mxf.example A 192.0.2.1\n", i,
                i, i);
    envelope(in, "192.0.2.1", "a@mxf.example");
}

static void
b_txt_1000_records(input_t *in)
{
    for (int i = 0; i < 1000; i++) {
        if (i == 500)
            gprintf(&in->zone, "txt.example TXT \"v=spf1 ip4:192.0.2.1 -all\"\n");
        gprintf(&in->zone, "txt.example TXT \"site-verification=%d\"\n", i);
    }
    envelope(in, "192.0.2.1", "a@txt.example");
}

/* RFC 7208 §3.3: strings of one TXT record are joined without spaces; the
 * matching term straddles the 255-byte boundaries. */
static void
b_txt_255_pieces(input_t *in)
{
    gbuf_t rec = {0};
    gprintf(&rec, "v=spf1");
    for (int i = 0; i < 60; i++)
        gprintf(&rec, " ip4:10.2.%d.%d", i / 250, i % 250);
    gprintf(&rec, " ip4:192.0.2.1 -all");
    gprintf(&in->zone, "split.example TXT");
    for (size_t off = 0; off < rec.n; off += 255) {
        size_t k = rec.n - off < 255 ? rec.n - off : 255;
        gprintf(&in->zone, " \"");
        gput(&in->zone, rec.p + off, k);
        gprintf(&in->zone, "\"");
    }
    gprintf(&in->zone, "\n");
    free(rec.p);
    envelope(in, "192.0.2.1", "a@split.example");
}

static void
b_txt_nul(input_t *in)
{
    gprintf(&in->zone, "nul.example TXT \"v=spf1 ip4:192.0.2.1\\000 -all\"\n");
    envelope(in, "192.0.2.1", "a@nul.example");
}

static void
b_txt_nul_version(input_t *in)
{
    gprintf(&in->zone, "nulv.example TXT \"v=spf1\\000 +all\"\n");
    envelope(in, "192.0.2.1", "a@nulv.example");
}

/* ---- Authentication-Results rows ------------------------------------------------------------- */

static void
b_ar_open_comment(input_t *in)
{
    gprintf(&in->ar, "Authentication-Results: mx.example.net; spf=pass (comment never closed "
                     "smtp.mailfrom=a@example.org; dkim=pass header.d=example.org");
}

static void
b_ar_open_quote(input_t *in)
{
    gprintf(&in->ar, "Authentication-Results: mx.example.net; dkim=fail reason=\"never closed; "
                     "spf=pass smtp.mailfrom=a@example.org");
}

static void
b_ar_junk(input_t *in)
{
    static const char alphabet[] = "()\"\\;=./@ \t\r\nabcspfdkimpass";
    uint32_t          x = 12345;
    gprintf(&in->ar, "Authentication-Results: mx.example.net; ");
    for (size_t i = 0; i < MIB; i++) {
        x = x * 1664525u + 1013904223u;
        gput(&in->ar, &alphabet[(x >> 16) % (sizeof(alphabet) - 1)], 1);
    }
}

static void
b_ar_nested(input_t *in)
{
    gprintf(&in->ar, "Authentication-Results: mx.example.net; spf=pass ");
    grepeat(&in->ar, '(', MIB / 2);
    grepeat(&in->ar, ')', MIB / 2 - 1);
}

static void
b_ar_entries(input_t *in)
{
    gprintf(&in->ar, "Authentication-Results: mx.example.net");
    for (int i = 0; i < 50000; i++)
        gprintf(&in->ar, "; spf=pass");
}

/* ---- the table ------------------------------------------------------------------------------- */

typedef struct hostile_case {
    const char *name;
    void (*build)(input_t *in);
    size_t             n;        /* header fields indexed (eval) or entries (A-R) */
    size_t             max_peak; /* bytes live at once through the ctx allocator */
    mailauth_status_t  st;       /* message feeding (eval rows) or parse (A-R rows) */
    mailauth_verdict_t verdict;  /* SPF MAIL FROM verdict (eval rows) */
    mailauth_reason_t  reason;   /* its reason */
} hostile_case_t;

/* clang-format off */
#define ROW(nm, fn, st_, v, r, n_, peak)                                                           \
    {.name = (nm), .build = (fn), .n = (n_), .max_peak = (peak), .st = (st_), .verdict = (v),      \
     .reason = (r)}
/* clang-format on */
#define MSG(nm, fn, st, n, peak) ROW(nm, fn, st, MAILAUTH_VERDICT_PASS, ANY_R, n, peak)
#define SPF(nm, fn, v, r, peak) ROW(nm, fn, MAILAUTH_OK, v, r, ANY_N, peak)
#define AR(nm, fn, st, n, peak) ROW(nm, fn, st, ANY_V, ANY_R, n, peak)

static const hostile_case_t cases[] = {
    MSG("msg: 10,000 header fields", b_many_fields, MAILAUTH_OK, 1000, 1 * MIB),
    MSG("msg: 1 MiB header field", b_huge_field, MAILAUTH_OK, 1, 256 * KIB),
    MSG("msg: 1 MiB header field via header()", b_huge_field_fed, MAILAUTH_OK, 1, 256 * KIB),
    MSG("msg: 100,000 folded lines", b_huge_folded, MAILAUTH_OK, 1, 256 * KIB),
    MSG("msg: no header/body separator", b_no_separator, MAILAUTH_OK, 3, 256 * KIB),
    MSG("msg: bare CR", b_bare_cr, MAILAUTH_OK, 2, 256 * KIB),
    MSG("msg: NUL bytes in headers", b_nul_headers, MAILAUTH_OK, 3, 256 * KIB),
    MSG("msg: 8-bit and UTF-8 header values", b_eight_bit, MAILAUTH_OK, 3, 256 * KIB),
    SPF("spf: 1,000 ip4 mechanisms", b_spf_1000_ip4, MAILAUTH_VERDICT_FAIL, ANY_R, 1 * MIB),
    SPF("spf: 1,000 a mechanisms", b_spf_1000_a, MAILAUTH_VERDICT_PERMERROR,
        MAILAUTH_REASON_SPF_DNS_LIMIT, 1 * MIB),
    SPF("spf: include loop", b_include_loop, MAILAUTH_VERDICT_PERMERROR,
        MAILAUTH_REASON_SPF_DNS_LIMIT, 512 * KIB),
    SPF("spf: redirect loop", b_redirect_loop, MAILAUTH_VERDICT_PERMERROR,
        MAILAUTH_REASON_SPF_DNS_LIMIT, 512 * KIB),
    SPF("spf: macros expanding to 10 KiB", b_macro_10k, MAILAUTH_VERDICT_FAIL, ANY_R, 512 * KIB),
    SPF("spf: ptr with 1,000 PTR records", b_ptr_flood, MAILAUTH_VERDICT_FAIL, ANY_R, 1 * MIB),
    SPF("spf: %{p} with 1,000 PTR records", b_pmacro_flood, MAILAUTH_VERDICT_FAIL, ANY_R, 1 * MIB),
    SPF("spf: 1,000 A records", b_a_1000_records, MAILAUTH_VERDICT_PASS, ANY_R, 1 * MIB),
    SPF("spf: 1,000 MX records", b_mx_1000_records, MAILAUTH_VERDICT_PERMERROR,
        MAILAUTH_REASON_SPF_MX_LIMIT, 1 * MIB),
    SPF("spf: 1,000 TXT records", b_txt_1000_records, MAILAUTH_VERDICT_PASS, ANY_R, 1 * MIB),
    SPF("spf: TXT in 255-byte pieces", b_txt_255_pieces, MAILAUTH_VERDICT_PASS, ANY_R, 512 * KIB),
    SPF("spf: NUL byte in a TXT record", b_txt_nul, MAILAUTH_VERDICT_PERMERROR,
        MAILAUTH_REASON_SPF_SYNTAX, 512 * KIB),
    /* RFC 7208 §4.5: "v=spf1" must be followed by SP or the end: not an SPF record. */
    SPF("spf: NUL byte after v=spf1", b_txt_nul_version, MAILAUTH_VERDICT_NONE,
        MAILAUTH_REASON_SPF_NO_RECORD, 512 * KIB),
    /* After an unterminated comment or quote the parser treats "(" or DQUOTE as
     * plain bytes and resynchronizes at ";": both entries are recovered. */
    AR("ar: unbalanced comment", b_ar_open_comment, MAILAUTH_OK, 2, 64 * KIB),
    AR("ar: unbalanced quote", b_ar_open_quote, MAILAUTH_OK, 2, 64 * KIB),
    AR("ar: 1 MiB of junk", b_ar_junk, ANY_ST, ANY_N, 8 * MIB),
    AR("ar: 1 MiB of nested comments", b_ar_nested, MAILAUTH_OK, 1, 4 * MIB),
    AR("ar: 50,000 entries", b_ar_entries, MAILAUTH_OK, 1000, 4 * MIB),
};

/* ---- running a row --------------------------------------------------------------------------- */

typedef struct outcome {
    mailauth_status_t  st;
    mailauth_verdict_t verdict;
    mailauth_reason_t  reason;
    size_t             n;
} outcome_t;

/* One header() call per field (a line and its WSP-led continuations) up to
 * the empty line, then the body in 4 KiB chunks. First status not OK wins. */
static mailauth_status_t
feed_fields(mailauth_eval_t *ev, const char *m, size_t len)
{
    mailauth_status_t st = MAILAUTH_OK, one;
    size_t            pos = 0;
    while (pos < len && !(m[pos] == '\r' && pos + 1 < len && m[pos + 1] == '\n')) {
        size_t end = pos;
        do {
            const char *lf = memchr(m + end, '\n', len - end);
            end = lf != NULL ? (size_t)(lf - m) + 1 : len;
        } while (end < len && (m[end] == ' ' || m[end] == '\t'));
        one = mailauth_eval_header(ev, m + pos, end - pos);
        st = st == MAILAUTH_OK ? one : st;
        pos = end;
    }
    assert_int_equal(mailauth_eval_end_headers(ev), MAILAUTH_OK);
    for (pos += 2; pos < len; pos += 4096)
        assert_int_equal(mailauth_eval_body(ev, m + pos, len - pos < 4096 ? len - pos : 4096),
                         MAILAUTH_OK);
    assert_int_equal(mailauth_eval_end_message(ev), MAILAUTH_OK);
    return st;
}

static void
run_eval(const input_t *in, meter_t *m, outcome_t *out)
{
    mailauth_ctx_t              *ctx = NULL;
    mailauth_resolver_t         *r = NULL;
    mailauth_eval_t             *ev = NULL;
    const mailauth_spf_result_t *res;
    char                        *ar = NULL;
    size_t                       errline = 0, need = 0;
    assert_int_equal(mailauth_ctx_new(&m->al, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(ctx, "mx.example.net"), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(ctx, in->zone.p, in->zone.n, &errline, &r),
                     MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(ctx, r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(ev, in->ip), MAILAUTH_OK);
    if (in->helo != NULL)
        assert_int_equal(mailauth_eval_set_helo(ev, in->helo), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(ev, in->mail_from.p), MAILAUTH_OK);
    out->st = MAILAUTH_OK;
    if (in->msg.n > 0 && in->fields)
        out->st = feed_fields(ev, in->msg.p, in->msg.n);
    else if (in->msg.n > 0)
        out->st = mailauth_eval_message(ev, in->msg.p, in->msg.n);
    assert_int_equal(mailauth_eval_finish_sync(ev, 5000), MAILAUTH_OK);
    out->n = mailauth__hdr_index_count(mailauth__eval_headers(ev));
    res = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    out->verdict = res != NULL ? mailauth_spf_result_verdict(res) : NOT_RUN;
    out->reason = res != NULL ? mailauth_spf_result_reason(res) : MAILAUTH_REASON_NONE;
    if (res != NULL && mailauth_spf_result_explanation(res) != NULL)
        assert_true(strlen(mailauth_spf_result_explanation(res)) <= 512); /* §6.2, cut */
    /* The field we emit is well-formed and its size is bounded by the
     * envelope it echoes (smtp.mailfrom, the comment), not by the message. */
    assert_int_equal(mailauth_authres_format(authres_of(ev), NULL, 0, &need),
                     MAILAUTH_ENOSPC);
    assert_true(need < 4 * in->mail_from.n + 1024);
    ar = malloc(need + 1);
    assert_non_null(ar);
    assert_int_equal(mailauth_authres_format(authres_of(ev), ar, need + 1, NULL),
                     MAILAUTH_OK);
    free(ar);
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

static void
run_ar(const input_t *in, meter_t *m, outcome_t *out)
{
    mailauth_authres_t *ar = NULL;
    out->st = mailauth_authres_parse(&m->al, in->ar.p, in->ar.n, NULL, &ar);
    out->n = ar != NULL ? mailauth_authres_resinfo_count(ar) : 0;
    assert_true(out->n <= 1000); /* the parser's entry bound */
    mailauth_authres_free(ar);
}

static void
test_hostile_row(void **state)
{
    const hostile_case_t *c = *state;
    input_t               in;
    meter_t               m;
    outcome_t             out = {MAILAUTH_OK, NOT_RUN, MAILAUTH_REASON_NONE, 0};
    uint64_t              t0, ms;
    memset(&in, 0, sizeof(in));
    c->build(&in);
    meter_init(&m);
    t0 = hostile_cpu_ms();
    if (in.ar.p != NULL)
        run_ar(&in, &m, &out);
    else
        run_eval(&in, &m, &out);
    ms = hostile_cpu_ms() - t0;
    if (getenv("HOSTILE_VERBOSE") != NULL)
        print_message("%-40s %5llu ms  peak %8zu bytes  st %d verdict %d reason %d n %zu\n",
                      c->name, (unsigned long long)ms, m.peak, (int)out.st, (int)out.verdict,
                      (int)out.reason, out.n);
    assert_int_equal(m.fa.live, 0); /* nothing leaked through the ctx allocator */
    if (c->st != ANY_ST)
        assert_int_equal(out.st, c->st);
    if (c->verdict != ANY_V)
        assert_int_equal(out.verdict, c->verdict);
    if (c->reason != ANY_R)
        assert_int_equal(out.reason, c->reason);
    if (c->n != ANY_N)
        assert_int_equal(out.n, c->n);
    assert_true(m.peak <= c->max_peak);
    free(in.zone.p);
    free(in.msg.p);
    free(in.mail_from.p);
    free(in.ar.p);
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases)];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[i] = (struct CMUnitTest){.name = cases[i].name,
                                       .test_func = test_hostile_row,
                                       .initial_state = (void *)&cases[i]};
    return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
}
