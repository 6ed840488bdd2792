/* bench_peers corpus: the records every verifier answers from, and the
 * message classes. Each message starts as a bench_dkim message (its
 * header, its prose body, one author signature) and then goes the way
 * such mail goes: a second author signature with the other algorithm, an
 * ESP's signature, a forwarder's ARC set, a mailing list that tags the
 * Subject, adds a footer, signs and seals. All signing is mailauth's. */
#include "bench_peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_spf.h"

/* ------------------------------------------------------------------ zone */

/* The key record of a selector: "rsa" and "arc" are RSA-2048, "ed" Ed25519. */
static const char *
key_for(const struct bd_keys *k, const char *sel)
{
    return strcmp(sel, "ed") == 0 ? k->record[BD_ED25519] : k->record[BD_RSA];
}

static int
add(struct bp_zone *z, const char *owner, const char *text, bool spf)
{
    if (z->n == BP_MAX_RECORDS || (z->rec[z->n].text = strdup(text)) == NULL)
        return -1;
    z->rec[z->n].owner = owner;
    z->rec[z->n++].spf = spf;
    return 0;
}

/* Zone text: one TXT line per record, strings of at most 200 bytes. */
static int
zone_text(struct bp_zone *z, unsigned ttl)
{
    size_t cap = 1024, n = 0;
    for (size_t i = 0; i < z->n; i++)
        cap += strlen(z->rec[i].owner) + strlen(z->rec[i].text) * 2 + 64;
    z->text = malloc(cap);
    if (z->text == NULL)
        return -1;
    for (size_t i = 0; i < z->n; i++) {
        const char *t = z->rec[i].text;
        size_t      left = strlen(t);
        n += (size_t)snprintf(z->text + n, cap - n, "%s. %u TXT", z->rec[i].owner, ttl);
        for (; left > 0;) {
            int k = left > 200 ? 200 : (int)left;
            n += (size_t)snprintf(z->text + n, cap - n, " \"%.*s\"", k, t);
            t += k;
            left -= (size_t)k;
        }
        z->text[n++] = '\n';
    }
    z->text[n] = '\0';
    z->text_len = n;
    return 0;
}

int
bp_zone_make(struct bp_zone *z, const struct bd_keys *k, unsigned ttl)
{
    static struct policy pol; /* bench_spf's policy: example.com and its include chains */
    static const char   *dkim_owners[][2] = {
          {"rsa._domainkey.bench.example", "rsa"}, {"ed._domainkey.bench.example", "ed"},
          {"rsa._domainkey.esp.example", "rsa"},   {"arc._domainkey.fwd.example", "arc"},
          {"ed._domainkey.list.example", "ed"},    {"arc._domainkey.list.example", "arc"}};
    int rc = 0;
    memset(z, 0, sizeof(*z));
    build_policy(&pol);
    for (int i = 0; i < N_RECORDS; i++)
        rc |= add(z, owners[i], pol.txt[i], true);
    rc |= add(z, "bench.example",
              "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:25::/48 include:example.com -all", true);
    rc |= add(z, "mail.bench.example", "v=spf1 ip4:192.0.2.25 -all", true);
    rc |= add(z, "_dmarc.bench.example",
              "v=DMARC1; p=reject; rua=mailto:dmarc-rua@bench.example; adkim=r; aspf=r", false);
    rc |= add(z, "fwd.example", "v=spf1 ip4:203.0.113.0/28 -all", true);
    rc |= add(z, "mx.fwd.example", "v=spf1 ip4:203.0.113.0/28 -all", true);
    rc |= add(z, "list.example", "v=spf1 ip4:203.0.113.16/28 -all", true);
    rc |= add(z, "lists.list.example", "v=spf1 ip4:203.0.113.16/28 -all", true);
    for (size_t i = 0; i < sizeof(dkim_owners) / sizeof(dkim_owners[0]); i++)
        rc |= add(z, dkim_owners[i][0], key_for(k, dkim_owners[i][1]), false);
    return rc != 0 ? -1 : zone_text(z, ttl);
}

