/* verify's stages after the plan: measure (probe this machine's part, or
 * merge the shards' states), judge every address, and report the findings
 * to the terminal, GitHub Actions and every output. */
#include "verify/verify.h"

#include "report/ghsummary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

static void print_diag(const struct ep_diag *d)
{
	char line[700];

	ep_diag_format(d, line, sizeof(line));
	fprintf(stderr, "ecsprobe: verify: %s\n", line);
}

void ep_verify_print_plan(const struct verify *vf, uint64_t total)
{
	for (size_t i = 0; i < vf->n; i++) {
		char spec[2][512];

		for (int k = 0; k < EP_PROTO_COUNT; k++)
			ep_portset_format(&vf->a[i].ports[k], spec[k], sizeof(spec[k]));
		printf("%-28s %-24s tcp %s%s udp %s%s\n", vf->a[i].xa->text, vf->a[i].iface->id,
		       spec[0][0] ? spec[0] : "-",
		       strlen(spec[0]) == sizeof(spec[0]) - 1 ? "..." : "",
		       spec[1][0] ? spec[1] : "-",
		       strlen(spec[1]) == sizeof(spec[1]) - 1 ? "..." : "");
	}
	printf("verify: dry run, nothing sent: %zu addresses, %llu probes\n", vf->n,
	       (unsigned long long)total);
}

/* The measuring stage: probe the plan (or this machine's shard of it), or
 * with --states merge what the shards measured.  Returns 0 or 4 with out
 * open, or 2/3 after one line on stderr. */
int ep_verify_measure(struct verify *vf, const struct ep_config *cfg, const struct ep_targets *t,
                      const struct ep_verify_split *sp, struct ep_summary *sum,
                      struct ep_scan_outputs *out, char *scan_id, size_t idlen)
{
	struct ep_diag d = {0};
	int status;

	if (sp->nfiles) {
		char plan[17];
		uint64_t seed;
		unsigned nshards;

		ep_targets_fingerprint(t, plan);
		if (ep_verify_merge_states(vf, plan, sp->urls, sp->nurls, &seed, &nshards, &d)) {
			print_diag(&d);
			out->s = NULL;
			return 2;
		}
		vf->judged = 1;
		fprintf(stderr, "ecsprobe: verify: %u shard%s merged (seed %llu): %llu probes\n",
		        nshards, nshards == 1 ? "" : "s", (unsigned long long)seed,
		        (unsigned long long)vf->states.measured);
		memset(sum, 0, sizeof(*sum));
		sum->results = vf->states.measured;
		for (int k = 0; k < EP_STATE_COUNT; k++)
			sum->counts[k] = vf->states.counts[k];
		sum->complete = 1;
		status = ep_scan_outputs_open(cfg, t, sum, out, scan_id, idlen);
	} else {
		status =
		    ep_scan_targets_keep(cfg, t, ep_verify_on_result, vf, sum, scan_id, idlen, out);
	}
	if ((status == 0 || status == 4) && sp->save && sp->nfiles == 0) {
		sum->info = ep_scan_outputs_info(out);
		if (sum->info &&
		    ep_verify_save_states(vf, sp->save_f, sp->save, sum->info, sum, &d)) {
			print_diag(&d);
			status = 4; /* measured, but the states are lost: incomplete */
		}
		sum->info = NULL;
	}
	if (status == 0 && cfg->part.count > 1)
		fprintf(ep_config_human(cfg),
		        "verify: shard %u/%u: %llu of %llu planned probes measured; states in %s\n",
		        cfg->part.index + 1, cfg->part.count,
		        (unsigned long long)vf->states.measured,
		        (unsigned long long)vf->states.planned, sp->save);
	return status;
}

/* ---- --vantage auto: an EC2 bastion asks its instance metadata (IMDSv2) ---- */

/* --banners: an open port that should not be says what it is. */
static void add_banners(struct ep_findings *fs, const struct ep_scan_outputs *out)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct ep_finding *f = &fs->f[i];
		const char *b;
		struct ep_addr a;
		size_t len;

		if ((f->kind != EP_FINDING_UNEXPECTED_OPEN &&
		     f->kind != EP_FINDING_UNEXPLAINED_OPEN) ||
		    f->lo != f->hi || ep_addr_parse(f->address, &a) != 0)
			continue;
		b = ep_scan_outputs_banner(out, &a, f->lo);
		len = strlen(f->evidence);
		if (b && len + 1 < sizeof(f->evidence))
			snprintf(f->evidence + len, sizeof(f->evidence) - len, "%slistening: %s",
			         len ? "; " : "", b);
	}
}

/* Never "clean" on a judgement that did not finish: EP_ENOMEM gives 4. */
static int judge_all(struct verify *vf)
{
	struct ep_intent_view *view = malloc(sizeof(*view));
	int rc = view ? 0 : EP_ENOMEM;

	for (size_t i = 0; rc == 0 && i < vf->n; i++)
		rc = ep_verify_compare(vf, &vf->a[i], view);
	free(view);
	return rc;
}

