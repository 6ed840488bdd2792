/* libmailauth-report: aggregate report generation (RFC 9990) and report
 * destinations. `test_report_gen write DIR` writes sample documents and
 * messages for the schema and MIME checks of tests/report_gen.cmake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <zlib.h>

#include <mailauth/dkim.h>
#include <mailauth/eval.h>
#include <mailauth/report.h>

#include "gen_int.h"
#include "report_gen_fixture.h"
#include "report_gen_support.h"

static mailauth_report_aggregate_t *
make(const mailauth_report_policy_t *p, const mailauth_report_record_t *r, size_t n)
{
    mailauth_report_aggregate_t *a = NULL;
    assert_int_equal(mailauth_report_aggregate_new(&fix_gen, p, r, n, FIX_BEGIN, FIX_END, &a),
                     MAILAUTH_OK);
    return a;
}

static void
test_report_gen_names(void **state)
{
    mailauth_report_aggregate_t *a = make(&fix_policy, fix_records, 2);
    const char                  *id = mailauth_report_aggregate_id(a);
    char                         want[256];
    size_t                       len = 0;
    const char                  *xml = (const char *)mailauth_report_aggregate_xml(a, &len);
    (void)state;
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    /* pinned: the same report gets the same Report-ID in every release */
    assert_string_equal(id, "09347799dfca0d9d20d1e827ad8cdbd9");
    (void)snprintf(want, sizeof(want), "receiver.example!example.org!%d!%d!%s.xml.gz", FIX_BEGIN,
                   FIX_END, id);
    assert_string_equal(mailauth_report_aggregate_filename(a), want);
    assert_non_null(strstr(xml, "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"));
    (void)snprintf(want, sizeof(want), "<report_id>%s</report_id>", id);
    assert_non_null(strstr(xml, want));
    assert_non_null(strstr(xml, "<generator>mailauth "));
    assert_non_null(strstr(xml, "<begin>1700006400</begin>"));
    /* sampled_out has no RFC 9990 word: "other" with the word as comment */
    assert_non_null(strstr(xml, "<type>other</type>"));
    assert_non_null(strstr(xml, "<comment>sampled_out</comment>"));
    /* only the MAIL FROM identity is reported */
    assert_null(strstr(xml, "mx.example.org"));
    assert_null(strstr(xml, "<pct>"));
    mailauth_report_aggregate_free(a);
}

