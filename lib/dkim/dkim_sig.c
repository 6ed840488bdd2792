/* DKIM-Signature, ARC-Message-Signature and ARC-Seal fields (RFC 6376
 * §3.5, RFC 8617 §4.1.2 and §4.1.3): every check that needs neither DNS
 * nor a clock. The verifier and the ARC layer do the rest. */
#include "dkim/dkim.h"

#include <string.h>

#include "domain/domain.h"
#include "util/base64.h"
#include "util/str.h"
#include "util/tagval.h"

enum {
    SIG_MAX_TAGS = 64,   /* §3.5 defines 14 tags; unknown ones are ignored (§3.2) */
    NUM_MAX_DIGITS = 76, /* §3.5 l= ABNF: 1*76DIGIT */
    ARC_I_MAX = 1024,    /* RFC 8617 §4.2.1 caps chains at 50; that check is the ARC layer's */
};

/* Bits for the kinds a rule applies to. */
#define K_DKIM (1u << MAILAUTH__SIG_DKIM)
#define K_AMS (1u << MAILAUTH__SIG_AMS)
#define K_AS (1u << MAILAUTH__SIG_AS)
#define K_ALL (K_DKIM | K_AMS | K_AS)

/* Status used inside this file only: the field is refused, err says why. */
#define REFUSED MAILAUTH_EINVAL

typedef struct pctx {
    mailauth__arena_t         *a;
    unsigned                   kind; /* K_* bit */
    const mailauth__taglist_t *l;
    mailauth__sig_t           *sig;
    mailauth__sig_err_t       *err;
    const mailauth__tag_t     *one[26]; /* the tags named by one lower-case letter */
} pctx_t;

static mailauth_status_t
refuse(pctx_t *p, mailauth_reason_t reason, const char *what)
{
    /* ARC (RFC 8617 §5.2) has one reason for a malformed field; the text
     * still says which tag was wrong. */
    p->err->reason = p->kind == K_DKIM ? reason : MAILAUTH_REASON_ARC_SYNTAX;
    p->err->what = what;
    return REFUSED;
}

static const mailauth__tag_t *
tag(const pctx_t *p, const char *name)
{
    /* Most tags are one letter: those are looked up once, in index(). */
    if (name[0] >= 'a' && name[0] <= 'z' && name[1] == '\0')
        return p->one[name[0] - 'a'];
    return mailauth__tags_find(p->l, name);
}

static bool
value_is(const mailauth__tag_t *t, const char *word)
{
    return mailauth__mem_eq_ci(t->value, t->value_len, word);
}

/* 1*DIGIT up to NUM_MAX_DIGITS, at most max; false on anything else
 * (a sign, blanks, overflow). */
static bool
parse_dec(const mailauth__tag_t *t, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (t->value_len == 0 || t->value_len > NUM_MAX_DIGITS)
        return false;
    for (size_t i = 0; i < t->value_len; i++) {
        int      c = (unsigned char)t->value[i];
        unsigned d = (unsigned)(c - '0');
        if (!mailauth__is_digit(c) || v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static mailauth_status_t
step_version(pctx_t *p)
{
    const mailauth__tag_t *v = tag(p, "v");
    /* §3.5: v= MUST be 1. Checked before the required tags: another
     * version may define other tags. ARC fields have no v= (RFC 8617 §4.1). */
    if (p->kind != K_DKIM || v == NULL)
        return MAILAUTH_OK;
    if (v->value_len == 0)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "empty v=");
    if (!value_is(v, "1"))
        return refuse(p, MAILAUTH_REASON_DKIM_VERSION, "v= is not 1");
    return MAILAUTH_OK;
}

static const struct required {
    const char *name;
    const char *missing;
    unsigned    kinds;
} required[] = {
    /* §3.5 (REQUIRED tags); RFC 8617 §4.1.2 (AMS: i= instead of v=) and
     * §4.1.3 (AS: i=, cv=, no h=, no bh=). */
    {"v", "missing v=", K_DKIM},         {"i", "missing i=", K_AMS | K_AS},
    {"a", "missing a=", K_ALL},          {"b", "missing b=", K_ALL},
    {"bh", "missing bh=", K_DKIM | K_AMS}, {"cv", "missing cv=", K_AS},
    {"d", "missing d=", K_ALL},          {"h", "missing h=", K_DKIM | K_AMS},
    {"s", "missing s=", K_ALL},
};

static mailauth_status_t
step_required(pctx_t *p)
{
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if ((required[i].kinds & p->kind) != 0 && tag(p, required[i].name) == NULL)
            return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, required[i].missing);
    }
    /* RFC 8617 §4.1.3: an ARC-Seal MUST NOT carry h=. */
    if (p->kind == K_AS && tag(p, "h") != NULL)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "h= in an ARC-Seal");
    return MAILAUTH_OK;
}

