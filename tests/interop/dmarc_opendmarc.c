/* Interop: our DMARC (RFC 7489 mode) against OpenDMARC (Debian's
 * libopendmarc) on the scenarios of tests/data/dmarc/ case files.
 *
 * For every block that runs in 7489 mode, mailauth evaluates it over the
 * section's zone (tests/support/dmarc_harness), and OpenDMARC evaluates the
 * same author domain, SPF and DKIM results with the section's _dmarc TXT
 * records injected through opendmarc_dns_fake_record() (no live DNS: once
 * that table has an entry, OpenDMARC consults nothing else). OpenDMARC's
 * fake table is process-global and cannot be emptied, so each block runs
 * OpenDMARC in a child process. Compared: the result word (pass / fail /
 * none / other) and, for fail, the policy that applies (p or sp, before
 * pct, which OpenDMARC leaves to the caller).
 *
 * Blocks OpenDMARC cannot express are skipped, and said so: no single
 * author domain (it takes one domain), DNS failures and several records at
 * one name (its fake DNS has one answer per name and no failures). Known
 * disagreements are listed in `known` with the reason (docs/dmarc.md).
 *
 * Usage: dmarc_opendmarc CASE_DIR [PSL_FILE]. Exit 0 when every compared
 * block agrees or is a known disagreement; 77 when there is nothing to run. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <opendmarc/dmarc.h>

#include "support/case_file.h"
#include "support/dmarc_harness.h"

#define DEFAULT_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

/* Blocks where OpenDMARC 1.4 and RFC 7489 (as we read it) part ways. */
static const struct {
    const char *name; /* block name */
    const char *why;
} known[] = {
    {"v=DMARC1 not first: not a record; 7489 does not look further up than the organizational "
     "domain",
     "OpenDMARC does not require v=DMARC1 to be the first tag (RFC 7489 §6.3: it MUST be)"},
    {"an invalid p with a valid rua: read as p=none, sp dropped",
     "OpenDMARC does not apply the RFC 7489 §6.6.3 step 6 fallback (invalid p + valid rua = "
     "p=none)"},
    {"an invalid p without rua: permerror (RFC 8601 §2.7.1 / RFC 7489 §11.2)",
     "OpenDMARC skips DMARC for a broken record (none); we report permerror, the RFC 7489 §11.2 "
     "result for a syntactically incorrect record"},
    {"co.uk relaxed: another registrant under co.uk does not align",
     "OpenDMARC aligns d=co.uk (a public suffix) with example.co.uk; RFC 7489 §3.1.1/§3.2 "
     "compare organizational domains, and co.uk is not example.co.uk"},
    {"uppercase tags and values are accepted",
     "OpenDMARC matches \"v=DMARC\" and tag names case-sensitively; the RFC 7489 §6.4 ABNF "
     "strings are case-insensitive (RFC 5234 §2.3)"},
    {"uppercase: sp from the organizational domain",
     "OpenDMARC matches \"v=DMARC\" and tag names case-sensitively (RFC 5234 §2.3)"},
    {"psd=n makes the intermediate domain the organizational domain in 9989",
     "OpenDMARC has no organizational domain for a TLD missing from the PSL (.example); the "
     "PSL algorithm's implicit \"*\" rule makes psdn.example one (RFC 7489 §3.2)"},
    {"no sp: subdomains get p",
     "OpenDMARC has no organizational domain for a TLD missing from the PSL (.example); the "
     "PSL algorithm's implicit \"*\" rule makes nosp.example one (RFC 7489 §3.2)"},
    {"identifiers that are not domain names never align (and ask nothing)",
     "OpenDMARC compares the identifier text (\".example.com\", \"example..com\") without "
     "checking it is a domain name; RFC 7489 §3.1 aligns domains, and these are none "
     "(RFC 1035 §2.3.1: no empty labels)"},
    {"RFC 9989 §B.4.3 seen by RFC 7489: bank.example is not on the PSL, giant and mega align",
     "OpenDMARC has no organizational domain for a TLD missing from the PSL (.example); the "
     "implicit \"*\" rule makes bank.example the organizational domain of both (RFC 7489 §3.2)"},
};

