/* bench_canon: cost of DKIM body canonicalization (lib/canon/canon_body.c)
 * over plain SHA-256, in ns per input byte.
 *
 *   bench_canon [-r ROUNDS] [-c CHUNK]
 *
 * Corpora (2 MiB each, built from a fixed seed, CRLF line ends):
 *   text  mail prose wrapped at ~72 columns, single-spaced: quoted ("> ")
 *         paragraphs, blank lines, a "-- " signature, a few lines with a
 *         trailing blank (2%) or a tab indent (2%), a rare double space;
 *   text2 the same written by a double-spacer in format=flowed (RFC 3676):
 *         two spaces after every full stop and a trailing SP on every
 *         wrapped line, so about one WSP run to rewrite per line: the
 *         worst realistic prose for relaxed;
 *   html  an HTML part with indentation (WSP runs at the start of most
 *         lines) and attribute-heavy lines;
 *   b64   a base64 attachment: 76-column lines, no WSP at all.
 * Each corpus is fed in CHUNK-byte pieces (default 64 KiB) to:
 *   sha256      mailauth__hash_update() on the raw chunks (the floor);
 *   sha256/70   the same bytes in 70-byte updates (a line at a time);
 *   simple      a simple/sha256 body canonicalizer;
 *   relaxed     a relaxed/sha256 body canonicalizer;
 *   relaxed/l0  the same with l=0: canonicalization alone, nothing hashed.
 * Best of ROUNDS (default 40) runs; "over" is the difference to sha256. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canon/canon.h"
#include "crypto/crypto.h"

#define CORPUS (2u * 1024 * 1024)

static const char *const words[] = {
    "the",     "meeting", "is",     "on",       "Monday",   "please",  "review", "attached",
    "report",  "and",     "send",   "comments", "before",   "Friday",  "we",     "will",
    "discuss", "budget",  "for",    "next",     "quarter",  "thanks",  "a",      "of",
    "to",      "in",      "that",   "it",       "with",     "as",      "at",     "this",
    "project", "team",    "update", "server",   "delivery", "message", "mail",   "results",
    "should",  "could",   "would",  "about",    "schedule", "I",       "you",    "our"};

static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t
put(char *b, size_t n, const char *s)
{
    size_t k = strlen(s);
    if (n + k > CORPUS)
        k = CORPUS - n;
    memcpy(b + n, s, k);
    return n + k;
}

static void
make_prose(char *b, uint64_t seed, int dense)
{
    size_t n = 0, col = 0;
    int    quoted = 0;
    while (n < CORPUS) {
        uint64_t r = rnd(&seed) % 1000;
        if (col == 0 && r < 40) { /* paragraph break, sometimes quoted */
            n = put(b, n, "\r\n");
            quoted = rnd(&seed) % 4 == 0;
            continue;
        }
        if (col == 0 && r < 45)
            n = put(b, n, "-- \r\nAlice\r\n");
        if (col == 0 && quoted) {
            n = put(b, n, "> ");
            col = 2;
        }
        if (col == 0 && r >= 980) {
            n = put(b, n, "\t");
            col = 8;
        }
        n = put(b, n, words[rnd(&seed) % (sizeof(words) / sizeof(words[0]))]);
        col += 6;
        r = rnd(&seed) % 100;
        if (col > 66) {
            n = put(b, n, dense || r < 2 ? " \r\n" : "\r\n");
            col = 0;
        } else {
            /* a sentence ends at every 8th word or so */
            n = put(b, n, r < 12 ? (dense ? ".  " : r < 1 ? ".  " : ". ") : r < 18 ? ", " : " ");
            col += 1;
        }
    }
}

static void
make_text(char *b, uint64_t seed)
{
    make_prose(b, seed, 0);
}

static void
make_text2(char *b, uint64_t seed)
{
    make_prose(b, seed, 1);
}

static void
make_html(char *b, uint64_t seed)
{
    static const char *const lines[] = {
        "<div class=\"content\" style=\"margin:0;padding:0\">",
        "<p>",
        "<a href=\"https://example.org/some/path?x=1&y=2\">link text</a>",
        "<td align=\"left\" valign=\"top\" width=\"100%\">",
        "</p>",
        "</div>",
        "<span style=\"font-family: Arial, sans-serif; font-size: 14px\">Hello there</span>"};
    size_t n = 0;
    while (n < CORPUS) {
        unsigned indent = (unsigned)(rnd(&seed) % 12);
        for (unsigned i = 0; i < indent; i++)
            n = put(b, n, "  ");
        n = put(b, n, lines[rnd(&seed) % (sizeof(lines) / sizeof(lines[0]))]);
        n = put(b, n, "\r\n");
    }
}

