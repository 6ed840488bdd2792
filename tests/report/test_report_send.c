/* mailauth-report generate and send, end to end: a SQLite history store,
 * the installed-tool binary, a fake sendmail that records its argv and
 * standard input, and a zone for the destination checks. Also the read
 * side's parser over what generate wrote (same records and counts). */
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

#include <mailauth/report.h>

#include "report_gen_support.h"

#define DAY 1700006400 /* 2023-11-15 */

static char dir[256];
static char store_uri[512]; /* sqlite in dir, or the PostgreSQL server of pg_run.sh */

static void
path_of(char *out, size_t cap, const char *name)
{
    (void)snprintf(out, cap, "%s/%s", dir, name);
}

static int
run(const char *fmt, ...)
{
    char    cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return st == -1 ? -1 : (st >> 8) & 0xff;
}

static void
add_row(mailauth_report_store_t *s, const char *domain, const char *p, const char *rua,
        const char *ip, int64_t t)
{
    static const mailauth_report_dkim_t dk[] = {{"example.org", "s1", "pass", NULL}};
    static const mailauth_report_spf_t  sp[] = {{"example.org", "mfrom", "fail", NULL}};
    mailauth_report_policy_t            pol = {
                   .version = MAILAUTH_REPORT_STRUCT_VERSION, .domain = domain, .p = p, .rua = rua, .fo = "0"};
    mailauth_report_record_t rec = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                    .time = t,
                                    .source_ip = ip,
                                    .count = 1,
                                    .disposition = "none",
                                    .dkim_aligned = "pass",
                                    .spf_aligned = "fail",
                                    .dmarc = "pass",
                                    .header_from = domain,
                                    .envelope_from = "example.org",
                                    .dkim = dk,
                                    .dkim_count = 1,
                                    .spf = sp,
                                    .spf_count = 1,
                                    .policy = &pol};
    assert_int_equal(mailauth_report_store_add(s, &rec), MAILAUTH_OK);
}

static const char rua[] =
    "mailto:dmarc@example.org,mailto:agg@reports.example!10m,mailto:x@unauth.example";

static void
fill_store(const char *uri)
{
    mailauth_report_store_t *s = NULL;
    char                     err[256];
    assert_int_equal(mailauth_report_store_open(uri, 0, &s, err, sizeof(err)), MAILAUTH_OK);
    /* example.org changes its policy during the day: one report, the final policy */
    add_row(s, "example.org", "none", rua, "192.0.2.1", DAY + 100);
    add_row(s, "example.org", "none", rua, "192.0.2.1", DAY + 200);
    add_row(s, "example.org", "reject", rua, "192.0.2.2", DAY + 300);
    add_row(s, "deferred.example", "none", "mailto:r@slow.example", "192.0.2.3", DAY + 400);
    add_row(s, "norua.example", "none", NULL, "192.0.2.4", DAY + 500);
    add_row(s, "example.org", "none", rua, "192.0.2.1", DAY + 86400 + 5); /* next day */
    mailauth_report_store_close(s);
}

static void
write_text(const char *name, const char *text, int mode)
{
    char p[512];
    path_of(p, sizeof(p), name);
    assert_int_equal(rg_write_file(dir, name, text, strlen(text)), 0);
    assert_int_equal(chmod(p, (mode_t)mode), 0);
}

static int
sendmail_calls(void)
{
    char p[512];
    int  n = 0;
    for (;; n++) {
        (void)snprintf(p, sizeof(p), "%s/sent.%d.argv", dir, n);
        if (access(p, F_OK) != 0)
            return n;
    }
}

static char *
slurp_name(const char *name)
{
    char p[512];
    path_of(p, sizeof(p), name);
    return rg_read_file(p, NULL);
}

static const char *report_id_of(const char *out, const char *domain, char *id);
static void        assert_parse_round_trip(const char *genout, const char *id);

static void
write_fixtures(void)
{
    write_text("sendmail",
               "#!/bin/sh\nd=$(dirname \"$0\")\nn=0\nwhile [ -e \"$d/sent.$n.argv\" ]; do "
               "n=$((n+1)); done\nprintf '%s\\n' \"$@\" > \"$d/sent.$n.argv\"\n"
               "cat > \"$d/sent.$n.msg\"\n",
               0755);
    write_text("dns.zone",
               "example.org._report._dmarc.reports.example TXT \"v=DMARC1;\"\n"
               "example.org._report._dmarc.unauth.example TXT \"v=spf1 -all\"\n"
               "deferred.example._report._dmarc.slow.example TXT TIMEOUT\n",
               0644);
}

/* generate twice: the reports, then the same IDs and bytes, nothing new.
 * Returns the example.org message. */
