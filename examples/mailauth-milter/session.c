/* mailauth-milter: the libmilter callbacks of one SMTP session.
 *
 * libmilter runs the callbacks of one connection one after the other, but
 * not always on the same thread, so nothing here is thread-local: each
 * message borrows a resolver from the generation's pool at MAIL FROM and
 * returns it when the message ends (end of message, abort, close, or the
 * next MAIL FROM). Inbound mail is verified (inbound.c); mail from
 * internal_hosts or an SMTP-authenticated client is signed (signing.c) and,
 * when it carries our Authentication-Results, sealed (sealing.c). */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "milter.h"

static atomic_ulong active;    /* connections */
static atomic_ulong in_flight; /* messages between MAIL FROM and their end */
static atomic_bool  stopping;

unsigned long
ma_sessions_active(void)
{
    return atomic_load(&active);
}

unsigned long
ma_messages_in_flight(void)
{
    return atomic_load(&in_flight);
}

void
ma_sessions_stop(void)
{
    atomic_store(&stopping, true);
}

static struct ma_conn *
conn_get(SMFICTX *ctx, bool create)
{
    struct ma_conn *p = smfi_getpriv(ctx);
    if (p == NULL && create && (p = calloc(1, sizeof(*p))) != NULL) {
        if (smfi_setpriv(ctx, p) != MI_SUCCESS) {
            free(p);
            return NULL;
        }
        atomic_fetch_add(&active, 1);
    }
    return p;
}

static void
msg_end(struct ma_conn *c)
{
    struct ma_msg *m = c->msg;
    if (m == NULL)
        return;
    c->msg = NULL;
    atomic_fetch_sub(&in_flight, 1);
    mailauth_eval_free(m->ev); /* before its resolver goes back */
    ma_signing_free(m->signing);
    ma_sealing_free(m->sealing);
    if (m->gen != NULL)
        ma_pool_return(&m->gen->pool, m->res);
    ma_gen_release(m->gen);
    for (size_t i = 0; i < m->n_hdrs; i++)
        free(m->hdrs[i].field);
    free(m->hdrs);
    free(m->ours);
    free(m->mail_from);
    free(m->rcpt_domain);
    free(m);
}

bool ma_local_socket = false;

/* What a callback that never stops the message returns: SMFIS_NOREPLY
 * where that reply was negotiated away (libmilter requires it then). */
static sfsistat
go_on(const struct ma_conn *p, unsigned long nr_bit)
{
    return p != NULL && (p->noreply & nr_bit) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
             unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    struct ma_conn *p = conn_get(ctx, true);
    unsigned long   want = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST;
    if (p == NULL)
        return SMFIS_TEMPFAIL;
    *pf0 = f0 & want;
    /* simple header canonicalization signs the value byte for byte, blank
     * after the colon included: ask for it where the MTA offers it */
    *pf1 = f1 & SMFIP_HDR_LEADSPC;
    p->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
    /* RCPT, header, end-of-header and body callbacks never stop a message,
     * so on a UNIX socket they send no reply and there is no DATA command:
     * fewer writes and wake-ups per message. Not over TCP: the MTA would
     * then send commands back to back, and Nagle on its side waits for our
     * delayed ACK (40 ms a message). */
    if (ma_local_socket) {
        p->noreply = f1 & (SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY);
        *pf1 |= p->noreply | (f1 & (SMFIP_NODATA | SMFIP_NOUNKNOWN));
    }
    *pf2 = 0;
    *pf3 = 0;
    if (f0 & SMFIF_SETSYMLIST) {
        smfi_setsymlist(ctx, SMFIM_ENVFROM, (char *)"{auth_authen} i");
        smfi_setsymlist(ctx, SMFIM_EOM, (char *)"i");
    }
    return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
    struct ma_conn *p = conn_get(ctx, true);
    if (p == NULL || atomic_load(&stopping))
        return SMFIS_TEMPFAIL;
    free(p->hostname);
    p->hostname = strdup(hostname != NULL ? hostname : "unknown");
    p->ip[0] = '\0';
    if (sa != NULL && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr, p->ip, sizeof(p->ip));
    else if (sa != NULL && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, p->ip, sizeof(p->ip));
    return p->hostname != NULL ? SMFIS_CONTINUE : SMFIS_TEMPFAIL;
}

