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
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_key_load_pem(mailauth_ctx_t *ctx,
                                                                        const char *pem, size_t len,
                                                                        mailauth_key_t **out);

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
MAILAUTH_API mailauth_status_t mailauth_key_format_dns_record(const mailauth_key_t *key, char *buf,
                                                              size_t cap, size_t *need);

/*! Make a new signing key (1.1): RSA of `bits` bits (public exponent
 *  65537; 2048 is the usual choice, RFC 8301 §3.2 asks for at least 1024)
 *  or Ed25519 (RFC 8463; `bits` ignored), from OpenSSL's default random
 *  source. Save it with mailauth_key_format_pem() and publish it with
 *  mailauth_key_format_dns_record().
 *  \param[in]  ctx  Context (allocator); must outlive the key.
 *  \param[out] out  New key, freed with mailauth_key_free(); NULL on error.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument, unknown type, RSA
 *          bits outside 1024..16384), MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t mailauth_key_generate(mailauth_ctx_t     *ctx,
                                                                        mailauth_key_type_t type,
                                                                        unsigned            bits,
                                                                        mailauth_key_t    **out);

/*! Format the private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE
 *  KEY-----", which mailauth_key_load_pem() reads back), like snprintf.
 *  The text is the secret: write it to a file only the signer can read.
 *  \return MAILAUTH_OK, MAILAUTH_ENOSPC (retry with *need + 1),
 *          MAILAUTH_EINVAL, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
MAILAUTH_API mailauth_status_t mailauth_key_format_pem(const mailauth_key_t *key, char *buf,
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
 *  DKIM-Signature field is read with mailauth_dkim_signer_format(). Not
 *  thread-safe (one message, one thread).
 *
 *  Header limits: a field over MAILAUTH_LIMIT_HEADER_MAX_BYTES, or beyond
 *  MAILAUTH_LIMIT_HEADER_MAX_COUNT fields, is refused: counted
 *  (mailauth_dkim_signer_refused()) and left out, while the call that
 *  brought it still returns MAILAUTH_OK. A refused field is never signed,
 *  and neither is any other field of its name: every entry of that name
 *  is left out of h=, with the default list and with a list given to
 *  mailauth_dkim_signer_set_headers() alike, so that a verifier (which
 *  takes the fields of a name from the bottom up, RFC 6376 §5.4.2, under
 *  its own limits) never takes the refused one for a signed one. A
 *  refused From leaves nothing to sign (RFC 6376 §5.4: From MUST be
 *  signed): mailauth_dkim_signer_end_message() then returns
 *  MAILAUTH_ELIMIT. */
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
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_dkim_signer_new(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain,
                         const char *selector, mailauth_dkim_signer_t **out);

/*! Free a signer. NULL is a no-op. */
MAILAUTH_API void mailauth_dkim_signer_free(mailauth_dkim_signer_t *s);

/*! Choose the canonicalization (before the first header).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_canon(mailauth_dkim_signer_t *s,
                                                              mailauth_canon_t        header,
                                                              mailauth_canon_t        body);

/*! Sign exactly these header fields, in this order: a colon-separated list
 *  ("from:to:subject"), written to h= as given (blanks around names
 *  dropped), less the names of fields refused by a header limit (see
 *  mailauth_dkim_signer_t). Each entry takes the next instance of its name
 *  from the bottom of the header up (RFC 6376 §5.4.2); a name listed once
 *  more than the message has it is oversigned. Must include From. Before
 *  the first header; on failure the list in use stays.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (empty, bad name, no From, more than
 *          1024 names), MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_headers(mailauth_dkim_signer_t *s,
                                                                const char             *list);

/*! Include l= (the body length signed: the whole canonicalized body). Off
 *  by default: l= lets anyone append to the body (RFC 6376 §8.2). Until
 *  end_message(). \return MAILAUTH_OK, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_body_length(mailauth_dkim_signer_t *s,
                                                                    int                     on);

/*! Set x= to t= + seconds (0 removes it). Until end_message().
 *  \return MAILAUTH_OK, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_expiry(mailauth_dkim_signer_t *s,
                                                               uint32_t                seconds);

/*! Set i= (must be d= or a subdomain after the '@'); NULL removes it.
 *  The domain is converted to A-labels; the local-part is written in
 *  dkim-quoted-printable (RFC 6376 §2.11). Until end_message().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_set_auid(mailauth_dkim_signer_t *s,
                                                             const char             *auid);

/*! Feed one whole header field ("Name: value", folding kept, with or
 *  without the trailing CRLF; a bare LF is taken as CRLF), in message
 *  order; copied. Only the fields to be signed are kept. A field over the
 *  ctx header limits is refused and counted (see mailauth_dkim_signer_t):
 *  the call still took it.
 *  \return MAILAUTH_OK (kept, not needed, or refused by a limit),
 *          MAILAUTH_EINVAL (NULL with len > 0, or not a header field),
 *          MAILAUTH_ESTATE (headers ended), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_header(mailauth_dkim_signer_t *s,
                                                           const char *field, size_t len);

/*! End of the header section.
 *  \return MAILAUTH_OK, MAILAUTH_ESTATE, MAILAUTH_ENOMEM (may be called again). */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_end_headers(mailauth_dkim_signer_t *s);

