/* Measured loss and the retry policy it drives.  One per engine (loop thread
 * only; owns its two tables).  Loss is measured on targets that answered:
 * a target answered on attempt k lost k-1 attempts first, so over those
 * targets lost/tries estimates the chance that one attempt goes unanswered
 * (probe or answer dropped, or the answer came after the wait).
 *
 * Retry policy: a silent target on a host that answers other targets gets
 * another attempt while the chance that it does answer and every attempt so
 * far was lost is above a bound (1e-6).  Bayes over two causes of silence:
 * a filter (the share f of this host's targets that never answer) and loss
 * (per attempt p, measured on the host's network):
 *     P(answers | n silent attempts) = (1-f) p^n / ((1-f) p^n + f)
 * f comes from the host's first attempts: a share s of them was silent,
 * s = f + (1-f) p.  A host or network that answers nothing has f = 1: only
 * the floor of retries, so a real filter never multiplies the cost. */
#ifndef EP_LOSS_H
#define EP_LOSS_H

#include <stdint.h>

#include "config/cidr.h"

#define EP_LOSS_BOUND       1e-6 /* chance of a missed answer we accept per target */
#define EP_LOSS_MAX_RETRIES 15   /* the cap of the adaptive policy (default) */

/* One host or one network: what its targets did. */
struct ep_loss_cell {
	struct ep_addr key;                    /* family 0: empty */
	uint32_t first_answered, first_silent; /* outcomes of first attempts */
	uint64_t tries, lost; /* attempts on targets that answered; unanswered ones */
};

struct ep_loss {
	struct ep_loss_cell *host, *net; /* direct-mapped: a collision evicts */
	uint32_t host_mask, net_mask;
	struct ep_loss_cell all;
	unsigned floor, cap; /* retries: always floor; at most cap (cap <= floor: fixed) */
	double bound;
	uint64_t extra; /* retries beyond the floor, sent because of measured loss */
};

/* Sized for nhosts (at most 2^18 host cells, 2^12 network cells).
 * floor = --retries (default 1), cap = EP_LOSS_MAX_RETRIES; cap <= floor
 * gives the fixed policy of --retries N. */
int ep_loss_init(struct ep_loss *l, uint64_t nhosts, unsigned floor, unsigned cap);
void ep_loss_free(struct ep_loss *l);
/* A target of host a answered on attempt `attempt` (1 = the first). */
void ep_loss_answered(struct ep_loss *l, const struct ep_addr *a, unsigned attempt);
/* Attempt `attempt` of a target of host a got no answer in time.  Returns 1
 * when the target should be tried again, 0 when its silence is final. */
int ep_loss_silent(struct ep_loss *l, const struct ep_addr *a, unsigned attempt);
/* The network a host is counted in: IPv4 /24, IPv6 /64. */
void ep_loss_network(const struct ep_addr *a, struct ep_addr *net, unsigned *prefix);
/* Per-attempt loss estimate for host a's network (conservative: an upper
 * bound, shrunk toward the overall rate when the network has few answers). */
double ep_loss_estimate(const struct ep_loss *l, const struct ep_addr *a);

#endif
