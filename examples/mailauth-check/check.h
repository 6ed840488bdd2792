/* mailauth-check: declarations shared by the files of the command-line tool.
 * The tool uses the public API only (<mailauth/mailauth.h>). */
#ifndef MAILAUTH_CHECK_H
#define MAILAUTH_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mailauth/mailauth.h>

#include "tool.h"

/* Prefix of every diagnostic. */
#define CHECK_PROG "mailauth-check"

/* Exit codes (sysexits.h values, written out so no BSD header is needed). */
enum {
    CHECK_EXIT_OK = 0,        /* evaluation done, whatever the verdicts */
    CHECK_EXIT_USAGE = 64,    /* EX_USAGE: bad option, bad value, bad zone line */
    CHECK_EXIT_NOINPUT = 66,  /* EX_NOINPUT: message or zone unreadable or too large */
    CHECK_EXIT_SOFTWARE = 70  /* EX_SOFTWARE: the library failed (out of memory, bug) */
};

/* Largest message or zone file read into memory. */
#define CHECK_MAX_INPUT ((size_t)64 * 1024 * 1024)

/* --dmarc-mode values: organizational domain by PSL (RFC 7489) or tree walk (RFC 9989). */
enum check_dmarc_mode { CHECK_DMARC_7489 = 7489, CHECK_DMARC_9989 = 9989 };

struct check_opts {
    const char *ip;          /* --ip, or NULL */
    const char *helo;        /* --helo, or NULL */
    const char *mail_from;   /* --mail-from, or NULL ("" is the null sender) */
    const char *authserv_id; /* --authserv-id, or NULL for the host name */
    const char **zones;      /* --zone files in command-line order (borrowed from argv) */
    size_t nzones;
    const char **sealers;    /* --trusted-sealer domains (borrowed from argv) */
    size_t nsealers;
    const char *dns_server;  /* --dns-server, or NULL */
    bool have_now;           /* --now given */
    uint64_t now;            /* --now, seconds since the epoch */
    unsigned methods;        /* --only / --spf-only, as mailauth_method_t bits */
    bool spf_only;           /* --spf-only: no message is read */
    int dmarc_mode;          /* enum check_dmarc_mode */
    bool json;               /* --json */
    const char *history;     /* --history URI, or NULL */
    const char *input;       /* FILE, "-" or NULL (stdin) */
    bool help;               /* --help */
    bool version;            /* --version */
};

/* options.c: parse argv into `o` (which must be zeroed). `zones_buf` and
 * `sealers_buf` have room for argc entries each. Prints a one-line message
 * to stderr on error. Returns CHECK_EXIT_OK or CHECK_EXIT_USAGE. */
int check_parse_options(int argc, char **argv, const char **zones_buf, const char **sealers_buf,
                        struct check_opts *o);
/* options.c: the --help text. */
void check_print_usage(FILE *f);

/* Read a whole file ("-" or NULL: stdin) into a new NUL-terminated buffer
 * of at most CHECK_MAX_INPUT bytes. On failure prints
 * "mailauth-check: NAME: why" and returns CHECK_EXIT_NOINPUT. */
static inline int
check_read_input(const char *path, char **out, size_t *len)
{
    return tool_read_file(CHECK_PROG, path, CHECK_MAX_INPUT, out, len);
}

/* output_text.c: print the folded field with LF line ends. Returns an exit code. */
int check_print_text(FILE *f, const mailauth_authres_t *ar);
/* output_text.c: the field on one line ("Authentication-Results: id; ...") in a
 * new malloc'ed string, or NULL when out of memory. */
char *check_authres_line(const mailauth_authres_t *ar);

/* output_json.c: print the JSON object of docs/mailauth-check.1.md. Returns an exit code. */
int check_print_json(FILE *f, const mailauth_eval_t *ev, const mailauth_authres_t *ar);
/* The method members of the JSON output, each called only when its method
 * was evaluated (mailauth_eval_methods()). output_dkim.c: an array with one
 * object per DKIM-Signature. output_dmarc.c: the "dmarc" and "arc" objects. */
void check_print_dkim(FILE *f, const mailauth_eval_t *ev);
void check_print_dmarc(FILE *f, const mailauth_eval_t *ev);
void check_print_arc(FILE *f, const mailauth_eval_t *ev);
/* output_json.c: write `s` as a JSON string (quotes included); NULL writes null.
 * Bytes < 0x20, '"', '\\' and DEL are escaped; invalid UTF-8 becomes U+FFFD. */
void check_json_string(FILE *f, const char *s);

/* history.c: whether this build has libmailauth-report (--history), and
 * the finished evaluation recorded as one history row in o->history.
 * Returns an exit code; prints why on failure. */
bool check_history_built(void);
int  check_record_history(const struct check_opts *o, const mailauth_eval_t *ev);


#endif
