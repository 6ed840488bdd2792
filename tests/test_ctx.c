/* ctx: defaults, setters, freezing, clocks, logging, names of every enum, version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "core/ctx_int.h"
#include "support/fail_alloc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- defaults ------------------------------------------------------------ */

struct limit_case {
    mailauth_limit_t limit;
    const char      *name;
    uint32_t         def;
};
static const struct limit_case limit_cases[] = {
    {MAILAUTH_LIMIT_SPF_DNS_TERMS, "spf-dns-terms", 10},
    {MAILAUTH_LIMIT_SPF_VOID_LOOKUPS, "spf-void-lookups", 2},
    {MAILAUTH_LIMIT_SPF_MX_NAMES, "spf-mx-names", 10},
    {MAILAUTH_LIMIT_SPF_PTR_NAMES, "spf-ptr-names", 10},
    {MAILAUTH_LIMIT_DNS_QUERIES, "dns-queries", 64},
    {MAILAUTH_LIMIT_DNS_TIMEOUT_MS, "dns-timeout-ms", 5000},
    {MAILAUTH_LIMIT_EVAL_TIMEOUT_MS, "eval-timeout-ms", 20000},
    {MAILAUTH_LIMIT_DNS_CACHE_ENTRIES, "dns-cache-entries", 4096},
    {MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX, "dns-cache-ttl-max", 3600},
    {MAILAUTH_LIMIT_HEADER_MAX_BYTES, "header-max-bytes", 65536},
    {MAILAUTH_LIMIT_HEADER_MAX_COUNT, "header-max-count", 1000},
    {MAILAUTH_LIMIT_DKIM_SIGNATURES, "dkim-signatures", 8},
    {MAILAUTH_LIMIT_RSA_MIN_BITS, "rsa-min-bits", 1024},
    {MAILAUTH_LIMIT_RSA_MAX_BITS, "rsa-max-bits", 8192},
    {MAILAUTH_LIMIT_ARC_INSTANCES, "arc-instances", 50},
    {MAILAUTH_LIMIT_DKIM_CLOCK_SKEW_S, "dkim-clock-skew-s", 300},
    {MAILAUTH_LIMIT_DKIM_KEY_CACHE_ENTRIES, "dkim-key-cache-entries", 1024},
    {MAILAUTH_LIMIT_DMARC_TREEWALK_QUERIES, "dmarc-treewalk-queries", 8},
};
_Static_assert(ARRAY_LEN(limit_cases) == MAILAUTH_LIMIT__COUNT, "a limit has no case");

static void
test_ctx_limit_default(void **state)
{
    const struct limit_case *c = *state;
    mailauth_ctx_t          *ctx = NULL;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_get_limit(ctx, c->limit), c->def);
    assert_int_equal(mailauth__ctx_limit(ctx, c->limit), c->def);
    assert_string_equal(mailauth_limit_name(c->limit), c->name);
    assert_int_equal(mailauth_ctx_set_limit(ctx, c->limit, 7), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_get_limit(ctx, c->limit), 7);
    assert_int_equal(mailauth_ctx_set_limit(ctx, c->limit, 0), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ctx_get_limit(ctx, c->limit), 7);
    mailauth_ctx_free(ctx);
}

static void
test_ctx_defaults(void **state)
{
    mailauth_ctx_t *ctx = NULL;
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_string_equal(mailauth_ctx_get_authserv_id(ctx), "localhost");
    assert_int_equal(mailauth_ctx_get_methods(ctx), MAILAUTH_METHOD_ALL);
    assert_null(ctx->spf_default_exp);
    assert_null(ctx->env.log);
    assert_int_equal(mailauth_ctx_get_limit(ctx, MAILAUTH_LIMIT__COUNT), 0);
    assert_int_equal(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT__COUNT, 5), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ctx_set_limit(ctx, (mailauth_limit_t)-1, 5), MAILAUTH_EINVAL);
    mailauth_ctx_free(ctx);
    mailauth_ctx_free(NULL);
}

