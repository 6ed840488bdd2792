/* Test tool of the ctest event_loop: DKIM-sign many messages in one
 * process with the public signing API (mailauth-sign does one message per
 * run, and 60 process starts under ASan on a loaded machine cost more than
 * the rest of the test).
 *
 *   event_loop_sign < JOBS
 *
 * Each line of JOBS: KEYFILE DOMAIN SELECTOR IN OUT. IN is signed with the
 * PEM key (relaxed/relaxed, the default header list, t= now) and written
 * to OUT with the DKIM-Signature field in front. Lines run in order, so a
 * later line may sign an earlier one's OUT again. Exit 0, or 1 with a
 * message on the first failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/mailauth.h>

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long  n;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    (void)fclose(f); /* read-only: nothing to lose */
    return buf;
}

/* Sign msg and write "field CRLF msg" to out. */
static mailauth_status_t
sign_one(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain, const char *sel,
         const char *msg, size_t len, FILE *out)
{
    mailauth_dkim_signer_t *s = NULL;
    char                    field[4096];
    mailauth_status_t       st = mailauth_dkim_signer_new(ctx, key, domain, sel, &s);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_message(s, msg, len);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_end_message(s);
    if (st == MAILAUTH_OK)
        st = mailauth_dkim_signer_format(s, field, sizeof(field), NULL);
    if (st == MAILAUTH_OK && (fprintf(out, "%s\r\n", field) < 0 || fwrite(msg, 1, len, out) != len))
        st = MAILAUTH_EINVAL;
    mailauth_dkim_signer_free(s);
    return st;
}

static int
job(mailauth_ctx_t *ctx, char *line, unsigned lineno)
{
    char             *w[5], *save = NULL, *pem, *msg = NULL;
    size_t            pemlen = 0, len = 0;
    mailauth_key_t   *key = NULL;
    mailauth_status_t st = MAILAUTH_EINVAL;
    FILE             *out = NULL;
    for (int i = 0; i < 5; i++) {
        if ((w[i] = strtok_r(i == 0 ? line : NULL, " \t\r\n", &save)) != NULL)
            continue;
        if (i == 0)
            return 0; /* a blank line */
        (void)fprintf(stderr, "line %u: KEYFILE DOMAIN SELECTOR IN OUT wanted\n", lineno);
        return 1;
    }
    pem = slurp(w[0], &pemlen);
    if (pem != NULL)
        st = mailauth_key_load_pem(ctx, pem, pemlen, &key);
    if (st == MAILAUTH_OK && (msg = slurp(w[3], &len)) == NULL)
        st = MAILAUTH_EINVAL;
    if (st == MAILAUTH_OK && (out = fopen(w[4], "wb")) == NULL)
        st = MAILAUTH_EINVAL;
    if (st == MAILAUTH_OK)
        st = sign_one(ctx, key, w[1], w[2], msg, len, out);
    if (out != NULL && fclose(out) != 0 && st == MAILAUTH_OK)
        st = MAILAUTH_EINVAL;
    if (st != MAILAUTH_OK)
        (void)fprintf(stderr, "line %u (%s -> %s): %s\n", lineno, w[3], w[4],
                      mailauth_strerror(st));
    mailauth_key_free(key);
    free(pem);
    free(msg);
    return st == MAILAUTH_OK ? 0 : 1;
}

int
main(void)
{
    mailauth_ctx_t *ctx = NULL;
    char            line[4096];
    unsigned        lineno = 0;
    int             rc = 0;
    if (mailauth_ctx_new(NULL, &ctx) != MAILAUTH_OK)
        return 1;
    while (rc == 0 && fgets(line, sizeof(line), stdin) != NULL)
        rc = job(ctx, line, ++lineno);
    mailauth_ctx_free(ctx);
    return rc;
}