/* §3.5 d= is a domain-name (RFC 5321: two or more LDH labels, no
 * trailing dot); A-labels only, so a UTF-8 d= is refused. Kept lower case. */
static mailauth_status_t
step_domain(pctx_t *p)
{
    const mailauth__tag_t *d = tag(p, "d");
    char                  *copy;
    if (d->value_len == 0 || d->value[d->value_len - 1] == '.' ||
        !mailauth__domain_check(d->value, d->value_len,
                                MAILAUTH__DOMAIN_NEED_DOT | MAILAUTH__DOMAIN_LDH))
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "d= is not a domain name");
    copy = mailauth__arena_strndup(p->a, d->value, d->value_len);
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__lower_inplace(copy, d->value_len);
    p->sig->d = copy;
    return MAILAUTH_OK;
}

/* §3.5 s= selector = sub-domain *("." sub-domain). */
static mailauth_status_t
step_selector(pctx_t *p)
{
    const mailauth__tag_t *s = tag(p, "s");
    if (s->value_len == 0 || s->value[s->value_len - 1] == '.' ||
        !mailauth__domain_check(s->value, s->value_len, MAILAUTH__DOMAIN_LDH))
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "s= is not a selector");
    p->sig->s = mailauth__arena_strndup(p->a, s->value, s->value_len);
    return p->sig->s != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
}

static const struct alg_def {
    const char          *name;
    mailauth__sig_alg_t  alg;
    mailauth__hash_alg_t hash;
    mailauth__key_type_t key;
} algs[] = {
    {"rsa-sha256", MAILAUTH__ALG_RSA_SHA256, MAILAUTH__HASH_SHA256, MAILAUTH__KEY_RSA},
    {"rsa-sha1", MAILAUTH__ALG_RSA_SHA1, MAILAUTH__HASH_SHA1, MAILAUTH__KEY_RSA},
    {"ed25519-sha256", MAILAUTH__ALG_ED25519_SHA256, MAILAUTH__HASH_SHA256,
     MAILAUTH__KEY_ED25519}, /* RFC 8463 §3 */
};

/* §3.5 a=. The ABNF literals are case-insensitive (RFC 5234 §2.3), so
 * "RSA-SHA256" is accepted; rsa-sha1 is refused later by policy (RFC 8301). */
static mailauth_status_t
step_alg(pctx_t *p)
{
    const mailauth__tag_t *a = tag(p, "a");
    if (a->value_len == 0)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "empty a=");
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (value_is(a, algs[i].name)) {
            p->sig->alg = algs[i].alg;
            p->sig->hash = algs[i].hash;
            p->sig->key_type = algs[i].key;
            p->sig->a = mailauth__arena_strndup(p->a, a->value, a->value_len);
            return p->sig->a != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
        }
    }
    return refuse(p, MAILAUTH_REASON_DKIM_ALGORITHM, "unknown a= algorithm");
}

/* base64string with FWS anywhere (§3.5 b=, bh=): text without FWS and the
 * decoded bytes, both in the arena. */
static mailauth_status_t
decode_b64(pctx_t *p, const mailauth__tag_t *t, const char *what, char **text, uint8_t **bytes,
           size_t *n)
{
    size_t len = 0;
    *text = mailauth__tags_value_nows(p->a, t, &len);
    if (*text == NULL)
        return MAILAUTH_ENOMEM;
    if (len == 0)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, what);
    *bytes = mailauth__arena_alloc(p->a, mailauth__b64_decoded_max(len));
    if (*bytes == NULL)
        return MAILAUTH_ENOMEM;
    if (mailauth__b64_decode(*text, len, *bytes, n) != MAILAUTH_OK || *n == 0)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, what);
    return MAILAUTH_OK;
}

