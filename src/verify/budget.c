/* verify's probe budget: when the plan is larger than --max-probes, say
 * what makes it large (the rules that admit the most probes, over how many
 * addresses) and how it could be covered (shards at the given rate), rather
 * than only refusing.  One pass over the planned addresses' admissions. */
#include "verify/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

struct rule_cost {
	const struct ep_rule *rule; /* the first address's copy names it */
	uint64_t probes, addresses;
};

static int by_probes(const void *pa, const void *pb)
{
	const struct rule_cost *a = pa, *b = pb;

	return (a->probes < b->probes) - (a->probes > b->probes);
}

/* Probes an admission adds on one address: its ports, per protocol it covers. */
static uint64_t admitted(const struct ep_admission *x)
{
	uint64_t n = 0;

	for (int p = 0; p < EP_PROTO_COUNT; p++)
		if (ep_admission_covers(x, (enum ep_proto)p, x->lo ? x->lo : 1))
			n += (uint64_t)x->hi - (x->lo ? x->lo : 1) + 1;
	return n;
}

static void human(uint64_t n, char *out, size_t len)
{
	if (n >= 1000000)
		snprintf(out, len, "%.1fM", (double)n / 1e6);
	else if (n >= 10000)
		snprintf(out, len, "%.0fk", (double)n / 1e3);
	else
		snprintf(out, len, "%llu", (unsigned long long)n);
}

static void duration(double s, char *out, size_t len)
{
	if (s >= 5400)
		snprintf(out, len, "%.1f h", s / 3600);
	else if (s >= 90)
		snprintf(out, len, "%.0f min", s / 60);
	else
		snprintf(out, len, "%.0f s", s);
}

void ep_verify_budget_report(const struct verify *vf, uint64_t total, uint64_t max, double rate,
                             unsigned shards)
{
	struct rule_cost *c = NULL;
	size_t n = 0, cap = 0;
	uint64_t per = shards > 1 ? (total + shards - 1) / shards : total;
	uint64_t need = (total + max - 1) / max;
	char a[32], b[32], t[32];

	for (size_t i = 0; i < vf->n; i++)
		for (size_t k = 0; k < vf->a[i].adm.n; k++) {
			const struct ep_admission *x = &vf->a[i].adm.a[k];
			size_t j;

			for (j = 0; j < n; j++)
				if (c[j].rule->index == x->why.index &&
				    strcmp(c[j].rule->sg_id, x->why.sg_id) == 0 &&
				    strcmp(c[j].rule->text, x->why.text) == 0)
					break;
			if (j == n) {
				if (ep_array_reserve((void **)&c, &cap, n + 1, sizeof(*c)))
					break;
				c[n].rule = &x->why;
				c[n].probes = c[n].addresses = 0;
				n++;
			}
			c[j].probes += admitted(x);
			c[j].addresses++;
		}
	if (n > 1)
		qsort(c, n, sizeof(*c), by_probes);
	human(total, a, sizeof(a));
	human(max, b, sizeof(b));
	duration((double)per / rate, t, sizeof(t));
	fprintf(stderr,
	        "ecsprobe: verify: %llu probes (%s%s) exceed --max-probes %llu (%s): %s at "
	        "--rate %.0f\n",
	        (unsigned long long)total, a, shards > 1 ? " in all, the shard's part" : "",
	        (unsigned long long)max, b, t, rate);
	for (size_t j = 0; j < n && j < 5; j++) {
		human(c[j].probes, a, sizeof(a));
		fprintf(stderr,
		        "ecsprobe: verify:   %s rule %u (%s) admits %s probes on %llu address%s\n",
		        c[j].rule->sg_id, c[j].rule->index, c[j].rule->text, a,
		        (unsigned long long)c[j].addresses, c[j].addresses == 1 ? "" : "es");
	}
	if (vf->extra[EP_PROTO_TCP].count + vf->extra[EP_PROTO_UDP].count) {
		human((uint64_t)vf->n *
		          (vf->extra[EP_PROTO_TCP].count + vf->extra[EP_PROTO_UDP].count),
		      a, sizeof(a));
		fprintf(
		    stderr,
		    "ecsprobe: verify:   --extra-ports / --all-ports add up to %s probes on %zu "
		    "address%s\n",
		    a, vf->n, vf->n == 1 ? "" : "es");
	}
	human((total + need - 1) / need, a, sizeof(a));
	duration((double)total / (double)need / rate, t, sizeof(t));
	fprintf(stderr,
	        "ecsprobe: verify: to cover it: --shard I/%llu --seed S on %llu machines (%s "
	        "probes, %s each at --rate %.0f), then --states to merge; or raise --max-probes, "
	        "or narrow the plan (--cluster/--service, --extra-ports '')\n",
	        (unsigned long long)need, (unsigned long long)need, a, t, rate);
	free(c);
}