/*! Feed body bytes, any chunking (bare LF is taken as CRLF); not kept.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (NULL with len > 0), MAILAUTH_ESTATE,
 *          MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_body(mailauth_dkim_signer_t *s,
                                                         const void *chunk, size_t len);

/*! Feed a whole message (header, empty line, body) instead of header(),
 *  end_headers() and body(), split as mailauth_eval_message() does (LF line
 *  ends accepted); then call end_message(). Only before any header() call.
 *  Fields refused by a header limit are counted, as by header().
 *  \return MAILAUTH_OK (the message was taken), MAILAUTH_EINVAL (NULL with
 *          len > 0), MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_message(mailauth_dkim_signer_t *s,
                                                            const void *msg, size_t len);

/*! How many header fields a header limit refused so far (they are not
 *  signed; see mailauth_dkim_signer_t). 0 for NULL. */
MAILAUTH_API size_t mailauth_dkim_signer_refused(const mailauth_dkim_signer_t *s);

/*! End of message: computes the signature (t= is the ctx wall clock now).
 *  After MAILAUTH_ENOMEM it may be called again. Other refused fields
 *  only shorten h= (see mailauth_dkim_signer_t).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (the message has no From field),
 *          MAILAUTH_ELIMIT (a From field was refused by a header limit: no
 *          signature can be made), MAILAUTH_ESTATE (end_headers() not
 *          done, or called again after MAILAUTH_OK), MAILAUTH_ECRYPTO,
 *          MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_dkim_signer_end_message(mailauth_dkim_signer_t *s);

/*! The complete "DKIM-Signature: ..." field, folded at 78 columns with
 *  CRLF + TAB, without the final CRLF; prepend it to the message. Like
 *  snprintf. \return MAILAUTH_OK, MAILAUTH_ENOSPC (retry with *need + 1),
 *  MAILAUTH_ESTATE (end_message not done). */
MAILAUTH_API mailauth_status_t mailauth_dkim_signer_format(const mailauth_dkim_signer_t *s,
                                                           char *buf, size_t cap, size_t *need);

/* ------------------------------------------------------------------ ARC sealing */

/*! One ARC set being added to one message (RFC 8617 §5.1): an
 *  ARC-Authentication-Results (AAR), an ARC-Message-Signature (AMS) and an
 *  ARC-Seal (AS) with the next instance number. Fed like a DKIM signer;
 *  not thread-safe (one message, one thread).
 *
 *  The chain validation status the seal states (cv=) comes from, in this
 *  order: mailauth_arc_sealer_set_chain() (the verdict of the caller's own
 *  evaluation: no second DNS round); else the sealer's own validation of
 *  the incoming chain when a resolver was given
 *  (mailauth_arc_sealer_set_resolver(), keys asked at end of headers);
 *  else the `arc=` result of this host's Authentication-Results field (the
 *  convention of the ARC test suite). A message without ARC header fields
 *  gets cv=none; one with an ARC field whose instance cannot be read cannot
 *  be sealed (end_message() says MAILAUTH_EINVAL).
 *
 *  The AAR carries every result of the Authentication-Results fields whose
 *  authserv-id is the sealer's (RFC 8617 §4.1.1), top to bottom, as
 *  written, each on its own line, preceded by `arc=<cv>` when those fields
 *  have no arc result. The AMS is made like a DKIM signature with
 *  c=relaxed/relaxed over the body and the listed header fields; ARC
 *  fields are never signed by it (RFC 8617 §4.1.2). The AS covers the ARC
 *  sets 1..i in order, AAR, AMS, AS each (§5.1.1), or only the new set
 *  when cv=fail (§5.1.2). When the newest seal already says cv=fail, no
 *  set is added at all (§5.1 step 2: instance() is 0, format() is empty).
 *
 *  Header limits: a field over MAILAUTH_LIMIT_HEADER_MAX_BYTES, or beyond
 *  MAILAUTH_LIMIT_HEADER_MAX_COUNT fields, is refused: counted
 *  (mailauth_arc_sealer_refused()) and left out, while the call that
 *  brought it still returns MAILAUTH_OK. The AMS follows the DKIM
 *  signer's rule (mailauth_dkim_signer_t): no field of a refused field's
 *  name is signed, and a refused From means no set. A refused ARC-* field
 *  or Authentication-Results field means no set either: the chain, or the
 *  results the AAR carries, cannot be known. In those cases
 *  mailauth_arc_sealer_end_message() returns MAILAUTH_ELIMIT. */
