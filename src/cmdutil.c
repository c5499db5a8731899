/* Helpers shared by the commands. */
#include "cmdutil.h"

#include <getopt.h>
#include <stdio.h>

#include "model/invtargets.h"

cJSON *ep_cmd_load_inventory(const char *path)
{
	struct ep_diag d = {0};
	char line[600];
	cJSON *doc;

	if (ep_inventory_read(path, &doc, &d) == 0)
		return doc;
	ep_diag_format(&d, line, sizeof(line));
	fprintf(stderr, "ecsprobe: %s\n", line);
	return NULL;
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
