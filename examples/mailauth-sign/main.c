/* mailauth-sign: sign one message with DKIM (one signature per --key)
 * and print it with the new DKIM-Signature fields in front (arc.c: seal with ARC; keygen.c: make a
 * key). Manual:
 * docs/mailauth-sign.1.md. */
#include <stdlib.h>
#include <string.h>

#include "sign_tool.h"

/* The clock behind --now: the wall time is pinned (t=); the monotonic
 * time is not used by signing. */
static uint64_t
fixed_clock_now(void *ud, mailauth_clock_kind_t kind)
{
    const uint64_t *wall_ms = ud;
    return kind == MAILAUTH_CLOCK_WALL ? *wall_ms : 0;
}

static int
lib_error(const char *what, mailauth_status_t st)
{
    fprintf(stderr, "%s: %s: %s\n", SIGN_PROG, what, mailauth_strerror(st));
    return SIGN_EXIT_SOFTWARE;
}

static int
load_key(const struct sign_key *k, mailauth_ctx_t *ctx, mailauth_key_t **key)
{
    char             *pem = NULL;
    size_t            len = 0;
    mailauth_status_t st;
    int               rc = sign_read_file(k->file, SIGN_MAX_KEY, &pem, &len);
    if (rc != SIGN_EXIT_OK)
        return rc;
    st = mailauth_key_load_pem(ctx, pem, len, key);
    free(pem);
    if (st == MAILAUTH_EINVAL) {
        fprintf(stderr,
                "%s: %s: not an unencrypted PEM private key: RSA (1024 bits or more) or "
                "Ed25519\n",
                SIGN_PROG, k->file);
        return SIGN_EXIT_USAGE;
    }
    if (st != MAILAUTH_OK)
        return lib_error(k->file, st);
    if (k->have_alg && mailauth_key_type(*key) != k->alg) {
        fprintf(stderr, "%s: --algorithm %s does not match the key in %s (%s)\n", SIGN_PROG,
                k->alg == MAILAUTH_KEY_RSA ? "rsa-sha256" : "ed25519-sha256", k->file,
                mailauth_key_type_name(mailauth_key_type(*key)));
        return SIGN_EXIT_USAGE;
    }
    return SIGN_EXIT_OK;
}

/* --dns-record: one line per key, in --key order: the zone line at the
 * owner the signer would point to, or the bare record without
 * --domain/--selector. */
static int
print_dns_records(const struct sign_opts *o, mailauth_ctx_t *ctx, mailauth_key_t *const *keys)
{
    int rc = SIGN_EXIT_OK;
    for (size_t i = 0; i < o->nkeys && rc == SIGN_EXIT_OK; i++) {
        const struct sign_key *k = &o->keys[i + 1];
        char                  *owner = NULL;
        if (k->domain != NULL)
            rc = sign_record_owner(ctx, keys[i], k->domain, k->selector, &owner);
        if (rc == SIGN_EXIT_OK)
            rc = sign_print_record(keys[i], owner);
        free(owner);
    }
    return rc;
}

/* Options into the signer; a value the library refuses is a usage error. */
static int
setup_signer(const struct sign_opts *o, const struct sign_key *k, mailauth_dkim_signer_t *s)
{
    mailauth_status_t st = MAILAUTH_OK;
    const char       *what = NULL;
    if (o->have_canon &&
        (st = mailauth_dkim_signer_set_canon(s, o->c_header, o->c_body)) != MAILAUTH_OK)
        what = "--canon";
    else if (o->headers != NULL &&
             (st = mailauth_dkim_signer_set_headers(s, o->headers)) != MAILAUTH_OK)
        what = "--headers";
    else if (o->auid != NULL && (st = mailauth_dkim_signer_set_auid(s, o->auid)) != MAILAUTH_OK)
        what = "--auid";
    else if (o->expire != 0 && (st = mailauth_dkim_signer_set_expiry(s, o->expire)) != MAILAUTH_OK)
        what = "--expire";
    else if (o->body_length && (st = mailauth_dkim_signer_set_body_length(s, 1)) != MAILAUTH_OK)
        what = "--body-length";
    if (what == NULL)
        return SIGN_EXIT_OK;
    if (st == MAILAUTH_EINVAL) {
        if (strcmp(what, "--headers") == 0)
            fprintf(stderr,
                    "%s: --headers: expected field names separated by ':', From among "
                    "them\n",
                    SIGN_PROG);
        else if (strcmp(what, "--auid") == 0)
            fprintf(stderr, "%s: --auid: expected [local-part]@domain, the domain %s or below\n",
                    SIGN_PROG, k->domain);
        else
            fprintf(stderr, "%s: %s: value refused\n", SIGN_PROG, what);
        return SIGN_EXIT_USAGE;
    }
    return lib_error(what, st);
}

