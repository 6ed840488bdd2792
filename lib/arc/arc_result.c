/* ARC results: the getters of include/mailauth/arc.h and the "arc" entry
 * of Authentication-Results (RFC 8617 §4.1.1, RFC 8601 §2.7). */
#include <stdio.h>
#include <string.h>

#include "arc/arc.h"

mailauth_verdict_t
mailauth_arc_result_verdict(const mailauth_arc_result_t *res)
{
    return res != NULL ? res->verdict : MAILAUTH_VERDICT_NONE;
}

mailauth_reason_t
mailauth_arc_result_reason(const mailauth_arc_result_t *res)
{
    return res != NULL ? res->reason : MAILAUTH_REASON_NONE;
}

const char *
mailauth_arc_result_problem(const mailauth_arc_result_t *res)
{
    return res != NULL ? res->problem : NULL;
}

unsigned
mailauth_arc_result_instances(const mailauth_arc_result_t *res)
{
    return res != NULL ? res->instances : 0;
}

unsigned
mailauth_arc_result_failed_instance(const mailauth_arc_result_t *res)
{
    return res != NULL ? res->failed : 0;
}

int
mailauth_arc_result_oldest_pass(const mailauth_arc_result_t *res)
{
    return res != NULL && res->verdict == MAILAUTH_VERDICT_PASS ? res->oldest_pass : -1;
}

const char *
mailauth_arc_result_sealer(const mailauth_arc_result_t *res, unsigned instance)
{
    if (res == NULL || res->sealers == NULL || instance == 0 || instance > res->instances)
        return NULL;
    return res->sealers[instance - 1];
}

mailauth_status_t
mailauth__arc_add_authres(const mailauth__arc_t *v, mailauth_authres_t *ar, const char *remote_ip)
{
    const mailauth_arc_result_t *res = mailauth__arc_result(v);
    mailauth_resinfo_t          *ri = NULL;
    char                         num[16];
    mailauth_status_t            st = MAILAUTH_OK;
    if (res == NULL || ar == NULL)
        return MAILAUTH_EINVAL;
    /* RFC 8617 §4.1.1 / RFC 8601 §2.7: arc=pass, fail or none. */
    st = mailauth_authres_add(ar, "arc", mailauth_verdict_name(res->verdict), &ri);
    if (st != MAILAUTH_OK)
        return st;
    if (res->problem != NULL) {
        st = mailauth_resinfo_set_comment(ri, res->problem);
        if (st == MAILAUTH_ENOMEM)
            return st; /* a text the model refuses is left out */
    }
    if (res->verdict == MAILAUTH_VERDICT_PASS && res->oldest_pass >= 0) {
        (void)snprintf(num, sizeof(num), "%d", res->oldest_pass);
        st = mailauth_resinfo_add_prop(ri, "header", "oldest-pass", num);
        if (st != MAILAUTH_OK)
            return st;
    }
    if (remote_ip != NULL && remote_ip[0] != '\0') {
        st = mailauth_resinfo_add_prop(ri, "smtp", "remote-ip", remote_ip);
        if (st == MAILAUTH_ENOMEM)
            return st;
    }
    return MAILAUTH_OK;
}
