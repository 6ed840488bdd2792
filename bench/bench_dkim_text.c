/* bench_dkim: message bodies with the statistics of the text real mail
 * carries, deterministic from a seed (xorshift64), and the statistics
 * measured back from what was generated (bd_text_stats), so the report
 * shows what was benchmarked rather than what was meant.
 *
 * prose   plain text wrapped at 47-75 columns: lines of about 57 bytes
 *         (CRLF not counted), paragraphs of 2-9 lines between empty lines;
 *         sentences of 4-16 words, a full stop followed by two spaces in
 *         three sentences of four (so about half the lines carry one); a
 *         blank left before the line break on a third of the lines wrapped
 *         after a sentence and a tenth of the others, now and then a tab
 *         or two blanks (about 18 % of the lines end in blanks); one
 *         paragraph in five quoted ("> ", one in four of them "> > ").
 *   lf    prose with bare LF line ends in the whole message (a file
 *         written on Unix), which the library turns into CRLF.
 * long    the same prose wrapped at 850-950 columns (about 900 bytes a
 *         line, as HTML or format=flowed text often is).
 * b64     base64 lines of 76 columns (an attachment), no blank at all.
 * utf8    prose of UTF-8 words (German, French, Greek, Russian) with the
 *         same line statistics: more than half the bytes above 0x7f.
 * classic the body of the earlier measurements: 70-80 columns, one line
 *         in 16 with a trailing blank, single spaces. */
#include "bench_dkim.h"

#include <stdio.h>
#include <string.h>

const char *const bd_body_names[BD_BODY_N] = {"classic", "prose", "lf", "long", "b64", "utf8"};

static const char *const ascii_words[] = {
    "the",      "meeting",   "is",       "on",        "Monday",  "please",  "review",  "attached",
    "report",   "and",       "send",     "comments",  "before",  "Friday",  "we",      "will",
    "discuss",  "budget",    "for",      "next",      "quarter", "thanks",  "a",       "of",
    "to",       "in",        "that",     "it",        "with",    "as",      "at",      "this",
    "project",  "team",      "update",   "server",    "the",     "message", "mail",    "results",
    "should",   "could",     "would",    "about",     "of",      "I",       "you",     "our",
    "customer", "invoice",   "problem",  "there",     "was",     "not",     "have",    "been",
    "because",  "think",     "which",    "when",      "all",     "they",    "from",    "but",
    "question", "following", "received", "yesterday", "agree",   "numbers", "perhaps", "change"};

static const char *const utf8_words[] = {
    "für",      "Übersicht", "Größe", "schön", "Straße",  "und",      "die",   "Bericht",
    "réunion",  "déjà",      "à",     "été",   "prévu",   "le",       "café",  "français",
    "Καλημέρα", "συνάντηση", "και",   "το",    "έγγραφο", "αύριο",    "η",     "ομάδα",
    "встреча",  "отчёт",     "и",     "в",     "письмо",  "завтра",   "мы",    "проект",
    "the",      "report",    "is",    "naïve", "Zürich",  "Ångström", "Ωμέγα", "ещё"};

static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct gen {
    char    *b;
    size_t   n, len; /* written, to write (the last 2 are the final CRLF) */
    uint64_t seed;
};

static void
put(struct gen *g, const char *s, size_t k)
{
    for (size_t i = 0; i < k && g->n + 2 < g->len; i++)
        g->b[g->n++] = s[i];
}

static void
put_crlf(struct gen *g)
{
    if (g->n + 2 < g->len)
        put(g, "\r\n", 2);
}

/* Blanks a wrapped line may end in (the 18 % of lines with some): mostly
 * the space before the break, now and then a tab or two spaces. */
static void
trailing(struct gen *g, int after_stop)
{
    uint64_t r = rnd(&g->seed) % 100;
    if (after_stop ? r < 34 : r < 11)
        put(g, " ", 1);
    if (r < 2)
        put(g, "\t", 1);
    else if (r >= 96)
        put(g, "  ", 2);
}

/* One paragraph of prose: words wrapped at a width drawn per line from
 * [wmin, wmin + wspan). */
