/* verify's own option group and its command line: the plan's inputs
 * (inventory, cluster, vantage, intent), the split, and the judgement's
 * threshold; the run, output and AWS groups are shared with scan and
 * inventory. */
#include "verify/verify.h"

#include <stdlib.h>
#include <string.h>

#include "config/awsopts.h"
#include "config/options.h"

enum {
	V_INVENTORY = 1,
	V_CLUSTER,
	V_SERVICE,
	V_SOURCE_IP,
	V_VANTAGE_SG,
	V_VANTAGE,
	V_EXTRA_PORTS,
	V_ALL_PORTS,
	V_INTENT,
	V_WAIT_STABLE,
	V_BASELINE,
	V_SAVE_STATES,
	V_STATES,
	V_FAIL_ON,
	V_SECURITYHUB,
};

static const struct ep_opt verify_opts[] = {
    {"inventory", 0, 1, V_INVENTORY, "FILE",
     "a document written by 'ecsprobe inventory' (a path or s3://BUCKET/KEY); without it "
     "the inventory is pulled now, with the AWS options below",
     "file"},
    {"cluster", 0, 1, V_CLUSTER, "NAME", "only the interfaces of this ECS cluster...", NULL},
    {"service", 0, 1, V_SERVICE, "NAME", "...and service (its tasks, and its bridge/host bindings)",
     NULL},
    {"source-ip", 0, 1, V_SOURCE_IP, "IP",
     "where probes come from, for rule evaluation (repeatable: one IPv4 and/or one IPv6); "
     "default: the source address the routing table picks (give your public address when "
     "you are behind NAT); addresses of a family without a source are not probed",
     NULL},
    {"vantage-sg", 0, 1, V_VANTAGE_SG, "SG", "a security group the prober holds (repeatable)",
     NULL},
    {"vantage", 0, 1, V_VANTAGE, "WHERE",
     "external (default): only address rules apply; sg-...: as --vantage-sg; auto: on an "
     "EC2 bastion, its instance metadata (IMDSv2) names the instance, whose interfaces' "
     "groups and private address become the vantage",
     "external auto"},
    {"extra-ports", 0, 1, V_EXTRA_PORTS, "SPEC",
     "also probe these ports everywhere (T:/U: as for -p; default: commonly exposed TCP "
     "and UDP ports; '' for none; @FILE: a list like data/extra-ports.txt)",
     NULL},
    {"all-ports", 0, 0, V_ALL_PORTS, NULL, "probe TCP 1-65535 everywhere (and the UDP extra ports)",
     NULL},
    {"intent", 0, 1, V_INTENT, "FILE",
     "the intent policy (data/intent.example.json): allow and deny rules, and exceptions "
     "that expire",
     "file"},
    {"wait-stable", 0, 1, V_WAIT_STABLE, "SECS",
     "before probing, wait up to SECS for the service's deployment to settle (one "
     "deployment, all tasks running); exit 4 if not",
     NULL},
    {"baseline", 0, 1, V_BASELINE, "FILE",
     "a previous run's NDJSON output: findings get first_seen and last_seen, and new and "
     "gone ones are counted",
     "file"},
    {"save-states", 0, 1, V_SAVE_STATES, "DEST",
     "write what was measured, per address and port (compact; a path or s3://); with "
     "--shard, what the merge reads",
     "file"},
    {"states", 0, 1, V_STATES, "FILE",
     "judge what shards measured instead of probing: every shard's --save-states output "
     "(repeatable; a file, an s3:// object or prefix); the same inventory and options, or "
     "the plans differ and it refuses",
     "file"},
    {"fail-on", 0, 1, V_FAIL_ON, "SEV",
     "exit 1 for findings of this severity or worse: low, medium, high (default), "
     "critical",
     "low medium high critical"},
    {"securityhub", 0, 0, V_SECURITYHUB, NULL,
     "import every finding into AWS Security Hub (BatchImportFindings, 100 per call; the "
     "same as -o securityhub)",
     NULL},
};

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct ep_verify_opts *o = ctx;
	struct ep_vantage *v = &o->vf->v;
	struct ep_addr a;
	char *end;

	switch (id) {
	case V_INVENTORY:
		o->inventory = val;
		break;
	case V_CLUSTER:
		o->vf->cluster = val;
		break;
	case V_SERVICE:
		o->vf->service = val;
		break;
	case V_SOURCE_IP:
		if (ep_addr_parse(val, &a))
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s' is not an IP address", val);
		v->src[a.family == 4 ? 0 : 1] = a;
		v->has[a.family == 4 ? 0 : 1] = 1;
		break;
	case V_VANTAGE:
		if (strcmp(val, "auto") == 0) {
			o->auto_vantage = 1;
			break;
		}
		if (strcmp(val, "external") == 0)
			break;
		if (strncmp(val, "sg-", 3) != 0)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s': external, auto or sg-...",
			                   val);
		/* a group id, as --vantage-sg */
		__attribute__((fallthrough));
	case V_VANTAGE_SG:
		if (v->ngroups == 16)
			return ep_diag_set(d, EP_ERANGE, 0, 0, "at most 16 vantage groups");
		v->groups[v->ngroups++] = val;
		break;
	case V_EXTRA_PORTS:
		o->extra = val;
		break;
	case V_ALL_PORTS:
		o->all_ports = 1;
		break;
	case V_INTENT:
		o->intent = val;
		break;
	case V_WAIT_STABLE:
		o->wait_stable = strtol(val, &end, 10);
		if (*val == '\0' || *end || o->wait_stable < 1 || o->wait_stable > 3600)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s': seconds, 1-3600", val);
		break;
	case V_BASELINE:
		o->baseline = val;
		break;
	case V_SAVE_STATES:
		o->split->save = val;
		break;
	case V_STATES:
		if (o->split->nfiles == EP_VERIFY_MAX_STATES)
			return ep_diag_set(d, EP_ERANGE, 0, 0, "at most %d --states",
			                   EP_VERIFY_MAX_STATES);
		o->split->files[o->split->nfiles++] = (char *)val;
		break;
	case V_FAIL_ON:
		if (ep_severity_parse(val, &o->fail_on))
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "'%s': low, medium, high or critical", val);
		break;
	case V_SECURITYHUB:
		return ep_config_add_output(o->cfg, "securityhub", d);
	default:
		return EP_EINVAL;
	}
	return 0;
}

