/* The summary as one self-contained HTML page: inline CSS and SVG charts
 * (messages per day, top failing sources), no script, nothing fetched.
 * Every text that came from a report is HTML-escaped: org names, report
 * ids and domains are chosen by whoever sent the report. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "summary.h"

#define TOP_SOURCES 10u

static void
esc(FILE *f, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\t')
                fputc(' ', f);
            else
                fputc(*s, f);
        }
    }
}

static void
ymd(char out[16], int64_t seconds)
{
    time_t    t = (time_t)seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        (void)snprintf(out, 16, "?");
}

static void
chart_days(FILE *f, const struct sum_table *t)
{
    const unsigned w = 760, h = 200, left = 60;
    uint64_t       max = 1;
    for (size_t i = 0; i < t->ndays; i++)
        if (t->days[i].pass + t->days[i].fail > max)
            max = t->days[i].pass + t->days[i].fail;
    fprintf(f,
            "<h2>Messages per day</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%u\" height=\"%u\" role=\"img\" aria-label=\"messages per day\">\n",
            w + left, h + 40);
    fprintf(f, "<text x=\"0\" y=\"12\" class=\"ax\">%llu</text>\n", (unsigned long long)max);
    fprintf(f, "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" class=\"axis\"/>\n", left, h,
            left + w, h);
    for (size_t i = 0; i < t->ndays; i++) {
        double bw = (double)w / (double)t->ndays;
        double x = left + bw * (double)i;
        double hp = (double)h * (double)t->days[i].pass / (double)max;
        double hf = (double)h * (double)t->days[i].fail / (double)max;
        char   day[16];
        ymd(day, t->days[i].day * 86400);
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"pass\">"
                "<title>%s: %llu pass</title></rect>\n",
                x, h - hp, bw * 0.8, hp, day, (unsigned long long)t->days[i].pass);
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"fail\">"
                "<title>%s: %llu fail</title></rect>\n",
                x, h - hp - hf, bw * 0.8, hf, day, (unsigned long long)t->days[i].fail);
        if (i == 0 || i + 1 == t->ndays || t->ndays <= 8)
            fprintf(f, "<text x=\"%.1f\" y=\"%u\" class=\"ax\">%s</text>\n", x, h + 16, day);
    }
    fputs("</svg>\n", f);
}

static int
fail_cmp(const void *a, const void *b)
{
    const struct sum_row *const *x = a, *const *y = b;
    if ((*x)->dmarc_fail != (*y)->dmarc_fail)
        return (*x)->dmarc_fail > (*y)->dmarc_fail ? -1 : 1;
    return 0;
}

static int
chart_failing(FILE *f, const struct sum_table *t)
{
    const struct sum_row **v = malloc((t->nrows + 1) * sizeof(*v));
    size_t                 n = 0;
    const unsigned         w = 500, left = 320, bar = 22;
    if (v == NULL)
        return -1;
    for (size_t i = 0; i < t->nrows; i++)
        if (t->rows[i].dmarc_fail > 0)
            v[n++] = &t->rows[i];
    if (n > 0)
        qsort(v, n, sizeof(*v), fail_cmp);
    if (n > TOP_SOURCES)
        n = TOP_SOURCES;
    fputs("<h2>Top failing sources</h2>\n", f);
    if (n == 0)
        fputs("<p>No source failed DMARC.</p>\n", f);
    else {
        fprintf(f,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%zu\" "
                "role=\"img\" aria-label=\"top failing sources\">\n",
                left + w + 80, n * bar + 10);
        for (size_t i = 0; i < n; i++) {
            double bw = (double)w * (double)v[i]->dmarc_fail / (double)v[0]->dmarc_fail;
            fprintf(f, "<text x=\"0\" y=\"%zu\" class=\"ax\">", i * bar + 15);
            esc(f, v[i]->ip[0] != '\0' ? v[i]->ip : "-");
            fputs(" (", f);
            esc(f, v[i]->domain);
            fprintf(f,
                    ")</text><rect x=\"%u\" y=\"%zu\" width=\"%.1f\" height=\"%u\" "
                    "class=\"fail\"/><text x=\"%.1f\" y=\"%zu\" class=\"ax\">%llu</text>\n",
                    left, i * bar + 2, bw, bar - 6, left + bw + 4, i * bar + 15,
                    (unsigned long long)v[i]->dmarc_fail);
        }
        fputs("</svg>\n", f);
    }
    free(v);
    return 0;
}

static void
table_rows(FILE *f, const struct sum_table *t)
{
    fputs("<h2>Sources</h2>\n<table>\n<tr><th>policy domain</th><th>source IP</th>"
          "<th>messages</th><th>SPF pass</th><th>SPF fail</th><th>DKIM pass</th>"
          "<th>DKIM fail</th><th>DMARC pass</th><th>DMARC fail</th></tr>\n",
          f);
    for (size_t i = 0; i < t->nrows; i++) {
        const struct sum_row *r = &t->rows[i];
        fputs("<tr><td>", f);
        esc(f, r->domain);
        fputs("</td><td>", f);
        esc(f, r->ip[0] != '\0' ? r->ip : "-");
        fprintf(f,
                "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
                "<td>%llu</td><td>%llu</td></tr>\n",
                (unsigned long long)r->msgs, (unsigned long long)r->spf_pass,
                (unsigned long long)r->spf_fail, (unsigned long long)r->dkim_pass,
                (unsigned long long)r->dkim_fail, (unsigned long long)r->dmarc_pass,
                (unsigned long long)r->dmarc_fail);
    }
    fputs("</table>\n", f);
}

static void
table_reports(FILE *f, const struct sum_table *t)
{
    fputs("<h2>Reports</h2>\n<table>\n<tr><th>reporter</th><th>report id</th>"
          "<th>policy domain</th><th>begin</th><th>end</th><th>messages</th></tr>\n",
          f);
    for (size_t i = 0; i < t->nreps; i++) {
        const struct sum_report *r = &t->reps[i];
        char                     b[16], e[16];
        ymd(b, r->begin);
        ymd(e, r->end);
        fputs("<tr><td>", f);
        esc(f, r->org);
        fputs("</td><td>", f);
        esc(f, r->id);
        fputs("</td><td>", f);
        esc(f, r->domain);
        fprintf(f, "</td><td>%s</td><td>%s</td><td>%llu</td></tr>\n", b, e,
                (unsigned long long)r->msgs);
    }
    fputs("</table>\n", f);
}

int
summary_html(FILE *f, const struct sum_table *t)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>DMARC aggregate report summary</title>\n<style>\n"
          "body{font-family:sans-serif;margin:2em;color:#222}\n"
          "table{border-collapse:collapse;margin-bottom:2em}\n"
          "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}\n"
          "td:first-child,td:nth-child(2),th{text-align:left}\n"
          ".pass{fill:#3a7d44}.fail{fill:#c0392b}.axis{stroke:#888}\n"
          ".ax{font-size:11px;fill:#444}\n</style>\n</head>\n<body>\n"
          "<h1>DMARC aggregate report summary</h1>\n",
          f);
    fprintf(f, "<p>%zu reports, %zu sources.</p>\n", t->nreps, t->nrows);
    chart_days(f, t);
    if (chart_failing(f, t) != 0)
        return -1;
    table_rows(f, t);
    table_reports(f, t);
    fputs("</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}
