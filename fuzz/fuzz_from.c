/* Fuzz target: the From field parser DMARC uses (lib/msg/addr.c), RFC 5322
 * §3.4 with obsolete forms, and the author-domain step of DMARC start.
 *
 * The input is a From field value. Invariants (abort() on violation):
 *  - at most `max` mailboxes are kept, never more than were found;
 *  - every kept domain is a lower-case LDH host name of at most 253
 *    octets, without trailing dot (A-labels only: no byte >= 0x80);
 *  - a truncated list says so;
 *  - the same input gives the same answer twice (no hidden state). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "msg/addr.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (1u << 20)
#define KEEP 8u

static void
check(int ok)
{
    if (!ok)
        abort();
}

static void
check_domain(const char *d)
{
    size_t n = strlen(d);
    check(n > 0 && n <= 253 && d[n - 1] != '.');
    check(mailauth__domain_check(d, n, MAILAUTH__DOMAIN_LDH));
    for (size_t i = 0; i < n; i++)
        check(!(d[i] >= 'A' && d[i] <= 'Z') && (unsigned char)d[i] < 0x80);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mailauth__arena_t     a;
    mailauth__addr_list_t l1, l2;
    if (size > INPUT_MAX)
        return 0;
    mailauth__arena_init(&a, NULL);
    check(mailauth__addr_parse_domains(&a, (const char *)data, size, KEEP, &l1) == MAILAUTH_OK);
    check(l1.n <= KEEP && l1.n <= l1.total);
    check((l1.total > l1.n) == ((l1.flags & MAILAUTH__ADDR_TRUNCATED) != 0));
    for (size_t i = 0; i < l1.n; i++) {
        if (l1.domains[i] != NULL)
            check_domain(l1.domains[i]);
    }
    check(mailauth__addr_parse_domains(&a, (const char *)data, size, KEEP, &l2) == MAILAUTH_OK);
    check(l1.n == l2.n && l1.total == l2.total && l1.flags == l2.flags);
    for (size_t i = 0; i < l1.n; i++)
        check((l1.domains[i] == NULL) == (l2.domains[i] == NULL) &&
              (l1.domains[i] == NULL || strcmp(l1.domains[i], l2.domains[i]) == 0));
    mailauth__arena_clear(&a);
    return 0;
}
