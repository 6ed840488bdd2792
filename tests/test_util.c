/* util: allocator helpers, arena, cursor, string builder, copy_out, ASCII, base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fail_alloc.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/str.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- size arithmetic ------------------------------------------------- */

struct size_case {
    const char *name;
    int         op; /* '*' or '+' */
    size_t      a, b;
    bool        ok;
    size_t      want;
};
static const struct size_case size_cases[] = {
    {"size_mul: small", '*', 6, 7, true, 42},
    {"size_mul: zero times max", '*', 0, SIZE_MAX, true, 0},
    {"size_mul: max times one", '*', SIZE_MAX, 1, true, SIZE_MAX},
    {"size_mul: overflow", '*', SIZE_MAX / 2 + 1, 2, false, 0},
    {"size_mul: just fits", '*', SIZE_MAX / 3, 3, true, SIZE_MAX / 3 * 3},
    {"size_add: small", '+', 1, 2, true, 3},
    {"size_add: to max", '+', SIZE_MAX - 1, 1, true, SIZE_MAX},
    {"size_add: overflow", '+', SIZE_MAX, 1, false, 0},
};

static void
test_util_size_arith(void **state)
{
    const struct size_case *c = *state;
    size_t                  out = 12345;
    bool                    ok =
        c->op == '*' ? mailauth__size_mul(c->a, c->b, &out) : mailauth__size_add(c->a, c->b, &out);
    assert_int_equal(ok, c->ok);
    if (ok)
        assert_true(out == c->want);
}

static void
test_util_alloc_overflow(void **state)
{
    fail_alloc_t fa;
    (void)state;
    fail_alloc_init(&fa, 0);
    assert_null(mailauth__calloc(&fa.al, SIZE_MAX / 2, 3));
    assert_null(mailauth__strndup(&fa.al, "x", SIZE_MAX));
    assert_int_equal(fa.attempts, 0); /* refused before asking the allocator */
    char *s = mailauth__strndup(&fa.al, "abcdef", 3);
    assert_string_equal(s, "abc");
    char *z = mailauth__calloc(&fa.al, 4, 4);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(z[i], 0);
    mailauth__free(&fa.al, s);
    mailauth__free(&fa.al, z);
    mailauth__free(&fa.al, NULL);
    assert_int_equal(fa.live, 0);
    s = mailauth__strdup(NULL, "default allocator");
    assert_string_equal(s, "default allocator");
    mailauth__free(&mailauth__default_allocator, s);
}

/* ---- arena ----------------------------------------------------------- */

static void
test_util_arena_alignment(void **state)
{
    mailauth__arena_t a;
    (void)state;
    mailauth__arena_init(&a, NULL);
    for (size_t n = 0; n < 300; n++) {
        unsigned char *p = mailauth__arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xa5, n); /* ASan checks every byte is ours */
    }
    mailauth__arena_clear(&a);
    assert_int_equal(a.used, 0);
    assert_null(a.head);
}

static void
test_util_arena_big(void **state)
{
    fail_alloc_t      fa;
    mailauth__arena_t a;
    (void)state;
    fail_alloc_init(&fa, 0);
    mailauth__arena_init(&a, &fa.al);
    char *small = mailauth__arena_strdup(&a, "small");
    assert_int_equal(fa.attempts, 1);
    /* A 1 MiB request gets its own chunk ... */
    unsigned char *big = mailauth__arena_alloc(&a, 1u << 20);
    assert_non_null(big);
    memset(big, 1, 1u << 20);
    assert_int_equal(fa.attempts, 2);
    /* ... and the first chunk keeps serving small requests. */
    char *again = mailauth__arena_strdup(&a, "again");
    assert_int_equal(fa.attempts, 2);
    assert_string_equal(small, "small");
    assert_string_equal(again, "again");
    /* Many small allocations: chunks grow, so few allocator calls. */
    for (int i = 0; i < 20000; i++)
        assert_non_null(mailauth__arena_alloc(&a, 24));
    assert_true(fa.attempts < 20);
    assert_null(mailauth__arena_alloc(&a, SIZE_MAX));
    assert_null(mailauth__arena_alloc(&a, SIZE_MAX - 15));
    assert_null(mailauth__arena_calloc(&a, SIZE_MAX / 4, 8));
    mailauth__arena_clear(&a);
    assert_int_equal(fa.live, 0);
    /* reusable after clear */
    assert_non_null(mailauth__arena_alloc(&a, 10));
    mailauth__arena_clear(&a);
    assert_int_equal(fa.live, 0);
}