static void
paragraph(struct gen *g, const char *const *w, size_t nw, size_t wmin, size_t wspan)
{
    size_t      lines = 2 + (size_t)(rnd(&g->seed) % 8), col = 0, sent = 0;
    size_t      width = wmin + (size_t)(rnd(&g->seed) % wspan);
    const char *quote = rnd(&g->seed) % 5 == 0 ? (rnd(&g->seed) % 4 ? "> " : "> > ") : "";
    size_t      sent_len = 4 + (size_t)(rnd(&g->seed) % 13);
    int         stop = 0; /* the last word ended a sentence */
    put(g, quote, strlen(quote));
    col = strlen(quote);
    while (lines > 0 && g->n + 2 < g->len) {
        const char *word = w[rnd(&g->seed) % nw];
        size_t      wl = strlen(word);
        int         ends = ++sent >= sent_len, dbl = ends && rnd(&g->seed) % 4 != 0;
        if (col > strlen(quote) && col + 1 + wl + 1 > width) {
            trailing(g, stop);
            put_crlf(g);
            if (--lines == 0)
                break;
            put(g, quote, strlen(quote));
            col = strlen(quote);
            width = wmin + (size_t)(rnd(&g->seed) % wspan);
        } else if (col > strlen(quote)) {
            put(g, stop == 2 ? "  " : " ", stop == 2 ? 2 : 1);
            col += stop == 2 ? 2 : 1;
        }
        put(g, word, wl);
        col += wl;
        stop = 0;
        if (ends) {
            put(g, ".", 1);
            col++;
            stop = dbl ? 2 : 1;
            sent = 0;
            sent_len = 4 + (size_t)(rnd(&g->seed) % 13);
        }
    }
    put_crlf(g); /* the empty line after the paragraph */
}

static void
base64_lines(struct gen *g)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    while (g->n + 2 < g->len) {
        for (int i = 0; i < 76 && g->n + 2 < g->len; i++)
            g->b[g->n++] = b64[rnd(&g->seed) % 64];
        put_crlf(g);
    }
}

void
bd_text_make(enum bd_body kind, char *b, size_t len, uint64_t seed)
{
    struct gen g = {b, 0, len, seed | 1};
    size_t     na = sizeof(ascii_words) / sizeof(ascii_words[0]);
    size_t     nu = sizeof(utf8_words) / sizeof(utf8_words[0]);
    if (len < 2)
        return;
    while (g.n + 2 < len) {
        switch (kind) {
        case BD_BODY_LONG:
            paragraph(&g, ascii_words, na, 850, 100);
            break;
        case BD_BODY_B64:
            base64_lines(&g);
            break;
        case BD_BODY_UTF8:
            paragraph(&g, utf8_words, nu, 47, 29);
            break;
        default: /* prose; lf is prose converted by the caller */
            paragraph(&g, ascii_words, na, 47, 29);
            break;
        }
    }
    while (g.n < len - 2) /* a blank line part-written at the very end */
        b[g.n++] = 'x';
    b[len - 2] = '\r';
    b[len - 1] = '\n';
}

void
bd_text_stats(const char *b, size_t len, struct bd_text_stats *st)
{
    size_t i = 0, content = 0;
    memset(st, 0, sizeof(*st));
    while (i < len) {
        const char *lf = memchr(b + i, '\n', len - i);
        size_t      e = lf != NULL ? (size_t)(lf - b) : len, l = e;
        if (l > i && b[l - 1] == '\r')
            l--;
        st->lines++;
        if (l == i) {
            st->empty++;
        } else {
            content += l - i;
            st->trailing_wsp += b[l - 1] == ' ' || b[l - 1] == '\t';
            st->quoted += b[i] == '>';
            for (size_t k = i; k + 2 < l; k++) {
                if (b[k] == '.' && b[k + 1] == ' ' && b[k + 2] == ' ') {
                    st->double_space++;
                    break;
                }
            }
        }
        for (size_t k = i; k < l; k++)
            st->high += (unsigned char)b[k] >= 0x80;
        i = e + 1;
    }
    st->bytes = len;
    st->mean_len = st->lines > st->empty ? (double)content / (double)(st->lines - st->empty) : 0;
}

void
bd_text_stats_print(const char *name, const struct bd_text_stats *st)
{
    size_t full = st->lines > st->empty ? st->lines - st->empty : 1;
    printf("# body %-7s %8zu bytes %6zu lines: %5.1f bytes a non-empty line, %4.1f %% empty;"
           " of the others %4.1f %% with \".  \", %4.1f %% ending in blanks, %4.1f %% quoted;"
           " %4.1f %% of bytes above 0x7f\n",
           name, st->bytes, st->lines, st->mean_len, 100.0 * (double)st->empty / (double)st->lines,
           100.0 * (double)st->double_space / (double)full,
           100.0 * (double)st->trailing_wsp / (double)full,
           100.0 * (double)st->quoted / (double)full, 100.0 * (double)st->high / (double)st->bytes);
}
