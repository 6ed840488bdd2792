/* bench_dkim corpus: the two keys, realistic messages signed by mailauth's
 * own signer, and the floor's inputs (the canonical header hash input and
 * the decoded b=), rebuilt here independently of the library so that the
 * floor's signature check also cross-checks the signer. */
#include "bench_dkim.h"
#include "bench_arrival.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

static const char *const words[] = {
    "the",     "meeting", "is",     "on",       "Monday",   "please",  "review", "attached",
    "report",  "and",     "send",   "comments", "before",   "Friday",  "we",     "will",
    "discuss", "budget",  "for",    "next",     "quarter",  "thanks",  "a",      "of",
    "to",      "in",      "that",   "it",       "with",     "as",      "at",     "this",
    "project", "team",    "update", "server",   "delivery", "message", "mail",   "results",
    "should",  "could",   "would",  "about",    "schedule", "I",       "you",    "our"};


const char *
bd_alg_name(enum bd_alg alg)
{
    return alg == BD_RSA ? "rsa-sha256" : "ed25519-sha256";
}

static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---------------------------------------------------------------- keys */

static mailauth_key_t *
load_private(mailauth_ctx_t *ctx, EVP_PKEY *pk)
{
    BIO            *bio = BIO_new(BIO_s_mem());
    char           *pem = NULL;
    long            n;
    mailauth_key_t *key = NULL;
    if (bio == NULL || PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1)
        goto out;
    n = BIO_get_mem_data(bio, &pem);
    if (n > 0 && mailauth_key_load_pem(ctx, pem, (size_t)n, &key) != MAILAUTH_OK)
        key = NULL;
out:
    BIO_free(bio);
    return key;
}

/* The public half alone, through DER, as a verifier holds it. */
static EVP_PKEY *
public_only(EVP_PKEY *pk)
{
    unsigned char       *der = NULL;
    const unsigned char *p;
    int                  n = i2d_PUBKEY(pk, &der);
    EVP_PKEY            *pub = NULL;
    if (n <= 0)
        return NULL;
    p = der;
    pub = d2i_PUBKEY(NULL, &p, n);
    OPENSSL_free(der);
    return pub;
}