static const char *
input_name(const struct sign_opts *o)
{
    return o->input != NULL && strcmp(o->input, "-") != 0 ? o->input : "stdin";
}

/* Hand the message, read once, to every signer and sign. The signers see
 * the same bytes, so they take or refuse the same fields: the first one's
 * verdict on From and its count of refused fields speak for all. */
static int
sign_message(const struct sign_opts *o, mailauth_dkim_signer_t *const *s, const char *msg,
             size_t len)
{
    mailauth_status_t st = MAILAUTH_OK;
    size_t            refused = 0;
    for (size_t i = 0; i < o->nkeys && st == MAILAUTH_OK; i++)
        st = mailauth_dkim_signer_message(s[i], msg, len);
    if (st != MAILAUTH_OK)
        return lib_error("reading the message", st);
    refused = mailauth_dkim_signer_refused(s[0]);
    for (size_t i = 0; i < o->nkeys && st == MAILAUTH_OK; i++)
        st = mailauth_dkim_signer_end_message(s[i]);
    if (st == MAILAUTH_EINVAL) {
        fprintf(stderr, "%s: %s: no From header field: nothing to sign\n", SIGN_PROG,
                input_name(o));
        return SIGN_EXIT_NOINPUT;
    }
    if (st == MAILAUTH_ELIMIT) {
        fprintf(stderr, "%s: %s: the From field is over the header limits: nothing to sign\n",
                SIGN_PROG, input_name(o));
        return SIGN_EXIT_NOINPUT;
    }
    if (st == MAILAUTH_OK && refused > 0) /* signed, without them and their namesakes */
        fprintf(stderr, "%s: %s: note: %zu header field(s) over the header limits not signed\n",
                SIGN_PROG, input_name(o), refused);
    return st == MAILAUTH_OK ? SIGN_EXIT_OK : lib_error("signing", st);
}

/* Write one field with CRLF line ends turned to LF unless `crlf`, and the
 * line end after it. */
static int
put_field(const mailauth_dkim_signer_t *s, bool crlf)
{
    size_t need = 0;
    char  *field = NULL;
    mailauth_dkim_signer_format(s, NULL, 0, &need);
    field = malloc(need + 1);
    if (field == NULL || mailauth_dkim_signer_format(s, field, need + 1, &need) != MAILAUTH_OK) {
        free(field);
        return lib_error("result", MAILAUTH_ENOMEM);
    }
    for (size_t i = 0; i < need; i++) {
        if (!crlf && field[i] == '\r' && i + 1 < need && field[i + 1] == '\n')
            continue;
        putchar(field[i]);
    }
    fputs(crlf ? "\r\n" : "\n", stdout);
    free(field);
    return SIGN_EXIT_OK;
}

/* The fields in --key order, the first key's on top (see the manual),
 * with the message's own line ends (CRLF, or LF if its first line ends in
 * a bare LF), then the message unchanged; an mbox "From " line stays
 * first. */
static int
print_signed(const struct sign_opts *o, mailauth_dkim_signer_t *const *s, const char *msg,
             size_t len)
{
    const char *lf = memchr(msg, '\n', len);
    bool        crlf = lf == NULL || (lf > msg && lf[-1] == '\r');
    size_t      skip = 0;
    int         rc = SIGN_EXIT_OK;
    if (len >= 5 && memcmp(msg, "From ", 5) == 0)
        skip = lf != NULL ? (size_t)(lf - msg) + 1 : len;
    fwrite(msg, 1, skip, stdout);
    for (size_t i = 0; i < o->nkeys && rc == SIGN_EXIT_OK; i++)
        rc = put_field(s[i], crlf);
    if (rc != SIGN_EXIT_OK)
        return rc;
    fwrite(msg + skip, 1, len - skip, stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: cannot write the output\n", SIGN_PROG);
        return SIGN_EXIT_SOFTWARE;
    }
    return SIGN_EXIT_OK;
}

