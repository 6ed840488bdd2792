/* mailauth-check: command-line options (the contract of docs/mailauth-check.1.md). */
#include <arpa/inet.h>
#include <string.h>

#include "check.h"
#include "tool.h"

enum opt_id {
    OPT_IP,
    OPT_HELO,
    OPT_MAIL_FROM,
    OPT_AUTHSERV_ID,
    OPT_ZONE,
    OPT_DNS_SERVER,
    OPT_NOW,
    OPT_ONLY,
    OPT_SPF_ONLY,
    OPT_DMARC_MODE,
    OPT_TRUSTED_SEALER,
    OPT_JSON,
    OPT_HELP,
    OPT_VERSION
};

static const struct tool_opt opt_defs[] = {
    { "ip", OPT_IP, true },
    { "helo", OPT_HELO, true },
    { "mail-from", OPT_MAIL_FROM, true },
    { "authserv-id", OPT_AUTHSERV_ID, true },
    { "zone", OPT_ZONE, true },
    { "dns-server", OPT_DNS_SERVER, true },
    { "now", OPT_NOW, true },
    { "only", OPT_ONLY, true },
    { "spf-only", OPT_SPF_ONLY, false },
    { "dmarc-mode", OPT_DMARC_MODE, true },
    { "trusted-sealer", OPT_TRUSTED_SEALER, true },
    { "json", OPT_JSON, false },
    { "help", OPT_HELP, false },
    { "version", OPT_VERSION, false },
};

#define N_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

/* Ids of the rows of check_opt_rows[] (options_more.c) come after ours. */
#define OPT_ROW_BASE 1000
#define N_ROWS_MAX 64

void
check_print_usage(FILE *f)
{
    fputs("Usage: " CHECK_PROG " [options] [FILE|-]\n"
          "Verify one message (read from FILE, or stdin without FILE or with -) and print\n"
          "its Authentication-Results header field.\n"
          "\n"
          "Options:\n"
          "  --ip ADDR              SMTP client address (IPv4 or IPv6)\n"
          "  --helo NAME            HELO/EHLO name\n"
          "  --mail-from ADDR       envelope sender; \"\" is the null sender\n"
          "  --authserv-id ID       authserv-id of the result and SPF's %{r} (default: host name)\n"
          "  --zone FILE            answer DNS only from this zone file (repeatable; no network)\n"
          "  --dns-server ADDR[:PORT]  ask this DNS server instead of those of resolv.conf\n"
          "  --now EPOCH            evaluation time, seconds since 1970-01-01 UTC\n"
          "  --only LIST            methods to run, a subset of spf,dkim,dmarc,arc,iprev\n"
          "  --spf-only             read no message: SPF for --ip/--helo/--mail-from only\n"
          "  --dmarc-mode 7489|9989 organizational domain by PSL (7489, default) or DNS tree walk\n"
          "  --trusted-sealer DOMAIN  trust this ARC sealer for the DMARC override (repeatable)\n"
          "  --json                 print a JSON object instead of the header field\n",
          f);
    for (size_t i = 0; i < check_opt_nrows; i++)
        fputs(check_opt_rows[i].help, f);
    fputs("  --help, -h             print this help and exit\n"
          "  --version              print the library version and exit\n"
          "\n"
          "FILE may also be an mbox file or a Maildir folder: every message is checked.\n"
          "\n"
          "Exit status: 0 evaluation done (whatever the verdicts), 64 usage error,\n"
          "66 input unreadable, 70 internal error; with --exit-code 1 a fail, 2 a\n"
          "temperror, 3 a permerror; with --lint 1 problems found.\n",
          f);
}

static int
usage_error(const char *what, const char *arg)
{
    return tool_usage_error(CHECK_PROG, what, arg);
}

static bool
parse_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Comma-separated subset of spf,dkim,dmarc,arc,iprev (empty items are ignored). */
static bool
parse_methods(const char *s, unsigned *out)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        { "spf", MAILAUTH_METHOD_SPF },
        { "dkim", MAILAUTH_METHOD_DKIM },
        { "dmarc", MAILAUTH_METHOD_DMARC },
        { "arc", MAILAUTH_METHOD_ARC },
        { "iprev", MAILAUTH_METHOD_IPREV },
    };
    unsigned bits = 0;
    while (*s != '\0') {
        size_t n = strcspn(s, ",");
        bool found = n == 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !found; i++) {
            if (strlen(names[i].name) == n && strncmp(names[i].name, s, n) == 0) {
                bits |= names[i].bit;
                found = true;
            }
        }
        if (!found)
            return false;
        s += n;
        if (*s == ',')
            s++;
    }
    *out = bits;
    return bits != 0;
}

