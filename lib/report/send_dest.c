/* libmailauth-report: report destinations. A rua=/ruf= URI (RFC 7489
 * §6.2 with its "!size" suffix), and the external destination check of
 * RFC 9990 §3 (RFC 9991 §5 for ruf=). */
#include <stdio.h>
#include <string.h>

#include <mailauth/dns.h>

#include "gen_int.h"

const char *
mailauth_report_dest_state_name(mailauth_report_dest_state_t s)
{
    switch (s) {
    case MAILAUTH_REPORT_DEST_OK:
        return "ok";
    case MAILAUTH_REPORT_DEST_UNAUTHORIZED:
        return "unauthorized";
    case MAILAUTH_REPORT_DEST_DEFERRED:
        return "deferred";
    case MAILAUTH_REPORT_DEST_TOO_BIG:
        return "too-big";
    case MAILAUTH_REPORT_DEST_UNSUPPORTED:
        return "unsupported";
    }
    return "unknown";
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool
blank(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 7489 §6.2: "!" 1*DIGIT [ "k" / "m" / "g" / "t" ], powers of two.
 * Returns the position of the '!' (or the end), and the limit in *limit. */
static size_t
size_suffix(const char *u, size_t n, uint64_t *limit, bool *bad)
{
    size_t   bang = n;
    uint64_t v = 0;
    unsigned shift = 0;
    *limit = 0;
    *bad = false;
    for (size_t i = n; i > 0; i--)
        if (u[i - 1] == '!') {
            bang = i - 1;
            break;
        }
    if (bang == n)
        return n;
    size_t end = n;
    switch (n > bang + 1 ? u[n - 1] : '\0') {
    case 'k':
    case 'K':
        shift = 10;
        end--;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end--;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end--;
        break;
    case 't':
    case 'T':
        shift = 40;
        end--;
        break;
    default:
        break;
    }
    if (end == bang + 1)
        *bad = true;
    for (size_t i = bang + 1; i < end && !*bad; i++) {
        if (u[i] < '0' || u[i] > '9' || v > (UINT64_MAX >> 44) / 10)
            *bad = true;
        else
            v = v * 10 + (uint64_t)(u[i] - '0');
    }
    *limit = v << shift;
    return bang;
}

/* mailto:local@host (RFC 6068), percent-decoded, up to '?' (headers are ignored). */
static bool
parse_mailto(const char *u, size_t n, mailauth_report_dest_t *out)
{
    size_t            j = 0;
    char             *at;
    static const char scheme[] = "mailto:";
    if (n < 7)
        return false;
    for (size_t i = 0; i < 7; i++) /* RFC 3986 §3.1: schemes are case-insensitive */
        if ((u[i] >= 'A' && u[i] <= 'Z' ? (char)(u[i] - 'A' + 'a') : u[i]) != scheme[i])
            return false;
    for (size_t i = 7; i < n && u[i] != '?'; i++) {
        char c = u[i];
        if (c == '%' && i + 2 < n && hexval(u[i + 1]) >= 0 && hexval(u[i + 2]) >= 0) {
            c = (char)(hexval(u[i + 1]) * 16 + hexval(u[i + 2]));
            i += 2;
        }
        if ((unsigned char)c <= ' ' || c == '<' || c == '>' || c == ',' || c == 0x7f ||
            j + 1 >= sizeof(out->address))
            return false;
        out->address[j++] = c;
    }
    out->address[j] = '\0';
    at = strrchr(out->address, '@');
    if (at == NULL || at == out->address || at[1] == '\0' || strlen(at + 1) >= sizeof(out->host))
        return false;
    for (size_t i = 0; at[1 + i] != '\0'; i++) {
        char c = at[1 + i];
        out->host[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        out->host[i + 1] = '\0';
    }
    return true;
}

static bool
same_org(const mailauth_report_dest_check_t *chk, const char *policy_domain, const char *host)
{
    char a[256];
    char b[256];
    if (chk->orgdomain != NULL) {
        if (chk->orgdomain(chk->orgdomain_ud, policy_domain, a, sizeof(a)) != 0 ||
            chk->orgdomain(chk->orgdomain_ud, host, b, sizeof(b)) != 0)
            return false;
        return mailauth_report__ieq(a, b);
    }
    /* Without a public suffix list: only a host that is the policy domain
     * or under it (or above it) counts as inside. Anything else is
     * verified, which at worst drops a destination its owner did not
     * confirm. */
    return mailauth_report__under(host, policy_domain) ||
           mailauth_report__under(policy_domain, host);
}

/* RFC 9990 §3 step 6: "v=DMARC1" must be the first tag. */
static bool
starts_dmarc1(const char *txt, size_t len)
{
    size_t i = 0;
    while (i < len && blank(txt[i]))
        i++;
    if (i >= len || (txt[i] != 'v' && txt[i] != 'V'))
        return false;
    i++;
    while (i < len && blank(txt[i]))
        i++;
    if (i >= len || txt[i] != '=')
        return false;
    i++;
    while (i < len && blank(txt[i]))
        i++;
    if (len - i < 6 || strncmp(txt + i, "DMARC1", 6) != 0)
        return false;
    i += 6;
    while (i < len && blank(txt[i]))
        i++;
    return i == len || txt[i] == ';';
}

struct seen {
    mailauth_dns_rcode_t rcode;
    bool                 authorized;
};

static void
on_answer(void *ud, const mailauth_dns_answer_t *a)
{
    struct seen *s = ud;
    s->rcode = a->rcode;
    for (size_t i = 0; a->rcode == MAILAUTH_DNS_RECORDS && i < a->count; i++)
        if (starts_dmarc1(a->records[i].data, a->records[i].len))
            s->authorized = true;
}

static mailauth_status_t
verify_external(const mailauth_report_dest_check_t *chk, const char *policy_domain,
                mailauth_report_dest_t *out)
{
    char              name[600];
    struct seen       seen = {MAILAUTH_DNS_TEMPFAIL, false};
    mailauth_status_t st;
    int n = snprintf(name, sizeof(name), "%s._report._dmarc.%s", policy_domain, out->host);
    /* Step 4: a name over the DNS limits cannot confirm anything. */
    if (n < 0 || (size_t)n > 253) {
        out->state = MAILAUTH_REPORT_DEST_UNAUTHORIZED;
        return MAILAUTH_OK;
    }
    st = mailauth_resolver_lookup_sync(chk->resolver, name, MAILAUTH_DNS_TXT, chk->timeout_ms,
                                       on_answer, &seen);
    if (st == MAILAUTH_EINVAL) { /* a label too long or empty: no such name */
        out->state = MAILAUTH_REPORT_DEST_UNAUTHORIZED;
        return MAILAUTH_OK;
    }
    if (st == MAILAUTH_ENOMEM)
        return st;
    /* Step 5: a temporary failure defers; steps 7-8: a v=DMARC1 record authorizes. */
    if (st != MAILAUTH_OK || seen.rcode == MAILAUTH_DNS_TEMPFAIL)
        out->state = MAILAUTH_REPORT_DEST_DEFERRED;
    else
        out->state = seen.authorized ? MAILAUTH_REPORT_DEST_OK : MAILAUTH_REPORT_DEST_UNAUTHORIZED;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_report_dest_parse(const char *uri, mailauth_report_dest_t *out)
{
    size_t n;
    size_t end;
    bool   bad = false;
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (uri == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    while (blank(*uri))
        uri++;
    n = strlen(uri);
    while (n > 0 && blank(uri[n - 1]))
        n--;
    end = size_suffix(uri, n, &out->limit, &bad);
    if (bad || !parse_mailto(uri, end, out)) {
        memset(out, 0, sizeof(*out));
        out->state = MAILAUTH_REPORT_DEST_UNSUPPORTED;
    }
    out->version = MAILAUTH_REPORT_STRUCT_VERSION;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_report_dest_verify(const mailauth_report_dest_check_t *chk, const char *policy_domain,
                            const char *uri, uint64_t size, mailauth_report_dest_t *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (chk == NULL || chk->version != MAILAUTH_REPORT_STRUCT_VERSION || chk->resolver == NULL ||
        policy_domain == NULL || *policy_domain == '\0' || uri == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    (void)mailauth_report_dest_parse(uri, out);
    if (out->state != MAILAUTH_REPORT_DEST_OK)
        return MAILAUTH_OK;
    if (out->limit != 0 && size > out->limit) {
        out->state = MAILAUTH_REPORT_DEST_TOO_BIG;
        return MAILAUTH_OK;
    }
    if (same_org(chk, policy_domain, out->host))
        return MAILAUTH_OK;
    return verify_external(chk, policy_domain, out);
}