static void
make_b64(char *b, uint64_t seed)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t            n = 0;
    while (n < CORPUS) {
        char line[79];
        for (int i = 0; i < 76; i++)
            line[i] = a[rnd(&seed) % 64];
        memcpy(line + 76, "\r\n", 3);
        n = put(b, n, line);
    }
}

/* HTABs and SPs followed by a byte <= 0x20: where relaxed output may differ. */
static size_t
specials(const char *b)
{
    size_t k = 0;
    for (size_t i = 0; i + 1 < CORPUS; i++)
        k += b[i] == '\t' || (b[i] == ' ' && (unsigned char)b[i + 1] <= 0x20);
    return k > 0 ? k : 1;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum way { W_SHA, W_SHA70, W_SIMPLE, W_RELAXED, W_RELAXED0, W_COUNT };
static const char *const way_names[W_COUNT] = {"sha256", "sha256/70", "simple", "relaxed",
                                               "relaxed/l0"};

static double
run(enum way w, const char *b, size_t chunk, mailauth__hash_t *h)
{
    uint8_t                 d[MAILAUTH__HASH_MAX];
    mailauth__body_canon_t *bc = NULL;
    double                  t0 = now();
    if (w >= W_SIMPLE) {
        mailauth__canon_t c = w == W_SIMPLE ? MAILAUTH__CANON_SIMPLE : MAILAUTH__CANON_RELAXED;
        uint64_t          l = w == W_RELAXED0 ? 0 : MAILAUTH__BODY_NO_LIMIT;
        if (mailauth__body_canon_new(NULL, c, MAILAUTH__HASH_SHA256, l, &bc) != MAILAUTH_OK)
            abort();
    }
    for (size_t i = 0; i < CORPUS; i += chunk) {
        size_t k = CORPUS - i < chunk ? CORPUS - i : chunk;
        if (w == W_SHA)
            mailauth__hash_update(h, b + i, k);
        else if (w == W_SHA70)
            for (size_t j = 0; j < k; j += 70)
                mailauth__hash_update(h, b + i + j, k - j < 70 ? k - j : 70);
        else
            mailauth__body_canon_feed(bc, b + i, k);
    }
    if (bc != NULL) {
        mailauth__body_canon_end(bc, d, NULL);
        mailauth__body_canon_free(bc);
    } else {
        mailauth__hash_final(h, d);
    }
    return now() - t0;
}

int
main(int argc, char **argv)
{
    static const char *const names[] = {"text", "text2", "html", "b64"};
    void (*const make[])(char *, uint64_t) = {make_text, make_text2, make_html, make_b64};
    size_t            chunk = 64 * 1024;
    int               rounds = 40;
    char             *b = malloc(CORPUS);
    mailauth__hash_t *h = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-r") == 0)
            rounds = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "-c") == 0)
            chunk = (size_t)strtoul(argv[i + 1], NULL, 10);
    }
    if (b == NULL || chunk == 0 || rounds <= 0 ||
        mailauth__hash_new(NULL, MAILAUTH__HASH_SHA256, &h) != MAILAUTH_OK) {
        free(b);
        return 1;
    }
    printf("corpus  %-10s %9s %9s   (2 MiB in %zu-byte chunks, best of %d)\n", "way", "ns/byte",
           "over", chunk, rounds);
    for (size_t c = 0; c < sizeof(names) / sizeof(names[0]); c++) {
        double best[W_COUNT];
        make[c](b, 0x2545f4914f6cdd1du + c);
        for (int w = 0; w < W_COUNT; w++)
            best[w] = 1e30;
        for (int r = 0; r < rounds; r++)
            for (int w = 0; w < W_COUNT; w++) {
                double t = run((enum way)w, b, chunk, h);
                best[w] = t < best[w] ? t : best[w];
            }
        for (int w = 0; w < W_COUNT; w++)
            printf("%-7s %-10s %9.3f %+9.3f\n", names[c], way_names[w], best[w] / CORPUS,
                   (best[w] - best[W_SHA]) / CORPUS);
        printf("%-7s (a byte where relaxed may change the text: one per %.0f bytes)\n", names[c],
               (double)CORPUS / (double)specials(b));
    }
    mailauth__hash_free(h);
    free(b);
    return 0;
}
