/* mailauth-milter: options, start-up, privileges, signals.
 *
 * Signals: libmilter's own signal thread (started inside smfi_main())
 * waits for SIGHUP, SIGTERM and SIGINT and stops the filter on any of
 * them. SIGHUP must reload instead, so smfi_main() runs on a thread of
 * its own, with those signals blocked like every other thread's, and the
 * main thread alone keeps them unblocked with handlers: the kernel hands a
 * signal sent to the process to its main thread first when that thread
 * takes it (Linux complete_signal()). The handlers only write the signal
 * number to a pipe that the main thread reads. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "milter.h"

struct opts {
    const char *config;
    const char *socket;
    bool        foreground;
    bool        check;
};

static int sig_pipe[2] = {-1, -1};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: %s [-c FILE] [-f] [-n] [-p SOCKET] | -h\n"
            "  -c FILE    configuration file (default %s)\n"
            "  -f         stay in the foreground, log to stderr\n"
            "  -n         check the configuration and keys, then exit (0 good, 78 bad)\n"
            "  -p SOCKET  milter socket, instead of `socket` (unix:/PATH, inet:PORT@HOST)\n"
            "  -h         print this usage text and exit\n",
            MA_PROG, MA_DEFAULT_CONFIG);
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
    int c;
    o->config = MA_DEFAULT_CONFIG;
    while ((c = getopt(argc, argv, "c:fnp:h")) != -1) {
        switch (c) {
        case 'c':
            o->config = optarg;
            break;
        case 'f':
            o->foreground = true;
            break;
        case 'n':
            o->check = true;
            break;
        case 'p':
            o->socket = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return 64;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 64;
    }
    return 0;
}

static void
report_errors(const struct opts *o, const struct ma_errors *e, bool to_stderr)
{
    const char *s = e->text != NULL ? e->text : "out of memory\n";
    while (*s != '\0') {
        const char *nl = strchr(s, '\n');
        int         n = nl != NULL ? (int)(nl - s) : (int)strlen(s);
        if (to_stderr)
            fprintf(stderr, "%s: %s: %.*s\n", MA_PROG, o->config, n, s);
        else
            ma_log(MA_LOG_ERR, "%s: %.*s", o->config, n, s);
        s += n + (nl != NULL);
    }
}

static bool drop_privileges(const struct ma_config *c);

/* -n: the store is opened as the filter will open it, as `user` (a SQLite
 * file made by root here would not be writable by the filter). */
static bool
check_history(const struct opts *o, const struct ma_config *c)
{
    char err[512];
    if (c->history == NULL)
        return true;
    if (geteuid() == 0 && c->user != NULL) {
        ma_log_open(true);
        if (!drop_privileges(c))
            return false;
    }
    if (ma_history_check(c->history, err, sizeof(err)))
        return true;
    fprintf(stderr, "%s: %s: line %u: history = %s: %s\n", MA_PROG, o->config, c->history_line,
            c->history, err);
    return false;
}

static int
check_only(const struct opts *o)
{
    struct ma_errors e = {0};
    struct ma_gen   *g = ma_gen_build(o->config, o->socket, &e);
    if (g == NULL) {
        report_errors(o, &e, true);
        ma_errors_clear(&e);
        return MA_EXIT_CONFIG;
    }
    if (!check_history(o, g->cfg)) {
        ma_gen_release(g);
        return MA_EXIT_CONFIG;
    }
    printf("%s: %s: configuration good (%zu signing key%s, %s)\n", MA_PROG, o->config,
           g->cfg->n_sign, g->cfg->n_sign == 1 ? "" : "s",
           g->cfg->seal != NULL ? "a sealing key" : "no sealing key");
    ma_gen_release(g);
    return 0;
}

static bool
unix_socket_path(const char *spec, const char **path)
{
    if (strncmp(spec, "unix:", 5) == 0)
        *path = spec + 5;
    else if (strncmp(spec, "local:", 6) == 0)
        *path = spec + 6;
    else
        return false;
    return true;
}

static bool
open_socket(const struct ma_config *c)
{
    const char *path;
    if (smfi_setconn(c->socket) == MI_FAILURE || smfi_register(ma_milter_desc) == MI_FAILURE ||
        smfi_opensocket(true) == MI_FAILURE) {
        ma_log(MA_LOG_ERR, "cannot listen on %s", c->socket);
        return false;
    }
    ma_local_socket = unix_socket_path(c->socket, &path);
    if (!ma_local_socket)
        ma_listener_nodelay();
    if (c->user != NULL && geteuid() == 0 && unix_socket_path(c->socket, &path)) {
        /* the MTA reaches the socket through the user's group */
        struct passwd *pw = getpwnam(c->user);
        if (pw == NULL || chown(path, pw->pw_uid, pw->pw_gid) != 0 || chmod(path, 0660) != 0) {
            ma_log(MA_LOG_ERR, "%s: cannot hand the socket to %s", path, c->user);
            return false;
        }
    }
    return true;
}

