/* bench_peers: the C peers, each doing its part as an MTA's milters and
 * policy daemons call them today:
 *
 *   libspf2       one request per identity (MAIL FROM, HELO) against
 *                 SPF_dns_zone holding the SPF records of the zone;
 *   libopendkim   a verifying handle per message, header fields one by
 *                 one, body in 64 KiB chunks, every signature checked; key
 *                 records copied from the zone by a key lookup callback
 *                 (no DNS; libopendkim decodes the key every time);
 *   libopendmarc  a policy context per message: the From domain, the SPF
 *                 and DKIM results above, the _dmarc record text from the
 *                 zone (opendmarc_policy_store_dmarc: it does no DNS),
 *                 alignment against Debian's Public Suffix List.
 *
 * None of them validates ARC. */
#include "bench_peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/nameser.h>
#include <netdb.h>
#include <sys/types.h>

#include <opendkim/dkim.h>
#include <opendmarc/dmarc.h>
#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

struct bp_peers {
    const struct bp_zone *zone;
    SPF_server_t         *spf;
    SPF_dns_server_t     *spf_dns;
    DKIM_LIB             *dkim;
    OPENDMARC_LIB_T       dmarc;
};

/* ------------------------------------------------------------- libspf2 */

/* SPF_result_t in the order of its enum, from SPF_RESULT_INVALID on. */
static const mailauth_verdict_t spf2_verdict[] = {
    MAILAUTH_VERDICT_POLICY,    MAILAUTH_VERDICT_NEUTRAL,  MAILAUTH_VERDICT_PASS,
    MAILAUTH_VERDICT_FAIL,      MAILAUTH_VERDICT_SOFTFAIL, MAILAUTH_VERDICT_NONE,
    MAILAUTH_VERDICT_TEMPERROR, MAILAUTH_VERDICT_PERMERROR};

static mailauth_verdict_t
spf2_identity(struct bp_peers *p, const struct bp_msg *m, const char *sender)
{
    SPF_request_t     *rq = SPF_request_new(p->spf);
    SPF_response_t    *rs = NULL;
    mailauth_verdict_t v = MAILAUTH_VERDICT_POLICY;
    if (rq == NULL)
        return v;
    if (SPF_request_set_ipv4_str(rq, m->ip) == SPF_E_SUCCESS &&
        SPF_request_set_helo_dom(rq, m->helo) == SPF_E_SUCCESS &&
        (sender == NULL || SPF_request_set_env_from(rq, sender) == 0)) {
        SPF_request_query_mailfrom(rq, &rs);
        if (rs != NULL) {
            unsigned r = (unsigned)SPF_response_result(rs);
            if (r < sizeof(spf2_verdict) / sizeof(spf2_verdict[0]))
                v = spf2_verdict[r];
            SPF_response_free(rs);
        }
    }
    SPF_request_free(rq);
    return v;
}

int
bp_spf2_run(struct bp_peers *p, const struct bp_msg *m, struct bp_verdicts *out)
{
    out->spf_mfrom = spf2_identity(p, m, m->mail_from);
    out->spf_helo = spf2_identity(p, m, NULL); /* no sender: the HELO identity */
    return 0;
}

static int
spf2_open(struct bp_peers *p)
{
    p->spf_dns = SPF_dns_zone_new(NULL, "bench-peers", 0);
    if (p->spf_dns == NULL)
        return -1;
    for (size_t i = 0; i < p->zone->n; i++)
        if (p->zone->rec[i].spf &&
            SPF_dns_zone_add_str(p->spf_dns, p->zone->rec[i].owner, ns_t_txt, NETDB_SUCCESS,
                                 p->zone->rec[i].text) != SPF_E_SUCCESS)
            return -1;
    p->spf = SPF_server_new_dns(p->spf_dns, 0);
    return p->spf != NULL ? 0 : -1;
}

/* --------------------------------------------------------- libopendkim */

