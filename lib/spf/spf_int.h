/* Private to lib/spf: what the evaluator files exchange.
 *
 * Calls go one way, from the walker down to pure functions:
 *
 *   spf_eval.c    the walk: start/step, frames (include/redirect), the result
 *     -> spf_term.c    the walker's side of one term and of the explanation:
 *                      §4.6.4 accounting, every DNS question, the client's
 *                      validated names (spf_walk.h is the walker's state)
 *     -> spf_lookup.c  SPF record lookups shared by walk and prefetch; the planner
 *   spf_term.c -> spf_mech.c   mechanisms and redirect (§5, §6.1): term + answers -> act
 *              -> spf_exp.c    the explanation (§6.2): exp= + answers -> act
 *              -> spf_lookup.c, spf_ptr.c
 *   spf_lookup.c -> spf_mech.c (the first question of a term), spf_record.c
 *   spf_mech.c, spf_exp.c -> spf_ptr.c (validated names, no DNS), spf_macro.c
 *   spf_result.c  getters and formatting
 *
 * A mechanism never asks DNS and never counts: it is called with its term,
 * the answers the walker got for it so far and the macro environment, and
 * returns an act: what it needs next, or how it ended. The walker asks,
 * counts, and calls it again when the answers are in.
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

/* ---- SPF record lookups (spf_lookup.c), §4.4, §4.5 ---- */

typedef enum mailauth__spf_rc_state {
    MAILAUTH__SPF_RC_ASKED = 0, /* no answer yet */
    MAILAUTH__SPF_RC_READY,     /* one record, parsed */
    MAILAUTH__SPF_RC_NONE,      /* NXDOMAIN, NODATA or no v=spf1 record */
    MAILAUTH__SPF_RC_MULTI,     /* more than one v=spf1 record */
    MAILAUTH__SPF_RC_SYNTAX,    /* the record does not parse */
    MAILAUTH__SPF_RC_TEMPFAIL,  /* DNS failure, deadline or query limit */
} mailauth__spf_rc_state_t;

typedef struct mailauth__spf_rc {
    const char                   *name; /* without trailing dot; arena */
    size_t                        len;
    mailauth__dns_q_t            *q;
    uint8_t                       state; /* mailauth__spf_rc_state_t */
    const mailauth__spf_record_t *rec;
    mailauth__spf_syntax_t        syn;
} mailauth__spf_rc_t;

/* The record lookups of one check. Entries never move once made. */
typedef struct mailauth__spf_recs {
    mailauth__arena_t   *a;
    mailauth__dnsc_t    *dns;
    mailauth__spf_rc_t **rc;
    size_t               n, cap;
    bool                 dirty; /* a record was parsed since the last plan */
} mailauth__spf_recs_t;

/* Find the record lookup of name, or (ask) start it. NULL: ENOMEM, or not
 * there when !ask. A name the DNS layer refuses reads as RC_NONE, the
 * message's query limit as RC_TEMPFAIL. */
mailauth__spf_rc_t *mailauth__spf_rc_get(mailauth__spf_recs_t *rs, const char *name, size_t len,
                                         bool ask);
/* Take the answer if it has come; false on ENOMEM. */
bool mailauth__spf_rc_settle(mailauth__spf_recs_t *rs, mailauth__spf_rc_t *rc);
/* Settle every answered lookup; false on ENOMEM. */
bool mailauth__spf_rc_poll(mailauth__spf_recs_t *rs);

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

/* Where the walk is, for the planner. */
typedef struct mailauth__spf_plan_in {
    const mailauth__spf_frame_t *frames; /* outermost first */
    size_t                       depth;
    bool                  started; /* the innermost frame's current term is counted already */
    unsigned              terms;   /* §4.6.4 DNS-causing terms counted so far */
    uint32_t              max_terms;
    bool                  ptr_seen; /* the PTR lookup of ptr/%{p} was counted */
    const mailauth__ip_t *ip;       /* the client, for the PTR question */
    mailauth_dns_type_t   atype;
} mailauth__spf_plan_in_t;

/* Ask ahead for what the walk will need (within the §4.6.4 budget).
 * Returns MAILAUTH_OK or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__spf_plan(mailauth__spf_recs_t *rs, const mailauth__spf_plan_in_t *in);

/* ---- Validated names of the client (spf_ptr.c), §5.5 ---- */

/* The PTR answer and which of its first names were validated. The walker
 * fills it by looking the names up; the functions below only read it. */
typedef struct mailauth__spf_vp {
    mailauth_dns_rcode_t      rcode; /* of the PTR lookup */
    const mailauth__dns_rr_t *names; /* PTR answer records */
    size_t                    n;     /* names looked at: the first max_ptr (§4.6.4) */
    size_t                    total; /* names in the answer */
    uint8_t                  *valid; /* n flags */
} mailauth__spf_vp_t;

/* Name i of the answer, trailing dot dropped. */
mailauth__spf_str_t mailauth__spf_vp_name(const mailauth__spf_vp_t *vp, size_t i);
/* Mark name i (< n) validated if r holds the client's address (§5.5). */
void mailauth__spf_vp_check(mailauth__spf_vp_t *vp, size_t i, const mailauth__ip_t *ip,
                            const mailauth__dns_result_t *r);
/* The %{p} value for <domain> d (§7.3), {NULL, 0} for "unknown". vp may be
 * NULL. *partial (may be NULL) is set when a name past the limit would have
 * been a better choice had it validated. */
