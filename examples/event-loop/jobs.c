/* One SMTP transaction per job: the envelope at MAIL FROM, the DATA bytes
 * in chunks as they arrive, finish() at the final dot, and the verdicts
 * copied out when the evaluation is done. */
#include <stdlib.h>
#include <string.h>

#include "event_loop.h"

enum { COUNT_SPF, COUNT_DKIM, COUNT_DMARC };

/* MAIL FROM: a new evaluation with the envelope; SPF questions go out now,
 * while the client would still be sending RCPT TO and DATA. */
mailauth_status_t
el_job_start(struct el_app *app, struct el_job *job)
{
    const struct el_source   *s = job->src;
    const mailauth_envelope_t env = {.version = MAILAUTH_ENVELOPE_VERSION,
                                     .client_ip = s->ip,
                                     .helo = s->helo,
                                     .mail_from = s->mail_from};
    mailauth_status_t         st = mailauth_eval_new(app->ctx, app->r, &job->ev);
    if (st == MAILAUTH_OK)
        st = mailauth_eval_set_envelope(job->ev, &env);
    if (st != MAILAUTH_OK)
        return st;
    if (++app->in_flight > app->in_flight_max)
        app->in_flight_max = app->in_flight;
    return MAILAUTH_OK;
}

/* DATA: the next `chunk` bytes as the socket would deliver them; at the
 * end of the message, end_message() and the asynchronous finish(). */
mailauth_status_t
el_job_feed(struct el_job *job, size_t chunk)
{
    const struct el_source *s = job->src;
    size_t                  n = s->len - job->fed;
    mailauth_status_t       st = MAILAUTH_OK;
    if (job->finishing)
        return MAILAUTH_OK;
    if (n > chunk)
        n = chunk;
    if (n > 0)
        st = mailauth_eval_feed(job->ev, s->bytes + job->fed, n);
    if (st != MAILAUTH_OK)
        return st;
    job->fed += n;
    if (job->fed < s->len)
        return MAILAUTH_OK;
    st = mailauth_eval_end_message(job->ev);
    if (st != MAILAUTH_OK)
        return st;
    job->finishing = true;
    /* No callback: the result comes through the resolver's done queue. OK:
     * the callback (or the queue entry) will come. */
    return mailauth_eval_finish(job->ev, job->via_queue ? NULL : el_on_done, job);
}

static void
copy_domain(char *dst, size_t cap, const char *src)
{
    size_t n = src != NULL ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static void
count(struct el_app *app, int method, mailauth_verdict_t v)
{
    if ((unsigned)v <= MAILAUTH_VERDICT_POLICY)
        app->verdicts[method][v]++;
}

static void
read_verdicts(struct el_app *app, mailauth_eval_t *ev, struct el_verdicts *v)
{
    const mailauth_spf_result_t   *spf = mailauth_eval_spf(ev, MAILAUTH_SPF_MAILFROM);
    const mailauth_dmarc_result_t *dmarc = mailauth_eval_dmarc(ev);
    if ((v->has_spf = spf != NULL)) {
        v->spf = mailauth_spf_result_verdict(spf);
        v->spf_reason = mailauth_spf_result_reason(spf);
        count(app, COUNT_SPF, v->spf);
    }
    v->ndkim = mailauth_eval_dkim_count(ev);
    for (size_t i = 0; i < v->ndkim; i++) {
        const mailauth_dkim_result_t *d = mailauth_eval_dkim(ev, i);
        mailauth_verdict_t            verdict = mailauth_dkim_result_verdict(d);
        count(app, COUNT_DKIM, verdict);
        if (i >= EL_MAX_DKIM)
            continue;
        v->dkim[i] = verdict;
        v->dkim_reason[i] = mailauth_dkim_result_reason(d);
        copy_domain(v->dkim_domain[i], sizeof(v->dkim_domain[i]), mailauth_dkim_result_domain(d));
    }
    if ((v->has_dmarc = dmarc != NULL)) {
        v->dmarc = mailauth_dmarc_result_verdict(dmarc);
        v->dmarc_reason = mailauth_dmarc_result_reason(dmarc);
        count(app, COUNT_DMARC, v->dmarc);
    }
}

/* The message's result is in: what an MTA would turn into its SMTP reply
 * and the Authentication-Results field it prepends. Frees the eval. */
void
el_job_collect(struct el_job *job)
{
    struct el_app *app = job->app;
    app->done++;
    if (job->status != MAILAUTH_OK) {
        app->errors++;
        fprintf(stderr, "%s: message %zu (%s): %s\n", EL_PROG, job->index, job->src->name,
                mailauth_strerror(job->status));
    } else {
        read_verdicts(app, job->ev, &job->v);
    }
    if (job->status == MAILAUTH_OK && app->opt.authres) {
        char                      value[8192];
        const mailauth_authres_t *ar = NULL;
        if (mailauth_eval_authres(job->ev, &ar) == MAILAUTH_OK &&
            mailauth_authres_format_value(ar, value, sizeof(value), NULL) == MAILAUTH_OK)
            printf("authres %zu %s\n", job->index, value);
    }
    mailauth_eval_free(job->ev); /* allowed inside the completion callback */
    job->ev = NULL;
}

/* "VERDICT" with ":REASON" when there is one. */
static void
put_verdict(FILE *f, mailauth_verdict_t v, mailauth_reason_t why)
{
    fputs(mailauth_verdict_name(v), f);
    if (why != MAILAUTH_REASON_NONE)
        fprintf(f, ":%s", mailauth_reason_name(why));
}

static void
put_job(FILE *f, const struct el_job *job)
{
    const struct el_verdicts *v = &job->v;
    fprintf(f, "%zu %s via=%s status=%s", job->index, job->src->name,
            job->via_queue ? "queue" : "callback", mailauth_status_name(job->status));
    fputs(" spf=", f);
    if (v->has_spf)
        put_verdict(f, v->spf, v->spf_reason);
    else
        fputs("-", f);
    fputs(" dkim=", f);
    if (v->ndkim == 0)
        fputs("-", f);
    for (size_t i = 0; i < v->ndkim && i < EL_MAX_DKIM; i++) {
        fprintf(f, "%s%s/", i > 0 ? "," : "", v->dkim_domain[i]);
        put_verdict(f, v->dkim[i], v->dkim_reason[i]);
    }
    fputs(" dmarc=", f);
    if (v->has_dmarc)
        put_verdict(f, v->dmarc, v->dmarc_reason);
    else
        fputs("-", f);
    fputc('\n', f);
}

/* One line per message, in starting order:
 *   INDEX FILE via=callback|queue status=NAME spf=V[:R] dkim=D/V[:R][,...] dmarc=V[:R]
 * "-" where the method gave no result. */
int
el_results_write(const struct el_app *app, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot write %s\n", EL_PROG, path);
        return EL_EXIT_NOINPUT;
    }
    for (size_t i = 0; i < app->njobs; i++)
        put_job(f, &app->jobs[i]);
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write %s\n", EL_PROG, path);
        return EL_EXIT_NOINPUT;
    }
    return EL_EXIT_OK;
}