static bool
drop_privileges(const struct ma_config *c)
{
    struct passwd *pw;
    if (c->user == NULL)
        return true;
    if ((pw = getpwnam(c->user)) == NULL) {
        ma_log(MA_LOG_ERR, "user %s: no such user", c->user);
        return false;
    }
    if (geteuid() != 0) {
        if (pw->pw_uid != geteuid())
            ma_log(MA_LOG_WARNING, "not started as root: staying uid %u, not %s",
                   (unsigned)geteuid(), c->user);
        return true;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        ma_log(MA_LOG_ERR, "cannot become %s: %s", c->user, strerror(errno));
        return false;
    }
    return true;
}

static void
on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    int           saved = errno;
    if (write(sig_pipe[1], &b, 1) < 0) {
        /* the pipe is full: a signal of the same kind is already queued */
    }
    errno = saved;
}

static void *
milter_thread(void *arg)
{
    unsigned char b = 0; /* 0: smfi_main() has returned */
    int           rc = smfi_main();
    (void)arg;
    if (rc != MI_SUCCESS)
        ma_log(MA_LOG_ERR, "libmilter stopped with an error");
    if (write(sig_pipe[1], &b, 1) < 0)
        ma_log(MA_LOG_ERR, "cannot wake the main thread");
    return NULL;
}

static void
reload(const struct opts *o)
{
    struct ma_errors e = {0};
    struct ma_gen   *old = ma_gen_acquire();
    struct ma_gen   *g = ma_gen_build(o->config, o->socket, &e);
    if (g == NULL) {
        ma_log(MA_LOG_ERR, "SIGHUP: the new configuration is refused; the old one stays");
        report_errors(o, &e, false);
    } else {
        if (old != NULL && (strcmp(old->cfg->socket, g->cfg->socket) != 0 ||
                            (old->cfg->stats == NULL) != (g->cfg->stats == NULL) ||
                            (g->cfg->stats != NULL && strcmp(old->cfg->stats, g->cfg->stats))))
            ma_log(MA_LOG_WARNING, "SIGHUP: socket and stats take effect at the next start");
        ma_history_configure(g->cfg->history); /* the old writer flushes first */
        ma_gen_install(g);
        ma_log(MA_LOG_INFO, "SIGHUP: configuration and keys reloaded");
    }
    ma_gen_release(old);
    ma_errors_clear(&e);
}

/* SIGTERM: new connections and messages get a temporary failure while the
 * messages in progress finish; then libmilter is stopped. (libmilter's
 * smfi_stop() alone does not wait for sessions: its workers end with it.) */
static void
drain(void)
{
    unsigned i;
    ma_sessions_stop();
    for (i = 0; ma_messages_in_flight() > 0 && i < 3000; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (ma_messages_in_flight() > 0)
        ma_log(MA_LOG_WARNING, "%lu messages still in progress after 300 s; stopping anyway",
               ma_messages_in_flight());
    smfi_stop();
}

static void
signal_loop(const struct opts *o, pthread_t tid)
{
    unsigned char b;
    for (;;) {
        ssize_t n = read(sig_pipe[0], &b, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != 1 || b == 0) /* smfi_main() returned by itself */
            break;
        if (b == SIGHUP) {
            reload(o);
            continue;
        }
        ma_log(MA_LOG_INFO, "%s: stopping; messages in progress finish",
               b == SIGTERM ? "SIGTERM" : "SIGINT");
        drain();
        break;
    }
    pthread_join(tid, NULL);
}

static bool
start_threads(pthread_t *tid)
{
    struct sigaction sa;
    sigset_t         set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (pipe(sig_pipe) != 0 || pthread_create(tid, NULL, milter_thread, NULL) != 0)
        return false;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL); /* only here, in the main thread */
    return true;
}

static void
block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread made from now on */
    signal(SIGPIPE, SIG_IGN);
}

static int
run(const struct opts *o, struct ma_gen *g)
{
    pthread_t tid;
    if (!open_socket(g->cfg))
        return 71;
    /* nochdir: relative paths in the file still work at SIGHUP */
    if (!o->foreground && daemon(1, 0) != 0) {
        ma_log(MA_LOG_ERR, "cannot become a daemon: %s", strerror(errno));
        return 71;
    }
    block_signals();
    if (g->cfg->stats != NULL && !ma_stats_start(g->cfg->stats_host, g->cfg->stats_port))
        return 71;
    if (!drop_privileges(g->cfg))
        return 71;
    ma_history_configure(g->cfg->history);
    ma_gen_install(g);
    if (!start_threads(&tid)) {
        ma_log(MA_LOG_ERR, "cannot start: %s", strerror(errno));
        return 71;
    }
    ma_log(MA_LOG_INFO, "listening on %s as %s", g->cfg->socket, g->cfg->authserv_id);
    signal_loop(o, tid);
    ma_history_shutdown(); /* every message has ended: flush what is queued */
    ma_stats_stop();
    ma_gen_shutdown();
    return 0;
}

int
main(int argc, char **argv)
{
    struct opts      o = {0};
    struct ma_errors e = {0};
    struct ma_gen   *g;
    int              rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (o.check)
        return check_only(&o);
    ma_log_open(o.foreground);
    if ((g = ma_gen_build(o.config, o.socket, &e)) == NULL) {
        report_errors(&o, &e, o.foreground);
        ma_errors_clear(&e);
        return MA_EXIT_CONFIG;
    }
    rc = run(&o, g);
    if (rc != 0)
        ma_gen_release(g);
    return rc;
}
