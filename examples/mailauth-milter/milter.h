/* mailauth-milter: what the files of the filter share.
 *
 *   config.c   the configuration file (libinih) into struct ma_config
 *   cidr.c     internal_hosts: address ranges, v4 and v6
 *   keys.c     signing and sealing keys, and which of them a message gets
 *   gen.c      a generation: configuration + mailauth ctx + keys + resolver
 *              pool, reference-counted, replaced whole by SIGHUP
 *   pool.c     resolvers lent to one message at a time
 *   session.c  the libmilter callbacks
 *   inbound.c  verification: Authentication-Results, forged fields, DMARC
 *   signing.c  DKIM signatures of outgoing mail
 *   sealing.c  ARC sets on mail relayed onwards
 *   stats.c    counters and the Prometheus endpoint (libmicrohttpd)
 *   log.c      syslog or stderr
 *   history.c  DMARC report rows: a queue and a writer thread
 *   nodelay.c  TCP_NODELAY on the listening socket (no 40 ms Nagle stalls)
 *   main.c     options, privileges, signals, libmilter's main loop */
#ifndef MAILAUTH_MILTER_H
#define MAILAUTH_MILTER_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/mailauth.h>

#define MA_PROG "mailauth-milter"
#define MA_DEFAULT_CONFIG "/etc/mailauth/mailauth-milter.conf"
#define MA_EXIT_CONFIG 78 /* EX_CONFIG */

