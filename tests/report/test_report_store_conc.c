/* The history store on one back end (argv[1]: sqlite or postgresql) under
 * concurrent writers: 4 processes, then 4 threads with a handle each,
 * write 10,000 rows each into one new store (the processes also race to
 * create its schema) and every row is there exactly once; a writer killed
 * with SIGKILL in the middle of its batches leaves a consistent store with
 * every batch it saw committed, and no batch in part. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_fixture.h"

#define WRITERS 4
#define ROWS 10000
#define BATCH 100
#define T0 1700000000

/* 10.a.b.c back to the number fixture_record() made it from. */
static long
ip_number(const char *ip)
{
    unsigned long part[4];
    char         *end;
    const char   *p = ip;
    for (int i = 0; i < 4; i++) {
        part[i] = strtoul(p, &end, 10);
        if (end == p || (i < 3 && *end != '.') || part[i] > 255)
            return -1;
        p = end + 1;
    }
    return (long)((part[1] << 16) | (part[2] << 8) | part[3]);
}

/* Writer w adds rows w*ROWS .. w*ROWS+ROWS-1 in batches; 0 on success. */
static int
write_rows(const char *uri, unsigned w)
{
    static struct fixture_rec f[WRITERS][BATCH];
    mailauth_report_record_t  batch[BATCH];
    mailauth_report_store_t  *s = NULL;
    char                      err[256];
    mailauth_status_t         st = mailauth_report_store_open(uri, 0, &s, err, sizeof(err));
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "writer %u: open: %s\n", w, err);
        return 1;
    }
    for (unsigned b = 0; b < ROWS / BATCH && st == MAILAUTH_OK; b++) {
        for (unsigned i = 0; i < BATCH; i++) {
            fixture_record(&f[w][i], w * ROWS + b * BATCH + i, T0 + (int64_t)b);
            batch[i] = f[w][i].rec;
            batch[i].policy = &f[w][i].pol;
        }
        st = mailauth_report_store_add_batch(s, batch, BATCH);
        if (st != MAILAUTH_OK)
            fprintf(stderr, "writer %u: batch %u: %s\n", w, b, mailauth_report_store_error(s));
    }
    mailauth_report_store_close(s);
    return st == MAILAUTH_OK ? 0 : 1;
}

struct tally {
    unsigned char *seen; /* per row number */
    size_t         max;
    size_t         rows, dup, bad;
};

static int
tally_row(void *arg, const mailauth_report_record_t *r)
{
    struct tally *t = arg;
    long          n = r->source_ip != NULL ? ip_number(r->source_ip) : -1;
    t->rows++;
    if (n < 0 || (size_t)n >= t->max || r->dkim_count != 2 || r->policy == NULL)
        t->bad++;
    else if (t->seen[n]++ > 0)
        t->dup++;
    return 0;
}

static void
check_all_rows(const char *uri)
{
    struct tally             t = {calloc(WRITERS * ROWS, 1), WRITERS * ROWS, 0, 0, 0};
    uint64_t                 n = 0;
    mailauth_report_store_t *s = fixture_open(uri);
    assert_non_null(t.seen);
    assert_int_equal(mailauth_report_store_count(s, INT64_MIN, INT64_MAX, &n), MAILAUTH_OK);
    assert_int_equal(n, WRITERS * ROWS);
    assert_int_equal(mailauth_report_store_rows(s, INT64_MIN, INT64_MAX, tally_row, &t),
                     MAILAUTH_OK);
    assert_int_equal(t.rows, WRITERS * ROWS);
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.dup, 0);
    for (size_t i = 0; i < t.max; i++)
        assert_int_equal(t.seen[i], 1);
    free(t.seen);
    mailauth_report_store_close(s);
}