static void
test_report_gen_deterministic(void **state)
{
    mailauth_report_aggregate_t *a = make(&fix_policy, fix_records, 2);
    mailauth_report_aggregate_t *b = make(&fix_policy, fix_records, 2);
    mailauth_report_aggregate_t *c = NULL;
    mailauth_report_policy_t     other = fix_policy;
    size_t                       la = 0;
    size_t                       lb = 0;
    (void)state;
    assert_string_equal(mailauth_report_aggregate_id(a), mailauth_report_aggregate_id(b));
    assert_string_equal(mailauth_report_aggregate_filename(a),
                        mailauth_report_aggregate_filename(b));
    const uint8_t *xa = mailauth_report_aggregate_xml(a, &la);
    const uint8_t *xb = mailauth_report_aggregate_xml(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(xa, xb, la);
    xa = mailauth_report_aggregate_gzip(a, &la);
    xb = mailauth_report_aggregate_gzip(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(xa, xb, la);
    /* another configuration of the same domain and period: another report */
    other.p = "none";
    c = make(&other, fix_records, 2);
    assert_string_not_equal(mailauth_report_aggregate_id(a), mailauth_report_aggregate_id(c));
    mailauth_report_aggregate_free(c);
    /* another period */
    assert_int_equal(mailauth_report_aggregate_new(&fix_gen, &fix_policy, fix_records, 2,
                                                   FIX_BEGIN + 86400, FIX_END + 86400, &c),
                     MAILAUTH_OK);
    assert_string_not_equal(mailauth_report_aggregate_id(a), mailauth_report_aggregate_id(c));
    mailauth_report_aggregate_free(c);
    mailauth_report_aggregate_free(a);
    mailauth_report_aggregate_free(b);
}

/* 150 DKIM results of four priority classes, interleaved in header order. */
static mailauth_report_dkim_t many_dkim[150];
static char                   many_names[150][48];

static void
fill_many(mailauth_report_record_t *rec)
{
    static const char *const results[] = {"fail", "pass", "pass", "pass"};
    for (size_t i = 0; i < 150; i++) {
        switch (i % 4) {
        case 0:
            (void)snprintf(many_names[i], 48, "f%zu.example.net", i);
            break;
        case 1:
            (void)snprintf(many_names[i], 48, "o%zu.example.net", i);
            break;
        case 2:
            (void)snprintf(many_names[i], 48, "r%zu.example.org", i);
            break;
        default:
            (void)snprintf(many_names[i], 48, "example.org");
            break;
        }
        many_dkim[i] = (mailauth_report_dkim_t){many_names[i], "s", results[i % 4], NULL};
    }
    *rec = fix_records[0];
    rec->dkim = many_dkim;
    rec->dkim_count = 150;
}

static void
test_report_gen_dkim_cap(void **state)
{
    mailauth_report_record_t rec;
    size_t                   idx[100];
    size_t                   n;
    (void)state;
    fill_many(&rec);
    n = mailauth_report__dkim_order(&rec, idx);
    assert_int_equal(n, 100);
    /* RFC 9990 §2.1.2: strict aligned passes (i%4==3: 37 of them), relaxed
     * aligned passes (i%4==2: 37), other passes (i%4==1): 26 fit; no fail. */
    for (size_t k = 0; k < n; k++) {
        unsigned want = k < 37 ? 3 : k < 74 ? 2 : 1;
        assert_int_equal(idx[k] % 4, want);
        if (k > 0 && idx[k] % 4 == idx[k - 1] % 4)
            assert_true(idx[k] > idx[k - 1]); /* header order within a class */
    }
    /* and in the document */
    mailauth_report_aggregate_t *a = make(&fix_policy, &rec, 1);
    size_t                       len = 0;
    const uint8_t               *xml = mailauth_report_aggregate_xml(a, &len);
    xmlDocPtr                    doc = xmlReadMemory((const char *)xml, (int)len, "r.xml", NULL, 0);
    assert_non_null(doc);
    xmlXPathContextPtr xc = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(xc, BAD_CAST "d", BAD_CAST "urn:ietf:params:xml:ns:dmarc-2.0");
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST "//d:auth_results/d:dkim/d:domain", xc);
    assert_non_null(o);
    assert_int_equal(o->nodesetval->nodeNr, 100);
    xmlChar *first = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
    xmlChar *mid = xmlNodeGetContent(o->nodesetval->nodeTab[37]);
    xmlChar *last = xmlNodeGetContent(o->nodesetval->nodeTab[99]);
    assert_string_equal((const char *)first, "example.org");
    assert_string_equal((const char *)mid, "r2.example.org");
    assert_string_equal((const char *)last, "o101.example.net");
    xmlFree(first);
    xmlFree(mid);
    xmlFree(last);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(xc);
    xmlFreeDoc(doc);
    mailauth_report_aggregate_free(a);
}

static void
test_report_gen_gzip(void **state)
{
    mailauth_report_aggregate_t *a = make(&fix_policy, fix_records, 2);
    size_t                       xl = 0;
    size_t                       gl = 0;
    const uint8_t               *xml = mailauth_report_aggregate_xml(a, &xl);
    const uint8_t               *gz = mailauth_report_aggregate_gzip(a, &gl);
    uint8_t                     *back = malloc(xl + 16);
    z_stream                     zs;
    (void)state;
    assert_non_null(back);
    assert_true(gl > 18);
    assert_int_equal(gz[0], 0x1f); /* RFC 1952 magic */
    assert_int_equal(gz[1], 0x8b);
    assert_int_equal(gz[4] | gz[5] | gz[6] | gz[7], 0); /* MTIME 0: reproducible */
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)gz;
    zs.avail_in = (uInt)gl;
    zs.next_out = back;
    zs.avail_out = (uInt)(xl + 16);
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, xl);
    assert_memory_equal(back, xml, xl);
    inflateEnd(&zs);
    free(back);
    mailauth_report_aggregate_free(a);
}

