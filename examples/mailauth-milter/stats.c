/* mailauth-milter: counters, served as Prometheus text at /metrics by
 * libmicrohttpd (its own thread). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter.h"

static const char *const methods[] = {"spf", "dkim", "dmarc", "arc", "iprev"};
static const char *const results[] = {"pass", "fail",      "softfail",  "neutral",
                                      "none", "temperror", "permerror", "policy"};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))
#define N_RESULTS (sizeof(results) / sizeof(results[0]))
static const char *const action_names[MA_STAT_ACTION_COUNT] = {"accept",   "reject", "quarantine",
                                                               "tempfail", "signed", "sealed"};
/* upper bounds of the latency buckets, seconds */
static const double bounds[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static atomic_ullong             messages;
static atomic_ullong             verdicts[N_METHODS][N_RESULTS];
static atomic_ullong             actions[MA_STAT_ACTION_COUNT];
static atomic_ullong             buckets[N_BOUNDS + 1];
static atomic_ullong             latency_us; /* sum, microseconds */
static pthread_mutex_t           retired_mu = PTHREAD_MUTEX_INITIALIZER;
static mailauth_resolver_stats_t retired;
static struct MHD_Daemon        *daemon_;

void
ma_stats_message(void)
{
    atomic_fetch_add(&messages, 1);
}

void
ma_stats_verdict(const char *method, const char *result)
{
    for (size_t m = 0; m < N_METHODS; m++)
        for (size_t r = 0; r < N_RESULTS; r++)
            if (strcmp(methods[m], method) == 0 && strcmp(results[r], result) == 0)
                atomic_fetch_add(&verdicts[m][r], 1);
}

void
ma_stats_action(enum ma_stat_action a)
{
    if ((unsigned)a < MA_STAT_ACTION_COUNT)
        atomic_fetch_add(&actions[a], 1);
}

void
ma_stats_latency(double seconds)
{
    size_t i = 0;
    while (i < N_BOUNDS && seconds > bounds[i])
        i++;
    atomic_fetch_add(&buckets[i], 1);
    atomic_fetch_add(&latency_us, (unsigned long long)(seconds * 1e6));
}

void
ma_stats_retire(const mailauth_resolver_stats_t *s)
{
    pthread_mutex_lock(&retired_mu);
    retired.questions += s->questions;
    retired.queries += s->queries;
    retired.coalesced += s->coalesced;
    retired.cache_hits += s->cache_hits;
    retired.round_trips += s->round_trips;
    pthread_mutex_unlock(&retired_mu);
}

struct out {
    char  *buf;
    size_t len, cap;
    bool   oom;
};

__attribute__((format(printf, 2, 3))) static void
put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int     n;
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || o->len + (size_t)n >= o->cap) {
        o->oom = true; /* the buffer is sized for every line below */
        return;
    }
    o->len += (size_t)n;
}

static void
render_dns(struct out *o)
{
    mailauth_resolver_stats_t s = {.version = MAILAUTH_RESOLVER_STATS_VERSION};
    struct ma_gen            *g = ma_gen_acquire();
    pthread_mutex_lock(&retired_mu);
    s = retired;
    pthread_mutex_unlock(&retired_mu);
    if (g != NULL)
        ma_pool_stats(&g->pool, &s);
    ma_gen_release(g);
    put(o,
        "# HELP mailauth_dns_questions_total DNS questions asked by evaluations.\n"
        "# TYPE mailauth_dns_questions_total counter\nmailauth_dns_questions_total %llu\n",
        (unsigned long long)s.questions);
    put(o,
        "# HELP mailauth_dns_queries_total DNS queries sent.\n"
        "# TYPE mailauth_dns_queries_total counter\nmailauth_dns_queries_total %llu\n",
        (unsigned long long)s.queries);
    put(o,
        "# HELP mailauth_dns_cache_hits_total Questions answered from a cache.\n"
        "# TYPE mailauth_dns_cache_hits_total counter\nmailauth_dns_cache_hits_total %llu\n",
        (unsigned long long)s.cache_hits);
    put(o,
        "# HELP mailauth_dns_coalesced_total Questions joined to a query in flight.\n"
        "# TYPE mailauth_dns_coalesced_total counter\nmailauth_dns_coalesced_total %llu\n",
        (unsigned long long)s.coalesced);
}

