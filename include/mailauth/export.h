/* mailauth: symbol export macro. */
#ifndef MAILAUTH_EXPORT_H
#define MAILAUTH_EXPORT_H

#if defined(MAILAUTH_STATIC)
#define MAILAUTH_API
#elif defined(__GNUC__) || defined(__clang__)
/*! Marks a function as part of the public ABI of libmailauth. */
#define MAILAUTH_API __attribute__((visibility("default")))
#else
#define MAILAUTH_API
#endif

/*! Marks a call whose status must be read: ignoring it is a bug (a
 *  verdict, a signature or a callback that never comes). */
#if defined(__GNUC__) || defined(__clang__)
#define MAILAUTH_NODISCARD __attribute__((warn_unused_result))
#else
#define MAILAUTH_NODISCARD
#endif

#ifdef __cplusplus
#define MAILAUTH_BEGIN_DECLS extern "C" {
#define MAILAUTH_END_DECLS   }
#else
#define MAILAUTH_BEGIN_DECLS
#define MAILAUTH_END_DECLS
#endif

#endif
