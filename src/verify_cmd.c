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
#include "report/ghsummary.h"
#include "report/objects.h"
#include "model/declared.h"
#include "model/intent.h"
#include "model/reach.h"
#include "results/statemap.h"
#include "scan.h"

/* What verify probes on every address besides what is admitted or declared
 * (data/extra-ports.txt lists it, commented; a test keeps the two equal). */
#define DEFAULT_EXTRA_PORTS EP_COMMON_TCP_PORTS "," EP_COMMON_UDP_PORTS

int ep_cmd_verify(int argc, char **argv)
{
	struct verify vf;
	struct ep_config cfg;
	struct ep_targets targets;
	struct ep_summary sum;
	struct ep_scan_outputs outputs = {NULL};
	struct ep_diag d = {0};
	struct ep_verify_opts vo;
	const char *inv, *extra, *intent_path, *baseline_path;
	char *extra_text = NULL;
	struct ep_verify_split split;
	struct ep_output save_out;
	char auto_groups[16][32];
	cJSON *baseline = NULL;
	struct ep_awsopts *pull = malloc(sizeof(*pull));
	char scan_id[40];
	int status = 2, rc, pull_status = 0;
	cJSON *doc = NULL;

	memset(&vf, 0, sizeof(vf));
	memset(&targets, 0, sizeof(targets));
	memset(&split, 0, sizeof(split));
	memset(&save_out, 0, sizeof(save_out));
	ep_config_init(&cfg);
	if (pull == NULL) {
		fprintf(stderr, "ecsprobe: verify: out of memory\n");
		ep_config_free(&cfg);
		return 3;
	}
	ep_awsopts_init(pull);
	memset(&vo, 0, sizeof(vo));
	vo.vf = &vf;
	vo.cfg = &cfg;
	vo.split = &split;
	vo.fail_on = EP_SEV_HIGH;
	vo.extra = DEFAULT_EXTRA_PORTS;
	rc = ep_verify_parse(&vo, pull, argc, argv, &d);
	if (rc) {
		ep_cmd_print_diag("verify", &d);
		status = rc == EP_ENOMEM ? 3 : 2;
		goto out;
	}
	if (cfg.common.help) {
		ep_cmdline_help(&ep_verify_cmdline, stdout);
		status = 0;
		goto out;
	}
	inv = vo.inventory;
	extra = vo.extra;
	intent_path = vo.intent;
	baseline_path = vo.baseline;
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
	if (vo.wait_stable && (inv || vf.service == NULL)) {
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
	if (vo.all_ports) {
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
	if (cfg.noutputs == 0)
		cfg.quiet = 1; /* the findings are the report; no port table */
	if (cfg.shard_count > 1 && (split.save == NULL || split.nfiles)) {
		fprintf(stderr, "ecsprobe: verify --shard needs --save-states DEST (what the merge "
		                "reads), and no --states\n");
		goto out;
	}
	/* opened now, as the states below: probing may drop privileges */
	{
		int failed;

		vf.summary = ep_ghsummary_open(cfg.github_summary, &failed);
		if (failed)
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
			status = errno == EREMOTEIO ? 3 : 2;
			goto out;
		}
		grown = realloc(split.urls, (split.nurls + n) * sizeof(*grown));
		if (grown == NULL) {
			ep_input_list_free(urls, n);
			fprintf(stderr, "ecsprobe: verify: out of memory\n");
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
	if (doc && vo.wait_stable > 0) {
		/* right after a deploy: wait for the service to settle before probing */
		uint64_t deadline = uv_hrtime() + (uint64_t)vo.wait_stable * 1000000000u;
		char why[400];

		while (!ep_verify_services_steady(doc, vf.cluster, vf.service, why, sizeof(why))) {
			if (uv_hrtime() >= deadline) {
				fprintf(stderr, "ecsprobe: verify: not steady after %ld s: %s\n",
				        vo.wait_stable, why);
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
		status = inv && pull_status != 3 ? 2 : 3; /* 3: AWS (or S3) failed */
		goto out;
	}
	/* the model is all verify reads of the inventory from here on */
	rc = ep_exposure_build(&vf.model, doc, &d);
	cJSON_Delete(doc);
	doc = NULL;
	if (rc) {
		fprintf(stderr, "ecsprobe: verify: %s: %s\n", inv ? inv : "inventory", d.msg);
		status = rc == EP_ENOMEM ? 3 : inv ? 2 : 3;
		goto out;
	}
	if (vo.auto_vantage && ep_verify_vantage_auto(&vf.model, &vf.v, auto_groups)) {
		status = 2;
		goto out;
	}
	rc = ep_verify_check_scope(&vf);
	if (rc) {
		status = rc == EP_ENOMEM ? 3 : 2;
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
		goto out;
	}
	fprintf(stderr, "ecsprobe: verify: %zu addresses, %llu probes\n", vf.n,
	        (unsigned long long)targets.total);
	if (cfg.dry_run) {
		ep_verify_print_plan(&vf, targets.total);
		ep_targets_free(&targets);
		status = 0;
		goto out;
	}
	/* half a byte a probe, allocated only when something will be probed here
	 * (a merge holds one address's states at a time) */
	if (split.nfiles == 0 && cfg.part.count <= 1 && ep_statemap_seal(&vf.states)) {
		fprintf(stderr, "ecsprobe: verify: out of memory for %llu probes' states\n",
		        (unsigned long long)targets.total);
		ep_targets_free(&targets);
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
		goto out;
	}
	status =
	    ep_verify_judge(&vf, &cfg, vo.fail_on, baseline, baseline_path, &sum, &outputs, status);
	if (pull_status == 3 && status != 4)
		status = 3; /* the inventory was incomplete: say so over the findings */
out:
	ep_config_free(&cfg);
	cJSON_Delete(doc);
	cJSON_Delete(baseline);
	free(extra_text);
	ep_verify_free(&vf);
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
