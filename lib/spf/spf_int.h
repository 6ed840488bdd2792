/* Private to lib/spf: the check_host() state shared by the evaluator files.
 *
 *   spf_eval.c    start/step, the walk over frames (include/redirect), results
 *   spf_mech.c    mechanisms and redirect that ask DNS (§5, §6.1)
 *   spf_lookup.c  SPF record lookups shared by walk and prefetch, the prefetch planner
 *   spf_ptr.c     validated names of the client address (§5.5, %{p})
 *   spf_exp.c     the explanation (§6.2)
 *   spf_result.c  getters and formatting
 */
#ifndef MAILAUTH__SPF_INT_H
#define MAILAUTH__SPF_INT_H

#include <mailauth/spf.h>
#include <mailauth/status.h>

#include "spf/spf.h"

struct mailauth_spf_result {
    mailauth_verdict_t      verdict;
    mailauth_reason_t       reason;
    mailauth_spf_identity_t identity;
    const char             *domain;      /* <domain> checked */
    const char             *sender;      /* <sender> checked */
    const char             *helo;        /* HELO as given, or NULL */
    const char             *client_ip;   /* %{c} form, or NULL: formatted from client on use */
    mailauth__ip_t          client;      /* the client address checked */
    const char             *receiver;    /* authserv-id, or NULL */
    const char             *explanation; /* fail only, or NULL */
    const char             *mechanism;   /* matched term, or NULL */
    const char             *problem;     /* errors only, or NULL */
    unsigned                dns_terms;
};

/* What a step of a piece of the machine gives. */
typedef enum mailauth__spf_rv {
    MAILAUTH__SPF_NOMATCH = 0, /* mechanism did not match / piece finished */
    MAILAUTH__SPF_MATCH,       /* mechanism matched */
    MAILAUTH__SPF_WAIT,        /* a DNS answer is needed first */
    MAILAUTH__SPF_MOVED,       /* the walk changed: frame pushed/replaced, or the check ended */
    MAILAUTH__SPF_NOMEM
} mailauth__spf_rv_t;

/* An SPF record lookup (TXT, §4.4/§4.5), shared by the walk and the planner. */
typedef enum mailauth__spf_rc_state {
    MAILAUTH__SPF_RC_ASKED = 0, /* no answer yet */
    MAILAUTH__SPF_RC_READY,     /* one record, parsed */
    MAILAUTH__SPF_RC_NONE,      /* NXDOMAIN, NODATA or no v=spf1 record */
    MAILAUTH__SPF_RC_MULTI,     /* more than one v=spf1 record */
    MAILAUTH__SPF_RC_SYNTAX,    /* the record does not parse */
    MAILAUTH__SPF_RC_TEMPFAIL,  /* DNS failure, deadline or query limit */
} mailauth__spf_rc_state_t;

typedef struct mailauth__spf_rc {
    const char                   *name; /* without trailing dot; arena or record text */
    size_t                        len;
    mailauth__dns_q_t            *q;
    uint8_t                       state; /* mailauth__spf_rc_state_t */
    const mailauth__spf_record_t *rec;
    mailauth__spf_syntax_t        syn;
} mailauth__spf_rc_t;

enum { MAILAUTH__SPF_F_MECHS = 0, MAILAUTH__SPF_F_REDIRECT = 1 };

/* One check_host() invocation in progress: the top one, or an include. A
 * redirect replaces the frame (§6.1: its result is the frame's result). */
typedef struct mailauth__spf_frame {
    const mailauth__spf_record_t *rec;
    const char                   *domain; /* <domain>, without trailing dot */
    size_t                        dlen;
    size_t                        pos;      /* text offset after the current mechanism */
    mailauth__spf_term_t          cur;      /* the current mechanism */
    bool                          have_cur; /* cur is read and not finished */
    uint8_t                       phase;    /* MAILAUTH__SPF_F_* */
} mailauth__spf_frame_t;

enum {
    MAILAUTH__SPF_OP_START = 0, /* term not counted yet */
    MAILAUTH__SPF_OP_TARGET,    /* counted; target name to compute */
    MAILAUTH__SPF_OP_ASK,       /* target known: ask */
    MAILAUTH__SPF_OP_WAIT,      /* first answer pending */
    MAILAUTH__SPF_OP_HOSTS      /* mx: host addresses pending */
};

/* The DNS term the deepest frame is evaluating. */
typedef struct mailauth__spf_op {
    uint8_t                       phase;
    const char                   *name; /* target name; nlen 0: not a usable name */
    size_t                        nlen;
    mailauth__dns_q_t            *q;
    mailauth__spf_rc_t           *rc;
    const mailauth__dns_result_t *mx; /* MX answer while hosts are pending */
    char                          buf[256];
} mailauth__spf_op_t;

enum {
    MAILAUTH__SPF_VP_IDLE = 0,
    MAILAUTH__SPF_VP_PTR,
    MAILAUTH__SPF_VP_ADDRS,
    MAILAUTH__SPF_VP_DONE
};

/* §5.5: the validated names of the client address, computed once per check
 * and shared by every ptr mechanism and %{p}. */
typedef struct mailauth__spf_vp {
    uint8_t                   phase;
    mailauth_dns_rcode_t      rcode; /* of the PTR lookup */
    mailauth__dns_q_t        *q;
    const mailauth__dns_rr_t *names; /* PTR answer records */
    size_t                    n;     /* names looked at (first max_ptr) */
    mailauth__dns_q_t       **aq;    /* address question per name, NULL: skipped */
    uint8_t                  *valid;
} mailauth__spf_vp_t;

