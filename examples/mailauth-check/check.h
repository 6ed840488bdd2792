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

/* EX_CANTCREAT: the --record-zone file cannot be written. */
#define CHECK_EXIT_CANTCREAT 73

/* --exit-code values: the worst verdict of every message checked. */
enum {
    CHECK_EXIT_FAIL = 1,      /* a fail */
    CHECK_EXIT_TEMPERROR = 2, /* a temperror, and no fail */
    CHECK_EXIT_PERMERROR = 3  /* a permerror, and neither of those */
};

/* --selector may be given this many times. */
#define CHECK_MAX_SELECTORS 32

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
    bool exit_code;          /* --exit-code: the exit status says the worst verdict */
    bool verbose;            /* --verbose: every DNS answer to stderr */
    const char *record_zone; /* --record-zone FILE, or NULL */
    bool from_headers;       /* --from-headers: envelope from Received / Return-Path */
    const char *lint;        /* --lint DOMAIN, or NULL */
    const char *selectors[CHECK_MAX_SELECTORS]; /* --selector, for --lint */
    size_t nselectors;
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

/* options_more.c: the options added after the first release, one row each:
 * name, whether it takes a value, the handler that checks and stores it,
 * and its --help line. options.c walks this table after its own. */
struct check_opt_row {
    const char *name;
    bool        has_arg;
    int (*set)(struct check_opts *o, const char *arg); /* an exit code */
    const char *help;
};
extern const struct check_opt_row check_opt_rows[];
extern const size_t               check_opt_nrows;
/* options_more.c: combinations of those options; an exit code. */
int check_more_combination(struct check_opts *o);

/* main.c: the library objects, built from the options (lint.c uses them too). */
struct check_fixed_clock {
    uint64_t wall_ms;
};
int  check_setup_ctx(const struct check_opts *o, struct check_fixed_clock *clk,
                     mailauth_ctx_t **out);
int  check_setup_resolver(const struct check_opts *o, mailauth_ctx_t *ctx,
                          mailauth_resolver_t **r);
int  check_lib_error(const char *what, mailauth_status_t st);

/* exit_code.c: fold the verdicts of one finished evaluation into *worst
 * (0, or CHECK_EXIT_FAIL / _TEMPERROR / _PERMERROR, the worst wins). */
void check_fold_verdicts(const mailauth_eval_t *ev, int *worst);

/* from_headers.c: the topmost Received field's client address and HELO
 * name, and the Return-Path address, of the message (msg, len): each
 * written to its buffer ("" when not found; *have_mail_from tells a
 * Return-Path <> from none). A convenience, not for security. */
struct check_envelope_guess {
    char ip[64];
    char helo[256];
    char mail_from[512];
    bool have_mail_from;
};
void check_guess_envelope(const char *msg, size_t len, struct check_envelope_guess *out);

/* mailbox.c: call fn for every message of the input: one for a message
 * file or stdin; each message of an mbox (mboxrd quoting undone) or of a
 * Maildir folder (new/ then cur/, by file name). `index` counts from 0;
 * `multi` is true for mbox and Maildir. Returns the first exit code other
 * than CHECK_EXIT_OK that fn or the reading gave. */
typedef int (*check_message_fn)(void *ud, const char *file, size_t index, bool multi,
                                const char *msg, size_t len);
int check_each_message(const char *input, check_message_fn fn, void *ud);

/* dns_text.c: one answer record as zone-format rdata ("10 mx.example.org.",
 * "\"v=spf1 -all\"") and a name as a zone-format token with its final dot. */
void check_print_rdata(FILE *f, mailauth_dns_type_t type, const mailauth_dns_record_t *rec);
void check_print_name(FILE *f, const char *name);

/* record_zone.c: --record-zone, the answers a run used, kept (the first
 * answer of each question) and written as zone text. */
struct check_recorder;
struct check_recorder *check_record_new(void);
bool                   check_record_add(struct check_recorder *rec, const mailauth_dns_answer_t *a);
int                    check_record_write(const struct check_recorder *rec, const char *path);
void                   check_record_free(struct check_recorder *rec);

/* verbose.c: the resolver's observer: with `verbose` every answer to
 * stderr, with `rec` every answer into the recorder. Both may be off. The
 * watch (caller-owned) must outlive the resolver's use. */
struct check_watch {
    bool                   verbose;
    struct check_recorder *rec;
    int                    failed; /* the recorder ran out of memory */
};
int check_watch_dns(mailauth_resolver_t *r, struct check_watch *w);

/* lint.c: --lint DOMAIN; an exit code (0 clean, 1 problems found). */
int check_lint(const struct check_opts *o);

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
/* output_json.c: the same object on one line, "file" and "index" first (JSON Lines). */
int check_print_json_line(FILE *f, const mailauth_eval_t *ev, const mailauth_authres_t *ar,
                          const char *file, size_t index);
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
