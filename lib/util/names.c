/* Names and descriptions of the enums every module reports in (statuses,
 * verdicts, reasons) and of the ctx's, so bindings need no tables. Here in
 * util, below every check, because each check names its verdicts. The
 * enums of one module (DMARC policies, DNS types, ...) are named there. */
#include <stddef.h>

#include <mailauth/ctx.h>
#include <mailauth/sign.h>
#include <mailauth/status.h>

#include "util/env.h"
#include "util/str.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const status_text[] = {
    [MAILAUTH_OK] = "success",
    [MAILAUTH_EAGAIN] = "nothing yet, call again once the resolver made progress",
    [MAILAUTH_ENOMEM] = "out of memory",
    [MAILAUTH_EINVAL] = "invalid argument",
    [MAILAUTH_ESTATE] = "call not allowed in the current state",
    [MAILAUTH_ELIMIT] = "configured limit exceeded",
    [MAILAUTH_ENOSPC] = "buffer too small",
    [MAILAUTH_ETIMEOUT] = "timed out",
    [MAILAUTH_ECANCELED] = "operation canceled",
    [MAILAUTH_EDNS] = "DNS layer failure",
    [MAILAUTH_ECRYPTO] = "crypto library failure",
    [MAILAUTH_ENOTSUP] = "not supported",
    [MAILAUTH_EINTERNAL] = "internal error",
};

static const char *const status_names[] = {
    [MAILAUTH_OK] = "MAILAUTH_OK",
    [MAILAUTH_EAGAIN] = "MAILAUTH_EAGAIN",
    [MAILAUTH_ENOMEM] = "MAILAUTH_ENOMEM",
    [MAILAUTH_EINVAL] = "MAILAUTH_EINVAL",
    [MAILAUTH_ESTATE] = "MAILAUTH_ESTATE",
    [MAILAUTH_ELIMIT] = "MAILAUTH_ELIMIT",
    [MAILAUTH_ENOSPC] = "MAILAUTH_ENOSPC",
    [MAILAUTH_ETIMEOUT] = "MAILAUTH_ETIMEOUT",
    [MAILAUTH_ECANCELED] = "MAILAUTH_ECANCELED",
    [MAILAUTH_EDNS] = "MAILAUTH_EDNS",
    [MAILAUTH_ECRYPTO] = "MAILAUTH_ECRYPTO",
    [MAILAUTH_ENOTSUP] = "MAILAUTH_ENOTSUP",
    [MAILAUTH_EINTERNAL] = "MAILAUTH_EINTERNAL",
};

/* RFC 8601 §2.7 result words. */
static const char *const verdict_names[] = {
    [MAILAUTH_VERDICT_NONE] = "none",           [MAILAUTH_VERDICT_PASS] = "pass",
    [MAILAUTH_VERDICT_FAIL] = "fail",           [MAILAUTH_VERDICT_SOFTFAIL] = "softfail",
    [MAILAUTH_VERDICT_NEUTRAL] = "neutral",     [MAILAUTH_VERDICT_TEMPERROR] = "temperror",
    [MAILAUTH_VERDICT_PERMERROR] = "permerror", [MAILAUTH_VERDICT_POLICY] = "policy",
};

/* Stable tokens: "<method>.<what>", never changed once released, like the numbers. */
struct reason_name {
    mailauth_reason_t r;
    const char       *name;
};

