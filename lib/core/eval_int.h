/* Internal: the evaluation of one message, shared by eval.c (lifecycle and
 * feeding), eval_run.c (scheduling, stepping, finishing) and eval_ar.c
 * (result assembly). */
#ifndef MAILAUTH__EVAL_INT_H
#define MAILAUTH__EVAL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <mailauth/eval.h>
#include <mailauth/spf.h>

#include "arc/arc.h"
#include "dkim/dkim_verify.h"
#include "dmarc/dmarc.h"
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

/* Fields grouped by method, not by size: one per message, the padding is a few dozen bytes. */
struct mailauth_eval { /* NOLINT(clang-analyzer-optin.performance.Padding) */
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

    /* ARC (RFC 8617), started at end of headers with DKIM's body set;
     * NULL: not evaluated */
    mailauth__arc_t *arc;
    bool             arc_done;

    /* DMARC (RFC 7489 / RFC 9989): policy questions at end of headers, the
     * SPF and DKIM results once both are final (eval_dmarc.c); NULL: not
     * evaluated */
    mailauth__dmarc_t *dmarc;
    bool               dmarc_fed; /* mailauth__dmarc_finish() called */
    bool               dmarc_done;

    /* The envelope can no longer start an SPF check (finishing began). */
    bool envelope_final;

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

/* eval_dmarc.c: ARC and DMARC inside the evaluation */
/* At end of headers, after DKIM started: ARC key and DMARC policy
 * questions. Records a failure in ev->err. */
mailauth_status_t mailauth__eval_start_arc_dmarc(mailauth_eval_t *ev);
/* Body bytes for an ARC verifier with its own body set. */
mailauth_status_t mailauth__eval_arc_body(mailauth_eval_t *ev, const void *p, size_t n);
/* End of the message, after DKIM's end of body. */
mailauth_status_t mailauth__eval_arc_end(mailauth_eval_t *ev);
/* Step ARC and DMARC (after SPF and DKIM were stepped); give DMARC its
 * inputs once SPF and DKIM are final. Records a failure in ev->err. */
void mailauth__eval_step_arc_dmarc(mailauth_eval_t *ev);
/* True when ARC and DMARC (whichever run) have their results. */
bool mailauth__eval_arc_dmarc_done(const mailauth_eval_t *ev);
/* Once everything is done: the trusted-sealer override of a DMARC fail. */
void mailauth__eval_dmarc_override(mailauth_eval_t *ev);

/* eval_ar.c */
/* Build ev->ar from the finished checks. MAILAUTH_OK or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__eval_build_authres(mailauth_eval_t *ev);

#endif
