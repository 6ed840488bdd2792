/* canon_vectors: canonicalization against published signed messages, read
 * in place from MAILAUTH_TESTDATA_DIR (shared/testdata; README there).
 *
 *  - every DKIM-Signature and ARC-Message-Signature of the listed messages:
 *    the body hash of its c=, a= and l= must equal its bh=;
 *  - RFC 8463 Appendix A.3: the header data each signature covers (relaxed
 *    fields named by h=, bottom-up, then the signature field with b=
 *    emptied, RFC 6376 §3.7) must hash like the canonical header data
 *    files written out from the RFC.
 * Exit 77 (skipped) when the test data folder is absent; a file missing
 * from it fails its test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canon/canon.h"
#include "crypto/crypto.h"
#include "support/testdata.h"
#include "util/base64.h"
#include "util/str.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FIELDS 256

typedef struct vec_file {
    const char *path;    /* under MAILAUTH_TESTDATA_DIR */
    bool        records; /* DNS record lines, then an empty line, then the message */
} vec_file_t;

static const vec_file_t files[] = {
    {"dkim/rfc8463-appendix-a/a3-signed.eml", false},
    {"dkim/rfc6376-appendix-a/a2-signed-errata.eml", false},
    {"dkim/stalwart-mail-auth/001.txt", true},
    {"dkim/stalwart-mail-auth/002.txt", true},
    {"dkim/stalwart-mail-auth/003.txt", true},
    {"dkim/stalwart-mail-auth/004.txt", true},
    {"dkim/stalwart-mail-auth/005.txt", true},
    {"dkim/stalwart-mail-auth/006.txt", true},
    {"dkim/dkimpy/rfc6376.signed.msg", false},
    {"dkim/dkimpy/ed25519test2.msg", false},
    {"dkim/dkimpy/test2.message", false},
};

typedef struct msg {
    char  *data; /* CRLF line ends */
    size_t len;
    size_t body; /* offset of the body */
    struct field {
        const char *p;
        size_t      n; /* without the CRLF */
        bool        used;
    } f[MAX_FIELDS];
    size_t nf;
} msg_t;

/* Read a file, drop a record preamble, turn bare LF into CRLF. */
static char *
load(const char *rel, bool records, size_t *len)
{
    char   path[1024];
    FILE  *f;
    char  *raw, *out, *p;
    long   size;
    size_t n = 0, k = 0;
    snprintf(path, sizeof(path), "%s/%s", MAILAUTH_TESTDATA_DIR, rel);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    raw = malloc((size_t)size + 1);
    out = calloc(2 * (size_t)size + 1, 1); /* zeroed: the analyzer cannot follow strstr */
    assert_true(raw != NULL && out != NULL);
    n = fread(raw, 1, (size_t)size, f);
    fclose(f);
    raw[n] = '\0';
    p = raw;
    if (records) {
        char *blank = strstr(raw, "\n\n");
        assert_non_null(blank);
        p = blank + 2;
    }
    for (; p < raw + n; p++) {
        if (*p == '\n' && (k == 0 || out[k - 1] != '\r'))
            out[k++] = '\r';
        out[k++] = *p;
    }
    out[k] = '\0';
    free(raw);
    *len = k;
    return out;
}

/* Index the header fields (RFC 5322 §2.2.3: a line starting with WSP
 * continues the field above). */
static void
split(msg_t *m)
{
    size_t pos = 0;
    m->nf = 0;
    while (pos < m->len) {
        const char *eol = strstr(m->data + pos, "\r\n");
        size_t      end = eol != NULL ? (size_t)(eol - m->data) : m->len;
        if (end == pos) {
            m->body = pos + 2;
            return;
        }
        if (m->data[pos] == ' ' || m->data[pos] == '\t') {
            assert_true(m->nf > 0);
            m->f[m->nf - 1].n = end - (size_t)(m->f[m->nf - 1].p - m->data);
        } else {
            assert_true(m->nf < MAX_FIELDS);
            m->f[m->nf++] = (struct field){m->data + pos, end - pos, false};
        }
        pos = end + 2;
    }
    m->body = m->len;
}

