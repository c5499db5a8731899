/* `ecsprobe checks`: prints the catalogue of checks (compare/checks.h) as a
 * text list, one JSON document or Markdown tables.  Reads and sends nothing. */
#include "checks_cmd.h"

#include <stdio.h>
#include <string.h>

#include "cmdutil.h"
#include "compare/checks.h"

enum { CK_FORMAT = 1 };

static const struct ep_opt checks_opts[] = {
    {"format", 0, 1, CK_FORMAT, "FMT", "text (default), json (one document) or markdown",
     "text json markdown"},
};

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	enum ep_checks_format *fmt = ctx;

	(void)id;
	if (strcmp(val, "text") == 0)
		*fmt = EP_CHECKS_TEXT;
	else if (strcmp(val, "json") == 0)
		*fmt = EP_CHECKS_JSON;
	else if (strcmp(val, "markdown") == 0 || strcmp(val, "md") == 0)
		*fmt = EP_CHECKS_MARKDOWN;
	else
		return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s': expected text, json or markdown",
		                   val);
	return 0;
}

static const struct ep_optgroup checks_group = {
    "Checks", checks_opts, sizeof(checks_opts) / sizeof(checks_opts[0]), apply};

const struct ep_cmdline ep_checks_cmdline = {
    "checks",
    "[--format text|json|markdown]",
    "List every finding kind verify reports: its severity rule, what it means, how\n"
    "to fix it, and the public controls it maps to (AWS Foundational Security Best\n"
    "Practices EC2.18, EC2.19, EC2.2; CIS AWS Foundations Benchmark v3.0.0 5.2, 5.3,\n"
    "5.4), with when a finding meets each.  The OCSF and ASFF outputs carry the\n"
    "controls a finding meets.\n",
    NULL,
    {&checks_group, &ep_common_group, NULL},
    "Exit status: 0 done, 2 usage error.\n",
};

int ep_cmd_checks(int argc, char **argv)
{
	enum ep_checks_format fmt = EP_CHECKS_TEXT;
	struct ep_common_opts common = {0};
	void *ctx[] = {&fmt, &common};
	int npos, st = ep_cmd_parse(&ep_checks_cmdline, ctx, &common, argc, argv, NULL, &npos);

	if (st >= 0)
		return st;
	if (ep_checks_print(stdout, fmt) || fflush(stdout)) {
		fprintf(stderr, "ecsprobe: checks: cannot write the catalogue\n");
		return 2;
	}
	return 0;
}
