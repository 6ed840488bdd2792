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

/* RFC 5891 §5 / UTS #46: non-transitional processing first (IDNA2008: ß and
 * ς kept), transitional as a fallback for names only valid under IDNA2003. */
static int
to_ascii(const char *z, char **res)
{
    int rc = idn2_to_ascii_8z(z, res, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
        *res = NULL;
        rc = idn2_to_ascii_8z(z, res, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
    }
    return rc;
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
    rc = to_ascii(tmp, &res);
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