void
bp_zone_free(struct bp_zone *z)
{
    for (size_t i = 0; i < z->n; i++)
        free(z->rec[i].text);
    free(z->text);
    memset(z, 0, sizeof(*z));
}

const char *
bp_zone_lookup(const struct bp_zone *z, const char *owner)
{
    for (size_t i = 0; i < z->n; i++)
        if (strcasecmp(z->rec[i].owner, owner) == 0)
            return z->rec[i].text;
    return NULL;
}

/* --------------------------------------------------------------- classes */

enum path { P_DIRECT, P_FWD, P_LIST, P_LIST_FWD };

struct sigdef {
    const char *domain, *selector;
};

struct clsdef {
    const char          *name, *what;
    size_t               size;
    enum bd_alg          author; /* the first signature (bench.example) */
    enum path            path;
    const struct sigdef *extra[2]; /* more signatures before transit */
    const char          *ip, *helo, *mail_from;
};

/* The signatures added before transit: the author's second, an ESP's. */
static const struct sigdef auth_rsa = {"bench.example", "rsa"}, esp = {"esp.example", "rsa"};

static const struct clsdef classes[] = {
    {"2k/1",
     "author rsa; SPF pass",
     2048,
     BD_RSA,
     P_DIRECT,
     {NULL},
     "192.0.2.25",
     "mail.bench.example",
     "alice@bench.example"},
    {"2k/2",
     "author ed25519 + rsa; SPF pass 4 includes deep",
     2048,
     BD_ED25519,
     P_DIRECT,
     {&auth_rsa},
     "198.18.55.5",
     "mail.example.com",
     "alice@bench.example"},
    {"20k/2",
     "author rsa + ESP rsa; SPF pass, not aligned",
     20480,
     BD_RSA,
     P_DIRECT,
     {&esp},
     "198.18.0.5",
     "mail.example.com",
     "bounces@example.com"},
    {"20k/1",
     "author ed25519; SPF fail",
     20480,
     BD_ED25519,
     P_DIRECT,
     {NULL},
     "203.0.113.77",
     "mail.bench.example",
     "alice@bench.example"},
    {"200k/1",
     "author rsa; SPF pass",
     204800,
     BD_RSA,
     P_DIRECT,
     {NULL},
     "192.0.2.25",
     "mail.bench.example",
     "alice@bench.example"},
    {"200k/3",
     "author ed25519 + rsa + ESP rsa",
     204800,
     BD_ED25519,
     P_DIRECT,
     {&auth_rsa, &esp},
     "198.18.0.5",
     "mail.example.com",
     "bounces@example.com"},
    {"arc 20k/1",
     "forwarded: author rsa, ARC i=1",
     20480,
     BD_RSA,
     P_FWD,
     {NULL},
     "203.0.113.5",
     "mx.fwd.example",
     "SRS0=h1=T2=bench.example=alice@fwd.example"},
    {"arc 20k/2",
     "list: author ed25519 (broken) + list ed25519, ARC i=1",
     20480,
     BD_ED25519,
     P_LIST,
     {NULL},
     "203.0.113.20",
     "lists.list.example",
     "team-bounces@list.example"},
    {"arc 200k/2",
     "list then forwarded: author rsa (broken) + list ed25519, ARC i=2",
     204800,
     BD_RSA,
     P_LIST_FWD,
     {NULL},
     "203.0.113.5",
     "mx.fwd.example",
     "SRS0=h2=T2=list.example=team-bounces@fwd.example"},
};

/* A growing message buffer. */
struct buf {
    char  *p;
    size_t len;
};

/* Put `field` + CRLF on top of the message. */
static int
prepend(struct buf *b, const char *field)
{
    size_t fl = strlen(field);
    char  *n = malloc(fl + 2 + b->len);
    if (n == NULL)
        return -1;
    memcpy(n, field, fl);
    memcpy(n + fl, "\r\n", 2);
    memcpy(n + fl + 2, b->p, b->len);
    free(b->p);
    b->p = n;
    b->len += fl + 2;
    return 0;
}

