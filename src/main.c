/* ecsprobe: subcommand table, help, and the one place that exits. */

#include <stdio.h>
#include <string.h>

#include "cmdutil.h"
#include "base/privdrop.h"
#include "compare/judge.h"
#include "config/completion.h"
#include "config/options.h"
#include "report/sink.h"
#include "checks_cmd.h"
#include "flush_cmd.h"
#include "inventory_cmd.h"
#include "plan_cmd.h"
#include "probes_cmd.h"
#include "report_cmd.h"
#include "verify_cmd.h"
#include "scan.h"

#include <curl/curl.h>

struct command {
	int (*run)(int argc, char **argv);
	const char *summary;
	const struct ep_cmdline *cl;
};

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_completion(int argc, char **argv);

static const struct ep_cmdline version_cmdline = {
    "version", "", "Print the version.\n", NULL, {&ep_common_group, NULL}, NULL};

enum { HELP_ROFF = 1 };
static const struct ep_opt help_opts[] = {
    {"roff", 0, 0, HELP_ROFF, NULL,
     "as man page source: a command's options, or verify's outcome table (the build "
     "writes the man page with it)",
     NULL},
};

static int help_apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	(void)id;
	(void)val;
	(void)d;
	*(int *)ctx = 1;
	return 0;
}

static const struct ep_optgroup help_group = {"Help", help_opts, 1, help_apply};
static const struct ep_cmdline help_cmdline = {
    "help",
    "[COMMAND|outputs|outcomes] [--roff]",
    "Show help for a command, list the output formats, or print verify's outcome\n"
    "table.\n",
    "TOPIC",
    {&help_group, &ep_common_group, NULL},
    NULL};

static const struct ep_cmdline completion_cmdline = {
    "completion",
    "bash|zsh",
    "Print a shell completion script, made from the same option tables as --help\n"
    "and the man page ('make install' installs both).  For a try:\n"
    "  source <(ecsprobe completion bash)\n",
    "SHELL",
    {&ep_common_group, NULL},
    NULL};

static const struct command commands[] = {
    {ep_cmd_scan, "probe addresses x ports over TCP and UDP; report open/closed/filtered",
     &ep_scan_cmdline},
    {ep_cmd_inventory,
     "pull the AWS inventory (interfaces, security groups, ECS, load balancers) into a JSON "
     "document",
     &ep_inventory_cmdline},
    {ep_cmd_plan,
     "from a saved inventory: what the security groups admit from the vantage, "
     "and why",
     &ep_plan_cmdline},
    {ep_cmd_verify, "probe what is admitted, declared and commonly exposed; report the differences",
     &ep_verify_cmdline},
    {ep_cmd_flush, "send what network outputs left in a --spool directory", &ep_flush_cmdline},
    {ep_cmd_probes, "list the UDP probe payloads loaded from the probes/ files",
     &ep_probes_cmdline},
    {ep_cmd_report, "write the HTML report of a run from its NDJSON output", &ep_report_cmdline},
    {ep_cmd_checks, "list the finding kinds, their severity, fixes and public controls",
     &ep_checks_cmdline},
    {cmd_completion, "print a bash or zsh completion script", &completion_cmdline},
    {cmd_version, "print the version", &version_cmdline},
    {cmd_help, "show help for a command", &help_cmdline},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].cl->command, name) == 0)
			return &commands[i];
	return NULL;
}

static const char *nearest_command(const char *name)
{
	const char *words[NCOMMANDS];

	for (size_t i = 0; i < NCOMMANDS; i++)
		words[i] = commands[i].cl->command;
	return ep_did_you_mean(name, words, NCOMMANDS);
}

