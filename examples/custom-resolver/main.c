/* The caller answers mailauth's DNS questions itself, as a language binding
 * or an MTA with its own asynchronous DNS would (include/mailauth/dns.h,
 * mailauth_resolver_new_custom()).
 *
 *   mailauth-example-custom-resolver [-v]
 *
 * Five messages are evaluated at once on one resolver whose driver is this
 * program. mailauth hands each question to query(); the program keeps it in
 * its own queue and answers it later, after a delay that depends on the
 * question (3 to 40 ms), so answers come back in another order than the
 * questions went out. The loop sleeps until the earlier of its own next
 * answer and mailauth's next timer, answers what is due with
 * mailauth_dns_query_answer(), then lets mailauth run the evaluations those
 * answers woke with mailauth_resolver_process_timeouts(); completion
 * callbacks come from there. The "DNS" here is a table; a binding would
 * start a real lookup in query() and answer from its own callback.
 *
 * Prints one line per message (SPF verdict, then the Authentication-Results
 * value) in message order, then counters; -v also logs every question and
 * answer on stderr. Exit status 0 when every evaluation finished. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime(), poll(), strcasecmp() */
#endif
#include <arpa/inet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mailauth/mailauth.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_RECORDS 8

/* ---- the program's own DNS: a table ----------------------------------------------- */

/* Eight rows, fields in reading order: their padding does not matter. */
struct rr { /* NOLINT(clang-analyzer-optin.performance.Padding) */
    const char         *name;
    mailauth_dns_type_t type;
    const char         *data; /* text; A and AAAA as addresses */
    uint16_t            pref; /* MX */
};

static const struct rr records[] = {
    {"example.org", MAILAUTH_DNS_TXT, "v=spf1 mx include:_spf.mailer.example.net -all", 0},
    {"example.org", MAILAUTH_DNS_MX, "mail.example.org", 10},
    {"mail.example.org", MAILAUTH_DNS_A, "192.0.2.25", 0},
    {"mail.example.org", MAILAUTH_DNS_AAAA, "2001:db8:25::25", 0},
    {"_spf.mailer.example.net", MAILAUTH_DNS_TXT, "v=spf1 ip4:198.51.100.0/26 -all", 0},
    {"_dmarc.example.org", MAILAUTH_DNS_TXT, "v=DMARC1; p=reject", 0},
    {"soft.example.org", MAILAUTH_DNS_TXT, "v=spf1 ~all", 0},
};

/* A question mailauth asked, waiting in our queue for its answer. */
struct pending {
    mailauth_dns_query_t *q;
    char                  name[256];
    mailauth_dns_type_t   type;
    uint64_t              due_ms;
    unsigned              seq; /* order of asking, from 1 */
    struct pending       *next;
};

struct dns {
    struct pending *queue; /* in no particular order */
    unsigned        asked, answered, out_of_order, canceled, newest_answered;
    bool            verbose;
};