static int
apply_opt(void *ud, int id, const char *arg)
{
    struct check_opts *o = ud;
    if (id >= OPT_ROW_BASE)
        return check_opt_rows[id - OPT_ROW_BASE].set(o, arg);
    switch ((enum opt_id)id) {
    case OPT_IP:
        if (!parse_ip(arg))
            return usage_error("--ip: not an IPv4 or IPv6 address:", arg);
        o->ip = arg;
        break;
    case OPT_HELO: o->helo = arg; break;
    case OPT_MAIL_FROM: o->mail_from = arg; break;
    case OPT_AUTHSERV_ID: o->authserv_id = arg; break;
    case OPT_ZONE: o->zones[o->nzones++] = arg; break;
    case OPT_DNS_SERVER: o->dns_server = arg; break;
    case OPT_NOW:
        if (!tool_parse_uint(arg, 253402300799u, &o->now)) /* to 9999-12-31T23:59:59Z */
            return usage_error("--now: not a time in seconds since the epoch:", arg);
        o->have_now = true;
        break;
    case OPT_ONLY:
        if (!parse_methods(arg, &o->methods))
            return usage_error("--only: expected a list of spf,dkim,dmarc,arc,iprev, got", arg);
        break;
    case OPT_SPF_ONLY: o->spf_only = true; break;
    case OPT_DMARC_MODE:
        if (strcmp(arg, "7489") == 0)
            o->dmarc_mode = CHECK_DMARC_7489;
        else if (strcmp(arg, "9989") == 0)
            o->dmarc_mode = CHECK_DMARC_9989;
        else
            return usage_error("--dmarc-mode: expected 7489 or 9989, got", arg);
        break;
    case OPT_TRUSTED_SEALER: o->sealers[o->nsealers++] = arg; break;
    case OPT_JSON: o->json = true; break;
    case OPT_HELP: o->help = true; break;
    case OPT_VERSION: o->version = true; break;
    }
    return CHECK_EXIT_OK;
}

static int
check_combination(struct check_opts *o)
{
    if (o->help || o->version)
        return CHECK_EXIT_OK;
    if (o->nzones > 0 && o->dns_server != NULL)
        return usage_error("--zone and --dns-server exclude each other", NULL);
    if (o->spf_only) {
        if (o->input != NULL)
            return usage_error("--spf-only reads no message, but got", o->input);
        if (o->ip == NULL)
            return usage_error("--spf-only needs --ip", NULL);
        if (o->methods != 0 && o->methods != MAILAUTH_METHOD_SPF)
            return usage_error("--spf-only conflicts with --only", NULL);
        o->methods = MAILAUTH_METHOD_SPF;
    }
    if (o->methods == 0)
        o->methods = MAILAUTH_METHOD_ALL;
    return check_more_combination(o);
}

static int
operand(void *ud, const char *word)
{
    struct check_opts *o = ud;
    if (o->input != NULL)
        return usage_error("more than one message given:", word);
    o->input = word;
    return CHECK_EXIT_OK;
}

int
check_parse_options(int argc, char **argv, const char **zones_buf, const char **sealers_buf,
                    struct check_opts *o)
{
    struct tool_opt       all[N_OPTS + N_ROWS_MAX];
    const struct tool_cli cli = {CHECK_PROG,       all, N_OPTS + check_opt_nrows, OPT_HELP,
                                 apply_opt, operand, o};
    int                   rc;
    if (check_opt_nrows > N_ROWS_MAX)
        return CHECK_EXIT_SOFTWARE;
    memcpy(all, opt_defs, sizeof(opt_defs));
    for (size_t i = 0; i < check_opt_nrows; i++)
        all[N_OPTS + i] = (struct tool_opt){check_opt_rows[i].name, OPT_ROW_BASE + (int)i,
                                            check_opt_rows[i].has_arg};
    o->zones = zones_buf;
    o->sealers = sealers_buf;
    o->dmarc_mode = CHECK_DMARC_7489;
    rc = tool_parse_argv(&cli, argc, argv);
    if (rc != CHECK_EXIT_OK)
        return rc;
    return check_combination(o);
}
