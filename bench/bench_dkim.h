/* bench_dkim: shared declarations of the DKIM verification benchmark
 * (bench_dkim.c: driver and report; bench_dkim_corpus.c: keys, messages,
 * signatures and the floor's inputs; bench_dkim_odkim.c: libopendkim;
 * bench_dkim_mem.c: peak memory). */
#ifndef BENCH_DKIM_H
#define BENCH_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <mailauth/mailauth.h>

#define BD_DOMAIN "bench.example"
#define BD_CHUNK (64u * 1024u) /* body chunk fed to every verifier (a milter's largest) */

enum bd_alg { BD_RSA = 0, BD_ED25519 = 1 };

/* Kinds of message body (bench_dkim_text.c says what each is like). */
enum bd_body {
    BD_BODY_CLASSIC,
    BD_BODY_PROSE,
    BD_BODY_LF,
    BD_BODY_LONG,
    BD_BODY_B64,
    BD_BODY_UTF8,
    BD_BODY_N
};
extern const char *const bd_body_names[BD_BODY_N];

/* What a generated body is like, measured from its bytes. */
struct bd_text_stats {
    size_t bytes, lines, empty;
    size_t double_space; /* non-empty lines with ".  " */
    size_t trailing_wsp; /* non-empty lines ending in SP or HTAB */
    size_t quoted;       /* non-empty lines starting with '>' */
    size_t high;         /* bytes above 0x7f */
    double mean_len;     /* bytes of a non-empty line, its line break not counted */
};

/* The two signing keys: private halves for mailauth's signer, public
 * halves for the floor, key records for the zone and libopendkim. */
struct bd_keys {
    mailauth_key_t *priv[2];
    EVP_PKEY       *pub[2];
    char           *record[2]; /* "v=DKIM1; k=...; p=..." */
};

/* One signed message, and everything the floor needs to redo its crypto. */
struct bd_msg {
    enum bd_alg      alg;
    enum bd_body     kind;
    mailauth_canon_t canon;  /* header and body alike */
    size_t           target; /* nominal size (before the signature) */
    char            *raw;    /* DKIM-Signature + header + empty line + body, CRLF */
    size_t           raw_len;
    const char     **field; /* header fields, no trailing CRLF (point into fbuf) */
    size_t          *field_len;
    size_t           nfields;
    char            *fbuf;
    const uint8_t   *body; /* into raw */
    size_t           body_len;
    uint8_t         *hinput; /* canonical header hash input (RFC 6376 §3.7) */
    size_t           hinput_len;
    uint8_t          sig[512]; /* b= decoded */
    size_t           sig_len;
};

/* bench_dkim_corpus.c */
int  bd_keys_make(mailauth_ctx_t *ctx, struct bd_keys *k);
void bd_keys_free(struct bd_keys *k);
/* Zone text publishing both keys at rsa._domainkey / ed._domainkey with `ttl`. */
char *bd_zone_text(const struct bd_keys *k, unsigned ttl);
/* Build and sign one message; 0 on success. */
int bd_msg_make(mailauth_ctx_t *ctx, const struct bd_keys *k, enum bd_alg alg,
                mailauth_canon_t canon, size_t target, struct bd_msg *m);
/* The same with a body of the given kind (bd_msg_make: classic). A bare-LF
 * body (lf) is signed in CRLF form and then the whole raw message, its
 * body and m->body_len turned to LF; the fields fed one by one keep CRLF. */
int  bd_msg_make_kind(mailauth_ctx_t *ctx, const struct bd_keys *k, enum bd_alg alg,
                      mailauth_canon_t canon, enum bd_body kind, size_t target, struct bd_msg *m);
void bd_msg_free(struct bd_msg *m);

/* bench_dkim_text.c: exactly len bytes of body text of `kind` in CRLF
 * form (lf: the prose; the caller converts), ending in CRLF. */
void bd_text_make(enum bd_body kind, char *b, size_t len, uint64_t seed);
void bd_text_stats(const char *b, size_t len, struct bd_text_stats *st);
void bd_text_stats_print(const char *name, const struct bd_text_stats *st);
/* bench_dkim_hinput.c: m->hinput and m->sig from the signed message's fields. */
int         bd_hash_input(struct bd_msg *m);
const char *bd_alg_name(enum bd_alg alg);

/* bench_dkim_floor.c: OpenSSL alone. bd_floor_run(): key decoded before;
 * bd_floor_cold_run(): the key built and a context set up per message.
 * Return 1 if the signature verified. */
struct bd_floor;
struct bd_floor *bd_floor_new(const struct bd_keys *k, const struct bd_msg *m);
int              bd_floor_run(struct bd_floor *f, const struct bd_msg *m);
int              bd_floor_cold_run(struct bd_floor *f, const struct bd_msg *m);
void             bd_floor_free(struct bd_floor *f);

/* bench_dkim_odkim.c: one libopendkim library handle serving both key records. */
struct bd_odkim;
struct bd_odkim *bd_odkim_new(const struct bd_keys *k);
/* Verify m: 1 on pass, 0 otherwise (*why gets libopendkim's words). */
int  bd_odkim_run(struct bd_odkim *o, const struct bd_msg *m, const char **why);
void bd_odkim_free(struct bd_odkim *o);

/* bench_dkim.c: verify through the public eval, fields then 64 KiB body chunks. */
int bd_mailauth_run(mailauth_ctx_t *ctx, mailauth_resolver_t *r, const struct bd_msg *m);
/* The same through mailauth_eval_message on the raw message (-w); external so
 * that callgrind's --toggle-collect can name it. */
int bd_mailauth_whole(mailauth_ctx_t *ctx, mailauth_resolver_t *r, const struct bd_msg *m);

/* bench_dkim_mem.c: the peak-memory report (-m memory). */
int bd_memory_report(const struct bd_keys *k, mailauth_ctx_t *sign_ctx);
/* Must be the first thing main() does in memory mode (OpenSSL's hooks are
 * process-wide and only take effect before its first allocation). */
void bd_memory_hook_openssl(void);

#endif
