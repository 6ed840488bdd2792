/* Zip archives (libzip): every member that holds a report, streamed out
 * of the archive with the member count, size and ratio caps. Members that
 * hold something else (a README) are passed over, unless their name says
 * report (.xml, .gz): then they are an error like any other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "read_internal.h"

#define RATIO_FLOOR ((uint64_t)1 << 20)

struct member_state {
    zip_file_t *zf;
    uint64_t    out, declared, comp;
};

static long
member_read(mailauth_report__src_t *s, uint8_t *buf, size_t n)
{
    struct member_state                 *m = s->state;
    const mailauth_report_read_limits_t *lim = &s->job->rd->lim;
    zip_int64_t                          got = zip_fread(m->zf, buf, n);
    if (got < 0) {
        zip_error_t *err = zip_file_get_error(m->zf);
        mailauth_report__src_fail(s->job, MAILAUTH_EINVAL, "zip member unreadable: %s",
                                  zip_error_strerror(err));
        return -1;
    }
    m->out += (uint64_t)got;
    if (m->out > lim->max_decompressed) {
        mailauth_report__src_fail(s->job, MAILAUTH_ELIMIT,
                                  "zip member over %llu bytes (a compression bomb?)",
                                  (unsigned long long)lim->max_decompressed);
        return -1;
    }
    if (m->out > RATIO_FLOOR && m->out / (m->comp + 1) > lim->max_ratio) {
        mailauth_report__src_fail(s->job, MAILAUTH_ELIMIT,
                                  "zip member compression ratio over %u:1 (a compression bomb?)",
                                  lim->max_ratio);
        return -1;
    }
    return (long)got;
}

static bool
named_like_report(const char *name)
{
    size_t n = strlen(name);
    return (n >= 4 && mailauth_report__ascii_ieq(name + n - 4, 4, ".xml")) ||
           (n >= 3 && mailauth_report__ascii_ieq(name + n - 3, 3, ".gz"));
}

/* Caps known from the central directory, checked before a byte is read. */
static bool
member_caps(mailauth_report__job_t *job, const zip_stat_t *zs)
{
    const mailauth_report_read_limits_t *lim = &job->rd->lim;
    char                                 why[160];
    if ((zs->valid & ZIP_STAT_SIZE) && zs->size > lim->max_decompressed) {
        (void)snprintf(why, sizeof(why), "zip member of %llu bytes, over the %llu byte cap",
                       (unsigned long long)zs->size, (unsigned long long)lim->max_decompressed);
        mailauth_report__end(job, MAILAUTH_ELIMIT, why);
        return false;
    }
    if ((zs->valid & ZIP_STAT_SIZE) && (zs->valid & ZIP_STAT_COMP_SIZE) && zs->size > RATIO_FLOOR &&
        zs->size / (zs->comp_size + 1) > lim->max_ratio) {
        (void)snprintf(why, sizeof(why),
                       "zip member compression ratio over %u:1 (a compression bomb?)",
                       lim->max_ratio);
        mailauth_report__end(job, MAILAUTH_ELIMIT, why);
        return false;
    }
    return true;
}

/* One member; true when it held (or claimed to hold) a report. */
static bool
read_member(mailauth_report__job_t *job, zip_t *za, zip_uint64_t i)
{
    zip_stat_t              zs;
    struct member_state     m = {0};
    mailauth_report__src_t  src;
    mailauth_report__peek_t pk;
    mailauth_report__kind_t kind;
    const char             *name;
    bool                    named;
    zip_stat_init(&zs);
    if (zip_stat_index(za, i, ZIP_FL_ENC_GUESS, &zs) != 0)
        return false;
    name = (zs.valid & ZIP_STAT_NAME) && zs.name != NULL ? zs.name : "";
    if (name[0] != '\0' && name[strlen(name) - 1] == '/')
        return false; /* a folder */
    mailauth_report__set_member(job, name, strlen(name));
    named = named_like_report(name);
    if (!member_caps(job, &zs))
        return true;
    m.zf = zip_fopen_index(za, i, 0);
    if (m.zf == NULL) {
        char why[160];
        (void)snprintf(why, sizeof(why), "zip member unreadable: %s",
                       zip_error_strerror(zip_get_error(za)));
        mailauth_report__end(job, MAILAUTH_EINVAL, why);
        return true;
    }
    m.declared = (zs.valid & ZIP_STAT_SIZE) ? zs.size : 0;
    m.comp = (zs.valid & ZIP_STAT_COMP_SIZE) ? zs.comp_size : 0;
    src = (mailauth_report__src_t){.read = member_read, .job = job, .state = &m};
    job->src_st = MAILAUTH_OK;
    kind = mailauth_report__peek_init(&pk, &src);
    if (job->src_st == MAILAUTH_OK && !named && kind != MAILAUTH_REPORT__KIND_XML &&
        kind != MAILAUTH_REPORT__KIND_GZIP && kind != MAILAUTH_REPORT__KIND_ZLIB) {
        zip_fclose(m.zf);
        return false;
    }
    /* the peeked bytes are handed on through pk.src */
    mailauth_report__read_payload(job, &pk.src, false);
    zip_fclose(m.zf);
    return true;
}

static void
read_archive(mailauth_report__job_t *job, zip_t *za)
{
    zip_int64_t n = zip_get_num_entries(za, 0);
    bool        any = false;
    if (n < 0 || (zip_uint64_t)n > job->rd->lim.max_zip_members) {
        char why[120];
        (void)snprintf(why, sizeof(why), "zip with %lld members, over the cap of %u", (long long)n,
                       job->rd->lim.max_zip_members);
        mailauth_report__end(job, MAILAUTH_ELIMIT, why);
        return;
    }
    for (zip_int64_t i = 0; i < n; i++)
        any = read_member(job, za, (zip_uint64_t)i) || any;
    job->where.member = NULL;
    if (!any)
        mailauth_report__end(job, MAILAUTH_EINVAL, "zip archive without a report in it");
}

static void
open_failed(mailauth_report__job_t *job, zip_error_t *err)
{
    char why[160];
    (void)snprintf(why, sizeof(why), "not a readable zip archive: %s", zip_error_strerror(err));
    mailauth_report__end(job, MAILAUTH_EINVAL, why);
}

void
mailauth_report__read_zip_mem(mailauth_report__job_t *job, const uint8_t *p, size_t n)
{
    zip_error_t   err;
    zip_source_t *zs;
    zip_t        *za;
    zip_error_init(&err);
    zs = zip_source_buffer_create(p, n, 0, &err);
    if (zs == NULL) {
        open_failed(job, &err);
        zip_error_fini(&err);
        return;
    }
    za = zip_open_from_source(zs, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (za == NULL) {
        zip_source_free(zs);
        open_failed(job, &err);
        zip_error_fini(&err);
        return;
    }
    read_archive(job, za);
    zip_discard(za);
    zip_error_fini(&err);
}

void
mailauth_report__read_zip_path(mailauth_report__job_t *job, const char *path)
{
    int         code = 0;
    zip_t      *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    zip_error_t err;
    if (za == NULL) {
        zip_error_init_with_code(&err, code);
        open_failed(job, &err);
        zip_error_fini(&err);
        return;
    }
    read_archive(job, za);
    zip_discard(za);
}
