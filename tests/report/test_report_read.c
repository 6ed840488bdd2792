/* The report reader: its own cases (both schemas, the deviations real
 * reporters make, every container, refusals), and, as the group
 * "conformance", every sample of the DMARC report corpus against its
 * MANIFEST.tsv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "read_collect.h"
#include "support/testdata.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define META                                                                                       \
    "<report_metadata><org_name>Org</org_name><email>a@example.net</email>"                        \
    "<report_id>r1</report_id><date_range><begin>1700000000</begin><end>1700086399</end>"          \
    "</date_range></report_metadata>"
#define POL "<policy_published><domain>example.org</domain><p>reject</p></policy_published>"
#define REC(ip, n)                                                                                 \
    "<record><row><source_ip>" ip "</source_ip><count>" n "</count><policy_evaluated>"             \
    "<disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>"     \
    "<identifiers><header_from>example.org</header_from></identifiers><auth_results><dkim>"        \
    "<domain>example.org</domain><result>pass</result></dkim><spf><domain>example.org</domain>"    \
    "<result>pass</result></spf></auth_results></record>"
#define FB(body) "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>" body "</feedback>\n"
#define FB2(body)                                                                                  \
    "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\"><version>1.0</version>" body "</"        \
    "feedback>"
#define NOREPORT NULL, NULL, NULL, 0, 0, 0, NULL /* a refusal: no report to check */
#define SIMPLE FB(META POL REC("192.0.2.1", "3") REC("192.0.2.2", "4"))

enum wrap { W_RAW, W_GZIP, W_ZLIB, W_GZIP_GZIP, W_GZIP_TRAILER, W_MSG_B64, W_MSG_QP, W_MSG_NESTED };

struct read_case {
    const char       *name;
    const char       *xml;
    enum wrap         wrap;
    mailauth_status_t want;
    const char       *why;    /* a part of the reason, for a refusal */
    const char       *schema; /* the rest: for a report read whole */
    const char       *report_id, *org_name;
    int64_t           begin;
    size_t            records;
    uint64_t          count_sum;
    const char       *first_dkim;
};

