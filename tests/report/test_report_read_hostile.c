/* The report reader against hostile input: compression bombs, entity
 * tricks, deep nesting, element floods, counts out of range, bad UTF-8,
 * truncation, archives with thousands of members, an mbox with a 100 MB
 * line, containers nested without end. Each input is made here (nothing
 * big is committed), read in a child process, and must give an error
 * (never a report, never a crash) while the child's peak resident memory
 * grows by less than PEAK_MAX: the bombs would need hundreds of MiB read
 * naively. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>
#include <zlib.h>

#include "read_collect.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PEAK_MAX_KB (64u * 1024u)
#define MIB ((size_t)1 << 20)

#define META                                                                                       \
    "<report_metadata><org_name>Org</org_name><report_id>r1</report_id></report_metadata>"         \
    "<policy_published><domain>example.org</domain></policy_published>"

static char tmp[512]; /* this run's folder */

/* ---- writers ---- */

static FILE *
open_out(const char *path)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    return f;
}

static void
put_repeat(FILE *f, const char *s, size_t times)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < times; i++)
        assert_int_equal(fwrite(s, 1, n, f), n);
}

/* gzip of head, then total bytes of fill, then tail, streamed. */
static void
gzip_stream(FILE *f, const char *head, char fill, size_t total, const char *tail)
{
    z_stream z;
    uint8_t *in = malloc(MIB), *out = malloc(MIB);
    memset(&z, 0, sizeof(z));
    memset(in, fill, MIB);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    for (size_t done = 0, step = 0;; step++) {
        const uint8_t *src = in;
        size_t         n = MIB;
        int            flush = Z_NO_FLUSH;
        if (step == 0) {
            src = (const uint8_t *)head;
            n = strlen(head);
        } else if (done >= total) {
            src = (const uint8_t *)tail;
            n = strlen(tail);
            flush = Z_FINISH;
        } else {
            n = total - done < MIB ? total - done : MIB;
            done += n;
        }
        z.next_in = (Bytef *)(uintptr_t)src;
        z.avail_in = (uInt)n;
        do {
            z.next_out = out;
            z.avail_out = (uInt)MIB;
            (void)deflate(&z, flush);
            assert_int_equal(fwrite(out, 1, MIB - z.avail_out, f), MIB - z.avail_out);
        } while (z.avail_out == 0);
        if (flush == Z_FINISH)
            break;
    }
    deflateEnd(&z);
    free(in);
    free(out);
}

static void
make_gzip_bomb(FILE *f)
{
    gzip_stream(f, "<feedback>", ' ', 512 * MIB, "</feedback>");
}

static void
zip_of_zeros(const char *path, size_t n)
{
    int    err = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    char  *zeros = calloc(1, n); /* untouched pages: no memory to speak of */
    assert_non_null(za);
    assert_non_null(zeros);
    memcpy(zeros, "<feedback>", 10);
    assert_true(zip_file_add(za, "report.xml", zip_source_buffer(za, zeros, n, 0), 0) >= 0);
    assert_int_equal(zip_close(za), 0);
    free(zeros);
}

static void
make_zip_bomb(const char *path)
{
    zip_of_zeros(path, 300 * MIB); /* over the size cap */
}

static void
make_zip_ratio_bomb(const char *path)
{
    zip_of_zeros(path, 200 * MIB); /* under the size cap, a ratio near 1000:1 */
}

static void
make_zip_members(const char *path)
{
    int    err = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    char   name[32];
    assert_non_null(za);
    for (int i = 0; i < 10000; i++) {
        (void)snprintf(name, sizeof(name), "r%05d.xml", i);
        assert_true(zip_file_add(za, name, zip_source_buffer(za, "<feedback/>", 11, 0), 0) >= 0);
    }
    assert_int_equal(zip_close(za), 0);
}

static void
make_laughs(FILE *f)
{
    fputs("<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [\n<!ENTITY l0 \"ha\">\n", f);
    for (int i = 1; i <= 9; i++) {
        fprintf(f, "<!ENTITY l%d \"", i);
        for (int j = 0; j < 10; j++)
            fprintf(f, "&l%d;", i - 1);
        fputs("\">\n", f);
    }
    fputs("]>\n<feedback><report_metadata><org_name>&l9;</org_name><report_id>r</report_id>"
          "</report_metadata><policy_published><domain>example.org</domain>"
          "</policy_published></feedback>\n",
          f);
}

static void
make_xxe(FILE *f)
{
    fputs("<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [<!ENTITY x SYSTEM "
          "\"file:///etc/passwd\">]>\n<feedback><report_metadata><org_name>&x;</org_name>"
          "<report_id>r</report_id></report_metadata><policy_published><domain>example.org"
          "</domain></policy_published></feedback>\n",
          f);
}

