/* DKIM key records (RFC 6376 §3.6.1, RFC 8463 §4): tags, flags and the
 * decoded public key. No allocation here beyond the key itself: the tag
 * list and the base64 work are on the stack. */
#include "dkim/dkim.h"

#include <string.h>

#include "util/base64.h"
#include "util/str.h"
#include "util/tagval.h"

enum {
    KEY_MAX_TAGS = 32,   /* §3.6.1 defines 7 tags (v g h k n p s t with g gone) */
    KEY_B64_MAX = 5460,  /* base64 characters of p=, FWS removed (multiple of 4) */
    KEY_DER_MAX = 4096,  /* = decoded size of KEY_B64_MAX: RSA keys up to ~32000 bits */
};

static bool
is(const char *s, size_t n, const char *word)
{
    return mailauth__mem_eq_ci(s, n, word);
}

/* §3.6.1 v=: first tag when present, exactly "DKIM1" (the ABNF gives the
 * octets, so case matters). */
static bool
version_ok(const mailauth__taglist_t *l)
{
    const mailauth__tag_t *v = mailauth__tags_find(l, "v");
    if (v == NULL)
        return true;
    return v == &l->v[0] && v->value_len == 5 && memcmp(v->value, "DKIM1", 5) == 0;
}

/* §3.6.1 k=: rsa (the default) or ed25519 (RFC 8463 §4). */
static bool
key_type(const mailauth__taglist_t *l, mailauth__key_type_t *type)
{
    const mailauth__tag_t *k = mailauth__tags_find(l, "k");
    *type = MAILAUTH__KEY_RSA;
    if (k == NULL || is(k->value, k->value_len, "rsa"))
        return true;
    if (is(k->value, k->value_len, "ed25519")) {
        *type = MAILAUTH__KEY_ED25519;
        return true;
    }
    return false; /* §6.1.2: an unknown key type makes the key unusable */
}

/* h=, s=, t=: lists whose unknown members are ignored (§3.6.1). */
static void
key_lists(const mailauth__taglist_t *l, mailauth__key_t *k)
{
    const mailauth__tag_t *h = mailauth__tags_find(l, "h");
    const mailauth__tag_t *s = mailauth__tags_find(l, "s");
    const mailauth__tag_t *t = mailauth__tags_find(l, "t");
    const char            *item;
    size_t                 n = 0, pos = 0;
    k->sha1_ok = k->sha256_ok = h == NULL; /* absent: every algorithm */
    while (h != NULL && mailauth__tags_list_next(h, &pos, &item, &n)) {
        k->sha1_ok = k->sha1_ok || is(item, n, "sha1");
        k->sha256_ok = k->sha256_ok || is(item, n, "sha256");
    }
    k->email_ok = s == NULL; /* absent: "*" */
    pos = 0;
    while (s != NULL && mailauth__tags_list_next(s, &pos, &item, &n))
        k->email_ok = k->email_ok || is(item, n, "*") || is(item, n, "email");
    pos = 0;
    while (t != NULL && mailauth__tags_list_next(t, &pos, &item, &n)) {
        k->testing = k->testing || is(item, n, "y");
        k->strict = k->strict || is(item, n, "s");
    }
}

/* True if s holds only base64 characters (RFC 4648 §4), padding and FWS. */
static bool
b64_rest(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (!mailauth__is_alnum(c) && c != '+' && c != '/' && c != '=' && !mailauth__is_space(c))
            return false;
    }
    return true;
}

/* p= (FWS removed, base64) to a key of type k->type. *reason set when
 * the data is not such a key. */
static mailauth_status_t
decode_p(const mailauth_allocator_t *al, const mailauth__tag_t *p, mailauth__key_t *k,
         mailauth_reason_t *reason)
{
    char              text[KEY_B64_MAX];
    uint8_t           der[KEY_DER_MAX];
    size_t            m = 0, n = 0;
    mailauth_status_t st;
    for (size_t i = 0; i < p->value_len; i++) {
        char c = p->value[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') /* FWS, tested inline */
            continue;
        if (m == sizeof(text)) {
            /* Past any key we accept: a policy refusal if it could be a key,
             * else §6.1.2 step 5, a record not in the defined format. */
            *reason = b64_rest(p->value + i, p->value_len - i) ? MAILAUTH_REASON_DKIM_KEY_TOO_LARGE
                                                               : MAILAUTH_REASON_DKIM_KEY_SYNTAX;
            return MAILAUTH_OK;
        }
        text[m++] = c;
    }
    if (mailauth__b64_decode(text, m, der, &n) != MAILAUTH_OK || n == 0) {
        *reason = MAILAUTH_REASON_DKIM_KEY_SYNTAX;
        return MAILAUTH_OK;
    }
    st = mailauth__pubkey_decode(al, k->type, der, n, &k->pub, &k->bits);
    if (st == MAILAUTH_ENOMEM)
        return st;
    if (st != MAILAUTH_OK || k->pub == NULL) {
        k->pub = NULL;
        *reason = MAILAUTH_REASON_DKIM_KEY_SYNTAX; /* §3.6.1: p= is not a key of type k= */
    }
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__key_parse(const mailauth_allocator_t *al, const char *txt, size_t len,
                    mailauth__key_t *out, mailauth_reason_t *reason)
{
    mailauth__tag_t        tags[KEY_MAX_TAGS];
    mailauth__taglist_t    l;
    const mailauth__tag_t *p = NULL;
    mailauth_status_t      st;
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (reason != NULL)
        *reason = MAILAUTH_REASON_NONE;
    if (out == NULL || reason == NULL || (txt == NULL && len > 0))
        return MAILAUTH_EINVAL;
    /* Empty tag-specs (";;") are tolerated in key records: nothing is lost. */
    if (mailauth__tags_parse_fixed(txt, len, tags, KEY_MAX_TAGS, &l, NULL) != MAILAUTH__TAGS_OK ||
        !version_ok(&l) || !key_type(&l, &out->type) || (p = mailauth__tags_find(&l, "p")) == NULL) {
        *reason = MAILAUTH_REASON_DKIM_KEY_SYNTAX; /* p= is REQUIRED (§3.6.1) */
        return MAILAUTH_OK;
    }
    key_lists(&l, out);
    if (p->value_len == 0) {
        /* §3.6.1: an empty p= means the key was revoked. */
        out->revoked = true;
        *reason = MAILAUTH_REASON_DKIM_KEY_REVOKED;
        return MAILAUTH_OK;
    }
    st = decode_p(al, p, out, reason);
    if (st != MAILAUTH_OK) {
        memset(out, 0, sizeof(*out));
        return st;
    }
    return MAILAUTH_OK;
}

void
mailauth__key_clear(mailauth__key_t *k)
{
    if (k == NULL)
        return;
    mailauth__pubkey_unref(k->pub);
    memset(k, 0, sizeof(*k));
}
