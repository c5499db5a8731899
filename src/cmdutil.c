/* Helpers shared by the commands. */
#include "cmdutil.h"

#include <errno.h>
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

void ep_cmd_print_diag(const char *command, const struct ep_diag *d)
{
	char line[600];

	ep_diag_format(d, line, sizeof(line));
	fprintf(stderr, "ecsprobe %s: %s\n", command, line);
}

int ep_cmd_parse(const struct ep_cmdline *cl, void *const ctx[],
                 const struct ep_common_opts *common, int argc, char **argv, const char **pos,
                 int *npos)
{
	struct ep_diag d = {0};

	if (ep_cmdline_parse(cl, ctx, argc, argv, pos, npos, &d)) {
		ep_cmd_print_diag(cl->command, &d);
		return 2;
	}
	if (common->help) {
		ep_cmdline_help(cl, stdout);
		return 0;
	}
	return -1;
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
