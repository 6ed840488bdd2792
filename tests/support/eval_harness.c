/* Test support for the eval tests (see eval_harness.h). */
#include "support/authres_of.h"
#include "support/eval_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

const char harness_zone_text[] =
    "example.org            TXT  \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all\"\n"
    "mail.example.org       TXT  \"v=spf1 a -all\"\n"
    "mail.example.org       A    192.0.2.10\n"
    "soft.example.org       TXT  \"v=spf1 ~all\"\n"
    "xn--bcher-kva.example  TXT  \"v=spf1 +all\"\n"
    "temp.example.org       TXT  TIMEOUT\n"
    "nospf.example.org      TXT  \"just text\"\n"
    "nospf.example.org      A    192.0.2.99\n"
    "h.example.org          TXT  \"v=spf1 exists:%{h}.x.example.org -all\"\n"
    "mail.example.org.x.example.org A 127.0.0.2\n";

/* ---- harness ------------------------------------------------------------------ */

static uint64_t
harness_clock(void *ud, mailauth_clock_kind_t kind)
{
    const harness_t *h = ud;
    return kind == MAILAUTH_CLOCK_WALL ? 1700000000000u + h->now : h->now;
}

/* Context (limits tweaked by the caller through `limits` pairs), resolver, eval. */
void
harness_setup(harness_t *h, bool async, const uint32_t *limits, size_t nlimits, unsigned methods)
{
    memset(h, 0, sizeof(*h));
    h->async = async;
    h->now = 1000000;
    assert_int_equal(mailauth_ctx_new(NULL, &h->ctx), MAILAUTH_OK);
    assert_int_equal(mailauth_ctx_set_authserv_id(h->ctx, "mx.example.net"), MAILAUTH_OK);
    if (async)
        assert_int_equal(mailauth_ctx_set_clock(h->ctx, harness_clock, h), MAILAUTH_OK);
    for (size_t i = 0; i + 1 < nlimits; i += 2)
        assert_int_equal(mailauth_ctx_set_limit(h->ctx, (mailauth_limit_t)limits[i], limits[i + 1]),
                         MAILAUTH_OK);
    if (methods != 0)
        assert_int_equal(mailauth_ctx_set_methods(h->ctx, methods), MAILAUTH_OK);
    assert_int_equal(mailauth_resolver_new_zone(h->ctx, harness_zone_text,
                                                sizeof(harness_zone_text) - 1, NULL, &h->r),
                     MAILAUTH_OK);
    if (async)
        assert_int_equal(mailauth_resolver_zone_set_delay(h->r, ASYNC_DELAY), MAILAUTH_OK);
    assert_int_equal(mailauth_eval_new(h->ctx, h->r, &h->ev), MAILAUTH_OK);
}

void
harness_teardown(harness_t *h)
{
    mailauth_eval_free(h->ev);
    mailauth_resolver_free(h->r);
    mailauth_ctx_free(h->ctx);
}

void
harness_done_cb(void *ud, mailauth_eval_t *ev, mailauth_status_t st)
{
    harness_t *h = ud;
    assert_false(h->in_finish); /* never from inside harness_finish() */
    assert_ptr_equal(ev, h->ev);
    h->calls++;
    h->cb_st = st;
    if (h->free_in_cb) {
        mailauth_eval_free(ev);
        h->ev = NULL;
    }
}

void
harness_drive(harness_t *h, uint64_t max_ms)
{
    for (uint64_t t = 0; t <= max_ms && h->calls == 0; t += 5) {
        assert_int_equal(mailauth_resolver_process_timeouts(h->r), MAILAUTH_OK);
        h->now += 5;
    }
    for (int i = 0; i < 5; i++) {
        h->now += 1000;
        assert_int_equal(mailauth_resolver_process_timeouts(h->r), MAILAUTH_OK);
    }
}

mailauth_status_t
harness_finish(harness_t *h)
{
    mailauth_status_t st;
    if (!h->async)
        return mailauth_eval_finish_sync(h->ev, -1);
    h->in_finish = true;
    st = mailauth_eval_finish(h->ev, harness_done_cb, h);
    h->in_finish = false;
    assert_int_equal(st, MAILAUTH_OK);
    assert_int_equal(h->calls, 0);
    harness_drive(h, 60000);
    assert_int_equal(h->calls, 1);
    return h->cb_st;
}

void
harness_check_spf(mailauth_eval_t *ev, mailauth_spf_identity_t id, mailauth_verdict_t want,
                  const char *domain, const char *sender)
{
    const mailauth_spf_result_t *res = mailauth_eval_spf(ev, id);
    const mailauth_authres_t    *ar = authres_of(ev);
    const char                  *prop = id == MAILAUTH_SPF_HELO ? "helo" : "mailfrom";
    bool                         found = false;
    if (want == NOT_RUN) {
        assert_null(res);
    } else {
        assert_non_null(res);
        assert_string_equal(mailauth_verdict_name(mailauth_spf_result_verdict(res)),
                            mailauth_verdict_name(want));
        if (domain != NULL)
            assert_string_equal(mailauth_spf_result_domain(res), domain);
        if (sender != NULL)
            assert_string_equal(mailauth_spf_result_sender(res), sender);
    }
    /* The Authentication-Results has one spf entry per identity checked. */
    for (size_t i = 0; i < mailauth_authres_resinfo_count(ar); i++) {
        const mailauth_resinfo_t *ri = mailauth_authres_resinfo(ar, i);
        if (strcmp(mailauth_resinfo_method(ri), "spf") != 0 ||
            mailauth_resinfo_find_prop(ri, "smtp", prop) == NULL)
            continue;
        assert_false(found);
        found = true;
        assert_string_equal(mailauth_resinfo_result(ri), mailauth_verdict_name(want));
    }
    assert_int_equal(found, want != NOT_RUN);
}
