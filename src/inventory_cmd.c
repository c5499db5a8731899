/* `ecsprobe inventory`: options, the pull on a fresh loop, the document and
 * a one-screen summary.  Exit 0 complete, 2 usage, 3 AWS/inventory error
 * (the document is still written, with the failed calls listed). */
#include "inventory_cmd.h"

#include "cmdutil.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "aws/inventory.h"
#include "aws/s3.h"
#include "base/err.h"
#include "base/log.h"
#include "config/awsopts.h"
#include "report/objects.h"

enum { INV_OUTPUT = 1 };

static const struct ep_opt inventory_opts[] = {
    {"output", 'o', 1, INV_OUTPUT, "FILE",
     "write the document here ('-' for stdout; default -), or to an S3 object: "
     "s3://BUCKET/KEY",
     "file"},
};

struct run {
	const char *out;
	int status;
	int tty;            /* stderr is a terminal: one progress line, redrawn */
	int verbose;        /* -v: a line per call */
	uint64_t drawn;     /* when the line was last drawn (ns) */
	struct ep_inv *inv; /* the pull, until on_done */
	uv_signal_t sig[3];
	int nsig;
};

/* After every AWS call: people watching a long pull see it move. */
static void on_progress(void *arg, const char *account, const char *region, const char *api,
                        unsigned long done, unsigned pending)
{
	struct run *run = arg;
	uint64_t now = uv_hrtime();

	if (run->verbose)
		ep_log(EP_LOG_INFO, "inventory", "%s %s %s done (%lu call%s, %u to come)",
		       account[0] ? account : "-", region, api, done, done == 1 ? "" : "s",
		       pending);
	else if (run->tty && now - run->drawn > 100000000u) {
		fprintf(stderr, "\r\033[Kinventory: %lu call%s done, %u to come; %s %s %s", done,
		        done == 1 ? "" : "s", pending, account[0] ? account : "-", region, api);
		run->drawn = now;
	}
}

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct run *run = ctx;

	(void)d;
	if (id != INV_OUTPUT)
		return EP_EINVAL;
	run->out = val;
	return 0;
}

static const struct ep_optgroup inventory_group = {
    "Output", inventory_opts, sizeof(inventory_opts) / sizeof(inventory_opts[0]), apply};

const struct ep_cmdline ep_inventory_cmdline = {
    "inventory",
    "[OPTIONS]",
    "Pull what AWS says should be reachable (network interfaces, security groups,\n"
    "prefix lists, subnets, route tables, network ACLs, gateways, ECS clusters,\n"
    "services, tasks, task definitions, container instances, load balancers and\n"
    "listeners) for every account and region, into one JSON document.\n",
    NULL,
    {&inventory_group, &ep_aws_group, &ep_common_group, NULL},
    "Exit status: 0 complete, 2 usage error, 3 AWS error (document written; what is\n"
    "missing is listed under each region's \"errors\"; past --max-inventory-size\n"
    "nothing is written), 4 interrupted (SIGINT, SIGTERM, SIGHUP: nothing written).\n",
};

static int count(const cJSON *doc, const char *a, const char *b)
{
	int n = 0;
	const cJSON *acct, *reg;

	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	{
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(reg, a);

		n += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(x, b));
	}
	return n;
}

static int count_ecs(const cJSON *doc, const char *what)
{
	int n = 0;
	const cJSON *acct, *reg, *cl;

	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	        cJSON_ArrayForEach(cl,
	                           cJSON_GetObjectItemCaseSensitive(
	                               cJSON_GetObjectItemCaseSensitive(reg, "ecs"), "clusters"))
	{
		if (what == NULL)
			n++;
		else
			n += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cl, what));
	}
	return n;
}

static void summary(const cJSON *doc)
{
	const cJSON *acct;
	int naccts = 0, nregions = 0;

	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	{
		naccts++;
		nregions += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(acct, "regions"));
	}
	{
		const struct {
			int n;
			const char *one, *many;
		} c[] = {
		    {naccts, "account", "accounts"},
		    {nregions, "region", "regions"},
		    {count(doc, "ec2", "network_interfaces"), "network interface",
		     "network interfaces"},
		    {count(doc, "ec2", "security_groups"), "security group", "security groups"},
		    {count(doc, "ec2", "prefix_lists"), "prefix list", "prefix lists"},
		    {count_ecs(doc, NULL), "ECS cluster", "ECS clusters"},
		    {count_ecs(doc, "services"), "service", "services"},
		    {count_ecs(doc, "tasks"), "task", "tasks"},
		    {count(doc, "elbv2", "load_balancers"), "load balancer", "load balancers"},
		};

		fputs("ecsprobe: inventory: ", stderr);
		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
			fprintf(stderr, "%s%d %s",
			        i == 0   ? ""
			        : i == 2 ? ": "
			                 : ", ",
			        c[i].n, c[i].n == 1 ? c[i].one : c[i].many);
		fputc('\n', stderr);
	}
}