int ep_verify_judge(struct verify *vf, const struct ep_config *cfg, enum ep_severity fail_on,
                    const cJSON *baseline, const char *baseline_path, const struct ep_summary *sum,
                    struct ep_scan_outputs *out, int status)
{
	const char *gha = getenv("GITHUB_ACTIONS");
	FILE *human = ep_config_human(cfg); /* stderr when an output is stdout */
	int failing = 0;

	if (!vf->judged && judge_all(vf)) {
		fprintf(stderr, "ecsprobe: verify: out of memory while judging the results\n");
		ep_scan_outputs_close(out);
		return 4;
	}
	ep_findings_sort(&vf->findings);
	add_banners(&vf->findings, out);
	if (baseline)
		ep_verify_apply_baseline(vf, baseline, baseline_path, human);
	for (size_t i = 0; i < vf->findings.n; i++) {
		const struct ep_finding *f = &vf->findings.f[i];

		if (!cfg->quiet || f->severity >= fail_on)
			ep_finding_print(human, f);
		/* in a GitHub Actions job, findings also become annotations */
		if (gha && strcmp(gha, "true") == 0)
			ep_finding_github(human, f, f->severity >= fail_on);
		failing += f->severity >= fail_on;
	}
	/* every output that takes findings gets them, then the summary */
	for (size_t k = 0; k < vf->findings.n; k++)
		ep_scan_outputs_finding(out, &vf->findings.f[k]);
	if (ep_scan_outputs_close(out) && status == 0)
		status = 4; /* an output lost data: the run is incomplete */
	fprintf(human, "verify: %zu finding%s (%d at or above %s); %llu probe%s, %llu open",
	        vf->findings.n, vf->findings.n == 1 ? "" : "s", failing, ep_severity_name(fail_on),
	        (unsigned long long)sum->results, sum->results == 1 ? "" : "s",
	        (unsigned long long)sum->counts[EP_STATE_OPEN]);
	if (vf->counts.open_filtered)
		fprintf(human,
		        "; %llu UDP open|filtered, of which %llu declared or intended and "
		        "unconfirmed",
		        (unsigned long long)vf->counts.open_filtered,
		        (unsigned long long)vf->counts.unconfirmed);
	fputc('\n', human);
	if (vf->summary) {
		int failed = ep_ghsummary_write(vf->summary, "verify", sum, &vf->findings, fail_on);

		vf->summary = NULL;
		if (failed && status == 0)
			status = 4; /* the summary asked for is missing: incomplete */
	}
	return status == 0 && failing ? 1 : status;
}

struct by_load {
	uint64_t probes;
	size_t entry;
};

static int heaviest_first(const void *pa, const void *pb)
{
	const struct by_load *a = pa, *b = pb;

	if (a->probes != b->probes)
		return a->probes > b->probes ? -1 : 1;
	return (a->entry > b->entry) - (a->entry < b->entry);
}

/* A shard's part: whole addresses, so every result of an address is on one
 * machine and its states file holds long runs.  Addresses go to shards by
 * their probe count, largest first, each to the lightest shard so far (ties
 * by position), which every machine computes alike from the same plan. */
int ep_verify_shard_targets(struct verify *vf, unsigned index, unsigned count,
                            const struct ep_rangelist *exclude, struct ep_targets *out,
                            struct ep_diag *d)
{
	const struct ep_statemap *m = &vf->states;
	struct by_load *order = malloc((m->n ? m->n : 1) * sizeof(*order));
	uint64_t *load = calloc(count, sizeof(*load));
	struct ep_target_list tl;
	int rc = order && load ? 0 : EP_ENOMEM;

	ep_target_list_init(&tl);
	for (size_t e = 0; rc == 0 && e < m->n; e++) {
		order[e].probes = (uint64_t)m->a[e].ports[0].count + m->a[e].ports[1].count;
		order[e].entry = e;
	}
	if (rc == 0 && m->n > 1)
		qsort(order, m->n, sizeof(*order), heaviest_first);
	for (size_t k = 0; rc == 0 && k < m->n; k++) {
		size_t e = order[k].entry;
		unsigned light = 0;

		for (unsigned s = 1; s < count; s++)
			if (load[s] < load[light])
				light = s;
		load[light] += order[k].probes;
		if (light != index)
			continue;
		/* only this machine's addresses hold state bits */
		rc = ep_statemap_hold(&vf->states, e);
		if (rc == 0)
			rc = ep_target_list_add_sets(&tl, &m->a[e].addr, m->a[e].ports, "shard");
	}
	if (rc == 0)
		rc = ep_targets_build(out, &tl, NULL, exclude,
		                      (1u << EP_PROTO_TCP) | (1u << EP_PROTO_UDP), d);
	else
		ep_diag_set(d, rc, 0, 0, "out of memory splitting the plan");
	ep_target_list_free(&tl);
	free(order);
	free(load);
	return rc;
}
