/* Internal: bounded read cursor and growable byte buffer. */
#ifndef MAILAUTH__BUF_H
#define MAILAUTH__BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mailauth/ctx.h>
#include <mailauth/status.h>

/* Read cursor over caller bytes: never reads past len. */
typedef struct mailauth__cur {
    const uint8_t *p;
    size_t len;
    size_t pos;
} mailauth__cur_t;

void mailauth__cur_init(mailauth__cur_t *c, const void *p, size_t len);
bool mailauth__cur_eof(const mailauth__cur_t *c);
size_t mailauth__cur_left(const mailauth__cur_t *c);
int mailauth__cur_peek(const mailauth__cur_t *c);            /* -1 at end */
int mailauth__cur_peek_at(const mailauth__cur_t *c, size_t k); /* byte pos+k, -1 past end */
int mailauth__cur_next(mailauth__cur_t *c);                  /* -1 at end */
bool mailauth__cur_accept(mailauth__cur_t *c, uint8_t ch);   /* consume ch if next */
/* Consume s (ASCII case-insensitive) if the input starts with it. */
bool mailauth__cur_accept_ci(mailauth__cur_t *c, const char *s);
/* Skip bytes while pred is true; returns number skipped. */
size_t mailauth__cur_skip(mailauth__cur_t *c, bool (*pred)(int ch));
/* Decimal number, no sign; false if no digit or value > max (cursor unchanged then). */
bool mailauth__cur_uint(mailauth__cur_t *c, uint64_t max, uint64_t *out);

/* Growable byte buffer, always NUL-terminated when len > 0 or after any append.
 * Appends past `max` (0: no cap) fail with MAILAUTH_ELIMIT and leave it unchanged. */
typedef struct mailauth__sb {
    const mailauth_allocator_t *al;
    char *p;
    size_t len;
    size_t cap;
    size_t max;
} mailauth__sb_t;

void mailauth__sb_init(mailauth__sb_t *sb, const mailauth_allocator_t *al, size_t max);
void mailauth__sb_clear(mailauth__sb_t *sb); /* frees */
void mailauth__sb_reset(mailauth__sb_t *sb); /* len = 0, keeps memory */
mailauth_status_t mailauth__sb_put(mailauth__sb_t *sb, const void *p, size_t n);
mailauth_status_t mailauth__sb_puts(mailauth__sb_t *sb, const char *s);
mailauth_status_t mailauth__sb_putc(mailauth__sb_t *sb, char ch);
mailauth_status_t mailauth__sb_printf(mailauth__sb_t *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "" if empty; valid until the next change. */
const char *mailauth__sb_str(const mailauth__sb_t *sb);
/* Copy to caller buffer snprintf-style: *need = n (without the NUL) always;
 * OK if n < cap, else ENOSPC with the prefix that fits, NUL-terminated when
 * cap > 0 (buf may be NULL when cap is 0). */
mailauth_status_t mailauth__copy_out(const char *s, size_t n, char *buf, size_t cap, size_t *need);

#endif
