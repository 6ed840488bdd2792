/* Fuzz target: RFC 6376 §3.2 tag=value lists (lib/util/tagval.c).
 *
 * The input is parsed with the arena parser (max_tags 64 and unbounded)
 * and the fixed-array one (32 slots). Invariants (abort() on violation):
 *  - an accepted list's names and values lie inside the input, in order; a
 *    name starts with a letter and holds letters, digits and '_'; a value
 *    has no FWS at either end and lies inside its value area, which starts
 *    just after '=' and ends at ';' or the end of input;
 *  - no two names are equal; refused lists have no tags and an error
 *    offset inside the input (or at its end);
 *  - the parsers agree (same error, offset, tags) when the tags fit;
 *  - list items and the FWS-free copy of each value stay inside it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/tagval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 16384

static void
check(int ok)
{
    if (!ok)
        abort();
}

static int
inside(const char *p, size_t n, const char *base, size_t len)
{
    return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

static void
check_tag(mailauth__arena_t *a, const mailauth__tag_t *t, const char *s, size_t n)
{
    const char *item;
    size_t      pos = 0, len = 0, items = 0;
    char       *nows;
    check(t->name_len > 0 && inside(t->name, t->name_len, s, n));
    check(mailauth__is_alpha((unsigned char)t->name[0]));
    for (size_t i = 0; i < t->name_len; i++)
        check(mailauth__is_alnum((unsigned char)t->name[i]) || t->name[i] == '_');
    check(t->value_off > 0 && s[t->value_off - 1] == '=');
    check(t->value_off + t->area_len <= n);
    check(t->value_off + t->area_len == n || s[t->value_off + t->area_len] == ';');
    check(inside(t->value, t->value_len, s + t->value_off, t->area_len));
    if (t->value_len > 0) {
        check(!mailauth__is_space((unsigned char)t->value[0]));
        check(!mailauth__is_space((unsigned char)t->value[t->value_len - 1]));
        check(memchr(t->value, ';', t->value_len) == NULL);
    }
    while (mailauth__tags_list_next(t, &pos, &item, &len)) {
        check(inside(item, len, t->value, t->value_len));
        check(++items <= t->value_len + 1);
    }
    nows = mailauth__tags_value_nows(a, t, &len);
    check(nows != NULL && len <= t->value_len && strlen(nows) <= len);
    for (size_t i = 0; i < len; i++)
        check(!mailauth__is_space((unsigned char)nows[i]));
}

static void
check_list(mailauth__arena_t *a, const mailauth__taglist_t *l, const char *s, size_t n)
{
    for (size_t i = 0; i < l->n; i++) {
        check_tag(a, &l->v[i], s, n);
        if (i > 0)
            check(l->v[i].name > l->v[i - 1].name);
        for (size_t j = 0; j < i; j++)
            check(l->v[j].name_len != l->v[i].name_len ||
                  memcmp(l->v[j].name, l->v[i].name, l->v[i].name_len) != 0);
        check(mailauth__tags_find(l, "") == NULL);
    }
}

static void
one(const char *s, size_t n, size_t max)
{
    mailauth__arena_t    a;
    mailauth__taglist_t  l, f;
    mailauth__tags_err_t e = MAILAUTH__TAGS_OK, fe;
    mailauth__tag_t      fixed[32];
    size_t               at = 0, fat = 0;
    mailauth__arena_init(&a, NULL);
    check(mailauth__tags_parse(&a, s, n, max, &l, &e, &at) == MAILAUTH_OK);
    check(at <= n);
    if (e == MAILAUTH__TAGS_OK) {
        check(l.n <= max);
        check_list(&a, &l, s, n);
    } else {
        check(l.n == 0 && e <= MAILAUTH__TAGS_TOO_MANY);
    }
    fe = mailauth__tags_parse_fixed(s, n, fixed, max < 32 ? max : 32, &f, &fat);
    if (max <= 32 || fe != MAILAUTH__TAGS_TOO_MANY) {
        /* Same room, or the fixed parser saw the whole list: same answer. */
        check(fe == e && fat == at && f.n == l.n);
        check(e != MAILAUTH__TAGS_OK || f.empty == l.empty);
        for (size_t i = 0; i < l.n; i++)
            check(memcmp(&f.v[i], &l.v[i], sizeof(l.v[i])) == 0);
    } else {
        check(e != MAILAUTH__TAGS_OK || l.n > 32);
    }
    mailauth__arena_clear(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_MAX)
        return 0;
    one((const char *)data, size, 64);
    one((const char *)data, size, SIZE_MAX);
    return 0;
}