typedef struct verdict {
    char word[16];   /* pass, fail, none, error */
    char policy[16]; /* for fail: none, quarantine, reject */
    char detail[200];
} verdict_t;

static const char *psl_file = DEFAULT_PSL;

/* ---- the section's _dmarc TXT records, for OpenDMARC's fake DNS ---- */

/* The TXT rdata of one zone line ("..." "..." joined, \DDD and \" read). */
static int
txt_rdata(const char *p, char *out, size_t cap)
{
    size_t k = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '"')
        return -1; /* TIMEOUT, SERVFAIL, bare tokens: not injected */
    while (*p == '"') {
        for (p++; *p != '\0' && *p != '"'; p++) {
            char c = *p;
            if (c == '\\' && p[1] >= '0' && p[1] <= '9') {
                c = (char)((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
                p += 3;
            } else if (c == '\\' && p[1] != '\0') {
                c = *++p;
            }
            if (k + 1 < cap)
                out[k++] = c;
        }
        if (*p == '"')
            p++;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    out[k] = '\0';
    return 0;
}

static void
inject_zone(const char *zone)
{
    const char *line = zone;
    /* Never an empty table: an empty one means live DNS to OpenDMARC. */
    opendmarc_dns_fake_record("_dmarc.nothing.invalid", "not dmarc");
    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        char        buf[2048], owner[300], type[16], rdata[2048];
        size_t      n = end != NULL ? (size_t)(end - line) : strlen(line);
        int         used = 0;
        if (n < sizeof(buf)) {
            memcpy(buf, line, n);
            buf[n] = '\0';
            if (sscanf(buf, "%299s %15s %n", owner, type, &used) == 2 && used > 0 &&
                strcasecmp(type, "TXT") == 0 && strncasecmp(owner, "_dmarc.", 7) == 0 &&
                txt_rdata(buf + used, rdata, sizeof(rdata)) == 0 &&
                strstr(rdata, "v=DMARC") != NULL)
                opendmarc_dns_fake_record(owner, rdata);
        }
        line = end != NULL ? end + 1 : line + n;
    }
}

/* ---- OpenDMARC, in a child ---- */

static void
policy_name(int p, char *out, size_t cap)
{
    snprintf(out, cap, "%s",
             p == DMARC_RECORD_P_NONE         ? "none"
             : p == DMARC_RECORD_P_QUARANTINE ? "quarantine"
             : p == DMARC_RECORD_P_REJECT     ? "reject"
                                              : "unspecified");
}

static void
opendmarc_eval(const case_section_t *s, const dmarc_harness_case_t *c, const char *author,
               verdict_t *v)
{
    OPENDMARC_LIB_T    lib;
    DMARC_POLICY_T    *p;
    OPENDMARC_STATUS_T st;
    memset(&lib, 0, sizeof(lib));
    lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
    snprintf((char *)lib.tld_source_file, sizeof(lib.tld_source_file), "%s", psl_file);
    if (opendmarc_policy_library_init(&lib) != DMARC_PARSE_OKAY) {
        snprintf(v->word, sizeof(v->word), "error");
        snprintf(v->detail, sizeof(v->detail), "library init failed");
        return;
    }
    inject_zone(s->zone);
    p = opendmarc_policy_connect_init((u_char *)"192.0.2.1", DMARC_POLICY_IP_TYPE_IPV4);
    (void)opendmarc_policy_store_from_domain(p, (u_char *)author);
    st = opendmarc_policy_query_dmarc(p, NULL);
    snprintf(v->detail, sizeof(v->detail), "query: %s", opendmarc_policy_status_to_str(st));
    if (c->spf_domain != NULL)
        (void)opendmarc_policy_store_spf(p, (u_char *)c->spf_domain,
                                         c->spf_verdict == MAILAUTH_VERDICT_PASS
                                             ? DMARC_POLICY_SPF_OUTCOME_PASS
                                             : DMARC_POLICY_SPF_OUTCOME_FAIL,
                                         DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL);
    for (size_t i = 0; i < c->ndkim; i++)
        (void)opendmarc_policy_store_dkim(p, (u_char *)c->dkim[i].domain, (u_char *)"s",
                                          c->dkim[i].verdict == MAILAUTH_VERDICT_PASS
                                              ? DMARC_POLICY_DKIM_OUTCOME_PASS
                                              : DMARC_POLICY_DKIM_OUTCOME_FAIL,
                                          NULL);
    st = opendmarc_get_policy_to_enforce(p);
    switch (st) {
    case DMARC_POLICY_PASS:
        snprintf(v->word, sizeof(v->word), "pass");
        break;
    case DMARC_POLICY_ABSENT:
        snprintf(v->word, sizeof(v->word), "none");
        break;
    case DMARC_POLICY_REJECT:
    case DMARC_POLICY_QUARANTINE:
    case DMARC_POLICY_NONE:
        snprintf(v->word, sizeof(v->word), "fail");
        policy_name(st == DMARC_POLICY_REJECT       ? DMARC_RECORD_P_REJECT
                    : st == DMARC_POLICY_QUARANTINE ? DMARC_RECORD_P_QUARANTINE
                                                    : DMARC_RECORD_P_NONE,
                    v->policy, sizeof(v->policy));
        break;
    default:
        snprintf(v->word, sizeof(v->word), "error");
        snprintf(v->detail, sizeof(v->detail), "enforce: %s", opendmarc_policy_status_to_str(st));
        break;
    }
    (void)opendmarc_policy_connect_shutdown(p);
}

/* Run OpenDMARC in a child (its fake DNS table is global and permanent). */
static int
opendmarc_run(const case_section_t *s, const dmarc_harness_case_t *c, const char *author,
              verdict_t *v)
{
    int   fd[2];
    pid_t pid;
    int   status = 0;
    memset(v, 0, sizeof(*v));
    if (pipe(fd) != 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        verdict_t out;
        memset(&out, 0, sizeof(out));
        close(fd[0]);
        opendmarc_eval(s, c, author, &out);
        _exit(write(fd[1], &out, sizeof(out)) == (ssize_t)sizeof(out) ? 0 : 1);
    }
    close(fd[1]);
    if (read(fd[0], v, sizeof(*v)) != (ssize_t)sizeof(*v))
        snprintf(v->word, sizeof(v->word), "crash");
    close(fd[0]);
    (void)waitpid(pid, &status, 0);
    return 0;
}

/* ---- comparison ---- */

static const char *
known_reason(const char *name)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (name != NULL && strcmp(known[i].name, name) == 0)
            return known[i].why;
    }
    return NULL;
}