mailauth__spf_str_t mailauth__spf_vp_pick(const mailauth__spf_vp_t *vp, const char *d, size_t dlen,
                                          bool *partial);
/* Does a validated name equal or end in target (§5.5)? */
bool mailauth__spf_vp_match(const mailauth__spf_vp_t *vp, const char *target, size_t tlen);
/* Does a name past the limit equal or end in target? */
bool mailauth__spf_vp_ignored(const mailauth__spf_vp_t *vp, const char *target, size_t tlen);

/* ---- Acts: what a mechanism or the explanation returns ----
 *
 * The walker calls a mechanism again after every need it has served and
 * whenever answers come; the mechanism reads from the answers how far it
 * got, so it never asks twice for what it was given, and a need it names
 * is served before it is called again. */

typedef enum mailauth__spf_act_kind {
    MAILAUTH__SPF_ACT_NOMATCH = 0, /* no match (explanation: none) */
    MAILAUTH__SPF_ACT_MATCH,       /* match (explanation: it is in text) */
    MAILAUTH__SPF_ACT_WAIT,        /* an answer given as pending is needed */
    MAILAUTH__SPF_ACT_ASK,         /* ask (text, type): the answer comes as ans->r */
    MAILAUTH__SPF_ACT_ASK_HOSTS,   /* ask the address of each MX name in list: ans->hosts */
    MAILAUTH__SPF_ACT_ASK_RECORD,  /* look up the SPF record of text: ans->rc */
    MAILAUTH__SPF_ACT_NEED_PTR,    /* the validated names of the client: ans->vp */
    MAILAUTH__SPF_ACT_RECORD,      /* include, redirect: evaluate the record of ans->rc */
    MAILAUTH__SPF_ACT_TEMPFAIL,    /* the lookup of (text, type) failed: temperror */
    MAILAUTH__SPF_ACT_ERROR        /* end the check: verdict, reason; text is the problem */
} mailauth__spf_act_kind_t;

typedef struct mailauth__spf_act {
    uint8_t                       kind;        /* mailauth__spf_act_kind_t */
    uint8_t                       verdict;     /* ERROR: mailauth_verdict_t */
    bool                          void_lookup; /* NOMATCH: the lookup found nothing (§4.6.4) */
    bool                          ptr_partial; /* PTR names past the limit might have mattered */
    mailauth_reason_t             reason;      /* ERROR */
    mailauth_dns_type_t           type;        /* ASK, ASK_HOSTS, TEMPFAIL */
    const mailauth__dns_result_t *list;        /* ASK_HOSTS: the MX answer */
    size_t                        len;         /* of text */
    char text[MAILAUTH__SPF_EXP_MAX + 1];      /* a name, a problem or the explanation */
} mailauth__spf_act_t;

/* The answers the walker has for the term so far. */
typedef struct mailauth__spf_ans {
    const char                   *target; /* name of ASK or ASK_RECORD; NULL: nothing asked yet */
    size_t                        tlen;
    const mailauth__dns_result_t *r; /* ASK: the answer, NULL while pending */
    /* ASK_HOSTS: one answer per name of the list, NULL while pending; a
     * name not asked (null MX, not a domain name) has an empty answer.
     * hosts is NULL until asked. */
    const mailauth__dns_result_t *const *hosts;
    size_t                               nhosts;
    const mailauth__spf_rc_t            *rc; /* ASK_RECORD: the lookup, settled */
    const mailauth__spf_vp_t            *vp; /* validated names; NULL: not known yet */
} mailauth__spf_ans_t;

/* What a mechanism may read besides its term and answers. */
typedef struct mailauth__spf_menv {
    const mailauth__spf_macro_env_t *macro; /* s l o i v h c r t: complete when there are macros */
    const mailauth__ip_t            *ip;    /* the client */
    mailauth_dns_type_t              atype; /* A for IPv4 clients, AAAA for IPv6 (§5) */
    const char                      *dom;   /* the current <domain>, without trailing dot */
    size_t                           dlen;
} mailauth__spf_menv_t;

/* spf_mech.c */
/* Evaluate mechanism or redirect t as far as ans allows; out is the act. */
void mailauth__spf_mech(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
                        const mailauth__spf_menv_t *env, mailauth__spf_act_t *out);
/* The target name of t (§4.8, macros expanded, §7.3) into out->text and
 * out->len (0: no usable name). false: out is NEED_PTR (%{p} needs the
 * validated names first). */
bool mailauth__spf_target(const mailauth__spf_term_t *t, const mailauth__spf_ans_t *ans,
                          const mailauth__spf_menv_t *env, mailauth__spf_act_t *out);
/* The question a term asks first when its target is known: a DNS type,
 * MAILAUTH_DNS_TXT for an SPF record lookup, MAILAUTH_DNS_PTR for the
 * validated names; 0 for terms that ask nothing. */
mailauth_dns_type_t mailauth__spf_mech_question(const mailauth__spf_term_t *t,
                                                mailauth_dns_type_t         atype);

/* spf_exp.c */
/* The explanation of a fail from exp (may be NULL), falling back to def
 * (may be NULL): MATCH with the text, NOMATCH for none, or a need. */
void mailauth__spf_exp(const mailauth__spf_term_t *exp, const char *def,
                       const mailauth__spf_ans_t *ans, const mailauth__spf_menv_t *env,
                       mailauth__spf_act_t *out);

#endif
