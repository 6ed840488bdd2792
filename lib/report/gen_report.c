/* libmailauth-report: one aggregate report (RFC 9990 §2): its Report-ID,
 * file name, document and gzip file, all derived from the inputs alone so
 * that generating a period again gives the same identifiers and bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/version.h>
#include <zlib.h>

#include "gen_int.h"

struct mailauth_report_aggregate {
    char     id[33];
    char    *filename;
    char    *receiver;
    char    *policy_domain;
    char    *email;
    char    *org_name;
    uint8_t *xml;
    size_t   xml_len;
    uint8_t *gz;
    size_t   gz_len;
    int64_t  begin;
    int64_t  end;
};

/* The priority class of one DKIM result (RFC 9990 §2.1.2): 0 a pass in
 * strict alignment with the author domain, 1 a pass in relaxed alignment
 * (here: one domain is the other or a subdomain of it; the record does
 * not carry organizational domains), 2 any other pass, 3 the rest. */
static unsigned
dkim_class(const mailauth_report_record_t *rec, const mailauth_report_dkim_t *d)
{
    if (d->result == NULL || strcmp(d->result, "pass") != 0)
        return 3;
    if (mailauth_report__ieq(d->domain, rec->header_from))
        return 0;
    if (mailauth_report__under(d->domain, rec->header_from) ||
        mailauth_report__under(rec->header_from, d->domain))
        return 1;
    return 2;
}

size_t
mailauth_report__dkim_order(const mailauth_report_record_t *rec, size_t *idx)
{
    size_t n = 0;
    /* Stable: within a class, header order. Results without d= cannot be
     * written (the schema requires domain) and are left out. */
    for (unsigned cls = 0; cls < 4; cls++) {
        for (size_t i = 0; i < rec->dkim_count && n < MAILAUTH_REPORT__DKIM_MAX; i++) {
            const mailauth_report_dkim_t *d = &rec->dkim[i];
            if (d->domain == NULL || dkim_class(rec, d) != cls)
                continue;
            if (cls == 3 && d->result == NULL)
                continue;
            idx[n++] = i;
        }
    }
    /* Unknown result words would not validate: keep only the schema's. */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *r = rec->dkim[idx[i]].result;
        if (strcmp(r, "none") == 0 || strcmp(r, "pass") == 0 || strcmp(r, "fail") == 0 ||
            strcmp(r, "policy") == 0 || strcmp(r, "neutral") == 0 || strcmp(r, "temperror") == 0 ||
            strcmp(r, "permerror") == 0)
            idx[k++] = idx[i];
    }
    return k;
}

static void
hash_str(mailauth_report__sha256_t *s, const char *tag, const char *v)
{
    /* tag=value\n, an absent value as tag\n: unambiguous framing. */
    mailauth_report__sha256_add(s, tag, strlen(tag));
    if (v != NULL) {
        mailauth_report__sha256_add(s, "=", 1);
        mailauth_report__sha256_add(s, v, strlen(v));
    }
    mailauth_report__sha256_add(s, "\n", 1);
}

/* Report-ID: (receiver, policy domain, period, policy configuration).
 * False when libcrypto failed. */
static bool
make_id(const char *receiver, const mailauth_report_policy_t *p, int64_t begin, int64_t end,
        char out[33])
{
    mailauth_report__sha256_t s;
    uint8_t                   d[32];
    char                      num[48];
    (void)mailauth_report__sha256_init(&s); /* a failure shows in done */
    hash_str(&s, "mailauth-aggregate-report", "1");
    hash_str(&s, "receiver", receiver);
    hash_str(&s, "domain", p->domain);
    (void)snprintf(num, sizeof(num), "%" PRId64 "-%" PRId64, begin, end);
    hash_str(&s, "period", num);
    hash_str(&s, "p", p->p);
    hash_str(&s, "sp", p->sp);
    hash_str(&s, "np", p->np);
    hash_str(&s, "adkim", p->adkim);
    hash_str(&s, "aspf", p->aspf);
    hash_str(&s, "pct", p->pct);
    hash_str(&s, "t", p->testing);
    hash_str(&s, "discovery", p->discovery_method);
    hash_str(&s, "fo", p->fo);
    if (!mailauth_report__sha256_done(&s, d))
        return false;
    mailauth_report__hex(d, 32, out);
    return true;
}

mailauth_status_t
mailauth_report__gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
    z_stream zs;
    uLong    cap;
    uint8_t *buf;
    *out = NULL;
    *out_len = 0;
    memset(&zs, 0, sizeof(zs));
    if (len > UINT32_MAX)
        return MAILAUTH_ELIMIT;
    /* windowBits 15 + 16: a gzip wrapper with zlib's default header
     * (mtime 0, no name), so the file depends on the bytes alone. */
    if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return MAILAUTH_ENOMEM;
    cap = deflateBound(&zs, (uLong)len);
    buf = malloc(cap);
    if (buf == NULL) {
        deflateEnd(&zs);
        return MAILAUTH_ENOMEM;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        deflateEnd(&zs);
        free(buf);
        return MAILAUTH_EINTERNAL;
    }
    *out_len = (size_t)zs.total_out;
    deflateEnd(&zs);
    *out = buf;
    return MAILAUTH_OK;
}

static char *
dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char  *p = malloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* The name's parts are domains: a byte that could break the file name or
 * the ABNF (a '!', '/', space, control) makes the input invalid. */
static bool
name_part_ok(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (*s == '!' || *s == '/' || *s == '\\' || (unsigned char)*s <= ' ' || *s == 0x7f)
            return false;
    return true;
}