static void
test_report_gen_refuses(void **state)
{
    mailauth_report_aggregate_t *a = NULL;
    mailauth_report_policy_t     p = fix_policy;
    mailauth_report_record_t     r = fix_records[0];
    mailauth_report_gen_t        g = fix_gen;
    (void)state;
    p.p = "monitor"; /* not a DispositionType */
    assert_int_equal(mailauth_report_aggregate_new(&fix_gen, &p, &r, 1, 0, 1, &a), MAILAUTH_EINVAL);
    assert_null(a);
    p = fix_policy;
    p.domain = "evil!example.org"; /* would break the file name */
    assert_int_equal(mailauth_report_aggregate_new(&fix_gen, &p, &r, 1, 0, 1, &a), MAILAUTH_EINVAL);
    r.disposition = "discard";
    assert_int_equal(mailauth_report_aggregate_new(&fix_gen, &fix_policy, &r, 1, 0, 1, &a),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_report_aggregate_new(&fix_gen, &fix_policy, fix_records, 0, 0, 1, &a),
                     MAILAUTH_EINVAL);
    g.email = "x@y.example\r\nBcc: victim@example.com"; /* header injection */
    assert_int_equal(mailauth_report_aggregate_new(&g, &fix_policy, fix_records, 1, 0, 1, &a),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_report_aggregate_new(&fix_gen, &fix_policy, fix_records, 1, 5, 4, &a),
                     MAILAUTH_EINVAL);
}

/* The report message: structure, and a DKIM signature that libmailauth's
 * own verifier accepts over a zone publishing the key. */
static char *
signed_message(mailauth_ctx_t *ctx, mailauth_key_t *key, const mailauth_report_aggregate_t *a,
               size_t *len)
{
    static const char *const to[] = {"dmarc@example.org", "agg@reports.example"};
    mailauth_report_mail_t   mail = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                     .to = to,
                                     .to_count = 2,
                                     .date = FIX_END + 3600,
                                     .ctx = ctx,
                                     .key = key,
                                     .domain = "receiver.example",
                                     .selector = "rpt"};
    char                    *msg = NULL;
    assert_int_equal(mailauth_report_aggregate_message(a, &mail, &msg, len), MAILAUTH_OK);
    return msg;
}

static uint64_t
fixed_clock(void *ud, mailauth_clock_kind_t kind)
{
    (void)ud;
    return kind == MAILAUTH_CLOCK_WALL ? (uint64_t)(FIX_END + 3600) * 1000u : 5000u;
}