static void
test_util_arena_limit(void **state)
{
    mailauth__arena_t a;
    (void)state;
    mailauth__arena_init(&a, NULL);
    a.limit = 64;
    assert_non_null(mailauth__arena_alloc(&a, 32));
    assert_non_null(mailauth__arena_alloc(&a, 17)); /* rounds to 32: 64 used */
    assert_int_equal(a.used, 64);
    assert_null(mailauth__arena_alloc(&a, 1));
    assert_null(mailauth__arena_alloc(&a, 0));
    assert_null(mailauth__arena_alloc(&a, SIZE_MAX));
    assert_int_equal(a.used, 64);
    mailauth__arena_clear(&a);
    assert_int_equal(a.limit, 64); /* the limit survives a clear */
    assert_null(mailauth__arena_alloc(&a, 65));
    assert_non_null(mailauth__arena_alloc(&a, 64));
    mailauth__arena_clear(&a);
}

static void
test_util_arena_copies(void **state)
{
    mailauth__arena_t a;
    (void)state;
    mailauth__arena_init(&a, NULL);
    char *s = mailauth__arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(mailauth__arena_strdup(&a, ""), "");
    assert_null(mailauth__arena_strdup(&a, NULL));
    assert_null(mailauth__arena_strndup(&a, NULL, 3));
    const uint8_t bytes[] = {0, 1, 2, 0, 255};
    uint8_t      *m = mailauth__arena_memdup(&a, bytes, sizeof(bytes));
    assert_memory_equal(m, bytes, sizeof(bytes));
    assert_non_null(mailauth__arena_memdup(&a, NULL, 0));
    uint32_t *z = mailauth__arena_calloc(&a, 100, sizeof(uint32_t));
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    mailauth__arena_clear(&a);
}

/* Build an arena of mixed sizes; NULL at the first failure. */
static bool
arena_workload(mailauth__arena_t *a)
{
    for (size_t i = 0; i < 400; i++) {
        size_t n = (i % 50 == 7) ? 9000 + i : i * 3;
        char  *p = mailauth__arena_alloc(a, n);
        if (p == NULL)
            return false;
        memset(p, (int)i, n);
    }
    return true;
}

static void
test_util_arena_oom_walk(void **state)
{
    (void)state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t      fa;
        mailauth__arena_t a;
        fail_alloc_init(&fa, n);
        mailauth__arena_init(&a, &fa.al);
        bool ok = arena_workload(&a);
        mailauth__arena_clear(&a);
        assert_int_equal(fa.live, 0);
        assert_int_equal(fa.live_bytes, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_true(ok);
            break;
        }
        assert_false(ok);
        assert_true(n < 1000);
    }
}

/* ---- string builder -------------------------------------------------- */