static char *
key_record(const mailauth_key_t *key)
{
    size_t need = 0;
    char  *buf;
    if (mailauth_key_format_dns_record(key, NULL, 0, &need) != MAILAUTH_ENOSPC)
        return NULL;
    buf = malloc(need + 1);
    if (buf != NULL && mailauth_key_format_dns_record(key, buf, need + 1, &need) != MAILAUTH_OK) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

int
bd_keys_make(mailauth_ctx_t *ctx, struct bd_keys *k)
{
    EVP_PKEY *pk[2];
    int       ok = 1;
    memset(k, 0, sizeof(*k));
    pk[BD_RSA] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    pk[BD_ED25519] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    for (int i = 0; i < 2; i++) {
        if (pk[i] == NULL) {
            ok = 0;
            continue;
        }
        k->priv[i] = load_private(ctx, pk[i]);
        k->pub[i] = public_only(pk[i]);
        k->record[i] = k->priv[i] != NULL ? key_record(k->priv[i]) : NULL;
        if (k->priv[i] == NULL || k->pub[i] == NULL || k->record[i] == NULL)
            ok = 0;
        EVP_PKEY_free(pk[i]);
    }
    return ok ? 0 : -1;
}

void
bd_keys_free(struct bd_keys *k)
{
    for (int i = 0; i < 2; i++) {
        mailauth_key_free(k->priv[i]);
        EVP_PKEY_free(k->pub[i]);
        free(k->record[i]);
    }
    memset(k, 0, sizeof(*k));
}

/* One TXT record as quoted character-strings of at most 200 bytes. */
static size_t
put_txt(char *out, const char *owner, unsigned ttl, const char *rec)
{
    size_t n = (size_t)sprintf(out, "%s %u TXT", owner, ttl), len = strlen(rec);
    for (size_t i = 0; i < len; i += 200) {
        size_t k = len - i < 200 ? len - i : 200;
        n += (size_t)sprintf(out + n, " \"%.*s\"", (int)k, rec + i);
    }
    out[n++] = '\n';
    out[n] = '\0';
    return n;
}

char *
bd_zone_text(const struct bd_keys *k, unsigned ttl)
{
    size_t len = strlen(k->record[0]) + strlen(k->record[1]) + 512;
    char  *z = malloc(len);
    size_t n;
    if (z == NULL)
        return NULL;
    n = put_txt(z, "rsa._domainkey." BD_DOMAIN, ttl, k->record[BD_RSA]);
    put_txt(z + n, "ed._domainkey." BD_DOMAIN, ttl, k->record[BD_ED25519]);
    return z;
}

/* ---------------------------------------------------------------- message */

/* Text lines of 70-80 columns, paragraphs, about one line in 16 with
 * trailing whitespace; exactly `len` bytes ending in CRLF. */
static void
make_body(char *b, size_t len, uint64_t seed)
{
    size_t n = 0;
    while (n + 2 < len) {
        size_t   width = 70 + (size_t)(rnd(&seed) % 11), col = 0;
        uint64_t r = rnd(&seed) % 100;
        if (r < 12) { /* paragraph break */
            memcpy(b + n, "\r\n", 2);
            n += 2;
            continue;
        }
        while (n + 2 < len) {
            const char *w = words[rnd(&seed) % (sizeof(words) / sizeof(words[0]))];
            size_t      wl = strlen(w);
            if (col > 0 && col + 1 + wl > width)
                break;
            if (col > 0 && n + 3 < len)
                b[n++] = ' ';
            for (size_t i = 0; i < wl && n + 2 < len; i++, col++)
                b[n++] = w[i];
            col++;
        }
        if (r >= 94 && n + 4 < len) /* trailing blank(s) */
            b[n++] = r % 2 ? ' ' : '\t';
        if (r >= 97 && n + 4 < len)
            b[n++] = ' ';
        memcpy(b + n, "\r\n", 2);
        n += 2;
    }
    for (; n < len; n++) /* the last line ends in CRLF */
        b[n] = n + 1 == len ? '\n' : '\r';
}

/* Sign head + body; the DKIM-Signature field (no CRLF) into *out. */
static int
sign(mailauth_ctx_t *ctx, const struct bd_keys *k, enum bd_alg alg, mailauth_canon_t canon,
     const char *msg, size_t len, char **out)
{
    mailauth_dkim_signer_t *s = NULL;
    size_t                  need = 0;
    int                     ok = 0;
    *out = NULL;
    if (mailauth_dkim_signer_new(ctx, k->priv[alg], BD_DOMAIN, alg == BD_RSA ? "rsa" : "ed", &s) !=
        MAILAUTH_OK)
        return -1;
    if (mailauth_dkim_signer_set_canon(s, canon, canon) == MAILAUTH_OK &&
        mailauth_dkim_signer_message(s, msg, len) == MAILAUTH_OK &&
        mailauth_dkim_signer_end_message(s) == MAILAUTH_OK &&
        mailauth_dkim_signer_format(s, NULL, 0, &need) == MAILAUTH_ENOSPC &&
        (*out = malloc(need + 1)) != NULL &&
        mailauth_dkim_signer_format(s, *out, need + 1, &need) == MAILAUTH_OK)
        ok = 1;
    mailauth_dkim_signer_free(s);
    return ok ? 0 : -1;
}

/* Header fields of raw[0, hlen) (which ends with the empty line), without
 * their CRLFs, copied into m->fbuf. */
static int
split_fields(struct bd_msg *m, size_t hlen)
{
    size_t i = 0, cap = 64;
    m->fbuf = malloc(hlen);
    m->field = malloc(cap * sizeof(*m->field));
    m->field_len = malloc(cap * sizeof(*m->field_len));
    if (m->fbuf == NULL || m->field == NULL || m->field_len == NULL)
        return -1;
    memcpy(m->fbuf, m->raw, hlen);
    while (i + 2 <= hlen && !(m->fbuf[i] == '\r' && m->fbuf[i + 1] == '\n')) {
        size_t start = i;
        for (;;) { /* to the CRLF not followed by a continuation */
            const char *lf = memchr(m->fbuf + i, '\n', hlen - i);
            i = (size_t)(lf - m->fbuf) + 1;
            if (m->fbuf[i] != ' ' && m->fbuf[i] != '\t')
                break;
        }
        if (m->nfields == cap)
            return -1;
        m->field[m->nfields] = m->fbuf + start;
        m->field_len[m->nfields++] = i - 2 - start;
    }
    return 0;
}

/* Raw message and body to bare LF line ends, in place. */
static void
to_lf(struct bd_msg *m)
{
    size_t w = 0, body_off = (size_t)((const char *)m->body - m->raw), new_off = 0;
    for (size_t i = 0; i < m->raw_len; i++) {
        if (i == body_off)
            new_off = w;
        if (!(m->raw[i] == '\r' && i + 1 < m->raw_len && m->raw[i + 1] == '\n'))
            m->raw[w++] = m->raw[i];
    }
    m->body_len = w - new_off;
    m->raw_len = w;
    m->body = (const uint8_t *)m->raw + new_off;
}

int
bd_msg_make(mailauth_ctx_t *ctx, const struct bd_keys *k, enum bd_alg alg, mailauth_canon_t canon,
            size_t target, struct bd_msg *m)
{
    return bd_msg_make_kind(ctx, k, alg, canon, BD_BODY_CLASSIC, target, m);
}

int
bd_msg_make_kind(mailauth_ctx_t *ctx, const struct bd_keys *k, enum bd_alg alg,
                 mailauth_canon_t canon, enum bd_body kind, size_t target, struct bd_msg *m)
{
    size_t hlen = strlen(bench_arrival_header), blen = target - hlen - 2;
    char  *msg = malloc(target), *sig = NULL;
    int    rc = -1;
    memset(m, 0, sizeof(*m));
    m->alg = alg;
    m->kind = kind;
    m->canon = canon;
    m->target = target;
    if (msg == NULL)
        return -1;
    memcpy(msg, bench_arrival_header, hlen);
    memcpy(msg + hlen, "\r\n", 2);
    if (kind == BD_BODY_CLASSIC)
        make_body(msg + hlen + 2, blen, 0x9e3779b97f4a7c15u ^ target);
    else
        bd_text_make(kind, msg + hlen + 2, blen, 0x9e3779b97f4a7c15u ^ target);
    if (sign(ctx, k, alg, canon, msg, target, &sig) == 0) {
        size_t sl = strlen(sig);
        m->raw_len = sl + 2 + target;
        m->raw = malloc(m->raw_len);
        if (m->raw != NULL) {
            memcpy(m->raw, sig, sl);
            memcpy(m->raw + sl, "\r\n", 2);
            memcpy(m->raw + sl + 2, msg, target);
            m->body = (const uint8_t *)m->raw + sl + 2 + hlen + 2;
            m->body_len = blen;
            rc = split_fields(m, sl + 2 + hlen + 2);
        }
    }
    free(sig);
    free(msg);
    if (rc == 0)
        rc = bd_hash_input(m);
    if (rc == 0 && kind == BD_BODY_LF)
        to_lf(m);
    return rc;
}

void
bd_msg_free(struct bd_msg *m)
{
    free(m->raw);
    free(m->fbuf);
    free(m->field);
    free(m->field_len);
    free(m->hinput);
    memset(m, 0, sizeof(*m));
}