static void
make_external_dtd(FILE *f)
{
    /* TEST-NET-1: a fetch would hang or fail; NONET must not even try */
    fputs("<?xml version=\"1.0\"?>\n<!DOCTYPE feedback SYSTEM \"http://192.0.2.1/x.dtd\">\n"
          "<feedback>" META "</feedback>\n",
          f);
}

static void
make_deep(FILE *f)
{
    fputs("<feedback>", f);
    put_repeat(f, "<a>", 10000);
    put_repeat(f, "</a>", 10000);
    fputs("</feedback>", f);
}

static void
make_flood_outside(FILE *f)
{
    fputs("<feedback>" META, f);
    put_repeat(f, "<x/>", 1000000);
    fputs("</feedback>", f);
}

static void
make_flood_record(FILE *f)
{
    fputs("<feedback>" META "<record><row>", f);
    put_repeat(f, "<x/>", 1000000);
    fputs("</row></record></feedback>", f);
}

static void
make_count_overflow(FILE *f)
{
    fputs("<feedback>" META "<record><row><source_ip>192.0.2.1</source_ip>"
          "<count>99999999999999999999999</count></row></record></feedback>",
          f);
}

static void
make_bad_utf8(FILE *f)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?><feedback><report_metadata>"
          "<org_name>Evil \xc3\x28 \xff Corp</org_name><report_id>r</report_id>"
          "</report_metadata></feedback>",
          f);
}

static void
make_truncated_gzip(FILE *f)
{
    const char xml[] = "<feedback>" META "</feedback>";
    size_t     n = 0;
    uint8_t   *gz = collect_deflate(xml, sizeof(xml) - 1, true, &n);
    assert_non_null(gz);
    assert_int_equal(fwrite(gz, 1, n / 2, f), n / 2);
    free(gz);
}

static void
make_mbox_long_line(FILE *f)
{
    char *line = malloc(MIB);
    memset(line, 'A', MIB);
    fputs("From a@example.net Mon Jan  1 00:00:00 2024\nContent-Type: text/xml\n\n", f);
    for (int i = 0; i < 100; i++)
        assert_int_equal(fwrite(line, 1, MIB, f), MIB);
    fputs("\n", f);
    free(line);
}

static void
make_gzip_nest(FILE *f)
{
    size_t   n = 0;
    uint8_t *cur = (uint8_t *)strdup("<feedback>" META "</feedback>");
    n = strlen((char *)cur);
    for (int i = 0; i < 12; i++) {
        size_t   m = 0;
        uint8_t *next = collect_deflate(cur, n, true, &m);
        free(cur);
        cur = next;
        n = m;
    }
    assert_int_equal(fwrite(cur, 1, n, f), n);
    free(cur);
}

static void
make_mime_nest(FILE *f)
{
    fputs("From: a@example.net\n", f);
    for (int i = 0; i < 100; i++)
        fprintf(f, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
    fputs("Content-Type: text/xml\n\n<feedback>" META "</feedback>\n", f);
}

static void
make_long_text(FILE *f)
{
    fputs("<feedback><report_metadata><org_name>", f);
    put_repeat(f, "xxxxxxxxxxxxxxxx", 8 * 65536);
    fputs("</org_name></report_metadata></feedback>", f);
}

static void
make_many_reasons(FILE *f)
{
    fputs("<feedback>" META "<record><row><policy_evaluated>", f);
    put_repeat(f, "<reason><type>other</type></reason>", 100);
    fputs("</policy_evaluated></row></record></feedback>", f);
}

/* ---- the table ---- */

struct hostile_case {
    const char *name;
    void (*make_file)(FILE *f); /* or: */
    void (*make_path)(const char *path);
    mailauth_status_t want;
    const char       *why;
};

static const struct hostile_case cases[] = {
    {"gzip bomb (512 MiB of spaces)", make_gzip_bomb, NULL, MAILAUTH_ELIMIT, "compression"},
    {"zip bomb (300 MiB member)", NULL, make_zip_bomb, MAILAUTH_ELIMIT, "zip member"},
    {"zip bomb (200 MiB member)", NULL, make_zip_ratio_bomb, MAILAUTH_ELIMIT, "ratio"},
    {"zip with 10,000 members", NULL, make_zip_members, MAILAUTH_ELIMIT, "10000 members"},
    {"billion laughs", make_laughs, NULL, MAILAUTH_EINVAL, "entit"},
    {"external entity (file:///etc/passwd)", make_xxe, NULL, MAILAUTH_EINVAL, "DOCTYPE"},
    {"external DTD over the network", make_external_dtd, NULL, MAILAUTH_EINVAL, "DOCTYPE"},
    {"10,000-deep nesting", make_deep, NULL, MAILAUTH_ELIMIT, "nested deeper"},
    {"10^6 elements outside records", make_flood_outside, NULL, MAILAUTH_ELIMIT,
     "outside <record>"},
    {"10^6 elements in one record", make_flood_record, NULL, MAILAUTH_ELIMIT, "in one <record>"},
    {"count over 2^63", make_count_overflow, NULL, MAILAUTH_EINVAL, "out of range"},
    {"non-UTF-8 org_name", make_bad_utf8, NULL, MAILAUTH_EINVAL, "UTF-8"},
    {"truncated gzip", make_truncated_gzip, NULL, MAILAUTH_EINVAL, "truncated"},
    {"mbox with a 100 MB line", make_mbox_long_line, NULL, MAILAUTH_ELIMIT, "byte cap"},
    {"gzip nested 12 deep", make_gzip_nest, NULL, MAILAUTH_ELIMIT, "nested too deep"},
    {"MIME nested 100 deep", make_mime_nest, NULL, MAILAUTH_ELIMIT, "nested too deep"},
    {"8 MiB of text in one element", make_long_text, NULL, MAILAUTH_ELIMIT, "text is over"},
    {"100 reasons in one record", make_many_reasons, NULL, MAILAUTH_ELIMIT, "more than 64"},
};

/* ---- the child ---- */

struct verdict {
    mailauth_status_t status, first;
    size_t            ends, reports_ok;
    long              peak_kb; /* growth of the peak resident set; -1 unknown */
    char              why[256], org_name[128];
};

static long
status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char  line[256];
    long  v = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, key, strlen(key)) == 0)
            v = strtol(line + strlen(key), NULL, 10);
    fclose(f);
    return v;
}

