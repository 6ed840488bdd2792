/* mailauth-check --lint DOMAIN [--selector S ...]: check what DOMAIN
 * publishes (SPF, DMARC, the DKIM keys of the selectors given) with the
 * library's own record parsers and its resolver, and say what is wrong.
 * Text: one line per problem, then a summary line; --json: one object.
 * Exit 0 when nothing was found, 1 otherwise. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"

char *
lint_strdup(struct lint *l, const char *s)
{
    char *p = strdup(s);
    if (p == NULL)
        l->failed = true;
    return p;
}

void
lint_problem(struct lint *l, const char *area, const char *name, const char *fmt, ...)
{
    char    text[1024];
    char   *line;
    size_t  n;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    n = strlen(area) + strlen(name) + strlen(text) + 5;
    if (l->nproblems == l->cap) {
        size_t cap = l->cap > 0 ? l->cap * 2 : 16;
        char **p = realloc(l->problems, cap * sizeof(*p));
        if (p == NULL) {
            l->failed = true;
            return;
        }
        l->problems = p;
        l->cap = cap;
    }
    if ((line = malloc(n)) == NULL) {
        l->failed = true;
        return;
    }
    (void)snprintf(line, n, "%s: %s: %s", area, name, text);
    l->problems[l->nproblems++] = line;
}

/* ---- DNS ------------------------------------------------------------------ */

struct got {
    struct lint_answer *out;
    bool                nomem;
};

static char *
record_text(mailauth_dns_type_t type, const mailauth_dns_record_t *rec, size_t *len)
{
    char  *p;
    FILE  *f;
    size_t n = 0;
    if (type == MAILAUTH_DNS_TXT) {
        if ((p = malloc(rec->len + 1)) != NULL) {
            memcpy(p, rec->data, rec->len);
            p[rec->len] = '\0';
            *len = rec->len;
        }
        return p;
    }
    p = NULL;
    if ((f = open_memstream(&p, &n)) == NULL)
        return NULL;
    check_print_rdata(f, type, rec);
    if (fclose(f) != 0) {
        free(p);
        return NULL;
    }
    *len = n;
    return p;
}

static void
got_answer(void *ud, const mailauth_dns_answer_t *a)
{
    struct got *g = ud;
    g->out->rcode = a->rcode;
    g->out->count = a->count;
    for (size_t i = 0; i < a->count && i < LINT_MAX_RECORDS; i++)
        if ((g->out->rec[i] = record_text(a->type, &a->records[i], &g->out->len[i])) == NULL)
            g->nomem = true;
}

void
lint_answer_clear(struct lint_answer *a)
{
    for (size_t i = 0; i < LINT_MAX_RECORDS; i++)
        free(a->rec[i]);
    memset(a, 0, sizeof(*a));
}

bool
lint_lookup(struct lint *l, const char *name, mailauth_dns_type_t type, struct lint_answer *out)
{
    struct got        g = {.out = out};
    mailauth_status_t st;
    memset(out, 0, sizeof(*out));
    st = mailauth_resolver_lookup_sync(l->r, name, type, -1, got_answer, &g);
    if (g.nomem)
        l->failed = true;
    if (st == MAILAUTH_EINVAL) {
        lint_problem(l, "dns", name, "not a name that can be looked up");
        return false;
    }
    if (st != MAILAUTH_OK) {
        lint_problem(l, "dns", name, "%s lookup failed: %s", mailauth_dns_type_name(type),
                     mailauth_strerror(st));
        return false;
    }
    if (out->rcode == MAILAUTH_DNS_TEMPFAIL) {
        lint_problem(l, "dns", name, "%s lookup failed temporarily (timeout or SERVFAIL)",
                     mailauth_dns_type_name(type));
        return false;
    }
    return true;
}

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t
lint_records_with(const struct lint_answer *a, const char *prefix, size_t *idx)
{
    size_t n = 0, k = strlen(prefix);
    for (size_t i = 0; i < a->count && i < LINT_MAX_RECORDS; i++) {
        const char *s = a->rec[i];
        size_t      j = 0;
        if (s == NULL || a->len[i] < k)
            continue;
        while (j < k && lower(s[j]) == lower(prefix[j]))
            j++;
        if (j == k && (s[k] == '\0' || s[k] == ' ' || s[k] == ';' || s[k] == '\t'))
            idx[n++] = i;
    }
    return n;
}

