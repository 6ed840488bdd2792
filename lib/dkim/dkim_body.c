/* A verifier's body hashes (dkim/dkim_verify.h): one body set, its own or
 * shared with the set's owner, fed only when someone wants a hash from it
 * and ended once. The DKIM and the ARC verifier both hold their body
 * hashes so; the eval shares DKIM's set with ARC, a sealer its own set
 * with its validation of the incoming chain. */
#include "dkim/dkim_verify.h"

#include <string.h>

mailauth_status_t
mailauth__body_use_open(mailauth__body_use_t *u, const mailauth__env_t *env,
                        mailauth__body_set_t *shared)
{
    mailauth_status_t st = MAILAUTH_OK;
    memset(u, 0, sizeof(*u));
    if (shared != NULL) {
        u->bs = shared;
        return MAILAUTH_OK;
    }
    st = mailauth__body_set_new(&env->al, &u->bs);
    if (st != MAILAUTH_OK)
        return st;
    mailauth__body_set_use_kit(u->bs, env->hashes);
    u->owned = true;
    return MAILAUTH_OK;
}

mailauth_status_t
mailauth__body_use_want(mailauth__body_use_t *u, mailauth__canon_t canon, mailauth__hash_alg_t alg,
                        uint64_t limit, size_t *id)
{
    mailauth_status_t st = mailauth__body_set_want(u->bs, canon, alg, limit, id);
    if (st == MAILAUTH_OK)
        u->wanted = true;
    return st;
}

mailauth__body_set_t *
mailauth__body_use_share(mailauth__body_use_t *u)
{
    u->wanted = true; /* fed from now on, whoever asks for the hashes */
    return u->bs;
}

mailauth_status_t
mailauth__body_use_feed(mailauth__body_use_t *u, const void *p, size_t n)
{
    if (!u->owned || !u->wanted || u->ended || n == 0)
        return MAILAUTH_OK; /* nothing to hash here: the body is not even looked at */
    return mailauth__body_set_feed(u->bs, p, n);
}

bool
mailauth__body_use_end(mailauth__body_use_t *u, mailauth_status_t *st)
{
    *st = MAILAUTH_OK;
    if (u->ended)
        return false;
    if (u->owned)
        *st = mailauth__body_set_end(u->bs);
    u->ended = *st == MAILAUTH_OK;
    return u->ended;
}

void
mailauth__body_use_close(mailauth__body_use_t *u)
{
    if (u->owned)
        mailauth__body_set_free(u->bs);
    memset(u, 0, sizeof(*u));
}
