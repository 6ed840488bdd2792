/* SPF result getters, Received-SPF (RFC 7208 §9.1) and the
 * Authentication-Results entry (RFC 8601 §2.7.2, RFC 7208 §9.2). */
#include <string.h>

#include <mailauth/spf.h>

#include "spf/spf.h"
#include "spf/spf_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define FOLD_AT 78u       /* RFC 5322 §2.1.1: lines SHOULD be 78 characters or less */
#define PEND_MAX 80u      /* a word this long cannot fit a line anyway */
#define ENVELOPE_MAX 256u /* longest smtp.mailfrom / smtp.helo written into A-R */

const char *
mailauth_spf_identity_name(mailauth_spf_identity_t id)
{
    switch (id) {
    case MAILAUTH_SPF_MAILFROM:
        return "mailfrom";
    case MAILAUTH_SPF_HELO:
        return "helo";
    }
    return "unknown";
}

mailauth_verdict_t
mailauth_spf_result_verdict(const mailauth_spf_result_t *res)
{
    return res != NULL ? res->verdict : MAILAUTH_VERDICT_NONE;
}

mailauth_reason_t
mailauth_spf_result_reason(const mailauth_spf_result_t *res)
{
    return res != NULL ? res->reason : MAILAUTH_REASON_NONE;
}

const char *
mailauth_spf_result_domain(const mailauth_spf_result_t *res)
{
    return res != NULL ? res->domain : NULL;
}

const char *
mailauth_spf_result_sender(const mailauth_spf_result_t *res)
{
    return res != NULL ? res->sender : NULL;
}

const char *
mailauth_spf_result_explanation(const mailauth_spf_result_t *res)
{
    return res != NULL ? res->explanation : NULL;
}

const char *
mailauth_spf_result_mechanism(const mailauth_spf_result_t *res)
{
    return res != NULL ? res->mechanism : NULL;
}

const char *
mailauth_spf_result_problem(const mailauth_spf_result_t *res)
{
    return res != NULL ? res->problem : NULL;
}

unsigned
mailauth_spf_result_dns_terms(const mailauth_spf_result_t *res)
{
    return res != NULL ? res->dns_terms : 0;
}

/* ---- Output with folding ---- */

/* Streams text into the caller's buffer snprintf-style, folding at spaces:
 * a space is kept back until the next word's length decides whether it
 * becomes " " or CRLF SP (RFC 5322 §2.2.3: folding only before WSP). */
typedef struct out {
    char  *buf;
    size_t cap;
    size_t len;  /* bytes needed so far */
    size_t col;  /* column of the current line */
    bool   fold; /* fold at 78 (Received-SPF) or never (comment text) */
    bool   esc;  /* escape '(' ')' '\\' (we write the comment ourselves) */
    bool   sep;  /* a separating space is pending */
    bool   decided;
    char   pend[PEND_MAX];
    size_t npend;
} out_t;

static void
raw(out_t *o, const char *s, size_t n)
{
    /* what fits before the NUL; len counts the rest too (snprintf-style) */
    if (o->cap != 0 && o->len < o->cap - 1) {
        size_t fit = o->cap - 1 - o->len;
        memcpy(o->buf + o->len, s, n < fit ? n : fit);
    }
    o->len += n;
}

/* Decide how the current word is separated from the previous one. */
static void
decide(out_t *o, size_t wlen)
{
    if (o->sep) {
        if (o->fold && o->col > 1 && o->col + 1 + wlen > FOLD_AT) {
            raw(o, "\r\n ", 3);
            o->col = 1;
        } else {
            raw(o, " ", 1);
            o->col++;
        }
        o->sep = false;
    }
    raw(o, o->pend, o->npend);
    o->col += o->npend;
    o->npend = 0;
    o->decided = true;
}

static void
end_word(out_t *o)
{
    if (!o->decided && o->npend != 0)
        decide(o, o->npend);
    o->decided = false;
}

/* Unfolded output is the text as given, except that a space still pending
 * at the end is dropped, as the folding writer does: every space but a
 * final one goes out, so the text is copied as it comes and finish() takes
 * back one trailing space. */
static void
put_flat(out_t *o, const char *s, size_t n)
{
    if (n == 0)
        return;
    raw(o, s, n);
    o->sep = s[n - 1] == ' ';
}

