/* ecsprobe: subcommand table, help, and the one place that exits. */

#include <stdio.h>
#include <string.h>

#include "base/privdrop.h"
#include "config/options.h"
#include "compare/judge.h"
#include "report/sink.h"
#include "flush_cmd.h"
#include "inventory_cmd.h"
#include "plan_cmd.h"
#include "probes_cmd.h"
#include "verify_cmd.h"
#include "scan.h"

#include <curl/curl.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const char version_usage[] = "Usage: ecsprobe version\n\nPrint the version.\n";
static const char help_usage[] =
    "Usage: ecsprobe help [COMMAND|outputs|outcomes]\n\nShow help for a command, list output "
    "formats, or print verify's outcome table.\n";

static const struct command commands[] = {
    {"scan", ep_cmd_scan, "probe addresses x ports over TCP and report open/closed/filtered",
     ep_scan_usage},
    {"inventory", ep_cmd_inventory,
     "pull the AWS inventory (interfaces, security groups, ECS, "
     "load balancers) into a JSON document",
     ep_inventory_usage},
    {"plan", ep_cmd_plan,
     "from a saved inventory: what the security groups admit from the vantage, and why",
     ep_plan_usage},
    {"verify", ep_cmd_verify,
     "probe what is admitted, declared and commonly exposed; report the differences",
     ep_verify_usage},
    {"flush", ep_cmd_flush, "send what network outputs left in a --spool directory",
     ep_flush_usage},
    {"probes", ep_cmd_probes, "list the UDP probe payloads loaded from the probes/ files",
     ep_probes_usage},
    {"version", cmd_version, "print the version", version_usage},
    {"help", cmd_help, "show help for a command", help_usage},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void overview(FILE *out)
{
	fprintf(out, "Usage: ecsprobe COMMAND [OPTIONS]\n\n"
	             "ecsprobe checks what is actually reachable against what was declared.\n\n"
	             "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'ecsprobe help COMMAND' or 'ecsprobe COMMAND --help' for details.\n");
}

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "ecsprobe: version takes no arguments\n");
		return 2;
	}
	printf("ecsprobe %s\n", PACKAGE_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		overview(stdout);
		return 0;
	}
	if (strcmp(argv[1], "outputs") == 0) {
		printf("Output formats (-o FORMAT[:DESTINATION], repeatable):\n");
		ep_sink_list(stdout);
		printf("\nA PATH may be an S3 object, s3://BUCKET/KEY: the output is written to a "
		       "local file\nand uploaded when it closes (a large one in parts).\n");
		return 0;
	}
	if (strcmp(argv[1], "outcomes") == 0) {
		/* the README and the man page carry this table; a test keeps them equal */
		ep_judge_table_print(stdout, argc > 2 && strcmp(argv[2], "--roff") == 0
		                                 ? EP_JUDGE_ROFF
		                                 : EP_JUDGE_MARKDOWN);
		return 0;
	}
	c = find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "ecsprobe: no help for '%s': unknown command\n", argv[1]);
		return 2;
	}
	fputs(c->usage, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *c;
	int status;

	if (argc < 2) {
		fprintf(stderr, "ecsprobe: no command given (try: ecsprobe help)\n");
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		overview(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	c = find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "ecsprobe: unknown command '%s' (see ecsprobe help)\n", argv[1]);
		return 2;
	}
	/* scan --intent FILE: the whole inventory compared with the intent is
	 * what verify does (without --service); the dispatcher routes it, so no
	 * command calls another */
	for (int i = 2; c->run == ep_cmd_scan && i < argc; i++)
		if (strcmp(argv[i], "--intent") == 0 || strncmp(argv[i], "--intent=", 9) == 0)
			c = find("verify");
	if (ep_privdrop_nocore())
		return 3;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fprintf(stderr, "ecsprobe: cannot initialise libcurl\n");
		return 3;
	}
	status = c->run(argc - 1, argv + 1);
	curl_global_cleanup();
	return status;
}
