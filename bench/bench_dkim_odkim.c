/* bench_dkim: the same messages through libopendkim (Debian libopendkim11),
 * fed as mailauth is fed: header fields one by one, end of header, body in
 * 64 KiB chunks, end of message. Keys come from a key lookup callback that
 * copies the record text from memory, so no DNS is involved: libopendkim
 * has no decoded-key cache and decodes the key record for every message,
 * which is its normal (and best) path. */
#include "bench_dkim.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <opendkim/dkim.h>

struct bd_odkim {
    DKIM_LIB             *lib;
    const struct bd_keys *keys;
};

static DKIM_CBSTAT
key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    struct bd_odkim     *o = dkim_get_user_context(dkim);
    const unsigned char *sel = dkim_sig_getselector(sig);
    const char          *rec;
    size_t               n;
    if (o == NULL || sel == NULL)
        return DKIM_CBSTAT_ERROR;
    if (strcmp((const char *)sel, "rsa") == 0)
        rec = o->keys->record[BD_RSA];
    else if (strcmp((const char *)sel, "ed") == 0)
        rec = o->keys->record[BD_ED25519];
    else
        return DKIM_CBSTAT_NOTFOUND;
    n = strlen(rec);
    if (n >= buflen)
        return DKIM_CBSTAT_ERROR;
    memcpy(buf, rec, n + 1);
    return DKIM_CBSTAT_CONTINUE;
}

struct bd_odkim *
bd_odkim_new(const struct bd_keys *k)
{
    struct bd_odkim *o = calloc(1, sizeof(*o));
    if (o == NULL)
        return NULL;
    o->keys = k;
    o->lib = dkim_init(NULL, NULL);
    if (o->lib == NULL || dkim_set_key_lookup(o->lib, key_lookup) != DKIM_STAT_OK) {
        bd_odkim_free(o);
        return NULL;
    }
    return o;
}

int
bd_odkim_run(struct bd_odkim *o, const struct bd_msg *m, const char **why)
{
    DKIM_STAT st = DKIM_STAT_OK;
    DKIM     *d = dkim_verify(o->lib, (const unsigned char *)"bench", NULL, &st);
    *why = NULL;
    if (d == NULL) {
        *why = dkim_getresultstr(st);
        return 0;
    }
    dkim_set_user_context(d, o);
    for (size_t i = 0; i < m->nfields && st == DKIM_STAT_OK; i++)
        st = dkim_header(d, (u_char *)(uintptr_t)m->field[i], m->field_len[i]);
    if (st == DKIM_STAT_OK)
        st = dkim_eoh(d);
    for (size_t off = 0; off < m->body_len && st == DKIM_STAT_OK; off += BD_CHUNK) {
        size_t n = m->body_len - off < BD_CHUNK ? m->body_len - off : BD_CHUNK;
        st = dkim_body(d, (u_char *)(uintptr_t)(m->body + off), n);
    }
    if (st == DKIM_STAT_OK)
        st = dkim_eom(d, NULL);
    if (st != DKIM_STAT_OK)
        *why = dkim_getresultstr(st); /* static text: d is freed below */
    dkim_free(d);
    return st == DKIM_STAT_OK;
}

void
bd_odkim_free(struct bd_odkim *o)
{
    if (o == NULL)
        return;
    if (o->lib != NULL)
        dkim_close(o->lib);
    free(o);
}