static void
test_report_gen_message(void **state)
{
    mailauth_ctx_t              *ctx = NULL;
    mailauth_report_aggregate_t *a = make(&fix_policy, fix_records, 2);
    size_t                       len = 0;
    size_t                       len2 = 0;
    char                         want[256];
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    mailauth_key_t *key = rg_load_key(ctx);
    assert_int_equal(mailauth_ctx_set_clock(ctx, fixed_clock, NULL), MAILAUTH_OK);
    char *msg = signed_message(ctx, key, a, &len);
    char *again = signed_message(ctx, key, a, &len2);
    /* same period, same date and signing clock: the same bytes */
    assert_int_equal(len, len2);
    assert_memory_equal(msg, again, len);
    assert_true(strncmp(msg, "DKIM-Signature: ", 16) == 0);
    (void)snprintf(want, sizeof(want),
                   "Subject: Report Domain: example.org\r\n  Submitter: receiver.example\r\n"
                   "  Report-ID: <%s>\r\n",
                   mailauth_report_aggregate_id(a));
    assert_non_null(strstr(msg, want));
    (void)snprintf(want, sizeof(want), "Message-ID: <%s@receiver.example>\r\n",
                   mailauth_report_aggregate_id(a));
    assert_non_null(strstr(msg, want));
    assert_non_null(
        strstr(msg, "From: \"Receiver \\\"Test\\\" Org\" <dmarc-reports@receiver.example>\r\n"));
    assert_non_null(strstr(msg, "Date: Thu, 16 Nov 2023 00:59:59 +0000\r\n"));
    assert_non_null(strstr(msg, "Content-Type: application/gzip;"));
    (void)snprintf(want, sizeof(want), "filename=\"%s\"", mailauth_report_aggregate_filename(a));
    assert_non_null(strstr(msg, want));

    /* libmailauth's verifier over a zone with the key */
    char                *zone = rg_key_zone(key, "rpt", "receiver.example");
    mailauth_resolver_t *r = rg_zone(ctx, zone);
    mailauth_eval_t     *ev = NULL;
    assert_int_equal(mailauth_eval_new(ctx, r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_message(ev, msg, len), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_finish_sync(ev, 5000), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_dkim_count(ev), 1);
    const mailauth_dkim_result_t *d = mailauth_eval_dkim(ev, 0);
    assert_int_equal(mailauth_dkim_result_verdict(d), MAILAUTH_VERDICT_PASS);
    assert_string_equal(mailauth_dkim_result_domain(d), "receiver.example");
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    free(zone);
    mailauth_report_buf_free(msg);
    mailauth_report_buf_free(again);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
    mailauth_report_aggregate_free(a);
}

/* Generate, then read back with the library's own reader (from the gzip
 * file and from the signed message): the same metadata, policy, rows and
 * counts, and the DKIM results in the order the report gives them. */
struct readback {
    char     org[64], email[64], id[40], generator[40], policy[160];
    int64_t  begin, end;
    unsigned reports, records;
    char     rows[4][512];
    int      ended_ok;
};

static const char *
nz(const char *s)
{
    return s != NULL ? s : "-";
}

static mailauth_status_t
rb_begin(void *user, const mailauth_report_read_where_t *where, const mailauth_report_meta_t *m,
         const mailauth_report_policy_t *p)
{
    struct readback *rb = user;
    (void)where;
    rb->reports++;
    (void)snprintf(rb->org, sizeof(rb->org), "%s", nz(m->org_name));
    (void)snprintf(rb->email, sizeof(rb->email), "%s", nz(m->email));
    (void)snprintf(rb->id, sizeof(rb->id), "%s", nz(m->report_id));
    (void)snprintf(rb->generator, sizeof(rb->generator), "%s", nz(m->generator));
    rb->begin = m->begin;
    rb->end = m->end;
    (void)snprintf(rb->policy, sizeof(rb->policy),
                   "%s p=%s sp=%s np=%s adkim=%s aspf=%s t=%s d=%s fo=%s", nz(p->domain), nz(p->p),
                   nz(p->sp), nz(p->np), nz(p->adkim), nz(p->aspf), nz(p->testing),
                   nz(p->discovery_method), nz(p->fo));
    return MAILAUTH_OK;
}

static mailauth_status_t
rb_record(void *user, const mailauth_report_record_t *r)
{
    struct readback *rb = user;
    char            *o;
    size_t           n;
    if (rb->records >= 4)
        return MAILAUTH_OK;
    o = rb->rows[rb->records++];
    n = (size_t)snprintf(o, 512, "%s %llu %s %s %s from=%s env=%s to=%s", nz(r->source_ip),
                         (unsigned long long)r->count, nz(r->disposition), nz(r->dkim_aligned),
                         nz(r->spf_aligned), nz(r->header_from), nz(r->envelope_from),
                         nz(r->envelope_to));
    for (size_t i = 0; i < r->reason_count && n < 500; i++)
        n += (size_t)snprintf(o + n, 512 - n, " reason=%s/%s", nz(r->reasons[i].type),
                              nz(r->reasons[i].comment));
    for (size_t i = 0; i < r->dkim_count && n < 500; i++)
        n += (size_t)snprintf(o + n, 512 - n, " dkim=%s/%s/%s", nz(r->dkim[i].domain),
                              nz(r->dkim[i].selector), nz(r->dkim[i].result));
    for (size_t i = 0; i < r->spf_count && n < 500; i++)
        n += (size_t)snprintf(o + n, 512 - n, " spf=%s/%s/%s", nz(r->spf[i].domain),
                              nz(r->spf[i].scope), nz(r->spf[i].result));
    return MAILAUTH_OK;
}

static void
rb_end(void *user, const mailauth_report_read_where_t *where, mailauth_status_t st, const char *why)
{
    struct readback *rb = user;
    (void)where;
    if (st != MAILAUTH_OK)
        print_message("read: %s\n", nz(why));
    rb->ended_ok += st == MAILAUTH_OK;
}

static void
read_back(const uint8_t *data, size_t len, struct readback *rb)
{
    mailauth_report_read_cbs_t cbs = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                      .begin = rb_begin,
                                      .record = rb_record,
                                      .end = rb_end};
    mailauth_report_reader_t  *rd = NULL;
    memset(rb, 0, sizeof(*rb));
    assert_int_equal(mailauth_report_reader_new(NULL, &cbs, rb, &rd), MAILAUTH_OK);
    assert_int_equal(mailauth_report_read_mem(rd, "generated", data, len), MAILAUTH_OK);
    mailauth_report_reader_free(rd);
}

