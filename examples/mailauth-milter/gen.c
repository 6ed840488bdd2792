/* mailauth-milter: generations. A generation is one configuration with
 * everything made from it: the mailauth ctx (read-only once used), the
 * signing keys and the resolver pool. A message holds a reference to the
 * generation it started in until it ends, so SIGHUP can install a new one
 * while messages in progress finish with the old one, which is freed when
 * its last message lets go. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter.h"

static pthread_mutex_t gen_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ma_gen  *current;
static unsigned        serial;

static bool
read_zone(struct ma_config *c, struct ma_errors *errs)
{
    FILE  *f = fopen(c->zone_path, "r");
    size_t cap = 0;
    if (f == NULL) {
        ma_error_add(errs, 0, "dns: %s: %s", c->zone_path, strerror(errno));
        return false;
    }
    for (;;) {
        if (c->zone_len + 4096 + 1 > cap) {
            char *t = realloc(c->zone_text, cap = cap * 2 + 8192);
            if (t == NULL)
                break;
            c->zone_text = t;
        }
        size_t n = fread(c->zone_text + c->zone_len, 1, 4096, f);
        c->zone_len += n;
        if (n == 0)
            break;
    }
    bool ok = !ferror(f) && c->zone_text != NULL;
    fclose(f);
    if (!ok)
        ma_error_add(errs, 0, "dns: %s: cannot read the zone file", c->zone_path);
    return ok;
}

/* The settings of the file go into a new ctx. */
static bool
setup_ctx(struct ma_gen *g, struct ma_errors *errs)
{
    struct ma_config *c = g->cfg;
    mailauth_status_t st = mailauth_ctx_new(NULL, &g->ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(g->ctx, c->authserv_id);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_dmarc_mode(g->ctx, c->dmarc_mode);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_logger(g->ctx, ma_log_lib, NULL, MAILAUTH_LOG_ERROR);
    for (size_t i = 0; st == MAILAUTH_OK && i < c->n_trusted; i++) {
        st = mailauth_ctx_add_trusted_sealer(g->ctx, c->trusted[i]);
        if (st == MAILAUTH_EINVAL) {
            ma_error_add(errs, 0, "trusted_sealer: %s: not a domain name", c->trusted[i]);
            return false;
        }
    }
    if (st != MAILAUTH_OK) {
        ma_error_add(errs, 0, "cannot set up mailauth: %s", mailauth_strerror(st));
        return false;
    }
    return true;
}

/* The zone is parsed once here, so that a syntax error is a configuration
 * error and not a failure of the first message. */
static bool
check_dns(struct ma_gen *g, struct ma_errors *errs)
{
    mailauth_resolver_t *r = NULL;
    size_t               errline = 0;
    mailauth_status_t    st;
    if (g->cfg->dns != MA_DNS_ZONE) {
        /* one c-ares resolver now: an unusable resolv.conf or server list
         * is a configuration error, not a failure of every message */
        st = mailauth_resolver_new_ares(g->ctx, g->cfg->dns_servers, &r);
        mailauth_resolver_free(r);
        if (st != MAILAUTH_OK)
            ma_error_add(errs, 0, "dns: cannot make a resolver: %s", mailauth_strerror(st));
        return st == MAILAUTH_OK;
    }
    if (!read_zone(g->cfg, errs))
        return false;
    st = mailauth_resolver_new_zone(g->ctx, g->cfg->zone_text, g->cfg->zone_len, &errline, &r);
    mailauth_resolver_free(r);
    if (st != MAILAUTH_OK) {
        ma_error_add(errs, 0, "dns: %s: line %zu: %s", g->cfg->zone_path, errline,
                     mailauth_strerror(st));
        return false;
    }
    return true;
}

static void
gen_free(struct ma_gen *g)
{
    if (g == NULL)
        return;
    ma_pool_clear(&g->pool);
    if (g->cfg != NULL)
        ma_keys_free(g->cfg); /* before their ctx */
    mailauth_ctx_free(g->ctx);
    ma_config_free(g->cfg);
    free(g);
}

struct ma_gen *
ma_gen_build(const char *path, const char *socket_override, struct ma_errors *errs)
{
    struct ma_gen *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        ma_error_add(errs, 0, "out of memory");
        return NULL;
    }
    ma_pool_init(&g->pool, NULL, NULL);
    g->refs = 1;
    unsigned before = errs->count;
    g->cfg = ma_config_load(path, socket_override, errs);
    if (g->cfg == NULL || !setup_ctx(g, errs)) {
        gen_free(g);
        return NULL;
    }
    bool keys_ok = ma_keys_load(g->cfg, g->ctx, errs);
    if (!check_dns(g, errs) || !keys_ok || errs->count != before) {
        gen_free(g);
        return NULL;
    }
    g->pool.ctx = g->ctx;
    g->pool.cfg = g->cfg;
    return g;
}

void
ma_gen_install(struct ma_gen *g)
{
    struct ma_gen *old;
    pthread_mutex_lock(&gen_mu);
    old = current;
    current = g;
    g->serial = ++serial;
    pthread_mutex_unlock(&gen_mu);
    ma_gen_release(old);
}

struct ma_gen *
ma_gen_acquire(void)
{
    struct ma_gen *g;
    pthread_mutex_lock(&gen_mu);
    g = current;
    if (g != NULL)
        g->refs++;
    pthread_mutex_unlock(&gen_mu);
    return g;
}

void
ma_gen_release(struct ma_gen *g)
{
    bool last;
    if (g == NULL)
        return;
    pthread_mutex_lock(&gen_mu);
    last = --g->refs == 0;
    pthread_mutex_unlock(&gen_mu);
    if (last)
        gen_free(g);
}

void
ma_gen_shutdown(void)
{
    struct ma_gen *g;
    pthread_mutex_lock(&gen_mu);
    g = current;
    current = NULL;
    pthread_mutex_unlock(&gen_mu);
    ma_gen_release(g);
}
