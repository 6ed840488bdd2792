/* Fuzz target: DKIM key records (lib/dkim/dkim_key.c), TXT data straight
 * from DNS. Invariants (abort() on violation):
 *  - the reason is NONE, DKIM_KEY_SYNTAX, DKIM_KEY_REVOKED or
 *    DKIM_KEY_TOO_LARGE (ENOMEM aside);
 *  - a key is there exactly when the reason is NONE, of the record's k=
 *    type and size; revoked exactly when the reason says so;
 *  - clearing releases the key (ASan/LSan check the reference count). */
#include <stdint.h>
#include <stdlib.h>

#include "dkim/dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 16384

static void
check(int ok)
{
    if (!ok)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mailauth__key_t   k;
    mailauth_reason_t reason;
    mailauth_status_t st;
    if (size > INPUT_MAX)
        return 0;
    st = mailauth__key_parse(NULL, (const char *)data, size, &k, &reason);
    if (st == MAILAUTH_ENOMEM)
        return 0;
    check(st == MAILAUTH_OK);
    check(reason == MAILAUTH_REASON_NONE || reason == MAILAUTH_REASON_DKIM_KEY_SYNTAX ||
          reason == MAILAUTH_REASON_DKIM_KEY_REVOKED || reason == MAILAUTH_REASON_DKIM_KEY_TOO_LARGE);
    check((k.pub != NULL) == (reason == MAILAUTH_REASON_NONE));
    check(k.revoked == (reason == MAILAUTH_REASON_DKIM_KEY_REVOKED));
    if (k.pub != NULL) {
        check(mailauth__pubkey_type(k.pub) == k.type && mailauth__pubkey_bits(k.pub) == k.bits);
        check(k.type == MAILAUTH__KEY_RSA ? k.bits >= 1 : k.bits == 256);
    }
    mailauth__key_clear(&k);
    check(k.pub == NULL);
    return 0;
}
