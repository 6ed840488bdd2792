/* mailauth-milter: the configuration file.
 *
 * `key = value` lines, `#` comments (whole-line, or after a blank), a
 * repeated key adds to a list. libinih does the line splitting: it reports
 * each `key = value` to the handler below (also each repeat of a key, and
 * each indented continuation line under the same key), strips whole-line
 * `#`/`;` comments and `;` comments after a blank. It does not strip a `#`
 * after a value, which is done here. It reports no line number to the
 * handler, so the file is read through a reader that counts lines. */
#include <errno.h>
#include <ini.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_parse.h"
#include "milter.h"

struct reader {
    struct cfg_parse *p;
    FILE             *f;
    unsigned          line;
    unsigned          long_line; /* a line over inih's buffer: reported, not parsed */
    char             *buf;
    size_t            cap;
};

/* Lines inih would refuse, or take for a section, reported with their
 * number (inih itself only returns the first bad line); they are handed on
 * as empty lines. */
static void
check_shape(struct reader *r, char *line)
{
    const char *s = line;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    if (*s == '\0' || *s == '#' || *s == ';' || s != line)
        return; /* empty, comment, or a continuation of the previous key */
    if (*s == '[')
        ma_error_add(r->p->errs, r->line, "sections ([...]) are not part of this file");
    else if (strchr(s, '=') != NULL)
        return;
    else
        ma_error_add(r->p->errs, r->line, "not a `key = value` line");
    if (r->p->first_err_line == 0)
        r->p->first_err_line = r->line;
    line[0] = '\n';
    line[1] = '\0';
}

/* inih's ini_reader: one line per call, counted. A line longer than inih's
 * buffer would be cut into pieces parsed as separate lines: such a line is
 * replaced by an empty one and reported instead. */
static char *
read_line(char *str, int num, void *stream)
{
    struct reader *r = stream;
    ssize_t        n = getline(&r->buf, &r->cap, r->f);
    if (n < 0 || num < 2)
        return NULL;
    r->line++;
    if ((size_t)n >= (size_t)num - 1 && !((size_t)n == (size_t)num - 1 && r->buf[n - 1] == '\n')) {
        if (r->long_line == 0)
            r->long_line = r->line;
        str[0] = '\n';
        str[1] = '\0';
        return str;
    }
    memcpy(str, r->buf, (size_t)n + 1);
    check_shape(r, str);
    return str;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
    struct cfg_parse *p = user;
    unsigned          line = p->reader_line != NULL ? *p->reader_line : 0;
    char              clean[512];
    if (section[0] != '\0') {
        ma_error_add(p->errs, line, "sections ([%s]) are not part of this file", section);
        return 0;
    }
    if (!ma_cfg_strip_comment(value, clean, sizeof(clean))) {
        ma_error_add(p->errs, line, "%s: value too long", name);
        return 0;
    }
    return ma_cfg_key(p, line, name, clean) ? 1 : 0;
}

static void
parse_file(struct cfg_parse *p, FILE *f)
{
    struct reader r = {.f = f, .p = p};
    int           rc;
    p->reader_line = &r.line;
    rc = ini_parse_stream(read_line, &r, handler, p);
    if (r.long_line != 0)
        ma_error_add(p->errs, r.long_line, "line too long (at most %d bytes)", INI_MAX_LINE - 2);
    /* rc > 0 is the first line inih or the handler refused; the handler
     * has already said why for its own lines */
    if (rc > 0 && !ma_cfg_line_reported(p, (unsigned)rc) && (unsigned)rc != r.long_line)
        ma_error_add(p->errs, (unsigned)rc, "not a `key = value` line");
    else if (rc < 0)
        ma_error_add(p->errs, 0, "%s: cannot read the file", p->cfg->path);
    free(r.buf);
    p->reader_line = NULL;
}

/* Defaults for what the file did not say, and checks across keys. */
static void
finish(struct cfg_parse *p, const char *socket_override)
{
    struct ma_config *c = p->cfg;
    if (socket_override != NULL) {
        free(c->socket);
        c->socket = strdup(socket_override);
        c->socket_line = 0;
        if (c->socket == NULL || !ma_socket_valid(c->socket))
            ma_error_add(p->errs, 0, "-p %s: not a milter socket (unix:/PATH or inet:PORT@HOST)",
                         socket_override);
    }
    if (c->socket == NULL && p->first_err_line == 0)
        ma_error_add(p->errs, 0, "socket: not set (in the file or with -p)");
    if (c->authserv_id == NULL) {
        char host[256] = "localhost";
        gethostname(host, sizeof(host) - 1);
        host[sizeof(host) - 1] = '\0';
        c->authserv_id = strdup(host);
    }
    if (!c->internal_given) {
        /* the loopback addresses: mail submitted on this host */
        ma_cfg_key(p, 0, "internal_hosts", "127.0.0.0/8 ::1");
        c->internal_given = false;
    }
}

struct ma_config *
ma_config_load(const char *path, const char *socket_override, struct ma_errors *errs)
{
    struct cfg_parse p = {.errs = errs};
    FILE            *f;
    /* a file that cannot be read gives NULL; one with problems gives the
     * configuration with errs telling what is wrong, so that the keys can
     * still be checked and every problem said at once */
    p.cfg = calloc(1, sizeof(*p.cfg));
    if (p.cfg == NULL) {
        ma_error_add(errs, 0, "out of memory");
        return NULL;
    }
    p.cfg->path = strdup(path);
    p.cfg->on_reject = MA_ACTION_REJECT;
    p.cfg->on_quarantine = MA_ACTION_QUARANTINE;
    p.cfg->dmarc_mode = MAILAUTH_DMARC_RFC7489;
    f = fopen(path, "r");
    if (f == NULL) {
        ma_error_add(errs, 0, "%s: %s", path, strerror(errno));
        ma_config_free(p.cfg);
        return NULL;
    } else {
        parse_file(&p, f);
        fclose(f);
    }
    if (p.cfg->path == NULL) {
        ma_error_add(errs, 0, "out of memory");
        ma_config_free(p.cfg);
        return NULL;
    }
    if (f != NULL)
        finish(&p, socket_override);
    return p.cfg;
}

static void
free_specs(struct ma_keyspec *k, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(k[i].domain);
        free(k[i].selector);
        free(k[i].path);
    }
    free(k);
}

void
ma_config_free(struct ma_config *c)
{
    if (c == NULL)
        return;
    ma_keys_free(c);
    free(c->path);
    free(c->socket);
    free(c->authserv_id);
    free(c->user);
    free(c->dns_servers);
    free(c->zone_path);
    free(c->zone_text);
    free(c->internal);
    for (size_t i = 0; i < c->n_trusted; i++)
        free(c->trusted[i]);
    free(c->trusted);
    free_specs(c->sign, c->n_sign);
    free_specs(c->seal, c->seal != NULL ? 1 : 0);
    free(c->history);
    free(c->stats);
    free(c->stats_host);
    free(c);
}
