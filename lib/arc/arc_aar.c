/* The results of this host's Authentication-Results fields (RFC 8601 §2.2),
 * which the ARC-Authentication-Results carries (RFC 8617 §4.1.1: all the
 * results of the ADMD, however many fields hold them). A light reader: the
 * authserv-id to pick the fields, then the results cut at the ';' outside
 * comments and quoted strings, kept as written. */
#include <string.h>

#include "arc/arc_seal.h"
#include "util/str.h"

/* RFC 2045 §5.1 token character. */
static bool
is_token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* The authserv-id (RFC 8601 §2.2: value, a token or a quoted-string) at
 * s[*i] equals id. *i is left after it. */
static bool
id_matches(const char *s, size_t n, size_t *i, const char *id)
{
    size_t idlen = strlen(id), k = 0;
    bool   same = true;
    if (*i < n && s[*i] == '"') {
        for ((*i)++; *i < n && s[*i] != '"'; (*i)++) {
            if (s[*i] == '\\' && *i + 1 < n)
                (*i)++;
            same = same && k < idlen &&
                   mailauth__to_lower((unsigned char)s[*i]) ==
                       mailauth__to_lower((unsigned char)id[k]);
            k++;
        }
        if (*i >= n)
            return false;
        (*i)++;
        return same && k == idlen;
    }
    while (*i < n && is_token_char((unsigned char)s[*i])) {
        same = same && k < idlen &&
               mailauth__to_lower((unsigned char)s[*i]) == mailauth__to_lower((unsigned char)id[k]);
        k++;
        (*i)++;
    }
    return k > 0 && same && k == idlen;
}

/* The offset just after the ';' that ends "authserv-id [version]" when
 * the field is this host's, else 0. */
static size_t
results_start(const char *s, size_t n, const char *id)
{
    size_t i = mailauth__skip_cfws(s, n, 0);
    if (!id_matches(s, n, &i, id))
        return 0;
    i = mailauth__skip_cfws(s, n, i);
    while (i < n && mailauth__is_digit((unsigned char)s[i])) /* authres-version */
        i++;
    i = mailauth__skip_cfws(s, n, i);
    return i < n && s[i] == ';' ? i + 1 : 0;
}

/* The end of the result starting at i: the next ';' outside comments and
 * quoted strings, or n. */
static size_t
piece_end(const char *s, size_t n, size_t i)
{
    size_t depth = 0;
    bool   quoted = false;
    for (; i < n; i++) {
        char c = s[i];
        if ((quoted || depth > 0) && c == '\\' && i + 1 < n) {
            i++;
            continue;
        }
        if (quoted) {
            quoted = c != '"';
            continue;
        }
        if (c == '"' && depth == 0)
            quoted = true;
        else if (c == '(')
            depth++;
        else if (c == ')' && depth > 0)
            depth--;
        else if (c == ';' && depth == 0)
            break;
    }
    return i;
}

/* Pieces of one field (counting only when out is NULL). */
static size_t
split(const mailauth__hdr_t *f, size_t at, mailauth__arc_piece_t *out)
{
    size_t k = 0;
    while (at < f->value_len) {
        size_t      end = piece_end(f->value, f->value_len, at);
        const char *p = f->value + at;
        size_t      len = end - at;
        mailauth__trim(&p, &len);
        /* RFC 8601 §2.2 no-result: "none" says there is nothing to carry. */
        if (len > 0 && !mailauth__mem_eq_ci(p, len, "none")) {
            if (out != NULL)
                out[k] = (mailauth__arc_piece_t){p, len};
            k++;
        }
        at = end + 1;
    }
    return k;
}

mailauth_status_t
mailauth__arc_ar_results(mailauth__arena_t *a, const mailauth__hdr_index_t *hdrs,
                         const char *authserv_id, mailauth__arc_piece_t **out, size_t *n)
{
    size_t                 pos = 0, total = 0;
    const mailauth__hdr_t *f = NULL;
    *out = NULL;
    *n = 0;
    while ((f = mailauth__hdr_index_next(hdrs, "Authentication-Results", &pos)) != NULL) {
        size_t at = results_start(f->value, f->value_len, authserv_id);
        if (at > 0)
            total += split(f, at, NULL);
    }
    if (total == 0)
        return MAILAUTH_OK;
    *out = mailauth__arena_calloc(a, total, sizeof(**out));
    if (*out == NULL)
        return MAILAUTH_ENOMEM;
    pos = 0;
    while ((f = mailauth__hdr_index_next(hdrs, "Authentication-Results", &pos)) != NULL) {
        size_t at = results_start(f->value, f->value_len, authserv_id);
        if (at > 0)
            *n += split(f, at, *out + *n);
    }
    return MAILAUTH_OK;
}

bool
mailauth__arc_piece_is(const mailauth__arc_piece_t *piece, const char *method, const char **result,
                       size_t *rlen)
{
    const char *s = piece->p;
    size_t      n = piece->n, i = 0, start = 0, mlen = strlen(method);
    /* RFC 8601 §2.2 methodspec: [CFWS] method [CFWS] "=" [CFWS] result. */
    i = mailauth__skip_cfws(s, n, 0);
    if (n - i < mlen || !mailauth__eq_ci_n(s + i, method, mlen))
        return false;
    i = mailauth__skip_cfws(s, n, i + mlen);
    if (i >= n || s[i] != '=')
        return false;
    i = mailauth__skip_cfws(s, n, i + 1);
    start = i;
    while (i < n && (mailauth__is_alnum((unsigned char)s[i]) || s[i] == '-'))
        i++;
    *result = s + start;
    *rlen = i - start;
    return *rlen > 0;
}