static void
put(out_t *o, const char *s, size_t n)
{
    if (!o->fold) {
        put_flat(o, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            end_word(o);
            if (o->sep) { /* two spaces in a row: keep both, never fold on an empty word */
                raw(o, " ", 1);
                o->col++;
            }
            o->sep = true;
        } else if (o->decided) {
            raw(o, s + i, 1);
            o->col++;
        } else {
            o->pend[o->npend++] = s[i];
            if (o->npend == PEND_MAX || (o->fold && o->col + 1 + o->npend > FOLD_AT))
                decide(o, o->npend);
        }
    }
}

static void
puts_(out_t *o, const char *s)
{
    put(o, s, strlen(s));
}

static mailauth_status_t
finish(out_t *o, size_t *need)
{
    end_word(o);
    if (!o->fold && o->sep)
        o->len--; /* the trailing space of put_flat() */
    if (need != NULL)
        *need = o->len;
    if (o->cap == 0)
        return MAILAUTH_ENOSPC;
    o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
    return o->len < o->cap ? MAILAUTH_OK : MAILAUTH_ENOSPC;
}

/* Text with controls made harmless ('?'); '(' ')' '\' escaped if asked.
 * Runs of plain characters go to put() at once. */
static void
put_text(out_t *o, const char *s)
{
    while (s != NULL && *s != '\0') {
        size_t k = 0;
        while (s[k] != '\0' && (unsigned char)s[k] >= 0x20 && s[k] != 0x7f &&
               !(o->esc && (s[k] == '(' || s[k] == ')' || s[k] == '\\')))
            k++;
        if (k > 0) {
            put(o, s, k);
            s += k;
            continue;
        }
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            put(o, "?", 1);
        } else {
            put(o, "\\", 1);
            put(o, s, 1);
        }
        s++;
    }
}

static bool
is_atext(int c)
{
    /* RFC 5322 §3.2.3 */
    return mailauth__is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool
is_dot_atom(const char *s)
{
    size_t run = 0;
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s == '.') {
            if (run == 0)
                return false;
            run = 0;
        } else if (is_atext((unsigned char)*s)) {
            run++;
        } else {
            return false;
        }
    }
    return run > 0;
}

/* key=value; value as dot-atom or quoted-string (§9.1). */
static void
put_kv(out_t *o, const char *key, const char *value, bool last)
{
    if (value == NULL)
        return;
    puts_(o, key);
    put(o, "=", 1);
    if (is_dot_atom(value)) {
        puts_(o, value);
    } else {
        put(o, "\"", 1);
        for (const char *s = value; *s != '\0'; s++) {
            unsigned char c = (unsigned char)*s;
            if (c == '"' || c == '\\')
                put(o, "\\", 1);
            put(o, (c < 0x20 || c == 0x7f) ? "?" : s, 1);
        }
        put(o, "\"", 1);
    }
    put(o, last ? "" : "; ", last ? 0 : 2);
}

/* The client address in the %{c} form (§7.3), "" when there is none. */
static const char *
client_text(const mailauth_spf_result_t *r, char buf[static 48])
{
    if (r->client_ip != NULL)
        return r->client_ip;
    mailauth__ip_format(&r->client, buf, 48);
    return buf;
}

/* The human-readable explanation of a verdict, as in the §9.1 examples. */
static void
put_comment_text(out_t *o, const mailauth_spf_result_t *r)
{
    char        ipbuf[48];
    const char *who = r->sender != NULL ? r->sender : "";
    const char *ip = client_text(r, ipbuf);
    switch (r->verdict) {
    case MAILAUTH_VERDICT_PASS:
        puts_(o, "domain of ");
        put_text(o, who);
        puts_(o, " designates ");
        put_text(o, ip);
        puts_(o, " as permitted sender");
        return;
    case MAILAUTH_VERDICT_FAIL:
    case MAILAUTH_VERDICT_SOFTFAIL:
        puts_(o, r->verdict == MAILAUTH_VERDICT_FAIL ? "domain of " : "domain of transitioning ");
        put_text(o, who);
        puts_(o, " does not designate ");
        put_text(o, ip);
        puts_(o, " as permitted sender");
        return;
    case MAILAUTH_VERDICT_NEUTRAL:
        put_text(o, ip);
        puts_(o, " is neither permitted nor denied by domain of ");
        put_text(o, who);
        return;
    case MAILAUTH_VERDICT_TEMPERROR:
        puts_(o, "error in processing during lookup of ");
        break;
    case MAILAUTH_VERDICT_PERMERROR:
        puts_(o, "permanent error in processing domain of ");
        break;
    default:
        puts_(o, "domain of ");
        put_text(o, who);
        puts_(o, r->reason == MAILAUTH_REASON_SPF_BAD_DOMAIN
                     ? " is not a valid domain name"
                     : " does not designate permitted sender hosts");
        return;
    }
    put_text(o, who);
    if (r->problem != NULL) {
        puts_(o, ": ");
        put_text(o, r->problem);
    }
}

