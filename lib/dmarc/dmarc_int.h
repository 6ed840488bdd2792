/* Private to lib/dmarc: the evaluation state shared by its files.
 *
 *   dmarc_discover.c  start, the author domain, _dmarc lookups, RFC 7489
 *                     discovery, RFC 9989 tree walks and their policy choice
 *   dmarc_eval.c      step/finish, alignment, verdict, policy, disposition
 *   dmarc_record.c    the record parser
 *   dmarc_result.c    public getters
 *   dmarc_authres.c   the local-policy override and the A-R entry
 */
#ifndef MAILAUTH__DMARC_INT_H
#define MAILAUTH__DMARC_INT_H

#include <mailauth/dmarc.h>

#include "dmarc/dmarc.h"
#include "domain/psl.h"

struct mailauth_dmarc_result {
    mailauth_verdict_t              verdict;
    mailauth_reason_t               reason;
    const char                     *problem;
    mailauth_dmarc_mode_t           mode;
    mailauth_dmarc_discovery_t      discovery;
    const char                     *header_from;
    const char                     *org_domain;
    const char                     *policy_domain;
    const char                     *policy_tag; /* "p", "sp", "np" or NULL */
    const char                     *dkim_domain;
    uint8_t                         policy;      /* mailauth_dmarc_policy_t */
    uint8_t                         disposition; /* mailauth_dmarc_policy_t */
    bool                            sampled_out;
    bool                            spf_aligned;
    bool                            dkim_aligned;
    uint8_t                         override; /* mailauth_dmarc_override_t, set by the eval */
    const mailauth__dmarc_record_t *rec;      /* the record used, or NULL */
};

/* The outcome of one _dmarc.<domain> TXT lookup (RFC 7489 §6.6.3 steps
 * 1-2 and 4-5, RFC 9989 §4.10 steps 2 and 6). */
typedef enum mailauth__dmarc_lk_state {
    MAILAUTH__DMARC_LK_ASKED = 0, /* no answer yet */
    MAILAUTH__DMARC_LK_NONE,      /* NXDOMAIN, NODATA, or no v=DMARC1 record */
    MAILAUTH__DMARC_LK_MULTI,     /* several v=DMARC1 records */
    MAILAUTH__DMARC_LK_RECORD,    /* one record, usable */
    MAILAUTH__DMARC_LK_INVALID,   /* one record, unusable (rec->detail says why) */
    MAILAUTH__DMARC_LK_TEMPFAIL   /* DNS failure, deadline, query limit */
} mailauth__dmarc_lk_state_t;

typedef struct mailauth__dmarc_lk {
    const char                     *dom; /* the domain under _dmarc, lower case, arena */
    size_t                          len;
    mailauth__dns_q_t              *q;
    uint8_t                         state;  /* mailauth__dmarc_lk_state_t */
    uint8_t                         rcode;  /* mailauth_dns_rcode_t of the answer */
    const mailauth__dmarc_record_t *rec;    /* RECORD and INVALID */
    const char                     *detail; /* INVALID: why */
} mailauth__dmarc_lk_t;

/* Most names one tree walk visits (the ctx limit is clamped to it). */
#define MAILAUTH__DMARC_WALK_MAX 16u
/* Tree walks per message: the author domain and distinct identifiers. */
#define MAILAUTH__DMARC_WALKS_MAX 24u

typedef enum mailauth__dmarc_walk_state {
    MAILAUTH__DMARC_WALK_PENDING = 0,
    MAILAUTH__DMARC_WALK_DONE,
    MAILAUTH__DMARC_WALK_TEMPFAIL
} mailauth__dmarc_walk_state_t;

/* An RFC 9989 §4.10 DNS tree walk from `start`: lookups in walk order. */
typedef struct mailauth__dmarc_walk {
    const char *start;
    size_t      slen;
    size_t      lk[MAILAUTH__DMARC_WALK_MAX]; /* lookup table indexes */
    size_t      n;
    uint8_t     state; /* mailauth__dmarc_walk_state_t */
    size_t      last;  /* walk position of the last record found; n if none */
    bool        multi; /* a name of the walk had several records */
    const char *org;   /* §4.10.2 organizational domain, once DONE (arena) */
} mailauth__dmarc_walk_t;

