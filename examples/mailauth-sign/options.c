/* mailauth-sign: command-line options (the contract of DESIGN.md). */
#include <string.h>

#include "sign_tool.h"

enum opt_id {
    OPT_KEY,
    OPT_DOMAIN,
    OPT_SELECTOR,
    OPT_HEADERS,
    OPT_CANON,
    OPT_ALGORITHM,
    OPT_NOW,
    OPT_BODY_LENGTH,
    OPT_EXPIRE,
    OPT_AUID,
    OPT_DNS_RECORD,
    OPT_HELP,
    OPT_VERSION,
    OPT_AUTHSERV_ID, /* arc */
    OPT_IP,
    OPT_HELO,
    OPT_MAIL_FROM,
    OPT_ZONE
};

struct opt_def {
    const char *name; /* without the leading "--" */
    enum opt_id id;
    bool        has_arg;
};

static const struct opt_def opt_defs[] = {
    {"key", OPT_KEY, true},
    {"domain", OPT_DOMAIN, true},
    {"selector", OPT_SELECTOR, true},
    {"headers", OPT_HEADERS, true},
    {"canon", OPT_CANON, true},
    {"algorithm", OPT_ALGORITHM, true},
    {"now", OPT_NOW, true},
    {"body-length", OPT_BODY_LENGTH, false},
    {"expire", OPT_EXPIRE, true},
    {"auid", OPT_AUID, true},
    {"dns-record", OPT_DNS_RECORD, false},
    {"help", OPT_HELP, false},
    {"version", OPT_VERSION, false},
    {"authserv-id", OPT_AUTHSERV_ID, true},
    {"ip", OPT_IP, true},
    {"helo", OPT_HELO, true},
    {"mail-from", OPT_MAIL_FROM, true},
    {"zone", OPT_ZONE, true},
};

#define N_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

void
sign_print_usage(FILE *f)
{
    fputs("Usage: " SIGN_PROG " dkim --key FILE --domain D --selector S [options] [FILE|-]\n"
          "       " SIGN_PROG " dkim --key FILE [--domain D --selector S] --dns-record\n"
          "       " SIGN_PROG " arc --key FILE --domain D --selector S --authserv-id ID\n"
          "                    [--ip A] [--helo H] [--mail-from M] [--zone FILE]... [FILE|-]\n"
          "Sign one message (read from FILE, or stdin without FILE or with -) and print\n"
          "it with a new DKIM-Signature header field in front; arc: validate its ARC\n"
          "chain, add this host's Authentication-Results and a new ARC set in front.\n"
          "\n"
          "Options:\n"
          "  --key FILE             PEM private key: RSA (PKCS#1 or PKCS#8) or Ed25519 (PKCS#8)\n"
          "  --domain D             signing domain (d=)\n"
          "  --selector S           selector (s=)\n"
          "  --headers a:b:c        sign exactly these fields (default: From, oversigned,\n"
          "                         and the usual set, each as often as it occurs)\n"
          "  --canon H[/B]          canonicalization, simple or relaxed (default relaxed/relaxed;\n"
          "                         a single name means H/simple, as in RFC 6376 c=)\n"
          "  --algorithm A          rsa-sha256 or ed25519-sha256; must match the key\n"
          "  --now EPOCH            signing time (t=), seconds since 1970-01-01 UTC\n"
          "  --expire SECONDS       add x= (t= + SECONDS)\n"
          "  --auid ADDR            add i= (the identity; its domain is d= or below)\n"
          "  --body-length          add l= (the body length signed; lets anyone append)\n"
          "  --dns-record           print the key's DNS TXT record (zone line) and exit\n"
          "arc only:\n"
          "  --authserv-id ID       this host's authserv-id (A-R fields carried by the AAR)\n"
          "  --ip A, --helo H       SMTP client address and HELO name (SPF of this host)\n"
          "  --mail-from M          envelope sender (\"\" is the null sender)\n"
          "  --zone FILE            answer DNS from this zone file (repeatable; no network)\n"
          "  --help                 print this help and exit\n"
          "  --version              print the library version and exit\n"
          "\n"
          "Exit status: 0 signed, 64 usage error (also: unusable key, algorithm not the\n"
          "key's), 66 input unreadable or not signable, 70 internal error, 75 arc: a key\n"
          "of the incoming chain could not be fetched now (try again later).\n",
          f);
}