static void
test_ctx_new_args(void **state)
{
    mailauth_ctx_t      *ctx = (mailauth_ctx_t *)&ctx;
    fail_alloc_t         fa;
    mailauth_allocator_t bad;
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, NULL), MAILAUTH_EINVAL);
    fail_alloc_init(&fa, 0);
    bad = fa.al;
    bad.version = 99;
    assert_int_equal(mailauth_ctx_new(&bad, &ctx), MAILAUTH_EINVAL);
    assert_null(ctx);
    bad = fa.al;
    bad.free = NULL;
    assert_int_equal(mailauth_ctx_new(&bad, &ctx), MAILAUTH_EINVAL);
    /* The allocator is copied: the caller's struct may go away. */
    bad = fa.al;
    assert_int_equal(mailauth_ctx_new(&bad, &ctx), MAILAUTH_OK);
    memset(&bad, 0, sizeof(bad));
    assert_int_equal(mailauth_ctx_set_authserv_id(ctx, "mx.example.net"), MAILAUTH_OK);
    assert_true(fa.live > 0);
    mailauth_ctx_free(ctx);
    assert_int_equal(fa.live, 0);
}

/* ---- setters --------------------------------------------------------------- */

struct id_case {
    const char       *name;
    const char       *id;
    mailauth_status_t want;
};
static const struct id_case id_cases[] = {
    {"authserv-id: host name", "mx.example.net", MAILAUTH_OK},
    {"authserv-id: single label", "mx", MAILAUTH_OK},
    {"authserv-id: NULL", NULL, MAILAUTH_EINVAL},
    {"authserv-id: empty", "", MAILAUTH_EINVAL},
    {"authserv-id: space", "mx example", MAILAUTH_EINVAL},
    {"authserv-id: semicolon", "mx;x", MAILAUTH_EINVAL},
    {"authserv-id: comment", "mx(x)", MAILAUTH_EINVAL},
    {"authserv-id: quote", "\"mx\"", MAILAUTH_EINVAL},
    {"authserv-id: CRLF", "mx\r\n", MAILAUTH_EINVAL},
    {"authserv-id: non-ASCII", "m\xc3\xa4il", MAILAUTH_EINVAL},
};

static void
test_ctx_authserv_id(void **state)
{
    const struct id_case *c = *state;
    mailauth_ctx_t       *ctx = NULL;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(ctx, c->id), c->want);
    assert_string_equal(mailauth_ctx_get_authserv_id(ctx),
                        c->want == MAILAUTH_OK ? c->id : "localhost");
    mailauth_ctx_free(ctx);
}

struct methods_case {
    const char       *name;
    unsigned          set;
    mailauth_status_t want;
    unsigned          get;
};
static const struct methods_case methods_cases[] = {
    {"methods: spf only", MAILAUTH_METHOD_SPF, MAILAUTH_OK, MAILAUTH_METHOD_SPF},
    {"methods: dkim+dmarc", MAILAUTH_METHOD_DKIM | MAILAUTH_METHOD_DMARC, MAILAUTH_OK,
     MAILAUTH_METHOD_DKIM | MAILAUTH_METHOD_DMARC},
    {"methods: unknown bits dropped", 0x31, MAILAUTH_OK, MAILAUTH_METHOD_SPF},
    {"methods: none", 0, MAILAUTH_EINVAL, MAILAUTH_METHOD_ALL},
    {"methods: only unknown", 0x100, MAILAUTH_EINVAL, MAILAUTH_METHOD_ALL},
};

static void
test_ctx_methods(void **state)
{
    const struct methods_case *c = *state;
    mailauth_ctx_t            *ctx = NULL;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_methods(ctx, c->set), c->want);
    assert_int_equal(mailauth_ctx_get_methods(ctx), c->get);
    mailauth_ctx_free(ctx);
}

static void
test_ctx_null_handles(void **state)
{
    (void)state;
    assert_int_equal(mailauth_ctx_set_authserv_id(NULL, "x"), MAILAUTH_EINVAL);
    assert_null(mailauth_ctx_get_authserv_id(NULL));
    assert_int_equal(mailauth_ctx_set_clock(NULL, NULL, NULL), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ctx_set_logger(NULL, NULL, NULL, MAILAUTH_LOG_ERROR),
                     MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ctx_set_limit(NULL, MAILAUTH_LIMIT_DNS_QUERIES, 1), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ctx_get_limit(NULL, MAILAUTH_LIMIT_DNS_QUERIES), 0);
    assert_int_equal(mailauth_ctx_set_methods(NULL, MAILAUTH_METHOD_SPF), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ctx_get_methods(NULL), 0);
    assert_int_equal(mailauth_ctx_set_spf_default_explanation(NULL, "x"), MAILAUTH_EINVAL);
}

