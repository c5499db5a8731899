/* Token bucket.  Fractional tokens accumulate, so low rates are exact. */
#include "engine/pacer.h"

void ep_pacer_init(struct ep_pacer *p, double rate, double burst, uint64_t now_ns)
{
	p->rate = rate;
	p->burst = burst < 1 ? 1 : burst;
	p->tokens = 1; /* the first probe leaves at once; no initial burst */
	p->last_ns = now_ns;
}

static void refill(struct ep_pacer *p, uint64_t now_ns)
{
	if (now_ns > p->last_ns) {
		p->tokens += (double)(now_ns - p->last_ns) * p->rate / 1e9;
		if (p->tokens > p->burst)
			p->tokens = p->burst;
		p->last_ns = now_ns;
	}
}

uint64_t ep_pacer_take(struct ep_pacer *p, uint64_t now_ns, uint64_t want)
{
	uint64_t have;

	refill(p, now_ns);
	have = p->tokens < 1 ? 0 : (uint64_t)p->tokens;
	if (have > want)
		have = want;
	p->tokens -= (double)have;
	return have;
}

void ep_pacer_refund(struct ep_pacer *p, uint64_t n)
{
	p->tokens += (double)n;
	if (p->tokens > p->burst)
		p->tokens = p->burst;
}

uint64_t ep_pacer_wait_ns(struct ep_pacer *p, uint64_t now_ns)
{
	refill(p, now_ns);
	if (p->tokens >= 1)
		return 0;
	return (uint64_t)((1 - p->tokens) * 1e9 / p->rate) + 1;
}
