/* The check table: one row a method, in Authentication-Results order
 * (eval_int.h). A new method is a new module, a check_<method>.c here and
 * one line below. */
#include "core/eval_int.h"

const check_ops_t *const mailauth__checks[CHECK_N] = {
    [CHECK_SPF_MAILFROM] = &mailauth__check_spf_mailfrom,
    [CHECK_SPF_HELO] = &mailauth__check_spf_helo,
    [CHECK_DKIM] = &mailauth__check_dkim,
    [CHECK_DMARC] = &mailauth__check_dmarc,
    [CHECK_ARC] = &mailauth__check_arc,
    [CHECK_IPREV] = &mailauth__check_iprev,
};