static const struct read_case cases[] = {
    {"RFC 9990 with its namespace", FB2(META POL REC("192.0.2.1", "3")), W_RAW, MAILAUTH_OK, NULL,
     "2.0", "r1", "Org", 1700000000, 1, 3, "pass"},
    {"RFC 7489 without namespace or version", SIMPLE, W_RAW, MAILAUTH_OK, NULL, "0.1", "r1", "Org",
     1700000000, 2, 7, "pass"},
    {"version 2.0 without namespace", FB("<version>2.0</version>" META POL REC("192.0.2.1", "1")),
     W_RAW, MAILAUTH_OK, NULL, "2.0", "r1", "Org", 1700000000, 1, 1, "pass"},
    {"date with a fraction (1337270400.0)",
     FB("<report_metadata><org_name>O</org_name><report_id>r2</report_id><date_range><begin>"
        "1337270400.0</begin><end>1337356799.0</end></date_range></report_metadata>" POL),
     W_RAW, MAILAUTH_OK, NULL, "0.1", "r2", "O", 1337270400, 0, 0, ""},
    {"upper-case words and white space",
     FB("<report_metadata><org_name>\n  Org \n</org_name><report_id> r1 </report_id>"
        "</report_metadata>" POL
        "<record><row><source_ip> 192.0.2.9 </source_ip><count> 5 </count><policy_evaluated>"
        "<disposition>None</disposition><dkim>Pass</dkim><spf>FAIL</spf></policy_evaluated>"
        "</row></record>"),
     W_RAW, MAILAUTH_OK, NULL, "0.1", "r1", "Org", 0, 1, 5, "pass"},
    {"optional elements absent, empty ones",
     FB(META POL "<record><row><source_ip/><count>0</count><policy_evaluated><disposition/>"
                 "</policy_evaluated></row><identifiers><header_from/></identifiers></record>"),
     W_RAW, MAILAUTH_OK, NULL, "0.1", "r1", "Org", 1700000000, 1, 0, ""},
    {"CDATA and comments",
     FB(META POL "<!-- x --><record><row><count><![CDATA[12]]></count>"
                 "</row></record>"),
     W_RAW, MAILAUTH_OK, NULL, "0.1", "r1", "Org", 1700000000, 1, 12, ""},
    {"unknown elements are passed over",
     FB(META POL "<extension><x><y>1</y></x></extension>" REC("192.0.2.1", "2")), W_RAW,
     MAILAUTH_OK, NULL, "0.1", "r1", "Org", 1700000000, 1, 2, "pass"},
    {"largest count (2^63 - 1)", FB(META POL REC("192.0.2.1", "9223372036854775807")), W_RAW,
     MAILAUTH_OK, NULL, "0.1", "r1", "Org", 1700000000, 1, 9223372036854775807u, "pass"},
    {"latin-1 declared: converted to UTF-8",
     "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><feedback><report_metadata><org_name>"
     "Caf\xe9</org_name><report_id>r1</report_id></report_metadata>" POL "</feedback>",
     W_RAW, MAILAUTH_OK, NULL, "0.1", "r1", "Caf\xc3\xa9", 0, 0, 0, ""},
    {"gzip", SIMPLE, W_GZIP, MAILAUTH_OK, NULL, "0.1", "r1", "Org", 1700000000, 2, 7, "pass"},
    {"zlib", SIMPLE, W_ZLIB, MAILAUTH_OK, NULL, "0.1", "r1", "Org", 1700000000, 2, 7, "pass"},
    {"gzip in gzip", SIMPLE, W_GZIP_GZIP, MAILAUTH_OK, NULL, "0.1", "r1", "Org", 1700000000, 2, 7,
     "pass"},
    {"gzip with a CRLF after it", SIMPLE, W_GZIP_TRAILER, MAILAUTH_OK, NULL, "0.1", "r1", "Org",
     1700000000, 2, 7, "pass"},
    {"message: base64 gzip attachment", SIMPLE, W_MSG_B64, MAILAUTH_OK, NULL, "0.1", "r1", "Org",
     1700000000, 2, 7, "pass"},
    {"message: quoted-printable text/xml", SIMPLE, W_MSG_QP, MAILAUTH_OK, NULL, "0.1", "r1", "Org",
     1700000000, 2, 7, "pass"},
    {"message: nested multipart and message/rfc822", SIMPLE, W_MSG_NESTED, MAILAUTH_OK, NULL, "0.1",
     "r1", "Org", 1700000000, 2, 7, "pass"},
    {"duplicate <count>",
     FB(META POL "<record><row><count>1</count><count>2</count></row></record>"), W_RAW,
     MAILAUTH_EINVAL, "<count> given twice", NOREPORT},
    {"duplicate <org_name>",
     FB("<report_metadata><org_name>a</org_name><org_name>b</org_name></report_metadata>"), W_RAW,
     MAILAUTH_EINVAL, "<org_name> given twice", NOREPORT},
    {"count 2^63", FB(META POL REC("192.0.2.1", "9223372036854775808")), W_RAW, MAILAUTH_EINVAL,
     "out of range", NOREPORT},
    {"count 2^64", FB(META POL REC("192.0.2.1", "18446744073709551616")), W_RAW, MAILAUTH_EINVAL,
     "out of range", NOREPORT},
    {"count negative", FB(META POL REC("192.0.2.1", "-1")), W_RAW, MAILAUTH_EINVAL, "not a number",
     NOREPORT},
    {"root is not feedback", "<html><body/></html>", W_RAW, MAILAUTH_ENOTSUP, "root element <html>",
     NOREPORT},
    {"no report_id", FB("<report_metadata><org_name>a</org_name></report_metadata>" POL), W_RAW,
     MAILAUTH_EINVAL, "report_id", NOREPORT},
    {"no policy domain", FB(META "<policy_published><p>none</p></policy_published>"), W_RAW,
     MAILAUTH_EINVAL, "<domain>", NOREPORT},
    {"date not a number",
     FB("<report_metadata><report_id>r</report_id><date_range><begin>yesterday</begin>"
        "</date_range></report_metadata>" POL),
     W_RAW, MAILAUTH_EINVAL, "not a time", NOREPORT},
    {"non-UTF-8 org_name", FB("<report_metadata><org_name>\xff\xfe</org_name></report_metadata>"),
     W_RAW, MAILAUTH_EINVAL, "UTF-8", NOREPORT},
    {"truncated XML", "<feedback><report_metadata><org_name>x", W_RAW, MAILAUTH_EINVAL, "XML",
     NOREPORT},
    {"truncated XML inside gzip", "<feedback><report_metadata><org_name>x", W_GZIP, MAILAUTH_EINVAL,
     "XML", NOREPORT},
    {"not a report at all", "\x01\x02\x03 binary", W_RAW, MAILAUTH_EINVAL, "not a DMARC report",
     NOREPORT},
};

