/* mailauth-report COMMAND [options]: one program, a table of commands. A
 * new command is a new file and one row here. */
#include <stdio.h>
#include <string.h>

#include <mailauth/version.h>

#include "report_tool.h"

struct command {
    const char *name;
    tool_cmd_fn fn;
    const char *usage;
};

static const struct command commands[] = {
    {"parse", cmd_parse, "parse [--format json|ndjson|csv] FILE..."},
    {"import", cmd_import, "import --store URI FILE..."},
    {"summary", cmd_summary,
     "summary [--html FILE] FILE... | summary --store URI [--period YYYY-MM-DD[..YYYY-MM-DD]] "
     "[--html FILE]"},
    {"generate", cmd_generate,
     "generate --store URI --period YYYY-MM-DD[..YYYY-MM-DD] --org-name N --org-email E "
     "[--outdir DIR] [--receiver D] [--extra-contact T] [--key FILE --selector S --domain D] "
     "[--now SECONDS]"},
    {"send", cmd_send,
     "send --store URI [--sendmail PATH | --outdir DIR] [--zone FILE | --dns SERVERS] "
     "[--now SECONDS]"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int
usage(FILE *f, int status)
{
    fprintf(f, "usage: mailauth-report COMMAND [options]\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  mailauth-report %s\n", commands[i].usage);
    fprintf(f, "  mailauth-report --help | -h   (this text)\n");
    fprintf(f, "  mailauth-report --version     (the library version)\n");
    return status;
}

int
main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr, TOOL_EXIT_USAGE);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return usage(stdout, TOOL_EXIT_OK);
    if (strcmp(argv[1], "--version") == 0) {
        printf("mailauth-report (mailauth %s)\n", mailauth_version());
        return TOOL_EXIT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            int st = commands[i].fn(argc - 1, argv + 1);
            if (st == TOOL_EXIT_USAGE)
                fprintf(stderr, "usage: mailauth-report %s\n", commands[i].usage);
            return st;
        }
    fprintf(stderr, "mailauth-report: unknown command '%s'\n", argv[1]);
    return usage(stderr, TOOL_EXIT_USAGE);
}
