/* Live progress line on stderr: sent/total, probes/s, open so far, ETA.
 * Reads the engine's counters from a 250 ms timer on the same loop. */
#ifndef EP_PROGRESS_H
#define EP_PROGRESS_H

#include <stdio.h>
#include <uv.h>

#include "engine/engine.h"

struct ep_progress {
	uv_timer_t timer;
	const struct ep_engine *engine;
	FILE *out;
	uint64_t total;
	uint64_t last_sent;
	uint64_t last_ns;
	double pps; /* smoothed */
	int shown;
};

/* out is stderr normally; the timer is closed by ep_progress_stop. */
void ep_progress_start(struct ep_progress *p, uv_loop_t *loop, const struct ep_engine *e,
                       uint64_t total, FILE *out);
/* Clears the line and closes the timer. */
void ep_progress_stop(struct ep_progress *p);

#endif
