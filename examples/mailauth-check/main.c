/* mailauth-check: verify one message and print its Authentication-Results.
 * Contract and manual: docs/mailauth-check.1.md. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* The clock behind --now: the wall time is pinned, deadlines still run on
 * the real monotonic clock so DNS timeouts keep working. */
static uint64_t
fixed_clock_now(void *ud, mailauth_clock_kind_t kind)
{
    const struct check_fixed_clock *c = ud;
    struct timespec ts;
    if (kind == MAILAUTH_CLOCK_WALL)
        return c->wall_ms;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
check_lib_error(const char *what, mailauth_status_t st)
{
    fprintf(stderr, "%s: %s: %s\n", CHECK_PROG, what, mailauth_strerror(st));
    return st == MAILAUTH_EINVAL ? CHECK_EXIT_USAGE : CHECK_EXIT_SOFTWARE;
}

/* authserv-id: --authserv-id, else the host name, else "localhost". */
static int
set_authserv_id(mailauth_ctx_t *ctx, const char *id)
{
    char host[256];
    mailauth_status_t st;
    if (id != NULL) {
        st = mailauth_ctx_set_authserv_id(ctx, id);
        if (st == MAILAUTH_EINVAL) {
            fprintf(stderr, "%s: --authserv-id: not a valid authserv-id '%s'\n", CHECK_PROG, id);
            return CHECK_EXIT_USAGE;
        }
        return st == MAILAUTH_OK ? CHECK_EXIT_OK : check_lib_error("--authserv-id", st);
    }
    if (gethostname(host, sizeof(host)) == 0) {
        host[sizeof(host) - 1] = '\0';
        st = mailauth_ctx_set_authserv_id(ctx, host);
        if (st == MAILAUTH_OK)
            return CHECK_EXIT_OK;
        if (st != MAILAUTH_EINVAL)
            return check_lib_error("authserv-id", st);
    }
    st = mailauth_ctx_set_authserv_id(ctx, "localhost");
    return st == MAILAUTH_OK ? CHECK_EXIT_OK : check_lib_error("authserv-id", st);
}

/* --dmarc-mode and --trusted-sealer. */
static int
setup_dmarc(const struct check_opts *o, mailauth_ctx_t *ctx)
{
    mailauth_status_t st = mailauth_ctx_set_dmarc_mode(
        ctx, o->dmarc_mode == CHECK_DMARC_9989 ? MAILAUTH_DMARC_RFC9989 : MAILAUTH_DMARC_RFC7489);
    if (st != MAILAUTH_OK)
        return check_lib_error("--dmarc-mode", st);
    for (size_t i = 0; i < o->nsealers; i++) {
        st = mailauth_ctx_add_trusted_sealer(ctx, o->sealers[i]);
        if (st == MAILAUTH_EINVAL) {
            fprintf(stderr, "%s: --trusted-sealer: not a domain name '%s'\n", CHECK_PROG,
                    o->sealers[i]);
            return CHECK_EXIT_USAGE;
        }
        if (st != MAILAUTH_OK)
            return check_lib_error("--trusted-sealer", st);
    }
    return CHECK_EXIT_OK;
}

int
check_setup_ctx(const struct check_opts *o, struct check_fixed_clock *clk, mailauth_ctx_t **out)
{
    mailauth_status_t st = mailauth_ctx_new(NULL, out);
    int rc;
    if (st != MAILAUTH_OK)
        return check_lib_error("cannot create a context", st);
    rc = set_authserv_id(*out, o->authserv_id);
    if (rc != CHECK_EXIT_OK)
        return rc;
    if (o->have_now) {
        clk->wall_ms = o->now * 1000u;
        st = mailauth_ctx_set_clock(*out, fixed_clock_now, clk);
        if (st != MAILAUTH_OK)
            return check_lib_error("--now", st);
    }
    st = mailauth_ctx_set_methods(*out, o->methods);
    if (st == MAILAUTH_EINVAL) {
        fprintf(stderr, "%s: --only: none of these methods is built into this version\n",
                CHECK_PROG);
        return CHECK_EXIT_USAGE;
    }
    if (st != MAILAUTH_OK)
        return check_lib_error("--only", st);
    return setup_dmarc(o, *out);
}

/* One --zone file into the zone resolver (created by the first one). */
static int
load_zone(mailauth_ctx_t *ctx, const char *path, mailauth_resolver_t **r)
{
    char *text = NULL;
    size_t len = 0, errline = 0;
    mailauth_status_t st;
    int rc = check_read_input(path, &text, &len);
    if (rc != CHECK_EXIT_OK)
        return rc;
    if (*r == NULL)
        st = mailauth_resolver_new_zone(ctx, text, len, &errline, r);
    else
        st = mailauth_resolver_zone_add(*r, text, len, &errline);
    free(text);
    if (st == MAILAUTH_EINVAL) {
        if (errline > 0)
            fprintf(stderr, "%s: %s:%zu: syntax error\n", CHECK_PROG, path, errline);
        else
            fprintf(stderr, "%s: %s: syntax error\n", CHECK_PROG, path);
        return CHECK_EXIT_USAGE;
    }
    return st == MAILAUTH_OK ? CHECK_EXIT_OK : check_lib_error(path, st);
}

int
check_setup_resolver(const struct check_opts *o, mailauth_ctx_t *ctx, mailauth_resolver_t **r)
{
    mailauth_status_t st;
    for (size_t i = 0; i < o->nzones; i++) {
        int rc = load_zone(ctx, o->zones[i], r);
        if (rc != CHECK_EXIT_OK)
            return rc;
    }
    if (o->nzones > 0)
        return CHECK_EXIT_OK;
    st = mailauth_resolver_new_ares(ctx, o->dns_server, r);
    if (st == MAILAUTH_EINVAL && o->dns_server != NULL) {
        fprintf(stderr, "%s: --dns-server: not ADDR or ADDR:PORT '%s'\n", CHECK_PROG,
                o->dns_server);
        return CHECK_EXIT_USAGE;
    }
    return st == MAILAUTH_OK ? CHECK_EXIT_OK : check_lib_error("cannot set up DNS", st);
}

/* The envelope: a value the library refuses names its option. */
static int
set_envelope(mailauth_eval_t *ev, const struct check_opts *o)
{
    mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                               .client_ip = o->ip,
                               .helo = o->helo,
                               .mail_from = o->mail_from};
    mailauth_status_t   st = mailauth_eval_set_envelope(ev, &env);
    if (st == MAILAUTH_EINVAL) {
        const mailauth_envelope_t ip_only = {.version = MAILAUTH_ENVELOPE_VERSION,
                                             .client_ip = o->ip};
        /* Only --ip and --helo can be refused; say which. */
        fprintf(stderr, "%s: %s: value refused\n", CHECK_PROG,
                o->ip != NULL && mailauth_eval_set_envelope(ev, &ip_only) == MAILAUTH_EINVAL
                    ? "--ip"
                    : "--helo");
        return CHECK_EXIT_USAGE;
    }
    return st == MAILAUTH_OK ? CHECK_EXIT_OK : check_lib_error("envelope", st);
}

