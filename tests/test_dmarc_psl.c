/* dmarc_psl: RFC 7489 §3.2 organizational domains (lib/domain/psl.c) against
 * the Public Suffix List's own algorithm tests, read in place from
 * MAILAUTH_TESTDATA_DIR/psl/publicsuffix-tests/tests.txt ("input expected"
 * per line, "null" for none). The list is Debian's (package publicsuffix),
 * as that folder's README says; without it, the default list. Inputs are
 * first put in the form DMARC hands the PSL (lower case, A-labels), and so
 * are the expectations. Missing test data: exit 77 (skipped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "domain/domain.h"
#include "domain/psl.h"
#include "util/arena.h"

#define TESTS_FILE MAILAUTH_TESTDATA_DIR "/psl/publicsuffix-tests/tests.txt"
#define SYSTEM_LIST "/usr/share/publicsuffix/public_suffix_list.dat"
#define MAX_CASES 256

typedef struct psl_case {
    char name[160];
    char input[128];
    char want[128]; /* "null" for none */
    int  line;
} psl_case_t;

static mailauth__psl_t *list;

/* The form the DMARC code passes: lower case, A-labels (a leading dot, which
 * no author domain has, is kept so the case still means what it says). */
static const char *
normalize(mailauth__arena_t *a, const char *s)
{
    char  *out = NULL;
    size_t n = strlen(s);
    if (strcmp(s, "null") == 0)
        return NULL;
    if (s[0] == '.') {
        char *c = mailauth__arena_strdup(a, s);
        assert_non_null(c);
        for (char *p = c; *p != '\0'; p++)
            *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
        return c;
    }
    if (mailauth__domain_to_alabel(a, s, n, &out) != MAILAUTH_OK)
        fail_msg("cannot convert \"%s\" to A-labels", s);
    return out;
}

static void
test_dmarc_psl_case(void **state)
{
    const psl_case_t *c = *state;
    mailauth__arena_t a;
    const char       *in, *want, *got;
    mailauth__arena_init(&a, NULL);
    in = normalize(&a, c->input);
    want = normalize(&a, c->want);
    if (in == NULL) {
        /* "null null": there is no NULL input in our API (an author domain
         * always exists); nothing to check. */
        assert_null(want);
        mailauth__arena_clear(&a);
        return;
    }
    got = mailauth__psl_org_domain(list, in);
    if ((got == NULL) != (want == NULL) || (got != NULL && strcmp(got, want) != 0))
        fail_msg("line %d: %s -> %s, want %s", c->line, in, got != NULL ? got : "null",
                 want != NULL ? want : "null");
    mailauth__arena_clear(&a);
}

static size_t
load_cases(psl_case_t *cases, size_t max)
{
    FILE  *f = fopen(TESTS_FILE, "r");
    char   line[512];
    size_t n = 0;
    int    no = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL && n < max) {
        char *sp, *end;
        no++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || strncmp(line, "//", 2) == 0)
            continue;
        sp = strchr(line, ' ');
        if (sp == NULL)
            continue;
        *sp = '\0';
        end = sp + 1;
        if (strlen(line) >= sizeof(cases[n].input) || strlen(end) >= sizeof(cases[n].want))
            continue;
        memcpy(cases[n].input, line, strlen(line) + 1);
        memcpy(cases[n].want, end, strlen(end) + 1);
        snprintf(cases[n].name, sizeof(cases[n].name), "line %d: %.64s -> %.64s", no, line, end);
        cases[n].line = no;
        n++;
    }
    fclose(f);
    return n;
}

int
main(void)
{
    static psl_case_t        cases[MAX_CASES];
    static struct CMUnitTest tests[MAX_CASES];
    size_t                   n = load_cases(cases, MAX_CASES);
    int                      rc;
    if (n == 0) {
        printf("SKIP: %s not found\n", TESTS_FILE);
        return 77;
    }
    if (mailauth__psl_open(NULL, access(SYSTEM_LIST, R_OK) == 0 ? SYSTEM_LIST : NULL, &list) !=
        MAILAUTH_OK) {
        printf("SKIP: no public suffix list\n");
        return 77;
    }
    for (size_t i = 0; i < n; i++)
        tests[i] = (struct CMUnitTest){
            .name = cases[i].name, .test_func = test_dmarc_psl_case, .initial_state = &cases[i]};
    rc = cmocka_run_group_tests_name("dmarc_psl", tests, NULL, NULL);
    mailauth__psl_close(NULL, list);
    return rc;
}
