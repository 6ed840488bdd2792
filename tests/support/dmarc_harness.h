/* Run one DMARC evaluation over a zone resolver through the internal
 * mailauth__dmarc_* API (start at "end of headers", finish with given SPF
 * and DKIM results), blocking or asynchronously, like spf_harness.h.
 * Used by tests/test_dmarc.c and the OpenDMARC interop program. */
#ifndef MAILAUTH_TEST_DMARC_HARNESS_H
#define MAILAUTH_TEST_DMARC_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/dmarc.h>
#include <mailauth/mailauth.h>

#include "dmarc/dmarc.h"

#define DMARC_HARNESS_FIELDS_MAX 8
#define DMARC_HARNESS_DKIM_MAX 8

typedef struct dmarc_harness_case {
    const char            *zone; /* zone text */
    size_t                 zone_len;
    const char            *fields[DMARC_HARNESS_FIELDS_MAX]; /* raw header fields */
    size_t                 nfields;
    mailauth_dmarc_mode_t  mode;
    mailauth_verdict_t     spf_verdict;
    const char            *spf_domain;
    mailauth__dmarc_dkim_t dkim[DMARC_HARNESS_DKIM_MAX];
    size_t                 ndkim;
    uint32_t               random;      /* what the pinned random source returns */
    uint32_t               treewalk;    /* MAILAUTH_LIMIT_DMARC_TREEWALK_QUERIES, 0: default */
    uint32_t               max_queries; /* MAILAUTH_LIMIT_DNS_QUERIES, 0: default */
    bool                   prefetch; /* call mailauth__dmarc_prefetch() for SPF and DKIM domains */
    bool                   async;
    const mailauth_allocator_t *arena_al; /* allocator of the evaluation's arena; NULL: libc */
} dmarc_harness_case_t;

typedef struct dmarc_harness_out {
    char                       error[200]; /* harness failure, "" if none */
    mailauth_verdict_t         verdict;
    mailauth_reason_t          reason;
    mailauth_dmarc_policy_t    policy, disposition;
    mailauth_dmarc_discovery_t discovery;
    int                        spf_aligned, dkim_aligned, sampled_out, testing;
    unsigned                   pct;
    mailauth_dmarc_align_t     adkim, aspf;
    uint32_t                   ri;
    char                       psd;
    /* strings; "(null)" for NULL */
    char problem[400], header_from[300], org_domain[300], policy_domain[300], policy_tag[8];
    char dkim_domain[300], rua[800], ruf[800], fo[80], rf[80], record[800];
    char asked[2048]; /* questions asked, in order: "_dmarc.x.example _dmarc.example x.example/A" */
    unsigned random_calls;
} dmarc_harness_out_t;

/* Returns 0, or -1 with out->error set. */
int dmarc_harness_run(const dmarc_harness_case_t *c, dmarc_harness_out_t *out);

/* ---- key/value case blocks (tests/data/dmarc/ case files) ----
 *
 * Input keys: name, from (the From field value; "from:" twice gives two
 * From fields), header (any other raw field, repeatable), mode (7489,
 * 9989, or "7489 9989"), spf ("pass example.org"), dkim ("pass
 * a.example, fail b.example"), random, treewalk, max-queries, prefetch
 * (yes). Expectation keys (checked when present): result, reason,
 * policy, policy-tag, disposition, header-from, org-domain,
 * policy-domain, discovery, spf-aligned, dkim-aligned, dkim-domain,
 * sampled-out, testing, pct, adkim, aspf, ri, psd, rua, ruf (URIs joined
 * by ","), fo, rf, problem (a substring), asked (exact list), asked-count,
 * random-calls. "7489."/"9989." before a key limits it to that mode.
 * Every block runs blocking and async in each of its modes. */

struct case_section;
struct case_block;

/* Fill c from a block for `mode`; 0, or -1 with why. */
int dmarc_harness_block_case(const struct case_section *s, const struct case_block *b,
                             mailauth_dmarc_mode_t mode, dmarc_harness_case_t *c, char *why,
                             size_t cap);

/* The modes a block runs in (bit 0: 7489, bit 1: 9989). */
unsigned dmarc_harness_block_modes(const struct case_block *b);

/* 0 if the block's expectations hold in every mode and both drives, else -1 with why. */
int dmarc_harness_run_block(const struct case_section *s, const struct case_block *b, char *why,
                            size_t cap);

#endif