static sfsistat
cb_helo(SMFICTX *ctx, char *name)
{
    struct ma_conn *p = conn_get(ctx, true);
    if (p == NULL)
        return SMFIS_TEMPFAIL;
    free(p->helo);
    p->helo = name != NULL && *name != '\0' ? strdup(name) : NULL; /* the last one counts */
    return SMFIS_CONTINUE;
}

static bool
start_eval(struct ma_conn *c, struct ma_msg *m)
{
    mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION};
    mailauth_status_t   st;
    st = mailauth_eval_new(m->gen->ctx, ma_pool_resolver(m->res), &m->ev);
    if (st != MAILAUTH_OK)
        return false;
    env.client_ip = c->ip[0] != '\0' ? c->ip : NULL;
    env.helo = c->helo;
    env.mail_from = m->mail_from;
    st = mailauth_eval_set_envelope(m->ev, &env);
    if (st == MAILAUTH_EINVAL && env.helo != NULL) {
        env.helo = NULL; /* an unusable HELO name is no reason to refuse mail */
        st = mailauth_eval_set_envelope(m->ev, &env);
    }
    return st == MAILAUTH_OK;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
    struct ma_conn *p = conn_get(ctx, true);
    struct ma_msg  *m;
    const char     *auth = smfi_getsymval(ctx, (char *)"{auth_authen}");
    if (p == NULL)
        return SMFIS_TEMPFAIL;
    msg_end(p); /* a second MAIL FROM on the connection */
    /* counted before the stop flag is read: the SIGTERM drain, which sets
     * the flag and then waits for the count, never misses this message */
    atomic_fetch_add(&in_flight, 1);
    if (atomic_load(&stopping) || (m = calloc(1, sizeof(*m))) == NULL) {
        atomic_fetch_sub(&in_flight, 1);
        return SMFIS_TEMPFAIL; /* SIGTERM: no new message; the MTA retries later */
    }
    p->msg = m;
    ma_stats_message();
    m->gen = ma_gen_acquire();
    m->mail_from = strdup(argv != NULL && argv[0] != NULL ? argv[0] : "<>");
    if (m->gen == NULL || m->mail_from == NULL || (m->res = ma_pool_borrow(&m->gen->pool)) == NULL)
        goto fail;
    m->outbound = (auth != NULL && *auth != '\0') || p->ip[0] == '\0' ||
                  ma_cidr_match(m->gen->cfg->internal, m->gen->cfg->n_internal, p->ip);
    if (!m->outbound && !start_eval(p, m))
        goto fail;
    return SMFIS_CONTINUE;
fail:
    ma_log(MA_LOG_ERR, "cannot start a message from %s: internal error", p->ip);
    ma_stats_action(MA_STAT_TEMPFAIL);
    msg_end(p);
    return SMFIS_TEMPFAIL;
}

/* The domain of "<user@domain>" (lower case), or NULL (no domain, ENOMEM). */
static char *
rcpt_domain(const char *addr)
{
    const char *at = strrchr(addr, '@');
    size_t      n = 0;
    char       *d;
    if (at == NULL || (d = malloc(strlen(at))) == NULL)
        return NULL;
    for (at++; *at != '\0' && *at != '>'; at++)
        d[n++] = (char)(*at >= 'A' && *at <= 'Z' ? *at - 'A' + 'a' : *at);
    d[n] = '\0';
    if (n == 0) {
        free(d);
        return NULL;
    }
    return d;
}

