/* One DKIM key lookup (see dkim/dkim_keyq.h): key cache, DNS question,
 * answer parsing (RFC 6376 §6.1.2 steps 2-5) and the key/signature fit
 * (§3.6.1, RFC 8301 §3.2). */
#include "dkim/dkim_keyq.h"

#include <string.h>

#include "util/alloc.h"

static void
finish(mailauth__keyq_t *k, mailauth_reason_t reason, const char *problem)
{
    k->done = true;
    k->reason = reason;
    k->problem = problem;
    k->temp = reason == MAILAUTH_REASON_DKIM_DNS_TEMPFAIL;
}

/* The outcome of a parse (from DNS or the cache). */
static void
parsed(mailauth__keyq_t *k, mailauth_reason_t reason)
{
    /* §3.6.1: an empty p= means the key has been revoked. */
    if (reason == MAILAUTH_REASON_DKIM_KEY_REVOKED || k->key.revoked)
        finish(k, MAILAUTH_REASON_DKIM_KEY_REVOKED, "key revoked (empty p=)");
    else if (reason == MAILAUTH_REASON_DKIM_KEY_TOO_LARGE)
        finish(k, reason, "key record too large");
    else if (reason != MAILAUTH_REASON_NONE || k->key.pub == NULL) /* §6.1.2 step 5 */
        finish(k, reason != MAILAUTH_REASON_NONE ? reason : MAILAUTH_REASON_DKIM_KEY_SYNTAX,
               "key record malformed");
    else
        finish(k, MAILAUTH_REASON_NONE, NULL);
}

mailauth_status_t
mailauth__keyq_ask(mailauth__keyq_t *k, const mailauth__env_t *env, mailauth__dnsc_t *dns,
                   const char *selector, const char *domain)
{
    static const char mid[] = "._domainkey.";
    size_t            sl = strlen(selector), dl = strlen(domain), len = 0;
    char              owner[MAILAUTH__KEYQ_OWNER_MAX + 1];
    mailauth_reason_t reason = MAILAUTH_REASON_NONE;
    mailauth_status_t st = MAILAUTH_OK;
    memset(k, 0, sizeof(*k));
    /* §3.6.2.1: the key lives at "<selector>._domainkey.<domain>". The
     * name is not kept: the question holds it (the lookup, held while the
     * body streams, costs no copy). A longer name is no DNS name. */
    if (!mailauth__size_add(sl, dl, &len) || !mailauth__size_add(len, sizeof(mid) - 1, &len) ||
        len > MAILAUTH__KEYQ_OWNER_MAX) {
        finish(k, MAILAUTH_REASON_DKIM_NO_KEY, "key name is not a valid DNS name");
        return MAILAUTH_OK;
    }
    memcpy(owner, selector, sl);
    memcpy(owner + sl, mid, sizeof(mid) - 1);
    memcpy(owner + sl + sizeof(mid) - 1, domain, dl + 1);
    if (env->keys != NULL && mailauth__keycache_get(env->keys, owner, &k->key, &reason)) {
        k->held = true;
        parsed(k, reason);
        return MAILAUTH_OK;
    }
    st = mailauth__dnsc_ask(dns, owner, len, MAILAUTH_DNS_TXT, &k->q);
    if (st == MAILAUTH_ELIMIT)
        finish(k, MAILAUTH_REASON_DKIM_DNS_TEMPFAIL, "DNS query limit of the message reached");
    else if (st == MAILAUTH_EINVAL)
        finish(k, MAILAUTH_REASON_DKIM_NO_KEY, "key name is not a valid DNS name");
    return st == MAILAUTH_ENOMEM ? st : MAILAUTH_OK;
}

