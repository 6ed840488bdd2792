/* Internal to lib/core: the evaluation of one message and its table of
 * checks.
 *
 * An evaluation knows nothing about any method. Each method is a row of
 * the check table (eval_checks.c): when it starts (the envelope is closed,
 * or the header section ended), what it does with body bytes, how it steps
 * on DNS wakes, which other rows' final verdicts it needs (`after`), what
 * it adds to the Authentication-Results. The rows live in check_*.c, one
 * file a method; adding a method is one new module, one new file here and
 * one row.
 *
 *   eval.c         lifecycle, envelope, message feeding
 *   eval_run.c     the driver: starting rows, stepping them to a fixpoint,
 *                  finishing (callback, done queue, blocking loop)
 *   eval_ar.c      Authentication-Results and the methods evaluated
 *   eval_checks.c  the table
 *   check_*.c      the rows
 */
#ifndef MAILAUTH__EVAL_INT_H
#define MAILAUTH__EVAL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <mailauth/eval.h>

#include "dns/dns.h"
#include "msg/msg.h"
#include "util/arena.h"
#include "util/ip.h"

/* Where the finishing is. */
typedef enum eval_finish {
    EVAL_RUNNING = 0,  /* finish() not called yet */
    EVAL_FINISH_ASYNC, /* callback pending */
    EVAL_FINISH_SYNC,  /* inside finish_sync() */
    EVAL_DONE,         /* verdicts built (or failed); callback called */
} eval_finish_t;

/* The rows, in Authentication-Results order (RFC 8601 §2.7.2: MAIL FROM
 * before HELO). */
typedef enum check_id {
    CHECK_SPF_MAILFROM = 0,
    CHECK_SPF_HELO,
    CHECK_DKIM,
    CHECK_DMARC,
    CHECK_ARC,
    CHECK_IPREV,
    CHECK_N
} check_id_t;

#define CHECK_BIT(id) (1u << (id))

/* When a row may start. */
typedef enum check_when {
    CHECK_AT_ENVELOPE = 0, /* the envelope is closed */
    CHECK_AT_HEADERS = 1,  /* the header section ended */
} check_when_t;

struct check;

/* One method's operations. Every function gets its row and the eval; a
 * missing optional function means "nothing to do". Statuses: MAILAUTH_OK,
 * MAILAUTH_EAGAIN (step: waiting for DNS or more input), or an error that
 * stops the evaluation (MAILAUTH_ENOMEM). */
typedef struct check_ops {
    const char       *name;   /* for logs */
    mailauth_method_t method; /* the ctx bit that turns it on */
    check_when_t      when;
    unsigned          after; /* CHECK_BITs of the rows whose final verdicts inputs() needs */
    /* Start: set c->state, or leave it NULL when the method does not apply
     * (e.g. no client address): the row is then not evaluated. */
    mailauth_status_t (*start)(struct check *c, mailauth_eval_t *ev);
    /* Body bytes (CRLF-normalized) and end of body (optional). */
    mailauth_status_t (*body)(struct check *c, const void *p, size_t n);
    mailauth_status_t (*end_body)(struct check *c);
    /* Take the answers at hand: MAILAUTH_OK when nothing more can happen
     * before inputs() (or, after it, when the verdict is final). */
    mailauth_status_t (*step)(struct check *c);
    /* Once every `after` row is final and the message is complete (optional). */
    mailauth_status_t (*inputs)(struct check *c, mailauth_eval_t *ev);
    /* Append the row's entries to the Authentication-Results. */
    mailauth_status_t (*emit_ar)(const struct check *c, const mailauth_eval_t *ev,
                                 mailauth_authres_t *ar);
    /* Release what the arena does not own (optional). */
    void (*release)(struct check *c);
    /* The verdict is final: copy what is read from now on (the verdict,
     * emit_ar) into ev->arena, or complete it there (optional). A row
     * that works in its own arena (c->arena, made with
     * mailauth__check_arena()) has it deleted once settle() returns
     * MAILAUTH_OK, so a finished check holds only its verdict while the
     * body streams. */
    mailauth_status_t (*settle)(struct check *c, mailauth_eval_t *ev);
} check_ops_t;

/* A row's place in one evaluation. */
typedef struct check {
    void *state;   /* the module's object; NULL: not evaluated */
    bool  started; /* start() was called (state may still be NULL) */
    bool  idle;    /* step() said OK since the last change */
    bool  fed;     /* inputs() called (or none needed) */
    bool  final;   /* the verdict will not change */
    /* The row's own working memory (rows with settle()): made by
     * mailauth__check_arena() when the row starts, deleted when it settles. */
    mailauth__arena_t *arena;
} check_t;

/* The table (eval_checks.c) and its rows (check_*.c). */
extern const check_ops_t *const mailauth__checks[CHECK_N];
extern const check_ops_t        mailauth__check_spf_mailfrom;
extern const check_ops_t        mailauth__check_spf_helo;
extern const check_ops_t        mailauth__check_dkim;
extern const check_ops_t        mailauth__check_dmarc;
extern const check_ops_t        mailauth__check_arc;
extern const check_ops_t        mailauth__check_iprev;