/* RCPT TO: the first recipient's domain goes into the history row
 * (RFC 9990 envelope_to names one domain). */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
    struct ma_conn *p = conn_get(ctx, false);
    struct ma_msg  *m = p != NULL ? p->msg : NULL;
    if (m != NULL && m->rcpt_domain == NULL && argv != NULL && argv[0] != NULL)
        m->rcpt_domain = rcpt_domain(argv[0]);
    return go_on(p, SMFIP_NR_RCPT);
}

/* "Name:" value, with the MTA's line ends turned into CRLF. Without the
 * leading-space option the MTA ate one space (not a tab) after the colon:
 * put it back unless the value starts with a tab or a line break (then
 * there was none to eat). A field written with no blank at all cannot be
 * told apart then: that is what the option is for. */
static char *
build_field(const char *name, const char *value, bool leadspc, size_t *len)
{
    size_t nl = strlen(name), vl = strlen(value), lf = 0, n = 0;
    char  *f;
    for (size_t i = 0; i < vl; i++)
        lf += value[i] == '\n';
    f = malloc(nl + 2 + vl + lf + 1);
    if (f == NULL)
        return NULL;
    memcpy(f, name, nl);
    n = nl;
    f[n++] = ':';
    if (!leadspc && value[0] != '\t' && value[0] != '\r' && value[0] != '\n')
        f[n++] = ' ';
    for (size_t i = 0; i < vl; i++) {
        if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
            f[n++] = '\r';
        f[n++] = value[i];
    }
    f[n] = '\0';
    *len = n;
    return f;
}