static mailauth_status_t
step_b(pctx_t *p)
{
    const mailauth__tag_t *b = tag(p, "b");
    char                  *text = NULL;
    mailauth_status_t      st = decode_b64(p, b, "b= is not base64", &text, &p->sig->b,
                                           &p->sig->b_len);
    p->sig->b_text = text;
    /* §3.7: the whole value area is what the signer left empty. */
    p->sig->b_off = b->value_off;
    p->sig->b_area = b->area_len;
    return st;
}

static mailauth_status_t
step_bh(pctx_t *p)
{
    const mailauth__tag_t *bh = tag(p, "bh");
    char                  *text = NULL;
    mailauth_status_t      st = MAILAUTH_OK;
    if (p->kind == K_AS)
        return MAILAUTH_OK;
    st = decode_b64(p, bh, "bh= is not base64", &text, &p->sig->bh, &p->sig->bh_len);
    if (st != MAILAUTH_OK)
        return st;
    /* The digest of a= (SHA-256: 32 bytes, SHA-1: 20). */
    if (p->sig->bh_len != (p->sig->hash == MAILAUTH__HASH_SHA1 ? 20u : 32u))
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "bh= length does not fit a=");
    return MAILAUTH_OK;
}

static bool
canon_word(const char *s, size_t n, mailauth__canon_t *out)
{
    if (mailauth__mem_eq_ci(s, n, "simple"))
        *out = MAILAUTH__CANON_SIMPLE;
    else if (mailauth__mem_eq_ci(s, n, "relaxed"))
        *out = MAILAUTH__CANON_RELAXED;
    else
        return false;
    return true;
}

/* §3.5 c= header["/"body], default simple/simple; a lone "relaxed" is
 * relaxed/simple. RFC 8617 §5.1.1: an ARC-Seal is always relaxed. */
static mailauth_status_t
step_canon(pctx_t *p)
{
    const mailauth__tag_t *c = tag(p, "c");
    const char            *slash;
    size_t                 hlen;
    p->sig->c_header = p->sig->c_body = MAILAUTH__CANON_SIMPLE;
    if (p->kind == K_AS) {
        p->sig->c_header = p->sig->c_body = MAILAUTH__CANON_RELAXED;
        return MAILAUTH_OK;
    }
    if (c == NULL)
        return MAILAUTH_OK;
    slash = mailauth__memchr(c->value, c->value_len, '/');
    hlen = slash != NULL ? (size_t)(slash - c->value) : c->value_len;
    if (!canon_word(c->value, hlen, &p->sig->c_header) ||
        (slash != NULL && !canon_word(slash + 1, c->value_len - hlen - 1, &p->sig->c_body)))
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "unknown c= canonicalization");
    return MAILAUTH_OK;
}

/* RFC 5322 §3.6.8 field-name: printable US-ASCII except ':'. */
static bool
is_field_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c > 0x7e || c == ':')
            return false;
    }
    return true;
}

/* §3.5 h= hdr-name *([FWS] ":" [FWS] hdr-name); §5.4: From MUST be signed. */
static mailauth_status_t
step_headers(pctx_t *p)
{
    const mailauth__tag_t *h = tag(p, "h");
    const char            *item;
    char                  *names;
    size_t                 n = 0, pos = 0, count = 1;
    bool                   from = false;
    if (p->kind == K_AS)
        return MAILAUTH_OK;
    for (size_t i = 0; i < h->value_len; i++)
        count += h->value[i] == ':';
    p->sig->h = mailauth__arena_calloc(p->a, count, sizeof(*p->sig->h));
    /* One copy of the value, each name ended in place by a NUL over the
     * ':', FWS or end that follows it (the list is read from the field). */
    names = mailauth__arena_strndup(p->a, h->value, h->value_len);
    if (p->sig->h == NULL || names == NULL)
        return MAILAUTH_ENOMEM;
    while (mailauth__tags_list_next(h, &pos, &item, &n)) {
        char *name = names + (item - h->value);
        if (!is_field_name(item, n))
            return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "h= is not a list of field names");
        name[n] = '\0';
        p->sig->h[p->sig->h_count++] = name;
        from = from || (n == 4 && mailauth__eq_ci_n(item, "from", 4));
    }
    if (p->sig->h_count == 0)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "empty h=");
    if (!from)
        return refuse(p, MAILAUTH_REASON_DKIM_FROM_NOT_SIGNED, "h= does not include From");
    return MAILAUTH_OK;
}

