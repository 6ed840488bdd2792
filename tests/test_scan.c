/* scan: the byte scanners of lib/util/scan.h. Every variant this build
 * has and this CPU can run goes through the fixed cases below (the scalar
 * reference included), and each SIMD variant is compared with the scalar
 * one, result for result, over edge-case inputs (every length 0..130 at
 * every alignment, the bytes that matter at every position, runs across
 * 16-, 32- and 64-byte boundaries) and a seeded random loop of fixed size.
 * Each input sits at the end of its own allocation, so that AddressSanitizer
 * catches a load past the bytes a scanner may read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/scan.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define S(lit) lit, sizeof(lit) - 1 /* a literal and its length, NULs kept */

#define A16 "aaaaaaaaaaaaaaaa"

static const char *const variant_names[] = {"scalar", "swar", "sse2", "avx2", "avx512"};

#include "test_scan_cases.h"

/* ---- the tests' states ---- */

struct fixed {
    const mailauth__scan_ops_t *ops;
    const void                 *c;
};

#define MAX_TESTS 512
static struct fixed fixed_states[MAX_TESTS];
static char         test_names[MAX_TESTS][128];

/* One allocation per input, aligned to 64 then offset by `align`, ending
 * right after the n bytes a scanner may read: a load past them is an
 * AddressSanitizer report. (Nothing at all is one byte, never read; src
 * NULL: room only, for an output.) */
static uint8_t *
place(const void *src, size_t n, size_t align, void **block)
{
    void *b = NULL;
    assert_int_equal(posix_memalign(&b, 64, align + n > 0 ? align + n : 1), 0);
    assert_non_null(b);
    if (n > 0 && src != NULL) /* NULL: room only */
        memcpy((uint8_t *)b + align, src, n);
    *block = b;
    return (uint8_t *)b + align;
}

static void
test_scan_relaxed_squeeze(void **state)
{
    const struct fixed        *f = *state;
    const struct squeeze_case *c = f->c;
    size_t                     len = strlen(c->in), n = len - 2;
    void                      *block = NULL, *out = NULL;
    const uint8_t             *p = place(c->in, len, 0, &block);
    uint8_t                   *o = place(c->in, n, 0, &out); /* room for n, no more */
    size_t                     got = f->ops->relaxed_squeeze(o, p, n);
    assert_int_equal(got, strlen(c->want));
    assert_memory_equal(o, c->want, got);
    free(out);
    free(block);
}

static void
test_scan_header_plain(void **state)
{
    const struct fixed      *f = *state;
    const struct plain_case *c = f->c;
    void                    *block = NULL;
    const uint8_t           *p = place(c->in, c->n, 0, &block);
    uint8_t                  o[128];
    size_t                   got;
    memset(o, 0xee, sizeof(o));
    got = f->ops->header_plain(o, p, c->n);
    assert_int_equal(got, c->want);
    assert_memory_equal(o, c->in, got);
    assert_int_equal(o[got], 0xee); /* nothing written past the prefix */
    free(block);
}

static void
test_scan_bare_lf(void **state)
{
    const struct fixed   *f = *state;
    const struct lf_case *c = f->c;
    void                 *block = NULL;
    const uint8_t        *p = place(c->in, c->n, 0, &block);
    assert_int_equal(f->ops->bare_lf(p, c->n, c->prev_cr), c->want);
    free(block);
}

static void
test_scan_lf_to_crlf(void **state)
{
    const struct fixed     *f = *state;
    const struct crlf_case *c = f->c;
    void                   *block = NULL, *out = NULL;
    const uint8_t          *p = place(c->in, c->n, 0, &block);
    uint8_t                *o = place(NULL, 2 * c->n, 0, &out); /* room for 2n, no more */
    size_t                  got = f->ops->lf_to_crlf(o, p, c->n, c->prev_cr);
    assert_int_equal(got, c->want_n);
    assert_memory_equal(o, c->want, got);
    free(out);
    free(block);
}

static void
test_scan_valchar_run(void **state)
{
    const struct fixed        *f = *state;
    const struct valchar_case *c = f->c;
    void                      *block = NULL;
    const uint8_t             *p = place(c->in, c->n, 0, &block);
    assert_int_equal(f->ops->valchar_run(p, c->n), c->want);
    free(block);
}

