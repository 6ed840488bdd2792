/* Test support for ARC sealing tests: the test keys of tests/data/keys, a
 * zone publishing them for three hops, and a one-call sealer run. */
#ifndef MAILAUTH_TEST_ARC_KEYS_H
#define MAILAUTH_TEST_ARC_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/mailauth.h>

/* A message to seal (CRLF), with a body whose relaxed and simple forms differ. */
#define ARC_BASE_MSG                                                                               \
    "Received: from mail.example.com by mx.example.org; Tue, 14 Nov 2023 22:13:20 +0000\r\n"       \
    "From: Alice <alice@example.com>\r\n"                                                          \
    "To: list@example.org\r\n"                                                                     \
    "Subject: ARC round trip\r\n"                                                                  \
    "Date: Tue, 14 Nov 2023 22:13:14 +0000\r\n"                                                    \
    "Message-ID: <arc-test@example.com>\r\n"                                                       \
    "\r\n"                                                                                         \
    "Hello list,\r\n\r\nthe  meeting is at  10.\r\n"

#define ARC_KEY_RSA "rsa2048.pkcs8.pem"
#define ARC_KEY_ED "ed25519.pkcs8.pem"

/* Load tests/data/keys/<file> (asserts). */
mailauth_key_t *arc_load_key(mailauth_ctx_t *ctx, const char *file);
/* The same, giving the library's status (out-of-memory walks). */
mailauth_status_t arc_try_load_key(mailauth_ctx_t *ctx, const char *file, mailauth_key_t **key);

/* Zone text: arc._domainkey.hop1.example (RSA), .hop2.example (Ed25519),
 * .hop3.example (RSA), s1..s50._domainkey.many.example (RSA),
 * arc._domainkey.temp.example (TIMEOUT). Built once per process. */
const char *arc_test_zone(void);

/* Seal msg with d=domain, s=arc, authserv-id "mx.<domain>", the wall
 * clock at now; cv >= 0 is given with set_chain(), -1 leaves it to this
 * host's A-R. Asserts end_message() succeeds. Returns the message with the
 * set prepended (malloc) and the instance added. */
char *arc_test_seal(const char *keyfile, const char *domain, const char *selector, const char *msg,
                    int cv, int64_t now, unsigned *instance);

#endif
