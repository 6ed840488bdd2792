/* c-ares 1.18 driver: ares_query only (never ares_search: no search
 * domains, no hosts file), EDNS0 with a 4096-byte UDP size (RFC 6891) and
 * c-ares' own TCP retry of truncated answers (RFC 7766 §5; IGNTC unset).
 * Sockets are reported through the sock-state callback and kept in a
 * table so mailauth_resolver_run_once() can poll them.
 *
 * The same driver also runs on a channel the caller owns
 * (include/mailauth/cares.h): then the sock-state callback is the caller's,
 * the blocking wait polls what ares_getsock() reports, and the channel is
 * never destroyed here; queries still in flight when the resolver goes
 * free their records later, with their own copy of the allocator. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h> /* ares.h needs fd_set and struct timeval */
#include <sys/time.h>

#include <ares.h>

#include <mailauth/cares.h>

#include "dns/dns_ares.h"
#include "dns/dns_int.h"
#include "util/alloc.h"

#define EDNS_UDP_SIZE 4096
#define STACK_FDS 16

struct afd {
    int  fd;
    bool rd, wr;
};

struct adrv {
    mailauth_resolver_t *r;
    ares_channel         ch;
    bool                 ch_ok;
    bool                 owned; /* false: the caller's channel, never destroyed here */
    struct afd          *fds;   /* owned channel: sockets from on_sock_state() */
    size_t               nfds, capfds;
};

/* One ares_query in flight. q is NULL once we stopped waiting for it
 * (query timeout, resolver freed); c-ares still calls back later, maybe
 * with ARES_EDESTRUCTION from ares_destroy(), and the callback frees it.
 * On a caller's channel that can be after the resolver and the ctx (with
 * its environment) are gone: hence the copy of the allocator, and ad
 * untouched when q is NULL. */
struct areq {
    struct adrv         *ad;
    mailauth__dns_q_t   *q;
    mailauth_allocator_t al;
};

static void
fd_set_state(struct adrv *ad, int fd, bool rd, bool wr)
{
    size_t i = 0;
    while (i < ad->nfds && ad->fds[i].fd != fd)
        i++;
    if (!rd && !wr) {
        if (i < ad->nfds)
            ad->fds[i] = ad->fds[--ad->nfds];
        return;
    }
    if (i == ad->nfds) {
        if (ad->nfds == ad->capfds) {
            size_t      cap = ad->capfds != 0 ? ad->capfds * 2 : 8;
            struct afd *p = mailauth__realloc(ad->r->al, ad->fds, cap * sizeof(*p));
            if (p == NULL)
                return; /* not polled by run_once; the query times out instead */
            ad->fds = p;
            ad->capfds = cap;
        }
        ad->nfds++;
    }
    ad->fds[i] = (struct afd){.fd = fd, .rd = rd, .wr = wr};
}

static void
on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct adrv         *ad = data;
    mailauth_resolver_t *r = ad->r;
    fd_set_state(ad, fd, readable != 0, writable != 0);
    if (r->sock_fn != NULL)
        r->sock_fn(r->sock_ud, fd, readable != 0, writable != 0);
}

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct areq         *rq = arg;
    mailauth__dns_q_t   *q = rq->q;
    mailauth_allocator_t al = rq->al;
    mailauth_resolver_t *r = q != NULL ? rq->ad->r : NULL;
    (void)timeouts;
    mailauth__free(&al, rq);
    if (q == NULL)
        return; /* abandoned (ARES_EDESTRUCTION lands here too) */
    q->drv = NULL;
    if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
        (void)mailauth__dns_complete(r, q, MAILAUTH_DNS_TEMPFAIL, NULL, 0, 0);
        return;
    }
    mailauth__dns_ares_deliver(r, q, status, abuf, alen > 0 ? (size_t)alen : 0);
}

/* c-ares reads a backslash in a name as an escape (ares_create_query). */
static void
escape_name(const char *name, char *out)
{
    size_t k = 0;
    for (size_t i = 0; name[i] != '\0'; i++) {
        if (name[i] == '\\')
            out[k++] = '\\';
        out[k++] = name[i];
    }
    out[k] = '\0';
}

static mailauth_status_t
drv_send(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    struct adrv *ad = r->drv_state;
    char         name[2 * MAILAUTH__DNS_NAME_MAX + 1];
    struct areq *rq = mailauth__calloc(r->al, 1, sizeof(*rq));
    if (rq == NULL)
        return MAILAUTH_ENOMEM;
    rq->ad = ad;
    rq->q = q;
    rq->al = *r->al;
    q->drv = rq;
    escape_name(q->name, name);
    /* May call on_answer at once (bad name, no memory): q is then done. */
    ares_query(ad->ch, name, 1 /* C_IN */, q->type, on_answer, rq);
    return MAILAUTH_OK;
}

static void
drv_cancel(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    struct areq *rq = q->drv;
    (void)r;
    if (rq != NULL) {
        rq->q = NULL;
        q->drv = NULL;
    }
}