static void
test_scan_copy_nows(void **state)
{
    const struct fixed     *f = *state;
    const struct nows_case *c = f->c;
    void                   *block = NULL, *out = NULL;
    const uint8_t          *p = place(c->in, c->n, 0, &block);
    uint8_t                *o = place(c->in, c->n, 0, &out); /* room for n, no more */
    size_t                  got = f->ops->copy_nows(o, p, c->n);
    assert_int_equal(got, c->want_n);
    assert_memory_equal(o, c->want, got);
    free(out);
    free(block);
}

/* ---- differential: a SIMD variant against the scalar reference ---- */

static const mailauth__scan_ops_t *ref;

static void
fail_at(const char *what, const mailauth__scan_ops_t *v, const uint8_t *p, size_t n, size_t align)
{
    char hex[3 * 160 + 1] = "";
    for (size_t k = 0; k < n && k < 160; k++)
        snprintf(hex + 3 * k, 4, "%02x ", p[k]);
    fail_msg("%s: %s differs from scalar, n=%zu align=%zu: %s", what, v->name, n, align, hex);
}

#define MAX_LONG 20000

/* Outputs, with room after the part a scanner may write. */
static uint8_t bytes_out[2][2 * MAX_LONG + 16];

static void
same_header_plain(const mailauth__scan_ops_t *v, const uint8_t *p, size_t n, const uint8_t *src,
                  size_t align)
{
    uint8_t *o1 = bytes_out[0], *o2 = bytes_out[1];
    size_t   k1, k2;
    memset(o1, 0xee, n + 16), memset(o2, 0xee, n + 16);
    k1 = ref->header_plain(o1, p, n);
    k2 = v->header_plain(o2, p, n);
    if (k1 != k2 || memcmp(o1, o2, n + 16) != 0) /* the same bytes, none past the prefix */
        fail_at("header_plain", v, src, n, align);
}

static void
same_copy_nows(const mailauth__scan_ops_t *v, const uint8_t *p, size_t n, const uint8_t *src,
               size_t align)
{
    uint8_t *o1 = bytes_out[0], *o2 = bytes_out[1];
    size_t   k1, k2;
    memset(o1, 0xee, n + 16), memset(o2, 0xee, n + 16);
    k1 = ref->copy_nows(o1, p, n);
    k2 = v->copy_nows(o2, p, n);
    if (k1 != k2 || memcmp(o1, o2, k1) != 0 || o2[n] != 0xee) /* room for n, no more */
        fail_at("copy_nows", v, src, n, align);
}

static void
same_lf_to_crlf(const mailauth__scan_ops_t *v, const uint8_t *p, size_t n, const uint8_t *src,
                size_t align)
{
    void    *out = NULL;
    uint8_t *o = place(NULL, 2 * n, 0, &out); /* room for 2n, no more */
    for (int prev = 0; prev < 2; prev++) {
        size_t k1 = ref->lf_to_crlf(bytes_out[0], p, n, prev), k2 = v->lf_to_crlf(o, p, n, prev);
        if (k1 != k2 || memcmp(bytes_out[0], o, k1) != 0)
            fail_at(prev ? "lf_to_crlf after CR" : "lf_to_crlf", v, src, n, align);
    }
    free(out);
}

/* The other scanners, those that v does not share with the reference (a
 * variant may keep the scalar one where inputs are short). */
static void
same_rest(const mailauth__scan_ops_t *v, const uint8_t *src, size_t n, size_t align)
{
    void          *block = NULL;
    const uint8_t *p;
    if (v->header_plain == ref->header_plain && v->bare_lf == ref->bare_lf &&
        v->lf_to_crlf == ref->lf_to_crlf && v->valchar_run == ref->valchar_run &&
        v->copy_nows == ref->copy_nows)
        return;
    p = place(src, n, align, &block);
    if (v->header_plain != ref->header_plain)
        same_header_plain(v, p, n, src, align);
    for (int prev = 0; prev < 2 && v->bare_lf != ref->bare_lf; prev++) {
        if (ref->bare_lf(p, n, prev) != v->bare_lf(p, n, prev))
            fail_at(prev ? "bare_lf after CR" : "bare_lf", v, src, n, align);
    }
    if (v->lf_to_crlf != ref->lf_to_crlf)
        same_lf_to_crlf(v, p, n, src, align);
    if (v->valchar_run != ref->valchar_run && ref->valchar_run(p, n) != v->valchar_run(p, n))
        fail_at("valchar_run", v, src, n, align);
    if (v->copy_nows != ref->copy_nows)
        same_copy_nows(v, p, n, src, align);
    free(block);
}