static void
test_util_sb_basic(void **state)
{
    mailauth__sb_t sb;
    (void)state;
    mailauth__sb_init(&sb, NULL, 0);
    assert_string_equal(mailauth__sb_str(&sb), "");
    assert_int_equal(mailauth__sb_puts(&sb, "abc"), MAILAUTH_OK);
    assert_int_equal(mailauth__sb_putc(&sb, '-'), MAILAUTH_OK);
    assert_int_equal(mailauth__sb_put(&sb, "xyz", 2), MAILAUTH_OK);
    assert_int_equal(mailauth__sb_put(&sb, NULL, 0), MAILAUTH_OK);
    assert_int_equal(mailauth__sb_printf(&sb, "[%d:%s]", 42, "q"), MAILAUTH_OK);
    assert_string_equal(mailauth__sb_str(&sb), "abc-xy[42:q]");
    assert_int_equal(sb.len, 12);
    /* Longer than the current capacity: the second vsnprintf path. */
    assert_int_equal(mailauth__sb_printf(&sb, "%300s|", "r"), MAILAUTH_OK);
    assert_int_equal(sb.len, 313);
    assert_string_equal(mailauth__sb_str(&sb) + 311, "r|");
    mailauth__sb_reset(&sb);
    assert_string_equal(mailauth__sb_str(&sb), "");
    assert_int_equal(mailauth__sb_puts(&sb, "again"), MAILAUTH_OK);
    assert_string_equal(mailauth__sb_str(&sb), "again");
    mailauth__sb_clear(&sb);
    assert_string_equal(mailauth__sb_str(&sb), "");
    mailauth__sb_clear(&sb); /* twice is fine */
}

static void
test_util_sb_limit(void **state)
{
    fail_alloc_t   fa;
    mailauth__sb_t sb;
    (void)state;
    fail_alloc_init(&fa, 0);
    mailauth__sb_init(&sb, &fa.al, 10);
    assert_int_equal(mailauth__sb_puts(&sb, "0123456"), MAILAUTH_OK);
    assert_int_equal(mailauth__sb_puts(&sb, "7890"), MAILAUTH_ELIMIT);
    assert_string_equal(mailauth__sb_str(&sb), "0123456");
    assert_int_equal(mailauth__sb_printf(&sb, "%s", "7890"), MAILAUTH_ELIMIT);
    assert_string_equal(mailauth__sb_str(&sb), "0123456");
    assert_int_equal(mailauth__sb_printf(&sb, "%d", 789), MAILAUTH_OK); /* exactly 10 */
    assert_string_equal(mailauth__sb_str(&sb), "0123456789");
    assert_int_equal(mailauth__sb_putc(&sb, 'x'), MAILAUTH_ELIMIT);
    assert_int_equal(mailauth__sb_put(&sb, "", 0), MAILAUTH_OK);
    assert_int_equal(sb.len, 10);
    assert_true(sb.cap <= 11); /* never allocates past max + NUL */
    assert_int_equal(mailauth__sb_put(&sb, "x", SIZE_MAX), MAILAUTH_ELIMIT);
    mailauth__sb_clear(&sb);
    assert_int_equal(fa.live, 0);
}

static mailauth_status_t
sb_workload(mailauth__sb_t *sb)
{
    mailauth_status_t st = MAILAUTH_OK;
    for (int i = 0; i < 200 && st == MAILAUTH_OK; i++) {
        st = (i % 3 == 0) ? mailauth__sb_printf(sb, "<%d:%40s>", i, "pad")
                          : mailauth__sb_puts(sb, "0123456789abcdef");
    }
    return st;
}

static void
test_util_sb_oom_walk(void **state)
{
    (void)state;
    for (unsigned long n = 1;; n++) {
        fail_alloc_t   fa;
        mailauth__sb_t sb;
        fail_alloc_init(&fa, n);
        mailauth__sb_init(&sb, &fa.al, 0);
        mailauth_status_t st = sb_workload(&sb);
        /* Whatever happened, the contents are consistent. */
        assert_int_equal(strlen(mailauth__sb_str(&sb)), sb.len);
        mailauth__sb_clear(&sb);
        assert_int_equal(fa.live, 0);
        if (!fail_alloc_reached(&fa)) {
            assert_int_equal(st, MAILAUTH_OK);
            break;
        }
        assert_int_equal(st, MAILAUTH_ENOMEM);
        assert_true(n < 1000);
    }
}

/* ---- copy_out -------------------------------------------------------- */

