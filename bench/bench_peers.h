/* bench_peers: shared declarations of the whole-message benchmark
 * (bench_peers.c: driver and tables; bench_peers_corpus.c: the zone and
 * the message classes; bench_peers_ma.c: mailauth; bench_peers_c.c: the
 * C peers libspf2, libopendkim and libopendmarc). */
#ifndef BENCH_PEERS_H
#define BENCH_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/mailauth.h>

#include "bench_dkim.h"

#define BP_MAX_SIGS 4
#define BP_MAX_RECORDS 32
#define BP_MAX_FIELDS 64

/* One published record: owner name (no final dot) and TXT text. */
struct bp_record {
    const char *owner;
    char       *text;
    bool        spf; /* an SPF record: libspf2 gets it too */
};

/* Every record of the benchmark, and the same as mailauth zone text. */
struct bp_zone {
    struct bp_record rec[BP_MAX_RECORDS];
    size_t           n;
    char            *text; /* mailauth zone text */
    size_t           text_len;
};

/* What one side found for one message. Peers leave `arc` unset (none of
 * them validates ARC). */
struct bp_verdicts {
    mailauth_verdict_t spf_mfrom, spf_helo;
    size_t             ndkim;
    struct {
        char               domain[64], selector[32];
        mailauth_verdict_t v;
    } dkim[BP_MAX_SIGS];
    mailauth_verdict_t dmarc;
    int                spf_aligned, dkim_aligned;
    mailauth_verdict_t arc;
};

/* One message of a class: the raw text and the same split for feeding. */
struct bp_msg {
    const char    *cls;  /* class name */
    const char    *what; /* one line: signatures, path */
    size_t         nominal;
    bool           arc;
    char          *raw; /* CRLF */
    size_t         raw_len;
    const char    *field[BP_MAX_FIELDS]; /* into raw, without CRLF */
    size_t         field_len[BP_MAX_FIELDS];
    size_t         nfields;
    const uint8_t *body; /* into raw */
    size_t         body_len;
    const char    *ip, *helo, *mail_from;
    unsigned       nsigs;
};

/* bench_peers_corpus.c */
int         bp_zone_make(struct bp_zone *z, const struct bd_keys *k, unsigned ttl);
void        bp_zone_free(struct bp_zone *z);
const char *bp_zone_lookup(const struct bp_zone *z, const char *owner);
/* Build every class; returns how many (at most cap), -1 on error. */
int  bp_corpus_make(mailauth_ctx_t *ctx, const struct bd_keys *k, struct bp_msg *msgs, size_t cap);
void bp_msg_free(struct bp_msg *m);

/* bench_peers_ma.c: one ctx (SPF, DKIM, DMARC, ARC), a resolver per thread. */
mailauth_ctx_t      *bp_ma_ctx(void);
mailauth_resolver_t *bp_ma_resolver(mailauth_ctx_t *ctx, const struct bp_zone *z);
/* Evaluate m, verdicts into out. Returns 0, or -1 if the evaluation failed. */
extern int bp_ma_authres; /* format the Authentication-Results field (default 1) */
int        bp_ma_run(mailauth_ctx_t *ctx, mailauth_resolver_t *r, const struct bp_msg *m,
                     struct bp_verdicts *out);

/* bench_peers_c.c: the C peers. Each step alone, so each can be timed. */
struct bp_peers;
struct bp_peers *bp_peers_new(const struct bp_zone *z, const char *psl_path);
void             bp_peers_free(struct bp_peers *p);
void             bp_peers_versions(char *buf, size_t cap);
int              bp_peers_ed25519(const struct bp_peers *p);
/* libspf2: MAIL FROM and HELO identities into out. */
int bp_spf2_run(struct bp_peers *p, const struct bp_msg *m, struct bp_verdicts *out);
/* libopendkim: every signature into out. */
int bp_odkim_run(struct bp_peers *p, const struct bp_msg *m, struct bp_verdicts *out);
/* libopendmarc: the From domain, the SPF and DKIM results already in `in`,
 * the policy record from the zone; DMARC into out. */
int bp_odmarc_run(struct bp_peers *p, const struct bp_msg *m, const struct bp_verdicts *in,
                  struct bp_verdicts *out);

#endif