enum {
    MAILAUTH__SPF_S_TOP = 0,
    MAILAUTH__SPF_S_WALK,
    MAILAUTH__SPF_S_EXP,
    MAILAUTH__SPF_S_DONE,
    MAILAUTH__SPF_S_NOMEM
};

struct mailauth__spf {
    const mailauth__env_t    *env;
    mailauth__arena_t        *a;
    mailauth__dnsc_t         *dns;
    mailauth__ip_t            ip;
    mailauth_dns_type_t       atype;  /* A for IPv4 clients, AAAA for IPv6 (§5) */
    mailauth__spf_macro_env_t macro;  /* s l o i v h c r t; d and p set per expansion */
    const char               *domain; /* top <domain> */
    size_t                    dlen;
    uint32_t                  max_terms, max_void, max_mx, max_ptr;
    unsigned                  terms;    /* §4.6.4 DNS-causing terms counted (walk order) */
    unsigned                  voids;    /* §4.6.4 void lookups */
    bool                      ptr_seen; /* a ptr or %{p} was reached by the walk (p counts once) */
    bool                      plan_dirty;  /* a record was parsed since the last prefetch plan */
    bool                      macro_ready; /* macro.i, macro.c and macro.t are set */
    uint8_t                   st;          /* MAILAUTH__SPF_S_* */
    uint8_t                   exp_phase;
    mailauth__spf_frame_t    *frames;
    size_t                    depth;
    mailauth__spf_op_t        op;
    mailauth__spf_vp_t        vp;
    mailauth__dns_q_t       **hq; /* mx host questions, max_mx */
    mailauth__spf_rc_t       *rc; /* record lookups */
    size_t                    nrc, caprc;
    const mailauth__spf_record_t *exp_rec; /* record whose exp= applies (§6.2) */
    const char                   *exp_domain;
    size_t                        exp_dlen;
    mailauth__dns_q_t            *exp_q;
    char                          ip_i[80], ip_c[48];
    mailauth_spf_result_t         res;
};

/* spf_eval.c */
/* End the check with an error verdict; problem printf-style (made printable ASCII). */
void mailauth__spf_error(mailauth__spf_t *s, mailauth_verdict_t v, mailauth_reason_t reason,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* End with temperror for a failed lookup of (name, type) at term. */
void mailauth__spf_tempfail(mailauth__spf_t *s, const mailauth__spf_term_t *t, const char *what,
                            const char *name, size_t len);
/* Ask a question: MAILAUTH__SPF_NOMATCH with *q set (NULL: name unusable,
 * treat as no answer), MOVED (query limit: temperror set), NOMEM. */
mailauth__spf_rv_t mailauth__spf_ask(mailauth__spf_t *s, const mailauth__spf_term_t *t,
                                     const char *name, size_t len, mailauth_dns_type_t type,
                                     mailauth__dns_q_t **q);
/* Count a DNS-causing term (§4.6.4); false: limit exceeded, permerror set. */
bool mailauth__spf_count(mailauth__spf_t *s, const mailauth__spf_term_t *t, const char *what);
/* The macro values, completed on first use. */
const mailauth__spf_macro_env_t *mailauth__spf_env(mailauth__spf_t *s);
/* Reset the per-term state. */
void mailauth__spf_op_reset(mailauth__spf_t *s);
/* Evaluate an include target's record in a new frame (§5.2). Always MOVED. */
mailauth__spf_rv_t mailauth__spf_push(mailauth__spf_t *s, const mailauth__spf_rc_t *rc);

/* spf_mech.c */
mailauth__spf_rv_t mailauth__spf_mech(mailauth__spf_t *s, mailauth__spf_frame_t *f,
                                      const mailauth__spf_term_t *t);
mailauth__spf_rv_t mailauth__spf_redirect(mailauth__spf_t *s, mailauth__spf_frame_t *f);
/* Compute the target name of a term: expand macros (walking %{p} first). */
mailauth__spf_rv_t mailauth__spf_target(mailauth__spf_t *s, const mailauth__spf_term_t *t,
                                        const char *dom, size_t dlen, bool count_p, char *buf,
                                        const char **name, size_t *nlen);

/* spf_lookup.c */
/* Find the record lookup of name, or start it. NULL: ENOMEM (or, with
 * ask false, not there). A name the DNS layer refuses reads as RC_NONE. */
mailauth__spf_rc_t *mailauth__spf_rc_get(mailauth__spf_t *s, const char *name, size_t len,
                                         bool ask);
/* Take the answer if it has come; false on ENOMEM. */
bool mailauth__spf_rc_settle(mailauth__spf_t *s, mailauth__spf_rc_t *rc);
/* Settle every answered lookup; false on ENOMEM. */
bool mailauth__spf_rc_poll(mailauth__spf_t *s);
/* Ask ahead for what the walk will need (within the §4.6.4 budget). */
mailauth_status_t mailauth__spf_plan(mailauth__spf_t *s);

/* spf_ptr.c */
mailauth__spf_rv_t mailauth__spf_vp_step(mailauth__spf_t *s);
/* The %{p} value for <domain> d (§7.3), {NULL, 0} for "unknown". */
mailauth__spf_str_t mailauth__spf_vp_pick(const mailauth__spf_t *s, const char *d, size_t dlen);
/* Does a validated name equal or end in target (§5.5)? */
bool mailauth__spf_vp_match(const mailauth__spf_t *s, const char *target, size_t tlen);

/* spf_exp.c */
mailauth__spf_rv_t mailauth__spf_exp_step(mailauth__spf_t *s);

#endif
