/* Helpers shared by the commands. */
#include "cmdutil.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "model/invtargets.h"

cJSON *ep_cmd_load_inventory_status(const char *path, int *status)
{
	struct ep_diag d = {0};
	char line[600];
	cJSON *doc;
	int rc = ep_inventory_read(path, &doc, &d);

	*status = 0;
	if (rc == 0)
		return doc;
	ep_diag_format(&d, line, sizeof(line));
	fprintf(stderr, "ecsprobe: %s\n", line);
	*status = rc == EP_EREMOTE ? 3 : 2;
	return NULL;
}

cJSON *ep_cmd_load_inventory(const char *path)
{
	int status;

	return ep_cmd_load_inventory_status(path, &status);
}

int ep_cmd_bad_option(int opt, char **argv, const char *command)
{
	if (opt == ':')
		fprintf(stderr, "ecsprobe: option '%s' needs a value\n", argv[optind - 1]);
	else
		fprintf(stderr, "ecsprobe: unknown option '%s' (see ecsprobe %s --help)\n",
		        argv[optind - 1], command);
	return 2;
}

int ep_stdout_check(const char *command)
{
	int failed = ferror(stdout), err;

	errno = 0;
	if (fflush(stdout) != 0)
		failed = 1;
	if (!failed)
		return 0;
	err = errno;
	fprintf(stderr, "ecsprobe: %s: standard output: write failed: %s\n", command,
	        err ? strerror(err) : "an earlier write failed");
	return 1;
}
