/* dkim_sig: DKIM-Signature, ARC-Message-Signature and ARC-Seal field
 * parsing (lib/dkim/dkim_sig.c). Cases in tests/data/dkim/sig.case; the
 * ones marked "mutate" are also run with each tag removed and with each
 * tag repeated. Signatures from the shared test data are read in place,
 * as the conformance group (support/testdata.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "dkim/dkim.h"
#include "support/case_tests.h"
#include "support/fail_alloc.h"
#include "support/testdata.h"
#include "util/arena.h"

/* ---- reading a case ------------------------------------------------------ */

static mailauth__sig_kind_t
kind_of(const case_block_t *b)
{
    const char *k = case_block_get(b, "kind");
    if (k != NULL && strcmp(k, "ams") == 0)
        return MAILAUTH__SIG_AMS;
    if (k != NULL && strcmp(k, "as") == 0)
        return MAILAUTH__SIG_AS;
    return MAILAUTH__SIG_DKIM;
}

/* Value of the nth field `name` of a file (its folding turned into CRLF),
 * malloc'd; NULL if the field is not there. */
static char *
field_from_file(const char *rel, const char *name, int nth, size_t *len)
{
    size_t      flen = 0, nlen = strlen(name), o = 0;
    char       *data = testdata_need(rel, &flen), *out = NULL;
    const char *p = data, *end = data + flen;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *next = eol != NULL ? eol + 1 : end;
        if (out == NULL && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':' && --nth == 0) {
            out = malloc(flen + 1);
            p += nlen + 1;
        } else if (out != NULL && (*p == ' ' || *p == '\t')) {
            memcpy(out + o, "\r\n", 2);
            o += 2;
        } else if (out != NULL) {
            break;
        }
        if (out != NULL) {
            size_t n = (size_t)((eol != NULL ? eol : end) - p);
            if (n > 0 && p[n - 1] == '\r')
                n--;
            memcpy(out + o, p, n);
            o += n;
        }
        p = next;
    }
    free(data);
    if (out != NULL)
        out[o] = '\0';
    *len = o;
    return out;
}

/* Whether a case reads its signature from the shared test data. */
static bool
reads_testdata(const case_block_t *b)
{
    return case_block_get(b, "file") != NULL;
}

/* The field value of a case, malloc'd. */
static char *
case_sig(const case_block_t *b, size_t *len)
{
    const char *file = case_block_get(b, "file");
    char       *s;
    if (file == NULL)
        return case_unescape(case_block_get(b, "sig"), len);
    s = field_from_file(file, case_block_get(b, "field"),
                        atoi(case_block_get(b, "nth")), len);
    if (s == NULL)
        fail_msg("%s: no field %s", file, case_block_get(b, "field"));
    return s;
}

/* ---- checking a result --------------------------------------------------- */

static const char *
canon_name(mailauth__canon_t c)
{
    return c == MAILAUTH__CANON_RELAXED ? "relaxed" : "simple";
}

static const char *
cv_name(mailauth__arc_cv_t cv)
{
    return cv == MAILAUTH__CV_PASS ? "pass" : cv == MAILAUTH__CV_FAIL ? "fail" : "none";
}

