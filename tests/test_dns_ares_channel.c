/* dns_ares_channel: a resolver on the caller's own c-ares channel
 * (include/mailauth/cares.h). The test plays the MTA: it creates the channel
 * with its own sock-state callback, watches the sockets in its own poll()
 * loop and hands readiness to mailauth_resolver_process_fd(). A tiny DNS
 * server on 127.0.0.1 (a thread of this test) answers TXT example.org and
 * says NXDOMAIN to the rest, or stays silent.
 *
 * Covered: SPF pass through the shared channel, asynchronously and with
 * finish_sync(); the caller's own query on the same channel completing
 * through mailauth's processing; the channel still working after the
 * resolver is freed (mailauth never destroys it); a query left in flight
 * by a freed resolver and ctx, freed by ares_destroy() with the allocator
 * it kept; a closed port giving temperror; the option helper and the
 * refused flags. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <mailauth/cares.h>
#include <mailauth/mailauth.h>

#include "support/fail_alloc.h"

#define MAX_WATCH 16
#define SPF_TEXT "v=spf1 ip4:192.0.2.0/24 -all"

/* ---- a DNS server on 127.0.0.1, in a thread ------------------------------------- */

struct server {
    int         fd, port;
    atomic_bool silent, stop;
    atomic_int  queries;
    pthread_t   tid;
};

/* The question's name, lower case and dotted, and where the question ends. */
static size_t
read_question(const uint8_t *m, size_t n, char *name, size_t cap, uint16_t *qtype)
{
    size_t i = 12, k = 0;
    while (i < n && m[i] != 0) {
        size_t len = m[i++];
        if (len > 63 || i + len > n || k + len + 1 >= cap)
            return 0;
        if (k > 0)
            name[k++] = '.';
        for (size_t j = 0; j < len; j++)
            name[k++] = (char)(m[i + j] >= 'A' && m[i + j] <= 'Z' ? m[i + j] + 32 : m[i + j]);
        i += len;
    }
    name[k] = '\0';
    if (i + 5 > n)
        return 0;
    *qtype = (uint16_t)(m[i + 1] << 8 | m[i + 2]);
    return i + 5; /* the root label, QTYPE, QCLASS */
}

/* RFC 1035 §4.1: the question copied, one TXT answer or NXDOMAIN. */
static size_t
make_answer(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap)
{
    char     name[256];
    uint16_t qtype = 0;
    size_t   end = read_question(q, qlen, name, sizeof(name), &qtype), n;
    bool     txt = strcmp(name, "example.org") == 0 && qtype == 16;
    size_t   tlen = sizeof(SPF_TEXT) - 1;
    if (end == 0 || end + 12 + 11 + tlen > cap)
        return 0;
    memcpy(out, q, end);
    out[2] = (uint8_t)(0x84 | (q[2] & 0x79)); /* QR, AA; opcode and RD copied */
    out[3] = (uint8_t)(0x80 | (strcmp(name, "example.org") == 0 ? 0 : 3)); /* RA; NXDOMAIN */
    memset(out + 4, 0, 8);
    out[5] = 1;   /* QDCOUNT */
    out[7] = txt; /* ANCOUNT; the query's OPT record is not echoed */
    n = end;
    if (txt) {
        const uint8_t rr[] = {0xc0,         0x0c, 0, 16, 0, 1, 0, 0, 0, 60, 0, (uint8_t)(tlen + 1),
                              (uint8_t)tlen};
        memcpy(out + n, rr, sizeof(rr));
        n += sizeof(rr);
        memcpy(out + n, SPF_TEXT, tlen);
        n += tlen;
    }
    return n;
}