static void
test_ctx_spf_default_explanation(void **state)
{
    mailauth_ctx_t *ctx = NULL;
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_spf_default_explanation(ctx, "See %{d}"), MAILAUTH_OK);
    assert_string_equal(ctx->spf_default_exp, "See %{d}");
    assert_int_equal(mailauth_ctx_set_spf_default_explanation(ctx, "Other"), MAILAUTH_OK);
    assert_string_equal(ctx->spf_default_exp, "Other");
    assert_int_equal(mailauth_ctx_set_spf_default_explanation(ctx, NULL), MAILAUTH_OK);
    assert_null(ctx->spf_default_exp);
    mailauth_ctx_free(ctx);
}

/* ---- freezing ------------------------------------------------------------ */

static void
log_sink(void *ud, mailauth_log_level_t level, const char *msg)
{
    char *out = ud;
    snprintf(out, 600, "%s:%s", mailauth_log_level_name(level), msg);
}

static uint64_t
fixed_clock(void *ud, mailauth_clock_kind_t kind)
{
    const uint64_t *t = ud;
    return kind == MAILAUTH_CLOCK_WALL ? t[0] : t[1];
}

static void
test_ctx_frozen(void **state)
{
    mailauth_ctx_t *ctx = NULL;
    uint64_t        t[2] = {0, 0};
    char            buf[600];
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    mailauth__ctx_freeze(ctx);
    mailauth__ctx_freeze(ctx); /* idempotent */
    assert_int_equal(mailauth_ctx_set_authserv_id(ctx, "mx"), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_ctx_set_clock(ctx, fixed_clock, t), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_ctx_set_logger(ctx, log_sink, buf, MAILAUTH_LOG_DEBUG),
                     MAILAUTH_ESTATE);
    assert_int_equal(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_DNS_QUERIES, 3), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_ctx_set_methods(ctx, MAILAUTH_METHOD_SPF), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_ctx_set_spf_default_explanation(ctx, "x"), MAILAUTH_ESTATE);
    /* Nothing changed; getters still work. */
    assert_string_equal(mailauth_ctx_get_authserv_id(ctx), "localhost");
    assert_int_equal(mailauth_ctx_get_limit(ctx, MAILAUTH_LIMIT_DNS_QUERIES), 64);
    assert_int_equal(mailauth_ctx_get_methods(ctx), MAILAUTH_METHOD_ALL);
    assert_null(ctx->env.clock);
    mailauth_ctx_free(ctx);
}

/* ---- clocks and logging ---------------------------------------------------- */

static void
test_ctx_clock(void **state)
{
    mailauth_ctx_t *ctx = NULL;
    uint64_t        t[2] = {1700000000123u, 42u};
    uint64_t        a = 0, b = 0;
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    /* System clocks: monotonic never goes back; wall time is after 2020. */
    a = mailauth__ctx_mono_ms(ctx);
    b = mailauth__ctx_mono_ms(ctx);
    assert_true(b >= a);
    assert_true(mailauth__ctx_wall_s(ctx) > 1577836800);
    assert_int_equal(mailauth_ctx_set_clock(ctx, fixed_clock, t), MAILAUTH_OK);
    assert_int_equal(mailauth__ctx_mono_ms(ctx), 42);
    assert_int_equal(mailauth__ctx_wall_s(ctx), 1700000000);
    t[1] = 1000;
    assert_int_equal(mailauth__ctx_mono_ms(ctx), 1000);
    assert_int_equal(mailauth_ctx_set_clock(ctx, NULL, t), MAILAUTH_OK);
    assert_true(mailauth__ctx_wall_s(ctx) > 1577836800);
    mailauth_ctx_free(ctx);
}