static char *
check_generate(const char *uri, char *id_org, char *id_def)
{
    char cmd[2048], name[512], again[40];
    (void)snprintf(cmd, sizeof(cmd),
                   "%s generate --store '%s' --period 2023-11-15 --org-name 'Receiver Org' "
                   "--org-email dmarc-reports@receiver.example --outdir %s --now %d "
                   "--key %s/dkim_sign/rsa2048-pkcs8.pem --selector rpt --domain receiver.example",
                   MAILAUTH_REPORT_TOOL, uri, dir, DAY + 90000, MAILAUTH_TEST_DATA);
    assert_int_equal(run("%s > %s/gen1.out", cmd, dir), 0);
    char *g1 = slurp_name("gen1.out");
    assert_non_null(g1);
    /* one report per policy domain with a rua= address; norua.example has none */
    assert_non_null(report_id_of(g1, "example.org", id_org));
    assert_non_null(report_id_of(g1, "deferred.example", id_def));
    assert_null(strstr(g1, "norua.example!"));
    assert_non_null(strstr(g1, "generated "));
    /* the example.org report: the final configuration (p=reject), three messages */
    (void)snprintf(name, sizeof(name), "%s.eml", id_org);
    char *eml1 = slurp_name(name);
    assert_non_null(eml1);
    assert_parse_round_trip(g1, id_org);

    assert_int_equal(run("%s > %s/gen2.out", cmd, dir), 0);
    char *g2 = slurp_name("gen2.out");
    assert_string_equal(report_id_of(g2, "example.org", again), id_org);
    assert_non_null(strstr(g2, "exists "));
    assert_null(strstr(g2, "generated "));
    char *eml2 = slurp_name(name); /* holds the .xml.gz too, in base64 */
    assert_string_equal(eml1, eml2);
    free(g1);
    free(g2);
    free(eml2);
    return eml1;
}

static int
state_of(void *arg, const mailauth_report_generated_t *rep)
{
    (void)snprintf(arg, 32, "%s", rep->state);
    return 0;
}

static void
assert_state(const char *uri, const char *domain, const char *want)
{
    mailauth_report_store_t *s = NULL;
    char                     err[256], state[32] = "";
    int                      found = 0;
    assert_int_equal(mailauth_report_store_open(uri, 0, &s, err, sizeof(err)), MAILAUTH_OK);
    assert_int_equal(
        mailauth_report_store_generated_find(s, domain, DAY, DAY + 86399, state_of, state, &found),
        MAILAUTH_OK);
    assert_int_equal(found, 1);
    assert_string_equal(state, want);
    mailauth_report_store_close(s);
}

/* send: example.org goes to its two authorized destinations; the
 * deferred.example destination cannot be verified (DNS timeout): deferred,
 * until its destination publishes the authorization. Nothing goes twice. */
static void
check_send(const char *uri, const char *eml, const char *id_def)
{
    char cmd[2048], want[128];
    /* a sendmail that fails: the report stays unsent (failed), exit status 1 */
    write_text("sendmail-fail", "#!/bin/sh\ncat > /dev/null\nexit 75\n", 0755);
    assert_int_equal(run("%s send --store '%s' --sendmail %s/sendmail-fail --zone %s/dns.zone "
                         "> /dev/null 2> %s/fail.err",
                         MAILAUTH_REPORT_TOOL, uri, dir, dir, dir),
                     1);
    assert_state(uri, "example.org", "failed");
    char *fe = slurp_name("fail.err");
    assert_non_null(strstr(fe, "sendmail-fail exited with status 75"));
    free(fe);

    (void)snprintf(cmd, sizeof(cmd),
                   "%s send --store '%s' --sendmail %s/sendmail --zone %s/dns.zone > %s/send.out",
                   MAILAUTH_REPORT_TOOL, uri, dir, dir, dir);
    assert_int_equal(run("%s", cmd), 0);
    assert_int_equal(sendmail_calls(), 1);
    char *argv0 = slurp_name("sent.0.argv");
    assert_string_equal(argv0, "-i\n-f\ndmarc-reports@receiver.example\n--\n"
                               "dmarc@example.org\nagg@reports.example\n");
    char *msg0 = slurp_name("sent.0.msg");
    assert_string_equal(msg0, eml); /* the message generate wrote, byte for byte */
    char *so = slurp_name("send.out");
    assert_non_null(strstr(so, "unauthorized x@unauth.example"));
    (void)snprintf(want, sizeof(want), "%s deferred", id_def);
    assert_non_null(strstr(so, want));
    assert_state(uri, "example.org", "sent");
    assert_state(uri, "deferred.example", "failed");

    assert_int_equal(run("%s", cmd), 0);
    assert_int_equal(sendmail_calls(), 1);

    write_text("dns.zone", "deferred.example._report._dmarc.slow.example TXT \"v=DMARC1\"\n", 0644);
    assert_int_equal(run("%s", cmd), 0);
    assert_int_equal(sendmail_calls(), 2);
    char *argv1 = slurp_name("sent.1.argv");
    assert_non_null(strstr(argv1, "\n--\nr@slow.example\n"));
    assert_state(uri, "deferred.example", "sent");
    assert_int_equal(run("%s", cmd), 0);
    assert_int_equal(sendmail_calls(), 2);
    free(argv0);
    free(msg0);
    free(so);
    free(argv1);
}

