/* mailauth-report generate --store URI --period YYYY-MM-DD[..YYYY-MM-DD]
 *   --org-name N --org-email E [--outdir DIR] [--receiver DOMAIN]
 *   [--extra-contact TEXT] [--key FILE --selector S --domain D] [--now SECONDS]
 *
 * One RFC 9990 aggregate report per policy domain of the period: writes
 * DIR/<file name>.xml.gz and the message DIR/<Report-ID>.eml (To: the
 * domain's rua= addresses, DKIM-signed with --key), and records each
 * report in the store (state pending) for `send`. Generating a period
 * again gives the same Report-IDs, file names and .xml.gz bytes (and, with
 * the same --now, the same messages); a report the store already has is
 * written again but not recorded twice. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mailauth/sign.h>

#include "gen_common.h"
#include "report_tool.h"

struct gen_run {
    mailauth_report_store_t *store;
    const char              *outdir;
    mailauth_ctx_t          *ctx;
    mailauth_key_t          *key;
    const char              *domain, *selector;
    int64_t                  now, begin, end;
    unsigned                 made, known;
    bool                     failed;
};

static bool
write_file(const char *dir, const char *name, const void *p, size_t n, char *path, size_t cap)
{
    FILE *f;
    bool  ok;
    (void)snprintf(path, cap, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "mailauth-report: %s: %s\n", path, strerror(errno));
        return false;
    }
    ok = fwrite(p, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    if (!ok)
        fprintf(stderr, "mailauth-report: %s: write error\n", path);
    return ok;
}

/* The rua= mailto: addresses (without !size and ?headers) for the To: field. */
static size_t
rua_addresses(const char *rua, char addrs[][320], size_t max)
{
    size_t n = 0;
    while (rua != NULL && *rua != '\0' && n < max) {
        const char *comma = strchr(rua, ',');
        size_t      len = comma != NULL ? (size_t)(comma - rua) : strlen(rua);
        char        uri[1024];
        if (len < sizeof(uri)) {
            mailauth_report_dest_t d;
            memcpy(uri, rua, len);
            uri[len] = '\0';
            /* Parsing only: the size and the destination are checked by `send`. */
            if (mailauth_report_dest_parse(uri, &d) == MAILAUTH_OK)
                memcpy(addrs[n++], d.address, sizeof(d.address));
        }
        rua = comma != NULL ? comma + 1 : NULL;
    }
    return n;
}

static bool
write_message(struct gen_run *g, const mailauth_report_aggregate_t *rep,
              const mailauth_report_policy_t *policy, char *path, size_t cap)
{
    static char            addrs[16][320];
    const char            *to[16];
    size_t                 n = rua_addresses(policy->rua, addrs, 16);
    char                  *msg = NULL;
    size_t                 len = 0;
    char                   name[64];
    mailauth_report_mail_t mail = {.version = MAILAUTH_REPORT_STRUCT_VERSION,
                                   .to = to,
                                   .to_count = n,
                                   .date = g->now,
                                   .ctx = g->ctx,
                                   .key = g->key,
                                   .domain = g->domain,
                                   .selector = g->selector};
    mailauth_status_t      st;
    bool                   ok;
    for (size_t i = 0; i < n; i++)
        to[i] = addrs[i];
    st = mailauth_report_aggregate_message(rep, &mail, &msg, &len);
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "mailauth-report: %s: message: %s\n", policy->domain,
                mailauth_strerror(st));
        return false;
    }
    (void)snprintf(name, sizeof(name), "%s.eml", mailauth_report_aggregate_id(rep));
    ok = write_file(g->outdir, name, msg, len, path, cap);
    mailauth_report_buf_free(msg);
    return ok;
}

static int
on_report(void *arg, const mailauth_report_aggregate_t *rep, const mailauth_report_policy_t *policy)
{
    struct gen_run             *g = arg;
    char                        gzpath[4096];
    char                        emlpath[4096];
    size_t                      len = 0;
    const uint8_t              *gz = mailauth_report_aggregate_gzip(rep, &len);
    int                         existed = 0;
    mailauth_report_generated_t rec = {.version = MAILAUTH_REPORT_STRUCT_VERSION};
    char                        probe[1][320];
    /* RFC 9990 §2.3: reports go to the domains that ask for them (rua=). */
    if (rua_addresses(policy->rua, probe, 1) == 0) {
        fprintf(stderr, "mailauth-report: %s: no usable rua= address: no report\n", policy->domain);
        return 0;
    }
    if (!write_file(g->outdir, mailauth_report_aggregate_filename(rep), gz, len, gzpath,
                    sizeof(gzpath)) ||
        !write_message(g, rep, policy, emlpath, sizeof(emlpath))) {
        g->failed = true;
        return 0;
    }
    rec.policy_domain = policy->domain;
    rec.begin = g->begin;
    rec.end = g->end - 1;
    rec.report_id = mailauth_report_aggregate_id(rep);
    rec.file = emlpath;
    rec.destinations = policy->rua;
    rec.created = g->now;
    if (mailauth_report_store_generated_add(g->store, &rec, &existed) != MAILAUTH_OK) {
        fprintf(stderr, "mailauth-report: store: %s\n", mailauth_report_store_error(g->store));
        g->failed = true;
        return 0;
    }
    printf("%s %s %s\n", existed ? "exists" : "generated", mailauth_report_aggregate_id(rep),
           mailauth_report_aggregate_filename(rep));
    if (existed)
        g->known++;
    else
        g->made++;
    return 0;
}