static uint64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* 3..40 ms, always the same for the same question (FNV-1a of name and type). */
static unsigned
delay_for(const char *name, mailauth_dns_type_t type)
{
    uint32_t h = 2166136261u ^ (uint32_t)type;
    for (const char *p = name; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return 3u + h % 38u;
}

/* mailauth_dns_ops_t.query: queue the question; the loop answers it later.
 * (Answering right here, with mailauth_dns_query_answer(), is allowed too.) */
static mailauth_status_t
dns_query(void *ud, mailauth_dns_query_t *q, const char *name, mailauth_dns_type_t type)
{
    struct dns     *d = ud;
    struct pending *p = calloc(1, sizeof(*p));
    if (p == NULL || strlen(name) >= sizeof(p->name)) {
        free(p);
        return MAILAUTH_ENOMEM; /* mailauth takes the question as TEMPFAIL */
    }
    p->q = q;
    memcpy(p->name, name, strlen(name) + 1);
    p->type = type;
    p->seq = ++d->asked;
    p->due_ms = now_ms() + delay_for(name, type);
    p->next = d->queue;
    d->queue = p;
    if (d->verbose)
        fprintf(stderr, "ask    #%u %s %s (answer in %u ms)\n", p->seq,
                mailauth_dns_type_name(type), name, delay_for(name, type));
    return MAILAUTH_OK;
}

/* mailauth_dns_ops_t.cancel: mailauth no longer needs the answer (the
 * question timed out, or the resolver is being freed; a freed evaluation
 * leaves its questions running, their answers go to the cache); never
 * answer it now. */
static void
dns_cancel(void *ud, mailauth_dns_query_t *q)
{
    struct dns      *d = ud;
    struct pending **pp = &d->queue;
    while (*pp != NULL && (*pp)->q != q)
        pp = &(*pp)->next;
    if (*pp != NULL) {
        struct pending *p = *pp;
        *pp = p->next;
        free(p);
        d->canceled++;
    }
}

/* mailauth_dns_ops_t.destroy: the resolver is going; drop what is left. */
static void
dns_destroy(void *ud)
{
    struct dns *d = ud;
    while (d->queue != NULL) {
        struct pending *p = d->queue;
        d->queue = p->next;
        free(p);
    }
}

/* Look the question up in the table and answer it. */
static void
answer(struct dns *d, const struct pending *p)
{
    mailauth_dns_record_t recs[MAX_RECORDS];
    uint8_t               addr[MAX_RECORDS][16];
    size_t                n = 0;
    bool                  name_exists = false;
    mailauth_dns_rcode_t  rc;
    for (size_t i = 0; i < ARRAY_LEN(records) && n < MAX_RECORDS; i++) {
        const struct rr *r = &records[i];
        if (strcasecmp(r->name, p->name) != 0)
            continue;
        name_exists = true;
        if (r->type != p->type)
            continue;
        recs[n] = (mailauth_dns_record_t){.version = MAILAUTH_DNS_RECORD_VERSION,
            .data = r->data, .len = strlen(r->data), .preference = r->pref, .ttl = 300};
        if (r->type == MAILAUTH_DNS_A || r->type == MAILAUTH_DNS_AAAA) {
            int af = r->type == MAILAUTH_DNS_A ? AF_INET : AF_INET6;
            if (inet_pton(af, r->data, addr[n]) != 1)
                continue;
            recs[n].data = addr[n];
            recs[n].len = r->type == MAILAUTH_DNS_A ? 4 : 16;
        }
        n++;
    }
    rc = n > 0 ? MAILAUTH_DNS_RECORDS : name_exists ? MAILAUTH_DNS_NODATA : MAILAUTH_DNS_NXDOMAIN;
    if (p->seq < d->newest_answered)
        d->out_of_order++; /* a question asked earlier than one already answered */
    if (p->seq > d->newest_answered)
        d->newest_answered = p->seq;
    d->answered++;
    if (d->verbose)
        fprintf(stderr, "answer #%u %s %s: %s\n", p->seq, mailauth_dns_type_name(p->type), p->name,
                mailauth_dns_rcode_name(rc));
    /* Records are copied; the evaluations waiting on it run at the next
     * mailauth_resolver_process_timeouts(). */
    if (mailauth_dns_query_answer(p->q, rc, n > 0 ? recs : NULL, n) != MAILAUTH_OK)
        fprintf(stderr, "answer #%u refused\n", p->seq);
}

/* Answer every question whose time has come, earliest first. */
static void
answer_due(struct dns *d)
{
    uint64_t now = now_ms();
    for (;;) {
        struct pending **best = NULL, *p;
        for (struct pending **pp = &d->queue; *pp != NULL; pp = &(*pp)->next)
            if ((*pp)->due_ms <= now && (best == NULL || (*pp)->due_ms < (*best)->due_ms))
                best = pp;
        if (best == NULL)
            return;
        p = *best;
        *best = p->next; /* out of the queue before mailauth hears of it */
        answer(d, p);
        free(p);
    }
}

/* Milliseconds until our next answer is due; -1 when nothing is queued. */
static int
next_due(const struct dns *d)
{
    uint64_t now = now_ms(), first = UINT64_MAX;
    for (const struct pending *p = d->queue; p != NULL; p = p->next)
        if (p->due_ms < first)
            first = p->due_ms;
    if (first == UINT64_MAX)
        return -1;
    return first > now ? (int)(first - now) : 0;
}

/* ---- the evaluations --------------------------------------------------------------- */

struct job {
    const char      *ip, *mail_from;
    mailauth_eval_t *ev;
    bool             done;
    char             line[2048];
};

static struct job jobs[] = {
    {"192.0.2.25", "alice@example.org", NULL, false, ""},     /* mx: pass */
    {"198.51.100.7", "bob@example.org", NULL, false, ""},     /* include: pass */
    {"203.0.113.9", "carol@example.org", NULL, false, ""},    /* -all: fail */
    {"192.0.2.25", "dave@soft.example.org", NULL, false, ""}, /* ~all: softfail */
    {"192.0.2.25", "erin@nowhere.example", NULL, false, ""},  /* NXDOMAIN: none */
};

/* mailauth_eval_done_fn: from process_timeouts(), once per evaluation. */
static void
on_done(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    struct job                  *job = ud;
    const mailauth_spf_result_t *spf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    const mailauth_authres_t    *ar = NULL;
    char                         value[1536];
    job->done = true;
    if (st == MAILAUTH_OK && spf != NULL)
        st = mailauth_eval_authres(ev, &ar);
    if (st == MAILAUTH_OK && spf != NULL)
        st = mailauth_authres_format_value(ar, value, sizeof(value), NULL);
    if (st != MAILAUTH_OK || spf == NULL) {
        (void)snprintf(job->line, sizeof(job->line), "%s from %s: %s", job->mail_from, job->ip,
                       mailauth_strerror(st)); /* a longer line is cut: it is only shown */
        return;
    }
    (void)snprintf(job->line, sizeof(job->line), "%s from %s: spf=%s\n  %s", job->mail_from,
                   job->ip, mailauth_verdict_name(mailauth_spf_result_verdict(spf)), value);
}

static mailauth_status_t
start(mailauth_ctx_t *ctx, mailauth_resolver_t *r, struct job *job, unsigned id)
{
    char              msg[512];
    int               n = snprintf(msg, sizeof(msg),
                                   "From: <%s>\r\nTo: <postmaster@example.net>\r\n"
                                                 "Subject: custom resolver %u\r\nMessage-ID: <%u@example.org>\r\n"
                                                 "\r\nHello.\r\n",
                                   job->mail_from, id, id);
    const mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                     .client_ip = job->ip,
                                     .helo = "relay.example.net",
                                     .mail_from = job->mail_from};
    mailauth_status_t st = mailauth_eval_new(ctx, r, &job->ev);
    if (n < 0 || (size_t)n >= sizeof(msg))
        return MAILAUTH_EINVAL;
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_envelope(job->ev, &env); /* SPF and iprev questions start */
    if (st == MAILAUTH_OK)
        st = mailauth_eval_message(job->ev, msg, (size_t)n);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_finish(job->ev, on_done, job); /* OK: the callback will come */
    return st;
}

