/* Files and folders: a single file (what it is found by content), an mbox
 * file (one message after the other, split at "From " lines), a Maildir
 * folder (cur/ and new/, each file a message, in name order). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read_internal.h"

#define SCAN_BUF 65536u

static void
job_init(mailauth_report__job_t *job, mailauth_report_reader_t *rd, const char *file)
{
    memset(job, 0, sizeof(*job));
    job->rd = rd;
    job->where.file = file;
}

/* One message of an mbox, [off, off+len) of the file, read into memory
 * within max_message. */
static void
mbox_message(mailauth_report__job_t *job, int fd, off_t off, uint64_t len)
{
    uint8_t *buf;
    size_t   got = 0;
    job->where.member = NULL;
    if (len > job->rd->lim.max_message) {
        char why[120];
        (void)snprintf(why, sizeof(why), "message of %llu bytes, over the %zu byte cap",
                       (unsigned long long)len, job->rd->lim.max_message);
        mailauth_report__end(job, MAILAUTH_ELIMIT, why);
        return;
    }
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf == NULL) {
        mailauth_report__end(job, MAILAUTH_ENOMEM, "out of memory");
        return;
    }
    while (got < len) {
        ssize_t r = pread(fd, buf + got, (size_t)len - got, off + (off_t)got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            free(buf);
            mailauth_report__end(job, MAILAUTH_EINVAL, "read error in the mbox file");
            return;
        }
        got += (size_t)r;
    }
    mailauth_report__read_message(job, buf, got);
    free(buf);
}

/* Message boundaries: a line starting "From " at the file's start or
 * after an empty line (mboxo/mboxrd). Lines of any length are scanned in
 * blocks: nothing but the current block is held. */
struct mbox_scan {
    bool     line_start, prev_empty, this_empty;
    unsigned match; /* bytes of "From " matched at a line start */
    off_t    line_off;
};

static void
read_mbox(mailauth_report__job_t *job, int fd)
{
    static const char from[] = "From ";
    uint8_t          *buf = malloc(SCAN_BUF);
    struct mbox_scan  s = {.line_start = true, .prev_empty = true, .this_empty = true};
    off_t             pos = 0, msg_start = -1;
    if (buf == NULL) {
        mailauth_report__end(job, MAILAUTH_ENOMEM, "out of memory");
        return;
    }
    for (;;) {
        ssize_t n = pread(fd, buf, SCAN_BUF, pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++, pos++) {
            uint8_t c = buf[i];
            if (s.line_start) {
                s.line_off = pos;
                s.match = 0;
                s.this_empty = true;
            }
            if (s.match < 5 && (s.line_start || s.match > 0) && c == (uint8_t)from[s.match]) {
                if (++s.match == 5 && s.prev_empty) {
                    if (msg_start >= 0) {
                        job->where.message++;
                        mbox_message(job, fd, msg_start, (uint64_t)(s.line_off - msg_start));
                    }
                    msg_start = s.line_off;
                }
            } else {
                s.match = 6; /* this line cannot start a message any more */
            }
            s.line_start = c == '\n';
            if (c != '\n' && c != '\r')
                s.this_empty = false;
            if (c == '\n')
                s.prev_empty = s.this_empty;
        }
    }
    free(buf);
    if (msg_start >= 0) {
        job->where.message++;
        mbox_message(job, fd, msg_start, (uint64_t)(pos - msg_start));
    }
}

