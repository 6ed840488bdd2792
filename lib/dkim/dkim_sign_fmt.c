/* Signature field formatter with folding, and the sign core (see
 * dkim/dkim_sign.h). Shared by DKIM signing and ARC sealing. */
#include "dkim/dkim_sign.h"

#include <string.h>

#include "util/alloc.h"
#include "util/base64.h"

#define WIDTH ((size_t)MAILAUTH__SIGFMT_WIDTH)

void
mailauth__sigfmt_init(mailauth__sigfmt_t *f, const mailauth_allocator_t *al)
{
    memset(f, 0, sizeof(*f));
    mailauth__sb_init(&f->sb, al, 0);
}

void
mailauth__sigfmt_clear(mailauth__sigfmt_t *f)
{
    mailauth__sb_clear(&f->sb);
    f->col = 0;
    f->sep = false;
    f->done = false;
}

const char *
mailauth__sigfmt_text(const mailauth__sigfmt_t *f, size_t *len)
{
    if (len != NULL)
        *len = f->sb.len;
    return mailauth__sb_str(&f->sb);
}

static mailauth_status_t
put(mailauth__sigfmt_t *f, const char *p, size_t n)
{
    mailauth_status_t st = mailauth__sb_put(&f->sb, p, n);
    if (st == MAILAUTH_OK)
        f->col += n;
    return st;
}

/* RFC 5322 §2.2.3: fold by inserting CRLF before a WSP; TAB starts the line. */
static mailauth_status_t
fold(mailauth__sigfmt_t *f)
{
    mailauth_status_t st = mailauth__sb_put(&f->sb, "\r\n\t", 3);
    if (st == MAILAUTH_OK)
        f->col = 1;
    return st;
}

/* Before a tag whose first unbreakable piece is `unit` bytes long: nothing
 * for the first tag, else one space if the piece still fits on this line,
 * else a fold. */
static mailauth_status_t
separate(mailauth__sigfmt_t *f, size_t unit)
{
    if (!f->sep) {
        f->sep = true;
        return MAILAUTH_OK;
    }
    if (f->col + 1 + unit <= WIDTH)
        return put(f, " ", 1);
    return fold(f);
}

mailauth_status_t
mailauth__sigfmt_begin(mailauth__sigfmt_t *f, const char *name)
{
    mailauth_status_t st;
    mailauth__sb_reset(&f->sb);
    f->col = 0;
    f->sep = false;
    f->done = false;
    st = put(f, name, strlen(name));
    if (st == MAILAUTH_OK)
        st = put(f, ": ", 2);
    return st;
}

mailauth_status_t
mailauth__sigfmt_tag(mailauth__sigfmt_t *f, const char *tag, const char *value, size_t len)
{
    size_t            tlen = strlen(tag);
    mailauth_status_t st;
    if (f->done)
        return MAILAUTH_ESTATE;
    st = separate(f, tlen + 1 + len + 1);
    if (st == MAILAUTH_OK)
        st = put(f, tag, tlen);
    if (st == MAILAUTH_OK)
        st = put(f, "=", 1);
    if (st == MAILAUTH_OK)
        st = put(f, value, len);
    if (st == MAILAUTH_OK)
        st = put(f, ";", 1);
    return st;
}

mailauth_status_t
mailauth__sigfmt_tag_u64(mailauth__sigfmt_t *f, const char *tag, uint64_t v)
{
    char   digits[24];
    size_t i = sizeof(digits);
    do {
        digits[--i] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0);
    return mailauth__sigfmt_tag(f, tag, digits + i, sizeof(digits) - i);
}

/* h=: the tag with its first item is one piece, then each further item
 * with the colon before it stays on the line or starts the next one. The
 * fold goes after a colon: "a:b:" CRLF TAB "c" (FWS around ':' is allowed,
 * RFC 6376 §3.5 h=). */
mailauth_status_t
mailauth__sigfmt_tag_list(mailauth__sigfmt_t *f, const char *tag, const char *const *items,
                          size_t n)
{
    size_t            tlen = strlen(tag);
    mailauth_status_t st;
    if (f->done)
        return MAILAUTH_ESTATE;
    if (n == 0)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        size_t ilen = strlen(items[i]);
        size_t piece = ilen + 1; /* the item and the ':' or ';' after it */
        if (i == 0) {
            st = separate(f, tlen + 1 + piece);
            if (st == MAILAUTH_OK)
                st = put(f, tag, tlen);
            if (st == MAILAUTH_OK)
                st = put(f, "=", 1);
        } else {
            st = f->col + piece > WIDTH ? fold(f) : MAILAUTH_OK;
        }
        if (st == MAILAUTH_OK)
            st = put(f, items[i], ilen);
        if (st == MAILAUTH_OK)
            st = put(f, i + 1 < n ? ":" : ";", 1);
        if (st != MAILAUTH_OK)
            return st;
    }
    return MAILAUTH_OK;
}

/* Base64 text after "tag=", filling each line to WIDTH and folding inside
 * the value (RFC 6376 §3.5: base64string allows FWS between characters).
 * With `semi`, a ';' follows the last character on its line. */