static DKIM_CBSTAT
key_lookup(DKIM *d, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    const struct bp_peers *p = dkim_get_user_context(d);
    const unsigned char   *dom = dkim_sig_getdomain(sig), *sel = dkim_sig_getselector(sig);
    char                   owner[256];
    const char            *rec;
    if (p == NULL || dom == NULL || sel == NULL)
        return DKIM_CBSTAT_ERROR;
    snprintf(owner, sizeof(owner), "%s._domainkey.%s", (const char *)sel, (const char *)dom);
    rec = bp_zone_lookup(p->zone, owner);
    if (rec == NULL)
        return DKIM_CBSTAT_NOTFOUND;
    if (strlen(rec) >= buflen)
        return DKIM_CBSTAT_ERROR;
    memcpy(buf, rec, strlen(rec) + 1);
    return DKIM_CBSTAT_CONTINUE;
}

static void
odkim_results(DKIM *d, struct bp_verdicts *out)
{
    DKIM_SIGINFO **sigs = NULL;
    int            n = 0;
    out->ndkim = 0;
    if (dkim_getsiglist(d, &sigs, &n) != DKIM_STAT_OK)
        return;
    for (int i = 0; i < n && out->ndkim < BP_MAX_SIGS; i++) {
        const unsigned char *dom = dkim_sig_getdomain(sigs[i]);
        const unsigned char *sel = dkim_sig_getselector(sigs[i]);
        size_t               k = out->ndkim++;
        snprintf(out->dkim[k].domain, sizeof(out->dkim[k].domain), "%s",
                 dom != NULL ? (const char *)dom : "");
        snprintf(out->dkim[k].selector, sizeof(out->dkim[k].selector), "%s",
                 sel != NULL ? (const char *)sel : "");
        out->dkim[k].v = DKIM_SIG_CHECK(sigs[i]) ? MAILAUTH_VERDICT_PASS : MAILAUTH_VERDICT_FAIL;
    }
}

int
bp_odkim_run(struct bp_peers *p, const struct bp_msg *m, struct bp_verdicts *out)
{
    DKIM_STAT st = DKIM_STAT_OK;
    DKIM     *d = dkim_verify(p->dkim, (const unsigned char *)"bench-peers", NULL, &st);
    if (d == NULL)
        return -1;
    dkim_set_user_context(d, p);
    for (size_t i = 0; i < m->nfields && st == DKIM_STAT_OK; i++)
        st = dkim_header(d, (u_char *)(uintptr_t)m->field[i], m->field_len[i]);
    if (st == DKIM_STAT_OK)
        st = dkim_eoh(d);
    for (size_t off = 0; off < m->body_len && st == DKIM_STAT_OK; off += BD_CHUNK) {
        size_t n = m->body_len - off < BD_CHUNK ? m->body_len - off : BD_CHUNK;
        st = dkim_body(d, (u_char *)(uintptr_t)(m->body + off), n);
    }
    if (st == DKIM_STAT_OK)
        (void)dkim_eom(d, NULL); /* a signature that fails is a result, read below */
    odkim_results(d, out);
    dkim_free(d);
    return 0;
}

/* -------------------------------------------------------- libopendmarc */

/* The domain of the From field's address (the part after '@' up to '>'). */
static int
from_domain(const struct bp_msg *m, char *dom, size_t cap)
{
    for (size_t i = 0; i < m->nfields; i++) {
        const char *f = m->field[i], *at, *e;
        if (m->field_len[i] < 5 || strncasecmp(f, "From:", 5) != 0)
            continue;
        at = memchr(f, '@', m->field_len[i]);
        if (at == NULL)
            return -1;
        for (e = ++at; e < f + m->field_len[i] && *e != '>' && *e != ' ' && *e != '\r'; e++) {
        }
        if ((size_t)(e - at) >= cap)
            return -1;
        memcpy(dom, at, (size_t)(e - at));
        dom[e - at] = '\0';
        return 0;
    }
    return -1;
}

static mailauth_verdict_t
odmarc_verdict(int policy)
{
    switch (policy) {
    case DMARC_POLICY_PASS:
        return MAILAUTH_VERDICT_PASS;
    case DMARC_POLICY_REJECT:
    case DMARC_POLICY_QUARANTINE:
    case DMARC_POLICY_NONE:
        return MAILAUTH_VERDICT_FAIL;
    case DMARC_POLICY_ABSENT:
        return MAILAUTH_VERDICT_NONE;
    default:
        return MAILAUTH_VERDICT_PERMERROR;
    }
}

