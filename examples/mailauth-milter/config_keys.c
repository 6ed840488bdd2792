/* mailauth-milter: one function per configuration key, walked from a table. */
#include <arpa/inet.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_parse.h"
#include "milter.h"

#define MAX_WORDS 64

typedef bool (*key_fn)(struct cfg_parse *p, unsigned line, char **w, size_t n);

struct key_def {
    const char *name;
    int         scalar; /* index into scalar_line, or -1 for a list key */
    size_t      min_words, max_words;
    key_fn      fn;
};

static void
note(struct cfg_parse *p, unsigned line)
{
    if (line != 0 && (p->first_err_line == 0 || line < p->first_err_line))
        p->first_err_line = line;
}

__attribute__((format(printf, 3, 4))) static bool
fail(struct cfg_parse *p, unsigned line, const char *fmt, ...)
{
    char    msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ma_error_add(p->errs, line, "%s", msg);
    note(p, line);
    return false;
}

static bool
set_str(char **dst, const char *v)
{
    char *s = strdup(v);
    if (s == NULL)
        return false;
    free(*dst);
    *dst = s;
    return true;
}

static bool
is_port(const char *s, uint16_t *out)
{
    unsigned v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10u + (unsigned)(*s - '0')) > 65535u)
            return false;
    }
    if (out != NULL)
        *out = (uint16_t)v;
    return v > 0;
}

/* A domain name as we accept it in the file: LDH labels separated by dots. */
static bool
is_domain(const char *s)
{
    size_t label = 0, total = 0;
    if (*s == '\0' || *s == '.')
        return false;
    for (; *s != '\0'; s++, total++) {
        char c = *s;
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return total <= 253;
}

bool
ma_socket_valid(const char *spec)
{
    const char *at;
    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
        const char *path = strchr(spec, ':') + 1;
        return path[0] == '/' && path[1] != '\0';
    }
    if (strncmp(spec, "inet:", 5) != 0 && strncmp(spec, "inet6:", 6) != 0)
        return false;
    spec = strchr(spec, ':') + 1;
    at = strchr(spec, '@');
    char   port[8];
    size_t plen = at != NULL ? (size_t)(at - spec) : strlen(spec);
    if (plen == 0 || plen >= sizeof(port))
        return false;
    memcpy(port, spec, plen);
    port[plen] = '\0';
    return is_port(port, NULL) && (at == NULL || at[1] != '\0');
}

static bool
k_socket(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    if (!ma_socket_valid(w[0]))
        return fail(p, line, "socket: %s: not a milter socket (unix:/PATH or inet:PORT@HOST)",
                    w[0]);
    p->cfg->socket_line = line;
    return set_str(&p->cfg->socket, w[0]);
}

static bool
k_authserv_id(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    for (const char *s = w[0]; *s != '\0'; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 127 || strchr(";()\"\\", *s) != NULL)
            return fail(p, line, "authserv_id: %s: not a token", w[0]);
    return set_str(&p->cfg->authserv_id, w[0]);
}

static bool
k_user(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    if (getpwnam(w[0]) == NULL)
        return fail(p, line, "user: %s: no such user", w[0]);
    return set_str(&p->cfg->user, w[0]);
}

/* One DNS server: "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:53". */
static bool
is_server(const char *s)
{
    char        a[64];
    uint8_t     bin[16];
    const char *colon = strchr(s, ':');
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (end == NULL || (size_t)(end - s - 1) >= sizeof(a) || end[1] != ':')
            return false;
        memcpy(a, s + 1, (size_t)(end - s - 1));
        a[end - s - 1] = '\0';
        return inet_pton(AF_INET6, a, bin) == 1 && is_port(end + 2, NULL);
    }
    if (colon != NULL && strchr(colon + 1, ':') != NULL) /* bare IPv6 */
        return inet_pton(AF_INET6, s, bin) == 1;
    size_t alen = colon != NULL ? (size_t)(colon - s) : strlen(s);
    if (alen >= sizeof(a))
        return false;
    memcpy(a, s, alen);
    a[alen] = '\0';
    return inet_pton(AF_INET, a, bin) == 1 && (colon == NULL || is_port(colon + 1, NULL));
}