struct copy_case {
    const char       *name, *src;
    size_t            cap;
    mailauth_status_t st;
    const char       *want; /* buffer after; NULL: untouched */
};
static const struct copy_case copy_cases[] = {
    {"copy_out: fits", "abc", 8, MAILAUTH_OK, "abc"},
    {"copy_out: fits exactly with NUL", "abc", 4, MAILAUTH_OK, "abc"},
    {"copy_out: no room for NUL", "abc", 3, MAILAUTH_ENOSPC, "ab"},
    {"copy_out: cap 1", "abc", 1, MAILAUTH_ENOSPC, ""},
    {"copy_out: cap 0 leaves buffer", "abc", 0, MAILAUTH_ENOSPC, NULL},
    {"copy_out: empty string", "", 1, MAILAUTH_OK, ""},
    {"copy_out: empty string cap 0", "", 0, MAILAUTH_ENOSPC, NULL},
};

static void
test_util_copy_out(void **state)
{
    const struct copy_case *c = *state;
    char                    buf[16];
    size_t                  need = 999;
    memset(buf, '#', sizeof(buf));
    assert_int_equal(mailauth__copy_out(c->src, strlen(c->src), buf, c->cap, &need), c->st);
    assert_int_equal(need, strlen(c->src));
    if (c->want != NULL)
        assert_string_equal(buf, c->want);
    else
        assert_int_equal(buf[0], '#');
    assert_int_equal(buf[c->cap], '#'); /* nothing past cap */
    /* Size query: no buffer at all. */
    assert_int_equal(mailauth__copy_out(c->src, strlen(c->src), NULL, 0, NULL), MAILAUTH_ENOSPC);
}

/* ---- cursor ---------------------------------------------------------- */

struct uint_case {
    const char *name, *in;
    uint64_t    max;
    bool        ok;
    uint64_t    want;
    size_t      pos; /* cursor position afterwards */
};
static const struct uint_case uint_cases[] = {
    {"cur_uint: simple", "123", 1000, true, 123, 3},
    {"cur_uint: stops at non-digit", "42abc", 1000, true, 42, 2},
    {"cur_uint: equal to max", "255", 255, true, 255, 3},
    {"cur_uint: over max", "256", 255, false, 0, 0},
    {"cur_uint: digit over max", "7", 5, false, 0, 0},
    {"cur_uint: leading zeros", "0007", 10, true, 7, 4},
    {"cur_uint: zero with max zero", "0", 0, true, 0, 1},
    {"cur_uint: one with max zero", "1", 0, false, 0, 0},
    {"cur_uint: uint64 max", "18446744073709551615", UINT64_MAX, true, UINT64_MAX, 20},
    {"cur_uint: uint64 overflow", "18446744073709551616", UINT64_MAX, false, 0, 0},
    {"cur_uint: very long", "9999999999999999999999999999", UINT64_MAX, false, 0, 0},
    {"cur_uint: no digit", "abc", 10, false, 0, 0},
    {"cur_uint: sign", "+1", 10, false, 0, 0},
    {"cur_uint: empty", "", 10, false, 0, 0},
};

static void
test_util_cur_uint(void **state)
{
    const struct uint_case *c = *state;
    mailauth__cur_t         cur;
    uint64_t                v = 77;
    mailauth__cur_init(&cur, c->in, strlen(c->in));
    assert_int_equal(mailauth__cur_uint(&cur, c->max, &v), c->ok);
    if (c->ok)
        assert_true(v == c->want);
    assert_int_equal(cur.pos, c->pos);
}

