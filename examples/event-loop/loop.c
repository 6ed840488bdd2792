/* The event loop: poll() over the sockets the resolver asked for, with the
 * resolver's next timer as the timeout.
 *
 * mailauth reports a finished evaluation in one of two ways, chosen per
 * evaluation at mailauth_eval_finish(): a callback, run inside
 * mailauth_resolver_process_fd() or mailauth_resolver_process_timeouts(),
 * or (callback NULL) the resolver's done queue, read with
 * mailauth_resolver_next_done() after the processing call returned, as an
 * MTA that does not want to re-enter its session code from inside a
 * library callback would do (docs/event-loop.md, "The done queue"). Half
 * of the messages go each way. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_loop.h"

uint64_t
el_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* mailauth_sock_fn: start, change or (0, 0) stop watching fd. The stop must
 * take effect now: c-ares closes the socket when the callback returns. */
void
el_on_sock(void *ud, int fd, int readable, int writable)
{
    struct el_app *app = ud;
    short          events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
    nfds_t         i = 0;
    while (i < app->nfds && app->fds[i].fd != fd)
        i++;
    if (events == 0) {
        if (i < app->nfds)
            app->fds[i] = app->fds[--app->nfds];
        return;
    }
    if (i == app->nfds) {
        if (app->nfds == app->capfds) {
            nfds_t         cap = app->capfds == 0 ? 8 : app->capfds * 2;
            struct pollfd *p = realloc(app->fds, cap * sizeof(*p));
            if (p == NULL) {
                /* Nothing to report the error to: the question will time
                 * out and its evaluation gets a temperror verdict. */
                fprintf(stderr, "%s: out of memory watching fd %d\n", EL_PROG, fd);
                return;
            }
            app->fds = p;
            app->capfds = cap;
        }
        app->nfds++;
        if (app->nfds > app->maxfds)
            app->maxfds = app->nfds;
    }
    app->fds[i] = (struct pollfd){.fd = fd, .events = events};
}

/* mailauth_eval_done_fn: exactly once per finished evaluation. */
void
el_on_done(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    struct el_job *job = ud;
    struct el_app *app = job->app;
    (void)ev; /* the same as job->ev */
    job->status = st;
    job->done = true;
    app->in_flight--;
    app->via_callback++;
    el_job_collect(job); /* reads the verdicts and frees the eval, here */
}

/* After a processing call: collect what finished into the resolver's done
 * queue (the evaluations finished with no callback), in finishing order. */
static void
drain_done_queue(struct el_app *app)
{
    mailauth_eval_t  *ev = NULL;
    mailauth_status_t st = MAILAUTH_OK;
    void             *ud = NULL;
    while (mailauth_resolver_next_done(app->r, &ev, &st, &ud) == MAILAUTH_OK) {
        struct el_job *job = ud;
        job->status = st;
        job->done = true;
        app->in_flight--;
        app->via_queue++;
        el_job_collect(job); /* reads the verdicts and frees ev (== job->ev) */
    }
}

/* One turn: wait for the resolver's sockets at most until its next timer
 * (and at most max_wait_ms, unless that is -1), hand back readiness, run
 * expired timers, drain the done queue. */
int
el_loop_turn(struct el_app *app, int max_wait_ms)
{
    struct pollfd ready[64], *set = ready;
    nfds_t        n = app->nfds;
    int           timeout = mailauth_resolver_timeout_ms(app->r), rc;
    if (max_wait_ms >= 0 && (timeout < 0 || timeout > max_wait_ms))
        timeout = max_wait_ms;
    if (n == 0 && timeout < 0)
        return EL_EXIT_SOFTWARE; /* nothing could ever wake us */
    if (n > sizeof(ready) / sizeof(ready[0]) && (set = malloc(n * sizeof(*set))) == NULL)
        return EL_EXIT_SOFTWARE;
    if (n > 0)
        memcpy(set, app->fds, n * sizeof(*set)); /* the callbacks below may edit app->fds */
    app->turns++;
    if (timeout != 0) {
        uint64_t t0 = el_now_ms();
        rc = poll(set, n, timeout);
        app->poll_wait_ms += el_now_ms() - t0;
    } else {
        rc = poll(set, n, 0);
    }
    if (rc < 0 && errno != EINTR) {
        if (set != ready)
            free(set);
        return EL_EXIT_SOFTWARE;
    }
    for (nfds_t i = 0; rc > 0 && i < n; i++) {
        short re = set[i].revents;
        if (re == 0)
            continue;
        /* POLLERR/POLLHUP count as readable: c-ares then sees the error. */
        (void)mailauth_resolver_process_fd(
            app->r, set[i].fd, (re & (POLLIN | POLLERR | POLLHUP)) != 0, (re & POLLOUT) != 0);
        drain_done_queue(app);
    }
    (void)mailauth_resolver_process_timeouts(app->r);
    drain_done_queue(app);
    if (set != ready)
        free(set);
    return EL_EXIT_OK;
}
