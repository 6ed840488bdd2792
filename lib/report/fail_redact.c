/* libmailauth-report: RFC 6590 redaction of the local-parts of addresses
 * in the header fields a failure report includes. A local-part becomes
 * "redacted-" and 16 hex digits of SHA-256(secret, local-part): the same
 * address gives the same token in every report (a Domain Owner can still
 * count and correlate), and the token does not reveal the address to one
 * who does not know the secret (RFC 6590 §4). */
#include <string.h>

#include "fail_int.h"

/* Fields whose '@' is not a mailbox: message identifiers and signatures. */
static const char *const keep_fields[] = {
    "message-id", "in-reply-to",           "references",        "content-id", "dkim-signature",
    "arc-seal",   "arc-message-signature", "resent-message-id", NULL};

static bool
kept(const char *field, size_t len)
{
    const char *colon = memchr(field, ':', len);
    size_t      n;
    if (colon == NULL)
        return true;
    n = (size_t)(colon - field);
    while (n > 0 && (field[n - 1] == ' ' || field[n - 1] == '\t'))
        n--;
    for (const char *const *k = keep_fields; *k != NULL; k++) {
        char name[32];
        if (n != strlen(*k) || n >= sizeof(name))
            continue;
        for (size_t i = 0; i < n; i++)
            name[i] = (field[i] >= 'A' && field[i] <= 'Z') ? (char)(field[i] + 32) : field[i];
        name[n] = '\0';
        if (strcmp(name, *k) == 0)
            return true;
    }
    return false;
}

static bool
stops_local(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '<' || c == '>' || c == ',' ||
           c == ':' || c == ';' || c == '(' || c == ')' || c == '[' || c == ']' || c == '=';
}

/* Start of the local-part that ends at `at` (field[at] == '@'). */
static size_t
local_start(const char *s, size_t begin, size_t at)
{
    size_t i = at;
    if (i > begin && s[i - 1] == '"') { /* RFC 5322 quoted-string local-part */
        i--;
        while (i > begin && !(s[i - 1] == '"' && (i - 1 == begin || s[i - 2] != '\\')))
            i--;
        return i > begin ? i - 1 : at;
    }
    while (i > begin && !stops_local(s[i - 1]) && s[i - 1] != '"')
        i--;
    return i;
}

bool
mailauth_report__redact_token(const char *secret, const char *local, size_t len,
                              char out[MAILAUTH_REPORT__REDACT_LEN + 1])
{
    mailauth_report__sha256_t s;
    uint8_t                   d[32];
    (void)mailauth_report__sha256_init(&s); /* a failure shows in done */
    if (secret != NULL)
        mailauth_report__sha256_add(&s, secret, strlen(secret));
    mailauth_report__sha256_add(&s, "\n", 1);
    mailauth_report__sha256_add(&s, local, len);
    if (!mailauth_report__sha256_done(&s, d))
        return false;
    memcpy(out, "redacted-", 9);
    mailauth_report__hex(d, 16, out + 9);
    return true;
}

void
mailauth_report__redact_field(mailauth_report__buf_t *b, const char *field, size_t len,
                              const char *secret)
{
    size_t      done = 0;
    const char *colon = memchr(field, ':', len);
    size_t      from = colon != NULL ? (size_t)(colon - field) + 1 : len;
    if (kept(field, len)) {
        mailauth_report__buf_add(b, field, len);
        return;
    }
    for (size_t i = from; i < len; i++) {
        size_t start;
        char   tok[MAILAUTH_REPORT__REDACT_LEN + 1];
        if (field[i] != '@')
            continue;
        start = local_start(field, from > done ? from : done, i);
        if (start == i)
            continue;
        mailauth_report__buf_add(b, field + done, start - done);
        if (!mailauth_report__redact_token(secret, field + start, i - start, tok)) {
            b->failed = true; /* the field must not go out unredacted */
            return;
        }
        mailauth_report__buf_str(b, tok);
        done = i;
    }
    mailauth_report__buf_add(b, field + done, len - done);
}