static mailauth_status_t
set_names(mailauth_report_aggregate_t *a, const mailauth_report_gen_t *gen, const char *domain)
{
    const char *receiver = gen->receiver;
    size_t      cap;
    if (receiver == NULL) {
        receiver = strrchr(gen->email, '@');
        receiver = receiver != NULL ? receiver + 1 : NULL;
    }
    if (!name_part_ok(receiver) || !name_part_ok(domain))
        return MAILAUTH_EINVAL;
    a->receiver = dup_str(receiver);
    a->policy_domain = dup_str(domain);
    a->email = dup_str(gen->email);
    a->org_name = dup_str(gen->org_name);
    cap = strlen(receiver) + strlen(domain) + 3 * 24 + 40;
    a->filename = malloc(cap);
    if (a->receiver == NULL || a->policy_domain == NULL || a->email == NULL ||
        a->org_name == NULL || a->filename == NULL)
        return MAILAUTH_ENOMEM;
    return MAILAUTH_OK;
}

static mailauth_status_t
build(mailauth_report_aggregate_t *a, const mailauth_report_gen_t *gen,
      const mailauth_report_policy_t *policy, const mailauth_report_record_t *records, size_t count)
{
    char                   generator[64];
    mailauth_report__buf_t b = {0};
    mailauth_report_meta_t m = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                .schema = "2.0",
                                .org_name = gen->org_name,
                                .email = gen->email,
                                .extra_contact_info = gen->extra_contact_info,
                                .begin = a->begin,
                                .end = a->end,
                                .generator = gen->generator};
    mailauth_status_t      st = set_names(a, gen, policy->domain);
    if (st != MAILAUTH_OK)
        return st;
    if (!make_id(a->receiver, policy, a->begin, a->end, a->id))
        return MAILAUTH_ENOMEM;
    /* RFC 9990 §2.1.3.2: receiver!policy-domain!begin!end!unique-id.xml.gz */
    (void)snprintf(a->filename, strlen(a->receiver) + strlen(a->policy_domain) + 3 * 24 + 40,
                   "%s!%s!%" PRId64 "!%" PRId64 "!%s.xml.gz", a->receiver, a->policy_domain,
                   a->begin, a->end, a->id);
    if (m.generator == NULL) {
        (void)snprintf(generator, sizeof(generator), "mailauth %s", mailauth_version());
        m.generator = generator;
    }
    m.report_id = a->id;
    st = mailauth_report__xml_write(&m, policy, records, count, &b);
    if (st == MAILAUTH_OK) {
        a->xml = (uint8_t *)mailauth_report__buf_take(&b, &a->xml_len);
        st = a->xml != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
    }
    mailauth_report__buf_clear(&b);
    if (st == MAILAUTH_OK)
        st = mailauth_report__gzip(a->xml, a->xml_len, &a->gz, &a->gz_len);
    return st;
}

/* A value that goes into a header field: no CR or LF. */
static bool
one_line(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

mailauth_status_t
mailauth_report_aggregate_new(const mailauth_report_gen_t    *gen,
                              const mailauth_report_policy_t *policy,
                              const mailauth_report_record_t *records, size_t count, int64_t begin,
                              int64_t end, mailauth_report_aggregate_t **out)
{
    mailauth_report_aggregate_t *a;
    mailauth_status_t            st;
    if (out != NULL)
        *out = NULL;
    if (gen == NULL || policy == NULL || out == NULL || records == NULL || count == 0 ||
        gen->version != MAILAUTH_REPORT_STRUCT_VERSION || gen->org_name == NULL ||
        gen->email == NULL || begin < 0 || end < begin || !one_line(gen->org_name) ||
        !one_line(gen->email) || strchr(gen->email, '>') != NULL)
        return MAILAUTH_EINVAL;
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return MAILAUTH_ENOMEM;
    a->begin = begin;
    a->end = end;
    st = build(a, gen, policy, records, count);
    if (st != MAILAUTH_OK) {
        mailauth_report_aggregate_free(a);
        return st;
    }
    *out = a;
    return MAILAUTH_OK;
}

void
mailauth_report_aggregate_free(mailauth_report_aggregate_t *a)
{
    if (a == NULL)
        return;
    free(a->filename);
    free(a->receiver);
    free(a->policy_domain);
    free(a->email);
    free(a->org_name);
    free(a->xml);
    free(a->gz);
    free(a);
}

const char *
mailauth_report_aggregate_id(const mailauth_report_aggregate_t *a)
{
    return a != NULL ? a->id : NULL;
}

const char *
mailauth_report_aggregate_filename(const mailauth_report_aggregate_t *a)
{
    return a != NULL ? a->filename : NULL;
}

const uint8_t *
mailauth_report_aggregate_xml(const mailauth_report_aggregate_t *a, size_t *len)
{
    if (len != NULL)
        *len = a != NULL ? a->xml_len : 0;
    return a != NULL ? a->xml : NULL;
}

const uint8_t *
mailauth_report_aggregate_gzip(const mailauth_report_aggregate_t *a, size_t *len)
{
    if (len != NULL)
        *len = a != NULL ? a->gz_len : 0;
    return a != NULL ? a->gz : NULL;
}

const char *
mailauth_report__agg_receiver(const mailauth_report_aggregate_t *a)
{
    return a->receiver;
}

const char *
mailauth_report__agg_domain(const mailauth_report_aggregate_t *a)
{
    return a->policy_domain;
}

const char *
mailauth_report__agg_email(const mailauth_report_aggregate_t *a)
{
    return a->email;
}

const char *
mailauth_report__agg_org(const mailauth_report_aggregate_t *a)
{
    return a->org_name;
}
