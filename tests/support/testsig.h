/* Test support: DKIM-Signature fields made at test time (RFC 6376 §5) with
 * the library's canonicalization (lib/canon) and private keys
 * (lib/crypto), so verifier tests can sign whatever they need: any tags,
 * any key, expired or future timestamps, l=, over-signed h= lists. Also
 * key records and zone lines for the public halves. */
#ifndef MAILAUTH_TEST_TESTSIG_H
#define MAILAUTH_TEST_TESTSIG_H

#include <stddef.h>
#include <stdint.h>

typedef struct tsig_spec {
    const char *key;   /* key file name under tests/data/dkim_verify/ ("rsa2048.pem") */
    const char *a;     /* a= ("rsa-sha256", "rsa-sha1", "ed25519-sha256") */
    const char *c;     /* c= ("relaxed/simple"); NULL: no c= tag (simple/simple) */
    const char *d, *s; /* d=, s= */
    const char *i;     /* i=; NULL: no i= tag */
    const char *h;     /* h= ("from:to:subject") */
    int64_t     t, x;  /* t=, x=; < 0: absent */
    int64_t     l;     /* l=; < 0: absent */
} tsig_spec_t;

/* The PEM text of tests/data/dkim_verify/<name>, cached for the process. */
const char *tsig_key(const char *name);

/* Read a whole file into a new NUL-terminated buffer (free()); NULL if unreadable. */
char *tsig_read_file(const char *path, size_t *len);

/* Sign a message given as its header section (fields each ending in CRLF,
 * folding allowed) and its body (CRLF line ends). Returns a new string
 * (free()) holding the whole field "DKIM-Signature: ...CRLF", its b= value
 * folded; NULL on failure (the test should fail). */
char *tsig_sign(const tsig_spec_t *spec, const char *headers, const char *body, size_t body_len);

/* Zone line "<s>._domainkey.<d> TXT "v=DKIM1; k=..; <extra> p=.."" for the
 * public half of key file `key`, TXT strings cut at 200 octets; `extra`
 * ("t=s; " or "") goes before p=. Appended to *zone (realloc'ed). */
void tsig_zone_add_key(char **zone, const char *owner, const char *key, const char *extra);

/* Append a line to *zone (realloc'ed). */
void tsig_zone_add(char **zone, const char *line);

#endif
