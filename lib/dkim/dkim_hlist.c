/* The h= list of a signature being made (dkim/dkim_sign.h), for the DKIM
 * signer and the ARC sealer's ARC-Message-Signature: a caller's list or
 * a default one, which names the signer keeps fields of, which of those
 * names had a field refused by a limit, and the entries the signature
 * finally lists (RFC 6376 §5.4, §5.4.2). */
#include "dkim/dkim_sign.h"

#include <string.h>

#include "util/str.h"

/* A caller's list may name at most this many fields (oversigning
 * included); a longer one is refused as invalid. */
#define HLIST_MAX_NAMES 1024u

const char *const mailauth__hlist_defaults[MAILAUTH__HLIST_AMS_N] = {
    /* From first: it is oversigned (RFC 6376 §5.4.2, §8.15); then what
     * §5.4.1 recommends; the AMS adds DKIM-Signature (RFC 8617 §4.1.2). */
    "from",           "to",           "cc",           "subject",
    "date",           "message-id",   "reply-to",     "in-reply-to",
    "references",     "mime-version", "content-type", "content-transfer-encoding",
    "dkim-signature",
};

/* The set of distinct names and their refusal marks, in `a`. */
static mailauth_status_t
index_names(mailauth__hlist_t *hl, mailauth__arena_t *a, const char *const *names, size_t n)
{
    mailauth_status_t st = mailauth__name_set_init(&hl->set, a, n);
    if (st != MAILAUTH_OK)
        return st;
    for (size_t j = 0; j < n; j++)
        (void)mailauth__name_set_add(&hl->set, names[j], strlen(names[j]));
    hl->refused = mailauth__arena_calloc(a, hl->set.n + 1, sizeof(*hl->refused));
    return hl->refused != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
}

mailauth_status_t
mailauth__hlist_init(mailauth__hlist_t *hl, const mailauth_allocator_t *al,
                     const char *const *defaults, size_t n)
{
    memset(hl, 0, sizeof(*hl));
    mailauth__arena_init(&hl->arena, al);
    hl->names = defaults;
    hl->n = n;
    return index_names(hl, &hl->arena, defaults, n);
}

void
mailauth__hlist_clear(mailauth__hlist_t *hl)
{
    if (hl != NULL)
        mailauth__arena_clear(&hl->arena);
}

/* A character of a field name in h=: RFC 5322 §3.6.8 ftext, without ';'
 * which would end the tag (RFC 6376 §3.2). */
static bool
is_name_char(int c)
{
    return c >= 0x21 && c <= 0x7e && c != ':' && c != ';';
}

/* RFC 8617 §4.1.2: ARC fields MUST NOT be signed by the AMS, and
 * Authentication-Results SHOULD NOT (downstream ADMDs delete them). */
static bool
not_for_ams(const char *p, size_t n)
{
    return (n >= 4 && mailauth__eq_ci_n(p, "arc-", 4)) ||
           mailauth__mem_eq_ci(p, n, "authentication-results");
}

/* One entry of a caller's list, blanks around it dropped, copied to `a`. */
static mailauth_status_t
parse_name(mailauth__arena_t *a, const char *p, size_t len, unsigned flags, const char **out)
{
    char *copy = NULL;
    mailauth__trim(&p, &len);
    if (len == 0)
        return MAILAUTH_EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (!is_name_char((unsigned char)p[i]))
            return MAILAUTH_EINVAL;
    }
    if ((flags & MAILAUTH__HLIST_AMS) && not_for_ams(p, len))
        return MAILAUTH_EINVAL;
    copy = mailauth__arena_strndup(a, p, len);
    if (copy == NULL)
        return MAILAUTH_ENOMEM;
    if (flags & MAILAUTH__HLIST_AMS)
        mailauth__lower_inplace(copy, len);
    *out = copy;
    return MAILAUTH_OK;
}