/* §3.5 i= [Local-part] "@" domain-name, the domain d= or below it. The
 * last '@' splits, since a quoted local-part may hold one. */
static mailauth_status_t
step_auid(pctx_t *p)
{
    const mailauth__tag_t *i = tag(p, "i");
    const char            *at = NULL, *dom;
    size_t                 dlen;
    char                  *copy;
    if (i == NULL) {
        /* §3.5: the default is an empty local-part at d=. */
        size_t dl = strlen(p->sig->d);
        copy = mailauth__arena_alloc(p->a, dl + 2);
        if (copy == NULL)
            return MAILAUTH_ENOMEM;
        copy[0] = '@';
        memcpy(copy + 1, p->sig->d, dl + 1);
        p->sig->i = copy;
        return MAILAUTH_OK;
    }
    for (size_t k = 0; k < i->value_len; k++) {
        if (i->value[k] == '@')
            at = i->value + k;
    }
    if (at == NULL)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "i= has no @");
    dom = at + 1;
    dlen = i->value_len - (size_t)(dom - i->value);
    if (dlen == 0 || dom[dlen - 1] == '.' ||
        !mailauth__domain_check(dom, dlen, MAILAUTH__DOMAIN_LDH))
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "i= domain is not a domain name");
    if (!mailauth__domain_is_sub(dom, dlen, p->sig->d, strlen(p->sig->d)))
        return refuse(p, MAILAUTH_REASON_DKIM_AUID_MISMATCH, "i= is not in d= or below it");
    p->sig->i = mailauth__arena_strndup(p->a, i->value, i->value_len);
    p->sig->i_given = true;
    return p->sig->i != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
}

/* RFC 8617 §4.2.1 instance: 1*DIGIT, 1 or more. */
static mailauth_status_t
step_instance(pctx_t *p)
{
    uint64_t v = 0;
    if (!parse_dec(tag(p, "i"), ARC_I_MAX, &v) || v == 0)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "i= is not an instance 1..1024");
    p->sig->instance = (uint32_t)v;
    return MAILAUTH_OK;
}

static mailauth_status_t
step_identity(pctx_t *p)
{
    return p->kind == K_DKIM ? step_auid(p) : step_instance(p);
}

/* §3.5 q=: a list of methods, of which dns/txt is the only one defined. */
static mailauth_status_t
step_query(pctx_t *p)
{
    const mailauth__tag_t *q = tag(p, "q");
    const char            *item;
    size_t                 n = 0, pos = 0;
    if (p->kind == K_AS || q == NULL)
        return MAILAUTH_OK;
    while (mailauth__tags_list_next(q, &pos, &item, &n)) {
        if (mailauth__mem_eq_ci(item, n, "dns/txt"))
            return MAILAUTH_OK;
    }
    return refuse(p, MAILAUTH_REASON_DKIM_QUERY_METHOD, "q= does not include dns/txt");
}

/* §3.5 l=, t=, x=: decimal; values that do not fit are refused rather
 * than wrapped. x= before t= is refused here (x == t is left to the clock
 * check, which will find it expired). ARC-Seals have t= only. */
static mailauth_status_t
step_numbers(pctx_t *p)
{
    const mailauth__tag_t *l = tag(p, "l"), *t = tag(p, "t"), *x = tag(p, "x");
    uint64_t               v = 0;
    if (p->kind != K_AS && l != NULL) {
        if (!parse_dec(l, UINT64_MAX, &p->sig->l))
            return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "l= is not a number");
        p->sig->has_l = true;
    }
    if (t != NULL) {
        if (!parse_dec(t, INT64_MAX, &v))
            return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "t= is not a number");
        p->sig->t = (int64_t)v;
        p->sig->has_t = true;
    }
    if (p->kind != K_AS && x != NULL) {
        if (!parse_dec(x, INT64_MAX, &v))
            return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "x= is not a number");
        p->sig->x = (int64_t)v;
        p->sig->has_x = true;
    }
    if (p->sig->has_t && p->sig->has_x && p->sig->x < p->sig->t)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "x= is before t=");
    return MAILAUTH_OK;
}

