/* `ecsprobe checks`: prints the catalogue of checks (compare/checks.h) as a
 * text list, one JSON document or Markdown tables.  Reads and sends nothing. */
#include "checks_cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "compare/checks.h"

const char ep_checks_usage[] =
    "Usage: ecsprobe checks [--format text|json|markdown]\n"
    "\n"
    "List every finding kind verify reports: its severity rule, what it means, how\n"
    "to fix it, and the public controls it maps to (AWS Foundational Security Best\n"
    "Practices EC2.18, EC2.19, EC2.2; CIS AWS Foundations Benchmark v3.0.0 5.2, 5.3,\n"
    "5.4), with when a finding meets each.  The OCSF and ASFF outputs carry the\n"
    "controls a finding meets.\n"
    "\n"
    "      --format FMT  text (default), json (one document) or markdown\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 done, 2 usage error.\n";

enum { OPT_FORMAT = 256 };

static const struct option long_opts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int ep_cmd_checks(int argc, char **argv)
{
	enum ep_checks_format fmt = EP_CHECKS_TEXT;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0) {
				fmt = EP_CHECKS_TEXT;
			} else if (strcmp(optarg, "json") == 0) {
				fmt = EP_CHECKS_JSON;
			} else if (strcmp(optarg, "markdown") == 0 || strcmp(optarg, "md") == 0) {
				fmt = EP_CHECKS_MARKDOWN;
			} else {
				fprintf(stderr,
				        "ecsprobe: checks: --format '%s': expected text, json or "
				        "markdown\n",
				        optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(ep_checks_usage, stdout);
			return 0;
		default:
			fprintf(
			    stderr,
			    "ecsprobe: checks: unknown option '%s' (see ecsprobe checks --help)\n",
			    argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ecsprobe: checks: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (ep_checks_print(stdout, fmt) || fflush(stdout)) {
		fprintf(stderr, "ecsprobe: checks: cannot write the catalogue\n");
		return 2;
	}
	return 0;
}