typedef struct mailauth_arc_sealer mailauth_arc_sealer_t;

/*! The fields of an ARC set. */
typedef enum mailauth_arc_field {
    MAILAUTH_ARC_FIELD_AAR = 0, /*!< ARC-Authentication-Results */
    MAILAUTH_ARC_FIELD_AMS = 1, /*!< ARC-Message-Signature */
    MAILAUTH_ARC_FIELD_AS = 2   /*!< ARC-Seal */
} mailauth_arc_field_t;

/*! The field's name ("ARC-Seal"); "unknown" otherwise. */
MAILAUTH_API const char *mailauth_arc_field_name(mailauth_arc_field_t f);

/*! Create a sealer. a= is rsa-sha256 or ed25519-sha256 from the key; t= is
 *  the ctx wall clock at end_message(); the AMS signs the default header
 *  list (as mailauth_dkim_signer_new(), plus every DKIM-Signature, which
 *  RFC 8617 §4.1.2 says the AMS SHOULD cover).
 *  \param[in] ctx          Context (allocator, clock, limits); must outlive the sealer.
 *  \param[in] key          Signing key; borrowed, must outlive the sealer.
 *  \param[in] domain       d= of the AMS and AS (U-labels are converted); copied.
 *  \param[in] selector     s=; copied.
 *  \param[in] authserv_id  This host's authserv-id (RFC 8601 §2.5): picks the
 *                          Authentication-Results fields the AAR carries; a
 *                          token (no blanks, no specials); copied.
 *  \param[out] out         New sealer, freed with mailauth_arc_sealer_free().
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_arc_sealer_new(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain,
                        const char *selector, const char *authserv_id, mailauth_arc_sealer_t **out);

/*! Free a sealer. NULL is a no-op. */
MAILAUTH_API void mailauth_arc_sealer_free(mailauth_arc_sealer_t *s);

/*! Sign exactly these header fields in the AMS (colon-separated, as
 *  mailauth_dkim_signer_set_headers(), written in lower case, less the
 *  names of refused fields); must include From and no ARC-* or
 *  Authentication-Results field (RFC 8617 §4.1.2). Before the first
 *  header; on failure the list in use stays.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_arc_sealer_set_headers(mailauth_arc_sealer_t *s,
                                                               const char            *list);

/*! The validation status of the incoming chain, as the caller found it
 *  (RFC 8617 §5.2): MAILAUTH_VERDICT_PASS, MAILAUTH_VERDICT_FAIL or
 *  MAILAUTH_VERDICT_NONE. end_message() refuses a status the message
 *  contradicts (none with any ARC field, pass without a sound set structure).
 *  Before end_message() has started.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_arc_sealer_set_chain(mailauth_arc_sealer_t *s,
                                                             mailauth_verdict_t     cv);

/*! Validate the incoming chain with this resolver (made from the same
 *  ctx; it must outlive the sealer) unless set_chain() gives the status.
 *  Keys are asked at end of headers, and end_message() returns
 *  MAILAUTH_EAGAIN until they are in: run the resolver (its event-loop
 *  hooks, or mailauth_resolver_run_once()) and call it again. The ctx
 *  MAILAUTH_LIMIT_EVAL_TIMEOUT_MS bounds the wait. Before the first header.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_arc_sealer_set_resolver(mailauth_arc_sealer_t *s,
                                                                mailauth_resolver_t   *r);

/*! Feed one whole header field (as mailauth_dkim_signer_header()); copied.
 *  Every field is kept, up to the ctx header limits; a field over them is
 *  refused and counted (see mailauth_arc_sealer_t): the call still took it.
 *  \return MAILAUTH_OK (kept or refused by a limit), MAILAUTH_EINVAL (NULL
 *          with len > 0, or not a header field), MAILAUTH_ESTATE (headers
 *          ended), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_arc_sealer_header(mailauth_arc_sealer_t *s,
                                                          const char *field, size_t len);

/*! End of the header section (with a resolver: the chain's keys are asked,
 *  unless a refused field already decided that no set can be made).
 *  \return MAILAUTH_OK, MAILAUTH_ESTATE, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
MAILAUTH_API mailauth_status_t mailauth_arc_sealer_end_headers(mailauth_arc_sealer_t *s);

/*! Feed body bytes, any chunking (bare LF is taken as CRLF).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_arc_sealer_body(mailauth_arc_sealer_t *s, const void *chunk,
                                                        size_t len);

/*! Feed a whole message instead of header(), end_headers() and body(),
 *  split as mailauth_dkim_signer_message() does; then call end_message().
 *  Only before any header() call. Fields refused by a header limit are
 *  counted, as by header().
 *  \return MAILAUTH_OK (the message was taken), MAILAUTH_EINVAL (NULL with
 *          len > 0), MAILAUTH_ESTATE, MAILAUTH_ENOMEM, MAILAUTH_ECRYPTO. */
