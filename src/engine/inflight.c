/* In-flight probe table.  See inflight.h. */
#include "engine/inflight.h"

#include <stdlib.h>

#include "base/err.h"

static struct ep_inflight_link *link_of(struct ep_probe *p)
{
	return (struct ep_inflight_link *)(void *)p->priv;
}

int ep_inflight_init(struct ep_inflight *h, unsigned max_inflight)
{
	size_t nb = 1024;

	while (nb < (size_t)max_inflight * 2)
		nb *= 2;
	h->bucket = calloc(nb, sizeof(*h->bucket));
	h->mask = nb - 1;
	return h->bucket ? 0 : EP_ENOMEM;
}

void ep_inflight_free(struct ep_inflight *h)
{
	free(h->bucket);
	h->bucket = NULL;
}

void ep_inflight_add(struct ep_inflight *h, struct ep_probe *p, uint32_t hash)
{
	struct ep_probe **b = &h->bucket[hash & h->mask];

	link_of(p)->hash = hash;
	link_of(p)->next = *b;
	*b = p;
}

void ep_inflight_del(struct ep_inflight *h, struct ep_probe *p)
{
	struct ep_probe **b = &h->bucket[link_of(p)->hash & h->mask];

	for (; *b; b = &link_of(*b)->next)
		if (*b == p) {
			*b = link_of(p)->next;
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
