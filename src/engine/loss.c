/* Loss estimator and retry policy (see loss.h for the model).  Every call is
 * O(1): one hash of the address into each of two direct-mapped tables. */
#include "engine/loss.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define HOST_CELLS_MAX (1u << 16) /* 3 MiB; beyond it hosts share cells and evict */
#define NET_CELLS      (1u << 12)
/* Pseudo-answers of the overall rate a network's own count is shrunk
 * toward, so a network with a handful of answers gets no wild estimate. */
#define SHRINK 200.0
#define P_MAX  0.5 /* beyond this the cap ends the retries anyway */

static uint32_t addr_hash(const struct ep_addr *a)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	int n = a->family == 6 ? 16 : 4;

	h = (h ^ a->family) * 16777619u;
	for (int i = 0; i < n; i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h ^ (h >> 15);
}

/* The cell of key, emptied and taken over when another key held it. */
static struct ep_loss_cell *cell(struct ep_loss_cell *t, uint32_t mask, const struct ep_addr *key)
{
	struct ep_loss_cell *c = &t[addr_hash(key) & mask];

	if (c->key.family != key->family || memcmp(c->key.b, key->b, sizeof(key->b)) != 0) {
		memset(c, 0, sizeof(*c));
		c->key = *key;
	}
	return c;
}

/* Read-only lookup: NULL when key holds no cell. */
static const struct ep_loss_cell *find(const struct ep_loss_cell *t, uint32_t mask,
                                       const struct ep_addr *key)
{
	const struct ep_loss_cell *c = &t[addr_hash(key) & mask];

	if (c->key.family != key->family || memcmp(c->key.b, key->b, sizeof(key->b)) != 0)
		return NULL;
	return c;
}

static struct ep_addr host_key(const struct ep_addr *a)
{
	struct ep_addr k;

	memset(&k, 0, sizeof(k));
	k.family = a->family;
	memcpy(k.b, a->b, a->family == 6 ? 16 : 4);
	return k;
}

void ep_loss_network(const struct ep_addr *a, struct ep_addr *net, unsigned *prefix)
{
	*net = host_key(a);
	if (a->family == 6) {
		memset(net->b + 8, 0, 8);
		*prefix = 64;
	} else {
		net->b[3] = 0;
		*prefix = 24;
	}
}

int ep_loss_init(struct ep_loss *l, uint64_t nhosts, unsigned floor, unsigned cap)
{
	uint32_t n = 16;

	memset(l, 0, sizeof(*l));
	while (n < HOST_CELLS_MAX && n < nhosts * 2)
		n *= 2;
	l->floor = floor;
	l->cap = cap;
	l->bound = EP_LOSS_BOUND;
	if (cap <= floor)
		return 0; /* fixed retries: no tables needed */
	l->host = calloc(n, sizeof(*l->host));
	l->net = calloc(NET_CELLS, sizeof(*l->net));
	if (l->host == NULL || l->net == NULL) {
		ep_loss_free(l);
		return EP_ENOMEM;
	}
	l->host_mask = n - 1;
	l->net_mask = NET_CELLS - 1;
	return 0;
}

void ep_loss_free(struct ep_loss *l)
{
	free(l->host);
	free(l->net);
	l->host = l->net = NULL;
}

static void count_answer(struct ep_loss_cell *c, unsigned attempt)
{
	if (attempt == 1)
		c->first_answered++;
	c->tries += attempt;
	c->lost += attempt - 1;
}

void ep_loss_answered(struct ep_loss *l, const struct ep_addr *a, unsigned attempt)
{
	struct ep_addr h = host_key(a), net;
	unsigned prefix;

	if (attempt == 0)
		return;
	count_answer(&l->all, attempt);
	if (l->host == NULL)
		return;
	ep_loss_network(a, &net, &prefix);
	count_answer(cell(l->host, l->host_mask, &h), attempt);
	count_answer(cell(l->net, l->net_mask, &net), attempt);
}

static double estimate(const struct ep_loss *l, const struct ep_loss_cell *net)
{
	double all = ((double)l->all.lost + 1.0) / ((double)l->all.tries + 2.0);
	double t = net ? (double)net->tries : 0, lost = net ? (double)net->lost : 0;
	double p = (lost + SHRINK * all) / (t + SHRINK);
	double ub = p + 2 * sqrt(p * (1 - p) / (t + SHRINK));

	return ub > P_MAX ? P_MAX : ub;
}

double ep_loss_estimate(const struct ep_loss *l, const struct ep_addr *a)
{
	struct ep_addr net;
	unsigned prefix;

	if (l->net == NULL)
		return estimate(l, NULL);
	ep_loss_network(a, &net, &prefix);
	return estimate(l, find(l->net, l->net_mask, &net));
}

int ep_loss_silent(struct ep_loss *l, const struct ep_addr *a, unsigned attempt)
{
	struct ep_addr h = host_key(a), net;
	struct ep_loss_cell *hc;
	unsigned prefix;
	double p, n1, s, f, pn, missed;

	if (attempt == 1)
		l->all.first_silent++;
	if (l->host == NULL || attempt > l->cap)
		return attempt <= l->floor;
	ep_loss_network(a, &net, &prefix);
	hc = cell(l->host, l->host_mask, &h);
	if (attempt == 1) {
		hc->first_silent++;
		cell(l->net, l->net_mask, &net)->first_silent++;
	}
	if (attempt <= l->floor)
		return 1;
	if (hc->first_answered == 0)
		return 0; /* nothing from this host (yet): silence is its answer */
	p = estimate(l, find(l->net, l->net_mask, &net));
	/* f, the host's filtered share, from s = f + (1-f) p; never below one
	 * target in the host's sample (the estimate is noisy where f is small,
	 * and a small f is what makes silence suspicious) */
	n1 = (double)hc->first_answered + (double)hc->first_silent;
	s = ((double)hc->first_silent + 1.0) / (n1 + 2.0);
	f = (s - p) / (1 - p);
	if (f < 1.0 / (n1 + 2.0))
		f = 1.0 / (n1 + 2.0);
	if (f > 1)
		f = 1;
	pn = pow(p, (double)attempt);
	missed = (1 - f) * pn / ((1 - f) * pn + f);
	if (missed <= l->bound)
		return 0;
	l->extra++;
	return 1;
}