/* ---- building the inputs ---- */

static char *
base64(const uint8_t *p, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char             *out = malloc(n / 3 * 4 + n / 57 * 2 + 8), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        *o++ = a[v >> 18 & 63];
        *o++ = a[v >> 12 & 63];
        *o++ = i + 1 < n ? a[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? a[v & 63] : '=';
        if ((i / 3 + 1) % 19 == 0) {
            *o++ = '\r';
            *o++ = '\n';
        }
    }
    *o = '\0';
    return out;
}

static char *
qp(const char *s)
{
    char *out = malloc(strlen(s) * 3 + strlen(s) / 70 * 3 + 4), *o = out;
    for (size_t col = 0; *s != '\0'; s++) {
        if (*s == '=' || *s == '\n' || (unsigned char)*s >= 0x7f) {
            o += sprintf(o, "=%02X", (unsigned char)*s);
            col += 3;
        } else {
            *o++ = *s;
            col++;
        }
        if (col >= 70) {
            o += sprintf(o, "=\n");
            col = 0;
        }
    }
    *o = '\0';
    return out;
}

static uint8_t *
message(const struct read_case *c, size_t *len)
{
    size_t   gzlen = 0;
    uint8_t *gz = collect_deflate(c->xml, strlen(c->xml), true, &gzlen);
    char    *b64 = base64(gz, gzlen), *q = qp(c->xml);
    char    *out = malloc(strlen(b64) + strlen(q) + 2048);
    if (c->wrap == W_MSG_B64)
        sprintf(out,
                "From: a@example.net\r\nSubject: Report\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/mixed;\r\n boundary=\"=_b1\"\r\n\r\npreamble\r\n"
                "--=_b1\r\nContent-Type: text/plain\r\n\r\nA report.\r\n--=_b1\r\n"
                "Content-Type: application/gzip; name=\"r.xml.gz\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--=_b1--\r\n",
                b64);
    else if (c->wrap == W_MSG_QP)
        sprintf(out,
                "From: a@example.net\nContent-Type: text/xml\n"
                "Content-Transfer-Encoding: quoted-printable\n\n%s\n",
                q);
    else
        sprintf(out,
                "From: a@example.net\nContent-Type: multipart/mixed; boundary=outer\n\n"
                "--outer\nContent-Type: text/plain\n\nforwarded\n--outer\n"
                "Content-Type: message/rfc822\n\nFrom: b@example.org\nContent-Type: "
                "multipart/alternative; boundary=\"inner\"\n\n--inner\nContent-Type: text/html\n"
                "\n<p>x</p>\n--inner\nContent-Type: application/octet-stream\n"
                "Content-Transfer-Encoding: base64\n\n%s\n--inner--\n--outer--\n",
                b64);
    free(gz);
    free(b64);
    free(q);
    *len = strlen(out);
    return (uint8_t *)out;
}

static uint8_t *
build(const struct read_case *c, size_t *len)
{
    size_t   n = strlen(c->xml), n1 = 0;
    uint8_t *once, *twice;
    switch (c->wrap) {
    case W_GZIP:
        return collect_deflate(c->xml, n, true, len);
    case W_ZLIB:
        return collect_deflate(c->xml, n, false, len);
    case W_GZIP_GZIP:
        once = collect_deflate(c->xml, n, true, &n1);
        twice = collect_deflate(once, n1, true, len);
        free(once);
        return twice;
    case W_GZIP_TRAILER:
        once = collect_deflate(c->xml, n, true, &n1);
        twice = malloc(n1 + 2);
        assert_non_null(twice);
        memcpy(twice, once, n1);
        memcpy(twice + n1, "\r\n", 2);
        free(once);
        *len = n1 + 2;
        return twice;
    case W_MSG_B64:
    case W_MSG_QP:
    case W_MSG_NESTED:
        return message(c, len);
    default:
        *len = n;
        return (uint8_t *)strdup(c->xml);
    }
}

