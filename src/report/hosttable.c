/* Per-host tallies.  Insertion is O(1) expected; the table doubles at 50% load. */
#include "report/hosttable.h"

#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

void ep_hosttable_init(struct ep_hosttable *h, size_t max_hosts)
{
	memset(h, 0, sizeof(*h));
	h->max_hosts = max_hosts;
}

void ep_hosttable_free(struct ep_hosttable *h)
{
	free(h->slots);
	free(h->open);
	ep_hosttable_init(h, h->max_hosts);
}

static size_t hash_addr(const struct ep_addr *a)
{
	uint64_t x = 1469598103934665603ULL; /* FNV-1a */

	x = (x ^ a->family) * 1099511628211ULL;
	for (int i = 0; i < 16; i++)
		x = (x ^ a->b[i]) * 1099511628211ULL;
	return (size_t)x;
}

static struct ep_host *find(struct ep_host *slots, size_t cap, const struct ep_addr *a)
{
	size_t i = hash_addr(a) & (cap - 1);

	while (slots[i].used && ep_addr_cmp(&slots[i].addr, a) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct ep_hosttable *h)
{
	size_t cap = h->cap ? h->cap * 2 : 64;
	struct ep_host *n = calloc(cap, sizeof(*n));

	if (n == NULL)
		return -1;
	for (size_t i = 0; i < h->cap; i++)
		if (h->slots[i].used)
			*find(n, cap, &h->slots[i].addr) = h->slots[i];
	free(h->slots);
	h->slots = n;
	h->cap = cap;
	return 0;
}

int ep_hosttable_add(struct ep_hosttable *h, const struct ep_result *r)
{
	struct ep_host *slot = NULL;

	if (h->cap)
		slot = find(h->slots, h->cap, &r->t.addr);
	if (slot == NULL || !slot->used) {
		if (h->used >= h->max_hosts) {
			h->dropped_hosts++;
			slot = NULL;
		} else {
			if ((h->used + 1) * 2 > h->cap && grow(h))
				return -1;
			slot = find(h->slots, h->cap, &r->t.addr);
			slot->used = 1;
			slot->addr = r->t.addr;
			h->used++;
		}
	}
	if (slot)
		slot->counts[r->state]++;
	if (r->state == EP_STATE_OPEN) {
		if (ep_array_reserve((void **)&h->open, &h->open_cap, h->nopen + 1,
		                     sizeof(*h->open)))
			return -1;
		h->open[h->nopen++] = (struct ep_open_port){r->t.addr, r->t.proto, r->t.port,
		                                            r->reason, r->rtt_ns,  r->probe};
	}
	return 0;
}

const struct ep_host *ep_hosttable_get(const struct ep_hosttable *h, const struct ep_addr *a)
{
	const struct ep_host *s;

	if (h->cap == 0)
		return NULL;
	s = find(h->slots, h->cap, a);
	return s->used ? s : NULL;
}

static int open_cmp(const void *pa, const void *pb)
{
	const struct ep_open_port *a = pa, *b = pb;
	int c = ep_addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return (a->port > b->port) - (a->port < b->port);
}

void ep_hosttable_sort(struct ep_hosttable *h)
{
	if (h->nopen)
		qsort(h->open, h->nopen, sizeof(*h->open), open_cmp);
}