static void
drv_fd(mailauth_resolver_t *r, int fd, int readable, int writable)
{
    struct adrv *ad = r->drv_state;
    ares_process_fd(ad->ch, readable ? fd : ARES_SOCKET_BAD, writable ? fd : ARES_SOCKET_BAD);
}

static void
drv_timers(mailauth_resolver_t *r, uint64_t now)
{
    struct adrv *ad = r->drv_state;
    (void)now;
    /* With no socket given, c-ares only handles its retransmission timers. */
    ares_process_fd(ad->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

static int64_t
drv_next_ms(mailauth_resolver_t *r, uint64_t now)
{
    struct adrv   *ad = r->drv_state;
    struct timeval tv, *tp;
    (void)now;
    tp = ares_timeout(ad->ch, NULL, &tv);
    if (tp == NULL)
        return -1;
    return (int64_t)tp->tv_sec * 1000 + (tp->tv_usec + 999) / 1000;
}

static void
dispatch(struct adrv *ad, const struct pollfd *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        short ev = p[i].revents;
        if (ev == 0)
            continue;
        ares_process_fd(ad->ch, (ev & (POLLIN | POLLERR | POLLHUP)) ? p[i].fd : ARES_SOCKET_BAD,
                        (ev & POLLOUT) ? p[i].fd : ARES_SOCKET_BAD);
    }
}

/* A caller's channel: its sockets as ares_getsock() reports them (at most
 * ARES_GETSOCK_MAXNUM, which STACK_FDS matches). */
static size_t
channel_socks(struct adrv *ad, struct pollfd *p)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    /* Bit i: socks[i] readable; bit 16 + i: writable. Shifted unsigned: the
     * ARES_GETSOCK_WRITABLE macro shifts a signed 1 into the sign bit. */
    unsigned bits = (unsigned)ares_getsock(ad->ch, socks, ARES_GETSOCK_MAXNUM);
    size_t   n = 0;
    for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM && n < STACK_FDS; i++) {
        short ev = (short)((((bits >> i) & 1u) ? POLLIN : 0) |
                           (((bits >> (i + ARES_GETSOCK_MAXNUM)) & 1u) ? POLLOUT : 0));
        if (ev != 0)
            p[n++] = (struct pollfd){.fd = socks[i], .events = ev};
    }
    return n;
}

static mailauth_status_t
drv_wait(mailauth_resolver_t *r, int timeout_ms)
{
    struct adrv  *ad = r->drv_state;
    struct pollfd stack[STACK_FDS], *p = stack;
    size_t        n = ad->owned ? ad->nfds : channel_socks(ad, stack);
    int           rc;
    if (n == 0) {
        if (timeout_ms > 0)
            (void)poll(NULL, 0, timeout_ms);
        return MAILAUTH_OK;
    }
    if (n > STACK_FDS && (p = mailauth__calloc(r->al, n, sizeof(*p))) == NULL)
        return MAILAUTH_ENOMEM;
    /* A copy: processing one socket may open or close others. */
    for (size_t i = 0; ad->owned && i < n; i++)
        p[i] = (struct pollfd){
            .fd = ad->fds[i].fd,
            .events = (short)((ad->fds[i].rd ? POLLIN : 0) | (ad->fds[i].wr ? POLLOUT : 0))};
    rc = poll(p, (nfds_t)n, timeout_ms);
    if (rc > 0)
        dispatch(ad, p, n);
    if (p != stack)
        mailauth__free(r->al, p);
    return rc >= 0 || errno == EINTR ? MAILAUTH_OK : MAILAUTH_EDNS;
}

static void
drv_sock_changed(mailauth_resolver_t *r)
{
    struct adrv *ad = r->drv_state;
    /* A caller's channel: its sock-state callback is the caller's (ares.h). */
    for (size_t i = 0; ad->owned && i < ad->nfds; i++)
        r->sock_fn(r->sock_ud, ad->fds[i].fd, ad->fds[i].rd, ad->fds[i].wr);
}

static void
drv_destroy(mailauth_resolver_t *r)
{
    struct adrv *ad = r->drv_state;
    if (ad == NULL)
        return;
    if (ad->ch_ok && ad->owned) /* runs the callbacks of queries still in flight */
        ares_destroy(ad->ch);
    mailauth__free(r->al, ad->fds);
    mailauth__free(r->al, ad);
    r->drv_state = NULL;
}

static const mailauth__dns_drv_t ares_driver = {
    .send = drv_send,
    .cancel = drv_cancel,
    .process_fd = drv_fd,
    .process_timers = drv_timers,
    .next_ms = drv_next_ms,
    .wait = drv_wait,
    .sock_changed = drv_sock_changed,
    .destroy = drv_destroy,
};

