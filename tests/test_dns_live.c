/* dns c-ares driver against a real DNS server: dnsmasq (Debian package
 * dnsmasq-base) started on 127.0.0.1 and a random high port. Covers UDP
 * answers of every type, a TXT record larger than any UDP answer (the
 * server truncates, c-ares retries over TCP), NXDOMAIN and NODATA,
 * coalescing and caching, the socket callback with process_fd(), and a
 * refused connection giving TEMPFAIL. Skipped (exit 77) without dnsmasq. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "dns/dns.h"

extern char **environ;

#define BIG_STRINGS 20
#define BIG_CHUNK 180

static const char *const dnsmasq_paths[] = {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"};

struct server {
    pid_t pid;
    int   port;
    char  big[BIG_STRINGS * BIG_CHUNK + 1]; /* the big TXT record, concatenated */
};

static struct server srv;

static const char *
dnsmasq_path(void)
{
    for (size_t i = 0; i < sizeof(dnsmasq_paths) / sizeof(dnsmasq_paths[0]); i++)
        if (access(dnsmasq_paths[i], X_OK) == 0)
            return dnsmasq_paths[i];
    return NULL;
}

/* --txt-record=big.test,s1,s2,...: 3600 bytes, over any UDP size we offer. */
static char *
big_txt_arg(void)
{
    size_t cap = 32 + BIG_STRINGS * (BIG_CHUNK + 3);
    char  *arg = malloc(cap), *p = arg;
    p += sprintf(p, "--txt-record=big.test");
    for (int i = 0; i < BIG_STRINGS; i++) {
        char chunk[BIG_CHUNK + 1];
        for (int k = 0; k < BIG_CHUNK; k++)
            chunk[k] = (char)('a' + (i + k) % 26);
        chunk[BIG_CHUNK] = '\0';
        memcpy(srv.big + i * BIG_CHUNK, chunk, BIG_CHUNK);
        p += sprintf(p, ",%s", chunk); /* argv: no quotes, no shell */
    }
    return arg;
}

/* True once something holds the UDP port (dnsmasq has bound it). */
static bool
port_taken(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int                fd = socket(AF_INET, SOCK_DGRAM, 0);
    bool               taken;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    taken = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno == EADDRINUSE;
    close(fd);
    return taken;
}

static bool
spawn_at(const char *path, int port)
{
    char                       portarg[32], *big = big_txt_arg();
    char                      *argv[] = {(char *)path,
                                         "--no-daemon",
                                         "--conf-file=/dev/null",
                                         portarg,
                                         "--listen-address=127.0.0.1",
                                         "--bind-interfaces",
                                         "--no-resolv",
                                         "--no-hosts",
                                         "--local=/test/",
                                         "--local-ttl=60",
                                         "--txt-record=small.test,hello-,world",
                                         "--txt-record=small.test,second",
                                         big,
                                         "--mx-host=test,mail.test,10",
                                         "--host-record=mail.test,192.0.2.1,2001:db8::1",
                                         "--ptr-record=1.2.0.192.in-addr.arpa,mail.test",
                                         NULL};
    posix_spawn_file_actions_t fa;
    int                        rc;
    snprintf(portarg, sizeof(portarg), "--port=%d", port);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    rc = posix_spawn(&srv.pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(big);
    if (rc != 0)
        return false;
    for (int i = 0; i < 100; i++) { /* up to 5 s */
        int status;
        if (waitpid(srv.pid, &status, WNOHANG) == srv.pid)
            return false; /* port in use by someone else, or a bad option */
        if (port_taken(port)) {
            (void)poll(NULL, 0, 100); /* still alive a moment later? */
            if (waitpid(srv.pid, &status, WNOHANG) == 0)
                return true;
            return false;
        }
        (void)poll(NULL, 0, 50);
    }
    kill(srv.pid, SIGKILL);
    waitpid(srv.pid, NULL, 0);
    return false;
}

static int
server_start(void **state)
{
    const char *path = dnsmasq_path();
    (void)state;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int attempt = 0; path != NULL && attempt < 10; attempt++) {
        srv.port = 20000 + rand() % 40000;
        if (spawn_at(path, srv.port))
            return 0;
    }
    return -1;
}