struct log_case {
    const char          *name;
    mailauth_log_level_t max, level;
    const char          *want; /* NULL: not logged */
};
static const struct log_case log_cases[] = {
    {"log: error passes at warning", MAILAUTH_LOG_WARNING, MAILAUTH_LOG_ERROR, "error:n=7 x"},
    {"log: same level passes", MAILAUTH_LOG_INFO, MAILAUTH_LOG_INFO, "info:n=7 x"},
    {"log: debug filtered at info", MAILAUTH_LOG_INFO, MAILAUTH_LOG_DEBUG, NULL},
    {"log: warning filtered at error", MAILAUTH_LOG_ERROR, MAILAUTH_LOG_WARNING, NULL},
};

static void
test_ctx_log(void **state)
{
    const struct log_case *c = *state;
    mailauth_ctx_t        *ctx = NULL;
    char                   buf[600] = "";
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    mailauth__log(ctx, c->level, "n=%d %s", 7, "x"); /* no logger: nothing happens */
    assert_int_equal(mailauth_ctx_set_logger(ctx, log_sink, buf, c->max), MAILAUTH_OK);
    mailauth__log(ctx, c->level, "n=%d %s", 7, "x");
    assert_string_equal(buf, c->want != NULL ? c->want : "");
    mailauth_ctx_free(ctx);
}

static void
test_ctx_log_long(void **state)
{
    mailauth_ctx_t *ctx = NULL;
    char            buf[600] = "";
    char            big[2000];
    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_logger(ctx, log_sink, buf, MAILAUTH_LOG_DEBUG), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_logger(ctx, log_sink, buf, (mailauth_log_level_t)9),
                     MAILAUTH_EINVAL);
    mailauth__log(ctx, MAILAUTH_LOG_DEBUG, "%s", big); /* truncated, not allocated */
    assert_true(strlen(buf) > 100 && strlen(buf) < 600);
    mailauth_ctx_free(ctx);
}

/* ---- names ----------------------------------------------------------------- */

/* Every value of an enum has a non-NULL name, all distinct, and the
 * out-of-range fallback is the documented one. */
static void
check_names(const char *(*name)(int), int lo, int hi, const char *fallback)
{
    for (int i = lo; i <= hi; i++) {
        const char *a = name(i);
        assert_non_null(a);
        assert_true(a[0] != '\0');
        for (int j = lo; j < i; j++)
            assert_string_not_equal(a, name(j));
    }
    assert_string_equal(name(hi + 1), fallback);
    assert_string_equal(name(-1), fallback);
}

static const char *
status_name(int i)
{
    return mailauth_status_name((mailauth_status_t)i);
}
static const char *
strerror_name(int i)
{
    return mailauth_strerror((mailauth_status_t)i);
}
static const char *
verdict_name(int i)
{
    return mailauth_verdict_name((mailauth_verdict_t)i);
}
static const char *
reason_name(int i)
{
    return mailauth_reason_name((mailauth_reason_t)i);
}
static const char *
level_name(int i)
{
    return mailauth_log_level_name((mailauth_log_level_t)i);
}
static const char *
limit_name(int i)
{
    return mailauth_limit_name((mailauth_limit_t)i);
}
static const char *
method_name(int i)
{
    return mailauth_method_name((mailauth_method_t)(1u << i));
}

static void
test_ctx_enum_names(void **state)
{
    (void)state;
    check_names(status_name, MAILAUTH_OK, MAILAUTH_EINTERNAL, "MAILAUTH_UNKNOWN");
    check_names(strerror_name, MAILAUTH_OK, MAILAUTH_EINTERNAL, "unknown status");
    /* verdict and reason fall back to "none", which is also a real name */
    for (int i = MAILAUTH_VERDICT_NONE; i <= MAILAUTH_VERDICT_POLICY; i++)
        for (int j = 0; j < i; j++)
            assert_string_not_equal(verdict_name(i), verdict_name(j));
    assert_string_equal(verdict_name(99), "none");
    for (int i = 0; i < MAILAUTH_REASON__COUNT; i++)
        for (int j = 0; j < i; j++)
            assert_string_not_equal(reason_name(i), reason_name(j));
    assert_string_equal(reason_name(MAILAUTH_REASON__COUNT), "none");
    check_names(level_name, MAILAUTH_LOG_ERROR, MAILAUTH_LOG_DEBUG, "unknown");
    check_names(limit_name, 0, MAILAUTH_LIMIT__COUNT - 1, "unknown");
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < i; j++)
            assert_string_not_equal(method_name(i), method_name(j));
    assert_string_equal(mailauth_method_name(MAILAUTH_METHOD_SPF), "spf");
    assert_string_equal(mailauth_method_name(MAILAUTH_METHOD_ARC), "arc");
    assert_string_equal(mailauth_method_name(MAILAUTH_METHOD_ALL), "unknown");
    assert_string_equal(mailauth_method_name((mailauth_method_t)0), "unknown");
}

