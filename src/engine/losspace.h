/* Pace on loss: slow down when loss rises with the rate (a congested path, a
 * NAT gateway, a rate-limiting middlebox), and only then.  Random loss that
 * does not depend on the rate is left to the retries (engine/loss.h):
 * slowing down for it would cost time and buy nothing.
 *
 * The signal is the share of first attempts that got no answer, by the time
 * they were sent: filtered ports and dead hosts add the same share at any
 * rate (the permutation spreads them evenly), so a rise of the share with
 * the rate is loss caused by the rate.  Sending time is cut into phases; a
 * phase is judged once its last probe had its wait.  When loss shows (the
 * measured per-attempt loss is above 1%), one phase runs at half the rate:
 * if its share is clearly lower, the path drops when pushed and the rate
 * stays down (the engine's AIMD climbs back, and a later phase whose share
 * rises above the calm one at a higher rate cuts again); if not, the rate
 * goes back up and the loss is left to the retries.  Loop thread only. */
#ifndef EP_LOSSPACE_H
#define EP_LOSSPACE_H

#include <stdint.h>

struct ep_losspace_phase {
	uint64_t t0, t1; /* sending times covered */
	uint64_t answered, silent;
	double rate_lo, rate_hi; /* the pacer's rate as seen while it ran */
	int test;                /* ran at half the rate, to test */
};

struct ep_losspace {
	struct ep_losspace_phase cur, prev;
	int prev_live;
	int testing; /* the next phase is a test */
	uint64_t next_test_ns;
	double test_from; /* the rate a test halved */
	struct ep_losspace_phase before_test;
	uint64_t base_n, base_s; /* first attempts judged calm, and their silent share */
	double base_rate;        /* the highest rate with a calm phase */
	uint64_t slowdowns;
};

void ep_losspace_init(struct ep_losspace *lp, uint64_t now_ns);
/* A first attempt sent at start_ns got an answer (1) or none (0). */
void ep_losspace_note(struct ep_losspace *lp, uint64_t start_ns, int answered);
/* From the loop's timers.  rate: the pacer's rate in force (updated when
 * this returns 1); wait_ns: the longest wait for an answer (a phase is
 * judged that long after its end); loss: measured per-attempt loss so far;
 * floor: no test goes below it.  *hold_ns: until when the engine must not
 * raise the rate by itself. */
int ep_losspace_tick(struct ep_losspace *lp, uint64_t now_ns, uint64_t wait_ns, double loss,
                     double floor, double *rate, uint64_t *hold_ns);

#endif
