/* An MTA-shaped event loop: many messages verified concurrently on one
 * thread, through one c-ares resolver, with a plain poll().
 *
 *   mailauth-example-event-loop-mta [--dns-server ADDR[:PORT]] [--count N]
 *       [--chunk BYTES] [--batch N] [--results FILE] [--authres] MANIFEST
 *
 * MANIFEST lists message files with their envelopes (messages.c). The
 * program opens N SMTP transactions at once (default: one per manifest
 * line; with more, the lines are used in turn): for each, MAIL FROM makes
 * an evaluation and sets the envelope, so SPF starts. Then the DATA of all
 * of them arrives interleaved, BYTES (default 512) at a time per message
 * per round, fed with mailauth_eval_feed() (DKIM keys and DMARC records are
 * asked when a message's header section ends); after every N messages fed
 * (--batch, default 32) the loop turns once without waiting, as an MTA's
 * loop polls again after serving the sessions that had data. At each
 * message's end, end_message() and finish(). Then the loop runs until
 * every evaluation finished: even-numbered messages are collected inside
 * their completion callback, odd-numbered ones (finished with no callback)
 * from the resolver's done queue, mailauth_resolver_next_done() (loop.c).
 *
 * Output (stdout): with --authres, "authres INDEX VALUE" per message as
 * collected; then a summary, one "key=value" per line: messages,
 * in_flight_max, done, errors, via_callback, via_queue, elapsed_ms,
 * poll_wait_ms (time blocked in poll(), i.e. waiting for DNS), loop_turns,
 * fds_max, spf.VERDICT / dkim.VERDICT / dmarc.VERDICT counts, and the
 * resolver's counters dns.questions, dns.queries, dns.coalesced,
 * dns.cache_hits, dns.round_trips. --results FILE gets one line per
 * message (jobs.c). Exit: 0 every message evaluated, 1 some evaluation
 * ended with an error, 64 usage, 66 unreadable file, 70 internal error. */
#include <stdlib.h>
#include <string.h>

#include "event_loop.h"

static const char usage[] =
    "usage: " EL_PROG " [--dns-server ADDR[:PORT]] [--count N] [--chunk BYTES]\n"
    "       [--batch N] [--results FILE] [--authres] MANIFEST\n"
    "MANIFEST lines: FILE CLIENT_IP HELO MAIL_FROM (\"<>\" for the null sender)\n";

