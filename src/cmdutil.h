/* What the commands share: reading a saved inventory with a one-line error,
 * and the one-line error of a command line. */
#ifndef EP_CMDUTIL_H
#define EP_CMDUTIL_H

#include <cJSON.h>

#include "base/err.h"
#include "config/opt.h"

/* The inventory document at path (a file or an s3:// object), or NULL after
 * one "ecsprobe: FILE:LINE:COL: message" line on stderr.  The caller owns
 * the document. */
cJSON *ep_cmd_load_inventory(const char *path);
/* The same, with the exit status a failure means: 3 when S3 refused or
 * failed (an AWS error), 2 otherwise (input: missing, malformed). */
cJSON *ep_cmd_load_inventory_status(const char *path, int *status);
/* Parses a command line whose groups include the common one (ctx's entry
 * for it is common): prints the one-line error, or the help.  Returns -1
 * to go on, else the exit status: 0 after --help, 2 after an error. */
int ep_cmd_parse(const struct ep_cmdline *cl, void *const ctx[],
                 const struct ep_common_opts *common, int argc, char **argv, const char **pos,
                 int *npos);
/* Prints "ecsprobe COMMAND: file:line:col: message", one line. */
void ep_cmd_print_diag(const char *command, const struct ep_diag *d);
/* Flushes stdout; when that or an earlier write to it failed, prints
 * "ecsprobe: COMMAND: standard output: write failed: ERRNO" and returns
 * nonzero (a report the reader never got is not a success). */
int ep_stdout_check(const char *command);

#endif