static mailauth_status_t
parse_list(mailauth__hlist_t *hl, mailauth__arena_t *a, const char *list, unsigned flags)
{
    const char      **names = NULL;
    const char       *p = list;
    size_t            n = 1;
    bool              from = false;
    mailauth_status_t st = MAILAUTH_OK;
    for (const char *q = list; *q != '\0'; q++)
        n += *q == ':';
    if (n > HLIST_MAX_NAMES)
        return MAILAUTH_EINVAL;
    names = mailauth__arena_calloc(a, n, sizeof(*names));
    if (names == NULL)
        return MAILAUTH_ENOMEM;
    for (size_t j = 0; j < n && st == MAILAUTH_OK; j++) {
        const char *colon = strchr(p, ':');
        size_t      len = colon != NULL ? (size_t)(colon - p) : strlen(p);
        st = parse_name(a, p, len, flags, &names[j]);
        from = from || (st == MAILAUTH_OK && mailauth__eq_ci(names[j], "from"));
        p += len + (colon != NULL ? 1 : 0);
    }
    if (st == MAILAUTH_OK && !from)
        st = MAILAUTH_EINVAL; /* RFC 6376 §5.4: From MUST be signed */
    if (st == MAILAUTH_OK)
        st = index_names(hl, a, names, n);
    hl->names = names;
    hl->n = n;
    hl->given = true;
    return st;
}

mailauth_status_t
mailauth__hlist_set(mailauth__hlist_t *hl, const char *list, unsigned flags)
{
    mailauth__hlist_t next;
    mailauth_status_t st = MAILAUTH_OK;
    memset(&next, 0, sizeof(next));
    mailauth__arena_init(&next.arena, hl->arena.al);
    st = parse_list(&next, &next.arena, list, flags);
    if (st != MAILAUTH_OK) { /* the list in use stays */
        mailauth__arena_clear(&next.arena);
        return st;
    }
    mailauth__arena_clear(&hl->arena);
    *hl = next;
    return MAILAUTH_OK;
}

bool
mailauth__hlist_has(const mailauth__hlist_t *hl, const char *name, size_t len)
{
    return mailauth__name_set_find(&hl->set, name, len) != MAILAUTH__NAME_NONE;
}

void
mailauth__hlist_refuse(mailauth__hlist_t *hl, const char *name, size_t len, bool whole)
{
    if (whole) {
        size_t id = mailauth__name_set_find(&hl->set, name, len);
        if (id != MAILAUTH__NAME_NONE)
            hl->refused[id] = true;
        return;
    }
    /* Only the beginning of a long name is known: every listed name that
     * may be it is refused (rare: the name alone is over the limit). */
    for (size_t id = 0; id < hl->set.n; id++) {
        if (hl->set.len[id] >= len && mailauth__eq_ci_n(hl->set.name[id], name, len))
            hl->refused[id] = true;
    }
}

bool
mailauth__hlist_refused(const mailauth__hlist_t *hl, const char *name)
{
    size_t id = mailauth__name_set_find(&hl->set, name, strlen(name));
    return id != MAILAUTH__NAME_NONE && hl->refused[id];
}

mailauth_status_t
mailauth__hlist_make(const mailauth__hlist_t *hl, mailauth__arena_t *a,
                     const mailauth__hdr_pick_t *p, const char ***items, size_t *n)
{
    size_t total = 0, k = 0;
    *items = NULL;
    *n = 0;
    /* Given: as many entries at most; default: every field kept once, and From once more. */
    for (size_t j = 0; j < hl->n; j++)
        total += hl->given ? 1 : mailauth__hdr_pick_count(p, hl->names[j], strlen(hl->names[j]));
    *items = mailauth__arena_calloc(a, total + 1, sizeof(**items));
    if (*items == NULL)
        return MAILAUTH_ENOMEM;
    for (size_t j = 0; j < hl->n; j++) {
        const char *name = hl->names[j];
        size_t      reps = 1;
        if (mailauth__hlist_refused(hl, name))
            continue;   /* no instance of it, so a verifier never picks the refused one */
        if (!hl->given) /* RFC 6376 §5.4.2: From oversigned, the others as often as present */
            reps = mailauth__hdr_pick_count(p, name, strlen(name)) + (j == 0 ? 1 : 0);
        for (size_t r = 0; r < reps; r++)
            (*items)[k++] = name;
    }
    *n = k;
    return MAILAUTH_OK;
}