/* Fields grouped by concern; the flags of all of them together at the
 * end, so that the struct, held by every message in flight, has no holes. */
struct mailauth_eval {
    mailauth_ctx_t      *ctx;
    mailauth_resolver_t *r;
    mailauth__arena_t    arena; /* the evaluation lives in its first chunk */
    mailauth__dnsc_t     dns;
    /* The check table (mailauth__checks, set by eval.c): row i's
     * operations are ops[i]. One pointer here rather than one per row;
     * the driver reads it from here, so that it does not use the table's
     * file, which uses the rows', which use the driver. */
    const check_ops_t *const *ops;

    /* envelope: heap copies, replaceable until it closes */
    mailauth__ip_t ip;        /* when have_ip */
    char          *helo;      /* as given; NULL: not set */
    char          *mail_from; /* without <>; "" null sender; NULL: not set */

    check_t checks[CHECK_N];

    /* message: fields, phase and stream in the intake (lib/msg). The
     * fields live in their own arena, cleared once the rows have read them
     * at the end of the header section (DKIM and ARC hash the fields they
     * sign then, DMARC takes the author domain): a message whose body
     * streams holds no header bytes. */
    mailauth__arena_t  harena;
    mailauth__intake_t in;
    uint64_t           body_bytes; /* CRLF-normalized body bytes fed */

    /* finishing */
    mailauth_eval_done_fn cb;
    void                 *cb_ud;
    uint64_t              wakes; /* wake hook calls, for the blocking driver's stall check */
    mailauth_authres_t   *ar;    /* built by the first mailauth_eval_authres() */
    eval_finish_t         fin;
    mailauth_status_t     err; /* sticky failure (ENOMEM) of a background step */

    /* flags */
    bool have_ip;         /* envelope: ip is set */
    bool envelope_closed; /* envelope */
    bool keep_headers;    /* tests: keep the fields to the end */
    bool canceled;
    bool stepping; /* inside step: a nested wake is deferred */
    bool results;  /* finished normally: the verdicts can be read */
};

/* The operations of row c of ev. */
static inline const check_ops_t *
mailauth__check_ops(const mailauth_eval_t *ev, const check_t *c)
{
    return ev->ops[c - ev->checks];
}

/* The header fields kept so far (the rows read them at end of headers;
 * afterwards only their count and the refused names are left, unless
 * mailauth__eval_keep_headers() was called). */
static inline const mailauth__hdr_index_t *
mailauth__eval_headers(const mailauth_eval_t *ev)
{
    return mailauth__intake_fields(&ev->in);
}

/* For tests: keep the header fields after the end of the header section
 * (call before the first field). */
static inline void
mailauth__eval_keep_headers(mailauth_eval_t *ev)
{
    ev->keep_headers = true;
}

/* For tests: CRLF-normalized body bytes fed so far. */
static inline uint64_t
mailauth__eval_body_bytes(const mailauth_eval_t *ev)
{
    return ev->body_bytes;
}

/* eval.c: set up ev->in (its operations are the eval's). */
void mailauth__eval_intake_init(mailauth_eval_t *ev);

/* eval_run.c */
/* Wake hook given to the DNS client: steps the checks, completes if finishing. */
void mailauth__eval_wake(void *ud);
/* Close the envelope (no-op when closed) and start its rows. */
mailauth_status_t mailauth__eval_close_envelope(mailauth_eval_t *ev);
/* Start the rows that wait for the end of the header section. */
mailauth_status_t mailauth__eval_start_headers(mailauth_eval_t *ev);
/* Body bytes and end of body to every started row that wants them. */
mailauth_status_t mailauth__eval_body(mailauth_eval_t *ev, const void *p, size_t n);
mailauth_status_t mailauth__eval_end_body(mailauth_eval_t *ev);
/* The module object of a row whose verdict can be read (the evaluation
 * finished normally and the row was evaluated), else NULL. */
void *mailauth__eval_final(const mailauth_eval_t *ev, check_id_t id);
/* The module object of a row that is final now (during the evaluation,
 * for rows that take other rows' verdicts), else NULL. */
void *mailauth__eval_row_final(const mailauth_eval_t *ev, check_id_t id);

/* The row's arena (made now if it has none; chunks of about 1 KiB), or
 * NULL on ENOMEM. */
mailauth__arena_t *mailauth__check_arena(check_t *c, const mailauth_eval_t *ev);

/* check_dkim.c: the DKIM verifier of the eval (NULL when not evaluated). */
struct mailauth__dkim_verify *mailauth__eval_dkim(const mailauth_eval_t *ev);

/* check_spf.c: the result of SPF row `id` once final, else NULL. */
const struct mailauth_spf_result *mailauth__eval_spf_row(const mailauth_eval_t *ev, check_id_t id);

/* check_spf.c: the MAIL FROM identity's domain as DMARC aligns it
 * (RFC 7208 §2.4: the HELO name for the null sender), or NULL. */
const char *mailauth__eval_mailfrom_domain(const mailauth_eval_t *ev);

#endif
