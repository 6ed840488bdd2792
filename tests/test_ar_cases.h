/* Tables of tests/test_ar.c (Authentication-Results, RFC 8601): kept apart so the test logic
 * stays readable. Included once, by tests/test_ar.c only. */
#ifndef MAILAUTH_TEST_AR_CASES_H
#define MAILAUTH_TEST_AR_CASES_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/authres.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_RI 4
#define MAX_PROPS 6
#define BIN(s) s, sizeof(s) - 1 /* a literal holding NUL bytes, with its length */

/* ---- a model written as data -------------------------------------------------------------- */

struct prop_def {
    const char *ptype, *property, *value;
};
struct ri_def {
    const char     *method, *result, *reason, *comment;
    struct prop_def props[MAX_PROPS]; /* ends at ptype == NULL */
};
struct model {
    const char   *id;
    struct ri_def ri[MAX_RI]; /* ends at method == NULL */
};

/* ---- round trip: model <-> folded text ------------------------------------------------------ */

struct rt_case {
    const char  *name;
    struct model m;
    const char  *text;
};

static const struct rt_case rt_cases[] = {
    {"rt: no result is none", {"example.org", {{0}}}, "Authentication-Results: example.org; none"},
    {"rt: spf pass",
     {"example.com", {{"spf", "pass", NULL, NULL, {{"smtp", "mailfrom", "example.net"}}}}},
     "Authentication-Results: example.com; spf=pass smtp.mailfrom=example.net"},
    {"rt: two entries fold between elements",
     {"example.com",
      {{"auth", "pass", NULL, "cram-md5", {{"smtp", "auth", "sender@example.net"}}},
       {"spf", "pass", NULL, NULL, {{"smtp", "mailfrom", "example.net"}}}}},
     "Authentication-Results: example.com; auth=pass (cram-md5)\r\n"
     "\tsmtp.auth=sender@example.net; spf=pass smtp.mailfrom=example.net"},
    {"rt: reason quoted with escapes",
     {"mx.example.net", {{"dkim", "fail", "bad \"sig\" \\ here", NULL, {{0}}}}},
     "Authentication-Results: mx.example.net; dkim=fail reason=\"bad \\\"sig\\\" \\\\ here\""},
    {"rt: comment parentheses escaped",
     {"mx", {{"spf", "neutral", NULL, "a (b) c\\", {{0}}}}},
     "Authentication-Results: mx; spf=neutral (a \\(b\\) c\\\\)"},
    {"rt: values that need quotes",
     {"mx",
      {{"dkim",
        "pass",
        NULL,
        NULL,
        {{"header", "b", "ab/cd+e="}, {"header", "s", ""}, {"x", "y", "a b"}}}}},
     "Authentication-Results: mx; dkim=pass header.b=\"ab/cd+e=\" header.s=\"\"\r\n"
     "\tx.y=\"a b\""},
    {"rt: bare addresses",
     {"mx",
      {{"dkim",
        "pass",
        NULL,
        NULL,
        {{"header", "i", "@example.com"}, {"smtp", "mailfrom", "a.b+c@example.com"}}}}},
     "Authentication-Results: mx; dkim=pass header.i=@example.com\r\n"
     "\tsmtp.mailfrom=a.b+c@example.com"},
    {"rt: quoted local part quoted",
     {"mx", {{"spf", "fail", NULL, NULL, {{"smtp", "mailfrom", "\"j d\"@example.com"}}}}},
     "Authentication-Results: mx; spf=fail smtp.mailfrom=\"\\\"j d\\\"@example.com\""},
    {"rt: method version",
     {"mx", {{"dkim/1", "pass", NULL, NULL, {{"header", "d", "example.com"}}}}},
     "Authentication-Results: mx; dkim/1=pass header.d=example.com"},
    {"rt: quoted authserv-id",
     {"my server", {{"iprev", "pass", NULL, NULL, {{"policy", "iprev", "192.0.2.200"}}}}},
     "Authentication-Results: \"my server\"; iprev=pass policy.iprev=192.0.2.200"},
    {"rt: utf-8 value quoted",
     {"mx", {{"spf", "pass", NULL, NULL, {{"smtp", "mailfrom", "j\xc3\xb6rg@example.com"}}}}},
     "Authentication-Results: mx; spf=pass smtp.mailfrom=\"j\xc3\xb6rg@example.com\""},
    {"rt: all parts, three entries",
     {"mx.example.net",
      {{"spf",
        "pass",
        NULL,
        "mx.example.net: domain of a@example.org designates 192.0.2.1",
        {{"smtp", "mailfrom", "a@example.org"}, {"smtp", "helo", "mail.example.org"}}},
       {"dkim",
        "pass",
        "good",
        NULL,
        {{"header", "d", "example.org"}, {"header", "s", "s1"}, {"header", "b", "AbCdEfGh"}}},
       {"dmarc", "pass", NULL, NULL, {{"header", "from", "example.org"}}}}},
     /* the comment folds at its own spaces (RFC 5322 §3.2.2) */
     "Authentication-Results: mx.example.net; spf=pass (mx.example.net: domain of\r\n"
     "\ta@example.org designates 192.0.2.1) smtp.mailfrom=a@example.org\r\n"
     "\tsmtp.helo=mail.example.org; dkim=pass reason=\"good\" header.d=example.org\r\n"
     "\theader.s=s1 header.b=AbCdEfGh; dmarc=pass header.from=example.org"},
};
/* ---- parsing: RFC 8601 Appendix B and lenient input ----------------------------------------- */

