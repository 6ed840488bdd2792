/* Version of the linked library, to compare with the headers' macros. */
#include <mailauth/version.h>

#define STR2(x) #x
#define STR(x) STR2(x)

const char *
mailauth_version(void)
{
    return STR(MAILAUTH_VERSION_MAJOR) "." STR(MAILAUTH_VERSION_MINOR) "." STR(
        MAILAUTH_VERSION_PATCH);
}

int
mailauth_version_number(void)
{
    return MAILAUTH_VERSION_NUMBER;
}
