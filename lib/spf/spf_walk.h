/* Private to the walker (spf_eval.c, spf_term.c): the state of one check.
 *
 * spf_eval.c walks the records (frames, include, redirect, the result) and
 * calls spf_term.c for the work of one term: counting it (§4.6.4), asking
 * what its mechanism needs, handing the answers back. spf_term.c never
 * calls spf_eval.c. The pure files (spf_mech.c, spf_exp.c, spf_ptr.c) do
 * not see this state.
 */
#ifndef MAILAUTH__SPF_WALK_H
#define MAILAUTH__SPF_WALK_H

#include "spf/spf_int.h"
#include "util/env.h"

/* What a step of a piece of the walk gives. */
typedef enum mailauth__spf_rv {
    MAILAUTH__SPF_RV_DONE = 0, /* the piece finished; a term: no match */
    MAILAUTH__SPF_RV_MATCH,    /* the term matched */
    MAILAUTH__SPF_RV_RECORD,   /* include, redirect: the target's record is ready (op.rc) */
    MAILAUTH__SPF_RV_AGAIN,    /* something new was asked for: call the mechanism again */
    MAILAUTH__SPF_RV_WAIT,     /* a DNS answer is needed first */
    MAILAUTH__SPF_RV_MOVED,    /* the check ended (an error), or the walk changed */
    MAILAUTH__SPF_RV_NOMEM
} mailauth__spf_rv_t;

enum {
    MAILAUTH__SPF_S_TOP = 0,
    MAILAUTH__SPF_S_WALK,
    MAILAUTH__SPF_S_EXP,
    MAILAUTH__SPF_S_DONE,
    MAILAUTH__SPF_S_NOMEM
};

enum {
    MAILAUTH__SPF_VP_IDLE = 0,
    MAILAUTH__SPF_VP_PTR,
    MAILAUTH__SPF_VP_ADDRS,
    MAILAUTH__SPF_VP_DONE
};

/* §5.5: the validated names of the client address, looked up once per
 * check and shared by every ptr mechanism and %{p}. */
typedef struct mailauth__spf_vpq {
    uint8_t             phase; /* MAILAUTH__SPF_VP_* */
    mailauth__dns_q_t  *q;     /* the PTR question */
    mailauth__dns_q_t **aq;    /* address question per name looked at, NULL: skipped */
    mailauth__spf_vp_t  vp;
} mailauth__spf_vpq_t;

/* The questions of the current term (or of the explanation). */
typedef struct mailauth__spf_op {
    bool                counted; /* §4.6.4: the term was counted */
    bool                asked;   /* ASK done: q is its question (NULL: could not be asked) */
    bool                hosts;   /* ASK_HOSTS done: nh questions in hq */
    mailauth__dns_q_t  *q;
    size_t              nh;
    mailauth__spf_rc_t *rc;   /* ASK_RECORD: the record lookup */
    const char         *name; /* the target asked, NULL: none yet */
    size_t              nlen;
    char                buf[256];
} mailauth__spf_op_t;

/* The buffers a check works with while it walks (the term's target name,
 * what the mechanism or explanation said last: most of its state). They
 * are allocated apart and freed as soon as the check ends, because an
 * evaluation keeps its SPF state, in its arena, while the message
 * streams. */
typedef struct mailauth__spf_work {
    mailauth__spf_op_t  op;
    mailauth__spf_act_t act;
} mailauth__spf_work_t;

struct mailauth__spf {
    const mailauth__env_t         *env;
    mailauth__arena_t             *a;
    mailauth__arena_t             *keep; /* the result's strings (a, or one that outlives it) */
    mailauth__dnsc_t              *dns;
    mailauth__ip_t                 ip;
    mailauth_dns_type_t            atype;       /* A for IPv4 clients, AAAA for IPv6 (§5) */
    mailauth__spf_macro_env_t      macro;       /* s l o i v h c r t; d and p set per expansion */
    bool                           macro_ready; /* macro.i, .c and .t are set */
    const char                    *domain;      /* top <domain> */
    size_t                         dlen;
    uint32_t                       max_terms, max_void, max_mx, max_ptr;
    unsigned                       terms;       /* §4.6.4 DNS-causing terms counted (walk order) */
    unsigned                       voids;       /* §4.6.4 void lookups */
    bool                           ptr_seen;    /* the PTR lookup of ptr or %{p} was counted */
    bool                           ptr_partial; /* ignored PTR names might have mattered */
    uint8_t                        st;          /* MAILAUTH__SPF_S_* */
    mailauth__spf_frame_t         *frames;
    size_t                         depth;
    size_t                         fcap; /* frames allocated: grown as includes nest */
    mailauth__spf_op_t            *op;   /* in work */
    mailauth__spf_work_t          *work; /* freed when the check ends: NULL then */
    mailauth__dns_q_t            **hq;   /* mx host questions, max_mx */
    const mailauth__dns_result_t **hr;   /* their answers as handed over */
    mailauth__spf_vpq_t            vq;
    mailauth__spf_recs_t           recs;
    mailauth__spf_act_t           *act;     /* in work: what the mechanism or exp said last */
    const mailauth__spf_record_t  *exp_rec; /* record whose exp= applies (§6.2) */
    const char                    *exp_domain;
    size_t                         exp_dlen;
    char                           ip_i[80], ip_c[48];
    mailauth_spf_result_t          res;
};

/* spf_term.c */
/* End the check with an error verdict; problem printf-style (made printable ASCII). */
void mailauth__spf_fail(mailauth__spf_t *s, mailauth_verdict_t v, mailauth_reason_t reason,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* End with temperror for a failed lookup of (type, name) at term t (NULL: the top record). */
void mailauth__spf_tempfail(mailauth__spf_t *s, const mailauth__spf_term_t *t,
                            mailauth_dns_type_t type, const char *name, size_t len);
/* Forget the questions of the current term. */
void mailauth__spf_op_reset(mailauth__spf_t *s);
/* Evaluate term t of frame f as far as the answers allow: DONE (no match),
 * MATCH, RECORD, WAIT, MOVED (the check ended), NOMEM. */
mailauth__spf_rv_t mailauth__spf_term_step(mailauth__spf_t *s, const mailauth__spf_frame_t *f,
                                           const mailauth__spf_term_t *t);
/* The explanation of a fail (§6.2): MOVED when the check is done, WAIT, NOMEM. */
mailauth__spf_rv_t mailauth__spf_explain(mailauth__spf_t *s);

#endif