/* relaxed_squeeze of src[0, n - 1), which reads src[0, n + 1), into an
 * output with room for exactly what it may write. */
static void
same_squeeze(const mailauth__scan_ops_t *v, const uint8_t *src, size_t n, size_t align)
{
    size_t         m = n > 0 ? n - 1 : 0, k1, k2;
    void          *block = NULL, *out = NULL;
    const uint8_t *p = place(src, m + 2, align, &block);
    uint8_t       *o = place(src, m, 0, &out);
    if (v->relaxed_squeeze == ref->relaxed_squeeze)
        goto done;
    k1 = ref->relaxed_squeeze(bytes_out[0], p, m);
    k2 = v->relaxed_squeeze(o, p, m);
    if (k1 != k2 || memcmp(bytes_out[0], o, k1) != 0)
        fail_at("relaxed_squeeze", v, src, m + 2, align);
done:
    free(out);
    free(block);
}

/* Every scanner on src[0, n) (relaxed_squeeze decides src[0, n - 1) and
 * reads src[0, n + 1)). */
static void
same(const mailauth__scan_ops_t *v, const uint8_t *src, size_t n, size_t align)
{
    same_squeeze(v, src, n, align);
    same_rest(v, src, n, align);
}

#define MAX_N 130

/* The bytes whose class changes an answer, and their neighbours. */
static const uint8_t key_bytes[] = {0x00, 0x01, '\t', '\n', 0x0b, '\r', 0x1f, ' ', '!',
                                    ':',  ';',  'a',  '~',  0x7f, 0x80, 0xa0, 0xff};
static const uint8_t pair_bytes[] = {0x00, '\t', '\n', '\r', ' ', ';', 'a', 0x7f, 0x80, 0xff};

static void
fill(uint8_t *b, size_t n, const char *pattern)
{
    size_t k = strlen(pattern);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)pattern[i % k];
}

static void
test_scan_same_lengths_alignments(void **state)
{
    static const char *const    patterns[] = {"a",    " ",    "\t",   "\r\n",  "\n",     "\r",
                                              "a ",   "a  ",  " \t",  ";",     "\x7f",   "\x80",
                                              "\xff", "\x01", "ab\n", "a\r\n", "  \r\n", "a \r\n"};
    const mailauth__scan_ops_t *v = *state;
    uint8_t                     b[MAX_N + 1];
    for (size_t t = 0; t < ARRAY_LEN(patterns); t++) {
        for (size_t n = 0; n <= MAX_N; n++) {
            fill(b, n + 1, patterns[t]);
            for (size_t align = 0; align < 32; align++) /* every offset to the widest load */
                same(v, b, n, align);
        }
    }
}

/* Lengths at which every position is tried (around each multiple of 32,
 * and the longest); the others try the first two and the last two
 * positions and the byte after. */
static bool
every_position(size_t n)
{
    return n % 32 <= 1 || n % 32 == 31 || n == MAX_N;
}

static void
test_scan_same_one_byte_everywhere(void **state)
{
    static const char *const    backgrounds[] = {"a", " ", "\r\n"};
    const mailauth__scan_ops_t *v = *state;
    uint8_t                     b[MAX_N + 1];
    for (size_t g = 0; g < ARRAY_LEN(backgrounds); g++) {
        for (size_t n = 1; n <= MAX_N; n++) {
            for (size_t j = 0; j <= n; j++) { /* j == n: the byte after */
                if (!every_position(n) && j > 1 && j + 2 < n)
                    continue;
                for (size_t x = 0; x < ARRAY_LEN(key_bytes); x++) {
                    fill(b, n + 1, backgrounds[g]);
                    b[j] = key_bytes[x];
                    same(v, b, n, (n + j + x) % 32);
                }
            }
        }
    }
}