static size_t
pending_jobs(void)
{
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_LEN(jobs); i++)
        n += !jobs[i].done;
    return n;
}

/* Sleep until our next answer or mailauth's next timer, whichever is first. */
static void
run(struct dns *d, mailauth_resolver_t *r)
{
    while (pending_jobs() > 0) {
        int ours = next_due(d), theirs = mailauth_resolver_timeout_ms(r), t;
        t = ours < 0 ? theirs : theirs < 0 ? ours : ours < theirs ? ours : theirs;
        if (t < 0)
            break; /* nothing can happen any more: cannot be with a sane driver */
        if (t > 0)
            (void)poll(NULL, 0, t);
        answer_due(d);
        mailauth_resolver_process_timeouts(r); /* woken evaluations run; callbacks come */
    }
}

int
main(int argc, char **argv)
{
    struct dns               d = {.verbose = argc > 1 && strcmp(argv[1], "-v") == 0};
    const mailauth_dns_ops_t ops = {.version = MAILAUTH_DNS_OPS_VERSION,
                                    .ud = &d,
                                    .query = dns_query,
                                    .cancel = dns_cancel,
                                    .destroy = dns_destroy};
    mailauth_ctx_t          *ctx = NULL;
    mailauth_resolver_t     *r = NULL;
    mailauth_status_t        st = mailauth_ctx_new(NULL, &ctx);
    int                      rc = 0;
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(ctx, "mx.example.net");
    if (st == MAILAUTH_OK)
        st = mailauth_resolver_new_custom(ctx, &ops, &r);
    for (size_t i = 0; i < ARRAY_LEN(jobs) && st == MAILAUTH_OK; i++)
        st = start(ctx, r, &jobs[i], (unsigned)i + 1);
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "mailauth: %s\n", mailauth_strerror(st));
        rc = 70;
    } else {
        run(&d, r);
    }
    for (size_t i = 0; i < ARRAY_LEN(jobs); i++) {
        if (jobs[i].done)
            printf("message %zu: %s\n", i + 1, jobs[i].line);
        else if (rc == 0)
            rc = 1;
        mailauth_eval_free(jobs[i].ev);
    }
    printf("questions asked: %u, answered: %u, answered out of order: %u, canceled: %u\n", d.asked,
           d.answered, d.out_of_order, d.canceled);
    mailauth_resolver_free(r); /* calls dns_destroy() */
    mailauth_ctx_free(ctx);
    return rc;
}
