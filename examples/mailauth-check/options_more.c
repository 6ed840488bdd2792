/* mailauth-check: the options added after the first release, one table row
 * each (docs/mailauth-check.1.md). A new option is a row here and a
 * handler; options.c walks the table after its own. */
#include <string.h>

#include "check.h"

static int
set_exit_code(struct check_opts *o, const char *arg)
{
    (void)arg;
    o->exit_code = true;
    return CHECK_EXIT_OK;
}

static int
set_verbose(struct check_opts *o, const char *arg)
{
    (void)arg;
    o->verbose = true;
    return CHECK_EXIT_OK;
}

static int
set_record_zone(struct check_opts *o, const char *arg)
{
    if (*arg == '\0')
        return tool_usage_error(CHECK_PROG, "--record-zone: needs a file name", NULL);
    o->record_zone = arg;
    return CHECK_EXIT_OK;
}

static int
set_from_headers(struct check_opts *o, const char *arg)
{
    (void)arg;
    o->from_headers = true;
    return CHECK_EXIT_OK;
}

static int
set_lint(struct check_opts *o, const char *arg)
{
    if (*arg == '\0')
        return tool_usage_error(CHECK_PROG, "--lint: needs a domain", NULL);
    o->lint = arg;
    return CHECK_EXIT_OK;
}

static int
set_selector(struct check_opts *o, const char *arg)
{
    if (*arg == '\0' || strchr(arg, ' ') != NULL)
        return tool_usage_error(CHECK_PROG, "--selector: not a selector", arg);
    if (o->nselectors == CHECK_MAX_SELECTORS)
        return tool_usage_error(CHECK_PROG, "--selector: too many (the limit is 32)", arg);
    o->selectors[o->nselectors++] = arg;
    return CHECK_EXIT_OK;
}

static int
set_history(struct check_opts *o, const char *arg)
{
    if (!check_history_built())
        return tool_usage_error(CHECK_PROG, "--history: this build has no libmailauth-report",
                                NULL);
    if (*arg == '\0')
        return tool_usage_error(CHECK_PROG, "--history: needs a store URI", NULL);
    o->history = arg;
    return CHECK_EXIT_OK;
}

const struct check_opt_row check_opt_rows[] = {
    {"exit-code", false, set_exit_code,
     "  --exit-code            exit 1 on a fail, 2 on a temperror, 3 on a permerror\n"},
    {"verbose", false, set_verbose,
     "  --verbose              DNS questions, answers, TTLs and timings to stderr\n"},
    {"record-zone", true, set_record_zone,
     "  --record-zone FILE     write every DNS answer used as zone text (replay: --zone)\n"},
    {"from-headers", false, set_from_headers,
     "  --from-headers         take --ip/--helo/--mail-from from the topmost Received and\n"
     "                         Return-Path fields (a convenience, not for security: any\n"
     "                         sender can write them); given options win\n"},
    {"lint", true, set_lint,
     "  --lint DOMAIN          check DOMAIN's SPF and DMARC records (and DKIM keys of\n"
     "                         each --selector); exit 0 clean, 1 problems found\n"},
    {"selector", true, set_selector,
     "  --selector S           with --lint: a DKIM selector to check (repeatable)\n"},
    {"history", true, set_history,
     "  --history URI          also record the evaluation in a DMARC history store\n"
     "                         (sqlite:PATH or postgresql://...)\n"},
};
const size_t check_opt_nrows = sizeof(check_opt_rows) / sizeof(check_opt_rows[0]);

int
check_more_combination(struct check_opts *o)
{
    if (o->record_zone != NULL && o->nzones > 0)
        return tool_usage_error(CHECK_PROG, "--record-zone records live DNS, not --zone", NULL);
    if (o->nselectors > 0 && o->lint == NULL)
        return tool_usage_error(CHECK_PROG, "--selector needs --lint", NULL);
    if (o->lint != NULL) {
        if (o->input != NULL)
            return tool_usage_error(CHECK_PROG, "--lint reads no message, but got", o->input);
        if (o->spf_only || o->from_headers || o->exit_code)
            return tool_usage_error(
                CHECK_PROG, "--lint takes none of --spf-only, --from-headers, --exit-code", NULL);
    }
    if (o->from_headers && o->spf_only)
        return tool_usage_error(CHECK_PROG, "--from-headers needs a message, not --spf-only", NULL);
    return CHECK_EXIT_OK;
}