static bool
reset_peak(void)
{
    int  fd = open("/proc/self/clear_refs", O_WRONLY);
    bool ok = fd >= 0 && write(fd, "5", 1) == 1;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void
child(const char *path, int out)
{
    struct collect *col = calloc(1, sizeof(*col));
    struct verdict  v = {0};
    long            base;
    bool            reset = reset_peak();
    base = status_kb("VmRSS:");
    v.status = collect_path(col, NULL, path);
    v.peak_kb = reset && base >= 0 ? status_kb("VmHWM:") - base : -1;
    v.ends = col->n;
    for (size_t i = 0; i < col->n && i < COLLECT_MAX; i++)
        if (col->r[i].status == MAILAUTH_OK)
            v.reports_ok++;
    if (col->n > 0) {
        v.first = col->r[0].status;
        (void)snprintf(v.why, sizeof(v.why), "%s", col->r[0].why);
        (void)snprintf(v.org_name, sizeof(v.org_name), "%s", col->r[0].org_name);
    }
    free(col);
    if (write(out, &v, sizeof(v)) != (ssize_t)sizeof(v))
        _exit(3);
    _exit(0);
}

static void
test_report_read_hostile(void **state)
{
    const struct hostile_case *c = *state;
    char                       path[600];
    int                        fds[2], wst = 0;
    struct verdict             v;
    pid_t                      pid;
    (void)snprintf(path, sizeof(path), "%s/input", tmp);
    if (c->make_file != NULL) {
        FILE *f = open_out(path);
        c->make_file(f);
        assert_int_equal(fclose(f), 0);
    } else
        c->make_path(path);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child(path, fds[1]);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &v, sizeof(v)), (ssize_t)sizeof(v));
    close(fds[0]);
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    (void)unlink(path);
    assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    print_message("    %s: %s; peak RSS growth %ld KiB\n", c->name, v.why, v.peak_kb);
    assert_int_equal(v.reports_ok, 0);
    assert_true(v.ends >= 1);
    assert_int_equal(v.status, c->want);
    assert_int_equal(v.first, c->want);
    if (strstr(v.why, c->why) == NULL)
        fail_msg("reason \"%s\" does not say \"%s\"", v.why, c->why);
    assert_null(strstr(v.org_name, "root:")); /* nothing of /etc/passwd came through */
    if (v.peak_kb >= 0 && v.peak_kb > (long)PEAK_MAX_KB)
        fail_msg("peak resident memory grew by %ld KiB (over %u)", v.peak_kb, PEAK_MAX_KB);
}

static int
setup(void **state)
{
    const char *base = getenv("TMPDIR");
    (void)state;
    (void)snprintf(tmp, sizeof(tmp), "%s/mailauth-hostile-XXXXXX", base != NULL ? base : "/tmp");
    return mkdtemp(tmp) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    return rmdir(tmp);
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(cases)];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        tests[i] = (struct CMUnitTest){.name = cases[i].name,
                                       .test_func = test_report_read_hostile,
                                       .initial_state = (void *)&cases[i]};
    return cmocka_run_group_tests_name("report_read_hostile", tests, setup, teardown);
}
