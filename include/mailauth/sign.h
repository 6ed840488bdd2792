/* mailauth: signing. DKIM signatures (RFC 6376, RFC 8463) and the keys
 * they are made with; ARC sealing builds on the same keys. */
#ifndef MAILAUTH_SIGN_H
#define MAILAUTH_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/dns.h>
#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! A private key (RSA or Ed25519). Immutable once loaded: one key may be
 *  used by any number of signers, also from several threads. */
typedef struct mailauth_key mailauth_key_t;

/*! Key algorithms. */
typedef enum mailauth_key_type {
    MAILAUTH_KEY_RSA = 0,
    MAILAUTH_KEY_ED25519 = 1
} mailauth_key_type_t;

/*! "rsa" or "ed25519". */
MAILAUTH_API const char *mailauth_key_type_name(mailauth_key_type_t t);

/*! Load an unencrypted PEM private key: RSA in PKCS#1 ("RSA PRIVATE KEY")
 *  or PKCS#8 ("PRIVATE KEY"), Ed25519 in PKCS#8.
 *  \param[in]  ctx  Context (allocator); must outlive the key.
 *  \param[in]  pem  The PEM text (need not be NUL-terminated); not kept.
 *  \param[out] out  New key, freed with mailauth_key_free(); NULL on error.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (not a supported key, or an RSA key
 *          under 1024 bits), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_key_load_pem(mailauth_ctx_t *ctx, const char *pem,
                                                     size_t len, mailauth_key_t **out);

/*! Free a key. NULL is a no-op. Free every signer using it first. */
MAILAUTH_API void mailauth_key_free(mailauth_key_t *key);

/*! The key's algorithm. */
MAILAUTH_API mailauth_key_type_t mailauth_key_type(const mailauth_key_t *key);

/*! Key size in bits (RSA modulus; 256 for Ed25519). */
MAILAUTH_API unsigned mailauth_key_bits(const mailauth_key_t *key);

/*! Format the DNS TXT record that publishes the public half
 *  ("v=DKIM1; k=rsa; p=..."), like snprintf.
 *  \return MAILAUTH_OK, MAILAUTH_ENOSPC (retry with *need + 1), MAILAUTH_EINVAL,
 *          MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_key_dns_record(const mailauth_key_t *key, char *buf,
                                                       size_t cap, size_t *need);

/*! Canonicalization algorithms (RFC 6376 §3.4). */
typedef enum mailauth_canon {
    MAILAUTH_CANON_SIMPLE = 0,
    MAILAUTH_CANON_RELAXED = 1
} mailauth_canon_t;

/*! "simple" or "relaxed". */
MAILAUTH_API const char *mailauth_canon_name(mailauth_canon_t c);

/*! One DKIM signature being made over one message. Fed like an evaluation:
 *  header fields, end of headers, body chunks, end of message; then the
 *  DKIM-Signature field is read with mailauth_dkim_signer_result(). Not
 *  thread-safe (one message, one thread). */
typedef struct mailauth_dkim_signer mailauth_dkim_signer_t;

/*! Create a signer.
 *  Defaults: a= rsa-sha256 or ed25519-sha256 from the key; c=relaxed/relaxed;
 *  the default header list (From, oversigned, then To, Cc, Subject, Date,
 *  Message-ID, Reply-To, In-Reply-To, References, MIME-Version, Content-Type,
 *  Content-Transfer-Encoding, each signed as often as it occurs); t= now
 *  (ctx wall clock); no x=, no l=, no i=.
 *  \param[in] ctx       Context (allocator, clock); must outlive the signer.
 *  \param[in] key       Signing key; borrowed, must outlive the signer.
 *  \param[in] domain    d=, a domain name (U-labels are converted); copied.
 *  \param[in] selector  s=, a selector (dot-separated labels); copied.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_new(mailauth_ctx_t *ctx,
                                                        const mailauth_key_t *key,
                                                        const char *domain, const char *selector,
                                                        mailauth_dkim_signer_t **out);

/*! Free a signer. NULL is a no-op. */
MAILAUTH_API void mailauth_dkim_signer_free(mailauth_dkim_signer_t *s);

/*! Choose the canonicalization (before the first header).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_canon(mailauth_dkim_signer_t *s,
                                                              mailauth_canon_t header,
                                                              mailauth_canon_t body);

/*! Sign exactly these header fields, in this order: a colon-separated list
 *  ("from:to:subject"), written to h= as given (blanks around names
 *  dropped). Each entry takes the next instance of its name from the bottom
 *  of the header up (RFC 6376 §5.4.2); a name listed once more than the
 *  message has it is oversigned. Must include From. Before the first header.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (empty, bad name, no From, more than
 *          1024 names), MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_headers(mailauth_dkim_signer_t *s,
                                                                const char *list);

/*! Include l= (the body length signed: the whole canonicalized body). Off
 *  by default: l= lets anyone append to the body (RFC 6376 §8.2). Until
 *  end_message(). \return MAILAUTH_OK, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_body_length(mailauth_dkim_signer_t *s,
                                                                    int on);

/*! Set x= to t= + seconds (0 removes it). Until end_message().
 *  \return MAILAUTH_OK, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_expiry(mailauth_dkim_signer_t *s,
                                                               uint32_t seconds);

/*! Set i= (must be d= or a subdomain after the '@'); NULL removes it.
 *  The domain is converted to A-labels; the local-part is written in
 *  dkim-quoted-printable (RFC 6376 §2.11). Until end_message().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_auid(mailauth_dkim_signer_t *s,
                                                             const char *auid);

/*! Feed one whole header field ("Name: value", folding kept, with or
 *  without the trailing CRLF; a bare LF is taken as CRLF), in message
 *  order. Only the fields to be signed are kept.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (not a field), MAILAUTH_ELIMIT
 *          (over the ctx header limits: left out; if it was to be signed,
 *          end_message() then fails), MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_header(mailauth_dkim_signer_t *s,
                                                           const char *field, size_t len);

/*! End of the header section. \return MAILAUTH_OK, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_end_headers(mailauth_dkim_signer_t *s);

/*! Feed body bytes, any chunking (bare LF is taken as CRLF).
 *  \return MAILAUTH_OK, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_body(mailauth_dkim_signer_t *s,
                                                         const void *chunk, size_t len);

/*! Feed a whole message (header, empty line, body) instead of header(),
 *  end_headers() and body(), split as mailauth_eval_message() does (LF line
 *  ends accepted); then call end_message(). Only before any header() call.
 *  \return as mailauth_dkim_signer_header(); MAILAUTH_ELIMIT or MAILAUTH_EINVAL
 *          if a field was left out (the rest was still fed). */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_message(mailauth_dkim_signer_t *s,
                                                            const void *msg, size_t len);

/*! End of message: computes the signature (t= is the ctx wall clock now).
 *  After MAILAUTH_ENOMEM it may be called again.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (the message has no From field),
 *          MAILAUTH_ELIMIT (a field to be signed was refused by a limit),
 *          MAILAUTH_ESTATE, MAILAUTH_ECRYPTO, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_end_message(mailauth_dkim_signer_t *s);

/*! The complete "DKIM-Signature: ..." field, folded at 78 columns with
 *  CRLF + TAB, without the final CRLF; prepend it to the message. Like
 *  snprintf. \return MAILAUTH_OK, MAILAUTH_ENOSPC (retry with *need + 1),
 *  MAILAUTH_ESTATE (end_message not done). */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_result(const mailauth_dkim_signer_t *s,
                                                           char *buf, size_t cap, size_t *need);

MAILAUTH_END_DECLS

#endif
