/* What the report reader handed to its callbacks, kept for the tests to
 * look at: one entry per `end` call. */
#ifndef MAILAUTH_TEST_READ_COLLECT_H
#define MAILAUTH_TEST_READ_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/report.h>

#define COLLECT_MAX 32

struct collected {
    mailauth_status_t status;
    char              why[256];
    char              file[256], member[256]; /* "" when none */
    size_t            message;
    bool              begun;
    char              schema[8], org_name[128], report_id[128], policy_domain[128], p[16];
    char              first_ip[64], first_dkim[16], first_disposition[16], first_dkim_domain[64];
    int64_t           begin, end;
    size_t            records;
    uint64_t          count_sum;
};

struct collect {
    struct collected  r[COLLECT_MAX];
    size_t            n; /* end calls (more than COLLECT_MAX are counted, not kept) */
    bool              in_report;
    mailauth_status_t stop_at_record; /* returned by the record callback when not OK */
};

/* Read path (or, with data, the bytes) with the given limits (NULL:
 * defaults) into c; returns what the read call returned. */
mailauth_status_t collect_path(struct collect *c, const mailauth_report_read_limits_t *lim,
                               const char *path);
mailauth_status_t collect_mem(struct collect *c, const mailauth_report_read_limits_t *lim,
                              const char *name, const void *data, size_t len);

/* Test helpers that make inputs: gzip or zlib of data (malloc'd). */
uint8_t *collect_deflate(const void *data, size_t len, bool gzip, size_t *out_len);
/* Write len bytes to path; false on failure. */
bool collect_write(const char *path, const void *data, size_t len);

#endif