static void
render_latency(struct out *o)
{
    unsigned long long cum = 0;
    put(o, "# HELP mailauth_eom_seconds Time the filter added at end of message.\n"
           "# TYPE mailauth_eom_seconds histogram\n");
    for (size_t i = 0; i < N_BOUNDS; i++) {
        cum += atomic_load(&buckets[i]);
        put(o, "mailauth_eom_seconds_bucket{le=\"%g\"} %llu\n", bounds[i], cum);
    }
    cum += atomic_load(&buckets[N_BOUNDS]);
    put(o, "mailauth_eom_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
    put(o, "mailauth_eom_seconds_sum %.6f\n", (double)atomic_load(&latency_us) / 1e6);
    put(o, "mailauth_eom_seconds_count %llu\n", cum);
}

static void
render_history(struct out *o)
{
    struct ma_history_stats h;
    ma_history_stats(&h);
    put(o,
        "# HELP mailauth_history_rows_written_total DMARC history rows committed to the store.\n"
        "# TYPE mailauth_history_rows_written_total counter\n"
        "mailauth_history_rows_written_total %llu\n",
        h.written);
    put(o,
        "# HELP mailauth_history_rows_dropped_total DMARC history rows not recorded (queue "
        "full, refused, or not written at stop).\n"
        "# TYPE mailauth_history_rows_dropped_total counter\n"
        "mailauth_history_rows_dropped_total %llu\n",
        h.dropped);
    put(o,
        "# HELP mailauth_history_store_errors_total Failed opens and writes of the history "
        "store.\n"
        "# TYPE mailauth_history_store_errors_total counter\n"
        "mailauth_history_store_errors_total %llu\n",
        h.errors);
    put(o,
        "# HELP mailauth_history_queue_depth DMARC history rows waiting for the writer.\n"
        "# TYPE mailauth_history_queue_depth gauge\nmailauth_history_queue_depth %lu\n",
        h.depth);
}

char *
ma_stats_render(size_t *len)
{
    struct out o = {.cap = 16384};
    if ((o.buf = malloc(o.cap)) == NULL)
        return NULL;
    put(&o,
        "# HELP mailauth_messages_total Messages seen.\n"
        "# TYPE mailauth_messages_total counter\nmailauth_messages_total %llu\n",
        atomic_load(&messages));
    put(&o, "# HELP mailauth_verdicts_total Verdicts by method and result.\n"
            "# TYPE mailauth_verdicts_total counter\n");
    for (size_t m = 0; m < N_METHODS; m++)
        for (size_t r = 0; r < N_RESULTS; r++)
            put(&o, "mailauth_verdicts_total{method=\"%s\",result=\"%s\"} %llu\n", methods[m],
                results[r], atomic_load(&verdicts[m][r]));
    put(&o, "# HELP mailauth_actions_total What the filter did with messages.\n"
            "# TYPE mailauth_actions_total counter\n");
    for (size_t a = 0; a < MA_STAT_ACTION_COUNT; a++)
        put(&o, "mailauth_actions_total{action=\"%s\"} %llu\n", action_names[a],
            atomic_load(&actions[a]));
    render_dns(&o);
    render_latency(&o);
    render_history(&o);
    if (o.oom) {
        free(o.buf);
        return NULL;
    }
    *len = o.len;
    return o.buf;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_size, void **state)
{
    struct MHD_Response *resp;
    enum MHD_Result      rc;
    unsigned             code = MHD_HTTP_OK;
    size_t               len = 0;
    char                *text = NULL;
    (void)cls, (void)version, (void)upload, (void)upload_size, (void)state;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        code = MHD_HTTP_METHOD_NOT_ALLOWED;
    else if (strcmp(url, "/metrics") != 0)
        code = MHD_HTTP_NOT_FOUND;
    else if ((text = ma_stats_render(&len)) == NULL)
        code = MHD_HTTP_INTERNAL_SERVER_ERROR;
    if (text != NULL)
        resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    else
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(text);
        return MHD_NO;
    }
    if (code == MHD_HTTP_OK)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "text/plain; version=0.0.4; charset=utf-8");
    rc = MHD_queue_response(conn, code, resp);
    MHD_destroy_response(resp);
    return rc;
}

bool
ma_stats_start(const char *host, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    unsigned             flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    struct sockaddr_in  *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        flags |= MHD_USE_IPv6;
    } else {
        return false;
    }
    daemon_ = MHD_start_daemon(flags, port, NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR,
                               (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 16u,
                               MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (daemon_ == NULL) {
        ma_log(MA_LOG_ERR, "stats: cannot listen on %s port %u", host, (unsigned)port);
        return false;
    }
    return true;
}

void
ma_stats_stop(void)
{
    if (daemon_ != NULL)
        MHD_stop_daemon(daemon_);
    daemon_ = NULL;
}