static const char *
skip_reason(const dmarc_harness_out_t *o)
{
    switch (o->reason) {
    case MAILAUTH_REASON_DMARC_NO_FROM:
    case MAILAUTH_REASON_DMARC_MULTIPLE_FROM:
    case MAILAUTH_REASON_DMARC_BAD_FROM:
        return "no single author domain (OpenDMARC takes one domain)";
    case MAILAUTH_REASON_DMARC_DNS_TEMPFAIL:
        return "a DNS failure (OpenDMARC's fake DNS has none)";
    case MAILAUTH_REASON_DMARC_MULTIPLE_RECORDS:
        return "several records at one name (OpenDMARC's fake DNS has one answer per name)";
    default:
        return NULL;
    }
}

typedef struct tally {
    unsigned agree, known, disagree, skipped;
} tally_t;

static void
compare_block(const case_section_t *s, const case_block_t *b, const char *file, tally_t *t)
{
    dmarc_harness_case_t c;
    dmarc_harness_out_t  o;
    verdict_t            v;
    char                 why[400], ours[64];
    const char          *name = case_block_get(b, "name"), *skip, *reason;
    bool                 same;
    if ((dmarc_harness_block_modes(b) & 1u) == 0)
        return;
    if (dmarc_harness_block_case(s, b, MAILAUTH_DMARC_RFC7489, &c, why, sizeof(why)) != 0 ||
        dmarc_harness_run(&c, &o) != 0) {
        printf("ERROR %s:%zu %s: %s%s\n", file, b->line, name, why, o.error);
        t->disagree++;
        return;
    }
    if ((skip = skip_reason(&o)) != NULL || c.random != 0) {
        printf("skip  %s:%zu %s: %s\n", file, b->line, name,
               skip != NULL ? skip : "pct sampling (OpenDMARC leaves pct to the caller)");
        t->skipped++;
        return;
    }
    if (opendmarc_run(s, &c, o.header_from, &v) != 0) {
        printf("ERROR %s:%zu %s: fork failed\n", file, b->line, name);
        t->disagree++;
        return;
    }
    snprintf(ours, sizeof(ours), "%s%s%s", mailauth_verdict_name(o.verdict),
             o.verdict == MAILAUTH_VERDICT_FAIL ? " p=" : "",
             o.verdict == MAILAUTH_VERDICT_FAIL ? mailauth_dmarc_policy_name(o.policy) : "");
    same = strcmp(v.word, mailauth_verdict_name(o.verdict)) == 0 &&
           (o.verdict != MAILAUTH_VERDICT_FAIL ||
            strcmp(v.policy, mailauth_dmarc_policy_name(o.policy)) == 0);
    if (o.verdict == MAILAUTH_VERDICT_PERMERROR && strcmp(v.word, "error") == 0)
        same = true; /* a broken record: both refuse it */
    reason = known_reason(name);
    if (same) {
        printf("ok    %s:%zu %s: %s\n", file, b->line, name, ours);
        t->agree++;
        if (reason != NULL)
            printf("NOTE  listed as a known disagreement but agrees now: %s\n", name);
    } else if (reason != NULL) {
        printf("known %s:%zu %s: mailauth %s, OpenDMARC %s%s%s (%s) -- %s\n", file, b->line, name,
               ours, v.word, v.policy[0] != '\0' ? " p=" : "", v.policy, v.detail, reason);
        t->known++;
    } else {
        printf("DIFF  %s:%zu %s: mailauth %s, OpenDMARC %s%s%s (%s)\n", file, b->line, name, ours,
               v.word, v.policy[0] != '\0' ? " p=" : "", v.policy, v.detail);
        t->disagree++;
    }
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_file(const char *dir, const char *fname, tally_t *t)
{
    case_file_t cf;
    char        path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, fname);
    if (case_file_load(path, &cf) != 0)
        return -1;
    for (size_t i = 0; i < cf.nsections; i++) {
        if (case_section_blocks(&cf, &cf.sections[i]) != 0) {
            case_file_free(&cf);
            return -1;
        }
        for (size_t j = 0; j < cf.sections[i].nblocks; j++)
            compare_block(&cf.sections[i], &cf.sections[i].blocks[j], fname, t);
    }
    case_file_free(&cf);
    return 0;
}

int
main(int argc, char **argv)
{
    char          *names[64];
    size_t         n = 0;
    tally_t        t = {0, 0, 0, 0};
    DIR           *d;
    struct dirent *e;
    if (argc < 2) {
        fprintf(stderr, "usage: %s CASE_DIR [PSL_FILE]\n", argv[0]);
        return 64;
    }
    if (argc > 2)
        psl_file = argv[2];
    if (access(psl_file, R_OK) != 0) {
        printf("SKIP: no public suffix list at %s\n", psl_file);
        return 77;
    }
    d = opendir(argv[1]);
    if (d == NULL) {
        printf("SKIP: %s not found\n", argv[1]);
        return 77;
    }
    while ((e = readdir(d)) != NULL && n < 64) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".case") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        if (run_file(argv[1], names[i], &t) != 0)
            t.disagree++;
        free(names[i]);
    }
    printf("\nOpenDMARC interop: %u agree, %u known disagreements, %u skipped\n", t.agree, t.known,
           t.skipped);
    printf("%u passed, %u failed, %u skipped\n", t.agree + t.known, t.disagree, t.skipped);
    if (t.agree + t.known + t.disagree == 0)
        return 77;
    return t.disagree == 0 ? 0 : 1;
}