static mailauth_status_t
channel_open(struct adrv *ad, const char *servers)
{
    struct ares_options o;
    int mask = ARES_OPT_FLAGS | ARES_OPT_SOCK_STATE_CB | ARES_OPT_EDNSPSZ | ARES_OPT_TIMEOUTMS |
               ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
    uint32_t qt = ad->r->q_timeout_ms;
    int      rc;
    memset(&o, 0, sizeof(o));
    o.flags = ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    o.sock_state_cb = on_sock_state;
    o.sock_state_cb_data = ad;
    o.ednspsz = EDNS_UDP_SIZE;
    /* c-ares doubles the wait on each round: t + 2t fits in the query timeout. */
    o.timeout = qt / 3 > 100 ? (int)(qt / 3) : 100;
    o.tries = 2;
    o.lookups = (char *)"b"; /* DNS only, never the hosts file (copied by c-ares) */
    rc = ares_init_options(&ad->ch, &o, mask);
    if (rc != ARES_SUCCESS)
        return rc == ARES_ENOMEM ? MAILAUTH_ENOMEM : MAILAUTH_EDNS;
    ad->ch_ok = true;
    if (servers != NULL) {
        rc = ares_set_servers_ports_csv(ad->ch, servers);
        if (rc != ARES_SUCCESS)
            return rc == ARES_ENOMEM ? MAILAUTH_ENOMEM : MAILAUTH_EINVAL;
    }
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__resolver_new_ares(const mailauth__env_t *env, const char *servers,
                            mailauth_resolver_t **out)
{
    mailauth_resolver_t *r = NULL;
    struct adrv         *ad;
    mailauth_status_t    st;
    if (out != NULL)
        *out = NULL;
    if (env == NULL || out == NULL || (servers != NULL && servers[0] == '\0'))
        return MAILAUTH_EINVAL;
    st = mailauth__dns_resolver_new(env, &ares_driver, &r);
    if (st != MAILAUTH_OK)
        return st;
    ad = mailauth__calloc(r->al, 1, sizeof(*ad));
    r->drv_state = ad;
    if (ad == NULL) {
        mailauth_resolver_free(r);
        return MAILAUTH_ENOMEM;
    }
    ad->r = r;
    ad->owned = true;
    st = channel_open(ad, servers);
    if (st != MAILAUTH_OK) {
        mailauth_resolver_free(r);
        return st;
    }
    *out = r;
    return MAILAUTH_OK;
}

/* ---- a channel the caller owns (include/mailauth/cares.h) ---- */

/* Refuse a channel whose answers would give wrong verdicts. */
static mailauth_status_t
channel_check(ares_channel ch)
{
    struct ares_options o;
    int                 mask = 0, rc;
    mailauth_status_t   st = MAILAUTH_OK;
    memset(&o, 0, sizeof(o));
    rc = ares_save_options(ch, &o, &mask);
    if (rc != ARES_SUCCESS)
        return rc == ARES_ENOMEM ? MAILAUTH_ENOMEM : MAILAUTH_EDNS;
    /* IGNTC: a truncated answer taken as whole (RFC 1035 §4.1.1 TC) loses
     * records, a DKIM key among them; NORECURSE: a recursive server would
     * answer referrals, not records. */
    if ((mask & ARES_OPT_FLAGS) && (o.flags & (ARES_FLAG_IGNTC | ARES_FLAG_NORECURSE)) != 0)
        st = MAILAUTH_EINVAL;
    ares_destroy_options(&o);
    return st;
}

mailauth_status_t
mailauth__resolver_new_ares_channel(const mailauth__env_t *env, ares_channel channel,
                                    mailauth_resolver_t **out)
{
    mailauth_resolver_t *r = NULL;
    struct adrv         *ad;
    mailauth_status_t    st;
    if (out != NULL)
        *out = NULL;
    if (env == NULL || channel == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    st = channel_check(channel);
    if (st == MAILAUTH_OK)
        st = mailauth__dns_resolver_new(env, &ares_driver, &r);
    if (st != MAILAUTH_OK)
        return st;
    ad = mailauth__calloc(r->al, 1, sizeof(*ad));
    r->drv_state = ad;
    if (ad == NULL) {
        mailauth_resolver_free(r);
        return MAILAUTH_ENOMEM;
    }
    ad->r = r;
    ad->ch = channel;
    ad->ch_ok = true;
    ad->owned = false;
    *out = r;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_ares_prepare_options(struct ares_options *opts, int *optmask)
{
    if (opts == NULL || optmask == NULL)
        return MAILAUTH_EINVAL;
    if ((*optmask & ARES_OPT_FLAGS) == 0) {
        opts->flags = 0; /* c-ares' default flags */
        *optmask |= ARES_OPT_FLAGS;
    }
    opts->flags |= ARES_FLAG_EDNS;
    opts->flags &= ~(ARES_FLAG_IGNTC | ARES_FLAG_NORECURSE);
    if ((*optmask & ARES_OPT_EDNSPSZ) == 0 || opts->ednspsz < EDNS_UDP_SIZE) {
        opts->ednspsz = EDNS_UDP_SIZE;
        *optmask |= ARES_OPT_EDNSPSZ;
    }
    return MAILAUTH_OK;
}
