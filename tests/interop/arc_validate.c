/* Test tool for tests/interop/arc_interop.py: validate the ARC chain of one
 * message with mailauth's validator (lib/arc, the path the evaluation will
 * take), keys from a zone file, the wall clock at NOW.
 *
 *   arc_validate ZONEFILE NOW [MSGFILE|-]
 *
 * Prints one line: "<pass|fail|none> <instances> <oldest-pass> <reason> <problem>".
 * Exit status 0 when validation ran (whatever the verdict), 1 on error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arc/arc.h"
#include "support/arc_harness.h"

static char *
slurp(const char *path, size_t *len)
{
    FILE  *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char  *p = NULL;
    size_t cap = 0, n = 0, got = 0;
    if (f == NULL)
        return NULL;
    do {
        if (n == cap) {
            char *q = realloc(p, (cap = cap ? cap * 2 : 65536) + 1);
            if (q == NULL) {
                free(p);
                return NULL;
            }
            p = q;
        }
        got = fread(p + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    if (f != stdin)
        fclose(f);
    p[n] = '\0';
    *len = n;
    return p;
}

int
main(int argc, char **argv)
{
    size_t            zlen = 0, mlen = 0;
    char             *zone = NULL, *msg = NULL;
    arc_opts_t        o = {.options = MAILAUTH__ARC_OLDEST_PASS};
    arc_outcome_t     out;
    mailauth_status_t st;
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: arc_validate ZONEFILE NOW [MSGFILE|-]\n");
        return 1;
    }
    o.now_s = strtoll(argv[2], NULL, 10);
    zone = slurp(argv[1], &zlen);
    msg = slurp(argc == 4 ? argv[3] : "-", &mlen);
    if (zone == NULL || msg == NULL) {
        fprintf(stderr, "arc_validate: cannot read the zone or the message\n");
        return 1;
    }
    st = arc_validate(zone, msg, mlen, &o, &out);
    free(zone);
    free(msg);
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "arc_validate: %s\n", mailauth_strerror(st));
        return 1;
    }
    printf("%s %u %d %s %s\n", arc_word(out.verdict), out.instances, out.oldest_pass,
           mailauth_reason_name(out.reason), out.problem);
    return 0;
}