/* send --outdir: the next day's report as files for the operator's pipeline. */
static void
check_outdir(const char *uri)
{
    char id[40], name[64];
    assert_int_equal(run("%s generate --store '%s' --period 2023-11-16 --org-name 'Receiver Org' "
                         "--org-email dmarc-reports@receiver.example --outdir %s > %s/gen3.out",
                         MAILAUTH_REPORT_TOOL, uri, dir, dir),
                     0);
    char *g3 = slurp_name("gen3.out");
    assert_non_null(report_id_of(g3, "example.org", id));
    assert_int_equal(run("mkdir -p %s/out && %s send --store '%s' --outdir %s/out --zone "
                         "%s/dns.zone > /dev/null",
                         dir, MAILAUTH_REPORT_TOOL, uri, dir, dir),
                     0);
    (void)snprintf(name, sizeof(name), "out/%s.rcpt", id);
    char *rcpt = slurp_name(name);
    assert_non_null(rcpt);
    /* the zone no longer authorizes reports.example (check_send replaced it) */
    assert_string_equal(rcpt, "dmarc@example.org\n");
    (void)snprintf(name, sizeof(name), "out/%s.eml", id);
    char *eml = slurp_name(name);
    assert_non_null(eml);
    assert_non_null(strstr(eml, "Subject: Report Domain: example.org"));
    assert_int_equal(sendmail_calls(), 2); /* no sendmail involved */
    free(g3);
    free(rcpt);
    free(eml);
}

static void
test_report_send_end_to_end(void **state)
{
    char        id_org[40], id_def[40];
    const char *uri = store_uri;
    (void)state;
    fill_store(uri);
    write_fixtures();
    char *eml = check_generate(uri, id_org, id_def);
    check_send(uri, eml, id_def);
    check_outdir(uri);
    free(eml);
}

/* "generated ID NAME" lines: the ID of the report whose file names `domain`. */
static const char *
report_id_of(const char *out, const char *domain, char *id)
{
    char        key[128];
    const char *p;
    (void)snprintf(key, sizeof(key), "!%s!", domain);
    p = strstr(out, key);
    if (p == NULL)
        return NULL;
    while (p > out && p[-1] != '\n')
        p--;
    p = strchr(p, ' ');
    if (p == NULL || strlen(p + 1) < 32)
        return NULL;
    memcpy(id, p + 1, 32);
    id[32] = '\0';
    return id;
}

/* The read side's parser over the .xml.gz generate wrote: the same report,
 * the final policy, the same rows and counts. */
static void
assert_parse_round_trip(const char *genout, const char *id)
{
    const char *line = strstr(genout, id);
    char        file[512];
    char        want[160];
    size_t      n;
    assert_non_null(line);
    line += 33;
    n = strcspn(line, "\n");
    assert_true(n < sizeof(file));
    memcpy(file, line, n);
    file[n] = '\0';
    assert_int_equal(
        run("%s parse --format json '%s/%s' > %s/parse.out", MAILAUTH_REPORT_TOOL, dir, file, dir),
        0);
    char *js = slurp_name("parse.out");
    assert_non_null(js);
    (void)snprintf(want, sizeof(want), "\"report_id\": \"%s\"", id);
    assert_non_null(strstr(js, want));
    assert_non_null(strstr(js, "\"schema\": \"2.0\""));
    assert_non_null(strstr(js, "\"org_name\": \"Receiver Org\""));
    assert_non_null(strstr(js, "\"begin\": 1700006400, \"end\": 1700092799"));
    assert_non_null(strstr(js, "\"policy_domain\": \"example.org\""));
    assert_non_null(strstr(js, "\"p\": \"reject\""));
    assert_non_null(strstr(js, "\"source_ip\": \"192.0.2.1\", \"count\": 2"));
    assert_non_null(strstr(js, "\"source_ip\": \"192.0.2.2\", \"count\": 1"));
    assert_null(strstr(js, "192.0.2.3")); /* another domain's report */
    free(js);
}

/* `test_report_send` uses SQLite; `test_report_send postgresql` the server
 * that tests/report/pg_run.sh started (its default database). */
int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_report_send_end_to_end)};
    const char             *tmp = getenv("TMPDIR");
    int                     rc;
    (void)snprintf(dir, sizeof(dir), "%s/mailauth-report-send-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return 1;
    if (argc == 2 && strcmp(argv[1], "postgresql") == 0) {
        const char *sock = getenv("MAILAUTH_TEST_PG_SOCKDIR");
        const char *port = getenv("MAILAUTH_TEST_PG_PORT");
        const char *user = getenv("MAILAUTH_TEST_PG_USER");
        if (sock == NULL || port == NULL || user == NULL) {
            fprintf(stderr, "postgresql: run through tests/report/pg_run.sh\n");
            return 1;
        }
        (void)snprintf(store_uri, sizeof(store_uri),
                       "postgresql:///postgres?host=%s&port=%s&user=%s", sock, port, user);
    } else {
        (void)snprintf(store_uri, sizeof(store_uri), "sqlite:%s/h.db", dir);
    }
    rc = cmocka_run_group_tests_name("report_send", tests, NULL, NULL);
    if (rc == 0)
        (void)run("rm -rf '%s'", dir);
    return rc;
}