static void *
server_main(void *arg)
{
    struct server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd           p = {.fd = s->fd, .events = POLLIN};
        uint8_t                 q[1500], a[1500];
        struct sockaddr_storage from;
        socklen_t               fl = sizeof(from);
        ssize_t                 got;
        size_t                  n;
        if (poll(&p, 1, 20) <= 0)
            continue;
        got = recvfrom(s->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
        if (got < 12)
            continue;
        atomic_fetch_add(&s->queries, 1);
        if (atomic_load(&s->silent))
            continue;
        n = make_answer(q, (size_t)got, a, sizeof(a));
        if (n > 0)
            (void)sendto(s->fd, a, n, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

/* A UDP socket on 127.0.0.1 and a free port; closed at once if !keep. */
static int
udp_port(int *fd_out, bool keep)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t          sl = sizeof(sa);
    int                fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    if (keep)
        *fd_out = fd;
    else
        close(fd);
    return ntohs(sa.sin_port);
}

static void
server_start(struct server *s)
{
    memset(s, 0, sizeof(*s));
    s->port = udp_port(&s->fd, true);
    assert_int_equal(pthread_create(&s->tid, NULL, server_main, s), 0);
}

static void
server_stop(struct server *s)
{
    atomic_store(&s->stop, true);
    assert_int_equal(pthread_join(s->tid, NULL), 0);
    close(s->fd);
}

/* ---- the MTA: its channel, its sock-state callback, its loop ---------------------- */

struct mta {
    ares_channel  ch;
    struct pollfd watch[MAX_WATCH];
    size_t        nwatch;
    int           own_answers, own_status; /* the MTA's own queries */
};

static void
mta_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct mta *m = data;
    size_t      i = 0;
    while (i < m->nwatch && m->watch[i].fd != fd)
        i++;
    if (!readable && !writable) {
        if (i < m->nwatch)
            m->watch[i] = m->watch[--m->nwatch];
        return;
    }
    if (i == m->nwatch && m->nwatch < MAX_WATCH)
        m->nwatch++;
    if (i < m->nwatch)
        m->watch[i] = (struct pollfd){
            .fd = fd, .events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0))};
}

static void
mta_open(struct mta *m, int port)
{
    struct ares_options o;
    int                 mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    char                server[64];
    memset(m, 0, sizeof(*m));
    memset(&o, 0, sizeof(o));
    o.sock_state_cb = mta_sock_state;
    o.sock_state_cb_data = m;
    o.timeout = 300;
    o.tries = 2;
    assert_int_equal(mailauth_ares_prepare_options(&o, &mask), MAILAUTH_OK);
    assert_int_equal(ares_init_options(&m->ch, &o, mask), ARES_SUCCESS);
    snprintf(server, sizeof(server), "127.0.0.1:%d", port);
    assert_int_equal(ares_set_servers_ports_csv(m->ch, server), ARES_SUCCESS);
}

static void
mta_own_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct mta *m = arg;
    (void)timeouts;
    (void)abuf;
    (void)alen;
    m->own_answers++;
    m->own_status = status;
}