static void
check_report(const struct read_case *c, const struct collected *r)
{
    assert_int_equal(r->status, MAILAUTH_OK);
    assert_true(r->begun);
    assert_string_equal(r->schema, c->schema);
    assert_string_equal(r->report_id, c->report_id);
    assert_string_equal(r->org_name, c->org_name);
    assert_string_equal(r->policy_domain, "example.org");
    assert_int_equal(r->begin, c->begin);
    assert_int_equal(r->records, c->records);
    assert_true(r->count_sum == c->count_sum);
    assert_string_equal(r->first_dkim, c->first_dkim);
}

static void
test_report_read_case(void **state)
{
    const struct read_case *c = *state;
    struct collect         *col = calloc(1, sizeof(*col));
    size_t                  len = 0;
    uint8_t                *in = build(c, &len);
    mailauth_status_t       st;
    assert_non_null(in);
    st = collect_mem(col, NULL, "case", in, len);
    assert_int_equal(st, c->want);
    assert_int_equal(col->n, 1);
    assert_string_equal(col->r[0].file, "case");
    if (c->want == MAILAUTH_OK)
        check_report(c, &col->r[0]);
    else {
        assert_int_equal(col->r[0].status, c->want);
        if (strstr(col->r[0].why, c->why) == NULL)
            fail_msg("reason \"%s\" does not say \"%s\"", col->r[0].why, c->why);
    }
    free(in);
    free(col);
}

/* ---- files and folders ---- */

static void
rm_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        const char *subs[] = {"cur", "new", "tmp"};
        char        p[512];
        for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
            (void)snprintf(p, sizeof(p), "%s/%s", path, subs[i]);
            rm_tree(p);
        }
        for (int i = 0; i < 8; i++) {
            (void)snprintf(p, sizeof(p), "%s/f%d", path, i);
            (void)unlink(p);
        }
        (void)rmdir(path);
    } else
        (void)unlink(path);
}

static char *
tmpdir_new(void)
{
    const char *base = getenv("TMPDIR");
    char       *d = malloc(512);
    (void)snprintf(d, 512, "%s/mailauth-read-XXXXXX", base != NULL ? base : "/tmp");
    assert_non_null(mkdtemp(d));
    return d;
}

static void
test_report_read_zip_members(void **state)
{
    char           *dir = tmpdir_new(), path[600];
    struct collect *col = calloc(1, sizeof(*col));
    size_t          gzlen = 0;
    uint8_t        *gz = collect_deflate(SIMPLE, strlen(SIMPLE), true, &gzlen);
    int             err = 0;
    zip_t          *za;
    (void)state;
    (void)snprintf(path, sizeof(path), "%s/f0", dir);
    za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    assert_non_null(za);
    assert_true(zip_file_add(za, "README.txt", zip_source_buffer(za, "hello", 5, 0), 0) >= 0);
    assert_true(zip_file_add(za, "a.xml", zip_source_buffer(za, SIMPLE, strlen(SIMPLE), 0), 0) >=
                0);
    assert_true(zip_file_add(za, "b.xml.gz", zip_source_buffer(za, gz, gzlen, 0), 0) >= 0);
    assert_int_equal(zip_close(za), 0);
    /* the file is named f0: its kind is found by content */
    assert_int_equal(collect_path(col, NULL, path), MAILAUTH_OK);
    assert_int_equal(col->n, 2);
    assert_string_equal(col->r[0].member, "a.xml");
    assert_string_equal(col->r[1].member, "b.xml.gz");
    assert_int_equal(col->r[1].records, 2);
    assert_true(col->r[1].count_sum == 7);
    free(gz);
    free(col);
    rm_tree(dir);
    free(dir);
}

static void
test_report_read_mbox(void **state)
{
    char           *dir = tmpdir_new(), path[600];
    struct collect *col = calloc(1, sizeof(*col));
    const char      mbox[] = "From a@example.net Mon Jan  1 00:00:00 2024\n"
                             "Content-Type: text/xml\n\n" SIMPLE "\n"
                             "From b@example.net Mon Jan  1 00:00:01 2024\n"
                             "Subject: not a report\n\nbody\nFrom the body, not a separator\n\n"
                             "From c@example.net Mon Jan  1 00:00:02 2024\n"
                             "Content-Type: application/xml\n\n" FB2(META POL) "\n";
    (void)state;
    (void)snprintf(path, sizeof(path), "%s/f1", dir);
    assert_true(collect_write(path, mbox, strlen(mbox)));
    assert_int_equal(collect_path(col, NULL, path), MAILAUTH_EINVAL);
    assert_int_equal(col->n, 3);
    assert_int_equal(col->r[0].status, MAILAUTH_OK);
    assert_int_equal(col->r[0].message, 1);
    assert_int_equal(col->r[1].status, MAILAUTH_EINVAL);
    assert_int_equal(col->r[1].message, 2);
    assert_non_null(strstr(col->r[1].why, "no DMARC report"));
    assert_int_equal(col->r[2].status, MAILAUTH_OK);
    assert_int_equal(col->r[2].message, 3);
    assert_string_equal(col->r[2].schema, "2.0");
    free(col);
    rm_tree(dir);
    free(dir);
}

