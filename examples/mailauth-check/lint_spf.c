/* mailauth-check --lint: SPF (RFC 7208). The domain's record is parsed with
 * the library's parser (mailauth_spf_record_parse), then the include and
 * redirect tree is walked as check_host() would walk it, counting over the
 * whole tree the DNS-causing terms (§4.6.4: at most 10) and the void
 * lookups (§4.6.4: at most 2), and naming every include or redirect whose
 * target has no record (§5.2, §6.1: permerror) and every name with more
 * than one record (§4.5: permerror). Terms whose domain holds a macro
 * depend on the message: they are counted but not followed. */
#include <string.h>

#include "lint.h"

#define SPF_DNS_MAX 10      /* RFC 7208 §4.6.4 */
#define SPF_VOID_MAX 2      /* RFC 7208 §4.6.4 */
#define SPF_MX_NAMES_MAX 10 /* RFC 7208 §4.6.4 */
#define WALK_MAX 100        /* terms followed at most, whatever the tree */
#define SPF_DEPTH_MAX 12    /* a deeper tree is a loop (more than 10 terms anyway) */

struct walk {
    struct lint *l;
    unsigned     dns, voids;
    bool         over; /* WALK_MAX reached: nothing more is followed */
};

/* A lookup whose answer is empty (NXDOMAIN or NODATA) is a void lookup. */
static bool
lookup_void(struct walk *w, const char *name, mailauth_dns_type_t type, size_t *count)
{
    struct lint_answer a;
    bool               is_void = false;
    if (lint_lookup(w->l, name, type, &a)) {
        is_void = a.rcode != MAILAUTH_DNS_RECORDS;
        if (count != NULL)
            *count = a.count;
    }
    lint_answer_clear(&a);
    return is_void;
}

static void walk_domain(struct walk *w, const char *domain, const char *via, unsigned depth);

/* a, mx, exists: look the target up as check_host() would. */
static void
check_target(struct walk *w, const mailauth_spf_term_t *t, const char *target)
{
    size_t n = 0;
    bool   v = false;
    switch (t->kind) {
    case MAILAUTH_SPF_TERM_A:
        v = lookup_void(w, target, MAILAUTH_DNS_A, NULL) &&
            lookup_void(w, target, MAILAUTH_DNS_AAAA, NULL);
        break;
    case MAILAUTH_SPF_TERM_MX:
        v = lookup_void(w, target, MAILAUTH_DNS_MX, &n);
        if (n > SPF_MX_NAMES_MAX)
            lint_problem(w->l, "spf", target,
                         "%s: %zu MX names, over the 10 that check_host() looks at (RFC 7208 "
                         "§4.6.4: permerror)",
                         t->text, n);
        break;
    case MAILAUTH_SPF_TERM_EXISTS:
        v = lookup_void(w, target, MAILAUTH_DNS_A, NULL);
        break;
    default:
        return;
    }
    if (v) {
        w->voids++;
        lint_problem(w->l, "spf", target, "%s: void lookup (no %s records)", t->text,
                     t->kind == MAILAUTH_SPF_TERM_MX ? "MX" : "address");
    }
}

static void
walk_term(struct walk *w, const char *domain, const mailauth_spf_term_t *t, unsigned depth)
{
    const char *target = t->domain != NULL ? t->domain : domain;
    if (t->dns && ++w->dns > WALK_MAX)
        w->over = true;
    if (t->has_macro || w->over)
        return; /* depends on the message; or a tree too large to walk */
    if (t->kind == MAILAUTH_SPF_TERM_PTR)
        lint_problem(w->l, "spf", domain, "%s: ptr should not be used (RFC 7208 §5.5)", t->text);
    if (t->kind == MAILAUTH_SPF_TERM_INCLUDE || t->kind == MAILAUTH_SPF_TERM_REDIRECT)
        walk_domain(w, target, t->text, depth + 1);
    else
        check_target(w, t, target);
}

/* The terms of one parsed record. redirect= is ignored with an "all"
 * mechanism (RFC 7208 §6.1). */