static void
assert_readback(const struct readback *rb, const char *id)
{
    assert_int_equal(rb->reports, 1);
    assert_int_equal(rb->ended_ok, 1);
    assert_string_equal(rb->org, fix_gen.org_name);
    assert_string_equal(rb->email, fix_gen.email);
    assert_string_equal(rb->id, id);
    assert_int_equal(rb->begin, FIX_BEGIN);
    assert_int_equal(rb->end, FIX_END);
    assert_int_equal(strncmp(rb->generator, "mailauth ", 9), 0);
    assert_string_equal(
        rb->policy, "example.org p=reject sp=quarantine np=reject adkim=r aspf=s t=n d=psl fo=1");
    assert_int_equal(rb->records, 2);
    assert_string_equal(rb->rows[0],
                        "192.0.2.10 12 none pass pass from=example.org env=example.org "
                        "to=rcpt.example dkim=example.org/sel/pass dkim=other.example/s1/pass "
                        "dkim=mail.example.org/m/fail spf=example.org/mfrom/pass");
    assert_true(strncmp(rb->rows[1], "2001:db8::1 3 none fail fail from=sub.example.org env=",
                        strlen("2001:db8::1 3 none fail fail from=sub.example.org env=")) == 0);
    assert_non_null(strstr(rb->rows[1], " reason=other/sampled_out reason=local_policy/arc"));
}

static void
test_report_gen_read_back(void **state)
{
    mailauth_report_aggregate_t *a = make(&fix_policy, fix_records, 2);
    mailauth_ctx_t              *ctx = NULL;
    struct readback              rb;
    size_t                       len = 0;
    (void)state;
    const uint8_t *gz = mailauth_report_aggregate_gzip(a, &len);
    read_back(gz, len, &rb);
    assert_readback(&rb, mailauth_report_aggregate_id(a));
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    mailauth_key_t *key = rg_load_key(ctx);
    char           *msg = signed_message(ctx, key, a, &len);
    read_back((const uint8_t *)msg, len, &rb);
    assert_readback(&rb, mailauth_report_aggregate_id(a));
    mailauth_report_buf_free(msg);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
    mailauth_report_aggregate_free(a);
}

/* `write DIR`: documents and messages for the xmllint, Python and dkimpy checks. */
static int
write_samples(const char *dir)
{
    mailauth_ctx_t              *ctx = NULL;
    mailauth_report_record_t     rec;
    mailauth_report_aggregate_t *a = NULL;
    mailauth_report_aggregate_t *b = NULL;
    size_t                       len = 0;
    int                          rc = 0;
    if (mailauth_ctx_new(NULL, &ctx) != MAILAUTH_OK)
        return 1;
    fill_many(&rec);
    if (mailauth_report_aggregate_new(&fix_gen, &fix_policy, fix_records, 2, FIX_BEGIN, FIX_END,
                                      &a) != MAILAUTH_OK ||
        mailauth_report_aggregate_new(&fix_gen, &fix_policy, &rec, 1, FIX_BEGIN, FIX_END, &b) !=
            MAILAUTH_OK)
        return 1;
    const uint8_t *x = mailauth_report_aggregate_xml(a, &len);
    rc |= rg_write_file(dir, "aggregate.xml", x, len);
    x = mailauth_report_aggregate_xml(b, &len);
    rc |= rg_write_file(dir, "aggregate-dkim100.xml", x, len);
    x = mailauth_report_aggregate_gzip(a, &len);
    rc |= rg_write_file(dir, mailauth_report_aggregate_filename(a), x, len);
    mailauth_key_t *key = rg_load_key(ctx);
    char           *msg = signed_message(ctx, key, a, &len);
    rc |= rg_write_file(dir, "aggregate.eml", msg, len);
    char *zone = rg_key_zone(key, "rpt", "receiver.example");
    rc |= rg_write_file(dir, "key.zone", zone, strlen(zone));
    free(zone);
    mailauth_report_buf_free(msg);
    mailauth_key_free(key);
    mailauth_report_aggregate_free(a);
    mailauth_report_aggregate_free(b);
    mailauth_ctx_free(ctx);
    return rc != 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_gen_names),
        cmocka_unit_test(test_report_gen_deterministic),
        cmocka_unit_test(test_report_gen_dkim_cap),
        cmocka_unit_test(test_report_gen_gzip),
        cmocka_unit_test(test_report_gen_refuses),
        cmocka_unit_test(test_report_gen_message),
        cmocka_unit_test(test_report_gen_read_back),
    };
    if (argc == 3 && strcmp(argv[1], "write") == 0)
        return write_samples(argv[2]);
    return cmocka_run_group_tests_name("report_gen", tests, NULL, NULL);
}
