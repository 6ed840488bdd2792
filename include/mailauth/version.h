/* mailauth: version query. */
#ifndef MAILAUTH_VERSION_H
#define MAILAUTH_VERSION_H

#include <mailauth/export.h>

MAILAUTH_BEGIN_DECLS

#define MAILAUTH_VERSION_MAJOR 1
#define MAILAUTH_VERSION_MINOR 1
#define MAILAUTH_VERSION_PATCH 0
/*! The version these headers describe, as one number: major*10000 + minor*100 + patch. */
#define MAILAUTH_VERSION_NUMBER                                                                   \
    (MAILAUTH_VERSION_MAJOR * 10000 + MAILAUTH_VERSION_MINOR * 100 + MAILAUTH_VERSION_PATCH)

/*! Version of the linked library as "MAJOR.MINOR.PATCH".
 *  \return a static string; never NULL. Thread-safe. */
MAILAUTH_API const char *mailauth_version(void);

/*! Version of the linked library as MAILAUTH_VERSION_NUMBER computes it.
 *  Compare with MAILAUTH_VERSION_NUMBER to detect a header/library mismatch. */
MAILAUTH_API int mailauth_version_number(void);

MAILAUTH_END_DECLS

#endif
