/* bench_spf: the two libraries behind one interface (open, evaluate one case, close). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include "bench_spf.h"

/* ----------------------------------------------------------------- libspf2 */

/* A libspf2 DNS layer that sleeps before passing each lookup down (latency mode). */
struct spf2_delay {
    unsigned ms;
    uint64_t lookups;
};

struct spf2 {
    bool              helo; /* also check the HELO identity, as mailauth always does */
    SPF_server_t     *server;
    SPF_dns_server_t *dns; /* top layer: the zone, or the delay layer over it */
    struct spf2_delay delay;
};

static SPF_dns_rr_t *
delay_lookup(SPF_dns_server_t *s, const char *domain, ns_type type, int should_cache)
{
    struct spf2_delay *d = s->hook;
    d->lookups++;
    if (d->ms > 0)
        sleep_ms(d->ms);
    return SPF_dns_lookup(s->layer_below, domain, type, should_cache);
}

static void
delay_destroy(SPF_dns_server_t *s)
{
    free(s);
}

static SPF_dns_server_t *
delay_layer_new(SPF_dns_server_t *below, struct spf2_delay *d)
{
    SPF_dns_server_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        die("out of memory");
    s->destroy = delay_destroy;
    s->lookup = delay_lookup;
    s->layer_below = below;
    s->name = "bench-delay";
    s->hook = d;
    return s;
}

/* delay_ms < 0: the zone alone; otherwise the counting (and sleeping) layer over it. */
struct spf2 *
spf2_new(const struct policy *pol, int delay_ms, bool helo)
{
    SPF_dns_server_t *zone = SPF_dns_zone_new(NULL, "bench-zone", 0);
    struct spf2      *s = calloc(1, sizeof(*s));
    if (zone == NULL || s == NULL)
        die("SPF_dns_zone_new failed");
    for (int rec = 0; rec < N_RECORDS; rec++) {
        SPF_errcode_t err =
            SPF_dns_zone_add_str(zone, owners[rec], ns_t_txt, NETDB_SUCCESS, pol->txt[rec]);
        if (err != SPF_E_SUCCESS)
            die("SPF_dns_zone_add_str(%s): %s", owners[rec], SPF_strerror(err));
    }
    s->dns = zone;
    s->helo = helo;
    if (delay_ms >= 0) {
        s->delay.ms = (unsigned)delay_ms;
        s->dns = delay_layer_new(zone, &s->delay);
    }
    s->server = SPF_server_new_dns(s->dns, 0);
    if (s->server == NULL)
        die("SPF_server_new_dns failed");
    return s;
}

void
spf2_free(struct spf2 *s)
{
    SPF_server_free(s->server);
    SPF_dns_free(s->dns); /* frees the layers below too */
    free(s);
}

uint64_t
spf2_lookups(const struct spf2 *s)
{
    return s->delay.lookups;
}

void
spf2_version(char *buf, size_t cap)
{
    snprintf(buf, cap, "%d.%d.%d", SPF_LIB_VERSION_MAJOR, SPF_LIB_VERSION_MINOR,
             SPF_LIB_VERSION_PATCH);
}

static mailauth_verdict_t
verdict_of_spf2(SPF_result_t r)
{
    switch (r) {
    case SPF_RESULT_PASS:
        return MAILAUTH_VERDICT_PASS;
    case SPF_RESULT_FAIL:
        return MAILAUTH_VERDICT_FAIL;
    case SPF_RESULT_SOFTFAIL:
        return MAILAUTH_VERDICT_SOFTFAIL;
    case SPF_RESULT_NEUTRAL:
        return MAILAUTH_VERDICT_NEUTRAL;
    case SPF_RESULT_NONE:
        return MAILAUTH_VERDICT_NONE;
    case SPF_RESULT_TEMPERROR:
        return MAILAUTH_VERDICT_TEMPERROR;
    case SPF_RESULT_PERMERROR:
        return MAILAUTH_VERDICT_PERMERROR;
    default:
        return MAILAUTH_VERDICT_POLICY; /* SPF_RESULT_INVALID: never a valid answer */
    }
}

