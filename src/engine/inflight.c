/* In-flight probe table.  See inflight.h. */
#include "engine/inflight.h"

#include <stdlib.h>

#include "base/err.h"

static struct ep_inflight_link *link_of(struct ep_probe *p)
{
	return (struct ep_inflight_link *)(void *)p->priv;
}

#define START 1024 /* buckets: 8 KiB */

int ep_inflight_init(struct ep_inflight *h, unsigned max_inflight)
{
	size_t most = START;

	while (most < (size_t)max_inflight * 2)
		most *= 2;
	h->bucket = calloc(START, sizeof(*h->bucket));
	h->mask = START - 1;
	h->n = 0;
	h->most = most;
	return h->bucket ? 0 : EP_ENOMEM;
}

size_t ep_inflight_reserved(const struct ep_inflight *h)
{
	return h->most * sizeof(*h->bucket);
}

void ep_inflight_free(struct ep_inflight *h)
{
	free(h->bucket);
	h->bucket = NULL;
}

/* Doubles the buckets; without the memory the chains just grow longer. */
static void grow(struct ep_inflight *h)
{
	size_t nb = (h->mask + 1) * 2;
	struct ep_probe **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;
	for (size_t i = 0; i <= h->mask; i++) {
		struct ep_probe *p = h->bucket[i], *next;

		for (; p; p = next) {
			struct ep_probe **to = &b[link_of(p)->hash & (nb - 1)];

			next = link_of(p)->next;
			link_of(p)->next = *to;
			*to = p;
		}
	}
	free(h->bucket);
	h->bucket = b;
	h->mask = nb - 1;
}

void ep_inflight_add(struct ep_inflight *h, struct ep_probe *p, uint32_t hash)
{
	struct ep_probe **b;

	if (h->n > h->mask && h->mask + 1 < h->most)
		grow(h);
	b = &h->bucket[hash & h->mask];
	link_of(p)->hash = hash;
	link_of(p)->next = *b;
	*b = p;
	h->n++;
}

void ep_inflight_del(struct ep_inflight *h, struct ep_probe *p)
{
	struct ep_probe **b = &h->bucket[link_of(p)->hash & h->mask];

	for (; *b; b = &link_of(*b)->next)
		if (*b == p) {
			*b = link_of(p)->next;
			h->n--;
			return;
		}
}

struct ep_probe *ep_inflight_find(const struct ep_inflight *h, uint32_t hash,
                                  const struct ep_addr *addr, uint16_t port)
{
	for (struct ep_probe *p = h->bucket[hash & h->mask]; p; p = link_of(p)->next)
		if (link_of(p)->hash == hash && p->t.port == port &&
		    ep_addr_cmp(&p->t.addr, addr) == 0)
			return p;
	return NULL;
}