static void
test_util_cur_basic(void **state)
{
    mailauth__cur_t c;
    (void)state;
    mailauth__cur_init(&c, "  Key=V", 7);
    assert_int_equal(mailauth__cur_skip(&c, mailauth__is_wsp), 2);
    assert_int_equal(mailauth__cur_peek(&c), 'K');
    assert_int_equal(mailauth__cur_peek_at(&c, 4), 'V');
    assert_int_equal(mailauth__cur_peek_at(&c, 5), -1);
    assert_int_equal(mailauth__cur_peek_at(&c, SIZE_MAX), -1);
    assert_false(mailauth__cur_accept_ci(&c, "keys"));
    assert_true(mailauth__cur_accept_ci(&c, "kEy"));
    assert_false(mailauth__cur_accept(&c, ':'));
    assert_true(mailauth__cur_accept(&c, '='));
    assert_int_equal(mailauth__cur_left(&c), 1);
    assert_false(mailauth__cur_accept_ci(&c, "VV")); /* longer than the input left */
    assert_int_equal(mailauth__cur_next(&c), 'V');
    assert_true(mailauth__cur_eof(&c));
    assert_int_equal(mailauth__cur_next(&c), -1);
    assert_int_equal(mailauth__cur_peek(&c), -1);
    assert_int_equal(mailauth__cur_skip(&c, mailauth__is_wsp), 0);
    /* bytes >= 0x80 come back non-negative */
    mailauth__cur_init(&c, "\xff", 1);
    assert_int_equal(mailauth__cur_next(&c), 0xff);
    mailauth__cur_init(&c, NULL, 5);
    assert_true(mailauth__cur_eof(&c));
}

/* ---- ASCII helpers --------------------------------------------------- */

static void
test_util_str_classes(void **state)
{
    (void)state;
    for (int c = -1; c < 256; c++) {
        bool digit = c >= '0' && c <= '9';
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        assert_int_equal(mailauth__is_digit(c), digit);
        assert_int_equal(mailauth__is_alpha(c), alpha);
        assert_int_equal(mailauth__is_alnum(c), digit || alpha);
        assert_int_equal(mailauth__is_vchar(c), c > 32 && c < 127);
        assert_int_equal(mailauth__is_print(c), c >= 32 && c < 127);
        assert_int_equal(mailauth__is_wsp(c), c == ' ' || c == '\t');
        assert_int_equal(mailauth__is_space(c), c == ' ' || c == '\t' || c == '\r' || c == '\n');
        assert_int_equal(mailauth__is_hex(c), mailauth__hex_val(c) >= 0);
        if (c >= 'A' && c <= 'Z')
            assert_int_equal(mailauth__to_lower(c), c + 32);
        else
            assert_int_equal(mailauth__to_lower(c), c);
        if (c >= 'a' && c <= 'z')
            assert_int_equal(mailauth__to_upper(c), c - 32);
        else
            assert_int_equal(mailauth__to_upper(c), c);
    }
    assert_int_equal(mailauth__hex_val('f'), 15);
    assert_int_equal(mailauth__hex_val('F'), 15);
    assert_int_equal(mailauth__hex_val('9'), 9);
    assert_int_equal(mailauth__hex_val('g'), -1);
}

static void
test_util_str_compare(void **state)
{
    (void)state;
    assert_true(mailauth__eq_ci("Example.COM", "example.com"));
    assert_false(mailauth__eq_ci("example.com", "example.co"));
    assert_false(mailauth__eq_ci("\xc3\x9c", "\xc3\xbc")); /* ASCII only: no Ü/ü folding */
    assert_true(mailauth__eq_ci_n("ABCx", "abcy", 3));
    assert_true(mailauth__mem_eq_ci("SPF1 rest", 4, "spf1"));
    assert_false(mailauth__mem_eq_ci("SPF1", 4, "spf12"));
    assert_false(mailauth__mem_eq_ci("[", 1, "{")); /* 0x5b vs 0x7b: not letters */
    for (int x = 0; x < 256; x++) { /* every byte pair: equal exactly when to_lower says so */
        for (int y = 0; y < 256; y++) {
            char a = (char)x, b = (char)y;
            assert_int_equal(mailauth__eq_ci_n(&a, &b, 1),
                             mailauth__to_lower(x) == mailauth__to_lower(y));
        }
    }
    char s[] = "MiXeD-123";
    mailauth__lower_inplace(s, 5);
    assert_string_equal(s, "mixed-123");
    const char *hay = "a\0b";
    assert_ptr_equal(mailauth__memchr(hay, 3, 'b'), hay + 2);
    assert_null(mailauth__memchr(hay, 2, 'b'));
    assert_null(mailauth__memchr(NULL, 0, 'b'));
}