static int
usage_error(const char *what, const char *arg)
{
    if (arg != NULL)
        fprintf(stderr, "%s: %s '%s' (see --help)\n", SIGN_PROG, what, arg);
    else
        fprintf(stderr, "%s: %s (see --help)\n", SIGN_PROG, what);
    return SIGN_EXIT_USAGE;
}

/* Decimal digits only, at most max. */
static bool
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

static bool
parse_canon_name(const char *s, size_t n, mailauth_canon_t *out)
{
    if (n == 6 && strncmp(s, "simple", 6) == 0)
        *out = MAILAUTH_CANON_SIMPLE;
    else if (n == 7 && strncmp(s, "relaxed", 7) == 0)
        *out = MAILAUTH_CANON_RELAXED;
    else
        return false;
    return true;
}

/* RFC 6376 §3.5 c=: "header[/body]"; the body defaults to simple. */
static bool
parse_canon(const char *s, struct sign_opts *o)
{
    const char *slash = strchr(s, '/');
    o->c_body = MAILAUTH_CANON_SIMPLE;
    if (slash == NULL)
        return parse_canon_name(s, strlen(s), &o->c_header);
    return parse_canon_name(s, (size_t)(slash - s), &o->c_header) &&
           parse_canon_name(slash + 1, strlen(slash + 1), &o->c_body);
}

static int
apply_opt(enum opt_id id, const char *arg, struct sign_opts *o)
{
    uint64_t v = 0;
    switch (id) {
    case OPT_KEY:
        o->key = arg;
        break;
    case OPT_DOMAIN:
        o->domain = arg;
        break;
    case OPT_SELECTOR:
        o->selector = arg;
        break;
    case OPT_HEADERS:
        o->headers = arg;
        break;
    case OPT_AUID:
        o->auid = arg;
        break;
    case OPT_CANON:
        if (!parse_canon(arg, o))
            return usage_error("--canon: expected simple or relaxed, optionally /simple or "
                               "/relaxed, got",
                               arg);
        o->have_canon = true;
        break;
    case OPT_ALGORITHM:
        if (strcmp(arg, "rsa-sha256") == 0)
            o->alg = MAILAUTH_KEY_RSA;
        else if (strcmp(arg, "ed25519-sha256") == 0)
            o->alg = MAILAUTH_KEY_ED25519;
        else
            return usage_error("--algorithm: expected rsa-sha256 or ed25519-sha256, got", arg);
        o->have_alg = true;
        break;
    case OPT_NOW:
        if (!parse_uint(arg, 253402300799u, &o->now)) /* up to 9999-12-31T23:59:59Z */
            return usage_error("--now: not a time in seconds since the epoch:", arg);
        o->have_now = true;
        break;
    case OPT_EXPIRE:
        if (!parse_uint(arg, UINT32_MAX, &v) || v == 0)
            return usage_error("--expire: expected a number of seconds (1 or more), got", arg);
        o->expire = (uint32_t)v;
        break;
    case OPT_BODY_LENGTH:
        o->body_length = true;
        break;
    case OPT_DNS_RECORD:
        o->dns_record = true;
        break;
    case OPT_HELP:
        o->help = true;
        break;
    case OPT_VERSION:
        o->version = true;
        break;
    case OPT_AUTHSERV_ID:
        o->authserv_id = arg;
        break;
    case OPT_IP:
        o->ip = arg;
        break;
    case OPT_HELO:
        o->helo = arg;
        break;
    case OPT_MAIL_FROM:
        o->mail_from = arg;
        break;
    case OPT_ZONE:
        if (o->nzones == SIGN_MAX_ZONES)
            return usage_error("--zone given too often:", arg);
        o->zones[o->nzones++] = arg;
        break;
    }
    return SIGN_EXIT_OK;
}

