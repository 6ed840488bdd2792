/* Custom driver: the caller answers our queries through
 * mailauth_dns_query_answer(), at once or later. */
#include "dns/dns_int.h"
#include "util/alloc.h"

/* The handle the caller sees. q is NULL once we stopped waiting for it
 * (query timeout) while the driver has no cancel function: the handle then
 * stays valid until the caller answers it or the resolver is freed. */
struct mailauth_dns_query {
    mailauth_resolver_t       *r;
    mailauth__dns_q_t         *q;
    struct mailauth_dns_query *prev, *next;
};

struct cdrv {
    mailauth_dns_ops_t         ops;
    struct mailauth_dns_query *head; /* live handles */
};

static void
handle_free(struct cdrv *cd, mailauth_dns_query_t *h)
{
    if (h->prev != NULL)
        h->prev->next = h->next;
    else
        cd->head = h->next;
    if (h->next != NULL)
        h->next->prev = h->prev;
    mailauth__free(h->r->al, h);
}

static mailauth_status_t
custom_send(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    struct cdrv          *cd = r->drv_state;
    mailauth_dns_query_t *h = mailauth__calloc(r->al, 1, sizeof(*h));
    mailauth_status_t     st;
    if (h == NULL)
        return MAILAUTH_ENOMEM;
    h->r = r;
    h->q = q;
    h->next = cd->head;
    if (cd->head != NULL)
        cd->head->prev = h;
    cd->head = h;
    q->drv = h;
    st = cd->ops.query(cd->ops.ud, h, q->name, (mailauth_dns_type_t)q->type);
    /* If q is done, the caller answered inside query() and h is gone. */
    if (st != MAILAUTH_OK && !q->done) {
        q->drv = NULL;
        handle_free(cd, h);
    }
    return st;
}

static void
custom_cancel(mailauth_resolver_t *r, mailauth__dns_q_t *q)
{
    struct cdrv          *cd = r->drv_state;
    mailauth_dns_query_t *h = q->drv;
    if (h == NULL)
        return;
    q->drv = NULL;
    h->q = NULL;
    if (cd->ops.cancel != NULL) {
        cd->ops.cancel(cd->ops.ud, h);
        handle_free(cd, h);
    }
}

static void
custom_destroy(mailauth_resolver_t *r)
{
    struct cdrv *cd = r->drv_state;
    if (cd == NULL)
        return;
    while (cd->head != NULL)
        handle_free(cd, cd->head);
    if (cd->ops.destroy != NULL)
        cd->ops.destroy(cd->ops.ud);
    mailauth__free(r->al, cd);
    r->drv_state = NULL;
}

static const mailauth__dns_drv_t custom_driver = {
    .send = custom_send,
    .cancel = custom_cancel,
    .destroy = custom_destroy,
};

mailauth_status_t
mailauth__resolver_new_custom(const mailauth__env_t *env, const mailauth_dns_ops_t *ops,
                              mailauth_resolver_t **out)
{
    mailauth_resolver_t *r = NULL;
    struct cdrv         *cd;
    mailauth_status_t    st;
    if (out != NULL)
        *out = NULL;
    if (env == NULL || ops == NULL || out == NULL || ops->version != MAILAUTH_DNS_OPS_VERSION ||
        ops->query == NULL)
        return MAILAUTH_EINVAL;
    st = mailauth__dns_resolver_new(env, &custom_driver, &r);
    if (st != MAILAUTH_OK)
        return st;
    cd = mailauth__calloc(r->al, 1, sizeof(*cd));
    if (cd == NULL) {
        mailauth_resolver_free(r);
        return MAILAUTH_ENOMEM;
    }
    cd->ops = *ops;
    r->drv_state = cd;
    *out = r;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_dns_query_answer(mailauth_dns_query_t *h, mailauth_dns_rcode_t rcode,
                          const mailauth_dns_record_t *records, size_t count)
{
    mailauth_resolver_t *r;
    mailauth__dns_q_t   *q;
    if (h == NULL || (unsigned)rcode > (unsigned)MAILAUTH_DNS_TEMPFAIL)
        return MAILAUTH_EINVAL;
    r = h->r;
    q = h->q;
    if (rcode == MAILAUTH_DNS_RECORDS) {
        if (count == 0 || records == NULL)
            return MAILAUTH_EINVAL;
        for (size_t i = 0; i < count; i++) {
            if (records[i].version != MAILAUTH_DNS_RECORD_VERSION)
                return MAILAUTH_EINVAL;
        }
        if (q != NULL && mailauth__dns_records_check(q->type, records, count) != MAILAUTH_OK)
            return MAILAUTH_EINVAL;
    } else {
        records = NULL;
        count = 0;
    }
    handle_free(r->drv_state, h);
    if (q == NULL)
        return MAILAUTH_OK; /* we stopped waiting: nothing to do */
    q->drv = NULL;
    return mailauth__dns_complete(r, q, rcode, records, count, MAILAUTH__DNS_NEG_TTL);
}
