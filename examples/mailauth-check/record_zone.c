/* mailauth-check --record-zone FILE: every answer the run used, kept as the
 * resolver gave it the first time (later cache hits only repeat it) and
 * written as zone text (docs/zone-format.md) that --zone reads back:
 * records with their TTLs, NXDOMAIN and NODATA as those rdata keywords with
 * the negative TTL, a temporary failure as SERVFAIL. Replayed, every
 * question gets the answer it got live, so the verdicts are the same. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

struct rec_rr {
    uint8_t *data;
    size_t   len;
    uint16_t pref;
    uint32_t ttl;
};

struct rec_answer {
    char                *name;
    mailauth_dns_type_t  type;
    mailauth_dns_rcode_t rcode;
    uint32_t             ttl;
    struct rec_rr       *rr;
    size_t               nrr;
};

struct check_recorder {
    struct rec_answer *a;
    size_t             n, cap;
};

struct check_recorder *
check_record_new(void)
{
    return calloc(1, sizeof(struct check_recorder));
}

static void
answer_clear(struct rec_answer *a)
{
    for (size_t i = 0; i < a->nrr; i++)
        free(a->rr[i].data);
    free(a->rr);
    free(a->name);
}

void
check_record_free(struct check_recorder *rec)
{
    if (rec == NULL)
        return;
    for (size_t i = 0; i < rec->n; i++)
        answer_clear(&rec->a[i]);
    free(rec->a);
    free(rec);
}

static bool
seen(const struct check_recorder *rec, const mailauth_dns_answer_t *a)
{
    for (size_t i = 0; i < rec->n; i++)
        if (rec->a[i].type == a->type && strcmp(rec->a[i].name, a->name) == 0)
            return true;
    return false;
}

static bool
copy_records(struct rec_answer *out, const mailauth_dns_answer_t *a)
{
    if (a->count == 0)
        return true;
    if ((out->rr = calloc(a->count, sizeof(*out->rr))) == NULL)
        return false;
    for (size_t i = 0; i < a->count; i++, out->nrr++) {
        const mailauth_dns_record_t *r = &a->records[i];
        struct rec_rr               *o = &out->rr[i];
        if ((o->data = malloc(r->len + 1)) == NULL)
            return false;
        if (r->len > 0)
            memcpy(o->data, r->data, r->len);
        o->data[r->len] = 0; /* MX and PTR names are printed as strings */
        o->len = r->len;
        o->pref = r->preference;
        o->ttl = r->ttl;
    }
    return true;
}

bool
check_record_add(struct check_recorder *rec, const mailauth_dns_answer_t *a)
{
    struct rec_answer *out;
    if (seen(rec, a))
        return true;
    if (rec->n == rec->cap) {
        size_t             cap = rec->cap > 0 ? rec->cap * 2 : 32;
        struct rec_answer *p = realloc(rec->a, cap * sizeof(*p));
        if (p == NULL)
            return false;
        rec->a = p;
        rec->cap = cap;
    }
    out = &rec->a[rec->n];
    *out = (struct rec_answer){.type = a->type, .rcode = a->rcode, .ttl = a->ttl};
    if ((out->name = strdup(a->name)) == NULL || !copy_records(out, a)) {
        answer_clear(out);
        return false;
    }
    rec->n++;
    return true;
}

static void
write_answer(FILE *f, const struct rec_answer *a)
{
    const char *type = mailauth_dns_type_name(a->type);
    for (size_t i = 0; i < a->nrr; i++) {
        const mailauth_dns_record_t r = {.version = MAILAUTH_DNS_RECORD_VERSION,
                                         .data = a->rr[i].data,
                                         .len = a->rr[i].len,
                                         .preference = a->rr[i].pref,
                                         .ttl = a->rr[i].ttl};
        check_print_name(f, a->name);
        fprintf(f, " %u IN %s ", (unsigned)r.ttl, type);
        check_print_rdata(f, a->type, &r);
        putc('\n', f);
    }
    if (a->rcode == MAILAUTH_DNS_RECORDS)
        return;
    check_print_name(f, a->name);
    fprintf(f, " %u IN %s %s\n", (unsigned)a->ttl, type,
            a->rcode == MAILAUTH_DNS_NXDOMAIN ? "NXDOMAIN"
            : a->rcode == MAILAUTH_DNS_NODATA ? "NODATA"
                                              : "SERVFAIL");
}

int
check_record_write(const struct check_recorder *rec, const char *path)
{
    FILE  *f = fopen(path, "w");
    time_t now = time(NULL);
    char   when[32] = "";
    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", CHECK_PROG, path, strerror(errno));
        return CHECK_EXIT_CANTCREAT;
    }
    (void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(f, "; recorded by %s --record-zone at %s: %zu answers\n", CHECK_PROG, when, rec->n);
    for (size_t i = 0; i < rec->n; i++)
        write_answer(f, &rec->a[i]);
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: %s: cannot write\n", CHECK_PROG, path);
        return CHECK_EXIT_CANTCREAT;
    }
    return CHECK_EXIT_OK;
}
