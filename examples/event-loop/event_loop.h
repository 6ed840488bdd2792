/* examples/event-loop: many messages verified at once on one thread, one
 * c-ares resolver and a plain poll() loop (main.c explains the program). */
#ifndef MAILAUTH_EXAMPLE_EVENT_LOOP_H
#define MAILAUTH_EXAMPLE_EVENT_LOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mailauth/mailauth.h>

#define EL_PROG "mailauth-example-event-loop-mta"
#define EL_MAX_DKIM 4 /* DKIM results kept per message; more are counted, not listed */

enum {
    EL_EXIT_OK = 0,       /* every message was evaluated */
    EL_EXIT_FAILED = 1,   /* some evaluation ended with an error status */
    EL_EXIT_USAGE = 64,   /* bad options or manifest */
    EL_EXIT_NOINPUT = 66, /* a file could not be read */
    EL_EXIT_SOFTWARE = 70 /* the library or the loop failed */
};

/* One line of the manifest: a message file and the SMTP envelope it came with. */
struct el_source {
    char  *name;  /* the file name as written in the manifest */
    char  *bytes; /* the whole file (the DATA after dot-unstuffing) */
    size_t len;
    char  *ip, *helo, *mail_from; /* mail_from "" for the null sender "<>" */
};

/* Verdicts copied out of an evaluation when its result is collected. */
struct el_verdicts {
    bool               has_spf, has_dmarc;
    mailauth_verdict_t spf, dmarc;
    mailauth_reason_t  spf_reason, dmarc_reason;
    size_t             ndkim; /* signatures; at most EL_MAX_DKIM are listed below */
    mailauth_verdict_t dkim[EL_MAX_DKIM];
    mailauth_reason_t  dkim_reason[EL_MAX_DKIM];
    char               dkim_domain[EL_MAX_DKIM][64];
};

/* One message in flight: one SMTP transaction of the simulated MTA. */
struct el_job {
    struct el_app          *app;
    size_t                  index; /* 0-based, in starting order */
    const struct el_source *src;
    mailauth_eval_t        *ev;  /* NULL once collected */
    size_t                  fed; /* bytes of src handed to mailauth_eval_feed() */
    bool                    finishing, done;
    bool                    via_queue; /* from the resolver's done queue, not a callback */
    mailauth_status_t       status;    /* of the completion callback */
    struct el_verdicts      v;
};

struct el_options {
    const char *dns_server; /* "ADDR[:PORT]"; NULL: resolv.conf */
    const char *manifest;
    const char *results; /* per-message results file, or NULL */
    size_t      count;   /* messages to start; 0: one per manifest line */
    size_t      chunk;   /* bytes fed per message per round */
    size_t      batch;   /* messages fed between two loop turns */
    bool        authres; /* print each Authentication-Results value on stdout */
    bool        help;
};

struct el_app {
    struct el_options    opt;
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
    struct el_source    *srcs;
    size_t               nsrcs;
    struct el_job       *jobs;
    size_t               njobs;
    /* the sockets the resolver asked to watch (grown on demand) */
    struct pollfd *fds;
    nfds_t         nfds, capfds, maxfds;
    /* the loop's own done queue (FIFO): filled by the callback, drained after
     * each processing call */
    /* counters for the summary */
    size_t   in_flight, in_flight_max, done, via_callback, via_queue, errors;
    uint64_t turns;
    uint64_t poll_wait_ms; /* time blocked in poll() (turns that may wait) */
    uint64_t verdicts[3][MAILAUTH_VERDICT_POLICY + 1]; /* spf, dkim, dmarc */
};

/* messages.c */
int  el_manifest_load(struct el_app *app, const char *path);
void el_manifest_free(struct el_app *app);

/* loop.c */
uint64_t el_now_ms(void);
void     el_on_sock(void *ud, int fd, int readable, int writable);
int      el_loop_turn(struct el_app *app, int max_wait_ms);
void     el_on_done(void *ud, mailauth_eval_t *ev, mailauth_status_t st);

/* jobs.c */
mailauth_status_t el_job_start(struct el_app *app, struct el_job *job);
mailauth_status_t el_job_feed(struct el_job *job, size_t chunk);
void              el_job_collect(struct el_job *job);
int               el_results_write(const struct el_app *app, const char *path);

#endif