static void
test_scan_same_two_bytes_everywhere(void **state)
{
    static const size_t         lengths[] = {2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 66};
    const mailauth__scan_ops_t *v = *state;
    uint8_t                     b[MAX_N + 1];
    for (size_t l = 0; l < ARRAY_LEN(lengths); l++) {
        size_t n = lengths[l];
        for (size_t j = 0; j < n; j++) {
            for (size_t x = 0; x < ARRAY_LEN(pair_bytes); x++) {
                for (size_t y = 0; y < ARRAY_LEN(pair_bytes); y++) {
                    fill(b, n + 1, "a");
                    b[j] = pair_bytes[x];
                    b[j + 1] = pair_bytes[y];
                    same(v, b, n, (j + 7 * x + y) % 32);
                }
            }
        }
    }
}

/* A run of WSP, line ends or VALCHARs from every start, of every length up
 * to 70, so that runs begin, end and cross 16-, 32- and 64-byte blocks. */
static void
test_scan_same_runs_across_blocks(void **state)
{
    static const char *const    runs[] = {" ", "\t", " \t", "\r\n", "\n", "x"};
    static const char *const    grounds[] = {"a", " ", ";"};
    const mailauth__scan_ops_t *v = *state;
    uint8_t                     b[MAX_N + 1];
    for (size_t r = 0; r < ARRAY_LEN(runs); r++) {
        const char *ground = grounds[r % ARRAY_LEN(grounds)];
        for (size_t start = 0; start < 70; start++) {
            for (size_t len = 1; len <= 70; len++) {
                size_t k = strlen(runs[r]);
                fill(b, MAX_N + 1, ground);
                for (size_t i = 0; i < len && start + i <= MAX_N; i++)
                    b[start + i] = (uint8_t)runs[r][i % k];
                same(v, b, MAX_N, start % 32);
                same(v, b, start + len < MAX_N ? start + len : MAX_N, 0);
            }
        }
    }
}

static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Bytes mostly from key_bytes, often repeated (runs), some at random. */
static void
random_bytes(uint64_t *seed, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd(seed) % 100;
        if (i > 0 && r < 30)
            b[i] = b[i - 1];
        else if (r < 75)
            b[i] = key_bytes[rnd(seed) % ARRAY_LEN(key_bytes)];
        else if (r < 90)
            b[i] = (uint8_t)('a' + rnd(seed) % 26);
        else
            b[i] = (uint8_t)rnd(seed);
    }
}

/* A fixed amount of work, whatever the machine: 20 000 inputs of up to 300
 * bytes and 40 of up to 20 000 (several body windows, long runs). */
static void
test_scan_same_random(void **state)
{
    const mailauth__scan_ops_t *v = *state;
    uint64_t                    seed = UINT64_C(0x9e3779b97f4a7c15);
    uint8_t                    *b = malloc(MAX_LONG + 1);
    assert_non_null(b);
    for (unsigned i = 0; i < 20040; i++) {
        size_t n = (size_t)(i < 20000 ? rnd(&seed) % 301 : rnd(&seed) % (MAX_LONG + 1));
        random_bytes(&seed, b, n + 1);
        same(v, b, n, (size_t)(rnd(&seed) % 32));
    }
    free(b);
}

/* ---- base64 groups ---- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Known text: RFC 4648 §10's vectors and every character in one string. */
static void
test_scan_b64_known(void **state)
{
    const struct fixed         *f = *state;
    const mailauth__scan_ops_t *v = f->ops;
    static const struct {
        const char *in;
        size_t      take;
        const char *out;
    } cases[] = {
        {"", 0, ""},
        {"Zg==", 0, ""},
        {"Zm8=", 0, ""},
        {"Zm9v", 4, "foo"},
        {"Zm9vYg==", 4, "foo"},
        {"Zm9vYmE=", 4, "foo"},
        {"Zm9vYmFy", 8, "foobar"},
        {"Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy", 48,
         "foobarfoobarfoobarfoobarfoobarfoobar"},
        /* a space in the 9th group of a long run: the groups before it only */
        {"Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy Zm9vYmFyZm9vYmFy", 32, "foobarfoobarfoobarfoobar"},
        {"Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmF\x80Zm9vYmFyZm9vYmFy", 28, "foobarfoobarfoobarfoo"},
    };
    uint8_t out[64];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        size_t n = strlen(cases[i].in), got;
        memset(out, 0xee, sizeof(out));
        got = v->b64_quads(out, (const uint8_t *)cases[i].in, n);
        assert_int_equal(got, cases[i].take);
        assert_int_equal(strlen(cases[i].out), got / 4 * 3);
        assert_memory_equal(out, cases[i].out, got / 4 * 3);
    }
    /* the whole alphabet, in order, decodes to 00 10 83 10 51 87 ... */
    assert_int_equal(v->b64_quads(out, (const uint8_t *)b64_alphabet, 64), 64);
    assert_int_equal(out[0], 0x00);
    assert_int_equal(out[1], 0x10);
    assert_int_equal(out[2], 0x83);
    assert_int_equal(out[45], 0xf3);
    assert_int_equal(out[46], 0xdf);
    assert_int_equal(out[47], 0xbf);
}

