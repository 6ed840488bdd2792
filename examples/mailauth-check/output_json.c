/* mailauth-check: --json output (schema: docs/mailauth-check.1.md). Keys are
 * written in the documented order. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 §4), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;                 /* continuation byte, overlong lead, or > U+10FFFF */
    if (c == 0xE0)
        lo = 0xA0;                /* overlong */
    else if (c == 0xED)
        hi = 0x9F;                /* UTF-16 surrogates */
    else if (c == 0xF0)
        lo = 0x90;                /* overlong */
    else if (c == 0xF4)
        hi = 0x8F;                /* over U+10FFFF */
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;             /* also stops at the NUL terminator */
    return n;
}

static void
print_control(FILE *f, unsigned char c)
{
    switch (c) {
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default: fprintf(f, "\\u%04x", (unsigned)c); break;
    }
}

void
check_json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    putc('"', f);
    while (*p != '\0') {
        size_t n = utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", f); /* not UTF-8: RFC 8259 §8.1 requires UTF-8 text */
            p++;
        } else if (*p == '"' || *p == '\\') {
            putc('\\', f);
            putc(*p++, f);
        } else if (*p < 0x20 || *p == 0x7F) {
            print_control(f, *p++); /* RFC 8259 §7 */
        } else {
            fwrite(p, 1, n, f);
            p += n;
        }
    }
    putc('"', f);
}

static void
json_key(FILE *f, const char *key, bool first)
{
    fputs(first ? "" : ", ", f);
    check_json_string(f, key);
    fputs(": ", f);
}

/* {"result", "identity", "domain", "explanation", "reason"}; the identity
 * was not checked (no MAIL FROM, no HELO name or an address literal) when
 * res is NULL. */
static void
print_spf_identity(FILE *f, const mailauth_spf_result_t *res, mailauth_spf_identity_t id)
{
    mailauth_reason_t reason;
    if (res == NULL) {
        fputs("null", f);
        return;
    }
    reason = mailauth_spf_result_reason(res);
    putc('{', f);
    json_key(f, "result", true);
    check_json_string(f, mailauth_verdict_name(mailauth_spf_result_verdict(res)));
    json_key(f, "identity", false);
    check_json_string(f, mailauth_spf_identity_name(id));
    json_key(f, "domain", false);
    check_json_string(f, mailauth_spf_result_domain(res));
    json_key(f, "explanation", false);
    check_json_string(f, mailauth_spf_result_explanation(res));
    json_key(f, "reason", false);
    /* A mechanism or the default decided the result: nothing went wrong, so no reason (the
     * contract shows null for pass); none/temperror/permerror say why. */
    if (reason == MAILAUTH_REASON_SPF_MATCHED || reason == MAILAUTH_REASON_SPF_DEFAULT)
        reason = MAILAUTH_REASON_NONE;
    check_json_string(f, reason == MAILAUTH_REASON_NONE ? NULL : mailauth_reason_name(reason));
    putc('}', f);
}

static void
print_spf(FILE *f, const mailauth_eval_t *ev)
{
    print_spf_identity(f, mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM), MAILAUTH_SPF_MAILFROM);
}

static void
print_helo_spf(FILE *f, const mailauth_eval_t *ev)
{
    print_spf_identity(f, mailauth_eval_spf(ev, MAILAUTH_SPF_HELO), MAILAUTH_SPF_HELO);
}

/* {"result", "ip", "name", "reason"}: forward-confirmed reverse DNS. */
static void
print_iprev(FILE *f, const mailauth_eval_t *ev)
{
    const mailauth_iprev_result_t *res = mailauth_eval_iprev(ev);
    mailauth_reason_t              reason = mailauth_iprev_result_reason(res);
    putc('{', f);
    json_key(f, "result", true);
    check_json_string(f, mailauth_verdict_name(mailauth_iprev_result_verdict(res)));
    json_key(f, "ip", false);
    check_json_string(f, mailauth_iprev_result_ip(res));
    json_key(f, "name", false);
    check_json_string(f, mailauth_iprev_result_name(res));
    json_key(f, "reason", false);
    check_json_string(f, reason == MAILAUTH_REASON_NONE ? NULL : mailauth_reason_name(reason));
    putc('}', f);
}

/* The members of the object, one per method view, in the documented order.
 * A method that was not evaluated is null, never "none". */
static const struct json_member {
    const char *key;
    unsigned    method;
    void (*print)(FILE *f, const mailauth_eval_t *ev);
} members[] = {
    {"spf", MAILAUTH_METHOD_SPF, print_spf},
    {"helo_spf", MAILAUTH_METHOD_SPF, print_helo_spf},
    {"dkim", MAILAUTH_METHOD_DKIM, check_print_dkim},
    {"dmarc", MAILAUTH_METHOD_DMARC, check_print_dmarc},
    {"arc", MAILAUTH_METHOD_ARC, check_print_arc},
    {"iprev", MAILAUTH_METHOD_IPREV, print_iprev},
};

int
check_print_json(FILE *f, const mailauth_eval_t *ev, const mailauth_authres_t *ar)
{
    char    *line = check_authres_line(ar);
    unsigned evaluated = mailauth_eval_methods(ev);
    if (line == NULL) {
        fprintf(stderr, "%s: cannot format the Authentication-Results field\n", CHECK_PROG);
        return CHECK_EXIT_SOFTWARE;
    }
    fputs("{", f);
    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
        fprintf(f, "%s\n  \"%s\": ", i == 0 ? "" : ",", members[i].key);
        if ((evaluated & members[i].method) != 0)
            members[i].print(f, ev);
        else
            fputs("null", f);
    }
    fputs(",\n  \"authentication_results\": ", f);
    check_json_string(f, line);
    fputs("\n}\n", f);
    free(line);
    return CHECK_EXIT_OK;
}

int
check_print_json_line(FILE *f, const mailauth_eval_t *ev, const mailauth_authres_t *ar,
                      const char *file, size_t index)
{
    char  *buf = NULL;
    size_t len = 0;
    FILE  *mem = open_memstream(&buf, &len);
    int    rc;
    if (mem == NULL) {
        fprintf(stderr, "%s: out of memory\n", CHECK_PROG);
        return CHECK_EXIT_SOFTWARE;
    }
    rc = check_print_json(mem, ev, ar);
    if (fclose(mem) != 0 && rc == CHECK_EXIT_OK) {
        fprintf(stderr, "%s: out of memory\n", CHECK_PROG);
        rc = CHECK_EXIT_SOFTWARE;
    }
    if (rc == CHECK_EXIT_OK && len > 0 && buf[0] == '{') {
        fputs("{\"file\": ", f);
        check_json_string(f, file);
        fprintf(f, ", \"index\": %zu, ", index);
        /* The object as check_print_json() lays it out: a newline is only
         * ever followed by indentation (strings hold no raw newline). */
        for (size_t i = 1; i < len; i++) {
            if (buf[i] == '\n') {
                if (buf[i - 1] == ',')
                    putc(' ', f); /* ",\n  " becomes ", "; "{\n  " becomes "{" */
                while (i + 1 < len && buf[i + 1] == ' ')
                    i++;
                continue;
            }
            putc(buf[i], f);
        }
        putc('\n', f);
    }
    free(buf);
    return rc;
}
