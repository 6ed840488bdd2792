/* The private signing key handle (include/mailauth/sign.h): the crypto
 * layer's private key for DKIM signatures and ARC seals, the DNS record
 * that publishes its public half, and the name functions of the signing
 * enums. Loading with a ctx is lib/core's (sign_api.c). */
#include <mailauth/sign.h>

#include <string.h>

#include "dkim/dkim_sign.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"

struct mailauth_key {
    const mailauth_allocator_t *al; /* the allocator the handle came from (the ctx's) */
    mailauth__privkey_t        *pk;
    mailauth_key_type_t         type;
    unsigned                    bits;
};

/* RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits. */
#define KEY_RSA_MIN_BITS 1024u

const char *
mailauth_key_type_name(mailauth_key_type_t t)
{
    switch (t) {
    case MAILAUTH_KEY_RSA:
        return "rsa";
    case MAILAUTH_KEY_ED25519:
        return "ed25519";
    }
    return "unknown";
}

const char *
mailauth_canon_name(mailauth_canon_t c)
{
    switch (c) {
    case MAILAUTH_CANON_SIMPLE:
        return "simple";
    case MAILAUTH_CANON_RELAXED:
        return "relaxed";
    }
    return "unknown";
}

/* The handle around a crypto key (taken over, freed on failure). */
static mailauth_status_t
wrap(const mailauth_allocator_t *al, mailauth__privkey_t *pk, mailauth_key_t **out)
{
    mailauth_key_t *key;
    if (mailauth__privkey_type(pk) == MAILAUTH__KEY_RSA &&
        mailauth__privkey_bits(pk) < KEY_RSA_MIN_BITS) {
        mailauth__privkey_free(pk);
        return MAILAUTH_EINVAL;
    }
    key = mailauth__calloc(al, 1, sizeof(*key));
    if (key == NULL) {
        mailauth__privkey_free(pk);
        return MAILAUTH_ENOMEM;
    }
    key->al = al;
    key->pk = pk;
    key->type = mailauth__privkey_type(pk) == MAILAUTH__KEY_ED25519 ? MAILAUTH_KEY_ED25519
                                                                    : MAILAUTH_KEY_RSA;
    key->bits = mailauth__privkey_bits(pk);
    *out = key;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__signing_key_load(const mailauth_allocator_t *al, const char *pem, size_t len,
                           mailauth_key_t **out)
{
    mailauth__privkey_t *pk = NULL;
    mailauth_status_t    st;
    if (out != NULL)
        *out = NULL;
    if (al == NULL || out == NULL || (pem == NULL && len != 0))
        return MAILAUTH_EINVAL;
    st = mailauth__privkey_load_pem(al, pem != NULL ? pem : "", len, &pk);
    if (st != MAILAUTH_OK)
        return st;
    return wrap(al, pk, out);
}

mailauth_status_t
mailauth__signing_key_generate(const mailauth_allocator_t *al, mailauth_key_type_t type,
                               unsigned bits, mailauth_key_t **out)
{
    mailauth__privkey_t *pk = NULL;
    mailauth_status_t    st;
    if (out != NULL)
        *out = NULL;
    if (al == NULL || out == NULL || (type != MAILAUTH_KEY_RSA && type != MAILAUTH_KEY_ED25519))
        return MAILAUTH_EINVAL;
    st = mailauth__privkey_generate(
        al, type == MAILAUTH_KEY_RSA ? MAILAUTH__KEY_RSA : MAILAUTH__KEY_ED25519, bits, &pk);
    if (st != MAILAUTH_OK)
        return st;
    return wrap(al, pk, out);
}

mailauth_status_t
mailauth_key_format_pem(const mailauth_key_t *key, char *buf, size_t cap, size_t *need)
{
    if (need != NULL)
        *need = 0;
    if (key == NULL || (buf == NULL && cap != 0))
        return MAILAUTH_EINVAL;
    return mailauth__privkey_pem(key->pk, buf, cap, need);
}

void
mailauth_key_free(mailauth_key_t *key)
{
    if (key == NULL)
        return;
    mailauth__privkey_free(key->pk);
    mailauth__free(key->al, key);
}

mailauth_key_type_t
mailauth_key_type(const mailauth_key_t *key)
{
    return key != NULL ? key->type : MAILAUTH_KEY_RSA;
}

unsigned
mailauth_key_bits(const mailauth_key_t *key)
{
    return key != NULL ? key->bits : 0;
}

const mailauth__privkey_t *
mailauth__dkim_privkey(const mailauth_key_t *key)
{
    return key != NULL ? key->pk : NULL;
}

/* RFC 6376 §3.6.1 (and RFC 8463 §4.2 for k=ed25519: p= is the raw 32-byte
 * public key). v=DKIM1 first, as §3.6.1 requires when v= is present. */
mailauth_status_t
mailauth_key_format_dns_record(const mailauth_key_t *key, char *buf, size_t cap, size_t *need)
{
    static const char head[] = "v=DKIM1; k=";
    uint8_t          *der = NULL;
    size_t            der_len = 0;
    mailauth__sb_t    sb;
    char             *b64 = NULL;
    mailauth_status_t st;
    if (need != NULL)
        *need = 0;
    if (key == NULL || (buf == NULL && cap != 0))
        return MAILAUTH_EINVAL;
    st = mailauth__privkey_public_der(key->pk, key->al, &der, &der_len);
    if (st != MAILAUTH_OK)
        return st;
    mailauth__sb_init(&sb, key->al, 0);
    b64 = mailauth__malloc(key->al, mailauth__b64_encoded_len(der_len) + 1);
    if (b64 == NULL) {
        st = MAILAUTH_ENOMEM;
        goto done;
    }
    mailauth__b64_encode(der, der_len, b64);
    st = mailauth__sb_puts(&sb, head);
    if (st == MAILAUTH_OK)
        st = mailauth__sb_puts(&sb, mailauth_key_type_name(key->type));
    if (st == MAILAUTH_OK)
        st = mailauth__sb_puts(&sb, "; p=");
    if (st == MAILAUTH_OK)
        st = mailauth__sb_puts(&sb, b64);
    if (st == MAILAUTH_OK)
        st = mailauth__copy_out(sb.p, sb.len, buf, cap, need);
done:
    mailauth__sb_clear(&sb);
    mailauth__free(key->al, b64);
    mailauth__free(key->al, der);
    return st;
}