typedef enum mailauth__dmarc_disc {
    MAILAUTH__DMARC_DISC_PENDING = 0,
    MAILAUTH__DMARC_DISC_NONE,     /* no record: DMARC does not apply */
    MAILAUTH__DMARC_DISC_MULTI,    /* RFC 7489 §6.6.3 step 5: several records */
    MAILAUTH__DMARC_DISC_RECORD,   /* a usable record (policy_lk) */
    MAILAUTH__DMARC_DISC_INVALID,  /* the record found is unusable */
    MAILAUTH__DMARC_DISC_TEMPFAIL, /* a lookup failed temporarily */
    MAILAUTH__DMARC_DISC_FROM      /* no single author domain: result already set */
} mailauth__dmarc_disc_t;

/* Does the author domain exist (RFC 9989 §3.2.13, for np)? */
typedef enum mailauth__dmarc_exist {
    MAILAUTH__DMARC_EXIST_UNKNOWN = 0,
    MAILAUTH__DMARC_EXIST_ASKED,
    MAILAUTH__DMARC_EXIST_YES,
    MAILAUTH__DMARC_EXIST_NO,
    MAILAUTH__DMARC_EXIST_TEMPFAIL
} mailauth__dmarc_exist_t;

struct mailauth__dmarc {
    mailauth__arena_t     *a;
    const mailauth__env_t *env;
    mailauth__dnsc_t      *dns;
    mailauth_dmarc_mode_t  mode;
    const mailauth__psl_t *psl; /* RFC 7489 mode; NULL: no list (org = the domain itself) */
    const char            *author;
    size_t                 alen;
    /* _dmarc lookups, shared by discovery and every walk */
    mailauth__dmarc_lk_t *lk;
    size_t                nlk, caplk;
    /* RFC 9989 walks; walks[0] starts at the author domain. Each walk is
     * allocated on its own (its address never changes), the table of them
     * grows as identifiers are walked: most messages walk one or two. */
    mailauth__dmarc_walk_t **walks;
    size_t                   nwalks, capwalks;
    /* discovery */
    size_t             policy_lk; /* lookup of the record used (DISC_RECORD, DISC_INVALID) */
    const char        *org7489;   /* RFC 7489 organizational domain of the author */
    mailauth__dns_q_t *exist_q;
    uint8_t            disc;  /* mailauth__dmarc_disc_t */
    uint8_t            exist; /* mailauth__dmarc_exist_t */
    /* finish (the flags beside the discovery's: the state is held while the body streams) */
    bool                         finished; /* inputs given */
    bool                         done;     /* result ready */
    bool                         nomem;
    mailauth_verdict_t           spf_verdict;
    const char                  *spf_domain; /* lower case, arena, or NULL */
    mailauth__dmarc_dkim_t      *dkim;       /* arena copies, lower-case domains */
    size_t                       ndkim;
    struct mailauth_dmarc_result res;
};

/* ---- dmarc_discover.c ---- */

/* The lookup of _dmarc.<dom> (asked now if new); its index, or SIZE_MAX on ENOMEM. */
size_t mailauth__dmarc_lookup(mailauth__dmarc_t *d, const char *dom, size_t len);
/* Read answers that arrived; false on ENOMEM. */
bool mailauth__dmarc_settle(mailauth__dmarc_t *d);
/* The walk from `dom` (started now if new; all its questions asked at once),
 * or NULL (ENOMEM, or too many walks: d->nomem tells which). */
mailauth__dmarc_walk_t *mailauth__dmarc_walk(mailauth__dmarc_t *d, const char *dom, size_t len);
/* Advance a walk over settled lookups (§4.10 steps 2, 6, 7; §4.10.2). */
void mailauth__dmarc_walk_eval(mailauth__dmarc_t *d, mailauth__dmarc_walk_t *w);
/* Advance policy discovery; sets d->disc when known. false on ENOMEM. */
bool mailauth__dmarc_discover(mailauth__dmarc_t *d);
/* A problem text in the arena (printf-style); NULL on ENOMEM (then d->nomem). */
const char *mailauth__dmarc_problem(mailauth__dmarc_t *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