static mailauth_status_t
put_folded(mailauth__sigfmt_t *f, const char *s, size_t n, bool semi)
{
    mailauth_status_t st = MAILAUTH_OK;
    while (n > 0 && st == MAILAUTH_OK) {
        size_t avail = f->col < WIDTH ? WIDTH - f->col : 0;
        size_t take = n;
        if (take + (semi ? 1u : 0u) > avail) {
            take = avail;
            if (take >= n)
                take = n - 1; /* keep the last character for the line with ';' */
        }
        if (take == 0) {
            st = fold(f);
            continue;
        }
        st = put(f, s, take);
        s += take;
        n -= take;
        if (st == MAILAUTH_OK && n > 0)
            st = fold(f);
    }
    if (st == MAILAUTH_OK && semi)
        st = put(f, ";", 1);
    return st;
}

/* base64 of p into a new string from the formatter's allocator. */
static char *
b64_new(const mailauth__sigfmt_t *f, const uint8_t *p, size_t n, size_t *len)
{
    size_t enc = mailauth__b64_encoded_len(n);
    char  *s = mailauth__malloc(f->sb.al, enc + 1);
    if (s != NULL)
        mailauth__b64_encode(p, n, s);
    *len = enc;
    return s;
}

mailauth_status_t
mailauth__sigfmt_tag_b64(mailauth__sigfmt_t *f, const char *tag, const uint8_t *p, size_t n)
{
    size_t            tlen = strlen(tag);
    size_t            len = 0;
    char             *s = NULL;
    mailauth_status_t st;
    if (f->done)
        return MAILAUTH_ESTATE;
    s = b64_new(f, p, n, &len);
    if (s == NULL)
        return MAILAUTH_ENOMEM;
    /* The tag stays with at least a few characters of its value. */
    st = separate(f, tlen + 1 + (len < 8 ? len + 1 : 8));
    if (st == MAILAUTH_OK)
        st = put(f, tag, tlen);
    if (st == MAILAUTH_OK)
        st = put(f, "=", 1);
    if (st == MAILAUTH_OK)
        st = put_folded(f, s, len, true);
    mailauth__free(f->sb.al, s);
    return st;
}

/* Sign the digest of h; *sig (from the formatter's allocator) and *slen. */
static mailauth_status_t
sign_digest(const mailauth__sigfmt_t *f, mailauth__hash_t *h, mailauth__hash_alg_t alg,
            const mailauth__privkey_t *key, uint8_t **sig, size_t *slen)
{
    uint8_t           digest[MAILAUTH__HASH_MAX];
    mailauth_status_t st = mailauth__hash_final(h, digest);
    *sig = NULL;
    *slen = mailauth__privkey_sig_len(key);
    if (st != MAILAUTH_OK)
        return st;
    *sig = mailauth__malloc(f->sb.al, *slen);
    if (*sig == NULL)
        return MAILAUTH_ENOMEM;
    return mailauth__privkey_sign(key, alg, digest, mailauth__hash_len(alg), *sig, slen);
}

mailauth_status_t
mailauth__sigfmt_sign(mailauth__sigfmt_t *f, mailauth__hash_t *h, mailauth__canon_t canon,
                      mailauth__hash_alg_t alg, const mailauth__privkey_t *key)
{
    size_t            mark = f->sb.len, mark_col = f->col;
    bool              mark_sep = f->sep;
    uint8_t          *sig = NULL;
    size_t            slen = 0, blen = 0;
    char             *b = NULL;
    mailauth_status_t st;
    if (f->done || key == NULL || h == NULL)
        return f->done ? MAILAUTH_ESTATE : MAILAUTH_EINVAL;
    /* Where "b=" goes depends only on the text before it: the space and
     * "b=" plus one value character must fit, whatever the signature. */
    st = separate(f, 3);
    if (st == MAILAUTH_OK)
        st = put(f, "b=", 2);
    /* RFC 6376 §3.7: the field itself, b= empty, no final CRLF. */
    if (st == MAILAUTH_OK)
        st = mailauth__canon_header_sig(h, canon, f->sb.p, f->sb.len, f->sb.len, 0);
    if (st == MAILAUTH_OK)
        st = sign_digest(f, h, alg, key, &sig, &slen);
    if (st == MAILAUTH_OK)
        b = b64_new(f, sig, slen, &blen);
    if (st == MAILAUTH_OK && b == NULL)
        st = MAILAUTH_ENOMEM;
    if (st == MAILAUTH_OK)
        st = put_folded(f, b, blen, false);
    mailauth__free(f->sb.al, b);
    mailauth__free(f->sb.al, sig);
    if (st == MAILAUTH_OK) {
        f->done = true;
    } else { /* back to the text before " b=", so a retry writes the same field */
        f->sb.len = mark;
        if (f->sb.p != NULL)
            f->sb.p[mark] = '\0';
        f->col = mark_col;
        f->sep = mark_sep;
    }
    return st;
}
