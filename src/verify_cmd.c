/* `ecsprobe verify`: from a saved inventory and a vantage, probe what the
 * security groups admit, what ECS and the load balancers declare, and a list
 * of commonly exposed ports; then report every difference as a finding:
 *   unexpected_open       open, admitted, and nothing declares it
 *   unexplained_open      open although no rule admits the vantage
 *   declared_unreachable  declared and admitted, but closed or filtered
 *   latent_exposure       a rule admits undeclared ports that are closed today
 * Exit 0 clean, 1 findings at or above --fail-on, 2 usage, 4 scan incomplete. */
#include "verify_cmd.h"

#include "cmdutil.h"
#include "verify/verify.h"

#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "aws/inventory.h"
#include "base/buf.h"
#include "compare/findings.h"
#include "config/awsopts.h"
#include "config/options.h"
#include "report/objects.h"
#include "model/declared.h"
#include "model/intent.h"
#include "model/reach.h"
#include "results/statemap.h"
#include "scan.h"

/* Ports commonly left open by accident (databases, caches, admin consoles,
 * remote access), and the UDP ports scanners of the Internet find open
 * most; probed on every address in addition to what is admitted or
 * declared.  The same list, commented, ships as data/extra-ports.txt (a
 * test keeps the two equal). */
#define DEFAULT_EXTRA_PORTS                                                                        \
	"21,22,23,25,53,80,110,111,135,139,143,389,443,445,993,995,1433,1521,2049,2375,2376,2379," \
	"3000,3306,3389,4369,5000,5432,5601,5672,5900,5984,6379,6443,7001,8000,8080,8081,8443,"    \
	"8888,9000,9042,9090,9092,9200,9300,10250,11211,15672,27017,"                              \
	"U:53,U:123,U:161,U:500,U:1900,U:5353,U:11211"