static void
keep_header(struct ma_msg *m, char *field, size_t len)
{
    if (m->hdr_overflow || m->n_hdrs >= MA_HDR_KEEP_COUNT ||
        m->hdr_bytes + len > MA_HDR_KEEP_BYTES) {
        m->hdr_overflow = true;
        free(field);
        return;
    }
    if (m->n_hdrs == m->cap_hdrs) {
        size_t         cap = m->cap_hdrs ? m->cap_hdrs * 2 : 32;
        struct ma_hdr *t = realloc(m->hdrs, cap * sizeof(*t));
        if (t == NULL) {
            m->failed = true;
            free(field);
            return;
        }
        m->hdrs = t;
        m->cap_hdrs = cap;
    }
    m->hdrs[m->n_hdrs++] = (struct ma_hdr){.field = field, .len = len};
    m->hdr_bytes += len;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
    struct ma_conn *p = conn_get(ctx, false);
    struct ma_msg  *m = p != NULL ? p->msg : NULL;
    size_t          len = 0;
    char           *field;
    if (m == NULL || m->failed || name == NULL || value == NULL)
        return go_on(p, SMFIP_NR_HDR);
    if ((field = build_field(name, value, p->leadspc, &len)) == NULL) {
        m->failed = true;
        return go_on(p, SMFIP_NR_HDR);
    }
    ma_inbound_header(m, name, field, len); /* notes A-R fields of ours */
    if (m->outbound) {
        keep_header(m, field, len);
        return go_on(p, SMFIP_NR_HDR);
    }
    mailauth_status_t st = mailauth_eval_header(m->ev, field, len);
    free(field);
    if (st != MAILAUTH_OK && st != MAILAUTH_EINVAL) /* EINVAL: not a field; left out */
        m->failed = true;
    return go_on(p, SMFIP_NR_HDR);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
    struct ma_conn *p = conn_get(ctx, false);
    struct ma_msg  *m = p != NULL ? p->msg : NULL;
    if (m == NULL || m->failed || m->eoh_done)
        return go_on(p, SMFIP_NR_EOH);
    m->eoh_done = true;
    if (!m->outbound) {
        if (mailauth_eval_end_headers(m->ev) != MAILAUTH_OK)
            m->failed = true;
        return go_on(p, SMFIP_NR_EOH);
    }
    char *dom = ma_from_domain(m);
    if (dom != NULL && !ma_signing_start(m, dom))
        m->failed = true;
    free(dom);
    if (!m->failed && m->gen->cfg->seal != NULL && m->has_our_ar &&
        !ma_sealing_start(m, p->leadspc))
        m->failed = true;
    return go_on(p, SMFIP_NR_EOH);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct ma_conn *p = conn_get(ctx, false);
    struct ma_msg  *m = p != NULL ? p->msg : NULL;
    if (m == NULL || m->failed)
        return go_on(p, SMFIP_NR_BODY);
    if (m->ev != NULL && mailauth_eval_body(m->ev, chunk, len) != MAILAUTH_OK)
        m->failed = true;
    if (m->signing != NULL && !ma_signing_body(m->signing, chunk, len))
        m->failed = true;
    if (m->sealing != NULL && !ma_sealing_body(m->sealing, chunk, len))
        m->failed = true;
    return go_on(p, SMFIP_NR_BODY);
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
queue_id(SMFICTX *ctx)
{
    const char *q = smfi_getsymval(ctx, (char *)"i");
    if (q == NULL)
        q = smfi_getsymval(ctx, (char *)"{i}");
    return q != NULL ? q : "NOQUEUE";
}

/* Mail we sign and maybe seal: one log line, as inbound.c writes its own. */
static sfsistat
outbound_eom(SMFICTX *ctx, struct ma_conn *c, struct ma_msg *m, const char *qid)
{
    unsigned    signed_n = 0;
    const char *cv = NULL;
    /* ARC first on top would cover our own DKIM-Signature only if made
     * after it; the set is made from the fields as they arrived, so the
     * signatures are inserted first and the ARC set above them */
    if (m->signing != NULL && !ma_signing_finish(ctx, m->signing, c->leadspc, &signed_n))
        m->failed = true;
    if (!m->failed && m->sealing != NULL && !ma_sealing_finish(ctx, m->sealing, &cv))
        m->failed = true;
    if (m->failed) {
        ma_log(MA_LOG_ERR, "%s: client=%s[%s] from=%s outbound action=tempfail (internal error)",
               qid, c->hostname, c->ip, m->mail_from);
        ma_stats_action(MA_STAT_TEMPFAIL);
        return SMFIS_TEMPFAIL;
    }
    if (signed_n > 0)
        ma_stats_action(MA_STAT_SIGNED);
    if (cv != NULL && *cv != '\0')
        ma_stats_action(MA_STAT_SEALED);
    ma_stats_action(MA_STAT_ACCEPT);
    ma_log(MA_LOG_INFO, "%s: client=%s[%s] from=%s outbound signatures=%u%s%s%s action=accept", qid,
           c->hostname, c->ip, m->mail_from, signed_n,
           m->hdr_overflow ? " (header section over the limit: not signed)" : "",
           cv != NULL && *cv != '\0' ? " arc-sealed cv=" : "", cv != NULL ? cv : "");
    return SMFIS_CONTINUE;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
    struct ma_conn *p = conn_get(ctx, false);
    struct ma_msg  *m = p != NULL ? p->msg : NULL;
    sfsistat        rc;
    double          t0 = now_s();
    if (m == NULL)
        return SMFIS_CONTINUE;
    const char *qid = queue_id(ctx);
    if (m->outbound)
        rc = outbound_eom(ctx, p, m, qid);
    else
        rc = ma_inbound_eom(ctx, p, m, qid);
    msg_end(p);
    ma_stats_latency(now_s() - t0);
    return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
    struct ma_conn *p = conn_get(ctx, false);
    if (p != NULL)
        msg_end(p);
    return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
    struct ma_conn *p = conn_get(ctx, false);
    if (p == NULL)
        return SMFIS_CONTINUE;
    msg_end(p);
    free(p->hostname);
    free(p->helo);
    free(p);
    smfi_setpriv(ctx, NULL);
    atomic_fetch_sub(&active, 1);
    return SMFIS_CONTINUE;
}

struct smfiDesc ma_milter_desc = {
    .xxfi_name = (char *)MA_PROG,
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
    .xxfi_connect = cb_connect,
    .xxfi_helo = cb_helo,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eoh = cb_eoh,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_negotiate = cb_negotiate,
};