struct reason_case {
    mailauth_reason_t r;
    const char       *token;
};
static const struct reason_case reason_cases[] = {
    {MAILAUTH_REASON_NONE, "none"},
    {MAILAUTH_REASON_SPF_NO_RECORD, "spf.no-record"},
    {MAILAUTH_REASON_SPF_MULTIPLE_RECORDS, "spf.multiple-records"},
    {MAILAUTH_REASON_SPF_SYNTAX, "spf.syntax"},
    {MAILAUTH_REASON_SPF_DNS_LIMIT, "spf.dns-limit"},
    {MAILAUTH_REASON_SPF_VOID_LIMIT, "spf.void-limit"},
    {MAILAUTH_REASON_SPF_MX_LIMIT, "spf.mx-limit"},
    {MAILAUTH_REASON_SPF_PTR_LIMIT, "spf.ptr-limit"},
    {MAILAUTH_REASON_SPF_INCLUDE_NONE, "spf.include-none"},
    {MAILAUTH_REASON_SPF_REDIRECT_NONE, "spf.redirect-none"},
    {MAILAUTH_REASON_SPF_DNS_TEMPFAIL, "spf.dns-tempfail"},
    {MAILAUTH_REASON_SPF_BAD_DOMAIN, "spf.bad-domain"},
    {MAILAUTH_REASON_SPF_MATCHED, "spf.matched"},
    {MAILAUTH_REASON_SPF_DEFAULT, "spf.default"},
    {MAILAUTH_REASON_SPF_MACRO, "spf.macro"},
    {MAILAUTH_REASON_DEADLINE, "deadline"},
    {MAILAUTH_REASON_DKIM_SYNTAX, "dkim.syntax"},
    {MAILAUTH_REASON_DKIM_DUPLICATE_TAG, "dkim.duplicate-tag"},
    {MAILAUTH_REASON_DKIM_VERSION, "dkim.version"},
    {MAILAUTH_REASON_DKIM_ALGORITHM, "dkim.algorithm"},
    {MAILAUTH_REASON_DKIM_SHA1, "dkim.sha1"},
    {MAILAUTH_REASON_DKIM_FROM_NOT_SIGNED, "dkim.from-not-signed"},
    {MAILAUTH_REASON_DKIM_AUID_MISMATCH, "dkim.auid-mismatch"},
    {MAILAUTH_REASON_DKIM_EXPIRED, "dkim.expired"},
    {MAILAUTH_REASON_DKIM_FUTURE, "dkim.future"},
    {MAILAUTH_REASON_DKIM_QUERY_METHOD, "dkim.query-method"},
    {MAILAUTH_REASON_DKIM_NO_KEY, "dkim.no-key"},
    {MAILAUTH_REASON_DKIM_KEY_SYNTAX, "dkim.key-syntax"},
    {MAILAUTH_REASON_DKIM_KEY_MULTIPLE, "dkim.key-multiple"},
    {MAILAUTH_REASON_DKIM_KEY_REVOKED, "dkim.key-revoked"},
    {MAILAUTH_REASON_DKIM_KEY_TOO_SMALL, "dkim.key-too-small"},
    {MAILAUTH_REASON_DKIM_KEY_TOO_LARGE, "dkim.key-too-large"},
    {MAILAUTH_REASON_DKIM_KEY_MISMATCH, "dkim.key-mismatch"},
    {MAILAUTH_REASON_DKIM_KEY_SERVICE, "dkim.key-service"},
    {MAILAUTH_REASON_DKIM_KEY_STRICT, "dkim.key-strict"},
    {MAILAUTH_REASON_DKIM_DNS_TEMPFAIL, "dkim.dns-tempfail"},
    {MAILAUTH_REASON_DKIM_BODY_HASH, "dkim.body-hash"},
    {MAILAUTH_REASON_DKIM_SIGNATURE, "dkim.signature"},
    {MAILAUTH_REASON_DKIM_BODY_LENGTH, "dkim.body-length"},
    {MAILAUTH_REASON_DKIM_PARTIAL_BODY, "dkim.partial-body"},
    {MAILAUTH_REASON_DKIM_TOO_MANY, "dkim.too-many"},
    {MAILAUTH_REASON_DMARC_NO_RECORD, "dmarc.no-record"},
    {MAILAUTH_REASON_DMARC_MULTIPLE_RECORDS, "dmarc.multiple-records"},
    {MAILAUTH_REASON_DMARC_SYNTAX, "dmarc.syntax"},
    {MAILAUTH_REASON_DMARC_DNS_TEMPFAIL, "dmarc.dns-tempfail"},
    {MAILAUTH_REASON_DMARC_NO_FROM, "dmarc.no-from"},
    {MAILAUTH_REASON_DMARC_MULTIPLE_FROM, "dmarc.multiple-from"},
    {MAILAUTH_REASON_DMARC_BAD_FROM, "dmarc.bad-from"},
    {MAILAUTH_REASON_DMARC_ALIGNED, "dmarc.aligned"},
    {MAILAUTH_REASON_DMARC_NOT_ALIGNED, "dmarc.not-aligned"},
    {MAILAUTH_REASON_ARC_NO_SETS, "arc.no-sets"},
    {MAILAUTH_REASON_ARC_STRUCTURE, "arc.structure"},
    {MAILAUTH_REASON_ARC_TOO_MANY, "arc.too-many"},
    {MAILAUTH_REASON_ARC_SYNTAX, "arc.syntax"},
    {MAILAUTH_REASON_ARC_CV, "arc.cv"},
    {MAILAUTH_REASON_ARC_AMS, "arc.ams"},
    {MAILAUTH_REASON_ARC_SEAL, "arc.seal"},
    {MAILAUTH_REASON_ARC_DNS_TEMPFAIL, "arc.dns-tempfail"},
    {MAILAUTH_REASON_IPREV_NO_PTR, "iprev.no-ptr"},
    {MAILAUTH_REASON_IPREV_DNS_TEMPFAIL, "iprev.dns-tempfail"},
    {MAILAUTH_REASON_IPREV_NO_MATCH, "iprev.no-match"},
};
_Static_assert(ARRAY_LEN(reason_cases) == MAILAUTH_REASON__COUNT, "a reason has no case");

