/* What the commands share: JSON strings, CSV fields, the error line. */
#include <stdio.h>
#include <string.h>

#include "report_tool.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one. */
static size_t
utf8_len(const unsigned char *p)
{
    size_t k = p[0] < 0x80                   ? 0
               : p[0] >= 0xc2 && p[0] < 0xe0 ? 1
               : p[0] >= 0xe0 && p[0] < 0xf0 ? 2
               : p[0] >= 0xf0 && p[0] < 0xf5 ? 3
                                             : 4;
    if (k == 4)
        return 0;
    for (size_t i = 1; i <= k; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return k + 1;
}

void
tool_json_str(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
        size_t k = 1;
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else if (*p < 0x80)
            fputc(*p, f);
        else if ((k = utf8_len(p)) == 0) {
            fputs("\\ufffd", f); /* not UTF-8 (a file name): the replacement character */
            k = 1;
        } else
            (void)fwrite(p, 1, k, f);
        p += k;
    }
    fputc('"', f);
}

void
tool_csv_str(FILE *f, const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Control bytes of names and reasons are shown as '?' on the terminal. */
static void
put_plain(FILE *f, const char *s)
{
    for (; *s != '\0'; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

void
tool_report_error(const mailauth_report_read_where_t *where, const char *why)
{
    fputs("mailauth-report: ", stderr);
    put_plain(stderr, where->file != NULL ? where->file : "-");
    if (where->message > 0)
        fprintf(stderr, " message %zu", where->message);
    if (where->member != NULL) {
        fputs(" (", stderr);
        put_plain(stderr, where->member);
        fputc(')', stderr);
    }
    fputs(": ", stderr);
    put_plain(stderr, why != NULL ? why : "failed");
    fputc('\n', stderr);
}

bool
tool_copy(FILE *src, FILE *dst)
{
    char   buf[8192];
    size_t n;
    rewind(src);
    while ((n = fread(buf, 1, sizeof(buf), src)) > 0)
        if (fwrite(buf, 1, n, dst) != n)
            return false;
    return !ferror(src);
}
