/* mailauth: configuration context. */
#ifndef MAILAUTH_CTX_H
#define MAILAUTH_CTX_H

#include <stddef.h>
#include <stdint.h>

#include <mailauth/export.h>
#include <mailauth/status.h>

MAILAUTH_BEGIN_DECLS

/*! Configuration shared by resolvers and evaluations: allocator, clock,
 *  logger, limits, policy knobs, authserv-id. Create it, set it up, then
 *  use it: once a resolver or evaluation has been created from it, the
 *  setters return MAILAUTH_ESTATE and the ctx is read-only, so any number
 *  of threads may share it. It must outlive every object created from it.
 *
 *  Threads (docs/threading.md): set it up on one thread, then hand it to
 *  the others (pthread_create(), a queue); its first use may come from
 *  several threads at once. No setter may run while another thread uses
 *  the ctx. What changes inside a shared ctx, the DKIM/ARC key cache and
 *  the Public Suffix List opened on first use, is locked inside. The
 *  allocator, clock, logger and random callbacks are called from every
 *  thread that uses the ctx, at the same time: they must be thread-safe
 *  when the ctx is shared. */
typedef struct mailauth_ctx mailauth_ctx_t;

/*! Caller-supplied allocator. Fill every function; `version` must be
 *  MAILAUTH_ALLOCATOR_VERSION. The functions must be thread-safe if the ctx
 *  is shared by threads. `free(ud, NULL)` must be a no-op. */
typedef struct mailauth_allocator {
    int   version;
    void *ud;
    void *(*malloc)(void *ud, size_t size);
    void *(*realloc)(void *ud, void *ptr, size_t size);
    void (*free)(void *ud, void *ptr);
} mailauth_allocator_t;
#define MAILAUTH_ALLOCATOR_VERSION 1

/*! Which time a clock callback is asked for. */
typedef enum mailauth_clock_kind {
    MAILAUTH_CLOCK_WALL = 0,     /*!< milliseconds since the Unix epoch (signature times) */
    MAILAUTH_CLOCK_MONOTONIC = 1 /*!< milliseconds from any fixed origin (deadlines, TTLs) */
} mailauth_clock_kind_t;

/*! Name of a clock kind ("wall", "monotonic"); "unknown" otherwise. */
MAILAUTH_API const char *mailauth_clock_kind_name(mailauth_clock_kind_t kind);

/*! Clock callback: return the current time of the given kind in milliseconds.
 *  Called from every thread using the ctx: thread-safe if the ctx is shared. */
typedef uint64_t (*mailauth_clock_fn)(void *ud, mailauth_clock_kind_t kind);

/*! Log levels, most severe first. */
typedef enum mailauth_log_level {
    MAILAUTH_LOG_ERROR = 0,
    MAILAUTH_LOG_WARNING = 1,
    MAILAUTH_LOG_INFO = 2,
    MAILAUTH_LOG_DEBUG = 3
} mailauth_log_level_t;

/*! Logger callback. `msg` is NUL-terminated and valid only during the call.
 *  Called on the thread doing the work: thread-safe if the ctx is shared. */
typedef void (*mailauth_log_fn)(void *ud, mailauth_log_level_t level, const char *msg);

/*! Name of a log level ("error", "warning", "info", "debug"); "unknown" otherwise. */
MAILAUTH_API const char *mailauth_log_level_name(mailauth_log_level_t level);

/*! Numeric limits. Each bounds work or memory spent on hostile input;
 *  defaults in brackets. */
typedef enum mailauth_limit {
    MAILAUTH_LIMIT_SPF_DNS_TERMS = 0,      /*!< [10] RFC 7208 §4.6.4 DNS-causing terms */
    MAILAUTH_LIMIT_SPF_VOID_LOOKUPS = 1,   /*!< [2]  RFC 7208 §4.6.4 void lookups */
    MAILAUTH_LIMIT_SPF_MX_NAMES = 2,       /*!< [10] MX names looked at per mx term */
    MAILAUTH_LIMIT_SPF_PTR_NAMES = 3,      /*!< [10] PTR names looked at per ptr term or %{p} */
    MAILAUTH_LIMIT_DNS_QUERIES = 4,        /*!< [64] DNS questions per message */
    MAILAUTH_LIMIT_DNS_TIMEOUT_MS = 5,     /*!< [5000] per-question timeout */
    MAILAUTH_LIMIT_EVAL_TIMEOUT_MS = 6,    /*!< [20000] deadline of one evaluation's DNS work,
                                                from mailauth_eval_new(), again when the envelope
                                                closes and again from the end of the header
                                                section (a slow client costs nothing) */
    MAILAUTH_LIMIT_DNS_CACHE_ENTRIES = 7,  /*!< [4096] answers kept by a resolver's cache */
    MAILAUTH_LIMIT_DNS_CACHE_TTL_MAX = 8,  /*!< [3600] seconds an answer may be cached */
    MAILAUTH_LIMIT_HEADER_MAX_BYTES = 9,   /*!< [65536] one header field */
    MAILAUTH_LIMIT_HEADER_MAX_COUNT = 10,  /*!< [1000] header fields per message */
    MAILAUTH_LIMIT_DKIM_SIGNATURES = 11,   /*!< [8] DKIM signatures verified per message */
    MAILAUTH_LIMIT_RSA_MIN_BITS = 12,      /*!< [1024] RFC 8301 §3.2 */
    MAILAUTH_LIMIT_RSA_MAX_BITS = 13,      /*!< [8192] */
    MAILAUTH_LIMIT_ARC_INSTANCES = 14,     /*!< [50] RFC 8617 §4.2.1 */
    MAILAUTH_LIMIT_DKIM_CLOCK_SKEW_S = 15, /*!< [300] seconds a DKIM t= may lie in the future */
    MAILAUTH_LIMIT_DKIM_KEY_CACHE_ENTRIES = 16, /*!< [1024] decoded DKIM/ARC keys kept by the ctx */
    /*! [8] RFC 9989 tree walk: policy queries per walk */
    MAILAUTH_LIMIT_DMARC_TREEWALK_QUERIES = 17,
} mailauth_limit_t;

