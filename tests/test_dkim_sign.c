/* DKIM signing (include/mailauth/sign.h, lib/dkim/dkim_sign*.c, dkim_signer.c,
 * dkim_hlist.c, signing_key.c).
 *
 * Every signature made here is checked three ways: the field's shape
 * (78 columns, CRLF TAB folds), the signature parser of the verifier
 * (mailauth__sig_parse), and an independent verification written in this
 * file from RFC 6376 §3.7 / §6.1.3 (body hash, header hash over the h=
 * fields taken bottom-up, the field with its b= value deleted). The
 * cross-check with dkimpy and Mail::DKIM is tests/dkim_interop.cmake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mailauth/mailauth.h>

#include "canon/canon.h"
#include "crypto/crypto.h"
#include "dkim/dkim.h"
#include "dkim/dkim_sign.h"
#include "msg/msg.h"
#include "support/fail_alloc.h"
#include "support/testdata.h"
#include "util/arena.h"
#include "util/base64.h"
#include "util/str.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define T_NOW 1700000000u /* pinned signing time */
#define NAME_LEN 15       /* "DKIM-Signature:" */

#include "test_dkim_sign_cases.h"

/* ------------------------------------------------------------ helpers */

static uint64_t
pinned_clock(void *ud, mailauth_clock_kind_t kind)
{
    (void)ud;
    return kind == MAILAUTH_CLOCK_WALL ? (uint64_t)T_NOW * 1000u : 0;
}