static bool
k_dns(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    struct ma_config *c = p->cfg;
    size_t            len = 0;
    if (n == 1 && strcmp(w[0], "system") == 0) {
        c->dns = MA_DNS_SYSTEM;
        return true;
    }
    if (n == 1 && strncmp(w[0], "zone:", 5) == 0) {
        if (w[0][5] == '\0')
            return fail(p, line, "dns: %s: no zone file named", w[0]);
        c->dns = MA_DNS_ZONE;
        return set_str(&c->zone_path, w[0] + 5);
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_server(w[i]))
            return fail(p, line, "dns: %s: not system, zone:/PATH or IP[:PORT]", w[i]);
        len += strlen(w[i]) + 1;
    }
    free(c->dns_servers);
    if ((c->dns_servers = calloc(1, len)) == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(c->dns_servers, ",");
        strcat(c->dns_servers, w[i]);
    }
    c->dns = MA_DNS_SERVERS;
    return true;
}

static bool
k_dmarc_mode(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    if (strcmp(w[0], "7489") == 0)
        p->cfg->dmarc_mode = MAILAUTH_DMARC_RFC7489;
    else if (strcmp(w[0], "9989") == 0)
        p->cfg->dmarc_mode = MAILAUTH_DMARC_RFC9989;
    else
        return fail(p, line, "dmarc_mode: %s: not 7489 or 9989", w[0]);
    return true;
}

static bool
k_on_reject(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    if (strcmp(w[0], "reject") == 0)
        p->cfg->on_reject = MA_ACTION_REJECT;
    else if (strcmp(w[0], "quarantine") == 0)
        p->cfg->on_reject = MA_ACTION_QUARANTINE;
    else if (strcmp(w[0], "tag") == 0)
        p->cfg->on_reject = MA_ACTION_TAG;
    else
        return fail(p, line, "on_dmarc_reject: %s: not reject, quarantine or tag", w[0]);
    return true;
}

static bool
k_on_quarantine(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    if (strcmp(w[0], "quarantine") == 0)
        p->cfg->on_quarantine = MA_ACTION_QUARANTINE;
    else if (strcmp(w[0], "tag") == 0)
        p->cfg->on_quarantine = MA_ACTION_TAG;
    else
        return fail(p, line, "on_dmarc_quarantine: %s: not quarantine or tag", w[0]);
    return true;
}

static bool
k_internal(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    struct ma_config *c = p->cfg;
    struct ma_cidr   *t = realloc(c->internal, (c->n_internal + n) * sizeof(*t));
    if (t == NULL)
        return false;
    c->internal = t;
    for (size_t i = 0; i < n; i++)
        if (!ma_cidr_parse(w[i], &c->internal[c->n_internal++]))
            return fail(p, line, "internal_hosts: %s: not an address or ADDRESS/BITS", w[i]);
    c->internal_given = true;
    return true;
}

static bool
k_trusted(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    struct ma_config *c = p->cfg;
    char            **t = realloc(c->trusted, (c->n_trusted + n) * sizeof(*t));
    if (t == NULL)
        return false;
    c->trusted = t;
    for (size_t i = 0; i < n; i++) {
        if (!is_domain(w[i]))
            return fail(p, line, "trusted_sealer: %s: not a domain name", w[i]);
        if ((c->trusted[c->n_trusted] = strdup(w[i])) == NULL)
            return false;
        c->n_trusted++;
    }
    return true;
}

static bool
keyspec(struct cfg_parse *p, unsigned line, char **w, const char *key, struct ma_keyspec *k)
{
    const char *d = w[0];
    if (strcmp(key, "sign") == 0 && strncmp(d, "*.", 2) == 0)
        d += 2;
    if (!is_domain(d))
        return fail(p, line, "%s: %s: not a domain name", key, w[0]);
    if (!is_domain(w[1]))
        return fail(p, line, "%s: %s: not a selector", key, w[1]);
    k->line = line;
    k->domain = strdup(w[0]);
    k->selector = strdup(w[1]);
    k->path = strdup(w[2]);
    return k->domain != NULL && k->selector != NULL && k->path != NULL;
}

static bool
k_sign(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    struct ma_config  *c = p->cfg;
    struct ma_keyspec *t = realloc(c->sign, (c->n_sign + 1) * sizeof(*t));
    if (t == NULL)
        return false;
    c->sign = t;
    memset(&t[c->n_sign], 0, sizeof(*t));
    c->n_sign++;
    return keyspec(p, line, w, "sign", &t[c->n_sign - 1]);
}

static bool
k_seal(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    struct ma_config *c = p->cfg;
    if (c->seal == NULL && (c->seal = calloc(1, sizeof(*c->seal))) == NULL)
        return false;
    return keyspec(p, line, w, "seal", c->seal);
}

