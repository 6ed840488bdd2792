/* Records outside an evaluation (include/mailauth/spf.h, dmarc.h, dkim.h,
 * version 1.1): the parsers the checks use, opened to tools that check what
 * a domain publishes. Each parse keeps its record text and results in one
 * arena, freed with the record. */
#include <mailauth/dkim.h>
#include <mailauth/dmarc.h>
#include <mailauth/spf.h>

#include <stdio.h>
#include <string.h>

#include "core/ctx_int.h"
#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "spf/spf.h"
#include "util/alloc.h"
#include "util/arena.h"

/* ---- SPF ------------------------------------------------------------------ */

struct spf_term {
    mailauth_spf_term_kind_t kind;
    mailauth_verdict_t       qualifier;
    const char              *text, *domain;
    int                      has_macro, dns;
};

struct mailauth_spf_record {
    mailauth__arena_t arena;
    const char       *problem;
    struct spf_term  *terms;
    size_t            nterms;
};

static const char *const spf_kind_names[] = {"all", "include", "a",      "mx",       "ptr",
                                             "ip4", "ip6",     "exists", "redirect", "exp"};

const char *
mailauth_spf_term_kind_name(mailauth_spf_term_kind_t k)
{
    return (unsigned)k < sizeof(spf_kind_names) / sizeof(spf_kind_names[0]) ? spf_kind_names[k]
                                                                            : "unknown";
}

static bool
spf_keep_term(mailauth_spf_record_t *rec, const mailauth__spf_term_t *t, bool modifier)
{
    struct spf_term *o = &rec->terms[rec->nterms];
    o->kind = (mailauth_spf_term_kind_t)t->mech;
    o->qualifier = modifier ? MAILAUTH_VERDICT_NONE : (mailauth_verdict_t)t->verdict;
    o->text = mailauth__arena_strndup(&rec->arena, t->text, t->text_len);
    o->domain = t->spec != NULL ? mailauth__arena_strndup(&rec->arena, t->spec, t->spec_len) : NULL;
    o->has_macro = (t->flags & MAILAUTH__SPF_T_MACRO) != 0;
    o->dns = mailauth__spf_term_is_dns(t);
    if (o->text == NULL || (t->spec != NULL && o->domain == NULL))
        return false;
    rec->nterms++;
    return true;
}

/* The terms of a parsed record into rec->terms. */
static mailauth_status_t
spf_copy_terms(mailauth_spf_record_t *rec, const mailauth__spf_record_t *r)
{
    mailauth__spf_term_t t;
    size_t               pos = 0, n = r->nmech + 2;
    rec->terms = mailauth__arena_calloc(&rec->arena, n, sizeof(*rec->terms));
    if (rec->terms == NULL)
        return MAILAUTH_ENOMEM;
    while (rec->nterms < r->nmech && mailauth__spf_record_next(r, &pos, &t))
        if (!spf_keep_term(rec, &t, false))
            return MAILAUTH_ENOMEM;
    if (r->redirect != NULL && !spf_keep_term(rec, r->redirect, true))
        return MAILAUTH_ENOMEM;
    if (r->exp != NULL && !spf_keep_term(rec, r->exp, true))
        return MAILAUTH_ENOMEM;
    return MAILAUTH_OK;
}