/* Base64 text of every length up to 300 with up to two bytes that are
 * not of the alphabet anywhere, against the scalar groups, into an
 * output with room for exactly n / 4 * 3 bytes. */
static void
test_scan_same_b64(void **state)
{
    const mailauth__scan_ops_t *v = *state;
    static const uint8_t        junk[] = {'=', ' ', '\t', '\r', '\n', 0x00, 0x80, 0xff, '-',  '_',
                                          '@', '[', '`',  '{',  ':',  '.',  '*',  ',',  '\\', 0x7f};
    uint64_t                    seed = UINT64_C(0x2545f4914f6cdd1d);
    uint8_t                     src[300], ref_out[225];
    for (unsigned t = 0; t < 30000; t++) {
        size_t   n = (size_t)(rnd(&seed) % 301), k1, k2;
        void    *ib = NULL, *ob = NULL;
        uint8_t *p, *o;
        for (size_t k = 0; k < n; k++)
            src[k] = (uint8_t)b64_alphabet[rnd(&seed) % 64];
        for (unsigned j = (unsigned)(rnd(&seed) % 3); j > 0 && n > 0; j--)
            src[rnd(&seed) % n] = junk[rnd(&seed) % ARRAY_LEN(junk)];
        p = place(src, n, (size_t)(rnd(&seed) % 32), &ib);
        o = place(NULL, n / 4 * 3, 0, &ob);
        k1 = ref->b64_quads(ref_out, p, n);
        k2 = v->b64_quads(o, p, n);
        if (k1 != k2 || memcmp(ref_out, o, k1 / 4 * 3) != 0)
            fail_at("b64_quads", v, src, n, 0);
        free(ib);
        free(ob);
    }
}

/* ---- the choice ---- */

