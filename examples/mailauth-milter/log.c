/* mailauth-milter: logging to syslog (daemon) or stderr (-f, -n), and the
 * list of configuration problems. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "milter.h"

static bool log_stderr;

void
ma_log_open(bool to_stderr)
{
    log_stderr = to_stderr;
    if (!to_stderr)
        openlog(MA_PROG, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

static int
syslog_prio(enum ma_log_level level)
{
    switch (level) {
    case MA_LOG_ERR:
        return LOG_ERR;
    case MA_LOG_WARNING:
        return LOG_WARNING;
    case MA_LOG_INFO:
        return LOG_INFO;
    default:
        return LOG_DEBUG;
    }
}

static const char *
level_word(enum ma_log_level level)
{
    static const char *const words[] = {"error", "warning", "info", "debug"};
    return words[(unsigned)level < 4 ? level : MA_LOG_DEBUG];
}

void
ma_vlog(enum ma_log_level level, const char *fmt, va_list ap)
{
    char line[2048];
    vsnprintf(line, sizeof(line), fmt, ap);
    if (log_stderr) {
        /* one fprintf per line: stdio locks the stream, lines do not mix */
        fprintf(stderr, "%s: %s: %s\n", MA_PROG, level_word(level), line);
        return;
    }
    syslog(syslog_prio(level), "%s", line);
}

void
ma_log(enum ma_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ma_vlog(level, fmt, ap);
    va_end(ap);
}

void
ma_log_lib(void *ud, mailauth_log_level_t level, const char *msg)
{
    enum ma_log_level l = MA_LOG_DEBUG;
    (void)ud;
    if (level == MAILAUTH_LOG_ERROR)
        l = MA_LOG_ERR;
    else if (level == MAILAUTH_LOG_WARNING)
        l = MA_LOG_WARNING;
    else if (level == MAILAUTH_LOG_INFO)
        l = MA_LOG_INFO;
    ma_log(l, "mailauth: %s", msg);
}

void
ma_error_add(struct ma_errors *e, unsigned line, const char *fmt, ...)
{
    char    msg[1024];
    int     n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    e->count++;
    if (line > 0)
        n = snprintf(NULL, 0, "line %u: %s\n", line, msg);
    else
        n = snprintf(NULL, 0, "%s\n", msg);
    if (n < 0)
        return;
    if (e->len + (size_t)n + 1 > e->cap) {
        size_t cap = (e->cap + (size_t)n + 1) * 2;
        char  *t = realloc(e->text, cap);
        if (t == NULL)
            return; /* the count still says there was a problem */
        e->text = t;
        e->cap = cap;
    }
    if (line > 0)
        snprintf(e->text + e->len, e->cap - e->len, "line %u: %s\n", line, msg);
    else
        snprintf(e->text + e->len, e->cap - e->len, "%s\n", msg);
    e->len += (size_t)n;
}

void
ma_errors_clear(struct ma_errors *e)
{
    free(e->text);
    memset(e, 0, sizeof(*e));
}

bool
ma_streq_ci(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la == lb && ma_strneq_ci(a, b, la);
}

bool
ma_strneq_ci(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return false;
        if (x == 0)
            return true;
    }
    return true;
}