static mailauth_status_t
spf_fill(mailauth_spf_record_t *rec, const char *txt, size_t len)
{
    const mailauth__spf_record_t *r = NULL;
    mailauth__spf_syntax_t        err = {0};
    char                         *copy = mailauth__arena_strndup(&rec->arena, txt, len);
    char                         *why;
    mailauth_status_t             st;
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    if (!mailauth__spf_is_v1(copy, len)) {
        rec->problem = "not an SPF record (it does not start with v=spf1)";
        return MAILAUTH_OK;
    }
    st = mailauth__spf_record_parse(&rec->arena, copy, len, &r, &err);
    if (st == MAILAUTH_OK)
        return spf_copy_terms(rec, r);
    if (st != MAILAUTH_EINVAL)
        return st;
    why = mailauth__arena_alloc(&rec->arena, err.term_len + 64);
    if (why == NULL)
        return MAILAUTH_ENOMEM;
    (void)snprintf(why, err.term_len + 64, "%s: '%.*s'", err.what != NULL ? err.what : "syntax",
                   (int)err.term_len, err.term != NULL ? err.term : "");
    rec->problem = why;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth_spf_record_parse(const mailauth_ctx_t *ctx, const char *txt, size_t len,
                          mailauth_spf_record_t **out)
{
    const mailauth__env_t *env;
    mailauth_spf_record_t *rec;
    mailauth_status_t      st;
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || (txt == NULL && len > 0) || out == NULL)
        return MAILAUTH_EINVAL;
    env = mailauth__ctx_env(ctx);
    rec = mailauth__calloc(&env->al, 1, sizeof(*rec));
    if (rec == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__arena_init(&rec->arena, &env->al);
    st = spf_fill(rec, txt != NULL ? txt : "", len);
    if (st != MAILAUTH_OK) {
        mailauth_spf_record_free(rec);
        return st;
    }
    *out = rec;
    return MAILAUTH_OK;
}

const char *
mailauth_spf_record_problem(const mailauth_spf_record_t *rec)
{
    return rec != NULL ? rec->problem : NULL;
}

size_t
mailauth_spf_record_term_count(const mailauth_spf_record_t *rec)
{
    return rec != NULL ? rec->nterms : 0;
}

mailauth_status_t
mailauth_spf_record_term(const mailauth_spf_record_t *rec, size_t i, mailauth_spf_term_t *out)
{
    const struct spf_term *t;
    if (rec == NULL || out == NULL || out->version != MAILAUTH_SPF_TERM_VERSION || i >= rec->nterms)
        return MAILAUTH_EINVAL;
    t = &rec->terms[i];
    *out = (mailauth_spf_term_t){.version = MAILAUTH_SPF_TERM_VERSION,
                                 .kind = t->kind,
                                 .qualifier = t->qualifier,
                                 .text = t->text,
                                 .domain = t->domain,
                                 .has_macro = t->has_macro,
                                 .dns = t->dns};
    return MAILAUTH_OK;
}

void
mailauth_spf_record_free(mailauth_spf_record_t *rec)
{
    const mailauth_allocator_t *al;
    if (rec == NULL)
        return;
    al = rec->arena.al;
    mailauth__arena_clear(&rec->arena);
    mailauth__free(al, rec);
}

/* ---- DMARC ---------------------------------------------------------------- */

struct mailauth_dmarc_record {
    mailauth__arena_t        arena;
    mailauth__dmarc_record_t rec;
    const char              *problem;
};

mailauth_status_t
mailauth_dmarc_record_parse(const mailauth_ctx_t *ctx, const char *txt, size_t len,
                            mailauth_dmarc_record_t **out)
{
    const mailauth__env_t       *env;
    mailauth_dmarc_record_t     *d;
    mailauth__dmarc_rec_status_t rs = MAILAUTH__DMARC_REC_OK;
    const char                  *detail = NULL, *copy;
    mailauth_status_t            st = MAILAUTH_ENOMEM;
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || (txt == NULL && len > 0) || out == NULL)
        return MAILAUTH_EINVAL;
    env = mailauth__ctx_env(ctx);
    if ((d = mailauth__calloc(&env->al, 1, sizeof(*d))) == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__arena_init(&d->arena, &env->al);
    copy = mailauth__arena_strndup(&d->arena, txt != NULL ? txt : "", len);
    if (copy != NULL && !mailauth__dmarc_is_v1(copy, len)) {
        d->problem = "not a DMARC record (it does not start with v=DMARC1)";
        st = MAILAUTH_OK;
    } else if (copy != NULL) {
        st = mailauth__dmarc_record_parse(&d->arena, env->dmarc_mode, copy, len, &d->rec, &rs,
                                          &detail);
        d->problem = detail;
        if (rs != MAILAUTH__DMARC_REC_OK && detail == NULL)
            d->problem = "not a usable DMARC record";
    }
    if (st != MAILAUTH_OK) {
        mailauth_dmarc_record_free(d);
        return st;
    }
    *out = d;
    return MAILAUTH_OK;
}

const char *
mailauth_dmarc_record_problem(const mailauth_dmarc_record_t *rec)
{
    return rec != NULL ? rec->problem : NULL;
}

mailauth_dmarc_policy_t
mailauth_dmarc_record_policy(const mailauth_dmarc_record_t *rec, const char *tag)
{
    uint8_t p = MAILAUTH_DMARC_POLICY_UNSPECIFIED;
    if (rec == NULL || tag == NULL || rec->rec.txt == NULL)
        return MAILAUTH_DMARC_POLICY_UNSPECIFIED;
    if (strcmp(tag, "p") == 0)
        p = rec->rec.as_none ? MAILAUTH_DMARC_POLICY_UNSPECIFIED : rec->rec.p;
    else if (strcmp(tag, "sp") == 0)
        p = rec->rec.sp;
    else if (strcmp(tag, "np") == 0)
        p = rec->rec.np;
    return (mailauth_dmarc_policy_t)p;
}

size_t
mailauth_dmarc_record_uri_count(const mailauth_dmarc_record_t *rec, const char *tag)
{
    if (rec == NULL || tag == NULL || rec->rec.txt == NULL)
        return 0;
    return strcmp(tag, "rua") == 0 ? rec->rec.nrua : strcmp(tag, "ruf") == 0 ? rec->rec.nruf : 0;
}

const char *
mailauth_dmarc_record_uri(const mailauth_dmarc_record_t *rec, const char *tag, size_t i)
{
    if (i >= mailauth_dmarc_record_uri_count(rec, tag))
        return NULL;
    return strcmp(tag, "rua") == 0 ? rec->rec.rua[i] : rec->rec.ruf[i];
}

void
mailauth_dmarc_record_free(mailauth_dmarc_record_t *rec)
{
    const mailauth_allocator_t *al;
    if (rec == NULL)
        return;
    al = rec->arena.al;
    mailauth__arena_clear(&rec->arena);
    mailauth__free(al, rec);
}

/* ---- DKIM keys -------------------------------------------------------------- */

mailauth_status_t
mailauth_dkim_key_check(const mailauth_ctx_t *ctx, const char *txt, size_t len,
                        mailauth_dkim_key_info_t *info)
{
    const mailauth__env_t *env;
    mailauth__key_t        key;
    mailauth_reason_t      reason = MAILAUTH_REASON_NONE;
    mailauth_status_t      st;
    if (ctx == NULL || (txt == NULL && len > 0) || info == NULL ||
        info->version != MAILAUTH_DKIM_KEY_INFO_VERSION)
        return MAILAUTH_EINVAL;
    env = mailauth__ctx_env(ctx);
    memset(&key, 0, sizeof(key));
    *info = (mailauth_dkim_key_info_t){.version = MAILAUTH_DKIM_KEY_INFO_VERSION};
    st = mailauth__key_parse(&env->al, txt != NULL ? txt : "", len, &key, &reason);
    if (st != MAILAUTH_OK)
        return st;
    info->reason = reason;
    if (reason == MAILAUTH_REASON_NONE || reason == MAILAUTH_REASON_DKIM_KEY_REVOKED) {
        info->key_type = key.type == MAILAUTH__KEY_ED25519 ? "ed25519" : "rsa";
        info->bits = key.bits;
        info->testing = key.testing;
        info->strict = key.strict;
        info->sha256 = key.sha256_ok;
    }
    /* RFC 8301 §3.2 and the ctx's limits, as the verifier applies them. */
    if (reason == MAILAUTH_REASON_NONE && key.type == MAILAUTH__KEY_RSA) {
        if (key.bits < mailauth__env_limit(env, MAILAUTH_LIMIT_RSA_MIN_BITS))
            info->reason = MAILAUTH_REASON_DKIM_KEY_TOO_SMALL;
        else if (key.bits > mailauth__env_limit(env, MAILAUTH_LIMIT_RSA_MAX_BITS))
            info->reason = MAILAUTH_REASON_DKIM_KEY_TOO_LARGE;
    }
    if (info->reason == MAILAUTH_REASON_NONE && !key.email_ok)
        info->reason = MAILAUTH_REASON_DKIM_KEY_SERVICE;
    mailauth__key_clear(&key);
    return MAILAUTH_OK;
}
