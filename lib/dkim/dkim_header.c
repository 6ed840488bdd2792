/* Header hashes of DKIM and ARC signatures (RFC 6376 §3.7, §5.4.2): the
 * fields an h= list picks (msg/msg.h picker), canonicalized, for signers
 * and verifiers alike; for a verifier, then the signature field itself. */
#include "dkim/dkim_verify.h"

#include <string.h>

/* The fields the names pick, into one stage (see canon.h). */
static mailauth_status_t
pick_fields(mailauth__canon_sink_t *s, mailauth__canon_t canon, mailauth__hdr_pick_t *p,
            const char *const *names, size_t n)
{
    mailauth_status_t st = MAILAUTH_OK;
    mailauth__hdr_pick_begin(p);
    /* §5.4.2: a name with no instance left contributes nothing (over-signing). */
    for (size_t k = 0; k < n && st == MAILAUTH_OK; k++) {
        const mailauth__hdr_t *f = mailauth__hdr_pick_next(p, names[k], strlen(names[k]));
        if (f != NULL)
            st = mailauth__canon_sink_field(s, canon, f->raw, f->len);
    }
    return st;
}

mailauth_status_t
mailauth__dkim_hash_fields(mailauth__hash_t *h, mailauth__canon_t canon, mailauth__hdr_pick_t *p,
                           const char *const *names, size_t n)
{
    mailauth__canon_sink_t s;
    mailauth_status_t      st = MAILAUTH_OK;
    mailauth__canon_sink_begin(&s, h);
    st = pick_fields(&s, canon, p, names, n);
    mailauth__canon_sink_end(&s);
    return st;
}

mailauth_status_t
mailauth__dkim_header_digest(const mailauth__env_t *env, mailauth__hdr_pick_t *p,
                             const mailauth__sig_t *sig, const mailauth__hdr_t *field,
                             uint8_t *digest)
{
    mailauth__hash_t      *h = NULL;
    mailauth__canon_sink_t s;
    size_t                 value_off = (size_t)(field->value - field->raw);
    mailauth_status_t      st = mailauth__hash_new_kit(&env->al, env->hashes, sig->hash, &h);
    if (st != MAILAUTH_OK)
        return st;
    mailauth__canon_sink_begin(&s, h);
    st = pick_fields(&s, sig->c_header, p, sig->h, sig->h_count);
    /* §3.7: the signature field itself last, b= value deleted, no CRLF. */
    if (st == MAILAUTH_OK)
        st = mailauth__canon_sink_sig(&s, sig->c_header, field->raw, field->len,
                                      value_off + sig->b_off, sig->b_area);
    mailauth__canon_sink_end(&s);
    if (st == MAILAUTH_OK)
        st = mailauth__hash_final(h, digest);
    mailauth__hash_free(h);
    return st;
}