/* Writes the whole document to fd; 0 or EP_EIO. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return EP_EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A signal ends the pull: every call fails now, and on_done writes nothing
 * (a partial document would read as a complete one) and exits 4. */
static void on_signal(uv_signal_t *h, int signum)
{
	struct run *run = h->data;
	char why[64];

	snprintf(why, sizeof(why), "interrupted by %s",
	         signum == SIGINT   ? "SIGINT"
	         : signum == SIGHUP ? "SIGHUP"
	                            : "SIGTERM");
	if (run->inv)
		ep_inventory_stop(run->inv, why);
}

/* The document goes out only once it is whole: a failed pull leaves an
 * earlier file (or object) as it was. */
static void on_done(void *arg, int rc, cJSON *doc, const char *err)
{
	struct run *run = arg;
	struct ep_output out;
	struct ep_diag d = {0};
	char *text;
	int wrc;

	if (run->tty && run->drawn)
		fputs("\r\033[K", stderr); /* the progress line */

	run->inv = NULL;
	for (int i = 0; i < run->nsig; i++)
		uv_close((uv_handle_t *)&run->sig[i], NULL);
	if (doc == NULL) {
		fprintf(stderr, "ecsprobe: inventory: %s%s\n", err && *err ? err : ep_strerror(rc),
		        rc == EP_ESTOPPED ? "; nothing written" : "");
		run->status = rc == EP_ESTOPPED ? 4 : 3;
		return;
	}
	text = cJSON_Print(doc);
	if (text == NULL) {
		fprintf(stderr, "ecsprobe: inventory: out of memory\n");
		run->status = 3;
	} else if (ep_output_open(&out, "inventory", run->out, &d)) {
		fprintf(stderr, "ecsprobe: inventory: %s\n", d.msg);
		run->status = 3;
	} else {
		wrc = write_all(out.fd, text, strlen(text));
		if (wrc == 0)
			wrc = write_all(out.fd, "\n", 1);
		if (wrc)
			fprintf(stderr, "ecsprobe: inventory: writing %s failed: %s\n", run->out,
			        strerror(errno));
		/* an upload that fails says where the document was kept */
		if (ep_output_close(&out, wrc == 0) || wrc) {
			run->status = 3;
		} else {
			summary(doc);
			run->status = rc ? 3 : 0;
		}
	}
	cJSON_free(text);
	cJSON_Delete(doc);
}

int ep_cmd_inventory(int argc, char **argv)
{
	struct ep_awsopts *a = malloc(sizeof(*a));
	struct ep_common_opts common = {0};
	struct run run = {.out = "-", .status = 3};
	struct ep_diag d = {0};
	void *ctx[] = {&run, a, &common};
	uv_loop_t loop;
	int npos, status = 2;

	if (a == NULL) {
		fprintf(stderr, "ecsprobe: inventory: out of memory\n");
		return 3;
	}
	ep_awsopts_init(a);
	status = ep_cmd_parse(&ep_inventory_cmdline, ctx, &common, argc, argv, NULL, &npos);
	if (status >= 0)
		goto out;
	status = 2;
	a->o.aws.debug = common.debug;
	run.tty = isatty(STDERR_FILENO);
	run.verbose = common.verbose || common.debug;
	a->o.progress = on_progress;
	a->o.progress_arg = &run;
	if (ep_s3_url_is(run.out)) {
		struct ep_s3_url u;

		/* a mistyped URL fails now, not after the pull */
		if (ep_s3_url_parse(run.out, &u, &d) || u.key[0] == '\0' ||
		    u.key[strlen(u.key) - 1] == '/') {
			if (d.msg[0] == '\0')
				snprintf(d.msg, sizeof(d.msg), "%.200s: %s", run.out,
				         "names a prefix; add the object's name");
			fprintf(stderr, "ecsprobe: inventory: -o %s\n", d.msg);
			goto out;
		}
	}
	if (a->o.aws.timeout_ms == 0)
		a->o.aws.timeout_ms = 30000;
	status = 3;
	if (uv_loop_init(&loop))
		goto out;
	if (ep_inventory_pull(&loop, &a->o, on_done, &run, &run.inv)) {
		fprintf(stderr, "ecsprobe: inventory: cannot start\n");
		uv_loop_close(&loop);
		goto out;
	}
	{
		static const int signums[] = {SIGINT, SIGTERM, SIGHUP};

		for (int i = 0; i < 3 && run.inv; i++) {
			uv_signal_init(&loop, &run.sig[i]);
			run.sig[i].data = &run;
			uv_signal_start(&run.sig[i], on_signal, signums[i]);
			run.nsig++;
		}
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop))
		ep_log(EP_LOG_WARN, "inventory", "event loop closed with handles still open");
	status = run.status;
out:
	free(a);
	return status;
}
