/* Rows of the check table: SPF (RFC 7208) for the MAIL FROM and the HELO
 * identities, started when the envelope closes. */
#include <mailauth/spf.h>

#include <string.h>

#include "core/ctx_int.h"
#include "core/eval_int.h"
#include "domain/domain.h"
#include "spf/spf.h"
#include "util/alloc.h"

static const char postmaster[] = "postmaster";

/* A row's state: the check, in the row's arena while it runs, then only
 * its result, copied into the eval's arena when the verdict is final (the
 * records, frames and names it walked go with the row's arena). */
typedef struct spf_row {
    mailauth__spf_t             *spf; /* NULL once settled */
    const mailauth_spf_result_t *res; /* set once settled */
} spf_row_t;

/* RFC 5321 §4.1.3: "[...]" is an address literal, not a domain to check. */
static bool
helo_is_literal(const char *helo)
{
    return helo[0] == '[';
}

/* The check_host() <domain>: A-label, lower case (RFC 7208 §4.3). A name
 * IDNA refuses is passed as given: the SPF check then finds it malformed. */
static mailauth_status_t
identity_domain(mailauth__arena_t *a, const char *dom, size_t n, char **out)
{
    mailauth_status_t st = mailauth__domain_to_alabel(a, dom, n, out);
    if (st == MAILAUTH_EINVAL) {
        *out = mailauth__arena_strndup(a, dom, n);
        st = *out != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
    }
    return st;
}

/* "local@domain" in the arena. */
static char *
join_sender(mailauth__arena_t *a, const char *local, size_t llen, const char *domain)
{
    size_t dlen = strlen(domain), total = 0;
    char  *s = NULL;
    if (!mailauth__size_add(llen, dlen, &total) || !mailauth__size_add(total, 2, &total))
        return NULL;
    s = mailauth__arena_alloc(a, total);
    if (s == NULL)
        return NULL;
    memcpy(s, local, llen);
    s[llen] = '@';
    memcpy(s + llen + 1, domain, dlen + 1);
    return s;
}

static mailauth_status_t
start_identity(check_t *c, mailauth_eval_t *ev, mailauth_spf_identity_t id, const char *local,
               size_t llen, const char *dom)
{
    mailauth__spf_input_t in;
    spf_row_t            *row = mailauth__arena_calloc(&ev->arena, 1, sizeof(*row));
    char                 *domain = NULL;
    mailauth_status_t     st = MAILAUTH_OK;
    mailauth__arena_t    *a = mailauth__check_arena(c, ev);
    if (row == NULL || a == NULL)
        return MAILAUTH_ENOMEM;
    st = identity_domain(a, dom, strlen(dom), &domain);
    if (st != MAILAUTH_OK)
        return st;
    memset(&in, 0, sizeof(in));
    in.ip = ev->ip;
    in.domain = domain;
    in.helo = ev->helo; /* freed with the eval; the envelope is closed */
    in.helo_stable = true;
    in.identity = id;
    in.sender = join_sender(a, local, llen, domain);
    if (in.sender == NULL)
        return MAILAUTH_ENOMEM;
    st = mailauth__spf_start_keep(a, &ev->arena, mailauth__ctx_env(ev->ctx), &ev->dns, &in,
                                  &row->spf);
    if (st != MAILAUTH_OK)
        return st;
    c->state = row;
    /* The first questions go out now, as early as the data allows. */
    st = mailauth__spf_step(row->spf);
    return st == MAILAUTH_EAGAIN ? MAILAUTH_OK : st;
}

static mailauth_status_t
start_mailfrom(check_t *c, mailauth_eval_t *ev)
{
    const char *mf = ev->mail_from, *at = NULL;
    if (!ev->have_ip || mf == NULL)
        return MAILAUTH_OK; /* not evaluated */
    if (mf[0] == '\0')      /* RFC 7208 §2.4: the null sender is postmaster@HELO */
        return start_identity(c, ev, MAILAUTH_SPF_MAILFROM, postmaster, sizeof(postmaster) - 1,
                              ev->helo != NULL ? ev->helo : "");
    at = strrchr(mf, '@');
    if (at == NULL) /* RFC 7208 §4.3: no local-part: "postmaster" */
        return start_identity(c, ev, MAILAUTH_SPF_MAILFROM, postmaster, sizeof(postmaster) - 1, mf);
    if (at == mf)
        return start_identity(c, ev, MAILAUTH_SPF_MAILFROM, postmaster, sizeof(postmaster) - 1,
                              at + 1);
    /* The domain follows the last '@' (a quoted local-part may hold one). */
    return start_identity(c, ev, MAILAUTH_SPF_MAILFROM, mf, (size_t)(at - mf), at + 1);
}