const char ep_verify_usage[] =
    "Usage: ecsprobe verify [--inventory FILE] [--source-ip IP] [OPTIONS]\n"
    "\n"
    "Probe every address of every network interface in a saved inventory on the\n"
    "ports its security groups admit from here, the ports ECS tasks and load\n"
    "balancers declare, and commonly exposed ports; report what differs.\n"
    "\n"
    "      --inventory FILE    a document written by 'ecsprobe inventory'; without it the\n"
    "                          inventory is pulled now, with the AWS options below and the\n"
    "                          AWS_* variables as for 'ecsprobe inventory'\n"
    "      --cluster NAME      only the interfaces of this ECS cluster...\n"
    "      --service NAME      ...and service (its tasks, and its bridge/host bindings)\n"
    "      --source-ip IP      where probes come from, for rule evaluation (repeatable:\n"
    "                          one IPv4 and/or one IPv6); default: the source address\n"
    "                          the routing table picks (give your public address when\n"
    "                          you are behind NAT); addresses of a family without a\n"
    "                          source are not probed\n"
    "      --vantage-sg SG     a security group the prober holds (repeatable)\n"
    "      --vantage external|auto|sg-...  external (default): only address rules\n"
    "                          apply; sg-...: as --vantage-sg; auto: on an EC2 bastion,\n"
    "                          its instance metadata (IMDSv2) names the instance, whose\n"
    "                          interfaces' groups and private address become the vantage\n"
    "      --extra-ports SPEC  also probe these ports everywhere (T:/U: as for -p; default:\n"
    "                          commonly exposed TCP and UDP ports; '' for none)\n"
    "                          (@FILE: a list like data/extra-ports.txt)\n"
    "      --all-ports         probe TCP 1-65535 everywhere (and the UDP extra ports)\n"
    "      --intent FILE       the intent policy (data/intent.example.json): allow and\n"
    "                          deny rules, and exceptions that expire\n"
    "      --wait-stable SECS  before probing, wait up to SECS for the service's deployment to\n"
    "                          settle (one deployment, all tasks running); exit 4 if not\n"
    "      --baseline FILE     a previous run's NDJSON output: findings get first_seen and\n"
    "                          last_seen, and new and gone ones are counted\n"
    "      --shard I/N|auto    probe this machine's part of the plan (needs --seed, the\n"
    "                          same on every shard, and --save-states); no findings\n"
    "      --save-states DEST  write what was measured, per address and port (compact)\n"
    "      --states FILE       judge what shards measured instead of probing: every\n"
    "                          shard's --save-states output (repeatable); the same\n"
    "                          inventory and options, or the plans differ and it refuses\n"
    "      --fail-on SEV       exit 1 for findings of this severity or worse: low,\n"
    "                          medium, high (default), critical\n"
    "      --exclude CIDR      never probe these addresses (repeatable)\n"
    "      --rate, --timeout, --retries, --max-inflight, --threads, --max-probes, --mode,\n"
    "      --user, --banners   as for scan\n"
    "  -o, --output FMT:DEST   every output of scan, repeatable: ndjson, text, ocsf,\n"
    "                          elastic, cef, sarif, asff, syslog[+tcp|+tls]://, hec:https://\n"
    "                          (see 'ecsprobe help outputs'); findings go to each\n"
    "      --securityhub       import every finding into AWS Security Hub\n"
    "                          (BatchImportFindings, 100 per call)\n"
    "      --spool DIR         network outputs park what their receiver does not take\n"
    "                          here; the next run or 'ecsprobe flush' sends it\n"
    "  -q, --quiet             print only findings at or above --fail-on\n"
    "AWS options (the live pull; see 'ecsprobe inventory --help'):\n"
    "      --profile NAME, --region(s) LIST, --role-arn ARN, --external-id ID,\n"
    "      --accounts FILE, --all-accounts, --role-name NAME, --endpoint-url URL,\n"
    "      --max-attempts N, --api-rate N, --api-timeout SECS, --max-pages N,\n"
    "      --max-inventory-size SIZE, --debug\n"
    "Under GitHub Actions (GITHUB_ACTIONS=true) findings also print as ::error\n"
    "(at or above --fail-on) and ::warning annotations.\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,\n"
    "3 AWS/inventory error, 4 scan incomplete or interrupted.\n";