static const mailauth_key_t *
priv_for(const struct bd_keys *k, const char *sel)
{
    return strcmp(sel, "ed") == 0 ? k->priv[BD_ED25519] : k->priv[BD_RSA];
}

static int
add_signature(mailauth_ctx_t *ctx, const struct bd_keys *k, const struct sigdef *sd, struct buf *b)
{
    mailauth_dkim_signer_t *s = NULL;
    size_t                  need = 0;
    char                   *f = NULL;
    int                     rc = -1;
    if (mailauth_dkim_signer_new(ctx, priv_for(k, sd->selector), sd->domain, sd->selector, &s) !=
        MAILAUTH_OK)
        return -1;
    if (mailauth_dkim_signer_message(s, b->p, b->len) == MAILAUTH_OK &&
        mailauth_dkim_signer_end_message(s) == MAILAUTH_OK &&
        mailauth_dkim_signer_format(s, NULL, 0, &need) == MAILAUTH_ENOSPC &&
        (f = malloc(need + 1)) != NULL &&
        mailauth_dkim_signer_format(s, f, need + 1, &need) == MAILAUTH_OK)
        rc = prepend(b, f);
    free(f);
    mailauth_dkim_signer_free(s);
    return rc;
}

/* A hop: its Received and Authentication-Results fields, then its ARC set. */
static int
add_arc_set(mailauth_ctx_t *ctx, const struct bd_keys *k, const char *domain, const char *host,
            const char *results, mailauth_verdict_t cv, struct buf *b)
{
    mailauth_arc_sealer_t *s = NULL;
    char                   f[512], *set = NULL;
    size_t                 need = 0;
    int                    rc = -1;
    snprintf(f, sizeof(f), "Authentication-Results: %s;\r\n\t%s", host, results);
    if (prepend(b, f) != 0)
        return -1;
    snprintf(f, sizeof(f),
             "Received: from mx.bench.example (mx.bench.example [192.0.2.25])\r\n\tby %s "
             "with ESMTPS id 7QzP1c; Tue, 14 May 2024 09:12:35 +0200",
             host);
    if (prepend(b, f) != 0 ||
        mailauth_arc_sealer_new(ctx, k->priv[BD_RSA], domain, "arc", host, &s) != MAILAUTH_OK)
        return -1;
    if (mailauth_arc_sealer_set_chain(s, cv) == MAILAUTH_OK &&
        mailauth_arc_sealer_message(s, b->p, b->len) == MAILAUTH_OK &&
        mailauth_arc_sealer_end_message(s) == MAILAUTH_OK &&
        mailauth_arc_sealer_format(s, NULL, 0, &need) == MAILAUTH_ENOSPC &&
        (set = malloc(need + 1)) != NULL &&
        mailauth_arc_sealer_format(s, set, need + 1, &need) == MAILAUTH_OK)
        rc = prepend(b, set);
    free(set);
    mailauth_arc_sealer_free(s);
    return rc;
}

/* The list's changes: "[team] " in the Subject, a footer after the body. */
static int
list_rewrite(struct buf *b)
{
    static const char tag[] = "[team] ", footer[] = "-- \r\nteam mailing list\r\n"
                                                    "https://list.example/team\r\n";
    const char       *subj = strstr(b->p, "\r\nSubject: ");
    size_t            at, nl = b->len + sizeof(tag) + sizeof(footer);
    char             *n = malloc(nl);
    if (subj == NULL || n == NULL) {
        free(n);
        return -1;
    }
    at = (size_t)(subj - b->p) + strlen("\r\nSubject: ");
    memcpy(n, b->p, at);
    memcpy(n + at, tag, sizeof(tag) - 1);
    memcpy(n + at + sizeof(tag) - 1, b->p + at, b->len - at);
    memcpy(n + b->len + sizeof(tag) - 1, footer, sizeof(footer) - 1);
    free(b->p);
    b->p = n;
    b->len += sizeof(tag) - 1 + sizeof(footer) - 1;
    return 0;
}

