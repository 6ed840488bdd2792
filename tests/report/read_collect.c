/* The reader's callbacks for tests: see read_collect.h. */
#include "read_collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static void
put(char *dst, size_t cap, const char *s)
{
    (void)snprintf(dst, cap, "%s", s != NULL ? s : "");
}

static struct collected *
cur(struct collect *c)
{
    return c->n < COLLECT_MAX ? &c->r[c->n] : NULL;
}

static mailauth_status_t
on_begin(void *user, const mailauth_report_read_where_t *where, const mailauth_report_meta_t *m,
         const mailauth_report_policy_t *p)
{
    struct collect   *c = user;
    struct collected *r = cur(c);
    (void)where;
    c->in_report = true;
    if (r == NULL)
        return MAILAUTH_OK;
    memset(r, 0, sizeof(*r));
    r->begun = true;
    put(r->schema, sizeof(r->schema), m->schema);
    put(r->org_name, sizeof(r->org_name), m->org_name);
    put(r->report_id, sizeof(r->report_id), m->report_id);
    put(r->policy_domain, sizeof(r->policy_domain), p->domain);
    put(r->p, sizeof(r->p), p->p);
    r->begin = m->begin;
    r->end = m->end;
    return MAILAUTH_OK;
}

static mailauth_status_t
on_record(void *user, const mailauth_report_record_t *rec)
{
    struct collect   *c = user;
    struct collected *r = cur(c);
    if (r == NULL)
        return MAILAUTH_OK;
    if (r->records == 0) {
        put(r->first_ip, sizeof(r->first_ip), rec->source_ip);
        put(r->first_dkim, sizeof(r->first_dkim), rec->dkim_aligned);
        put(r->first_disposition, sizeof(r->first_disposition), rec->disposition);
        put(r->first_dkim_domain, sizeof(r->first_dkim_domain),
            rec->dkim_count > 0 ? rec->dkim[0].domain : NULL);
    }
    r->records++;
    r->count_sum += rec->count;
    return c->stop_at_record;
}

static void
on_end(void *user, const mailauth_report_read_where_t *where, mailauth_status_t st, const char *why)
{
    struct collect   *c = user;
    struct collected *r = cur(c);
    if (r != NULL) {
        if (!c->in_report)
            memset(r, 0, sizeof(*r));
        r->status = st;
        put(r->why, sizeof(r->why), why);
        put(r->file, sizeof(r->file), where->file);
        put(r->member, sizeof(r->member), where->member);
        r->message = where->message;
    }
    c->in_report = false;
    c->n++;
}

static mailauth_status_t
run(struct collect *c, const mailauth_report_read_limits_t *lim, const char *path, const char *name,
    const void *data, size_t len)
{
    mailauth_report_read_cbs_t cbs = {MAILAUTH_REPORT_STRUCT_VERSION, on_begin, on_record, on_end};
    mailauth_report_reader_t  *rd = NULL;
    mailauth_status_t          st;
    mailauth_status_t          stop = c->stop_at_record;
    memset(c, 0, sizeof(*c));
    c->stop_at_record = stop;
    st = mailauth_report_reader_new(lim, &cbs, c, &rd);
    if (st != MAILAUTH_OK)
        return st;
    st = path != NULL ? mailauth_report_read_path(rd, path)
                      : mailauth_report_read_mem(rd, name, data, len);
    mailauth_report_reader_free(rd);
    return st;
}

mailauth_status_t
collect_path(struct collect *c, const mailauth_report_read_limits_t *lim, const char *path)
{
    return run(c, lim, path, NULL, NULL, 0);
}

mailauth_status_t
collect_mem(struct collect *c, const mailauth_report_read_limits_t *lim, const char *name,
            const void *data, size_t len)
{
    return run(c, lim, NULL, name, data, len);
}

uint8_t *
collect_deflate(const void *data, size_t len, bool gzip, size_t *out_len)
{
    z_stream z;
    size_t   cap = len + len / 100 + 1024;
    uint8_t *out = malloc(cap);
    *out_len = 0;
    if (out == NULL)
        return NULL;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 9, Z_DEFLATED, gzip ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(out);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
        deflateEnd(&z);
        free(out);
        return NULL;
    }
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

bool
collect_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool  ok;
    if (f == NULL)
        return false;
    ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}