/*! Name of a limit ("spf-dns-terms"); "unknown" otherwise. */
MAILAUTH_API const char *mailauth_limit_name(mailauth_limit_t limit);

/*! Create a context with default settings.
 *  \param[in]  alloc  Allocator to copy, or NULL for the C library's.
 *  \param[out] out    New context, freed with mailauth_ctx_free(); NULL on error.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (out NULL, bad allocator version), MAILAUTH_ENOMEM. */
MAILAUTH_API MAILAUTH_NODISCARD mailauth_status_t
mailauth_ctx_new(const mailauth_allocator_t *alloc, mailauth_ctx_t **out);

/*! Free a context. NULL is a no-op. Free every resolver and evaluation made from it first. */
MAILAUTH_API void mailauth_ctx_free(mailauth_ctx_t *ctx);

/*! Set the authserv-id written into Authentication-Results (RFC 8601 §2.5);
 *  it is also the receiving host of SPF's %{r} macro. Default: "localhost".
 *  \param[in] id  A domain-like token; copied. Must be non-empty printable
 *                 ASCII without whitespace, ';', '(' , ')' or '"'.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE (ctx in use), MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_authserv_id(mailauth_ctx_t *ctx, const char *id);

/*! The authserv-id; borrowed, valid until the next set or mailauth_ctx_free().
 *  NULL when ctx is NULL. */
MAILAUTH_API const char *mailauth_ctx_authserv_id(const mailauth_ctx_t *ctx);

/*! Replace the clock (tests pin time; `mailauth-check --now` sets the wall time).
 *  \param[in] fn  Clock, or NULL for the system clocks.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_clock(mailauth_ctx_t *ctx, mailauth_clock_fn fn,
                                                      void *ud);

/*! Set the logger and the most verbose level passed to it (default: none).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_logger(mailauth_ctx_t *ctx, mailauth_log_fn fn,
                                                       void *ud, mailauth_log_level_t max_level);

/*! Set a limit. \return MAILAUTH_OK, MAILAUTH_EINVAL (unknown limit or value 0), MAILAUTH_ESTATE.
 */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_limit(mailauth_ctx_t *ctx, mailauth_limit_t limit,
                                                      uint32_t value);

/*! Current value of a limit; 0 for an unknown limit or a NULL ctx. */
MAILAUTH_API uint32_t mailauth_ctx_limit(const mailauth_ctx_t *ctx, mailauth_limit_t limit);

/*! Authentication methods, as bits of a set. */
typedef enum mailauth_method {
    MAILAUTH_METHOD_SPF = 0x01,   /*!< RFC 7208, MAIL FROM and HELO identities */
    MAILAUTH_METHOD_DKIM = 0x02,  /*!< RFC 6376 */
    MAILAUTH_METHOD_DMARC = 0x04, /*!< RFC 7489 (or RFC 9989); needs SPF and DKIM to align */
    MAILAUTH_METHOD_ARC = 0x08,   /*!< RFC 8617 */
    MAILAUTH_METHOD_IPREV = 0x10, /*!< RFC 8601 §3: forward-confirmed reverse DNS */
    /*! Every method, including those a later version adds. */
    MAILAUTH_METHOD_ALL = 0xFFFF
} mailauth_method_t;

/*! Name of a single method bit ("spf", "iprev"), "all" for
 *  MAILAUTH_METHOD_ALL; "unknown" otherwise. */
MAILAUTH_API const char *mailauth_method_name(mailauth_method_t m);

