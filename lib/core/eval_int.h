/* Internal: the evaluation of one message, shared by eval.c (lifecycle and
 * feeding), eval_run.c (scheduling, stepping, finishing) and eval_ar.c
 * (result assembly). */
#ifndef MAILAUTH__EVAL_INT_H
#define MAILAUTH__EVAL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <mailauth/eval.h>
#include <mailauth/spf.h>

#include "dkim/dkim_verify.h"
#include "dns/dns.h"
#include "msg/msg.h"
#include "spf/spf.h"
#include "util/arena.h"
#include "util/ip.h"

/* Where the message feeding is (RFC 5322 order). */
typedef enum eval_phase {
    EVAL_ENVELOPE = 0, /* nothing of the message yet: envelope setters, header(), message() */
    EVAL_HEADERS,      /* header() seen */
    EVAL_BODY,         /* end_headers() seen */
    EVAL_COMPLETE,     /* end_message() seen */
} eval_phase_t;

/* Where the finishing is. */
typedef enum eval_finish {
    EVAL_RUNNING = 0,  /* finish() not called yet */
    EVAL_FINISH_ASYNC, /* callback pending */
    EVAL_FINISH_SYNC,  /* inside finish_sync() */
    EVAL_DONE,         /* verdicts built (or failed); callback called */
} eval_finish_t;

enum { EVAL_SPF_MAILFROM = 0, EVAL_SPF_HELO = 1, EVAL_SPF_N = 2 };

struct mailauth_eval {
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
    mailauth__arena_t    arena;
    mailauth__dnsc_t     dns;

    /* envelope, heap copies (replaceable until the checks using them start) */
    bool           have_ip;
    mailauth__ip_t ip;
    char          *helo;      /* as given; NULL: not set */
    char          *mail_from; /* without <>; "" null sender; NULL: not set */

    /* SPF checks, by identity; NULL: not started */
    mailauth__spf_t *spf[EVAL_SPF_N];
    bool             spf_done[EVAL_SPF_N];

    /* DKIM (RFC 6376), started at end of headers; NULL: not evaluated */
    mailauth__dkim_verify_t *dkim;
    bool                     dkim_done;

    /* message */
    bool                   streaming; /* mailauth_eval_feed() used: raw bytes only from now on */
    mailauth__msg_stream_t stream;    /* its splitter (zeroed until then) */
    eval_phase_t          phase;
    mailauth__hdr_index_t hdrs;
    uint64_t              body_bytes;

    /* finishing */
    eval_finish_t         fin;
    mailauth_eval_done_fn cb;
    void                 *cb_ud;
    bool                  canceled;
    bool                  stepping; /* inside step: a nested wake is deferred */
    uint64_t              wakes;    /* wake hook calls, for the blocking driver's stall check */
    mailauth_status_t     err;      /* sticky failure (ENOMEM) of a background step */
    bool                  results;  /* finished normally: the verdicts can be read */
    /* A cache, not state: built from the verdicts by the first
     * mailauth_eval_authres() (a const getter), NULL until then. */
    mailauth_authres_t   *ar;
};

/* eval_run.c */
/* Wake hook given to the DNS client: steps the checks, completes if finishing. */
void mailauth__eval_wake(void *ud);
/* Start every check the envelope allows now; at_finish starts the ones that
 * were waiting for more of the envelope. Records ENOMEM in ev->err. */
mailauth_status_t mailauth__eval_start_checks(mailauth_eval_t *ev, bool at_finish);
/* True when no envelope setter may change a value a started check uses. */
bool mailauth__eval_spf_started(const mailauth_eval_t *ev, int which);

/* eval_ar.c */
/* Build ev->ar from the finished checks. MAILAUTH_OK or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__eval_build_authres(mailauth_eval_t *ev);

#endif
