/* Fuzz target: the report reader's unpacking (lib/report/read_path.c,
 * read_src.c, read_codec.c, read_zip.c, read_mime.c): the bytes of one
 * file, found by content to be gzip, zlib, zip, a message (MIME parts,
 * base64, quoted-printable) or XML.
 *
 * Invariants (abort() on violation):
 *  - `end` is called at least once, and once for every `begin`; records
 *    come only between a `begin` and its `end`;
 *  - the status returned is that of the first failed `end` (OK when none);
 *  - a member name handed out is printable (no control bytes);
 *  - the same input gives the same answer twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailauth/report.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    unsigned          ends, begins;
    size_t            records;
    int               open;
    mailauth_status_t first;
};

static void
check(int ok)
{
    if (!ok)
        abort();
}

static void
check_where(const mailauth_report_read_where_t *w)
{
    check(w->file != NULL && strcmp(w->file, "fuzz") == 0);
    if (w->member != NULL)
        for (const unsigned char *p = (const unsigned char *)w->member; *p != '\0'; p++)
            check(*p >= 0x20 && *p != 0x7f);
}

static mailauth_status_t
on_begin(void *user, const mailauth_report_read_where_t *w, const mailauth_report_meta_t *m,
         const mailauth_report_policy_t *p)
{
    struct seen *s = user;
    check_where(w);
    check(!s->open && m->report_id != NULL && p->domain != NULL);
    s->open = 1;
    s->begins++;
    return MAILAUTH_OK;
}

static mailauth_status_t
on_record(void *user, const mailauth_report_record_t *r)
{
    struct seen *s = user;
    check(s->open && r->count <= (uint64_t)INT64_MAX);
    s->records++;
    return MAILAUTH_OK;
}

static void
on_end(void *user, const mailauth_report_read_where_t *w, mailauth_status_t st, const char *why)
{
    struct seen *s = user;
    check_where(w);
    s->open = 0;
    s->ends++;
    if (st != MAILAUTH_OK) {
        check(why != NULL && why[0] != '\0');
        if (s->first == MAILAUTH_OK)
            s->first = st;
    }
}

static struct seen
run(const uint8_t *data, size_t size)
{
    mailauth_report_read_cbs_t cbs = { MAILAUTH_REPORT_STRUCT_VERSION, on_begin, on_record,
                                       on_end };
    mailauth_report_read_limits_t lim;
    mailauth_report_reader_t     *rd = NULL;
    struct seen                   s = { 0 };
    mailauth_status_t             st;
    mailauth_report_read_limits_init(&lim);
    lim.max_decompressed = (uint64_t)8 << 20; /* keep an input's run short */
    lim.max_elements = 100000;
    check(mailauth_report_reader_new(&lim, &cbs, &s, &rd) == MAILAUTH_OK);
    st = mailauth_report_read_mem(rd, "fuzz", data, size);
    mailauth_report_reader_free(rd);
    check(s.ends >= 1 && s.ends >= s.begins && !s.open);
    check(st == s.first);
    return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen a, b;
    if (size > ((size_t)4 << 20))
        return 0;
    a = run(data, size);
    b = run(data, size);
    check(a.ends == b.ends && a.records == b.records && a.first == b.first);
    return 0;
}