struct gen_opts {
    const char           *store, *period, *key, *now;
    mailauth_report_gen_t gen;
};

static int
parse_opts(int argc, char **argv, struct gen_opts *o, struct gen_run *g)
{
    for (int i = 1; i < argc; i++) {
        const char  *a = argv[i];
        const char  *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = strcmp(a, "--store") == 0           ? &o->store
                            : strcmp(a, "--period") == 0        ? &o->period
                            : strcmp(a, "--org-name") == 0      ? &o->gen.org_name
                            : strcmp(a, "--org-email") == 0     ? &o->gen.email
                            : strcmp(a, "--extra-contact") == 0 ? &o->gen.extra_contact_info
                            : strcmp(a, "--receiver") == 0      ? &o->gen.receiver
                            : strcmp(a, "--outdir") == 0        ? &g->outdir
                            : strcmp(a, "--key") == 0           ? &o->key
                            : strcmp(a, "--selector") == 0      ? &g->selector
                            : strcmp(a, "--domain") == 0        ? &g->domain
                            : strcmp(a, "--now") == 0           ? &o->now
                                                                : NULL;
        if (slot == NULL || v == NULL) {
            fprintf(stderr, "mailauth-report generate: bad option '%s'\n", a);
            return TOOL_EXIT_USAGE;
        }
        *slot = v;
        i++;
    }
    if (o->store == NULL || o->period == NULL || o->gen.org_name == NULL || o->gen.email == NULL ||
        !gen_parse_period(o->period, &g->begin, &g->end)) {
        fprintf(stderr, "mailauth-report generate: --store, --period YYYY-MM-DD[..YYYY-MM-DD], "
                        "--org-name and --org-email are needed\n");
        return TOOL_EXIT_USAGE;
    }
    if ((o->key != NULL) != (g->selector != NULL) || (o->key != NULL) != (g->domain != NULL)) {
        fprintf(stderr, "mailauth-report generate: --key, --selector and --domain go together\n");
        return TOOL_EXIT_USAGE;
    }
    g->now = (int64_t)time(NULL);
    if (o->now != NULL && !gen_parse_time(o->now, &g->now)) {
        fprintf(stderr, "mailauth-report generate: --now takes seconds since the epoch\n");
        return TOOL_EXIT_USAGE;
    }
    return TOOL_EXIT_OK;
}

static int
load_key(struct gen_run *g, const char *file)
{
    size_t len = 0;
    char  *pem;
    if (file == NULL)
        return TOOL_EXIT_OK;
    pem = gen_slurp(file, &len);
    if (pem == NULL)
        return TOOL_EXIT_FAILED;
    mailauth_status_t st = mailauth_key_load_pem(g->ctx, pem, len, &g->key);
    free(pem);
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "mailauth-report: %s: %s\n", file, mailauth_strerror(st));
        return TOOL_EXIT_FAILED;
    }
    return TOOL_EXIT_OK;
}

int
cmd_generate(int argc, char **argv)
{
    struct gen_opts   o = {.gen = {.version = MAILAUTH_REPORT_STRUCT_VERSION}};
    struct gen_run    g = {.outdir = "."};
    char              err[512] = "";
    int               rc = parse_opts(argc, argv, &o, &g);
    mailauth_status_t st;
    if (rc != TOOL_EXIT_OK)
        return rc;
    g.ctx = gen_ctx(o.now != NULL ? &g.now : NULL);
    if (g.ctx == NULL || load_key(&g, o.key) != TOOL_EXIT_OK) {
        mailauth_ctx_free(g.ctx);
        return TOOL_EXIT_FAILED;
    }
    st = mailauth_report_store_open(o.store, 0, &g.store, err, sizeof(err));
    if (st != MAILAUTH_OK) {
        fprintf(stderr, "mailauth-report: %s: %s\n", o.store, err[0] ? err : mailauth_strerror(st));
        rc = TOOL_EXIT_FAILED;
    } else {
        st = mailauth_report_generate(g.store, &o.gen, g.begin, g.end, on_report, &g);
        if (st != MAILAUTH_OK) {
            fprintf(stderr, "mailauth-report generate: %s\n", mailauth_strerror(st));
            rc = TOOL_EXIT_FAILED;
        }
        fprintf(stderr, "mailauth-report: %u report(s) generated, %u already known\n", g.made,
                g.known);
    }
    if (g.failed)
        rc = TOOL_EXIT_FAILED;
    mailauth_report_store_close(g.store);
    mailauth_key_free(g.key);
    mailauth_ctx_free(g.ctx);
    return rc;
}
