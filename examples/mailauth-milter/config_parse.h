/* mailauth-milter: the configuration parser's state, shared by config.c
 * (the file) and config_keys.c (one function per key). */
#ifndef MAILAUTH_MILTER_CONFIG_PARSE_H
#define MAILAUTH_MILTER_CONFIG_PARSE_H

#include "milter.h"

struct cfg_parse {
    struct ma_config *cfg;
    struct ma_errors *errs;
    unsigned         *reader_line;
    unsigned          first_err_line;  /* first line the handler refused */
    unsigned          scalar_line[16]; /* where each single-valued key was set */
};

/* One `key = value` (comment already stripped) at line; false: refused
 * (and said why in errs). */
bool ma_cfg_key(struct cfg_parse *p, unsigned line, const char *name, const char *value);
/* Copy value without a `#` comment that starts it or follows a blank, and
 * without the blanks before that comment. false: does not fit. */
bool ma_cfg_strip_comment(const char *value, char *out, size_t cap);
bool ma_cfg_line_reported(const struct cfg_parse *p, unsigned line);

#endif