/* CFWS: blanks, line breaks, nested comments with quoted-pairs; bounded. */
static void
test_util_skip_cfws(void **state)
{
    static const struct {
        const char *in;
        size_t      from, want;
    } cases[] = {
        {"i=1", 0, 0},
        {" \t\r\n i=1", 0, 5},
        {"(c) i=1", 0, 4},
        {"(a (nested) b)\r\n\t(x)i", 0, 20},
        {"(a \\) still) x", 0, 13},
        {"(unterminated x", 0, 15},
        {"(a) )x", 0, 4}, /* a stray ")" is not CFWS */
        {"ab  c", 2, 4},
        {"", 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        assert_int_equal(mailauth__skip_cfws(cases[i].in, strlen(cases[i].in), cases[i].from),
                         cases[i].want);
    assert_int_equal(mailauth__skip_cfws("(a\\", 3, 0), 3); /* backslash at the end */
}

struct trim_case {
    const char *name, *in, *want;
};
static const struct trim_case trim_cases[] = {
    {"trim: nothing", "abc", "abc"},      {"trim: both ends", " \t\r\nabc d\r\n", "abc d"},
    {"trim: all space", " \t \r\n", ""},  {"trim: empty", "", ""},
    {"trim: inner kept", "a  b", "a  b"},
};

static void
test_util_trim(void **state)
{
    const struct trim_case *c = *state;
    const char             *s = c->in;
    size_t                  n = strlen(c->in);
    mailauth__trim(&s, &n);
    assert_int_equal(n, strlen(c->want));
    assert_memory_equal(s, c->want, n);
    assert_true(s >= c->in && s + n <= c->in + strlen(c->in));
}

/* ---- base64 ---------------------------------------------------------- */

struct b64_case {
    const char *name, *in;
    bool        ok;
    const char *want; /* decoded bytes */
    size_t      want_len;
    bool        canon;  /* encoding want gives back in */
    size_t      in_len; /* 0: strlen(in) */
};
static const struct b64_case b64_cases[] = {
    /* RFC 4648 §10 test vectors */
    {"b64: rfc4648 empty", "", true, "", 0, true, 0},
    {"b64: rfc4648 f", "Zg==", true, "f", 1, true, 0},
    {"b64: rfc4648 fo", "Zm8=", true, "fo", 2, true, 0},
    {"b64: rfc4648 foo", "Zm9v", true, "foo", 3, true, 0},
    {"b64: rfc4648 foob", "Zm9vYg==", true, "foob", 4, true, 0},
    {"b64: rfc4648 fooba", "Zm9vYmE=", true, "fooba", 5, true, 0},
    {"b64: rfc4648 foobar", "Zm9vYmFy", true, "foobar", 6, true, 0},
    {"b64: binary bytes", "AP+A/w==", true, "\x00\xff\x80\xff", 4, true, 0},
    {"b64: padding omitted (2)", "Zm9vYg", true, "foob", 4, false, 0},
    {"b64: padding omitted (3)", "Zm9vYmE", true, "fooba", 5, false, 0},
    {"b64: folding whitespace", "Zm9v\r\n\tYm\r\n Fy", true, "foobar", 6, false, 0},
    {"b64: whitespace around padding", "Zm9vYg =\t=\r\n", true, "foob", 4, false, 0},
    {"b64: leading and trailing space", " \tZm9v \r\n", true, "foo", 3, false, 0},
    {"b64: only whitespace", " \r\n\t", true, "", 0, false, 0},
    {"b64: whitespace where the padding goes", "Zg\r\n", true, "f", 1, false, 0},
    {"b64: bad char", "Zm9v!", false, NULL, 0, false, 0},
    {"b64: url-safe alphabet", "Zm-_", false, NULL, 0, false, 0},
    {"b64: 8-bit byte", "Zm9v\xc3\xa9", false, NULL, 0, false, 0},
    {"b64: NUL byte", "Zm\0v", false, NULL, 0, false, 4},
    {"b64: lone trailing char", "Zm9vY", false, NULL, 0, false, 0},
    {"b64: lone char", "Z", false, NULL, 0, false, 0},
    {"b64: three pads", "Zg===", false, NULL, 0, false, 0},
    {"b64: one pad where two needed", "Zg=", false, NULL, 0, false, 0},
    {"b64: pad after full quantum", "Zm9v=", false, NULL, 0, false, 0},
    {"b64: pad only", "====", false, NULL, 0, false, 0},
    {"b64: data after padding", "Zg==Zm9v", false, NULL, 0, false, 0},
    {"b64: pad inside quantum", "Z=g=", false, NULL, 0, false, 0},
    /* RFC 4648 §3.5: the bits after the data in the last character must be
     * zero; each pad bit set alone, then all of them, padded or not. */
    {"b64: pad bits zero (xx==)", "QQ==", true, "A", 1, true, 0},
    {"b64: pad bit 0 of xx==", "QR==", false, NULL, 0, false, 0},
    {"b64: pad bit 1 of xx==", "QS==", false, NULL, 0, false, 0},
    {"b64: pad bit 2 of xx==", "QU==", false, NULL, 0, false, 0},
    {"b64: pad bit 3 of xx==", "QY==", false, NULL, 0, false, 0},
    {"b64: pad bits all of xx==", "Qf==", false, NULL, 0, false, 0},
    {"b64: pad bit 0 of xx unpadded", "QR", false, NULL, 0, false, 0},
    {"b64: pad bit 3 of xx unpadded", "QY", false, NULL, 0, false, 0},
    {"b64: pad bits zero (xxx=)", "Zm8=", true, "fo", 2, true, 0},
    {"b64: pad bit 0 of xxx=", "Zm9=", false, NULL, 0, false, 0},
    {"b64: pad bit 1 of xxx=", "Zm+=", false, NULL, 0, false, 0},
    {"b64: pad bits all of xxx=", "Zm/=", false, NULL, 0, false, 0},
    {"b64: pad bit 0 of xxx unpadded", "Zm9", false, NULL, 0, false, 0},
    {"b64: pad bit 1 of xxx unpadded", "Zm+", false, NULL, 0, false, 0},
    {"b64: pad bits after whole quanta", "Zm9vYmFyQR==", false, NULL, 0, false, 0},
    {"b64: pad bits with folding", "Zm9v\r\n Ym9=", false, NULL, 0, false, 0},
};

static size_t
b64_in_len(const struct b64_case *c)
{
    return c->in_len != 0 ? c->in_len : strlen(c->in);
}

static void
test_util_b64_decode(void **state)
{
    const struct b64_case *c = *state;
    size_t                 n = b64_in_len(c);
    uint8_t                out[64];
    size_t                 outlen = 99;
    assert_true(mailauth__b64_decoded_max(n) <= sizeof(out));
    mailauth_status_t st = mailauth__b64_decode(c->in, n, out, &outlen);
    assert_int_equal(st, c->ok ? MAILAUTH_OK : MAILAUTH_EINVAL);
    if (!c->ok) {
        assert_int_equal(outlen, 0);
        return;
    }
    assert_int_equal(outlen, c->want_len);
    assert_true(outlen <= mailauth__b64_decoded_max(n));
    assert_memory_equal(out, c->want, outlen);
    assert_int_equal(mailauth__b64_is_encoding(c->in, n, out, outlen), c->canon);
    if (c->canon) {
        char enc[64];
        assert_int_equal(mailauth__b64_encoded_len(c->want_len), strlen(c->in));
        mailauth__b64_encode((const uint8_t *)c->want, c->want_len, enc);
        assert_string_equal(enc, c->in);
    }
}

static void
test_util_b64_roundtrip(void **state)
{
    uint8_t data[300];
    char    enc[420];
    uint8_t dec[300];
    (void)state;
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof(data); n++) {
        size_t outlen = 0;
        size_t elen = mailauth__b64_encoded_len(n);
        assert_true(elen + 1 <= sizeof(enc));
        mailauth__b64_encode(data, n, enc);
        assert_int_equal(strlen(enc), elen);
        assert_true(mailauth__b64_decoded_max(elen) <= sizeof(dec) + 3);
        assert_int_equal(mailauth__b64_decode(enc, elen, dec, &outlen), MAILAUTH_OK);
        assert_int_equal(outlen, n);
        assert_memory_equal(dec, data, n);
        assert_true(mailauth__b64_is_encoding(enc, elen, dec, n));
        if (n > 0) { /* without its padding, or with a quad missing: not the encoding */
            size_t pads = n % 3 == 0 ? 0 : 3 - n % 3;
            assert_false(mailauth__b64_is_encoding(enc, elen - pads - (pads == 0 ? 4 : 0), dec, n));
        }
    }
}

/* Every character in the last position: only those whose pad bits are
 * zero decode (4 of 64 after one data character, 16 after two). */
static void
test_util_b64_pad_bits(void **state)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (void)state;
    for (size_t v = 0; v < 64; v++) {
        char    two[] = {'Q', alphabet[v], '=', '='}, three[] = {'Q', 'Q', alphabet[v], '='};
        uint8_t out[4];
        size_t  n = 0;
        assert_int_equal(mailauth__b64_decode(two, sizeof(two), out, &n),
                         v % 16 == 0 ? MAILAUTH_OK : MAILAUTH_EINVAL);
        assert_int_equal(mailauth__b64_decode(three, sizeof(three), out, &n),
                         v % 4 == 0 ? MAILAUTH_OK : MAILAUTH_EINVAL);
        assert_int_equal(mailauth__b64_decode(three, 3, out, &n),
                         v % 4 == 0 ? MAILAUTH_OK : MAILAUTH_EINVAL);
    }
}