/* The parsed field as "key" -> text, for the keys of sig.case. */
static void
field_text(const mailauth__sig_t *s, const char *key, char *out, size_t cap)
{
    if (strcmp(key, "d") == 0 || strcmp(key, "s") == 0 || strcmp(key, "i") == 0 ||
        strcmp(key, "a") == 0 || strcmp(key, "b_text") == 0) {
        const char *v = key[0] == 'd' ? s->d : key[0] == 's' ? s->s : key[0] == 'i' ? s->i
                        : key[0] == 'a' ? s->a : s->b_text;
        snprintf(out, cap, "%s", v != NULL ? v : "(null)");
    } else if (strcmp(key, "alg") == 0) {
        snprintf(out, cap, "%s", mailauth__sig_alg_name(s->alg));
    } else if (strcmp(key, "c") == 0) {
        snprintf(out, cap, "%s/%s", canon_name(s->c_header), canon_name(s->c_body));
    } else if (strcmp(key, "h") == 0) {
        size_t n = 0;
        out[0] = '\0';
        for (size_t i = 0; i < s->h_count; i++)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", i > 0 ? ":" : "", s->h[i]);
    } else if (strcmp(key, "l") == 0) {
        snprintf(out, cap, s->has_l ? "%llu" : "-", (unsigned long long)s->l);
    } else if (strcmp(key, "t") == 0 || strcmp(key, "x") == 0) {
        bool    has = key[0] == 't' ? s->has_t : s->has_x;
        int64_t v = key[0] == 't' ? s->t : s->x;
        snprintf(out, cap, has ? "%lld" : "-", (long long)v);
    } else if (strcmp(key, "i_given") == 0) {
        snprintf(out, cap, "%s", s->i_given ? "true" : "false");
    } else if (strcmp(key, "instance") == 0) {
        snprintf(out, cap, "%u", (unsigned)s->instance);
    } else if (strcmp(key, "cv") == 0) {
        snprintf(out, cap, "%s", cv_name(s->cv));
    } else if (strcmp(key, "b_len") == 0 || strcmp(key, "bh_len") == 0) {
        snprintf(out, cap, "%zu", key[1] == '_' ? s->b_len : s->bh_len);
    } else if (strcmp(key, "b_area") == 0) {
        snprintf(out, cap, "%zu %zu", s->b_off, s->b_area);
    } else {
        out[0] = '\0';
    }
}

static const char *const skip_keys[] = {"name", "kind", "sig", "reason", "what",
                                        "mutate", "file", "field", "nth"};

static bool
is_skip_key(const char *k)
{
    for (size_t i = 0; i < sizeof(skip_keys) / sizeof(skip_keys[0]); i++) {
        if (strcmp(k, skip_keys[i]) == 0)
            return true;
    }
    return false;
}

/* Properties every parsed field has, whatever the case checks. */
static void
check_invariants(const mailauth__sig_t *s, mailauth__sig_kind_t kind, const char *v, size_t len)
{
    assert_int_equal(s->kind, kind);
    assert_non_null(s->d);
    assert_non_null(s->s);
    assert_non_null(s->a);
    assert_true(s->b_len > 0 && s->b_off > 0 && s->b_off + s->b_area <= len);
    assert_int_equal(v[s->b_off - 1], '=');
    assert_true(s->b_off + s->b_area == len || v[s->b_off + s->b_area] == ';');
    if (kind == MAILAUTH__SIG_DKIM) {
        assert_non_null(s->i);
        assert_non_null(strchr(s->i, '@'));
    } else {
        assert_null(s->i);
        assert_true(s->instance >= 1 && s->instance <= 1024);
    }
    if (kind == MAILAUTH__SIG_AS)
        assert_true(s->h_count == 0 && s->bh == NULL);
    else
        assert_true(s->h_count > 0 && s->bh_len == (s->hash == MAILAUTH__HASH_SHA1 ? 20u : 32u));
    assert_false(s->has_t && s->has_x && s->x < s->t);
}

/* Parse v and compare with the block's expectations; `what`/`reason`
 * override the block's (for generated cases). */
static void
run_case(const case_block_t *b, mailauth__sig_kind_t kind, const char *v, size_t len,
         const char *reason, const char *what, bool fields)
{
    mailauth__arena_t   a;
    mailauth__sig_t     sig;
    mailauth__sig_err_t err;
    char                got[1024];
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__sig_parse(&a, kind, v, len, &sig, &err), MAILAUTH_OK);
    if (strcmp(mailauth_reason_name(err.reason), reason) != 0)
        fail_msg("reason %s (%s), want %s", mailauth_reason_name(err.reason),
                 err.what != NULL ? err.what : "-", reason);
    if (err.reason == MAILAUTH_REASON_NONE) {
        assert_null(err.what);
        check_invariants(&sig, kind, v, len);
    } else {
        assert_non_null(err.what);
    }
    if (what != NULL)
        assert_string_equal(err.what, what);
    for (size_t i = 0; fields && i < b->nkv; i++) {
        if (is_skip_key(b->kv[i].key))
            continue;
        field_text(&sig, b->kv[i].key, got, sizeof(got));
        if (strcmp(got, b->kv[i].value) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", b->kv[i].key, got, b->kv[i].value);
    }
    mailauth__arena_clear(&a);
}

