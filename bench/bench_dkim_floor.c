/* bench_dkim: the floors, OpenSSL alone doing the unavoidable work.
 *
 * floor   (key decoded beforehand, as a verifier with a warm key cache
 *         holds it) SHA-256 of the raw body in one EVP_Digest call,
 *         SHA-256 of the canonical header input, and the signature check:
 *         RSA with EVP_PKEY_verify of the digest on a context set up once,
 *         Ed25519 with EVP_DigestVerify of the digest (RFC 8463 §3);
 * cfloor  the same with a key seen for the first time: the key built from
 *         its numbers (RSA: n and e through EVP_PKEY_fromdata, the
 *         cheapest way OpenSSL 3 offers; Ed25519: the raw 32 bytes), a
 *         verification context set up for it and freed, and the key freed,
 *         for every message. An RSA key's first verification also pays
 *         for its Montgomery set-up, which later ones reuse. Base64 and DER
 *         of the DNS record are the verifier's work and are not in it. */
#include "bench_dkim.h"

#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

struct bd_floor {
    EVP_MD       *md; /* fetched once: no implicit fetch per call */
    EVP_PKEY     *pub;
    EVP_PKEY_CTX *pc;      /* RSA: verify context set up once */
    EVP_MD_CTX   *mc;      /* Ed25519 */
    OSSL_PARAM   *rsa_num; /* cfloor RSA: n and e */
    uint8_t       raw[32]; /* cfloor Ed25519 */
    enum bd_alg   alg;
};

struct bd_floor *
bd_floor_new(const struct bd_keys *k, const struct bd_msg *m)
{
    struct bd_floor *f = calloc(1, sizeof(*f));
    size_t           rl = sizeof(f->raw);
    int              ok;
    if (f == NULL)
        return NULL;
    f->alg = m->alg;
    f->pub = k->pub[m->alg];
    f->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    f->mc = EVP_MD_CTX_new();
    if (m->alg == BD_RSA) {
        f->pc = EVP_PKEY_CTX_new_from_pkey(NULL, f->pub, NULL);
        ok = f->pc != NULL && EVP_PKEY_verify_init(f->pc) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(f->pc, RSA_PKCS1_PADDING) == 1 &&
             EVP_PKEY_CTX_set_signature_md(f->pc, f->md) == 1 &&
             EVP_PKEY_todata(f->pub, EVP_PKEY_PUBLIC_KEY, &f->rsa_num) == 1;
    } else {
        ok = EVP_PKEY_get_raw_public_key(f->pub, f->raw, &rl) == 1 && rl == sizeof(f->raw);
    }
    if (!ok || f->md == NULL || f->mc == NULL) {
        bd_floor_free(f);
        return NULL;
    }
    return f;
}

static int
digests(struct bd_floor *f, const struct bd_msg *m, unsigned char hd[32])
{
    unsigned char bh[32];
    unsigned int  n = 0;
    return EVP_Digest(m->body, m->body_len, bh, &n, f->md, NULL) == 1 &&
           EVP_Digest(m->hinput, m->hinput_len, hd, &n, f->md, NULL) == 1;
}

static int
verify_ed25519(struct bd_floor *f, EVP_PKEY *pub, const struct bd_msg *m, const unsigned char *hd)
{
    /* RFC 8463 §3: Ed25519 signs the SHA-256 digest of the header input. */
    return EVP_DigestVerifyInit_ex(f->mc, NULL, NULL, NULL, NULL, pub, NULL) == 1 &&
           EVP_DigestVerify(f->mc, m->sig, m->sig_len, hd, 32) == 1;
}

int
bd_floor_run(struct bd_floor *f, const struct bd_msg *m)
{
    unsigned char hd[32];
    if (!digests(f, m, hd))
        return 0;
    if (f->alg == BD_RSA)
        return EVP_PKEY_verify(f->pc, m->sig, m->sig_len, hd, sizeof(hd)) == 1;
    return verify_ed25519(f, f->pub, m, hd);
}

static int
cold_rsa(struct bd_floor *f, const struct bd_msg *m, const unsigned char *hd)
{
    EVP_PKEY_CTX *bc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL), *vc = NULL;
    EVP_PKEY     *key = NULL;
    int           ok = bc != NULL && EVP_PKEY_fromdata_init(bc) == 1 &&
             EVP_PKEY_fromdata(bc, &key, EVP_PKEY_PUBLIC_KEY, f->rsa_num) == 1 &&
             (vc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) != NULL &&
             EVP_PKEY_verify_init(vc) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(vc, RSA_PKCS1_PADDING) == 1 &&
             EVP_PKEY_CTX_set_signature_md(vc, f->md) == 1 &&
             EVP_PKEY_verify(vc, m->sig, m->sig_len, hd, 32) == 1;
    EVP_PKEY_CTX_free(vc);
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(bc);
    return ok;
}

int
bd_floor_cold_run(struct bd_floor *f, const struct bd_msg *m)
{
    unsigned char hd[32];
    EVP_PKEY     *key;
    int           ok;
    if (!digests(f, m, hd))
        return 0;
    if (f->alg == BD_RSA)
        return cold_rsa(f, m, hd);
    key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, f->raw, sizeof(f->raw));
    ok = key != NULL && verify_ed25519(f, key, m, hd);
    EVP_PKEY_free(key);
    return ok;
}

void
bd_floor_free(struct bd_floor *f)
{
    if (f == NULL)
        return;
    EVP_PKEY_CTX_free(f->pc);
    EVP_MD_CTX_free(f->mc);
    EVP_MD_free(f->md);
    OSSL_PARAM_free(f->rsa_num);
    free(f);
}