static bool
k_history(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    if (!ma_history_uri_valid(w[0]))
        return fail(p, line, "history: %s: not sqlite:PATH or postgresql://...", w[0]);
    if (!ma_history_available())
        return fail(p, line,
                    "history: this build has no libmailauth-report: no rows can be recorded");
    p->cfg->history_line = line;
    return set_str(&p->cfg->history, w[0]);
}

static bool
k_stats(struct cfg_parse *p, unsigned line, char **w, size_t n)
{
    struct ma_config *c = p->cfg;
    const char       *colon = strrchr(w[0], ':');
    char              host[64];
    uint8_t           bin[16];
    size_t            hlen = colon != NULL ? (size_t)(colon - w[0]) : 0;
    if (colon == NULL || hlen == 0 || hlen >= sizeof(host) || !is_port(colon + 1, &c->stats_port))
        return fail(p, line, "stats: %s: not ADDRESS:PORT", w[0]);
    memcpy(host, w[0], hlen);
    host[hlen] = '\0';
    if (host[0] == '[' && host[hlen - 1] == ']') {
        memmove(host, host + 1, hlen - 2);
        host[hlen - 2] = '\0';
    }
    if (inet_pton(AF_INET, host, bin) != 1 && inet_pton(AF_INET6, host, bin) != 1)
        return fail(p, line, "stats: %s: not ADDRESS:PORT (an IP address)", w[0]);
    return set_str(&c->stats, w[0]) && set_str(&c->stats_host, host);
}

static const struct key_def keys[] = {
    {"socket", 0, 1, 1, k_socket},
    {"authserv_id", 1, 1, 1, k_authserv_id},
    {"user", 2, 1, 1, k_user},
    {"dns", 3, 1, MAX_WORDS, k_dns},
    {"dmarc_mode", 4, 1, 1, k_dmarc_mode},
    {"on_dmarc_reject", 5, 1, 1, k_on_reject},
    {"on_dmarc_quarantine", 6, 1, 1, k_on_quarantine},
    {"internal_hosts", -1, 1, MAX_WORDS, k_internal},
    {"trusted_sealer", -1, 1, MAX_WORDS, k_trusted},
    {"sign", -1, 3, 3, k_sign},
    {"seal", 7, 3, 3, k_seal},
    {"history", 8, 1, 1, k_history},
    {"stats", 9, 1, 1, k_stats},
};

/* Split in place at blanks. */
static size_t
split(char *s, char **w, size_t max)
{
    size_t n = 0;
    while (*s != '\0') {
        while (*s == ' ' || *s == '\t')
            *s++ = '\0';
        if (*s == '\0')
            break;
        if (n == max)
            return max + 1;
        w[n++] = s;
        while (*s != '\0' && *s != ' ' && *s != '\t')
            s++;
    }
    return n;
}

static bool
check_words(struct cfg_parse *p, unsigned line, const struct key_def *k, size_t n)
{
    if (n == 0)
        return fail(p, line, "%s: no value", k->name);
    if (n < k->min_words || n > k->max_words) {
        ma_error_add(p->errs, line, "%s: takes %zu value%s", k->name, k->max_words,
                     k->max_words == 1 ? "" : "s (DOMAIN SELECTOR KEYFILE)");
        note(p, line);
        return false;
    }
    if (k->scalar >= 0 && p->scalar_line[k->scalar] != 0) {
        char first[32];
        snprintf(first, sizeof(first), "%u", p->scalar_line[k->scalar]);
        return fail(p, line, "%s: given again (first on line %s)", k->name, first);
    }
    return true;
}

bool
ma_cfg_key(struct cfg_parse *p, unsigned line, const char *name, const char *value)
{
    char  *copy = strdup(value), *w[MAX_WORDS + 1];
    size_t n;
    bool   ok = false;
    if (copy == NULL)
        return false;
    n = split(copy, w, MAX_WORDS);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(keys[i].name, name) != 0)
            continue;
        ok = check_words(p, line, &keys[i], n) && keys[i].fn(p, line, w, n);
        if (ok && keys[i].scalar >= 0)
            p->scalar_line[keys[i].scalar] = line;
        free(copy);
        return ok;
    }
    free(copy);
    return fail(p, line, "%s: unknown key", name);
}

bool
ma_cfg_strip_comment(const char *value, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *s = value; *s != '\0'; s++) {
        if (*s == '#' && (s == value || s[-1] == ' ' || s[-1] == '\t'))
            break;
        if (n + 1 >= cap)
            return false;
        out[n++] = *s;
    }
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
        n--;
    out[n] = '\0';
    return true;
}

bool
ma_cfg_line_reported(const struct cfg_parse *p, unsigned line)
{
    return p->first_err_line != 0 && p->first_err_line <= line;
}