struct parse_case {
    const char       *name;
    const char       *text;
    size_t            len; /* 0: strlen(text) */
    mailauth_status_t st;
    size_t            skipped;
    struct model      m;
};

static const struct parse_case appendix_b[] = {
    {"B.2 nearly trivial: version and none",
     "Authentication-Results: example.org 1; none",
     0,
     MAILAUTH_OK,
     0,
     {"example.org", {{0}}}},
    {"B.3 trivial: spf",
     "Authentication-Results: example.com;\r\n          spf=pass smtp.mailfrom=example.net",
     0,
     MAILAUTH_OK,
     0,
     {"example.com", {{"spf", "pass", NULL, NULL, {{"smtp", "mailfrom", "example.net"}}}}}},
    {"B.4 single MTA: auth and spf",
     "Authentication-Results: example.com;\r\n"
     "          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
     "          spf=pass smtp.mailfrom=example.net",
     0,
     MAILAUTH_OK,
     0,
     {"example.com",
      {{"auth", "pass", NULL, "cram-md5", {{"smtp", "auth", "sender@example.net"}}},
       {"spf", "pass", NULL, NULL, {{"smtp", "mailfrom", "example.net"}}}}}},
    {"B.4 single MTA: iprev",
     "Authentication-Results: example.com; iprev=pass\r\n          policy.iprev=192.0.2.200",
     0,
     MAILAUTH_OK,
     0,
     {"example.com", {{"iprev", "pass", NULL, NULL, {{"policy", "iprev", "192.0.2.200"}}}}}},
    {"B.5 different MTAs: dkim",
     "Authentication-Results: example.com;\r\n"
     "          dkim=pass (good signature) header.d=example.com",
     0,
     MAILAUTH_OK,
     0,
     {"example.com", {{"dkim", "pass", NULL, "good signature", {{"header", "d", "example.com"}}}}}},
    {"B.5 different MTAs: auth and spf fail",
     "Authentication-Results: example.com;\r\n"
     "          auth=pass (cram-md5) smtp.auth=sender@example.com;\r\n"
     "          spf=fail smtp.mailfrom=example.com",
     0,
     MAILAUTH_OK,
     0,
     {"example.com",
      {{"auth", "pass", NULL, "cram-md5", {{"smtp", "auth", "sender@example.com"}}},
       {"spf", "fail", NULL, NULL, {{"smtp", "mailfrom", "example.com"}}}}}},
    {"B.6 multi-tiered: reasons",
     "Authentication-Results: example.com;\r\n"
     "      dkim=pass reason=\"good signature\"\r\n"
     "        header.i=@mail-router.example.net;\r\n"
     "      dkim=fail reason=\"bad signature\"\r\n"
     "        header.i=@newyork.example.com",
     0,
     MAILAUTH_OK,
     0,
     {"example.com",
      {{"dkim", "pass", "good signature", NULL, {{"header", "i", "@mail-router.example.net"}}},
       {"dkim", "fail", "bad signature", NULL, {{"header", "i", "@newyork.example.com"}}}}}},
    {"B.6 multi-tiered: comment",
     "Authentication-Results: example.net;\r\n"
     "      dkim=pass (good signature) header.i=@newyork.example.com",
     0,
     MAILAUTH_OK,
     0,
     {"example.net",
      {{"dkim", "pass", NULL, "good signature", {{"header", "i", "@newyork.example.com"}}}}}},
    {"B.7 comment-heavy",
     "Authentication-Results: foo.example.net (foobar) 1 (baz);\r\n"
     "    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
     "      policy (A dot can go here) . (like that) expired\r\n"
     "      (this surprised me) = (as I wasn't expecting it) 1362471462",
     0,
     MAILAUTH_OK,
     0,
     {"foo.example.net", {{"dkim/1", "fail", NULL, NULL, {{"policy", "expired", "1362471462"}}}}}},
};

