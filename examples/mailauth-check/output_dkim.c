/* mailauth-check: the "dkim" member of the --json output
 * (docs/mailauth-check.1.md): one object per DKIM-Signature, top to
 * bottom (an empty array: no signature). */
#include <mailauth/dkim.h>

#include "check.h"

static void
print_one(FILE *f, const mailauth_dkim_result_t *res)
{
    mailauth_reason_t reason = mailauth_dkim_result_reason(res);
    unsigned          bits = mailauth_dkim_result_key_bits(res);
    fputs("{\"result\": ", f);
    check_json_string(f, mailauth_verdict_name(mailauth_dkim_result_verdict(res)));
    fputs(", \"domain\": ", f);
    check_json_string(f, mailauth_dkim_result_domain(res));
    fputs(", \"selector\": ", f);
    check_json_string(f, mailauth_dkim_result_selector(res));
    fputs(", \"algorithm\": ", f);
    check_json_string(f, mailauth_dkim_result_algorithm(res));
    /* 0 means no key was read (the lookup or the signature field failed first). */
    if (bits > 0)
        fprintf(f, ", \"key_bits\": %u", bits);
    else
        fputs(", \"key_bits\": null", f);
    fputs(", \"reason\": ", f);
    check_json_string(f, reason == MAILAUTH_REASON_NONE ? NULL : mailauth_reason_name(reason));
    putc('}', f);
}

void
check_print_dkim(FILE *f, const mailauth_eval_t *ev)
{
    size_t n = mailauth_eval_dkim_count(ev);
    putc('[', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i == 0 ? "\n    " : ",\n    ", f);
        print_one(f, mailauth_eval_dkim(ev, i));
    }
    fputs(n > 0 ? "\n  ]" : "]", f);
}
