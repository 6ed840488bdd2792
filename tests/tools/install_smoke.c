/* Built by the "install" test against the INSTALLED headers and library only
 * (pkg-config, and find_package(mailauth) in tools/consumer/): version, a
 * context, a zone resolver and one SPF check through the public API. */
#include <stdio.h>
#include <string.h>

#include <mailauth/mailauth.h>

static const char zone[] = "example.org TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n";

static int
check(mailauth_status_t st, const char *what)
{
    if (st != MAILAUTH_OK)
        fprintf(stderr, "install_smoke: %s: %s\n", what, mailauth_strerror(st));
    return st == MAILAUTH_OK;
}

int
main(void)
{
    mailauth_ctx_t *ctx = NULL;
    mailauth_resolver_t *r = NULL;
    mailauth_eval_t *ev = NULL;
    const mailauth_spf_result_t *spf = NULL;
    const mailauth_authres_t *ar = NULL;
    const mailauth_envelope_t env = { .version = MAILAUTH_ENVELOPE_VERSION,
                                      .client_ip = "192.0.2.7",
                                      .helo = "mail.example.org",
                                      .mail_from = "alice@example.org" };
    char field[1024];
    int ok;

    if (mailauth_version_number() != MAILAUTH_VERSION_NUMBER) {
        fprintf(stderr, "install_smoke: headers %d, library %s\n", MAILAUTH_VERSION_NUMBER,
                mailauth_version());
        return 1;
    }
    ok = check(mailauth_ctx_new(NULL, &ctx), "ctx_new") &&
         check(mailauth_ctx_set_authserv_id(ctx, "mx.example.net"), "set_authserv_id") &&
         check(mailauth_resolver_new_zone(ctx, zone, strlen(zone), NULL, &r), "new_zone") &&
         check(mailauth_eval_new(ctx, r, &ev), "eval_new") &&
         check(mailauth_eval_set_envelope(ev, &env), "set_envelope") &&
         check(mailauth_eval_finish_sync(ev, -1), "finish_sync") &&
         check(mailauth_eval_authres(ev, &ar), "eval_authres") &&
         check(mailauth_authres_format(ar, field, sizeof(field), NULL), "authres_format");
    if (ok) {
        spf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
        ok = spf != NULL && mailauth_spf_result_verdict(spf) == MAILAUTH_VERDICT_PASS;
        printf("mailauth %s: %s\n", mailauth_version(), field);
        if (!ok)
            fprintf(stderr, "install_smoke: SPF did not pass\n");
    }
    mailauth_eval_free(ev);
    mailauth_resolver_free(r);
    mailauth_ctx_free(ctx);
    return ok ? 0 : 1;
}
