/* mailauth-sign arc: seal one message with a new ARC set (RFC 8617 §5.1).
 *
 *   1. the message is evaluated (SPF with --ip/--helo/--mail-from, and
 *      whatever else the library evaluates) into this host's
 *      Authentication-Results field, with --authserv-id;
 *   2. the sealer validates the incoming ARC chain itself over the same
 *      resolver (--zone files, or the system's DNS) and carries the A-R
 *      results in the ARC-Authentication-Results;
 *   3. the output is the new ARC-Seal, ARC-Message-Signature and
 *      ARC-Authentication-Results, the Authentication-Results field, then
 *      the message unchanged, with the message's own line ends.
 *
 * Uses the public API only. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sign_tool.h"

struct arc_run {
    const struct sign_opts *o;
    uint64_t                wall_ms; /* --now, or 0: the system clock */
    mailauth_ctx_t         *ctx;
    mailauth_resolver_t    *r;
    mailauth_key_t         *key;
    char                   *msg;
    size_t                  len;
    char                   *ar; /* "Authentication-Results: ..." */
};

/* --now pins the wall clock; the monotonic clock stays real, so DNS
 * deadlines still pass. */
static uint64_t
arc_clock(void *ud, mailauth_clock_kind_t kind)
{
    const struct arc_run *a = ud;
    struct timespec       ts;
    if (kind == MAILAUTH_CLOCK_WALL && a->wall_ms != 0)
        return a->wall_ms;
    clock_gettime(kind == MAILAUTH_CLOCK_WALL ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int
arc_lib_error(const char *what, mailauth_status_t st)
{
    fprintf(stderr, "%s: arc: %s: %s\n", SIGN_PROG, what, mailauth_strerror(st));
    return SIGN_EXIT_SOFTWARE;
}

static int
setup_ctx(struct arc_run *a)
{
    const struct sign_opts *o = a->o;
    mailauth_status_t       st = mailauth_ctx_new(NULL, &a->ctx);
    unsigned                methods = MAILAUTH_METHOD_ALL & ~(unsigned)MAILAUTH_METHOD_ARC;
    if (st != MAILAUTH_OK)
        return arc_lib_error("cannot create a context", st);
    a->wall_ms = o->have_now ? o->now * 1000u : 0;
    if (o->ip == NULL) /* no SMTP client: no SPF */
        methods &= ~(unsigned)MAILAUTH_METHOD_SPF;
    st = mailauth_ctx_set_clock(a->ctx, arc_clock, a);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_methods(a->ctx, methods);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(a->ctx, o->authserv_id);
    if (st == MAILAUTH_EINVAL) {
        fprintf(stderr, "%s: --authserv-id '%s': not a token\n", SIGN_PROG, o->authserv_id);
        return SIGN_EXIT_USAGE;
    }
    return st == MAILAUTH_OK ? SIGN_EXIT_OK : arc_lib_error("context", st);
}

static int
setup_resolver(struct arc_run *a)
{
    const struct sign_opts *o = a->o;
    mailauth_status_t       st = MAILAUTH_OK;
    if (o->nzones == 0) {
        st = mailauth_resolver_new_ares(a->ctx, NULL, &a->r);
        return st == MAILAUTH_OK ? SIGN_EXIT_OK : arc_lib_error("DNS resolver", st);
    }
    for (size_t i = 0; i < o->nzones; i++) {
        char  *text = NULL;
        size_t len = 0, line = 0;
        int    rc = sign_read_file(o->zones[i], SIGN_MAX_INPUT, &text, &len);
        if (rc != SIGN_EXIT_OK)
            return rc;
        st = i == 0 ? mailauth_resolver_new_zone(a->ctx, text, len, &line, &a->r)
                    : mailauth_resolver_zone_add(a->r, text, len, &line);
        free(text);
        if (st == MAILAUTH_EINVAL) {
            fprintf(stderr, "%s: %s:%zu: zone syntax error\n", SIGN_PROG, o->zones[i], line);
            return SIGN_EXIT_NOINPUT;
        }
        if (st != MAILAUTH_OK)
            return arc_lib_error(o->zones[i], st);
    }
    return SIGN_EXIT_OK;
}

static int
load_arc_key(struct arc_run *a)
{
    const struct sign_opts *o = a->o;
    char                   *pem = NULL;
    size_t                  len = 0;
    mailauth_status_t       st = MAILAUTH_OK;
    int                     rc = sign_read_file(o->key, SIGN_MAX_KEY, &pem, &len);
    if (rc != SIGN_EXIT_OK)
        return rc;
    st = mailauth_key_load_pem(a->ctx, pem, len, &a->key);
    free(pem);
    if (st == MAILAUTH_EINVAL ||
        (st == MAILAUTH_OK && o->have_alg && mailauth_key_type(a->key) != o->alg)) {
        fprintf(stderr, "%s: %s: not a usable key%s\n", SIGN_PROG, o->key,
                st == MAILAUTH_OK ? " for --algorithm" : "");
        return SIGN_EXIT_USAGE;
    }
    return st == MAILAUTH_OK ? SIGN_EXIT_OK : arc_lib_error(o->key, st);
}

/* Step 1: this host's Authentication-Results. */
static int
evaluate(struct arc_run *a)
{
    const struct sign_opts   *o = a->o;
    mailauth_eval_t          *ev = NULL;
    const mailauth_authres_t *ar = NULL;
    size_t                    need = 0;
    const mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                     .client_ip = o->ip,
                                     .helo = o->helo,
                                     .mail_from = o->mail_from};
    mailauth_status_t         st = mailauth_eval_new(a->ctx, a->r, &ev);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_envelope(ev, &env);
    if (st == MAILAUTH_EINVAL) {
        mailauth_eval_free(ev);
        fprintf(stderr, "%s: --ip or --helo: value refused\n", SIGN_PROG);
        return SIGN_EXIT_USAGE;
    }
    if (st == MAILAUTH_OK)
        st = mailauth_eval_message(ev, a->msg, a->len);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_finish_sync(ev, -1);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_authres(ev, &ar);
    if (st == MAILAUTH_OK)
        (void)mailauth_authres_format(ar, NULL, 0, &need);
    if (st == MAILAUTH_OK && (a->ar = malloc(need + 1)) == NULL)
        st = MAILAUTH_ENOMEM;
    if (st == MAILAUTH_OK)
        st = mailauth_authres_format(ar, a->ar, need + 1, &need);
    mailauth_eval_free(ev);
    return st == MAILAUTH_OK ? SIGN_EXIT_OK : arc_lib_error("evaluation", st);
}

/* The end of an mbox "From " line at the top, or 0. */
static size_t
mbox_line(const char *msg, size_t len)
{
    const char *lf = memchr(msg, '\n', len);
    if (len < 5 || memcmp(msg, "From ", 5) != 0)
        return 0;
    return lf != NULL ? (size_t)(lf - msg) + 1 : len;
}

static int
end_error(mailauth_status_t st)
{
    switch (st) {
    case MAILAUTH_EDNS:
        fprintf(stderr, "%s: arc: a key of the ARC chain could not be fetched now: not sealed\n",
                SIGN_PROG);
        return SIGN_EXIT_TEMPFAIL;
    case MAILAUTH_EINVAL:
        fprintf(stderr, "%s: arc: the message has no From header field: not sealed\n", SIGN_PROG);
        return SIGN_EXIT_NOINPUT;
    case MAILAUTH_ELIMIT:
        fprintf(stderr,
                "%s: arc: a From, ARC or Authentication-Results field is over the header "
                "limits, or the chain has 50 sets already\n",
                SIGN_PROG);
        return SIGN_EXIT_NOINPUT;
    default:
        return arc_lib_error("sealing", st);
    }
}

/* Step 2: the sealer, fed our A-R field then the message, validating the
 * chain over the resolver. */
static int
seal(struct arc_run *a, mailauth_arc_sealer_t *s)
{
    size_t            skip = mbox_line(a->msg, a->len), arlen = strlen(a->ar);
    char             *both = malloc(arlen + 2 + a->len - skip + 1);
    mailauth_status_t st = MAILAUTH_OK;
    if (both == NULL)
        return arc_lib_error("sealing", MAILAUTH_ENOMEM);
    memcpy(both, a->ar, arlen);
    memcpy(both + arlen, "\r\n", 2);
    memcpy(both + arlen + 2, a->msg + skip, a->len - skip);
    st = mailauth_arc_sealer_set_resolver(s, a->r);
    if (st == MAILAUTH_OK && a->o->headers != NULL &&
        (st = mailauth_arc_sealer_set_headers(s, a->o->headers)) == MAILAUTH_EINVAL) {
        free(both);
        fprintf(stderr,
                "%s: --headers: field names separated by ':', From among them, no ARC-* "
                "or Authentication-Results\n",
                SIGN_PROG);
        return SIGN_EXIT_USAGE;
    }
    if (st == MAILAUTH_OK) /* a refused field: end_message() says whether that matters */
        st = mailauth_arc_sealer_message(s, both, arlen + 2 + a->len - skip);
    free(both);
    /* The sealer's DNS deadline (the ctx evaluation timeout) ends the loop. */
    while (st == MAILAUTH_OK && (st = mailauth_arc_sealer_end_message(s)) == MAILAUTH_EAGAIN)
        st = mailauth_resolver_run_once(a->r, 100);
    if (st == MAILAUTH_OK && mailauth_arc_sealer_refused(s) > 0) /* sealed without them */
        fprintf(stderr, "%s: arc: note: %zu header field(s) over the header limits not signed\n",
                SIGN_PROG, mailauth_arc_sealer_refused(s));
    return st == MAILAUTH_OK ? SIGN_EXIT_OK : end_error(st);
}

/* Text with CRLF turned into LF when the message uses bare LF. */
static void
put_text(const char *p, size_t n, bool crlf)
{
    for (size_t i = 0; i < n; i++) {
        if (!crlf && p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
            continue;
        putchar(p[i]);
    }
    fputs(crlf ? "\r\n" : "\n", stdout);
}

/* Step 3. */
static int
print_sealed(const struct arc_run *a, const mailauth_arc_sealer_t *s)
{
    const char *lf = memchr(a->msg, '\n', a->len);
    bool        crlf = lf == NULL || (lf > a->msg && lf[-1] == '\r');
    size_t      need = 0, skip = mbox_line(a->msg, a->len);
    char       *set = NULL;
    (void)mailauth_arc_sealer_format(s, NULL, 0, &need);
    set = malloc(need + 1);
    if (set == NULL || mailauth_arc_sealer_format(s, set, need + 1, &need) != MAILAUTH_OK) {
        free(set);
        return arc_lib_error("result", MAILAUTH_ENOMEM);
    }
    if (need == 0)
        fprintf(stderr,
                "%s: arc: the newest ARC-Seal says cv=fail: no set added (RFC 8617 "
                "5.1)\n",
                SIGN_PROG);
    fwrite(a->msg, 1, skip, stdout);
    if (need > 0)
        put_text(set, need, crlf);
    put_text(a->ar, strlen(a->ar), crlf);
    fwrite(a->msg + skip, 1, a->len - skip, stdout);
    free(set);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: cannot write the output\n", SIGN_PROG);
        return SIGN_EXIT_SOFTWARE;
    }
    return SIGN_EXIT_OK;
}

int
sign_run_arc(const struct sign_opts *o)
{
    struct arc_run         a;
    mailauth_arc_sealer_t *s = NULL;
    mailauth_status_t      st = MAILAUTH_OK;
    int                    rc = SIGN_EXIT_OK;
    memset(&a, 0, sizeof(a));
    a.o = o;
    rc = setup_ctx(&a);
    if (rc == SIGN_EXIT_OK)
        rc = setup_resolver(&a);
    if (rc == SIGN_EXIT_OK)
        rc = load_arc_key(&a);
    if (rc == SIGN_EXIT_OK)
        rc = sign_read_file(o->input, SIGN_MAX_INPUT, &a.msg, &a.len);
    if (rc == SIGN_EXIT_OK)
        rc = evaluate(&a);
    if (rc == SIGN_EXIT_OK) {
        st = mailauth_arc_sealer_new(a.ctx, a.key, o->domain, o->selector, o->authserv_id, &s);
        if (st == MAILAUTH_EINVAL) {
            fprintf(stderr, "%s: --domain '%s' or --selector '%s' is not a valid name\n", SIGN_PROG,
                    o->domain, o->selector);
            rc = SIGN_EXIT_USAGE;
        } else if (st != MAILAUTH_OK) {
            rc = arc_lib_error("cannot create a sealer", st);
        }
    }
    if (rc == SIGN_EXIT_OK)
        rc = seal(&a, s);
    if (rc == SIGN_EXIT_OK)
        rc = print_sealed(&a, s);
    mailauth_arc_sealer_free(s);
    mailauth_key_free(a.key);
    mailauth_resolver_free(a.r);
    mailauth_ctx_free(a.ctx);
    free(a.msg);
    free(a.ar);
    return rc;
}
