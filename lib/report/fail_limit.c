/* libmailauth-report: the per-destination rate limit of failure reports
 * (RFC 9991 §5.1: reporters MAY rate limit). A sliding window per address:
 * the times of the reports sent in the last `window` seconds, at most
 * `max` of them. In memory only; an address idle for a whole window is
 * forgotten when room is needed, so memory stays bounded by the number of
 * addresses active in one window (and at most 65536 addresses). */
#include <stdlib.h>
#include <string.h>

#include "gen_int.h"

#define MAX_DESTS 65536u

struct dest {
    char    *address;
    int64_t *times; /* ring of `max` send times */
    unsigned used;
    unsigned head; /* oldest */
};

struct mailauth_report_limiter {
    unsigned     max;
    unsigned     window;
    struct dest *dests;
    size_t       count;
    size_t       cap;
};

mailauth_status_t
mailauth_report_limiter_new(unsigned max, unsigned window, mailauth_report_limiter_t **out)
{
    mailauth_report_limiter_t *l;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || max == 0 || window == 0 || max > 10000u)
        return MAILAUTH_EINVAL;
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return MAILAUTH_ENOMEM;
    l->max = max;
    l->window = window;
    *out = l;
    return MAILAUTH_OK;
}

static void
dest_clear(struct dest *d)
{
    free(d->address);
    free(d->times);
}

void
mailauth_report_limiter_free(mailauth_report_limiter_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        dest_clear(&l->dests[i]);
    free(l->dests);
    free(l);
}

/* Drop the send times that left the window. */
static void
expire(const mailauth_report_limiter_t *l, struct dest *d, int64_t now)
{
    while (d->used > 0 && d->times[d->head] <= now - (int64_t)l->window) {
        d->head = (d->head + 1) % l->max;
        d->used--;
    }
}

/* Forget idle addresses (nothing left in their window). */
static void
sweep(mailauth_report_limiter_t *l, int64_t now)
{
    size_t k = 0;
    for (size_t i = 0; i < l->count; i++) {
        expire(l, &l->dests[i], now);
        if (l->dests[i].used == 0)
            dest_clear(&l->dests[i]);
        else
            l->dests[k++] = l->dests[i];
    }
    l->count = k;
}

static struct dest *
add_dest(mailauth_report_limiter_t *l, const char *address, int64_t now)
{
    struct dest *d;
    if (l->count == l->cap) {
        sweep(l, now);
        if (l->count == l->cap) {
            size_t       cap = l->cap != 0 ? l->cap * 2 : 16;
            struct dest *p;
            if (l->count >= MAX_DESTS)
                return NULL;
            p = realloc(l->dests, cap * sizeof(*p));
            if (p == NULL)
                return NULL;
            l->dests = p;
            l->cap = cap;
        }
    }
    d = &l->dests[l->count];
    memset(d, 0, sizeof(*d));
    d->address = malloc(strlen(address) + 1);
    d->times = calloc(l->max, sizeof(*d->times));
    if (d->address == NULL || d->times == NULL) {
        dest_clear(d);
        return NULL;
    }
    memcpy(d->address, address, strlen(address) + 1);
    l->count++;
    return d;
}

int
mailauth_report_limiter_take(mailauth_report_limiter_t *l, const char *address, int64_t now)
{
    struct dest *d = NULL;
    if (l == NULL || address == NULL)
        return 0;
    for (size_t i = 0; i < l->count && d == NULL; i++)
        if (mailauth_report__ieq(l->dests[i].address, address))
            d = &l->dests[i];
    if (d == NULL)
        d = add_dest(l, address, now);
    if (d == NULL)
        return 0;
    expire(l, d, now);
    if (d->used >= l->max)
        return 0;
    d->times[(d->head + d->used) % l->max] = now;
    d->used++;
    return 1;
}