static void
walk_record(struct walk *w, const char *domain, const mailauth_spf_record_t *rec, unsigned depth)
{
    size_t n = mailauth_spf_record_term_count(rec);
    bool   has_all = false;
    for (size_t i = 0; i < n; i++) {
        mailauth_spf_term_t t = {.version = MAILAUTH_SPF_TERM_VERSION};
        if (mailauth_spf_record_term(rec, i, &t) != MAILAUTH_OK)
            continue;
        if (t.kind == MAILAUTH_SPF_TERM_ALL)
            has_all = true;
        if (t.kind == MAILAUTH_SPF_TERM_REDIRECT && has_all) {
            lint_problem(w->l, "spf", domain, "%s: ignored, the record has an all (RFC 7208 §6.1)",
                         t.text);
            continue;
        }
        if (t.kind != MAILAUTH_SPF_TERM_EXP)
            walk_term(w, domain, &t, depth);
    }
}

/* The SPF record of `domain`, reached through `via` (NULL: the top). */
static void
walk_domain(struct walk *w, const char *domain, const char *via, unsigned depth)
{
    struct lint_answer     a;
    size_t                 idx[LINT_MAX_RECORDS], n = 0;
    mailauth_spf_record_t *rec = NULL;
    if (depth > SPF_DEPTH_MAX) {
        lint_problem(w->l, "spf", domain, "%s: the include/redirect chain loops", via);
        return;
    }
    if (!lint_lookup(w->l, domain, MAILAUTH_DNS_TXT, &a))
        return;
    if (a.rcode != MAILAUTH_DNS_RECORDS && via != NULL)
        w->voids++; /* an include/redirect target that is not there */
    n = lint_records_with(&a, "v=spf1", idx);
    if (n == 0 && via != NULL)
        lint_problem(w->l, "spf", domain,
                     "%s: %s has no SPF record (RFC 7208 §5.2, §6.1: permerror)", via,
                     a.rcode == MAILAUTH_DNS_NXDOMAIN ? "the domain does not exist; it" : "it");
    else if (n == 0)
        lint_problem(w->l, "spf", domain, "no SPF record (v=spf1) published");
    else if (n > 1)
        lint_problem(w->l, "spf", domain,
                     "%zu SPF records; there must be one (RFC 7208 §4.5: permerror)", n);
    if (n == 1 && via == NULL)
        w->l->facts.spf_record = lint_strdup(w->l, a.rec[idx[0]]);
    if (n == 1 &&
        mailauth_spf_record_parse(w->l->ctx, a.rec[idx[0]], a.len[idx[0]], &rec) != MAILAUTH_OK)
        w->l->failed = true;
    if (rec != NULL && mailauth_spf_record_problem(rec) != NULL)
        lint_problem(w->l, "spf", domain, "syntax (RFC 7208 §4.6: permerror): %s",
                     mailauth_spf_record_problem(rec));
    else if (rec != NULL) {
        if (via == NULL)
            w->l->facts.spf_walked = true; /* the counts mean something */
        walk_record(w, domain, rec, depth);
    }
    mailauth_spf_record_free(rec);
    lint_answer_clear(&a);
}

void
lint_spf(struct lint *l, const char *domain)
{
    struct walk w = {.l = l};
    walk_domain(&w, domain, NULL, 0);
    if (w.dns > SPF_DNS_MAX)
        lint_problem(l, "spf", domain,
                     "%u DNS-causing terms over the include/redirect tree (RFC 7208 §4.6.4 "
                     "allows 10: permerror)",
                     w.dns);
    if (w.voids > SPF_VOID_MAX)
        lint_problem(l, "spf", domain,
                     "%u void lookups over the include/redirect tree (RFC 7208 §4.6.4 allows 2: "
                     "permerror)",
                     w.voids);
    if (l->facts.spf_walked) {
        l->facts.spf_dns_terms = w.dns;
        l->facts.spf_void_lookups = w.voids;
    }
}
