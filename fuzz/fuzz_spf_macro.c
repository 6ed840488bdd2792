/* Fuzz target: SPF macro checker and expander (lib/spf/spf_macro.c).
 *
 * Input: byte 0 chooses the kind (domain-spec, explain-string, plain) and
 * the output buffer size; byte 1 the length of a fuzzed local-part taken
 * from the end of the input; the rest is the macro-string. Invariants
 * (abort() on violation):
 *  - the expander accepts exactly what the checker accepts;
 *  - output is NUL-terminated, its length is reported, and it never exceeds
 *    the buffer (ASan sees any overflow: the buffer is heap-allocated to size);
 *  - a domain-spec expands to <= 253 octets (one trailing dot dropped);
 *  - expanding into a bigger buffer gives the same text, or a longer one
 *    that starts with the shorter (explanations are cut, never changed). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 4096

static void
check(int ok)
{
    if (!ok)
        abort();
}

static mailauth_status_t
expand(const mailauth__spf_macro_env_t *e, const char *s, size_t n, int kind, size_t cap,
       char **out, size_t *len)
{
    mailauth_status_t st;
    *out = malloc(cap);
    if (*out == NULL)
        return MAILAUTH_ENOMEM;
    st = mailauth__spf_macro_expand(e, s, n, kind, *out, cap, len);
    if (st == MAILAUTH_OK)
        check(*len < cap && (*out)[*len] == '\0' && strlen(*out) <= *len);
    return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int          kinds[3] = {MAILAUTH__SPF_MACRO_DOMAIN, MAILAUTH__SPF_MACRO_EXPLAIN,
                                          MAILAUTH__SPF_MACRO_PLAIN};
    mailauth__spf_macro_env_t e = {
        .s = {"strong-bad@email.example.com", 28},
        .l = {"strong-bad", 10},
        .o = {"email.example.com", 17},
        .d = {"email.example.com", 17},
        .i = {"2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1", 63},
        .p = {NULL, 0},
        .v = {"ip6", 3},
        .h = {"mx.example.org", 14},
        .c = {"2001:db8::cb01", 14},
        .r = {"receiver.example", 16},
        .t = 1400000000,
    };
    const char       *s;
    size_t            n, lp, small_cap, len1 = 0, len2 = 0;
    int               kind;
    unsigned          found = 0;
    char             *o1 = NULL, *o2 = NULL;
    mailauth_status_t st1, st2, chk;
    if (size < 2 || size > INPUT_MAX)
        return 0;
    kind = kinds[data[0] % 3];
    small_cap = kind == MAILAUTH__SPF_MACRO_DOMAIN ? 254 : 1 + (data[0] >> 2);
    s = (const char *)data + 2;
    n = size - 2;
    lp = data[1] <= n ? data[1] : n;
    if (lp > 0) { /* a hostile local-part: the tail of the input */
        e.l.p = s + n - lp;
        e.l.n = lp;
        n -= lp;
    }
    chk = mailauth__spf_macro_check(s, n, kind, &found, NULL);
    st1 = expand(&e, s, n, kind, small_cap, &o1, &len1);
    st2 = expand(&e, s, n, kind, 4096, &o2, &len2);
    if (st1 != MAILAUTH_ENOMEM && st2 != MAILAUTH_ENOMEM) {
        check(st1 == chk && st2 == chk);
        if (chk == MAILAUTH_OK && kind == MAILAUTH__SPF_MACRO_DOMAIN) {
            check(len1 <= 253);
            check(len1 == len2 && memcmp(o1, o2, len1) == 0);
        } else if (chk == MAILAUTH_OK) {
            check(len1 <= len2 && memcmp(o1, o2, len1) == 0);
        }
    }
    free(o1);
    free(o2);
    return 0;
}