const struct ep_optgroup ep_verify_group = {"Verify", verify_opts,
                                            sizeof(verify_opts) / sizeof(verify_opts[0]), apply};

const struct ep_cmdline ep_verify_cmdline = {
    "verify",
    "[--inventory FILE] [--source-ip IP] [OPTIONS]",
    "Probe every address of every network interface in a saved (or freshly pulled)\n"
    "inventory on the ports its security groups admit from here, the ports ECS tasks\n"
    "and load balancers declare, and commonly exposed ports; report what differs\n"
    "('ecsprobe help outcomes' prints the judgement, 'ecsprobe checks' the\n"
    "findings).\n"
    "Under GitHub Actions findings also print as ::error/::warning annotations and\n"
    "a summary goes to $GITHUB_STEP_SUMMARY.\n",
    NULL,
    {&ep_verify_group, &ep_limits_group, &ep_run_group, &ep_output_group, &ep_aws_group,
     &ep_common_group, NULL},
    "Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,\n"
    "3 AWS/inventory error, 4 scan incomplete or interrupted.\n",
};

int ep_verify_parse(struct ep_verify_opts *o, struct ep_awsopts *aws, int argc, char **argv,
                    struct ep_diag *d)
{
	void *ctx[] = {o, o->cfg, o->cfg, o->cfg, aws, &o->cfg->common};
	const char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	int npos = 0, rc;

	if (pos == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	rc = ep_cmdline_parse(&ep_verify_cmdline, ctx, argc, argv, pos, &npos, d);
	if (rc == 0 && !o->cfg->common.help)
		rc = ep_config_finish(o->cfg, 1, pos, npos, d);
	free(pos);
	aws->o.aws.debug = o->cfg->common.debug;
	return rc;
}
