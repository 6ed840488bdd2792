/* Small helpers of the report reader: a string arena that is emptied per
 * record (so memory follows the largest record) and ASCII comparisons. */
#include <stdlib.h>
#include <string.h>

#include "read_internal.h"

struct mailauth_report__arena_chunk {
    mailauth_report__arena_chunk_t *next;
    size_t                          used, cap;
    char                            data[];
};

#define CHUNK_MIN 4096u

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

const char *
mailauth_report__arena_str(mailauth_report__arena_t *a, const char *p, size_t n, bool fold,
                           bool *oom)
{
    mailauth_report__arena_chunk_t *c = a->head;
    char                           *out;
    while (n > 0 && is_space(p[0])) {
        p++;
        n--;
    }
    while (n > 0 && is_space(p[n - 1]))
        n--;
    if (n == 0)
        return NULL;
    if (c == NULL || c->cap - c->used < n + 1) {
        size_t cap = n + 1 > CHUNK_MIN ? n + 1 : CHUNK_MIN;
        c = malloc(sizeof(*c) + cap);
        if (c == NULL) {
            *oom = true;
            return NULL;
        }
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    out = c->data + c->used;
    for (size_t i = 0; i < n; i++)
        out[i] = fold ? lower(p[i]) : p[i];
    out[n] = '\0';
    c->used += n + 1;
    return out;
}

void
mailauth_report__arena_reset(mailauth_report__arena_t *a)
{
    while (a->head != NULL) {
        mailauth_report__arena_chunk_t *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

bool
mailauth_report__ascii_ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}