static uint64_t
mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One turn of the MTA's loop; with r NULL, mailauth is out of the picture. */
static void
mta_turn(struct mta *m, mailauth_resolver_t *r)
{
    struct pollfd ready[MAX_WATCH];
    size_t        n = m->nwatch;
    int           t = r != NULL ? mailauth_resolver_timeout_ms(r) : 20;
    memcpy(ready, m->watch, n * sizeof(ready[0]));
    (void)poll(ready, (nfds_t)n, t < 0 || t > 20 ? 20 : t);
    for (size_t i = 0; i < n; i++) {
        int rd = (ready[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
        int wr = (ready[i].revents & POLLOUT) != 0;
        if (!rd && !wr)
            continue;
        if (r != NULL)
            assert_int_equal(mailauth_resolver_process_fd(r, ready[i].fd, rd, wr), MAILAUTH_OK);
        else
            ares_process_fd(m->ch, rd ? ready[i].fd : ARES_SOCKET_BAD,
                            wr ? ready[i].fd : ARES_SOCKET_BAD);
    }
    if (r != NULL)
        assert_int_equal(mailauth_resolver_process_timeouts(r), MAILAUTH_OK);
    else
        ares_process_fd(m->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* ---- evaluations ---------------------------------------------------------------- */

static void
on_done(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    int *calls = ud;
    (void)ev;
    *calls += st == MAILAUTH_OK ? 1 : 100;
}

static mailauth_eval_t *
spf_eval(mailauth_ctx_t *ctx, mailauth_resolver_t *r)
{
    mailauth_eval_t *ev = NULL;
    assert_int_equal(mailauth_eval_new(ctx, r, &ev), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_client_ip(ev, "192.0.2.1"), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_set_mail_from(ev, "user@example.org"), MAILAUTH_OK);
    return ev;
}

static mailauth_verdict_t
spf_of(mailauth_eval_t *ev)
{
    const mailauth_spf_result_t *res = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    assert_non_null(res);
    return mailauth_spf_result_verdict(res);
}

static void
test_dns_ares_channel_shared(void **state)
{
    struct server        srv;
    struct mta           m;
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev;
    int                  calls = 0;
    uint64_t             until;
    (void)state;
    server_start(&srv);
    mta_open(&m, srv.port);
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_ares_channel(ctx, m.ch, &r), MAILAUTH_OK);
    /* The MTA's own query and mailauth's, on one channel, one loop. */
    ares_query(m.ch, "example.org", 1 /* C_IN */, 16 /* TXT */, mta_own_answer, &m);
    ev = spf_eval(ctx, r);
    assert_int_equal(mailauth_eval_finish(ev, on_done, &calls), MAILAUTH_OK);
    for (until = mono_ms() + 5000; (calls == 0 || m.own_answers == 0) && mono_ms() < until;)
        mta_turn(&m, r);
    assert_int_equal(calls, 1);
    assert_int_equal(spf_of(ev), MAILAUTH_VERDICT_PASS);
    assert_int_equal(m.own_answers, 1);
    assert_int_equal(m.own_status, ARES_SUCCESS);
    mailauth_eval_free(ev);
    /* Blocking: mailauth polls the channel's sockets itself (ares_getsock). */
    assert_int_equal(mailauth_resolver_flush_cache(r), MAILAUTH_OK);
    ev = spf_eval(ctx, r);
    assert_int_equal(mailauth_eval_finish_sync(ev, 5000), MAILAUTH_OK);
    assert_int_equal(spf_of(ev), MAILAUTH_VERDICT_PASS);
    mailauth_eval_free(ev);
    /* The socket callback is the MTA's: registering one is harmless. */
    assert_int_equal(mailauth_resolver_set_sock_callback(r, NULL, NULL), MAILAUTH_OK);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    /* The channel is still the MTA's and still works. */
    ares_query(m.ch, "example.org", 1, 16, mta_own_answer, &m);
    for (until = mono_ms() + 5000; m.own_answers < 2 && mono_ms() < until;)
        mta_turn(&m, NULL);
    assert_int_equal(m.own_answers, 2);
    assert_int_equal(m.own_status, ARES_SUCCESS);
    ares_destroy(m.ch);
    server_stop(&srv);
}

/* mailauth's query outlives the resolver and the ctx: ares_destroy() frees
 * its record with the allocator the record kept. */
static void
test_dns_ares_channel_query_outlives_resolver(void **state)
{
    struct server        srv;
    struct mta           m;
    fail_alloc_t         fa;
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev;
    int                  calls = 0;
    (void)state;
    server_start(&srv);
    atomic_store(&srv.silent, true);
    mta_open(&m, srv.port);
    fail_alloc_init(&fa, 0);
    assert_int_equal(mailauth_ctx_new(&fa.al, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_methods(ctx, MAILAUTH_METHOD_SPF), MAILAUTH_OK); /* 1 query */
    assert_int_equal(mailauth_resolver_new_ares_channel(ctx, m.ch, &r), MAILAUTH_OK);
    ev = spf_eval(ctx, r);
    assert_int_equal(mailauth_eval_finish(ev, on_done, &calls), MAILAUTH_OK);
    for (uint64_t until = mono_ms() + 5000; atomic_load(&srv.queries) == 0 && mono_ms() < until;)
        mta_turn(&m, r);
    assert_true(atomic_load(&srv.queries) > 0);
    mailauth_eval_free(ev); /* no callback for a freed eval */
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    assert_int_equal(calls, 0);
    assert_int_equal(fa.live, 1); /* the record of the query still in the channel */
    ares_destroy(m.ch);           /* its callback runs (ARES_EDESTRUCTION) and frees it */
    assert_int_equal(fa.live, 0);
    server_stop(&srv);
}

static void
test_dns_ares_channel_closed_port_tempfail(void **state)
{
    struct mta           m;
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t     *ev;
    int                  calls = 0;
    (void)state;
    mta_open(&m, udp_port(NULL, false));
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_ares_channel(ctx, m.ch, &r), MAILAUTH_OK);
    ev = spf_eval(ctx, r);
    assert_int_equal(mailauth_eval_finish(ev, on_done, &calls), MAILAUTH_OK);
    for (uint64_t until = mono_ms() + 10000; calls == 0 && mono_ms() < until;)
        mta_turn(&m, r);
    assert_int_equal(calls, 1);
    assert_int_equal(spf_of(ev), MAILAUTH_VERDICT_TEMPERROR); /* RFC 7208 §4.4 */
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    ares_destroy(m.ch);
}

static void
test_dns_ares_channel_options(void **state)
{
    struct ares_options  o;
    int                  mask = ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ;
    ares_channel         ch = NULL;
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    (void)state;
    memset(&o, 0, sizeof(o));
    o.flags = ARES_FLAG_IGNTC | ARES_FLAG_NORECURSE | ARES_FLAG_STAYOPEN;
    o.ednspsz = 1232;
    assert_int_equal(mailauth_ares_prepare_options(&o, &mask), MAILAUTH_OK);
    assert_int_equal(o.flags, ARES_FLAG_EDNS | ARES_FLAG_STAYOPEN); /* the caller's flag kept */
    assert_int_equal(o.ednspsz, 4096);
    mask = 0;
    assert_int_equal(mailauth_ares_prepare_options(&o, &mask), MAILAUTH_OK);
    assert_int_equal(mask, ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ);
    assert_int_equal(o.flags, ARES_FLAG_EDNS);
    assert_int_equal(mailauth_ares_prepare_options(NULL, &mask), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ares_prepare_options(&o, NULL), MAILAUTH_EINVAL);

    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_ares_channel(ctx, NULL, &r), MAILAUTH_EINVAL);
    assert_null(r);
    for (int i = 0; i < 2; i++) {
        o.flags = i == 0 ? ARES_FLAG_IGNTC : ARES_FLAG_NORECURSE;
        assert_int_equal(ares_init_options(&ch, &o, ARES_OPT_FLAGS), ARES_SUCCESS);
        assert_int_equal(mailauth_resolver_new_ares_channel(ctx, ch, &r), MAILAUTH_EINVAL);
        assert_null(r);
        assert_int_equal(mailauth_resolver_new_ares_channel(NULL, ch, &r), MAILAUTH_EINVAL);
        ares_destroy(ch);
    }
    mailauth_ctx_free(ctx);
}

static int
group_setup(void **state)
{
    (void)state;
    return ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    ares_library_cleanup();
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_ares_channel_shared),
        cmocka_unit_test(test_dns_ares_channel_query_outlives_resolver),
        cmocka_unit_test(test_dns_ares_channel_closed_port_tempfail),
        cmocka_unit_test(test_dns_ares_channel_options),
    };
    return cmocka_run_group_tests_name("dns_ares_channel", tests, group_setup, group_teardown);
}
