/* mailauth-check --from-headers: the SMTP envelope guessed from a saved
 * message. The receiving MTA records the client address and HELO name in
 * the Received field it adds on top (RFC 5321 §4.4: "from" clause, with the
 * TCP-info comment holding the address), and the MAIL FROM in Return-Path
 * at delivery. Anyone upstream can forge these fields, so this is a
 * convenience for re-checking saved mail, never a basis for trust. */
#include <arpa/inet.h>
#include <string.h>

#include "check.h"

/* Header fields longer than this are not looked at. */
#define FIELD_MAX 8192

static bool
is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
prefix_ci(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (lower(s[i]) != p[i])
            return false;
    return true;
}

/* The unfolded value of the first field named `name` (lower case, with
 * the colon) into out; false when there is none in the header section. */
static bool
first_field(const char *msg, size_t len, const char *name, char *out, size_t cap)
{
    size_t pos = 0;
    while (pos < len && msg[pos] != '\r' && msg[pos] != '\n') {
        size_t start = pos, o = 0;
        do { /* the field's lines: the first, then those starting with WSP */
            while (pos < len && msg[pos] != '\n')
                pos++;
            pos += pos < len;
        } while (pos < len && is_wsp(msg[pos]));
        if (!prefix_ci(msg + start, pos - start, name))
            continue;
        for (size_t i = start + strlen(name); i < pos && o + 1 < cap; i++)
            if (msg[i] != '\r' && msg[i] != '\n')
                out[o++] = msg[i];
        out[o] = '\0';
        return true;
    }
    return false;
}

/* Copy [s, s+n) into out (cap bytes) if it fits; false otherwise. */
static bool
copy(char *out, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap)
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* A HELO name we pass on: a domain-like token or an address literal. */
static bool
helo_ok(const char *s)
{
    if (s[0] == '[')
        return s[strlen(s) - 1] == ']';
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '-' || *s == '_'))
            return false;
    return true;
}

/* The first "[address]" of the from clause (a leading "IPv6:" dropped). */
static void
clause_ip(const char *s, size_t n, char *ip, size_t cap)
{
    unsigned char buf[16];
    for (size_t i = 0; i < n; i++) {
        const char *end;
        size_t      k;
        if (s[i] != '[' || (end = memchr(s + i, ']', n - i)) == NULL)
            continue;
        k = (size_t)(end - (s + i + 1));
        if (prefix_ci(s + i + 1, k, "ipv6:"))
            i += 5, k -= 5;
        if (copy(ip, cap, s + i + 1, k) &&
            (inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1))
            return;
        ip[0] = '\0';
    }
}

/* "from HELO (rdns [IP]) by ...", or Exim's "from [IP] (helo=HELO) by ...". */
static void
parse_received(const char *v, struct check_envelope_guess *g)
{
    size_t      n = 0, k = 0;
    const char *h;
    while (is_wsp(*v))
        v++;
    if (!prefix_ci(v, strlen(v), "from") || !is_wsp(v[4]))
        return;
    v += 4;
    while (is_wsp(*v))
        v++;
    while (v[n] != '\0' && v[n] != ';' && !(is_wsp(v[n]) && prefix_ci(v + n + 1, 3, "by ")))
        n++; /* the from clause ends at " by " or ';' */
    while (k < n && !is_wsp(v[k]) && v[k] != '(')
        k++;
    (void)copy(g->helo, sizeof(g->helo), v, k);
    clause_ip(v, n, g->ip, sizeof(g->ip));
    for (h = v; h < v + n; h++) {
        if (prefix_ci(h, (size_t)(v + n - h), "helo=")) {
            size_t m = 0;
            h += 5;
            while (h + m < v + n && !is_wsp(h[m]) && h[m] != ')')
                m++;
            (void)copy(g->helo, sizeof(g->helo), h, m);
            break;
        }
    }
    if (!helo_ok(g->helo))
        g->helo[0] = '\0';
}

/* "<addr>" (or a bare address); "<>" is the null sender. */
static void
parse_return_path(const char *v, struct check_envelope_guess *g)
{
    const char *lt = strchr(v, '<'), *gt;
    size_t      n;
    if (lt != NULL && (gt = strchr(lt, '>')) != NULL) {
        v = lt + 1;
        n = (size_t)(gt - v);
    } else {
        while (is_wsp(*v))
            v++;
        n = strcspn(v, " \t");
    }
    if (n == 0) {
        g->mail_from[0] = '\0';
        g->have_mail_from = true;
    } else {
        g->have_mail_from = copy(g->mail_from, sizeof(g->mail_from), v, n) &&
                            strpbrk(g->mail_from, " \t<>") == NULL;
    }
}

void
check_guess_envelope(const char *msg, size_t len, struct check_envelope_guess *out)
{
    char field[FIELD_MAX];
    memset(out, 0, sizeof(*out));
    if (msg == NULL)
        return;
    if (first_field(msg, len, "received:", field, sizeof(field)))
        parse_received(field, out);
    if (first_field(msg, len, "return-path:", field, sizeof(field)))
        parse_return_path(field, out);
}
