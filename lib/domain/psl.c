/* Public Suffix List through libpsl (the only file that includes it). */
#include "domain/psl.h"

#include <libpsl.h>

#include "util/alloc.h"

struct mailauth__psl {
    psl_ctx_t       *owned; /* loaded by us: freed on close */
    const psl_ctx_t *list;  /* what lookups use: owned, or libpsl's built-in list */
};

mailauth_status_t
mailauth__psl_open(const mailauth_allocator_t *al, const char *path, mailauth__psl_t **out)
{
    mailauth__psl_t *p = NULL;
    *out = NULL;
    p = mailauth__calloc(al, 1, sizeof(*p));
    if (p == NULL)
        return MAILAUTH_ENOMEM;
    if (path != NULL) {
        p->owned = psl_load_file(path);
        if (p->owned == NULL || psl_suffix_count(p->owned) <= 0) {
            psl_free(p->owned);
            mailauth__free(al, p);
            return MAILAUTH_EINVAL;
        }
    } else {
        /* The distribution's file when it is newer than the built-in data. */
        p->owned = psl_latest(NULL);
    }
    p->list = p->owned != NULL ? p->owned : psl_builtin();
    if (p->list == NULL) {
        mailauth__free(al, p);
        return MAILAUTH_EINVAL;
    }
    *out = p;
    return MAILAUTH_OK;
}

void
mailauth__psl_close(const mailauth_allocator_t *al, mailauth__psl_t *psl)
{
    if (psl == NULL)
        return;
    psl_free(psl->owned);
    mailauth__free(al, psl);
}

const char *
mailauth__psl_org_domain(const mailauth__psl_t *psl, const char *domain)
{
    return psl_registrable_domain(psl->list, domain);
}

int
mailauth__psl_is_suffix(const mailauth__psl_t *psl, const char *domain)
{
    return psl_is_public_suffix2(psl->list, domain, PSL_TYPE_ANY);
}
