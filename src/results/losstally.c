/* Loss tally over results (see losstally.h). */
#include "results/losstally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "engine/loss.h"

#define NET_CELLS 1024u
#define MIN_TRIES 100 /* a network's rate is reported from this many tries on */

int ep_loss_tally_init(struct ep_loss_tally *t)
{
	memset(t, 0, sizeof(*t));
	t->nets = calloc(NET_CELLS, sizeof(*t->nets));
	if (t->nets == NULL)
		return EP_ENOMEM;
	t->mask = NET_CELLS - 1;
	return 0;
}

void ep_loss_tally_free(struct ep_loss_tally *t)
{
	free(t->nets);
	t->nets = NULL;
}

static uint32_t net_hash(const struct ep_addr *a)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 16777619u;
	return (h ^ a->family) ^ (h >> 13);
}

static int is_answer(const struct ep_result *r)
{
	return r->reason != EP_REASON_TIMEOUT && r->reason != EP_REASON_ERROR &&
	       r->reason != EP_REASON_RESOURCE && r->attempts > 0;
}

void ep_loss_tally_add(struct ep_loss_tally *t, const struct ep_result *r)
{
	struct ep_addr net;
	struct ep_loss_net *c;
	unsigned prefix;

	if (!is_answer(r))
		return;
	t->tries += r->attempts;
	t->lost += r->attempts - 1;
	if (t->nets == NULL)
		return;
	ep_loss_network(&r->t.addr, &net, &prefix);
	c = &t->nets[net_hash(&net) & t->mask];
	if (c->net.family == 0) {
		c->net = net;
		c->prefix = prefix;
	} else if (ep_addr_cmp(&c->net, &net) != 0) {
		t->other_tries += r->attempts;
		t->other_lost += r->attempts - 1;
		return;
	}
	c->tries += r->attempts;
	c->lost += r->attempts - 1;
}

/* a is lossier than b (cross-multiplied: no division) */
static int worse(const struct ep_loss_net *a, const struct ep_loss_net *b)
{
	return (double)a->lost * (double)b->tries > (double)b->lost * (double)a->tries;
}

void ep_loss_tally_report(const struct ep_loss_tally *t, struct ep_loss_report *r)
{
	r->tries = t->tries;
	r->lost = t->lost;
	r->nnets = 0;
	for (uint32_t i = 0; t->nets && i <= t->mask; i++) {
		const struct ep_loss_net *c = &t->nets[i];
		unsigned k;

		if (c->net.family == 0 || c->tries < MIN_TRIES)
			continue;
		if (r->nnets == EP_LOSS_NETS && !worse(c, &r->net[EP_LOSS_NETS - 1]))
			continue;
		k = r->nnets < EP_LOSS_NETS ? r->nnets++ : EP_LOSS_NETS - 1;
		while (k > 0 && worse(c, &r->net[k - 1])) { /* insertion, worst first */
			r->net[k] = r->net[k - 1];
			k--;
		}
		r->net[k] = *c;
	}
}

void ep_loss_format(uint64_t tries, uint64_t lost, char *out, size_t outlen)
{
	if (tries == 0)
		snprintf(out, outlen, "-");
	else
		snprintf(out, outlen, "%.2f%%", 100.0 * (double)lost / (double)tries);
}