static bool
named(const struct field *f, const char *name)
{
    size_t n = strlen(name);
    return f->n > n && mailauth__eq_ci_n(f->p, name, n) &&
           (f->p[n] == ':' || f->p[n] == ' ' || f->p[n] == '\t');
}

/* Value of tag `tag` in a tag=value field: [*off, *off + *len) of the
 * field, whitespace around it included (as RFC 6376 §3.7 deletes it). */
static bool
tag(const struct field *f, const char *tag, size_t *off, size_t *len)
{
    const char *colon = memchr(f->p, ':', f->n);
    size_t      i = colon != NULL ? (size_t)(colon - f->p) + 1 : f->n;
    while (i < f->n) {
        size_t eq, semi, s = i;
        while (s < f->n && mailauth__is_space((unsigned char)f->p[s]))
            s++;
        for (eq = s; eq < f->n && f->p[eq] != '=' && f->p[eq] != ';'; eq++)
            ;
        for (semi = eq; semi < f->n && f->p[semi] != ';'; semi++)
            ;
        {
            size_t e = eq;
            while (e > s && mailauth__is_space((unsigned char)f->p[e - 1]))
                e--;
            if (eq < f->n && f->p[eq] == '=' && e - s == strlen(tag) &&
                memcmp(f->p + s, tag, e - s) == 0) {
                *off = eq + 1;
                *len = semi - eq - 1;
                return true;
            }
        }
        i = semi + 1;
    }
    return false;
}

/* A tag value without any whitespace, NUL-terminated into buf. */
static bool
tag_text(const struct field *f, const char *name, char *buf, size_t cap)
{
    size_t off = 0, len = 0, k = 0;
    if (!tag(f, name, &off, &len))
        return false;
    for (size_t i = off; i < off + len && k + 1 < cap; i++)
        if (!mailauth__is_space((unsigned char)f->p[i]))
            buf[k++] = f->p[i];
    buf[k] = '\0';
    return true;
}

static void
check_bh(const char *file, const msg_t *m, const struct field *f)
{
    char                    a[64] = "", c[64] = "simple/simple", bh[128] = "", l[32] = "", got[64];
    const char             *slash;
    mailauth__hash_alg_t    alg;
    mailauth__canon_t       canon;
    uint64_t                limit = MAILAUTH__BODY_NO_LIMIT;
    mailauth__body_canon_t *bc = NULL;
    uint8_t                 d[MAILAUTH__HASH_MAX];
    assert_true(tag_text(f, "a", a, sizeof(a)) && tag_text(f, "bh", bh, sizeof(bh)));
    tag_text(f, "c", c, sizeof(c));
    slash = strchr(c, '/');
    canon = slash != NULL && strcmp(slash + 1, "relaxed") == 0 ? MAILAUTH__CANON_RELAXED
                                                               : MAILAUTH__CANON_SIMPLE;
    alg = strcmp(a, "rsa-sha1") == 0 ? MAILAUTH__HASH_SHA1 : MAILAUTH__HASH_SHA256;
    if (tag_text(f, "l", l, sizeof(l)))
        limit = strtoull(l, NULL, 10);
    assert_int_equal(mailauth__body_canon_new(NULL, canon, alg, limit, &bc), MAILAUTH_OK);
    /* Fed in uneven pieces, as a stream would come. */
    for (size_t i = m->body, step = 1; i < m->len; i += step, step = step * 3 + 1) {
        size_t k = m->len - i < step ? m->len - i : step;
        assert_int_equal(mailauth__body_canon_feed(bc, m->data + i, k), MAILAUTH_OK);
    }
    assert_int_equal(mailauth__body_canon_end(bc, d, NULL), MAILAUTH_OK);
    mailauth__body_canon_free(bc);
    mailauth__b64_encode(d, mailauth__hash_len(alg), got);
    if (strcmp(got, bh) != 0)
        fail_msg("%s: %.40s... (c=%s a=%s): body hash %s, bh=%s", file, f->p, c, a, got, bh);
}

