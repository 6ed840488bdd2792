/* Domain names: syntax checks, case folding, IDNA via libidn2. */
#include "domain/domain.h"

#include <idn2.h>
#include <string.h>

#include "util/str.h"

#define NAME_MAX_OCTETS 253 /* RFC 1035 §2.3.4: 255 on the wire = 253 in text */
#define LABEL_MAX_OCTETS 63 /* RFC 1035 §2.3.4 */
#define UTF8_INPUT_MAX 1024 /* a U-label name longer than this cannot fit 253 octets */

/* Drop one trailing dot (the root label), if any. */
static size_t
strip_dot(const char *s, size_t n)
{
    return (n > 0 && s[n - 1] == '.') ? n - 1 : n;
}

static bool
is_ldh(int c)
{
    /* '_' too: SPF/DKIM/DMARC names such as "_dmarc" and "s._domainkey" */
    return mailauth__is_alnum(c) || c == '-' || c == '_';
}

bool
mailauth__domain_check(const char *name, size_t len, unsigned flags)
{
    size_t labels = 0;
    size_t label_len = 0;
    if (name == NULL)
        return false;
    len = strip_dot(name, len);
    if (len == 0 || len > NAME_MAX_OCTETS)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '.') {
            if (label_len == 0)
                return false; /* empty label: leading dot or ".." */
            labels++;
            label_len = 0;
            continue;
        }
        if (c == '\0')
            return false; /* names travel as C strings later */
        if ((flags & MAILAUTH__DOMAIN_LDH) != 0 && !is_ldh(c))
            return false;
        if (++label_len > LABEL_MAX_OCTETS)
            return false;
    }
    if (label_len == 0)
        return false; /* "a.." stripped to "a." */
    labels++;
    if ((flags & MAILAUTH__DOMAIN_NEED_DOT) != 0 && labels < 2)
        return false;
    return true;
}

static bool
is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return false;
    }
    return true;
}

/* UTS #46 maps U+1E9E LATIN CAPITAL LETTER SHARP S to "ss" up to Unicode
 * 15.0 and to U+00DF since 15.1 (its lower case). libidn2 carries the table
 * it was built with (Debian 12's: "ss"), so the letter is lowered here first
 * and "FAẞ.DE" gives faß.de's A-label on every libidn2. In place; returns
 * the new length. */
static size_t
pin_capital_sharp_s(char *z, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 2 < n && (unsigned char)z[i] == 0xe1 && (unsigned char)z[i + 1] == 0xba &&
            (unsigned char)z[i + 2] == 0x9e) {
            z[o++] = (char)0xc3; /* U+00DF */
            z[o++] = (char)0x9f;
            i += 2;
            continue;
        }
        z[o++] = z[i];
    }
    z[o] = '\0';
    return o;
}

/* RFC 5891 §5 with the UTS #46 non-transitional mapping (IDNA2008: ß, ς
 * and joiners in their contexts kept), and nothing else: no transitional
 * (IDNA2003) retry. A name IDNA2008 refuses (a symbol or emoji, a joiner
 * out of context, a bidi violation) is not registered under IDNA2008, and
 * its transitional A-label names another domain ("a<ZWJ>b" -> "ab") or one no
 * IDNA2008 client reaches; so it has no A-label here, whatever mode the
 * sender's software used. docs/dmarc.md ("Internationalized domain names"). */
static int
to_ascii(char *z, size_t n, char **res)
{
    pin_capital_sharp_s(z, n);
    return idn2_to_ascii_8z(z, res, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
}

mailauth_status_t
mailauth__domain_to_alabel(mailauth__arena_t *a, const char *name, size_t len, char **out)
{
    char  tmp[UTF8_INPUT_MAX + 1];
    char *res = NULL;
    char *copy = NULL;
    int   rc;

    if (out != NULL)
        *out = NULL;
    if (a == NULL || name == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    if (len == 0 || mailauth__memchr(name, len, '\0') != NULL)
        return MAILAUTH_EINVAL;
    if (is_ascii(name, len)) {
        /* Already A-labels (or a name with '_' that IDNA would refuse). */
        len = strip_dot(name, len);
        if (len == 0)
            return MAILAUTH_EINVAL;
        copy = mailauth__arena_strndup(a, name, len);
        if (copy == NULL)
            return MAILAUTH_ENOMEM;
        mailauth__lower_inplace(copy, len);
        *out = copy;
        return MAILAUTH_OK;
    }
    if (len > UTF8_INPUT_MAX)
        return MAILAUTH_EINVAL;
    memcpy(tmp, name, len); /* libidn2 wants NUL-terminated input */
    tmp[len] = '\0';
    rc = to_ascii(tmp, len, &res);
    if (rc != IDN2_OK || res == NULL) {
        idn2_free(res);
        return MAILAUTH_EINVAL; /* invalid UTF-8, disallowed code point, too long */
    }
    /* UTS #46 maps other full stops (U+3002, ...) to '.', so empty labels
     * can only be seen after conversion: check the result's shape. */
    len = strlen(res);
    if (!mailauth__domain_check(res, len, 0)) {
        idn2_free(res);
        return MAILAUTH_EINVAL;
    }
    len = strip_dot(res, len);
    copy = mailauth__arena_strndup(a, res, len);
    idn2_free(res);
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    mailauth__lower_inplace(copy, len);
    *out = copy;
    return MAILAUTH_OK;
}

bool
mailauth__domain_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (a == NULL || b == NULL)
        return false;
    alen = strip_dot(a, alen);
    blen = strip_dot(b, blen);
    return alen == blen && mailauth__eq_ci_n(a, b, alen);
}

bool
mailauth__domain_is_sub(const char *sub, size_t sublen, const char *parent, size_t plen)
{
    size_t off;
    if (sub == NULL || parent == NULL)
        return false;
    sublen = strip_dot(sub, sublen);
    plen = strip_dot(parent, plen);
    /* An empty parent (the root) would make every name a subdomain: never
     * what a policy check means, so refuse it. */
    if (plen == 0 || sublen < plen)
        return false;
    if (sublen == plen)
        return mailauth__eq_ci_n(sub, parent, plen);
    off = sublen - plen;
    return sub[off - 1] == '.' && mailauth__eq_ci_n(sub + off, parent, plen);
}
