/* Token-bucket rate limiter with an injectable clock.  The bucket holds at
 * most `burst` tokens, so a stalled loop never releases a burst afterwards. */
#ifndef EP_PACER_H
#define EP_PACER_H

#include <stdint.h>

struct ep_pacer {
	double rate;  /* tokens per second */
	double burst; /* bucket size */
	double tokens;
	uint64_t last_ns;
};

void ep_pacer_init(struct ep_pacer *p, double rate, double burst, uint64_t now_ns);
/* Takes up to want tokens; returns how many were granted. */
uint64_t ep_pacer_take(struct ep_pacer *p, uint64_t now_ns, uint64_t want);
/* Gives back tokens that were granted but not used (capped at burst). */
void ep_pacer_refund(struct ep_pacer *p, uint64_t n);
/* Nanoseconds until one token is available (0 if one is now). */
uint64_t ep_pacer_wait_ns(struct ep_pacer *p, uint64_t now_ns);

#endif