static const struct parse_case lenient[] = {
    {"lenient: no field name, upper case",
     "MX.Example; SPF=PASS SMTP.MailFrom=A@B.example",
     0,
     MAILAUTH_OK,
     0,
     {"MX.Example", {{"spf", "pass", NULL, NULL, {{"smtp", "mailfrom", "A@B.example"}}}}}},
    {"lenient: name in other case, space before colon",
     "authentication-results :\r\n\tmx ;\r\n\tdkim=none",
     0,
     MAILAUTH_OK,
     0,
     {"mx", {{"dkim", "none", NULL, NULL, {{0}}}}}},
    {"lenient: missing authserv-id",
     "spf=pass smtp.mailfrom=example.net",
     0,
     MAILAUTH_OK,
     1,
     {"", {{"spf", "pass", NULL, NULL, {{"smtp", "mailfrom", "example.net"}}}}}},
    {"lenient: missing authserv-id, versioned method",
     "dkim/1=pass; spf=none",
     0,
     MAILAUTH_OK,
     1,
     {"", {{"dkim/1", "pass", NULL, NULL, {{0}}}, {"spf", "none", NULL, NULL, {{0}}}}}},
    {"lenient: empty authserv-id",
     "; spf=pass",
     0,
     MAILAUTH_OK,
     1,
     {"", {{"spf", "pass", NULL, NULL, {{0}}}}}},
    {"lenient: stray tokens counted",
     "mx; spf=pass action=none header.from=x.example junk",
     0,
     MAILAUTH_OK,
     2,
     {"mx", {{"spf", "pass", NULL, NULL, {{"header", "from", "x.example"}}}}}},
    {"lenient: bad resinfo skipped to next",
     "mx; =pass a.b=c; 9x=y; dmarc=fail",
     0,
     MAILAUTH_OK,
     2,
     {"mx", {{"dmarc", "fail", NULL, NULL, {{0}}}}}},
    {"lenient: unterminated comment",
     "mx; spf=pass (oops; dkim=pass header.d=x.example",
     0,
     MAILAUTH_OK,
     2,
     {"mx",
      {{"spf", "pass", NULL, NULL, {{0}}},
       {"dkim", "pass", NULL, NULL, {{"header", "d", "x.example"}}}}}},
    {"lenient: unterminated quote",
     "mx; dkim=fail reason=\"bad; spf=pass",
     0,
     MAILAUTH_OK,
     2,
     {"mx", {{"dkim", "fail", NULL, NULL, {{0}}}, {"spf", "pass", NULL, NULL, {{0}}}}}},
    {"lenient: stray close parenthesis",
     "mx; spf=pass ) smtp.mailfrom=a.example",
     0,
     MAILAUTH_OK,
     1,
     {"mx", {{"spf", "pass", NULL, NULL, {{"smtp", "mailfrom", "a.example"}}}}}},
    {"lenient: nested comment kept",
     "mx; spf=pass (a (b \\) c) d) (second)",
     0,
     MAILAUTH_OK,
     0,
     {"mx", {{"spf", "pass", NULL, "a (b ) c) d", {{0}}}}}},
    {"lenient: folded quoted string unfolded",
     "mx; dkim=fail reason=\"line\r\n one\"",
     0,
     MAILAUTH_OK,
     0,
     {"mx", {{"dkim", "fail", "line one", NULL, {{0}}}}}},
    {"lenient: NUL in quoted value dropped",
     BIN("mx; spf=pass x.y=\"a\0b\" z.w=ok"),
     MAILAUTH_OK,
     1,
     {"mx", {{"spf", "pass", NULL, NULL, {{"z", "w", "ok"}}}}}},
    {"lenient: NUL between entries",
     BIN("mx; spf=pass\0; dkim=fail"),
     MAILAUTH_OK,
     1,
     {"mx", {{"spf", "pass", NULL, NULL, {{0}}}, {"dkim", "fail", NULL, NULL, {{0}}}}}},
    {"lenient: control byte in comment drops comment",
     "mx; spf=pass (a\x01z)",
     0,
     MAILAUTH_OK,
     1,
     {"mx", {{"spf", "pass", NULL, NULL, {{0}}}}}},
    {"lenient: second reason ignored",
     "mx; dkim=fail reason=one reason=two",
     0,
     MAILAUTH_OK,
     1,
     {"mx", {{"dkim", "fail", "one", NULL, {{0}}}}}},
    {"lenient: only an authserv-id", "mx.example", 0, MAILAUTH_OK, 0, {"mx.example", {{0}}}},
    {"lenient: none then entries",
     "mx; none; spf=pass",
     0,
     MAILAUTH_OK,
     0,
     {"mx", {{"spf", "pass", NULL, NULL, {{0}}}}}},
    {"lenient: empty", "", 0, MAILAUTH_EINVAL, 0, {0}},
    {"lenient: only the field name", "Authentication-Results:", 0, MAILAUTH_EINVAL, 0, {0}},
    {"lenient: only semicolons", ";;;;;;;;", 0, MAILAUTH_EINVAL, 1, {0}},
    {"lenient: only CFWS", " (a) \r\n\t(b (c))  ", 0, MAILAUTH_EINVAL, 0, {0}},
    {"lenient: only NUL bytes", BIN("\0\0\0\0"), MAILAUTH_EINVAL, 2, {0}},
};
/* ---- hostile input: never crash, hang or leak ------------------------------------------------ */

