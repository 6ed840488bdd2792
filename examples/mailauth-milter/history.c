/* mailauth-milter: the `history` key (DMARC report rows).
 *
 * A session thread builds the row of its message (libmailauth-report
 * copies what it needs out of the evaluation) and hands it to one writer
 * thread through a bounded queue; the writer owns the store handle (a
 * handle is for one thread) and commits rows in batches, so no session
 * waits for the database (a SQLite commit is an fsync). The database
 * being down never holds up mail: the writer reconnects with backoff, and
 * when the queue is full a row is dropped and counted. A row is durable
 * once the writer committed it; what is queued is lost to SIGKILL. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "milter.h"

#ifdef MAILAUTH_MILTER_HAVE_REPORT
#include <mailauth/report.h>
#endif

static atomic_ullong rows_written, rows_dropped, store_errors;
static atomic_ulong  queue_depth;

bool
ma_history_uri_valid(const char *uri)
{
    if (strncmp(uri, "sqlite:", 7) == 0)
        return uri[7] != '\0';
    if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0)
        return true;
    return false;
}

void
ma_history_stats(struct ma_history_stats *s)
{
    s->written = atomic_load(&rows_written);
    s->dropped = atomic_load(&rows_dropped);
    s->errors = atomic_load(&store_errors);
    s->depth = atomic_load(&queue_depth);
}

#ifndef MAILAUTH_MILTER_HAVE_REPORT

bool
ma_history_available(void)
{
    return false;
}

bool
ma_history_check(const char *uri, char *err, size_t cap)
{
    (void)uri;
    snprintf(err, cap, "this build has no libmailauth-report");
    return false;
}

void
ma_history_configure(const char *uri)
{
    (void)uri;
}

void
ma_history_shutdown(void)
{
}

void
ma_history_record(const struct ma_config *c, const struct ma_history_msg *hm)
{
    (void)c;
    (void)hm;
}

#else

#define QUEUE_CAP 10000u
#define BATCH_MAX 256u
#define BACKOFF_MAX 10   /* seconds between reconnection attempts, at most */
#define DRAIN_SECONDS 10 /* what a stopping writer may take to flush */
#define DROP_LOG_EVERY 60

struct writer {
    char                   *uri;
    pthread_t               tid;
    mailauth_report_row_t **ring; /* QUEUE_CAP entries */
    size_t                  head, n;
    bool                    stop;
    time_t                  deadline; /* set with stop */
};

/* The current writer (NULL: no history), its queue and its flags. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  wake = PTHREAD_COND_INITIALIZER;
static struct writer  *cur;
static time_t          last_drop_log;

bool
ma_history_available(void)
{
    return true;
}

bool
ma_history_check(const char *uri, char *err, size_t cap)
{
    mailauth_report_store_t *s = NULL;
    if (cap > 0)
        err[0] = '\0';
    if (mailauth_report_store_open(uri, 0, &s, err, cap) != MAILAUTH_OK) {
        if (cap > 0 && err[0] == '\0')
            snprintf(err, cap, "cannot open the store");
        return false;
    }
    mailauth_report_store_close(s);
    return true;
}

static void
wait_until(time_t t)
{
    struct timespec ts = {.tv_sec = t, .tv_nsec = 0};
    pthread_cond_timedwait(&wake, &mu, &ts);
}

/* Rows the store refuses one by one (a bad row must not hold the queue)
 * are dropped; called after a batch failed with MAILAUTH_EINVAL. */
static void
write_singly(mailauth_report_store_t *s, mailauth_report_row_t **rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (mailauth_report_store_add(s, mailauth_report_row_record(rows[i])) == MAILAUTH_OK) {
            atomic_fetch_add(&rows_written, 1);
        } else {
            ma_log(MA_LOG_ERR, "history: a row is refused and dropped: %s",
                   mailauth_report_store_error(s));
            atomic_fetch_add(&rows_dropped, 1);
        }
    }
}

/* A SQLite store whose file was removed or renamed away (the folder
 * deleted, the file rotated) still takes rows through the open handle,
 * into a file no one will read: reopen it by its name instead. */