/* Run the evaluation: envelope, then the message (none with --spf-only: an
 * envelope-only evaluation), then wait for the verdicts. */
static int
evaluate(const struct check_opts *o, mailauth_ctx_t *ctx, mailauth_resolver_t *r,
         const char *name, const char *msg, size_t len, mailauth_eval_t **ev)
{
    mailauth_status_t st = mailauth_eval_new(ctx, r, ev);
    int               rc;
    if (st != MAILAUTH_OK)
        return check_lib_error("cannot create an evaluation", st);
    rc = set_envelope(*ev, o);
    if (rc != CHECK_EXIT_OK)
        return rc;
    if (!o->spf_only) {
        st = mailauth_eval_message(*ev, msg, len);
        if (st != MAILAUTH_OK)
            return check_lib_error("reading the message", st);
        if (mailauth_eval_refused(*ev) > 0) /* the verdicts that needed them say so */
            fprintf(stderr, "%s: %s: note: %zu header field(s) refused by a limit\n",
                    CHECK_PROG, name, mailauth_eval_refused(*ev));
    }
    st = mailauth_eval_finish_sync(*ev, -1);
    return st == MAILAUTH_OK ? CHECK_EXIT_OK : check_lib_error("evaluation", st);
}

/* What every message of a run shares. */
struct run {
    const struct check_opts *o;
    mailauth_ctx_t          *ctx;
    mailauth_resolver_t     *r;
    int                      worst; /* --exit-code: the worst verdict so far */
};

static int
print_result(const struct check_opts *o, mailauth_eval_t *ev, const char *file, size_t index,
             bool multi)
{
    const mailauth_authres_t *ar = NULL;
    mailauth_status_t         st = mailauth_eval_authres(ev, &ar);
    int                       rc;
    if (st != MAILAUTH_OK)
        return check_lib_error("the evaluation has no result", st);
    if (multi && o->json) {
        rc = check_print_json_line(stdout, ev, ar, file, index);
    } else {
        if (multi)
            printf("==> %s #%zu <==\n", file, index);
        rc = o->json ? check_print_json(stdout, ev, ar) : check_print_text(stdout, ar);
    }
    if (rc == CHECK_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "%s: cannot write the output\n", CHECK_PROG);
        rc = CHECK_EXIT_SOFTWARE;
    }
    return rc;
}