static mailauth_status_t
start_helo(check_t *c, mailauth_eval_t *ev)
{
    if (!ev->have_ip || ev->helo == NULL || helo_is_literal(ev->helo))
        return MAILAUTH_OK; /* not evaluated */
    /* RFC 7208 §2.3: the HELO identity's <sender> is postmaster@HELO. */
    return start_identity(c, ev, MAILAUTH_SPF_HELO, postmaster, sizeof(postmaster) - 1, ev->helo);
}

static const mailauth_spf_result_t *
row_result(const spf_row_t *row)
{
    return row->res != NULL ? row->res : mailauth__spf_result(row->spf);
}

static mailauth_status_t
step(check_t *c)
{
    spf_row_t *row = c->state;
    return row->spf != NULL ? mailauth__spf_step(row->spf) : MAILAUTH_OK;
}

static mailauth_status_t
emit_ar(const check_t *c, const mailauth_eval_t *ev, mailauth_authres_t *ar)
{
    (void)ev;
    return mailauth__spf_add_authres(row_result(c->state), ar);
}

/* A check abandoned before it ended (the evaluation freed or canceled)
 * still holds its working buffers. */
static void
release(check_t *c)
{
    spf_row_t *row = c->state;
    mailauth__spf_release(row->spf);
}

/* The verdict is final: keep the result, let the check's arena go. */
static mailauth_status_t
settle(check_t *c, mailauth_eval_t *ev)
{
    spf_row_t        *row = c->state;
    mailauth_status_t st = MAILAUTH_OK;
    if (row->spf == NULL)
        return MAILAUTH_OK;
    st = mailauth__spf_result_copy(&ev->arena, mailauth__spf_result(row->spf), &row->res);
    if (st != MAILAUTH_OK)
        return st;
    mailauth__spf_release(row->spf); /* a no-op: an ended check freed its buffers */
    row->spf = NULL;
    return MAILAUTH_OK;
}

const mailauth_spf_result_t *
mailauth__eval_spf_row(const mailauth_eval_t *ev, check_id_t id)
{
    const spf_row_t *row = mailauth__eval_row_final(ev, id);
    return row != NULL ? row_result(row) : NULL;
}

const check_ops_t mailauth__check_spf_mailfrom = {.name = "spf",
                                                  .method = MAILAUTH_METHOD_SPF,
                                                  .when = CHECK_AT_ENVELOPE,
                                                  .start = start_mailfrom,
                                                  .step = step,
                                                  .emit_ar = emit_ar,
                                                  .release = release,
                                                  .settle = settle};

const check_ops_t mailauth__check_spf_helo = {.name = "spf-helo",
                                              .method = MAILAUTH_METHOD_SPF,
                                              .when = CHECK_AT_ENVELOPE,
                                              .start = start_helo,
                                              .step = step,
                                              .emit_ar = emit_ar,
                                              .release = release,
                                              .settle = settle};

const char *
mailauth__eval_mailfrom_domain(const mailauth_eval_t *ev)
{
    const char *at = NULL;
    if (ev->mail_from == NULL)
        return NULL;
    if (ev->mail_from[0] == '\0')
        return ev->helo;
    at = strrchr(ev->mail_from, '@');
    return at != NULL ? at + 1 : ev->mail_from;
}

const mailauth_spf_result_t *
mailauth_eval_spf(const mailauth_eval_t *ev, mailauth_spf_identity_t id)
{
    const spf_row_t *row = NULL;
    if (id == MAILAUTH_SPF_MAILFROM)
        row = mailauth__eval_final(ev, CHECK_SPF_MAILFROM);
    else if (id == MAILAUTH_SPF_HELO)
        row = mailauth__eval_final(ev, CHECK_SPF_HELO);
    return row != NULL ? row_result(row) : NULL;
}
