/* Live progress line on stderr: done/total, probes/s, open so far, the
 * measured loss, ETA.
 * A 250 ms timer on the main loop asks the caller for a snapshot. */
#ifndef EP_PROGRESS_H
#define EP_PROGRESS_H

#include <stdint.h>
#include <stdio.h>
#include <uv.h>

struct ep_progress_snapshot {
	uint64_t done;
	uint64_t open;
	uint64_t loss_tries, loss_lost; /* see struct ep_loss_report */
	int stopping;
};

typedef void (*ep_progress_read_cb)(void *arg, struct ep_progress_snapshot *out);

struct ep_progress {
	uv_timer_t timer;
	ep_progress_read_cb read;
	void *arg;
	FILE *out;
	uint64_t total;
	uint64_t last_done;
	uint64_t last_ns;
	double pps; /* smoothed */
	int shown;
};

/* out is stderr normally; the timer is closed by ep_progress_stop. */
void ep_progress_start(struct ep_progress *p, uv_loop_t *loop, uint64_t total,
                       ep_progress_read_cb read, void *arg, FILE *out);
/* Clears the line and closes the timer. */
void ep_progress_stop(struct ep_progress *p);

#endif