/* --from-headers: what the options left open comes from the message. */
static void
envelope_from_headers(struct check_opts *eo, const char *msg, size_t len,
                      struct check_envelope_guess *g)
{
    check_guess_envelope(msg, len, g);
    if (eo->ip == NULL && g->ip[0] != '\0')
        eo->ip = g->ip;
    if (eo->helo == NULL && g->helo[0] != '\0')
        eo->helo = g->helo;
    if (eo->mail_from == NULL && g->have_mail_from)
        eo->mail_from = g->mail_from;
}

/* One message: evaluate, print, fold its verdicts. */
static int
check_message(void *ud, const char *file, size_t index, bool multi, const char *msg, size_t len)
{
    struct run                 *run = ud;
    struct check_opts           eo = *run->o;
    struct check_envelope_guess g;
    mailauth_eval_t            *ev = NULL;
    char                        name[4096];
    int                         rc;
    if (multi)
        (void)snprintf(name, sizeof(name), "%s #%zu", file, index);
    else
        (void)snprintf(name, sizeof(name), "%s", file);
    if (eo.from_headers)
        envelope_from_headers(&eo, msg, len, &g);
    rc = evaluate(&eo, run->ctx, run->r, name, msg, len, &ev);
    if (rc == CHECK_EXIT_OK)
        rc = print_result(&eo, ev, file, index, multi);
    if (rc == CHECK_EXIT_OK && eo.history != NULL)
        rc = check_record_history(&eo, ev);
    if (rc == CHECK_EXIT_OK)
        check_fold_verdicts(ev, &run->worst);
    mailauth_eval_free(ev);
    return rc;
}

/* The messages (or --spf-only's envelope), with the DNS watch of
 * --verbose and --record-zone around them. */
static int
check_all(struct run *run, struct check_watch *w)
{
    const struct check_opts *o = run->o;
    int                      rc = CHECK_EXIT_OK;
    if (w->verbose || w->rec != NULL)
        rc = check_watch_dns(run->r, w);
    if (rc == CHECK_EXIT_OK && o->spf_only)
        rc = check_message(run, "-", 0, false, NULL, 0);
    else if (rc == CHECK_EXIT_OK)
        rc = check_each_message(o->input, check_message, run);
    if (rc == CHECK_EXIT_OK && w->failed)
        rc = check_lib_error("--record-zone", MAILAUTH_ENOMEM);
    if (rc == CHECK_EXIT_OK && w->rec != NULL)
        rc = check_record_write(w->rec, o->record_zone);
    return rc;
}

static int
run(const struct check_opts *o)
{
    struct check_fixed_clock clk = {0};
    struct run               run = {.o = o};
    struct check_watch       w = {.verbose = o->verbose};
    int                      rc;
    if (o->lint != NULL)
        return check_lint(o);
    if (o->record_zone != NULL && (w.rec = check_record_new()) == NULL)
        return check_lib_error("--record-zone", MAILAUTH_ENOMEM);
    rc = check_setup_ctx(o, &clk, &run.ctx);
    if (rc == CHECK_EXIT_OK)
        rc = check_setup_resolver(o, run.ctx, &run.r);
    if (rc == CHECK_EXIT_OK)
        rc = check_all(&run, &w);
    mailauth_resolver_free(run.r);
    mailauth_ctx_free(run.ctx);
    check_record_free(w.rec);
    if (rc == CHECK_EXIT_OK && o->exit_code)
        rc = run.worst;
    return rc;
}

int
main(int argc, char **argv)
{
    struct check_opts o;
    const char **zones = calloc(argc > 0 ? (size_t)argc : 1, sizeof(*zones));
    const char **sealers = calloc(argc > 0 ? (size_t)argc : 1, sizeof(*sealers));
    int rc;
    if (zones == NULL || sealers == NULL) {
        fprintf(stderr, "%s: out of memory\n", CHECK_PROG);
        free(zones);
        free(sealers);
        return CHECK_EXIT_SOFTWARE;
    }
    memset(&o, 0, sizeof(o));
    rc = check_parse_options(argc, argv, zones, sealers, &o);
    if (rc == CHECK_EXIT_OK && o.help) {
        check_print_usage(stdout);
    } else if (rc == CHECK_EXIT_OK && o.version) {
        printf("%s (mailauth %s)\n", CHECK_PROG, mailauth_version());
    } else if (rc == CHECK_EXIT_OK) {
        rc = run(&o);
    }
    free(zones);
    free(sealers);
    return rc;
}
