/* The resolver's lists of clients: the wake queue (clients to wake at the
 * next run of the loop), the done queue (clients whose evaluation finished
 * without a callback) and the deadline list. Only links are changed here;
 * nobody is called: wake callbacks run from the loop (resolver.c). */
#include <stddef.h>

#include "dns/dns_int.h"

/* --- client queues (wake, done) --- */

static mailauth__dnsc_link_t *
link_of(const mailauth__dnsc_queue_t *q, mailauth__dnsc_t *c)
{
    return (mailauth__dnsc_link_t *)(void *)((char *)c + q->link);
}

static void
queue_push(mailauth__dnsc_queue_t *q, mailauth__dnsc_t *c)
{
    mailauth__dnsc_link_t *l = link_of(q, c);
    if (l->on)
        return;
    l->next = NULL;
    l->prev = q->tail;
    if (q->tail != NULL)
        link_of(q, q->tail)->next = c;
    else
        q->head = c;
    q->tail = c;
    l->on = true;
    q->n++;
}

static void
queue_unlink(mailauth__dnsc_queue_t *q, mailauth__dnsc_t *c)
{
    mailauth__dnsc_link_t *l = link_of(q, c);
    if (!l->on)
        return;
    if (l->prev != NULL)
        link_of(q, l->prev)->next = l->next;
    else
        q->head = l->next;
    if (l->next != NULL)
        link_of(q, l->next)->prev = l->prev;
    else
        q->tail = l->prev;
    l->next = l->prev = NULL;
    l->on = false;
    q->n--;
}

void
mailauth__dns_wake_queue(mailauth_resolver_t *r, mailauth__dnsc_t *c)
{
    queue_push(&r->wakeq, c);
}

void
mailauth__dns_wake_unlink(mailauth_resolver_t *r, mailauth__dnsc_t *c)
{
    queue_unlink(&r->wakeq, c);
}

void
mailauth__dnsc_done_push(mailauth__dnsc_t *c, mailauth_status_t st)
{
    c->done_status = st;
    queue_push(&c->r->doneq, c);
}

void
mailauth__dns_done_unlink(mailauth_resolver_t *r, mailauth__dnsc_t *c)
{
    queue_unlink(&r->doneq, c);
}

mailauth__dnsc_t *
mailauth__dns_done_pop(mailauth_resolver_t *r, mailauth_status_t *st)
{
    mailauth__dnsc_t *c = r->doneq.head;
    if (c == NULL)
        return NULL;
    queue_unlink(&r->doneq, c);
    *st = c->done_status;
    return c;
}

/* --- deadlines: clients sorted by deadline_ms; in the list while set and not expired --- */

void
mailauth__dns_deadline_unlink(mailauth_resolver_t *r, mailauth__dnsc_t *c)
{
    if (c->deadline_ms == 0 || c->expired)
        return;
    if (c->dl_prev != NULL)
        c->dl_prev->dl_next = c->dl_next;
    else
        r->dl_head = c->dl_next;
    if (c->dl_next != NULL)
        c->dl_next->dl_prev = c->dl_prev;
    else
        r->dl_tail = c->dl_prev;
    c->dl_prev = c->dl_next = NULL;
}

void
mailauth__dns_deadline_insert(mailauth_resolver_t *r, mailauth__dnsc_t *c)
{
    /* Deadlines are mostly set in time order: search from the tail. */
    mailauth__dnsc_t *p = r->dl_tail;
    while (p != NULL && p->deadline_ms > c->deadline_ms)
        p = p->dl_prev;
    c->dl_prev = p;
    c->dl_next = p != NULL ? p->dl_next : r->dl_head;
    if (c->dl_next != NULL)
        c->dl_next->dl_prev = c;
    else
        r->dl_tail = c;
    if (p != NULL)
        p->dl_next = c;
    else
        r->dl_head = c;
}

void
mailauth__dns_deadlines_expire(mailauth_resolver_t *r, uint64_t now)
{
    mailauth__dnsc_t *c;
    while ((c = r->dl_head) != NULL && c->deadline_ms <= now) {
        mailauth__dns_deadline_unlink(r, c);
        c->expired = true;
        mailauth__dns_wake_queue(r, c);
    }
}