#define MIB (1024u * 1024u)

enum fill {
    F_RANDOM,
    F_OPEN_PAREN,
    F_QUOTES,
    F_SEMICOLONS,
    F_BACKSLASH,
    F_RESINFOS,
    F_PROPS,
    F_NESTED
};

struct hostile_case {
    const char       *name;
    enum fill         fill;
    size_t            len;
    mailauth_status_t st;
    size_t            count; /* resinfos expected (when OK) */
};

static const struct hostile_case hostile[] = {
    {"hostile: 1 MiB random bytes", F_RANDOM, MIB, MAILAUTH_OK, (size_t)-1},
    {"hostile: 1 MiB of (", F_OPEN_PAREN, MIB, MAILAUTH_EINVAL, 0},
    {"hostile: 1 MiB of DQUOTE", F_QUOTES, MIB, MAILAUTH_EINVAL, 0},
    {"hostile: 1 MiB of ;", F_SEMICOLONS, MIB, MAILAUTH_EINVAL, 0},
    {"hostile: 1 MiB of backslash", F_BACKSLASH, MIB, MAILAUTH_EINVAL, 0},
    {"hostile: resinfos beyond the limit", F_RESINFOS, MIB, MAILAUTH_OK, 1000},
    {"hostile: properties beyond the limit", F_PROPS, MIB, MAILAUTH_OK, 1},
    {"hostile: deeply nested comment", F_NESTED, MIB, MAILAUTH_OK, 1},
};
/* ---- header injection and token validation ----------------------------------------------------
 */

enum setter {
    S_NEW,
    S_ADD_METHOD,
    S_ADD_RESULT,
    S_REASON,
    S_COMMENT,
    S_PTYPE,
    S_PROPERTY,
    S_VALUE
};

struct setter_case {
    const char       *name;
    enum setter       which;
    const char       *arg;
    mailauth_status_t st;
};