/* ---- output --------------------------------------------------------------- */

static void
print_text(const struct lint *l, const char *domain)
{
    if (l->facts.dmarc_inherited != NULL)
        printf("dmarc: _dmarc.%s: no record here; the policy of %s applies (RFC 7489 "
               "section 6.6.3)\n",
               domain, l->facts.dmarc_inherited);
    for (size_t i = 0; i < l->nproblems; i++)
        printf("%s\n", l->problems[i]);
    if (l->nproblems == 0)
        printf("%s: no problems found\n", domain);
    else
        printf("%s: %zu problem%s found\n", domain, l->nproblems, l->nproblems == 1 ? "" : "s");
}

static void
print_json(const struct lint *l, const char *domain)
{
    const struct lint_facts *f = &l->facts;
    fputs("{\"domain\": ", stdout);
    check_json_string(stdout, domain);
    fputs(", \"spf\": {\"record\": ", stdout);
    check_json_string(stdout, f->spf_record);
    if (f->spf_walked)
        printf(", \"dns_lookups\": %u, \"void_lookups\": %u}", f->spf_dns_terms,
               f->spf_void_lookups);
    else
        fputs(", \"dns_lookups\": null, \"void_lookups\": null}", stdout);
    fputs(", \"dmarc\": {\"record\": ", stdout);
    check_json_string(stdout, f->dmarc_record);
    fputs(", \"inherited_from\": ", stdout);
    check_json_string(stdout, f->dmarc_inherited);
    fputs("}, \"selectors\": [", stdout);
    for (size_t i = 0; i < l->o->nselectors; i++) {
        fputs(i == 0 ? "" : ", ", stdout);
        check_json_string(stdout, l->o->selectors[i]);
    }
    fputs("], \"problems\": [", stdout);
    for (size_t i = 0; i < l->nproblems; i++) {
        fputs(i == 0 ? "\n  " : ",\n  ", stdout);
        check_json_string(stdout, l->problems[i]);
    }
    printf("%s], \"clean\": %s}\n", l->nproblems > 0 ? "\n" : "",
           l->nproblems == 0 ? "true" : "false");
}

static void
lint_free(struct lint *l)
{
    for (size_t i = 0; i < l->nproblems; i++)
        free(l->problems[i]);
    free(l->problems);
    free(l->facts.spf_record);
    free(l->facts.dmarc_record);
    free(l->facts.dmarc_inherited);
    mailauth_resolver_free(l->r);
    mailauth_ctx_free(l->ctx);
}

/* The checks, then the report (and the answers they used, --record-zone). */
static int
lint_run(struct lint *l, struct check_watch *w)
{
    const struct check_opts *o = l->o;
    lint_spf(l, o->lint);
    lint_dmarc(l, o->lint);
    for (size_t i = 0; i < o->nselectors; i++)
        lint_dkim(l, o->lint, o->selectors[i]);
    if (l->failed || w->failed)
        return check_lib_error("--lint", MAILAUTH_ENOMEM);
    if (o->json)
        print_json(l, o->lint);
    else
        print_text(l, o->lint);
    if (w->rec != NULL) {
        int rc = check_record_write(w->rec, o->record_zone);
        if (rc != CHECK_EXIT_OK)
            return rc;
    }
    return l->nproblems > 0 ? 1 : CHECK_EXIT_OK;
}

int
check_lint(const struct check_opts *o)
{
    struct check_fixed_clock clk = {0};
    struct check_watch       w = {.verbose = o->verbose};
    struct lint              l = {.o = o};
    int                      rc = CHECK_EXIT_OK;
    if (o->record_zone != NULL && (w.rec = check_record_new()) == NULL)
        return check_lib_error("--record-zone", MAILAUTH_ENOMEM);
    rc = check_setup_ctx(o, &clk, &l.ctx);
    if (rc == CHECK_EXIT_OK)
        rc = check_setup_resolver(o, l.ctx, &l.r);
    if (rc == CHECK_EXIT_OK && (w.verbose || w.rec != NULL))
        rc = check_watch_dns(l.r, &w);
    if (rc == CHECK_EXIT_OK)
        rc = lint_run(&l, &w);
    lint_free(&l);
    check_record_free(w.rec);
    return rc;
}
