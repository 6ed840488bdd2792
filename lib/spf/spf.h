/* Internal: one SPF check_host() run (RFC 7208 §4), as a resumable state machine.
 *
 * The core creates one per identity (MAIL FROM, HELO) when the envelope is
 * complete, then calls mailauth__spf_step() whenever the eval's DNS client
 * is woken, until it returns MAILAUTH_OK. All memory comes from the arena
 * (bounded by the §4.6.4 limits); there is no free.
 *
 * The record parser and the macro expander are declared here too: the
 * evaluator, the tests and the fuzzers use them.
 */
#ifndef MAILAUTH__SPF_H
#define MAILAUTH__SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/authres.h>
#include <mailauth/ctx.h>
#include <mailauth/spf.h>

#include "dns/dns.h"
#include "util/arena.h"
#include "util/env.h"
#include "util/ip.h"

typedef struct mailauth__spf mailauth__spf_t;

typedef struct mailauth__spf_input {
    mailauth__ip_t          ip;       /* client address (v4-mapped already unmapped) */
    const char             *sender;   /* "local@domain"; postmaster@HELO for null sender */
    const char             *domain;   /* the <domain> of check_host(), A-label, lower case */
    const char             *helo;     /* HELO as given, for %{h}; may be NULL */
    mailauth_spf_identity_t identity; /* which check this is */
    /* helo outlives the check and its result (an evaluation's envelope,
     * closed): not copied, one string fewer per message held */
    bool helo_stable;
} mailauth__spf_input_t;

/* Start a check in environment env (limits, clock, authserv-id, default
 * explanation), which must outlive it. Strings in `in` are copied to the
 * arena. A domain that is not a valid FQDN (§4.3) gives a finished check
 * with verdict none. Returns MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument)
 * or MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__spf_start(mailauth__arena_t *a, const mailauth__env_t *env,
                                      mailauth__dnsc_t *dns, const mailauth__spf_input_t *in,
                                      mailauth__spf_t **out);
/* The same with the strings the result names (domain, sender, HELO,
 * mechanism, explanation, problem) in `keep`, an arena that may outlive
 * `a`: a caller that frees `a` once the check ended keeps the result with
 * mailauth__spf_result_copy(). */
mailauth_status_t mailauth__spf_start_keep(mailauth__arena_t *a, mailauth__arena_t *keep,
                                           const mailauth__env_t *env, mailauth__dnsc_t *dns,
                                           const mailauth__spf_input_t *in, mailauth__spf_t **out);

/* Advance as far as the answers at hand allow. MAILAUTH_OK: finished;
 * MAILAUTH_EAGAIN: waiting for DNS; MAILAUTH_ENOMEM. Idempotent once finished.
 * A check that ended (OK or ENOMEM) has freed its working buffers: what is
 * left in the arena is its state and result. */
mailauth_status_t mailauth__spf_step(mailauth__spf_t *s);

/* Free the working buffers of a check abandoned before it ended (a check
 * that ended freed them). NULL and a second call are no-ops. The rest is
 * the arena's. */
void mailauth__spf_release(mailauth__spf_t *s);

/* The result (valid once step returned MAILAUTH_OK; lives in the arena). */
const mailauth_spf_result_t *mailauth__spf_result(const mailauth__spf_t *s);

/* A copy of a final result in `a`, for a caller that lets the check's
 * arena go once the verdict is known: the struct only, its strings are
 * the keep arena's (mailauth__spf_start_keep()). MAILAUTH_OK,
 * MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__spf_result_copy(mailauth__arena_t *a, const mailauth_spf_result_t *res,
                                            const mailauth_spf_result_t **out);

/* Append "spf=<result> (comment) smtp.mailfrom=<sender>" (MAIL FROM identity)
 * or "smtp.helo=<helo>" (HELO identity) to an Authentication-Results field.
 * Returns MAILAUTH_OK, MAILAUTH_EINVAL (NULL argument), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__spf_add_authres(const mailauth_spf_result_t *res,
                                            mailauth_authres_t          *ar);

/* ---- Records (spf_record.c), RFC 7208 §4.5, §4.6, §5, §6 ---- */

typedef enum mailauth__spf_mech {
    MAILAUTH__SPF_ALL = 0,
    MAILAUTH__SPF_INCLUDE,
    MAILAUTH__SPF_A,
    MAILAUTH__SPF_MX,
    MAILAUTH__SPF_PTR,
    MAILAUTH__SPF_IP4,
    MAILAUTH__SPF_IP6,
    MAILAUTH__SPF_EXISTS,
    MAILAUTH__SPF_REDIRECT, /* modifiers, kept apart from the mechanism list */
    MAILAUTH__SPF_EXP
} mailauth__spf_mech_t;

/* Term flags. */
enum {
    MAILAUTH__SPF_T_MACRO = 1, /* the domain-spec has a macro-expand: expand before use */
    MAILAUTH__SPF_T_PMACRO = 2 /* ... and one of them is %{p} (needs the validated PTR name) */
};

/* One directive or known modifier. Pointers point into the record text,
 * which the caller keeps alive (a DNS answer lives until the client is cleared). */
typedef struct mailauth__spf_term {
    const char    *text; /* the term as written, qualifier included */
    const char    *spec; /* domain-spec after ':' or '=', NULL if absent */
    uint32_t       text_len;
    uint32_t       spec_len;
    mailauth__ip_t net;     /* ip4 / ip6 network */
    uint8_t        mech;    /* mailauth__spf_mech_t */
    uint8_t        verdict; /* mailauth_verdict_t of the qualifier (§4.6.2), PASS by default */
    uint8_t        cidr4;   /* a, mx: ip4-cidr-length (32 if absent); ip4/ip6: the prefix */
    uint8_t        cidr6;   /* a, mx: ip6-cidr-length (128 if absent) */
    uint8_t        flags;   /* MAILAUTH__SPF_T_* */
} mailauth__spf_term_t;