mailauth_status_t
mailauth_spf_result_format_received_spf(const mailauth_spf_result_t *res, char *buf, size_t cap,
                                        size_t *need)
{
    out_t o;
    bool  err;
    char  ipbuf[48];
    if (need != NULL)
        *need = 0;
    if (res == NULL || (buf == NULL && cap != 0))
        return MAILAUTH_EINVAL;
    memset(&o, 0, sizeof(o));
    o.buf = buf;
    o.cap = cap;
    o.fold = true;
    o.esc = true;
    err = res->verdict == MAILAUTH_VERDICT_TEMPERROR || res->verdict == MAILAUTH_VERDICT_PERMERROR;
    puts_(&o, "Received-SPF: ");
    puts_(&o, mailauth_verdict_name(res->verdict));
    puts_(&o, " (");
    if (res->receiver != NULL) {
        put_text(&o, res->receiver);
        puts_(&o, ": ");
    }
    put_comment_text(&o, res);
    puts_(&o, ") ");
    put_kv(&o, "client-ip", client_text(res, ipbuf), false);
    put_kv(&o, "envelope-from", res->sender, false);
    put_kv(&o, "helo", res->helo, false);
    put_kv(&o, "receiver", res->receiver, false);
    if (err && res->problem != NULL)
        put_kv(&o, "problem", res->problem, false);
    else if (!err && res->mechanism != NULL)
        put_kv(&o, "mechanism", res->mechanism, false);
    put_kv(&o, "identity", mailauth_spf_identity_name(res->identity), true);
    return finish(&o, need);
}

/* The comment text alone, unfolded, into an arena-free stack buffer or the heap. */
mailauth_status_t
mailauth__spf_add_authres(const mailauth_spf_result_t *res, mailauth_authres_t *ar)
{
    char                stack[512];
    char               *text = stack;
    out_t               o;
    size_t              need = 0;
    mailauth_resinfo_t *ri = NULL;
    const char         *value = NULL;
    mailauth_status_t   st;
    if (res == NULL || ar == NULL)
        return MAILAUTH_EINVAL;
    st = mailauth_authres_add(ar, "spf", mailauth_verdict_name(res->verdict), &ri);
    if (st != MAILAUTH_OK)
        return st;
    memset(&o, 0, sizeof(o));
    o.buf = text;
    o.cap = sizeof(stack);
    put_comment_text(&o, res);
    (void)finish(&o, &need);
    /* A comment that did not fit is cut: it is for humans. */
    st = mailauth_resinfo_set_comment(ri, text);
    if (st == MAILAUTH_ENOMEM)
        return st;
    /* RFC 7208 §9.2: smtp.mailfrom for the MAIL FROM identity, smtp.helo for HELO */
    if (res->identity == MAILAUTH_SPF_HELO)
        value = res->helo != NULL ? res->helo : res->domain;
    else
        value = res->sender != NULL ? res->sender : "";
    /* A property value is one token the formatter cannot fold: an envelope
     * longer than SMTP allows (RFC 5321 §4.5.3.1.2-3: 255-octet domain,
     * 256-octet path) would make a header line over RFC 5322's 998. The
     * mailfrom falls back to its domain, and what is still too long is left out. */
    if (strlen(value) > ENVELOPE_MAX && res->identity != MAILAUTH_SPF_HELO)
        value = res->domain != NULL ? res->domain : "";
    if (strlen(value) > ENVELOPE_MAX)
        return MAILAUTH_OK;
    st = mailauth_resinfo_add_prop(ri, "smtp",
                                   res->identity == MAILAUTH_SPF_HELO ? "helo" : "mailfrom", value);
    /* A value the model refuses (controls inside) is left out, not an error. */
    return st == MAILAUTH_ENOMEM ? st : MAILAUTH_OK;
}

mailauth_status_t
mailauth__spf_result_copy(mailauth__arena_t *a, const mailauth_spf_result_t *res,
                          const mailauth_spf_result_t **out)
{
    mailauth_spf_result_t *c = mailauth__arena_memdup(a, res, sizeof(*res));
    *out = c;
    return c != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
}