/* Tokens are part of the ABI (logs, JSON): pinned here. */
static void
test_ctx_reason_tokens(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(reason_cases); i++)
        assert_string_equal(mailauth_reason_name(reason_cases[i].r), reason_cases[i].token);
}

struct verdict_case {
    const char        *word;
    mailauth_status_t  st;
    mailauth_verdict_t v;
};
static const struct verdict_case verdict_cases[] = {
    {"none", MAILAUTH_OK, MAILAUTH_VERDICT_NONE},
    {"pass", MAILAUTH_OK, MAILAUTH_VERDICT_PASS},
    {"FAIL", MAILAUTH_OK, MAILAUTH_VERDICT_FAIL},
    {"SoftFail", MAILAUTH_OK, MAILAUTH_VERDICT_SOFTFAIL},
    {"neutral", MAILAUTH_OK, MAILAUTH_VERDICT_NEUTRAL},
    {"temperror", MAILAUTH_OK, MAILAUTH_VERDICT_TEMPERROR},
    {"permerror", MAILAUTH_OK, MAILAUTH_VERDICT_PERMERROR},
    {"policy", MAILAUTH_OK, MAILAUTH_VERDICT_POLICY},
    {"passed", MAILAUTH_EINVAL, MAILAUTH_VERDICT_NONE},
    {"", MAILAUTH_EINVAL, MAILAUTH_VERDICT_NONE},
    {"pas", MAILAUTH_EINVAL, MAILAUTH_VERDICT_NONE},
};

