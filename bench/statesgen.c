/* Synthetic shard states for the estate benchmark: builds verify's plan
 * for an inventory exactly as `ecsprobe verify --inventory INV --source-ip
 * IP --extra-ports ''` does, marks every planned probe closed except about
 * one in OPEN_EVERY (open), and every UDP probe of one address in 7
 * open|filtered (a host firewall that drops), and writes
 * N states files split as `verify --shard k/N` splits (by address), so
 * `verify --states` (the merge and the judge, everything but the probing)
 * can be timed at estate scale without sending a packet.
 * usage: statesgen INVENTORY SOURCE_IP NSHARDS OUT_PREFIX */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "model/targets.h"
#include "verify/verify.h"

#define OPEN_EVERY 9973 /* a prime: open ports land all over the ranges */

static int write_shard(struct verify *vf, const char *plan, unsigned k, unsigned n,
                       const char *prefix)
{
	struct ep_statemap *m = &vf->states;
	struct ep_scan_info info;
	struct ep_summary sum;
	struct ep_targets part;
	struct ep_rangelist ex;
	struct ep_diag d = {0};
	char path[4096];
	FILE *f;
	int rc;

	/* this shard's addresses only, as verify --shard k/n picks them */
	for (size_t e = 0; e < m->n; e++)
		ep_statemap_release(m, e);
	m->measured = 0;
	ep_rangelist_init(&ex);
	if (ep_verify_shard_targets(vf, k, n, &ex, &part, &d))
		return -1;
	ep_targets_free(&part);
	for (size_t e = 0; e < m->n; e++)
		for (int p = 0; p < EP_PROTO_COUNT; p++) {
			uint32_t count = m->a[e].ports[p].count;

			if (m->a[e].nib[p] == NULL)
				continue;
			for (uint32_t i = 0; i < count; i++) {
				uint64_t h = (uint64_t)e * 2654435761u + i * 40503u + (unsigned)p;

				ep_statemap_set(m, e, (enum ep_proto)p, i,
				                h % OPEN_EVERY == 0 ? EP_STATE_OPEN
				                : p == EP_PROTO_UDP && e % 7 == 0
				                    ? EP_STATE_OPEN_FILTERED
				                    : EP_STATE_CLOSED);
			}
		}
	memset(&info, 0, sizeof(info));
	memset(&sum, 0, sizeof(sum));
	snprintf(info.scan_id, sizeof(info.scan_id), "statesgen-%u", k + 1);
	snprintf(info.plan, sizeof(info.plan), "%s", plan);
	info.seed = 1;
	info.shard_index = k;
	info.shard_count = n;
	sum.complete = 1;
	snprintf(path, sizeof(path), "%s%u.ndjson", prefix, k + 1);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	rc = ep_verify_save_states(vf, f, path, &info, &sum, &d);
	if (fclose(f) || rc) {
		fprintf(stderr, "statesgen: %s: %s\n", path, d.msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct verify *vf = calloc(1, sizeof(*vf));
	struct ep_target_list tl;
	struct ep_targets t;
	struct ep_rangelist ex;
	struct ep_diag d = {0};
	char plan[17];
	unsigned n;
	cJSON *doc;

	if (argc != 5 || vf == NULL || (n = (unsigned)strtoul(argv[3], NULL, 10)) == 0) {
		fprintf(stderr, "usage: statesgen INVENTORY SOURCE_IP NSHARDS OUT_PREFIX\n");
		return 2;
	}
	doc = ep_cmd_load_inventory(argv[1]);
	if (doc == NULL || ep_exposure_build(&vf->model, doc, &d) ||
	    ep_addr_parse(argv[2], &vf->v.src[0])) {
		fprintf(stderr, "statesgen: %s\n", d.msg);
		return 2;
	}
	cJSON_Delete(doc);
	vf->v.has[0] = 1;
	ep_target_list_init(&tl);
	ep_rangelist_init(&ex);
	if (ep_verify_build(vf, &tl) ||
	    ep_targets_build(&t, &tl, NULL, &ex, (1u << EP_PROTO_TCP) | (1u << EP_PROTO_UDP), &d) ||
	    ep_statemap_seal_lazy(&vf->states)) {
		fprintf(stderr, "statesgen: cannot plan: %s\n", d.msg);
		return 3;
	}
	ep_targets_fingerprint(&t, plan);
	for (unsigned k = 0; k < n; k++)
		if (write_shard(vf, plan, k, n, argv[4]))
			return 3;
	printf("statesgen: %zu addresses, %llu probes, plan %s, %u shard%s\n", vf->n,
	       (unsigned long long)vf->states.planned, plan, n, n == 1 ? "" : "s");
	ep_targets_free(&t);
	ep_target_list_free(&tl);
	ep_verify_free(vf);
	free(vf);
	return 0;
}