static void
test_report_read_maildir(void **state)
{
    char           *dir = tmpdir_new(), p[600];
    struct collect *col = calloc(1, sizeof(*col));
    const char      msg[] = "Content-Type: text/xml\n\n" SIMPLE;
    (void)state;
    for (int i = 0; i < 3; i++) {
        (void)snprintf(p, sizeof(p), "%s/%s", dir, i == 0 ? "cur" : i == 1 ? "new" : "tmp");
        assert_int_equal(mkdir(p, 0700), 0);
    }
    (void)snprintf(p, sizeof(p), "%s/cur/f1", dir);
    assert_true(collect_write(p, msg, strlen(msg)));
    (void)snprintf(p, sizeof(p), "%s/new/f2", dir);
    assert_true(collect_write(p, msg, strlen(msg)));
    assert_int_equal(collect_path(col, NULL, dir), MAILAUTH_OK);
    assert_int_equal(col->n, 2);
    assert_int_equal(col->r[0].message, 1);
    assert_int_equal(col->r[1].message, 2);
    assert_non_null(strstr(col->r[1].file, "/new/f2"));
    (void)snprintf(p, sizeof(p), "%s/cur/f1", dir);
    (void)unlink(p);
    (void)snprintf(p, sizeof(p), "%s/new/f2", dir);
    (void)unlink(p);
    free(col);
    rm_tree(dir);
    free(dir);
}

static void
test_report_read_caller_stops(void **state)
{
    struct collect *col = calloc(1, sizeof(*col));
    (void)state;
    col->stop_at_record = MAILAUTH_ECANCELED;
    assert_int_equal(collect_mem(col, NULL, "x", SIMPLE, strlen(SIMPLE)), MAILAUTH_ECANCELED);
    assert_int_equal(col->n, 1);
    assert_int_equal(col->r[0].records, 1); /* the second record was not read */
    assert_non_null(strstr(col->r[0].why, "stopped by the caller"));
    free(col);
}

static void
test_report_read_missing_file(void **state)
{
    struct collect *col = calloc(1, sizeof(*col));
    (void)state;
    assert_int_equal(collect_path(col, NULL, "/nonexistent/report.xml"), MAILAUTH_EINVAL);
    assert_int_equal(col->n, 1);
    assert_non_null(strstr(col->r[0].why, "cannot open"));
    assert_string_equal(col->r[0].file, "/nonexistent/report.xml");
    free(col);
}

static void
test_report_read_bad_arguments(void **state)
{
    mailauth_report_read_cbs_t cbs = {0};
    mailauth_report_reader_t  *rd = (mailauth_report_reader_t *)&cbs;
    (void)state;
    assert_int_equal(mailauth_report_reader_new(NULL, &cbs, NULL, &rd), MAILAUTH_EINVAL);
    assert_null(rd);
    assert_int_equal(mailauth_report_reader_new(NULL, NULL, NULL, &rd), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_report_read_path(NULL, "x"), MAILAUTH_EINVAL);
    mailauth_report_reader_free(NULL);
}

/* ---- the corpus ---- */

#define MANIFEST "dmarc-reports/MANIFEST.tsv"
#define MAX_ROWS 256
#define NCOLS 16

struct row {
    char *col[NCOLS]; /* path .. count_sum (MANIFEST.tsv's first 16 columns) */
};

enum {
    C_PATH = 0,
    C_KIND = 6,
    C_SCHEMA = 8,
    C_ORG = 11,
    C_RID = 12,
    C_DOMAIN = 13,
    C_RECORDS = 14,
    C_SUM = 15
};

static struct row rows[MAX_ROWS];
static size_t     nrows;
static char      *manifest;

static void
split_row(char *line, struct row *r)
{
    for (size_t i = 0; i < NCOLS; i++) {
        char *tab = strchr(line, '\t');
        r->col[i] = line;
        if (tab == NULL) {
            for (size_t j = i + 1; j < NCOLS; j++)
                r->col[j] = "";
            return;
        }
        *tab = '\0';
        line = tab + 1;
    }
}

