/* `ecsprobe inventory`: options, the pull on a fresh loop, the document and
 * a one-screen summary.  Exit 0 complete, 2 usage, 3 AWS/inventory error
 * (the document is still written, with the failed calls listed). */
#include "inventory_cmd.h"

#include "cmdutil.h"

#include <errno.h>
#include <signal.h>
#include <getopt.h>
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

const char ep_inventory_usage[] =
    "Usage: ecsprobe inventory [OPTIONS]\n"
    "\n"
    "Pull what AWS says should be reachable (network interfaces, security groups,\n"
    "prefix lists, subnets, route tables, network ACLs, gateways, ECS clusters,\n"
    "services, tasks, task definitions, container instances, load balancers and\n"
    "listeners) for every account and region, into one JSON document.\n"
    "\n"
    "  -o, --output FILE       write the document here ('-' for stdout; default -), or\n"
    "                          to an S3 object: s3://BUCKET/KEY\n"
    "      --profile NAME      use this profile from ~/.aws/config and credentials\n"
    "      --region(s) LIST    comma-separated regions, or 'all' (DescribeRegions);\n"
    "                          default: AWS_REGION, AWS_DEFAULT_REGION or the profile's\n"
    "      --role-arn ARN      pull this account by assuming the role (repeatable)\n"
    "      --external-id ID    ExternalId for --role-arn\n"
    "      --accounts FILE     pull these account ids (one per line, '#' comments)...\n"
    "      --all-accounts      ...or every active account of the organization\n"
    "                          (Organizations ListAccounts), both through --role-name\n"
    "      --role-name NAME    role assumed in each such account\n"
    "                          (default OrganizationAccountAccessRole)\n"
    "      --endpoint-url URL  send every call to URL (AWS_ENDPOINT_URL_<SERVICE> and\n"
    "                          AWS_ENDPOINT_URL are honoured too)\n"
    "      --max-attempts N    tries per call, throttling and 5xx included (default 5)\n"
    "      --api-rate N        calls per second per account, region and API (default 10)\n"
    "      --api-timeout SECS  longest wait for one answer, per try (default 30)\n"
    "      --max-pages N       pages one list may take (default 10000); a NextToken\n"
    "                          that repeats ends the list at once\n"
    "      --max-inventory-size SIZE  answers the whole pull may add up to (default\n"
    "                          1G; K, M, G suffixes); past it nothing is written\n"
    "      --debug             log every call (never credentials)\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 complete, 2 usage error, 3 AWS error (document written; what is\n"
    "missing is listed under each region's \"errors\"; past --max-inventory-size\n"
    "nothing is written), 4 interrupted (SIGINT, SIGTERM, SIGHUP: nothing written).\n";

struct run {
	const char *out;
	int status;
	struct ep_inv *inv; /* the pull, until on_done */
	uv_signal_t sig[3];
	int nsig;
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
	fprintf(
	    stderr,
	    "ecsprobe: inventory: %d account%s, %d region%s: %d network interfaces, %d security "
	    "groups, %d prefix lists, %d ECS clusters, %d services, %d tasks, %d load "
	    "balancers\n",
	    naccts, naccts == 1 ? "" : "s", nregions, nregions == 1 ? "" : "s",
	    count(doc, "ec2", "network_interfaces"), count(doc, "ec2", "security_groups"),
	    count(doc, "ec2", "prefix_lists"), count_ecs(doc, NULL), count_ecs(doc, "services"),
	    count_ecs(doc, "tasks"), count(doc, "elbv2", "load_balancers"));
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
	struct option long_opts[32] = {{"output", required_argument, NULL, 'o'},
	                               {"help", no_argument, NULL, 'h'}};
	size_t nopts = 2;
	struct ep_awsopts *a = malloc(sizeof(*a));
	struct run run = {.out = "-", .status = 3};
	uv_loop_t loop;
	int opt, status = 2;

	if (a == NULL) {
		fprintf(stderr, "ecsprobe: inventory: out of memory\n");
		return 3;
	}
	ep_awsopts_init(a);
	ep_awsopts_getopt(long_opts, &nopts, sizeof(long_opts) / sizeof(long_opts[0]) - 1);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			run.out = optarg;
			break;
		case 'h':
			fputs(ep_inventory_usage, stdout);
			status = 0;
			goto out;
		default:
			if (opt < EP_AWSOPT_PROFILE) {
				status = ep_cmd_bad_option(opt, argv, "inventory");
				goto out;
			}
			if (ep_awsopts_apply(a, (enum ep_awsopt_id)opt, optarg))
				goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ecsprobe: inventory: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	if (ep_s3_url_is(run.out)) {
		struct ep_s3_url u;
		struct ep_diag d = {0};

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