/* One "--name", "--name=value" or "--name value" at argv[*i]. */
static int
parse_long(int argc, char **argv, int *i, struct sign_opts *o)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t      n = eq != NULL ? (size_t)(eq - name) : strlen(name);
    for (size_t k = 0; k < N_OPTS; k++) {
        const struct opt_def *d = &opt_defs[k];
        const char           *arg = ""; /* options without a value get "" */
        if (strlen(d->name) != n || strncmp(d->name, name, n) != 0)
            continue;
        if (!d->has_arg) {
            if (eq != NULL)
                return usage_error("option takes no value:", argv[*i]);
        } else if (eq != NULL) {
            arg = eq + 1;
        } else if (*i + 1 < argc) {
            arg = argv[++*i];
        } else {
            return usage_error("option needs a value:", argv[*i]);
        }
        return apply_opt(d->id, arg, o);
    }
    return usage_error("unknown option", argv[*i]);
}

/* arc: the set is always relaxed/relaxed, full body, no i=/x= (RFC 8617
 * §4.1.2 fields are made by the sealer). */
static int
check_arc(const struct sign_opts *o)
{
    if (o->have_canon || o->auid != NULL || o->body_length || o->expire != 0 || o->dns_record)
        return usage_error("arc takes no --canon, --auid, --body-length, --expire or --dns-record",
                           NULL);
    if (o->key == NULL)
        return usage_error("--key is required", NULL);
    if (o->domain == NULL || o->selector == NULL)
        return usage_error("arc: --domain and --selector are required", NULL);
    if (o->authserv_id == NULL)
        return usage_error("arc: --authserv-id is required", NULL);
    if (o->mail_from != NULL && o->ip == NULL)
        return usage_error("arc: --mail-from needs --ip (the SPF check)", NULL);
    return SIGN_EXIT_OK;
}

static int
check_combination(const struct sign_opts *o)
{
    if (o->help || o->version)
        return SIGN_EXIT_OK;
    if (o->cmd == SIGN_CMD_NONE)
        return usage_error("expected a command: dkim or arc", NULL);
    if (o->cmd == SIGN_CMD_ARC)
        return check_arc(o);
    if (o->authserv_id != NULL || o->ip != NULL || o->helo != NULL || o->mail_from != NULL ||
        o->nzones > 0)
        return usage_error("--authserv-id, --ip, --helo, --mail-from and --zone are for arc", NULL);
    if (o->key == NULL)
        return usage_error("--key is required", NULL);
    if (o->dns_record) {
        if (o->input != NULL)
            return usage_error("--dns-record reads no message, but got", o->input);
        if ((o->domain == NULL) != (o->selector == NULL))
            return usage_error("--dns-record: give both --domain and --selector, or neither", NULL);
        return SIGN_EXIT_OK;
    }
    if (o->domain == NULL)
        return usage_error("--domain is required", NULL);
    if (o->selector == NULL)
        return usage_error("--selector is required", NULL);
    return SIGN_EXIT_OK;
}

/* The first word is the command. */
static int
parse_command(const char *a, struct sign_opts *o, bool *stop)
{
    *stop = false;
    if (strcmp(a, "dkim") == 0) {
        o->cmd = SIGN_CMD_DKIM;
    } else if (strcmp(a, "arc") == 0) {
        o->cmd = SIGN_CMD_ARC;
    } else {
        return usage_error("unknown command (expected dkim or arc):", a);
    }
    return SIGN_EXIT_OK;
}

int
sign_parse_options(int argc, char **argv, struct sign_opts *o)
{
    bool opts_done = false, stop = false;
    for (int i = 1; i < argc && !stop; i++) {
        const char *a = argv[i];
        int         rc = SIGN_EXIT_OK;
        if (!opts_done && strcmp(a, "--") == 0) {
            opts_done = true;
        } else if (!opts_done && strncmp(a, "--", 2) == 0) {
            rc = parse_long(argc, argv, &i, o);
        } else if (!opts_done && strcmp(a, "-h") == 0) {
            o->help = true;
        } else if (!opts_done && a[0] == '-' && a[1] != '\0') {
            rc = usage_error("unknown option", a);
        } else if (o->cmd == SIGN_CMD_NONE) {
            rc = parse_command(a, o, &stop);
        } else if (o->input != NULL) {
            rc = usage_error("more than one message given:", a);
        } else {
            o->input = a;
        }
        if (rc != SIGN_EXIT_OK)
            return rc;
    }
    return check_combination(o);
}