/* Decimal 1..max. */
static bool
parse_size(const char *s, size_t max, size_t *out)
{
    size_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (max - (size_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return v > 0;
}

static int
parse_options(int argc, char **argv, struct el_options *o)
{
    *o = (struct el_options){.chunk = 512, .batch = 32};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool        ok = true;
        if (strcmp(a, "--authres") == 0) {
            o->authres = true;
            continue;
        }
        if (strcmp(a, "--help") == 0) {
            o->help = true;
            return EL_EXIT_OK;
        }
        if (a[0] != '-' && o->manifest == NULL) {
            o->manifest = a;
            continue;
        }
        if (val != NULL && strcmp(a, "--dns-server") == 0)
            o->dns_server = val;
        else if (val != NULL && strcmp(a, "--results") == 0)
            o->results = val;
        else if (val != NULL && strcmp(a, "--count") == 0)
            ok = parse_size(val, 10000000, &o->count);
        else if (val != NULL && strcmp(a, "--chunk") == 0)
            ok = parse_size(val, 1u << 30, &o->chunk);
        else if (val != NULL && strcmp(a, "--batch") == 0)
            ok = parse_size(val, 10000000, &o->batch);
        else
            ok = false; /* unknown, or no value */
        if (!ok) {
            fprintf(stderr, "%s: bad option %s%s%s\n%s", EL_PROG, a, val ? " " : "", val ? val : "",
                    usage);
            return EL_EXIT_USAGE;
        }
        i++;
    }
    if (o->manifest == NULL) {
        fputs(usage, stderr);
        return EL_EXIT_USAGE;
    }
    return EL_EXIT_OK;
}

static int
lib_error(const char *what, mailauth_status_t st)
{
    fprintf(stderr, "%s: %s: %s\n", EL_PROG, what, mailauth_strerror(st));
    return st == MAILAUTH_EINVAL ? EL_EXIT_USAGE : EL_EXIT_SOFTWARE;
}

/* ctx, the c-ares resolver (its own channel) and the socket callback. */
static int
setup(struct el_app *app)
{
    mailauth_status_t st = mailauth_ctx_new(NULL, &app->ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(app->ctx, "mx.example.net");
    if (st != MAILAUTH_OK)
        return lib_error("ctx", st);
    st = mailauth_resolver_new_ares(app->ctx, app->opt.dns_server, &app->r);
    if (st != MAILAUTH_OK)
        return lib_error("resolver", st);
    st = mailauth_resolver_set_sock_callback(app->r, el_on_sock, app);
    if (st != MAILAUTH_OK)
        return lib_error("socket callback", st);
    app->njobs = app->opt.count != 0 ? app->opt.count : app->nsrcs;
    app->jobs = calloc(app->njobs, sizeof(*app->jobs));
    if (app->jobs == NULL)
        return lib_error("jobs", MAILAUTH_ENOMEM);
    for (size_t i = 0; i < app->njobs; i++)
        app->jobs[i] = (struct el_job){
            .app = app, .index = i, .src = &app->srcs[i % app->nsrcs], .via_queue = i % 2 == 1};
    return EL_EXIT_OK;
}

/* Every transaction reaches MAIL FROM before any DATA byte arrives. */
static int
start_all(struct el_app *app)
{
    for (size_t i = 0; i < app->njobs; i++) {
        mailauth_status_t st = el_job_start(app, &app->jobs[i]);
        if (st != MAILAUTH_OK)
            return lib_error(app->jobs[i].src->name, st);
    }
    return EL_EXIT_OK;
}

/* DATA of all transactions, interleaved: one chunk per message per round,
 * in message order. An MTA's loop handles the few sessions whose sockets
 * were readable, then polls again: here a loop turn that does not wait
 * comes after every `batch` messages fed, so DNS answers are read while the
 * DATA streams in, not only once every message got its next chunk. */
static int
feed_all(struct el_app *app)
{
    size_t feeding = app->njobs, since_turn = 0;
    while (feeding > 0) {
        feeding = 0;
        for (size_t i = 0; i < app->njobs; i++) {
            struct el_job    *job = &app->jobs[i];
            mailauth_status_t st;
            int               rc;
            if (job->finishing)
                continue;
            st = el_job_feed(job, app->opt.chunk);
            if (st != MAILAUTH_OK)
                return lib_error(job->src->name, st);
            feeding += !job->finishing;
            if (++since_turn < app->opt.batch)
                continue;
            since_turn = 0;
            if ((rc = el_loop_turn(app, 0)) != EL_EXIT_OK)
                return rc;
        }
    }
    return EL_EXIT_OK;
}

static int
wait_all(struct el_app *app)
{
    while (app->done < app->njobs) {
        int rc = el_loop_turn(app, -1);
        if (rc != EL_EXIT_OK) {
            fprintf(stderr, "%s: event loop failed with %zu messages pending\n", EL_PROG,
                    app->njobs - app->done);
            return rc;
        }
    }
    return EL_EXIT_OK;
}

static void
print_summary(const struct el_app *app, uint64_t elapsed_ms)
{
    static const char *const  methods[] = {"spf", "dkim", "dmarc"};
    mailauth_resolver_stats_t s = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    printf("messages=%zu\nin_flight_max=%zu\ndone=%zu\nerrors=%zu\n", app->njobs,
           app->in_flight_max, app->done, app->errors);
    printf("via_callback=%zu\nvia_queue=%zu\n", app->via_callback, app->via_queue);
    printf("elapsed_ms=%llu\npoll_wait_ms=%llu\nloop_turns=%llu\nfds_max=%lu\n",
           (unsigned long long)elapsed_ms, (unsigned long long)app->poll_wait_ms,
           (unsigned long long)app->turns, (unsigned long)app->maxfds);
    for (size_t m = 0; m < 3; m++)
        for (int v = 0; v <= MAILAUTH_VERDICT_POLICY; v++)
            if (app->verdicts[m][v] > 0)
                printf("%s.%s=%llu\n", methods[m], mailauth_verdict_name((mailauth_verdict_t)v),
                       (unsigned long long)app->verdicts[m][v]);
    if (mailauth_resolver_stats(app->r, &s) == MAILAUTH_OK)
        printf("dns.questions=%llu\ndns.queries=%llu\ndns.coalesced=%llu\ndns.cache_hits=%llu\n"
               "dns.round_trips=%llu\n",
               (unsigned long long)s.questions, (unsigned long long)s.queries,
               (unsigned long long)s.coalesced, (unsigned long long)s.cache_hits,
               (unsigned long long)s.round_trips);
}

static int
run(struct el_app *app)
{
    uint64_t t0;
    int      rc = el_manifest_load(app, app->opt.manifest);
    if (rc == EL_EXIT_OK)
        rc = setup(app);
    if (rc != EL_EXIT_OK)
        return rc;
    t0 = el_now_ms();
    rc = start_all(app);
    if (rc == EL_EXIT_OK)
        rc = feed_all(app);
    if (rc == EL_EXIT_OK)
        rc = wait_all(app);
    if (rc != EL_EXIT_OK)
        return rc;
    print_summary(app, el_now_ms() - t0);
    if (app->opt.results != NULL && (rc = el_results_write(app, app->opt.results)) != EL_EXIT_OK)
        return rc;
    return app->errors == 0 ? EL_EXIT_OK : EL_EXIT_FAILED;
}

int
main(int argc, char **argv)
{
    struct el_app app;
    int           rc;
    memset(&app, 0, sizeof(app));
    rc = parse_options(argc, argv, &app.opt);
    if (rc == EL_EXIT_OK && app.opt.help)
        fputs(usage, stdout);
    else if (rc == EL_EXIT_OK)
        rc = run(&app);
    for (size_t i = 0; app.jobs != NULL && i < app.njobs; i++)
        mailauth_eval_free(app.jobs[i].ev); /* left only after an error */
    mailauth_resolver_free(app.r);
    mailauth_ctx_free(app.ctx);
    el_manifest_free(&app);
    free(app.jobs);
    free(app.fds);
    return rc;
}