/* ------------------------------------------------------------------ log.c */
enum ma_log_level { MA_LOG_ERR, MA_LOG_WARNING, MA_LOG_INFO, MA_LOG_DEBUG };
void ma_log_open(bool to_stderr);
void ma_log(enum ma_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ma_vlog(enum ma_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* The mailauth ctx logger (thread-safe: syslog and stderr writes are). */
void ma_log_lib(void *ud, mailauth_log_level_t level, const char *msg);

/* ------------------------------------------------------------------ errors */
/* Problems found in a configuration, one per line, all of them kept so
 * that -n prints every one. */
struct ma_errors {
    char    *text;
    size_t   len, cap;
    unsigned count;
};
void ma_error_add(struct ma_errors *e, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ma_errors_clear(struct ma_errors *e);

/* ------------------------------------------------------------------ cidr.c */
struct ma_cidr {
    int      family; /* 4 or 6 */
    uint8_t  addr[16];
    unsigned bits;
};
/* "192.0.2.0/24", "2001:db8::/32", a bare address. false: not one. */
bool ma_cidr_parse(const char *text, struct ma_cidr *out);
/* Address text (v4, v6, v4-mapped v6) inside any of the ranges? */
bool ma_cidr_match(const struct ma_cidr *list, size_t n, const char *ip);

/* ------------------------------------------------------------------ config.c */
enum ma_dns_kind { MA_DNS_SYSTEM, MA_DNS_SERVERS, MA_DNS_ZONE };
enum ma_action { MA_ACTION_REJECT, MA_ACTION_QUARANTINE, MA_ACTION_TAG };

/* One `sign` or `seal` line. domain may be "*.example.org". */
struct ma_keyspec {
    char           *domain;
    char           *selector;
    char           *path;
    unsigned        line;
    mailauth_key_t *key; /* keys.c */
};

struct ma_config {
    char                 *path;
    char                 *socket;
    unsigned              socket_line;
    char                 *authserv_id;
    char                 *user;
    enum ma_dns_kind      dns;
    char                 *dns_servers; /* comma-separated, for MA_DNS_SERVERS */
    char                 *zone_path;
    char                 *zone_text; /* the zone file, read once */
    size_t                zone_len;
    mailauth_dmarc_mode_t dmarc_mode;
    enum ma_action        on_reject;
    enum ma_action        on_quarantine;
    struct ma_cidr       *internal;
    size_t                n_internal;
    bool                  internal_given;
    char                **trusted;
    size_t                n_trusted;
    struct ma_keyspec    *sign;
    size_t                n_sign;
    struct ma_keyspec    *seal; /* at most one */
    char                 *history;
    unsigned              history_line;
    char                 *stats; /* "HOST:PORT" as written */
    char                 *stats_host;
    uint16_t              stats_port;
};

/* Read and check the file. socket_override (-p) replaces `socket`.
 * Returns NULL with at least one entry in errs on a problem. */
struct ma_config *ma_config_load(const char *path, const char *socket_override,
                                 struct ma_errors *errs);
void              ma_config_free(struct ma_config *c);
/* A milter socket specification libmilter understands? */
bool ma_socket_valid(const char *spec);

/* ------------------------------------------------------------------ keys.c */
/* Load every sign/seal key of c with ctx. false: errs says which lines. */
bool ma_keys_load(struct ma_config *c, mailauth_ctx_t *ctx, struct ma_errors *errs);
void ma_keys_free(struct ma_config *c);
/* `sign` domain pattern matches the From domain (exact, or *.parent for
 * any name below parent), ASCII case-insensitive. */
bool ma_domain_matches(const char *pattern, const char *domain);

/* ------------------------------------------------------------------ pool.c */
struct ma_pool_entry;
struct ma_pool {
    pthread_mutex_t         mu;
    struct ma_pool_entry   *all;
    mailauth_ctx_t         *ctx;
    const struct ma_config *cfg;
};
void ma_pool_init(struct ma_pool *p, mailauth_ctx_t *ctx, const struct ma_config *cfg);
/* Free every resolver (none may be lent out); their counters go to the
 * retired totals of stats.c. */
void ma_pool_clear(struct ma_pool *p);
/* Lend a resolver to the calling message; NULL on error. */
struct ma_pool_entry *ma_pool_borrow(struct ma_pool *p);
mailauth_resolver_t  *ma_pool_resolver(struct ma_pool_entry *e);
/* Give it back (its cache stays with it). Must be the borrower's thread. */
void ma_pool_return(struct ma_pool *p, struct ma_pool_entry *e);
/* Sum of the counters of every resolver, as last returned. */
void ma_pool_stats(struct ma_pool *p, mailauth_resolver_stats_t *sum);

/* ------------------------------------------------------------------ gen.c */
struct ma_gen {
    struct ma_config *cfg;
    mailauth_ctx_t   *ctx;
    struct ma_pool    pool;
    unsigned long     refs; /* under gen.c's lock */
    unsigned          serial;
};
/* Build a whole generation (config, ctx, keys, zone); NULL with errs set. */
struct ma_gen *ma_gen_build(const char *path, const char *socket_override, struct ma_errors *errs);
/* Make g the current one (takes the caller's reference); the old one is
 * released. */
void ma_gen_install(struct ma_gen *g);
/* The current generation, with a reference the caller releases. */
struct ma_gen *ma_gen_acquire(void);
void           ma_gen_release(struct ma_gen *g);
/* Drop the current generation at exit. */
void ma_gen_shutdown(void);

/* ------------------------------------------------------------------ stats.c */
enum ma_stat_action {
    MA_STAT_ACCEPT,
    MA_STAT_REJECT,
    MA_STAT_QUARANTINE,
    MA_STAT_TEMPFAIL,
    MA_STAT_SIGNED,
    MA_STAT_SEALED,
    MA_STAT_ACTION_COUNT
};
void ma_stats_message(void);
void ma_stats_verdict(const char *method, const char *result);
void ma_stats_action(enum ma_stat_action a);
void ma_stats_latency(double seconds);
void ma_stats_retire(const mailauth_resolver_stats_t *s);
/* Prometheus text of every counter; malloc'ed, NULL on ENOMEM. */
char *ma_stats_render(size_t *len);
/* Serve GET /metrics on host:port; false on failure (logged). */
bool ma_stats_start(const char *host, uint16_t port);
void ma_stats_stop(void);

/* ------------------------------------------------------------------ nodelay.c */
/* TCP_NODELAY on the inet socket libmilter listens on (after smfi_opensocket). */
void ma_listener_nodelay(void);

/* ------------------------------------------------------------------ history.c */
/* The `history` key: sqlite:PATH or postgresql://... */
bool ma_history_uri_valid(const char *uri);
/* Built with libmailauth-report (else `history` is a configuration error)? */
bool ma_history_available(void);
/* Open the store once and close it (-n); false with the store's message. */
bool ma_history_check(const char *uri, char *err, size_t cap);
/* Record to uri from now on (NULL: stop recording). A different URI than
 * the current one stops the current writer (it flushes, at most 10 s)
 * and starts another. Main thread only. */
void ma_history_configure(const char *uri);
/* Flush and stop the writer (at exit). */
void ma_history_shutdown(void);
/* What a session knows about a message for its history row. */
struct ma_history_msg {
    mailauth_eval_t *ev; /* finished */
    const char      *client_ip;
    const char      *rcpt_to;     /* domain of the first RCPT TO, or NULL */
    const char      *disposition; /* what the filter applied, when it is not
                                     the DMARC result's; else NULL */
};
/* Queue the DMARC report row of a finished evaluation (no-op without
 * `history`, or when DMARC was not evaluated). Never blocks on the store. */
void ma_history_record(const struct ma_config *c, const struct ma_history_msg *hm);
struct ma_history_stats {
    unsigned long long written, dropped, errors;
    unsigned long      depth;
};
void ma_history_stats(struct ma_history_stats *s);

/* ------------------------------------------------------------------ session.c */
#include <libmilter/mfapi.h>
extern struct smfiDesc ma_milter_desc;
extern bool            ma_local_socket; /* listening on a UNIX socket (set before smfi_main) */
/* Connections open, and messages in progress. */
unsigned long ma_sessions_active(void);
unsigned long ma_messages_in_flight(void);
/* SIGTERM: new connections and new messages are refused with a temporary
 * failure; messages in progress go on to their end. */
void ma_sessions_stop(void);

/* Per-message state shared by the callbacks and inbound/signing/sealing. */
struct ma_hdr {
    char  *field; /* "Name: value", CRLF line ends */
    size_t len;
};
struct ma_signing;
struct ma_sealing;
struct ma_msg {
    struct ma_gen        *gen;
    struct ma_pool_entry *res;
    mailauth_eval_t      *ev;
    bool                  outbound; /* internal or authenticated: sign, maybe seal */
    bool                  failed;   /* internal error: tempfail at EOM */
    bool                  eoh_done; /* xxfi_eoh came */
    char                 *mail_from;
    char                 *rcpt_domain; /* of the first RCPT TO (history) */
    /* inbound: positions of Authentication-Results fields with our id */
    unsigned  ar_seen;
    unsigned *ours;
    size_t    n_ours, cap_ours;
    /* outbound: header fields kept until the From domain is known */
    struct ma_hdr     *hdrs;
    size_t             n_hdrs, cap_hdrs, hdr_bytes;
    bool               hdr_overflow;
    bool               has_our_ar;
    struct ma_signing *signing;
    struct ma_sealing *sealing;
};
struct ma_conn {
    char           ip[64]; /* "" when the MTA gave none (local) */
    char          *hostname;
    char          *helo;
    bool           leadspc; /* header values come with their leading blank */
    unsigned long  noreply; /* SMFIP_NR_* negotiated: those replies are not sent */
    struct ma_msg *msg;
};

/* Limits on what one message keeps. */
#define MA_HDR_KEEP_BYTES (1024u * 1024u) /* header bytes kept for signing/sealing */
#define MA_HDR_KEEP_COUNT 1000u
#define MA_OURS_MAX 10000u /* our forged A-R fields removed per message */

/* inbound.c */
/* Header of an inbound message: note an A-R field of ours. */
void     ma_inbound_header(struct ma_msg *m, const char *name, const char *field, size_t len);
sfsistat ma_inbound_eom(SMFICTX *ctx, struct ma_conn *c, struct ma_msg *m, const char *qid);

/* signing.c */
bool ma_signing_start(struct ma_msg *m, const char *from_domain);
bool ma_signing_body(struct ma_signing *s, const unsigned char *chunk, size_t len);
/* Insert the signatures; false on an internal error. *count gets how many. */
bool ma_signing_finish(SMFICTX *ctx, struct ma_signing *s, bool leadspc, unsigned *count);
void ma_signing_free(struct ma_signing *s);

/* sealing.c */
bool ma_sealing_start(struct ma_msg *m, bool leadspc);
bool ma_sealing_body(struct ma_sealing *s, const unsigned char *chunk, size_t len);
/* Insert the ARC set; false on an internal error. *cv gets the chain
 * status sealed ("" when no set was added). */
bool ma_sealing_finish(SMFICTX *ctx, struct ma_sealing *s, const char **cv);
void ma_sealing_free(struct ma_sealing *s);

/* The value of a formatted "Name: value" field as libmilter takes it: LF
 * line ends, the blank after the colon only with the leading-space option.
 * malloc'ed; NULL on ENOMEM. */
char *ma_mta_value(const char *field, size_t name_len, bool leadspc);
/* The From domain of the kept header fields (lower case), or NULL. */
char *ma_from_domain(const struct ma_msg *m);
/* ASCII case-insensitive comparisons. */
bool ma_streq_ci(const char *a, const char *b);
bool ma_strneq_ci(const char *a, const char *b, size_t n);

#endif