static void overview(FILE *out)
{
	fprintf(out, "Usage: ecsprobe COMMAND [OPTIONS]\n\n"
	             "ecsprobe checks what is actually reachable against what was declared.\n\n"
	             "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].cl->command, commands[i].summary);
	fprintf(out, "\nOptions every command takes: -h/--help, -v/--verbose, --debug.\n"
	             "'ecsprobe help COMMAND' or 'ecsprobe COMMAND --help' for details.\n");
}

static int cmd_version(int argc, char **argv)
{
	struct ep_common_opts common = {0};
	void *ctx[] = {&common};
	int npos, st = ep_cmd_parse(&version_cmdline, ctx, &common, argc, argv, NULL, &npos);

	if (st >= 0)
		return st;
	printf("ecsprobe %s\n", PACKAGE_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	struct ep_common_opts common = {0};
	int roff = 0, npos, st;
	const char *pos[8];
	void *ctx[] = {&roff, &common};
	const struct command *c;

	if (argc > 9) {
		fprintf(stderr, "ecsprobe help: at most one topic\n");
		return 2;
	}
	st = ep_cmd_parse(&help_cmdline, ctx, &common, argc, argv, pos, &npos);
	if (st >= 0)
		return st;
	if (npos > 1) {
		fprintf(stderr, "ecsprobe help: '%s': one topic at a time\n", pos[1]);
		return 2;
	}
	if (npos == 0) {
		overview(stdout);
		return 0;
	}
	if (strcmp(pos[0], "outputs") == 0) {
		printf("Output formats (-o FORMAT[:DESTINATION], repeatable):\n");
		ep_sink_list(stdout);
		printf("\nA PATH may be an S3 object, s3://BUCKET/KEY: the output is written to a "
		       "local file\nand uploaded when it closes (a large one in parts).\n");
		return 0;
	}
	if (strcmp(pos[0], "outcomes") == 0) {
		/* the README and the man page carry this table; a test keeps them equal */
		ep_judge_table_print(stdout, roff ? EP_JUDGE_ROFF : EP_JUDGE_MARKDOWN);
		return 0;
	}
	c = find(pos[0]);
	if (c == NULL) {
		const char *near = nearest_command(pos[0]);

		fprintf(stderr, "ecsprobe help: '%s': unknown command%s%s%s (see ecsprobe help)\n",
		        pos[0], near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
		return 2;
	}
	if (roff)
		ep_cmdline_roff(c->cl, stdout);
	else
		ep_cmdline_help(c->cl, stdout);
	return 0;
}

static int cmd_completion(int argc, char **argv)
{
	struct ep_common_opts common = {0};
	const struct ep_cmdline *cls[NCOMMANDS];
	const char *summaries[NCOMMANDS];
	const char *pos[4];
	void *ctx[] = {&common};
	int npos, st;

	if (argc > 4) {
		fprintf(stderr, "ecsprobe completion: give one shell: bash or zsh\n");
		return 2;
	}
	st = ep_cmd_parse(&completion_cmdline, ctx, &common, argc, argv, pos, &npos);
	if (st >= 0)
		return st;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		cls[i] = commands[i].cl;
		summaries[i] = commands[i].summary;
	}
	if (npos == 1 && strcmp(pos[0], "bash") == 0)
		return ep_completion_bash(stdout, cls, summaries, NCOMMANDS) ? 2 : 0;
	if (npos == 1 && strcmp(pos[0], "zsh") == 0)
		return ep_completion_zsh(stdout, cls, summaries, NCOMMANDS) ? 2 : 0;
	fprintf(stderr, "ecsprobe completion: give one shell: bash or zsh\n");
	return 2;
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
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return cmd_version(1, argv);
	c = find(argv[1]);
	if (c == NULL) {
		const char *near = nearest_command(argv[1]);
		const char *hint = ep_nmap_hint(argv[1]);

		if (near)
			fprintf(stderr, "ecsprobe: '%s': unknown command; did you mean '%s'?\n",
			        argv[1], near);
		else if (argv[1][0] == '-' || strchr(argv[1], '.') || strchr(argv[1], ':'))
			/* nmap and masscan take options and targets first */
			fprintf(stderr,
			        "ecsprobe: '%s': the command comes first, e.g. 'ecsprobe "
			        "scan TARGET -p PORTS'%s%s\n",
			        argv[1], hint ? "; " : "", hint ? hint : "");
		else
			fprintf(stderr, "ecsprobe: '%s': unknown command (see ecsprobe help)\n",
			        argv[1]);
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