static void
read_fd(mailauth_report__job_t *job, int fd)
{
    mailauth_report__src_t  src;
    mailauth_report__peek_t pk;
    mailauth_report__kind_t kind;
    mailauth_report__src_fd(&src, job, fd);
    kind = mailauth_report__peek_init(&pk, &src);
    if (job->src_st != MAILAUTH_OK) {
        mailauth_report__end(job, job->src_st, job->src_why);
        return;
    }
    if (kind == MAILAUTH_REPORT__KIND_MBOX) {
        read_mbox(job, fd); /* by offsets: the peeked bytes are read again */
        return;
    }
    if (kind == MAILAUTH_REPORT__KIND_ZIP) {
        mailauth_report__read_zip_path(job, job->where.file);
        return;
    }
    mailauth_report__read_payload(job, &pk.src, true);
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the regular entries of dir, sorted; NULL on failure. */
static char **
list_dir(const char *dir, size_t *count)
{
    DIR           *d = opendir(dir);
    struct dirent *e;
    char         **v = NULL;
    size_t         n = 0, cap = 0;
    *count = 0;
    if (d == NULL)
        return NULL;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));
            if (nv == NULL)
                break;
            v = nv;
        }
        if ((v[n] = strdup(e->d_name)) == NULL)
            break;
        n++;
    }
    closedir(d);
    if (v != NULL)
        qsort(v, n, sizeof(*v), name_cmp);
    *count = n;
    return v;
}

static void read_one(mailauth_report__job_t *job, const char *path);

static void
read_maildir(mailauth_report_reader_t *rd, const char *path, mailauth_status_t *first)
{
    static const char *const subs[] = {"cur", "new"};
    size_t                   index = 0;
    for (size_t s = 0; s < 2; s++) {
        size_t n = 0;
        size_t plen = strlen(path) + strlen(subs[s]) + 2;
        char  *dir = malloc(plen);
        char **names;
        if (dir == NULL)
            return;
        (void)snprintf(dir, plen, "%s/%s", path, subs[s]);
        names = list_dir(dir, &n);
        for (size_t i = 0; i < n; i++) {
            size_t                 flen = strlen(dir) + strlen(names[i]) + 2;
            char                  *file = malloc(flen);
            mailauth_report__job_t job;
            if (file != NULL) {
                (void)snprintf(file, flen, "%s/%s", dir, names[i]);
                job_init(&job, rd, file);
                job.where.message = ++index;
                read_one(&job, file);
                if (*first == MAILAUTH_OK)
                    *first = job.first;
            }
            free(file);
            free(names[i]);
        }
        free(names);
        free(dir);
    }
}

static void
read_one(mailauth_report__job_t *job, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char why[160];
        (void)snprintf(why, sizeof(why), "cannot open: %s", strerror(errno));
        mailauth_report__end(job, MAILAUTH_EINVAL, why);
        return;
    }
    read_fd(job, fd);
    close(fd);
}

mailauth_status_t
mailauth_report_read_path(mailauth_report_reader_t *rd, const char *path)
{
    mailauth_report__job_t job;
    struct stat            sb;
    mailauth_status_t      first = MAILAUTH_OK;
    if (rd == NULL || path == NULL)
        return MAILAUTH_EINVAL;
    job_init(&job, rd, path);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        char *cur = malloc(strlen(path) + 5);
        bool  maildir = false;
        if (cur != NULL) {
            (void)snprintf(cur, strlen(path) + 5, "%s/cur", path);
            maildir = stat(cur, &sb) == 0 && S_ISDIR(sb.st_mode);
            free(cur);
        }
        if (!maildir) {
            mailauth_report__end(&job, MAILAUTH_EINVAL, "a folder that is no Maildir (no cur/)");
            return job.first;
        }
        read_maildir(rd, path, &first);
        return first;
    }
    read_one(&job, path);
    return job.first;
}

mailauth_status_t
mailauth_report_read_mem(mailauth_report_reader_t *rd, const char *name, const uint8_t *data,
                         size_t len)
{
    mailauth_report__job_t job;
    mailauth_report__src_t src;
    void                  *space[4];
    if (rd == NULL || (data == NULL && len > 0))
        return MAILAUTH_EINVAL;
    job_init(&job, rd, name != NULL ? name : "-");
    if (mailauth_report__kind_of(data, len < 64 ? len : 64) == MAILAUTH_REPORT__KIND_ZIP) {
        mailauth_report__read_zip_mem(&job, data, len);
        return job.first;
    }
    mailauth_report__src_mem(&src, &job, data != NULL ? data : (const uint8_t *)"", len, space);
    mailauth_report__read_payload(&job, &src, true);
    return job.first;
}