static char *
read_data(const char *dir, const char *name, size_t *len)
{
    char  path[512];
    FILE *f = NULL;
    char *buf = NULL;
    long  n = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

static mailauth_ctx_t *
new_ctx(const mailauth_allocator_t *al)
{
    mailauth_ctx_t *ctx = NULL;
    if (mailauth_ctx_new(al, &ctx) != MAILAUTH_OK)
        return NULL;
    if (mailauth_ctx_set_clock(ctx, pinned_clock, NULL) != MAILAUTH_OK) {
        mailauth_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

static mailauth_key_t *
load_key(mailauth_ctx_t *ctx, const char *dir, const char *file)
{
    size_t len = 0;
    char  *pem = read_data(dir != NULL ? dir : MAILAUTH_TEST_DATA "/dkim_sign", file, &len);
    mailauth_key_t *key = NULL;
    assert_int_equal(mailauth_key_load_pem(ctx, pem, len, &key), MAILAUTH_OK);
    free(pem);
    return key;
}

/* The finished field in a new string. */
static char *
result_of(const mailauth_dkim_signer_t *s)
{
    size_t need = 0;
    char  *out = NULL;
    assert_int_equal(mailauth_dkim_signer_format(s, NULL, 0, &need), MAILAUTH_ENOSPC);
    out = malloc(need + 1);
    assert_non_null(out);
    assert_int_equal(mailauth_dkim_signer_format(s, out, need + 1, NULL), MAILAUTH_OK);
    assert_int_equal(strlen(out), need);
    return out;
}

/* RFC 5322 §2.1.1 / §2.2.3: lines of at most 78 octets, each continuation
 * CRLF + TAB, no trailing blanks, no final CRLF, no bare CR or LF. */
static void
check_shape(const char *f)
{
    size_t col = 0, n = strlen(f);
    assert_true(strncmp(f, "DKIM-Signature: v=1; ", 21) == 0);
    for (size_t i = 0; i < n; i++) {
        if (f[i] == '\r') {
            assert_true(i + 2 < n && f[i + 1] == '\n' && f[i + 2] == '\t');
            assert_true(f[i - 1] != ' ' && f[i - 1] != '\t');
            i += 1;
            col = 0;
            continue;
        }
        assert_true(f[i] != '\n');
        if (++col > 78)
            fail_msg("line longer than 78 columns in:\n%s", f);
    }
    assert_true(f[n - 1] != ' ' && f[n - 1] != '\t');
}

/* -------------------------------------------- the independent verifier */

typedef struct vmsg {
    mailauth__hdr_index_t   idx;
    mailauth__body_canon_t *bc;
} vmsg_t;

static mailauth_status_t
v_header(void *ud, const char *field, size_t len)
{
    return mailauth__hdr_index_add(&((vmsg_t *)ud)->idx, field, len);
}

static mailauth_status_t
v_end(void *ud)
{
    (void)ud;
    return MAILAUTH_OK;
}

static mailauth_status_t
v_body(void *ud, const void *p, size_t n)
{
    return mailauth__body_canon_feed(((vmsg_t *)ud)->bc, p, n);
}

/* RFC 6376 §6.1.3 with `field` prepended to `msg`; pub: the verifying key.
 * Returns 0 (pass), 1 (body hash), 2 (signature). *sig gets the parse. */
static int
verify_with(const char *field, const char *msg, size_t len, const mailauth__pubkey_t *pub,
            mailauth__arena_t *a, mailauth__sig_t *sig)
{
    mailauth__sig_err_t  err = {0};
    vmsg_t               v;
    mailauth__msg_sink_t sink = {
        .ud = &v, .header = v_header, .end_headers = v_end, .body = v_body};
    mailauth__hash_t *h = NULL;
    uint8_t           bh[32], digest[32];
    uint64_t          clen = 0;
    size_t            flen = strlen(field);
    int               rc = 0;
    assert_int_equal(
        mailauth__sig_parse(a, MAILAUTH__SIG_DKIM, field + NAME_LEN, flen - NAME_LEN, sig, &err),
        MAILAUTH_OK);
    if (err.reason != MAILAUTH_REASON_NONE)
        fail_msg("signature refused by the parser (%s):\n%s", err.what, field);
    mailauth__hdr_index_init(&v.idx, a, 0, 0);
    assert_int_equal(mailauth__body_canon_new(NULL, sig->c_body, MAILAUTH__HASH_SHA256,
                                              sig->has_l ? sig->l : MAILAUTH__BODY_NO_LIMIT, &v.bc),
                     MAILAUTH_OK);
    assert_int_equal(mailauth__msg_split(NULL, msg, len, 1u << 20, &sink), MAILAUTH_OK);
    assert_int_equal(mailauth__body_canon_end(v.bc, bh, &clen), MAILAUTH_OK);
    mailauth__body_canon_free(v.bc);
    if (sig->has_l)
        assert_true(sig->l == clen); /* the signer's l= is the whole canonical body */
    if (sig->bh_len != 32 || memcmp(bh, sig->bh, 32) != 0)
        return 1;
    assert_int_equal(mailauth__hash_new(NULL, MAILAUTH__HASH_SHA256, &h), MAILAUTH_OK);
    for (size_t j = 0; j < sig->h_count; j++) { /* §5.4.2: instances bottom-up */
        size_t                 pos = v.idx.n;
        const mailauth__hdr_t *f = NULL;
        for (size_t k = 0; k <= j; k++) {
            if (mailauth__eq_ci(sig->h[k], sig->h[j]) &&
                (f = mailauth__hdr_index_prev(&v.idx, sig->h[j], &pos)) == NULL)
                break;
        }
        if (f != NULL)
            assert_int_equal(mailauth__canon_header(h, sig->c_header, f->raw, f->len), MAILAUTH_OK);
    }
    assert_int_equal(mailauth__canon_header_sig(h, sig->c_header, field, flen,
                                                NAME_LEN + sig->b_off, sig->b_area),
                     MAILAUTH_OK);
    assert_int_equal(mailauth__hash_final(h, digest), MAILAUTH_OK);
    mailauth__hash_free(h);
    if (mailauth__pubkey_verify(pub, MAILAUTH__HASH_SHA256, digest, 32, sig->b, sig->b_len) !=
        MAILAUTH_OK)
        rc = 2;
    return rc;
}

/* The public half of a signing key, decoded as a verifier would. */
static mailauth__pubkey_t *
pub_of(const mailauth_key_t *key)
{
    const mailauth__privkey_t *pk = mailauth__dkim_privkey(key);
    uint8_t                   *der = NULL;
    size_t                     len = 0;
    unsigned                   bits = 0;
    mailauth__pubkey_t        *pub = NULL;
    assert_int_equal(mailauth__privkey_public_der(pk, NULL, &der, &len), MAILAUTH_OK);
    assert_int_equal(
        mailauth__pubkey_decode(NULL, mailauth__privkey_type(pk), der, len, &pub, &bits),
        MAILAUTH_OK);
    assert_int_equal(bits, mailauth_key_bits(key));
    free(der);
    return pub;
}

/* Sign `msg` and check the result fully; returns the field (free()). */
static char *
sign_checked(mailauth_ctx_t *ctx, const mailauth_key_t *key, const struct sign_case *c,
             const char *msg, size_t len, mailauth__sig_t *sig_out, mailauth__arena_t *a)
{
    mailauth_dkim_signer_t *s = NULL;
    mailauth__pubkey_t     *pub = pub_of(key);
    char                   *field = NULL;
    assert_int_equal(
        mailauth_dkim_signer_new(ctx, key, c->d ? c->d : "example.org", c->s ? c->s : "sel", &s),
        MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_set_canon(s, c->ch, c->cb), MAILAUTH_OK);
    if (c->h != NULL)
        assert_int_equal(mailauth_dkim_signer_set_headers(s, c->h), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_set_body_length(s, c->l), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_set_expiry(s, c->x), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_set_auid(s, c->i), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_message(s, msg, len), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(s), MAILAUTH_OK);
    field = result_of(s);
    mailauth_dkim_signer_free(s);
    check_shape(field);
    if (verify_with(field, msg, len, pub, a, sig_out) != 0)
        fail_msg("does not verify:\n%s", field);
    mailauth__pubkey_unref(pub);
    return field;
}

/* ----------------------------------------------------------- the matrix */

static char *
case_message(const struct sign_case *c, size_t *len)
{
    char *m = NULL;
    if (c->msg != NULL) {
        *len = strlen(c->msg);
        m = malloc(*len + 1);
        assert_non_null(m);
        memcpy(m, c->msg, *len + 1);
        return m;
    }
    return read_data(MAILAUTH_TESTDATA_DIR, c->msg_file, len);
}

/* The p= of the key's DNS record. */
static void
check_record(const mailauth_key_t *key, const char *want_p)
{
    char   rec[1024], want[1024];
    size_t need = 0;
    snprintf(want, sizeof(want), "v=DKIM1; k=%s; p=%s",
             mailauth_key_type_name(mailauth_key_type(key)), want_p);
    assert_int_equal(mailauth_key_format_dns_record(key, rec, sizeof(rec), &need), MAILAUTH_OK);
    assert_string_equal(rec, want);
    assert_int_equal(need, strlen(want));
}

static void
test_dkim_sign_case(void **state)
{
    const struct sign_case *c = *state;
    mailauth_ctx_t         *ctx = NULL;
    mailauth_key_t         *key = NULL;
    mailauth__arena_t       a;
    mailauth__sig_t         sig;
    size_t                  len = 0;
    char                   *msg = NULL;
    char                   *field = NULL;
    ctx = new_ctx(NULL);
    key = load_key(ctx, c->key_dir, c->key);
    msg = case_message(c, &len);
    mailauth__arena_init(&a, NULL);
    field = sign_checked(ctx, key, c, msg, len, &sig, &a);
    assert_int_equal(sig.alg, c->ed ? MAILAUTH__ALG_ED25519_SHA256 : MAILAUTH__ALG_RSA_SHA256);
    assert_int_equal((int)sig.c_header, (int)c->ch);
    assert_int_equal((int)sig.c_body, (int)c->cb);
    assert_string_equal(sig.d, c->d != NULL ? c->d : "example.org");
    assert_string_equal(sig.s, c->s != NULL ? c->s : "sel");
    assert_true(sig.has_t && sig.t == T_NOW);
    assert_int_equal(sig.has_x, c->x != 0);
    if (c->x != 0)
        assert_true(sig.x == (int64_t)T_NOW + c->x);
    assert_int_equal(sig.has_l, c->l);
    assert_int_equal(sig.i_given, c->i != NULL);
    if (c->i != NULL)
        assert_string_equal(sig.i, c->i);
    if (c->want_h != NULL) {
        char joined[512] = "";
        for (size_t j = 0; j < sig.h_count; j++) {
            strcat(joined, j ? ":" : "");
            strcat(joined, sig.h[j]);
        }
        assert_string_equal(joined, c->want_h);
    }
    if (c->want_bh != NULL) {
        char b64[64];
        mailauth__b64_encode(sig.bh, sig.bh_len, b64);
        assert_string_equal(b64, c->want_bh);
    }
    if (c->want_p != NULL)
        check_record(key, c->want_p);
    free(field);
    free(msg);
    mailauth__arena_clear(&a);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
}

/* ------------------------------------------------ what the h= list covers */

static void
test_dkim_sign_tamper(void **state)
{
    const struct tamper_case *t = *state;
    struct sign_case    c = {.ch = MAILAUTH_CANON_SIMPLE, .cb = MAILAUTH_CANON_SIMPLE, .h = t->h};
    mailauth_ctx_t     *ctx = new_ctx(NULL);
    mailauth_key_t     *key = load_key(ctx, NULL, "ed25519-pkcs8.pem");
    mailauth__pubkey_t *pub = pub_of(key);
    mailauth__arena_t   a;
    mailauth__sig_t     sig;
    char               *field = NULL;
    mailauth__arena_init(&a, NULL);
    field = sign_checked(ctx, key, &c, t->msg, strlen(t->msg), &sig, &a);
    assert_int_equal(verify_with(field, t->alt, strlen(t->alt), pub, &a, &sig), t->want);
    free(field);
    mailauth__arena_clear(&a);
    mailauth__pubkey_unref(pub);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
}

/* ------------------------------------------------- fields refused by a limit */

/* A field refused by a header limit is left out, and so is every entry of
 * its name in h=: the signature then verifies for a verifier that, with
 * larger limits, sees the refused field too (the independent verifier
 * here takes fields up to 1 MiB). A refused From leaves nothing to sign. */
struct refused_case {
    const char       *name;
    uint32_t          max_bytes, max_count; /* ctx limits; 0: the default */
    const char       *h;                    /* set_headers(), NULL: the default list */
    const char       *msg;                  /* "%s" stands for the long field */
    const char       *long_name;            /* its name, or NULL: none */
    size_t            long_len;             /* its length, without the CRLF */
    mailauth_status_t want;                 /* end_message() */
    size_t            refused;
    const char       *want_h; /* h= when signed */
};

#define R_LONG_NAME "X-Long-Name-Longer-Than-What-The-Splitter-Keeps"

static const struct refused_case refused_cases[] = {
    {"refused: 70 KiB Subject, default limits: signed without it", 0, 0, NULL,
     "From: a@example.org\r\n%sTo: b@example.net\r\nDate: d\r\n\r\nbody\r\n", "Subject", 70 * 1024,
     MAILAUTH_OK, 1, "from:from:to:date"},
    {"refused: the other Subject is not signed either", 200, 0, NULL,
     "From: a@example.org\r\nSubject: short\r\n%sTo: b@example.net\r\n\r\nbody\r\n", "Subject", 300,
     MAILAUTH_OK, 1, "from:from:to"},
    {"refused: a given list loses every entry of the name", 200, 0, "from:subject:to:Subject:from",
     "From: a@example.org\r\nSubject: short\r\n%sTo: b@example.net\r\n\r\nbody\r\n", "Subject", 300,
     MAILAUTH_OK, 1, "from:to:from"},
    {"refused: fields beyond the count", 0, 3, NULL,
     "From: a@example.org\r\nTo: b@example.net\r\nDate: d\r\nSubject: s\r\n"
     "Message-ID: <m@x>\r\n\r\nbody\r\n",
     NULL, 0, MAILAUTH_OK, 2, "from:from:to:date"},
    {"refused: an unsigned field changes nothing", 200, 0, NULL,
     "From: a@example.org\r\n%sSubject: s\r\n\r\nbody\r\n", "X-Other", 300, MAILAUTH_OK, 1,
     "from:from:subject"},
    {"refused: a name longer than the splitter keeps, listed", 20, 0, "from:" R_LONG_NAME,
     "From: a@example.org\r\n%s\r\nbody\r\n", R_LONG_NAME, 100, MAILAUTH_OK, 1, "from"},
    {"refused: From over the size limit", 200, 0, NULL, "%sTo: b@example.net\r\n\r\nbody\r\n",
     "From", 300, MAILAUTH_ELIMIT, 1, NULL},
    {"refused: From beyond the count", 0, 2, "from:to",
     "To: b@example.net\r\nDate: d\r\nFrom: a@example.org\r\n\r\nbody\r\n", NULL, 0,
     MAILAUTH_ELIMIT, 1, NULL},
};

/* c->msg with its long field in place (malloc). */
static char *
refused_msg(const struct refused_case *c)
{
    const char *at = strstr(c->msg, "%s");
    size_t      head = at != NULL ? (size_t)(at - c->msg) : strlen(c->msg);
    size_t      total = strlen(c->msg) + c->long_len + 2;
    char       *m = malloc(total + 1);
    assert_non_null(m);
    memcpy(m, c->msg, head);
    m[head] = '\0';
    if (at != NULL) {
        size_t n = strlen(c->long_name);
        memcpy(m + head, c->long_name, n);
        memcpy(m + head + n, ": ", 2);
        memset(m + head + n + 2, 'x', c->long_len - n - 2);
        memcpy(m + head + c->long_len, "\r\n", 2);
        strcpy(m + head + c->long_len + 2, at + 2);
    }
    return m;
}

static void
test_dkim_sign_refused(void **state)
{
    const struct refused_case *c = *state;
    mailauth_ctx_t            *ctx = new_ctx(NULL);
    mailauth_key_t            *key = NULL;
    mailauth_dkim_signer_t    *s = NULL;
    mailauth__pubkey_t        *pub = NULL;
    char                      *msg = refused_msg(c);
    char                      *field = NULL;
    mailauth__arena_t          a;
    mailauth__sig_t            sig;
    if (c->max_bytes != 0)
        assert_int_equal(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_BYTES, c->max_bytes),
                         MAILAUTH_OK);
    if (c->max_count != 0)
        assert_int_equal(mailauth_ctx_set_limit(ctx, MAILAUTH_LIMIT_HEADER_MAX_COUNT, c->max_count),
                         MAILAUTH_OK);
    key = load_key(ctx, NULL, "ed25519-pkcs8.pem");
    assert_int_equal(mailauth_dkim_signer_new(ctx, key, "example.org", "sel", &s), MAILAUTH_OK);
    if (c->h != NULL)
        assert_int_equal(mailauth_dkim_signer_set_headers(s, c->h), MAILAUTH_OK);
    /* The message was taken: the refusal is counted, not an error. */
    assert_int_equal(mailauth_dkim_signer_message(s, msg, strlen(msg)), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_refused(s), c->refused);
    assert_int_equal(mailauth_dkim_signer_end_message(s), c->want);
    if (c->want == MAILAUTH_OK) {
        char joined[512] = "";
        field = result_of(s);
        pub = pub_of(key);
        mailauth__arena_init(&a, NULL);
        if (verify_with(field, msg, strlen(msg), pub, &a, &sig) != 0)
            fail_msg("does not verify:\n%s", field);
        for (size_t j = 0; j < sig.h_count; j++) {
            strcat(joined, j ? ":" : "");
            strcat(joined, sig.h[j]);
        }
        assert_string_equal(joined, c->want_h);
        mailauth__arena_clear(&a);
        mailauth__pubkey_unref(pub);
        free(field);
    } else {
        assert_int_equal(mailauth_dkim_signer_end_message(s), c->want); /* says it again */
    }
    mailauth_dkim_signer_free(s);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
    free(msg);
}

/* ------------------------------------------------------------ chunking */

struct feed {
    mailauth_dkim_signer_t *s;
    size_t                  chunk; /* body bytes per call; 0: one call */
    bool                    lf;    /* hand header fields over with a trailing LF */
};

static mailauth_status_t
feed_header(void *ud, const char *field, size_t len)
{
    struct feed *f = ud;
    char         buf[512];
    if (!f->lf)
        return mailauth_dkim_signer_header(f->s, field, len);
    assert_true(len + 1 < sizeof(buf));
    memcpy(buf, field, len);
    buf[len] = '\n';
    return mailauth_dkim_signer_header(f->s, buf, len + 1);
}

static mailauth_status_t
feed_end(void *ud)
{
    return mailauth_dkim_signer_end_headers(((struct feed *)ud)->s);
}

static mailauth_status_t
feed_body(void *ud, const void *p, size_t n)
{
    struct feed      *f = ud;
    mailauth_status_t st = MAILAUTH_OK;
    size_t            step = f->chunk != 0 ? f->chunk : n;
    for (size_t i = 0; i < n && st == MAILAUTH_OK; i += step)
        st = mailauth_dkim_signer_body(f->s, (const char *)p + i, n - i < step ? n - i : step);
    return st;
}

/* Sign with the given feeding: 0 whole message(); else header()/body(). */
static char *
sign_fed(const mailauth_key_t *key, mailauth_ctx_t *ctx, const char *msg, size_t chunk, bool lf,
         bool whole)
{
    struct feed          f = {.chunk = chunk, .lf = lf};
    mailauth__msg_sink_t sink = {
        .ud = &f, .header = feed_header, .end_headers = feed_end, .body = feed_body};
    char *out = NULL;
    assert_int_equal(mailauth_dkim_signer_new(ctx, key, "example.org", "sel", &f.s), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_set_body_length(f.s, 1), MAILAUTH_OK);
    if (whole)
        assert_int_equal(mailauth_dkim_signer_message(f.s, msg, strlen(msg)), MAILAUTH_OK);
    else
        assert_int_equal(mailauth__msg_split(NULL, msg, strlen(msg), 1u << 20, &sink), MAILAUTH_OK);
    assert_int_equal(mailauth_dkim_signer_end_message(f.s), MAILAUTH_OK);
    out = result_of(f.s);
    mailauth_dkim_signer_free(f.s);
    return out;
}

/* The signature does not depend on how the message was cut, nor on LF vs
 * CRLF line ends (Ed25519 and RSA PKCS#1 v1.5 are deterministic). */
static void
test_dkim_sign_chunking(void **state)
{
    static const char *const crlf =
        "From: a@example.org\r\nSubject: a\r\n folded  one\r\n\r\n  x \t y\r\n\r\nz\rq\r\n\r\n";
    static const char *const lf =
        "From: a@example.org\nSubject: a\n folded  one\n\n  x \t y\n\nz\rq\n\n";
    static const char *const keyfiles[] = {"ed25519-pkcs8.pem", "rsa1024-pkcs1.pem"};
    (void)state;
    for (size_t k = 0; k < ARRAY_LEN(keyfiles); k++) {
        mailauth_ctx_t *ctx = new_ctx(NULL);
        mailauth_key_t *key = load_key(ctx, NULL, keyfiles[k]);
        char           *ref = sign_fed(key, ctx, crlf, 0, false, true);
        for (size_t chunk = 0; chunk <= 3; chunk++) {
            for (int variant = 0; variant < 4; variant++) {
                char *got =
                    sign_fed(key, ctx, (variant & 1) ? lf : crlf, chunk, (variant & 2) != 0, false);
                assert_string_equal(got, ref);
                free(got);
            }
        }
        free(ref);
        ref = sign_fed(key, ctx, lf, 0, false, true);
        free(ref);
        mailauth_key_free(key);
        mailauth_ctx_free(ctx);
    }
}

/* ------------------------------------------------- folding at every column */

/* d= of every length up to the longest that fits on a line ("\td=...;"
 * in 78 columns) and s= of many lengths shift every later tag through
 * every column: each field stays within 78 columns and verifies. */
static void
test_dkim_sign_columns(void **state)
{
    mailauth_ctx_t *ctx = new_ctx(NULL);
    mailauth_key_t *keys2[2] = {load_key(ctx, NULL, "ed25519-pkcs8.pem"),
                                load_key(ctx, NULL, "rsa2048-pkcs8.pem")};
    (void)state;
    for (size_t n = 1; n + 12 <= 74; n++) {
        char              dom[96], sel[96];
        mailauth__arena_t a;
        mailauth__sig_t   sig;
        struct sign_case  c = {.ch = MAILAUTH_CANON_RELAXED,
                               .cb = MAILAUTH_CANON_SIMPLE,
                               .d = dom,
                               .s = sel,
                               .l = (n & 1) != 0,
                               .x = (uint32_t)n * 7919u};
        char             *field = NULL;
        for (size_t i = 0; i < n; i++) /* labels of at most 49 octets */
            dom[i] = (i % 50 == 49 && i + 1 < n) ? '.' : 'd';
        memcpy(dom + n, ".example.org", 13);
        memset(sel, 's', n % 60 + 1);
        sel[n % 60 + 1] = '\0';
        c.h = (n % 3) == 0 ? "from:to:to:subject:x-other:date:message-id:from" : NULL;
        mailauth__arena_init(&a, NULL);
        field = sign_checked(ctx, keys2[n & 1], &c, MSG_BASIC, strlen(MSG_BASIC), &sig, &a);
        free(field);
        mailauth__arena_clear(&a);
    }
    mailauth_key_free(keys2[0]);
    mailauth_key_free(keys2[1]);
    mailauth_ctx_free(ctx);
}

/* ------------------------------------------------------- out of memory */

/* One whole signing with `al`; the field (free()) or NULL, *st the failure. */
static char *
sign_with(const mailauth_allocator_t *al, const char *pem, size_t pem_len, mailauth_status_t *st)
{
    mailauth_ctx_t         *ctx = new_ctx(al);
    mailauth_key_t         *key = NULL;
    mailauth_dkim_signer_t *s = NULL;
    char                   *out = NULL;
    char                    buf[2048];
    *st = ctx != NULL ? MAILAUTH_OK : MAILAUTH_ENOMEM;
    if (*st == MAILAUTH_OK)
        *st = mailauth_key_load_pem(ctx, pem, pem_len, &key);
    if (*st == MAILAUTH_OK)
        *st = mailauth_dkim_signer_new(ctx, key, "b\xc3\xbc\x63her.example", "sel", &s);
    if (*st == MAILAUTH_OK)
        *st = mailauth_dkim_signer_set_headers(s, "from:to:subject:to:from");
    if (*st == MAILAUTH_OK)
        *st = mailauth_dkim_signer_set_auid(s, "x;y@B\xc3\xbc\x63her.example");
    if (*st == MAILAUTH_OK)
        *st = mailauth_dkim_signer_message(s, MSG_BASIC, strlen(MSG_BASIC));
    if (*st == MAILAUTH_OK) {
        *st = mailauth_dkim_signer_end_message(s);
        if (*st == MAILAUTH_ENOMEM) /* the failure was one allocation: a retry must work */
            assert_int_equal(mailauth_dkim_signer_end_message(s), MAILAUTH_OK);
        if (*st == MAILAUTH_ENOMEM || *st == MAILAUTH_OK)
            assert_int_equal(mailauth_dkim_signer_format(s, buf, sizeof(buf), NULL), MAILAUTH_OK);
        if (*st == MAILAUTH_ENOMEM || *st == MAILAUTH_OK)
            out = strdup(buf);
    }
    mailauth_dkim_signer_free(s);
    mailauth_key_free(key);
    mailauth_ctx_free(ctx);
    return out;
}

static void
test_dkim_sign_enomem(void **state)
{
    static const char *const keyfiles[] = {"ed25519-pkcs8.pem", "rsa1024-pkcs1.pem"};
    (void)state;
    for (size_t k = 0; k < ARRAY_LEN(keyfiles); k++) {
        size_t            pem_len = 0;
        char             *pem = read_data(MAILAUTH_TEST_DATA "/dkim_sign", keyfiles[k], &pem_len);
        mailauth_status_t st;
        char             *ref = sign_with(NULL, pem, pem_len, &st);
        unsigned long     n = 1;
        assert_int_equal(st, MAILAUTH_OK);
        assert_non_null(strstr(ref, "d=xn--bcher-kva.example;"));
        assert_non_null(strstr(ref, "i=x=3By@xn--bcher-kva.example;"));
        for (;; n++) {
            fail_alloc_t fa;
            char        *got = NULL;
            fail_alloc_init(&fa, n);
            got = sign_with(&fa.al, pem, pem_len, &st);
            assert_int_equal(fa.live, 0);
            if (got != NULL)
                assert_string_equal(got, ref); /* done, or retried after ENOMEM */
            free(got);
            if (!fail_alloc_reached(&fa))
                break;
            assert_int_equal(st, MAILAUTH_ENOMEM);
        }
        assert_true(n > 10 && n < 10000);
        free(ref);
        free(pem);
    }
}

int
main(int argc, char **argv)
{
    static struct sign_case        matrix[ARRAY_LEN(keys) * 4 * ARRAY_LEN(variants)];
    static char                    names[ARRAY_LEN(matrix)][96];
    static const struct CMUnitTest single[] = {
        cmocka_unit_test(test_dkim_sign_chunking),
        cmocka_unit_test(test_dkim_sign_columns),
        cmocka_unit_test(test_dkim_sign_enomem),
    };
    struct CMUnitTest tests[ARRAY_LEN(matrix) + ARRAY_LEN(extra_cases) + ARRAY_LEN(tamper_cases) +
                            ARRAY_LEN(refused_cases) + ARRAY_LEN(single)];
    size_t            n = 0;
    bool              conformance = false;
    int               rc = testdata_select(argc, argv, &conformance);
    if (rc >= 0)
        return rc;
    /* The cases that read the shared test data (msg_file) are the conformance group. */
    for (size_t i = 0; i < ARRAY_LEN(extra_cases) && conformance; i++) {
        if (extra_cases[i].msg_file != NULL)
            tests[n++] = (struct CMUnitTest){.name = extra_cases[i].name,
                                             .test_func = test_dkim_sign_case,
                                             .initial_state = (void *)&extra_cases[i]};
    }
    if (conformance)
        return _cmocka_run_group_tests("dkim_sign_conformance", tests, n, NULL, NULL);
    for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
        for (unsigned cc = 0; cc < 4; cc++) {
            for (size_t v = 0; v < ARRAY_LEN(variants); v++) {
                struct sign_case *c = &matrix[n];
                *c = variants[v];
                c->key = keys[k].file;
                c->ed = keys[k].ed;
                c->ch = (mailauth_canon_t)(cc >> 1);
                c->cb = (mailauth_canon_t)(cc & 1);
                snprintf(names[n], sizeof(names[n]), "%s %s/%s %s", keys[k].file,
                         mailauth_canon_name(c->ch), mailauth_canon_name(c->cb), variants[v].name);
                tests[n] = (struct CMUnitTest){
                    .name = names[n], .test_func = test_dkim_sign_case, .initial_state = c};
                n++;
            }
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(extra_cases); i++) {
        if (extra_cases[i].msg_file == NULL)
            tests[n++] = (struct CMUnitTest){.name = extra_cases[i].name,
                                             .test_func = test_dkim_sign_case,
                                             .initial_state = (void *)&extra_cases[i]};
    }
    for (size_t i = 0; i < ARRAY_LEN(tamper_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = tamper_cases[i].name,
                                         .test_func = test_dkim_sign_tamper,
                                         .initial_state = (void *)&tamper_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(refused_cases); i++)
        tests[n++] = (struct CMUnitTest){.name = refused_cases[i].name,
                                         .test_func = test_dkim_sign_refused,
                                         .initial_state = (void *)&refused_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(single); i++)
        tests[n++] = single[i];
    return _cmocka_run_group_tests("dkim_sign", tests, n, NULL, NULL);
}