static void
test_ctx_verdict_from_name(void **state)
{
    mailauth_verdict_t v = MAILAUTH_VERDICT_NONE;
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(verdict_cases); i++) {
        const struct verdict_case *c = &verdict_cases[i];
        v = MAILAUTH_VERDICT_NONE;
        assert_int_equal(mailauth_verdict_from_name(c->word, &v), c->st);
        assert_int_equal(v, c->v);
    }
    for (int i = MAILAUTH_VERDICT_NONE; i <= MAILAUTH_VERDICT_POLICY; i++) {
        assert_int_equal(mailauth_verdict_from_name(verdict_name(i), &v), MAILAUTH_OK);
        assert_int_equal(v, i);
    }
    assert_int_equal(mailauth_verdict_from_name(NULL, &v), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_verdict_from_name("pass", NULL), MAILAUTH_EINVAL);
}

static void
test_ctx_strerror(void **state)
{
    (void)state;
    assert_string_equal(mailauth_strerror(MAILAUTH_ENOMEM), "out of memory");
    assert_string_equal(mailauth_strerror(MAILAUTH_OK), "success");
    assert_string_equal(mailauth_status_name(MAILAUTH_ESTATE), "MAILAUTH_ESTATE");
    assert_string_equal(mailauth_strerror((mailauth_status_t)1000), "unknown status");
}

static void
test_ctx_version(void **state)
{
    char want[32];
    (void)state;
    snprintf(want, sizeof(want), "%d.%d.%d", MAILAUTH_VERSION_MAJOR, MAILAUTH_VERSION_MINOR,
             MAILAUTH_VERSION_PATCH);
    assert_string_equal(mailauth_version(), want);
    assert_int_equal(mailauth_version_number(), MAILAUTH_VERSION_NUMBER);
}

/* ---- out of memory ----------------------------------------------------------- */

static mailauth_status_t
setup_ctx(const mailauth_allocator_t *al)
{
    mailauth_ctx_t   *ctx = NULL;
    mailauth_status_t st = mailauth_ctx_new(al, &ctx);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_authserv_id(ctx, "mx.example.net");
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_spf_default_explanation(ctx, "see %{d}");
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_DNS_QUERIES, 10);
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_add_trusted_sealer(ctx, "arc.example.org");
    if (st == MAILAUTH_OK)
        st = mailauth_ctx_add_trusted_sealer(ctx, "Sealer.Example.COM.");
    if (ctx != NULL && st == MAILAUTH_ENOMEM) {
        /* a failed setter leaves the previous value */
        assert_non_null(mailauth_ctx_get_authserv_id(ctx));
    }
    mailauth_ctx_free(ctx);
    return st;
}

static void
test_ctx_enomem(void **state)
{
    (void)state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t      fa;
        mailauth_status_t st;
        fail_alloc_init(&fa, n);
        st = setup_ctx(&fa.al);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
    }
}

static uint32_t
pinned_random(void *ud)
{
    return *(const uint32_t *)ud;
}

