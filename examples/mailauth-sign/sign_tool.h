/* mailauth-sign: declarations shared by the files of the command-line tool.
 * The tool uses the public API only (<mailauth/mailauth.h>), and OpenSSL
 * in keygen.c only, to make keys (the library loads keys, it makes none). */
#ifndef MAILAUTH_SIGN_TOOL_H
#define MAILAUTH_SIGN_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mailauth/mailauth.h>

#include "tool.h"

/* Prefix of every diagnostic. */
#define SIGN_PROG "mailauth-sign"

/* Exit codes (sysexits.h values, as mailauth-check). */
enum {
    SIGN_EXIT_OK = 0,     /* signed and printed */
    SIGN_EXIT_USAGE = 64, /* EX_USAGE: bad option or value, unusable key, key/algorithm mismatch */
    SIGN_EXIT_NOINPUT = 66,   /* EX_NOINPUT: message or key unreadable, message not signable */
    SIGN_EXIT_SOFTWARE = 70,  /* EX_SOFTWARE: the library failed (out of memory, bug) */
    SIGN_EXIT_CANTCREAT = 73, /* EX_CANTCREAT: keygen: the key file cannot be created */
    SIGN_EXIT_TEMPFAIL = 75   /* EX_TEMPFAIL: arc: a key of the chain could not be fetched now */
};

/* arc: --zone may be given this many times. */
#define SIGN_MAX_ZONES 16

/* dkim: --key may be given this many times (one signature each). */
#define SIGN_MAX_KEYS 8

/* Largest message read into memory, and largest key file. */
#define SIGN_MAX_INPUT ((size_t)64 * 1024 * 1024)
#define SIGN_MAX_KEY ((size_t)1024 * 1024)

/* keygen: --bits for RSA: default, and the range (RFC 8301 §3.2: signers
 * use at least 1024 bits and SHOULD use 2048; verifiers go up to 8192). */
#define SIGN_RSA_BITS_DEFAULT 2048u
#define SIGN_RSA_BITS_MIN 1024u
#define SIGN_RSA_BITS_MAX 8192u

enum sign_cmd { SIGN_CMD_NONE = 0, SIGN_CMD_DKIM, SIGN_CMD_ARC, SIGN_CMD_KEYGEN };

/* One signing key and the names it signs under. As parsed, keys[0] holds
 * what came before the first --key, keys[i] what came after the i-th;
 * once checked, keys[1..nkeys] are complete (the default --domain filled
 * in). */
struct sign_key {
    const char         *file;     /* --key FILE */
    const char         *domain;   /* --domain */
    const char         *selector; /* --selector */
    bool                have_alg; /* --algorithm given */
    mailauth_key_type_t alg;
};

struct sign_opts {
    enum sign_cmd       cmd;
    struct sign_key     keys[SIGN_MAX_KEYS + 1]; /* see struct sign_key */
    size_t              nkeys;                   /* --key options given */
    const char         *key;                     /* arc: the one --key FILE (keys[1]) */
    const char         *domain;                  /* arc, keygen: --domain */
    const char         *selector;                /* arc, keygen: --selector */
    const char         *headers;                 /* --headers a:b:c, or NULL for the default list */
    const char         *auid;                    /* --auid (i=), or NULL */
    bool                have_canon;              /* --canon given */
    mailauth_canon_t    c_header, c_body;
    bool                have_alg; /* keygen: --algorithm given */
    mailauth_key_type_t alg;
    bool                have_now;    /* --now given */
    uint64_t            now;         /* seconds since the epoch */
    bool                body_length; /* --body-length: l= */
    uint32_t            expire;      /* --expire SECONDS: x= (0: none) */
    bool                dns_record; /* --dns-record: print the keys' TXT records, read no message */
    const char         *input;      /* FILE, "-" or NULL (stdin) */
    bool                help;
    bool                version;

    /* arc only */
    const char *authserv_id;           /* --authserv-id */
    const char *ip, *helo, *mail_from; /* --ip, --helo, --mail-from (NULL: not given) */
    const char *zones[SIGN_MAX_ZONES]; /* --zone FILE, repeatable */
    size_t      nzones;

    /* keygen only */
    unsigned    bits; /* --bits (RSA), 0: not given */
    const char *out;  /* --out KEYFILE */
};

/* options.c: parse argv into `o` (zeroed by the caller). Prints a one-line
 * message to stderr on error. Returns SIGN_EXIT_OK or SIGN_EXIT_USAGE. */
int sign_parse_options(int argc, char **argv, struct sign_opts *o);
/* options.c: the --help text. */
void sign_print_usage(FILE *f);

/* Read a whole file ("-" or NULL: stdin) of at most `max` bytes into a new
 * NUL-terminated buffer. On failure prints "mailauth-sign: NAME: why" and
 * returns SIGN_EXIT_NOINPUT. */
static inline int
sign_read_file(const char *path, size_t max, char **out, size_t *len)
{
    return tool_read_file(SIGN_PROG, path, max, out, len);
}

/* record.c: the owner name of the key's TXT record, "S._domainkey.D." with
 * d= and s= as a signer made from domain and selector writes them (D in
 * A-labels); the signer's refusal of either is a usage error (message
 * printed). *owner is malloc'd (the caller frees), NULL on failure.
 * Returns a SIGN_EXIT_* code. */
int sign_record_owner(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain,
                      const char *selector, char **owner);
/* record.c: print the key's TXT record: a zone line "OWNER TXT "..." ..."
 * in strings of at most 255 octets, or the bare record when owner is NULL.
 * Returns a SIGN_EXIT_* code. */
int sign_print_record(const mailauth_key_t *key, const char *owner);

/* keygen.c: `mailauth-sign keygen`: make a key, write it to --out (mode
 * 0600, never over an existing file), print its TXT record zone line.
 * Returns a SIGN_EXIT_* code. */
int sign_run_keygen(const struct sign_opts *o);

/* arc.c: `mailauth-sign arc`: evaluate the message (this host's
 * Authentication-Results), validate its ARC chain and print it with a new
 * ARC set in front. Returns a SIGN_EXIT_* code. */
int sign_run_arc(const struct sign_opts *o);

#endif
