/* mailauth-check --lint: what the lint files share. lint.c runs the checks
 * (lint_spf.c, lint_dmarc.c, lint_dkim.c), asks DNS for them and prints
 * what they found. */
#ifndef MAILAUTH_CHECK_LINT_H
#define MAILAUTH_CHECK_LINT_H

#include "check.h"

/* Records kept of one answer. */
#define LINT_MAX_RECORDS 32

/* One answer: its outcome and its records as text (TXT joined; MX and PTR
 * names; A and AAAA addresses). */
struct lint_answer {
    mailauth_dns_rcode_t rcode;
    size_t               count; /* records in the answer (at most LINT_MAX_RECORDS kept) */
    char                *rec[LINT_MAX_RECORDS];
    size_t               len[LINT_MAX_RECORDS];
};

/* The facts the JSON output shows next to the problems. */
struct lint_facts {
    char    *spf_record, *dmarc_record;
    char    *dmarc_inherited; /* no record at the domain: the organizational domain whose applies */
    unsigned spf_dns_terms, spf_void_lookups;
    bool     spf_walked;
};

struct lint {
    const struct check_opts *o;
    mailauth_ctx_t          *ctx;
    mailauth_resolver_t     *r;
    char                   **problems; /* "area: name: text" lines */
    size_t                   nproblems, cap;
    struct lint_facts        facts;
    bool                     failed; /* out of memory: exit 70 */
};

/* Ask (name, type) and wait; false when the lookup itself failed (it is
 * then counted as a problem). Release the answer with lint_answer_clear(). */
bool lint_lookup(struct lint *l, const char *name, mailauth_dns_type_t type,
                 struct lint_answer *out);
void lint_answer_clear(struct lint_answer *a);

/* Record one problem: AREA ("spf", "dmarc", "dkim"), the DNS name it is
 * about, and printf-style text. */
void lint_problem(struct lint *l, const char *area, const char *name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The TXT records of an answer that start with `prefix` (case-insensitive,
 * followed by end, space or ';'): their indexes into idx; the count. */
size_t lint_records_with(const struct lint_answer *a, const char *prefix, size_t *idx);

/* A copy of s (NULL when out of memory, l->failed set). */
char *lint_strdup(struct lint *l, const char *s);

void lint_spf(struct lint *l, const char *domain);
void lint_dmarc(struct lint *l, const char *domain);
void lint_dkim(struct lint *l, const char *domain, const char *selector);

#endif
