/* Zone driver: answers from zone text, never from the network. Answers are
 * asynchronous like real DNS: a query is queued and answered at the next
 * run of the resolver loop, or once the configured delay (the
 * environment's monotonic clock) has passed. TIMEOUT/SERVFAIL records answer TEMPFAIL at that time
 * too, without waiting for the query timeout. */
#include "dns/dns_int.h"
#include "util/alloc.h"

struct zdrv {
    mailauth__dns_zone_t *zone;
    uint32_t              delay_ms;
    mailauth__dns_q_t    *head, *tail; /* queued questions, by due time */
};

static void
unqueue(struct zdrv *zd, mailauth__dns_q_t *q)
{
    if (q->dprev != NULL)
        q->dprev->dnext = q->dnext;
    else
        zd->head = q->dnext;
    if (q->dnext != NULL)
        q->dnext->dprev = q->dprev;
    else
        zd->tail = q->dprev;
    q->dprev = q->dnext = NULL;
    q->drv = NULL;
}

static mailauth_status_t
zone_send(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    struct zdrv *zd = r->drv_state;
    /* Without a delay a question is due at once: no clock read needed. */
    q->due_ms = zd->delay_ms != 0 ? mailauth__dns_now(r) + zd->delay_ms : 0;
    q->drv = zd;
    q->dnext = NULL;
    q->dprev = zd->tail;
    if (zd->tail != NULL)
        zd->tail->dnext = q;
    else
        zd->head = q;
    zd->tail = q;
    return MAILAUTH_OK;
}

static void
zone_cancel(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    if (q->drv != NULL)
        unqueue(r->drv_state, q);
}

static void
zone_timers(mailauth_resolver_t *r, uint64_t now)
{
    struct zdrv       *zd = r->drv_state;
    mailauth__dns_q_t *q;
    /* Every question due now answers in this one step: with a delay, the
     * questions sent together make one round trip. */
    while ((q = zd->head) != NULL && q->due_ms <= now) {
        unqueue(zd, q);
        (void)mailauth__dns_zone_answer(r, zd->zone, q);
    }
}

static int64_t
zone_next_ms(mailauth_resolver_t *r, uint64_t now)
{
    struct zdrv *zd = r->drv_state;
    if (zd->head == NULL)
        return -1;
    return zd->head->due_ms > now ? (int64_t)(zd->head->due_ms - now) : 0;
}

static void
zone_destroy(mailauth_resolver_t *r)
{
    struct zdrv *zd = r->drv_state;
    if (zd == NULL)
        return;
    mailauth__dns_zone_free(zd->zone);
    mailauth__free(r->al, zd);
    r->drv_state = NULL;
}

static const mailauth__dns_drv_t zone_driver = {
    .send = zone_send,
    .cancel = zone_cancel,
    .process_timers = zone_timers,
    .next_ms = zone_next_ms,
    .destroy = zone_destroy,
};

mailauth_status_t
mailauth_resolver_zone_add(mailauth_resolver_t *r, const char *text, size_t len, size_t *errline)
{
    struct zdrv      *zd;
    mailauth_status_t st;
    if (errline != NULL)
        *errline = 0;
    if (r == NULL || r->drv != &zone_driver || (text == NULL && len > 0))
        return MAILAUTH_EINVAL;
    zd = r->drv_state;
    /* Check the whole text first so a syntax error adds nothing. */
    st = mailauth__dns_zone_parse(r->al, text, len, errline, NULL, NULL);
    if (st == MAILAUTH_OK)
        st = mailauth__dns_zone_parse(r->al, text, len, NULL, mailauth__dns_zone_insert, zd->zone);
    /* Cached answers (NXDOMAIN in particular) may be stale now. */
    mailauth__dns_qtab_flush(r);
    return st;
}

mailauth_status_t
mailauth__resolver_new_zone(const mailauth__env_t *env, const char *text, size_t len,
                            size_t *errline, mailauth_resolver_t **out)
{
    mailauth_resolver_t *r = NULL;
    struct zdrv         *zd;
    mailauth_status_t    st;
    if (errline != NULL)
        *errline = 0;
    if (out != NULL)
        *out = NULL;
    if (env == NULL || out == NULL || (text == NULL && len > 0))
        return MAILAUTH_EINVAL;
    st = mailauth__dns_resolver_new(env, &zone_driver, &r);
    if (st != MAILAUTH_OK)
        return st;
    zd = mailauth__calloc(r->al, 1, sizeof(*zd));
    r->drv_state = zd;
    if (zd == NULL || (zd->zone = mailauth__dns_zone_new(r->al)) == NULL) {
        mailauth_resolver_free(r);
        return MAILAUTH_ENOMEM;
    }
    st = mailauth_resolver_zone_add(r, text, len, errline);
    if (st != MAILAUTH_OK) {
        mailauth_resolver_free(r);
        return st;
    }
    *out = r;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_resolver_zone_set_delay(mailauth_resolver_t *r, uint32_t ms)
{
    if (r == NULL || r->drv != &zone_driver)
        return MAILAUTH_EINVAL;
    ((struct zdrv *)r->drv_state)->delay_ms = ms;
    return MAILAUTH_OK;
}