static void
test_scan_choice(void **state)
{
    const mailauth__scan_ops_t *best = mailauth__scan(), *last = NULL;
    (void)state;
    assert_non_null(best);
    assert_ptr_equal(mailauth__scan(), best); /* the same table every time */
    assert_non_null(mailauth__scan_variant("scalar"));
    assert_null(mailauth__scan_variant("neon"));
    assert_null(mailauth__scan_variant(NULL));
    for (size_t i = 0; i < ARRAY_LEN(variant_names); i++) {
        if (mailauth__scan_variant(variant_names[i]) != NULL)
            last = mailauth__scan_variant(variant_names[i]);
    }
    assert_ptr_equal(best, last); /* the best this CPU runs */
#if defined(MAILAUTH_TEST_NO_SIMD)
    assert_string_equal(best->name, "scalar"); /* -DMAILAUTH_SIMD=OFF */
    assert_null(mailauth__scan_variant("swar"));
    assert_null(mailauth__scan_variant("sse2"));
    assert_null(mailauth__scan_variant("avx2"));
    assert_null(mailauth__scan_variant("avx512"));
#else
    assert_non_null(mailauth__scan_variant("swar")); /* portable C */
#endif
#if !defined(MAILAUTH_TEST_NO_SIMD) && defined(__x86_64__) && defined(__GNUC__)
    assert_non_null(mailauth__scan_variant("sse2")); /* every x86-64 CPU */
    __builtin_cpu_init();
    assert_int_equal(mailauth__scan_variant("avx2") != NULL, __builtin_cpu_supports("avx2") != 0);
    assert_int_equal(mailauth__scan_variant("avx512") != NULL,
                     __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi2"));
#endif
}

/* ---- the list ---- */

static size_t ntests;

static void
add(struct CMUnitTest *tests, const char *name, void (*fn)(void **), void *st)
{
    assert_true(ntests < MAX_TESTS);
    snprintf(test_names[ntests], sizeof(test_names[ntests]), "%s", name);
    tests[ntests] =
        (struct CMUnitTest){.name = test_names[ntests], .test_func = fn, .initial_state = st};
    ntests++;
}

static void
add_fixed(struct CMUnitTest *tests, const mailauth__scan_ops_t *ops, const char *what,
          const char *name, void (*fn)(void **), const void *c)
{
    char full[128];
    fixed_states[ntests] = (struct fixed){ops, c};
    snprintf(full, sizeof(full), "%s: %s: %s", ops->name, what, name);
    add(tests, full, fn, &fixed_states[ntests]);
}

static void
add_variant(struct CMUnitTest *tests, const mailauth__scan_ops_t *ops)
{
    static const struct {
        const char *name;
        void (*fn)(void **);
    } diffs[] = {
        {"every length and alignment", test_scan_same_lengths_alignments},
        {"the bytes that matter at every position", test_scan_same_one_byte_everywhere},
        {"two such bytes at every position", test_scan_same_two_bytes_everywhere},
        {"runs across blocks", test_scan_same_runs_across_blocks},
        {"random inputs", test_scan_same_random},
    };
    char full[128];
    for (size_t i = 0; i < ARRAY_LEN(squeeze_cases); i++)
        add_fixed(tests, ops, "relaxed_squeeze", squeeze_cases[i].name, test_scan_relaxed_squeeze,
                  &squeeze_cases[i]);
    for (size_t i = 0; i < ARRAY_LEN(plain_cases); i++)
        add_fixed(tests, ops, "header_plain", plain_cases[i].name, test_scan_header_plain,
                  &plain_cases[i]);
    for (size_t i = 0; i < ARRAY_LEN(lf_cases); i++)
        add_fixed(tests, ops, "bare_lf", lf_cases[i].name, test_scan_bare_lf, &lf_cases[i]);
    for (size_t i = 0; i < ARRAY_LEN(crlf_cases); i++)
        add_fixed(tests, ops, "lf_to_crlf", crlf_cases[i].name, test_scan_lf_to_crlf,
                  &crlf_cases[i]);
    for (size_t i = 0; i < ARRAY_LEN(valchar_cases); i++)
        add_fixed(tests, ops, "valchar_run", valchar_cases[i].name, test_scan_valchar_run,
                  &valchar_cases[i]);
    for (size_t i = 0; i < ARRAY_LEN(nows_cases); i++)
        add_fixed(tests, ops, "copy_nows", nows_cases[i].name, test_scan_copy_nows, &nows_cases[i]);
    add_fixed(tests, ops, "b64_quads", "known text", test_scan_b64_known, NULL);
    if (ops == ref)
        return; /* the reference is what the others are compared with */
    snprintf(full, sizeof(full), "%s: same as scalar: base64 text", ops->name);
    add(tests, full, test_scan_same_b64, (void *)ops);
    for (size_t i = 0; i < ARRAY_LEN(diffs); i++) {
        snprintf(full, sizeof(full), "%s: same as scalar: %s", ops->name, diffs[i].name);
        add(tests, full, diffs[i].fn, (void *)ops);
    }
}

int
main(void)
{
    static struct CMUnitTest tests[MAX_TESTS];
    ref = mailauth__scan_variant("scalar");
    if (ref == NULL)
        return 1;
    add(tests, "the best variant this CPU runs is chosen", test_scan_choice, NULL);
    for (size_t i = 0; i < ARRAY_LEN(variant_names); i++) {
        const mailauth__scan_ops_t *ops = mailauth__scan_variant(variant_names[i]);
        if (ops != NULL)
            add_variant(tests, ops);
        else
            printf("# %s: not in this build or not run by this CPU\n", variant_names[i]);
    }
    return _cmocka_run_group_tests("scan", tests, ntests, NULL, NULL);
}