static void
test_canon_vectors_bh(void **state)
{
    const vec_file_t *vf = *state;
    msg_t            *m = calloc(1, sizeof(*m));
    size_t            sigs = 0;
    assert_non_null(m);
    m->data = load(vf->path, vf->records, &m->len);
    if (m->data == NULL) {
        free(m);
        fail_msg("%s/%s cannot be read", MAILAUTH_TESTDATA_DIR, vf->path);
    }
    split(m);
    for (size_t i = 0; i < m->nf; i++) {
        if (named(&m->f[i], "DKIM-Signature") || named(&m->f[i], "ARC-Message-Signature")) {
            check_bh(vf->path, m, &m->f[i]);
            sigs++;
        }
    }
    assert_true(sigs > 0);
    free(m->data);
    free(m);
}

/* h= names (colon-separated, WSP around them) hashed bottom-up (§5.4.2). */
static void
hash_signed_fields(msg_t *m, const struct field *sig, mailauth__hash_t *h)
{
    char        list[512];
    const char *p = list;
    assert_true(tag_text(sig, "h", list, sizeof(list)));
    while (*p != '\0') {
        const char *e = strchr(p, ':');
        size_t      n = e != NULL ? (size_t)(e - p) : strlen(p);
        char        name[64];
        assert_true(n < sizeof(name));
        memcpy(name, p, n);
        name[n] = '\0';
        for (size_t i = m->nf; i-- > 0;) {
            if (!m->f[i].used && named(&m->f[i], name)) {
                m->f[i].used = true;
                assert_int_equal(
                    mailauth__canon_header(h, MAILAUTH__CANON_RELAXED, m->f[i].p, m->f[i].n),
                    MAILAUTH_OK);
                break;
            }
        } /* a name with no instance left contributes nothing (§5.4) */
        p += n + (e != NULL);
    }
}

static void
test_canon_vectors_rfc8463_headers(void **state)
{
    static const char *const data[] = {
        "dkim/rfc8463-appendix-a/a3-canonical-header-data-ed25519.txt",
        "dkim/rfc8463-appendix-a/a3-canonical-header-data-rsa.txt"};
    msg_t *m = calloc(1, sizeof(*m));
    size_t nsig = 0;
    (void)state;
    assert_non_null(m);
    m->data = load(files[0].path, false, &m->len);
    if (m->data == NULL) {
        free(m);
        fail_msg("%s/%s cannot be read", MAILAUTH_TESTDATA_DIR, files[0].path);
    }
    split(m);
    for (size_t i = 0; i < m->nf; i++) {
        mailauth__hash_t *h = NULL;
        uint8_t           got[32], want[32];
        size_t            off = 0, len = 0, dlen = 0;
        char             *expect;
        if (!named(&m->f[i], "DKIM-Signature"))
            continue;
        assert_true(nsig < ARRAY_LEN(data));
        expect = load(data[nsig++], false, &dlen);
        assert_non_null(expect);
        for (size_t k = 0; k < m->nf; k++)
            m->f[k].used = false;
        assert_int_equal(mailauth__hash_new(NULL, MAILAUTH__HASH_SHA256, &h), MAILAUTH_OK);
        hash_signed_fields(m, &m->f[i], h);
        assert_true(tag(&m->f[i], "b", &off, &len));
        assert_int_equal(
            mailauth__canon_header_sig(h, MAILAUTH__CANON_RELAXED, m->f[i].p, m->f[i].n, off, len),
            MAILAUTH_OK);
        assert_int_equal(mailauth__hash_final(h, got), MAILAUTH_OK);
        mailauth__hash_free(h);
        assert_int_equal(mailauth__hash_once(MAILAUTH__HASH_SHA256, expect, dlen, want),
                         MAILAUTH_OK);
        if (memcmp(got, want, 32) != 0)
            fail_msg("%s: the hashed header data differs", data[nsig - 1]);
        free(expect);
    }
    assert_int_equal(nsig, 2);
    free(m->data);
    free(m);
}

int
main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(files) + 1];
    size_t            k = 0;
    if (!testdata_present()) {
        printf("SKIP: no test data at %s\n", MAILAUTH_TESTDATA_DIR);
        return TESTDATA_SKIP;
    }
    for (size_t i = 0; i < ARRAY_LEN(files); i++)
        tests[k++] = (struct CMUnitTest){.name = files[i].path,
                                         .test_func = test_canon_vectors_bh,
                                         .initial_state = (void *)&files[i]};
    tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_canon_vectors_rfc8463_headers);
    return _cmocka_run_group_tests("canon_vectors", tests, k, NULL, NULL);
}
