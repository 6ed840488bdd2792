/* Message digests for DKIM: SHA-256 and SHA-1 (RFC 6376 §3.3) over
 * OpenSSL's EVP_MD_CTX.
 *
 * Each hash object takes its algorithm from the ctx's kit (a reference, no
 * lookup) or fetches it once (EVP_MD_fetch), and keeps one EVP_MD_CTX. Passing a fetched EVP_MD to
 * EVP_DigestInit_ex() again after a final re-initializes the provider context in place: no new
 * fetch, no new allocation, so a hash object is cheap to reuse for every header field set and every
 * signature of a message. */
#include "crypto/crypto.h"

#include <stdatomic.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "util/alloc.h"

struct mailauth__hash {
    const mailauth_allocator_t *al;
    const mailauth__hash_kit_t *kit; /* where it goes back when freed (NULL: freed) */
    EVP_MD                     *md;  /* fetched, owned */
    EVP_MD_CTX                 *ctx;
    mailauth__hash_alg_t        alg;
    bool                        broken; /* an update failed: final reports it */
    bool                        spent;  /* finalized: initialized again on next use */
};

size_t
mailauth__hash_len(mailauth__hash_alg_t alg)
{
    return alg == MAILAUTH__HASH_SHA1 ? 20 : 32;
}

static const char *
md_name(mailauth__hash_alg_t alg)
{
    return alg == MAILAUTH__HASH_SHA1 ? "SHA1" : "SHA256";
}

static void hash_destroy(mailauth__hash_t *h);

void
mailauth__hash_kit_init(mailauth__hash_kit_t *kit)
{
    kit->md[MAILAUTH__HASH_SHA256] = EVP_MD_fetch(NULL, md_name(MAILAUTH__HASH_SHA256), NULL);
    kit->md[MAILAUTH__HASH_SHA1] = EVP_MD_fetch(NULL, md_name(MAILAUTH__HASH_SHA1), NULL);
    for (size_t a = 0; a < 2; a++) {
        mailauth__spares_init(kit->spare[a], MAILAUTH__HASH_SPARES);
    }
}

void
mailauth__hash_kit_clear(mailauth__hash_kit_t *kit)
{
    for (size_t a = 0; a < 2; a++) {
        for (size_t i = 0; i < MAILAUTH__HASH_SPARES; i++)
            hash_destroy(mailauth__spares_drain(kit->spare[a], i));
    }
    for (size_t i = 0; i < sizeof(kit->md) / sizeof(kit->md[0]); i++) {
        EVP_MD_free(kit->md[i]);
        kit->md[i] = NULL;
    }
}

/* The spares are a cache beside the kit's digests, not part of its value:
 * a const kit lends and takes them back (like a public key's contexts). */
static mailauth__hash_t *
spare_take(const mailauth__hash_kit_t *kit, mailauth__hash_alg_t alg)
{
    mailauth__hash_kit_t *mk = (mailauth__hash_kit_t *)(uintptr_t)kit;
    return mailauth__spares_take(mk->spare[alg], MAILAUTH__HASH_SPARES);
}

static bool
spare_give(mailauth__hash_t *h)
{
    mailauth__hash_kit_t *mk = (mailauth__hash_kit_t *)(uintptr_t)h->kit;
    return mailauth__spares_give(mk->spare[h->alg], MAILAUTH__HASH_SPARES, h);
}

/* The algorithm: a new reference to the kit's, or fetched now. */
static EVP_MD *
get_md(const mailauth__hash_kit_t *kit, mailauth__hash_alg_t alg)
{
    EVP_MD *md = kit != NULL ? kit->md[alg] : NULL;
    if (md != NULL && EVP_MD_up_ref(md) == 1)
        return md;
    return EVP_MD_fetch(NULL, md_name(alg), NULL);
}

mailauth_status_t
mailauth__hash_new_kit(const mailauth_allocator_t *al, const mailauth__hash_kit_t *kit,
                       mailauth__hash_alg_t alg, mailauth__hash_t **out)
{
    mailauth__hash_t *h = NULL;
    mailauth_status_t st = MAILAUTH_ENOMEM;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || (alg != MAILAUTH__HASH_SHA256 && alg != MAILAUTH__HASH_SHA1))
        return MAILAUTH_EINVAL;
    /* A spare of the same allocator is a new hash once initialized again,
     * which its first update or final does (spent). */
    if (kit != NULL && (h = spare_take(kit, alg)) != NULL) {
        if (h->al == al) {
            h->spent = true;
            h->broken = false;
            *out = h;
            return MAILAUTH_OK;
        }
        hash_destroy(h);
        h = NULL;
    }
    h = mailauth__calloc(al, 1, sizeof(*h));
    if (h == NULL)
        goto fail;
    h->al = al;
    h->alg = alg;
    h->ctx = EVP_MD_CTX_new();
    if (h->ctx == NULL)
        goto fail;
    st = MAILAUTH_ECRYPTO;
    h->md = get_md(kit, alg);
    if (h->md == NULL || EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1)
        goto fail;
    h->kit = kit;
    *out = h;
    return MAILAUTH_OK;
fail:
    hash_destroy(h);
    return st;
}

mailauth_status_t
mailauth__hash_new(const mailauth_allocator_t *al, mailauth__hash_alg_t alg, mailauth__hash_t **out)
{
    return mailauth__hash_new_kit(al, NULL, alg, out);
}

/* A finalized hash starts over at its next use, not at the final: a hash
 * used once (most are) never pays for an initialization it does not need. */
static void
restart(mailauth__hash_t *h)
{
    h->spent = false;
    h->broken = EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1;
}

void
mailauth__hash_update(mailauth__hash_t *h, const void *p, size_t n)
{
    if (h == NULL || n == 0)
        return;
    if (h->spent)
        restart(h);
    if (EVP_DigestUpdate(h->ctx, p, n) != 1)
        h->broken = true;
}

mailauth_status_t
mailauth__hash_final(mailauth__hash_t *h, uint8_t *out)
{
    unsigned int      len = 0;
    mailauth_status_t st = MAILAUTH_OK;
    if (h == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    if (h->spent) /* nothing fed since the last final: the digest of no bytes */
        restart(h);
    if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != mailauth__hash_len(h->alg) ||
        h->broken)
        st = MAILAUTH_ECRYPTO;
    /* Ready for the next message part, whatever happened above. */
    h->spent = true;
    h->broken = false;
    return st;
}

static void
hash_destroy(mailauth__hash_t *h)
{
    if (h == NULL)
        return;
    EVP_MD_CTX_free(h->ctx);
    EVP_MD_free(h->md);
    mailauth__free(h->al, h);
}

void
mailauth__hash_free(mailauth__hash_t *h)
{
    if (h == NULL || (h->kit != NULL && spare_give(h)))
        return;
    hash_destroy(h);
}

mailauth_status_t
mailauth__hash_once(mailauth__hash_alg_t alg, const void *p, size_t n, uint8_t *out)
{
    unsigned int  len = 0;
    const EVP_MD *md = NULL;
    if (out == NULL || (p == NULL && n > 0))
        return MAILAUTH_EINVAL;
    if (alg == MAILAUTH__HASH_SHA256)
        md = EVP_sha256();
    else if (alg == MAILAUTH__HASH_SHA1)
        md = EVP_sha1();
    else
        return MAILAUTH_EINVAL;
    if (EVP_Digest(n > 0 ? p : "", n, out, &len, md, NULL) != 1 || len != mailauth__hash_len(alg))
        return MAILAUTH_ECRYPTO;
    return MAILAUTH_OK;
}