static const struct reason_name reason_names[] = {
    {MAILAUTH_REASON_NONE, "none"},
    {MAILAUTH_REASON_DEADLINE, "deadline"},
    {MAILAUTH_REASON_LIMIT_FIELD, "limit-field"},
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

static const char *const log_level_names[] = {
    [MAILAUTH_LOG_ERROR] = "error",
    [MAILAUTH_LOG_WARNING] = "warning",
    [MAILAUTH_LOG_INFO] = "info",
    [MAILAUTH_LOG_DEBUG] = "debug",
};

static const char *const limit_names[] = {
    [MAILAUTH_LIMIT_SPF_DNS_TERMS] = "spf-dns-terms",
    [MAILAUTH_LIMIT_SPF_VOID_LOOKUPS] = "spf-void-lookups",
    [MAILAUTH_LIMIT_SPF_MX_NAMES] = "spf-mx-names",
    [MAILAUTH_LIMIT_SPF_PTR_NAMES] = "spf-ptr-names",
    [MAILAUTH_LIMIT_DNS_QUERIES] = "dns-queries",
    [MAILAUTH_LIMIT_DNS_TIMEOUT_MS] = "dns-timeout-ms",
    [MAILAUTH_LIMIT_EVAL_TIMEOUT_MS] = "eval-timeout-ms",
    [MAILAUTH_LIMIT_DNS_CACHE_ENTRIES] = "dns-cache-entries",
    [MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX] = "dns-cache-ttl-max",
    [MAILAUTH_LIMIT_HEADER_MAX_BYTES] = "header-max-bytes",
    [MAILAUTH_LIMIT_HEADER_MAX_COUNT] = "header-max-count",
    [MAILAUTH_LIMIT_DKIM_SIGNATURES] = "dkim-signatures",
    [MAILAUTH_LIMIT_RSA_MIN_BITS] = "rsa-min-bits",
    [MAILAUTH_LIMIT_RSA_MAX_BITS] = "rsa-max-bits",
    [MAILAUTH_LIMIT_ARC_INSTANCES] = "arc-instances",
    [MAILAUTH_LIMIT_DKIM_CLOCK_SKEW_S] = "dkim-clock-skew-s",
    [MAILAUTH_LIMIT_DKIM_KEY_CACHE_ENTRIES] = "dkim-key-cache-entries",
    [MAILAUTH_LIMIT_DMARC_TREEWALK_QUERIES] = "dmarc-treewalk-queries",
};

_Static_assert(ARRAY_LEN(status_text) == MAILAUTH_EINTERNAL + 1, "status_text incomplete");
_Static_assert(ARRAY_LEN(status_names) == MAILAUTH_EINTERNAL + 1, "status_names incomplete");
_Static_assert(ARRAY_LEN(verdict_names) == MAILAUTH_VERDICT_POLICY + 1, "verdicts incomplete");
_Static_assert(ARRAY_LEN(limit_names) == MAILAUTH__LIMIT_COUNT, "limit_names incomplete");

/* Table lookup tolerant of out-of-range values and holes. */
static const char *
pick(const char *const *table, size_t n, unsigned i, const char *fallback)
{
    if (i >= n || table[i] == NULL)
        return fallback;
    return table[i];
}

const char *
mailauth_strerror(mailauth_status_t st)
{
    return pick(status_text, ARRAY_LEN(status_text), (unsigned)st, "unknown status");
}

const char *
mailauth_status_name(mailauth_status_t st)
{
    return pick(status_names, ARRAY_LEN(status_names), (unsigned)st, "unknown");
}

const char *
mailauth_verdict_name(mailauth_verdict_t v)
{
    return pick(verdict_names, ARRAY_LEN(verdict_names), (unsigned)v, "unknown");
}

mailauth_status_t
mailauth_verdict_from_name(const char *name, mailauth_verdict_t *out)
{
    if (name == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < ARRAY_LEN(verdict_names); i++) {
        if (mailauth__eq_ci(name, verdict_names[i])) {
            *out = (mailauth_verdict_t)i;
            return MAILAUTH_OK;
        }
    }
    return MAILAUTH_EINVAL;
}

const char *
mailauth_reason_name(mailauth_reason_t r)
{
    for (size_t i = 0; i < ARRAY_LEN(reason_names); i++) {
        if (reason_names[i].r == r)
            return reason_names[i].name;
    }
    return "unknown";
}

const char *
mailauth_log_level_name(mailauth_log_level_t level)
{
    return pick(log_level_names, ARRAY_LEN(log_level_names), (unsigned)level, "unknown");
}

const char *
mailauth_limit_name(mailauth_limit_t limit)
{
    return pick(limit_names, ARRAY_LEN(limit_names), (unsigned)limit, "unknown");
}

const char *
mailauth_method_name(mailauth_method_t m)
{
    switch (m) {
    case MAILAUTH_METHOD_SPF:
        return "spf";
    case MAILAUTH_METHOD_DKIM:
        return "dkim";
    case MAILAUTH_METHOD_DMARC:
        return "dmarc";
    case MAILAUTH_METHOD_ARC:
        return "arc";
    case MAILAUTH_METHOD_IPREV:
        return "iprev";
    case MAILAUTH_METHOD_ALL:
        return "all";
    }
    return "unknown";
}

const char *
mailauth_flag_name(mailauth_flag_t flag)
{
    switch (flag) {
    case MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1:
        return "dkim-accept-rsa-sha1";
    case MAILAUTH_FLAG_DKIM_REQUIRE_FULL_BODY:
        return "dkim-require-full-body";
    }
    return "unknown";
}

const char *
mailauth_dmarc_mode_name(mailauth_dmarc_mode_t mode)
{
    switch (mode) {
    case MAILAUTH_DMARC_RFC7489:
        return "7489";
    case MAILAUTH_DMARC_RFC9989:
        return "9989";
    }
    return "unknown";
}

const char *
mailauth_clock_kind_name(mailauth_clock_kind_t kind)
{
    switch (kind) {
    case MAILAUTH_CLOCK_WALL:
        return "wall";
    case MAILAUTH_CLOCK_MONOTONIC:
        return "monotonic";
    }
    return "unknown";
}

const char *
mailauth_arc_field_name(mailauth_arc_field_t f)
{
    switch (f) {
    case MAILAUTH_ARC_FIELD_AAR:
        return "ARC-Authentication-Results";
    case MAILAUTH_ARC_FIELD_AMS:
        return "ARC-Message-Signature";
    case MAILAUTH_ARC_FIELD_AS:
        return "ARC-Seal";
    }
    return "unknown";
}