static void
test_dkim_sig_case(void **state)
{
    const case_test_t *c = *state;
    size_t             len = 0;
    char              *v = case_sig(c->b, &len);
    run_case(c->b, kind_of(c->b), v, len, case_block_get(c->b, "reason"),
             case_block_get(c->b, "what"), true);
    free(v);
}

/* ---- generated: each tag removed, each tag repeated ------------------------ */

typedef struct mutation {
    char                 name[224];
    const case_block_t  *b;
    mailauth__sig_kind_t kind;
    char                *sig;
    const char          *reason;
    char                 what[32];
} mutation_t;

/* RFC 6376 §3.5 REQUIRED; RFC 8617 §4.1.2 (AMS), §4.1.3 (AS). */
static bool
is_required(mailauth__sig_kind_t kind, const char *tag)
{
    static const char *const dkim[] = {"v", "a", "b", "bh", "d", "h", "s", NULL};
    static const char *const ams[] = {"i", "a", "b", "bh", "d", "h", "s", NULL};
    static const char *const as[] = {"i", "a", "b", "cv", "d", "s", NULL};
    const char *const *list = kind == MAILAUTH__SIG_DKIM ? dkim : kind == MAILAUTH__SIG_AMS ? ams : as;
    for (; *list != NULL; list++) {
        if (strcmp(*list, tag) == 0)
            return true;
    }
    return false;
}

/* Split base (plain "name=value; ..." without folding) at ';' into specs. */
static size_t
split_specs(const char *base, char specs[][256], size_t max)
{
    size_t n = 0;
    while (*base != '\0' && n < max) {
        const char *semi = strchr(base, ';');
        size_t      len = semi != NULL ? (size_t)(semi - base) : strlen(base);
        while (*base == ' ' && len > 0) {
            base++;
            len--;
        }
        assert_true(len < 256);
        memcpy(specs[n], base, len);
        specs[n++][len] = '\0';
        base += len + (semi != NULL);
    }
    return n;
}

static void
add_mutations(const case_test_t *c, mutation_t *m, size_t *k)
{
    char                 specs[32][256];
    const char          *base = case_block_get(c->b, "sig");
    mailauth__sig_kind_t kind = kind_of(c->b);
    size_t               n = split_specs(base, specs, 32);
    bool                 arc = kind != MAILAUTH__SIG_DKIM;
    for (size_t i = 0; i < n; i++) {
        char   tag[16];
        size_t tl = strcspn(specs[i], "=");
        char  *removed = calloc(1, strlen(base) + 1);
        char  *repeated = malloc(strlen(base) + strlen(specs[i]) + 3);
        snprintf(tag, sizeof(tag), "%.*s", (int)tl, specs[i]);
        for (size_t j = 0; j < n; j++) {
            if (j != i)
                sprintf(removed + strlen(removed), "%s%s", removed[0] != '\0' ? "; " : "", specs[j]);
        }
        sprintf(repeated, "%s; %s", base, specs[i]);
        m[*k] = (mutation_t){.b = c->b, .kind = kind, .sig = removed};
        snprintf(m[*k].name, sizeof(m[*k].name), "%s: without %s=", c->name, tag);
        if (is_required(kind, tag)) {
            m[*k].reason = arc ? "arc.syntax" : "dkim.syntax";
            snprintf(m[*k].what, sizeof(m[*k].what), "missing %s=", tag);
        } else {
            m[*k].reason = "none";
        }
        (*k)++;
        m[*k] = (mutation_t){.b = c->b, .kind = kind, .sig = repeated,
                             .reason = arc ? "arc.syntax" : "dkim.duplicate-tag"};
        snprintf(m[*k].name, sizeof(m[*k].name), "%s: %s= twice", c->name, tag);
        snprintf(m[*k].what, sizeof(m[*k].what), "a tag appears twice");
        (*k)++;
    }
}

static void
test_dkim_sig_mutation(void **state)
{
    const mutation_t *m = *state;
    run_case(m->b, m->kind, m->sig, strlen(m->sig), m->reason,
             m->what[0] != '\0' ? m->what : NULL, false);
}

/* ---- API edges ------------------------------------------------------------- */

