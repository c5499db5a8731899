/* What the commands share: reading a saved inventory with a one-line error,
 * and the getopt error messages. */
#ifndef EP_CMDUTIL_H
#define EP_CMDUTIL_H

#include <cJSON.h>

/* The inventory document at path (a file or an s3:// object), or NULL after
 * one "ecsprobe: FILE:LINE:COL: message" line on stderr.  The caller owns
 * the document. */
cJSON *ep_cmd_load_inventory(const char *path);
/* The same, with the exit status a failure means: 3 when S3 refused or
 * failed (an AWS error), 2 otherwise (input: missing, malformed). */
cJSON *ep_cmd_load_inventory_status(const char *path, int *status);
/* For getopt's ':' (missing value) and '?' (unknown option): prints the one
 * line and returns the usage exit status, 2. */
int ep_cmd_bad_option(int opt, char **argv, const char *command);
/* Flushes stdout; when that or an earlier write to it failed, prints
 * "ecsprobe: COMMAND: standard output: write failed: ERRNO" and returns
 * nonzero (a report the reader never got is not a success). */
int ep_stdout_check(const char *command);

#endif
