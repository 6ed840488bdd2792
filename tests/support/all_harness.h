/* Test support for tests/test_eval_all.c: all four methods in one
 * evaluation. Messages made at test time: DKIM-signed by example.com
 * (testsig.c, key rsa2048.pem, s=sel) and ARC-sealed by hop1.example (RSA)
 * and hop2.example (Ed25519) with the public sealer (arc_keys.c), then
 * changed the way a mailing list or an attacker would; a zone for them;
 * ctx + zone resolver + eval with the wall clock pinned at ALL_NOW_S,
 * blocking or async like eval_harness.h.
 *
 * The zone: example.com publishes SPF for 192.0.2.0/24 (so does
 * mail.example.com), a DKIM key (s=sel) and "p=reject; sp=quarantine;
 * np=reject"; list.example sends from 198.51.100.0/24; norecord.example
 * has no DMARC record; the DMARC lookup of temp.example times out; the ARC
 * keys of arc_test_zone().
 */
#ifndef MAILAUTH_TEST_ALL_HARNESS_H
#define MAILAUTH_TEST_ALL_HARNESS_H

#include <stdbool.h>

#include <mailauth/mailauth.h>

#include "support/eval_harness.h"

#define ALL_NOW_S 1700000000LL

typedef struct msg_spec {
    const char *from;        /* author domain */
    bool        dkim;        /* DKIM-signed by example.com (s=sel, relaxed/relaxed) */
    bool        list_change; /* the list tags the Subject after signing, before sealing */
    const char *seal[2];     /* sealers in order: "hop1.example", "hop2.example" */
    bool        tamper;      /* a body byte changed after the last seal */
} msg_spec_t;

/* The message (CRLF), malloc'ed; asserts on failure. */
char *all_message(const msg_spec_t *m);

/* The zone text (built once); all_zone_free() in the group teardown. */
const char *all_zone(void);
void        all_zone_free(void);

typedef struct setup {
    unsigned              methods; /* 0: all */
    mailauth_dmarc_mode_t mode;
    const char           *trusted[2]; /* trusted ARC sealers */
} setup_t;

/* ctx (authserv-id mx.example.net, pinned wall clock, methods, DMARC mode,
 * trusted sealers; allocator al or NULL), zone resolver (async: answers
 * delayed by ASYNC_DELAY), eval. Returns the first failing status; h is
 * teardown-safe either way (harness_teardown). */
mailauth_status_t all_setup(harness_t *h, bool async, const setup_t *s,
                            const mailauth_allocator_t *al);

#endif
