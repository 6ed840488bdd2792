/* mailauth-report send --store URI [--sendmail PATH | --outdir DIR]
 *   [--zone FILE | --dns SERVERS] [--now SECONDS]
 *
 * Sends every report `generate` recorded and that was not sent yet. Each
 * report is claimed in the store first (of several senders exactly one
 * sends it). Its rua= destinations are checked (RFC 9990 §3: one outside
 * the policy domain's organization needs a v=DMARC1 TXT record at
 * <policy-domain>._report._dmarc.<host>; a "!size" limit below the
 * message drops the destination); a temporary DNS failure defers the whole
 * report (it stays unsent and is tried again by the next run). The message
 * goes to `sendmail -i -f FROM -- ADDRESS...` on standard input, or, with
 * --outdir, to DIR/<Report-ID>.eml with the addresses in DIR/<Report-ID>.rcpt. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mailauth/dns.h>

#include "gen_common.h"
#include "report_tool.h"

#define MAX_DESTS 16

struct pending {
    char *report_id, *file, *destinations, *policy_domain;
};

struct send_run {
    mailauth_report_store_t *store;
    mailauth_resolver_t     *resolver;
    mailauth_ctx_t          *ctx;
    const char              *sendmail, *outdir;
    int64_t                  now;
    struct pending          *list;
    size_t                   n, cap;
    bool                     oom, failed;
};

static char *
dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static int
on_unsent(void *arg, const mailauth_report_generated_t *rep)
{
    struct send_run *s = arg;
    if (s->n == s->cap) {
        size_t          cap = s->cap ? s->cap * 2 : 16;
        struct pending *p = realloc(s->list, cap * sizeof(*p));
        if (p == NULL) {
            s->oom = true;
            return 1;
        }
        s->list = p;
        s->cap = cap;
    }
    struct pending *p = &s->list[s->n++];
    p->report_id = dup_or_null(rep->report_id);
    p->file = dup_or_null(rep->file);
    p->destinations = dup_or_null(rep->destinations);
    p->policy_domain = dup_or_null(rep->policy_domain);
    return 0;
}

/* The address in the message's From: field (the envelope sender). */
static bool
from_address(const char *msg, char *out, size_t cap)
{
    const char *p = strstr(msg, "\r\nFrom: ");
    if (strncmp(msg, "From: ", 6) == 0)
        p = msg - 2;
    if (p == NULL)
        return false;
    const char *lt = strchr(p + 2, '<');
    const char *gt = lt != NULL ? strchr(lt, '>') : NULL;
    const char *eol = strstr(p + 2, "\r\n");
    if (lt == NULL || gt == NULL || (eol != NULL && gt > eol) || (size_t)(gt - lt) >= cap)
        return false;
    memcpy(out, lt + 1, (size_t)(gt - lt - 1));
    out[gt - lt - 1] = '\0';
    return true;
}