/* Mechanisms up to which a record keeps them parsed. */
#define MAILAUTH__SPF_KEEP_TERMS 64u

/* A parsed record. A small one keeps its parsed mechanisms; a larger one
 * only what the walk needs at once, its terms being read again from the
 * text as the walk reaches them: memory never grows with the number of
 * terms past MAILAUTH__SPF_KEEP_TERMS. */
typedef struct mailauth__spf_record {
    const char                 *txt; /* the record text ("v=spf1 ..."), kept by the caller */
    size_t                      len;
    const mailauth__spf_term_t *terms;    /* the mechanisms, or NULL for a large record */
    size_t                      nmech;    /* mechanisms, left to right (§4.6.2) */
    const mailauth__spf_term_t *redirect; /* NULL if absent */
    const mailauth__spf_term_t *exp;      /* NULL if absent */
    bool                        has_all;  /* §6.1: redirect is then ignored */
    mailauth__spf_term_t        mods[2];  /* storage of redirect and exp */
} mailauth__spf_record_t;

/* Where and why a record was rejected. */
typedef struct mailauth__spf_syntax {
    const char       *term; /* the offending term (may be empty at the end of the record) */
    size_t            term_len;
    const char       *what;   /* static English text: "unknown mechanism", ... */
    mailauth_reason_t reason; /* MAILAUTH_REASON_SPF_SYNTAX or _SPF_MACRO */
} mailauth__spf_syntax_t;

/* §4.5: the record starts with "v=spf1" (any case) followed by SP or its end. */
bool mailauth__spf_is_v1(const char *txt, size_t len);

/* Parse a whole record ("v=spf1 ..."); every term is checked before any is
 * evaluated (§4.6). The record points into txt. `err` may be NULL.
 * Returns MAILAUTH_OK, MAILAUTH_EINVAL (syntax error: *err filled), MAILAUTH_ENOMEM. */
mailauth_status_t mailauth__spf_record_parse(mailauth__arena_t *a, const char *txt, size_t len,
                                             const mailauth__spf_record_t **out,
                                             mailauth__spf_syntax_t        *err);

/* The same, the record in one allocation from al (freed with
 * mailauth__free(al, rec)), so that it can outlive an arena: a parse kept
 * with a cached DNS answer. */
mailauth_status_t mailauth__spf_record_parse_heap(const mailauth_allocator_t *al, const char *txt,
                                                  size_t len, const mailauth__spf_record_t **out,
                                                  mailauth__spf_syntax_t *err);

/* The mechanism at cursor *pos (0: the first) into *t, the cursor moved
 * past it; false at the end. Only for records mailauth__spf_record_parse() accepted. */
bool mailauth__spf_record_next(const mailauth__spf_record_t *r, size_t *pos,
                               mailauth__spf_term_t *t);

/* include, a, mx, ptr, exists, redirect: counted against §4.6.4's 10. */
bool mailauth__spf_term_is_dns(const mailauth__spf_term_t *t);

/* ---- Macros (spf_macro.c), RFC 7208 §7 ---- */

/* Kinds of macro-string. */
enum {
    MAILAUTH__SPF_MACRO_PLAIN = 0,  /* unknown-modifier value: macro-string */
    MAILAUTH__SPF_MACRO_DOMAIN = 1, /* domain-spec: c, r, t refused; domain-end required */
    MAILAUTH__SPF_MACRO_EXPLAIN = 2 /* explain-string: SP allowed; c, r, t allowed */
};

/* What mailauth__spf_macro_check() found. */
enum { MAILAUTH__SPF_HAS_MACRO = 1, MAILAUTH__SPF_HAS_P = 2 };

/* Check the syntax of a macro-string of the given kind. *found (may be NULL)
 * gets MAILAUTH__SPF_HAS_* bits; *what (may be NULL) a static reason on error.
 * Returns MAILAUTH_OK or MAILAUTH_EINVAL. */
mailauth_status_t mailauth__spf_macro_check(const char *s, size_t n, int kind, unsigned *found,
                                            const char **what);

/* A string that is not NUL-terminated. */
typedef struct mailauth__spf_str {
    const char *p;
    size_t      n;
} mailauth__spf_str_t;

/* The values macros expand to (§7.3). p: the chosen validated name, or
 * {NULL, 0} for "unknown". h: {NULL, 0} when there was no HELO ("unknown"). */
typedef struct mailauth__spf_macro_env {
    mailauth__spf_str_t s, l, o, d, i, p, v, h, c, r;
    int64_t             t;
} mailauth__spf_macro_env_t;

/* Longest explanation kept (§6.2 allows a limit; SMTP replies are short). */
#define MAILAUTH__SPF_EXP_MAX 512u

/* Expand a macro-string (syntax as mailauth__spf_macro_check()) into out.
 * DOMAIN: out needs cap >= 254; a trailing dot is dropped and a result over
 * 253 octets loses whole labels on the left (§7.3); *outlen 0 means nothing
 * usable was left. EXPLAIN and PLAIN: output longer than cap - 1 is cut.
 * out is NUL-terminated and never larger than cap. The work is bounded
 * whatever the input: after 1 MiB of macro values looked at (or, for a
 * domain, 64 KiB produced before truncation) the expansion stops: a domain
 * is then unusable (*outlen 0), an explanation cut.
 * Returns MAILAUTH_OK or MAILAUTH_EINVAL (syntax error, cap too small). */
mailauth_status_t mailauth__spf_macro_expand(const mailauth__spf_macro_env_t *env, const char *s,
                                             size_t n, int kind, char *out, size_t cap,
                                             size_t *outlen);

#endif