static bool
sqlite_file_gone(const struct writer *w)
{
    struct stat st;
    return strncmp(w->uri, "sqlite:", 7) == 0 && stat(w->uri + 7, &st) != 0 && errno == ENOENT;
}

/* Write one batch; false when the store failed (it is closed then). */
static bool
write_batch(struct writer *w, mailauth_report_store_t **s, mailauth_report_row_t **rows, size_t n)
{
    mailauth_report_record_t recs[BATCH_MAX];
    char                     err[512] = "";
    mailauth_status_t        st;
    if (*s != NULL && sqlite_file_gone(w)) {
        ma_log(MA_LOG_ERR, "history: %s: the file is gone; opening it again", w->uri);
        mailauth_report_store_close(*s);
        *s = NULL;
    }
    if (*s == NULL) {
        if (mailauth_report_store_open(w->uri, 0, s, err, sizeof(err)) != MAILAUTH_OK) {
            ma_log(MA_LOG_ERR, "history: %s: %s", w->uri, err[0] != '\0' ? err : "cannot open");
            atomic_fetch_add(&store_errors, 1);
            return false;
        }
        ma_log(MA_LOG_INFO, "history: %s: open", w->uri);
    }
    for (size_t i = 0; i < n; i++)
        recs[i] = *mailauth_report_row_record(rows[i]);
    st = mailauth_report_store_add_batch(*s, recs, n);
    if (st == MAILAUTH_OK) {
        atomic_fetch_add(&rows_written, n);
        return true;
    }
    atomic_fetch_add(&store_errors, 1);
    if (st == MAILAUTH_EINVAL) {
        write_singly(*s, rows, n);
        return true;
    }
    ma_log(MA_LOG_ERR, "history: %s: %s (%s); reconnecting", w->uri,
           mailauth_report_store_error(*s), mailauth_strerror(st));
    mailauth_report_store_close(*s);
    *s = NULL;
    return false;
}

static size_t
take_batch(struct writer *w, mailauth_report_row_t **rows)
{
    size_t n = 0;
    while (n < BATCH_MAX && w->n > 0) {
        rows[n++] = w->ring[w->head];
        w->head = (w->head + 1) % QUEUE_CAP;
        w->n--;
    }
    atomic_store(&queue_depth, w->n);
    return n;
}

static void
drop_rows(mailauth_report_row_t **rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mailauth_report_row_free(rows[i]);
}

/* The writer: batches out of the queue into the store until stopped and
 * empty, or stopped and past its deadline. */
static void *
writer_main(void *arg)
{
    struct writer           *w = arg;
    mailauth_report_store_t *s = NULL;
    mailauth_report_row_t   *rows[BATCH_MAX];
    size_t                   n = 0;
    int                      backoff = 1;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (n == 0 && w->n == 0 && !w->stop)
            pthread_cond_wait(&wake, &mu);
        if (n == 0)
            n = take_batch(w, rows);
        if (n == 0 && w->stop)
            break;
        pthread_mutex_unlock(&mu);
        bool ok = write_batch(w, &s, rows, n);
        if (ok) {
            drop_rows(rows, n); /* written: freed outside the lock */
            n = 0;
            backoff = 1;
        }
        pthread_mutex_lock(&mu);
        if (ok)
            continue;
        if (w->stop && time(NULL) >= w->deadline)
            break;
        /* new rows wake the condition too: they must not cut the wait */
        bool   was_stopped = w->stop;
        time_t until = time(NULL) + backoff;
        if (w->stop && until > w->deadline)
            until = w->deadline;
        while (time(NULL) < until && w->stop == was_stopped)
            wait_until(until);
        backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
    }
    /* stopped with rows the store would not take in time */
    size_t lost = n + w->n;
    drop_rows(rows, n);
    while ((n = take_batch(w, rows)) > 0)
        drop_rows(rows, n);
    pthread_mutex_unlock(&mu);
    if (lost > 0) {
        atomic_fetch_add(&rows_dropped, lost);
        ma_log(MA_LOG_ERR, "history: %s: %zu rows not written at stop", w->uri, lost);
    }
    mailauth_report_store_close(s);
    return NULL;
}

