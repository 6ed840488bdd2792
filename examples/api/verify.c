/* Blocking use of mailauth: read a message on stdin, evaluate it, print the
 * Authentication-Results field. The README's first example, complete.
 *
 *   mailauth-example-verify IP HELO MAIL_FROM [ZONE_FILE] < message.eml
 *
 * With ZONE_FILE, DNS answers come from that file only; otherwise from the
 * servers of /etc/resolv.conf through c-ares. */
#include <stdio.h>
#include <stdlib.h>

#include <mailauth/mailauth.h>

/* Read a whole stream into a malloc'ed buffer (a small example: no size cap). */
static char *
read_all(FILE *f, size_t *len)
{
    size_t cap = 4096;
    char *buf = malloc(cap);
    *len = 0;
    while (buf != NULL) {
        size_t got = fread(buf + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
        if (*len == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                free(buf);
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf != NULL && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

static mailauth_status_t
make_resolver(mailauth_ctx_t *ctx, const char *zone_file, mailauth_resolver_t **r)
{
    FILE *f;
    char *text;
    size_t len, errline = 0;
    mailauth_status_t st;
    if (zone_file == NULL)
        return mailauth_resolver_new_ares(ctx, NULL, r);
    f = fopen(zone_file, "rb");
    if (f == NULL)
        return MAILAUTH_EINVAL;
    text = read_all(f, &len);
    fclose(f);
    if (text == NULL)
        return MAILAUTH_ENOMEM;
    st = mailauth_resolver_new_zone(ctx, text, len, &errline, r);
    if (st == MAILAUTH_EINVAL)
        fprintf(stderr, "%s:%zu: syntax error\n", zone_file, errline);
    free(text);
    return st;
}

int
main(int argc, char **argv)
{
    mailauth_ctx_t *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t *ev = NULL;
    const mailauth_authres_t *ar = NULL;
    mailauth_envelope_t env = { .version = MAILAUTH_ENVELOPE_VERSION };
    mailauth_status_t st;
    size_t len = 0, need = 0;
    char *msg, field[4096];

    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s IP HELO MAIL_FROM [ZONE_FILE] < message\n", argv[0]);
        return 64;
    }
    msg = read_all(stdin, &len);
    if (msg == NULL)
        return 66;

    /* 1. Configuration, then a resolver and an evaluation bound to it. */
    st = mailauth_ctx_new(NULL, &ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(ctx, "mx.example.net");
    if (st == MAILAUTH_OK)
        st = make_resolver(ctx, argc == 5 ? argv[4] : NULL, &r);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_new(ctx, r, &ev);
    /* 2. The SMTP envelope: the SPF and iprev questions go out now. */
    env.client_ip = argv[1];
    env.helo = argv[2];
    env.mail_from = argv[3];
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_envelope(ev, &env);
    /* 3. The message (a header field over a limit is left out and shows in
     *    the verdicts that needed it), then the verdicts (-1: the ctx deadline). */
    if (st == MAILAUTH_OK)
        st = mailauth_eval_message(ev, msg, len);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_finish_sync(ev, -1);
    /* 4. The Authentication-Results field, folded with CRLF. */
    if (st == MAILAUTH_OK)
        st = mailauth_eval_authres(ev, &ar);
    if (st == MAILAUTH_OK)
        st = mailauth_authres_format(ar, field, sizeof(field), &need);
    if (st == MAILAUTH_OK)
        printf("%s\r\n", field);
    else
        fprintf(stderr, "mailauth: %s\n", mailauth_strerror(st));

    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    free(msg);
    return st == MAILAUTH_OK ? 0 : 70;
}
