/* Asynchronous use of mailauth from an event loop (here a plain poll()).
 *
 *   mailauth-example-event-loop [--zone FILE] IP HELO MAIL_FROM...
 *
 * Starts one evaluation per MAIL_FROM, all in flight at once on one thread
 * and one resolver, and prints each Authentication-Results field from its
 * completion callback. The resolver tells the loop which sockets to watch
 * (socket callback) and when to wake up (timeout_ms); the loop hands back
 * readiness (process_fd) and expired timers (process_timeouts). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* poll() */
#endif
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

#define MAX_FDS 64

/* The sockets the resolver asked us to watch. */
struct watch {
    struct pollfd fds[MAX_FDS];
    nfds_t n;
};

struct job {
    const char *mail_from;
    mailauth_eval_t *ev;
    bool done;
};

/* mailauth_sock_fn: (readable, writable) = (0, 0) means "forget fd". */
static void
on_sock(void *ud, int fd, int readable, int writable)
{
    struct watch *w = ud;
    short events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
    nfds_t i = 0;
    while (i < w->n && w->fds[i].fd != fd)
        i++;
    if (events == 0) {
        if (i < w->n)
            w->fds[i] = w->fds[--w->n];
        return;
    }
    if (i == w->n) {
        if (w->n == MAX_FDS)
            return; /* a real program would grow the table */
        w->n++;
    }
    w->fds[i] = (struct pollfd){ .fd = fd, .events = events };
}

/* mailauth_eval_done_fn: called once per eval, from process_fd/process_timeouts.
 * Prints "MAIL_FROM: spf=VERDICT; VALUE" with the field value on one line. */
static void
on_done(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    struct job *job = ud;
    const mailauth_spf_result_t *spf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    const mailauth_authres_t *ar = NULL;
    char value[4096];
    job->done = true;
    if (st == MAILAUTH_OK)
        st = mailauth_eval_authres(ev, &ar);
    if (st == MAILAUTH_OK)
        st = mailauth_authres_format_value(ar, value, sizeof(value), NULL);
    if (st != MAILAUTH_OK) {
        printf("%s: %s\n", job->mail_from, mailauth_strerror(st));
        return;
    }
    printf("%s: spf=%s; %s\n", job->mail_from,
           spf != NULL ? mailauth_verdict_name(mailauth_spf_result_verdict(spf)) : "(none)",
           value);
}

/* Start one evaluation: envelope, a small message, then finish() (async). */
static mailauth_status_t
start(mailauth_ctx_t *ctx, mailauth_resolver_t *r, char **argv, struct job *job)
{
    char msg[512];
    int n = snprintf(msg, sizeof(msg), "From: <%s>\r\nSubject: test\r\n\r\nhello\r\n",
                     job->mail_from);
    const mailauth_envelope_t env = { .version = MAILAUTH_ENVELOPE_VERSION,
                                      .client_ip = argv[0],
                                      .helo = argv[1],
                                      .mail_from = job->mail_from };
    mailauth_status_t st = mailauth_eval_new(ctx, r, &job->ev);
    if (n < 0 || (size_t)n >= sizeof(msg))
        return MAILAUTH_EINVAL;
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_envelope(job->ev, &env); /* SPF and iprev questions go out now */
    if (st == MAILAUTH_OK)
        st = mailauth_eval_message(job->ev, msg, (size_t)n);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_finish(job->ev, on_done, job); /* OK: the callback will come */
    return st;
}

/* The event loop: poll the resolver's sockets until its next timer. */
static int
run_loop(mailauth_resolver_t *r, struct watch *w, const struct job *jobs, size_t njobs)
{
    for (;;) {
        struct pollfd ready[MAX_FDS];
        nfds_t n = w->n;
        size_t pending = 0;
        int timeout;
        for (size_t i = 0; i < njobs; i++)
            pending += !jobs[i].done;
        if (pending == 0)
            return 0;
        timeout = mailauth_resolver_timeout_ms(r);
        if (n == 0 && timeout < 0)
            return 70; /* nothing to wait for: cannot happen with a sane resolver */
        memcpy(ready, w->fds, n * sizeof(ready[0])); /* callbacks may edit w->fds */
        if (poll(ready, n, timeout) < 0 && errno != EINTR)
            return 71;
        for (nfds_t i = 0; i < n; i++)
            if (ready[i].revents != 0)
                mailauth_resolver_process_fd(r, ready[i].fd,
                                             (ready[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0,
                                             (ready[i].revents & POLLOUT) != 0);
        mailauth_resolver_process_timeouts(r);
    }
}

static mailauth_status_t
make_resolver(mailauth_ctx_t *ctx, const char *zone_file, mailauth_resolver_t **r)
{
    char text[65536];
    size_t len, errline = 0;
    FILE *f;
    if (zone_file == NULL)
        return mailauth_resolver_new_ares(ctx, NULL, r);
    f = fopen(zone_file, "rb");
    if (f == NULL)
        return MAILAUTH_EINVAL;
    len = fread(text, 1, sizeof(text), f);
    fclose(f);
    return mailauth_resolver_new_zone(ctx, text, len, &errline, r);
}

int
main(int argc, char **argv)
{
    struct watch w = { .n = 0 };
    mailauth_ctx_t *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    struct job *jobs = NULL;
    const char *zone = NULL;
    mailauth_status_t st;
    size_t njobs;
    int rc = 70;
    if (argc > 2 && strcmp(argv[1], "--zone") == 0) {
        zone = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: mailauth-example-event-loop [--zone FILE] IP HELO MAIL_FROM...\n");
        return 64;
    }
    njobs = (size_t)argc - 3;
    jobs = calloc(njobs, sizeof(*jobs));
    st = jobs != NULL ? mailauth_ctx_new(NULL, &ctx) : MAILAUTH_ENOMEM;
    if (st == MAILAUTH_OK)
        st = make_resolver(ctx, zone, &r);
    if (st == MAILAUTH_OK)
        st = mailauth_resolver_set_sock_callback(r, on_sock, &w);
    for (size_t i = 0; i < njobs && st == MAILAUTH_OK; i++) {
        jobs[i].mail_from = argv[3 + i];
        st = start(ctx, r, argv + 1, &jobs[i]);
    }
    if (st == MAILAUTH_OK)
        rc = run_loop(r, &w, jobs, njobs);
    else
        fprintf(stderr, "mailauth: %s\n", mailauth_strerror(st));
    for (size_t i = 0; jobs != NULL && i < njobs; i++)
        mailauth_eval_free(jobs[i].ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    free(jobs);
    return rc;
}