static const char good[] = "v=1; a=rsa-sha256; d=example.com; s=s; h=from:to; "
                           "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=dGVzdA==; i=a@example.com";

static void
test_dkim_sig_api(void **state)
{
    mailauth__arena_t   a;
    mailauth__sig_t     sig;
    mailauth__sig_err_t err;
    (void)state;
    mailauth__arena_init(&a, NULL);
    assert_int_equal(mailauth__sig_parse(NULL, MAILAUTH__SIG_DKIM, good, sizeof(good) - 1, &sig,
                                         &err),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__sig_parse(&a, MAILAUTH__SIG_DKIM, NULL, 3, &sig, &err),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__sig_parse(&a, (mailauth__sig_kind_t)7, good, 3, &sig, &err),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__sig_parse(&a, MAILAUTH__SIG_DKIM, good, 3, NULL, &err),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth__sig_parse(&a, MAILAUTH__SIG_DKIM, good, 3, &sig, NULL),
                     MAILAUTH_EINVAL);
    /* The caller's bytes need no NUL: parse a prefix that ends inside b=. */
    assert_int_equal(mailauth__sig_parse(&a, MAILAUTH__SIG_DKIM, good,
                                         (size_t)(strstr(good, "dA==") - good), &sig, &err),
                     MAILAUTH_OK);
    assert_int_equal(err.reason, MAILAUTH_REASON_NONE);
    assert_string_equal(sig.b_text, "dGVz");
    assert_string_equal(mailauth__sig_alg_name(MAILAUTH__ALG_RSA_SHA1), "rsa-sha1");
    assert_string_equal(mailauth__sig_alg_name(MAILAUTH__ALG_ED25519_SHA256), "ed25519-sha256");
    assert_string_equal(mailauth__sig_alg_name((mailauth__sig_alg_t)9), "unknown");
    mailauth__arena_clear(&a);
}

/* Every allocation may fail: ENOMEM, and nothing leaks. */
static void
test_dkim_sig_oom(void **state)
{
    (void)state;
    for (unsigned long k = 1;; k++) {
        fail_alloc_t        fa;
        mailauth__arena_t   a;
        mailauth__sig_t     sig;
        mailauth__sig_err_t err;
        mailauth_status_t   st;
        fail_alloc_init(&fa, k);
        mailauth__arena_init(&a, &fa.al);
        st = mailauth__sig_parse(&a, MAILAUTH__SIG_DKIM, good, sizeof(good) - 1, &sig, &err);
        mailauth__arena_clear(&a);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            assert_int_equal(err.reason, MAILAUTH_REASON_NONE);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
    }
}

int
main(int argc, char **argv)
{
    case_tests_t       ct;
    struct CMUnitTest *tests;
    mutation_t        *muts;
    size_t             k = 0, nm = 0;
    bool               conformance = false;
    int                rc = testdata_select(argc, argv, &conformance);
    if (rc >= 0)
        return rc;
    if (case_tests_load("dkim/sig.case", &ct) != 0)
        return 1;
    muts = calloc(ct.n * 64 + 1, sizeof(*muts));
    tests = calloc(ct.n * 65 + 8, sizeof(*tests));
    if (muts == NULL || tests == NULL) {
        free(muts);
        free(tests);
        return 1;
    }
    case_tests_add_group(&ct, test_dkim_sig_case, tests, &k, reads_testdata, conformance);
    for (size_t i = 0; i < ct.n && !conformance; i++) {
        const char *m = case_block_get(ct.t[i].b, "mutate");
        if (m != NULL && strcmp(m, "yes") == 0)
            add_mutations(&ct.t[i], muts, &nm);
    }
    for (size_t i = 0; i < nm; i++)
        tests[k++] = (struct CMUnitTest){
            .name = muts[i].name, .test_func = test_dkim_sig_mutation, .initial_state = &muts[i]};
    if (!conformance) {
        tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_dkim_sig_api);
        tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_dkim_sig_oom);
    }
    rc = _cmocka_run_group_tests(conformance ? "dkim_sig_conformance" : "dkim_sig", tests, k, NULL,
                                 NULL);
    for (size_t i = 0; i < nm; i++)
        free(muts[i].sig);
    free(muts);
    free(tests);
    case_tests_free(&ct);
    return rc;
}