/* ---- main ------------------------------------------------------------ */

#define ADD_TABLE(tab, fn)                                                                         \
    for (size_t i = 0; i < ARRAY_LEN(tab); i++)                                                    \
        tests[nt++] = (struct CMUnitTest)                                                          \
        {                                                                                          \
            .name = (tab)[i].name, .test_func = (fn), .initial_state = (void *)&(tab)[i]           \
        }
#define ADD_TEST(fn)                                                                               \
    tests[nt++] = (struct CMUnitTest) { .name = #fn, .test_func = (fn) }

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(size_cases) + ARRAY_LEN(copy_cases) + ARRAY_LEN(uint_cases) +
                            ARRAY_LEN(trim_cases) + ARRAY_LEN(b64_cases) + 16];
    size_t            nt = 0;
    ADD_TABLE(size_cases, test_util_size_arith);
    ADD_TEST(test_util_alloc_overflow);
    ADD_TEST(test_util_arena_alignment);
    ADD_TEST(test_util_arena_big);
    ADD_TEST(test_util_arena_limit);
    ADD_TEST(test_util_arena_copies);
    ADD_TEST(test_util_arena_oom_walk);
    ADD_TEST(test_util_sb_basic);
    ADD_TEST(test_util_sb_limit);
    ADD_TEST(test_util_sb_oom_walk);
    ADD_TABLE(copy_cases, test_util_copy_out);
    ADD_TABLE(uint_cases, test_util_cur_uint);
    ADD_TEST(test_util_cur_basic);
    ADD_TEST(test_util_str_classes);
    ADD_TEST(test_util_str_compare);
    ADD_TEST(test_util_skip_cfws);
    ADD_TABLE(trim_cases, test_util_trim);
    ADD_TABLE(b64_cases, test_util_b64_decode);
    ADD_TEST(test_util_b64_roundtrip);
    ADD_TEST(test_util_b64_pad_bits);
    return _cmocka_run_group_tests("util", tests, nt, NULL, NULL);
}