int ep_cmd_verify(int argc, char **argv)
{
	static const struct option extra_opts[] = {
	    {"inventory", required_argument, NULL, 1},
	    {"source-ip", required_argument, NULL, 2},
	    {"vantage-sg", required_argument, NULL, 3},
	    {"extra-ports", required_argument, NULL, 4},
	    {"fail-on", required_argument, NULL, 5},
	    {"intent", required_argument, NULL, 6},
	    {"cluster", required_argument, NULL, 7},
	    {"service", required_argument, NULL, 8},
	    {"baseline", required_argument, NULL, 12},
	    {"wait-stable", required_argument, NULL, 13},
	    {"vantage", required_argument, NULL, 14},
	    {"all-ports", no_argument, NULL, 15},
	    {"save-states", required_argument, NULL, 16},
	    {"states", required_argument, NULL, 17},
	};
	struct verify vf;
	struct ep_config cfg;
	struct ep_targets targets;
	struct ep_summary sum;
	struct ep_scan_outputs outputs = {NULL};
	struct ep_diag d = {0};
	enum ep_severity fail_on = EP_SEV_HIGH;
	const char *inv = NULL, *extra = DEFAULT_EXTRA_PORTS, *intent_path = NULL;
	const char *baseline_path = NULL;
	char *extra_text = NULL;
	int auto_vantage = 0, all_ports = 0;
	struct ep_verify_split split;
	struct ep_output save_out;
	char auto_groups[16][32];
	long wait_stable = 0;
	cJSON *baseline = NULL;
	struct ep_awsopts *pull = malloc(sizeof(*pull));
	char **scan_argv = calloc((size_t)argc + 1, sizeof(char *));
	char scan_id[40];
	int scan_argc = 0, status = 2, rc, pull_status = 0;
	cJSON *doc = NULL;

	memset(&vf, 0, sizeof(vf));
	memset(&targets, 0, sizeof(targets));
	memset(&split, 0, sizeof(split));
	memset(&save_out, 0, sizeof(save_out));
	if (scan_argv == NULL || pull == NULL) {
		fprintf(stderr, "ecsprobe: verify: out of memory\n");
		free(scan_argv);
		free(pull);
		return 3;
	}
	ep_awsopts_init(pull);
	/* verify's own options first; the rest are scan options (rate, outputs...) */
	scan_argv[scan_argc++] = argv[0];
	for (int i = 1; i < argc; i++) {
		size_t k;
		int matched = 0;

		if (strcmp(argv[i], "--all-ports") == 0) {
			all_ports = 1; /* every TCP port, everywhere */
			continue;
		}
		/* the AWS option group, as for `inventory` */
		if (strncmp(argv[i], "--", 2) == 0) {
			char name[64];
			const struct ep_awsopt *ao;

			snprintf(name, sizeof(name), "%.*s", (int)strcspn(argv[i] + 2, "="),
			         argv[i] + 2);
			ao = ep_awsopt_find(name);
			if (ao) {
				const char *val = NULL;

				if (ao->has_arg == required_argument) {
					val = argv[i][2 + strlen(name)] == '='
					          ? argv[i] + 3 + strlen(name)
					          : (i + 1 < argc ? argv[++i] : NULL);
					if (val == NULL) {
						fprintf(stderr,
						        "ecsprobe: option '--%s' needs a value\n",
						        name);
						goto out;
					}
				} else if (argv[i][2 + strlen(name)] == '=') {
					fprintf(stderr, "ecsprobe: option '--%s' takes no value\n",
					        name);
					goto out;
				}
				if (ep_awsopts_apply(pull, ao->id, val))
					goto out;
				continue;
			}
		}
		for (k = 0; k < sizeof(extra_opts) / sizeof(extra_opts[0]); k++) {
			size_t len = strlen(extra_opts[k].name);

			if (strncmp(argv[i], "--", 2) == 0 &&
			    strncmp(argv[i] + 2, extra_opts[k].name, len) == 0 &&
			    (argv[i][2 + len] == '\0' || argv[i][2 + len] == '=')) {
				const char *val = argv[i][2 + len] == '='
				                      ? argv[i] + 3 + len
				                      : (i + 1 < argc ? argv[++i] : NULL);
				struct ep_addr a;

				matched = 1;
				if (val == NULL) {
					fprintf(stderr, "ecsprobe: option '--%s' needs a value\n",
					        extra_opts[k].name);
					goto out;
				}
				switch (extra_opts[k].val) {
				case 1:
					inv = val;
					break;
				case 2:
					if (ep_addr_parse(val, &a)) {
						fprintf(
						    stderr,
						    "ecsprobe: --source-ip '%s': not an address\n",
						    val);
						goto out;
					}
					vf.v.src[a.family == 4 ? 0 : 1] = a;
					vf.v.has[a.family == 4 ? 0 : 1] = 1;
					break;
				case 3:
					if (vf.v.ngroups < 16)
						vf.v.groups[vf.v.ngroups++] = val;
					break;
				case 4:
					extra = val;
					break;
				case 6:
					intent_path = val;
					break;
				case 7:
					vf.cluster = val;
					break;
				case 8:
					vf.service = val;
					break;
				case 12:
					baseline_path = val;
					break;
				case 16:
					split.save = val;
					break;
				case 17:
					if (split.nfiles == EP_VERIFY_MAX_STATES) {
						fprintf(stderr, "ecsprobe: at most %d --states\n",
						        EP_VERIFY_MAX_STATES);
						goto out;
					}
					split.files[split.nfiles++] = (char *)val;
					break;
				case 14:
					if (strcmp(val, "auto") == 0) {
						auto_vantage = 1;
					} else if (strncmp(val, "sg-", 3) == 0) {
						if (vf.v.ngroups < 16)
							vf.v.groups[vf.v.ngroups++] = val;
					} else if (strcmp(val, "external") != 0) {
						fprintf(stderr,
						        "ecsprobe: --vantage '%s': external, auto "
						        "or sg-...\n",
						        val);
						goto out;
					}
					break;
				case 13: {
					char *end;

					wait_stable = strtol(val, &end, 10);
					if (*val == '\0' || *end || wait_stable < 1 ||
					    wait_stable > 3600) {
						fprintf(stderr,
						        "ecsprobe: --wait-stable '%s': seconds, "
						        "1-3600\n",
						        val);
						goto out;
					}
					break;
				}
				case 5:
					if (ep_severity_parse(val, &fail_on)) {
						fprintf(stderr,
						        "ecsprobe: --fail-on '%s': low, medium, "
						        "high or critical\n",
						        val);
						goto out;
					}
					break;
				}
				break;
			}
		}
		if (!matched)
			scan_argv[scan_argc++] = argv[i];
	}
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(ep_verify_usage, stdout);
		status = 0;
		goto out;
	}
	vf.now = (int64_t)time(NULL);
	if (getenv("ECSPROBE_NOW")) /* tests pin the clock that decides exception expiry */
		vf.now = (int64_t)strtoll(getenv("ECSPROBE_NOW"), NULL, 10);
	if (intent_path && ep_intent_load(&vf.intent, intent_path, vf.now, &d)) {
		char line[600];

		ep_diag_format(&d, line, sizeof(line));
		fprintf(stderr, "ecsprobe: %s\n", line);
		goto out;
	}
	memset(&d, 0, sizeof(d));
	if (baseline_path && ep_verify_load_baseline(baseline_path, &baseline))
		goto out;
	if (wait_stable && (inv || vf.service == NULL)) {
		fprintf(stderr, "ecsprobe: --wait-stable needs --service and a live pull (no "
		                "--inventory)\n");
		goto out;
	}

	if (extra[0] == '@') {
		extra_text = ep_verify_read_port_list(extra + 1);
		if (extra_text == NULL)
			goto out;
		extra = extra_text;
	}
	if (*extra && ep_portspec_parse(extra, vf.extra, &d)) {
		fprintf(stderr, "ecsprobe: --extra-ports: %s\n", d.msg);
		goto out;
	}
	if (all_ports) {
		struct ep_portset all[EP_PROTO_COUNT], both;

		if (ep_portspec_parse("1-65535", all, NULL) ||
		    ep_portset_union(&both, &vf.extra[EP_PROTO_TCP], &all[EP_PROTO_TCP])) {
			fprintf(stderr, "ecsprobe: verify: out of memory\n");
			status = 3;
			goto out;
		}
		ep_portset_free(&all[EP_PROTO_TCP]);
		ep_portset_free(&all[EP_PROTO_UDP]);
		ep_portset_free(&vf.extra[EP_PROTO_TCP]);
		vf.extra[EP_PROTO_TCP] = both;
	}
	/* the run options (rate, timeouts, mode, outputs...); the targets are the plan */
	rc = ep_config_parse_run(&cfg, scan_argc, scan_argv, &d);
	if (rc) {
		char line[600];

		ep_diag_format(&d, line, sizeof(line));
		fprintf(stderr, "ecsprobe: %s\n", line);
		ep_config_free(&cfg);
		goto out;
	}
	if (cfg.noutputs == 0)
		cfg.quiet = 1; /* the findings are the report; no port table */
	if (cfg.shard_count > 1 && (split.save == NULL || split.nfiles)) {
		fprintf(stderr, "ecsprobe: verify --shard needs --save-states DEST (what the merge "
		                "reads), and no --states\n");
		ep_config_free(&cfg);
		goto out;
	}
	/* opened now: probing may drop privileges to --user; an S3 destination
	 * is a local file until the run ends, then uploaded */
	if (split.save && split.nfiles == 0 && !cfg.dry_run) {
		rc = ep_output_open(&save_out, "states", split.save, &d);
		if (rc == 0 && (split.save_f = fdopen(save_out.fd, "w")) == NULL)
			rc = ep_diag_set(&d, EP_EIO, 0, 0, "%s", strerror(errno));
		if (rc) {
			fprintf(stderr, "ecsprobe: verify: --save-states %s: %s\n", split.save,
			        d.msg);
			ep_output_discard(&save_out);
			ep_config_free(&cfg);
			goto out;
		}
		save_out.own_fd = 0; /* the FILE has it */
		split.save_out = &save_out;
	}
	/* --states: a local file, or an S3 object or prefix (every object under it) */
	for (int i = 0; i < split.nfiles; i++) {
		char **urls;
		size_t n;
		char **grown;

		if (ep_input_list(split.files[i], &urls, &n, &d)) {
			fprintf(stderr, "ecsprobe: verify: --states %s: %s\n", split.files[i],
			        d.msg);
			ep_config_free(&cfg);
			status = errno == EREMOTEIO ? 3 : 2;
			goto out;
		}
		grown = realloc(split.urls, (split.nurls + n) * sizeof(*grown));
		if (grown == NULL) {
			ep_input_list_free(urls, n);
			fprintf(stderr, "ecsprobe: verify: out of memory\n");
			ep_config_free(&cfg);
			status = 3;
			goto out;
		}
		split.urls = grown;
		memcpy(split.urls + split.nurls, urls, n * sizeof(*urls));
		split.nurls += n;
		free(urls); /* the strings now belong to split.urls */
	}
	doc = inv ? ep_cmd_load_inventory_status(inv, &pull_status)
	          : ep_verify_pull_live(&pull->o, &pull_status);
	if (doc && wait_stable > 0) {
		/* right after a deploy: wait for the service to settle before probing */
		uint64_t deadline = uv_hrtime() + (uint64_t)wait_stable * 1000000000u;
		char why[400];

		while (!ep_verify_services_steady(doc, vf.cluster, vf.service, why, sizeof(why))) {
			if (uv_hrtime() >= deadline) {
				fprintf(stderr, "ecsprobe: verify: not steady after %ld s: %s\n",
				        wait_stable, why);
				ep_config_free(&cfg);
				status = 4;
				goto out;
			}
			fprintf(stderr, "ecsprobe: verify: waiting for a steady state: %s\n", why);
			sleep(5);
			cJSON_Delete(doc);
			doc = ep_verify_pull_live(&pull->o, &pull_status);
			if (doc == NULL)
				break;
		}
	}
	if (doc == NULL) {
		ep_config_free(&cfg);
		status = inv && pull_status != 3 ? 2 : 3; /* 3: AWS (or S3) failed */
		goto out;
	}
	/* the model is all verify reads of the inventory from here on */
	rc = ep_exposure_build(&vf.model, doc, &d);
	cJSON_Delete(doc);
	doc = NULL;
	if (rc) {
		fprintf(stderr, "ecsprobe: verify: %s: %s\n", inv ? inv : "inventory", d.msg);
		ep_config_free(&cfg);
		status = rc == EP_ENOMEM ? 3 : inv ? 2 : 3;
		goto out;
	}
	if (auto_vantage && ep_verify_vantage_auto(&vf.model, &vf.v, auto_groups)) {
		ep_config_free(&cfg);
		status = 2;
		goto out;
	}
	if (!vf.v.has[0] && !vf.v.has[1])
		ep_verify_detect_sources(&vf.model, &vf.v);
	rc = ep_verify_build(&vf, &cfg.targets);
	if (rc == 0 && vf.n == 0) {
		fprintf(stderr, "ecsprobe: verify: no address to probe (no interface of a family "
		                "that --source-ip covers)\n");
		rc = EP_ESCOPE;
	}
	if (rc == 0)
		rc = ep_targets_build(&targets, &cfg.targets, NULL, &cfg.exclude,
		                      (1u << EP_PROTO_TCP) | (1u << EP_PROTO_UDP), &d);
	if (rc == 0 && cfg.shard_count > 1) {
		/* verify splits by address: the header names the whole plan and the part;
		 * the engine walks this machine's addresses whole */
		struct ep_targets mine;
		uint64_t all = targets.total;

		ep_targets_fingerprint(&targets, cfg.part.plan);
		cfg.part.index = cfg.shard_index;
		cfg.part.count = cfg.shard_count;
		rc = ep_statemap_seal_lazy(&vf.states);
		if (rc == 0)
			rc = ep_verify_shard_targets(&vf, cfg.shard_index, cfg.shard_count,
			                             &cfg.exclude, &mine, &d);
		if (rc == 0) {
			ep_targets_free(&targets);
			targets = mine;
		}
		cfg.shard_index = cfg.shard_count = 0;
		if (rc == 0 && targets.total > cfg.max_probes) {
			ep_verify_budget_report(&vf, all, cfg.max_probes, cfg.rate, cfg.part.count);
			rc = EP_ESCOPE;
		}
	} else if (rc == 0 && split.nfiles == 0 && targets.total > cfg.max_probes) {
		/* the budget is per machine; a merge probes nothing */
		ep_verify_budget_report(&vf, targets.total, cfg.max_probes, cfg.rate, 1);
		rc = EP_ESCOPE;
	}
	if (rc) {
		if (d.msg[0])
			fprintf(stderr, "ecsprobe: verify: %s\n", d.msg);
		ep_targets_free(&targets);
		ep_config_free(&cfg);
		goto out;
	}
	fprintf(stderr, "ecsprobe: verify: %zu addresses, %llu probes\n", vf.n,
	        (unsigned long long)targets.total);
	if (cfg.dry_run) {
		ep_verify_print_plan(&vf, targets.total);
		ep_targets_free(&targets);
		ep_config_free(&cfg);
		status = 0;
		goto out;
	}
	/* half a byte a probe, allocated only when something will be probed here
	 * (a merge holds one address's states at a time) */
	if (split.nfiles == 0 && cfg.part.count <= 1 && ep_statemap_seal(&vf.states)) {
		fprintf(stderr, "ecsprobe: verify: out of memory for %llu probes' states\n",
		        (unsigned long long)targets.total);
		ep_targets_free(&targets);
		ep_config_free(&cfg);
		status = 3;
		goto out;
	}
	status = ep_verify_measure(&vf, &cfg, &targets, &split, &sum, &outputs, scan_id,
	                           sizeof(scan_id));
	ep_targets_free(&targets);
	if (status == 2 || status == 3 || cfg.part.count > 1) {
		/* a shard leaves the judging to the merge of every shard's states */
		if (ep_scan_outputs_close(&outputs) && status == 0)
			status = 4;
		ep_config_free(&cfg);
		goto out;
	}
	status =
	    ep_verify_judge(&vf, &cfg, fail_on, baseline, baseline_path, &sum, &outputs, status);
	if (pull_status == 3 && status != 4)
		status = 3; /* the inventory was incomplete: say so over the findings */
	ep_config_free(&cfg);
out:
	cJSON_Delete(doc);
	cJSON_Delete(baseline);
	free(extra_text);
	ep_verify_free(&vf);
	free(scan_argv);
	free(pull);
	if (split.save_f && (status == 2 || status == 3)) {
		fclose(split.save_f); /* nothing was measured: nothing to keep */
		ep_output_discard(&save_out);
	} else if (split.save_f) {
		/* measured states reach the disk, then (S3) their object */
		int ok = fclose(split.save_f) == 0;

		if (ep_output_close(&save_out, ok) && status != 4)
			status = 4;
	}
	ep_input_list_free(split.urls, split.nurls);
	return status;
}
