/* mailauth-sign: command-line options (the contract of its manual, docs/mailauth-sign.1.md). */
#include <string.h>
#include <strings.h>

#include "sign_tool.h"
#include "tool.h"

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
    OPT_ZONE,
    OPT_BITS, /* keygen */
    OPT_OUT
};

static const struct tool_opt opt_defs[] = {
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
    {"bits", OPT_BITS, true},
    {"out", OPT_OUT, true},
};

#define N_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

void
sign_print_usage(FILE *f)
{
    fputs("Usage: " SIGN_PROG " dkim --key FILE --domain D --selector S [options] [FILE|-]\n"
          "       " SIGN_PROG " dkim [--domain D] --key FILE --selector S [--domain D]\n"
          "                    [--algorithm A] --key FILE --selector S ... [options] [FILE|-]\n"
          "       " SIGN_PROG " dkim --key FILE [--domain D --selector S]... --dns-record\n"
          "       " SIGN_PROG " arc --key FILE --domain D --selector S --authserv-id ID\n"
          "                    [--ip A] [--helo H] [--mail-from M] [--zone FILE]... [FILE|-]\n"
          "       " SIGN_PROG " keygen --algorithm A [--bits N] --domain D --selector S\n"
          "                    --out KEYFILE\n"
          "Sign one message (read from FILE, or stdin without FILE or with -) and print\n"
          "it with a new DKIM-Signature header field in front (one per --key, the\n"
          "first key's on top); arc: validate its ARC chain, add this host's\n"
          "Authentication-Results and a new ARC set in front;\n"
          "keygen: make a key, write it to KEYFILE (mode 0600), print its TXT record.\n"
          "\n"
          "Options:\n"
          "  --key FILE             PEM private key: RSA (PKCS#1 or PKCS#8) or Ed25519 (PKCS#8);\n"
          "                         dkim: repeat it to sign with up to 8 keys in one pass\n"
          "  --domain D             signing domain (d=); after a --key: that key's, before\n"
          "                         the first --key: every key's unless it gives its own\n"
          "  --selector S           selector (s=); with several keys, after its --key\n"
          "  --headers a:b:c        sign exactly these fields (default: From, oversigned,\n"
          "                         and the usual set, each as often as it occurs)\n"
          "  --canon H[/B]          canonicalization, simple or relaxed (default relaxed/relaxed;\n"
          "                         a single name means H/simple, as in RFC 6376 c=)\n"
          "  --algorithm A          rsa-sha256 or ed25519-sha256; must match the key (with\n"
          "                         several keys, the --key before it)\n"
          "  --now EPOCH            signing time (t=), seconds since 1970-01-01 UTC\n"
          "  --expire SECONDS       add x= (t= + SECONDS)\n"
          "  --auid ADDR            add i= (the identity; its domain is d= or below)\n"
          "  --body-length          add l= (the body length signed; lets anyone append)\n"
          "  --dns-record           print each key's DNS TXT record (zone line) and exit\n"
          "arc only:\n"
          "  --authserv-id ID       this host's authserv-id (A-R fields carried by the AAR)\n"
          "  --ip A, --helo H       SMTP client address and HELO name (SPF of this host)\n"
          "  --mail-from M          envelope sender (\"\" is the null sender)\n"
          "  --zone FILE            answer DNS from this zone file (repeatable; no network)\n"
          "keygen only:\n"
          "  --algorithm A          rsa-sha256 or ed25519-sha256 (required)\n"
          "  --bits N               RSA modulus size, 1024 to 8192 (default 2048)\n"
          "  --out KEYFILE          write the private key here (PKCS#8 PEM, mode 0600;\n"
          "                         an existing file is never overwritten)\n"
          "  --help, -h             print this help and exit\n"
          "  --version              print the library version and exit\n"
          "\n"
          "Exit status: 0 signed, 64 usage error (also: unusable key, algorithm not the\n"
          "key's, a domain or selector that is not a valid name, two keys under one\n"
          "domain and selector, a --selector not clearly one key's), 66 input unreadable\n"
          "or not signable, 70 internal error, 73 keygen: KEYFILE cannot be created (or\n"
          "exists), 75 arc: a key of the incoming chain could not be fetched now (try\n"
          "again later).\n",
          f);
}