/* 0 sent; -1 failed (message in err). */
static int
run_sendmail(struct send_run *s, const char *from, char addrs[][320], size_t n, const char *msg,
             size_t len, char *err, size_t errcap)
{
    int   fd[2];
    pid_t pid;
    int   status = 0;
    if (pipe(fd) != 0) {
        (void)snprintf(err, errcap, "pipe: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        (void)snprintf(err, errcap, "fork: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        char  *argv[MAX_DESTS + 6];
        size_t k = 0;
        argv[k++] = (char *)(uintptr_t)s->sendmail;
        argv[k++] = "-i";
        argv[k++] = "-f";
        argv[k++] = (char *)(uintptr_t)from;
        argv[k++] = "--";
        for (size_t i = 0; i < n; i++)
            argv[k++] = addrs[i];
        argv[k] = NULL;
        dup2(fd[0], 0);
        close(fd[0]);
        close(fd[1]);
        execv(s->sendmail, argv);
        _exit(127);
    }
    close(fd[0]);
    bool wrote = true;
    for (size_t off = 0; off < len && wrote;) {
        ssize_t w = write(fd[1], msg + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        wrote = w > 0;
        off += w > 0 ? (size_t)w : 0;
    }
    close(fd[1]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!wrote || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        (void)snprintf(err, errcap, "%s exited with status %d", s->sendmail,
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return 0;
}

static int
to_outdir(struct send_run *s, const char *id, char addrs[][320], size_t n, const char *msg,
          size_t len, char *err, size_t errcap)
{
    char  path[4096];
    FILE *f;
    bool  ok;
    (void)snprintf(path, sizeof(path), "%s/%s.eml", s->outdir, id);
    f = fopen(path, "wb");
    ok = f != NULL && fwrite(msg, 1, len, f) == len;
    ok = (f != NULL && fclose(f) == 0) && ok;
    (void)snprintf(path, sizeof(path), "%s/%s.rcpt", s->outdir, id);
    f = ok ? fopen(path, "w") : NULL;
    ok = f != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = fprintf(f, "%s\n", addrs[i]) > 0;
    ok = (f != NULL && fclose(f) == 0) && ok;
    if (!ok)
        (void)snprintf(err, errcap, "%s: %s", path, strerror(errno));
    return ok ? 0 : -1;
}

/* Check every destination: OK ones into addrs; *deferred when one could not be checked. */
static size_t
destinations(struct send_run *s, const struct pending *p, uint64_t size, char addrs[][320],
             bool *deferred)
{
    mailauth_report_dest_check_t chk = {
        .version = MAILAUTH_REPORT_STRUCT_VERSION,
        .resolver = s->resolver,
        .timeout_ms = -1,
        .orgdomain = mailauth_report_orgdomain_psl, /* libmailauth's PSL, RFC 7489 §3.2 */
        .orgdomain_ud = s->ctx};
    size_t      n = 0;
    const char *u = p->destinations;
    *deferred = false;
    while (u != NULL && *u != '\0' && n < MAX_DESTS) {
        const char            *comma = strchr(u, ',');
        size_t                 len = comma ? (size_t)(comma - u) : strlen(u);
        char                   uri[1024];
        mailauth_report_dest_t d;
        if (len < sizeof(uri)) {
            memcpy(uri, u, len);
            uri[len] = '\0';
            if (mailauth_report_dest_verify(&chk, p->policy_domain, uri, size, &d) == MAILAUTH_OK) {
                printf("%s %s %s\n", p->report_id, mailauth_report_dest_state_name(d.state),
                       d.address[0] ? d.address : uri);
                if (d.state == MAILAUTH_REPORT_DEST_OK)
                    memcpy(addrs[n++], d.address, sizeof(d.address));
                else if (d.state == MAILAUTH_REPORT_DEST_DEFERRED)
                    *deferred = true;
            } else {
                *deferred = true; /* out of memory: try again later */
            }
        }
        u = comma ? comma + 1 : NULL;
    }
    return n;
}

static void
send_one(struct send_run *s, const struct pending *p)
{
    static char addrs[MAX_DESTS][320];
    char        err[512] = "";
    char        from[320];
    size_t      len = 0;
    int         claimed = 0;
    bool        deferred = false;
    char       *msg;
    if (mailauth_report_store_send_claim(s->store, p->report_id, &claimed) != MAILAUTH_OK ||
        !claimed)
        return; /* sent meanwhile, or another sender has it */
    msg = p->file != NULL ? gen_slurp(p->file, &len) : NULL;
    if (msg == NULL || !from_address(msg, from, sizeof(from))) {
        (void)snprintf(err, sizeof(err), "no message to send (%s)", p->file ? p->file : "none");
    } else {
        size_t n = destinations(s, p, len, addrs, &deferred);
        if (deferred)
            (void)snprintf(err, sizeof(err), "deferred: a destination could not be verified");
        else if (n == 0)
            printf("%s dropped: no authorized destination\n", p->report_id);
        else if ((s->outdir != NULL
                      ? to_outdir(s, p->report_id, addrs, n, msg, len, err, sizeof(err))
                      : run_sendmail(s, from, addrs, n, msg, len, err, sizeof(err))) == 0)
            printf("%s sent to %zu destination(s)\n", p->report_id, n);
    }
    free(msg);
    if (err[0] != '\0' && !deferred) {
        fprintf(stderr, "mailauth-report: %s: %s\n", p->report_id, err);
        s->failed = true;
    } else if (deferred) {
        printf("%s deferred\n", p->report_id);
    }
    if (mailauth_report_store_send_done(s->store, p->report_id, s->now,
                                        err[0] != '\0' ? err : NULL) != MAILAUTH_OK) {
        fprintf(stderr, "mailauth-report: store: %s\n", mailauth_report_store_error(s->store));
        s->failed = true;
    }
}

struct send_opts {
    const char *store, *zone, *dns, *now;
};

static int
send_parse(int argc, char **argv, struct send_opts *o, struct send_run *s)
{
    for (int i = 1; i < argc; i++) {
        const char  *a = argv[i];
        const char  *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = strcmp(a, "--store") == 0      ? &o->store
                            : strcmp(a, "--sendmail") == 0 ? &s->sendmail
                            : strcmp(a, "--outdir") == 0   ? &s->outdir
                            : strcmp(a, "--zone") == 0     ? &o->zone
                            : strcmp(a, "--dns") == 0      ? &o->dns
                            : strcmp(a, "--now") == 0      ? &o->now
                                                           : NULL;
        if (slot == NULL || v == NULL) {
            fprintf(stderr, "mailauth-report send: bad option '%s'\n", a);
            return TOOL_EXIT_USAGE;
        }
        *slot = v;
        i++;
    }
    s->now = (int64_t)time(NULL);
    if (o->store == NULL || (o->now != NULL && !gen_parse_time(o->now, &s->now)) ||
        (o->zone != NULL && o->dns != NULL)) {
        fprintf(stderr, "mailauth-report send: --store is needed; --zone and --dns exclude "
                        "each other; --now takes seconds\n");
        return TOOL_EXIT_USAGE;
    }
    if (s->sendmail == NULL)
        s->sendmail = "/usr/sbin/sendmail";
    return TOOL_EXIT_OK;
}

static mailauth_resolver_t *
send_resolver(mailauth_ctx_t *ctx, const struct send_opts *o)
{
    mailauth_resolver_t *r = NULL;
    mailauth_status_t    st;
    if (o->zone != NULL) {
        size_t len = 0;
        size_t line = 0;
        char  *text = gen_slurp(o->zone, &len);
        if (text == NULL)
            return NULL;
        st = mailauth_resolver_new_zone(ctx, text, len, &line, &r);
        free(text);
        if (st != MAILAUTH_OK)
            fprintf(stderr, "mailauth-report: %s:%zu: %s\n", o->zone, line, mailauth_strerror(st));
    } else {
        st = mailauth_resolver_new_ares(ctx, o->dns, &r);
        if (st != MAILAUTH_OK)
            fprintf(stderr, "mailauth-report: DNS: %s\n", mailauth_strerror(st));
    }
    return st == MAILAUTH_OK ? r : NULL;
}

int
cmd_send(int argc, char **argv)
{
    struct send_opts  o = {0};
    struct send_run   s = {0};
    char              err[512] = "";
    mailauth_ctx_t   *ctx = NULL;
    int               rc = send_parse(argc, argv, &o, &s);
    mailauth_status_t st;
    if (rc != TOOL_EXIT_OK)
        return rc;
    ctx = gen_ctx(NULL);
    s.ctx = ctx;
    s.resolver = ctx != NULL ? send_resolver(ctx, &o) : NULL;
    st = s.resolver == NULL ? MAILAUTH_EINVAL
                            : mailauth_report_store_open(o.store, 0, &s.store, err, sizeof(err));
    if (st == MAILAUTH_OK)
        st = mailauth_report_store_unsent(s.store, on_unsent, &s);
    if (st != MAILAUTH_OK || s.oom) {
        if (s.resolver != NULL)
            fprintf(stderr, "mailauth-report: %s: %s\n", o.store,
                    err[0]            ? err
                    : s.store != NULL ? mailauth_report_store_error(s.store)
                                      : mailauth_strerror(st));
        rc = TOOL_EXIT_FAILED;
    }
    for (size_t i = 0; rc == TOOL_EXIT_OK && i < s.n; i++)
        send_one(&s, &s.list[i]);
    if (s.failed)
        rc = TOOL_EXIT_FAILED;
    for (size_t i = 0; i < s.n; i++) {
        free(s.list[i].report_id);
        free(s.list[i].file);
        free(s.list[i].destinations);
        free(s.list[i].policy_domain);
    }
    free(s.list);
    mailauth_report_store_close(s.store);
    mailauth_resolver_free(s.resolver);
    mailauth_ctx_free(ctx);
    return rc;
}
