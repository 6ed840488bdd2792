/* mailauth-check --lint: DMARC (RFC 7489 §6.3, RFC 9989 §4.7). The record
 * at _dmarc.DOMAIN is read by the library's parser
 * (mailauth_dmarc_record_parse), which says whether an evaluation would use
 * it; an evaluation quietly reads a bad optional value as its default, so
 * the tags are also checked one by one here: unknown or repeated tags,
 * values outside their grammar. Report destinations (rua, ruf) outside the
 * domain need the authorization record <domain>._report._dmarc.<host> of
 * RFC 7489 §7.1 (RFC 9990 §3); a missing one is a problem. A domain
 * without a record whose organizational domain has one is told so (the
 * RFC 7489 §6.6.3 fallback) rather than reported as publishing nothing. */
#include <string.h>
#include <strings.h>

#include <mailauth/dmarc.h>

#include "lint.h"

static bool
eq_ci(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] - 'A' + 'a') : a[i];
        if (c != b[i])
            return false;
    }
    return true;
}

/* Does `value` (n bytes) match one of the words of `list` ("a|b|c")? */
static bool
one_of(const char *value, size_t n, const char *list)
{
    while (*list != '\0') {
        size_t k = strcspn(list, "|");
        char   word[32];
        if (k < sizeof(word)) {
            memcpy(word, list, k);
            word[k] = '\0';
            if (eq_ci(value, n, word))
                return true;
        }
        list += k + (list[k] == '|');
    }
    return false;
}

static bool
digits_upto(const char *v, size_t n, unsigned long max)
{
    unsigned long x = 0;
    if (n == 0 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (unsigned long)(v[i] - '0');
    }
    return x <= max;
}

/* fo: 0, 1, d, s separated by ':'. */
static bool
fo_ok(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool opt = v[i] == '0' || v[i] == '1' || v[i] == 'd' || v[i] == 's';
        if (i % 2 == 0 ? !opt : v[i] != ':')
            return false;
    }
    return n % 2 == 1;
}

/* The tags of RFC 7489 §6.3 and RFC 9989 §4.7 and what their values may be. */
static bool
value_ok(const char *tag, size_t tn, const char *v, size_t vn)
{
    if (eq_ci(tag, tn, "p") || eq_ci(tag, tn, "sp") || eq_ci(tag, tn, "np"))
        return one_of(v, vn, "none|quarantine|reject");
    if (eq_ci(tag, tn, "adkim") || eq_ci(tag, tn, "aspf"))
        return one_of(v, vn, "r|s");
    if (eq_ci(tag, tn, "pct"))
        return digits_upto(v, vn, 100);
    if (eq_ci(tag, tn, "ri"))
        return digits_upto(v, vn, 4294967295ul);
    if (eq_ci(tag, tn, "fo"))
        return fo_ok(v, vn);
    if (eq_ci(tag, tn, "rf"))
        return one_of(v, vn, "afrf");
    if (eq_ci(tag, tn, "psd"))
        return one_of(v, vn, "y|n|u");
    if (eq_ci(tag, tn, "t"))
        return one_of(v, vn, "y|n");
    return eq_ci(tag, tn, "v") || eq_ci(tag, tn, "rua") || eq_ci(tag, tn, "ruf");
}

static bool
known_tag(const char *t, size_t n)
{
    return one_of(t, n, "v|p|sp|np|adkim|aspf|pct|ri|fo|rf|rua|ruf|psd|t");
}

static void
trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* Tag by tag: "name=value" pairs separated by ';' (RFC 6376 §3.2 syntax). */
static void
check_tags(struct lint *l, const char *name, const char *rec)
{
    char   seen[16][8];
    size_t nseen = 0;
    bool   have_p = false;
    while (*rec != '\0') {
        size_t      k = strcspn(rec, ";"), tn, vn;
        const char *eq = memchr(rec, '=', k), *tag = rec, *v;
        if (eq == NULL) {
            tn = k;
            trim(&tag, &tn);
            if (tn > 0)
                lint_problem(l, "dmarc", name, "'%.*s' is not tag=value", (int)tn, tag);
        } else {
            tn = (size_t)(eq - rec);
            v = eq + 1;
            vn = k - tn - 1;
            trim(&tag, &tn);
            trim(&v, &vn);
            if (!known_tag(tag, tn)) {
                lint_problem(l, "dmarc", name, "unknown tag '%.*s' (ignored by receivers)", (int)tn,
                             tag);
            } else {
                for (size_t i = 0; i < nseen; i++)
                    if (eq_ci(tag, tn, seen[i]))
                        lint_problem(l, "dmarc", name, "tag %.*s appears twice", (int)tn, tag);
                if (nseen < 16 && tn < sizeof(seen[0])) {
                    memcpy(seen[nseen], tag, tn);
                    seen[nseen++][tn] = '\0';
                }
                if (!value_ok(tag, tn, v, vn))
                    lint_problem(l, "dmarc", name, "%.*s=%.*s: not a valid value", (int)tn, tag,
                                 (int)vn, v);
                have_p |= eq_ci(tag, tn, "p");
            }
        }
        rec += k + (rec[k] == ';');
    }
    if (!have_p)
        lint_problem(l, "dmarc", name, "no p= tag (RFC 7489 §6.3 requires it)");
}

