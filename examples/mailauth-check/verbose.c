/* mailauth-check --verbose (and the feed of --record-zone): the resolver's
 * observer. Each answer is one line on stderr,
 *     mailauth-check: dns: NAME TYPE -> RCODE ttl=N TIME
 * (TIME is "12 ms", or "cache" for an answer the cache gave), then one
 * indented zone-format line per record. */
#include "check.h"

static void
print_answer(const mailauth_dns_answer_t *a)
{
    const char *type = mailauth_dns_type_name(a->type);
    fprintf(stderr, "%s: dns: %s %s -> %s", CHECK_PROG, a->name, type,
            mailauth_dns_rcode_name(a->rcode));
    if (a->rcode == MAILAUTH_DNS_RECORDS)
        fprintf(stderr, " (%zu)", a->count);
    fprintf(stderr, " ttl=%u", (unsigned)a->ttl);
    if (a->from_cache)
        fputs(" cache\n", stderr);
    else
        fprintf(stderr, " %u ms\n", (unsigned)a->elapsed_ms);
    for (size_t i = 0; i < a->count; i++) {
        fprintf(stderr, "    %u %s ", (unsigned)a->records[i].ttl, type);
        check_print_rdata(stderr, a->type, &a->records[i]);
        putc('\n', stderr);
    }
}

static void
observe(void *ud, const mailauth_dns_answer_t *a)
{
    struct check_watch *w = ud;
    if (w->verbose)
        print_answer(a);
    if (w->rec != NULL && !check_record_add(w->rec, a))
        w->failed = 1;
}

int
check_watch_dns(mailauth_resolver_t *r, struct check_watch *w)
{
    mailauth_status_t st = mailauth_resolver_set_observer(r, observe, w);
    return st == MAILAUTH_OK ? CHECK_EXIT_OK : check_lib_error("DNS observer", st);
}