static const struct setter_case setters[] = {
    {"inject: CRLF in authserv-id", S_NEW, "mx\r\nX-Evil: 1", MAILAUTH_EINVAL},
    {"inject: empty authserv-id", S_NEW, "", MAILAUTH_EINVAL},
    {"inject: LF in method", S_ADD_METHOD, "spf\nX-Evil", MAILAUTH_EINVAL},
    {"inject: CR in result", S_ADD_RESULT, "pass\r", MAILAUTH_EINVAL},
    {"inject: CRLF in reason", S_REASON, "ok\r\nX-Evil: 1", MAILAUTH_EINVAL},
    {"inject: LF in comment", S_COMMENT, "a\nb", MAILAUTH_EINVAL},
    {"inject: CR in value", S_VALUE, "a\rb", MAILAUTH_EINVAL},
    {"inject: ESC in value", S_VALUE, "a\x1b[0m", MAILAUTH_EINVAL},
    {"inject: DEL in reason", S_REASON, "a\x7f", MAILAUTH_EINVAL},
    {"inject: semicolon in ptype", S_PTYPE, "smtp;dkim=pass", MAILAUTH_EINVAL},
    {"inject: space in property", S_PROPERTY, "mail from", MAILAUTH_EINVAL},
    {"token: method starting with a digit", S_ADD_METHOD, "1spf", MAILAUTH_EINVAL},
    {"token: method with empty version", S_ADD_METHOD, "dkim/", MAILAUTH_EINVAL},
    {"token: method with bad version", S_ADD_METHOD, "dkim/x", MAILAUTH_EINVAL},
    {"token: empty method", S_ADD_METHOD, "", MAILAUTH_EINVAL},
    {"token: result with equals", S_ADD_RESULT, "pass=1", MAILAUTH_EINVAL},
    {"token: empty ptype", S_PTYPE, "", MAILAUTH_EINVAL},
    {"token: dotted property", S_PROPERTY, "mail.from", MAILAUTH_EINVAL},
    {"ok: method with hyphen and version", S_ADD_METHOD, "x-test/12", MAILAUTH_OK},
    {"ok: tab and quotes in reason", S_REASON, "a\tb \"c\"", MAILAUTH_OK},
    {"ok: empty value", S_VALUE, "", MAILAUTH_OK},
    {"ok: quoted authserv-id", S_NEW, "a b;c", MAILAUTH_OK},
};
/* ---- folding at 78 columns ------------------------------------------------------------------- */

struct fold_case {
    const char *name;
    const char *id;
    size_t      entries, props, vlen, reason_len;
    size_t      longest; /* longest line: exactly this, or at most 78 when 0 */
    size_t      lines;   /* expected number of lines, 0: don't care */
};

static const struct fold_case folds[] = {
    {"fold: element ends at column 78", "mx", 1, 1, 36, 0, 78, 1},
    {"fold: one column more folds", "mx", 1, 1, 37, 0, 42, 2},
    {"fold: many short properties", "mx.example.net", 1, 40, 8, 0, 0, 0},
    {"fold: many entries with reasons", "mx.example.net", 30, 2, 12, 20, 0, 0},
    {"fold: many entries with long values", "mx.example.net", 20, 3, 50, 0, 0, 0},
    {"fold: long authserv-id moves to its own line",
     "a-rather-long-authserv-id-that-does-not-fit-behind-the-field-name.example", 1, 0, 0, 0, 75,
     3},
    {"fold: element longer than a line stands alone", "mx", 2, 1, 8, 200, 210, 0},
};
/* ---- snprintf-like buffer semantics ------------------------------------------------------------
 */

struct nospc_case {
    const char         *name;
    int                 value_only;
    const struct model *m;
};

static const struct nospc_case nospc[] = {
    {"nospc: folded field", 0, &rt_cases[2].m},
    {"nospc: value only", 1, &rt_cases[2].m},
    {"nospc: none", 0, &rt_cases[0].m},
};
/* ---- out of memory on every allocation ---------------------------------------------------------
 */

enum oom_op { OOM_BUILD, OOM_PARSE };

struct oom_case {
    const char *name;
    enum oom_op op;
    const char *text;
};

static const struct oom_case ooms[] = {
    {"oom: build and format", OOM_BUILD, NULL},
    {"oom: parse comment-heavy", OOM_PARSE,
     "Authentication-Results: foo.example.net (foobar) 1 (baz); dkim (x) / 1 (y) = (z) fail"
     " (kept comment) policy (a) . (b) expired (c) = (d) 1362471462; spf=pass"},
    {"oom: parse many entries", OOM_PARSE,
     "mx; spf=pass smtp.mailfrom=a@b.example; dkim=pass reason=\"ok\" header.d=b.example "
     "header.s=s1 header.b=\"a/b\"; dmarc=pass header.from=b.example; arc=none; x=y a.b=c "
     "a.c=d a.d=e a.e=f a.f=g a.g=h"},
    {"oom: parse without authserv-id", OOM_PARSE, "spf=pass (c) smtp.mailfrom=\"q\\\"x\""},
};

#endif