mailauth_status_t
mailauth__keyq_poll(mailauth__keyq_t *k, const mailauth__env_t *env, mailauth__dnsc_t *dns)
{
    const mailauth__dns_result_t *r = NULL;
    mailauth_reason_t             reason = MAILAUTH_REASON_NONE;
    mailauth_status_t             st = MAILAUTH_OK;
    if (k->done)
        return MAILAUTH_OK;
    if (k->q == NULL) { /* never asked: cannot happen, but never wait for it */
        finish(k, MAILAUTH_REASON_DKIM_DNS_TEMPFAIL, "key not asked for");
        return MAILAUTH_OK;
    }
    r = mailauth__dnsc_result(dns, k->q);
    if (r == NULL)
        return MAILAUTH_EAGAIN;
    switch (r->rcode) {
    case MAILAUTH_DNS_RECORDS:
        break;
    case MAILAUTH_DNS_NXDOMAIN:
    case MAILAUTH_DNS_NODATA: /* §6.1.2 step 3 */
        finish(k, MAILAUTH_REASON_DKIM_NO_KEY, "no key record");
        return MAILAUTH_OK;
    default: /* step 2 */
        finish(k, MAILAUTH_REASON_DKIM_DNS_TEMPFAIL, "key lookup failed temporarily");
        return MAILAUTH_OK;
    }
    /* §3.6.2.2: several records at a selector give undefined results; DNS
     * gives no order, so taking one would depend on the resolver. */
    if (r->count != 1) {
        finish(k, MAILAUTH_REASON_DKIM_KEY_MULTIPLE, "several key records at the selector");
        return MAILAUTH_OK;
    }
    /* Another message waiting for the same key may have parsed this answer
     * a moment ago: share its key rather than hold a copy of one's own. */
    if (env->keys != NULL &&
        mailauth__keycache_get(env->keys, mailauth__dnsc_qname(k->q), &k->key, &reason)) {
        k->held = true;
        parsed(k, reason);
        return MAILAUTH_OK;
    }
    st = mailauth__key_parse(&env->al, (const char *)r->rr[0].data, r->rr[0].len, &k->key, &reason);
    if (st != MAILAUTH_OK)
        return st;
    k->held = true;
    if (env->keys != NULL)
        mailauth__keycache_put(env->keys, mailauth__dnsc_qname(k->q), &k->key, reason,
                               r->rr[0].ttl);
    parsed(k, reason);
    return MAILAUTH_OK;
}

void
mailauth__keyq_clear(mailauth__keyq_t *k)
{
    if (k == NULL)
        return;
    if (k->held)
        mailauth__key_clear(&k->key);
    k->held = false;
}

mailauth_reason_t
mailauth__key_fits(const mailauth__env_t *env, const mailauth__key_t *k, mailauth__key_type_t type,
                   mailauth__hash_alg_t hash, const char **problem)
{
    *problem = NULL;
    if (k->type != type) {
        *problem = "key type (k=) does not match a=";
        return MAILAUTH_REASON_DKIM_KEY_MISMATCH;
    }
    if ((hash == MAILAUTH__HASH_SHA1 && !k->sha1_ok) ||
        (hash == MAILAUTH__HASH_SHA256 && !k->sha256_ok)) {
        *problem = "key h= does not allow the hash of a=";
        return MAILAUTH_REASON_DKIM_KEY_MISMATCH;
    }
    if (!k->email_ok) {
        *problem = "key s= excludes email";
        return MAILAUTH_REASON_DKIM_KEY_SERVICE;
    }
    if (k->type == MAILAUTH__KEY_RSA &&
        k->bits < mailauth__env_limit(env, MAILAUTH_LIMIT_RSA_MIN_BITS)) {
        *problem = "RSA key below the minimum size";
        return MAILAUTH_REASON_DKIM_KEY_TOO_SMALL;
    }
    if (k->type == MAILAUTH__KEY_RSA &&
        k->bits > mailauth__env_limit(env, MAILAUTH_LIMIT_RSA_MAX_BITS)) {
        *problem = "RSA key above the maximum size";
        return MAILAUTH_REASON_DKIM_KEY_TOO_LARGE;
    }
    return MAILAUTH_REASON_NONE;
}