/* Policy knobs of the DKIM, DMARC and ARC issues: defaults, setters, freeze. */
static void
test_ctx_policy_knobs(void **state)
{
    mailauth_ctx_t *ctx = NULL;
    uint32_t        seven = 7;
    (void)state;
    assert_int_equal(mailauth_ctx_new(NULL, &ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_get_flag(ctx, MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1), 0);
    assert_int_equal(mailauth_ctx_get_flag(ctx, MAILAUTH_FLAG_DKIM_REQUIRE_FULL_BODY), 0);
    assert_int_equal(mailauth_ctx_set_flag(ctx, MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1, 5), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_get_flag(ctx, MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1), 1);
    assert_int_equal(mailauth_ctx_set_flag(ctx, MAILAUTH_FLAG__COUNT, 1), MAILAUTH_EINVAL);
    assert_string_equal(mailauth_flag_name(MAILAUTH_FLAG_DKIM_REQUIRE_FULL_BODY),
                        "dkim-require-full-body");
    assert_string_equal(mailauth_flag_name(MAILAUTH_FLAG__COUNT), "unknown");

    assert_int_equal(mailauth_ctx_get_dmarc_mode(ctx), MAILAUTH_DMARC_RFC7489);
    assert_int_equal(mailauth_ctx_set_dmarc_mode(ctx, MAILAUTH_DMARC_RFC9989), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_get_dmarc_mode(ctx), MAILAUTH_DMARC_RFC9989);
    assert_int_equal(mailauth_ctx_set_dmarc_mode(ctx, (mailauth_dmarc_mode_t)7), MAILAUTH_EINVAL);
    assert_string_equal(mailauth_dmarc_mode_name(MAILAUTH_DMARC_RFC9989), "9989");

    assert_int_equal(mailauth_ctx_set_psl_file(ctx, "/nonexistent/psl.dat"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ctx_set_psl_file(ctx, NULL), MAILAUTH_OK);
    assert_non_null(mailauth__ctx_psl(ctx)); /* the default list opens */

    assert_int_equal(mailauth_ctx_set_random(ctx, pinned_random, &seven), MAILAUTH_OK);
    assert_int_equal(mailauth__ctx_random(ctx), 7);

    assert_int_equal(mailauth_ctx_add_trusted_sealer(ctx, "Arc.Example.ORG."), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_add_trusted_sealer(ctx, "bad domain"), MAILAUTH_EINVAL);
    assert_int_equal(mailauth_ctx_add_trusted_sealer(ctx, ""), MAILAUTH_EINVAL);
    assert_true(mailauth__ctx_sealer_trusted(ctx, "arc.example.org", 15));
    assert_true(mailauth__ctx_sealer_trusted(ctx, "ARC.example.org.", 16));
    assert_false(mailauth__ctx_sealer_trusted(ctx, "example.org", 11));
    assert_false(mailauth__ctx_sealer_trusted(ctx, "x.arc.example.org", 17));

    mailauth__ctx_freeze(ctx);
    assert_int_equal(mailauth_ctx_set_flag(ctx, MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1, 0),
                     MAILAUTH_ESTATE);
    assert_int_equal(mailauth_ctx_set_dmarc_mode(ctx, MAILAUTH_DMARC_RFC7489), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_ctx_set_psl_file(ctx, NULL), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_ctx_set_random(ctx, NULL, NULL), MAILAUTH_ESTATE);
    assert_int_equal(mailauth_ctx_add_trusted_sealer(ctx, "x.example"), MAILAUTH_ESTATE);
    mailauth_ctx_free(ctx);
}

#define CASES(tab, fn)                                                                             \
    for (size_t i = 0; i < ARRAY_LEN(tab); i++)                                                    \
        tests[n++] = (struct CMUnitTest)                                                           \
        {                                                                                          \
            .name = (tab)[i].name, .test_func = (fn), .initial_state = (void *)&(tab)[i]           \
        }

int
main(void)
{
    static const struct CMUnitTest single[] = {
        cmocka_unit_test(test_ctx_defaults),
        cmocka_unit_test(test_ctx_new_args),
        cmocka_unit_test(test_ctx_null_handles),
        cmocka_unit_test(test_ctx_spf_default_explanation),
        cmocka_unit_test(test_ctx_frozen),
        cmocka_unit_test(test_ctx_clock),
        cmocka_unit_test(test_ctx_log_long),
        cmocka_unit_test(test_ctx_enum_names),
        cmocka_unit_test(test_ctx_reason_tokens),
        cmocka_unit_test(test_ctx_verdict_from_name),
        cmocka_unit_test(test_ctx_strerror),
        cmocka_unit_test(test_ctx_version),
        cmocka_unit_test(test_ctx_enomem),
        cmocka_unit_test(test_ctx_policy_knobs),
    };
    struct CMUnitTest tests[ARRAY_LEN(single) + ARRAY_LEN(limit_cases) + ARRAY_LEN(id_cases) +
                            ARRAY_LEN(methods_cases) + ARRAY_LEN(log_cases)];
    size_t            n = 0;
    for (size_t i = 0; i < ARRAY_LEN(single); i++)
        tests[n++] = single[i];
    for (size_t i = 0; i < ARRAY_LEN(limit_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = limit_cases[i].name,
                                         .test_func = test_ctx_limit_default,
                                         .initial_state = (void *)&limit_cases[i]};
    CASES(id_cases, test_ctx_authserv_id);
    CASES(methods_cases, test_ctx_methods);
    CASES(log_cases, test_ctx_log);
    return _cmocka_run_group_tests("ctx", tests, n, NULL, NULL);
}
