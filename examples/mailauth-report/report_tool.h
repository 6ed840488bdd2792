/* mailauth-report: the commands (one file each, one row of the table in
 * main.c) and what they share. */
#ifndef MAILAUTH_REPORT_TOOL_H
#define MAILAUTH_REPORT_TOOL_H

#include <stdbool.h>
#include <stdio.h>

#include <mailauth/report.h>

/* Exit statuses of every command. */
#define TOOL_EXIT_OK 0
#define TOOL_EXIT_FAILED 1 /* some input could not be read or done */
#define TOOL_EXIT_USAGE 64
#define TOOL_EXIT_SOFTWARE 70

/* A command: argv[0] is the command's name, argv[1..] its arguments. */
typedef int (*tool_cmd_fn)(int argc, char **argv);

int cmd_parse(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_send(int argc, char **argv);

/* tool_out.c: JSON and CSV pieces. */
void tool_json_str(FILE *f, const char *s); /* "..." or null */
void tool_csv_str(FILE *f, const char *s);  /* RFC 4180 field; empty for NULL */
/* One line to stderr for a report, file, member or message that failed. */
void tool_report_error(const mailauth_report_read_where_t *where, const char *why);
/* Copy the whole of src (from its start) to dst; false on a write error. */
bool tool_copy(FILE *src, FILE *dst);

#endif