/* One libspf2 check: MAIL FROM identity if `sender` is set, else HELO (postmaster@HELO). */
static mailauth_verdict_t
spf2_check(struct spf2 *s, const char *ip, const char *sender)
{
    SPF_response_t    *resp = NULL;
    SPF_request_t     *req = SPF_request_new(s->server);
    mailauth_verdict_t v;
    if (req == NULL)
        die("SPF_request_new failed");
    if (SPF_request_set_ipv4_str(req, ip) != SPF_E_SUCCESS)
        die("libspf2: bad client ip %s", ip);
    if (SPF_request_set_helo_dom(req, HELO) != SPF_E_SUCCESS ||
        (sender != NULL && SPF_request_set_env_from(req, sender) != 0))
        die("libspf2: bad helo or sender");
    SPF_request_query_mailfrom(req, &resp); /* an SPF error is a verdict in resp */
    if (resp == NULL)
        die("libspf2: no response");
    v = verdict_of_spf2(SPF_response_result(resp));
    SPF_response_free(resp);
    SPF_request_free(req);
    return v;
}

mailauth_verdict_t
spf2_eval(void *impl, const struct bench_case *c)
{
    struct spf2 *s = impl;
    /* HELO has no SPF record in the policy: none (RFC 7208 §4.5). */
    if (s->helo && spf2_check(s, c->ip, NULL) != MAILAUTH_VERDICT_NONE)
        die("libspf2: HELO check of %s is not none", HELO);
    return spf2_check(s, c->ip, SENDER);
}

/* ---------------------------------------------------------------- mailauth */

void
ma_open(struct ma *m, const struct policy *pol, unsigned delay_ms, bool helo, bool authres)
{
    size_t            errline = 0;
    mailauth_status_t st;
    memset(m, 0, sizeof(*m));
    m->helo = helo;
    m->authres = authres;
    check_ma(mailauth_ctx_new(NULL, &m->ctx), "mailauth_ctx_new");
    check_ma(mailauth_ctx_set_methods(m->ctx, MAILAUTH_METHOD_SPF), "mailauth_ctx_set_methods");
    st = mailauth_resolver_new_zone(m->ctx, pol->zone, pol->zone_len, &errline, &m->r);
    if (st != MAILAUTH_OK)
        die("mailauth_resolver_new_zone: %s (zone line %zu)", mailauth_strerror(st), errline);
    if (delay_ms > 0)
        check_ma(mailauth_resolver_zone_set_delay(m->r, delay_ms), "zone_set_delay");
}

void
ma_close(struct ma *m)
{
    mailauth_resolver_free(m->r);
    mailauth_ctx_free(m->ctx);
}

/* The header text an MTA adds, as libspf2 builds its Received-SPF and
 * comments in every response (SPF_i_done). */
static void
ma_format_authres(mailauth_eval_t *ev)
{
    char                      buf[1024];
    size_t                    need = 0;
    const mailauth_authres_t *ar = NULL;
    if (mailauth_eval_authres(ev, &ar) != MAILAUTH_OK)
        die("mailauth: no Authentication-Results");
    check_ma(mailauth_authres_format(ar, buf, sizeof(buf), &need), "mailauth_authres_format");
    if (need == 0 || buf[0] != 'A')
        die("mailauth: empty Authentication-Results");
}

mailauth_verdict_t
ma_eval(void *impl, const struct bench_case *c)
{
    struct ma                   *m = impl;
    mailauth_eval_t             *ev = NULL;
    const mailauth_spf_result_t *res;
    mailauth_verdict_t           v;
    if (m->cold)
        check_ma(mailauth_resolver_flush_cache(m->r), "mailauth_resolver_flush_cache");
    check_ma(mailauth_eval_new(m->ctx, m->r, &ev), "mailauth_eval_new");
    check_ma(mailauth_eval_set_client_ip(ev, c->ip), "mailauth_eval_set_client_ip");
    /* Without a HELO name, mailauth checks MAIL FROM only (as libspf2 does without -H). */
    if (m->helo)
        check_ma(mailauth_eval_set_helo(ev, HELO), "mailauth_eval_set_helo");
    check_ma(mailauth_eval_set_mail_from(ev, SENDER), "mailauth_eval_set_mail_from");
    check_ma(mailauth_eval_finish_sync(ev, -1), "mailauth_eval_finish_sync");
    res = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    if (res == NULL)
        die("mailauth: no SPF result for mailfrom");
    v = mailauth_spf_result_verdict(res);
    if (m->authres)
        ma_format_authres(ev);
    mailauth_eval_free(ev);
    return v;
}
