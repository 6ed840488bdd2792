/* Tests: the Authentication-Results of a finished evaluation, or NULL when
 * mailauth_eval_authres() does not return MAILAUTH_OK. */
#ifndef MAILAUTH_TEST_AUTHRES_OF_H
#define MAILAUTH_TEST_AUTHRES_OF_H

#include <mailauth/eval.h>

static inline const mailauth_authres_t *
authres_of(mailauth_eval_t *ev)
{
    const mailauth_authres_t *ar = NULL;
    return mailauth_eval_authres(ev, &ar) == MAILAUTH_OK ? ar : NULL;
}

#endif