static int
load_manifest(void **state)
{
    size_t len = 0;
    char  *line, *save = NULL;
    (void)state;
    manifest = testdata_need(MANIFEST, &len);
    (void)strtok_r(manifest, "\n", &save); /* the header line */
    while ((line = strtok_r(NULL, "\n", &save)) != NULL && nrows < MAX_ROWS)
        split_row(line, &rows[nrows++]);
    return 0;
}

static int
free_manifest(void **state)
{
    (void)state;
    free(manifest);
    return 0;
}

static void
check_sample_report(const struct row *r, const struct collect *col)
{
    const struct collected *c = &col->r[0];
    if (col->n != 1 || c->status != MAILAUTH_OK)
        fail_msg("%s: %zu results, first: %s", r->col[C_PATH], col->n, c->why);
    assert_string_equal(c->report_id, r->col[C_RID]);
    assert_string_equal(c->policy_domain, r->col[C_DOMAIN]);
    assert_string_equal(c->org_name, r->col[C_ORG]);
    assert_int_equal(c->records, strtoull(r->col[C_RECORDS], NULL, 10));
    assert_true(c->count_sum == strtoull(r->col[C_SUM], NULL, 10));
}

/* Malformed samples, failure reports and SMTP TLS reports: no report, and
 * a reason. */
static void
check_sample_refused(const struct row *r, const struct collect *col)
{
    if (col->n == 0)
        fail_msg("%s: no result at all", r->col[C_PATH]);
    for (size_t i = 0; i < col->n && i < COLLECT_MAX; i++) {
        if (col->r[i].status == MAILAUTH_OK)
            fail_msg("%s: read as a report (%s)", r->col[C_PATH], col->r[i].report_id);
        assert_true(col->r[i].why[0] != '\0');
    }
}

static void
test_report_read_sample(void **state)
{
    const struct row *r = *state;
    struct collect   *col = calloc(1, sizeof(*col));
    char              path[1024];
    (void)snprintf(path, sizeof(path), "%s/dmarc-reports/%s", MAILAUTH_TESTDATA_DIR,
                   r->col[C_PATH]);
    assert_true(access(path, R_OK) == 0);
    (void)collect_path(col, NULL, path);
    if (strncmp(r->col[C_KIND], "aggregate-", 10) == 0 && strcmp(r->col[C_SCHEMA], "malformed") != 0)
        check_sample_report(r, col);
    else
        check_sample_refused(r, col);
    free(col);
}

static int
run_corpus(void)
{
    struct CMUnitTest *t;
    int                rc;
    (void)load_manifest(NULL);
    if (nrows == 0) {
        fprintf(stderr, "%s/%s has no rows\n", MAILAUTH_TESTDATA_DIR, MANIFEST);
        free(manifest);
        return 1;
    }
    t = calloc(nrows, sizeof(*t));
    for (size_t i = 0; i < nrows; i++)
        t[i] = (struct CMUnitTest){.name = rows[i].col[C_PATH],
                                   .test_func = test_report_read_sample,
                                   .initial_state = &rows[i]};
    rc = _cmocka_run_group_tests("report_read_conformance", t, nrows, NULL, free_manifest);
    free(t);
    return rc;
}

int
main(int argc, char **argv)
{
    bool                    conformance = false;
    int                     sel = testdata_select(argc, argv, &conformance);
    const struct CMUnitTest own[] = {
        cmocka_unit_test(test_report_read_zip_members),
        cmocka_unit_test(test_report_read_mbox),
        cmocka_unit_test(test_report_read_maildir),
        cmocka_unit_test(test_report_read_caller_stops),
        cmocka_unit_test(test_report_read_missing_file),
        cmocka_unit_test(test_report_read_bad_arguments),
    };
    struct CMUnitTest tests[ARRAY_LEN(cases) + ARRAY_LEN(own)];
    if (sel >= 0)
        return sel;
    if (conformance)
        return run_corpus();
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[i] = (struct CMUnitTest){.name = cases[i].name,
                                       .test_func = test_report_read_case,
                                       .initial_state = (void *)&cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(own); i++)
        tests[ARRAY_LEN(cases) + i] = own[i];
    return cmocka_run_group_tests_name("report_read", tests, NULL, NULL);
}
