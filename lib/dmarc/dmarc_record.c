/* DMARC policy records: RFC 7489 §6.3 (tags), §6.4 (ABNF), §6.6.3 step 6
 * (invalid p/sp); RFC 9989 §4.7, §4.8 (np, psd, t; pct, rf, ri removed).
 *
 * A record is a tag-list like DKIM's (RFC 7489 §6.4, RFC 9989 §4.7). It is
 * read one ';'-separated tag-spec at a time through the tag=value parser, so
 * that a broken tag-spec, an unknown tag or a repeated one costs only
 * itself: RFC 7489 §6.3 "unknown tags MUST be ignored ... syntax errors in
 * the remainder of the record SHOULD be discarded in favor of default
 * values (if any) or ignored outright". A repeated tag keeps its first
 * value. Tag names match in any case, like values: the RFC 7489 §6.4 ABNF
 * writes them as case-insensitive strings (RFC 5234 §2.3); only "DMARC1"
 * is case-sensitive (%x44 %x4d ..., RFC 9989 %s"DMARC1"). */
#include <string.h>

#include "dmarc/dmarc.h"
#include "util/str.h"
#include "util/tagval.h"

enum { T_P, T_SP, T_NP, T_ADKIM, T_ASPF, T_PCT, T_FO, T_RF, T_RI, T_RUA, T_RUF, T_PSD, T_T, T__N };

static const char *const tag_names[T__N] = {"p",  "sp", "np",  "adkim", "aspf", "pct", "fo",
                                            "rf", "ri", "rua", "ruf",   "psd",  "t"};

/* Per-parse state beyond the record itself. */
typedef struct rstate {
    bool seen[T__N];
    bool p_bad, sp_bad, np_bad; /* present with a value that is not a policy */
    bool rua_valid;             /* at least one syntactically valid rua URI */
} rstate_t;

static void
skip_wsp(const char *s, size_t n, size_t *i)
{
    while (*i < n && mailauth__is_wsp((unsigned char)s[*i]))
        (*i)++;
}

bool
mailauth__dmarc_is_v1(const char *txt, size_t len)
{
    size_t i = 0;
    if (txt == NULL)
        return false;
    skip_wsp(txt, len, &i);
    if (i >= len || (txt[i] != 'v' && txt[i] != 'V'))
        return false;
    i++;
    skip_wsp(txt, len, &i);
    if (i >= len || txt[i] != '=')
        return false;
    i++;
    skip_wsp(txt, len, &i);
    if (len - i < 6 || memcmp(txt + i, "DMARC1", 6) != 0)
        return false;
    i += 6;
    skip_wsp(txt, len, &i);
    return i == len || txt[i] == ';';
}

/* dmarc-request: "none" / "quarantine" / "reject", any case. */
static uint8_t
parse_policy(const char *v, size_t n)
{
    if (mailauth__mem_eq_ci(v, n, "none"))
        return MAILAUTH_DMARC_POLICY_NONE;
    if (mailauth__mem_eq_ci(v, n, "quarantine"))
        return MAILAUTH_DMARC_POLICY_QUARANTINE;
    if (mailauth__mem_eq_ci(v, n, "reject"))
        return MAILAUTH_DMARC_POLICY_REJECT;
    return MAILAUTH_DMARC_POLICY_UNSPECIFIED;
}

/* 1*ndigits DIGIT with a value <= max; false otherwise. */
static bool
parse_uint(const char *v, size_t n, size_t ndigits, uint64_t max, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0 || n > ndigits)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!mailauth__is_digit((unsigned char)v[i]))
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > max)
        return false;
    *out = x;
    return true;
}

/* Next item of a `sep`-separated list from *pos, WSP-trimmed; false at the end. */
static bool
next_item(const char *v, size_t n, size_t *pos, char sep, const char **item, size_t *ilen)
{
    const char *end;
    if (*pos > n || n == 0)
        return false;
    end = mailauth__memchr(v + *pos, n - *pos, sep);
    *item = v + *pos;
    *ilen = (end != NULL ? (size_t)(end - v) : n) - *pos;
    *pos += *ilen + 1;
    mailauth__trim(item, ilen);
    return true;
}