/* One signer per key, every name checked before the message is read. */
static int
new_signer(const struct sign_opts *o, const struct sign_key *k, mailauth_ctx_t *ctx,
           const mailauth_key_t *key, mailauth_dkim_signer_t **s)
{
    mailauth_status_t st = mailauth_dkim_signer_new(ctx, key, k->domain, k->selector, s);
    if (st == MAILAUTH_EINVAL) {
        fprintf(stderr, "%s: --domain '%s' or --selector '%s' is not a valid name\n", SIGN_PROG,
                k->domain, k->selector);
        return SIGN_EXIT_USAGE;
    }
    if (st != MAILAUTH_OK)
        return lib_error("cannot create a signer", st);
    return setup_signer(o, k, *s);
}

static int
run_dkim(const struct sign_opts *o, mailauth_ctx_t *ctx, mailauth_key_t *const *keys)
{
    mailauth_dkim_signer_t *s[SIGN_MAX_KEYS] = {NULL};
    char                   *msg = NULL;
    size_t                  len = 0;
    int                     rc = SIGN_EXIT_OK;
    for (size_t i = 0; i < o->nkeys && rc == SIGN_EXIT_OK; i++)
        rc = new_signer(o, &o->keys[i + 1], ctx, keys[i], &s[i]);
    if (rc == SIGN_EXIT_OK)
        rc = sign_read_file(o->input, SIGN_MAX_INPUT, &msg, &len);
    if (rc == SIGN_EXIT_OK)
        rc = sign_message(o, s, msg, len);
    if (rc == SIGN_EXIT_OK)
        rc = print_signed(o, s, msg, len);
    for (size_t i = 0; i < o->nkeys; i++)
        mailauth_dkim_signer_free(s[i]);
    free(msg);
    return rc;
}

static int
run(const struct sign_opts *o)
{
    uint64_t          wall_ms = o->now * 1000u;
    mailauth_ctx_t   *ctx = NULL;
    mailauth_key_t   *keys[SIGN_MAX_KEYS] = {NULL};
    mailauth_status_t st = mailauth_ctx_new(NULL, &ctx);
    int               rc = SIGN_EXIT_OK;
    if (st != MAILAUTH_OK)
        return lib_error("cannot create a context", st);
    if (o->have_now && (st = mailauth_ctx_set_clock(ctx, fixed_clock_now, &wall_ms)) != MAILAUTH_OK)
        rc = lib_error("--now", st);
    for (size_t i = 0; i < o->nkeys && rc == SIGN_EXIT_OK; i++)
        rc = load_key(&o->keys[i + 1], ctx, &keys[i]);
    if (rc == SIGN_EXIT_OK)
        rc = o->dns_record ? print_dns_records(o, ctx, keys) : run_dkim(o, ctx, keys);
    for (size_t i = 0; i < o->nkeys; i++)
        mailauth_key_free(keys[i]);
    mailauth_ctx_free(ctx);
    return rc;
}

int
main(int argc, char **argv)
{
    struct sign_opts o;
    int              rc;
    memset(&o, 0, sizeof(o));
    rc = sign_parse_options(argc, argv, &o);
    if (rc != SIGN_EXIT_OK)
        return rc;
    if (o.help) {
        sign_print_usage(stdout);
    } else if (o.version) {
        printf("%s (mailauth %s)\n", SIGN_PROG, mailauth_version());
    } else if (o.cmd == SIGN_CMD_ARC) {
        rc = sign_run_arc(&o);
    } else if (o.cmd == SIGN_CMD_KEYGEN) {
        rc = sign_run_keygen(&o);
    } else {
        rc = run(&o);
    }
    return rc;
}
