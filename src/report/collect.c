/* The gatherer behind the whole-document outputs (collect.h). */
#include "report/collect.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "config/cidr.h"

void ep_collect_init(struct ep_collect *c, size_t max_hosts)
{
	memset(c, 0, sizeof(*c));
	ep_hosttable_init(&c->hosts, max_hosts);
}

void ep_collect_free(struct ep_collect *c)
{
	ep_hosttable_free(&c->hosts);
	ep_findings_free(&c->findings);
	free(c->controls);
	memset(c, 0, sizeof(*c));
}

int ep_collect_result(struct ep_collect *c, const struct ep_result *r)
{
	int p = r->t.proto == EP_PROTO_UDP;

	c->probed[p][r->t.port >> 3] |= (uint8_t)(1u << (r->t.port & 7));
	c->counts[r->state]++;
	c->results++;
	return ep_hosttable_add(&c->hosts, r) ? EP_ENOMEM : 0;
}

int ep_collect_finding(struct ep_collect *c, const struct ep_finding *f, unsigned controls)
{
	if (ep_array_reserve((void **)&c->controls, &c->controls_cap, c->findings.n + 1,
	                     sizeof(*c->controls)))
		return EP_ENOMEM;
	c->controls[c->findings.n] = controls;
	return ep_findings_add(&c->findings, f);
}

int ep_collect_probed(const struct ep_collect *c, enum ep_proto p, uint16_t port)
{
	return (c->probed[p == EP_PROTO_UDP][port >> 3] >> (port & 7)) & 1;
}

static int host_cmp(const void *pa, const void *pb)
{
	const struct ep_host *const *a = pa, *const *b = pb;

	return ep_addr_cmp(&(*a)->addr, &(*b)->addr);
}

const struct ep_host **ep_collect_hosts(const struct ep_collect *c, size_t *n)
{
	const struct ep_host **v;
	size_t k = 0;

	*n = 0;
	if (c->hosts.used == 0)
		return NULL;
	v = calloc(c->hosts.used, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < c->hosts.cap; i++)
		if (c->hosts.slots[i].used)
			v[k++] = &c->hosts.slots[i];
	qsort(v, k, sizeof(*v), host_cmp);
	*n = k;
	return v;
}
