/* ARC sets by instance and the structural checks of RFC 8617 §5.2 steps
 * 1-3 (see arc/arc.h). Only the instance (i=), cv= and d= of each field
 * are read here; the full signature checks are arc_verify.c's. */
#include "arc/arc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dkim/dkim.h"
#include "util/str.h"
#include "util/tagval.h"

enum {
    PEEK_TAGS = 64,      /* as many tags as the signature parser takes */
    INSTANCE_CAP = 1025, /* i= values above 1024 read as this: past any limit */
};

typedef enum kind { K_AAR = 0, K_AMS, K_AS, K_NONE } kind_t;

static const char *const kind_name[] = {"ARC-Authentication-Results", "ARC-Message-Signature",
                                        "ARC-Seal"};

/* One ARC field as first read. */
typedef struct seen {
    const mailauth__hdr_t *f;
    kind_t                 kind;
    uint32_t               inst; /* 0: unreadable */
    int8_t                 cv;
    bool                   c; /* AMS: c= present */
    const char            *d;
} seen_t;

static kind_t
kind_of(const mailauth__hdr_t *f)
{
    for (int k = K_AAR; k < K_NONE; k++) {
        if (f->name_len == strlen(kind_name[k]) &&
            mailauth__eq_ci_n(f->raw, kind_name[k], f->name_len))
            return (kind_t)k;
    }
    return K_NONE;
}

/* 1*DIGIT, saturating at INSTANCE_CAP; 0 when not digits. */
static uint32_t
read_instance(const char *s, size_t n)
{
    uint32_t v = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!mailauth__is_digit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (uint32_t)(s[i] - '0');
        if (v >= INSTANCE_CAP)
            v = INSTANCE_CAP;
    }
    return v;
}

/* ---------------------------------------------------------------- AAR */

uint32_t
mailauth__arc_aar_instance(const char *value, size_t len)
{
    size_t   i = 0, start = 0;
    uint32_t inst = 0;
    /* RFC 8617 §4.1.1: arc-info = instance [CFWS] ";" authres-payload,
     * instance = [CFWS] %s"i" [CFWS] "=" [CFWS] i-value. */
    i = mailauth__skip_cfws(value, len, 0);
    if (i >= len || value[i] != 'i')
        return 0;
    i = mailauth__skip_cfws(value, len, i + 1);
    if (i >= len || value[i] != '=')
        return 0;
    i = mailauth__skip_cfws(value, len, i + 1);
    start = i;
    while (i < len && mailauth__is_digit((unsigned char)value[i]))
        i++;
    inst = read_instance(value + start, i - start);
    i = mailauth__skip_cfws(value, len, i);
    return i < len && value[i] == ';' ? inst : 0;
}

/* ---------------------------------------------------------------- AMS, AS */

static int8_t
cv_of(const mailauth__tag_t *t)
{
    if (t == NULL)
        return -1;
    if (mailauth__mem_eq_ci(t->value, t->value_len, "none"))
        return MAILAUTH__CV_NONE;
    if (mailauth__mem_eq_ci(t->value, t->value_len, "pass"))
        return MAILAUTH__CV_PASS;
    if (mailauth__mem_eq_ci(t->value, t->value_len, "fail"))
        return MAILAUTH__CV_FAIL;
    return -1;
}

/* i=, cv= and d= of a signature field whose tag list is readable; the rest
 * of its syntax is left to the signature parser. */
static mailauth_status_t
peek_sig(mailauth__arena_t *a, seen_t *s)
{
    mailauth__tag_t        tags[PEEK_TAGS];
    mailauth__taglist_t    l;
    const mailauth__tag_t *t = NULL;
    if (mailauth__tags_parse_fixed(s->f->value, s->f->value_len, tags, PEEK_TAGS, &l, NULL) !=
        MAILAUTH__TAGS_OK)
        return MAILAUTH_OK;
    t = mailauth__tags_find(&l, "i");
    if (t != NULL)
        s->inst = read_instance(t->value, t->value_len);
    s->c = mailauth__tags_find(&l, "c") != NULL;
    if (s->kind != K_AS)
        return MAILAUTH_OK;
    s->cv = cv_of(mailauth__tags_find(&l, "cv"));
    t = mailauth__tags_find(&l, "d");
    if (t != NULL && t->value_len > 0) {
        char *d = mailauth__arena_strndup(a, t->value, t->value_len);
        if (d == NULL)
            return MAILAUTH_ENOMEM;
        mailauth__lower_inplace(d, t->value_len);
        s->d = d;
    }
    return MAILAUTH_OK;
}