static int
server_stop(void **state)
{
    (void)state;
    if (srv.pid > 0) {
        kill(srv.pid, SIGTERM);
        waitpid(srv.pid, NULL, 0);
    }
    return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static void
count_wake(void *ud)
{
    (*(int *)ud)++;
}

static mailauth_resolver_t *
resolver_at(mailauth_ctx_t **ctx, int port)
{
    char                 servers[64];
    mailauth_resolver_t *r = NULL;
    snprintf(servers, sizeof(servers), "127.0.0.1:%d", port);
    assert_int_equal(mailauth_ctx_new(NULL, ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_ares(*ctx, servers, &r), MAILAUTH_OK);
    return r;
}

static const mailauth__dns_result_t *
wait_result(mailauth_resolver_t *r, mailauth__dnsc_t *c, mailauth__dns_q_t *q)
{
    for (int i = 0; i < 100 && mailauth__dnsc_result(c, q) == NULL; i++)
        assert_int_equal(mailauth_resolver_run_once(r, 100), MAILAUTH_OK);
    assert_non_null(mailauth__dnsc_result(c, q));
    return mailauth__dnsc_result(c, q);
}

static const mailauth__dns_result_t *
lookup(mailauth_resolver_t *r, mailauth__dnsc_t *c, const char *name, mailauth_dns_type_t t)
{
    mailauth__dns_q_t *q = NULL;
    assert_int_equal(mailauth__dnsc_ask(c, name, strlen(name), t, &q), MAILAUTH_OK);
    return wait_result(r, c, q);
}

/* ---- tests --------------------------------------------------------------- */

static void
test_dns_live_types(void **state)
{
    mailauth_ctx_t               *ctx = NULL;
    mailauth_resolver_t          *r = resolver_at(&ctx, srv.port);
    mailauth__dnsc_t              c;
    const mailauth__dns_result_t *res;
    int                           wakes = 0;
    (void)state;
    mailauth__dnsc_init(&c, r, count_wake, &wakes);
    res = lookup(r, &c, "mail.test", MAILAUTH_DNS_A);
    assert_int_equal(res->rcode, MAILAUTH_DNS_RECORDS);
    assert_int_equal(res->count, 1);
    assert_memory_equal(res->rr[0].data, "\xc0\x00\x02\x01", 4);
    assert_true(res->rr[0].ttl > 0 && res->rr[0].ttl <= 60);
    res = lookup(r, &c, "MAIL.test.", MAILAUTH_DNS_AAAA);
    assert_int_equal(res->rcode, MAILAUTH_DNS_RECORDS);
    assert_memory_equal(res->rr[0].data, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    res = lookup(r, &c, "test", MAILAUTH_DNS_MX);
    assert_int_equal(res->rcode, MAILAUTH_DNS_RECORDS);
    assert_int_equal(res->rr[0].pref, 10);
    assert_string_equal((const char *)res->rr[0].data, "mail.test");
    res = lookup(r, &c, "1.2.0.192.in-addr.arpa", MAILAUTH_DNS_PTR);
    assert_int_equal(res->rcode, MAILAUTH_DNS_RECORDS);
    assert_string_equal((const char *)res->rr[0].data, "mail.test");
    res = lookup(r, &c, "small.test", MAILAUTH_DNS_TXT);
    assert_int_equal(res->rcode, MAILAUTH_DNS_RECORDS);
    assert_int_equal(res->count, 2);
    for (size_t i = 0; i < 2; i++) /* the strings of one record are joined */
        assert_true(strcmp((const char *)res->rr[i].data, "hello-world") == 0 ||
                    strcmp((const char *)res->rr[i].data, "second") == 0);
    res = lookup(r, &c, "nx.test", MAILAUTH_DNS_TXT);
    assert_int_equal(res->rcode, MAILAUTH_DNS_NXDOMAIN);
    res = lookup(r, &c, "mail.test", MAILAUTH_DNS_TXT);
    assert_int_equal(res->rcode, MAILAUTH_DNS_NODATA);
    assert_true(wakes >= 7);
    mailauth__dnsc_clear(&c);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

/* Socket callback noting whether a TCP socket was ever used. */
static void
note_tcp(void *ud, int fd, int readable, int writable)
{
    int       type = 0;
    socklen_t len = sizeof(type);
    if ((readable || writable) && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
        type == SOCK_STREAM)
        *(bool *)ud = true;
}

/* 3600 bytes of TXT: truncated over UDP, fetched again over TCP. */
static void
test_dns_live_big_txt(void **state)
{
    mailauth_ctx_t               *ctx = NULL;
    mailauth_resolver_t          *r = resolver_at(&ctx, srv.port);
    mailauth__dnsc_t              c;
    const mailauth__dns_result_t *res;
    int                           wakes = 0;
    bool                          tcp = false;
    (void)state;
    assert_int_equal(mailauth_resolver_set_sock_callback(r, note_tcp, &tcp), MAILAUTH_OK);
    mailauth__dnsc_init(&c, r, count_wake, &wakes);
    res = lookup(r, &c, "big.test", MAILAUTH_DNS_TXT);
    assert_int_equal(res->rcode, MAILAUTH_DNS_RECORDS);
    assert_int_equal(res->count, 1);
    assert_int_equal(res->rr[0].len, strlen(srv.big));
    assert_memory_equal(res->rr[0].data, srv.big, res->rr[0].len);
    assert_true(tcp);
    mailauth__dnsc_clear(&c);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

struct fdset {
    int   fd[8];
    short ev[8];
    int   n, calls;
};

static void
sock_cb(void *ud, int fd, int readable, int writable)
{
    struct fdset *s = ud;
    int           i = 0;
    s->calls++;
    while (i < s->n && s->fd[i] != fd)
        i++;
    if (!readable && !writable) {
        if (i < s->n)
            s->fd[i] = s->fd[--s->n], s->ev[i] = s->ev[s->n];
        return;
    }
    if (i == s->n && s->n < 8)
        s->n++;
    s->fd[i] = fd;
    s->ev[i] = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
}

/* An application event loop: socket callback, poll, process_fd; two
 * clients share one query, and a second round is answered from the cache. */
static void
test_dns_live_event_loop(void **state)
{
    mailauth_ctx_t           *ctx = NULL;
    mailauth_resolver_t      *r = resolver_at(&ctx, srv.port);
    mailauth__dnsc_t          c1, c2;
    mailauth__dns_q_t        *q1 = NULL, *q2 = NULL;
    struct fdset              fds = {.n = 0};
    mailauth_resolver_stats_t st = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    int                       w1 = 0, w2 = 0;
    (void)state;
    assert_int_equal(mailauth_resolver_set_sock_callback(r, sock_cb, &fds), MAILAUTH_OK);
    mailauth__dnsc_init(&c1, r, count_wake, &w1);
    mailauth__dnsc_init(&c2, r, count_wake, &w2);
    assert_int_equal(mailauth__dnsc_ask(&c1, "mail.test", 9, MAILAUTH_DNS_A, &q1), MAILAUTH_OK);
    assert_int_equal(mailauth__dnsc_ask(&c2, "mail.test", 9, MAILAUTH_DNS_A, &q2), MAILAUTH_OK);
    assert_ptr_equal(q1, q2);
    assert_true(fds.n > 0);
    for (int i = 0; i < 50 && (w1 == 0 || w2 == 0); i++) {
        struct pollfd p[8];
        int           n = fds.n;
        for (int k = 0; k < n; k++)
            p[k] = (struct pollfd){.fd = fds.fd[k], .events = fds.ev[k]};
        if (poll(p, (nfds_t)n, 100) > 0) {
            for (int k = 0; k < n; k++)
                if (p[k].revents != 0)
                    assert_int_equal(mailauth_resolver_process_fd(r, p[k].fd,
                                                                  (p[k].revents & POLLIN) != 0,
                                                                  (p[k].revents & POLLOUT) != 0),
                                     MAILAUTH_OK);
        }
        assert_int_equal(mailauth_resolver_process_timeouts(r), MAILAUTH_OK);
    }
    assert_int_equal(w1, 1);
    assert_int_equal(w2, 1);
    assert_int_equal(mailauth__dnsc_result(&c1, q1)->rcode, MAILAUTH_DNS_RECORDS);
    mailauth__dnsc_clear(&c1);
    mailauth__dnsc_clear(&c2);
    assert_int_equal(mailauth__dnsc_ask(&c1, "mail.test", 9, MAILAUTH_DNS_A, &q1), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_stats(r, &st), MAILAUTH_OK);
    assert_int_equal(st.queries, 1);
    assert_int_equal(st.coalesced, 1);
    assert_int_equal(st.cache_hits, 1); /* --local-ttl=60 */
    assert_int_equal(st.round_trips, 1);
    mailauth__dnsc_clear(&c1);
    mailauth_resolver_free(r);
    assert_true(fds.calls > 0);
    mailauth_ctx_free(ctx);
}

/* Nobody listens on the port next to... our own closed socket: refused. */
static void
test_dns_live_refused(void **state)
{
    struct sockaddr_in   sa = {.sin_family = AF_INET};
    socklen_t            len = sizeof(sa);
    int                  fd = socket(AF_INET, SOCK_DGRAM, 0), port;
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r;
    mailauth__dnsc_t     c;
    int                  wakes = 0;
    (void)state;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    port = ntohs(sa.sin_port);
    close(fd); /* a free port: UDP to it is refused (ICMP port unreachable) */
    r = resolver_at(&ctx, port);
    mailauth__dnsc_init(&c, r, count_wake, &wakes);
    assert_int_equal(lookup(r, &c, "mail.test", MAILAUTH_DNS_A)->rcode, MAILAUTH_DNS_TEMPFAIL);
    mailauth__dnsc_clear(&c);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
}

/* Freeing the resolver with a query in flight cancels it cleanly. */
static void
test_dns_live_free_in_flight(void **state)
{
    mailauth_ctx_t      *ctx = NULL;
    mailauth_resolver_t *r = resolver_at(&ctx, srv.port);
    mailauth__dnsc_t     c;
    mailauth__dns_q_t   *q = NULL;
    int                  wakes = 0;
    (void)state;
    mailauth__dnsc_init(&c, r, count_wake, &wakes);
    assert_int_equal(mailauth__dnsc_ask(&c, "small.test", 10, MAILAUTH_DNS_TXT, &q), MAILAUTH_OK);
    mailauth__dnsc_clear(&c);
    mailauth_resolver_free(r);
    assert_int_equal(wakes, 0);
    mailauth_ctx_free(ctx);
}

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_live_types),          cmocka_unit_test(test_dns_live_big_txt),
        cmocka_unit_test(test_dns_live_event_loop),     cmocka_unit_test(test_dns_live_refused),
        cmocka_unit_test(test_dns_live_free_in_flight),
    };
    if (dnsmasq_path() == NULL) {
        fprintf(stderr, "dns_live: dnsmasq not found (Debian package dnsmasq-base): skipped\n");
        return 77;
    }
    return cmocka_run_group_tests_name("dns_live", tests, server_start, server_stop);
}
