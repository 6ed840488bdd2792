/* Private to lib/iprev: the check's state, shared by its files.
 *
 *   iprev.c         start and step: the PTR question, the address
 *                   questions, the verdict
 *   iprev_result.c  public getters and the A-R entry
 */
#ifndef MAILAUTH__IPREV_INT_H
#define MAILAUTH__IPREV_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iprev/iprev.h"

struct mailauth_iprev_result {
    mailauth_verdict_t verdict;
    mailauth_reason_t  reason;
    const char        *ip;      /* the client address as text, arena */
    const char        *name;    /* pass: the confirming name, lower case, arena; else NULL */
    const char        *problem; /* not pass: printable text, arena; pass: NULL */
};

typedef enum mailauth__iprev_phase {
    MAILAUTH__IPREV_PTR = 0, /* waiting for the PTR answer */
    MAILAUTH__IPREV_ADDRS,   /* waiting for address answers */
    MAILAUTH__IPREV_DONE
} mailauth__iprev_phase_t;

/* One PTR name looked at. */
typedef struct mailauth__iprev_name {
    const char        *name;        /* in the PTR answer (held by the dnsc); NULL: skipped */
    size_t             len;         /* without a trailing dot */
    mailauth__dns_q_t *q;           /* its address question; NULL when not asked */
    bool               over_budget; /* the message's question budget refused it */
} mailauth__iprev_name_t;

struct mailauth__iprev {
    mailauth__arena_t      *a;
    const mailauth__env_t  *env;
    mailauth__dnsc_t       *dns;
    mailauth__ip_t          ip;
    mailauth_dns_type_t     atype;   /* A for an IPv4 client, AAAA for IPv6 */
    uint8_t                 phase;   /* mailauth__iprev_phase_t */
    char                    rev[80]; /* the reverse name (RFC 1035 §3.5, RFC 3596 §2.5) */
    mailauth__dns_q_t      *ptr_q;
    size_t                  nptr;   /* records in the PTR answer */
    size_t                  n;      /* names looked at: min(nptr, MAILAUTH__IPREV_NAMES_MAX) */
    size_t                  usable; /* of those, names whose addresses were asked for */
    mailauth__iprev_name_t  names[MAILAUTH__IPREV_NAMES_MAX];
    mailauth_iprev_result_t res;
};

#endif