static void
odmarc_store(DMARC_POLICY_T *pc, const struct bp_msg *m, const struct bp_verdicts *in)
{
    const char *at = strrchr(m->mail_from, '@');
    opendmarc_policy_store_spf(pc, (u_char *)(uintptr_t)(at != NULL ? at + 1 : m->helo),
                               in->spf_mfrom == MAILAUTH_VERDICT_PASS
                                   ? DMARC_POLICY_SPF_OUTCOME_PASS
                                   : (in->spf_mfrom == MAILAUTH_VERDICT_FAIL
                                          ? DMARC_POLICY_SPF_OUTCOME_FAIL
                                          : DMARC_POLICY_SPF_OUTCOME_NONE),
                               DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL);
    for (size_t i = 0; i < in->ndkim; i++)
        opendmarc_policy_store_dkim(
            pc, (u_char *)(uintptr_t)in->dkim[i].domain, (u_char *)(uintptr_t)in->dkim[i].selector,
            in->dkim[i].v == MAILAUTH_VERDICT_PASS ? DMARC_POLICY_DKIM_OUTCOME_PASS
                                                   : DMARC_POLICY_DKIM_OUTCOME_FAIL,
            NULL);
}

int
bp_odmarc_run(struct bp_peers *p, const struct bp_msg *m, const struct bp_verdicts *in,
              struct bp_verdicts *out)
{
    char            dom[256], owner[300];
    const char     *rec;
    int             da = 0, sa = 0;
    DMARC_POLICY_T *pc;
    if (from_domain(m, dom, sizeof(dom)) != 0)
        return -1;
    pc = opendmarc_policy_connect_init((u_char *)(uintptr_t)m->ip, 0);
    if (pc == NULL)
        return -1;
    snprintf(owner, sizeof(owner), "_dmarc.%s", dom);
    rec = bp_zone_lookup(p->zone, owner);
    opendmarc_policy_store_from_domain(pc, (u_char *)dom);
    if (rec != NULL)
        opendmarc_policy_store_dmarc(pc, (u_char *)(uintptr_t)rec, (u_char *)dom, NULL);
    odmarc_store(pc, m, in);
    out->dmarc =
        rec != NULL ? odmarc_verdict(opendmarc_get_policy_to_enforce(pc)) : MAILAUTH_VERDICT_NONE;
    opendmarc_policy_fetch_alignment(pc, &da, &sa);
    out->dkim_aligned = da == DMARC_POLICY_DKIM_ALIGNMENT_PASS;
    out->spf_aligned = sa == DMARC_POLICY_SPF_ALIGNMENT_PASS;
    opendmarc_policy_connect_shutdown(pc);
    return 0;
}

/* --------------------------------------------------------------- setup */

struct bp_peers *
bp_peers_new(const struct bp_zone *z, const char *psl_path)
{
    struct bp_peers *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->zone = z;
    p->dmarc.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
    snprintf((char *)p->dmarc.tld_source_file, sizeof(p->dmarc.tld_source_file), "%s", psl_path);
    p->dkim = dkim_init(NULL, NULL);
    if (spf2_open(p) != 0 || p->dkim == NULL ||
        dkim_set_key_lookup(p->dkim, key_lookup) != DKIM_STAT_OK ||
        opendmarc_policy_library_init(&p->dmarc) != DMARC_PARSE_OKAY) {
        bp_peers_free(p);
        return NULL;
    }
    return p;
}

void
bp_peers_free(struct bp_peers *p)
{
    if (p == NULL)
        return;
    if (p->spf != NULL)
        SPF_server_free(p->spf);
    if (p->spf_dns != NULL)
        SPF_dns_free(p->spf_dns);
    if (p->dkim != NULL)
        dkim_close(p->dkim);
    opendmarc_policy_library_shutdown(&p->dmarc);
    free(p);
}

int
bp_peers_ed25519(const struct bp_peers *p)
{
    return dkim_libfeature(p->dkim, DKIM_FEATURE_ED25519);
}

void
bp_peers_versions(char *buf, size_t cap)
{
    unsigned long v = dkim_libversion();
    snprintf(buf, cap, "libspf2 %d.%d.%d, libopendkim %lu.%lu.%lu, libopendmarc (Debian 1.4.2)",
             SPF_LIB_VERSION_MAJOR, SPF_LIB_VERSION_MINOR, SPF_LIB_VERSION_PATCH, v >> 24,
             (v >> 16) & 0xff, (v >> 8) & 0xff);
}