static int
usage_error(const char *what, const char *arg)
{
    return tool_usage_error(SIGN_PROG, what, arg);
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

/* --domain, --selector, --algorithm go to the key of the last --key (or
 * to what comes before the first); each once there: a second is ambiguous. */
static int
given_twice(const struct sign_opts *o, const char *opt)
{
    if (o->nkeys == 0) {
        fprintf(stderr, "%s: %s given twice (see --help)\n", SIGN_PROG, opt);
        return SIGN_EXIT_USAGE;
    }
    fprintf(stderr, "%s: %s given twice for --key %s (at most one per --key)\n", SIGN_PROG, opt,
            o->keys[o->nkeys].file);
    return SIGN_EXIT_USAGE;
}

static int
set_key_name(struct sign_opts *o, const char **slot, const char *opt, const char *arg)
{
    if (*slot != NULL)
        return given_twice(o, opt);
    *slot = arg;
    return SIGN_EXIT_OK;
}

static int
parse_algorithm(struct sign_opts *o, const char *arg)
{
    struct sign_key *k = &o->keys[o->nkeys];
    if (k->have_alg)
        return given_twice(o, "--algorithm");
    if (strcmp(arg, "rsa-sha256") == 0)
        k->alg = MAILAUTH_KEY_RSA;
    else if (strcmp(arg, "ed25519-sha256") == 0)
        k->alg = MAILAUTH_KEY_ED25519;
    else
        return usage_error("--algorithm: expected rsa-sha256 or ed25519-sha256, got", arg);
    k->have_alg = true;
    return SIGN_EXIT_OK;
}

static int
apply_opt(void *ud, int id, const char *arg)
{
    struct sign_opts *o = ud;
    uint64_t          v = 0;
    switch ((enum opt_id)id) {
    case OPT_KEY:
        if (o->nkeys == SIGN_MAX_KEYS)
            return usage_error("--key given more than 8 times:", arg);
        o->keys[++o->nkeys].file = arg;
        break;
    case OPT_DOMAIN:
        return set_key_name(o, &o->keys[o->nkeys].domain, "--domain", arg);
    case OPT_SELECTOR:
        return set_key_name(o, &o->keys[o->nkeys].selector, "--selector", arg);
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
        return parse_algorithm(o, arg);
    case OPT_NOW:
        if (!tool_parse_uint(arg, 253402300799u, &o->now)) /* up to 9999-12-31T23:59:59Z */
            return usage_error("--now: not a time in seconds since the epoch:", arg);
        o->have_now = true;
        break;
    case OPT_EXPIRE:
        if (!tool_parse_uint(arg, UINT32_MAX, &v) || v == 0)
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
    case OPT_BITS:
        if (!tool_parse_uint(arg, SIGN_RSA_BITS_MAX, &v) || v < SIGN_RSA_BITS_MIN)
            return usage_error("--bits: expected 1024 to 8192, got", arg);
        o->bits = (unsigned)v;
        break;
    case OPT_OUT:
        o->out = arg;
        break;
    }
    return SIGN_EXIT_OK;
}

/* arc: the set is always relaxed/relaxed, full body, no i=/x= (RFC 8617
 * §4.1.2 fields are made by the sealer). */
static int
check_arc(const struct sign_opts *o)
{
    if (o->have_canon || o->auid != NULL || o->body_length || o->expire != 0 || o->dns_record)
        return usage_error("arc takes no --canon, --auid, --body-length, --expire or --dns-record",
                           NULL);
    if (o->nkeys == 0)
        return usage_error("--key is required", NULL);
    if (o->nkeys > 1)
        return usage_error("arc takes one --key (one ARC set per host)", NULL);
    if (o->domain == NULL || o->selector == NULL)
        return usage_error("arc: --domain and --selector are required", NULL);
    if (o->authserv_id == NULL)
        return usage_error("arc: --authserv-id is required", NULL);
    if (o->mail_from != NULL && o->ip == NULL)
        return usage_error("arc: --mail-from needs --ip (the SPF check)", NULL);
    return SIGN_EXIT_OK;
}

/* keygen: the key's algorithm and where it goes, and the names of its record. */
static int
check_keygen(struct sign_opts *o)
{
    if (o->nkeys > 0 || o->headers != NULL || o->have_canon || o->have_now || o->expire != 0 ||
        o->auid != NULL || o->body_length || o->dns_record || o->authserv_id != NULL ||
        o->ip != NULL || o->helo != NULL || o->mail_from != NULL || o->nzones > 0)
        return usage_error("keygen takes only --algorithm, --bits, --domain, --selector and --out",
                           NULL);
    if (o->input != NULL)
        return usage_error("keygen reads no message, but got", o->input);
    if (!o->have_alg)
        return usage_error("keygen: --algorithm is required (rsa-sha256 or ed25519-sha256)", NULL);
    if (o->domain == NULL || o->selector == NULL)
        return usage_error("keygen: --domain and --selector are required", NULL);
    if (o->out == NULL || strcmp(o->out, "-") == 0)
        return usage_error("keygen: --out KEYFILE is required (the key is never printed)", NULL);
    if (o->bits != 0 && o->alg != MAILAUTH_KEY_RSA)
        return usage_error("keygen: --bits is for rsa-sha256 keys only", NULL);
    if (o->bits == 0)
        o->bits = SIGN_RSA_BITS_DEFAULT;
    return SIGN_EXIT_OK;
}

/* With one --key, --selector and --algorithm may also come before it (as
 * in 1.0), but not on both sides; --domain after it overrides the one
 * before. keys[1] is then complete, and o->key, domain, selector name it. */
static int
merge_single_key(struct sign_opts *o)
{
    struct sign_key *k0 = &o->keys[0], *k = &o->keys[o->nkeys];
    if (o->nkeys == 1 && k0->selector != NULL && k->selector != NULL)
        return given_twice(o, "--selector");
    if (o->nkeys == 1 && k0->have_alg && k->have_alg)
        return given_twice(o, "--algorithm");
    if (k->selector == NULL)
        k->selector = k0->selector;
    if (!k->have_alg) {
        k->have_alg = k0->have_alg;
        k->alg = k0->alg;
    }
    if (k->domain == NULL)
        k->domain = k0->domain;
    o->key = k->file;
    o->domain = k->domain;
    o->selector = k->selector;
    o->have_alg = k->have_alg;
    o->alg = k->alg;
    return SIGN_EXIT_OK;
}

static bool
same_name(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/* A key's names are missing: say which key, and with several how options
 * pair with keys. */
static int
key_error(const struct sign_opts *o, const struct sign_key *k, const char *what)
{
    if (o->nkeys == 1)
        return usage_error(what, NULL);
    fprintf(stderr,
            "%s: %s for --key %s (a --domain, --selector or --algorithm belongs to the --key "
            "before it; a --domain before the first --key applies to every key)\n",
            SIGN_PROG, what, k->file);
    return SIGN_EXIT_USAGE;
}

/* dkim: every key complete, no two under one record name. */
static int
check_dkim_keys(struct sign_opts *o)
{
    const struct sign_key *k0 = &o->keys[0];
    if (o->nkeys == 0)
        return usage_error("--key is required", NULL);
    if (o->nkeys > 1 && (k0->selector != NULL || k0->have_alg))
        return usage_error("with several --key, give --selector and --algorithm after the --key "
                           "they belong to",
                           NULL);
    for (size_t i = 1; i <= o->nkeys; i++) {
        struct sign_key *k = &o->keys[i];
        if (k->domain == NULL)
            k->domain = k0->domain;
        if (o->dns_record && (k->domain == NULL) != (k->selector == NULL))
            return key_error(o, k, "--dns-record: give both --domain and --selector, or neither");
        if (!o->dns_record && k->domain == NULL)
            return key_error(o, k, "--domain is required");
        if (!o->dns_record && k->selector == NULL)
            return key_error(o, k, "--selector is required");
        for (size_t j = 1; j < i; j++)
            if (same_name(k->domain, o->keys[j].domain) &&
                same_name(k->selector, o->keys[j].selector)) {
                fprintf(stderr,
                        "%s: --key %s and --key %s both sign as --domain %s --selector %s "
                        "(one record holds one key; give each its own selector)\n",
                        SIGN_PROG, o->keys[j].file, k->file, k->domain, k->selector);
                return SIGN_EXIT_USAGE;
            }
    }
    return SIGN_EXIT_OK;
}

static int
check_combination(struct sign_opts *o)
{
    if (o->help || o->version)
        return SIGN_EXIT_OK;
    if (o->cmd == SIGN_CMD_NONE)
        return usage_error("expected a command: dkim, arc or keygen", NULL);
    if (o->cmd == SIGN_CMD_KEYGEN) {
        o->domain = o->keys[0].domain;
        o->selector = o->keys[0].selector;
        o->have_alg = o->keys[0].have_alg;
        o->alg = o->keys[0].alg;
        return check_keygen(o);
    }
    if (o->bits != 0 || o->out != NULL)
        return usage_error("--bits and --out are for keygen", NULL);
    if (o->nkeys <= 1) {
        int rc = merge_single_key(o);
        if (rc != SIGN_EXIT_OK)
            return rc;
    }
    if (o->cmd == SIGN_CMD_ARC)
        return check_arc(o);
    if (o->authserv_id != NULL || o->ip != NULL || o->helo != NULL || o->mail_from != NULL ||
        o->nzones > 0)
        return usage_error("--authserv-id, --ip, --helo, --mail-from and --zone are for arc", NULL);
    if (o->dns_record && o->input != NULL)
        return usage_error("--dns-record reads no message, but got", o->input);
    return check_dkim_keys(o);
}

/* The first word is the command, the next one the message. */
static int
operand(void *ud, const char *word)
{
    struct sign_opts *o = ud;
    if (o->cmd == SIGN_CMD_NONE) {
        if (strcmp(word, "dkim") == 0)
            o->cmd = SIGN_CMD_DKIM;
        else if (strcmp(word, "arc") == 0)
            o->cmd = SIGN_CMD_ARC;
        else if (strcmp(word, "keygen") == 0)
            o->cmd = SIGN_CMD_KEYGEN;
        else
            return usage_error("unknown command (expected dkim, arc or keygen):", word);
    } else if (o->input != NULL) {
        return usage_error("more than one message given:", word);
    } else {
        o->input = word;
    }
    return SIGN_EXIT_OK;
}

int
sign_parse_options(int argc, char **argv, struct sign_opts *o)
{
    const struct tool_cli cli = {SIGN_PROG, opt_defs, N_OPTS, OPT_HELP, apply_opt, operand, o};
    int                   rc = tool_parse_argv(&cli, argc, argv);
    if (rc != SIGN_EXIT_OK)
        return rc;
    return check_combination(o);
}