static void
writer_stop(struct writer *w)
{
    pthread_mutex_lock(&mu);
    if (cur == w)
        cur = NULL; /* no more rows for it */
    w->stop = true;
    w->deadline = time(NULL) + DRAIN_SECONDS;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&mu);
    pthread_join(w->tid, NULL);
    free(w->ring);
    free(w->uri);
    free(w);
}

static struct writer *
writer_start(const char *uri)
{
    struct writer *w = calloc(1, sizeof(*w));
    if (w == NULL || (w->uri = strdup(uri)) == NULL ||
        (w->ring = calloc(QUEUE_CAP, sizeof(*w->ring))) == NULL ||
        pthread_create(&w->tid, NULL, writer_main, w) != 0) {
        if (w != NULL) {
            free(w->ring);
            free(w->uri);
        }
        free(w);
        ma_log(MA_LOG_ERR, "history: %s: cannot start the writer: out of resources", uri);
        return NULL;
    }
    return w;
}

void
ma_history_configure(const char *uri)
{
    struct writer *old, *w = NULL;
    pthread_mutex_lock(&mu);
    old = cur;
    pthread_mutex_unlock(&mu);
    if (old != NULL && uri != NULL && strcmp(old->uri, uri) == 0)
        return;
    /* the new writer takes rows at once; the old one flushes what it has */
    if (uri != NULL && (w = writer_start(uri)) != NULL)
        ma_log(MA_LOG_INFO, "history: recording DMARC report rows to %s", uri);
    pthread_mutex_lock(&mu);
    cur = w;
    pthread_mutex_unlock(&mu);
    if (old != NULL) {
        ma_log(MA_LOG_INFO, "history: %s: flushing and closing", old->uri);
        writer_stop(old);
    }
}

void
ma_history_shutdown(void)
{
    ma_history_configure(NULL);
}

static void
enqueue(mailauth_report_row_t *row)
{
    unsigned long long dropped = 0;
    pthread_mutex_lock(&mu);
    if (cur != NULL && cur->n < QUEUE_CAP) {
        cur->ring[(cur->head + cur->n) % QUEUE_CAP] = row;
        cur->n++;
        atomic_store(&queue_depth, cur->n);
        pthread_cond_broadcast(&wake);
        row = NULL;
    } else {
        dropped = atomic_fetch_add(&rows_dropped, 1) + 1;
        time_t now = time(NULL);
        if (now - last_drop_log < DROP_LOG_EVERY)
            dropped = 0; /* logged within the minute */
        else
            last_drop_log = now;
    }
    pthread_mutex_unlock(&mu);
    if (dropped > 0)
        ma_log(MA_LOG_WARNING,
               "history: the queue is full (%u rows): rows are dropped (%llu so far)", QUEUE_CAP,
               dropped);
    mailauth_report_row_free(row);
}

void
ma_history_record(const struct ma_config *c, const struct ma_history_msg *hm)
{
    mailauth_report_eval_info_t info = {.version = MAILAUTH_REPORT_STRUCT_VERSION};
    mailauth_report_row_t      *row = NULL;
    mailauth_status_t           st;
    if (c->history == NULL)
        return;
    info.time = (int64_t)time(NULL);
    info.source_ip = hm->client_ip != NULL && hm->client_ip[0] != '\0' ? hm->client_ip : NULL;
    info.envelope_from = NULL; /* the SPF MAIL FROM domain */
    info.envelope_to = hm->rcpt_to;
    info.disposition = hm->disposition;
    st = mailauth_report_record_from_eval(hm->ev, &info, &row);
    if (st == MAILAUTH_ESTATE)
        return; /* DMARC was not evaluated: nothing to report */
    if (st != MAILAUTH_OK) {
        ma_log(MA_LOG_ERR, "history: cannot build a row: %s", mailauth_strerror(st));
        atomic_fetch_add(&rows_dropped, 1);
        return;
    }
    enqueue(row);
}

#endif
