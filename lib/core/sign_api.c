/* The signing calls that take a ctx (include/mailauth/sign.h): the ctx is
 * frozen (it is in use from now on) and its environment handed to
 * lib/dkim and lib/arc, which never see the ctx itself. */
#include <mailauth/sign.h>

#include "arc/arc_seal.h"
#include "core/ctx_int.h"
#include "dkim/dkim_sign.h"

mailauth_status_t
mailauth_key_load_pem(mailauth_ctx_t *ctx, const char *pem, size_t len, mailauth_key_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    /* The key keeps the ctx allocator (in the ctx, so its address is stable). */
    return mailauth__signing_key_load(&mailauth__ctx_env(ctx)->al, pem, len, out);
}

mailauth_status_t
mailauth_key_generate(mailauth_ctx_t *ctx, mailauth_key_type_t type, unsigned bits,
                      mailauth_key_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL)
        return MAILAUTH_EINVAL;
    return mailauth__signing_key_generate(&mailauth__ctx_env(ctx)->al, type, bits, out);
}

mailauth_status_t
mailauth_dkim_signer_new(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain,
                         const char *selector, mailauth_dkim_signer_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || key == NULL || domain == NULL || selector == NULL || out == NULL)
        return MAILAUTH_EINVAL;
    mailauth__ctx_freeze(ctx);
    return mailauth__dkim_signer_new(mailauth__ctx_env(ctx), key, domain, selector, out);
}

mailauth_status_t
mailauth_arc_sealer_new(mailauth_ctx_t *ctx, const mailauth_key_t *key, const char *domain,
                        const char *selector, const char *authserv_id, mailauth_arc_sealer_t **out)
{
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || key == NULL || domain == NULL || selector == NULL || authserv_id == NULL ||
        out == NULL)
        return MAILAUTH_EINVAL;
    mailauth__ctx_freeze(ctx);
    return mailauth__arc_sealer_new(mailauth__ctx_env(ctx), key, domain, selector, authserv_id,
                                    out);
}