/* RFC 7489 §6.4 dmarc-fo: "0" / "1" / "d" / "s", colon-separated. */
static bool
valid_fo(const char *v, size_t n)
{
    const char *it;
    size_t      k, pos = 0;
    while (next_item(v, n, &pos, ':', &it, &k)) {
        if (k != 1 || mailauth__memchr("01dsDS", 6, it[0]) == NULL)
            return false;
    }
    return n > 0;
}

/* RFC 7489 §6.4 dmarc-rfmt: Keyword *(":" Keyword); keywords are LDH words. */
static bool
valid_rf(const char *v, size_t n)
{
    const char *it;
    size_t      k, pos = 0;
    while (next_item(v, n, &pos, ':', &it, &k)) {
        if (k == 0)
            return false;
        for (size_t i = 0; i < k; i++) {
            if (!mailauth__is_alnum((unsigned char)it[i]) && it[i] != '-')
                return false;
        }
    }
    return n > 0;
}

/* RFC 7489 §6.4 dmarc-uri: a URI (RFC 3986 scheme ":" ...), commas and '!'
 * encoded, optionally followed by "!" size [k/m/g/t] (obsolete in 9989). */
static bool
valid_uri(const char *u, size_t n)
{
    size_t i = 0, bang = n;
    if (n == 0 || !mailauth__is_alpha((unsigned char)u[0]))
        return false;
    while (i < n &&
           (mailauth__is_alnum((unsigned char)u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.'))
        i++;
    if (i >= n || u[i] != ':' || i + 1 >= n)
        return false;
    for (size_t j = i + 1; j < n; j++) {
        unsigned char c = (unsigned char)u[j];
        if (c == '!' && bang == n)
            bang = j;
        else if (c <= 0x20 || c >= 0x7f || c == ',' || c == '!')
            return false;
    }
    if (bang == n)
        return true;
    if (bang == i + 1 || bang + 1 >= n)
        return false;
    for (size_t j = bang + 1; j < n; j++) {
        if (!mailauth__is_digit((unsigned char)u[j]) &&
            !(j == n - 1 && j > bang + 1 && mailauth__memchr("kmgtKMGT", 8, u[j]) != NULL))
            return false;
    }
    return true;
}

/* rua= / ruf=: keep the valid URIs (arena copies), at most
 * MAILAUTH__DMARC_URIS_MAX, in a table of the size they need: the record
 * is held while the body streams, and most list one URI or none. */
static mailauth_status_t
parse_uris(mailauth__arena_t *a, const char *v, size_t n, const char ***uris, size_t *nuris,
           bool *any_valid)
{
    const char  *it;
    const char **tab;
    size_t       k, pos = 0, add = 0;
    while (next_item(v, n, &pos, ',', &it, &k)) {
        if (!valid_uri(it, k))
            continue;
        *any_valid = true;
        if (*nuris + add < MAILAUTH__DMARC_URIS_MAX)
            add++;
    }
    if (add == 0)
        return MAILAUTH_OK;
    tab = mailauth__arena_alloc(a, (*nuris + add) * sizeof(*tab));
    if (tab == NULL)
        return MAILAUTH_ENOMEM;
    if (*nuris != 0)
        memcpy(tab, *uris, *nuris * sizeof(*tab));
    *uris = tab;
    pos = 0;
    while (add != 0 && next_item(v, n, &pos, ',', &it, &k)) {
        if (!valid_uri(it, k))
            continue;
        if ((tab[*nuris] = mailauth__arena_strndup(a, it, k)) == NULL)
            return MAILAUTH_ENOMEM;
        (*nuris)++;
        add--;
    }
    return MAILAUTH_OK;
}

static uint8_t
parse_align(const char *v, size_t n, uint8_t dflt)
{
    if (mailauth__mem_eq_ci(v, n, "r"))
        return MAILAUTH_DMARC_ALIGN_RELAXED;
    if (mailauth__mem_eq_ci(v, n, "s"))
        return MAILAUTH_DMARC_ALIGN_STRICT;
    return dflt;
}

static void
set_policy(uint8_t *slot, bool *bad, const char *v, size_t n)
{
    *slot = parse_policy(v, n);
    *bad = *slot == MAILAUTH_DMARC_POLICY_UNSPECIFIED;
}

/* Numbers and flags: an invalid value keeps the default (RFC 7489 §6.3). */
static void
apply_scalar(mailauth__dmarc_record_t *r, int tag, const char *v, size_t n)
{
    uint64_t x = 0;
    switch (tag) {
    case T_ADKIM:
        r->adkim = parse_align(v, n, r->adkim);
        break;
    case T_ASPF:
        r->aspf = parse_align(v, n, r->aspf);
        break;
    case T_PCT: /* §6.3: integer 0..100 */
        if (parse_uint(v, n, 3, 100, &x))
            r->pct = (uint8_t)x;
        break;
    case T_RI: /* §6.3: 32-bit unsigned integer */
        if (parse_uint(v, n, 10, UINT32_MAX, &x))
            r->ri = (uint32_t)x;
        break;
    case T_PSD: /* RFC 9989 §4.7: y / n / u */
        if (n == 1 && mailauth__memchr("ynuYNU", 6, v[0]) != NULL)
            r->psd = (char)mailauth__to_lower((unsigned char)v[0]);
        break;
    case T_T: /* RFC 9989 §4.7: y / n */
        if (mailauth__mem_eq_ci(v, n, "y") || mailauth__mem_eq_ci(v, n, "n"))
            r->testing = mailauth__mem_eq_ci(v, n, "y");
        break;
    default:
        break;
    }
}

static mailauth_status_t
apply_tag(mailauth__arena_t *a, mailauth__dmarc_record_t *r, rstate_t *rs, int tag, const char *v,
          size_t n)
{
    switch (tag) {
    case T_P:
        set_policy(&r->p, &rs->p_bad, v, n);
        return MAILAUTH_OK;
    case T_SP:
        set_policy(&r->sp, &rs->sp_bad, v, n);
        return MAILAUTH_OK;
    case T_NP:
        set_policy(&r->np, &rs->np_bad, v, n);
        return MAILAUTH_OK;
    case T_FO:
        if (valid_fo(v, n) && (r->fo = mailauth__arena_strndup(a, v, n)) == NULL)
            return MAILAUTH_ENOMEM;
        return MAILAUTH_OK;
    case T_RF:
        if (valid_rf(v, n) && (r->rf = mailauth__arena_strndup(a, v, n)) == NULL)
            return MAILAUTH_ENOMEM;
        return MAILAUTH_OK;
    case T_RUA:
        return parse_uris(a, v, n, &r->rua, &r->nrua, &rs->rua_valid);
    case T_RUF: {
        bool ignored = false;
        return parse_uris(a, v, n, &r->ruf, &r->nruf, &ignored);
    }
    default:
        apply_scalar(r, tag, v, n);
        return MAILAUTH_OK;
    }
}

/* One tag-spec (the text between two ';'). */
static mailauth_status_t
one_spec(mailauth__arena_t *a, mailauth__dmarc_record_t *r, rstate_t *rs, const char *s, size_t n)
{
    mailauth__tag_t     v[1];
    mailauth__taglist_t l;
    if (mailauth__tags_parse_fixed(s, n, v, 1, &l, NULL) != MAILAUTH__TAGS_OK || l.n != 1)
        return MAILAUTH_OK; /* empty, or not a tag-spec: discarded (§6.3) */
    for (int t = 0; t < T__N; t++) {
        if (!mailauth__mem_eq_ci(v[0].name, v[0].name_len, tag_names[t]))
            continue;
        if (rs->seen[t])
            return MAILAUTH_OK; /* repeated: the first one counts */
        rs->seen[t] = true;
        return apply_tag(a, r, rs, t, v[0].value, v[0].value_len);
    }
    return MAILAUTH_OK; /* unknown tag: ignored */
}

static void
record_defaults(mailauth__dmarc_record_t *r, const char *txt, size_t len)
{
    memset(r, 0, sizeof(*r));
    r->txt = txt;
    r->len = len;
    r->adkim = r->aspf = MAILAUTH_DMARC_ALIGN_RELAXED; /* §6.3: default "r" */
    r->pct = 100;                                      /* §6.3 */
    r->ri = 86400;                                     /* §6.3 */
    r->psd = 'u';                                      /* RFC 9989 §4.7 */
    r->fo = "0";                                       /* §6.3 */
    r->rf = "afrf";                                    /* §6.3 */
}

/* RFC 7489 §6.6.3 step 6 / RFC 9989 §4.10.1: an invalid p (sp, np) is read
 * as p=none when rua has a valid URI; otherwise the record is unusable. */
static mailauth__dmarc_rec_status_t
check_policies(mailauth__dmarc_record_t *r, const rstate_t *rs, mailauth_dmarc_mode_t mode,
               const char **detail)
{
    bool bis = mode == MAILAUTH_DMARC_RFC9989;
    bool bad = rs->p_bad || rs->sp_bad || (bis && rs->np_bad);
    if (!rs->seen[T_P] && !bis) {
        bad = true; /* RFC 7489 §6.3: p is REQUIRED */
        *detail = "no p= tag";
    } else if (bad) {
        *detail = rs->p_bad ? "p= is not a policy"
                            : (rs->sp_bad ? "sp= is not a policy" : "np= is not a policy");
    }
    if (!bis)
        r->np = MAILAUTH_DMARC_POLICY_UNSPECIFIED; /* RFC 9989 (RFC 9091) tag */
    if (!bad) {
        if (r->p == MAILAUTH_DMARC_POLICY_UNSPECIFIED)
            r->p = MAILAUTH_DMARC_POLICY_NONE; /* RFC 9989 §4.7: no p is p=none */
        *detail = NULL;
        return MAILAUTH__DMARC_REC_OK;
    }
    if (!rs->rua_valid)
        return MAILAUTH__DMARC_REC_INVALID;
    r->p = MAILAUTH_DMARC_POLICY_NONE;
    r->sp = r->np = MAILAUTH_DMARC_POLICY_UNSPECIFIED;
    r->as_none = true;
    return MAILAUTH__DMARC_REC_OK;
}

mailauth_status_t
mailauth__dmarc_record_parse(mailauth__arena_t *a, mailauth_dmarc_mode_t mode, const char *txt,
                             size_t len, mailauth__dmarc_record_t *out,
                             mailauth__dmarc_rec_status_t *st, const char **detail)
{
    rstate_t    rs;
    const char *why = NULL;
    size_t      pos = 0;
    const char *semi;
    record_defaults(out, txt, len);
    memset(&rs, 0, sizeof(rs));
    if (detail != NULL)
        *detail = NULL;
    if (!mailauth__dmarc_is_v1(txt, len)) {
        *st = MAILAUTH__DMARC_REC_NOT_DMARC;
        if (detail != NULL)
            *detail = "v=DMARC1 is not the first tag";
        return MAILAUTH_OK;
    }
    /* The first tag-spec is v=DMARC1; the rest one by one. */
    semi = mailauth__memchr(txt, len, ';');
    pos = semi != NULL ? (size_t)(semi - txt) + 1 : len;
    while (pos < len) {
        size_t            n;
        mailauth_status_t rc;
        semi = mailauth__memchr(txt + pos, len - pos, ';');
        n = semi != NULL ? (size_t)(semi - (txt + pos)) : len - pos;
        rc = one_spec(a, out, &rs, txt + pos, n);
        if (rc != MAILAUTH_OK)
            return rc;
        pos += n + 1;
    }
    *st = check_policies(out, &rs, mode, &why);
    if (detail != NULL)
        *detail = why;
    return MAILAUTH_OK;
}