static int
transit(mailauth_ctx_t *ctx, const struct bd_keys *k, enum path path, struct buf *b)
{
    static const struct sigdef list_sig = {"list.example", "ed"};
    int                        rc = 0;
    if (path == P_LIST || path == P_LIST_FWD) {
        rc |= list_rewrite(b);
        rc |= add_signature(ctx, k, &list_sig, b);
        rc |= add_arc_set(ctx, k, "list.example", "lists.list.example",
                          "dkim=pass header.d=bench.example;\r\n\tspf=pass "
                          "smtp.mailfrom=bench.example;\r\n\tdmarc=pass header.from=bench.example",
                          MAILAUTH_VERDICT_NONE, b);
    }
    if (path == P_FWD || path == P_LIST_FWD)
        rc |= add_arc_set(ctx, k, "fwd.example", "mx.fwd.example",
                          path == P_FWD ? "dkim=pass header.d=bench.example;\r\n\tspf=pass "
                                          "smtp.mailfrom=bench.example"
                                        : "arc=pass;\r\n\tdkim=pass header.d=list.example;\r\n\t"
                                          "spf=pass smtp.mailfrom=list.example",
                          path == P_FWD ? MAILAUTH_VERDICT_NONE : MAILAUTH_VERDICT_PASS, b);
    return rc;
}

/* Header fields (no CRLF) and body of m->raw. */
static int
split(struct bp_msg *m)
{
    const char *p = m->raw, *end = m->raw + m->raw_len;
    while (p + 2 <= end && !(p[0] == '\r' && p[1] == '\n')) {
        const char *s = p;
        do {
            const char *lf = memchr(p, '\n', (size_t)(end - p));
            if (lf == NULL)
                return -1;
            p = lf + 1;
        } while (p < end && (*p == ' ' || *p == '\t'));
        if (m->nfields == BP_MAX_FIELDS)
            return -1;
        m->field[m->nfields] = s;
        m->field_len[m->nfields++] = (size_t)(p - 2 - s);
    }
    if (p + 2 > end)
        return -1;
    m->body = (const uint8_t *)p + 2;
    m->body_len = (size_t)(end - p - 2);
    return 0;
}

static int
make_one(mailauth_ctx_t *ctx, const struct bd_keys *k, const struct clsdef *c, struct bp_msg *m)
{
    struct bd_msg bm;
    struct buf    b = {0};
    int           rc = 0;
    memset(m, 0, sizeof(*m));
    if (bd_msg_make(ctx, k, c->author, MAILAUTH_CANON_RELAXED, c->size, &bm) != 0)
        return -1;
    b.p = bm.raw; /* taken over */
    b.len = bm.raw_len;
    bm.raw = NULL;
    bd_msg_free(&bm);
    m->nsigs = 1;
    for (int i = 0; i < 2 && c->extra[i] != NULL; i++, m->nsigs++)
        rc |= add_signature(ctx, k, c->extra[i], &b);
    if (c->path != P_DIRECT) {
        rc |= transit(ctx, k, c->path, &b);
        m->nsigs += c->path != P_FWD;
    }
    m->cls = c->name;
    m->what = c->what;
    m->nominal = c->size;
    m->arc = c->path != P_DIRECT;
    m->raw = b.p;
    m->raw_len = b.len;
    m->ip = c->ip;
    m->helo = c->helo;
    m->mail_from = c->mail_from;
    return rc != 0 ? -1 : split(m);
}

int
bp_corpus_make(mailauth_ctx_t *ctx, const struct bd_keys *k, struct bp_msg *msgs, size_t cap)
{
    size_t n = sizeof(classes) / sizeof(classes[0]);
    if (n > cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (make_one(ctx, k, &classes[i], &msgs[i]) != 0) {
            fprintf(stderr, "bench_peers: cannot build class %s\n", classes[i].name);
            return -1;
        }
    return (int)n;
}

void
bp_msg_free(struct bp_msg *m)
{
    free(m->raw);
    memset(m, 0, sizeof(*m));
}