/* RFC 8617 §4.1.3 cv= none / fail / pass. */
static mailauth_status_t
step_cv(pctx_t *p)
{
    const mailauth__tag_t *cv = tag(p, "cv");
    if (p->kind != K_AS)
        return MAILAUTH_OK;
    if (value_is(cv, "none"))
        p->sig->cv = MAILAUTH__CV_NONE;
    else if (value_is(cv, "pass"))
        p->sig->cv = MAILAUTH__CV_PASS;
    else if (value_is(cv, "fail"))
        p->sig->cv = MAILAUTH__CV_FAIL;
    else
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "cv= is not none, pass or fail");
    return MAILAUTH_OK;
}

/* The tag list itself (§3.2). */
static mailauth_status_t
check_list(pctx_t *p, mailauth__tags_err_t e)
{
    switch (e) {
    case MAILAUTH__TAGS_OK:
        break;
    case MAILAUTH__TAGS_DUPLICATE:
        return refuse(p, MAILAUTH_REASON_DKIM_DUPLICATE_TAG, "a tag appears twice");
    case MAILAUTH__TAGS_TOO_MANY:
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "too many tags");
    default:
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "not a tag=value list");
    }
    /* §3.2 ABNF: every tag-spec has a name, so ";;" is not a tag-list. */
    if (p->l->empty > 0)
        return refuse(p, MAILAUTH_REASON_DKIM_SYNTAX, "empty tag-spec");
    return MAILAUTH_OK;
}

/* One pass over the list for tag(): names are case-sensitive (§3.2), and
 * a list with a name twice was refused before any step looks. */
static void
index_tags(pctx_t *p)
{
    for (size_t i = 0; i < p->l->n; i++) {
        const mailauth__tag_t *t = &p->l->v[i];
        if (t->name_len == 1 && t->name[0] >= 'a' && t->name[0] <= 'z')
            p->one[t->name[0] - 'a'] = t;
    }
}

typedef mailauth_status_t (*step_fn)(pctx_t *p);

/* In this order, so a refused field still tells d= and s= when it can. */
static const step_fn steps[] = {
    step_version, step_required, step_domain, step_selector, step_alg,     step_b,
    step_bh,      step_canon,    step_headers, step_identity, step_query,  step_numbers,
    step_cv,
};

mailauth_status_t
mailauth__sig_parse(mailauth__arena_t *a, mailauth__sig_kind_t kind, const char *field_value,
                    size_t len, mailauth__sig_t *out, mailauth__sig_err_t *err)
{
    mailauth__tag_t      tags[SIG_MAX_TAGS];
    mailauth__taglist_t  l;
    mailauth__tags_err_t e = MAILAUTH__TAGS_OK;
    pctx_t               p;
    mailauth_status_t    st;
    if (err != NULL) {
        err->reason = MAILAUTH_REASON_NONE;
        err->what = NULL;
    }
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (a == NULL || out == NULL || err == NULL || (field_value == NULL && len > 0) ||
        (unsigned)kind > (unsigned)MAILAUTH__SIG_AS)
        return MAILAUTH_EINVAL;
    out->kind = kind;
    /* The tag list is needed only while the field is read: it lives on
     * the stack (3 KiB), so that what a message keeps while its body
     * streams is the parsed signature alone, and a field costs no
     * allocation for it. k tags take at least 3k - 1 bytes, so a field
     * has more than SIG_MAX_TAGS exactly when the arena parser would say
     * so; duplicates come out the same (the first repeated name). */
    e = mailauth__tags_parse_fixed(field_value != NULL ? field_value : "", len, tags, SIG_MAX_TAGS,
                                   &l, NULL);
    p = (pctx_t){.a = a, .kind = 1u << kind, .l = &l, .sig = out, .err = err};
    st = check_list(&p, e);
    if (st == MAILAUTH_OK)
        index_tags(&p);
    for (size_t i = 0; st == MAILAUTH_OK && i < sizeof(steps) / sizeof(steps[0]); i++)
        st = steps[i](&p);
    return st == REFUSED ? MAILAUTH_OK : st;
}

const char *
mailauth__sig_alg_name(mailauth__sig_alg_t alg)
{
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (algs[i].alg == alg)
            return algs[i].name;
    }
    return "unknown";
}