/*! Choose the methods evaluations run (default: every method). Bits this
 *  version does not know are ignored. DMARC uses the SPF and DKIM verdicts
 *  of the methods that run: without SPF or DKIM it aligns only the other.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (no known bit set), MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_methods(mailauth_ctx_t *ctx, unsigned methods);

/*! The methods evaluations run: the known bits of the set. 0 for a NULL ctx. */
MAILAUTH_API unsigned mailauth_ctx_methods(const mailauth_ctx_t *ctx);

/*! Set the SPF default explanation, used when a fail has no usable exp=
 *  (RFC 7208 §6.2). Macros are expanded. Default: none (no explanation).
 *  \param[in] text  Macro-string, copied; NULL removes it.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_spf_default_explanation(mailauth_ctx_t *ctx,
                                                                        const char     *text);

/*! On/off policy knobs; defaults in brackets. */
typedef enum mailauth_flag {
    /*! [off] Accept rsa-sha1 DKIM/ARC signatures. RFC 8301 §3.1 says verifiers
     *  must not consider them valid; when off they give `permerror` with
     *  MAILAUTH_REASON_DKIM_SHA1. */
    MAILAUTH_FLAG_DKIM_ACCEPT_RSA_SHA1 = 0,
    /*! [off] Do not pass a DKIM signature whose l= leaves body bytes
     *  unsigned (RFC 6376 §8.2): it gives `policy` with
     *  MAILAUTH_REASON_DKIM_PARTIAL_BODY. When off, such a signature can
     *  pass and the detail view reports the unsigned byte count. */
    MAILAUTH_FLAG_DKIM_REQUIRE_FULL_BODY = 1
} mailauth_flag_t;

/*! Name of a flag ("dkim-accept-rsa-sha1"); "unknown" otherwise. */
MAILAUTH_API const char *mailauth_flag_name(mailauth_flag_t flag);

/*! Turn a flag on (non-zero) or off (0).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (unknown flag), MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_flag(mailauth_ctx_t *ctx, mailauth_flag_t flag,
                                                     int on);

/*! 1 if the flag is on, 0 if off or unknown. */
MAILAUTH_API int mailauth_ctx_flag(const mailauth_ctx_t *ctx, mailauth_flag_t flag);

/*! How DMARC finds the policy record and the organizational domain. */
typedef enum mailauth_dmarc_mode {
    MAILAUTH_DMARC_RFC7489 = 0, /*!< [default] Public Suffix List (RFC 7489 §3.2, §6.6.3) */
    MAILAUTH_DMARC_RFC9989 = 1  /*!< DNS tree walk (RFC 9989), with np, psd and t */
} mailauth_dmarc_mode_t;

/*! Name of a DMARC mode ("7489", "9989"); "unknown" otherwise. */
MAILAUTH_API const char *mailauth_dmarc_mode_name(mailauth_dmarc_mode_t mode);

/*! Choose the DMARC mode. \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_dmarc_mode(mailauth_ctx_t       *ctx,
                                                           mailauth_dmarc_mode_t mode);

/*! The DMARC mode. */
MAILAUTH_API mailauth_dmarc_mode_t mailauth_ctx_dmarc_mode(const mailauth_ctx_t *ctx);

/*! Load the Public Suffix List used for RFC 7489 organizational domains
 *  from a file (the publicsuffix.org text format, or libpsl's DAFSA). By
 *  default the system list is used (Debian: package publicsuffix), falling
 *  back to the list built into libpsl.
 *  \param[in] path  File to read now; NULL goes back to the default.
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (unreadable or not a list),
 *          MAILAUTH_ESTATE, MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_psl_file(mailauth_ctx_t *ctx, const char *path);

/*! Random source for DMARC pct= sampling (RFC 7489 §6.6.4): return a
 *  uniformly distributed 32-bit value. Tests pin it to make sampling
 *  deterministic. Must be thread-safe if the ctx is shared by threads.
 *  NULL (the default) uses the operating system's random numbers. */
typedef uint32_t (*mailauth_random_fn)(void *ud);

/*! Replace the random source. \return MAILAUTH_OK, MAILAUTH_EINVAL, MAILAUTH_ESTATE. */
MAILAUTH_API mailauth_status_t mailauth_ctx_set_random(mailauth_ctx_t *ctx, mailauth_random_fn fn,
                                                       void *ud);

/*! Trust ARC sealers of this domain for the local-policy DMARC override
 *  (RFC 8617 §7.2): when DMARC fails but the ARC chain passes and every
 *  sealer up to the oldest passing instance is trusted, the DMARC result
 *  carries an override (the dmarc=fail itself stays visible). Repeatable.
 *  \param[in] domain  A domain name, copied (compared case-insensitively).
 *  \return MAILAUTH_OK, MAILAUTH_EINVAL (not a domain name), MAILAUTH_ESTATE,
 *          MAILAUTH_ENOMEM. */
MAILAUTH_API mailauth_status_t mailauth_ctx_add_trusted_sealer(mailauth_ctx_t *ctx,
                                                               const char     *domain);

MAILAUTH_END_DECLS

#endif