MAILAUTH_API mailauth_status_t mailauth_arc_sealer_message(mailauth_arc_sealer_t *s,
                                                           const void *msg, size_t len);

/*! How many header fields a header limit refused so far (see
 *  mailauth_arc_sealer_t). 0 for NULL. */
MAILAUTH_API size_t mailauth_arc_sealer_refused(const mailauth_arc_sealer_t *s);

/*! End of message: decides the chain status and makes the set (or none,
 *  see above). May be called again after MAILAUTH_EAGAIN or MAILAUTH_ENOMEM.
 *  \return MAILAUTH_OK; MAILAUTH_EAGAIN (own validation waiting for DNS);
 *          MAILAUTH_EDNS (a key of the incoming chain could not be fetched
 *          now: sealing it cv=fail would be wrong; retry later or give the
 *          status with set_chain()); MAILAUTH_EINVAL (no From field, no
 *          chain status to be had, or one the message contradicts);
 *          MAILAUTH_ELIMIT (a From, ARC-* or Authentication-Results field was
 *          refused by a header limit, or the chain already has
 *          MAILAUTH_LIMIT_ARC_INSTANCES sets);
 *          MAILAUTH_ESTATE, MAILAUTH_ECRYPTO, MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_arc_sealer_end_message(mailauth_arc_sealer_t *s);

/*! The instance of the set added (1..50), or 0 when none was (the newest
 *  seal already says cv=fail) or before end_message() succeeded. */
MAILAUTH_API unsigned mailauth_arc_sealer_instance(const mailauth_arc_sealer_t *s);

/*! The chain validation status the seal states (cv=); MAILAUTH_VERDICT_NONE
 *  before end_message() succeeded. */
MAILAUTH_API mailauth_verdict_t mailauth_arc_sealer_chain(const mailauth_arc_sealer_t *s);

/*! One field of the new set, "Name: value" folded with CRLF + TAB, without
 *  the final CRLF ("" when no set was added). Like snprintf.
 *  \return MAILAUTH_OK, MAILAUTH_ENOSPC (retry with *need + 1), MAILAUTH_EINVAL,
 *          MAILAUTH_ESTATE (end_message not done). */
MAILAUTH_API mailauth_status_t mailauth_arc_sealer_format_field(const mailauth_arc_sealer_t *s,
                                                                mailauth_arc_field_t         which,
                                                                char *buf, size_t cap,
                                                                size_t *need);

/*! The three fields to prepend to the message, top to bottom: ARC-Seal,
 *  ARC-Message-Signature, ARC-Authentication-Results (RFC 8617 §5.1 step
 *  4 attaches AAR, then AMS, then AS, each on top), separated by CRLF,
 *  without a final CRLF; "" when no set was added. Like snprintf.
 *  \return MAILAUTH_OK, MAILAUTH_ENOSPC (retry with *need + 1), MAILAUTH_EINVAL,
 *          MAILAUTH_ESTATE (end_message not done). */
MAILAUTH_API mailauth_status_t mailauth_arc_sealer_format(const mailauth_arc_sealer_t *s, char *buf,
                                                          size_t cap, size_t *need);

MAILAUTH_END_DECLS

#endif
