/* mailauth-check: DNS answers as zone text (docs/zone-format.md), for
 * --verbose and --record-zone. Every byte a bare token cannot hold is
 * written \DDD, so that what is written reads back as the same bytes. */
#include <arpa/inet.h>

#include "check.h"

/* Bytes a bare token holds as they are: 0x21..0x7E but for '"', ';', '#',
 * '\\', and '@' / '$' that would read as the origin or a directive. */
static bool
bare(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != '"' && c != ';' && c != '#' && c != '\\' && c != '@' &&
           c != '$' && c != '(' && c != ')';
}

void
check_print_name(FILE *f, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        if (bare(*p))
            putc(*p, f);
        else
            fprintf(f, "\\%03u", (unsigned)*p);
    }
    putc('.', f);
}

/* TXT: quoted strings of at most 255 bytes each (a real zone's limit; the
 * zone reader joins them again). */
static void
print_txt(FILE *f, const unsigned char *p, size_t len)
{
    size_t i = 0;
    do {
        size_t end = len - i > 255 ? i + 255 : len;
        putc('"', f);
        for (; i < end; i++) {
            if (p[i] == '"' || p[i] == '\\')
                fprintf(f, "\\%c", p[i]);
            else if (p[i] >= 0x20 && p[i] < 0x7f)
                putc(p[i], f);
            else
                fprintf(f, "\\%03u", (unsigned)p[i]);
        }
        putc('"', f);
        if (i < len)
            putc(' ', f);
    } while (i < len);
}

void
check_print_rdata(FILE *f, mailauth_dns_type_t type, const mailauth_dns_record_t *rec)
{
    char text[INET6_ADDRSTRLEN];
    switch (type) {
    case MAILAUTH_DNS_A:
    case MAILAUTH_DNS_AAAA:
        if ((rec->len == 4 || rec->len == 16) &&
            inet_ntop(rec->len == 4 ? AF_INET : AF_INET6, rec->data, text, sizeof(text)) != NULL)
            fputs(text, f);
        break;
    case MAILAUTH_DNS_MX:
        fprintf(f, "%u ", (unsigned)rec->preference);
        if (rec->len == 0)
            putc('.', f); /* RFC 7505 null MX */
        else
            check_print_name(f, rec->data);
        break;
    case MAILAUTH_DNS_PTR:
        check_print_name(f, rec->data);
        break;
    case MAILAUTH_DNS_TXT:
        print_txt(f, rec->data, rec->len);
        break;
    }
}