/* The host of a mailto: URI, or NULL. */
static bool
uri_host(const char *uri, char *host, size_t cap)
{
    const char *at;
    size_t      n;
    if (strncmp(uri, "mailto:", 7) != 0 || (at = strrchr(uri, '@')) == NULL)
        return false;
    n = strcspn(at + 1, "!?>");
    if (n == 0 || n >= cap)
        return false;
    memcpy(host, at + 1, n);
    host[n] = '\0';
    for (char *p = host; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return true;
}

/* a is b or below it */
static bool
under(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    return na >= nb && strcmp(a + na - nb, b) == 0 && (na == nb || a[na - nb - 1] == '.');
}

static void
check_destination(struct lint *l, const char *domain, const char *tag, const char *uri)
{
    char               host[256], owner[600];
    struct lint_answer a;
    size_t             idx[LINT_MAX_RECORDS];
    if (!uri_host(uri, host, sizeof(host))) {
        lint_problem(l, "dmarc", domain, "%s=%s: not a mailto: address", tag, uri);
        return;
    }
    /* Within the domain (or the domain within it): no authorization needed. */
    if (under(host, domain) || under(domain, host))
        return;
    (void)snprintf(owner, sizeof(owner), "%s._report._dmarc.%s", domain, host);
    if (!lint_lookup(l, owner, MAILAUTH_DNS_TXT, &a))
        return;
    if (lint_records_with(&a, "v=DMARC1", idx) == 0)
        lint_problem(l, "dmarc", domain,
                     "%s=%s: %s does not accept reports for %s: no v=DMARC1 record at %s "
                     "(RFC 7489 §7.1)",
                     tag, uri, host, domain, owner);
    lint_answer_clear(&a);
}

static void
check_record(struct lint *l, const char *domain, const char *name, const char *txt, size_t len)
{
    mailauth_dmarc_record_t *rec = NULL;
    static const char *const uri_tags[] = {"rua", "ruf"};
    if (mailauth_dmarc_record_parse(l->ctx, txt, len, &rec) != MAILAUTH_OK) {
        l->failed = true;
        return;
    }
    if (mailauth_dmarc_record_problem(rec) != NULL)
        lint_problem(l, "dmarc", name, "%s", mailauth_dmarc_record_problem(rec));
    check_tags(l, name, txt);
    for (size_t t = 0; t < 2; t++)
        for (size_t i = 0; i < mailauth_dmarc_record_uri_count(rec, uri_tags[t]); i++)
            check_destination(l, domain, uri_tags[t],
                              mailauth_dmarc_record_uri(rec, uri_tags[t], i));
    mailauth_dmarc_record_free(rec);
}

/* RFC 7489 §6.6.3: with no record at the author domain, a receiver uses
 * the record of its organizational domain (§3.2). True when that one
 * publishes a single DMARC record: then it is said instead of a missing
 * record. Only in RFC 7489 mode (RFC 9989 walks the tree instead). */
static bool
inherited(struct lint *l, const char *domain, const char *name)
{
    char               org[256], oname[300];
    struct lint_answer a;
    size_t             idx[LINT_MAX_RECORDS], n;
    if (mailauth_ctx_dmarc_mode(l->ctx) != MAILAUTH_DMARC_RFC7489 ||
        mailauth_org_domain(l->ctx, domain, org, sizeof(org), NULL) != MAILAUTH_OK ||
        strcasecmp(org, domain) == 0)
        return false;
    (void)snprintf(oname, sizeof(oname), "_dmarc.%s", org);
    if (!lint_lookup(l, oname, MAILAUTH_DNS_TXT, &a))
        return false;
    n = lint_records_with(&a, "v=DMARC1", idx);
    lint_answer_clear(&a);
    if (n != 1)
        return false;
    /* Not a problem: a subdomain usually takes its parent's policy. */
    l->facts.dmarc_inherited = lint_strdup(l, org);
    (void)name;
    return true;
}

void
lint_dmarc(struct lint *l, const char *domain)
{
    char               name[300];
    struct lint_answer a;
    size_t             idx[LINT_MAX_RECORDS], n;
    (void)snprintf(name, sizeof(name), "_dmarc.%s", domain);
    if (!lint_lookup(l, name, MAILAUTH_DNS_TXT, &a))
        return;
    n = lint_records_with(&a, "v=DMARC1", idx);
    if (n == 0) {
        if (!inherited(l, domain, name))
            lint_problem(l, "dmarc", name, "no DMARC record (v=DMARC1) published");
    } else if (n > 1)
        lint_problem(l, "dmarc", name, "%zu DMARC records; receivers use none of them", n);
    else {
        l->facts.dmarc_record = lint_strdup(l, a.rec[idx[0]]);
        check_record(l, domain, name, a.rec[idx[0]], a.len[idx[0]]);
    }
    lint_answer_clear(&a);
}
