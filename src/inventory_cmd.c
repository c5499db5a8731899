/* `ecsprobe inventory`: options, the pull on a fresh loop, the document and
 * a one-screen summary.  Exit 0 complete, 2 usage, 3 AWS/inventory error
 * (the document is still written, with the failed calls listed). */
#include "inventory_cmd.h"

#include "cmdutil.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "aws/inventory.h"
#include "base/err.h"
#include "base/log.h"

const char ep_inventory_usage[] =
    "Usage: ecsprobe inventory [OPTIONS]\n"
    "\n"
    "Pull what AWS says should be reachable (network interfaces, security groups,\n"
    "prefix lists, subnets, route tables, network ACLs, gateways, ECS clusters,\n"
    "services, tasks, task definitions, container instances, load balancers and\n"
    "listeners) for every account and region, into one JSON document.\n"
    "\n"
    "  -o, --output FILE       write the document here ('-' for stdout; default -)\n"
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
    "      --debug             log every call (never credentials)\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 complete, 2 usage error, 3 AWS error (document written; what is\n"
    "missing is listed under each region's \"errors\").\n";

enum {
	OPT_PROFILE = 256,
	OPT_REGIONS,
	OPT_ROLE,
	OPT_EXTID,
	OPT_ENDPOINT,
	OPT_ATTEMPTS,
	OPT_RATE,
	OPT_DEBUG,
	OPT_ACCOUNTS,
	OPT_ALL_ACCOUNTS,
	OPT_ROLE_NAME
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"region", required_argument, NULL, OPT_REGIONS},
    {"regions", required_argument, NULL, OPT_REGIONS},
    {"role-arn", required_argument, NULL, OPT_ROLE},
    {"external-id", required_argument, NULL, OPT_EXTID},
    {"endpoint-url", required_argument, NULL, OPT_ENDPOINT},
    {"max-attempts", required_argument, NULL, OPT_ATTEMPTS},
    {"api-rate", required_argument, NULL, OPT_RATE},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"accounts", required_argument, NULL, OPT_ACCOUNTS},
    {"all-accounts", no_argument, NULL, OPT_ALL_ACCOUNTS},
    {"role-name", required_argument, NULL, OPT_ROLE_NAME},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct run {
	const char *out;
	int status;
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

static void on_done(void *arg, int rc, cJSON *doc, const char *err)
{
	struct run *run = arg;
	char *text;
	FILE *f;

	if (doc == NULL) {
		fprintf(stderr, "ecsprobe: inventory: %s\n", err && *err ? err : ep_strerror(rc));
		run->status = 3;
		return;
	}
	text = cJSON_Print(doc);
	f = strcmp(run->out, "-") == 0 ? stdout : fopen(run->out, "w");
	if (text == NULL || f == NULL) {
		fprintf(stderr, "ecsprobe: inventory: cannot write %s: %s\n", run->out,
		        text ? strerror(errno) : "out of memory");
		run->status = 3;
	} else {
		fputs(text, f);
		fputc('\n', f);
		if ((f != stdout && fclose(f)) || (f == stdout && fflush(f))) {
			fprintf(stderr, "ecsprobe: inventory: writing %s failed\n", run->out);
			run->status = 3;
		} else {
			summary(doc);
			run->status = rc ? 3 : 0;
		}
	}
	cJSON_free(text);
	cJSON_Delete(doc);
}

/* --accounts FILE: 12-digit account ids, one per line; errors say file:line. */
static int load_accounts(struct ep_inventory_opts *o, const char *path, char ids[][16], int *nids)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "ecsprobe: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *hash = strchr(line, '#');
		size_t len;

		lineno++;
		if (hash)
			*hash = '\0';
		s += strspn(s, " \t");
		len = strcspn(s, " \t\r\n");
		if (len == 0)
			continue;
		if (len != 12 || strspn(s, "0123456789") != 12) {
			fprintf(stderr, "ecsprobe: %s:%u:%d: expected a 12-digit account id\n",
			        path, lineno, (int)(s - line) + 1);
			fclose(f);
			return -1;
		}
		if (*nids == EP_INV_MAX_ROLES) {
			fprintf(stderr, "ecsprobe: %s:%u: more than %d accounts\n", path, lineno,
			        EP_INV_MAX_ROLES);
			fclose(f);
			return -1;
		}
		memcpy(ids[*nids], s, 12);
		ids[*nids][12] = '\0';
		o->accounts[o->naccounts++] = ids[(*nids)++];
	}
	fclose(f);
	return 0;
}

int ep_cmd_inventory(int argc, char **argv)
{
	char ids[EP_INV_MAX_ROLES][16];
	int nids = 0;
	struct ep_inventory_opts o;
	struct run run = {"-", 3};
	uv_loop_t loop;
	int opt;
	char *end;

	memset(&o, 0, sizeof(o));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			run.out = optarg;
			break;
		case OPT_PROFILE:
			o.profile = optarg;
			break;
		case OPT_REGIONS:
			o.regions = optarg;
			break;
		case OPT_ROLE:
			if (o.nroles == EP_INV_MAX_ROLES) {
				fprintf(stderr, "ecsprobe: at most %d --role-arn\n",
				        EP_INV_MAX_ROLES);
				return 2;
			}
			if (strncmp(optarg, "arn:", 4) != 0) {
				fprintf(stderr, "ecsprobe: --role-arn '%s': not an ARN\n", optarg);
				return 2;
			}
			o.role_arns[o.nroles++] = optarg;
			break;
		case OPT_EXTID:
			o.external_id = optarg;
			break;
		case OPT_ENDPOINT:
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8)) {
				fprintf(stderr,
				        "ecsprobe: --endpoint-url '%s': must start with http:// or "
				        "https://\n",
				        optarg);
				return 2;
			}
			o.aws.endpoint_url = optarg;
			break;
		case OPT_ATTEMPTS:
			o.aws.max_attempts = (unsigned)strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end || o.aws.max_attempts > 20) {
				fprintf(stderr,
				        "ecsprobe: --max-attempts '%s': a whole number 1-20\n",
				        optarg);
				return 2;
			}
			break;
		case OPT_RATE:
			o.aws.api_rate = strtod(optarg, &end);
			if (*end || !(o.aws.api_rate > 0 && o.aws.api_rate <= 10000)) {
				fprintf(stderr,
				        "ecsprobe: --api-rate '%s': a number of calls per second\n",
				        optarg);
				return 2;
			}
			break;
		case OPT_ACCOUNTS:
			if (load_accounts(&o, optarg, ids, &nids))
				return 2;
			break;
		case OPT_ALL_ACCOUNTS:
			o.all_accounts = 1;
			break;
		case OPT_ROLE_NAME:
			o.role_name = optarg;
			break;
		case OPT_DEBUG:
			o.aws.debug = 1;
			ep_log_set_level(EP_LOG_DEBUG);
			break;
		case 'h':
			fputs(ep_inventory_usage, stdout);
			return 0;
		default:
			return ep_cmd_bad_option(opt, argv, "inventory");
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ecsprobe: inventory: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	o.aws.timeout_ms = 30000;
	if (uv_loop_init(&loop))
		return 3;
	if (ep_inventory_pull(&loop, &o, on_done, &run)) {
		fprintf(stderr, "ecsprobe: inventory: cannot start\n");
		uv_loop_close(&loop);
		return 3;
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop))
		ep_log(EP_LOG_WARN, "inventory", "event loop closed with handles still open");
	return run.status;
}