/* ---------------------------------------------------------------- checks */

static mailauth_status_t fail(mailauth__arena_t *a, mailauth__arc_chain_t *c,
                              mailauth_reason_t reason, uint32_t inst, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static mailauth_status_t
fail(mailauth__arena_t *a, mailauth__arc_chain_t *c, mailauth_reason_t reason, uint32_t inst,
     const char *fmt, ...)
{
    char    buf[128];
    va_list ap;
    c->verdict = MAILAUTH_VERDICT_FAIL;
    c->reason = reason;
    c->failed = inst;
    va_start(ap, fmt);
    (void)vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    c->problem = mailauth__arena_strdup(a, buf);
    return c->problem != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
}

static void
count(uint8_t *n)
{
    if (*n < UINT8_MAX)
        (*n)++;
}

static void
place(mailauth__arc_chain_t *c, const seen_t *s)
{
    mailauth__arc_set_t *set = &c->sets[s->inst - 1];
    if (s->kind == K_AAR) {
        if (set->naar == 0)
            set->aar = s->f;
        count(&set->naar);
    } else if (s->kind == K_AMS) {
        if (set->nams == 0) {
            set->ams = s->f;
            set->ams_c = s->c;
        }
        count(&set->nams);
    } else {
        if (set->nas == 0) {
            set->as = s->f;
            set->cv = s->cv;
            set->sealer = s->d;
        }
        count(&set->nas);
    }
}

/* §5.2 step 3.1 and 3.2: each instance 1..N has exactly one field of each kind. */
static mailauth_status_t
check_sets(mailauth__arena_t *a, mailauth__arc_chain_t *c)
{
    for (uint32_t i = 1; i <= c->n; i++) {
        const mailauth__arc_set_t *set = &c->sets[i - 1];
        const uint8_t              counts[3] = {set->naar, set->nams, set->nas};
        for (int k = K_AAR; k < K_NONE; k++) {
            if (counts[k] == 0)
                return fail(a, c, MAILAUTH_REASON_ARC_STRUCTURE, i, "no %s for instance %u",
                            kind_name[k], (unsigned)i);
            if (counts[k] > 1)
                return fail(a, c, MAILAUTH_REASON_ARC_STRUCTURE, i, "several %s for instance %u",
                            kind_name[k], (unsigned)i);
        }
    }
    return MAILAUTH_OK;
}

/* §5.2 step 3.3: cv of AS(1) is none, of the later ones pass; never fail. */
static mailauth_status_t
check_cv(mailauth__arena_t *a, mailauth__arc_chain_t *c)
{
    for (uint32_t i = 1; i <= c->n; i++) {
        int8_t cv = c->sets[i - 1].cv;
        if (cv < 0)
            return fail(a, c, MAILAUTH_REASON_ARC_SYNTAX, i,
                        "ARC-Seal i=%u: cv= missing or unknown", (unsigned)i);
        if (cv == MAILAUTH__CV_FAIL)
            return fail(a, c, MAILAUTH_REASON_ARC_CV, i, "ARC-Seal i=%u has cv=fail", (unsigned)i);
        if (i == 1 && cv != MAILAUTH__CV_NONE)
            return fail(a, c, MAILAUTH_REASON_ARC_CV, i, "ARC-Seal i=%u must have cv=none",
                        (unsigned)i);
        if (i > 1 && cv != MAILAUTH__CV_PASS)
            return fail(a, c, MAILAUTH_REASON_ARC_CV, i, "ARC-Seal i=%u must have cv=pass",
                        (unsigned)i);
    }
    return MAILAUTH_OK;
}

/* Every ARC field with its kind and instance; *nseen of them. */
static mailauth_status_t
gather(mailauth__arena_t *a, const mailauth__hdr_index_t *hdrs, seen_t **out, size_t *nseen)
{
    size_t  n = mailauth__hdr_index_count(hdrs), k = 0;
    seen_t *seen = NULL;
    *out = NULL;
    *nseen = 0;
    for (size_t i = 0; i < n; i++)
        k += kind_of(mailauth__hdr_index_get(hdrs, i)) != K_NONE;
    if (k == 0)
        return MAILAUTH_OK;
    seen = mailauth__arena_calloc(a, k, sizeof(*seen));
    if (seen == NULL)
        return MAILAUTH_ENOMEM;
    k = 0;
    for (size_t i = 0; i < n; i++) {
        const mailauth__hdr_t *f = mailauth__hdr_index_get(hdrs, i);
        kind_t                 kind = kind_of(f);
        seen_t                *s = NULL;
        mailauth_status_t      st = MAILAUTH_OK;
        if (kind == K_NONE)
            continue;
        s = &seen[k];
        s->kind = kind;
        s->f = f;
        s->cv = -1;
        if (s->kind == K_AAR)
            s->inst = mailauth__arc_aar_instance(f->value, f->value_len);
        else if ((st = peek_sig(a, s)) != MAILAUTH_OK)
            return st;
        k++;
    }
    *out = seen;
    *nseen = k;
    return MAILAUTH_OK;
}

/* Step 1 bounds and readable instances; fills c->n. */
static mailauth_status_t
check_instances(mailauth__arena_t *a, mailauth__arc_chain_t *c, const seen_t *seen, size_t n,
                uint32_t max)
{
    for (size_t i = 0; i < n; i++) {
        if (seen[i].inst > c->n)
            c->n = seen[i].inst;
    }
    /* §5.2 step 1: more than the maximum number of sets is a failed chain. */
    if (c->n > max)
        return fail(a, c, MAILAUTH_REASON_ARC_TOO_MANY, 0, "ARC chain of more than %u sets",
                    (unsigned)max);
    /* §4.2.1: every ARC field carries its instance; one that does not
     * cannot be placed in a set. */
    for (size_t i = 0; i < n; i++) {
        if (seen[i].inst == 0)
            return fail(a, c, MAILAUTH_REASON_ARC_SYNTAX, 0, "%s without a readable instance",
                        kind_name[seen[i].kind]);
    }
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__arc_collect(mailauth__arena_t *a, const mailauth__hdr_index_t *hdrs,
                      uint32_t max_instances, mailauth__arc_chain_t *out)
{
    seen_t           *seen = NULL;
    size_t            nseen = 0;
    mailauth_status_t st = MAILAUTH_OK;
    memset(out, 0, sizeof(*out));
    st = gather(a, hdrs, &seen, &nseen);
    if (st != MAILAUTH_OK)
        return st;
    out->fields = nseen;
    /* A set field refused by a header limit: the chain cannot be validated
     * (§5.2 gives no verdict but pass, fail and none; it did not pass). */
    if (mailauth__hdr_index_may_be_refused(hdrs, "ARC-Seal") ||
        mailauth__hdr_index_may_be_refused(hdrs, "ARC-Message-Signature") ||
        mailauth__hdr_index_may_be_refused(hdrs, "ARC-Authentication-Results"))
        return fail(a, out, MAILAUTH_REASON_LIMIT_FIELD, 0,
                    "an ARC header field was refused by a limit%s", "");
    if (nseen == 0) { /* §5.2 step 1: no ARC sets, the status is none */
        out->verdict = MAILAUTH_VERDICT_NONE;
        out->reason = MAILAUTH_REASON_ARC_NO_SETS;
        return MAILAUTH_OK;
    }
    out->verdict = MAILAUTH_VERDICT_PASS;
    st = check_instances(a, out, seen, nseen, max_instances);
    if (st != MAILAUTH_OK || out->verdict == MAILAUTH_VERDICT_FAIL)
        return st;
    out->sets = mailauth__arena_calloc(a, out->n, sizeof(*out->sets));
    if (out->sets == NULL)
        return MAILAUTH_ENOMEM;
    for (uint32_t i = 0; i < out->n; i++)
        out->sets[i].cv = -1;
    for (size_t i = 0; i < nseen; i++)
        place(out, &seen[i]);
    /* §5.2 step 2: the newest seal says the chain already failed. */
    if (out->sets[out->n - 1].nas == 1 && out->sets[out->n - 1].cv == MAILAUTH__CV_FAIL) {
        out->newest_cv_fail = true;
        return fail(a, out, MAILAUTH_REASON_ARC_CV, out->n, "newest ARC-Seal (i=%u) has cv=fail",
                    (unsigned)out->n);
    }
    st = check_sets(a, out);
    if (st == MAILAUTH_OK && out->verdict != MAILAUTH_VERDICT_FAIL)
        st = check_cv(a, out);
    return st;
}
