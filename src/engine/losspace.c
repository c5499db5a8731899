/* Pace on loss (see losspace.h).  O(1) per note and per tick. */
#include "engine/losspace.h"

#include <math.h>
#include <string.h>

#include "base/log.h"

#define MIN_PHASE_NS 300000000ull  /* 300 ms */
#define MIN_SAMPLES  200           /* first attempts a phase needs to be judged */
#define LOSS_TEST    0.01          /* measured loss above which a half-rate test runs */
#define SETTLE_NS    20000000ull   /* the last timeouts of a phase fire a little late */
#define TEST_GAP_NS  2000000000ull /* at most one test started every 2 s */

static void phase_open(struct ep_losspace_phase *p, uint64_t now, int test)
{
	memset(p, 0, sizeof(*p));
	p->t0 = now;
	p->t1 = UINT64_MAX;
	p->test = test;
}

void ep_losspace_init(struct ep_losspace *lp, uint64_t now_ns)
{
	memset(lp, 0, sizeof(*lp));
	phase_open(&lp->cur, now_ns, 0);
}

void ep_losspace_note(struct ep_losspace *lp, uint64_t start_ns, int answered)
{
	struct ep_losspace_phase *p = NULL;

	if (start_ns >= lp->cur.t0)
		p = &lp->cur;
	else if (lp->prev_live && start_ns >= lp->prev.t0 && start_ns < lp->prev.t1)
		p = &lp->prev;
	if (p == NULL)
		return;
	if (answered)
		p->answered++;
	else
		p->silent++;
}

static double share(uint64_t s, uint64_t n)
{
	return n ? (double)s / (double)n : 0;
}

/* b's silent share is clearly above a's: three standard errors of the
 * difference, and half a point (a share that barely moves is no signal). */
static int clearly_above(uint64_t sa, uint64_t na, uint64_t sb, uint64_t nb)
{
	double xa = share(sa, na), xb = share(sb, nb), x = share(sa + sb, na + nb);
	double se = sqrt(x * (1 - x) * (1.0 / (double)na + 1.0 / (double)nb));

	return xb - xa > 3 * se + 0.005;
}

static void add_base(struct ep_losspace *lp, const struct ep_losspace_phase *p)
{
	lp->base_n += p->answered + p->silent;
	lp->base_s += p->silent;
	if (p->rate_lo > lp->base_rate)
		lp->base_rate = p->rate_lo;
}

/* Starts a phase at half the rate, to see whether loss falls with it. */
static double start_test(struct ep_losspace *lp, const struct ep_losspace_phase *p, uint64_t now)
{
	lp->testing = 1;
	lp->before_test = *p;
	lp->test_from = p->rate_lo;
	lp->next_test_ns = now + TEST_GAP_NS;
	return p->rate_lo / 2;
}

/* Judges a finished phase; returns the new rate, or 0 to leave it. */
static double judge(struct ep_losspace *lp, const struct ep_losspace_phase *p, double loss,
                    double floor, uint64_t now)
{
	uint64_t n = p->answered + p->silent;

	if (p->test) {
		const struct ep_losspace_phase *hi = &lp->before_test;
		uint64_t nh = hi->answered + hi->silent;

		if (n < MIN_SAMPLES || !clearly_above(p->silent, n, hi->silent, nh)) {
			/* no fall at half the rate: the rate before it was not the cause */
			ep_log(EP_LOG_INFO, "engine",
			       "loss does not fall at half the rate (%.2f%% of first attempts "
			       "unanswered at %.0f/s, %.2f%% at %.0f/s): %.0f/s it is",
			       100 * share(hi->silent, nh), lp->test_from,
			       100 * share(p->silent, n), p->rate_lo, lp->test_from);
			add_base(lp, hi);
			add_base(lp, p);
			lp->base_rate = lp->test_from;
			return lp->test_from;
		}
		lp->slowdowns++;
		ep_log(EP_LOG_WARN, "engine",
		       "loss rises with the rate (%.2f%% of first attempts unanswered at %.0f/s, "
		       "%.2f%% at %.0f/s): slowing down to %.0f/s",
		       100 * share(hi->silent, nh), lp->test_from, 100 * share(p->silent, n),
		       p->rate_lo, p->rate_lo);
		if (p->rate_lo / 2 >= floor)
			return start_test(lp, p, now); /* does it fall further? */
		add_base(lp, p);
		return 0;
	}
	if (n < MIN_SAMPLES)
		return 0;
	if (lp->base_n == 0) {
		if (loss > LOSS_TEST && now >= lp->next_test_ns && p->rate_lo / 2 >= floor)
			return start_test(lp, p, now);
		add_base(lp, p);
		return 0;
	}
	if (!clearly_above(lp->base_s, lp->base_n, p->silent, n)) {
		add_base(lp, p);
		return 0;
	}
	if (p->rate_hi > lp->base_rate * 1.05) { /* the engine's climb found the limit again */
		double to = p->rate_hi * 0.75 > lp->base_rate ? p->rate_hi * 0.75 : lp->base_rate;

		lp->slowdowns++;
		ep_log(EP_LOG_WARN, "engine",
		       "loss rises with the rate (%.2f%% of first attempts unanswered at %.0f/s, "
		       "%.2f%% at %.0f/s): slowing down to %.0f/s",
		       100 * share(lp->base_s, lp->base_n), lp->base_rate,
		       100 * share(p->silent, n), p->rate_hi, to);
		return to;
	}
	/* louder at a rate that was calm: the path changed; measure afresh */
	lp->base_n = lp->base_s = 0;
	lp->base_rate = 0;
	if (now >= lp->next_test_ns && p->rate_lo / 2 >= floor)
		return start_test(lp, p, now);
	return 0;
}

int ep_losspace_tick(struct ep_losspace *lp, uint64_t now_ns, uint64_t wait_ns, double loss,
                     double floor, double *rate, uint64_t *hold_ns)
{
	/* a phase is long enough for ~1000 first attempts and for its
	 * answers to be told apart from the next phase's */
	uint64_t len = *rate > 0 ? (uint64_t)(1000.0 / *rate * 1e9) : MIN_PHASE_NS;
	double to = 0;

	if (len < MIN_PHASE_NS)
		len = MIN_PHASE_NS;
	if (lp->cur.rate_lo == 0 || *rate < lp->cur.rate_lo)
		lp->cur.rate_lo = *rate;
	if (*rate > lp->cur.rate_hi)
		lp->cur.rate_hi = *rate;
	if (lp->prev_live && now_ns >= lp->prev.t1 + wait_ns + SETTLE_NS) {
		lp->prev_live = 0;
		to = judge(lp, &lp->prev, loss, floor, now_ns);
	}
	if (to > 0) {
		int test = lp->testing;

		lp->testing = 0;
		*rate = to;
		phase_open(&lp->cur, now_ns, test); /* what was sent before is not judged */
		/* a test holds its rate until judged */
		*hold_ns = now_ns + (test ? (len > 2 * MIN_PHASE_NS ? len : 2 * MIN_PHASE_NS) +
		                                wait_ns + SETTLE_NS
		                          : 0);
		return 1;
	}
	if (!lp->prev_live && now_ns >= lp->cur.t0 + len) {
		lp->prev = lp->cur;
		lp->prev.t1 = now_ns;
		lp->prev_live = 1;
		phase_open(&lp->cur, now_ns, 0);
	}
	return 0;
}