static void
test_report_store_processes(void **state)
{
    const char *uri = fixture_new_uri(); /* not created yet: the writers race to */
    pid_t       pid[WRITERS];
    (void)state;
    for (unsigned w = 0; w < WRITERS; w++) {
        pid[w] = fork();
        assert_true(pid[w] >= 0);
        if (pid[w] == 0)
            _exit(write_rows(uri, w));
    }
    for (unsigned w = 0; w < WRITERS; w++) {
        int status = 0;
        assert_int_equal(waitpid(pid[w], &status, 0), pid[w]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    check_all_rows(uri);
    fixture_drop();
}

struct thread_arg {
    const char *uri;
    unsigned    w;
    int         rc;
};

static void *
thread_main(void *p)
{
    struct thread_arg *a = p;
    a->rc = write_rows(a->uri, a->w);
    return NULL;
}

static void
test_report_store_threads(void **state)
{
    const char              *uri = fixture_new_uri();
    pthread_t                th[WRITERS];
    struct thread_arg        arg[WRITERS];
    mailauth_report_store_t *s = fixture_open(uri); /* the schema first: a thread's open */
    (void)state;                                    /* is tested with the processes */
    mailauth_report_store_close(s);
    for (unsigned w = 0; w < WRITERS; w++) {
        arg[w] = (struct thread_arg){uri, w, -1};
        assert_int_equal(pthread_create(&th[w], NULL, thread_main, &arg[w]), 0);
    }
    for (unsigned w = 0; w < WRITERS; w++) {
        assert_int_equal(pthread_join(th[w], NULL), 0);
        assert_int_equal(arg[w].rc, 0);
    }
    check_all_rows(uri);
    fixture_drop();
}

/* ---- SIGKILL in the middle of the batches ----------------------------------- */

#define KILL_BATCH 50
#define KILL_AFTER 20 /* batches seen returned before the kill */

/* The child: batch after batch, each one's number written to fd once
 * add_batch() returned. */
static void
killed_writer(const char *uri, int fd)
{
    static struct fixture_rec f[KILL_BATCH];
    mailauth_report_record_t  batch[KILL_BATCH];
    mailauth_report_store_t  *s = NULL;
    char                      err[256];
    if (mailauth_report_store_open(uri, 0, &s, err, sizeof(err)) != MAILAUTH_OK)
        _exit(1);
    for (uint32_t b = 0; b < 100000; b++) {
        for (unsigned i = 0; i < KILL_BATCH; i++) {
            fixture_record(&f[i], b * KILL_BATCH + i, T0);
            batch[i] = f[i].rec;
            batch[i].policy = &f[i].pol;
        }
        if (mailauth_report_store_add_batch(s, batch, KILL_BATCH) != MAILAUTH_OK ||
            write(fd, &b, sizeof(b)) != (ssize_t)sizeof(b))
            _exit(1);
    }
    _exit(2); /* never killed */
}

/* Read batch reports until `limit` were read or EOF; how many were. */
static uint32_t
read_reports(int fd, uint32_t limit)
{
    uint32_t b, count = 0;
    ssize_t  n;
    while (count < limit) {
        n = read(fd, &b, sizeof(b));
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(b))
            break;
        count++;
    }
    return count;
}

static void
test_report_store_sigkill(void **state)
{
    const char              *uri = fixture_new_uri();
    int                      fds[2];
    pid_t                    pid;
    int                      status = 0;
    uint32_t                 seen, last;
    struct tally             t;
    char                     v[64] = "";
    mailauth_report_store_t *s = fixture_open(uri);
    (void)state;
    mailauth_report_store_close(s);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        killed_writer(uri, fds[1]);
    }
    close(fds[1]);
    seen = read_reports(fds[0], KILL_AFTER);
    assert_int_equal(seen, KILL_AFTER);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    seen += read_reports(fds[0], UINT32_MAX); /* reports still in the pipe */
    last = seen - 1;                          /* batches are numbered from 0 */
    close(fds[0]);
    /* batch b holds rows b*KILL_BATCH ..; at most one batch past the last
     * report may have committed before the kill */
    t = (struct tally){calloc((size_t)(last + 2) * KILL_BATCH, 1), (size_t)(last + 2) * KILL_BATCH,
                       0, 0, 0};
    assert_non_null(t.seen);
    s = fixture_open(uri);
    assert_int_equal(mailauth_report_store_rows(s, INT64_MIN, INT64_MAX, tally_row, &t),
                     MAILAUTH_OK);
    mailauth_report_store_close(s);
    assert_int_equal(t.bad, 0);
    assert_int_equal(t.dup, 0);
    for (uint32_t b = 0; b <= last + 1; b++) {
        size_t in = 0;
        for (size_t i = 0; i < KILL_BATCH; i++)
            in += t.seen[b * KILL_BATCH + i];
        if (b <= last)
            assert_int_equal(in, KILL_BATCH); /* every batch whose add returned */
        else
            assert_true(in == 0 || in == KILL_BATCH); /* all or nothing */
    }
    if (!fixture_is_pg()) {
        assert_true(fixture_sql("PRAGMA integrity_check", v, sizeof(v)));
        assert_string_equal(v, "ok");
    }
    free(t.seen);
    fixture_drop();
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_report_store_processes, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_threads, fixture_teardown),
        cmocka_unit_test_teardown(test_report_store_sigkill, fixture_teardown),
    };
    if (!fixture_init(argc, argv))
        return 2;
    return cmocka_run_group_tests_name(fixture_is_pg() ? "report_store_conc_postgresql"
                                                       : "report_store_conc_sqlite",
                                       tests, NULL, NULL);
}
