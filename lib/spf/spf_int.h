/* Private to lib/spf: the result structure shared by the evaluator and the
 * result getters/formatters. */
#ifndef MAILAUTH__SPF_INT_H
#define MAILAUTH__SPF_INT_H

#include <mailauth/spf.h>
#include <mailauth/status.h>

struct mailauth_spf_result {
    mailauth_verdict_t      verdict;
    mailauth_reason_t       reason;
    mailauth_spf_identity_t identity;
    const char             *domain;      /* <domain> checked */
    const char             *sender;      /* <sender> checked */
    const char             *helo;        /* HELO as given, or NULL */
    const char             *client_ip;   /* %{c} form */
    const char             *receiver;    /* authserv-id, or NULL */
    const char             *explanation; /* fail only, or NULL */
    const char             *mechanism;   /* matched term, or NULL */
    const char             *problem;     /* errors only, or NULL */
    unsigned                dns_terms;
};

#endif
